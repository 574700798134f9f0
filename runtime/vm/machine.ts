/**
 * The machine: the fixed set of chips as one STARK system per program, and proving and verifying an
 * execution.
 *
 * Tables, in order: program ROM (preprocessed: the program), CPU, memory (preprocessed: the initial memory),
 * wide add/sub/lt, wide mul, Poseidon2, Merkle paths, the byte range table, the BF16 multiply-accumulate chip and
 * its powers-of-two table (preprocessed, 32 rows), the f32 → bf16 conversion chip, the tensor-core chip (degree
 * budget 32, chips/mma.ts) and its seven lookup tables, the f32 adder (chips/fadd.ts) and its powers-of-two
 * table. The chips' 16-bit range checks are byte limbs (chips/byte-limbs.ts): no table of 2^16 rows, except in
 * the machine of a long program (usesU16Range: a run of at least 2^18 cycles, counted from the program), where
 * the 16-bit range table is the last table and the chips send their 16-bit checks to it as they are (a MAC
 * row 299 cells instead of 486, the CPU row 143 instead of 150). The system digest binds
 * the ROM's and the memory's commitments, so a proof is bound to one program; the program digest (BLAKE3 of
 * its canonical encoding, program.ts) is also the proof's first 16 public inputs, so the statement names the
 * program it is about.
 *
 * Public inputs: the program digest (16 half-words), then every public input word, then every public output
 * word (8 lanes each). The statement receives (k, word_k) on IO_BUS for each of them, which the CPU's `input`
 * and `output` instructions send: so each public input is read and each output written exactly once.
 */
import type { Pcs } from '../proof/pcs/types.ts';
import type { Air } from '../proof/air/air.ts';
import { FriPcs, type FriPcsProof } from '../proof/pcs/fri-pcs.ts';
import { DEFAULT_PCS_PARAMS } from '../proof/pcs/security.ts';
import { buildSystem, committedCells, quotientLogCap, type StarkSystem } from '../proof/stark/system.ts';
import { prove, type StarkProof } from '../proof/stark/prover.ts';
import { verify } from '../proof/stark/verifier.ts';
import type { Verdict } from '../proof/merkle/verify.ts';
import type { PublicMessage } from '../proof/air/logup.ts';
import type { Matrix } from '../proof/matrix.ts';
import { timed, type Profiler } from '../proof/profile.ts';
import { macRows } from './isa.ts';
import { IO_BUS, WORD } from './buses.ts';
import { digestPublics, DIGEST_PUBLICS, programDigest, type Program } from './program.ts';
import type { Execution } from './executor.ts';
import { isWord, type Word } from './word.ts';
import { cpuAir, cpuTrace } from './chips/cpu.ts';
import { programRomAir, romPreprocessed, romTrace } from './chips/program-rom.ts';
import { memoryAir, memoryPreprocessed, memoryTrace } from './chips/memory.ts';
import { wideAddChip, wideMulChip } from './chips/wide.ts';
import { POSEIDON2_DEGREE, poseidon2Chip, type Poseidon2Op } from './chips/poseidon2.ts';
import { merkleChip } from './chips/merkle.ts';
import { byteTable, RangeCounter, u16Table } from './chips/range.ts';
import { byteLimbs, type LimbedChip } from './chips/byte-limbs.ts';
import { macChip, macPow2Trace, pow2Table } from './chips/mac.ts';
import { toBf16Chip } from './chips/to-bf16.ts';
import { faddChip, faddPow2Trace, pow12Table } from './chips/fadd.ts';
import { MMA_MAX_DEGREE, MMA_TABLE_DEGREE, mmaGroups, mmaOperations, mmaVmTables, vmMmaAir, vmMmaTraces } from './chips/mma.ts';
import { executionCounts } from './loops.ts';

/**
 * The chips that range-check 16-bit values, as the machine proves them: each lookup on U16_BUS is two byte lookups
 * over a limb column appended to the chip's own (chips/byte-limbs.ts); vmTraces appends the limbs.
 */
