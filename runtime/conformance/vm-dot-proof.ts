/**
 * Proving a bf16_dot conformance file (conformance/README.md) with the zkVM's BF16 MAC precompile:
 * one VM program computes every dot product of the file with `mac` in the file's sequential order, asserts that
 * each final accumulator equals the file's `ACC` and that its rounding to bf16 (`tobf16`) equals the file's `OUT`,
 * both taken as public inputs (so the verifier checks the proof against the file's values, not against values the
 * prover chose). The program is executed, proven with the default FRI PCS (runtime/vm/machine.ts) and verified.
 *
 * The program, for dot product j (in file order), unrolled:
 *
 *   read  acc            the initial accumulator, +0, from the private tape
 *   read  pair; mac acc, pair, acc        once per term k: pair = (A_k, B_k), acc ← fma(A_k, B_k, acc)
 *   input want, j        the file's ACC (public input j)
 *   assertEq acc, want
 *   tobf16 out, acc      acc rounded to bf16, nearest even
 *   input wantOut, J + j the file's OUT (public input J + j, J dot products in all)
 *   assertEq out, wantOut
 *
 * NaN: the precompile returns the canonical quiet NaN 0x7FC00000 for every NaN result, and the file's NaNs carry
 * SoftFloat's payloads; a NaN result conforms by class (README), so where the file expects a NaN and the reference
 * (bf16Dot) gives one, the public input is the canonical NaN — as the bf16_mac chip spec does
 * (runtime/conformance/chip-proof.ts); likewise a NaN `OUT` is the canonical bf16 NaN 0x7FC0 that `tobf16` gives.
 * Every other expected value is the file's, bit for bit.
 *
 * Cells per MAC (`cellsPerMac`) is (the committed cells that the MACs are charged for) / (number of MACs), where
 * the committed cells of a table are executionCosts' `committedCells` (zero-knowledge extension and quotient chunks
 * included) and a table's committed cells per row are those divided by its height. The MACs are charged for:
 *   - cpu: the CPU rows of the `mac` instructions (one per MAC), at the CPU's committed cells per row;
 *   - program-rom: the ROM rows of the `mac` instructions (the program is unrolled: one per MAC);
 *   - bf16-mac: the whole MAC chip table, its padding rows included;
 *   - pow2: the whole powers-of-two table (only the MAC chip looks up into it);
 *   - byte-range: the byte table in proportion to lookups: the MAC chip's own (two byte limbs for each of its 59
 *     16-bit range checks per row, padding rows included, chips/byte-limbs.ts) plus the `mac` CPU rows' share of the
 *     CPU's (the CPU's byte lookups × mac rows / CPU height), over all lookups into the table. The 16-bit checks'
 *     limb columns are in the CPU's and the MAC chip's own rows.
 * Not included: the `read` rows that bring each pair and initial accumulator in, the `input`, `assertEq` and
 * `tobf16` rows and their ROM rows (reported separately as `ioCellsPerMac`: I/O, rounding and checking of this
 * conformance program, not the MAC), the f32-to-bf16 table, and the memory table (one row per address, not per
 * access: its size does not grow with the MACs).
 */
import type { ProofBackend } from '../proof/backend.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../proof/pcs/index.ts';
import { Assembler } from '../vm/assembler.ts';
import { execute, VmError, type Execution } from '../vm/executor.ts';
import { executionCosts, machine, proveExecution, verifyExecution, vmTraces, type TableCost } from '../vm/machine.ts';
import { bf16PairWord, f32Word } from '../vm/chips/mac.ts';
import type { Program } from '../vm/program.ts';
import type { Word } from '../vm/word.ts';
import type { Matrix } from '../proof/matrix.ts';
import { encodeStarkProof } from '../proof/stark/codec.ts';
import { starkSecurity } from '../proof/stark/security.ts';
import { encodeFriPcsProof } from '../proof/pcs/index.ts';
import { dotVectors, type DotVector } from './dot-chip-proof.ts';
import { macRangeLookups } from '../vm/chips/fp/bf16-mac.ts';
import { rangeLookups as toBf16RangeLookups } from '../vm/chips/fp/f32-to-bf16.ts';

