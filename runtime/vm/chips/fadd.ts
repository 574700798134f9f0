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
 * Lookups: the chip's 16-bit range checks are byte limbs in the machine (byte-limbs.ts), its shifts go to the
 * powers-of-two table 2^r, r < 12 (16 rows, chips/fp/f32-arith-tables.ts, in the machine only when the program
 * has an `fadd`), and its k-bit checks (k ≤ 12, constants of the chip), which the conformance harness sends to an
 * 8,192-row small-range table, are byte lookups too, so that table is not in the machine (`smallLimbs`):
 *
 *   k ≤ 8:  (v) and (v + 2^8 − 2^k) on BYTE_BUS (one when k = 8). Both bytes as integers: v < 2^8, and then
 *           v + 2^8 − 2^k < 2^8 (no wrap: the sum is below 2^9) says v < 2^k.
 *   k > 8:  one limb column lo; (lo), (hi) and (hi + 2^8 − 2^(k−8)) on BYTE_BUS with hi = (v − lo)/2^8. So
 *           v = lo + 2^8·hi with lo a byte and hi < 2^(k−8): v < 2^k; and lo = v mod 2^8 is the only limb that
 *           makes hi a byte, so the limb is fixed.
 *
 * Every row sends these lookups with multiplicity 1, padding included, so the trace generator counts them for
 * every row (the byte counts in `trace`, the powers of two in `faddPow2Trace`).
 *
 * Why an instruction per addition rather than a blocked-dot instruction that streams whole blocks (#19): a
 * blocked(B) dot product of K terms has K multiply-accumulates and only ⌈K/B⌉ − 1 additions, so the additions'
 * rows are a 1/B share of the MAC rows and their CPU rows the same share of the CPU's; the cost per MAC is the
 * sequential order's plus (f32-add row + CPU row)/B. A streaming instruction would cut the CPU's lane/pack/mac
 * rows of every order alike (sequential included) and is #19's work on the MAC chip, not blocked order's.
 */
import * as F from '../../proof/field/babybear.ts';
import { analyze, type Air } from '../../proof/air/air.ts';
import { Expr, type ExprLike } from '../../proof/air/expr.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { BYTE_BUS, FADD_BUS } from '../buses.ts';
import { addF32 } from '../../fp/f32.ts';
import { F32_ONE, f32AddChip } from './fp/f32-arith.ts';
import { pow12Table, SMALL_BUS } from './fp/f32-arith-tables.ts';
import { compileRowExpr, type RowFn } from './fp/row-check.ts';
import { f32Word } from './mac.ts';
import type { Word } from '../word.ts';
import { answeringAir, paddedHeight, type Chip } from './chip.ts';
import { withSend } from './byte-limbs.ts';
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

const faddAir = answeringAir('f32-add', ADD.air, FADD_BUS, [FADD_COLS.xh, FADD_COLS.xl, FADD_COLS.yh, FADD_COLS.yl, FADD_COLS.oh, FADD_COLS.ol]);

const INV_256 = F.inv(256);

/** The chip's k-bit checks (sends (k, v) on SMALL_BUS, k a constant) as byte lookups over limb columns (module comment). */
function smallLimbs(air: Air) {
  const sends = analyze(air).interactions.filter((it) => it.bus === SMALL_BUS);
  const zeros = new Array<number>(air.width).fill(0);
  const bits = sends.map((it) => {
    const k = compileRowExpr(it.values[0]!)(zeros);
    if (it.kind !== 'send' || !Number.isInteger(k) || k < 1 || k > 12) throw new Error(`${air.name}: a small-range check whose width is not a constant from 1 to 12`);
    return k;
  });
  const first = air.width;
  const count = bits.filter((k) => k > 8).length;
  const limbed: Air = {
    ...air,
    width: first + count,
    eval(b) {
      let j = 0;
      let limb = 0;
      const send = (bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void => {
        if (bus !== SMALL_BUS) return b.send(bus, values, multiplicity);
        const k = bits[j++]!;
        const v = Expr.of(values[1]!);
        if (k <= 8) {
          b.send(BYTE_BUS, [v], multiplicity);
          if (k < 8) b.send(BYTE_BUS, [v.add(256 - 2 ** k)], multiplicity);
          return;
        }
        const lo = b.main(first + limb++);
        const hi = v.sub(lo).mul(INV_256);
        b.send(BYTE_BUS, [lo], multiplicity);
        b.send(BYTE_BUS, [hi], multiplicity);
        b.send(BYTE_BUS, [hi.add(256 - 2 ** (k - 8))], multiplicity);
      };
      air.eval(withSend(b, send));
      if (j !== sends.length) throw new Error(`${air.name}: ${j} small-range checks, ${sends.length} when analyzed`);
    },
  };
  let values: RowFn[] | null = null;
  /** The row's limb columns and the bytes its lookups send, from the chip's own columns. */
  const fill = (row: number[], range: RangeCounter): void => {
    values ??= sends.map((it) => compileRowExpr(it.values[1]!));
    let limb = 0;
    bits.forEach((k, j) => {
      const v = values![j]!(row);
      if (!(v < 2 ** k)) throw new Error(`${air.name}: a ${k}-bit check of ${v}`);
      if (k <= 8) {
        range.addByte(v);
        if (k < 8) range.addByte(v + 256 - 2 ** k);
        return;
      }
      const lo = v & 0xff;
      const hi = v >>> 8;
      row[first + limb++] = lo;
      range.addByte(lo);
      range.addByte(hi);
      range.addByte(hi + 256 - 2 ** (k - 8));
    });
  };
  return { air: limbed, first, count, fill };
}

const SMALL = smallLimbs(faddAir);
const faddChipAir = SMALL.air;

/** The add chip's row for addF32(x, y), without the multiplicity. */
const addRow = (x: number, y: number): number[] => ADD.row(x, F32_ONE, y);

function trace(ops: readonly FaddOp[], range: RangeCounter, minRows = 1): Matrix {
  const height = paddedHeight(ops.length, minRows);
  const W = faddChipAir.width;
  const out = new Uint32Array(height * W);
  const pad = addRow(0, 0); // +0 + +0 = +0, mult 0
  for (let i = 0; i < height; i++) {
    const op = ops[i];
    const add = op ? addRow(op.x, op.y) : pad;
    if (op && ADD.result(add) !== op.out >>> 0) throw new Error(`f32-add chip: operation ${i} records ${(op.out >>> 0).toString(16)}, the row computes ${ADD.result(add).toString(16)}`);
    const row = [...add, op ? 1 : 0, ...new Array<number>(SMALL.count).fill(0)];
    SMALL.fill(row, range);
    out.set(row, i * W);
    for (const v of ADD.rangeLookups(row)) range.addU16(v);
  }
  return new Matrix(out, W);
}

export const faddChip: Chip<FaddOp> = { air: faddChipAir, trace };

/** The powers-of-two table's multiplicities for a trace of the chip (every row looks up). */
export function faddPow2Trace(faddTrace: Matrix): Matrix {
  const pow: [number, number][] = [];
  for (let r = 0; r < faddTrace.height; r++) pow.push(...ADD.powLookups(faddTrace.row(r)));
  return pow12Table.trace(pow);
}

export { pow12Table };

/** Column names, for reports and the under-constraint checker. */
export const FADD_NAMES: readonly string[] = [...ADD.names, 'mult', ...Array.from({ length: SMALL.count }, (_, k) => `small limb ${k}`)];

/**
 * For the under-constraint checker: a received claim's operands are fixed by the CPU, (out_hi, out_lo) are the
 * chip's answer; a padding row (mult 0) claims nothing, so every column of it is free.
 */
export const faddChipSoundness: ChipSoundness = {
  inputs: [],
  outputs: [],
  claims: [{ bus: FADD_BUS, received: [0, 1, 2, 3] }],
  free: [{ reason: 'a padding row (mult 0) claims nothing', columns: (row) => (row[FADD_COLS.mult] === 0 ? Array.from({ length: FADD_CHIP_COLUMNS + SMALL.count }, (_, i) => i) : []) }],
};
