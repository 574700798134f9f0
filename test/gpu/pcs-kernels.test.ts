// The native PCS kernels against the TypeScript reference: FRI folding (gpu/native/fold.cc, fri/fold.ts) and the
// rows' bit reversal of the mixed trees (field/ntt.ts bitReverseRows) on random and extreme inputs; the DEEP
// quotient (gpu/native/deep.cc, runtime/proof/pcs/deep-quotient.ts): the columns' values at a point,
// column combinations (all columns, a subset in any order, a ragged count of coefficients between the kernel's
// reductions) and the reduced quotient over lifted and unlifted terms and several points give the same words;
// rows taken at a stride; malformed calls are refused. Skipped where the addon is not built.
import { describe, expect, it } from 'vitest';
import { cpuBackend, nativeAddon } from '../../gpu/index.ts';
import { eachSimdLevel } from './simd-levels.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { baryWeights, combineColumns, combineColumnsOn, evaluateColumns, reducedQuotient, type QuotientTerm } from '../../runtime/proof/pcs/deep-quotient.ts';
import { foldCodeword } from '../../runtime/proof/fri/fold.ts';
import { bitReverseRows } from '../../runtime/proof/field/ntt.ts';

const cpu = cpuBackend();

function random(n: number, seed: number, max = P): Uint32Array {
  let s = seed;
  return Uint32Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % max));
}

/** Values near p − 1 (the largest products) as well as random ones. */
function extreme(n: number, seed: number): Uint32Array {
  return random(n, seed).map((v, i) => (i % 3 === 0 ? P - 1 - (v % 3) : v));
}