/** At most this many dot products of a file are proven by default (the first ones, in file order). */
export const DOT_PROOF_MAX_VECTORS = 64;

/** One dot product as the program checks it: its operands and the file's ACC and OUT (NaNs made canonical). */
export type DotCase = DotVector;

/** The first `max` dot products of a bf16_dot file, with their expected accumulators (NaNs made canonical). */
export function dotCases(text: string, max = DOT_PROOF_MAX_VECTORS): { cases: DotCase[]; total: number } {
  const { vectors, total } = dotVectors(text, max);
  return { cases: vectors, total };
}

/** The program and its inputs for `cases` (see the module comment). */
export function dotProgram(cases: readonly DotCase[]): { program: Program; publicInputs: Word[]; privateInputs: Word[] } {
  const asm = new Assembler(2 * cases.length, 0);
  const pair = asm.alloc();
  const acc = asm.alloc();
  const want = asm.alloc();
  const out = asm.alloc();
  const privateInputs: Word[] = [];
  cases.forEach((c, j) => {
    if (c.a.length !== c.b.length) throw new RangeError(`line ${c.line}: vectors of different lengths`);
    asm.read(acc);
    privateInputs.push(f32Word(0));
    for (let k = 0; k < c.a.length; k++) {
      asm.read(pair);
      asm.mac(acc, pair, acc);
      privateInputs.push(bf16PairWord(c.a[k]!, c.b[k]!));
    }
    asm.input(want, j);
    asm.assertEq(acc, want, `bf16_dot line ${c.line}: the accumulator is not the file's ACC`);
    asm.tobf16(out, acc);
    asm.input(want, cases.length + j);
    asm.assertEq(out, want, `bf16_dot line ${c.line}: the accumulator rounded to bf16 is not the file's OUT`);
  });
  asm.halt();
  const publicInputs = [...cases.map((c) => f32Word(c.acc)), ...cases.map((c): Word => [c.out, 0, 0, 0, 0, 0, 0, 0])];
  return { program: asm.build(), publicInputs, privateInputs };
}

export interface DotCells {
  readonly cpu: number;
  readonly rom: number;
  readonly macChip: number;
  readonly pow2: number;
  readonly byte: number;
}

export interface DotProofReport {
  readonly ok: boolean;
  readonly error?: string;
  /** Dot products proven, and how many the file has (only the first `vectors` are proven). */
  readonly vectors: number;
  readonly fileVectors: number;
  /** MACs (`mac` instructions executed) = operations. */
  readonly operations: number;
  readonly cpuRows: number;
  readonly proofBytes: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  readonly conjecturedBits: number;
  /** Committed cells charged to the MACs (module comment), divided by the MACs, and its parts. */
  readonly cellsPerMac: number;
  readonly cellsPerMacParts: DotCells;
  /** The read/input/assertEq/tobf16 rows (CPU and ROM) per MAC: not in cellsPerMac. */
  readonly ioCellsPerMac: number;
}

const perRow = (t: TableCost) => t.committedCells / t.rows;
const sum = (m: Matrix) => {
  let s = 0;
  for (let i = 0; i < m.values.length; i++) s += m.values[i]!;
  return s;
};

