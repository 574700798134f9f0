/**
 * The f32 → bf16 conversion chip of the VM: one row per `tobf16` instruction, proving out = f32ToBf16(x) (round to
 * nearest even, every NaN to 0x7FC0; runtime/fp/bf16.ts). It is the floating-point chip
 * runtime/vm/chips/fp/f32-to-bf16.ts (17 columns; its module comment proves every column, and so the output, is a
 * function of x) with one column more, the multiplicity `mult`, and a receive on TOBF16_BUS, as chips/mac.ts wraps
 * the MAC chip:
 *
 *   columns  the 17 columns of f32ToBf16Air, then mult (a bit)
 *   receive  (hi, lo, out) on TOBF16_BUS with multiplicity mult
 *
 * The CPU's `tobf16 c, a` sends (A₁, A₀, C₀) and forces C₁..C₇ = 0: A is an f32 word (lo16, hi16, …), C a bf16
 * in lane 0. The chip decomposes hi and lo into range-checked parts, so a half not below 2^16 has no row: the
 * executor traps on it (`toBf16Execute`).
 *
 * Padding rows are the conversion of +0 with mult = 0. The chip sends four values to the 16-bit table on every
 * row, padding included, so the trace generator counts them for every row.
 */
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { TOBF16_BUS } from '../buses.ts';
import { f32ToBf16 } from '../../fp/bf16.ts';
import { C as T, evalF32ToBf16, f32ToBf16Row, rangeLookups, WIDTH as T_WIDTH } from './fp/f32-to-bf16.ts';
import type { Word } from '../word.ts';
import { answeringAir, paddedHeight, type Chip } from './chip.ts';
import type { RangeCounter } from './range.ts';

/** One conversion as the executor records it: f32 bit pattern x (unsigned), out = f32ToBf16(x). */
export interface ToBf16Op {
  readonly x: number;
  readonly out: number;
}

export type ToBf16Result = { ok: true; c: Word; op: ToBf16Op } | { ok: false; trap: string };

/** Column layout: the conversion chip's columns at their own indices, then the multiplicity. */
export const TOBF16_COLS = Object.freeze({ ...T, mult: T_WIDTH });
export const TOBF16_CHIP_COLUMNS = T_WIDTH + 1;

const HALF = 1 << 16;
const isHalf = (x: number | undefined): x is number => Number.isInteger(x) && x! >= 0 && x! < HALF;

/** The semantics of `tobf16 c, a`: c ← (f32ToBf16(A₁·2^16 + A₀), 0, …). Traps when A₀ or A₁ is not below 2^16. */
export function toBf16Execute(a: Word): ToBf16Result {
  if (!isHalf(a[0]) || !isHalf(a[1])) return { ok: false, trap: `tobf16: A = (${a[0]}, ${a[1]}, …) is not an f32 (lo16, hi16)` };
  const x = (a[1] * HALF + a[0]) >>> 0;
  const out = f32ToBf16(x);
  return { ok: true, c: [out, 0, 0, 0, 0, 0, 0, 0], op: { x, out } };
}

const toBf16ChipAir = answeringAir('f32-to-bf16', { width: T_WIDTH, eval: evalF32ToBf16 }, TOBF16_BUS, [T.hi, T.lo, T.out]);

function trace(ops: readonly ToBf16Op[], range: RangeCounter, minRows = 1): Matrix {
  const height = paddedHeight(ops.length, minRows);
  const W = TOBF16_CHIP_COLUMNS;
  const out = new Uint32Array(height * W);
  for (let i = 0; i < height; i++) {
    const op = ops[i];
    const row = f32ToBf16Row(op ? op.x >>> 0 : 0);
    if (op && row[T.out] !== op.out) throw new Error(`f32-to-bf16 chip: operation ${i} records ${op.out.toString(16)}, the row computes ${row[T.out]!.toString(16)}`);
    out.set(row, i * W);
    out[i * W + TOBF16_COLS.mult] = op ? 1 : 0;
    for (const v of rangeLookups(row)) range.addU16(v);
  }
  return new Matrix(out, W);
}

export const toBf16Chip: Chip<ToBf16Op> = { air: toBf16ChipAir, trace };

/**
 * For the under-constraint checker: a received claim's (in_hi, in_lo) are fixed by the CPU, out is the chip's
 * answer; a padding row (mult 0) claims nothing, so every column of it is free.
 */
export const toBf16ChipSoundness: ChipSoundness = {
  inputs: [],
  outputs: [],
  claims: [{ bus: TOBF16_BUS, received: [0, 1] }],
  free: [{ reason: 'a padding row (mult 0) claims nothing', columns: (row) => (row[TOBF16_COLS.mult] === 0 ? Array.from({ length: TOBF16_CHIP_COLUMNS }, (_, i) => i) : []) }],
};
