/**
 * The f32 adder of the VM: one row per `fadd` instruction, proving out = addF32(x, y) (IEEE-754 binary32 addition,
 * round to nearest even, subnormals kept, every NaN result 0x7FC00000; runtime/fp/f32.ts, docs/fp.md). It is what
 * `order: blocked(B)` needs besides the MAC chip: each block's partial sum is a chain of `mac`s from +0, and the
 * partial sums are added in order with `fadd` (compiler/verify.ts).
 *
 * The chip is the floating-point chip runtime/vm/chips/fp/f32-arith.ts `f32AddChip` (the fused multiply-add chip
 * with b fixed to 1.0: add(x, y) = fma(x, 1.0, y) exactly for every operand, signed zeros, NaNs and infinities
 * included, as that module argues; the fma chip's module comment proves every column, and so the output, is a
 * function of the operands) with one column more, the multiplicity `mult`, and a receive on FADD_BUS:
 *
 *   columns  the columns of f32AddChip, then mult (a bit)
 *   receive  (x_hi, x_lo, y_hi, y_lo, out_hi, out_lo) on FADD_BUS with multiplicity mult
 *
 * Soundness. The CPU's `fadd c, a, b` sends (A₁, A₀, B₁, B₀, C₁, C₀) with multiplicity sel_fadd and forces
 * C₂..C₇ = 0. LogUp balances only if a row with mult = 1 receives that exact message; on that row x = (A₁, A₀) and
 * y = (B₁, B₀) are the operands' halves (the chip range-checks every half: a half not below 2^16 has no row, so
 * the executor traps on it) and (out_hi, out_lo) is, by the fma chip's argument, the only pair its constraints
 * allow: addF32(x, y). So C = (lo16, hi16, 0, …) of the correct sum, and a CPU row claiming another C has no
 * receiver. mult is a bit, so one chip row answers one claim at most; padding rows (mult 0) claim nothing.
 *
 * Lookups: the chip's 16-bit range checks are byte limbs in the machine (byte-limbs.ts); its k-bit checks go to
 * the small-range table (pairs (k, v), v < 2^k, k ≤ 12: 8,192 rows) and its shifts to the powers-of-two table
 * 2^r, r < 12 (16 rows), both chips/fp/f32-arith-tables.ts, added to the machine only when the program has a
 * `fadd`. Every row sends them with multiplicity 1, padding included, so the trace generator counts them for
 * every row (`faddTableTraces`).
 *
 * Why an instruction per addition rather than a blocked-dot instruction that streams whole blocks (#19): a
 * blocked(B) dot product of K terms has K multiply-accumulates and only ⌈K/B⌉ − 1 additions, so the additions'
 * rows are a 1/B share of the MAC rows and their CPU rows the same share of the CPU's; the cost per MAC is the
 * sequential order's plus (f32-add row + CPU row)/B. A streaming instruction would cut the CPU's lane/pack/mac
 * rows of every order alike (sequential included) and is #19's work on the MAC chip, not blocked order's.
 */
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { FADD_BUS } from '../buses.ts';
import { addF32 } from '../../fp/f32.ts';
import { F32_ONE, f32AddChip } from './fp/f32-arith.ts';
import { pow12Table, smallRangeTable } from './fp/f32-arith-tables.ts';
import { f32Word } from './mac.ts';
import type { Word } from '../word.ts';
import { paddedHeight, type Chip } from './chip.ts';
import type { RangeCounter } from './range.ts';

/** One addition as the executor records it: f32 bit patterns (unsigned), out = addF32(x, y). */
export interface FaddOp {
  readonly x: number;
  readonly y: number;
  readonly out: number;
}

export type FaddResult = { ok: true; c: Word; op: FaddOp } | { ok: false; trap: string };

const ADD = f32AddChip;
export const FADD_WIDTH = ADD.air.width;
/** Column layout: the add chip's columns at their own indices, then the multiplicity. */
export const FADD_COLS = Object.freeze({ xh: ADD.col('ah'), xl: ADD.col('al'), yh: ADD.col('ch'), yl: ADD.col('cl'), oh: ADD.col('oh'), ol: ADD.col('ol'), mult: FADD_WIDTH });
export const FADD_CHIP_COLUMNS = FADD_WIDTH + 1;

