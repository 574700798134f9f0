/**
 * The BF16 multiply-accumulate chip of the VM: one row per multiply-accumulate, proving out = fma(a, b, acc) for
 * bf16 a, b and an f32 accumulator, rounded once to f32 (runtime/fp/bf16.ts `bf16Mac`, docs/fp.md). It is the
 * floating-point chip runtime/vm/chips/fp/bf16-mac.ts (133 columns; its module comment proves that every column,
 * and so the output, is a function of (a, b, acc)) with the columns that answer the CPU:
 *
 *   columns  the 133 columns of bf16MacAir (MAC), then mult (a bit), and for `macw`'s chains: cont, pos, last,
 *            the chain's first accumulator (gh, gl) and the shift registers pa₀..pa₆, pb₀..pb₆
 *   receive  (a, b, acc_hi, acc_lo, out_hi, out_lo) on MAC_BUS with multiplicity mult (`mac`, `macl`)
 *   receive  (pa₀..pa₆, a, pb₀..pb₆, b, gh, gl, out_hi, out_lo) on MACW_BUS with multiplicity last (`macw`)
 *
 * Chains (`macw c, a, b`: the eight fmas of a word pair in order, isa.ts). The eight rows of a chain are
 * consecutive; cont = 1 on the first seven (the next row goes on with this row's result), last = 1 on the eighth.
 * With isTransition (row i → i + 1, never the last row → the first):
 *
 *   cont, last bits;  cont·(mult + last) = 0                                   (only a chain's first seven rows go on)
 *   pos = 0 on the first row;  pos' = cont·(pos + 1)                            (pos counts a chain's rows from 0)
 *   cont·(ch' − oh) = 0,  cont·(cl' − ol) = 0                                   (the next accumulator is this result)
 *   g = (ch, cl) on the first row;  g' − acc' = cont·(g − acc')                 (g: the chain's first accumulator)
 *   pa'_j = pa_{j+1} (j < 6),  pa'_6 = a, pa = 0 on the first row; pb, b alike   (the last seven lanes, shifted in)
 *   last·(pos − 7) = 0
 *
 * Why a received claim is the chain's: pos' is 0 or pos + 1, and pos starts at 0 on the first row, so pos < n
 * is the integer count of cont rows before it; a row with last = 1 has pos = 7, so the seven rows before it are
 * consecutive rows of one chain (each with cont = 1) and the row before those has cont = 0 or is the first row.
 * Along them each accumulator is the previous row's result; g is carried from the chain's first row, where it is
 * that row's accumulator; and the registers at the last row hold the a and b of the seven rows before it, in
 * order (pa_j = a of row r − 7 + j). So (A, B, acc) received are the chain's lanes and first accumulator, and
 * (out_hi, out_lo) its eighth result, each row's fma forced by bf16MacAir.
 *
 * Values in the VM. A word holding an f32 is its bit pattern as a 32-bit wide integer, (lo16, hi16, 0, …, 0):
 * lane 0 the low half, lane 1 the high half (word.ts's limb order, so `wideWord(BigInt(bits))` is the same word
 * and `assertEq` compares bit patterns). A bf16 pair is (a, b, …) in lanes 0 and 1. The CPU's `mac c, a, b` sends
 * (A₀, A₁, B₁, B₀, C₁, C₀) and forces C₂..C₇ = 0, so the result is a well-formed f32 word; lanes 2..7 of A and B
 * are not read. `macl c, a, b, #k` sends (A_k, B_k, C'₁, C'₀, C₁, C₀), C' the accumulator word that C replaces,
 * on the same bus (chips/cpu.ts); `macw c, a, b` sends (A, B, C'₁, C'₀, C₁, C₀) on MACW_BUS. An operand half that
 * is not below 2^16 has no row (the chip decomposes a, b and acc_hi into sign, exponent and fraction and
 * range-checks acc_lo): the executor traps on it (`macExecute`).
 *
 * Padding rows are the row of fma(+0, +0, +0) with mult = cont = last = 0 (their registers shifted on from the
 * rows before): they satisfy every constraint and claim nothing. bf16MacAir sends its range checks (59 into the
 * 16-bit table), its nine (k, 2^k) lookups (POW2_BUS) and its (t, half) lookup (HALF_BUS) into the powers-of-two
 * table with multiplicity 1 on every row, padding rows included, so the trace generator counts them for every row;
 * the machine adds the 32-row powers-of-two table to its tables (`macPow2Trace`).
 *
 * The executor computes every result with bf16Mac; the trace generator builds each row with bf16MacRow (which
 * derives everything from the inputs) and checks that the row's output is the recorded one.
 */
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { MAC_BUS, MACW_BUS } from '../buses.ts';
import { bf16Mac } from '../../fp/bf16.ts';
import { bf16MacResult, bf16MacRow, evalBf16Mac, MAC, MAC_WIDTH, macPow2Lookups, macRangeLookups, pow2Table } from './fp/bf16-mac.ts';
import type { Word } from '../word.ts';
import { MACW_LANES } from '../isa.ts';
import { paddedHeight, type Chip } from './chip.ts';
import type { Air } from '../../proof/air/air.ts';
import type { RangeCounter } from './range.ts';

