/**
 * Poseidon2 Merkle commitments of BF16 matrices: the roots that step records hold (`x_root`, `w1_root`, ...) and
 * that `verify` clauses open. The scheme is what the zkVM's `hash` and `merkle` instructions check, nothing more
 * (docs/run.md, "Tensor commitments"; run format version 2):
 *
 *   A matrix of shape [R, C] holds bf16 bit patterns, row-major. Row r becomes W = ceil(C / 8) words (8 field
 *   elements each): lane k of word w is the bf16 bits of element 8w + k, 0 beyond C.
 *   chunks:   the row's words in consecutive chunks of D = chunkWords(C) words (D divides W: the largest divisor
 *             of W up to 64 when that is at least 8, else W itself, one chunk): W / D chunks.
 *   chunk(g): h ← [R, C, r, 0, 0, 0, 0, 0] for g = 0, [CHUNK_DOMAIN, 0, …] after;  h ← compressPair(h, word)
 *             for each word of chunk g, in order.
 *   leaf(r):  h ← chunk(0);  h ← compressPair(h, chunk(g)) for g = 1 … W/D − 1, in order. A row of one chunk (up
 *             to 64 words) is the chain of its words from [R, C, r, 0, …].
 *   The tree is binary over leaves 0 .. 2^depth − 1, depth = ceil(log2 R) and at least 1; the leaves past R − 1
 *   are the all-zero word. node = compressPair(left, right); its top node is the tree root.
 *   root:     compressPair([SHAPE_DOMAIN, R, C, 0, 0, 0, 0, 0], tree root): the root commits the shape.
 *
 * compressPair is zpol's Poseidon2-BabyBear width-16 compression (runtime/proof/hash/poseidon2.ts), the VM's
 * `hash`. A path from leaf r takes, at level l (leaves are level 0), bit l of r: 0 puts the node on the left and
 * the sibling on the right, 1 the other way round, exactly as the VM's `merkle` instruction does.
 *
 * Opening one entry costs one chunk and the row's chunk digests (D + W/D compressions: 120 for a 28,672-wide row
 * instead of 3,584), streaming a whole row W + W/D. The leaf binds the shape and the row's index, so a row of one
 * matrix never opens as a row of a matrix of another shape, nor at another index, and a padding leaf (all zeros)
 * is not the hash of any row; the root binds the shape too, so a root names the shape a layout may list for it
 * (the genesis program checks it: compiler/weights.ts).
 */
import type { TensorRowDigests } from '../proof/backend.ts';
import { P } from '../proof/field/babybear.ts';
import { compressPair } from '../proof/hash/poseidon2.ts';
import { ZERO_WORD, type Word } from '../vm/word.ts';

/** bf16 values per word. */
export const LANES = 8;

/** Largest tree depth accepted (2^24 rows): far beyond any sampled tensor's row count, and cheap to bound. */
export const MAX_DEPTH = 24;

/** The most words in a chunk, and the fewest for a row to be split (below it a row is one chunk). */
export const MAX_CHUNK_WORDS = 64;
export const MIN_CHUNK_WORDS = 8;

/** 'TCHK' and 'TSHP': the first lane of a chunk's starting word and of the shape word above the tree. */
export const CHUNK_DOMAIN = 0x5443484b;
export const SHAPE_DOMAIN = 0x54534850;

/** The word a chunk's hash chain starts from. */
export const CHUNK_START: Word = [CHUNK_DOMAIN, 0, 0, 0, 0, 0, 0, 0];

/** The words of a row of `cols` values: ceil(cols / 8). */
export const wordCount = (cols: number): number => Math.ceil(cols / LANES);

/**
 * The words of a chunk for rows of `cols` values: the largest divisor of the row's W words up to
 * MAX_CHUNK_WORDS when it is at least MIN_CHUNK_WORDS, else W (the whole row one chunk). It divides W.
 */
export function chunkWords(cols: number): number {
  const W = wordCount(cols);
  if (W <= MAX_CHUNK_WORDS) return W;
  for (let d = MAX_CHUNK_WORDS; d >= MIN_CHUNK_WORDS; d--) if (W % d === 0) return d;
  return W;
}

/** The chunks of a row of `cols` values. */
export const chunkCount = (cols: number): number => wordCount(cols) / chunkWords(cols);

