/**
 * What proving a compiled program costs, known before any run: compiled programs are straight-line but for
 * bounded loops whose counts are constants (executionCounts), so how often every instruction runs, and the rows
 * of every chip, follow from the instructions.
 * Cells are rows × committed width (main columns plus four per LogUp extension column); the committed cells add
 * zero-knowledge padding and quotient chunks, and divide into the estimate of proving time.
 */
import type { Program } from './program.ts';
import { machine, machineMmaGroups, tableNames, TABLE_NAMES, type Machine } from './machine.ts';
import { paddedHeight } from './chips/chip.ts';
import { pow2Table } from './chips/mac.ts';
import { pow12Table } from './chips/fadd.ts';
import { mmaVmTables } from './chips/mma.ts';
import { committedCells } from '../proof/stark/system.ts';
import { WIDE_OPS } from './buses.ts';
import { macRows, MMA_K, type Instruction } from './isa.ts';
import { executionCounts } from './loops.ts';
import { DEFAULT_SEGMENT_LOG, MAX_SEGMENTS } from './segments.ts';

export { executionCounts } from './loops.ts';

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

/**
 * The TypeScript prover's peak memory, bytes = PROVER_BASE_BYTES + PROVER_BYTES_PER_CELL · committed cells: the
 * line through bench/results/memory.json's measurements (the counting loop at 2^12 to 2^16 cycles: 508 MiB and
 * 52.5 bytes per committed cell), rounded up. An estimate for other programs (the cells account for the tables'
 * widths), known before a proof is started, so that `zpol prove` can refuse one this machine cannot hold (ZV307)
 * instead of running out of memory after minutes.
 */
export const PROVER_BASE_BYTES = 512 * 2 ** 20;
export const PROVER_BYTES_PER_CELL = 53;

export function estimatedProverBytes(committedCells: number): number {
  return PROVER_BASE_BYTES + PROVER_BYTES_PER_CELL * committedCells;
}

const MUL_CODES = new Set<number>([WIDE_OPS.mul128, WIDE_OPS.mul32]);

export interface TableRows {
  readonly table: string;
  readonly used: number;
  readonly rows: number;
  readonly width: number;
  readonly cells: number;
}

/** What one clause (a region of the program) adds: its cycles, the rows it adds to each chip, their cells. */
export interface ClauseCost {
  readonly kind: string;
  readonly name: string;
  readonly at: string;
  readonly cycles: number;
  /** Multiply-accumulates of the BF16 MAC chip (its rows: `order: sequential`). */
  readonly macs: number;
  /**
   * Products of the tensor-core chip: 16 per operation it streams, zero-padded lanes included (a dot product of K
   * terms takes ⌈K/16⌉ operations; the compute check's own count, samples × K, says how many are real).
   */
  readonly tensorCoreLanes: number;
  /** Rows the clause adds to each chip that grows with instructions (cpu, wide-add, wide-mul, poseidon2, merkle, bf16-mac, f32-to-bf16). */
  readonly rows: Readonly<Record<string, number>>;
  readonly cells: number;
  /** Its share of the proving time: its cells at the program's committed-to-main ratio, at ESTIMATED_CELLS_PER_SECOND. */
  readonly estimatedProveSeconds: number;
}

export interface ProgramCost {
  readonly instructions: number;
  readonly cycles: number;
  readonly tables: readonly TableRows[];
  readonly cells: number;
  readonly committedCells: number;
  /** At ESTIMATED_CELLS_PER_SECOND: the committed cells of the one proof, or of every segment's proof. */
  readonly estimatedProveSeconds: number;
  /** The prover's peak memory for this program, estimated (estimatedProverBytes). */
  readonly estimatedProverBytes: number;
  readonly clauses: readonly ClauseCost[];
  /**
   * The segment proofs a run of this program is proven in (1: one proof; runtime/vm/segments.ts) at `segmentCycles`
   * cycles a segment, and one segment's committed cells and prover memory, estimated: its share of every table that
   * grows with the cycles, the fixed tables, the whole memory chip and two Poseidon2 compressions per address (the
   * memory commitments). For one segment these are the whole proof's.
   */
  readonly segments: number;
  readonly segmentCycles: number;
  readonly segmentCommittedCells: number;
  readonly segmentProverBytes: number;
}

