/**
 * The BF16 multiply-accumulate chip of the VM: one row per `mac` instruction, proving out = fma(a, b, acc) for
 * bf16 a, b and an f32 accumulator, rounded once to f32 (runtime/fp/bf16.ts `bf16Mac`, docs/fp.md). It is the
 * floating-point chip runtime/vm/chips/fp/bf16-mac.ts (133 columns; its module comment proves that every column,
 * and so the output, is a function of (a, b, acc)) with one column more, the multiplicity `mult`, and a receive
 * on MAC_BUS:
 *
 *   columns  the 133 columns of bf16MacAir (MAC), then mult (a bit)
 *   receive  (a, b, acc_hi, acc_lo, out_hi, out_lo) on MAC_BUS with multiplicity mult
 *
 * Values in the VM. A word holding an f32 is its bit pattern as a 32-bit wide integer, (lo16, hi16, 0, …, 0):
 * lane 0 the low half, lane 1 the high half (word.ts's limb order, so `wideWord(BigInt(bits))` is the same word
 * and `assertEq` compares bit patterns). A bf16 pair is (a, b, …) in lanes 0 and 1. The CPU's `mac c, a, b` sends
 * (A₀, A₁, B₁, B₀, C₁, C₀) and forces C₂..C₇ = 0, so the result is a well-formed f32 word; lanes 2..7 of A and B
 * are not read. `macl c, a, b, #k` sends (A_k, B_k, C'₁, C'₀, C₁, C₀), C' the accumulator word that C replaces,
 * on the same bus (chips/cpu.ts). An operand half that is not below 2^16 has no row (the chip decomposes a, b and acc_hi into
 * sign, exponent and fraction and range-checks acc_lo): the executor traps on it (`macExecute`).
 *
 * Padding rows are the row of fma(+0, +0, +0) with mult = 0: they satisfy every constraint and claim nothing.
 * bf16MacAir sends its range checks (59 into the 16-bit table), its nine (k, 2^k) lookups (POW2_BUS) and its
 * (t, half) lookup (HALF_BUS) into the powers-of-two table with multiplicity 1 on every row, padding rows included,
 * so the trace generator counts them for every row; the machine adds the 32-row powers-of-two table to its tables
 * (`macPow2Trace`).
 *
 * The executor computes every result with bf16Mac; the trace generator builds each row with bf16MacRow (which
 * derives everything from the inputs) and checks that the row's output is the recorded one.
 */
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { MAC_BUS } from '../buses.ts';
import { bf16Mac } from '../../fp/bf16.ts';
import { bf16MacResult, bf16MacRow, evalBf16Mac, MAC, MAC_WIDTH, macPow2Lookups, macRangeLookups, pow2Table } from './fp/bf16-mac.ts';
import type { Word } from '../word.ts';
import { answeringAir, paddedHeight, type Chip } from './chip.ts';
import type { RangeCounter } from './range.ts';

/** One multiply-accumulate as the executor records it: bit patterns, out = bf16Mac(a, b, acc). */
export interface MacOp {
  /** bf16 bit patterns. */
  readonly a: number;
  readonly b: number;
  /** f32 bit patterns (unsigned). */
  readonly acc: number;
  readonly out: number;
}

export type MacResult = { ok: true; c: Word; op: MacOp } | { ok: false; trap: string };

/** Column layout: the MAC chip's columns at their own indices, then the multiplicity. */
export const MAC_COLS = Object.freeze({ ...MAC, mult: MAC_WIDTH });
export const MAC_CHIP_COLUMNS = MAC_WIDTH + 1;

const HALF = 1 << 16;
const isHalf = (x: number | undefined): x is number => Number.isInteger(x) && x! >= 0 && x! < HALF;

/** An f32 bit pattern as a word: (lo16, hi16, 0, …, 0), the pattern as a 32-bit wide integer. */
export function f32Word(bits: number): Word {
  if (!Number.isInteger(bits) || bits < -(2 ** 31) || bits >= 2 ** 32) throw new RangeError(`${bits} is not a 32-bit pattern`);
  const u = bits >>> 0;
  return [u & 0xffff, u >>> 16, 0, 0, 0, 0, 0, 0];
}

/** The f32 bit pattern of an f32 word; throws when lane 0 or 1 is not a 16-bit half (lanes 2..7 are not read). */
export function f32FromWord(w: Word): number {
  if (!isHalf(w[0]) || !isHalf(w[1])) throw new RangeError(`(${w[0]}, ${w[1]}) are not the 16-bit halves of an f32`);
  return (w[1] * HALF + w[0]) >>> 0;
}

/** Two bf16 bit patterns as the A operand of `mac`: (a, b, 0, …, 0). */
export function bf16PairWord(a: number, b: number): Word {
  if (!isHalf(a) || !isHalf(b)) throw new RangeError(`(${a}, ${b}) are not bf16 bit patterns`);
  return [a, b, 0, 0, 0, 0, 0, 0];
}