export const LIMBED = {
  cpu: byteLimbs(cpuAir),
  wideAdd: byteLimbs(wideAddChip.air),
  wideMul: byteLimbs(wideMulChip.air),
  mac: byteLimbs(macChip.air),
  toBf16: byteLimbs(toBf16Chip.air),
  fadd: byteLimbs(faddChip.air),
} as const;

const limbedMmas = new Map<number, LimbedChip>();
/** The tensor-core chip with `groups` slots per row, its 16-bit checks as byte limbs. */
export function limbedMma(groups: number): LimbedChip {
  let chip = limbedMmas.get(groups);
  if (!chip) limbedMmas.set(groups, (chip = byteLimbs(vmMmaAir(groups))));
  return chip;
}

/** Dynamic tables are at least this tall (a table of one row has no transition to constrain). */
const MIN_ROWS = 4;

/**
 * Every table a machine can have, in order. A program's machine leaves out the precompiles it does not use
 * (tableNames): the BF16 MAC with its pow2 table without `mac`, `macl` or `macw`, the f32 → bf16 chip without `tobf16`.
 */
export const TABLE_NAMES = [
  'program-rom', 'cpu', 'memory', 'wide-add', 'wide-mul', 'poseidon2', 'merkle', 'byte-range', 'bf16-mac', 'pow2', 'f32-to-bf16',
  'bf16-mma', 'mma-t9', 'mma-r7', 'mma-e512', 'mma-norm', 'mma-hl-0', 'mma-hl-1', 'mma-hl-2', 'f32-add', 'pow2-12', 'u16-range',
] as const;

/** The tensor-core chip's tables after the chip itself (chips/fp/bf16-mma-tables.ts). */
const MMA_TABLES: readonly TableName[] = ['mma-t9', 'mma-r7', 'mma-e512', 'mma-norm', 'mma-hl-0', 'mma-hl-1', 'mma-hl-2'];

export type TableName = (typeof TABLE_NAMES)[number];

/** Whether a program uses the BF16 MAC precompile: only then does its machine include the MAC and pow2 tables. */
export function usesMac(program: Program): boolean {
  return program.instructions.some((i) => macRows(i.op) > 0);
}

/**
 * Runs at least this long (cycles counted from the program, loops.ts) prove their chips' 16-bit range checks
 * against the 2^16-row table rather than as byte limbs: the table's fixed ~0.7 M cells are then below what the
 * limbs cost (5 cells a check against 2: 187 cells a MAC row), and the segments such a run is proven in (2^16 to
 * 2^19 cycles as `zpol prove` chooses them) are about as tall as the table.
 */
export const U16_RANGE_MIN_CYCLES = 1 << 18;

const u16Range = new WeakMap<Program, boolean>();
/**
 * Whether `program`'s machine has the 16-bit range table (its chips' 16-bit checks go to it, not to byte limbs):
 * when its run is at least U16_RANGE_MIN_CYCLES long, counted from the program alone (a program whose control flow
 * is not bounded loops has byte limbs). The prover and the verifier derive the same answer.
 */
export function usesU16Range(program: Program): boolean {
  let uses = u16Range.get(program);
  if (uses === undefined) {
    let cycles = 0;
    try {
      for (const n of executionCounts(program)) cycles += n;
    } catch {
      cycles = 0;
    }
    uses = cycles >= U16_RANGE_MIN_CYCLES;
    u16Range.set(program, uses);
  }
  return uses;
}

/** A chip as `program`'s machine proves it: its 16-bit checks on the 16-bit table (usesU16Range) or as byte limbs. */
export function rangedAir(chip: LimbedChip, program: Program): Air {
  return usesU16Range(program) ? chip.plain : chip.air;
}

/** The chip's own trace (`trace`) as the machine proves it: with the byte limbs appended unless the machine has the 16-bit table. */
export function rangedTrace(chip: LimbedChip, program: Program, trace: Matrix): Matrix {
  return usesU16Range(program) ? trace : chip.extend(trace);
}

