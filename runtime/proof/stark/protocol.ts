/**
 * The parts of the STARK protocol that the prover and the verifier must do identically: what the transcript
 * absorbs first, and which commitments are opened at which points, in which order.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import type { Challenger } from '../transcript.ts';
import { compiledConstraints, evaluateCompiledAtPoint, pointSelectors } from '../air/eval.ts';
import type { MaskShape, OpenedValues } from '../pcs/types.ts';
import { maskShapeOf } from '../pcs/opening-plan.ts';
import { committedPreLogHeight, quotientLogCap, zkLayout, type StarkSystem } from './system.ts';

/** Largest table height the protocol accepts: 2^24 rows keeps every domain within BabyBear's 2-adicity. */
export const MAX_LOG_HEIGHT = 24;

export function absorbStatement(transcript: Challenger, system: StarkSystem<unknown>, publics: readonly number[], logHeights: readonly number[]): void {
  transcript.absorbDigest('system', system.digest);
  transcript.absorbFields('publics', publics);
  transcript.absorbFields('log-heights', logHeights);
}

export type CommitKind = 'pre' | 'main' | 'aux' | 'quotient';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * One commitment the proof opens: a commitment phase holding one matrix per listed table, in table order, in one
 * mixed-height tree (merkle/mixed.ts), so a query opens one path per phase.
 */
export interface CommitLayout {
  readonly kind: CommitKind;
  /** The tables whose matrix the commitment holds, ascending. */
  readonly tables: readonly number[];
  /** Per matrix: log2 of its committed height. */
  readonly logHeights: readonly number[];
  /** Per matrix: its degree slack (randomiser coefficients; system.ts zkLayout). */
  readonly slacks: readonly number[];
  /** Per matrix: its base columns. */
  readonly widths: readonly number[];
  /**
   * Whether the matrices are extension columns opened as such (LogUp traces and quotient chunks: pcs/types.ts
   * OpeningRequest.packed): one value F_c(z) = Σ_k X^k·f_{4c+k}(z) an extension column, which is all the
   * constraints read, instead of its four base columns' values.
   */
  readonly packed: boolean;
  /** Per matrix: the columns its points open values of (extension columns when packed, else `widths`). */
  readonly valueWidths: readonly number[];
  readonly saltLength: number;
  /**
   * Per matrix: 2 (ζ and ω·ζ) for a trace whose constraints read some of its columns at the next row, 1 (ζ) for
   * the other traces and for quotient chunks.
   */
  readonly points: readonly number[];
  /** Per matrix and point: the columns opened there (null: all; extension columns when packed); at ω·ζ only those read at the next row. */
  readonly columns: readonly (readonly (readonly number[] | null)[])[];
  /** The preprocessed commitment when the parameters let the verifier hold it (PcsParams.verifierHoldsPublic): no opening travels. */
  readonly held: boolean;
  /**
   * With zero knowledge, the quotient commitment also holds the PCS's masking polynomial (pcs/types.ts
   * CommitmentShape.mask, pcs/opening-plan.ts maskShapeOf): a matrix after the tables' that no table owns.
   */
  readonly mask?: MaskShape;
}

/** The base columns a trace of `width` columns opens at ω·ζ, given the columns read there (`per` base columns each). */
function nextOpened(read: readonly number[], per: number, width: number): readonly number[] | null {
  const base = read.flatMap((c) => Array.from({ length: per }, (_, k) => per * c + k));
  return base.length === width ? null : base;
}

/**
 * The commitment phases, in transcript order: preprocessed columns (public, unsalted; when some table has them),
 * main traces, auxiliary (LogUp) traces (when some table has bus messages), quotient chunks. Committed heights
 * and slacks are system.ts `zkLayout`'s.
 */
