/**
 * Committed rows opened in bounded loops (compiler/verify.ts): a row's words come from the tape one an iteration,
 * each hashed into the row's leaf as it arrives and used at once, so the step program does not grow with a row's
 * length. What an iteration leaves for the next (the leaf's hash chain, an accumulator, a selected word) is carried
 * in variables (ir.ts `var`, `store`).
 *
 *   streamedDot   row i of a and row j of bᵀ, K columns each, a word of each an iteration (a_0, b_0, a_1, b_1, …
 *                 on the tape, then a's siblings, then bᵀ's: runtime/run/sampling.ts openingTape), eight fmas an
 *                 iteration into one f32 accumulator from +0, one `macw` (lanes 0..7 of both words into the
 *                 accumulator in place, in order): the sequential order. Pipelined: an iteration multiplies the words read
 *                 by the one before (zero words before the first: eight fmas of +0 that leave +0 as it is), and
 *                 the last words' fmas follow the loop. The last word's lanes past K hold zeros
 *                 (runtime/run/tensor-commit.ts rowWords; asserted after the loop), and a's are turned into −0
 *                 there (0x8000 added): −0 · +0 = −0 exactly, and x + (−0) = x for every f32 x, −0 and NaN
 *                 included, so those fmas leave the accumulator as it was. 7 cycles a word pair (14 with eight `macl`).
 *   streamedBlockedDot  the same rows and words for `order: blocked(B)` with 8 | B < K: the fmas of a block run
 *                 into a partial sum from +0 (reset where a block starts), and where a block ends (its last word,
 *                 or the row's) the partial is added in f32 to the total, which starts at −0 (−0 + x = x, so the
 *                 first block's sum is taken as it is, as bf16Dot's blocked order takes it). The `fadd` runs every
 *                 iteration and is kept only at a block's end (total + end·(fadd − total)).
 *   streamedEntryWord  one word of a row (chunk g, offset o: values in the machine), opened alone: its chunk's D
 *                 words a word an iteration, hashed into the chunk's chain, the word at o kept as Σ_t [o = t]·word_t;
 *                 then the row's chunk digests a digest an iteration, hashed into the leaf, the one at g kept the
 *                 same way and required to be the chain of the words read (runtime/run/tensor-commit.ts). D + W/D
 *                 compressions instead of the row's W.
 *
 * The streams loop over the row's chunks, an inner loop over a chunk's words: the chunk's chain starts from
 * CHUNK_START and is hashed into the leaf where the chunk ends. The loops' counts are constants of the shape, so
 * the program has the same instructions for every shape.
 */
import type { Lowerer } from './lower.ts';
import { CHUNK_START, chunkCount, chunkWords, LANES, shapeWord, treeDepth } from '../runtime/run/tensor-commit.ts';
import { fieldWord } from '../runtime/vm/word.ts';

/** A sampled row of a committed [rows, cols] tensor: its root and row index (values in the machine). */
export interface RowRef {
  readonly root: number;
  readonly rows: number;
  readonly cols: number;
  readonly index: number;
  /** The message when the row does not open against the root. */
  readonly fails: string;
  /**
   * The tensor's tree root, when the program has it (a value checked once against `root` under the shape word:
   * compiler/verify.ts): the row's path climbs to it, and the shape word is not hashed again for every row.
   */
  readonly tree?: number;
}

export const rowWordCount = (cols: number): number => Math.ceil(cols / LANES);

/**
 * leaf(r) of a row whose words are all in the machine, from the leaf's first word `prefix`: chunk 0's chain from
 * the prefix, then each next chunk's chain from CHUNK_START hashed in (runtime/run/tensor-commit.ts).
 */
export function rowLeaf(L: Lowerer, cols: number, prefix: number, words: readonly number[]): number {
  const D = chunkWords(cols);
  let leaf = L.commitWords(prefix, words.slice(0, D));
  for (let g = 1; g * D < words.length; g++) leaf = L.field('hash', leaf, L.commitWords(L.constWord(CHUNK_START), words.slice(g * D, (g + 1) * D)));
  return leaf;
}

