/**
 * A range table: a preprocessed column t = 0..2^bits − 1 and a main column m counting how often each t is looked
 * up. It receives (t) on its bus with multiplicity m, so any table proves 0 <= v < 2^bits by sending (v) on that
 * bus; the LogUp balance fails for a value outside the range.
 */
import { Matrix } from '../matrix.ts';
import type { Air } from './air.ts';

export interface RangeTable {
  readonly air: Air;
  readonly bits: number;
  readonly bus: number;
  /** The preprocessed column (computed once). */
  preprocessed(): Matrix;
  /** The main column: how often each value of `lookups` occurs. Throws on a value outside the range. */
  trace(lookups: Iterable<number>): Matrix;
}

export function rangeTable(name: string, bits: number, bus: number): RangeTable {
  const size = 2 ** bits;
  let pre: Matrix | null = null;
  return {
    bits,
    bus,
    air: {
      name,
      width: 1,
      preprocessedWidth: 1,
      publicInputs: 0,
      eval(b) {
        b.receive(bus, [b.pre(0)], b.main(0));
      },
    },
    preprocessed() {
      pre ??= new Matrix(Uint32Array.from({ length: size }, (_, i) => i), 1);
      return pre;
    },
    trace(lookups) {
      const counts = new Uint32Array(size);
      for (const v of lookups) {
        if (!Number.isInteger(v) || v < 0 || v >= size) throw new RangeError(`${name}: lookup of ${v} is outside [0, ${size})`);
        counts[v]!++;
      }
      return new Matrix(counts, 1);
    },
  };
}
