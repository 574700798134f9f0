/**
 * A preprocessed lookup table of pairs (x, y) on one bus, with a multiplicity column counting the lookups of each
 * pair: the powers-of-two table of the BF16 MAC, and the small-range and 2^k tables of the f32 arithmetic chips.
 * A pair listed twice (padding rows repeat a real one) is counted at its first row.
 */
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import { Matrix } from '../../../proof/matrix.ts';

export interface PairTable {
  readonly rows: readonly (readonly [number, number])[];
  readonly air: Air;
  preprocessed(): Matrix;
  /** The multiplicity column for the lookups `pairs`; throws on a pair that is not in the table. */
  trace(pairs: Iterable<readonly [number, number]>): Matrix;
}

export function pairTable(name: string, bus: number, rows: [number, number][]): PairTable {
  const index = new Map<string, number>();
  rows.forEach(([x, y], i) => {
    const key = `${x},${y}`;
    if (!index.has(key)) index.set(key, i);
  });
  return {
    rows,
    air: {
      name,
      width: 1,
      preprocessedWidth: 2,
      publicInputs: 0,
      eval(b: AirBuilder) {
        b.receive(bus, [b.pre(0), b.pre(1)], b.main(0));
      },
    } as Air,
    preprocessed(): Matrix {
      return Matrix.fromRows(rows);
    },
    trace(pairs: Iterable<readonly [number, number]>): Matrix {
      const counts = new Uint32Array(rows.length);
      for (const [x, y] of pairs) {
        const i = index.get(`${x},${y}`);
        if (i === undefined) throw new RangeError(`${name}: lookup of (${x}, ${y}) is not in the table`);
        counts[i]!++;
      }
      return new Matrix(counts, 1);
    },
  };
}