/** The tables whose rows grow with the cycles a proof runs, which segments share. */
const PER_CYCLE_TABLES = new Set(['cpu', 'wide-add', 'wide-mul', 'poseidon2', 'merkle', 'bf16-mac', 'f32-to-bf16', 'bf16-mma', 'f32-add']);

/** Rows each table gets from these instructions, each run `counts[i]` times (the range tables' fixed heights aside). */
function usedRows(instructions: readonly Instruction[], counts: ArrayLike<number>, offset = 0): number[] {
  let cycles = 0;
  let wideAdd = 0;
  let wideMul = 0;
  let hashes = 0;
  let merkle = 0;
  let macs = 0;
  let toBf16 = 0;
  let mma = 0;
  let fadd = 0;
  instructions.forEach((ins, i) => {
    const n = counts[offset + i]!;
    cycles += n;
    if (ins.op === 'mma') mma += n * ins.imm;
    if (ins.op === 'tobf16') toBf16 += n;
    if (ins.op === 'wide') (MUL_CODES.has(ins.imm) ? (wideMul += n) : (wideAdd += n));
    if (ins.op === 'hash') hashes += n;
    if (ins.op === 'merkle') merkle += n * ins.imm;
    macs += macRows(ins.op) * n;
    if (ins.op === 'fadd') fadd += n;
  });
  // In TABLE_NAMES order.
  return [instructions.length, cycles, 0, wideAdd, wideMul, hashes + merkle, merkle, 1 << 8, macs, pow2Table.rows.length, toBf16, mma, ...mmaVmTables().map((t) => t.rows.length), fadd, pow12Table.rows.length, 1 << 16];
}

/** Tables of fixed content (lookup tables): padded to a power of two, with no minimum. */
const FIXED_TABLES = new Set(['byte-range', 'u16-range', 'pow2', 'mma-t9', 'mma-r7', 'mma-e512', 'mma-norm', 'mma-hl-0', 'mma-hl-1', 'mma-hl-2', 'pow2-12']);

/** The rows table `name` is padded to when it gets `used` rows (`groups` tensor-core operations a row). */
function paddedRows(name: string, used: number, groups: number): number {
  const MIN_ROWS = 4;
  return FIXED_TABLES.has(name) ? paddedHeight(used)
    : name === 'program-rom' ? paddedHeight(used, 2)
    : name === 'memory' ? Math.max(used, 2)
    : name === 'bf16-mma' ? paddedHeight(Math.ceil(used / groups), MIN_ROWS)
    : paddedHeight(used, MIN_ROWS);
}

/**
 * The rows of each table of `program`'s machine (tableNames order), padded as the prover pads them: programCost's
 * rows without building the machine's STARK system (whose preprocessed commitment is most of the cost of building
 * it for a long program).
 */
export function programTableRows(program: Program): { readonly table: string; readonly rows: number }[] {
  const used = usedRows(program.instructions, executionCounts(program));
  used[2] = program.memorySize;
  const groups = machineMmaGroups(program);
  return tableNames(program).map((name) => ({ table: name, rows: paddedRows(name, used[TABLE_NAMES.indexOf(name)]!, groups) }));
}

/**
 * Rows, cells and committed cells of machine `m`'s tables when they get `used` rows (in TABLE_NAMES order): each
 * padded as the prover pads it, committed cells with the zero-knowledge padding and the quotient chunks; `groups`
 * tensor-core operations share a row of the tensor-core chip (machineMmaGroups).
 */
export function tablesCost(m: Machine<unknown>, used: readonly number[], groups = 1): { tables: TableRows[]; widths: number[]; cells: number; committed: number } {
  if (used.length !== TABLE_NAMES.length) throw new Error('costs: the machine has tables this module does not count');
  const widths = m.system.tables.slice(0, m.tables.length).map((t) => t.analyzed.air.width + 4 * t.logup.auxWidth);
  let committed = 0;
  const byName = (name: string) => used[TABLE_NAMES.indexOf(name as (typeof TABLE_NAMES)[number])]!;
  const tables = m.tables.map((name, i) => {
    const u = byName(name);
    const rows = paddedRows(name, u, groups);
    committed += committedCells(m.system, i, Math.log2(rows));
    return { table: name, used: u, rows, width: widths[i]!, cells: rows * widths[i]! };
  });
  return { tables, widths, cells: tables.reduce((s, t) => s + t.cells, 0), committed };
}

