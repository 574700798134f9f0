/**
 * One Merkle tree over matrices of different heights: a mixed-matrix commitment (the idea of Plonky3's
 * `MerkleTreeMmcs`, written here from its description), so that a query opens one path for a whole commitment
 * phase (every table's main trace, say) instead of one path per table.
 *
 * Layout. The matrices (heights powers of two) are grouped by height, tallest first; within a group they keep
 * commit order. Let M be the tallest height. Row r of a matrix of height m sits at node rev_m(r) of the tree
 * level with m nodes (rev_m reverses log2(m) bits): bit-reversed order, so that the row a FRI query reads in every
 * matrix lies on ONE root path (a FRI query is a bit-reversed position q of the largest domain; a matrix of height
 * m reads row rev_m(q >> log(M/m)), and node q >> log(M/m) is leaf q's ancestor on the level with m nodes).
 *
 *   leaf p       = hashLeaf(salt_rev(p) || rows rev(p) of the tallest group)            p in [0, M)
 *   node_j       = compress(child_2j || child_2j+1)                                    on a level without a group
 *   node_j       = compress(compress(child_2j || child_2j+1) || hashLeaf(rows rev(j) of the group))
 *                                                                                        on the level of a group
 *
 * A group's rows are hashed as one leaf message, then combined with the node below it: one more compression per
 * node of that level, no salt. Hiding: a node digest that an opening reveals as a sibling is a hash of a digest of
 * salted leaves (unknown to the verifier, ≥ 124 bits of entropy from the salts under it) and of the group's rows,
 * so the unopened rows of the shorter matrices are hidden by the tallest level's salts; one salt per leaf of the
 * tallest level serves the whole tree.
 *
 * Leaf hashing runs on the backend in natural row order (`hashLeaves`, the same kernel as single-height trees);
 * the digests are then permuted to bit-reversed order (8 words per row, cheap) and the levels are built with the
 * backend's `merkleNodes`; a group's level is the level's nodes interleaved with the group's leaf digests, one more
 * `merkleNodes`. So a native backend gives the TypeScript reference's bytes with no kernel of its own.
 *
 * Opening. Indices are leaf positions (ascending, distinct). An opening carries, per index, the salt and the
 * tallest group's rows; per shorter group, its rows at the distinct ancestors of the indices on its level
 * (ascending); then the sibling digests the verifier cannot compute, level by level from the leaves (tree.ts,
 * `siblingPositions`). A node of a group's level is sent as a sibling complete (after the group's rows joined).
 */
import { bitReverseRows, reverseBits } from '../field/ntt.ts';
import { wordsToBytes } from '../hash/blake3.ts';
import { Matrix } from '../matrix.ts';
import type { ProofBackend } from '../backend.ts';
import { DIGEST_BYTES, DIGEST_WORDS, type Digest, type MerkleHasher } from './hasher.ts';
import { siblingPositions } from './tree.ts';
import { climb, fieldVectorProblem, indicesProblem, type Verdict } from './verify.ts';

/** What a verifier must know about a mixed tree: fixed by the protocol, not the proof. */
export interface MixedLayout {
  /** Rows of each matrix, in commit order (powers of two). */
  readonly heights: readonly number[];
  /** Columns of each matrix, in commit order. */
  readonly widths: readonly number[];
  /** Salt field elements per leaf of the tallest level (0: not hiding). */
  readonly saltLength: number;
}

/** The matrices of one height: their indices in commit order, their summed width and their level's size. */
export interface MixedGroup {
  readonly height: number;
  readonly matrices: readonly number[];
  readonly width: number;
  /** Column offset of each of `matrices` within the group's row. */
  readonly offsets: readonly number[];
}

/** The groups of a layout, tallest first. */
export function groupsOf(layout: Pick<MixedLayout, 'heights' | 'widths'>): MixedGroup[] {
  const byHeight = new Map<number, number[]>();
  layout.heights.forEach((h, i) => {
    const g = byHeight.get(h);
    if (g === undefined) byHeight.set(h, [i]);
    else g.push(i);
  });
  return [...byHeight.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([height, matrices]) => {
      const offsets: number[] = [];
      let width = 0;
      for (const m of matrices) {
        offsets.push(width);
        width += layout.widths[m]!;
      }
      return { height, matrices, width, offsets };
    });
}

