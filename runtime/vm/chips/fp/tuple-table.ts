/**
 * A preprocessed lookup table whose rows are tuples of field elements, received on one or more buses: each bus
 * reads some of the tuple's columns (a prefix or any subset) and has its own multiplicity column, so one table can
 * answer "v < 2^k" on one bus and "v < 2^k, and is v zero?" on another. A tuple listed twice (padding rows repeat
 * a real one) is counted at its first row. Values may be negative integers; they are taken mod p.
 */
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import { Matrix } from '../../../proof/matrix.ts';
import { fromInt } from '../../../proof/field/babybear.ts';

export interface TupleBus {
  readonly bus: number;
  /** The tuple columns this bus's messages carry, in message order. */
  readonly columns: readonly number[];
}

export interface TupleTable {
  readonly name: string;
  readonly rows: readonly (readonly number[])[];
  readonly buses: readonly TupleBus[];
  readonly air: Air;
  preprocessed(): Matrix;
  /**
   * The multiplicity columns: `lookups[i]` are the messages of bus i (field elements or integers); throws on a
   * message that is no row of the table.
   */
  trace(lookups: readonly Iterable<readonly number[]>[]): Matrix;
  /** Whether `message` is a row of the table as bus `busIndex` reads it. */
  has(busIndex: number, message: readonly number[]): boolean;
}

const keyOf = (values: readonly number[]): string => values.map(fromInt).join(',');

export function tupleTable(name: string, buses: readonly TupleBus[], rows: readonly (readonly number[])[]): TupleTable {
  const arity = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== arity)) throw new RangeError(`${name}: rows of different lengths`);
  const indexes = buses.map((bus) => {
    const index = new Map<string, number>();
    rows.forEach((r, i) => {
      const key = keyOf(bus.columns.map((c) => r[c]!));
      if (!index.has(key)) index.set(key, i);
    });
    return index;
  });
  let pre: Matrix | null = null;
  return {
    name,
    rows,
    buses,
    air: {
      name,
      width: buses.length,
      preprocessedWidth: arity,
      publicInputs: 0,
      eval(b: AirBuilder) {
        buses.forEach((bus, i) =>
          b.receive(
            bus.bus,
            bus.columns.map((c) => b.pre(c)),
            b.main(i),
          ),
        );
      },
    },
    preprocessed(): Matrix {
      pre ??= Matrix.fromRows(rows.map((r) => r.map(fromInt)));
      return pre;
    },
    trace(lookups) {
      const width = buses.length;
      const counts = new Uint32Array(rows.length * width);
      lookups.forEach((messages, bi) => {
        for (const m of messages) {
          const i = indexes[bi]!.get(keyOf(m));
          if (i === undefined) throw new RangeError(`${name}: lookup of (${m.join(', ')}) on bus ${buses[bi]!.bus} is not in the table`);
          counts[i * width + bi]!++;
        }
      });
      return new Matrix(counts, width);
    },
    has: (busIndex, message) => indexes[busIndex]!.has(keyOf(message)),
  };
}
