// The Poseidon2 Fiat-Shamir transcript (runtime/proof/transcript-poseidon2.ts) and the Poseidon2 proof
// configuration (runtime/proof/hash-config.ts): a STARK proven with Poseidon2 commitments and transcript verifies,
// and only with that configuration; every challenge depends on every framed item; grinding is checked; hostile
// proofs are rejected without a throw.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { Poseidon2Transcript, MAX_POSEIDON2_POW_BITS } from '../../runtime/proof/transcript-poseidon2.ts';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { DEFAULT_PCS_PARAMS, POSEIDON2_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { decodeStarkProof, encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import * as X from '../fixtures/sample-airs.ts';

const fresh = () => new Poseidon2Transcript('test');

describe('the Poseidon2 transcript', () => {
  it('is deterministic, and every challenge is canonical and in range', () => {
    const a = fresh();
    const b = fresh();
    for (const t of [a, b]) {
      t.absorbFields('x', [1, 2, 3]);
      t.absorbDigest('root', new Uint8Array(32).fill(9));
    }
    expect(a.challengeExt('z')).toEqual(b.challengeExt('z'));
    const fields = a.challengeFields('many', 40);
    expect(fields.every((v) => F.isCanonical(v))).toBe(true);
    expect(new Set(fields).size).toBe(40);
    const idx = a.challengeIndices('q', 200, 1 << 10);
    expect(idx.every((i) => Number.isInteger(i) && i >= 0 && i < 1024)).toBe(true);
    expect(new Set(idx).size).toBeGreaterThan(150);
    expect(a.challengeBytes('b', 5)).toHaveLength(5);
  });

  it('frames every item: another label, order, type, split or value gives other challenges', () => {
    const draw = (f: (t: Poseidon2Transcript) => void) => {
      const t = fresh();
      f(t);
      return t.challengeField('c');
    };
    const base = draw((t) => t.absorbFields('a', [1, 2]));
    const others = [
      draw((t) => t.absorbFields('b', [1, 2])),
      draw((t) => t.absorbFields('a', [2, 1])),
      draw((t) => {
        t.absorbFields('a', [1]);
        t.absorbFields('a', [2]);
      }),
      draw((t) => t.absorbBytes('a', Uint8Array.of(1, 0, 2, 0))),
      draw((t) => t.absorbU64('a', 1)),
      draw((t) => t.absorbFields('a', [1, 2, 0])),
      draw(() => {}),
    ];
    for (const o of others) expect(o).not.toBe(base);
    expect(new Poseidon2Transcript('other').challengeField('c')).not.toBe(fresh().challengeField('c'));
    // A squeeze moves the state: the same label twice gives two challenges.
    const t = fresh();
    expect(t.challengeField('c')).not.toBe(t.challengeField('c'));
    // clone() is independent.
    const c = t.clone();
    expect(c.challengeField('d')).toBe(t.challengeField('d'));
    c.absorbField('e', 5);
    expect(c.challengeField('f')).not.toBe(t.challengeField('f'));
  });

  it('absorbs a digest that is no field element under another kind, without a throw', () => {
    const canonical = new Uint8Array(32).fill(1);
    const hostile = new Uint8Array(32).fill(0xff);
    const a = fresh();
    expect(() => a.absorbDigest('r', hostile)).not.toThrow();
    const b = fresh();
    b.absorbDigest('r', canonical);
    expect(a.challengeField('c')).not.toBe(b.challengeField('c'));
  });

  it('grinds: the nonce found solves the puzzle, a wrong one or a bad difficulty is refused', () => {
    const p = fresh();
    const v = p.clone();
    const nonce = p.grind(8);
    expect(v.clone().checkGrind(8, nonce)).toBe(true);
    // The least solution: no smaller nonce solves it (so a prover's nonce is deterministic).
    for (let n = 0; n < nonce; n++) expect(v.clone().checkGrind(8, n)).toBe(false);
    expect(v.clone().checkGrind(9, nonce) && v.clone().checkGrind(8, nonce + 1)).toBe(false);
    for (const [bits, n] of [[MAX_POSEIDON2_POW_BITS + 1, 0], [-1, 0], [8, -1], [8, 2 ** 53], [8, 0.5]] as const) expect(v.clone().checkGrind(bits, n)).toBe(false);
    // After grinding, prover and verifier draw the same queries.
    v.checkGrind(8, nonce);
    expect(v.challengeIndices('q', 4, 64)).toEqual(p.challengeIndices('q', 4, 64));
  });
});

describe('a STARK with the Poseidon2 configuration', () => {
  const pcs = new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });
  const system = buildSystem('u16', [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }], pcs, true);
  const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
  const traces = () => [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))];
  const proof = prove(system, traces(), [], { seed: 'p2' });

  it('verifies with Poseidon2, and not with BLAKE3 (nor a BLAKE3 proof with Poseidon2)', () => {
    expect(verify(system, [], proof)).toEqual({ ok: true });
    const blake = buildSystem('u16', [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }], new FriPcs(DEFAULT_PCS_PARAMS), true);
    expect(verify(blake, [], proof).ok).toBe(false);
    expect(verify(system, [], prove(blake, traces(), [], { seed: 'p2' })).ok).toBe(false);
    // Its own security figure: the hash term is Poseidon2's collision bound.
    const sec = starkSecurity(system, proof.logHeights);
    expect(sec.terms.hash).toBe(123);
    expect(starkSecurity(blake, proof.logHeights).terms.hash).toBe(128);
    expect(sec.conjecturedBits).toBeGreaterThanOrEqual(100);
  });

  it('is deterministic, survives encoding, and rejects a flipped byte or a root that is no digest, without a throw', () => {
    const bytes = encodeStarkProof(proof, encodeFriPcsProof);
    expect(encodeStarkProof(prove(system, traces(), [], { seed: 'p2' }), encodeFriPcsProof)).toEqual(bytes);
    const decode = (b: Uint8Array) => decodeStarkProof(b, system, (x, layouts) => decodeFriPcsProof(x, pcs.params, layouts));
    const d = decode(bytes);
    expect(d.ok && verify(system, [], d.value).ok).toBe(true);
    let rejected = 0;
    for (let i = 0; i < bytes.length; i += Math.max(1, Math.floor(bytes.length / 60))) {
      const b = bytes.slice();
      b[i] ^= 0x40;
      const r = decode(b);
      expect(() => (r.ok ? verify(system, [], r.value) : r)).not.toThrow();
      if (!r.ok || !verify(system, [], r.value).ok) rejected++;
      else throw new Error(`a flipped byte at ${i} verified`);
    }
    expect(rejected).toBeGreaterThan(50);
    // A main root whose words are not field elements: refused as an invalid proof.
    const forged = { ...proof, mainRoot: new Uint8Array(32).fill(0xff) };
    expect(() => verify(system, [], forged)).not.toThrow();
    expect(verify(system, [], forged).ok).toBe(false);
  });
});
