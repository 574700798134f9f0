/**
 * Which output entries a `verify` compute check samples, by Fiat–Shamir over the committed tensors
 * (ARCHITECTURE.md: sample positions come from the step's commitments, after they are fixed), behind a proof of
 * work. The step program draws the same entries inside the zkVM (compiler/verify.ts); the prover draws them here,
 * to put the nonce and the openings on the tape in the order the program reads them. A test keeps the two in step.
 *
 *   seed  = compress(compress(compress([DOMAIN, M, K, N, k, 0, 0, 0], root_a), root_b), root_c)
 *   with w > 0 bits of work: d = compress(seed, [POW_DOMAIN, nonce mod 2^30, ⌊nonce / 2^30⌋, 0, …, 0]) for a
 *       nonce below 2^53 such that lane_l(d) < ⌊p / 2^(w_l)⌋ for each lane l of the split w = w_0 + w_1 + … (at
 *       most 30 bits a lane). The nonce takes two lanes: one field element (p < 2^31 nonces) holds too few for
 *       w past ~28 bits (at w = 34, the 70B check's, no nonce below p carries the work for 15 seeds in 16);
 *   with w = 0: d = seed (and no nonce: a free nonce would be a free redraw)
 *   d_t   = compress(d, [t, 0, 0, 0, 0, 0, 0, 0])                     t = 0, 1, 2, ...
 *   sample s (0-based): with e = d_⌊s/4⌋ and l = 2·(s mod 4),
 *       i = e[l] mod M,   j = S·(e[l + 1] mod (N / S)) + (s mod S)
 *
 * Grinding. A prover that corrupted some entries of c can try again: a changed entry gives a new root of c for the
 * price of one Merkle path, hence new samples. With miss probability tau per draw, trying until the samples miss
 * costs about 1/tau draws, so without work the check holds only log2(1/tau) bits against a grinding prover (about
 * 20 for the demo's tau = 1e-6, found in 1,632 re-commitments by a review). The proof of work makes every draw cost
 * 2^w compressions (a nonce is found every 2^w tries in expectation, and the samples depend on the nonce, so they
 * are unknown until the work is done; another nonce for the same roots costs as much), so grinding costs
 * 2^w / tau compressions: log2(1/tau) + w bits. The policy sets the target (`grinding`, 100 bits unless it says
 * otherwise) and the compiler the w that reaches it (compiler/verify.ts). The honest prover pays 2^w once per check
 * and step.
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
 * hash, so it would be a free redraw.
 *
 * A lane of a Poseidon2 output is taken as uniform on [0, p). Reducing it mod M moves each index's probability by
 * less than 1/p·⌈p/M⌉; for M a power of two up to 2^27, p ≡ 1 (mod M), so only index 0 gets one extra preimage.
 * A lane is below ⌊p / 2^b⌋ with probability at most 2^−b.
 */
import { compressPair } from '../proof/hash/poseidon2.ts';
import { P } from '../proof/field/babybear.ts';
import type { PowSolver } from '../proof/pow.ts';
import type { Word } from '../vm/word.ts';
import { LANES, openRow, openWord, type MatrixCommitment, type RowOpening, type WordOpening } from './tensor-commit.ts';

/** "ZPOL" as a field element: the first lane of the seed's domain word. */
export const SAMPLING_DOMAIN = 0x5a504f4c;

/** "ZPOW" as a field element: the first lane of the proof-of-work word. */
export const POW_DOMAIN = 0x5a504f57;

/** The most bits of work one lane of the proof-of-work digest carries (p < 2^31), and the most in all. */
export const POW_BITS_PER_LANE = 30;
export const MAX_POW_BITS = 60;

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

/** The seed of a check's draws, before any work: the shape and sample count, then the three roots. */
export function samplingSeed(roots: GemmRoots, dims: GemmDims, samples: number): Word {
  let seed: Word = samplingDomain(dims, samples);
  for (const r of [roots.a, roots.b, roots.c]) seed = Array.from(compressPair(seed, r));
  return seed;
}

/** The bound each lane of the proof-of-work digest must stay below for `bits` bits of work: ⌊p / 2^(bits_l)⌋. */
export function powThresholds(bits: number): number[] {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POW_BITS) throw new RangeError(`proof of work is 0 to ${MAX_POW_BITS} bits, got ${bits}`);
  const out: number[] = [];
  for (let left = bits; left > 0; left -= POW_BITS_PER_LANE) out.push(Math.floor(P / 2 ** Math.min(left, POW_BITS_PER_LANE)));
  return out;
}