/** Whether a program uses `tobf16`: only then does its machine include the f32 → bf16 table. */
export function usesToBf16(program: Program): boolean {
  return program.instructions.some((i) => i.op === 'tobf16');
}

/** Whether a program uses `mma`: only then does its machine include the tensor-core chip and its tables. */
export function usesMma(program: Program): boolean {
  return program.instructions.some((i) => i.op === 'mma');
}

/** Whether a program uses `fadd`: only then does its machine include the f32 adder and its powers-of-two table. */
export function usesFadd(program: Program): boolean {
  return program.instructions.some((i) => i.op === 'fadd');
}

/** The f32 adder and its table (chips/fadd.ts). */
const FADD_TABLES: readonly TableName[] = ['f32-add', 'pow2-12'];

/**
 * Slots per row of the tensor-core chip of `program`'s machine: from the operations its `mma` instructions stream
 * as it runs, counted from the program alone (loops.ts: an `mma` in a bounded loop runs once per iteration); a
 * program with other control flow counts each `mma` once. The prover and the verifier derive the same number.
 */
export function machineMmaGroups(program: Program): number {
  let counts: Uint32Array | undefined;
  try {
    counts = executionCounts(program);
  } catch {
    counts = undefined;
  }
  return mmaGroups(mmaOperations(program.instructions, counts));
}

/**
 * The tables of `program`'s machine, in order: every chip, the MAC precompile's only when the program uses `mac`,
 * the f32 → bf16 chip only when it uses `tobf16`, the tensor-core chip and its tables only when it uses `mma`.
 */
export function tableNames(program: Program): readonly TableName[] {
  const mac = usesMac(program);
  const tob = usesToBf16(program);
  const mma = usesMma(program);
  const fadd = usesFadd(program);
  const u16 = usesU16Range(program);
  return TABLE_NAMES.filter(
    (t) =>
      (u16 || t !== 'u16-range') && (mac || (t !== 'bf16-mac' && t !== 'pow2')) && (tob || t !== 'f32-to-bf16') && (mma || (t !== 'bf16-mma' && !MMA_TABLES.includes(t))) && (fadd || !FADD_TABLES.includes(t)),
  );
}

export interface Machine<P> {
  readonly program: Program;
  readonly tables: readonly TableName[];
  readonly digest: Uint8Array;
  readonly system: StarkSystem<P>;
}

/** The STARK system that proves executions of `program`. */
export function machine<P = FriPcsProof>(program: Program, pcs?: Pcs<P>): Machine<P> {
  const digest = programDigest(program);
  const io = program.publicInputs + program.publicOutputs;
  const thePcs = pcs ?? (new FriPcs(DEFAULT_PCS_PARAMS) as unknown as Pcs<P>);
  const system = buildSystem('zpol-vm-1', machineTables(program, cpuTable(LIMBED.cpu, program), { air: memoryAir, preprocessed: memoryPreprocessed(program) }), thePcs, true, {
    publicInputs: DIGEST_PUBLICS + WORD * io,
    publicMessages: { buses: [IO_BUS], messages: (publics) => ioMessages(io, publics, DIGEST_PUBLICS) },
  });
  return { program, tables: tableNames(program), digest, system };
}

/**
 * The degree budget of the chips that send many bus messages a row (wide-add 49, wide-mul 77, f32 → bf16 13, the
 * MAC chip 129 with byte limbs and 70 on the 16-bit table, one more each with zero knowledge's blinding message):
 * a LogUp group of messages with linear fingerprints and a degree-1 multiplicity has degree 1 + its size, so 8
 * packs 7 messages into each extension column where the default 3 packs 2 (wide-add 26 → 8 LogUp columns, wide-mul
 * 39 → 12, the MAC chip 72 → 20 or 40 → 12; each costs 4 opened base values a query and 4 extension values at ζ). The chips' own constraints stay of
 * degree ≤ 3. The cost is the quotient: 7 chunks of n instead of 2 for a table tall enough for the small randomiser
 * (its coset 8n, the committed LDE at blowup 8, not 16n as degree 9 would need), and for a short (doubled) table a tall
 * quotient of one or two chunks (stark/system.ts zkLayout). Soundness: the LogUp bound counts fractions, not groups
 * (air/logup.ts); the DEEP and quotient terms read the system's degree (stark/security.ts).
 */
