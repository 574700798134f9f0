/**
 * A test-only polynomial commitment that is binding but neither succinct nor hiding: the "proof" is every
 * committed matrix in full, and the verifier recomputes each opened value by interpolation. It lets the STARK
 * layer be tested on its own, independently of FRI.
 */
import * as E from '../../../runtime/proof/field/extension.ts';
import * as NTT from '../../../runtime/proof/field/ntt.ts';
import { Matrix } from '../../../runtime/proof/matrix.ts';
import type { Rng } from '../../../runtime/proof/rng.ts';
import { Transcript } from '../../../runtime/proof/transcript.ts';
import type { Verdict } from '../../../runtime/proof/merkle/verify.ts';
import { blake3 } from '@noble/hashes/blake3.js';
import { baseColumnsOf, packValues } from '../../../runtime/proof/pcs/opening-plan.ts';
import type { CommitmentShape, CommitOptions, OpenedValues, OpeningRequest, Pcs, PcsParams, ProverCommitment } from '../../../runtime/proof/pcs/types.ts';

interface PlainCommitment extends ProverCommitment {
  readonly matrices: readonly Matrix[];
  readonly randomizers: readonly (Matrix | null)[];
}

/** Per commitment, its matrices and their randomisers (null: none). */
export type PlainProof = { matrices: Matrix[]; randomizers: (Matrix | null)[] }[];

const rootOf = (matrices: readonly Matrix[], randomizers: readonly (Matrix | null)[]): Uint8Array => {
  const h = blake3.create();
  for (const m of [...matrices, ...randomizers.filter((r): r is Matrix => r !== null)]) {
    h.update(new Uint8Array(new Uint32Array([m.width, m.height]).buffer));
    h.update(new Uint8Array(m.values.buffer, m.values.byteOffset, m.values.byteLength));
  }
  return h.digest();
};

/**
 * Each point's values of the listed columns (all where the list is null or absent) of t + Z_H·r; for a packed
 * matrix, one value per listed extension column, Σ_k X^k·f_{4c+k}(z) (OpeningRequest.packed).
 */
function evaluate(m: Matrix, r: Matrix | null, points: readonly E.Ext[], columns?: readonly (readonly number[] | null)[], packed = false): E.Ext[][] {
  const coeffs = m.values.slice();
  NTT.inttColumns(coeffs, m.width);
  const cols = new Matrix(coeffs, m.width).columns();
  const rc = r?.columns();
  return points.map((z, j) => {
    const base = (baseColumnsOf(columns?.[j] ?? null, packed) ?? cols.map((_, k) => k)).map((k) => {
      const t = E.evalBasePoly(cols[k]!, z);
      return rc ? E.add(t, E.mul(E.sub(E.pow(z, m.height), E.ONE), E.evalBasePoly(rc[k]!, z))) : t;
    });
    return packed ? packValues(base) : base;
  });
}

export const plainParams: PcsParams = { logBlowup: 1, numQueries: 1, powBits: 0, logFoldingArity: 1, logFinalPolyLen: 0, saltLength: 0, zk: false };

export const plainPcs: Pcs<PlainProof> = {
  params: plainParams,
  transcript: (protocol) => new Transcript(protocol),
  commit(matrices: readonly Matrix[], _rng: Rng, options?: CommitOptions): PlainCommitment {
    const randomizers = options?.randomizers ?? matrices.map(() => null);
    const slacks = randomizers.map((r) => r?.height ?? 0);
    const shape: CommitmentShape = { root: rootOf(matrices, randomizers), logHeights: matrices.map((m) => Math.log2(m.height)), widths: matrices.map((m) => m.width), saltLength: 0, slacks };
    return { shape, matrices, randomizers };
  },
  open(requests: readonly OpeningRequest<ProverCommitment>[], transcript: Transcript) {
    const values: OpenedValues = requests.map((r) => {
      const c = r.commitment as PlainCommitment;
      return c.matrices.map((m, i) => evaluate(m, c.randomizers[i]!, r.points[i]!, r.columns?.[i], r.packed?.[i] === true));
    });
    for (const v of values) for (const m of v) for (const p of m) transcript.absorbExts('values', p);
    return { values, proof: requests.map((r) => ({ matrices: [...(r.commitment as PlainCommitment).matrices], randomizers: [...(r.commitment as PlainCommitment).randomizers] })) };
  },
  verify(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: PlainProof, transcript: Transcript): Verdict {
    for (const v of values) for (const m of v) for (const p of m) transcript.absorbExts('values', p);
    if (proof.length !== requests.length) return { ok: false, error: 'wrong number of commitments' };
    for (let k = 0; k < requests.length; k++) {
      const r = requests[k]!;
      const { matrices: ms, randomizers: rs } = proof[k]!;
      const root = rootOf(ms, rs);
      if (root.length !== r.commitment.root.length || !root.every((b, i) => b === r.commitment.root[i])) return { ok: false, error: `commitment ${k} does not match` };
      for (let i = 0; i < ms.length; i++) {
        if (ms[i]!.height !== 2 ** r.commitment.logHeights[i]! || ms[i]!.width !== r.commitment.widths[i]) return { ok: false, error: 'wrong shape' };
        if ((rs[i]?.height ?? 0) !== (r.commitment.slacks?.[i] ?? 0)) return { ok: false, error: 'wrong slack' };
        const expected = evaluate(ms[i]!, rs[i]!, r.points[i]!, r.columns?.[i], r.packed?.[i] === true);
        const got = values[k]![i]!;
        for (let p = 0; p < expected.length; p++) {
          for (let c = 0; c < expected[p]!.length; c++) if (!E.equals(expected[p]![c]!, got[p]![c]!)) return { ok: false, error: `value ${k}/${i}/${p}/${c} is wrong` };
        }
      }
    }
    return { ok: true };
  },
};