/** The root of a [rows, cols] tensor above `leaf`, row r: the Merkle climb (siblings from the tape), then the shape word. */
export function rowRoot(L: Lowerer, rows: number, cols: number, r: number, leaf: number): number {
  return shapeRoot(L, rows, cols, L.merkle(leaf, r, treeDepth(rows)));
}

/** That `leaf` is row `row.index` of `row`: its path climbs to the tree root, or (without one) to the root. */
export function assertOpens(L: Lowerer, row: RowRef, leaf: number): void {
  const top = L.merkle(leaf, row.index, treeDepth(row.rows));
  L.assertEq(row.tree === undefined ? shapeRoot(L, row.rows, row.cols, top) : top, row.tree ?? row.root, row.fails);
}

/** compress([SHAPE_DOMAIN, rows, cols, 0, …], tree): a tensor's root above its tree's top node. */
export function shapeRoot(L: Lowerer, rows: number, cols: number, tree: number): number {
  return L.field('hash', L.constWord(shapeWord(rows, cols)), tree);
}

/** The root row r (a value in the machine) of a [rows, cols] tensor opens to with these words (all of the row's). */
export function openedRowRoot(L: Lowerer, rows: number, cols: number, r: number, words: readonly number[]): number {
  return rowRoot(L, rows, cols, r, rowLeaf(L, cols, rowPrefix(L, rows, cols, r), words));
}

/** bf16 −0. */
const NEG_ZERO = 0x8000;

/** A leaf's first word, [rows, cols, r, 0, …] (runtime/run/tensor-commit.ts), for a row index r in the machine. */
export function rowPrefix(L: Lowerer, rows: number, cols: number, r: number): number {
  return L.field('add', L.constWord([rows, cols, 0, 0, 0, 0, 0, 0]), L.field('scale', r, L.constWord([0, 0, 1, 0, 0, 0, 0, 0])));
}

/**
 * The sequential dot product of two sampled rows of K columns (a's and bᵀ's), streamed: the f32 accumulator, a
 * variable. Both rows are opened against their roots; `padding` is the message when a lane past K is not zero.
 */
export function streamedDot(L: Lowerer, a: RowRef, b: RowRef, padding: string): number {
  const K = a.cols;
  const W = rowWordCount(K);
  const at = L.loc;
  const zero = L.constWord(fieldWord(0));
  const acc = L.ir.variable('field', at, zero);
  // The previous iteration's words, zero before the first: fma(+0, +0, +0) = +0, so the first iteration's eight
  // fmas leave the accumulator +0 (sequential order starts from +0).
  const pair = rowPair(L, a, b, L.ir.variable('field', at, zero), L.ir.variable('field', at, zero));
  // Lanes of the last word past K (none when 8 divides K: the masks are then zero and change nothing).
  const used = K - LANES * (W - 1);
  const past = (v: number): number => L.constWord(Array.from({ length: LANES }, (_, l) => (l >= used ? v : 0)));
  const [negPast, onesPast] = [past(NEG_ZERO), past(1)];
  // Software-pipelined: an iteration multiplies the words the one before read, then reads its own; the last
  // words' fmas follow the loop, a's lanes past K turned −0 there (one `add`, outside the loop).
  chunkLoops(L, pair, K, at, () => {
    L.ir.macWord(acc, pair.lastA, pair.lastB, at);
    readWordPair(L, pair, at);
  });
  const lastA = L.field('add', pair.lastA, negPast);
  L.ir.macWord(acc, lastA, pair.lastB, at);
  closeRowPair(L, pair, a, b, onesPast, padding);
  return acc;
}

/** f32 −0 as the machine's f32 word (lo16, hi16). */
const NEG_ZERO_F32 = [0, 0x8000, 0, 0, 0, 0, 0, 0];

/**
 * The blocked(B) dot product (8 divides B, B < K) of two sampled rows of K columns, streamed: the f32 sum of the
 * blocks' partial sums in order, a variable. Both rows are opened against their roots.
 */