/** A description of what is wrong with a layout, or null. */
export function mixedLayoutProblem(layout: MixedLayout): string | null {
  if (typeof layout !== 'object' || layout === null) return 'layout is not an object';
  const { heights, widths, saltLength } = layout;
  if (!Array.isArray(heights) || !Array.isArray(widths) || heights.length === 0 || heights.length !== widths.length) {
    return 'a tree commits to at least one matrix, with one height and one width each';
  }
  for (let i = 0; i < heights.length; i++) {
    const h = heights[i];
    if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || h > 2 ** 30 || (h & (h - 1)) !== 0) {
      return `matrix ${i}: height must be a power of two between 1 and 2^30, got ${String(h)}`;
    }
    const w = widths[i];
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 2 ** 20) return `matrix ${i}: width must be an integer in [1, 2^20], got ${String(w)}`;
  }
  if (typeof saltLength !== 'number' || !Number.isInteger(saltLength) || saltLength < 0 || saltLength > 64) {
    return `salt length must be an integer in [0, 64], got ${String(saltLength)}`;
  }
  return null;
}

/** The tallest height of a layout: the number of leaves. */
export function leafCount(layout: Pick<MixedLayout, 'heights'>): number {
  return Math.max(...layout.heights);
}

/** Backend leaf digests of a group's matrices, permuted into bit-reversed order. */
function groupLeaves(backend: ProofBackend, hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): Uint32Array {
  const leaves = backend.hashLeaves(hasher, matrices, salts);
  if (leaves.length <= DIGEST_WORDS) return leaves;
  if (backend.bitReverseRows) backend.bitReverseRows(leaves, DIGEST_WORDS);
  else bitReverseRows(leaves, DIGEST_WORDS);
  return leaves;
}

/** Nodes and a group's leaf digests side by side, as the input of one `merkleNodes` call. */
function interleave(nodes: Uint32Array, group: Uint32Array): Uint32Array {
  // Word by word: a subarray and a set per digest made two views a node, a sixth of a demo step's collector time.
  const out = new Uint32Array(2 * nodes.length);
  for (let j = 0, o = 0; j < nodes.length; j += DIGEST_WORDS, o += 2 * DIGEST_WORDS) {
    for (let k = 0; k < DIGEST_WORDS; k++) {
      out[o + k] = nodes[j + k]!;
      out[o + DIGEST_WORDS + k] = group[j + k]!;
    }
  }
  return out;
}

/** Every level of the tree, leaves first (8 words per node), on `backend`. */
export function buildMixedLayers(backend: ProofBackend, hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): Uint32Array[] {
  const layout = mixedLayoutOf(matrices, salts);
  const groups = groupsOf(layout);
  const of = (g: MixedGroup) => g.matrices.map((i) => matrices[i]!);
  const leaves = groupLeaves(backend, hasher, of(groups[0]!), salts);
  const layers = [leaves];
  let below = leaves;
  let next = 1;
  for (let n = groups[0]!.height >>> 1; n >= 1; n >>>= 1) {
    let layer = backend.merkleNodes(hasher, below);
    const g = groups[next];
    if (g !== undefined && g.height === n) {
      const leaves = groupLeaves(backend, hasher, of(g), null);
      const joined = interleave(layer, leaves);
      // Both are copied into `joined`: their buffers may go back to the backend (ProofBackend.recycle).
      backend.recycle?.([layer, leaves]);
      layer = backend.merkleNodes(hasher, joined);
      next++;
    }
    layers.push(layer);
    below = layer;
  }
  return layers;
}

/** The layout of matrices with the given salts (one row per leaf of the tallest level); throws on a bad shape. */
export function mixedLayoutOf(matrices: readonly Matrix[], salts: Matrix | null): MixedLayout {
  const layout: MixedLayout = { heights: matrices.map((m) => m.height), widths: matrices.map((m) => m.width), saltLength: salts === null ? 0 : salts.width };
  const problem = mixedLayoutProblem(layout);
  if (problem !== null) throw new RangeError(problem);
  if (salts !== null && salts.height !== leafCount(layout)) throw new RangeError(`salts have height ${salts.height}, the tallest matrix ${leafCount(layout)}`);
  return layout;
}

