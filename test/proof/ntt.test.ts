// NTT, inverse NTT, coset transforms and the coset low-degree extension, against naive O(n^2) evaluation.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as N from '../../runtime/proof/field/ntt.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { tsBackend } from '../../runtime/proof/backends/ts.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { evalPoly } from './oracle.ts';

const rng = Rng.fromSeed('test/proof/ntt');

/** The naive DFT: v_j = sum_i c_i (shift ω_n^j)^i. */
function naiveEval(coeffs: Uint32Array, shift = 1): Uint32Array {
  const n = coeffs.length;
  const w = F.rootOfUnity(Math.log2(n));
  const out = new Uint32Array(n);
  let x = shift;
  for (let j = 0; j < n; j++) {
    out[j] = evalPoly(coeffs, x);
    x = F.mul(x, w);
  }
  return out;
}

const arr = (v: Uint32Array) => Array.from(v);

describe('NTT', () => {
  it('matches the naive DFT for sizes 1 to 256', () => {
    for (let log = 0; log <= 8; log++) {
      const c = rng.fieldVector(1 << log);
      const v = c.slice();
      N.ntt(v);
      expect(arr(v)).toEqual(arr(naiveEval(c)));
    }
  });

  it('INTT(NTT(x)) = x and NTT(INTT(x)) = x up to 2^14', () => {
    for (let log = 0; log <= 14; log++) {
      const x = rng.fieldVector(1 << log);
      const y = x.slice();
      N.ntt(y);
      N.intt(y);
      expect(arr(y)).toEqual(arr(x));
      N.intt(y);
      N.ntt(y);
      expect(arr(y)).toEqual(arr(x));
    }
  });

  it('a 2^16-point transform agrees with direct evaluation at sampled points', () => {
    const c = rng.fieldVector(1 << 16);
    const v = c.slice();
    N.ntt(v);
    const w = F.rootOfUnity(16);
    for (const j of [0, 1, 2, 12345, 32768, 65535]) expect(v[j]).toBe(evalPoly(c, F.pow(w, j)));
  });

  it('the constant polynomial and the monomial X', () => {
    const c = new Uint32Array(8);
    c[0] = 5;
    N.ntt(c);
    expect(arr(c)).toEqual(new Array(8).fill(5));
    const x = new Uint32Array(8);
    x[1] = 1;
    N.ntt(x);
    expect(arr(x)).toEqual(arr(N.domainPoints(3)));
  });

  it('column transforms equal per-column transforms', () => {
    for (const width of [1, 2, 3, 8]) {
      const m = new Matrix(rng.fieldVector(width * 32), width);
      const t = m.clone();
      N.nttColumns(t.values, width);
      for (let c = 0; c < width; c++) {
        const col = m.column(c);
        N.ntt(col);
        expect(arr(t.column(c))).toEqual(arr(col));
      }
      N.inttColumns(t.values, width);
      expect(t.equals(m)).toBe(true);
    }
  });

  it('coset NTT evaluates on shift·H and coset INTT inverts it', () => {
    for (const log of [0, 1, 3, 6]) {
      const c = rng.fieldVector(1 << log);
      const v = c.slice();
      N.cosetNttColumns(v, 1, F.GENERATOR);
      expect(arr(v)).toEqual(arr(naiveEval(c, F.GENERATOR)));
      N.cosetInttColumns(v, 1, F.GENERATOR);
      expect(arr(v)).toEqual(arr(c));
    }
  });

  it('rejects sizes that are not powers of two and ragged matrices', () => {
    expect(() => N.ntt(new Uint32Array(3))).toThrow(RangeError);
    expect(() => N.ntt(new Uint32Array(0))).toThrow(RangeError);
    expect(() => N.nttColumns(new Uint32Array(10), 3)).toThrow(RangeError);
    expect(() => N.nttColumns(new Uint32Array(8), 0)).toThrow(RangeError);
    expect(() => N.cosetLde(new Uint32Array(4), 26)).toThrow(RangeError);
    expect(() => N.cosetLde(new Uint32Array(4), 1, 0)).toThrow(RangeError);
  });
});