export const LOGUP_PACKED_DEGREE = 8;

/**
 * The degree budget of the CPU and the Merkle chip, which are the tallest tables of most proofs: 4 packs 3 LogUp
 * messages a column where 3 packs 2 (the CPU 14 → 10 LogUp columns, the Merkle chip 2 → 1), and a degree-4 quotient
 * (3n coefficients and the randomiser's slack) is still computed on the 4n coset a degree-3 one needs; it has one
 * chunk of n more (4 opened base columns against the CPU's 16 fewer).
 */
export const LOGUP_TALL_DEGREE = 4;

/**
 * The degree budget of the tensor-core chip's fixed lookup tables in a machine: MMA_TABLE_DEGREE (one LogUp fraction a
 * column) for the tall ones (mma-hl-*, 2^10 to 2^12 rows: a higher degree adds a quotient chunk for each column it
 * saves), 3 for those of at most 2^9 rows (mma-t9, -r7, -e512, -norm: two fractions a column, and their doubled
 * tables' quotient stays one tall chunk; 20 opened base columns fewer a query).
 */
function mmaTableDegree(rows: number): number {
  return rows <= 2 ** 9 ? 3 : MMA_TABLE_DEGREE;
}

/**
 * The CPU table of `program`'s machine (`chip` the whole run's CPU or a segment's), at LOGUP_TALL_DEGREE: the chip
 * as written, its 16-bit checks on the 16-bit table, in a long program's machine (usesU16Range), else with byte limbs.
 */
export function cpuTable(chip: LimbedChip, program: Program): MachineTable {
  return { air: rangedAir(chip, program), maxDegree: LOGUP_TALL_DEGREE };
}

/** A table of a machine's STARK system, as buildSystem takes it. */
export interface MachineTable {
  readonly air: Air;
  readonly preprocessed?: Matrix;
  readonly maxDegree?: number;
}

/**
 * The tables of `program`'s machine in the order of tableNames, with the CPU and memory chips given: a whole run's
 * (machine) or a segment's (segments.ts).
 */
export function machineTables(program: Program, cpu: MachineTable, memory: MachineTable): MachineTable[] {
  return [
    { air: programRomAir, preprocessed: romPreprocessed(program) },
    cpu,
    memory,
    { air: rangedAir(LIMBED.wideAdd, program), maxDegree: LOGUP_PACKED_DEGREE },
    { air: rangedAir(LIMBED.wideMul, program), maxDegree: LOGUP_PACKED_DEGREE },
    { air: poseidon2Chip.air, maxDegree: POSEIDON2_DEGREE },
    { air: merkleChip.air, maxDegree: LOGUP_TALL_DEGREE },
    { air: byteTable.air, preprocessed: byteTable.preprocessed() },
    // The MAC chip is ~300 columns that every query opens: a program without `mac` proves faster without it.
    ...(usesMac(program) ? [{ air: rangedAir(LIMBED.mac, program), maxDegree: LOGUP_PACKED_DEGREE }, { air: pow2Table.air, preprocessed: pow2Table.preprocessed() }] : []),
    ...(usesToBf16(program) ? [{ air: rangedAir(LIMBED.toBf16, program), maxDegree: LOGUP_PACKED_DEGREE }] : []),
    ...(usesMma(program)
      ? [{ air: rangedAir(limbedMma(machineMmaGroups(program)), program), maxDegree: MMA_MAX_DEGREE }, ...mmaVmTables().map((t) => ({ air: t.air, preprocessed: t.preprocessed(), maxDegree: mmaTableDegree(t.rows.length) }))]
      : []),
    ...(usesFadd(program)
      ? [{ air: rangedAir(LIMBED.fadd, program) }, { air: pow12Table.air, preprocessed: pow12Table.preprocessed() }]
      : []),
    ...(usesU16Range(program) ? [{ air: u16Table.air, preprocessed: u16Table.preprocessed() }] : []),
  ];
}

