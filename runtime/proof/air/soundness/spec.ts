/**
 * What the under-constraint checker is told about a chip and its lookup tables (see ./index.ts for what it does).
 *
 * A chip's soundness declaration says which of its cells the statement fixes (inputs), which carry its claim
 * (outputs), and which may legitimately take any value (free, each with a reason). A chip that talks to other
 * chips over a bus says which parts of those messages the other side fixes; everything else it sends or receives
 * there is its claim. Lookup buses are given as membership predicates over the real tables.
 */

/** Main columns, or a function of an honest row giving them (for row-dependent roles, e.g. per opcode). */
export type Columns = readonly number[] | ((row: ArrayLike<number>) => readonly number[]);

export interface FreeColumns {
  readonly columns: Columns;
  /** Why any value is fine: blinding, advice, an inactive row, … */
  readonly reason: string;
}

/**
 * A bus to other chips. On a row where an interaction's multiplicity is nonzero, the components listed in `sent`
 * (for this chip's sends) or `received` (for its receives) are fixed by the other side; the other components are
 * what this chip claims (outputs). The multiplicity itself is fixed by the bus balance.
 */
export interface ClaimBus {
  readonly bus: number;
  readonly sent?: readonly number[];
  readonly received?: readonly number[];
}

export interface ChipSoundness {
  /** Columns fixed by the statement (the claim's operands). */
  readonly inputs: Columns;
  /** Columns that carry the chip's result. */
  readonly outputs: Columns;
  readonly claims?: readonly ClaimBus[];
  readonly free?: readonly FreeColumns[];
}

/** A lookup table as one bus reads it. */
export interface BusTable {
  readonly bus: number;
  readonly name: string;
  /** Whether `message` (field elements) is a row of the table. */
  has(message: readonly number[]): boolean;
  /** The rows (field elements) when they can be listed, for solving a message's unknown values from its known ones. */
  readonly rows?: readonly (readonly number[])[];
  /** For a range table: a message is one value in [0, 2^bits). */
  readonly rangeBits?: number;
}

/** The range table on `bus`: one value in [0, 2^bits). */
export function rangeBusTable(name: string, bus: number, bits: number): BusTable {
  const size = 2 ** bits;
  return { bus, name, rangeBits: bits, has: (m) => m.length === 1 && m[0]! < size };
}

/** A table given by its rows (field elements) on `bus`. */
export function rowsBusTable(name: string, bus: number, rows: readonly (readonly number[])[]): BusTable {
  // Indexed by the first value; a message is compared with the few rows that share it.
  const byFirst = new Map<number, (readonly number[])[]>();
  for (const r of rows) {
    const list = byFirst.get(r[0]!);
    if (list) list.push(r);
    else byFirst.set(r[0]!, [r]);
  }
  const has = (m: readonly number[]) => (byFirst.get(m[0]!) ?? []).some((r) => r.length === m.length && r.every((v, i) => v === m[i]));
  return { bus, name, rows, has };
}

/** The cells of `columns` for an honest row. */
export function columnsOf(columns: Columns, row: ArrayLike<number>): readonly number[] {
  return typeof columns === 'function' ? columns(row) : columns;
}
