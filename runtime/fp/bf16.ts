// BF16 (bfloat16: binary32 with its 16 low fraction bits dropped) conversions, the multiply-accumulate of a BF16
// GEMM with an FP32 accumulator, and dot products in a declared accumulation order. Bit patterns are uint16
// (bf16) and uint32 (f32) values held in numbers. See docs/fp.md for the exact definitions.

import { addF32, FLAG_INEXACT, FLAG_INVALID, FLAG_OVERFLOW, FLAG_UNDERFLOW, fmaF32, F32_POS_ZERO } from './f32.ts';
import type { FlagSink } from './f32.ts';

/** The one NaN f32ToBf16 returns. */
export const BF16_CANONICAL_NAN = 0x7fc0;
export const BF16_POS_ZERO = 0x0000;
export const BF16_NEG_ZERO = 0x8000;
export const BF16_POS_INF = 0x7f80;
export const BF16_NEG_INF = 0xff80;

export function isNaNBf16(x: number): boolean {
  return (x & 0x7fff) > 0x7f80;
}

/** The fields of a bf16 bit pattern: sign, biased exponent (8 bits), fraction (7 bits), significand with the hidden bit. */
export function unpackBf16(x: number): { sign: number; exp: number; frac: number; sig: number } {
  const exp = (x >>> 7) & 0xff;
  const frac = x & 0x7f;
  return { sign: (x >>> 15) & 1, exp, frac, sig: exp === 0 ? frac : frac | 0x80 };
}

/** Exact widening: the bf16 pattern becomes the high half of the f32 pattern (NaN payloads kept as they are). */
export function bf16ToF32(x: number): number {
  return ((x & 0xffff) << 16) >>> 0;
}

/**
 * f32 to bf16, round to nearest even on the 16 dropped bits (subnormals kept, overflow to infinity); every NaN
 * becomes the canonical 0x7FC0 (invalid raised for a signalling one). Flags as SoftFloat's `f32_to_bf16`.
 */
export function f32ToBf16(x: number, sink?: FlagSink): number {
  x >>>= 0;
  const hi = x >>> 16;
  const lo = x & 0xffff;
  if ((x & 0x7f800000) === 0x7f800000) {
    if ((x & 0x7fffff) === 0) return hi; // infinity
    if (sink !== undefined && (x & 0x400000) === 0) sink.flags |= FLAG_INVALID;
    return BF16_CANONICAL_NAN;
  }
  // Adding 0x7FFF, plus 1 when the kept part is odd, carries into the kept half exactly when RNE rounds up; a
  // carry out of the fraction increments the exponent (to infinity past the largest finite value).
  const r = (x + 0x7fff + (hi & 1)) >>> 16;
  if (sink !== undefined && lo !== 0) {
    let f = FLAG_INEXACT;
    if ((r & 0x7f80) === 0x7f80) f |= FLAG_OVERFLOW;
    // Tiny after rounding: the value rounded to 8 significant bits with unbounded exponent is below 2^-126,
    // which for an f32 subnormal input (exponent field 0) means its fraction is below 2^23 - 2^14.
    else if ((x & 0x7f800000) === 0 && (x & 0x7fffff) < 0x7fc000) f |= FLAG_UNDERFLOW;
    sink.flags |= f;
  }
  return r;
}

/** The MAC of a BF16 GEMM with an FP32 accumulator: fma(bf16ToF32(a), bf16ToF32(b), acc) in f32, one rounding. */
export function bf16Mac(a: number, b: number, acc: number, sink?: FlagSink): number {
  return fmaF32(bf16ToF32(a), bf16ToF32(b), acc, sink);
}

/**
 * Accumulation order of a dot product:
 * - `sequential`: acc = +0; for k in 0..K-1: acc = fma(a_k, b_k, acc).
 * - `blocked` with width B: the K terms split into consecutive blocks of B (the last may be shorter); each block
 *   is accumulated sequentially from +0 into a partial p_j; then acc = p_0, and acc = add(acc, p_j) for j = 1, 2, ...
 *   (K = 0 gives acc = +0). blocked(B) with B >= K is the sequential order.
 */
export type AccumulationOrder = { kind: 'sequential' } | { kind: 'blocked'; block: number };

export const SEQUENTIAL: AccumulationOrder = { kind: 'sequential' };

export function blocked(block: number): AccumulationOrder {
  if (!Number.isInteger(block) || block < 1) throw new RangeError(`block width must be a positive integer, got ${block}`);
  return { kind: 'blocked', block };
}

export interface DotResult {
  /** The f32 accumulator bit pattern. */
  acc: number;
  /** f32ToBf16(acc). */
  out: number;
}

/** Sequential accumulation of a[lo..hi) * b[lo..hi) from +0, f32 bit pattern. */
function accumulate(a: ArrayLike<number>, b: ArrayLike<number>, lo: number, hi: number, sink?: FlagSink): number {
  let acc = F32_POS_ZERO;
  for (let k = lo; k < hi; k++) acc = bf16Mac(a[k], b[k], acc, sink);
  return acc;
}

/**
 * Dot product of two bf16 vectors with an f32 accumulator in the given order (default sequential). The output is
 * the accumulator rounded to bf16. Flags, if asked for, are those of every fma and add along the way (the final
 * conversion's are not included; call f32ToBf16 on `acc` for those).
 */
export function bf16Dot(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  order: AccumulationOrder = SEQUENTIAL,
  sink?: FlagSink,
): DotResult {
  if (a.length !== b.length) throw new RangeError(`dot product of vectors of lengths ${a.length} and ${b.length}`);
  const n = a.length;
  let acc: number;
  if (order.kind === 'sequential' || order.block >= n) {
    acc = accumulate(a, b, 0, n, sink);
  } else {
    const w = order.block;
    acc = accumulate(a, b, 0, w, sink);
    for (let lo = w; lo < n; lo += w) acc = addF32(acc, accumulate(a, b, lo, Math.min(lo + w, n), sink), sink);
  }
  return { acc, out: f32ToBf16(acc) };
}
