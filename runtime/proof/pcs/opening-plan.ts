/**
 * The opening plan of the FRI PCS (fri-pcs.ts), computed identically by the prover and the verifier: which
 * batching coefficient weighs each (request, matrix, point, column), the absorbs that bind the claims before the
 * coefficients are drawn, and where a FRI query lands in each commit's tree.
 */
import * as E from '../field/extension.ts';
import { reverseBits } from '../field/ntt.ts';
import type { Challenger } from '../transcript.ts';
import { mulAddInto } from '../fri/packed.ts';
import type { CommitmentShape, OpenedValues, PcsParams } from './types.ts';

/** Transcript labels of the PCS (FRI's are in fri/prover.ts). */
export const PCS_LABELS = {
  params: 'pcs/params',
  requests: 'pcs/requests',
  shape: 'pcs/shape',
  points: 'pcs/points',
  values: 'pcs/values',
  maskRoot: 'pcs/mask-root',
  alpha: 'pcs/alpha',
} as const;

export interface PlanMatrix {
  readonly request: number;
  readonly matrix: number;
  readonly width: number;
  readonly points: readonly E.Ext[];
  /** α exponent of column 0 at each point. */
  readonly exponents: readonly number[];
}

export interface PlanHeight {
  readonly logHeight: number;
  readonly requests: readonly number[];
  readonly matrices: readonly PlanMatrix[];
}

export interface Plan {
  /** Distinct heights, decreasing. */
  readonly heights: readonly PlanHeight[];
  /** One more than the largest α exponent. */
  readonly numPowers: number;
  readonly maxWidth: number;
}

export function makePlan(shapes: readonly { logHeights: readonly number[]; widths: readonly number[] }[], points: readonly (readonly (readonly E.Ext[])[])[]): Plan {
  let next = 1;
  let maxWidth = 1;
  const byHeight = new Map<number, { requests: number[]; matrices: PlanMatrix[] }>();
  shapes.forEach((shape, r) => {
    shape.widths.forEach((width, m) => {
      const logHeight = shape.logHeights[m]!;
      let entry = byHeight.get(logHeight);
      if (entry === undefined) byHeight.set(logHeight, (entry = { requests: [], matrices: [] }));
      if (!entry.requests.includes(r)) entry.requests.push(r);
      const pts = points[r]![m]!;
      const exponents = pts.map(() => {
        const e = next;
        next += width;
        return e;
      });
      entry.matrices.push({ request: r, matrix: m, width, points: pts, exponents });
      maxWidth = Math.max(maxWidth, width);
    });
  });
  const heights = [...byHeight.entries()].sort((a, b) => b[0] - a[0]).map(([logHeight, e]) => ({ logHeight, ...e }));
  return { heights, numPowers: next, maxWidth };
}

/**
 * The batching coefficients c_0 .. c_(n−1), packed: independent uniform extension elements drawn from the
 * transcript. Independent coefficients make the batch an affine combination, whose soundness error is one
 * |D|/|F| term however many columns are batched (BCIKS20, correlated agreement for affine spaces); powers of
 * one challenge would cost a factor of the number of columns.
 */
export function batchingCoefficients(transcript: Challenger, n: number): Uint32Array {
  const out = new Uint32Array(4 * n);
  transcript.challengeExts(PCS_LABELS.alpha, n).forEach((c, i) => E.store(out, i, c));
  return out;
}

/** Σ_k c_k v_k over one point's values (the reduced claimed value), c the packed coefficients. */
export function reduceValues(values: readonly E.Ext[], coeffs: Uint32Array): E.Ext {
  const acc = new Uint32Array(4);
  const v = new Uint32Array(4);
  values.forEach((x, k) => {
    E.store(v, 0, x);
    mulAddInto(acc, 0, coeffs, k, v, 0);
  });
  return E.load(acc, 0);
}

/** Version 2 of the parameter encoding (mixed-height commits), then the hasher's id (UTF-8). */
function paramsBytes(params: PcsParams, hasherId: string): Uint8Array {
  const id = new TextEncoder().encode(hasherId);
  const out = new Uint8Array(9 + id.length);
  out.set([2, params.logBlowup, params.numQueries & 0xff, params.numQueries >>> 8, params.powBits, params.logFoldingArity, params.logFinalPolyLen, params.saltLength, params.zk ? 1 : 0]);
  out.set(id, 9);
  return out;
}

/** saltLength, matrix count, then (log height, width) per matrix: u32 little-endian each. */
function shapeBytes(shape: { logHeights: readonly number[]; widths: readonly number[]; saltLength: number }): Uint8Array {
  const words = [shape.saltLength, shape.widths.length, ...shape.widths.flatMap((w, m) => [shape.logHeights[m]!, w])];
  const out = new Uint8Array(4 * words.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w, true));
  return out;
}

/** The absorbs both sides perform before α: parameters, shapes, points and values. */
export function absorbClaims(
  t: Challenger,
  params: PcsParams,
  hasherId: string,
  shapes: readonly CommitmentShape[],
  points: readonly (readonly (readonly E.Ext[])[])[],
  values: OpenedValues,
): void {
  t.absorbBytes(PCS_LABELS.params, paramsBytes(params, hasherId));
  t.absorbU64(PCS_LABELS.requests, shapes.length);
  shapes.forEach((shape, r) => {
    t.absorbBytes(PCS_LABELS.shape, shapeBytes(shape));
    shape.widths.forEach((_, m) => {
      t.absorbExts(PCS_LABELS.points, points[r]![m]!);
      t.absorbExts(PCS_LABELS.values, values[r]![m]!.flat());
    });
  });
}

/** The query's leaf in a mixed tree whose tallest LDE has log size `logTop` (merkle/mixed.ts: bit-reversed). */
export function leafOf(query: number, logMaxDomain: number, logTop: number): number {
  return Math.floor(query / 2 ** (logMaxDomain - logTop));
}

/** The query's row in a matrix of the given LDE log size (natural order). */
export function rowOf(query: number, logMaxDomain: number, logDomain: number): number {
  return reverseBits(Math.floor(query / 2 ** (logMaxDomain - logDomain)), logDomain);
}
