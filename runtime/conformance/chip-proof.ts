/**
 * Conformance of the floating-point chips: for every vector of a conformance file, the chip's constraints must
 * accept the row of the right result and reject a row claiming a wrong one; and the whole file can be proven in
 * one STARK proof (the chip's table, its inputs and output pinned to the vectors by preprocessed columns, and the
 * 16-bit range table it looks up into).
 */
import type { ProofBackend } from '../proof/backend.ts';
import { Matrix } from '../proof/matrix.ts';
import type { Air } from '../proof/air/air.ts';
import { buildSystem } from '../proof/stark/system.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../proof/pcs/index.ts';
import { proveMeasured } from './measured-proof.ts';
import { brokenConstraints } from '../vm/chips/fp/row-check.ts';
import { f32ToBf16, isNaNBf16 } from '../fp/bf16.ts';
import { readVectors, type ConformanceOp } from './vectors.ts';
import { C, f32ToBf16Air, f32ToBf16Row, rangeLookups } from '../vm/chips/fp/f32-to-bf16.ts';
import { CMP, compareRangeLookups, f32CompareAir, f32CompareRow } from '../vm/chips/fp/f32-compare.ts';
import { vectorsAir } from './vectors-air.ts';
import { u16Table } from '../vm/chips/fp/u16-table.ts';
import { bf16MacAir, bf16MacRow, MAC, macPow2Lookups, macRangeLookups, pow2Table } from '../vm/chips/fp/bf16-mac.ts';
import { bf16Mac } from '../fp/bf16.ts';
import { F32_CANONICAL_NAN, addF32, fmaF32, isNaNF32, mulF32 } from '../fp/f32.ts';
import { F32_MINUS_ZERO, F32_ONE, f32AddChip, f32FmaChip, f32MulChip } from '../vm/chips/fp/f32-arith.ts';
import type { FmaColumn } from '../vm/chips/fp/f32-fma.ts';
import { pow12Table, smallRangeTable } from '../vm/chips/fp/f32-arith-tables.ts';

/** One vector as a chip sees it: the inputs, the expected output (NaNs made canonical) and its line. */
interface ChipVector {
  readonly line: number;
  readonly inputs: readonly number[];
  /** The expected output as one number (a 32-bit result is one number here, its halves in the columns). */
  readonly expected: number;
}

/** A preprocessed lookup table a chip uses besides the 16-bit range table. */
interface ExtraTable {
  readonly air: Air;
  preprocessed(): Matrix;
  /** Its main trace for the chip rows `rows`. */
  trace(rows: readonly (readonly number[])[]): Matrix;
}

/** How an operation is proven by a chip. */
interface ChipSpec {
  /** The chip's own table. */
  readonly chip: Air;
  /** Its main columns that `pinned` fixes, in the same order: the inputs as the chip reads them, then `out`. */
  readonly pins: readonly number[];
  /** The output columns: one, or a 32-bit result's [hi, lo] halves. */
  readonly out: readonly number[];
  /** The output columns' values for an output value. */
  outColumns(value: number): number[];
  vectors(text: string): ChipVector[];
  row(inputs: readonly number[]): number[];
  /** The preprocessed columns of a vector: its inputs as the chip reads them, then the expected output. */
  pinned(v: ChipVector): number[];
  rangeLookups(row: ArrayLike<number>): number[];
  /** Wrong results a cheating prover might claim instead of `right`. */
  wrongResults(right: number): number[];
  /** Further lookup tables the chip's rows look up into. */
  readonly tables?: readonly ExtraTable[];
}

/** Wrong results a cheating prover might claim in place of `right`, for a bf16 output. */
export function wrongBf16Results(right: number): number[] {
  const out = new Set<number>();
  out.add(right ^ 1); // one ulp off (either direction, by the low bit)
  out.add((right + 1) & 0xffff);
  out.add(right ^ 0x8000); // the other sign (of zero too)
  out.add(isNaNBf16(right) ? 0x3f80 : 0x7fc0); // a number for a NaN, a NaN for a number
  out.delete(right);
  return [...out];
}

