// Merkle commitments: the word-oriented BLAKE3 against @noble/hashes, trees against a byte-level oracle, batched
// openings, tamper resistance of every byte of an encoded opening, malformed openings, hiding salts.
import { blake3 } from '@noble/hashes/blake3.js';
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { IV, bytesToWords, hash64, hashWords, wordsToBytes } from '../../runtime/proof/hash/blake3.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import {
  BLAKE3_KEYS,
  blake3Hasher,
  buildLayers,
  compress,
  decodeOpening,
  encodeOpening,
  hashLeaf,
  makeSalts,
  MerkleTree,
  normalizeIndices,
  siblingPositions,
  verifyOpening,
  type MerkleLayout,
  type MerkleOpening,
} from '../../runtime/proof/merkle/index.ts';
import { commitTree, tsBackend } from '../../runtime/proof/backends/index.ts';
import { Rng } from '../../runtime/proof/rng.ts';

const rng = Rng.fromSeed('test/proof/merkle');
const H = blake3Hasher;

function randomWords(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => rng.nextU32());
}

describe('BLAKE3 over words', () => {
  const key = rng.nextBytes(32);
  const lengths = [0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257, 511, 512, 513, 768, 1023, 1024, 1025, 1280, 2048, 2049, 4100];

  it('equals @noble/hashes BLAKE3 (plain and keyed) of the little-endian bytes, across block and chunk boundaries', () => {
    for (const len of lengths) {
      const w = randomWords(len);
      const bytes = wordsToBytes(w);
      const out = new Uint32Array(8);
      hashWords(w, 0, len, IV, false, out, 0);
      expect(wordsToBytes(out)).toEqual(blake3(bytes));
      hashWords(w, 0, len, bytesToWords(key), true, out, 0);
      expect(wordsToBytes(out)).toEqual(blake3(bytes, { key }));
    }
  });

  it('hashes a sub-range of a larger array and writes at an offset', () => {
    const w = randomWords(300);
    const out = new Uint32Array(20);
    hashWords(w, 10, 280, IV, false, out, 5);
    expect(wordsToBytes(out, 5, 8)).toEqual(blake3(wordsToBytes(w, 10, 280)));
  });

  it('matches the published test vector for the empty input', () => {
    const out = new Uint32Array(8);
    hashWords(new Uint32Array(0), 0, 0, IV, false, out, 0);
    expect(Buffer.from(wordsToBytes(out)).toString('hex')).toBe('af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  });

  it('hash64 is keyed BLAKE3 of one 64-byte block', () => {
    const m = randomWords(16);
    const out = new Uint32Array(8);
    hash64(bytesToWords(key), m, 0, out, 0);
    expect(wordsToBytes(out)).toEqual(blake3(wordsToBytes(m), { key }));
  });
});

describe('Merkle hasher', () => {
  it('leaves and nodes are keyed BLAKE3 under two different derived keys', () => {
    expect(BLAKE3_KEYS.leaf).not.toEqual(BLAKE3_KEYS.node);
    const msg = rng.fieldVector(16);
    expect(hashLeaf(H, msg)).toEqual(blake3(wordsToBytes(msg), { key: BLAKE3_KEYS.leaf }));
    const l = rng.nextBytes(32);
    const r = rng.nextBytes(32);
    const both = new Uint8Array(64);
    both.set(l);
    both.set(r, 32);
    expect(compress(H, l, r)).toEqual(blake3(both, { key: BLAKE3_KEYS.node }));
    // Domain separation: a node's 64 bytes hashed as a leaf give a different digest.
    expect(compress(H, l, r)).not.toEqual(hashLeaf(H, bytesToWords(both)));
    expect(() => compress(H, l, new Uint8Array(31))).toThrow(RangeError);
  });
});

/** The root computed from first principles with @noble/hashes on bytes (independent of tree.ts). */
function oracleRoot(matrices: Matrix[], salts: Matrix | null): Uint8Array {
  const height = matrices[0]!.height;
  let level: Uint8Array[] = [];
  for (let i = 0; i < height; i++) {
    const parts = [...(salts ? [salts.row(i)] : []), ...matrices.map((m) => m.row(i))];
    level.push(blake3(F.encodeVector(parts.flatMap((p) => Array.from(p))), { key: BLAKE3_KEYS.leaf }));
  }
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let j = 0; j < level.length; j += 2) {
      const both = new Uint8Array(64);
      both.set(level[j]!);
      both.set(level[j + 1]!, 32);
      next.push(blake3(both, { key: BLAKE3_KEYS.node }));
    }
    level = next;
  }
  return level[0]!;
}

function randomMatrix(height: number, width: number): Matrix {
  return new Matrix(rng.fieldVector(height * width), width);
}

function randomIndices(height: number, count: number): number[] {
  return normalizeIndices(Array.from({ length: count }, () => rng.nextBelow(height)));
}

describe('Merkle tree', () => {
  it('roots agree with the byte-level oracle for heights 1..2^7, one or several matrices, salted or not', () => {
    for (const log of [0, 1, 2, 5, 7]) {
      const height = 1 << log;
      for (const widths of [[1], [3], [2, 5, 1], [20]]) {
        for (const saltLength of [0, 4, 8]) {
          const ms = widths.map((w) => randomMatrix(height, w));
          const salts = makeSalts(height, saltLength, rng);
          const tree = commitTree(tsBackend, H, ms, salts);
          expect(tree.root()).toEqual(oracleRoot(ms, salts));
          expect(tree.depth).toBe(log);
        }
      }
    }
  });

  it('hashes rows longer than a BLAKE3 chunk (wide matrices)', () => {
    const ms = [randomMatrix(4, 300)];
    expect(commitTree(tsBackend, H, ms, makeSalts(4, 4, rng)).root()).toHaveLength(32);
    const salts = makeSalts(4, 4, rng);
    expect(commitTree(tsBackend, H, ms, salts).root()).toEqual(oracleRoot(ms, salts));
  });

  it('the backend path and the reference layers agree', () => {
    const ms = [randomMatrix(16, 3), randomMatrix(16, 2)];
    const salts = makeSalts(16, 4, rng);
    const a = commitTree(tsBackend, H, ms, salts);
    const b = new MerkleTree(H, ms, salts, buildLayers(H, ms, salts));
    expect(a.root()).toEqual(b.root());
    const leaves = tsBackend.hashLeaves(H, ms, salts);
    expect(Array.from(leaves)).toEqual(Array.from(a.layers[0]!));
  });

  it('rejects groups of unequal heights or non-power-of-two heights', () => {
    expect(() => commitTree(tsBackend, H, [randomMatrix(4, 1), randomMatrix(8, 1)], null)).toThrow(/height/);
    expect(() => commitTree(tsBackend, H, [randomMatrix(6, 1)], null)).toThrow(/power of two/);
    expect(() => commitTree(tsBackend, H, [], null)).toThrow(RangeError);
    expect(() => commitTree(tsBackend, H, [randomMatrix(4, 1)], makeSalts(8, 4, rng))).toThrow(/salts/);
  });

  it('salts hide: the same data under fresh salts commits to unrelated roots; a fixed seed reproduces the root', () => {
    const ms = [randomMatrix(8, 2)];
    const r1 = commitTree(tsBackend, H, ms, makeSalts(8, 4, Rng.fromSeed('seed A'))).root();
    const r2 = commitTree(tsBackend, H, ms, makeSalts(8, 4, Rng.fromSeed('seed B'))).root();
    const r3 = commitTree(tsBackend, H, ms, makeSalts(8, 4, Rng.fromSeed('seed A'))).root();
    expect(r1).not.toEqual(r2);
    expect(r1).toEqual(r3);
    expect(commitTree(tsBackend, H, ms, null).root()).toEqual(commitTree(tsBackend, H, ms, null).root());
  });
});

describe('batched openings', () => {
  const height = 64;
  const ms = [randomMatrix(height, 3), randomMatrix(height, 2)];
  const salts = makeSalts(height, 4, rng);
  const tree = commitTree(tsBackend, H, ms, salts);
  const root = tree.root();
  const layout: MerkleLayout = tree.layout;

  it('verify for single, adjacent, scattered and complete index sets', () => {
    const sets = [[0], [63], [5], [4, 5], [0, 1, 2, 3], [1, 2], [3, 17, 40, 41, 62], randomIndices(height, 20), Array.from({ length: 64 }, (_, i) => i)];
    for (const indices of sets) {
      const opening = tree.open(indices);
      expect(verifyOpening(H, root, layout, indices, opening)).toEqual({ ok: true });
      indices.forEach((i, k) => {
        expect(Array.from(opening.rows[k]!)).toEqual([...ms[0]!.row(i), ...ms[1]!.row(i)]);
        expect(Array.from(opening.salts[k]!)).toEqual(Array.from(salts!.row(i)));
      });
      const decoded = decodeOpening(layout, indices.length, encodeOpening(opening));
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect(verifyOpening(H, root, layout, indices, decoded.value)).toEqual({ ok: true });
    }
  });

  it('sends the minimal set of siblings', () => {
    expect(tree.open([0]).siblings).toHaveLength(6);
    expect(tree.open([0, 1]).siblings).toHaveLength(5);
    expect(tree.open([0, 1, 2, 3]).siblings).toHaveLength(4);
    expect(tree.open(Array.from({ length: 64 }, (_, i) => i)).siblings).toHaveLength(0);
    expect(siblingPositions([0, 3], 2)).toEqual([[1, 2], []]);
    expect(siblingPositions([0, 7], 3)).toEqual([[1, 6], [1, 2], []]);
  });

  it('works for a tree of height 1 (the root is the leaf) and without salts', () => {
    const t1 = commitTree(tsBackend, H, [randomMatrix(1, 4)], null);
    const o = t1.open([0]);
    expect(o.siblings).toHaveLength(0);
    expect(verifyOpening(H, t1.root(), t1.layout, [0], o)).toEqual({ ok: true });
    expect(verifyOpening(H, t1.root(), t1.layout, [1], o).ok).toBe(false);
  });

  it('rejects every single-byte change of an encoded opening', () => {
    const indices = [2, 3, 9, 30, 31, 50];
    const bytes = encodeOpening(tree.open(indices));
    let rejected = 0;
    for (let b = 0; b < bytes.length; b++) {
      for (const delta of [0x01, 0x80]) {
        const tampered = bytes.slice();
        tampered[b]! ^= delta;
        const decoded = decodeOpening(layout, indices.length, tampered);
        const ok = decoded.ok && verifyOpening(H, root, layout, indices, decoded.value).ok;
        expect(ok, `byte ${b} ^ ${delta}`).toBe(false);
        rejected++;
      }
    }
    expect(rejected).toBe(2 * bytes.length);
  });

  it('rejects the opening for any other index set (each index moved anywhere else) and a tampered root', () => {
    const indices = [2, 3, 9, 30, 50];
    const opening = tree.open(indices);
    for (let k = 0; k < indices.length; k++) {
      for (let j = 0; j < height; j++) {
        if (indices.includes(j)) continue;
        const moved = normalizeIndices(indices.map((i, t) => (t === k ? j : i)));
        const v = verifyOpening(H, root, layout, moved, opening);
        expect(v.ok, `index ${indices[k]} -> ${j}`).toBe(false);
      }
    }
    for (let b = 0; b < 32; b++) {
      const bad = root.slice();
      bad[b]! ^= 1;
      expect(verifyOpening(H, bad, layout, indices, opening).ok).toBe(false);
    }
  });

  it('rejects swapping rows, salts or siblings between positions', () => {
    const indices = [1, 20, 40];
    const o = tree.open(indices);
    const swap = <T>(xs: readonly T[]): T[] => [xs[1]!, xs[0]!, ...xs.slice(2)];
    expect(verifyOpening(H, root, layout, indices, { ...o, rows: swap(o.rows) }).ok).toBe(false);
    expect(verifyOpening(H, root, layout, indices, { ...o, salts: swap(o.salts) }).ok).toBe(false);
    expect(verifyOpening(H, root, layout, indices, { ...o, siblings: swap(o.siblings) }).ok).toBe(false);
  });

  it('reports malformed openings with a clear error instead of throwing', () => {
    const indices = [4, 9, 33];
    const o = tree.open(indices);
    const cases: [string, readonly number[], MerkleOpening, RegExp][] = [
      ['duplicate', [4, 4, 9], o, /duplicate index 4/],
      ['unsorted', [9, 4, 33], o, /not ascending/],
      ['out of range', [4, 9, 64], o, /out of range/],
      ['negative', [-1, 9, 33], o, /out of range/],
      ['fractional', [4.5, 9, 33], o, /out of range/],
      ['empty', [], o, /no indices/],
      ['missing row', indices, { ...o, rows: o.rows.slice(1) }, /expected 3 rows, got 2/],
      ['extra salt', indices, { ...o, salts: [...o.salts, new Uint32Array(4)] }, /expected 3 salts, got 4/],
      ['short row', indices, { ...o, rows: [o.rows[0]!.slice(1), ...o.rows.slice(1)] }, /row 4 has 4 elements, expected 5/],
      ['row type', indices, { ...o, rows: [[1, 2, 3, 4, 5] as unknown as Uint32Array, ...o.rows.slice(1)] }, /not a Uint32Array/],
      ['non-canonical', indices, { ...o, rows: [Uint32Array.of(F.P, 0, 0, 0, 0), ...o.rows.slice(1)] }, /not a canonical field element/],
      ['salt length', indices, { ...o, salts: [new Uint32Array(3), ...o.salts.slice(1)] }, /salt of row 4 has 3 elements/],
      ['missing sibling', indices, { ...o, siblings: o.siblings.slice(1) }, /expected \d+ sibling digests/],
      ['extra sibling', indices, { ...o, siblings: [...o.siblings, new Uint8Array(32)] }, /expected \d+ sibling digests/],
      ['short digest', indices, { ...o, siblings: [o.siblings[0]!.slice(0, 31), ...o.siblings.slice(1)] }, /sibling digest 0 must be 32 bytes, got 31/],
      ['digest type', indices, { ...o, siblings: ['x' as unknown as Uint8Array, ...o.siblings.slice(1)] }, /sibling digest 0 must be 32 bytes/],
      ['not an object', indices, null as unknown as MerkleOpening, /not an object/],
      ['no arrays', indices, {} as unknown as MerkleOpening, /expected 3 rows, got none/],
    ];
    for (const [name, idx, opening, message] of cases) {
      let verdict;
      expect(() => (verdict = verifyOpening(H, root, layout, idx, opening)), name).not.toThrow();
      expect(verdict, name).toEqual({ ok: false, error: expect.stringMatching(message) });
    }
    expect(verifyOpening(H, root.slice(0, 31), layout, indices, o)).toEqual({ ok: false, error: expect.stringMatching(/root must be 32 bytes/) });
    expect(verifyOpening(H, root, { ...layout, height: 48 }, indices, o)).toEqual({ ok: false, error: expect.stringMatching(/power of two/) });
    expect(verifyOpening(H, root, { ...layout, widths: [3, 0] }, indices, o).ok).toBe(false);
  });

  it('never throws on random garbage', () => {
    for (let t = 0; t < 300; t++) {
      const count = 1 + rng.nextBelow(4);
      const garbage = rng.nextBytes(rng.nextBelow(400));
      const d = decodeOpening(layout, count, garbage);
      const idx = randomIndices(height, count);
      if (d.ok) expect(verifyOpening(H, root, layout, idx, d.value).ok).toBe(false);
      const o: MerkleOpening = {
        rows: Array.from({ length: rng.nextBelow(5) }, () => rng.fieldVector(rng.nextBelow(7))),
        salts: Array.from({ length: rng.nextBelow(5) }, () => rng.fieldVector(rng.nextBelow(6))),
        siblings: Array.from({ length: rng.nextBelow(10) }, () => rng.nextBytes(rng.nextBelow(2) ? 32 : rng.nextBelow(40))),
      };
      expect(() => verifyOpening(H, root, layout, idx, o)).not.toThrow();
      expect(verifyOpening(H, root, layout, idx, o).ok).toBe(false);
    }
  });

  it('decoding rejects truncation, trailing bytes, an absurd sibling count and a wrong row count', () => {
    const indices = [7, 8];
    const bytes = encodeOpening(tree.open(indices));
    expect(decodeOpening(layout, 2, bytes.subarray(0, bytes.length - 1))).toEqual({ ok: false, error: expect.stringMatching(/expected \d+ bytes/) });
    expect(decodeOpening(layout, 2, new Uint8Array([...bytes, 0]))).toEqual({ ok: false, error: expect.stringMatching(/expected \d+ bytes/) });
    expect(decodeOpening(layout, 2, bytes.subarray(0, 10))).toEqual({ ok: false, error: expect.stringMatching(/too short/) });
    const huge = bytes.slice();
    const off = 2 * 4 * (4 + 5);
    huge.set([0xff, 0xff, 0xff, 0x7f], off);
    expect(decodeOpening(layout, 2, huge)).toEqual({ ok: false, error: expect.stringMatching(/more than/) });
    expect(decodeOpening(layout, 0, bytes).ok).toBe(false);
    expect(decodeOpening(layout, 3, bytes).ok).toBe(false);
  });

  it('the prover refuses unsorted or out-of-range indices', () => {
    expect(() => tree.open([3, 2])).toThrow(/strictly increasing/);
    expect(() => tree.open([64])).toThrow(/out of range/);
    expect(normalizeIndices([5, 1, 5, 3])).toEqual([1, 3, 5]);
  });
});

describe('Rng', () => {
  it('is deterministic per seed, distinct across seeds and forks, and draws canonical field elements', () => {
    const a = Rng.fromSeed(new Uint8Array(32).fill(1));
    const b = Rng.fromSeed(new Uint8Array(32).fill(1));
    const c = Rng.fromSeed(new Uint8Array(32).fill(2));
    const va = a.fieldVector(100);
    expect(Array.from(b.fieldVector(100))).toEqual(Array.from(va));
    expect(Array.from(c.fieldVector(100))).not.toEqual(Array.from(va));
    expect(va.every((v) => v < F.P)).toBe(true);
    const f1 = Rng.fromSeed('x').fork('salts');
    const f2 = Rng.fromSeed('x').fork('trace');
    expect(f1.nextU32()).not.toBe(f2.nextU32());
    expect(Rng.fromSeed('x').fork('salts').nextBytes(5)).toHaveLength(5);
    expect(() => Rng.fromSeed(new Uint8Array(16))).toThrow(RangeError);
    expect(Rng.fromEntropy().nextU32()).not.toBe(Rng.fromEntropy().nextU32());
  });

  it('nextBelow stays in range and covers small ranges', () => {
    const r = Rng.fromSeed('below');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.nextBelow(7);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
    expect(r.nextBelow(1)).toBe(0);
    expect(r.nextBelow(2 ** 32)).toBeLessThan(2 ** 32);
  });
});