export function programCost(program: Program, regions: readonly ProgramRegion[] = [], segmentCycles = 2 ** DEFAULT_SEGMENT_LOG): ProgramCost {
  const counts = executionCounts(program);
  const m = machine(program);
  const used = usedRows(program.instructions, counts);
  used[2] = program.memorySize;
  const groups = machineMmaGroups(program);
  const { tables, widths, cells, committed } = tablesCost(m, used, groups);
  // A clause's marginal cells: its CPU rows and the rows it adds to the wide, Poseidon2, Merkle and FP chips.
  const clauses = regions.map((r): ClauseCost => {
    const slice = program.instructions.slice(r.from, r.to);
    const u = usedRows(slice, counts, r.from);
    const rows: Record<string, number> = {};
    let marginal = 0;
    for (const name of ['cpu', 'wide-add', 'wide-mul', 'poseidon2', 'merkle', 'bf16-mac', 'f32-to-bf16', 'bf16-mma', 'f32-add'] as const) {
      const i = m.tables.indexOf(name);
      // The tensor-core chip holds `groups` operations a row.
      const n = Math.ceil(u[TABLE_NAMES.indexOf(name)]! / (name === 'bf16-mma' ? groups : 1));
      if (i < 0 || n === 0) continue;
      rows[name] = n;
      marginal += n * widths[i]!;
    }
    const seconds = (marginal * (committed / cells)) / ESTIMATED_CELLS_PER_SECOND;
    return { kind: r.kind, name: r.name, at: r.at, cycles: u[1]!, macs: u[TABLE_NAMES.indexOf('bf16-mac')]!, tensorCoreLanes: MMA_K * u[TABLE_NAMES.indexOf('bf16-mma')]!, rows, cells: marginal, estimatedProveSeconds: Number(seconds.toFixed(1)) };
  });
  const segments = used[1]! <= segmentCycles ? 1 : Math.ceil(used[1]! / segmentCycles);
  let segmentCommitted = committed;
  if (segments > 1) {
    const share = used.map((u, i) => (PER_CYCLE_TABLES.has(TABLE_NAMES[i]!) ? Math.ceil(u / segments) : u));
    share[TABLE_NAMES.indexOf('cpu')] = segmentCycles;
    share[TABLE_NAMES.indexOf('poseidon2')]! += 2 * Math.max(program.memorySize, 2);
    segmentCommitted = tablesCost(m, share, groups).committed;
  }
  // Proven in segments, the time is every segment's (one trace of the whole run is not proven: it may not exist).
  const provenCells = segments > 1 ? segments * segmentCommitted : committed;
  return {
    segments,
    segmentCycles,
    segmentCommittedCells: segmentCommitted,
    segmentProverBytes: estimatedProverBytes(segmentCommitted),
    instructions: program.instructions.length,
    cycles: used[1]!,
    tables,
    cells,
    committedCells: committed,
    estimatedProveSeconds: Number((provenCells / ESTIMATED_CELLS_PER_SECOND).toFixed(1)),
    estimatedProverBytes: estimatedProverBytes(committed),
    clauses,
  };
}

/** The smallest segment `segmentCyclesWithin` chooses: below it a segment's fixed tables and memory commitments dominate. */
export const MIN_AUTO_SEGMENT_LOG = 12;

/**
 * The segment size a prover with `limitBytes` of memory proves `program` in when none is asked for: 2^DEFAULT_SEGMENT_LOG
 * cycles when the program runs in one proof or one such segment fits the limit, else the largest smaller power of two
 * (down to 2^MIN_AUTO_SEGMENT_LOG) whose segment fits and whose segments stay within MAX_SEGMENTS. Undefined when
 * none does (the prover then refuses at the default size, ZV307). A segment of half the cycles needs a little over
 * half the memory (its per-cycle rows halve, the fixed tables and the memory chip stay), so a dense program, one
 * whose segments hold many MAC rows, still proves within 16 GB.
 */
export function segmentCyclesWithin(program: Program, limitBytes: number): number | undefined {
  for (let log = DEFAULT_SEGMENT_LOG; log >= MIN_AUTO_SEGMENT_LOG; log--) {
    const cost = programCost(program, [], 2 ** log);
    if (cost.segments > MAX_SEGMENTS) return undefined;
    if ((cost.segments > 1 ? cost.segmentProverBytes : cost.estimatedProverBytes) <= limitBytes) return 2 ** log;
  }
  return undefined;
}