const toBf16: ChipSpec = {
  chip: f32ToBf16Air,
  pins: [C.hi, C.lo, C.out],
  out: [C.out],
  outColumns: (v) => [v],
  vectors(text) {
    return [...readVectors('f32_to_bf16', text)].map((v) => {
      const got = f32ToBf16(v.x);
      // The file's NaNs carry payloads; the chip returns the canonical NaN, which conforms (the class matches).
      return { line: v.line, inputs: [v.x], expected: isNaNBf16(v.result) && isNaNBf16(got) ? got : v.result };
    });
  },
  row: ([x]) => f32ToBf16Row(x!),
  pinned: (v) => [v.inputs[0]! >>> 16, v.inputs[0]! & 0xffff, v.expected],
  rangeLookups,
  wrongResults: wrongBf16Results,
};

function compareSpec(op: 'f32_eq' | 'f32_lt' | 'f32_le'): ChipSpec {
  const result = op === 'f32_eq' ? 'eq' : op === 'f32_lt' ? 'lt' : 'le';
  return {
    chip: f32CompareAir,
    pins: [CMP.ah, CMP.al, CMP.bh, CMP.bl, CMP[result]],
    out: [CMP[result]],
    outColumns: (v) => [v],
    vectors: (text) => [...readVectors(op, text)].map((v) => ({ line: v.line, inputs: [v.a, v.b], expected: v.result ? 1 : 0 })),
    row: ([a, b]) => f32CompareRow(a!, b!),
    pinned: (v) => [v.inputs[0]! >>> 16, v.inputs[0]! & 0xffff, v.inputs[1]! >>> 16, v.inputs[1]! & 0xffff, v.expected],
    rangeLookups: compareRangeLookups,
    wrongResults: (right) => [1 - right],
  };
}

/** Wrong results a cheating prover might claim in place of `right`, for an f32 output. */
export function wrongF32Results(right: number): number[] {
  const out = new Set<number>();
  out.add((right ^ 1) >>> 0); // one ulp off (either direction, by the low bit)
  out.add((right + 1) >>> 0);
  out.add((right ^ 0x80000000) >>> 0); // the other sign (of zero too)
  out.add(isNaNF32(right) ? 0x3f800000 : F32_CANONICAL_NAN); // a number for a NaN, a NaN for a number
  out.delete(right);
  return [...out];
}

const mac: ChipSpec = {
  chip: bf16MacAir,
  pins: [MAC.a, MAC.b, MAC.ch, MAC.cl, MAC.oh, MAC.ol],
  out: [MAC.oh, MAC.ol],
  outColumns: (v) => [v >>> 16, v & 0xffff],
  vectors(text) {
    return [...readVectors('bf16_mac', text)].map((v) => {
      const got = bf16Mac(v.a, v.b, v.c) >>> 0;
      // NaN results conform by class; the chip returns the canonical NaN.
      return { line: v.line, inputs: [v.a, v.b, v.c], expected: isNaNF32(v.result) && isNaNF32(got) ? F32_CANONICAL_NAN : v.result >>> 0 };
    });
  },
  row: ([a, b, c]) => bf16MacRow(a!, b!, c!),
  pinned: (v) => [v.inputs[0]!, v.inputs[1]!, v.inputs[2]! >>> 16, v.inputs[2]! & 0xffff, v.expected >>> 16, v.expected & 0xffff],
  rangeLookups: macRangeLookups,
  wrongResults: wrongF32Results,
  tables: [
    {
      air: pow2Table.air,
      preprocessed: () => pow2Table.preprocessed(),
      trace: (rows) => {
        const lookups = rows.map((r) => macPow2Lookups(r));
        return pow2Table.trace([lookups.flatMap((l) => l[0]), lookups.flatMap((l) => l[1])]);
      },
    },
  ],
};

/**
 * The f32 arithmetic operations, all proven by the fma chip (runtime/vm/chips/fp/f32-fma.ts, f32-arith.ts): add(a,
 * b) = fma(a, 1, b) by the chip with b fixed to 1.0, mul(a, b) = fma(a, b, −0) by the chip with c fixed to −0, and
 * f32_mulAdd by the full chip.
 */