/** The cells charged to the MACs of an execution (module comment), in total, by table. */
export function macCells(exec: Execution, costs: readonly TableCost[], traces: readonly Matrix[], tables: readonly string[]): { parts: DotCells; io: number } {
  const at = (name: string) => tables.indexOf(name);
  const cost = (name: string) => costs[at(name)]!;
  const macSteps = exec.steps.filter((s) => s.ins.op === 'mac').length;
  const io = (op: string) => op === 'read' || op === 'input' || op === 'assertEq' || op === 'tobf16';
  const ioSteps = exec.steps.filter((s) => io(s.ins.op)).length;
  const macIns = exec.program.instructions.filter((i) => i.op === 'mac').length;
  const ioIns = exec.program.instructions.filter((i) => io(i.op)).length;
  const cpu = cost('cpu');
  const macT = traces[at('bf16-mac')]!;
  let chipU16 = 0;
  for (let r = 0; r < macT.height; r++) chipU16 += macRangeLookups(macT.row(r)).length;
  // The rounding chip's lookups (4 per row, padding included): not the MACs'.
  const toBf16T = traces[at('f32-to-bf16')];
  let roundingU16 = 0;
  if (toBf16T) for (let r = 0; r < toBf16T.height; r++) roundingU16 += toBf16RangeLookups(toBf16T.row(r)).length;
  const byteTotal = sum(traces[at('byte-range')]!);
  // Every 16-bit check is two byte lookups; every other lookup into the byte table is the CPU's here (the program
  // uses no wide, hash or Merkle chip).
  const cpuBytePerRow = (byteTotal - 2 * chipU16 - 2 * roundingU16) / cpu.rows;
  const byteShare = byteTotal === 0 ? 0 : (2 * chipU16 + cpuBytePerRow * macSteps) / byteTotal;
  const parts: DotCells = {
    cpu: perRow(cpu) * macSteps,
    rom: perRow(cost('program-rom')) * macIns,
    macChip: cost('bf16-mac').committedCells,
    pow2: cost('pow2').committedCells,
    byte: cost('byte-range').committedCells * byteShare,
  };
  return { parts, io: perRow(cpu) * ioSteps + perRow(cost('program-rom')) * ioIns };
}

/**
 * Proves the first `max` dot products of a bf16_dot file (module comment). A wrong expected accumulator makes the
 * execution's assertion fail: the report is then not ok and nothing is proven.
 */
export function proveDot(text: string, options: { max?: number; seed?: string; backend?: ProofBackend } = {}): DotProofReport {
  const { cases, total } = dotCases(text, options.max ?? DOT_PROOF_MAX_VECTORS);
  if (cases.length === 0) throw new RangeError('nothing to prove: the file has no dot products');
  const operations = cases.reduce((s, c) => s + c.a.length, 0);
  const failed = (error: string): DotProofReport => ({
    ok: false,
    error,
    vectors: cases.length,
    fileVectors: total,
    operations,
    cpuRows: 0,
    proofBytes: 0,
    proveMs: 0,
    verifyMs: 0,
    conjecturedBits: 0,
    cellsPerMac: 0,
    cellsPerMacParts: { cpu: 0, rom: 0, macChip: 0, pow2: 0, byte: 0 },
    ioCellsPerMac: 0,
  });
  if (operations === 0) return failed('no multiply-accumulates to prove');
  const { program, publicInputs, privateInputs } = dotProgram(cases);
  let exec: Execution;
  try {
    exec = execute(program, { publicInputs, privateInputs });
  } catch (e) {
    if (e instanceof VmError) return failed(`execution: ${e.message}`);
    throw e;
  }
  const m = machine(program, new FriPcs(DEFAULT_PCS_PARAMS, { backend: options.backend }));
  const t0 = performance.now();
  const traces = vmTraces(exec);
  const proof = proveExecution(m, exec, { seed: options.seed ?? 'zpol conformance bf16_dot', traces });
  const proveMs = performance.now() - t0;
  const t1 = performance.now();
  const verdict = verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark);
  const verifyMs = performance.now() - t1;
  const costs = executionCosts(m, exec, traces);
  const { parts, io } = macCells(exec, costs, traces, m.tables);
  const cells = parts.cpu + parts.rom + parts.macChip + parts.pow2 + parts.byte;
  const round = (x: number) => Number(x.toFixed(1));
  return {
    ok: verdict.ok,
    error: verdict.ok ? undefined : verdict.error,
    vectors: cases.length,
    fileVectors: total,
    operations: exec.mac.length,
    cpuRows: exec.steps.length,
    proofBytes: encodeStarkProof(proof.stark, encodeFriPcsProof).length,
    proveMs: Math.round(proveMs),
    verifyMs: Math.round(verifyMs),
    conjecturedBits: starkSecurity(m.system, proof.stark.logHeights).conjecturedBits,
    cellsPerMac: round(cells / exec.mac.length),
    cellsPerMacParts: {
      cpu: round(parts.cpu / exec.mac.length),
      rom: round(parts.rom / exec.mac.length),
      macChip: round(parts.macChip / exec.mac.length),
      pow2: round(parts.pow2 / exec.mac.length),
      byte: round(parts.byte / exec.mac.length),
    },
    ioCellsPerMac: round(io / exec.mac.length),
  };
}
