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
import type { CommitmentShape, OpenedValues, OpeningRequest, Pcs, PcsParams, ProverCommitment } from '../../../runtime/proof/pcs/types.ts';

interface PlainCommitment extends ProverCommitment {
  readonly matrices: readonly Matrix[];
}

export type PlainProof = Matrix[][];

const rootOf = (matrices: readonly Matrix[]): Uint8Array => {
  const h = blake3.create();
  for (const m of matrices) {
    h.update(new Uint8Array(new Uint32Array([m.width, m.height]).buffer));
    h.update(new Uint8Array(m.values.buffer, m.values.byteOffset, m.values.byteLength));
  }
  return h.digest();
};

/** Each point's values of the listed columns (all where the list is null or absent). */
function evaluate(m: Matrix, points: readonly E.Ext[], columns?: readonly (readonly number[] | null)[]): E.Ext[][] {
  const coeffs = m.values.slice();
  NTT.inttColumns(coeffs, m.width);
  const cols = new Matrix(coeffs, m.width).columns();
  return points.map((z, j) => (columns?.[j] ?? cols.map((_, k) => k)).map((k) => E.evalBasePoly(cols[k]!, z)));
}

export const plainParams: PcsParams = { logBlowup: 1, numQueries: 1, powBits: 0, logFoldingArity: 1, logFinalPolyLen: 0, saltLength: 0, zk: false };

export const plainPcs: Pcs<PlainProof> = {
  params: plainParams,
  transcript: (protocol) => new Transcript(protocol),
  commit(matrices: readonly Matrix[], _rng: Rng): PlainCommitment {
    const shape: CommitmentShape = { root: rootOf(matrices), logHeights: matrices.map((m) => Math.log2(m.height)), widths: matrices.map((m) => m.width), saltLength: 0 };
    return { shape, matrices };
  },
  open(requests: readonly OpeningRequest<ProverCommitment>[], transcript: Transcript) {
    const values: OpenedValues = requests.map((r) => (r.commitment as PlainCommitment).matrices.map((m, i) => evaluate(m, r.points[i]!, r.columns?.[i])));
    for (const v of values) for (const m of v) for (const p of m) transcript.absorbExts('values', p);
    return { values, proof: requests.map((r) => [...(r.commitment as PlainCommitment).matrices]) };
  },
  verify(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: PlainProof, transcript: Transcript): Verdict {
    for (const v of values) for (const m of v) for (const p of m) transcript.absorbExts('values', p);
    if (proof.length !== requests.length) return { ok: false, error: 'wrong number of commitments' };
    for (let k = 0; k < requests.length; k++) {
      const r = requests[k]!;
      const ms = proof[k]!;
      const root = rootOf(ms);
      if (root.length !== r.commitment.root.length || !root.every((b, i) => b === r.commitment.root[i])) return { ok: false, error: `commitment ${k} does not match` };
      for (let i = 0; i < ms.length; i++) {
        if (ms[i]!.height !== 2 ** r.commitment.logHeights[i]! || ms[i]!.width !== r.commitment.widths[i]) return { ok: false, error: 'wrong shape' };
        const expected = evaluate(ms[i]!, r.points[i]!, r.columns?.[i]);
        const got = values[k]![i]!;
        for (let p = 0; p < expected.length; p++) {
          for (let c = 0; c < expected[p]!.length; c++) if (!E.equals(expected[p]![c]!, got[p]![c]!)) return { ok: false, error: `value ${k}/${i}/${p}/${c} is wrong` };
        }
      }
    }
    return { ok: true };
  },
};
