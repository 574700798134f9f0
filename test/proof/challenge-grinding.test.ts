// Grinding before the challenges whose error grows with the height (params.challengePowBits; stark/security.ts):
// the nonces ground before the LogUp challenges, ζ, the PCS's batching coefficients and each FRI folding β are in
// the proof and its encoding; a nonce that does not solve its puzzle, a missing one, an extra one, or a proof made
// at other bits is rejected; the figures gain exactly those bits, and the zkVM reaches 100 conjectured bits at
// every height from 2^18 to 2^24 rows (99 at 2^18 without it), in both hash configurations (Poseidon2: 93 at 2^24
// without it).
import { describe, expect, it } from 'vitest';
import { buildSystem, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { prove, type StarkProof } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { decodeStarkProof, encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import { DEFAULT_PCS_PARAMS, POSEIDON2_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { machine, vmTraces } from '../../runtime/vm/machine.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { countingLoop } from '../fixtures/sample-programs.ts';
import * as X from '../fixtures/sample-airs.ts';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';

const LOG = 6;
const params = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const system = (challengePowBits: number): StarkSystem<FriPcsProof> =>
  buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...params, challengePowBits }, { allowInsecure: true }), true);
const traces = [X.squaresTrace(LOG, 9), X.consumerTrace(LOG, 2 ** LOG, 9)];

const encode = (p: StarkProof<FriPcsProof>): Uint8Array => encodeStarkProof(p, encodeFriPcsProof);
const decode = (s: StarkSystem<FriPcsProof>, bytes: Uint8Array) => decodeStarkProof(bytes, s, (b, layouts) => decodeFriPcsProof(b, s.pcs.params, layouts));