/** The word hashed above the tree root: [SHAPE_DOMAIN, rows, cols, 0, …]. */
export const shapeWord = (rows: number, cols: number): Word => [SHAPE_DOMAIN, rows, cols, 0, 0, 0, 0, 0];

/** The root of a [rows, cols] matrix whose tree has root `tree`. */
export function shapedRoot(rows: number, cols: number, tree: ArrayLike<number>): Word {
  return Array.from(compressPair(shapeWord(rows, cols), tree));
}

export interface MatrixCommitment {
  readonly rows: number;
  readonly cols: number;
  readonly depth: number;
  /** compressPair(shapeWord(rows, cols), the tree's top node). */
  readonly root: Word;
  /** leaf(r) for r < rows. */
  readonly leaves: readonly Word[];
  /** tree[l] is level l: tree[0] the 2^depth leaves (padding included), tree[depth] = [the tree root]. */
  readonly tree: readonly (readonly Word[])[];
  /** The committed values, row-major (kept to open rows). */
  readonly values: Uint16Array;
  /**
   * Every row's chunk digests when a row has more than one chunk (rows × chunkCount(cols) digests of 8 lanes,
   * row-major), kept from the commitment so that opening a word (openWord) does not hash its row again: at the
   * 70B fixture's 28,672 columns that is 3,584 compressions an opening, 80 CPU-s for a check's 4,608 (bench/open-word.ts).
   * At most a quarter of the values' bytes (a digest of 32 bytes for a chunk of at least 8 words, 128 bytes of
   * values), 3% at 64-word chunks; empty when a row is one chunk, whose digest is its leaf.
   */
  readonly chunkDigests: Uint32Array;
}

export interface RowOpening {
  readonly row: number;
  /** The row's bf16 bit patterns (cols of them). */
  readonly values: Uint16Array;
  /** The row's words, as hashed into its leaf. */
  readonly words: readonly Word[];
  /** One sibling per level, the leaf level first. */
  readonly siblings: readonly Word[];
}

/** One word of a row opened: its chunk's words, the row's chunk digests (chunk 0's from the leaf's prefix), the leaf's siblings. */
export interface WordOpening {
  readonly row: number;
  /** The word's index in the row, its chunk and its place in the chunk. */
  readonly word: number;
  readonly chunk: number;
  readonly offset: number;
  /** The chunk's words (chunkWords(cols) of them). */
  readonly words: readonly Word[];
  /** chunk(g) for every chunk g of the row (the opened one included). */
  readonly digests: readonly Word[];
  readonly siblings: readonly Word[];
}

/** The tree depth for R rows: ceil(log2 R), at least 1. */
export function treeDepth(rows: number): number {
  let d = 1;
  while (2 ** d < rows) d++;
  return d;
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`a committed matrix needs at least one row, got ${rows} rows`);
  if (!Number.isSafeInteger(cols) || cols < 1) throw new RangeError(`a committed matrix needs at least one column, got ${cols} columns`);
  if (rows >= P || cols >= P) throw new RangeError(`shape [${rows}, ${cols}] does not fit in field elements`);
  if (treeDepth(rows) > MAX_DEPTH) throw new RangeError(`${rows} rows exceed the 2^${MAX_DEPTH} a commitment allows`);
}

/** The words of one row: ceil(cols / 8), lane k of word w holding element 8w + k (0 past the row's end). */
export function rowWords(row: ArrayLike<number>): Word[] {
  const words: Word[] = [];
  for (let w = 0; w * LANES < row.length; w++) {
    const word = new Array<number>(LANES).fill(0);
    for (let k = 0; k < LANES && w * LANES + k < row.length; k++) word[k] = row[w * LANES + k]!;
    words.push(word);
  }
  return words;
}

/** The chain of `words` from `start`. */
export function chainWords(start: ArrayLike<number>, words: readonly ArrayLike<number>[]): Word {
  let h: Word = Array.from(start);
  for (const w of words) h = Array.from(compressPair(h, w));
  return h;
}

/** The first word of leaf(r)'s chain, [rows, cols, r, 0, …]. */
export const leafPrefix = (rows: number, cols: number, r: number): Word => [rows, cols, r, 0, 0, 0, 0, 0];

/**
 * The chunk digests of row r's words: chunk 0's chain from the leaf's prefix [rows, cols, r, 0, …], each next
 * chunk's from CHUNK_START.
 */