/** A nonce's two lanes: nonce mod 2^30 and ⌊nonce / 2^30⌋ (both canonical, for every nonce below 2^53). */
function nonceLanes(nonce: number): [number, number] {
  if (!Number.isSafeInteger(nonce) || nonce < 0) throw new RangeError(`a proof-of-work nonce is a whole number below 2^53, got ${nonce}`);
  return [nonce % 2 ** 30, Math.floor(nonce / 2 ** 30)];
}

/** The word the seed is compressed with: [POW_DOMAIN, nonce mod 2^30, ⌊nonce / 2^30⌋, 0, …, 0]. */
export function powWord(nonce: number): Word {
  return [POW_DOMAIN, ...nonceLanes(nonce), 0, 0, 0, 0, 0];
}

/**
 * The nonce as the step program reads it from the tape: in the lanes it takes in `powWord` (1 and 2), lane 0
 * free for the domain the program adds (compiler/verify.ts proofOfWork).
 */
export function nonceWord(nonce: number): Word {
  return [0, ...nonceLanes(nonce), 0, 0, 0, 0, 0];
}

/** The digest a nonce gives: compress(seed, powWord(nonce)). */
export function powDigest(seed: Word, nonce: number): Word {
  return Array.from(compressPair(seed, powWord(nonce)));
}

/** Whether `digest` carries `bits` bits of work. */
export function powHolds(digest: Word, bits: number): boolean {
  return powThresholds(bits).every((t, l) => digest[l]! < t);
}

/**
 * The Poseidon2 grinding puzzle (proof/pow.ts) that a draw's work is: compress(seed, powWord(n)) is the first half
 * of the permutation of [seed, POW_DOMAIN, n mod 2^30, ⌊n / 2^30⌋, 0, …], the puzzle's layout (its nonce in
 * elements 9 and 10), and the work is lane l below powThresholds(w)[l]: the condition of `grindPoseidon2Lanes`
 * with those thresholds (of `grindPoseidon2` for w ≤ 30, one lane).
 */
export function drawPuzzle(seed: Word): Uint32Array {
  return Uint32Array.from([...seed, POW_DOMAIN, 0, 0, 0, 0, 0, 0, 0]);
}

/** The nonce a solver's search gives, checked: a wrong answer is the backend's bug, never a proof's. */
function solved(seed: Word, bits: number, nonce: number): { nonce: number; digest: Word } {
  const digest = powDigest(seed, nonce);
  if (!powHolds(digest, bits)) throw new Error(`grinding: the backend's nonce ${nonce} does not carry ${bits} bits of work`);
  return { nonce, digest };
}

/**
 * The first nonce (start, start + 1, …) whose digest carries `bits` bits of work: 2^bits compressions in
 * expectation. Deterministic, so proving again gives the same bytes. `solver` (a proof backend) searches instead
 * when it can: `grindPoseidon2Lanes` for any work and start (natively past 30 bits, over both nonce slots), else
 * `grindPoseidon2` for work of one lane from 0: the same least nonce as the loop below, the reference.
 */
export function grind(seed: Word, bits: number, start = 0, solver?: PowSolver): { nonce: number; digest: Word } {
  const thresholds = powThresholds(bits);
  if (solver?.grindPoseidon2Lanes) return solved(seed, bits, solver.grindPoseidon2Lanes(drawPuzzle(seed), thresholds, start));
  if (solver?.grindPoseidon2 && start === 0 && thresholds.length === 1) return solved(seed, bits, solver.grindPoseidon2(drawPuzzle(seed), bits));
  return leastNonce(seed, thresholds, start);
}

/**
 * The reference search: the first nonce from `start` whose digest has lane l below thresholds[l] for each l (the
 * condition `grindPoseidon2Lanes` solves; `grind` passes powThresholds(bits), a test any thresholds).
 */
export function leastNonce(seed: Word, thresholds: readonly number[], start = 0): { nonce: number; digest: Word } {
  const hit = leastNonceIn(seed, thresholds, start, Number.MAX_SAFE_INTEGER + 1);
  if (!hit) throw new Error(`no nonce below 2^53 reaches the thresholds ${thresholds.join(', ')}`);
  return hit;
}

/** leastNonce within [start, end): null when no nonce there carries the work. */
function leastNonceIn(seed: Word, thresholds: readonly number[], start: number, end: number): { nonce: number; digest: Word } | null {
  for (let nonce = start; nonce < end; nonce++) {
    const d = compressPair(seed, powWord(nonce));
    if (thresholds.every((t, l) => d[l]! < t)) return { nonce, digest: Array.from(d) };
  }
  return null;
}

/**
 * Where a long search records how far it got (runtime/chain/partial.ts keeps it in the prover's work folder), so
 * that a killed prover searches on from there instead of from nonce 0: at 34 bits a draw's work is ~2^34
 * compressions, two CPU-hours natively.
 */