export function streamedBlockedDot(L: Lowerer, a: RowRef, b: RowRef, B: number, padding: string): number {
  const K = a.cols;
  const W = rowWordCount(K);
  const perBlock = B / LANES;
  if (!Number.isInteger(perBlock) || B >= K) throw new Error(`row-streams: blocks of ${B} are not whole words below K = ${K}`);
  const at = L.loc;
  const partial = L.ir.variable('field', at, L.constWord(fieldWord(0)));
  const total = L.ir.variable('field', at, L.constWord(NEG_ZERO_F32));
  // Words left in the current block, this one included: a block starts where it is perBlock and ends where it is 1.
  const left = L.ir.variable('field', at, L.constWord(perBlock));
  const pair = rowPair(L, a, b, L.ir.variable('field', at), L.ir.variable('field', at));
  const used = K - LANES * (W - 1);
  const past = (v: number): number => L.constWord(Array.from({ length: LANES }, (_, l) => (l >= used ? v : 0)));
  const [negPast, onesPast, one, blockWords] = [past(NEG_ZERO), past(1), L.constWord(1), L.constWord(perBlock)];
  // The row's last word ends a block too when the last block has fewer words than the others (else the count of
  // words left reaches 1 there anyway).
  const shortLast = L.constWord(W % perBlock === 0 ? 0 : 1);
  chunkLoops(L, pair, K, at, (t, lastChunk) => {
    const [aw, bw] = readWordPair(L, pair, at);
    const lastWord = L.field('mul', L.field('eq', t, one), lastChunk);
    const a2 = L.field('add', aw, L.field('scale', lastWord, negPast));
    L.ir.store(partial, L.field('scale', L.field('sub', one, L.field('eq', left, blockWords)), partial), at);
    L.ir.macWord(partial, a2, bw, at);
    const end = L.field('add', L.field('eq', left, one), L.field('mul', lastWord, shortLast));
    const sum = L.fadd(total, partial);
    L.ir.store(total, L.field('add', total, L.field('scale', end, L.field('sub', sum, total))), at);
    L.ir.store(left, L.field('add', L.field('sub', left, one), L.field('mul', end, blockWords)), at);
  });
  closeRowPair(L, pair, a, b, onesPast, padding);
  return total;
}

/**
 * The loop state of two rows streamed together: their leaves' hash chains (ha, hb), their current chunks' chains
 * (ca, cb) and the last words read.
 */
interface RowPair {
  readonly ha: number;
  readonly hb: number;
  readonly ca: number;
  readonly cb: number;
  readonly start: number;
  readonly lastA: number;
  readonly lastB: number;
}

function rowPair(L: Lowerer, a: RowRef, b: RowRef, lastA: number, lastB: number): RowPair {
  const at = L.loc;
  const start = L.constWord(CHUNK_START);
  // Chunk 0's chains start from the leaves' prefixes; the leaves are set where chunk 0 ends.
  const [ca, cb] = [L.ir.variable('digest', at, rowPrefix(L, a.rows, a.cols, a.index)), L.ir.variable('digest', at, rowPrefix(L, b.rows, b.cols, b.index))];
  return { ha: L.ir.variable('digest', at), hb: L.ir.variable('digest', at), ca, cb, start, lastA, lastB };
}

/**
 * The loops over a row of `cols` values: one iteration per chunk around one per word of it (`body` gets the inner
 * counter, D … 1, and whether this is the last chunk); where a chunk ends, chunk 0's chains become the leaves and
 * each next chunk's is hashed into them (the hash runs for chunk 0 too, its result not kept: the instructions are
 * the same every iteration), and the chunk chains start again from CHUNK_START.
 */