export function rowChunkDigests(rows: number, cols: number, r: number, words: readonly Word[]): Word[] {
  const D = chunkWords(cols);
  const out: Word[] = [];
  for (let g = 0; g * D < words.length; g++) out.push(chainWords(g === 0 ? leafPrefix(rows, cols, r) : CHUNK_START, words.slice(g * D, (g + 1) * D)));
  return out;
}

/** leaf(r) from the row's chunk digests: chunk 0's, then each next one hashed in. */
export function leafFromChunks(digests: readonly ArrayLike<number>[]): Word {
  return chainWords(digests[0]!, digests.slice(1));
}

/** leaf(r) of a matrix of shape [rows, cols]. */
export function leafHash(rows: number, cols: number, r: number, row: ArrayLike<number>): Word {
  return leafFromChunks(rowChunkDigests(rows, cols, r, rowWords(row)));
}

/** The row hashes in TypeScript (TensorRowDigests): the reference a native kernel must match word for word. */
export const tensorRowDigestsReference: TensorRowDigests = (values, rows, cols, leaves, chunkDigests) => {
  const chunks = chunkCount(cols);
  for (let r = 0; r < rows; r++) {
    const digests = rowChunkDigests(rows, cols, r, rowWords(values.subarray(r * cols, (r + 1) * cols)));
    if (chunks > 1) digests.forEach((d, g) => chunkDigests.set(d, (r * chunks + g) * LANES));
    leaves.set(leafFromChunks(digests), r * LANES);
  }
};

/**
 * Commits a [rows, cols] matrix of bf16 bit patterns, row-major. `rowDigests` hashes the rows (a backend's
 * tensorRowDigests; the TypeScript reference when absent): the same commitment either way.
 */
export function commitMatrix(values: Uint16Array, rows: number, cols: number, rowDigests: TensorRowDigests = tensorRowDigestsReference): MatrixCommitment {
  checkShape(rows, cols);
  if (values.length !== rows * cols) throw new RangeError(`${values.length} values do not fill a [${rows}, ${cols}] matrix`);
  const depth = treeDepth(rows);
  const chunks = chunkCount(cols);
  const chunkDigests = new Uint32Array(chunks > 1 ? rows * chunks * LANES : 0);
  const leafWords = new Uint32Array(rows * LANES);
  rowDigests(values, rows, cols, leafWords, chunkDigests);
  const leaves: Word[] = Array.from({ length: rows }, (_, r) => Array.from(leafWords.subarray(r * LANES, (r + 1) * LANES)));
  const level0: Word[] = leaves.slice();
  while (level0.length < 2 ** depth) level0.push(ZERO_WORD);
  const tree: Word[][] = [level0];
  for (let l = 0; l < depth; l++) {
    const below = tree[l]!;
    const up: Word[] = [];
    for (let i = 0; i < below.length; i += 2) up.push(Array.from(compressPair(below[i]!, below[i + 1]!)));
    tree.push(up);
  }
  return { rows, cols, depth, root: shapedRoot(rows, cols, tree[depth]![0]!), leaves, tree, values: values.slice(), chunkDigests };
}

/** The top node of a commitment's tree (its root is the shape word compressed with it). */
export const treeRoot = (c: MatrixCommitment): Word => [...c.tree[c.depth]![0]!];

/** Row r with its Merkle opening. */
export function openRow(c: MatrixCommitment, r: number): RowOpening {
  checkRow(c, r);
  const values = c.values.slice(r * c.cols, (r + 1) * c.cols);
  return { row: r, values, words: rowWords(values), siblings: siblingsOf(c, r) };
}

function checkRow(c: MatrixCommitment, r: number): void {
  if (!Number.isInteger(r) || r < 0 || r >= c.rows) throw new RangeError(`row ${r} is outside a matrix of ${c.rows} rows`);
}

/** Row r's leaf siblings, copies: an opening handed out must not alias the commitment's tree. */
function siblingsOf(c: MatrixCommitment, r: number): Word[] {
  const siblings: Word[] = [];
  for (let l = 0; l < c.depth; l++) siblings.push([...c.tree[l]![(r >>> l) ^ 1]!]);
  return siblings;
}

/**
 * Word `word` of row r with its opening: its chunk, the row's chunk digests, the leaf's siblings. The digests are
 * the commitment's (`chunkDigests`, or the leaf when the row is one chunk), copied: nothing of the row is hashed.
 */