/** One multiply-accumulate as the executor records it: bit patterns, out = bf16Mac(a, b, acc). */
export interface MacOp {
  /** bf16 bit patterns. */
  readonly a: number;
  readonly b: number;
  /** f32 bit patterns (unsigned). */
  readonly acc: number;
  readonly out: number;
  /** Of a `macw`: the fma's place in its chain, 0..7 (its row answers MACW_BUS at 7); absent for `mac` and `macl`. */
  readonly lane?: number;
}

export type MacResult = { ok: true; c: Word; op: MacOp } | { ok: false; trap: string };

/** A `macw` chain's rows: one per lane of the word pair (isa.ts MACW_LANES). */
const CHAIN = MACW_LANES;
const SHIFT = CHAIN - 1;

/**
 * Column layout: the MAC chip's columns at their own indices, then the multiplicity, the chain's flags and counter,
 * its first accumulator and the shift registers of the last seven lanes of a and of b.
 */
export const MAC_COLS = Object.freeze({
  ...MAC,
  mult: MAC_WIDTH,
  cont: MAC_WIDTH + 1,
  pos: MAC_WIDTH + 2,
  last: MAC_WIDTH + 3,
  gh: MAC_WIDTH + 4,
  gl: MAC_WIDTH + 5,
  pa: MAC_WIDTH + 6,
  pb: MAC_WIDTH + 6 + SHIFT,
});
export const MAC_CHIP_COLUMNS = MAC_WIDTH + 6 + 2 * SHIFT;
/** Column names after the MAC's own (for the under-constraint checker's reports). */
export const MAC_CHIP_NAMES: readonly string[] = ['mult', 'cont', 'pos', 'last', 'gh', 'gl', ...Array.from({ length: SHIFT }, (_, j) => `pa${j}`), ...Array.from({ length: SHIFT }, (_, j) => `pb${j}`)];

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

/**
 * The semantics of `macw c, a, b` (isa.ts): the eight fmas of lanes 0..7 in order from acc, the f32 word c held;
 * the eight operations, each with its place in the chain. Traps like macl on a lane or an accumulator that is not
 * a bit pattern.
 */
export function macwExecute(a: Word, b: Word, acc: Word): { ok: true; c: Word; ops: MacOp[] } | { ok: false; trap: string } {
  if (!isHalf(acc[0]) || !isHalf(acc[1])) return { ok: false, trap: `macw: the accumulator (${acc[0]}, ${acc[1]}, …) is not an f32 (lo16, hi16)` };
  const ops: MacOp[] = [];
  let c = acc;
  for (let k = 0; k < CHAIN; k++) {
    if (!isHalf(a[k]) || !isHalf(b[k])) return { ok: false, trap: `macw: lane ${k} of A and of B (${a[k]}, ${b[k]}) are not bf16 bit patterns` };
    const r = macExecute([a[k], b[k], 0, 0, 0, 0, 0, 0], c);
    if (!r.ok) return r;
    ops.push({ ...r.op, lane: k });
    c = r.c;
  }
  return { ok: true, c, ops };
}

/** The constraints of bf16MacAir, the receives of `mac`/`macl` and of `macw`, and the chains' links (module comment). */
const macChipAir: Air = {
  name: 'bf16-mac',
  width: MAC_CHIP_COLUMNS,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    evalBf16Mac(b);
    const m = (c: number) => b.main(c);
    const n = (c: number) => b.mainNext(c);
    const [mult, cont, pos, last] = [m(MAC_COLS.mult), m(MAC_COLS.cont), m(MAC_COLS.pos), m(MAC_COLS.last)];
    b.assertBool(mult, 'mult is a bit');
    b.receive(MAC_BUS, [MAC.a, MAC.b, MAC.ch, MAC.cl, MAC.oh, MAC.ol].map(m), mult);
    b.assertBool(cont, 'cont is a bit');
    b.assertBool(last, 'last is a bit');
    // A row that answers MAC_BUS or ends a chain does not go on into the next (so no flag is left free).
    b.assertZero(cont.mul(mult.add(last)), 'a chain goes on only from its first seven rows');
    const T = b.isTransition;
    b.assertZero(b.isFirstRow.mul(pos), 'a chain counter starts at 0');
    b.assertZero(T.mul(n(MAC_COLS.pos).sub(cont.mul(pos.add(1)))), "pos' = cont·(pos + 1)");
    b.assertZero(T.mul(cont).mul(n(MAC.ch).sub(m(MAC.oh))), 'a chain goes on from this result (high half)');
    b.assertZero(T.mul(cont).mul(n(MAC.cl).sub(m(MAC.ol))), 'a chain goes on from this result (low half)');
    for (const [g, acc] of [[MAC_COLS.gh, MAC.ch], [MAC_COLS.gl, MAC.cl]] as const) {
      b.assertZero(b.isFirstRow.mul(m(g).sub(m(acc))), 'the first row starts a chain');
      b.assertZero(T.mul(n(g).sub(n(acc)).sub(cont.mul(m(g).sub(n(acc))))), "g' is g along a chain, else the next accumulator");
    }
    for (const [p, v] of [[MAC_COLS.pa, MAC.a], [MAC_COLS.pb, MAC.b]] as const) {
      // Zeros on the first row (no lane before it: no register is left free there).
      for (let j = 0; j < SHIFT; j++) b.assertZero(b.isFirstRow.mul(m(p + j)), 'the registers start at zero');
      for (let j = 0; j < SHIFT - 1; j++) b.assertZero(T.mul(n(p + j).sub(m(p + j + 1))), 'the lanes shift on');
      b.assertZero(T.mul(n(p + SHIFT - 1).sub(m(v))), 'the lane shifts in');
    }
    b.assertZero(last.mul(pos.sub(SHIFT)), 'a chain ends at its eighth row');
    const lanes = (p: number, v: number) => [...Array.from({ length: SHIFT }, (_, j) => m(p + j)), m(v)];
    b.receive(MACW_BUS, [...lanes(MAC_COLS.pa, MAC.a), ...lanes(MAC_COLS.pb, MAC.b), m(MAC_COLS.gh), m(MAC_COLS.gl), m(MAC.oh), m(MAC.ol)], last);
  },
};

