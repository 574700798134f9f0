// Zero knowledge with the small randomiser (system.ts zkLayout): tall enough tables commit n + s cells a column
// instead of 2n, their quotient chunks carry a slack, and FRI proves degree < n + S. Honest proofs verify and
// survive encoding; the layout really is the small one; a wrong cell, a dropped bus message and sampled flipped
// bytes are rejected; two proofs of the same witness with different seeds open different values; the native
// backend gives the TypeScript bytes.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { buildSystem, committedCells, zkLayout, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { prove, type StarkProof } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { decodeStarkProof, encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { cpuBackend } from '../../gpu/index.ts';
import * as X from '../fixtures/sample-airs.ts';

// Eight queries: s = 18, ρ of 9, so tables of 2^10 rows already use the small randomiser (fast to prove).
const params = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const pcs = new FriPcs(params, { allowInsecure: true });
const LOG = 10;

function busSystem(p: FriPcs) {
  return buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], p, true);
}
const traces = (c: number) => [X.squaresTrace(LOG, c), X.consumerTrace(LOG, 2 ** LOG, c)];

function encode(proof: StarkProof<FriPcsProof>): Uint8Array {
  return encodeStarkProof(proof, encodeFriPcsProof);
}

function accepts(system: StarkSystem<FriPcsProof>, publics: number[], bytes: Uint8Array): boolean {
  const decoded = decodeStarkProof(bytes, system, (b, layouts) => decodeFriPcsProof(b, system.pcs.params, layouts));
  return decoded.ok && verify(system, publics, decoded.value).ok;
}

describe('zero knowledge with the small randomiser', () => {
  const system = busSystem(pcs);
  const proof = prove(system, traces(9), [9], { seed: 'slack' });

  it('commits the tall tables at their own height plus s coefficients, and proves', () => {
    const layouts = commitLayouts(system, proof.logHeights);
    const main = layouts.find((l) => l.kind === 'main')!;
    const quotient = layouts.find((l) => l.kind === 'quotient')!;
    // squares and consumer (2^10): the small randomiser; the blinding collector (short) keeps doubling.
    expect(main.logHeights.slice(0, 2)).toEqual([LOG, LOG]);
    expect(main.slacks.slice(0, 2)).toEqual([18, 18]);
    expect(quotient.slacks[0]).toBeGreaterThan(0);
    const z = zkLayout(system, 0, LOG);
    expect(z.chunks).toBe(system.tables[0]!.degree - 1);
    // n + s cells a column, not 2n.
    const t = system.tables[0]!;
    expect(committedCells(system, 0, LOG)).toBe((2 ** LOG + 18) * (t.analyzed.air.width + 4 * t.logup.auxWidth) + (2 ** LOG + z.quotientSlack) * 4 * z.chunks);
    expect(verify(system, [9], proof)).toEqual({ ok: true });
    expect(accepts(system, [9], encode(proof))).toBe(true);
    expect(verify(system, [10], proof).ok).toBe(false);
  });

  it('prints the security of the true rate, a little below 1/blowup', () => {
    const s = starkSecurity(system, proof.logHeights);
    const full = starkSecurity(buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...params, zk: false }, { allowInsecure: true }), false), proof.logHeights.slice(0, 2));
    expect(s.terms.pcs).toBeLessThan(full.terms.pcs);
    expect(s.terms.pcs).toBeGreaterThan(full.terms.pcs - params.numQueries * Math.log2(17 / 16) - 1);
  });

  it('rejects a wrong cell and a dropped bus message', () => {
    const bad = traces(9);
    bad[0]!.set(100, 1, F.add(bad[0]!.get(100, 1), 1));
    expect(verify(system, [9], prove(system, bad, [9], { seed: 'cell', skipChecks: true })).ok).toBe(false);
    const drop = traces(9);
    drop[1]!.set(3, 2, 0);
    expect(verify(system, [9], prove(system, drop, [9], { seed: 'drop', skipChecks: true })).ok).toBe(false);
  });

  it('rejects flipped bytes at sampled positions', () => {
    const bytes = encode(proof);
    let state = 777;
    for (let k = 0; k < 150; k++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const i = state % bytes.length;
      const t = bytes.slice();
      t[i] = t[i]! ^ 0x10;
      expect(accepts(system, [9], t), `byte ${i}`).toBe(false);
    }
  });

  it('opens different values for the same witness under different seeds', () => {
    const other = prove(system, traces(9), [9], { seed: 'slack-2' });
    expect(verify(system, [9], other)).toEqual({ ok: true });
    const flat = (p: StarkProof<FriPcsProof>) => p.values.flat(3).map((e) => e.join(','));
    const a = flat(proof);
    const b = flat(other);
    expect(a.length).toBe(b.length);
    // Every opened value differs (ζ differs, and each committed column is re-randomised).
    expect(a.filter((v, k) => v === b[k]).length).toBe(0);
  });

  it('fits a max-degree constraint under the transition selector (degree d·(n + s − 1) + 1 in X)', () => {
    // next = a·b on every transition: column degree 2, one more degree in X from X − ω⁻¹.
    const air = {
      name: 'product-chain',
      width: 2,
      preprocessedWidth: 0,
      publicInputs: 0,
      eval(b: Parameters<typeof X.fibonacciAir.eval>[0]) {
        b.assertZero(b.isTransition.mul(b.mainNext(0).sub(b.main(0).mul(b.main(1)))), 'next = a·b');
      },
    };
    const sys = buildSystem('product', [{ air }], pcs, true);
    expect(zkLayout(sys, 0, LOG).slack).toBeGreaterThan(0);
    const trace = Matrix.fromRows(Array.from({ length: 2 ** LOG }, () => [5, 1]));
    const p = prove(sys, [trace], [], { seed: 'product' });
    expect(verify(sys, [], p)).toEqual({ ok: true });
  });

  const native = cpuBackend();
  it.skipIf(native === null)('gives the same bytes on the native backend', () => {
    const nsys = busSystem(new FriPcs(params, { allowInsecure: true, backend: native! }));
    const a = encode(prove(nsys, traces(9), [9], { seed: 'slack' }));
    expect(Buffer.from(a).equals(Buffer.from(encode(proof)))).toBe(true);
    // A short preprocessed table is committed at 2^7 rows under zero knowledge, the same root on either backend.
    const pre = (p: FriPcs) => buildSystem('affine', [{ air: X.affineAir, preprocessed: X.affinePreprocessed(3) }], p, true).preprocessedCommitment!.shape;
    const ts = pre(pcs);
    expect(ts.logHeights).toEqual([7]);
    expect(Buffer.from(pre(new FriPcs(params, { allowInsecure: true, backend: native! })).root).equals(Buffer.from(ts.root))).toBe(true);
  });
});
