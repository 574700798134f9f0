// A tensor commitment's row hashes in native code (gpu/native/tensor-commit.cc, eight rows in vector lanes) against
// the TypeScript reference (runtime/run/tensor-commit.ts): the same leaves, chunk digests and root for rows of one
// chunk and of many, row counts that do not fill the lanes, and the argument checks.
import { describe, expect, it } from 'vitest';
import { cpuBackend, nativeAddon } from '../../gpu/index.ts';
import { chunkCount, commitMatrix, openRow, verifyRow } from '../../runtime/run/tensor-commit.ts';

const built = nativeAddon()?.tensorRowDigests !== undefined;

function matrix(rows: number, cols: number, seed: number): Uint16Array {
  let x = seed >>> 0;
  return Uint16Array.from({ length: rows * cols }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x >>> 16;
  });
}

describe.skipIf(!built)('native tensor commitment', () => {
  const cpu = cpuBackend()!;

  // Shapes: a word short of full, one word, one chunk of 64 words, chunks of 64 (W = 128) and of 56 (W = 3,584:
  // the 70B fixture's 28,672 columns), 65 words in 5 chunks of 13, 67 words with no divisor in [8, 64] (one chunk
  // of 67), rows below, at and past a multiple of the 8 lanes.
  const shapes: [number, number][] = [[1, 1], [3, 7], [8, 8], [9, 512], [17, 1024], [5, 28672], [12, 520], [11, 536], [1, 8192], [33, 13]];
  for (const [rows, cols] of shapes) {
    it(`[${rows}, ${cols}] (${chunkCount(cols)} chunks a row): the reference's commitment`, () => {
      const values = matrix(rows, cols, rows * 31 + cols);
      const ref = commitMatrix(values, rows, cols);
      const native = commitMatrix(values, rows, cols, cpu.tensorRowDigests!);
      expect(native.root).toEqual(ref.root);
      expect(native.leaves).toEqual(ref.leaves);
      expect(native.tree).toEqual(ref.tree);
      expect(native.chunkDigests).toEqual(ref.chunkDigests);
    });
  }

  it('a row opened from the native commitment verifies against its root; a changed value changes the root', () => {
    const values = matrix(20, 4096, 5);
    const c = commitMatrix(values, 20, 4096, cpu.tensorRowDigests!);
    const o = openRow(c, 19);
    expect(verifyRow(c.root, 20, 4096, 19, o.values, o.siblings)).toBe(true);
    expect(verifyRow(c.root, 20, 4096, 18, o.values, o.siblings)).toBe(false);
    values[19 * 4096 + 300 * 8 + 3] ^= 1;
    expect(commitMatrix(values, 20, 4096, cpu.tensorRowDigests!).root).not.toEqual(c.root);
  });

  it('refuses arrays of the wrong type or size, an empty shape and a shape past p', () => {
    const k = nativeAddon()!.tensorRowDigests!;
    const v = new Uint16Array(16);
    expect(() => k(new Uint32Array(16) as unknown as Uint16Array, 2, 8, new Uint32Array(16), new Uint32Array(0))).toThrow(TypeError);
    expect(() => k(v, 2, 7, new Uint32Array(16), new Uint32Array(0))).toThrow(RangeError);
    expect(() => k(v, 2, 8, new Uint32Array(15), new Uint32Array(0))).toThrow(RangeError);
    expect(() => k(v, 0, 8, new Uint32Array(0), new Uint32Array(0))).toThrow(RangeError);
    expect(() => k(new Uint16Array(1024), 1, 1024, new Uint32Array(8), new Uint32Array(0))).toThrow(RangeError);
    expect(() => k(v, 2013265921, 1, new Uint32Array(16), new Uint32Array(0))).toThrow(RangeError);
    expect(() => k(v, 2, 4294967295, new Uint32Array(16), new Uint32Array(0))).toThrow(RangeError);
  });
});