/** A batched opening of a mixed tree (module comment). */
export interface MixedOpening {
  /** rows[g][k]: group g's row at the k-th distinct ancestor of the opened leaves on its level (group 0: the leaves). */
  readonly rows: readonly (readonly Uint32Array[])[];
  /** salts[k]: the salt of the k-th opened leaf (empty when the tree is not hiding). */
  readonly salts: readonly Uint32Array[];
  /** The sibling digests, 32 bytes each. */
  readonly siblings: readonly Digest[];
}

/** The distinct ancestors of `leaves` (ascending) on the level with `height` nodes of a tree with `top` leaves. */
export function ancestors(leaves: readonly number[], top: number, height: number): number[] {
  const shift = Math.log2(top / height);
  const out: number[] = [];
  for (const p of leaves) {
    const a = Math.floor(p / 2 ** shift);
    if (out.length === 0 || out[out.length - 1] !== a) out.push(a);
  }
  return out;
}

/** The prover's mixed tree. Build it with backends/index.ts `commitMixedTree`. */
export class MixedMerkleTree {
  readonly layout: MixedLayout;
  readonly groups: readonly MixedGroup[];

  constructor(
    readonly hasher: MerkleHasher,
    readonly matrices: readonly Matrix[],
    readonly salts: Matrix | null,
    readonly layers: readonly Uint32Array[],
  ) {
    this.layout = mixedLayoutOf(matrices, salts);
    this.groups = groupsOf(this.layout);
    if (layers.length !== Math.log2(leafCount(this.layout)) + 1) throw new RangeError('Merkle layers do not match the tree height');
  }

  get depth(): number {
    return this.layers.length - 1;
  }

  root(): Digest {
    return wordsToBytes(this.layers[this.depth]!, 0, DIGEST_WORDS);
  }

  /** Group g's row at node j of its level: its matrices' rows rev(j), side by side. */
  private groupRow(g: MixedGroup, j: number): Uint32Array {
    const r = reverseBits(j, Math.log2(g.height));
    const row = new Uint32Array(g.width);
    g.matrices.forEach((m, k) => {
      const mat = this.matrices[m]!;
      row.set(mat.values.subarray(r * mat.width, (r + 1) * mat.width), g.offsets[k]!);
    });
    return row;
  }

  /** Opens the leaves at `indices` (strictly increasing, in [0, leaves)). */
  open(indices: readonly number[]): MixedOpening {
    const top = this.groups[0]!.height;
    const problem = indicesProblem(indices, top);
    if (problem !== null) throw new RangeError(problem);
    const rows = this.groups.map((g) => ancestors(indices, top, g.height).map((j) => this.groupRow(g, j)));
    const s = this.salts;
    const bits = Math.log2(top);
    const salts = indices.map((p) => {
      const r = reverseBits(p, bits);
      return s === null ? new Uint32Array(0) : s.values.slice(r * s.width, (r + 1) * s.width);
    });
    const siblings: Digest[] = [];
    siblingPositions(indices, this.depth).forEach((positions, k) => {
      for (const j of positions) siblings.push(wordsToBytes(this.layers[k]!, j * DIGEST_WORDS, DIGEST_WORDS));
    });
    return { rows, salts, siblings };
  }
}

function fail(error: string): Verdict {
  return { ok: false, error: `merkle opening: ${error}` };
}

/**
 * Checks that `opening` opens the leaves at `indices` (from the verifier's transcript, ascending, distinct) of the
 * mixed tree with the given layout and root. Never throws on hostile input.
 */
