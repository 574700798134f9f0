/**
 * What proving a compiled program costs, known before any run: compiled programs are straight-line (loops
 * unrolled), so every instruction runs exactly once and the rows of every chip follow from the instructions.
 * Cells are rows × committed width (main columns plus four per LogUp extension column); the committed cells add
 * zero-knowledge padding and quotient chunks, and divide into the estimate of proving time.
 */
import type { Program } from './program.ts';
import { machine, TABLE_NAMES } from './machine.ts';
import { quotientChunks, zkLogFactor } from '../proof/stark/system.ts';
import { paddedHeight } from './chips/chip.ts';
import { pow2Table } from './chips/mac.ts';
import { WIDE_OPS } from './buses.ts';
import type { Instruction } from './isa.ts';

/** A range of a program's instructions [from, to) and the clause (or part) they come from (compiler/codegen.ts). */
export interface ProgramRegion {
  readonly kind: string;
  readonly name: string;
  readonly at: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Committed cells per second of the TypeScript prover on a 2-core machine (bench/results/vm.json: 2^10 to 2^16
 * cycles prove at 0.5 to 0.55 M committed cells/s). An estimate, not a measurement of this machine.
 */
export const ESTIMATED_CELLS_PER_SECOND = 500_000;

const MUL_CODES = new Set<number>([WIDE_OPS.mul128, WIDE_OPS.mul32]);

export interface TableRows {
  readonly table: string;
  readonly used: number;
  readonly rows: number;
  readonly width: number;
  readonly cells: number;
}

export interface ProgramCost {
  readonly instructions: number;
  readonly cycles: number;
  readonly tables: readonly TableRows[];
  readonly cells: number;
  readonly committedCells: number;
  readonly estimatedProveSeconds: number;
  readonly clauses: readonly { readonly kind: string; readonly name: string; readonly at: string; readonly cycles: number; readonly cells: number }[];
}

/** Rows each table gets from these instructions (the range tables' fixed heights aside). */
function usedRows(instructions: readonly Instruction[]): number[] {
  let wideAdd = 0;
  let wideMul = 0;
  let hashes = 0;
  let merkle = 0;
  let macs = 0;
  let toBf16 = 0;
  for (const ins of instructions) {
    if (ins.op === 'tobf16') toBf16++;
    if (ins.op === 'wide') (MUL_CODES.has(ins.imm) ? wideMul++ : wideAdd++);
    if (ins.op === 'hash') hashes++;
    if (ins.op === 'merkle') merkle += ins.imm;
    if (ins.op === 'mac') macs++;
  }
  // In TABLE_NAMES order.
  return [instructions.length, instructions.length, 0, wideAdd, wideMul, hashes + merkle, merkle, 1 << 16, 1 << 8, macs, pow2Table.rows.length, toBf16];
}

export function programCost(program: Program, regions: readonly ProgramRegion[] = []): ProgramCost {
  if (program.instructions.some((i) => i.op === 'jump' || i.op === 'branch')) throw new Error('costs are static only for straight-line programs');
  const m = machine(program);
  const used = usedRows(program.instructions);
  if (used.length !== TABLE_NAMES.length) throw new Error('costs: the machine has tables this module does not count');
  used[2] = program.memorySize;
  const MIN_ROWS = 4;
  const fixed = new Set(['u16-range', 'byte-range', 'pow2']);
  const widths = m.system.tables.slice(0, m.tables.length).map((t) => t.analyzed.air.width + 4 * t.logup.auxWidth);
  let committed = 0;
  const byName = (name: string) => used[TABLE_NAMES.indexOf(name as (typeof TABLE_NAMES)[number])]!;
  const tables = m.tables.map((name, i) => {
    const u = byName(name);
    const rows = fixed.has(name) ? u : name === 'program-rom' ? paddedHeight(u, 2) : name === 'memory' ? Math.max(u, 2) : paddedHeight(u, MIN_ROWS);
    const t = m.system.tables[i]!;
    const z = zkLogFactor(m.system, Math.log2(rows));
    committed += 2 ** z * rows * (widths[i]! + 4 * quotientChunks(t.degree, z));
    return { table: name, used: u, rows, width: widths[i]!, cells: rows * widths[i]! };
  });
  const cells = tables.reduce((s, t) => s + t.cells, 0);
  // A clause's marginal cells: its CPU rows and the rows it adds to the wide and Poseidon2 chips.
  const clauses = regions.map((r) => {
    const slice = program.instructions.slice(r.from, r.to);
    const u = usedRows(slice);
    const marginal = (['cpu', 'wide-add', 'wide-mul', 'poseidon2', 'merkle', 'bf16-mac', 'f32-to-bf16'] as const).reduce((s, name) => {
      const i = m.tables.indexOf(name);
      return i < 0 ? s : s + u[TABLE_NAMES.indexOf(name)]! * widths[i]!;
    }, 0);
    return { kind: r.kind, name: r.name, at: r.at, cycles: slice.length, cells: marginal };
  });
  return {
    instructions: program.instructions.length,
    cycles: program.instructions.length,
    tables,
    cells,
    committedCells: committed,
    estimatedProveSeconds: Number((committed / ESTIMATED_CELLS_PER_SECOND).toFixed(1)),
    clauses,
  };
}
