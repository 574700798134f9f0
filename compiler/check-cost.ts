/**
 * What a `verify` compute check costs in the step program, from its shape alone: the instructions of each opcode
 * that compiler/verify.ts emits for it (after the passes), and the Merkle levels its openings climb. Known before
 * anything is built, so that a clause too large for the machine is refused in milliseconds instead of after
 * minutes of lowering (docs/compute-checks.md, "Limits"), and so that `zpol info` can say what any shape costs.
 *
 * The counts follow the lowering instruction for instruction; test/compiler/check-cost.test.ts compiles a grid of
 * shapes (with and without column strata, rows of one or several words, with and without proof of work) and
 * requires the histogram of the compiled clause to equal this one, so a change to the lowering that is not
 * mirrored here fails there.
 */
import type { Opcode } from '../runtime/vm/isa.ts';
import { DEFAULT_SEGMENT_LOG, MAX_SEGMENTS } from '../runtime/vm/isa.ts';
import { columnStrata, powThresholds, SAMPLES_PER_DIGEST } from '../runtime/run/sampling.ts';
import { chunkCount, chunkWords, LANES, treeDepth } from '../runtime/run/tensor-commit.ts';

export interface CheckShape {
  readonly dims: readonly [number, number, number];
  readonly samples: number;
  readonly powBits: number;
  /**
   * The dot products' order: a `mac` per term (sequential, the default), one `mma` per dot product (tensor_core),
   * or a `mac` per term and an `fadd` per block after the first (blocked, blocks of `block` terms).
   */
  readonly order?: 'sequential' | 'tensor_core' | 'blocked';
  readonly block?: number;
  /** A family's members and draws (compiler/family.ts): the member check runs once per draw. */
  readonly family?: { readonly from: number; readonly to: number; readonly draws: number };
}

export interface CheckCost {
  /** The clause's instructions, opcode by opcode: what the step program holds. */
  readonly ops: Readonly<Partial<Record<Opcode, number>>>;
  /** The program's instructions: the sum of `ops`. */
  readonly instructions: number;
  /** Instructions run, opcode by opcode (the sample loop runs its body once per iteration). */
  readonly executed: Readonly<Partial<Record<Opcode, number>>>;
  /** CPU cycles: the sum of `executed`. */
  readonly cycles: number;
  /** Multiply-accumulates: samples × K. */
  readonly macs: number;
  /** Levels climbed by the clause's `merkle` instructions as they run (one Merkle row and one Poseidon2 row each). */
  readonly merkleLevels: number;
}

/**
 * The most cycles one step may run: a run longer than a segment is proven in segments (continuations), at most
 * MAX_SEGMENTS of the default 2^DEFAULT_SEGMENT_LOG cycles (runtime/vm/isa.ts): 2^29.
 */
export const SEGMENT_CYCLES = 2 ** DEFAULT_SEGMENT_LOG;
export const MAX_CYCLES = MAX_SEGMENTS * SEGMENT_CYCLES;

/**
 * How the step program loops over a clause's samples: `rounds` iterations (0, or at least 2) of `group` samples,
 * group = lcm(SAMPLES_PER_DIGEST, S) so that every iteration's samples have the same strata and digest lanes, then
 * the samples − rounds·group left over, unrolled.
 */
export function sampleLoop(samples: number, strata: number): { group: number; rounds: number } {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const group = (SAMPLES_PER_DIGEST * strata) / gcd(SAMPLES_PER_DIGEST, strata);
  const rounds = Math.floor(samples / group);
  return { group, rounds: rounds >= 2 ? rounds : 0 };
}

type Histogram = Partial<Record<Opcode, number>>;

/**
 * A whole clause: one product's check, or a family's — its member check once per draw, plus the draw
 * (compiler/family.ts): 3L hashes for the seed, and per draw a hash, the index (drawIndex, its mod part only
 * when L > 1) and the selection of three roots, L `eq`s, 3L `scale`s and 3(L − 1) `add`s.
 */