export function commitLayouts(system: StarkSystem<unknown>, logHeights: readonly number[]): CommitLayout[] {
  const salt = system.pcs.params.saltLength;
  const all = system.tables.map((_, i) => i);
  const cap = quotientLogCap(system, logHeights);
  const zks = logHeights.map((h, i) => zkLayout(system, i, h, cap));
  const committed = (i: number) => zks[i]!.logCommitted;
  const slack = (i: number) => zks[i]!.slack;
  // next(i): the columns of table i's matrix read at the next row (undefined: a quotient, opened at ζ only).
  const layout = (
    kind: CommitKind,
    tables: readonly number[],
    width: (i: number) => number,
    next: ((i: number) => readonly number[] | null) | undefined,
    saltLength: number,
    height = committed,
    slacks = slack,
    packed = false,
  ): CommitLayout => {
    const columns = tables.map((i) => {
      const list = next?.(i);
      return list === undefined || (list !== null && list.length === 0) ? [null] : [null, list];
    });
    const widths = tables.map(width);
    return {
      kind,
      tables,
      logHeights: tables.map(height),
      slacks: tables.map(slacks),
      widths,
      packed,
      valueWidths: widths.map((w) => (packed ? w / 4 : w)),
      saltLength,
      points: columns.map((c) => c.length),
      columns,
      held: kind === 'pre' && system.pcs.params.verifierHoldsPublic === true,
    };
  };
  const info = (i: number) => system.tables[i]!;
  const out: CommitLayout[] = [];
  const pre = system.preprocessedCommitment;
  if (pre) {
    const tables = all.filter((i) => system.tables[i]!.preprocessed !== null);
    const width = (i: number) => info(i).preprocessed!.width;
    const preHeight = (i: number) => committedPreLogHeight(system.zk, Math.log2(info(i).preprocessed!.height));
    out.push(layout('pre', tables, width, (i) => nextOpened(info(i).nextColumns.pre, 1, width(i)), pre.shape.saltLength, preHeight, () => 0));
  }
  const mainWidth = (i: number) => info(i).analyzed.air.width;
  out.push(layout('main', all, mainWidth, (i) => nextOpened(info(i).nextColumns.main, 1, mainWidth(i)), salt));
  const withBus = all.filter((i) => info(i).logup.auxWidth > 0);
  const auxWidth = (i: number) => 4 * info(i).logup.auxWidth;
  // LogUp columns and quotient chunks are opened as extension columns (one value each; at ω·ζ, the LogUp columns read there).
  if (withBus.length > 0) out.push(layout('aux', withBus, auxWidth, (i) => nextOpened(info(i).nextColumns.aux, 1, info(i).logup.auxWidth), salt, committed, slack, true));
  const quotient = layout('quotient', all, (i) => 4 * zks[i]!.chunks, undefined, salt, (i) => zks[i]!.quotientLogHeight, (i) => zks[i]!.quotientSlack, true);
  // The zk mask rides in the last commitment before the opening: one Merkle path a query fewer than a tree of its own.
  out.push(system.pcs.params.zk ? { ...quotient, mask: maskShapeOf([...out, quotient]) } : quotient);
  return out;
}

/** One point's opened values spread over all `width` columns of the matrix (zero where a column is not opened). */
export function spreadValues(values: readonly E.Ext[], columns: readonly number[] | null, width: number): E.Ext[] {
  if (columns === null) return values.slice();
  const out: E.Ext[] = Array.from({ length: width }, () => E.ZERO);
  columns.forEach((c, k) => (out[c] = values[k]!));
  return out;
}

/**
 * The points of each matrix of each commitment in `commitLayouts` order. ζ must lie outside the base field, so it
 * avoids every trace domain and every evaluation coset.
 */
export function openingPoints(layouts: readonly CommitLayout[], logHeights: readonly number[], zeta: E.Ext): Checked<E.Ext[][][]> {
  if (E.isBase(zeta)) return { ok: false, error: 'the out-of-domain point fell in the base field; no proof exists for this transcript' };
  return {
    ok: true,
    value: layouts.map((l) => l.tables.map((t, m) => (l.points[m] === 2 ? [zeta, E.mulBase(zeta, F.rootOfUnity(logHeights[t]!))] : [zeta]))),
  };
}

