/**
 * The parts of the STARK protocol that the prover and the verifier must do identically: what the transcript
 * absorbs first, and which commitments are opened at which points, in which order.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import type { Challenger } from '../transcript.ts';
import { quotientChunks, zkLogFactor, type StarkSystem } from './system.ts';

/** Largest table height the protocol accepts: 2^24 rows keeps every domain within BabyBear's 2-adicity. */
export const MAX_LOG_HEIGHT = 24;

export function absorbStatement(transcript: Challenger, system: StarkSystem<unknown>, publics: readonly number[], logHeights: readonly number[]): void {
  transcript.absorbDigest('system', system.digest);
  transcript.absorbFields('publics', publics);
  transcript.absorbFields('log-heights', logHeights);
}

/** log2(N/n) for the coset on which a table's quotient is computed: N must exceed the quotient's degree. */
export function quotientLogBlowup(degree: number, zkLog: number): number {
  const needed = Math.max(quotientChunks(degree, zkLog), 2 ** zkLog);
  return Math.ceil(Math.log2(needed));
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
  /** Per matrix: its base columns. */
  readonly widths: readonly number[];
  readonly saltLength: number;
  /** Per matrix: 2 (ζ and ω·ζ, the next row) for traces, 1 (ζ) for quotient chunks. */
  readonly points: readonly number[];
}

/**
 * The commitment phases, in transcript order: preprocessed columns (public, unsalted; when some table has them),
 * main traces, auxiliary (LogUp) traces (when some table has bus messages), quotient chunks. Committed witness
 * polynomials have height 2^z·n with zero knowledge (`zkLogFactor`), n without.
 */
export function commitLayouts(system: StarkSystem<unknown>, logHeights: readonly number[]): CommitLayout[] {
  const salt = system.pcs.params.saltLength;
  const all = system.tables.map((_, i) => i);
  const committed = (i: number) => logHeights[i]! + zkLogFactor(system, logHeights[i]!);
  const layout = (kind: CommitKind, tables: readonly number[], width: (i: number) => number, points: number, saltLength: number, height = committed): CommitLayout => ({
    kind,
    tables,
    logHeights: tables.map(height),
    widths: tables.map(width),
    saltLength,
    points: tables.map(() => points),
  });
  const out: CommitLayout[] = [];
  const pre = system.preprocessedCommitment;
  if (pre) {
    const tables = all.filter((i) => system.tables[i]!.preprocessed !== null);
    out.push(layout('pre', tables, (i) => system.tables[i]!.preprocessed!.width, 2, pre.shape.saltLength, (i) => Math.log2(system.tables[i]!.preprocessed!.height)));
  }
  out.push(layout('main', all, (i) => system.tables[i]!.analyzed.air.width, 2, salt));
  const withBus = all.filter((i) => system.tables[i]!.logup.auxWidth > 0);
  if (withBus.length > 0) out.push(layout('aux', withBus, (i) => 4 * system.tables[i]!.logup.auxWidth, 2, salt));
  out.push(layout('quotient', all, (i) => 4 * quotientChunks(system.tables[i]!.degree, zkLogFactor(system, logHeights[i]!)), 1, salt));
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
