// Extension columns opened as one value each (OpeningRequest.packed, issue #18): a packed matrix's extension
// column c is F_c = Σ_k X^k·f_{4c+k}, and the PCS opens F_c(z) instead of the four f_{4c+k}(z). Honest values equal
// the recombined interpolations and verify; every single wrong value, a permuted recombination, a verifier that
// reads the matrix unpacked, a packed matrix of a width that is no multiple of 4 and an extension column out of
// range are refused without a throw. In a STARK, the LogUp columns and the quotient chunks travel packed, and a
// changed one fails.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import * as NTT from '../../runtime/proof/field/ntt.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, type CommitmentShape, type FriPcsCommitment, type OpenedValues, type OpeningRequest, type PcsParams } from '../../runtime/proof/pcs/index.ts';
import * as X from '../fixtures/sample-airs.ts';

const PROTOCOL = 'pcs-packed-test';
const params: PcsParams = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const pcs = new FriPcs(params, { allowInsecure: true });
const BASIS = [E.ONE, E.X, E.mul(E.X, E.X), E.mul(E.X, E.mul(E.X, E.X))];

function randomExt(r: Rng): E.Ext {
  return [r.nextField(), r.nextField(), r.nextField(), r.nextField()];
}

/** f(z) by interpolation and Horner. */
function naiveEval(m: Matrix, c: number, z: E.Ext): E.Ext {
  const coeffs = m.column(c);
  NTT.intt(coeffs);
  return E.evalBasePoly(coeffs, z);
}

/** Σ_k basis[k]·f_{4c+k}(z). */
function naiveExt(m: Matrix, c: number, z: E.Ext, order = [0, 1, 2, 3]): E.Ext {
  return order.reduce<E.Ext>((acc, k, i) => E.add(acc, E.mul(BASIS[i]!, naiveEval(m, 4 * c + k, z))), E.ZERO);
}

function cloneValues(v: OpenedValues): OpenedValues {
  return v.map((r) => r.map((m) => m.map((p) => p.slice())));
}

/** One commit: a packed matrix of 3 extension columns (12 base, 2^5 rows), opened at z (all) and z2 (column 1), and a plain one of 3 columns. */
function fixture(seed: string) {
  const r = Rng.fromSeed(seed);
  const ext = new Matrix(r.fieldVector(32 * 12), 12);
  const plain = new Matrix(r.fieldVector(32 * 3), 3);
  const c = pcs.commit([ext, plain], r, { randomizers: [new Matrix(r.fieldVector(2 * 12), 12), null] });
  const z = randomExt(r);
  const z2 = randomExt(r);
  const req: OpeningRequest<FriPcsCommitment> = { commitment: c, points: [[z, z2], [z]], columns: [[null, [1]], [null]], packed: [true, false] };
  const { values, proof } = pcs.open([req], new Transcript(PROTOCOL), r);
  return { req, ext, plain, z, z2, values, proof, c };
}

const verifierReq = (req: OpeningRequest<FriPcsCommitment>, over: Partial<OpeningRequest<CommitmentShape>> = {}): OpeningRequest<CommitmentShape>[] => [
  { commitment: req.commitment.shape, points: req.points, ...(req.columns ? { columns: req.columns } : {}), ...(req.packed ? { packed: req.packed } : {}), ...over },
];

