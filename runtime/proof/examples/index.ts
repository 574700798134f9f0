/**
 * Sample AIRs: small tables that exercise each feature of the STARK (transition and boundary constraints,
 * public inputs, preprocessed columns, lookups, a bus between tables of different heights). Tests and
 * benchmarks prove them; they also show how an AIR is written.
 */
import * as F from '../field/babybear.ts';
import { Matrix } from '../matrix.ts';
import type { Air, AirBuilder } from '../air/air.ts';
import { rangeTable } from '../air/range-table.ts';

/** Fibonacci: columns (a, b); a₀, b₀ and the last b are public inputs 0, 1, 2; (a, b) → (b, a + b). */
export const fibonacciAir: Air = {
  name: 'fibonacci',
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 3,
  eval(b: AirBuilder) {
    const [a, bb] = [b.main(0), b.main(1)];
    b.assertZero(b.isFirstRow.mul(a.sub(b.public(0))), 'a starts at public 0');
    b.assertZero(b.isFirstRow.mul(bb.sub(b.public(1))), 'b starts at public 1');
    b.assertZero(b.isTransition.mul(b.mainNext(0).sub(bb)), 'next a is b');
    b.assertZero(b.isTransition.mul(b.mainNext(1).sub(a).sub(bb)), 'next b is a + b');
    b.assertZero(b.isLastRow.mul(bb.sub(b.public(2))), 'b ends at public 2');
  },
};

export function fibonacciTrace(logHeight: number, a0 = 0, b0 = 1): { trace: Matrix; publics: number[] } {
  const n = 1 << logHeight;
  const rows: number[][] = [];
  let [a, b] = [a0, b0];
  for (let i = 0; i < n; i++) {
    rows.push([a, b]);
    [a, b] = [b, F.add(a, b)];
  }
  return { trace: Matrix.fromRows(rows), publics: [a0, b0, rows[n - 1]![1]!] };
}

export const RANGE_BUS = 1;

/** The byte table (air/range-table.ts): receives (t) for t = 0..255 from the range bus. */
export const byteTable = rangeTable('bytes', 8, RANGE_BUS);

/**
 * A 16-bit range check: columns (x, lo, hi) with x = lo + 256·hi, and both bytes looked up in the byte table.
 */
export const u16Air: Air = {
  name: 'u16',
  width: 3,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    const [x, lo, hi] = [b.main(0), b.main(1), b.main(2)];
    b.assertEq(x, lo.add(hi.mul(256)), 'x = lo + 256 hi');
    b.send(RANGE_BUS, [lo]);
    b.send(RANGE_BUS, [hi]);
  },
};

export function u16Trace(values: readonly number[]): Matrix {
  return Matrix.fromRows(values.map((x) => [x, x & 0xff, x >>> 8]));
}

export const PAIR_BUS = 2;

/** Sends (i, i² + c) for each row i, where c is the preprocessed-free public input 0. */
export const squaresAir: Air = {
  name: 'squares',
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 1,
  eval(b) {
    const [i, sq] = [b.main(0), b.main(1)];
    b.assertZero(b.isFirstRow.mul(i), 'i starts at 0');
    b.assertZero(b.isTransition.mul(b.mainNext(0).sub(i).sub(1)), 'i counts up');
    b.assertEq(sq, i.mul(i).add(b.public(0)), 'sq = i² + c');
    b.send(PAIR_BUS, [i, sq]);
  },
};

export function squaresTrace(logHeight: number, c: number): Matrix {
  return Matrix.fromRows(Array.from({ length: 1 << logHeight }, (_, i) => [i, F.add(F.mul(i, i), c)]));
}

/** Receives pairs (k, v) with multiplicity `used` ∈ {0, 1}: a taller table that consumes the squares. */
export const consumerAir: Air = {
  name: 'consumer',
  width: 3,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    const [k, v, used] = [b.main(0), b.main(1), b.main(2)];
    b.assertBool(used, 'used is 0 or 1');
    b.receive(PAIR_BUS, [k, v], used);
  },
};

