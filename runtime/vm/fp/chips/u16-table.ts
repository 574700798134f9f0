/**
 * The 16-bit range table: a preprocessed column t = 0..65535 and a main column m counting how often each t is
 * looked up. It receives (t) on the range bus with multiplicity m, so a chip proves `0 <= v < 2^16` by sending
 * (v). A chip proves `v < 2^k` (k < 16) by sending v·2^(16−k) as well.
 */
import { Matrix } from '../../../proof/matrix.ts';
import type { Air } from '../../../proof/air/air.ts';

export const U16_BUS = 16;
export const U16_LOG_HEIGHT = 16;

export const u16TableAir: Air = {
  name: 'u16-range',
  width: 1,
  preprocessedWidth: 1,
  publicInputs: 0,
  eval(b) {
    b.receive(U16_BUS, [b.pre(0)], b.main(0));
  },
};

let preprocessed: Matrix | null = null;

export function u16TablePreprocessed(): Matrix {
  preprocessed ??= new Matrix(Uint32Array.from({ length: 1 << U16_LOG_HEIGHT }, (_, i) => i), 1);
  return preprocessed;
}

/** The table's main column for the given looked-up values (each must lie in [0, 2^16)). */
export function u16TableTrace(lookups: Iterable<number>): Matrix {
  const counts = new Uint32Array(1 << U16_LOG_HEIGHT);
  for (const v of lookups) {
    if (!Number.isInteger(v) || v < 0 || v >= 1 << U16_LOG_HEIGHT) throw new RangeError(`range lookup of ${v} is outside [0, 65536)`);
    counts[v]!++;
  }
  return new Matrix(counts, 1);
}