export interface GrindCheckpoint {
  /** The first nonce not searched yet: every nonce below it was tried and carries too little work (0: a new search). */
  readonly searched: number;
  /** Nonces searched between two records (default GRIND_RANGE). */
  readonly range?: number;
  /** Records that every nonce below `searched` was tried. */
  save(searched: number): void;
  /** Records the nonce found (the least: every nonce below it was tried). */
  found?(nonce: number): void;
}

/** 2^28 nonces between two checkpoints: ~2 CPU-minutes natively (bench/results/grind.json: ~2.5 M tries a CPU-second). */
export const GRIND_RANGE = 2 ** 28;

/**
 * `grind` from 0, range by range from where `checkpoint` says the search stopped, recording after each range: the
 * same least nonce as an uninterrupted search (every nonce below `searched` was tried), so the same proof bytes.
 */
export function grindCheckpointed(seed: Word, bits: number, checkpoint: GrindCheckpoint, solver?: PowSolver): { nonce: number; digest: Word } {
  const thresholds = powThresholds(bits);
  const range = checkpoint.range ?? GRIND_RANGE;
  for (let start = checkpoint.searched; start <= Number.MAX_SAFE_INTEGER; ) {
    const end = Math.min(start + range, Number.MAX_SAFE_INTEGER + 1);
    const nonce = solver?.grindPoseidon2Lanes ? solver.grindPoseidon2Lanes(drawPuzzle(seed), thresholds, start, end) : (leastNonceIn(seed, thresholds, start, end)?.nonce ?? -1);
    if (nonce >= 0) {
      const hit = solved(seed, bits, nonce);
      // Every nonce below it was tried: a prover started again finds it at once.
      if (nonce > start) checkpoint.save(nonce);
      // Recorded even when the search resumed at the nonce itself (a prover killed between the two records).
      checkpoint.found?.(nonce);
      return hit;
    }
    checkpoint.save(end);
    start = end;
  }
  throw new Error(`no nonce below 2^53 carries ${bits} bits of work`);
}

/** The seed a draw uses: `seed` itself without work, else the digest of the least nonce carrying `powBits` bits. */
export function groundSeed(seed: Word, powBits: number | undefined, solver?: PowSolver, checkpoint?: DrawCheckpoint): { nonce: number | null; seed: Word } {
  if (!powBits) return { nonce: null, seed };
  const work = checkpoint ? grindCheckpointed(seed, powBits, checkpoint(seed, powBits), solver) : grind(seed, powBits, 0, solver);
  return { nonce: work.nonce, seed: work.digest };
}

/** A row draw's powBits as an artifact holds it: absent (no work) or a whole number from 1 to MAX_POW_BITS. */
export const powBitsValid = (x: unknown): boolean => x === undefined || (Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= MAX_POW_BITS);
export const powBitsRule = `powBits is absent or a whole number from 1 to ${MAX_POW_BITS}`;

/**
 * Where a draw's proof-of-work search stands, given its seed and bits (a prover's work folder: runtime/chain/partial.ts
 * PartialProofs.grind): the search resumes from it and records its progress, so a killed prover searches on.
 */
export type DrawCheckpoint = (seed: Word, bits: number) => GrindCheckpoint;

/** A check's draw: the nonce of its work (null without work) and the entries (i, j) of c = a·b it opens, in order. */
export interface Draw {
  readonly nonce: number | null;
  readonly entries: { i: number; j: number }[];
}

/**
 * The entries (i, j) of c = a·b that a check of `samples` samples and `powBits` bits of work opens, in order.
 * `checkpoint`, given the sampling seed, says where to search on from and records progress (grindCheckpointed).
 */
export function drawEntries(roots: GemmRoots, dims: GemmDims, samples: number, powBits: number, solver?: PowSolver, checkpoint?: DrawCheckpoint): Draw {
  const { nonce, seed } = groundSeed(samplingSeed(roots, dims, samples), powBits, solver, checkpoint);
  return { nonce, entries: entriesFrom(seed, dims, samples) };
}

/** The entries drawn from d (the seed, or the proof-of-work digest). */
export function entriesFrom(d: Word, dims: GemmDims, samples: number): { i: number; j: number }[] {
  const [M, , N] = dims;
  const S = columnStrata(N);
  const out: { i: number; j: number }[] = [];
  let e: Word = [];
  for (let s = 0; s < samples; s++) {
    if (s % SAMPLES_PER_DIGEST === 0) e = Array.from(compressPair(d, [s / SAMPLES_PER_DIGEST, 0, 0, 0, 0, 0, 0, 0]));
    const l = 2 * (s % SAMPLES_PER_DIGEST);
    out.push({ i: e[l]! % M, j: S * (e[l + 1]! % (N / S)) + (s % S) });
  }
  return out;
}

