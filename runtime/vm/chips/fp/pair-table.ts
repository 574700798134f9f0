/**
 * A preprocessed lookup table of pairs (x, y) on one bus, with a multiplicity column counting the lookups of each
 * pair: the powers-of-two table of the BF16 MAC, and the small-range and 2^k tables of the f32 arithmetic chips.
 * It is a tuple table (tuple-table.ts) of arity two; a pair listed twice is counted at its first row.
 */
import type { Air } from '../../../proof/air/air.ts';
import type { Matrix } from '../../../proof/matrix.ts';
import { tupleTable } from './tuple-table.ts';

export interface PairTable {
  readonly rows: readonly (readonly [number, number])[];
  readonly air: Air;
  preprocessed(): Matrix;
  /** The multiplicity column for the lookups `pairs`; throws on a pair that is not in the table. */
  trace(pairs: Iterable<readonly [number, number]>): Matrix;
}

export function pairTable(name: string, bus: number, rows: [number, number][]): PairTable {
  const table = tupleTable(name, [{ bus, columns: [0, 1] }], rows);
  return {
    rows,
    air: table.air,
    preprocessed: () => table.preprocessed(),
    trace: (pairs) => table.trace([pairs]),
  };
}
