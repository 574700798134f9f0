/**
 * Lookup tables for the element-wise non-linearities of a BF16 network (runtime/fp/nonlinear.ts: GELU, SiLU and the
 * exp that softmax uses). A chip proves y = f(x) for a bf16 input x by sending (fn, x, y) on NONLINEAR_BUS; the
 * table of f receives (fn, x, f(x)) for all 65,536 bf16 bit patterns x, preprocessed, with a multiplicity column.
 * See docs/fp.md, "Lookup tables for non-linearities".
 *
 * **The tables.** One table per function, each of exactly 2^16 rows (no padding): preprocessed columns (x, y)
 * with x = the row index, y = f(x), and one main column m, the multiplicity. It receives (fn, x, y) on
 * NONLINEAR_BUS with multiplicity m, fn the function's constant id (NONLINEAR_FN). One table per function rather
 * than one table of all three (196,608 rows padded to 2^18 = 262,144): the three together have 25% fewer rows,
 * and a machine includes only the tables its program uses (a softmax-only program proves 2^16 rows, not 2^18).
 * The message still carries fn, so all three share one bus and one message shape.
 */
import { Matrix } from '../../../proof/matrix.ts';
import type { Air } from '../../../proof/air/air.ts';
import { nonlinearValues, type NonlinearFn } from '../../../fp/nonlinear.ts';

/** The bus the non-linearity tables receive on: (fn, x, y), the claim y = f(x) for the function with id fn. */
export const NONLINEAR_BUS = 39;

/** The function ids, as the fn field of a NONLINEAR_BUS message. */
export const NONLINEAR_FN = { gelu: 1, silu: 2, exp: 3 } as const satisfies Readonly<Record<NonlinearFn, number>>;

/** A claim y = fn(x), x and y bf16 patterns: the message (NONLINEAR_FN[fn], x, y) on NONLINEAR_BUS. */
export interface NonlinearLookup {
  readonly fn: NonlinearFn;
  readonly x: number;
  readonly y: number;
}

export interface NonlinearTable {
  readonly fn: NonlinearFn;
  /** NONLINEAR_FN[fn], the first value of every message the table receives. */
  readonly fnId: number;
  readonly bus: number;
  /** 1 main column (the multiplicity m), 2 preprocessed (x, y); receives (fnId, x, y) with multiplicity m. */
  readonly air: Air;
  /** 65,536 rows (x, fn(x)), row x; built once. */
  preprocessed(): Matrix;
  /**
   * The multiplicity column: how often each x is looked up. Throws on a lookup of another function, an x that
   * is not a 16-bit pattern, or a wrong y (a claim no table row answers).
   */
  trace(lookups: Iterable<NonlinearLookup>): Matrix;
}

export const NONLINEAR_TABLE_HEIGHT = 65536;

function makeTable(fn: NonlinearFn): NonlinearTable {
  const fnId = NONLINEAR_FN[fn];
  const name = `${fn}-bf16-table`;
  let pre: Matrix | null = null;
  return {
    fn,
    fnId,
    bus: NONLINEAR_BUS,
    air: {
      name,
      width: 1,
      preprocessedWidth: 2,
      publicInputs: 0,
      eval(b) {
        b.receive(NONLINEAR_BUS, [b.constant(fnId), b.pre(0), b.pre(1)], b.main(0));
      },
    },
    preprocessed() {
      if (!pre) {
        const ys = nonlinearValues(fn);
        const v = new Uint32Array(2 * NONLINEAR_TABLE_HEIGHT);
        for (let x = 0; x < NONLINEAR_TABLE_HEIGHT; x++) {
          v[2 * x] = x;
          v[2 * x + 1] = ys[x]!;
        }
        pre = new Matrix(v, 2);
      }
      return pre;
    },
    trace(lookups) {
      const ys = nonlinearValues(fn);
      const counts = new Uint32Array(NONLINEAR_TABLE_HEIGHT);
      for (const l of lookups) {
        if (l.fn !== fn) throw new RangeError(`${name}: a lookup of ${l.fn}`);
        if (!Number.isInteger(l.x) || l.x < 0 || l.x >= NONLINEAR_TABLE_HEIGHT) throw new RangeError(`${name}: x = ${l.x} is not a bf16 pattern`);
        if (l.y !== ys[l.x]) throw new RangeError(`${name}: ${fn}(0x${l.x.toString(16)}) is 0x${ys[l.x]!.toString(16)}, not ${l.y}`);
        counts[l.x]!++;
      }
      return new Matrix(counts, 1);
    },
  };
}

export const geluTable: NonlinearTable = makeTable('gelu');
export const siluTable: NonlinearTable = makeTable('silu');
export const expTable: NonlinearTable = makeTable('exp');
export const NONLINEAR_TABLES: Readonly<Record<NonlinearFn, NonlinearTable>> = { gelu: geluTable, silu: siluTable, exp: expTable };

/** The multiplicity columns of all three tables for a mixed list of lookups. */
export function nonlinearTraces(lookups: Iterable<NonlinearLookup>): Record<NonlinearFn, Matrix> {
  const by: Record<NonlinearFn, NonlinearLookup[]> = { gelu: [], silu: [], exp: [] };
  for (const l of lookups) {
    if (!(l.fn in by)) throw new RangeError(`nonlinear: unknown function ${String(l.fn)}`);
    by[l.fn].push(l);
  }
  return { gelu: geluTable.trace(by.gelu), silu: siluTable.trace(by.silu), exp: expTable.trace(by.exp) };
}
