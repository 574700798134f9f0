/**
 * The real lookup tables of the zkVM and the floating-point chips as the under-constraint checker's bus predicates
 * (runtime/proof/air/soundness): one BusTable per bus a chip looks up on, built from the tables the proofs use, so
 * the checker accepts exactly the messages the LogUp argument would.
 */
import * as F from '../proof/field/babybear.ts';
import { rangeBusTable, rowsBusTable, type BusTable } from '../proof/air/soundness/index.ts';
import { BYTE_BUS, PROGRAM_BUS, U16_BUS } from './buses.ts';
import { romPreprocessed } from './chips/program-rom.ts';
import type { Program } from './program.ts';
import type { TupleTable } from './chips/fp/tuple-table.ts';
import type { PairTable } from './chips/fp/pair-table.ts';
import { pow2Table } from './chips/fp/bf16-mac.ts';
import { pow12Table, smallRangeTable, POW12_BUS, SMALL_BUS } from './chips/fp/f32-arith-tables.ts';
import { dotTables } from './chips/fp/bf16-dot.ts';
import { mmaBusTables } from './chips/fp/bf16-mma-tables.ts';
import { usesFadd, usesMma, usesU16Range } from './machine.ts';

export const u16Bus: BusTable = rangeBusTable('u16-range', U16_BUS, 16);
export const byteBus: BusTable = rangeBusTable('byte-range', BYTE_BUS, 8);

/** Distinct rows, reduced into the field. */
function fieldRows(rows: readonly (readonly number[])[]): number[][] {
  const seen = new Map<string, number[]>();
  for (const r of rows) {
    const f = r.map(F.fromInt);
    seen.set(f.join(','), f);
  }
  return [...seen.values()];
}

/** One BusTable per bus of a tuple table, its rows as that bus reads them. */
export function tupleBusTables(table: TupleTable): BusTable[] {
  return table.buses.map((bus, i) => ({
    bus: bus.bus,
    name: `${table.name} (bus ${bus.bus})`,
    rows: fieldRows(table.rows.map((r) => bus.columns.map((c) => r[c]!))),
    has: (m: readonly number[]) => table.has(i, m),
  }));
}

export function pairBusTable(name: string, bus: number, table: PairTable): BusTable {
  return rowsBusTable(name, bus, fieldRows(table.rows));
}

let fp: BusTable[] | null = null;
/** Every lookup bus of the floating-point chips: the 16-bit range, powers of two, small ranges, the dot chip's tables. */
export function fpBusTables(): readonly BusTable[] {
  if (!fp) {
    const dot = dotTables();
    fp = [
      u16Bus,
      ...tupleBusTables(pow2Table),
      pairBusTable('small-range', SMALL_BUS, smallRangeTable),
      pairBusTable('pow2-12', POW12_BUS, pow12Table),
      ...[dot.dec, dot.spec, dot.align, dot.round, dot.exp, dot.small].flatMap(tupleBusTables),
    ];
  }
  return fp;
}

/** The program ROM of `program` as the CPU's fetch lookup. */
export function programBusTable(program: Program): BusTable {
  const rom = romPreprocessed(program);
  return rowsBusTable('program-rom', PROGRAM_BUS, fieldRows(Array.from({ length: rom.height }, (_, r) => [...rom.row(r)])));
}

/**
 * The zkVM's lookup buses for `program`: its ROM, the byte table (the chips' 16-bit checks are byte limbs in the
 * machine, chips/byte-limbs.ts; the 16-bit table as well in a long program's machine, machine.ts usesU16Range), the MAC's powers of two, the tensor-core chip's tables (one predicate per bus
 * across its three H/L tables), the f32 adder's powers of two (its small ranges are byte lookups).
 */
export function vmBusTables(program: Program): readonly BusTable[] {
  return [
    programBusTable(program),
    byteBus,
    ...(usesU16Range(program) ? [u16Bus] : []),
    ...tupleBusTables(pow2Table),
    ...(usesMma(program) ? mmaBusTables() : []),
    ...(usesFadd(program) ? [pairBusTable('pow2-12', POW12_BUS, pow12Table)] : []),
  ];
}