export function computeCheckCost(shape: CheckShape): CheckCost {
  const member = memberCheckCost(shape);
  if (!shape.family) return member;
  const L = shape.family.to - shape.family.from;
  const d = shape.family.draws;
  const draw: Histogram = {};
  const add = into(draw);
  add('hash', 3 * L + d);
  add('lane', d * 3), add('advice', d), add('mul', d), add('add', d), add('assertEq', d), add('wide', d), add('assert', d);
  if (L > 1) add('lane', d * 2), add('advice', d * 2), add('mul', d), add('add', d), add('assertEq', d), add('wide', d * 3), add('assert', d), add('eq', d * L), add('scale', d * 3 * L), add('add', d * 3 * (L - 1));
  const total = (h: Histogram): Histogram => {
    const out: Histogram = { ...draw };
    for (const [op, n] of Object.entries(h)) into(out)(op as Opcode, d * n);
    return out;
  };
  const ops = total(member.ops);
  const executed = total(member.executed);
  return { ops, instructions: sum(ops), executed, cycles: sum(executed), macs: d * member.macs, merkleLevels: d * member.merkleLevels };
}

const sum = (h: Histogram): number => Object.values(h).reduce((a, b) => a + b, 0);
const into = (h: Histogram, times = 1) => (op: Opcode, n: number): void => {
  if (n * times !== 0) h[op] = (h[op] ?? 0) + n * times;
};

