/**
 * The security of one STARK proof: the PCS's conjectured and proven bits (pcs/security.ts) combined with the
 * STARK layer's own soundness terms, each the probability that one random challenge over the quartic extension
 * F (|F| = p⁴ ≈ 2^123.6) is bad:
 *
 *   - constraint combination: Σ_j γ^j C_j vanishing on H although some C_j does not has probability at most
 *     (number of constraints)/|F| per table (a nonzero polynomial in γ of that degree);
 *   - DEEP (out-of-domain point): a false quotient agreeing with the constraints at ζ has probability at most
 *     (degree of the composition)/|F|, the degree being at most d·B per table, B the coefficients FRI lets a
 *     polynomial of the table's committed height 2^h have: finalLen·2^(h − stop) (the final polynomial's length
 *     times the folding above the height, fri/schedule.ts: n_c + S with S the largest slack of the height, the zk
 *     mask's at the top, rounded up to the folding) plus one, since FRI bounds (f − f(z))/(X − z), one degree
 *     below f. That is the bound FRI enforces, not the table's own n_c + S (system.ts zkLayout;
 *     test/proof/fri-slack.test.ts, zk-degree-attacks.test.ts);
 *   - LogUp: an unbalanced bus whose fractions sum to zero at (β, α_1, …) has probability below 2M/|F|, M the
 *     number of (row, message) terms: the cleared numerator has total degree below M, and each of the M
 *     denominators vanishes with probability 1/|F| (Schwartz–Zippel; Haböck, eprint 2022/1530; air/logup.ts).
 *
 * Grinding before the challenges whose error grows with the height (the PCS's challengePowBits, c bits). The DEEP
 * and LogUp terms grow with the trace: at 2^22 rows the zkVM's LogUp term is 2M/|F| ≈ 2^-95.9 and its DEEP term
 * 2^-100.0, and the PCS's field term |D|/|F| (2^25-point domains: 2^-98.6) likewise. A cheating prover attacks
 * such a term by re-committing (a new main trace, a new quotient, new claimed values, a new FRI layer) until the
 * challenge drawn after the commitment is bad. The prover grinds c bits on the transcript right before drawing
 * the LogUp challenges, ζ, the batching coefficients and every folding β (transcript.ts `grindBeforeChallenge`,
 * the nonce absorbed first), so each such try costs 2^c hash evaluations on top of the commitment: in the
 * conjectured (work) sense each of those terms gains c bits, as the query phase's grinding adds powBits to its
 * term (ethSTARK documentation §5.10; Plonky3's commit-phase proof of work is the same device). The constraint
 * combination γ (114 bits for the zkVM whatever the height) is not ground. With c = 12 the zkVM's weakest term at
 * 2^24 rows is LogUp's 105.9 and every height up to 2^24 reaches 101 conjectured bits (test/proof/stark-security);
 * the cost is about (rounds + 3)·2^12 hashes, under a millisecond natively. The proven figure is a probability
 * and counts no grinding.
 *
 *   - the hash: a collision in the commitments' Merkle hash lets a prover open one leaf two ways; its generic
 *     bound (BLAKE3: 128 bits; Poseidon2-BabyBear, 8-element digests: 123) caps every figure.
 *
 * The totals are −log2 of the summed error probabilities. The proven figure adds the same STARK terms to the
 * PCS's Johnson-bound analysis.
 */
import { EXT_FIELD_BITS, pcsSecurity } from '../pcs/security.ts';
import { friScheduleOf } from '../pcs/opening-plan.ts';
import { quotientLogCap, zkLayout, type StarkSystem } from './system.ts';
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
  const schedule = friScheduleOf(system.pcs.params, layouts);
  const rate = schedule.worstRate;
  const pcs = pcsSecurity({ params: system.pcs.params, logMaxHeight, rateBits: -Math.log2(rate) });
  // The coefficients FRI lets a committed polynomial of height 2^h have (module comment).
  const enforced = (h: number) => schedule.finalLen * 2 ** (h - schedule.logFinalDegree) + 1;
  const cap = quotientLogCap(system, logHeights);
  let constraintTerms = 0;
  let deepDegree = 0;
  let logupTerms = 0;
  system.tables.forEach((t, i) => {
    const n = 2 ** logHeights[i]!;
    constraintTerms += t.constraints.length;
    const z = zkLayout(system, i, logHeights[i]!, cap);
    deepDegree += t.degree * enforced(z.logCommitted);
    logupTerms += n * t.analyzed.interactions.length;
  });
  // ζ and the LogUp challenges are drawn after grinding `c` bits (prover.ts): each fresh try costs 2^c hashes.
  const c = system.pcs.params.challengePowBits ?? 0;
  const constraints = EXT_FIELD_BITS - Math.log2(constraintTerms);
  const deepProbability = EXT_FIELD_BITS - Math.log2(deepDegree);
  const logupProbability = logupTerms > 0 ? EXT_FIELD_BITS - Math.log2(2 * logupTerms) : null;
  const deep = deepProbability + c;
  const logup = logupProbability === null ? null : logupProbability + c;
  const hash = system.pcs.hasher?.collisionBits ?? null;
  const tail = (d: number, l: number | null) => [constraints, d, ...(l === null ? [] : [l]), ...(hash === null ? [] : [hash])];
  return {
    conjecturedBits: Math.floor(combine([pcs.conjecturedBits, ...tail(deep, logup)])),
    // The proven figure bounds a probability, which grinding does not change: the terms without it.
    provenBits: pcs.provenBits === null ? null : Math.floor(combine([pcs.provenBits, ...tail(deepProbability, logupProbability)])),
    terms: { pcs: pcs.conjecturedBits, constraints, deep, logup, hash },
  };
}