/**
 * The statement's messages on IO_BUS: (k, word_k) for each of the `io` public input and output words, their lanes
 * in `publics` from `offset`, received `received(k)` times (once each for a whole run; a segment's flag, segments.ts).
 */
export function ioMessages(io: number, publics: readonly number[], offset: number, received: (k: number) => number = () => 1): PublicMessage[] {
  const out: PublicMessage[] = [];
  for (let k = 0; k < io; k++) {
    const o = offset + WORD * k;
    out.push({ bus: IO_BUS, values: [k, ...publics.slice(o, o + WORD)], multiplicity: -received(k) });
  }
  return out;
}

/** The proof's public inputs for a program and its public input and output words. */
export function vmPublics(program: Program, inputs: readonly Word[], outputs: readonly Word[]): number[] {
  return [...digestPublics(programDigest(program)), ...inputs.flat(), ...outputs.flat()];
}

/** Every table's trace for an execution, in the order of tableNames(exec.program). */
export function vmTraces(exec: Execution): Matrix[] {
  return vmTracesWith(exec, { trace: memoryTrace(exec), poseidon2: [] });
}

/**
 * Every table's trace for an execution with the memory chip's trace given (a segment's, segments.ts) and the
 * Poseidon2 compressions that chip sends besides the execution's own.
 */
export function vmTracesWith(exec: Execution, memory: { readonly trace: Matrix; readonly poseidon2: readonly Poseidon2Op[] }): Matrix[] {
  const range = new RangeCounter();
  const program = exec.program;
  const u16 = usesU16Range(program);
  const cpu = cpuTrace(exec, range, MIN_ROWS);
  const halt = exec.steps[exec.steps.length - 1]!;
  const traces = [
    romTrace(exec.program, exec.pcCounts, halt.pc, cpu.height - exec.steps.length),
    rangedTrace(LIMBED.cpu, program, cpu),
    memory.trace,
    rangedTrace(LIMBED.wideAdd, program, wideAddChip.trace(exec.wide.filter((w) => !w.op.startsWith('mul')), range, MIN_ROWS)),
    rangedTrace(LIMBED.wideMul, program, wideMulChip.trace(exec.wide.filter((w) => w.op.startsWith('mul')), range, MIN_ROWS)),
    poseidon2Chip.trace(memory.poseidon2.length > 0 ? [...exec.poseidon2, ...memory.poseidon2] : exec.poseidon2, range, MIN_ROWS),
    merkleChip.trace(exec.merkle, range, MIN_ROWS),
  ];
  // The MAC, f32 → bf16, tensor-core and f32-add chips' range checks count before the byte table is laid out.
  const mac = usesMac(exec.program) ? macChip.trace(exec.mac, range, MIN_ROWS) : null;
  const tob = usesToBf16(exec.program) ? toBf16Chip.trace(exec.tobf16, range, MIN_ROWS) : null;
  const groups = usesMma(exec.program) ? machineMmaGroups(exec.program) : 0;
  const mma = groups > 0 ? vmMmaTraces(groups, exec.mma, range) : [];
  if (mma.length > 0) mma[0] = rangedTrace(limbedMma(groups), program, mma[0]!);
  const fadd = usesFadd(exec.program) ? faddChip.trace(exec.fadd, range, MIN_ROWS) : null;
  return [
    ...traces,
    u16 ? range.byteTrace() : range.limbedByteTrace(),
    ...(mac ? [rangedTrace(LIMBED.mac, program, mac), macPow2Trace(mac)] : []),
    ...(tob ? [rangedTrace(LIMBED.toBf16, program, tob)] : []),
    ...mma,
    ...(fadd ? [rangedTrace(LIMBED.fadd, program, fadd), faddPow2Trace(fadd)] : []),
    ...(u16 ? [range.u16Trace()] : []),
  ];
}

