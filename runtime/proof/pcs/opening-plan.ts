/**
 * The opening plan of the FRI PCS (fri-pcs.ts), computed identically by the prover and the verifier: which
 * batching coefficient weighs each (request, matrix, point, column), the absorbs that bind the claims before the
 * coefficients are drawn, and where a FRI query lands in each commit's tree.
 */
import * as E from '../field/extension.ts';
import { reverseBits } from '../field/ntt.ts';
import type { Challenger } from '../transcript.ts';
import { mulAddInto } from '../fri/packed.ts';
import { friSchedule, type FriSchedule } from '../fri/schedule.ts';
import type { CommitmentShape, MaskShape, OpenedValues, PcsParams } from './types.ts';

/** Transcript labels of the PCS (FRI's are in fri/prover.ts). */
export const PCS_LABELS = {
  params: 'pcs/params',
  requests: 'pcs/requests',
  shape: 'pcs/shape',
  points: 'pcs/points',
  values: 'pcs/values',
  maskRoot: 'pcs/mask-root',
  columns: 'pcs/columns',
  packed: 'pcs/packed',
  alpha: 'pcs/alpha',
} as const;

export interface PlanMatrix {
  readonly request: number;
  readonly matrix: number;
  /** Base columns. */
  readonly width: number;
  readonly points: readonly E.Ext[];
  /** Whether the matrix is opened as extension columns (OpeningRequest.packed): `columns` then lists those. */
  readonly packed: boolean;
  /** The opened columns at each point (null: all of them): one value each. */
  readonly columns: readonly (readonly number[] | null)[];
  /** The base columns behind them (a packed matrix's extension column c: 4c..4c+3). */
  readonly baseColumns: readonly (readonly number[] | null)[];
  /** α exponent of the first opened column at each point (the others follow). */
  readonly exponents: readonly number[];
}