const HALF = 1 << 16;
const isHalf = (x: number | undefined): x is number => Number.isInteger(x) && x! >= 0 && x! < HALF;

/**
 * The semantics of `fadd c, a, b`: c ← f32Word(addF32(A₁·2^16 + A₀, B₁·2^16 + B₀)). Traps when a half is not below
 * 2^16 (no row of the chip matches such a message); lanes 2..7 of A and B are not read.
 */
export function faddExecute(a: Word, b: Word): FaddResult {
  if (!isHalf(a[0]) || !isHalf(a[1])) return { ok: false, trap: `fadd: A = (${a[0]}, ${a[1]}, …) is not an f32 (lo16, hi16)` };
  if (!isHalf(b[0]) || !isHalf(b[1])) return { ok: false, trap: `fadd: B = (${b[0]}, ${b[1]}, …) is not an f32 (lo16, hi16)` };
  const x = (a[1] * HALF + a[0]) >>> 0;
  const y = (b[1] * HALF + b[0]) >>> 0;
  const out = addF32(x, y) >>> 0;
  return { ok: true, c: f32Word(out), op: { x, y, out } };
}

function evalFaddChip(b: AirBuilder): void {
  ADD.air.eval(b);
  const c = (col: number) => b.main(col);
  const mult = c(FADD_COLS.mult);
  b.assertBool(mult, 'mult is a bit');
  b.receive(FADD_BUS, [c(FADD_COLS.xh), c(FADD_COLS.xl), c(FADD_COLS.yh), c(FADD_COLS.yl), c(FADD_COLS.oh), c(FADD_COLS.ol)], mult);
}

const faddChipAir: Air = {
  name: 'f32-add',
  width: FADD_CHIP_COLUMNS,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval: evalFaddChip,
};

/** The add chip's row for addF32(x, y), without the multiplicity. */
const addRow = (x: number, y: number): number[] => ADD.row(x, F32_ONE, y);

function trace(ops: readonly FaddOp[], range: RangeCounter, minRows = 1): Matrix {
  const height = paddedHeight(ops.length, minRows);
  const W = FADD_CHIP_COLUMNS;
  const out = new Uint32Array(height * W);
  const pad = addRow(0, 0); // +0 + +0 = +0, mult 0
  for (let i = 0; i < height; i++) {
    const op = ops[i];
    const row = op ? addRow(op.x, op.y) : pad;
    if (op && ADD.result(row) !== op.out >>> 0) throw new Error(`f32-add chip: operation ${i} records ${(op.out >>> 0).toString(16)}, the row computes ${ADD.result(row).toString(16)}`);
    out.set(row, i * W);
    out[i * W + FADD_COLS.mult] = op ? 1 : 0;
    for (const v of ADD.rangeLookups(row)) range.addU16(v);
  }
  return new Matrix(out, W);
}

export const faddChip: Chip<FaddOp> = { air: faddChipAir, trace };

/** The small-range and powers-of-two tables' multiplicities for a trace of the chip (every row looks up). */
export function faddTableTraces(faddTrace: Matrix): [Matrix, Matrix] {
  const small: [number, number][] = [];
  const pow: [number, number][] = [];
  for (let r = 0; r < faddTrace.height; r++) {
    const row = faddTrace.row(r);
    small.push(...ADD.smallLookups(row));
    pow.push(...ADD.powLookups(row));
  }
  return [smallRangeTable.trace(small), pow12Table.trace(pow)];
}

export { pow12Table, smallRangeTable };

/** Column names, for reports and the under-constraint checker. */
export const FADD_NAMES: readonly string[] = [...ADD.names, 'mult'];

/**
 * For the under-constraint checker: a received claim's operands are fixed by the CPU, (out_hi, out_lo) are the
 * chip's answer; a padding row (mult 0) claims nothing, so every column of it is free.
 */
export const faddChipSoundness: ChipSoundness = {
  inputs: [],
  outputs: [],
  claims: [{ bus: FADD_BUS, received: [0, 1, 2, 3] }],
  free: [{ reason: 'a padding row (mult 0) claims nothing', columns: (row) => (row[FADD_COLS.mult] === 0 ? Array.from({ length: FADD_CHIP_COLUMNS }, (_, i) => i) : []) }],
};