export interface VmProof<P> {
  readonly stark: StarkProof<P>;
  readonly publicInputs: readonly Word[];
  readonly publicOutputs: readonly Word[];
}

export function proveExecution<P>(m: Machine<P>, exec: Execution, options: { seed?: string | Uint8Array; skipChecks?: boolean; traces?: Matrix[]; profiler?: Profiler } = {}): VmProof<P> {
  if (exec.program !== m.program) throw new Error('the execution is of another program');
  const publics = vmPublics(m.program, exec.publicInputs, exec.publicOutputs);
  const traces = options.traces ?? timed(options.profiler, 'vm: traces', () => vmTraces(exec));
  const stark = prove(m.system, traces, publics, { seed: options.seed, skipChecks: options.skipChecks, profiler: options.profiler });
  return { stark, publicInputs: exec.publicInputs, publicOutputs: exec.publicOutputs };
}

/** Verifies a proof that `m.program`, on these public inputs, halts with these public outputs. */
export function verifyExecution<P>(m: Machine<P>, publicInputs: readonly Word[], publicOutputs: readonly Word[], stark: StarkProof<P>): Verdict {
  const { program } = m;
  if (publicInputs.length !== program.publicInputs || !publicInputs.every(isWord)) return { ok: false, error: `expected ${program.publicInputs} public input words` };
  if (publicOutputs.length !== program.publicOutputs || !publicOutputs.every(isWord)) return { ok: false, error: `expected ${program.publicOutputs} public output words` };
  // The digest the machine was built with (programDigest(program)), not hashed again at every verification.
  return verify(m.system, [...digestPublics(m.digest), ...publicInputs.flat(), ...publicOutputs.flat()], stark);
}

export interface TableCost {
  readonly table: string;
  /** Rows the execution fills (before padding), and the table's height. */
  readonly used: number;
  readonly rows: number;
  readonly width: number;
  /** Committed cells: height × (main + 4 × LogUp extension columns), before zero-knowledge randomization. */
  readonly cells: number;
  /** Cells including zero-knowledge padding and quotient chunks: what the prover commits. */
  readonly committedCells: number;
}

/** Rows and cells per table for an execution: the basis of `zpol info`. */
export function executionCosts<P>(m: Machine<P>, exec: Execution, traces = vmTraces(exec)): TableCost[] {
  const used = [
    exec.program.instructions.length,
    exec.steps.length,
    exec.program.memorySize,
    exec.wide.filter((w) => !w.op.startsWith('mul')).length,
    exec.wide.filter((w) => w.op.startsWith('mul')).length,
    exec.poseidon2.length,
    exec.merkle.reduce((s, op) => s + op.depth, 0),
    1 << 8,
    exec.mac.length,
    pow2Table.rows.length,
    exec.tobf16.length,
    exec.mma.reduce((s, op) => s + op.n, 0),
    ...mmaVmTables().map((t) => t.rows.length),
    exec.fadd.length,
    pow12Table.rows.length,
    1 << 16,
  ];
  const cap = quotientLogCap(m.system, traces.map((t) => Math.log2(t.height)));
  return traces.map((t, i) => {
    const info = m.system.tables[i]!;
    const width = info.analyzed.air.width + 4 * info.logup.auxWidth;
    const committed = committedCells(m.system, i, Math.log2(t.height), cap);
    return { table: m.tables[i]!, used: used[TABLE_NAMES.indexOf(m.tables[i]!)]!, rows: t.height, width, cells: t.height * width, committedCells: committed };
  });
}
