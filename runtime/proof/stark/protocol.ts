/**
 * The parts of the STARK protocol that the prover and the verifier must do identically: what the transcript
 * absorbs first, and which commitments are opened at which points, in which order.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import type { Transcript } from '../transcript.ts';
import { quotientChunks, type StarkSystem } from './system.ts';

/** Largest table height the protocol accepts: 2^24 rows keeps every domain within BabyBear's 2-adicity. */
export const MAX_LOG_HEIGHT = 24;

export function absorbStatement(transcript: Transcript, system: StarkSystem<unknown>, publics: readonly number[], logHeights: readonly number[]): void {
  transcript.absorbDigest('system', system.digest);
  transcript.absorbFields('publics', publics);
  transcript.absorbFields('log-heights', logHeights);
}

/** log2(N/n) for the coset on which a table's quotient is computed: N must exceed the quotient's degree. */
export function quotientLogBlowup(degree: number, zk: boolean): number {
  const needed = Math.max(quotientChunks(degree, zk), zk ? 2 : 1);
  return Math.ceil(Math.log2(needed));
}

export type CommitKind = 'pre' | 'main' | 'aux' | 'quotient';

export interface PlannedOpening {
  readonly kind: CommitKind;
  readonly table: number;
  readonly points: readonly E.Ext[];
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * Table by table: preprocessed, main and auxiliary traces at ζ and ω·ζ (the next row), quotient chunks at ζ.
 * ζ must lie outside the base field, so it avoids every trace domain and every evaluation coset.
 */
export function openingPlan(system: StarkSystem<unknown>, logHeights: readonly number[], zeta: E.Ext): Checked<PlannedOpening[]> {
  if (E.isBase(zeta)) return { ok: false, error: 'the out-of-domain point fell in the base field; no proof exists for this transcript' };
  const plan: PlannedOpening[] = [];
  system.tables.forEach((t, i) => {
    const omega = F.rootOfUnity(logHeights[i]!);
    const both = [zeta, E.mulBase(zeta, omega)];
    if (t.preprocessed) plan.push({ kind: 'pre', table: i, points: both });
    plan.push({ kind: 'main', table: i, points: both });
    if (t.logup.auxWidth > 0) plan.push({ kind: 'aux', table: i, points: both });
    plan.push({ kind: 'quotient', table: i, points: [zeta] });
  });
  return { ok: true, value: plan };
}
