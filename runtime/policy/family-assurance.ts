/**
 * What a family of products (`verify NAME[l in FROM..TO] { … draws: d }`) assures over a run, from the compiled
 * check alone (docs/compute-checks.md, "Families").
 *
 * A step checks d of its L members, each drawn uniformly and independently after the step's commitments are
 * fixed (runtime/run/sampling.ts drawMembers). A drawn member whose product deviates in at least a fraction f of
 * its entries escapes its own check with probability at most τ = 2^−drawBits (e^(−k·f), k samples). So a step
 * whose deviation touches m of its L members escapes all d draws with probability
 *
 *   (1 − (m/L)·(1 − τ))^d ≤ e^(−d·(m/L)·(1 − τ)),
 *
 * and the steps' draws being independent, a run of S steps whose deviation touches a fraction p of the family's
 * S·L products (Σ m = p·S·L, spread over the steps in any way) escapes every step with probability at most
 *
 *   e^(−d·p·S·(1 − τ)).
 *
 * The bound holds against a prover that commits once per step. A prover that commits again to redraw the
 * members (the member draw carries no proof of work) can try until the deviating members are missed: each step's
 * draw is worth −log2((1 − 1/L)^d) bits against it, which docs/compute-checks.md states with the figure.
 */
import type { ComputeCheck } from './artifact.ts';

export interface FamilyAssurance {
  readonly members: number;
  readonly draws: number;
  /** τ: the most a drawn deviating member escapes its own check with (2^−drawBits). */
  readonly memberMiss: number;
  /** The most a step whose deviation touches one member escapes with: (1 − (1 − τ)/L)^d. */
  readonly stepMissOneMember: number;
}

export function familyAssurance(check: ComputeCheck): FamilyAssurance | undefined {
  if (!check.family) return undefined;
  const members = check.family.to - check.family.from;
  const memberMiss = 2 ** -check.drawBits;
  return { members, draws: check.family.draws, memberMiss, stepMissOneMember: (1 - (1 - memberMiss) / members) ** check.family.draws };
}

/**
 * What one step's member draw is worth against a prover that commits again until a deviating member is missed,
 * in bits: −log2 of the chance that d draws all miss one given member, −d·log2(1 − 1/L), to a tenth (0 for L = 1).
 */
export function familyRedrawBits(a: FamilyAssurance): number {
  return a.members === 1 ? Infinity : Math.round(-Math.log2(1 - 1 / a.members) * a.draws * 10) / 10;
}

/** The most a deviation touching a fraction p of the family's products in a run of `steps` steps escapes with. */
export function familyRunMiss(a: FamilyAssurance, steps: number, p: number): number {
  return Math.exp(-a.draws * p * steps * (1 - a.memberMiss));
}

/** The least fraction p of a run's products whose deviation escapes with probability at most `miss`. */
export function familyDetectedFraction(a: FamilyAssurance, steps: number, miss: number): number {
  return Math.log(1 / miss) / (a.draws * steps * (1 - a.memberMiss));
}

/** A probability for a report: three significant digits, or an upper bound below 1e-300. */
export function formatProbability(x: number): string {
  if (x >= 0.001) return x.toPrecision(3).replace(/\.?0+$/, '');
  return x > 0 ? x.toExponential(2) : '< 1e-300';
}

/** The report's sentence for a family over a run of `steps` steps (verify's claims, info with no run). */
export function familySentence(check: ComputeCheck, steps: number | null): string {
  const a = familyAssurance(check)!;
  const S = steps ?? 1000;
  const run = steps === null ? `over S = ${S} steps (for example)` : `over this run's ${S} step${S === 1 ? '' : 's'}`;
  const redraw = familyRedrawBits(a);
  const pct = (p: number) => `${Number((p * 100).toPrecision(3))}%`;
  const p6 = familyDetectedFraction(a, S, 1e-6);
  return (
    `${a.draws} of its ${a.members} members drawn per step; a deviation in one member escapes a step with probability ${formatProbability(a.stepMissOneMember)}; ` +
    `${run}, one touching a fraction p of the family's products escapes with at most e^(−${a.draws}·p·S·(1 − τ)): ` +
    `${formatProbability(familyRunMiss(a, S, 0.01))} at p = 1%, ${formatProbability(familyRunMiss(a, S, 0.1))} at p = 10%; ` +
    (p6 <= 1 ? `at most 1e-6 from p = ${pct(p6)}` : `1e-6 is not reached even at p = 100%`) +
    ` (the member draw has no proof of work: against a prover that commits again to redraw, it is worth ${redraw} bit${redraw === 1 ? '' : 's'} a step; ` +
    `an auditor's challenge drawn after the proofs are published is a draw it cannot redo: zpol challenge)`
  );
}