describe('bit reversal', () => {
  it('reverseBits and bitReverseRows', () => {
    expect(N.reverseBits(1, 3)).toBe(4);
    expect(N.reverseBits(6, 3)).toBe(3);
    expect(N.reverseBits(1, 27)).toBe(2 ** 26);
    expect(N.reverseBits(0, 0)).toBe(0);
    expect(N.reverseBits(0x7ffffff, 27)).toBe(0x7ffffff);
    const v = Uint32Array.from({ length: 8 }, (_, i) => i);
    N.bitReverseRows(v);
    expect(arr(v)).toEqual([0, 4, 2, 6, 1, 5, 3, 7]);
    const m = Uint32Array.from({ length: 8 }, (_, i) => i);
    N.bitReverseRows(m, 2);
    expect(arr(m)).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
  });
});

describe('coset low-degree extension', () => {
  it('agrees with direct evaluation of the interpolant on shift·H_N (all sizes, blowups 1 to 16)', () => {
    for (const log of [0, 1, 2, 4, 6]) {
      for (const logBlowup of [0, 1, 2, 4]) {
        const n = 1 << log;
        const coeffs = rng.fieldVector(n); // a random polynomial of degree < n
        const evals = naiveEval(coeffs); // its values on H_n
        const lde = N.cosetLde(evals, logBlowup);
        expect(lde.length).toBe(n << logBlowup);
        const w = F.rootOfUnity(log + logBlowup);
        let x = F.GENERATOR;
        for (let j = 0; j < lde.length; j++) {
          expect(lde[j]).toBe(evalPoly(coeffs, x));
          x = F.mul(x, w);
        }
      }
    }
  });

  it('works column by column with any shift, and leaves its input untouched', () => {
    const width = 3;
    const n = 16;
    const cols = Array.from({ length: width }, () => rng.fieldVector(n));
    const m = Matrix.fromColumns(cols.map((c) => naiveEval(c)));
    const before = m.clone();
    const shift = 7;
    const lde = new Matrix(N.cosetLdeColumns(m.values, width, 2, shift), width);
    expect(m.equals(before)).toBe(true);
    expect(lde.height).toBe(4 * n);
    const pts = N.domainPoints(6, shift);
    for (let c = 0; c < width; c++) for (let j = 0; j < lde.height; j++) expect(lde.get(j, c)).toBe(evalPoly(cols[c]!, pts[j]!));
  });

  it('extends a low-degree polynomial: the coset interpolant of the LDE has degree < n', () => {
    const n = 64;
    const lde = N.cosetLde(naiveEval(rng.fieldVector(n)), 3);
    N.cosetInttColumns(lde, 1, F.GENERATOR);
    expect(lde.subarray(n).every((c) => c === 0)).toBe(true);
  });

  it('the TypeScript backend is the default and matches the module functions', () => {
    expect(new FriPcs(DEFAULT_PCS_PARAMS).backend.name).toBe('ts');
    const m = new Matrix(rng.fieldVector(4 * 32), 4);
    const lde = tsBackend.cosetLde(m, 1, F.GENERATOR);
    expect(arr(lde.values)).toEqual(arr(N.cosetLdeColumns(m.values, 4, 1)));
    const v = m.clone();
    tsBackend.nttColumns(v.values, 4);
    tsBackend.inttColumns(v.values, 4);
    expect(v.equals(m)).toBe(true);
    tsBackend.cosetNttColumns(v.values, 4, 5);
    tsBackend.cosetInttColumns(v.values, 4, 5);
    expect(v.equals(m)).toBe(true);
  });
});

describe('Matrix', () => {
  it('rows, columns, transpose, concatenation', () => {
    const m = Matrix.fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(m.height).toBe(2);
    expect(m.width).toBe(3);
    expect(arr(m.row(1))).toEqual([4, 5, 6]);
    expect(arr(m.column(2))).toEqual([3, 6]);
    expect(m.transpose().equals(Matrix.fromColumns([[1, 2, 3], [4, 5, 6]]))).toBe(true);
    const c = Matrix.concatColumns([m, Matrix.fromColumns([[7, 8]])]);
    expect(arr(c.row(0))).toEqual([1, 2, 3, 7]);
    m.setColumn(0, [9, 9]);
    expect(m.get(1, 0)).toBe(9);
    m.row(0)[1] = 0;
    expect(m.get(0, 1)).toBe(0);
    expect(m.isCanonical()).toBe(true);
    expect(() => m.get(2, 0)).toThrow(RangeError);
    expect(() => new Matrix(new Uint32Array(5), 2)).toThrow(RangeError);
    expect(() => Matrix.fromColumns([[1], [1, 2]])).toThrow(RangeError);
  });
});