export function verifyMixedOpening(hasher: MerkleHasher, root: Digest, layout: MixedLayout, indices: readonly number[], opening: MixedOpening): Verdict {
  const lp = mixedLayoutProblem(layout);
  if (lp !== null) return fail(lp);
  if (!(root instanceof Uint8Array) || root.length !== DIGEST_BYTES) return fail(`root must be ${DIGEST_BYTES} bytes`);
  const groups = groupsOf(layout);
  const top = groups[0]!.height;
  const ip = indicesProblem(indices, top);
  if (ip !== null) return fail(ip);
  if (typeof opening !== 'object' || opening === null) return fail('opening is not an object');
  const { rows, salts, siblings } = opening;
  if (!Array.isArray(rows) || rows.length !== groups.length) return fail(`expected rows for ${groups.length} heights`);
  const levels = groups.map((g) => ancestors(indices, top, g.height));
  for (let g = 0; g < groups.length; g++) {
    const rg = rows[g];
    if (!Array.isArray(rg) || rg.length !== levels[g]!.length) return fail(`height ${groups[g]!.height}: expected ${levels[g]!.length} rows`);
    for (let k = 0; k < rg.length; k++) {
      const p = fieldVectorProblem(rg[k], groups[g]!.width, `height ${groups[g]!.height}, row at node ${levels[g]![k]}`);
      if (p !== null) return fail(p);
    }
  }
  if (!Array.isArray(salts) || salts.length !== indices.length) return fail(`expected ${indices.length} salts`);
  for (let k = 0; k < indices.length; k++) {
    const p = fieldVectorProblem(salts[k], layout.saltLength, `salt of leaf ${indices[k]}`);
    if (p !== null) return fail(p);
  }
  const depth = Math.log2(top);
  const expected = siblingPositions(indices, depth).reduce((n, level) => n + level.length, 0);
  if (!Array.isArray(siblings) || siblings.length !== expected) return fail(`expected ${expected} sibling digests, got ${Array.isArray(siblings) ? siblings.length : 'none'}`);
  for (let s = 0; s < siblings.length; s++) {
    const d = siblings[s];
    if (!(d instanceof Uint8Array) || d.length !== DIGEST_BYTES) return fail(`sibling digest ${s} must be ${DIGEST_BYTES} bytes`);
    const problem = hasher.digestProblem?.(d) ?? null;
    if (problem !== null) return fail(`sibling digest ${s}: ${problem}`);
  }

  const leafDigest = (message: Uint32Array): Uint32Array => {
    const d = new Uint32Array(DIGEST_WORDS);
    hasher.hashLeaf(message, 0, message.length, d, 0);
    return d;
  };
  const message = new Uint32Array(layout.saltLength + groups[0]!.width);
  let digests = indices.map((_, k) => {
    message.set(salts[k]!, 0);
    message.set(rows[0]![k]!, layout.saltLength);
    return leafDigest(message);
  });
  let level = indices.slice();
  const cursor = { next: 0 };
  let group = 1;
  const pair = new Uint32Array(2 * DIGEST_WORDS);
  for (let k = 0, n = top >>> 1; k < depth; k++, n >>>= 1) {
    const [nextLevel, nextDigests] = climb(hasher, level, digests, siblings, cursor);
    const g = groups[group];
    if (g !== undefined && g.height === n) {
      // levels[group] equals nextLevel: both are the distinct ancestors, ascending.
      nextDigests.forEach((d, t) => {
        pair.set(d, 0);
        pair.set(leafDigest(rows[group]![t]!), DIGEST_WORDS);
        hasher.compress(pair, 0, d, 0);
      });
      group++;
    }
    level = nextLevel;
    digests = nextDigests;
  }
  const computed = wordsToBytes(digests[0]!);
  for (let b = 0; b < DIGEST_BYTES; b++) if (computed[b] !== root[b]) return fail('the opened rows and siblings do not hash to the committed root');
  return { ok: true };
}

/**
 * Matrix m's opened row at leaf p, from a verified opening: a view into the group's row. `levels[g]` are the
 * group's ancestor lists (`ancestors`), as the opening was checked against.
 */
export function openedRow(groups: readonly MixedGroup[], levels: readonly (readonly number[])[], opening: MixedOpening, m: number, leaf: number, top: number): Uint32Array {
  const g = groups.findIndex((gr) => gr.matrices.includes(m));
  const group = groups[g]!;
  const k = group.matrices.indexOf(m);
  const j = Math.floor(leaf / (top / group.height));
  const t = levels[g]!.indexOf(j);
  const row = opening.rows[g]![t]!;
  return row.subarray(group.offsets[k]!, group.offsets[k]! + (k + 1 < group.matrices.length ? group.offsets[k + 1]! - group.offsets[k]! : group.width - group.offsets[k]!));
}