/** One sample's openings: row i of a, row j of bᵀ, row i of c, and c's word holding c[i][j] opened alone. */
export interface SampleRows {
  readonly a: RowOpening;
  readonly b: RowOpening;
  readonly c: RowOpening;
  readonly entry: WordOpening;
}

/** The openings of entry (i, j) of c = a·b: row i of a, row j of bᵀ (column j of b), row i of c, c[i][j]'s word. */
export function openSample(a: MatrixCommitment, bt: MatrixCommitment, c: MatrixCommitment, i: number, j: number): SampleRows {
  return { a: openRow(a, i), b: openRow(bt, j), c: openRow(c, i), entry: openWord(c, i, Math.floor(j / LANES)) };
}

/**
 * Whether a check in this order reads a's and bᵀ's row words interleaved, a_0, b_0, a_1, b_1, … (the streamed dot
 * product of compiler/row-streams.ts and the blocked order), rather than a's row then bᵀ's (tensor_core, whose
 * `mma` reads each row whole from consecutive words).
 */
export function interleavesRows(order: string | undefined): boolean {
  return order !== 'tensor_core';
}

/**
 * The private tape a check reads (the order of compiler/verify.ts): the tree roots of a, bᵀ and c (each checked
 * once against its root under the shape word), the nonce of its work (when it has one), then sample after sample: a's row words then its siblings, then bᵀ's (or, interleaved, a's and bᵀ's words alternately,
 * then a's siblings, then bᵀ's), then c's entry: the words of the chunk holding c[i][j], the row's chunk digests and
 * the siblings — but for a row of c that is one word in tensor-core order (not interleaved), read whole: its word
 * and siblings.
 */
export function openingTape(trees: readonly Word[], nonce: number | null, samples: readonly SampleRows[], interleaved = false): Word[] {
  const tape: Word[] = [...trees.map((t) => [...t]), ...(nonce === null ? [] : [nonceWord(nonce)])];
  const copy = (ws: readonly Word[]): Word[] => ws.map((w) => [...w]);
  for (const s of samples) {
    if (interleaved) {
      s.a.words.forEach((w, k) => tape.push([...w], [...s.b.words[k]!]));
      tape.push(...copy(s.a.siblings), ...copy(s.b.siblings));
    } else tape.push(...copy(s.a.words), ...copy(s.a.siblings), ...copy(s.b.words), ...copy(s.b.siblings));
    if (!interleaved && s.c.words.length === 1) tape.push(...copy(s.c.words), ...copy(s.c.siblings));
    else tape.push(...copy(s.entry.words), ...copy(s.entry.digests), ...copy(s.entry.siblings));
  }
  return tape;
}

/** "ZPFM" as a field element: the first lane of a family draw's domain word. */
export const FAMILY_DOMAIN = 0x5a50464d;

/** A family draw's domain word: [FAMILY_DOMAIN, M, K, N, samples, members, draws, 0]. */
export function familyDomain(dims: GemmDims, samples: number, members: number, draws: number): Word {
  return [FAMILY_DOMAIN, dims[0], dims[1], dims[2], samples, members, draws, 0];
}

/**
 * The members of a family of products (`verify NAME[l in FROM..TO]`, `draws: d`) that a step checks, as offsets
 * 0 … members − 1 from FROM, in the order the step program checks them. Drawn with replacement after every
 * member's roots are fixed:
 *
 *   seed = compress(… compress(compress([FAMILY_DOMAIN, M, K, N, k, L, d, 0], a_0), b_0) …, c_(L−1))
 *   member t = compress(seed, [t, 0, …, 0])[0] mod L          t = 0 … d − 1
 *
 * Each member is then checked as a single product is (its own seed, work and samples from its own roots). A draw
 * hits a given member with probability 1/L; the draws are independent, so a step whose deviation touches m of
 * its L members escapes all d draws with probability (1 − m/L)^d. There is no proof of work on the member draw:
 * a prover that can commit again to redraw is not bounded by it (docs/compute-checks.md, "Families").
 */
export function drawMembers(members: readonly GemmRoots[], dims: GemmDims, samples: number, draws: number): number[] {
  let seed: Word = familyDomain(dims, samples, members.length, draws);
  for (const m of members) for (const r of [m.a, m.b, m.c]) seed = Array.from(compressPair(seed, r));
  return Array.from({ length: draws }, (_, t) => compressPair(seed, [t, 0, 0, 0, 0, 0, 0, 0])[0]! % members.length);
}