describe('grinding before the challenges', () => {
  const sys = system(12);
  const proof = prove(sys, traces, [9], { seed: 'challenge-grinding' });
  const pcsProof = proof.pcsProof;
  const withPcs = (p: Partial<FriPcsProof>): StarkProof<FriPcsProof> => ({ ...proof, pcsProof: { ...pcsProof, ...p } });
  const withFri = (f: Partial<FriPcsProof['fri']>): StarkProof<FriPcsProof> => withPcs({ fri: { ...pcsProof.fri, ...f } });
  const rejects = (p: StarkProof<FriPcsProof>, pattern: RegExp) => {
    const v = verify(sys, [9], p);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(pattern);
  };

  it('puts a nonce before each of those challenges, and the proof verifies and survives encoding', () => {
    expect(proof.logupNonce).not.toBeNull();
    expect(proof.zetaNonce).not.toBeNull();
    expect(pcsProof.alphaNonce).not.toBeNull();
    expect(pcsProof.fri.betaNonces.length).toBe(pcsProof.fri.roots.length);
    expect(pcsProof.fri.roots.length).toBeGreaterThan(0);
    expect(verify(sys, [9], proof)).toEqual({ ok: true });
    const bytes = encode(proof);
    const d = decode(sys, bytes);
    expect(d.ok).toBe(true);
    if (d.ok) {
      expect(encode(d.value)).toEqual(bytes);
      expect(verify(sys, [9], d.value)).toEqual({ ok: true });
    }
    // The LogUp nonce follows the main root (u32 LE): "ZPST", version, table count, heights, root.
    const at = 4 + 1 + 1 + proof.logHeights.length + 32;
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true)).toBe(proof.logupNonce);
    const plain = prove(system(0), traces, [9], { seed: 'challenge-grinding' });
    expect(plain.logupNonce).toBeNull();
    expect(plain.zetaNonce).toBeNull();
    expect(plain.pcsProof.alphaNonce).toBeNull();
    expect(plain.pcsProof.fri.betaNonces).toEqual([]);
  });

  it('rejects a nonce that does not solve its puzzle', () => {
    rejects({ ...proof, logupNonce: proof.logupNonce! + 1 }, /before the LogUp challenges/);
    rejects({ ...proof, zetaNonce: proof.zetaNonce! + 1 }, /before the out-of-domain point/);
    rejects(withPcs({ alphaNonce: pcsProof.alphaNonce! + 1 }), /before the batching coefficients/);
    const last = pcsProof.fri.betaNonces.length - 1;
    for (const r of [0, last]) {
      const betaNonces = pcsProof.fri.betaNonces.slice();
      betaNonces[r] = betaNonces[r]! + 1;
      rejects(withFri({ betaNonces }), new RegExp(`round ${r}: the nonce ground before its folding challenge`));
    }
  });

  it('rejects missing, extra and malformed nonces', () => {
    rejects({ ...proof, logupNonce: null }, /before the LogUp challenges/);
    rejects({ ...proof, zetaNonce: null }, /before the out-of-domain point/);
    rejects(withPcs({ alphaNonce: null }), /batching coefficients/);
    rejects(withFri({ betaNonces: pcsProof.fri.betaNonces.slice(1) }), /nonces ground before the folding challenges/);
    rejects({ ...proof, logupNonce: -1 }, /LogUp/);
    rejects({ ...proof, zetaNonce: 2 ** 32 + proof.zetaNonce! }, /out-of-domain point/);
    rejects({ ...proof, zetaNonce: 0.5 }, /out-of-domain point/);
  });

  it('refuses a proof made at other grinding bits, as objects and as bytes', () => {
    const plainSys = system(0);
    const plain = prove(plainSys, traces, [9], { seed: 'challenge-grinding' });
    expect(verify(plainSys, [9], plain)).toEqual({ ok: true });
    expect(verify(sys, [9], plain).ok).toBe(false);
    expect(verify(plainSys, [9], proof).ok).toBe(false);
    expect(decode(sys, encode(plain)).ok).toBe(false);
    expect(decode(plainSys, encode(proof)).ok).toBe(false);
    // Fewer bits than the verifier's: the nonces are there, but the puzzles are the verifier's.
    const weak = prove(system(1), traces, [9], { seed: 'challenge-grinding' });
    const d = decode(sys, encode(weak));
    expect(d.ok && verify(sys, [9], d.value).ok).toBe(false);
  });

  it('adds its bits to the LogUp, DEEP and FRI field terms, not to the proven figure', () => {
    const heights = proof.logHeights;
    const a = starkSecurity(system(0), heights);
    const b = starkSecurity(sys, heights);
    expect(b.terms.logup! - a.terms.logup!).toBeCloseTo(12, 9);
    expect(b.terms.deep - a.terms.deep).toBeCloseTo(12, 9);
    expect(b.terms.constraints).toBe(a.terms.constraints);
    expect(b.provenBits).toBe(a.provenBits);
  });

  it('gives the zkVM at least 100 conjectured bits from 2^18 to 2^24 rows (and LogUp alone ≥ 100)', () => {
    const c = countingLoop(Math.floor((2 ** 12 - 3) / 3));
    const exec = execute(c.program, c.inputs);
    const m = machine(c.program);
    const logs = vmTraces(exec).map((t) => Math.log2(t.height));
    const cpu = m.system.tables.findIndex((t) => t.analyzed.air.name === 'cpu');
    expect(logs[cpu]).toBe(12);
    const plainSystem = machine(c.program, new FriPcs({ ...DEFAULT_PCS_PARAMS, challengePowBits: 0 })).system;
    for (let L = 18; L <= 24; L++) {
      // The CPU table at 2^L rows (the tables at 2^12 with it), the short tables as executed, the blinding collector.
      const heights = [...logs.map((h) => (h >= 12 ? h + L - 12 : h)), 1];
      const s = starkSecurity(m.system, heights);
      expect(s.conjecturedBits, `2^${L} rows`).toBeGreaterThanOrEqual(100);
      expect(s.terms.logup!, `2^${L} rows`).toBeGreaterThanOrEqual(100);
      expect(s.terms.pcs, `2^${L} rows`).toBeGreaterThanOrEqual(100);
      if (L === 18) expect(starkSecurity(plainSystem, heights).conjecturedBits).toBe(99);
    }
  });

  it('gives the zkVM in the Poseidon2 configuration at least 100 conjectured bits from 2^18 to 2^24 rows', () => {
    const c = countingLoop(Math.floor((2 ** 12 - 3) / 3));
    const logs = vmTraces(execute(c.program, c.inputs)).map((t) => Math.log2(t.height));
    const p2 = (challengePowBits: number) =>
      machine(c.program, new FriPcs({ ...POSEIDON2_PCS_PARAMS, challengePowBits }, { ...HASH_CONFIGS.poseidon2 })).system;
    expect(POSEIDON2_PCS_PARAMS.challengePowBits).toBe(8);
    const ground = p2(8);
    for (let L = 18; L <= 24; L++) {
      const heights = [...logs.map((h) => (h >= 12 ? h + L - 12 : h)), 1];
      const s = starkSecurity(ground, heights);
      expect(s.conjecturedBits, `2^${L} rows`).toBeGreaterThanOrEqual(100);
      expect(s.terms.logup!, `2^${L} rows`).toBeGreaterThanOrEqual(100);
      expect(s.terms.pcs, `2^${L} rows`).toBeGreaterThanOrEqual(100);
      // Without grinding before the challenges it fell below 100 above 2^19 rows; 6 bits fall short at 2^24.
      if (L === 24) {
        expect(starkSecurity(p2(0), heights).conjecturedBits).toBe(93);
        expect(starkSecurity(p2(6), heights).conjecturedBits).toBeLessThan(100);
      }
    }
  });

  it('grinds before the challenges with the Poseidon2 defaults and rejects a wrong nonce there', () => {
    const p2sys = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
    const p = prove(p2sys, traces, [9], { seed: 'challenge-grinding-p2' });
    expect(p.logupNonce).not.toBeNull();
    expect(p.pcsProof.alphaNonce).not.toBeNull();
    expect(p.pcsProof.fri.betaNonces.length).toBe(p.pcsProof.fri.roots.length);
    expect(verify(p2sys, [9], p)).toEqual({ ok: true });
    const bytes = encodeStarkProof(p, encodeFriPcsProof);
    const d = decode(p2sys, bytes);
    expect(d.ok && verify(p2sys, [9], d.value)).toEqual({ ok: true });
    const no = (q: StarkProof<FriPcsProof>, pattern: RegExp) => {
      const v = verify(p2sys, [9], q);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error).toMatch(pattern);
    };
    no({ ...p, logupNonce: p.logupNonce! + 1 }, /before the LogUp challenges/);
    no({ ...p, zetaNonce: p.zetaNonce! ^ 1 }, /before the out-of-domain point/);
    no({ ...p, pcsProof: { ...p.pcsProof, alphaNonce: p.pcsProof.alphaNonce! + 1 } }, /before the batching coefficients/);
    const betaNonces = p.pcsProof.fri.betaNonces.slice();
    betaNonces[0] = betaNonces[0]! + 1;
    no({ ...p, pcsProof: { ...p.pcsProof, fri: { ...p.pcsProof.fri, betaNonces } } }, /round 0: the nonce ground before its folding challenge/);
  });
});