/** The first index where x and y differ (or their lengths do), -1 when equal: toEqual on millions of words is slow. */
function firstDiff(x: Uint32Array, y: Uint32Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

describe.skipIf(cpu === null)('the native FRI fold and row reversal', () => {
  it('folds as the reference at every arity, shift and size, extreme values included', () => {
    for (const [logSize, logArity, shift] of [[1, 1, 31], [5, 0, 31], [6, 1, 7], [9, 3, 31], [12, 4, 961], [4, 4, 31]] as const) {
      const cw = extreme(4 << logSize, 3 * logSize + logArity);
      const beta = E.load(random(4, logSize), 0);
      expect(Array.from(cpu!.foldCodeword!(cw, logSize, shift, beta, logArity))).toEqual(Array.from(foldCodeword(cw, logSize, shift, beta, logArity)));
    }
    const a = nativeAddon()!;
    expect(() => a.friFold(random(12, 1), 2, 31, random(4, 2), 1)).toThrow(/2\^logSize/);
    expect(() => a.friFold(random(16, 1), 2, 31, random(4, 2), 3)).toThrow(/arity/);
    expect(() => a.friFold(random(16, 1), 2, 31, random(3, 2), 1)).toThrow(/beta/);
    expect(() => a.friFold(random(16, 1), 2, 0, random(4, 2), 1)).toThrow(/shift/);
    expect(() => a.friFold(Uint32Array.of(P, ...random(15, 1)), 2, 31, random(4, 2), 1)).toThrow(/canonical/);
  });

  it('reverses rows as the reference, pairwise and in cache-sized tiles (2^12 rows and up, rows of at most 64 words)', () => {
    // Tiles trade rows with their reversed tile, or with themselves (the middle bits a palindrome): the first tiled
    // heights (even and odd middle bits), the digests' 8 words, the codewords' 4, odd widths, the widest tiled row.
    const cases = [[0, 8], [1, 8], [10, 8], [7, 3], [5, 1], [12, 8], [13, 4], [14, 1], [15, 3], [16, 8], [12, 64], [12, 65], [13, 17]] as const;
    for (const [logN, width] of cases) {
      const v = random(width << logN, logN + width);
      const [want, got] = [v.slice(), v.slice()];
      bitReverseRows(want, width);
      cpu!.bitReverseRows!(got, width);
      expect(firstDiff(got, want), `2^${logN} rows of ${width}`).toBe(-1);
    }
    expect(() => nativeAddon()!.bitReverseRows(random(24, 1), 8)).toThrow(/power of two/);
  });
});

describe.skipIf(cpu === null)('the native DEEP quotient', () => {
  it('combines columns as the reference: all of them, a subset, extreme values', () => {
    for (const [height, width, columns] of [[8, 1, null], [16, 7, null], [64, 13, [12, 0, 5, 5, 7]], [32, 40, [3]], [128, 100, null]] as const) {
      const m = new Matrix(extreme(height * width, height + width), width);
      const count = columns === null ? width : columns.length;
      const coeffs = extreme(4 * count, 7 * width);
      const stride = 4 * 3;
      const [want, got] = [new Uint32Array(stride * height), new Uint32Array(stride * height)];
      const only = columns === null ? m : Matrix.fromColumns(columns.map((k) => m.column(k)));
      combineColumns(only, coeffs, want, stride, 4);
      combineColumnsOn(cpu!, m, columns, coeffs, got, stride, 4);
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(got.some((v) => v !== 0)).toBe(true);
    }
  });

  it('evaluates columns at a point as the reference: all of them, a subset, extreme values', () => {
    for (const [logN, width, columns] of [[3, 1, null], [6, 9, null], [8, 30, [29, 2, 2, 17]], [5, 4, [0]]] as const) {
      const m = new Matrix(extreme(width << logN, logN * width), width);
      const z = E.load(random(4, logN + 100), 0);
      const bw = baryWeights(logN, z);
      expect('weights' in bw).toBe(true);
      const want = evaluateColumns(m, bw, columns);
      expect(evaluateColumns(m, bw, columns, cpu!)).toEqual(want);
      expect(want).toHaveLength(columns === null ? width : columns.length);
    }
    const a = nativeAddon()!;
    expect(() => a.weightedColumnSums(random(16, 1), 4, null, random(12, 2))).toThrow(/4 words a row/);
    expect(() => a.weightedColumnSums(random(16, 1), 4, Int32Array.of(-1), random(16, 2))).toThrow(/outside the matrix/);
    expect(() => a.weightedColumnSums(Uint32Array.of(P), 1, null, random(4, 2))).toThrow(/canonical/);
  });

  it('reduces the quotient as the reference: lifted and row-combined terms, one to three points, with every vector version the CPU has', () => {
    expect(eachSimdLevel(() => reducesLikeReference())).toContain('scalar');
  });

  // Domains shorter than a vector, one chunk of 1,024 points and several.
  const reducesLikeReference = () => {
    for (const [logDomain, groups] of [[2, 2], [4, 1], [7, 2], [11, 3], [12, 2]] as const) {
      const N = 2 ** logDomain;
      const points = Array.from({ length: groups }, (_, g) => E.load(random(4, 31 * g + logDomain), 0));
      const lifted = new Matrix(extreme(N * 8, logDomain), 8);
      const terms: QuotientTerm[] = [
        { lde: null, lifted: 0, group: 0, coeffs: new Uint32Array(0) },
        { lde: new Matrix(extreme(N * 3, 5), 3), lifted: -1, group: groups - 1, coeffs: extreme(12, 9) },
        { lde: null, lifted: 1, group: Math.min(1, groups - 1), coeffs: new Uint32Array(0) },
        { lde: new Matrix(extreme(N, 6), 1), lifted: -1, group: 0, coeffs: extreme(4, 10) },
      ];
      const claimed = random(4 * groups, 77);
      const want = reducedQuotient(logDomain, terms, lifted, points, claimed);
      const got = cpu!.reducedQuotient!(logDomain, terms, lifted, points, claimed);
      expect(Array.from(got), `2^${logDomain} points`).toEqual(Array.from(want));
    }
  };

  it('refuses malformed calls with an error, not a crash', () => {
    const a = nativeAddon()!;
    const m = random(16, 1);
    expect(() => a.combineColumns(m, 4, Int32Array.of(4), random(4, 2), new Uint32Array(64), 4, 0)).toThrow(/outside the matrix/);
    expect(() => a.combineColumns(m, 4, null, random(8, 2), new Uint32Array(64), 4, 0)).toThrow(/do not fit/);
    expect(() => a.combineColumns(m, 4, null, random(16, 2), new Uint32Array(15), 4, 0)).toThrow(/do not fit/);
    expect(() => a.combineColumns(Uint32Array.of(P), 1, null, random(4, 2), new Uint32Array(4), 4, 0)).toThrow(/canonical/);
    const dens = random(16, 3);
    const claimed = random(4, 4);
    const reduce = (spec: number[], lifted: Uint32Array | null = random(16 * 4, 5), ldes: Uint32Array[] = [], coeffs: Uint32Array[] = [new Uint32Array(0)]) =>
      a.reducedQuotient(4, 31, lifted, 4, ldes, Int32Array.from(spec), coeffs, dens, claimed);
    expect(reduce([0, -1, 0, 0])).toHaveLength(64);
    expect(() => reduce([1, -1, 0, 0])).toThrow(/no lifted columns/);
    expect(() => reduce([0, -1, 0, 1])).toThrow(/no group/);
    expect(() => reduce([-1, 0, 2, 0], null, [random(31, 6)], [random(8, 7)])).toThrow(/no LDE/);
    expect(() => reduce([0, -1, 0, 0], random(60, 5))).toThrow(/lifted combinations/);
    expect(() => a.reducedQuotient(4, 31, null, 0, [], new Int32Array(0), [], random(15, 3), claimed)).toThrow(/malformed/);
    expect(() => a.reducedQuotient(4, 0, null, 0, [], new Int32Array(0), [], dens, claimed)).toThrow(/shift/);
  });
});
