// The mixed-height Merkle tree (runtime/proof/merkle/mixed.ts): its root against a recursive oracle written from
// the definition, openings of every layout shape, and rejection of tampered openings (a flipped element, swapped
// rows, a row or sibling taken from another height, wrong counts, garbage), never by a throw; the PCS committing
// matrices of several heights in one tree; the native backend's trees against the TypeScript ones.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { reverseBits } from '../../runtime/proof/field/ntt.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { blake3Hasher, compress, hashLeaf, makeSalts, normalizeIndices, type Digest, type MerkleHasher } from '../../runtime/proof/merkle/index.ts';
import { poseidon2Hasher } from '../../runtime/proof/merkle/poseidon2-hasher.ts';
import { verifyMixedOpening, type MixedLayout, type MixedMerkleTree, type MixedOpening } from '../../runtime/proof/merkle/mixed.ts';
import { commitMixedTree, tsBackend } from '../../runtime/proof/backends/index.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { cpuBackend } from '../../gpu/index.ts';

const rng = Rng.fromSeed('test/proof/merkle-mixed');

function matrices(shape: readonly [number, number][], r: Rng = rng): Matrix[] {
  return shape.map(([h, w]) => new Matrix(r.fieldVector(h * w), w));
}

/** Node j of the level with n nodes, straight from the definition (mixed.ts module comment). */
function oracleNode(hasher: MerkleHasher, ms: readonly Matrix[], salts: Matrix | null, n: number, j: number): Digest {
  const top = Math.max(...ms.map((m) => m.height));
  const rowsAt = (height: number, node: number): number[] => {
    const r = reverseBits(node, Math.log2(height));
    return ms.filter((m) => m.height === height).flatMap((m) => [...m.row(r)]);
  };
  if (n === top) {
    const salt = salts === null ? [] : [...salts.row(reverseBits(j, Math.log2(top)))];
    return hashLeaf(hasher, Uint32Array.from([...salt, ...rowsAt(top, j)]));
  }
  const below = compress(hasher, oracleNode(hasher, ms, salts, 2 * n, 2 * j), oracleNode(hasher, ms, salts, 2 * n, 2 * j + 1));
  if (!ms.some((m) => m.height === n)) return below;
  return compress(hasher, below, hashLeaf(hasher, Uint32Array.from(rowsAt(n, j))));
}

function layoutOf(tree: MixedMerkleTree): MixedLayout {
  return tree.layout;
}

const SHAPES: [number, number][][] = [
  [[16, 3]],
  [[16, 3], [4, 2], [16, 1], [2, 5], [1, 2]],
  [[8, 1], [32, 2], [32, 4], [8, 7]],
];