export function openWord(c: MatrixCommitment, r: number, word: number): WordOpening {
  checkRow(c, r);
  const W = wordCount(c.cols);
  if (!Number.isInteger(word) || word < 0 || word >= W) throw new RangeError(`word ${word} is outside a row of ${W} words`);
  const D = chunkWords(c.cols);
  const chunk = Math.floor(word / D);
  const row = c.values.subarray(r * c.cols, (r + 1) * c.cols);
  const chunks = chunkCount(c.cols);
  const digests =
    chunks === 1 ? [[...c.leaves[r]!]] : Array.from({ length: chunks }, (_, g) => Array.from(c.chunkDigests.subarray((r * chunks + g) * LANES, (r * chunks + g + 1) * LANES)));
  return { row: r, word, chunk, offset: word % D, words: rowWords(row.subarray(chunk * D * LANES, (chunk + 1) * D * LANES)), digests, siblings: siblingsOf(c, r) };
}

/** The tree root above `leaf` at index r through `siblings` (the VM's `merkle`). */
export function rootFromPath(leaf: Word, r: number, siblings: readonly Word[]): Word {
  let node = leaf;
  for (let l = 0; l < siblings.length; l++) {
    const sib = siblings[l]!;
    node = Array.from((r >>> l) & 1 ? compressPair(sib, node) : compressPair(node, sib));
  }
  return node;
}

function isCanonicalWord(w: unknown): w is Word {
  return (
    (Array.isArray(w) || w instanceof Uint32Array) &&
    w.length === LANES &&
    Array.prototype.every.call(w, (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < P)
  );
}

/**
 * Whether `rowValues` is row r of the [rows, cols] matrix committed by `root`, given the opening's siblings.
 * False (never an exception) for any malformed input: wrong index, shape, length, value or sibling.
 */
export function verifyRow(
  root: Word,
  rows: number,
  cols: number,
  r: number,
  rowValues: ArrayLike<number>,
  siblings: readonly Word[],
): boolean {
  try {
    checkShape(rows, cols);
  } catch {
    return false;
  }
  if (!Number.isInteger(r) || r < 0 || r >= rows) return false;
  if (rowValues.length !== cols) return false;
  for (let i = 0; i < cols; i++) {
    const v = rowValues[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) return false;
  }
  if (!isCanonicalWord(root) || siblings.length !== treeDepth(rows) || !siblings.every(isCanonicalWord)) return false;
  const got = shapedRoot(rows, cols, rootFromPath(leafHash(rows, cols, r, rowValues), r, siblings));
  for (let i = 0; i < LANES; i++) if (got[i] !== root[i]) return false;
  return true;
}

/** A digest as 64 lowercase hex digits: its 8 elements in order, each as 8 big-endian hex digits. */
export function digestToHex(d: ArrayLike<number>): string {
  if (d.length !== LANES) throw new RangeError(`a digest has ${LANES} elements, got ${d.length}`);
  let s = '';
  for (let i = 0; i < LANES; i++) {
    const x = d[i]!;
    if (!Number.isInteger(x) || x < 0 || x >= P) throw new RangeError(`digest element ${i} is ${x}, not a canonical field element`);
    s += x.toString(16).padStart(8, '0');
  }
  return s;
}

/** Parses 64 hex digits (optionally after 0x) into a digest; each 8-digit word must be below p. */
export function digestFromHex(hex: string): Word {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new RangeError(`a digest is 64 hex digits, got ${JSON.stringify(hex)}`);
  const out: number[] = [];
  for (let i = 0; i < LANES; i++) {
    const x = parseInt(h.slice(8 * i, 8 * i + 8), 16);
    if (x >= P) throw new RangeError(`digest word ${i} (hex digits ${8 * i + 1}-${8 * i + 8}) is 0x${h.slice(8 * i, 8 * i + 8)}, not below the field prime 0x78000001`);
    out.push(x);
  }
  return out;
}

/** The transpose of a [rows, cols] row-major matrix: [cols, rows]. */
export function transpose(values: Uint16Array, rows: number, cols: number): Uint16Array {
  if (values.length !== rows * cols) throw new RangeError(`${values.length} values do not fill a [${rows}, ${cols}] matrix`);
  const out = new Uint16Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
