// Poseidon2 Merkle commitments of bf16 matrices (runtime/run/tensor-commit.ts): the scheme recomputed by hand
// from compressPair, openings that verify, and every tampering (a changed value, a wrong sibling, a wrong index,
// a wrong shape) that fails; the zkVM's own `hash` and `merkle` instructions reach the same root.
import { describe, expect, it } from 'vitest';
import { compressPair } from '../../runtime/proof/hash/poseidon2.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import {
  CHUNK_START,
  chunkWords,
  commitMatrix,
  digestFromHex,
  digestToHex,
  leafHash,
  openRow,
  openWord,
  rowChunkDigests,
  shapeWord,
  rowWords,
  transpose,
  treeDepth,
  verifyRow,
} from '../../runtime/run/tensor-commit.ts';
import type { Word } from '../../runtime/vm/word.ts';

/** A deterministic [rows, cols] matrix of bf16 patterns. */
function matrix(rows: number, cols: number, salt = 0): Uint16Array {
  return Uint16Array.from({ length: rows * cols }, (_, i) => (0x3c00 + ((i * 2654435761 + salt) >>> 20)) & 0xffff);
}

const c2 = (l: Word, r: Word): Word => Array.from(compressPair(l, r));

describe('tensor commitments', () => {
  it('follows the documented scheme: header-chained leaves, zero padding leaves, binary tree, shape word', () => {
    const R = 3;
    const C = 10;
    const m = matrix(R, C);
    const com = commitMatrix(m, R, C);
    expect(com.depth).toBe(2);
    const leaf = (r: number): Word => {
      const row = [...m.subarray(r * C, (r + 1) * C)];
      const w0 = row.slice(0, 8);
      const w1 = [...row.slice(8, 10), 0, 0, 0, 0, 0, 0];
      // Two words: one chunk, chained from the leaf's prefix.
      return c2(c2([R, C, r, 0, 0, 0, 0, 0], w0), w1);
    };
    const zero = [0, 0, 0, 0, 0, 0, 0, 0];
    const root = c2(shapeWord(R, C), c2(c2(leaf(0), leaf(1)), c2(leaf(2), zero)));
    expect(com.root).toEqual(root);
    expect(com.leaves).toEqual([leaf(0), leaf(1), leaf(2)]);
    expect(com.tree[0]).toHaveLength(4);
    expect(rowWords([1, 2, 3])).toEqual([[1, 2, 3, 0, 0, 0, 0, 0]]);
  });

  it('splits a row of more than 64 words into chunks of the largest divisor up to 64 (at least 8), else one chunk', () => {
    // By columns: 65 words (520) in chunks of 13; 134 words (1072 = 8·2·67) have no divisor from 8 to 64: one chunk.
    expect([1, 8, 512, 520, 8192, 600, 536, 1072, 28672, 11008, 53248].map(chunkWords)).toEqual([1, 1, 64, 13, 64, 25, 67, 134, 64, 43, 64]);
    // 600 columns: 75 words, three chunks of 25.
    const [R, C] = [2, 600];
    const m = matrix(R, C, 5);
    const com = commitMatrix(m, R, C);
    const words = rowWords(m.subarray(C, 2 * C));
    // Chunk 0 chained from the leaf's prefix, the others from CHUNK_START; the leaf is chunk 0's chain with the
    // others' hashed in.
    const chunk = (g: number): Word => words.slice(25 * g, 25 * g + 25).reduce<Word>((h, w) => c2(h, w), g === 0 ? [R, C, 1, 0, 0, 0, 0, 0] : CHUNK_START);
    const leaf = [1, 2].reduce<Word>((h, g) => c2(h, chunk(g)), chunk(0));
    expect(com.leaves[1]).toEqual(leaf);
    // One word opened alone: its chunk's words and the row's three chunk digests.
    const o = openWord(com, 1, 60);
    expect([o.chunk, o.offset]).toEqual([2, 10]);
    expect(o.words).toEqual(words.slice(50, 75));
    expect(o.digests).toEqual([chunk(0), chunk(1), chunk(2)]);
    expect(o.siblings).toEqual(openRow(com, 1).siblings);
    expect(() => openWord(com, 1, 75)).toThrow(/outside a row of 75 words/);
  });

  it('opens a word from the digests kept at commitment: the same opening as hashing its row again, never aliasing them', () => {
    // openWord hands out the commitment's chunk digests (bench/open-word.ts: 17 ms an opening at 28,672 columns when
    // hashed again, 0.07 ms kept); they must be the row's own, for every row and word, one chunk or several.
    for (const [R, C] of [[3, 600], [5, 1024], [4, 10], [2, 1]] as const) {
      const m = matrix(R, C, R + C);
      const com = commitMatrix(m, R, C);
      const W = Math.ceil(C / 8);
      const D = chunkWords(C);
      expect(com.chunkDigests.length).toBe(W / D > 1 ? R * (W / D) * 8 : 0);
      for (let r = 0; r < R; r++) {
        const words = rowWords(m.subarray(r * C, (r + 1) * C));
        const digests = rowChunkDigests(R, C, r, words);
        for (let w = 0; w < W; w++) {
          const o = openWord(com, r, w);
          expect(o.digests).toEqual(digests);
          expect(o.words).toEqual(words.slice(Math.floor(w / D) * D, (Math.floor(w / D) + 1) * D));
        }
      }
      // An opening handed out is a copy: writing into it changes neither the commitment nor the next opening.
      const o = openWord(com, R - 1, 0);
      (o.digests[0] as number[])[0] = 7;
      (o.siblings[0] as number[])[0] = 7;
      expect(openWord(com, R - 1, 0).digests).toEqual(rowChunkDigests(R, C, R - 1, rowWords(m.subarray((R - 1) * C, R * C))));
      expect(openWord(com, R - 1, 0).siblings).toEqual(openRow(com, R - 1).siblings);
    }
    expect(() => openWord(commitMatrix(matrix(2, 8), 2, 8), 2, 0)).toThrow(/row 2 is outside a matrix of 2 rows/);
  });

  it('puts the shape into the root: the same values as another shape give another root', () => {
    const v = matrix(4, 8);
    const [a, b] = [commitMatrix(v, 4, 8), commitMatrix(v, 2, 16)];
    expect(a.root).not.toEqual(b.root);
    expect(a.root).toEqual(c2(shapeWord(4, 8), a.tree[a.depth]![0]!));
    expect(c2(shapeWord(2, 16), a.tree[a.depth]![0]!)).not.toEqual(a.root);
  });

  it('pins the root of a small matrix (the scheme must not drift)', () => {
    const com = commitMatrix(Uint16Array.from([0x3f80, 0x4000, 0x4040, 0x4080]), 2, 2);
    expect(digestToHex(com.root)).toMatchInlineSnapshot(`"6d3046db229eb20f3ac7d29a0adf9b8f4414d304096dd47d2a17ed36292860cb"`);
  });

  it('uses depth ceil(log2 R), at least 1', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 16, 17].map(treeDepth)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5]);
    const one = commitMatrix(matrix(1, 4), 1, 4);
    expect(one.depth).toBe(1);
    expect(one.root).toEqual(c2(shapeWord(1, 4), c2(one.leaves[0]!, [0, 0, 0, 0, 0, 0, 0, 0])));
  });

  it('opens every row, and each opening verifies', () => {
    for (const [R, C] of [[1, 1], [2, 8], [5, 9], [16, 4], [8, 16]] as const) {
      const m = matrix(R, C, R * 31 + C);
      const com = commitMatrix(m, R, C);
      for (let r = 0; r < R; r++) {
        const o = openRow(com, r);
        expect([...o.values]).toEqual([...m.subarray(r * C, (r + 1) * C)]);
        expect(o.siblings).toHaveLength(com.depth);
        expect(verifyRow(com.root, R, C, r, o.values, o.siblings)).toBe(true);
      }
    }
  });

  it('rejects a changed value, a wrong sibling, a wrong index, a wrong shape or a malformed input', () => {
    const R = 6;
    const C = 5;
    const com = commitMatrix(matrix(R, C), R, C);
    const o = openRow(com, 3);
    const ok = (root: Word, rows: number, cols: number, r: number, values: ArrayLike<number>, sib: readonly Word[]): boolean =>
      verifyRow(root, rows, cols, r, values, sib);
    expect(ok(com.root, R, C, 3, o.values, o.siblings)).toBe(true);
    // One value changed by one ulp, in each position.
    for (let k = 0; k < C; k++) {
      const v = Uint16Array.from(o.values);
      v[k] = v[k]! ^ 1;
      expect(ok(com.root, R, C, 3, v, o.siblings)).toBe(false);
    }
    // A wrong sibling at each level; siblings in the wrong order; one missing; one too many.
    for (let l = 0; l < o.siblings.length; l++) {
      const s = o.siblings.map((w, i) => (i === l ? w.map((x, j) => (j === 0 ? (x + 1) % 2013265921 : x)) : w));
      expect(ok(com.root, R, C, 3, o.values, s)).toBe(false);
    }
    expect(ok(com.root, R, C, 3, o.values, [...o.siblings].reverse())).toBe(false);
    expect(ok(com.root, R, C, 3, o.values, o.siblings.slice(1))).toBe(false);
    expect(ok(com.root, R, C, 3, o.values, [...o.siblings, o.siblings[0]!])).toBe(false);
    // The right row at the wrong index; an index past the rows, though the padded tree has leaves there.
    for (const r of [0, 1, 2, 4, 5, 6, 7, -1, 3.5]) expect(ok(com.root, R, C, r, o.values, o.siblings)).toBe(false);
    // The same data claimed for another shape.
    expect(ok(com.root, R + 1, C, 3, o.values, o.siblings)).toBe(false);
    expect(ok(com.root, R, C + 1, 3, [...o.values, 0], o.siblings)).toBe(false);
    // Malformed: values out of range, wrong length, non-canonical sibling, wrong root.
    expect(ok(com.root, R, C, 3, [...o.values].map((v, i) => (i === 0 ? v + 0x10000 : v)), o.siblings)).toBe(false);
    expect(ok(com.root, R, C, 3, o.values.subarray(1), o.siblings)).toBe(false);
    expect(ok(com.root, R, C, 3, o.values, [[2013265921, 0, 0, 0, 0, 0, 0, 0], ...o.siblings.slice(1)])).toBe(false);
    expect(ok(commitMatrix(matrix(R, C, 1 << 24), R, C).root, R, C, 3, o.values, o.siblings)).toBe(false);
  });

  it('agrees with the zkVM: hash chains the leaf (one chunk), merkle climbs, the shape word gives the same root', () => {
    const R = 5;
    const C = 12;
    const com = commitMatrix(matrix(R, C, 9), R, C);
    const r = 4;
    const o = openRow(com, r);
    // The program: leaf from the row words on the tape, then the path (siblings from the tape), then compare.
    const asm = new Assembler();
    const h = asm.alloc();
    const w = asm.alloc();
    const root = asm.alloc();
    asm.mov(h, asm.constant([R, C, r, 0, 0, 0, 0, 0]));
    for (let i = 0; i < o.words.length; i++) {
      asm.read(w);
      asm.hash(h, h, w);
    }
    asm.merkle(root, h, asm.constant(r), com.depth);
    asm.hash(root, asm.constant(shapeWord(R, C)), root);
    asm.assertEq(root, asm.constant(com.root), 'root');
    asm.halt();
    const program = asm.build();
    const exec = execute(program, { privateInputs: [...o.words, ...o.siblings] });
    expect(exec.merkle[0]!.root).toEqual(com.tree[com.depth]![0]);
    const tampered = o.words.map((x, i) => (i === 1 ? x.map((v, j) => (j === 0 ? v ^ 1 : v)) : x));
    expect(() => execute(program, { privateInputs: [...tampered, ...o.siblings] })).toThrow(/root/);
  });

  it('spells roots as 64 hex digits, 8 big-endian words below p', () => {
    const com = commitMatrix(matrix(4, 4), 4, 4);
    const hex = digestToHex(com.root);
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(digestFromHex(hex)).toEqual([...com.root]);
    expect(digestFromHex(`0x${hex.toUpperCase()}`)).toEqual([...com.root]);
    expect(digestToHex([1, 2, 3, 4, 5, 6, 7, 8])).toBe('0000000100000002000000030000000400000005000000060000000700000008');
    expect(() => digestFromHex('78000001' + '0'.repeat(56))).toThrow(/word 0 .* not below the field prime/);
    expect(() => digestFromHex('abc')).toThrow(/64 hex digits/);
    expect(() => digestToHex([2013265921, 0, 0, 0, 0, 0, 0, 0])).toThrow(/not a canonical field element/);
  });

  it('transposes, so a column of B is a row of the committed Bᵀ', () => {
    const b = matrix(4, 8);
    const bt = transpose(b, 4, 8);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 8; j++) expect(bt[j * 4 + i]).toBe(b[i * 8 + j]);
    const com = commitMatrix(bt, 8, 4);
    const col = openRow(com, 5);
    expect([...col.values]).toEqual([0, 1, 2, 3].map((i) => b[i * 8 + 5]));
  });

  it('refuses empty or mis-sized matrices', () => {
    expect(() => commitMatrix(new Uint16Array(0), 0, 4)).toThrow(/at least one row/);
    expect(() => commitMatrix(new Uint16Array(3), 1, 4)).toThrow(/3 values do not fill a \[1, 4\] matrix/);
    expect(leafHash(1, 1, 0, [0])).toHaveLength(8);
  });
});
