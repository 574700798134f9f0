/**
 * The Merkle path chip: proves that a leaf sits at an index under a root, with the siblings as private
 * witness. One row per level, leaf level first; the rows of one path are consecutive.
 *
 *   row:  node, sibling, bit, idx (the index's bits from this level up), depth (levels left), root
 *   left  = bit ? sibling : node,   right = bit ? node : sibling,   parent = Poseidon2(left ‖ right)[0..8)
 *
 * The compression is proven by the Poseidon2 chip: every row sends (left ‖ right, 0, parent) on POSEIDON2_BUS.
 * Within a path (cont = real·(1 − end)): the next node is this parent, idx = 2·idx' + bit, depth' = depth − 1,
 * and the root is carried along. The last row of a path (end) has depth 1, idx = bit and parent = root; the
 * row after it starts the next path. The first row of a path receives (leaf, index, depth, root) on
 * MERKLE_BUS from the CPU's `merkle` instruction.
 *
 * Why the index is bound: reading the chain from the end, idx ∈ {0, 1} on the last row and idx = 2·idx' + bit
 * with bit ∈ {0, 1} above it, so on the first row idx is the integer Σ bit_l·2^l < 2^depth and the bits are its
 * binary digits; nothing wraps modulo p since depth ≤ 30.
 */
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { compressPair } from '../../proof/hash/poseidon2.ts';
import { MERKLE_BUS, POSEIDON2_BUS, WORD } from '../buses.ts';
import type { Word } from '../word.ts';
import { columns, paddedHeight, type Chip } from './chip.ts';

export interface MerkleOp {
  readonly leaf: Word;
  readonly index: number;
  readonly depth: number;
  /** One sibling per level, leaf level first. */
  readonly siblings: readonly Word[];
  readonly root: Word;
}

const M = (() => {
  const cols = columns();
  const take = (n = 1) => cols.take(n);
  const layout = {
    real: take(),
    start: take(),
    end: take(),
    cont: take(),
    bit: take(),
    idx: take(),
    depth: take(),
    node: take(WORD),
    sibling: take(WORD),
    left: take(WORD),
    right: take(WORD),
    parent: take(WORD),
    root: take(WORD),
    width: 0,
  };
  layout.width = cols.width;
  return layout;
})();

const merkleAir: Air = {
  name: 'merkle',
  width: M.width,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b: AirBuilder) {
    const m = (c: number) => b.main(c);
    const n = (c: number) => b.mainNext(c);
    const word = (c: number) => Array.from({ length: WORD }, (_, i) => m(c + i));
    const [real, start, end, cont, bit, idx, depth] = [M.real, M.start, M.end, M.cont, M.bit, M.idx, M.depth].map(m) as [
      ReturnType<typeof m>,
      ReturnType<typeof m>,
      ReturnType<typeof m>,
      ReturnType<typeof m>,
      ReturnType<typeof m>,
      ReturnType<typeof m>,
      ReturnType<typeof m>,
    ];
    const [node, sib, left, right, parent, root] = [M.node, M.sibling, M.left, M.right, M.parent, M.root].map(word);
    for (const [x, name] of [[real, 'real'], [start, 'start'], [end, 'end'], [bit, 'bit']] as const) b.assertBool(x, `${name} is a bit`);
    b.assertEq(cont, real.mul(end.neg().add(1)), 'cont = real · (1 − end)');
    b.assertZero(start.mul(real.neg().add(1)), 'a start row is real');
    b.assertZero(end.mul(real.neg().add(1)), 'an end row is real');
    for (let i = 0; i < WORD; i++) {
      b.assertEq(left[i]!, node[i]!.add(bit.mul(sib[i]!.sub(node[i]!))), `left lane ${i}`);
      b.assertEq(right[i]!, sib[i]!.add(bit.mul(node[i]!.sub(sib[i]!))), `right lane ${i}`);
    }
    // Path structure.
    b.assertZero(b.isFirstRow.mul(start.sub(real)), 'the first real row starts a path');
    b.assertZero(b.isTransition.mul(n(M.start).sub(end.mul(n(M.real)))), 'a path starts right after one ends');
    b.assertZero(b.isTransition.mul(real.neg().add(1)).mul(n(M.real)), 'padding rows come last');
    b.assertZero(b.isTransition.mul(cont).mul(n(M.real).sub(1)), 'an unfinished path goes on');
    b.assertZero(b.isLastRow.mul(cont), 'the last row finishes its path');
    for (let i = 0; i < WORD; i++) {
      b.assertZero(b.isTransition.mul(cont).mul(n(M.node + i).sub(parent[i]!)), `the next node is the parent, lane ${i}`);
      b.assertZero(b.isTransition.mul(cont).mul(n(M.root + i).sub(root[i]!)), `the root is carried, lane ${i}`);
      b.assertZero(end.mul(parent[i]!.sub(root[i]!)), `the path ends at the root, lane ${i}`);
    }
    b.assertZero(b.isTransition.mul(cont).mul(idx.sub(n(M.idx).mul(2)).sub(bit)), 'idx = 2·idx′ + bit');
    b.assertZero(b.isTransition.mul(cont).mul(n(M.depth).sub(depth).add(1)), 'one level less');
    b.assertZero(end.mul(idx.sub(bit)), 'no index bits above the last level');
    b.assertZero(end.mul(depth.sub(1)), 'the last level is level depth');
    b.send(POSEIDON2_BUS, [...left, ...right, 0, ...parent], real);
    b.receive(MERKLE_BUS, [...node, idx, depth, ...root], start);
  },
};

