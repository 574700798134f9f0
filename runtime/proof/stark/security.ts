/**
 * The security of one STARK proof: the PCS's conjectured and proven bits (pcs/security.ts) combined with the
 * STARK layer's own soundness terms, each the probability that one random challenge over the quartic extension
 * F (|F| = p⁴ ≈ 2^123.6) is bad:
 *
 *   - constraint combination: Σ_j γ^j C_j vanishing on H although some C_j does not has probability at most
 *     (number of constraints)/|F| per table (a nonzero polynomial in γ of that degree);
 *   - DEEP (out-of-domain point): a false quotient agreeing with the constraints at ζ has probability at most
 *     (degree of the composition)/|F|, the degree being at most d·(n_c + S) per table (system.ts zkLayout);
 *   - LogUp: an unbalanced bus whose fractions sum to zero at (β, α_1, …) has probability below 2M/|F|, M the
 *     number of (row, message) terms: the cleared numerator has total degree below M, and each of the M
 *     denominators vanishes with probability 1/|F| (Schwartz–Zippel; Haböck, eprint 2022/1530; air/logup.ts).
 *
 *   - the hash: a collision in the commitments' Merkle hash lets a prover open one leaf two ways; its generic
 *     bound (BLAKE3: 128 bits; Poseidon2-BabyBear, 8-element digests: 123) caps every figure.
 *
 * The totals are −log2 of the summed error probabilities. The proven figure adds the same STARK terms to the
 * PCS's Johnson-bound analysis.
 */
import { EXT_FIELD_BITS, pcsSecurity } from '../pcs/security.ts';
import { friScheduleOf } from '../pcs/opening-plan.ts';
import { zkLayout, type StarkSystem } from './system.ts';
import { commitLayouts } from './protocol.ts';

export interface StarkSecurity {
  readonly conjecturedBits: number;
  readonly provenBits: number | null;
  readonly terms: { readonly pcs: number; readonly constraints: number; readonly deep: number; readonly logup: number | null; readonly hash: number | null };
}

function combine(bits: readonly number[]): number {
  const min = Math.min(...bits);
  let s = 0;
  for (const b of bits) s += 2 ** -(b - min);
  return min - Math.log2(s);
}

/** `logHeights`: every table's, as a proof carries them (the blinding collector's included). */
export function starkSecurity(system: StarkSystem<unknown>, logHeights: readonly number[]): StarkSecurity {
  if (logHeights.length !== system.tables.length) throw new RangeError(`expected ${system.tables.length} table heights, got ${logHeights.length}`);
  const layouts = commitLayouts(system, logHeights);
  const logMaxHeight = Math.max(...layouts.flatMap((l) => l.logHeights));
  // The rate FRI really holds every round to (degree slack included: fri/schedule.ts worstRate).
  const rate = friScheduleOf(system.pcs.params, layouts).worstRate;
  const pcs = pcsSecurity({ params: system.pcs.params, logMaxHeight, rateBits: -Math.log2(rate) });
  let constraintTerms = 0;
  let deepDegree = 0;
  let logupTerms = 0;
  system.tables.forEach((t, i) => {
    const n = 2 ** logHeights[i]!;
    constraintTerms += t.constraints.length;
    const z = zkLayout(system, i, logHeights[i]!);
    deepDegree += t.degree * (2 ** z.logCommitted + z.slack);
    logupTerms += n * t.analyzed.interactions.length;
  });
  const constraints = EXT_FIELD_BITS - Math.log2(constraintTerms);
  const deep = EXT_FIELD_BITS - Math.log2(deepDegree);
  const logup = logupTerms > 0 ? EXT_FIELD_BITS - Math.log2(2 * logupTerms) : null;
  const hash = system.pcs.hasher?.collisionBits ?? null;
  const stark = [constraints, deep, ...(logup === null ? [] : [logup]), ...(hash === null ? [] : [hash])];
  return {
    conjecturedBits: Math.floor(combine([pcs.conjecturedBits, ...stark])),
    provenBits: pcs.provenBits === null ? null : Math.floor(combine([pcs.provenBits, ...stark])),
    terms: { pcs: pcs.conjecturedBits, constraints, deep, logup, hash },
  };
}
