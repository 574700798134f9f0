/**
 * A Merkle tree over the rows of a group of committed matrices of equal height (a power of two).
 *
 * Leaf i commits to row i of every matrix in the group, with a salt:
 *
 *   message_i = salt_i || row_i(M_0) || row_i(M_1) || ...      (field elements; salt_i = s field elements)
 *   leaf_i    = hashLeaf(message_i)
 *   node      = compress(left || right)                          up to the root
 *
 * One tree per group rather than one per matrix: a query at point i opens all of a group's columns with one
 * path. FRI's layer trees and the zk mask use this tree; the PCS's commitments use mixed.ts, which holds matrices
 * of several heights in one tree.
 *
 * Hiding. The salt makes the leaf digest reveal nothing about an unopened row: without it, a row of low entropy
 * (a counter, a flag) could be found by hashing guesses. Salts are uniform field elements from the prover's
 * seeded RNG (rng.ts), s = 4 by default (4 log2 p ~ 124 bits of min-entropy, 16 bytes), 8 for a 248-bit margin;
 * an opening reveals the opened rows' salts. s = 0 gives a plain binding commitment for public data
 * (preprocessed columns). Plonky3's `MerkleTreeHidingMmcs` likewise appends random field elements to each row.
 *
 * Layout in memory: layers[0] holds the leaf digests (8 words each, leaf i at 8i), layers[k] the nodes k levels
 * up, layers[depth] the root. Node j of layer k+1 hashes nodes 2j and 2j+1 of layer k, which are adjacent, so
 * `compress` reads its 16 words in place.
 */
import { Matrix } from '../matrix.ts';
import { DIGEST_WORDS, type Digest, type MerkleHasher } from './hasher.ts';
import { wordsToBytes } from '../hash/blake3.ts';
import type { FieldSource, Rng } from '../rng.ts';

/** What a verifier must know about a committed group to check openings: fixed by the protocol, not the proof. */
export interface MerkleLayout {
  /** Rows (leaves): a power of two. */
  readonly height: number;
  /** Column counts of the group's matrices, in commitment order. */
  readonly widths: readonly number[];
  /** Salt field elements per leaf (0: not hiding). */
  readonly saltLength: number;
}

/** The number of field elements in an opened row: the sum of the widths. */
export function rowLength(layout: MerkleLayout): number {
  return layout.widths.reduce((a, b) => a + b, 0);
}

/** log2(height). */
export function depthOf(layout: MerkleLayout): number {
  return 31 - Math.clz32(layout.height);
}

/** A description of what is wrong with a layout, or null if it is well-formed. */
export function layoutProblem(layout: MerkleLayout): string | null {
  if (typeof layout !== 'object' || layout === null) return 'layout is not an object';
  const { height, widths, saltLength } = layout;
  if (!Number.isInteger(height) || height < 1 || height > 2 ** 30 || (height & (height - 1)) !== 0) {
    return `tree height must be a power of two between 1 and 2^30, got ${String(height)}`;
  }
  if (!Array.isArray(widths) || widths.length === 0) return 'a tree commits to at least one matrix';
  for (const [i, w] of widths.entries()) {
    if (!Number.isInteger(w) || w < 1 || w > 2 ** 20) return `matrix ${i}: width must be an integer in [1, 2^20], got ${String(w)}`;
  }
  if (!Number.isInteger(saltLength) || saltLength < 0 || saltLength > 64) {
    return `salt length must be an integer in [0, 64], got ${String(saltLength)}`;
  }
  return null;
}

/**
 * Uniform salts for a tree of the given height: a height × saltLength matrix, or null for saltLength 0. `source`: a
 * backend's native stream of the generator's elements (the same salts).
 */
export function makeSalts(height: number, saltLength: number, rng: Rng, source?: FieldSource): Matrix | null {
  if (saltLength === 0) return null;
  return new Matrix(rng.fieldVector(height * saltLength, source), saltLength);
}

/** The layout of a group of matrices with the given salts; throws if the shapes disagree. */
export function layoutOf(matrices: readonly Matrix[], salts: Matrix | null): MerkleLayout {
  if (matrices.length === 0) throw new RangeError('a Merkle tree commits to at least one matrix');
  const height = matrices[0]!.height;
  matrices.forEach((m, i) => {
    if (m.height !== height) throw new RangeError(`matrix ${i} has height ${m.height}, matrix 0 has ${height}`);
  });
  if (salts !== null && salts.height !== height) throw new RangeError(`salts have height ${salts.height}, the matrices ${height}`);
  const layout = { height, widths: matrices.map((m) => m.width), saltLength: salts === null ? 0 : salts.width };
  const problem = layoutProblem(layout);
  if (problem !== null) throw new RangeError(problem);
  return layout;
}

/** Writes leaf i's message (salt, then each matrix's row i) into out[0..); returns its length. */
export function writeLeafMessage(matrices: readonly Matrix[], salts: Matrix | null, i: number, out: Uint32Array): number {
  let off = 0;
  if (salts !== null) {
    out.set(salts.values.subarray(i * salts.width, (i + 1) * salts.width), 0);
    off = salts.width;
  }
  for (const m of matrices) {
    out.set(m.values.subarray(i * m.width, (i + 1) * m.width), off);
    off += m.width;
  }
  return off;
}