export interface PlanHeight {
  readonly logHeight: number;
  /** The largest degree slack of the height's matrices. */
  readonly slack: number;
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

/** The opened columns of request r, matrix m, point j (null: all). */
export type ColumnLists = readonly (readonly (readonly (readonly number[] | null)[])[] | undefined)[];
/** Per request, per matrix: opened as extension columns (OpeningRequest.packed). */
export type PackedLists = readonly (readonly boolean[] | undefined)[];

/** The base columns behind a point's opened columns: a packed matrix's extension column c is 4c..4c+3. */
export function baseColumnsOf(list: readonly number[] | null, packed: boolean): readonly number[] | null {
  return !packed || list === null ? list : list.flatMap((c) => [4 * c, 4 * c + 1, 4 * c + 2, 4 * c + 3]);
}

/** How many values matrix m opens at a point: its listed columns, or all of them (extension columns when packed). */
export function valueCount(list: readonly number[] | null, width: number, packed: boolean): number {
  return list !== null ? list.length : packed ? width / 4 : width;
}

export function makePlan(
  shapes: readonly { logHeights: readonly number[]; widths: readonly number[]; slacks?: readonly number[] }[],
  points: readonly (readonly (readonly E.Ext[])[])[],
  columns: ColumnLists = [],
  packedLists: PackedLists = [],
): Plan {
  let next = 1;
  let maxWidth = 1;
  const byHeight = new Map<number, { requests: number[]; matrices: PlanMatrix[]; slack: number }>();
  shapes.forEach((shape, r) => {
    shape.widths.forEach((width, m) => {
      const logHeight = shape.logHeights[m]!;
      let entry = byHeight.get(logHeight);
      if (entry === undefined) byHeight.set(logHeight, (entry = { requests: [], matrices: [], slack: 0 }));
      entry.slack = Math.max(entry.slack, slackOf(shape, m));
      if (!entry.requests.includes(r)) entry.requests.push(r);
      const pts = points[r]![m]!;
      const packed = packedLists[r]?.[m] === true;
      const cols = pts.map((_, j) => columns[r]?.[m]?.[j] ?? null);
      const exponents = cols.map((list) => {
        const e = next;
        next += valueCount(list, width, packed);
        return e;
      });
      entry.matrices.push({ request: r, matrix: m, width, points: pts, packed, columns: cols, baseColumns: cols.map((l) => baseColumnsOf(l, packed)), exponents });
      maxWidth = Math.max(maxWidth, width);
    });
  });
  const heights = [...byHeight.entries()].sort((a, b) => b[0] - a[0]).map(([logHeight, e]) => ({ logHeight, ...e }));
  return { heights, numPowers: next, maxWidth };
}

/**
 * The degree slacks FRI proves for each height of the plan (in its order), and the zk mask's. A height's
 * reduced quotient has degree < 2^h + S_h, S_h its matrices' largest slack. With zk, the mask R must cover every
 * roll-in: folded down to 2^h, R keeps degree bound 2^h + ⌈S_R / 2^(hMax − h)⌉, so S_R = max_h S_h·2^(hMax − h)
 * leaves no coefficient of any rolled-in quotient unmasked (the final polynomial reveals all of its
 * coefficients); the first FRI input's slack is then S_R.
 */
export function friSlacks(plan: Plan, zk: boolean): { slacks: number[]; maskSlack: number } {
  const top = plan.heights[0]!.logHeight;
  const maskSlack = zk ? Math.max(...plan.heights.map((h) => h.slack * 2 ** (top - h.logHeight))) : 0;
  const slacks = plan.heights.map((h, i) => (i === 0 ? Math.max(h.slack, maskSlack) : h.slack));
  return { slacks, maskSlack };
}

/**
 * The zk mask's shape for an opening of these commit shapes (their listed matrices; a mask they hold does not
 * count): the plan's tallest height and friSlacks' mask slack. The STARK commits R with its last commit
 * (CommitOptions.mask) and the PCS accepts no other shape for it.
 */
export function maskShapeOf(shapes: readonly { logHeights: readonly number[]; widths: readonly number[]; slacks?: readonly number[] }[]): MaskShape {
  const plan = makePlan(shapes, shapes.map((c) => c.widths.map(() => [])));
  return { logHeight: plan.heights[0]!.logHeight, slack: friSlacks(plan, true).maskSlack };
}

/** The FRI schedule of an opening of these commit shapes (their heights and slacks; the points do not matter). */
export function friScheduleOf(params: PcsParams, shapes: readonly { logHeights: readonly number[]; widths: readonly number[]; slacks?: readonly number[] }[]): FriSchedule {
  const plan = makePlan(shapes, shapes.map((c) => c.widths.map(() => [])));
  return friSchedule(params, plan.heights.map((h) => h.logHeight), friSlacks(plan, params.zk).slacks);
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

/** The packed coefficients of the opened values of `pm` at point j, in their order (the claim's weights). */
export function openedCoeffs(coeffs: Uint32Array, pm: PlanMatrix, j: number): Uint32Array {
  const e = pm.exponents[j]!;
  return coeffs.subarray(4 * e, 4 * (e + valueCount(pm.columns[j]!, pm.width, pm.packed)));
}

/** X^k in F_{p^4}, k < 4. */
/**
 * The basis X^c of the extension as an element: an extension column is committed as four base columns f_c, the
 * polynomial Σ_c X^c·f_c (the PCS opens it as one value: pcs/types.ts OpeningRequest.packed).
 */
export const EXT_BASIS: readonly E.Ext[] = [E.ONE, E.X, E.mul(E.X, E.X), E.mul(E.X, E.mul(E.X, E.X))];

/**
 * The packed coefficients of the base columns behind the opened values of `pm` at point j (`baseColumns` order):
 * the opened coefficients themselves, or for a packed matrix c·X^k for base column k of an extension column of
 * coefficient c, so that Σ_k (c·X^k)·f_k(x) = c·F(x) and the base-column kernels compute extension openings.
 */
export function baseCoeffs(coeffs: Uint32Array, pm: PlanMatrix, j: number): Uint32Array {
  const opened = openedCoeffs(coeffs, pm, j);
  if (!pm.packed) return opened;
  const out = new Uint32Array(4 * opened.length);
  for (let c = 0; c < opened.length / 4; c++) {
    const v = E.load(opened, c);
    for (let k = 0; k < 4; k++) E.store(out, 4 * c + k, E.mul(v, EXT_BASIS[k]!));
  }
  return out;
}

/** The packed coefficients of every base column of `pm` at point j: zero for a column not opened there. */
export function columnCoeffs(coeffs: Uint32Array, pm: PlanMatrix, j: number): Uint32Array {
  const opened = baseCoeffs(coeffs, pm, j);
  const list = pm.baseColumns[j]!;
  if (list === null) return opened;
  const out = new Uint32Array(4 * pm.width);
  list.forEach((c, k) => out.set(opened.subarray(4 * k, 4 * k + 4), 4 * c));
  return out;
}

/** One extension value per extension column from its four base columns' values: Σ_k X^k·v_{4c+k}. */
export function packValues(values: readonly E.Ext[]): E.Ext[] {
  return Array.from({ length: values.length / 4 }, (_, c) => {
    let acc: E.Ext = values[4 * c]!;
    for (let k = 1; k < 4; k++) acc = E.add(acc, E.mul(EXT_BASIS[k]!, values[4 * c + k]!));
    return acc;
  });
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

/** Version 3 of the parameter encoding (2: mixed-height commits; 3: shapes carry degree slacks), then the hasher's id (UTF-8). */
export function paramsBytes(params: PcsParams, hasherId: string): Uint8Array {
  const id = new TextEncoder().encode(hasherId);
  // Layout 3 (without challenge grinding, as before it existed) or 4 (its bits after the zk flag).
  const c = params.challengePowBits ?? 0;
  const head = [c > 0 ? 4 : 3, params.logBlowup, params.numQueries & 0xff, params.numQueries >>> 8, params.powBits, params.logFoldingArity, params.logFinalPolyLen, params.saltLength, params.zk ? 1 : 0, ...(c > 0 ? [c] : [])];
  const out = new Uint8Array(head.length + id.length);
  out.set(head);
  out.set(id, head.length);
  return out;
}

/**
 * saltLength, matrix count, then (log height, width, degree slack) per matrix, then (mask log height, mask slack)
 * when the commit holds the zk mask: u32 little-endian each.
 */
export function shapeBytes(shape: { logHeights: readonly number[]; widths: readonly number[]; saltLength: number; slacks?: readonly number[]; mask?: MaskShape }): Uint8Array {
  const words = [shape.saltLength, shape.widths.length, ...shape.widths.flatMap((w, m) => [shape.logHeights[m]!, w, slackOf(shape, m)])];
  if (shape.mask !== undefined) words.push(shape.mask.logHeight, shape.mask.slack);
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
  columns: ColumnLists = [],
  packed: PackedLists = [],
): void {
  t.absorbBytes(PCS_LABELS.params, paramsBytes(params, hasherId));
  t.absorbU64(PCS_LABELS.requests, shapes.length);
  shapes.forEach((shape, r) => {
    t.absorbBytes(PCS_LABELS.shape, shapeBytes(shape));
    shape.widths.forEach((_, m) => {
      t.absorbExts(PCS_LABELS.points, points[r]![m]!);
      columns[r]?.[m]?.forEach((list, j) => {
        if (list) t.absorbFields(PCS_LABELS.columns, [j, ...list]);
      });
      if (packed[r]?.[m] === true) t.absorbFields(PCS_LABELS.packed, [m]);
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

/** Matrix m's degree slack in a shape (0 when the shape lists none). */
export function slackOf(shape: Pick<CommitmentShape, 'slacks'>, m: number): number {
  return shape.slacks?.[m] ?? 0;
}