function f32ArithSpec(op: 'f32_add' | 'f32_mul' | 'f32_mulAdd'): ChipSpec {
  const chip = op === 'f32_add' ? f32AddChip : op === 'f32_mul' ? f32MulChip : f32FmaChip;
  const operands = (x: readonly number[]): [number, number, number] =>
    op === 'f32_add' ? [x[0]!, F32_ONE, x[1]!] : op === 'f32_mul' ? [x[0]!, x[1]!, F32_MINUS_ZERO] : [x[0]!, x[1]!, x[2]!];
  const reference = (x: readonly number[]) => (op === 'f32_add' ? addF32(x[0]!, x[1]!) : op === 'f32_mul' ? mulF32(x[0]!, x[1]!) : fmaF32(x[0]!, x[1]!, x[2]!));
  // The chip's input columns: the operands that are not fixed, as (hi, lo) halves.
  const inputs: FmaColumn[] = op === 'f32_add' ? ['ah', 'al', 'ch', 'cl'] : op === 'f32_mul' ? ['ah', 'al', 'bh', 'bl'] : ['ah', 'al', 'bh', 'bl', 'ch', 'cl'];
  return {
    chip: chip.air,
    pins: [...inputs, 'oh', 'ol'].map((n) => chip.col(n as FmaColumn)),
    out: [chip.col('oh'), chip.col('ol')],
    outColumns: (v) => [v >>> 16, v & 0xffff],
    vectors(text) {
      const vs =
        op === 'f32_mulAdd'
          ? [...readVectors(op, text)].map((v) => ({ line: v.line, inputs: [v.a, v.b, v.c], result: v.result }))
          : [...readVectors(op, text)].map((v) => ({ line: v.line, inputs: [v.a, v.b], result: v.result }));
      return vs.map((v) => {
        const got = reference(v.inputs) >>> 0;
        // NaN results conform by class; the chip returns the canonical NaN.
        return { line: v.line, inputs: v.inputs, expected: isNaNF32(v.result) && isNaNF32(got) ? F32_CANONICAL_NAN : v.result >>> 0 };
      });
    },
    row: (x) => chip.row(...operands(x)),
    pinned: (v) => [...v.inputs.flatMap((x) => [x >>> 16, x & 0xffff]), v.expected >>> 16, v.expected & 0xffff],
    rangeLookups: (r) => chip.rangeLookups(r),
    wrongResults: wrongF32Results,
    tables: [
      { air: smallRangeTable.air, preprocessed: () => smallRangeTable.preprocessed(), trace: (rows) => smallRangeTable.trace(rows.flatMap((r) => chip.smallLookups(r))) },
      { air: pow12Table.air, preprocessed: () => pow12Table.preprocessed(), trace: (rows) => pow12Table.trace(rows.flatMap((r) => chip.powLookups(r))) },
    ],
  };
}

const CHIPS: Partial<Record<ConformanceOp, ChipSpec>> = {
  f32_add: f32ArithSpec('f32_add'),
  f32_mul: f32ArithSpec('f32_mul'),
  f32_mulAdd: f32ArithSpec('f32_mulAdd'),
  f32_to_bf16: toBf16,
  f32_eq: compareSpec('f32_eq'),
  f32_lt: compareSpec('f32_lt'),
  f32_le: compareSpec('f32_le'),
  bf16_mac: mac,
};

/** The operations that have a chip; the others are checked against the reference only, for now. */
export const CHIP_OPS = Object.keys(CHIPS) as ConformanceOp[];

function chipFor(op: ConformanceOp): ChipSpec {
  const spec = CHIPS[op];
  if (!spec) throw new Error(`no chip for ${op} yet`);
  return spec;
}

export interface ChipCheck {
  /** Vectors whose correct row the constraints accept. */
  readonly accepted: number;
  /** Vectors whose every tampered row (every wrong result of `wrongResults`) is rejected. */
  readonly rejectedWrong: number;
  readonly failures: { line: number; problem: string }[];
}

export interface ProofReport {
  readonly ok: boolean;
  readonly error?: string;
  readonly operations: number;
  readonly rows: number;
  readonly proofBytes: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  /** Committed trace cells of every table (with zero knowledge), divided by the number of operations. */
  readonly cellsPerOperation: number;
  /** Main and auxiliary cells of the chip's own row. */
  readonly chipCellsPerRow: number;
  readonly conjecturedBits: number;
}

/** Items padded to a power of two (at least 2) by repeating the last one. */
export function paddedRows<T>(items: readonly T[]): T[] {
  if (items.length === 0) throw new RangeError('nothing to prove');
  let n = 2;
  while (n < items.length) n *= 2;
  return Array.from({ length: n }, (_, i) => items[Math.min(i, items.length - 1)]!);
}