let paddingRow: Uint32Array | null = null;
/** fma(+0, +0, +0) = +0: the MAC's columns of a padding row. */
function padding(): Uint32Array {
  paddingRow ??= Uint32Array.from(bf16MacRow(0, 0, 0));
  return paddingRow;
}

function trace(ops: readonly MacOp[], range: RangeCounter, minRows = 1): Matrix {
  const height = paddedHeight(ops.length, minRows);
  const W = MAC_CHIP_COLUMNS;
  const out = new Uint32Array(height * W);
  const pad = padding();
  const padLookups = macRangeLookups(pad);
  let first = 0;
  for (let i = 0; i < height; i++) {
    const o = i * W;
    const op = ops[i];
    if (op) {
      const row = bf16MacRow(op.a, op.b, op.acc);
      const got = bf16MacResult(row);
      if (got !== op.out >>> 0) throw new Error(`bf16-mac chip: operation ${i} records ${(op.out >>> 0).toString(16)}, the row computes ${got.toString(16)}`);
      out.set(row, o);
      for (const v of macRangeLookups(row)) range.addU16(v);
      const lane = op.lane;
      if (lane === undefined) out[o + MAC_COLS.mult] = 1;
      else {
        // A chain's rows are consecutive and in lane order, as the executor records them.
        const prev = ops[i - 1];
        if (lane !== (lane === 0 ? 0 : (prev?.lane ?? -2) + 1) || (lane < SHIFT && ops[i + 1]?.lane !== lane + 1)) throw new Error(`bf16-mac chip: operation ${i} is lane ${lane} of a chain that is not eight consecutive rows`);
        out[o + MAC_COLS.cont] = lane < SHIFT ? 1 : 0;
        out[o + MAC_COLS.pos] = lane;
        out[o + MAC_COLS.last] = lane === SHIFT ? 1 : 0;
      }
    } else {
      out.set(pad, o);
      for (const v of padLookups) range.addU16(v);
    }
    // g: the chain's first accumulator (a row outside a chain starts its own).
    if (i === 0 || out[o - W + MAC_COLS.cont] === 0) first = i;
    out[o + MAC_COLS.gh] = out[first * W + MAC.ch]!;
    out[o + MAC_COLS.gl] = out[first * W + MAC.cl]!;
    // The registers: the previous row's shifted by one, its own lane last (zeros on the first row).
    if (i > 0) {
      for (const [p, v] of [[MAC_COLS.pa, MAC.a], [MAC_COLS.pb, MAC.b]] as const) {
        for (let j = 0; j < SHIFT - 1; j++) out[o + p + j] = out[o - W + p + j + 1]!;
        out[o + p + SHIFT - 1] = out[o - W + v]!;
      }
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
 * chip's answer, on MAC_BUS and on MACW_BUS (its lanes and first accumulator fixed, the chain's result claimed); a
 * padding row (mult, cont and last 0: no chain goes through it) claims nothing, so every column of it is free.
 */
export const macChipSoundness: ChipSoundness = {
  inputs: [],
  outputs: [],
  claims: [
    { bus: MAC_BUS, received: [0, 1, 2, 3] },
    { bus: MACW_BUS, received: Array.from({ length: 2 * CHAIN + 2 }, (_, i) => i) },
  ],
  free: [
    {
      reason: 'a padding row (mult, cont and last 0) claims nothing',
      columns: (row) => (row[MAC_COLS.mult] === 0 && row[MAC_COLS.cont] === 0 && row[MAC_COLS.last] === 0 ? Array.from({ length: MAC_CHIP_COLUMNS }, (_, i) => i) : []),
    },
  ],
};