/** Consumer rows: every square (k, k² + c) for k < count, once, then unused filler rows. */
export function consumerTrace(logHeight: number, count: number, c: number): Matrix {
  return Matrix.fromRows(
    Array.from({ length: 1 << logHeight }, (_, r) => (r < count ? [r, F.add(F.mul(r, r), c), 1] : [r, 7, 0])),
  );
}

/** A table whose constraint reads a preprocessed column: y = 3·x + t with t fixed per row. */
export const affineAir: Air = {
  name: 'affine',
  width: 2,
  preprocessedWidth: 1,
  publicInputs: 0,
  eval(b) {
    b.assertEq(b.main(1), b.main(0).mul(3).add(b.pre(0)), 'y = 3x + t');
    b.assertEq(b.preNext(0).mul(b.isTransition), b.pre(0).add(5).mul(b.isTransition), 't steps by 5');
  },
};

export function affinePreprocessed(logHeight: number): Matrix {
  return Matrix.fromColumns([Array.from({ length: 1 << logHeight }, (_, i) => 5 * i)]);
}

export function affineTrace(logHeight: number, seed = 1): Matrix {
  return Matrix.fromRows(
    Array.from({ length: 1 << logHeight }, (_, i) => {
      const x = (i * 7919 + seed) % 1000;
      return [x, F.add(F.mul(3, x), 5 * i)];
    }),
  );
}

/**
 * A private sum: column x holds private values, acc their running sum; the total is public input 0. Different
 * witnesses with the same total prove the same statement, which is what the zero-knowledge test compares.
 */
export const privateSumAir: Air = {
  name: 'private-sum',
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 1,
  eval(b) {
    const [x, acc] = [b.main(0), b.main(1)];
    b.assertZero(b.isFirstRow.mul(acc.sub(x)), 'acc starts at x');
    b.assertZero(b.isTransition.mul(b.mainNext(1).sub(acc).sub(b.mainNext(0))), 'acc adds the next x');
    b.assertZero(b.isLastRow.mul(acc.sub(b.public(0))), 'acc ends at the public total');
  },
};

export function privateSumTrace(values: readonly number[]): { trace: Matrix; publics: number[] } {
  let acc = 0;
  const rows = values.map((x) => {
    acc = F.add(acc, x);
    return [x, acc];
  });
  return { trace: Matrix.fromRows(rows), publics: [acc] };
}

/**
 * A table of configurable width for benchmarks: each column follows next = cur · (right neighbour) + c, a
 * degree-2 transition that touches every cell, and column 0 starts at public input 0.
 */
export function wideAir(width: number): Air {
  return {
    name: `wide-${width}`,
    width,
    preprocessedWidth: 0,
    publicInputs: 1,
    eval(b) {
      b.assertZero(b.isFirstRow.mul(b.main(0).sub(b.public(0))), 'column 0 starts at public 0');
      for (let c = 0; c < width; c++) {
        const next = b.main(c).mul(b.main((c + 1) % width)).add(c);
        b.assertZero(b.isTransition.mul(b.mainNext(c).sub(next)), `column ${c} steps`);
      }
    },
  };
}

export function wideTrace(logHeight: number, width: number, start = 3): { trace: Matrix; publics: number[] } {
  const n = 1 << logHeight;
  const values = new Uint32Array(n * width);
  for (let c = 0; c < width; c++) values[c] = c === 0 ? start : (c * 7919 + 1) % F.P;
  for (let r = 1; r < n; r++) {
    const prev = (r - 1) * width;
    for (let c = 0; c < width; c++) values[r * width + c] = F.add(F.mul(values[prev + c]!, values[prev + ((c + 1) % width)]!), c);
  }
  return { trace: new Matrix(values, width), publics: [start] };
}