describe('extension columns opened as one value', () => {
  const { req, ext, plain, z, z2, values, proof, c } = fixture('packed');

  it('opens F_c(z) = Σ_k X^k·f_{4c+k}(z) (the randomiser included) and verifies', () => {
    // The committed polynomial is t + Z_H·r here: the verifier checks these; the bare commit below is compared to interpolation.
    expect(values[0]![0]![0]!.length).toBe(3);
    expect(values[0]![0]![1]!.length).toBe(1);
    expect(values[0]![1]![0]!.length).toBe(3);
    for (let k = 0; k < 3; k++) expect(values[0]![1]![0]![k]).toEqual(naiveEval(plain, k, z));
    expect(pcs.verify(verifierReq(req), values, proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
    // Without a randomiser the values are exactly the recombined interpolations.
    const r = Rng.fromSeed('plain packed');
    const bare = pcs.commit([ext], r);
    const breq: OpeningRequest<FriPcsCommitment> = { commitment: bare, points: [[z, z2]], columns: [[null, [2]]], packed: [true] };
    const opened = pcs.open([breq], new Transcript(PROTOCOL), r);
    for (let col = 0; col < 3; col++) expect(opened.values[0]![0]![0]![col]).toEqual(naiveExt(ext, col, z));
    expect(opened.values[0]![0]![1]![0]).toEqual(naiveExt(ext, 2, z2));
    expect(pcs.verify(verifierReq(breq), opened.values, opened.proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
    // A value recombined in another order (the base columns permuted) is not the opening.
    const permuted = cloneValues(opened.values);
    permuted[0]![0]![0]![0] = naiveExt(ext, 0, z, [1, 0, 2, 3]);
    expect(pcs.verify(verifierReq(breq), permuted, opened.proof, new Transcript(PROTOCOL)).ok).toBe(false);
  });

  it('refuses every single wrong value', () => {
    values[0]!.forEach((m, mi) =>
      m.forEach((pt, j) =>
        pt.forEach((_, k) => {
          const bad = cloneValues(values);
          bad[0]![mi]![j]![k] = E.add(bad[0]![mi]![j]![k]!, E.ONE);
          expect(pcs.verify(verifierReq(req), bad, proof, new Transcript(PROTOCOL)).ok).toBe(false);
        }),
      ),
    );
  });

  it('refuses a verifier request that reads the matrix otherwise, without throwing', () => {
    // Unpacked: 12 values expected at z.
    expect(pcs.verify(verifierReq(req, { packed: [false, false] }), values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    // Packed flags of the wrong length, a packed matrix of 3 columns, an extension column out of range.
    expect(pcs.verify(verifierReq(req, { packed: [true] }), values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    const odd = pcs.verify(verifierReq(req, { packed: [true, true] }), values, proof, new Transcript(PROTOCOL));
    expect(odd.ok).toBe(false);
    if (!odd.ok) expect(odd.error).toMatch(/multiple of 4/);
    const range = pcs.verify(verifierReq(req, { columns: [[null, [3]], [null]] }), values, proof, new Transcript(PROTOCOL));
    expect(range.ok).toBe(false);
    if (!range.ok) expect(range.error).toMatch(/columns must be strictly ascending in \[0, 3\)/);
    // The prover refuses the same requests.
    expect(() => pcs.open([{ ...req, packed: [true, true] }], new Transcript(PROTOCOL), Rng.fromSeed('x'))).toThrow(/multiple of 4/);
    expect(c.shape.widths).toEqual([12, 3]);
  });
});

describe('a STARK opens its LogUp columns and quotient chunks packed', () => {
  const LOG = 6;
  const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, true);
  const traces = () => [X.squaresTrace(LOG, 9), X.consumerTrace(LOG, 2 ** LOG, 9)];
  const proof = prove(system, traces(), [9], { seed: 'packed stark' });
  const layouts = commitLayouts(system, proof.logHeights);

  it('one value an extension column, and a changed one fails', () => {
    expect(verify(system, [9], proof)).toEqual({ ok: true });
    for (const kind of ['aux', 'quotient'] as const) {
      const k = layouts.findIndex((l) => l.kind === kind);
      const l = layouts[k]!;
      expect(l.packed).toBe(true);
      l.widths.forEach((w, m) => expect(proof.values[k]![m]![0]!.length).toBe(w / 4));
      const bad = cloneValues(proof.values);
      bad[k]![0]![0]![0] = E.add(bad[k]![0]![0]![0]!, E.ONE);
      expect(verify(system, [9], { ...proof, values: bad }).ok).toBe(false);
    }
    const main = layouts.find((l) => l.kind === 'main')!;
    expect(main.packed).toBe(false);
  });
});