/** One product's check (a single product, or one drawn member of a family). */
function memberCheckCost({ dims: [M, K, N], samples, powBits, order = 'sequential', block }: CheckShape): CheckCost {
  const words = (cols: number): number => Math.ceil(cols / LANES);
  // Before the samples: the seed from the three roots, the proof of work.
  const fixed: Histogram = {};
  let add = into(fixed);
  // The three tree roots read, each under its shape word against its root; then the seed from the roots.
  add('read', 3), add('hash', 3), add('assertEq', 3);
  add('hash', 3);
  if (powBits > 0) {
    add('read', 1), add('mul', 1), add('add', 1), add('hash', 1);
    const lanes = powThresholds(powBits).length;
    add('lane', 3 * lanes), add('advice', lanes), add('mul', lanes), add('add', lanes), add('assertEq', lanes), add('wide', lanes), add('assert', lanes);
  }
  // One sample; every sample runs the same instructions, only constants (its stratum, its digest lane) differ:
  // `one` what a sample holds, `runs` how often a sample runs each (its row loops run their bodies once a word).
  const one: Histogram = {};
  const runs: Histogram = {};
  const S = columnStrata(N);
  const [wK, wN] = [words(K), words(N)];
  /** n instructions `op` in the sample, each run `times` times a sample. */
  const put = (op: Opcode, n: number, times = 1): void => {
    into(one)(op, n);
    into(runs)(op, n * times);
  };
  /** A row loop of `count` iterations around `body`, counting down: `set` before it, `addi` and `branch` after it. */
  const rowLoop = (count: number, body: (add: (op: Opcode, n: number) => void) => void, times = 1): void => {
    put('set', 1, times);
    body((op, n) => put(op, n, count * times));
    put('addi', 1, count * times), put('branch', 1, count * times);
  };
  /**
   * row-streams.ts chunkLoops over a and bᵀ's rows of K values: a loop over the chunks around one over a chunk's
   * words (`body`, once a word); where a chunk ends, both chunk chains hashed into the leaves or taken as them
   * (the first-chunk flag: eq; per row hash, sub, scale, add) and reset (mov), and with `lastChunk` the flag of the
   * last chunk (eq).
   */
  const chunkLoops = (lastChunk: boolean, body: (add: (op: Opcode, n: number) => void) => void): void => {
    const [D, G] = [chunkWords(K), chunkCount(K)];
    rowLoop(G, (add) => {
      if (lastChunk) add('eq', 1);
      add('eq', 1), add('hash', 2), add('sub', 2), add('scale', 2), add('add', 2), add('mov', 2);
    });
    rowLoop(D, body, G);
  };
  /** Hashes of a row of `cols` values read whole: one per word (chunk 0 chained from the leaf's prefix), one per next chunk. */
  const rowHashes = (cols: number): number => words(cols) + chunkCount(cols) - 1;
  const index = (reduced: boolean): void => {
    // verify.ts drawIndex: e's limbs checked against e, then (unless the index is the constant 0) e mod m and the
    // index's limbs.
    put('advice', 1), put('lane', 2), put('mul', 1), put('add', 1), put('assertEq', 1), put('wide', 1), put('assert', 1);
    if (reduced) put('advice', 2), put('wide', 3), put('assertEq', 1), put('assert', 1), put('lane', 2), put('mul', 1), put('add', 1);
  };
  // Sequential and blocked order are uniform (verify.ts): both indices drawn whatever the shape, c streamed.
  const uniform = order !== 'tensor_core';
  const [drawsRow, drawsColumn] = [uniform || M > 1, uniform || N / S > 1];
  put('lane', 1), index(drawsRow); // i
  if (drawsColumn) put('lane', 1), index(true), put('mul', 1), put('add', 1); // w, then j = S·w + stratum
  // The leaf prefixes [R, C, r, 0…] (folded for a constant row): a's and c's share the scaled row i (and the whole
  // prefix when K = N).
  if (drawsRow) put('scale', 1), put('add', K === N ? 1 : 2);
  if (drawsColumn) put('scale', 1), put('add', 1);
  if (order === 'tensor_core') {
    // a's and bᵀ's rows read whole and hashed, one `mma` for the dot product; each row's lanes past K asserted
    // zero, the last word times a mask of ones past K (mul, assertEq). One with an odd number of words gets a zero
    // word, so codegen copies both rows' 2·⌈K/16⌉ words into a fresh block (mov).
    put('read', 2 * wK), put('hash', 2 * rowHashes(K)), put('merkle', 2), put('assertEq', 2);
    const opWords = 2 * Math.ceil(K / 16);
    if (K % LANES !== 0) put('mul', 2), put('assertEq', 2);
    put('mma', 1);
    if (wK < opWords) put('mov', 2 * opWords);
  } else if (order === 'sequential' || block! >= K) {
    // row-streams.ts streamedDot: seven variables (five set: the leaves are set where chunk 0 ends), pipelined: a `macw` of the words before, then a
    // word of a and of bᵀ read and hashed into their chunks in place; after the loops a's last word turned −0 past
    // K (add) and its `macw`; then the lanes past K asserted zero, the paths and the shape words.
    put('mov', 5);
    chunkLoops(false, (add) => {
      add('macw', 1), add('read', 2), add('hash', 2);
    });
    put('add', 1), put('macw', 1);
    put('mul', 2), put('assertEq', 2), put('merkle', 2), put('assertEq', 2);
  } else if (block! % LANES === 0) {
    // row-streams.ts streamedBlockedDot: nine variables (five set); streamedDot's iteration plus the last-word flag
    // (eq, mul: the −0 trick's), the block's start (eq, sub, scale), its end (eq, mul, add), the fadd and its
    // selection (sub, scale, add), the words left (sub, mul, add).
    put('mov', 5);
    chunkLoops(true, (add) => {
      add('read', 2), add('hash', 2), add('eq', 1), add('mul', 1), add('scale', 1), add('add', 1);
      add('macw', 1);
      add('eq', 1), add('sub', 1), add('scale', 1);
      add('eq', 1), add('mul', 1), add('add', 1);
      add('fadd', 1), add('sub', 1), add('scale', 1), add('add', 1);
      add('sub', 1), add('mul', 1), add('add', 1);
    });
    put('mul', 2), put('assertEq', 2), put('merkle', 2), put('assertEq', 2);
  } else {
    // Blocked: the rows' words read in pairs, hashed, the paths; a chain of fmas per block, the block sums added.
    put('read', 2 * wK), put('hash', 2 * rowHashes(K)), put('merkle', 2), put('assertEq', 2);
    put('lane', 2 * K), put('pack', K), put('mac', K), put('fadd', Math.ceil(K / block!) - 1);
  }
  if (!uniform && wN === 1) {
    // One word of c read as it is (tensor-core order), c[i][j] its lane `stratum`.
    put('read', 1), put('hash', 1), put('merkle', 1), put('assertEq', 1), put('lane', 1);
  } else {
    // c's word opened alone (verify.ts entryWord: the word index divided by a chunk's words, quotient and remainder
    // as field values; row-streams.ts streamedEntryWord: the chunk's words then the row's chunk digests, each loop
    // with its variables (two set) and a sub, an item an iteration hashed in place and the one asked for kept; the
    // kept digest against the chunk's chain, the path and the shape word).
    put('advice', 2), put('wide', 3), put('assertEq', 1), put('assert', 1), put('lane', 4), put('mul', 2), put('add', 2);
    // The chunk's chain starts from the leaf's prefix for chunk 0 (eq, sub, scale, add); the digests' chain takes
    // the first digest as it is (eq, sub, scale, add an iteration).
    put('eq', 1), put('sub', 1), put('scale', 1), put('add', 1);
    for (const [count, fromFirst] of [[chunkWords(N), false], [chunkCount(N), true]] as const) {
      put('mov', 2), put('sub', 1);
      rowLoop(count, (add) => {
        add('read', 1), add('hash', 1), add('eq', 1), add('scale', 1), add('add', 1);
        if (fromFirst) add('eq', 1), add('sub', 1), add('scale', 1), add('add', 1);
      });
    }
    put('assertEq', 1), put('merkle', 1), put('assertEq', 1);
  }
  // c[i][j]: lane `stratum` of the kept word; without strata, j's quotient and remainder by 8 and the lane selected.
  if (!uniform && wN === 1) {
    // (taken above)
  } else if (S === 1) {
    // (j's quotient by 8 is the word entryWord divides above, as a wide value: no field form here.)
    put('advice', 2), put('wide', 3), put('assertEq', 1), put('assert', 1);
    put('lane', 1), put('eq', LANES), put('lane', LANES), put('mul', LANES), put('add', LANES - 1);
  } else put('lane', 1);
  put('tobf16', 1), put('assertEq', 1);

  // The loop of `rounds` × `group` samples (its digests: the first from the iteration word, the others from it
  // plus a constant), then the rest unrolled, one digest per SAMPLES_PER_DIGEST samples from a constant.
  const { group, rounds } = sampleLoop(samples, S);
  const digestsPerGroup = group / SAMPLES_PER_DIGEST;
  const tail = samples - rounds * group;
  const tailDigests = Math.ceil(samples / SAMPLES_PER_DIGEST) - rounds * digestsPerGroup;
  const build = (times: number, sample: Histogram): Histogram => {
    const h: Histogram = {};
    for (const [op, n] of Object.entries(fixed)) into(h)(op as Opcode, n);
    if (rounds > 0) {
      const body = into(h, times);
      for (const [op, n] of Object.entries(sample)) body(op as Opcode, group * n);
      body('hash', digestsPerGroup), body('add', digestsPerGroup - 1);
      body('addi', 2), body('branch', 1); // the iteration word and the counter, the branch back
      into(h)('set', 2); // both set before the loop
    }
    for (const [op, n] of Object.entries(sample)) into(h)(op as Opcode, tail * n);
    into(h)('hash', tailDigests);
    return h;
  };
  const ops = build(1, one);
  const executed = build(rounds, runs);
  return { ops, instructions: sum(ops), executed, cycles: sum(executed), macs: samples * K, merkleLevels: samples * (2 * treeDepth(M) + treeDepth(N)) };
}
