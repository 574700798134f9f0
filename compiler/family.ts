/**
 * A family of products in the step program (`verify NAME[l in FROM..TO] { a: step.x[l] … draws: d }`): d of its
 * L = TO − FROM members are drawn after every member's roots are fixed, and each drawn member is checked as a
 * single product is (compiler/verify.ts), its roots selected from the step arrays by the drawn index.
 *
 *   1. seed ← [FAMILY_DOMAIN, M, K, N, k, L, d, 0], then seed ← hash(seed, root) for a, b, c of every member in
 *      order (runtime/run/sampling.ts drawMembers: the prover draws the same members to open their rows);
 *   2. for t = 0 … d − 1: e ← hash(seed, [t, 0, …]), m ← lane0(e) mod L (drawIndex: e's canonical integer,
 *      quotient and remainder checked on the wide chip);
 *   3. each operand's root is Σ_u [m = u]·root_(FROM+u) (`eq` gives 1 or 0 in lane 0, `scale` multiplies the
 *      root's 8 lanes by it), and the member's check runs on the three selected roots.
 *
 * The program is straight-line over the members (L·3 hashes for the seed, L `eq`s and 3L `scale`s a draw) and
 * runs d checks, so a step costs d times one member's check. Which member a failing check drew is not in the
 * program's message (fixed at compile time): the prover, which draws the same members, names it.
 */
import { familyDomain } from '../runtime/run/sampling.ts';
import type { ComputeCheck } from '../runtime/policy/artifact.ts';
import type { Lowerer } from './lower.ts';
import { lowerComputeCheck, drawIndex } from './verify.ts';

/** The roots of every member of a family, FROM first: the addresses of the step arrays' elements. */
export interface MemberRoots {
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly c: readonly number[];
}

export function lowerFamilyCheck(L: Lowerer, check: ComputeCheck, roots: MemberRoots, message: string): void {
  const family = check.family!;
  const members = family.to - family.from;
  let seed = L.constWord(familyDomain(check.dims, check.samples, members, family.draws));
  for (let u = 0; u < members; u++) for (const r of [roots.a[u]!, roots.b[u]!, roots.c[u]!]) seed = L.field('hash', seed, r);
  const notDerived = `${message}: a drawn member does not come from the commitments`;
  for (let t = 0; t < family.draws; t++) {
    const m = drawIndex(L, L.lane(L.field('hash', seed, L.constWord([t, 0, 0, 0, 0, 0, 0, 0])), 0), members, notDerived);
    const select = (all: readonly number[]): number => {
      if (members === 1) return all[0]!;
      let sum = -1;
      for (let u = 0; u < members; u++) {
        const term = L.field('scale', L.field('eq', m, L.constWord(u)), all[u]!);
        sum = sum < 0 ? term : L.field('add', sum, term);
      }
      return sum;
    };
    lowerComputeCheck(L, check, { a: select(roots.a), b: select(roots.b), c: select(roots.c) }, message);
  }
}