describe('mixed-height Merkle tree', () => {
  it('has the root of the definition, for single and mixed heights, salted or not, with both hashers', () => {
    for (const hasher of [blake3Hasher, poseidon2Hasher]) {
      for (const shape of SHAPES) {
        for (const saltLength of [0, 4]) {
          const ms = matrices(shape);
          const top = Math.max(...ms.map((m) => m.height));
          const salts = makeSalts(top, saltLength, rng);
          const tree = commitMixedTree(tsBackend, hasher, ms, salts);
          expect(tree.root()).toEqual(oracleNode(hasher, ms, salts, 1, 0));
        }
      }
    }
  });

  it('opens any set of leaves, and the opening verifies', () => {
    for (const shape of SHAPES) {
      const ms = matrices(shape);
      const top = Math.max(...ms.map((m) => m.height));
      const tree = commitMixedTree(tsBackend, blake3Hasher, ms, makeSalts(top, 4, rng));
      for (const indices of [[0], [top - 1], [0, 1], [1, 2, 3], normalizeIndices(Array.from({ length: 6 }, () => rng.nextBelow(top)))]) {
        const opening = tree.open(indices);
        expect(verifyMixedOpening(blake3Hasher, tree.root(), layoutOf(tree), indices, opening)).toEqual({ ok: true });
      }
    }
  });

  it('opens leaf p with row rev(p) of the tallest matrices and row rev(p >> k) of those 2^k times shorter', () => {
    const ms = matrices([[16, 2], [4, 3]]);
    const tree = commitMixedTree(tsBackend, blake3Hasher, ms, null);
    const o = tree.open([5, 9]);
    expect([...o.rows[0]![0]!]).toEqual([...ms[0]!.row(reverseBits(5, 4))]);
    expect([...o.rows[0]![1]!]).toEqual([...ms[0]!.row(reverseBits(9, 4))]);
    // 5 >> 2 = 1 and 9 >> 2 = 2: two distinct ancestors.
    expect([...o.rows[1]![0]!]).toEqual([...ms[1]!.row(reverseBits(1, 2))]);
    expect([...o.rows[1]![1]!]).toEqual([...ms[1]!.row(reverseBits(2, 2))]);
  });

  describe('rejects tampered openings with a verdict, never a throw', () => {
    const ms = matrices([[32, 3], [8, 2], [8, 1], [2, 4]]);
    const tree = commitMixedTree(tsBackend, blake3Hasher, ms, makeSalts(32, 4, rng));
    const layout = layoutOf(tree);
    const indices = [3, 4, 17, 30];
    const good = tree.open(indices);
    const check = (o: unknown, idx: readonly number[] = indices, l: MixedLayout = layout) => verifyMixedOpening(blake3Hasher, tree.root(), l, idx, o as MixedOpening);
    const withRows = (g: number, rows: readonly Uint32Array[]): MixedOpening => ({ ...good, rows: good.rows.map((r, i) => (i === g ? rows : r)) });
    const flip = (v: Uint32Array, k = 0) => {
      const c = v.slice();
      c[k] = (c[k]! + 1) % F.P;
      return c;
    };

    it('accepts the honest opening', () => expect(check(good)).toEqual({ ok: true }));

    it('a flipped element in any row of any height, in a salt or in a sibling', () => {
      good.rows.forEach((rows, g) => rows.forEach((_, k) => expect(check(withRows(g, rows.map((r, i) => (i === k ? flip(r, r.length - 1) : r)))).ok).toBe(false)));
      expect(check({ ...good, salts: good.salts.map((s, i) => (i === 2 ? flip(s) : s)) }).ok).toBe(false);
      good.siblings.forEach((_, s) => {
        const sib = good.siblings.map((d, i) => (i === s ? Uint8Array.from(d, (b, j) => (j === 0 ? b ^ 1 : b)) : d));
        expect(check({ ...good, siblings: sib }).ok).toBe(false);
      });
    });

    it('swapped rows, within a height and between openings of different leaves', () => {
      const swap = <T>(xs: readonly T[], a: number, b: number): T[] => xs.map((x, i) => (i === a ? xs[b]! : i === b ? xs[a]! : x));
      expect(check(withRows(0, swap(good.rows[0]!, 0, 1))).ok).toBe(false);
      expect(check(withRows(1, swap(good.rows[1]!, 0, 1))).ok).toBe(false);
      expect(check({ ...good, salts: swap(good.salts, 1, 3) }).ok).toBe(false);
      expect(check(good, [3, 4, 17, 31]).ok).toBe(false);
    });

    it('a row or a sibling from another height', () => {
      // The 2-row group's row in place of the 8-row group's (padded or cut to its width), and a node of
      // another level as a sibling.
      const other = good.rows[2]![0]!;
      const forged = new Uint32Array(good.rows[1]![0]!.length);
      forged.set(other.subarray(0, forged.length));
      expect(check(withRows(1, [forged, ...good.rows[1]!.slice(1)])).ok).toBe(false);
      expect(check(withRows(1, [other, ...good.rows[1]!.slice(1)])).ok).toBe(false);
      const levelNode = (k: number, j: number) => Uint8Array.from(new Uint8Array(tree.layers[k]!.buffer, tree.layers[k]!.byteOffset + 32 * j, 32));
      expect(check({ ...good, siblings: [levelNode(2, 1), ...good.siblings.slice(1)] }).ok).toBe(false);
      // The same opening against a layout that moves a matrix to another height.
      expect(check(good, indices, { ...layout, heights: [32, 8, 2, 8] }).ok).toBe(false);
      expect(check(good, indices, { ...layout, heights: [32, 16, 8, 2] }).ok).toBe(false);
    });

    it('wrong counts, shapes and garbage', () => {
      const cases: unknown[] = [
        null,
        {},
        { ...good, rows: good.rows.slice(1) },
        withRows(1, good.rows[1]!.slice(1)),
        withRows(1, [...good.rows[1]!, good.rows[1]![0]!]),
        withRows(0, good.rows[0]!.map((r) => r.subarray(1))),
        withRows(2, [Uint32Array.from(good.rows[2]![0]!, (v, k) => (k === 0 ? F.P : v)), ...good.rows[2]!.slice(1)]),
        withRows(2, [[1, 2, 3, 4] as unknown as Uint32Array, ...good.rows[2]!.slice(1)]),
        { ...good, salts: good.salts.slice(1) },
        { ...good, siblings: good.siblings.slice(1) },
        { ...good, siblings: [...good.siblings, good.siblings[0]!] },
        { ...good, siblings: [new Uint8Array(31), ...good.siblings.slice(1)] },
      ];
      for (const c of cases) expect(check(c).ok).toBe(false);
      expect(check(good, [4, 3, 17, 30]).ok).toBe(false);
      expect(check(good, [3, 3, 17, 30]).ok).toBe(false);
      expect(check(good, [3, 4, 17, 32]).ok).toBe(false);
      expect(check(good, indices, { ...layout, heights: [32, 8, 8] }).ok).toBe(false);
      expect(check(good, indices, { ...layout, heights: [32, 8, 8, 3] }).ok).toBe(false);
      expect(verifyMixedOpening(blake3Hasher, new Uint8Array(32), layout, indices, good).ok).toBe(false);
    });
  });

  const native = cpuBackend();
  it.skipIf(native === null)('the native backend builds the same levels as the TypeScript reference, with both hashers', () => {
    for (const hasher of [blake3Hasher, poseidon2Hasher]) {
      for (const shape of [...SHAPES, [[1024, 9], [256, 40], [1024, 2], [64, 1], [2, 3]] as [number, number][]]) {
        const ms = matrices(shape);
        const salts = makeSalts(Math.max(...ms.map((m) => m.height)), 4, rng);
        const a = commitMixedTree(tsBackend, hasher, ms, salts);
        const b = commitMixedTree(native!, hasher, ms, salts);
        expect(b.layers.map((l) => [...l])).toEqual(a.layers.map((l) => [...l]));
      }
    }
  });
});
