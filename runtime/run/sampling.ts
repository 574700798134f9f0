/**
 * Which output entries a `verify` compute check samples, by Fiat–Shamir over the committed tensors
 * (ARCHITECTURE.md: sample positions come from the step's commitments, after they are fixed). The step program
 * draws the same entries inside the zkVM (compiler/verify.ts); the prover draws them here, to put the openings
 * on the tape in the order the program reads them. A test keeps the two in step.
 *
 *   seed  = compress(compress(compress([DOMAIN, M, K, N, k, 0, 0, 0], root_a), root_b), root_c)
 *   d_t   = compress(seed, [t, 0, 0, 0, 0, 0, 0, 0])                 t = 0, 1, 2, ...
 *   sample s (0-based): with d = d_⌊s/4⌋ and l = 2·(s mod 4),
 *       i = d[l] mod M,   j = S·(d[l + 1] mod (N / S)) + (s mod S)
 *
 * The columns are stratified by j mod S, S = columnStrata(N): N itself when N ≤ 8, 8 when 8 divides N, else 1
 * (no strata). Sample s draws its column from stratum s mod S, uniformly, and k is a multiple of S, so every
 * stratum gets k/S samples. The bound is unchanged: if a fraction g_l of stratum l's entries are wrong, the
 * strata being the same size, the overall fraction is f = Σ g_l / S and the check misses them all with
 * probability Π_l (1 − g_l)^(k/S) ≤ e^(−(k/S)·Σ g_l) = e^(−kf). What it buys: a sample's column sits in a lane
 * (j mod 8) known when the program is compiled, so the program reads c[i][j] with one `lane` instead of selecting
 * it among the N entries of c's row, and for N ≤ 8 it draws no column at all.
 *
 * compress is Poseidon2's 2-to-1 compression (the VM's `hash`). Only the tensor roots and the clause's shape and
 * sample count enter the seed, never the step record's commitment: that is blinded, and a new blinding costs one
 * hash, so a prover could grind blindings until the samples miss a corrupted entry. Changing a root means
 * committing a different tensor; tau is the miss probability of each such attempt.
 *
 * A lane of a Poseidon2 output is taken as uniform on [0, p). Reducing it mod M moves each index's probability by
 * less than 1/p·⌈p/M⌉; for M a power of two up to 2^27, p ≡ 1 (mod M), so only index 0 gets one extra preimage.
 */
import { compressPair } from '../proof/hash/poseidon2.ts';
import type { Word } from '../vm/word.ts';
import { openRow, type MatrixCommitment, type RowOpening } from './tensor-commit.ts';

/** "ZPOL" as a field element: the first lane of the seed's domain word. */
export const SAMPLING_DOMAIN = 0x5a504f4c;

/** Samples drawn from one digest: two lanes (i, j) each. */
export const SAMPLES_PER_DIGEST = 4;

export type GemmDims = readonly [m: number, k: number, n: number];

export interface GemmRoots {
  readonly a: Word;
  /** The root of bᵀ (b is committed transposed: row j of bᵀ is column j of b). */
  readonly b: Word;
  readonly c: Word;
}

/** The seed's domain word: [DOMAIN, M, K, N, samples, 0, 0, 0]. */
export function samplingDomain(dims: GemmDims, samples: number): Word {
  return [SAMPLING_DOMAIN, dims[0], dims[1], dims[2], samples, 0, 0, 0];
}

/** The number of column strata of an output with N columns: N up to 8, 8 when 8 divides N, else 1. */
export function columnStrata(n: number): number {
  if (n <= 8) return n;
  return n % 8 === 0 ? 8 : 1;
}

/** The sample count a check runs: k rounded up to a multiple of the column strata. */
export function stratifiedSamples(k: number, n: number): number {
  const s = columnStrata(n);
  return s * Math.ceil(k / s);
}

/** The entries (i, j) of c = a·b that a check of `samples` samples opens, in order. */
export function sampleEntries(roots: GemmRoots, dims: GemmDims, samples: number): { i: number; j: number }[] {
  const [M, , N] = dims;
  const S = columnStrata(N);
  let seed: Word = samplingDomain(dims, samples);
  for (const r of [roots.a, roots.b, roots.c]) seed = Array.from(compressPair(seed, r));
  const out: { i: number; j: number }[] = [];
  let d: Word = [];
  for (let s = 0; s < samples; s++) {
    if (s % SAMPLES_PER_DIGEST === 0) d = Array.from(compressPair(seed, [s / SAMPLES_PER_DIGEST, 0, 0, 0, 0, 0, 0, 0]));
    const l = 2 * (s % SAMPLES_PER_DIGEST);
    out.push({ i: d[l]! % M, j: S * (d[l + 1]! % (N / S)) + (s % S) });
  }
  return out;
}

/** One sample's openings: row i of a, row j of bᵀ, row i of c. */
export interface SampleRows {
  readonly a: RowOpening;
  readonly b: RowOpening;
  readonly c: RowOpening;
}

/** The openings of entry (i, j) of c = a·b: row i of a, row j of bᵀ (column j of b), row i of c. */
export function openSample(a: MatrixCommitment, bt: MatrixCommitment, c: MatrixCommitment, i: number, j: number): SampleRows {
  return { a: openRow(a, i), b: openRow(bt, j), c: openRow(c, i) };
}

/**
 * The private tape a check reads, sample after sample: a's row words then its siblings, then bᵀ's, then c's
 * (the order of compiler/verify.ts).
 */
export function openingTape(samples: readonly SampleRows[]): Word[] {
  const tape: Word[] = [];
  for (const s of samples) for (const o of [s.a, s.b, s.c]) tape.push(...o.words.map((w) => [...w]), ...o.siblings.map((w) => [...w]));
  return tape;
}