/** What the constraint identity at ζ reads besides the system: the proof's heights, opened values and draws. */
export interface AtZeta {
  readonly logHeights: readonly number[];
  readonly layouts: readonly CommitLayout[];
  readonly values: OpenedValues;
  readonly zeta: E.Ext;
  readonly gamma: E.Ext;
  readonly challenges: readonly E.Ext[];
  readonly publics: readonly number[];
  readonly claimedSums: readonly E.Ext[];
}

/**
 * Whether table i's constraint identity holds at the out-of-domain point:
 *     Σ_j γ^j C_j(ζ) = q(ζ) · Z_H(ζ),   q(ζ) = Σ_c ζ^{c·L} q_c(ζ)  (L the chunk length, system.ts zkLayout),
 * from the opened values (shape-checked by the caller). The verifier's check, and the prover's own on the proof it
 * is about to return (a bad witness fails it except with probability about (constraints + degree)/|F^4|).
 */
export function constraintsHoldAtZeta(system: StarkSystem<unknown>, i: number, at: AtZeta): boolean {
  return E.isZero(constraintResidualAtZeta(system, i, at));
}

/** Σ_j γ^j C_j(ζ) − q(ζ)·Z_H(ζ) for table i: zero exactly when `constraintsHoldAtZeta` (the in-VM verifier's tests compare it). */
export function constraintResidualAtZeta(system: StarkSystem<unknown>, i: number, at: AtZeta): E.Ext {
  const { logHeights, layouts, values, zeta } = at;
  const t = system.tables[i]!;
  const logN = logHeights[i]!;
  // Per point, every column's value (zero for a column not opened there: the constraints do not read it).
  const opened = (kind: string): E.Ext[][] | null => {
    const k = layouts.findIndex((l) => l.kind === kind);
    const l = layouts[k];
    const m = l === undefined ? -1 : l.tables.indexOf(i);
    if (m < 0) return null;
    const w = l!.valueWidths[m]!;
    return [0, 1].map((j) => (j < l!.points[m]! ? spreadValues(values[k]![m]![j]!, l!.columns[m]![j]!, w) : Array.from({ length: w }, () => E.ZERO)));
  };
  const main = opened('main')!;
  const pre = opened('pre');
  const aux = opened('aux');
  const quotient = opened('quotient')![0]!;
  // LogUp columns and quotient chunks are opened as extension values (CommitLayout.packed).
  const auxAt = (point: number) => (aux ? aux[point]!.slice(0, t.logup.auxWidth) : []);
  const program = compiledConstraints(t.constraints, t.constraints.map((c) => c.expr));
  const cs = evaluateCompiledAtPoint(program, {
    zeta,
    logTrace: logN,
    main: main[0]!,
    mainNext: main[1]!,
    pre: pre?.[0] ?? [],
    preNext: pre?.[1] ?? [],
    aux: auxAt(0),
    auxNext: auxAt(1),
    publics: at.publics,
    challenges: at.challenges,
    sumPerRow: E.mulBase(at.claimedSums[i]!, F.inv(2 ** logN)),
  });
  let combined: E.Ext = E.ZERO;
  let g: E.Ext = E.ONE;
  for (const c of cs) {
    combined = E.add(combined, E.mul(g, c));
    g = E.mul(g, at.gamma);
  }
  const { chunks, chunkLength } = zkLayout(system, i, logN, quotientLogCap(system, logHeights));
  const zetaN = E.pow(zeta, chunkLength);
  let q: E.Ext = E.ZERO;
  let power: E.Ext = E.ONE;
  for (let c = 0; c < chunks; c++) {
    q = E.add(q, E.mul(power, quotient[c]!));
    power = E.mul(power, zetaN);
  }
  const { zH } = pointSelectors(zeta, logN);
  return E.sub(combined, E.mul(q, zH));
}