function chunkLoops(L: Lowerer, p: RowPair, cols: number, at: Lowerer['loc'], body: (t: number, lastChunk: number) => void): void {
  const one = L.constWord(1);
  const G = chunkCount(cols);
  const first = L.constWord(G);
  L.ir.loop(G, 'down', at, (g) => {
    // (Written [1 = g], not [g = 1]: with one chunk the first-chunk flag below is [g = 1], and the two must stay two
    // instructions so that the program has the same instructions for every chunk count.)
    const lastChunk = L.field('eq', one, g);
    L.ir.loop(chunkWords(cols), 'down', at, (t) => body(t, lastChunk));
    const isFirst = L.field('eq', g, first);
    for (const [h, c] of [[p.ha, p.ca], [p.hb, p.cb]] as const) {
      const hashed = L.field('hash', h, c);
      L.ir.store(h, L.field('add', hashed, L.field('scale', isFirst, L.field('sub', c, hashed))), at);
    }
    L.ir.store(p.ca, p.start, at);
    L.ir.store(p.cb, p.start, at);
  });
}

/** One iteration's words of a and bᵀ (a's first on the tape), kept as the last read and hashed into their chunks. */
function readWordPair(L: Lowerer, p: RowPair, at: Lowerer['loc']): [number, number] {
  const aw = L.read();
  L.ir.store(p.lastA, aw, at);
  const bw = L.read();
  L.ir.store(p.lastB, bw, at);
  L.ir.store(p.ca, L.field('hash', p.ca, aw), at);
  L.ir.store(p.cb, L.field('hash', p.cb, bw), at);
  return [aw, bw];
}

/** After the loop: the last words' lanes past K are zero, and both leaves open against their roots. */
function closeRowPair(L: Lowerer, p: RowPair, a: RowRef, b: RowRef, onesPast: number, padding: string): void {
  const zero = L.constWord(0);
  L.assertEq(L.field('mul', p.lastA, onesPast), zero, padding);
  L.assertEq(L.field('mul', p.lastB, onesPast), zero, padding);
  assertOpens(L, a, p.ha);
  assertOpens(L, b, p.hb);
}

/**
 * One word of a sampled row, opened against its root: chunk `g`, word `o` of it (values in the machine, g below
 * the row's chunks and o below a chunk's words), a variable. `notChunk` is the message when the words read are not
 * the chunk the leaf hashes at g.
 */
export function streamedEntryWord(L: Lowerer, row: RowRef, g: number, o: number, notChunk: string): number {
  const [start, prefix] = [L.constWord(CHUNK_START), rowPrefix(L, row.rows, row.cols, row.index)];
  // Chunk 0's chain starts from the leaf's prefix, the others' from CHUNK_START.
  const from = L.field('add', start, L.field('scale', L.field('eq', g, L.constWord(0)), L.field('sub', prefix, start)));
  const [chain, word] = chainAndPick(L, chunkWords(row.cols), from, o, false);
  const [leaf, chunk] = chainAndPick(L, chunkCount(row.cols), prefix, g, true);
  L.assertEq(chunk, chain, notChunk);
  assertOpens(L, row, leaf);
  return word;
}

/**
 * `count` words from the tape in a loop, each hashed into a chain from `start` (with `fromFirst`, the chain is the
 * first word itself, and each next one is hashed in: the hash of the first runs and is not kept), and the one at
 * `index` (a value in the machine below count) kept as Σ_t [index = t]·word_t: the chain and the kept word,
 * variables. The loop counts down from count: its counter is count − t at iteration t, so word x is the one where
 * it equals count − x.
 */
function chainAndPick(L: Lowerer, count: number, start: number, index: number, fromFirst: boolean): [number, number] {
  const at = L.loc;
  const chain = L.ir.variable('digest', at, start);
  const kept = L.ir.variable('field', at, L.constWord(0));
  const place = L.field('sub', L.constWord(count), index);
  const first = L.constWord(count);
  L.ir.loop(count, 'down', at, (t) => {
    const w = L.read();
    const hashed = L.field('hash', chain, w);
    L.ir.store(chain, fromFirst ? L.field('add', hashed, L.field('scale', L.field('eq', t, first), L.field('sub', w, hashed))) : hashed, at);
    L.ir.store(kept, L.field('add', kept, L.field('scale', L.field('eq', place, t), w)), at);
  });
  return [chain, kept];
}