function trace(ops: readonly MerkleOp[], _range: unknown, minRows = 1): Matrix {
  const rows = ops.reduce((s, op) => s + op.depth, 0);
  const height = paddedHeight(rows, minRows);
  const out = new Uint32Array(height * M.width);
  let r = 0;
  for (const op of ops) {
    let node = op.leaf;
    for (let level = 0; level < op.depth; level++) {
      const o = r * M.width;
      const bit = (op.index >>> level) & 1;
      const sib = op.siblings[level]!;
      const [l, rt] = bit ? [sib, node] : [node, sib];
      const parent = Array.from(compressPair(l, rt));
      out[o + M.real] = 1;
      out[o + M.start] = level === 0 ? 1 : 0;
      out[o + M.end] = level === op.depth - 1 ? 1 : 0;
      out[o + M.cont] = level === op.depth - 1 ? 0 : 1;
      out[o + M.bit] = bit;
      out[o + M.idx] = Math.floor(op.index / 2 ** level);
      out[o + M.depth] = op.depth - level;
      out.set(node, o + M.node);
      out.set(sib, o + M.sibling);
      out.set(l, o + M.left);
      out.set(rt, o + M.right);
      out.set(parent, o + M.parent);
      out.set(op.root, o + M.root);
      node = parent;
      r++;
    }
    if (node.some((x, i) => x !== op.root[i])) throw new Error('merkle chip: the recorded root does not match the path');
  }
  return new Matrix(out, M.width);
}

export const merkleChip: Chip<MerkleOp> = { air: merkleAir, trace };

const lanes = (start: number) => Array.from({ length: WORD }, (_, i) => start + i);

/**
 * For the under-constraint checker: the CPU's (leaf, index, depth) are fixed on a path's first row, the siblings are
 * the prover's choice (an input: any path is valid, the rest must follow from it), and each parent is the Poseidon2
 * chip's answer; the chip's outputs are the root the path leads to (the claim's last part) and what it asks the
 * Poseidon2 chip, left ‖ right. A padding row (real = 0) claims and asks nothing, so every column of it is free.
 */
export const merkleSoundness: ChipSoundness = {
  inputs: (row) => (row[M.real] === 1 ? lanes(M.sibling) : []),
  outputs: [],
  claims: [
    { bus: MERKLE_BUS, received: Array.from({ length: WORD + 2 }, (_, i) => i) },
    { bus: POSEIDON2_BUS, sent: Array.from({ length: WORD }, (_, i) => 2 * WORD + 1 + i) },
  ],
  free: [{ reason: 'a padding row (real = 0) claims and asks nothing', columns: (row) => (row[M.real] === 0 ? Array.from({ length: M.width }, (_, i) => i) : []) }],
};

/** Column names, in column order (for reports). */
export const MERKLE_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [k, v] of Object.entries(M)) {
    if (k === 'width') continue;
    const n = ['node', 'sibling', 'left', 'right', 'parent', 'root'].includes(k) ? WORD : 1;
    for (let i = 0; i < n; i++) names[v + i] = n > 1 ? `${k}${i}` : k;
  }
  return names;
})();