/** The chip constraints one row of `op`'s chip breaks (none for an honest row). */
export function rowProblems(op: ConformanceOp, row: readonly number[]): string[] {
  return brokenConstraints(chipFor(op).chip, Matrix.fromRows([row, row]))[0]!;
}

/** The output value of row `i` (a 32-bit result from its [hi, lo] halves). */
function outValue(spec: ChipSpec, m: Matrix, i: number): number {
  return spec.out.length === 1 ? m.get(i, spec.out[0]!) : ((m.get(i, spec.out[0]!) << 16) | m.get(i, spec.out[1]!)) >>> 0;
}

export function checkChip(op: ConformanceOp, text: string): ChipCheck {
  const spec = chipFor(op);
  const vectors = spec.vectors(text);
  const main = Matrix.fromRows(paddedRows(vectors).map((v) => spec.row(v.inputs)));
  const failures: { line: number; problem: string }[] = [];
  const honest = brokenConstraints(spec.chip, main);
  let accepted = 0;
  vectors.forEach((v, i) => {
    if (honest[i]!.length > 0) failures.push({ line: v.line, problem: `the constraints reject the right result (${honest[i]!.join('; ')})` });
    else if (outValue(spec, main, i) !== v.expected) failures.push({ line: v.line, problem: `the chip computes ${outValue(spec, main, i).toString(16)}, the file expects ${v.expected.toString(16)}` });
    else accepted++;
  });
  // Each kind of wrong result, claimed on every row at once, must break every row.
  const rejected = new Array<boolean>(vectors.length).fill(true);
  const kinds = vectors.reduce((m, v) => Math.max(m, spec.wrongResults(v.expected).length), 0);
  for (let kind = 0; kind < kinds; kind++) {
    const tampered = main.clone();
    vectors.forEach((_, i) => {
      const wrong = spec.wrongResults(outValue(spec, main, i));
      const cols = spec.outColumns(wrong[kind % wrong.length]!);
      spec.out.forEach((c, j) => tampered.set(i, c, cols[j]!));
    });
    const broken = brokenConstraints(spec.chip, tampered);
    vectors.forEach((v, i) => {
      if (broken[i]!.length === 0 && rejected[i]) {
        rejected[i] = false;
        failures.push({ line: v.line, problem: `the constraints accept a wrong result ${outValue(spec, tampered, i).toString(16)}` });
      }
    });
  }
  return { accepted, rejectedWrong: rejected.filter((r) => r).length, failures };
}

export function proveChip(op: ConformanceOp, text: string, backend?: ProofBackend): ProofReport {
  const spec = chipFor(op);
  const vectors = paddedRows(spec.vectors(text));
  const rows = vectors.map((v) => spec.row(v.inputs));
  const main = Matrix.fromRows(rows);
  const pre = Matrix.fromRows(vectors.map((v) => spec.pinned(v)));
  const pcs = new FriPcs(DEFAULT_PCS_PARAMS, { backend });
  const system = buildSystem(
    `fp-conformance-${op}`,
    [
      { air: vectorsAir(spec.chip, spec.pins), preprocessed: pre },
      { air: u16Table.air, preprocessed: u16Table.preprocessed() },
      ...(spec.tables ?? []).map((t) => ({ air: t.air, preprocessed: t.preprocessed() })),
    ],
    pcs,
    true,
  );
  const traces = [main, u16Table.trace(rows.flatMap((r) => spec.rangeLookups(r))), ...(spec.tables ?? []).map((t) => t.trace(rows))];
  const m = proveMeasured(system, traces, 'zpol conformance');
  const cells = m.committedCells.reduce((x, y) => x + y, 0);
  const chip = system.tables[0]!;
  const operations = spec.vectors(text).length;
  return {
    ok: m.ok,
    error: m.error,
    operations,
    rows: main.height,
    proofBytes: m.proofBytes,
    proveMs: m.proveMs,
    verifyMs: m.verifyMs,
    cellsPerOperation: Number((cells / operations).toFixed(1)),
    // The chip's committed row, its blinding column excluded (it belongs to the proof, not the operation).
    chipCellsPerRow: chip.analyzed.air.width - (chip.blinded ? 1 : 0) + 4 * chip.logup.auxWidth,
    conjecturedBits: m.conjecturedBits,
  };
}