/**
 * The semantics of `mac c, a, b`: c ← f32Word(bf16Mac(A₀, A₁, B₁·2^16 + B₀)). Traps when A₀, A₁, B₀ or B₁ is not
 * below 2^16 (no row of the chip matches such a message).
 */
export function macExecute(a: Word, b: Word): MacResult {
  if (!isHalf(a[0]) || !isHalf(a[1])) return { ok: false, trap: `mac: A = (${a[0]}, ${a[1]}, …) is not a pair of bf16 bit patterns` };
  if (!isHalf(b[0]) || !isHalf(b[1])) return { ok: false, trap: `mac: B = (${b[0]}, ${b[1]}, …) is not an f32 (lo16, hi16)` };
  const acc = (b[1] * HALF + b[0]) >>> 0;
  const out = bf16Mac(a[0], a[1], acc) >>> 0;
  return { ok: true, c: f32Word(out), op: { a: a[0], b: a[1], acc, out } };
}

/**
 * The semantics of `macl c, a, b, #k` (isa.ts): c ← f32Word(bf16Mac(A_k, B_k, acc)), acc the f32 word c held.
 * Traps when A_k or B_k is not a bf16 bit pattern, or acc's halves are not below 2^16 (no row of the chip matches).
 */
export function maclExecute(a: Word, b: Word, acc: Word, k: number): MacResult {
  if (!isHalf(a[k]) || !isHalf(b[k])) return { ok: false, trap: `macl #${k}: lane ${k} of A and of B (${a[k]}, ${b[k]}) are not bf16 bit patterns` };
  const r = macExecute([a[k], b[k], 0, 0, 0, 0, 0, 0], acc);
  return r.ok ? r : { ok: false, trap: `macl #${k}: the accumulator (${acc[0]}, ${acc[1]}, …) is not an f32 (lo16, hi16)` };
}

/** The constraints of bf16MacAir, the multiplicity a bit, and the receive. */
const macChipAir = answeringAir('bf16-mac', { width: MAC_WIDTH, eval: evalBf16Mac }, MAC_BUS, [MAC.a, MAC.b, MAC.ch, MAC.cl, MAC.oh, MAC.ol]);

let paddingRow: Uint32Array | null = null;
/** fma(+0, +0, +0) = +0, mult 0. */
function padding(): Uint32Array {
  paddingRow ??= Uint32Array.from([...bf16MacRow(0, 0, 0), 0]);
  return paddingRow;
}

function trace(ops: readonly MacOp[], range: RangeCounter, minRows = 1): Matrix {
  const height = paddedHeight(ops.length, minRows);
  const W = MAC_CHIP_COLUMNS;
  const out = new Uint32Array(height * W);
  ops.forEach((op, i) => {
    const row = bf16MacRow(op.a, op.b, op.acc);
    const got = bf16MacResult(row);
    if (got !== op.out >>> 0) throw new Error(`bf16-mac chip: operation ${i} records ${(op.out >>> 0).toString(16)}, the row computes ${got.toString(16)}`);
    out.set(row, i * W);
    out[i * W + MAC_COLS.mult] = 1;
    for (const v of macRangeLookups(row)) range.addU16(v);
  });
  if (height > ops.length) {
    const pad = padding();
    const lookups = macRangeLookups(pad);
    for (let i = ops.length; i < height; i++) {
      out.set(pad, i * W);
      for (const v of lookups) range.addU16(v);
    }
  }
  return new Matrix(out, W);
}

export const macChip: Chip<MacOp> = { air: macChipAir, trace };

/** The powers-of-two table's multiplicities for a trace of the MAC chip (every row looks up, padding included). */
export function macPow2Trace(macTrace: Matrix): Matrix {
  const pow: number[][] = [];
  const half: number[][] = [];
  for (let r = 0; r < macTrace.height; r++) {
    const [p, h] = macPow2Lookups(macTrace.row(r));
    pow.push(...p);
    half.push(...h);
  }
  return pow2Table.trace([pow, half]);
}

export { pow2Table };

/**
 * For the under-constraint checker: a received claim's (a, b, acc) are fixed by the CPU, (out_hi, out_lo) are the
 * chip's answer; a padding row (mult 0) claims nothing, so every column of it is free.
 */
export const macChipSoundness: ChipSoundness = {
  inputs: [],
  outputs: [],
  claims: [{ bus: MAC_BUS, received: [0, 1, 2, 3] }],
  free: [{ reason: 'a padding row (mult 0) claims nothing', columns: (row) => (row[MAC_COLS.mult] === 0 ? Array.from({ length: MAC_CHIP_COLUMNS }, (_, i) => i) : []) }],
};