/**
 * All layers of the tree, leaves first (the TypeScript reference; backends/ts.ts uses it, a native backend
 * must produce identical words).
 */
export function buildLayers(hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): Uint32Array[] {
  const layout = layoutOf(matrices, salts);
  const { height } = layout;
  const message = new Uint32Array(layout.saltLength + rowLength(layout));
  const leaves = new Uint32Array(height * DIGEST_WORDS);
  if (salts === null && matrices.length === 1) {
    // The leaf message is the row itself: hash it in place.
    const m = matrices[0]!;
    for (let i = 0; i < height; i++) hasher.hashLeaf(m.values, i * m.width, m.width, leaves, i * DIGEST_WORDS);
  } else {
    for (let i = 0; i < height; i++) {
      const len = writeLeafMessage(matrices, salts, i, message);
      hasher.hashLeaf(message, 0, len, leaves, i * DIGEST_WORDS);
    }
  }
  const layers = [leaves];
  let below = leaves;
  for (let n = height >>> 1; n >= 1; n >>>= 1) {
    const layer = new Uint32Array(n * DIGEST_WORDS);
    for (let j = 0; j < n; j++) hasher.compress(below, 2 * j * DIGEST_WORDS, layer, j * DIGEST_WORDS);
    layers.push(layer);
    below = layer;
  }
  return layers;
}

/**
 * A batched opening of several leaves: for each opened index (ascending), the row and its salt; then the
 * sibling digests that the verifier cannot compute itself, level by level from the leaves up, ascending within
 * a level (for two opened leaves that are siblings, neither digest is sent). The indices themselves are not
 * part of it: the verifier derives them (Fiat-Shamir) and passes them in.
 */
export interface MerkleOpening {
  /** rows[k]: the opened row at the k-th index, the group's matrices side by side. */
  readonly rows: readonly Uint32Array[];
  /** salts[k]: its salt (empty when the tree is not hiding). */
  readonly salts: readonly Uint32Array[];
  /** The sibling digests, 32 bytes each. */
  readonly siblings: readonly Digest[];
}

/**
 * The sibling positions a batched opening needs, in proof order: for each level (leaves first), the indices of
 * the nodes whose digest the verifier cannot compute. `indices` must be strictly increasing.
 */
export function siblingPositions(indices: readonly number[], depth: number): number[][] {
  const out: number[][] = [];
  let level = indices.slice();
  for (let k = 0; k < depth; k++) {
    const needed: number[] = [];
    const next: number[] = [];
    for (let t = 0; t < level.length; t++) {
      const i = level[t]!;
      if ((i & 1) === 0 && t + 1 < level.length && level[t + 1] === i + 1) {
        t++; // both children known
      } else {
        needed.push(i ^ 1);
      }
      next.push(i >>> 1);
    }
    out.push(needed);
    level = next;
  }
  return out;
}

/** Indices sorted ascending without duplicates: the form `open` and `verifyOpening` take. */
export function normalizeIndices(indices: readonly number[]): number[] {
  return [...new Set(indices)].sort((a, b) => a - b);
}

export class MerkleTree {
  readonly layout: MerkleLayout;

  /** Use a backend's `commit` (backend.ts) rather than this constructor. */
  constructor(
    readonly hasher: MerkleHasher,
    readonly matrices: readonly Matrix[],
    readonly salts: Matrix | null,
    readonly layers: readonly Uint32Array[],
  ) {
    this.layout = layoutOf(matrices, salts);
    if (layers.length !== depthOf(this.layout) + 1) throw new RangeError('Merkle layers do not match the tree height');
  }

  get depth(): number {
    return this.layers.length - 1;
  }

  get height(): number {
    return this.layout.height;
  }

  /** The 32-byte root: the commitment. */
  root(): Digest {
    return wordsToBytes(this.layers[this.depth]!, 0, DIGEST_WORDS);
  }

  /** The digest of node j at level k (0 = leaves). */
  node(k: number, j: number): Digest {
    return wordsToBytes(this.layers[k]!, j * DIGEST_WORDS, DIGEST_WORDS);
  }

  /** Opens the rows at `indices`, which must be strictly increasing and in [0, height) (see normalizeIndices). */
  open(indices: readonly number[]): MerkleOpening {
    indices.forEach((i, k) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.height) throw new RangeError(`index ${i} is out of range (height ${this.height})`);
      if (k > 0 && i <= indices[k - 1]!) throw new RangeError('opening indices must be strictly increasing');
    });
    const rows: Uint32Array[] = [];
    const salts: Uint32Array[] = [];
    for (const i of indices) {
      const row = new Uint32Array(rowLength(this.layout));
      let off = 0;
      for (const m of this.matrices) {
        row.set(m.values.subarray(i * m.width, (i + 1) * m.width), off);
        off += m.width;
      }
      rows.push(row);
      salts.push(this.salts === null ? new Uint32Array(0) : this.salts.values.slice(i * this.salts.width, (i + 1) * this.salts.width));
    }
    const siblings: Digest[] = [];
    siblingPositions(indices, this.depth).forEach((positions, k) => {
      for (const j of positions) siblings.push(this.node(k, j));
    });
    return { rows, salts, siblings };
  }
}
