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

/** One commitment the proof opens: its table, kind, shape and how many points it is opened at. */
export interface CommitLayout {
  readonly kind: CommitKind;
  readonly table: number;
  readonly logHeight: number;
  readonly widths: readonly number[];
  readonly saltLength: number;
  /** 2 (ζ and ω·ζ) for traces, 1 (ζ) for quotient chunks. */
  readonly points: number;
}

/**
 * Table by table: preprocessed, main and auxiliary traces (opened at ζ and ω·ζ, the next row), then the
 * quotient chunks (at ζ). Committed witness polynomials have height 2^z·n with zero knowledge (`zkLogFactor`),
 * n without.
 */
export function commitLayouts(system: StarkSystem<unknown>, logHeights: readonly number[]): CommitLayout[] {
  const salt = system.pcs.params.saltLength;
  const out: CommitLayout[] = [];
  system.tables.forEach((t, table) => {
    const zkShift = zkLogFactor(system, logHeights[table]!);
    const logHeight = logHeights[table]! + zkShift;
    const pre = system.preprocessedCommitments[table];
    if (pre) out.push({ kind: 'pre', table, logHeight: pre.shape.logHeight, widths: pre.shape.widths, saltLength: pre.shape.saltLength, points: 2 });
    out.push({ kind: 'main', table, logHeight, widths: [t.analyzed.air.width], saltLength: salt, points: 2 });
    if (t.logup.auxWidth > 0) out.push({ kind: 'aux', table, logHeight, widths: [4 * t.logup.auxWidth], saltLength: salt, points: 2 });
    out.push({ kind: 'quotient', table, logHeight, widths: [4 * quotientChunks(t.degree, zkShift)], saltLength: salt, points: 1 });
  });
  return out;
}

/**
 * The points of each commitment in `commitLayouts` order. ζ must lie outside the base field, so it avoids every
 * trace domain and every evaluation coset.
 */
export function openingPoints(layouts: readonly CommitLayout[], logHeights: readonly number[], zeta: E.Ext): Checked<E.Ext[][]> {
  if (E.isBase(zeta)) return { ok: false, error: 'the out-of-domain point fell in the base field; no proof exists for this transcript' };
  return {
    ok: true,
    value: layouts.map((l) => (l.points === 2 ? [zeta, E.mulBase(zeta, F.rootOfUnity(logHeights[l.table]!))] : [zeta])),
  };
}
