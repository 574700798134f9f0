// NVIDIA Hopper BF16 tensor-core arithmetic (`mma.sync` m16n8k16 / `wgmma` k16, f32 accumulator): the bit-exact
// reference for one output element, `D = mma16(A[16], B[16], C)`, and for a GEMM dot product computed as a chain
// of such operations. The model is MMA-Sim's (Microsoft, arXiv 2511.10909, github.com/microsoft/MMA-Sim, which
// validates it bit for bit against real GPUs); this is an independent integer formulation of it, not a port.
//
// The model. A tensor core does not chain IEEE fmas. It forms the 16 products exactly, aligns them and the addend
// C to the largest exponent in one fixed-width adder, adds, and normalises once:
//
// 1. Every operand is a significand times a power of two with the format's minimum exponent −126 for both bf16
//    and f32: a bf16 with exponent field E and fraction f is sig·2^(e−7) with e = max(E, 1) − 127 and
//    sig = f + 128·[E ≠ 0] (8 bits); an f32 C is sigC·2^(eC−23) likewise (24 bits). Subnormals are kept. The
//    exponent is read from the exponent field without looking at the significand, so a zero has e = −126.
// 2. Product i has the exponent p_i = e_Ai + e_Bi (not renormalised: its significand sigA·sigB/2^14 lies in
//    [0, 4)), and the value m_i·2^(p_i − 14) with m_i = sigA·sigB < 2^16, exact. A zero product therefore still
//    carries p_i = −126 + e_B (or e_A − 126): a zero times a large number can set e_max and so coarsen the grid
//    every other term is cut to. C is always one of the terms, even when zero, so e_max ≥ −126.
// 3. e_max = max(eC, p_0, …, p_15). The adder keeps 25 fractional bits below 2^e_max (Hopper's width, measured
//    by MMA-Sim: 23 on Volta, 24 on Ampere and Ada, 25 on Hopper and Blackwell; an f32 significand's 23 bits plus
//    two): each term is cut toward zero to a multiple of g = 2^(e_max − 25). Bits shifted out of the aligner are
//    dropped, with no guard or sticky bit, so this is truncation of each term's magnitude, not rounding, and the
//    result depends on all 17 terms at once through e_max: it equals no order of fmas. In units of g a product is
//    m_i·2^(11 − d) with d = e_max − p_i (a left shift when d ≤ 11, else ⌊m_i / 2^(d−11)⌋), and C is
//    sigC·2^(2 − dC) with dC = e_max − eC.
// 4. The truncated terms are added exactly: S = Σ ±t_i, an integer with |S| < 16·2^27 + 2^26 < 2^32 (a product
//    at e_max is below 2^27 units, C below 2^26), so plain JavaScript numbers hold it exactly. The value is S·g.
// 5. S·g is converted to f32 rounding toward zero: the top 24 bits of |S| are kept (or, below 2^−126, the bits at
//    and above 2^−149), the rest dropped. S = 0 gives +0, whatever the signs of the zeros that produced it, and so
//    does a nonzero S·g below 2^−149 (it truncates to nothing; the sign is not kept). If the leading bit of |S|·g
//    is at 2^128 or above the result is the infinity of S's sign: the hardware's narrowing saturates to infinity,
//    not to the largest finite value that IEEE round-toward-zero would give (which is only reached from below:
//    sums in [2^128 − 2^104, 2^128) truncate to 7F7FFFFF).
// 6. Specials come first: a NaN in any operand, an infinity times a zero, or infinities of both signs among the
//    products and C give the NaN 7FFFFFFF; otherwise an infinite product or C gives that infinity.
//
// The chained dot product (a GEMM without split-K, K a multiple of 16 in increasing k):
// acc = +0; acc = mma16(A[t..t+15], B[t..t+15], acc) for t = 0, 16, …; the epilogue writes f32ToBf16(acc)
// (round to nearest even). Everything here is integer arithmetic on JavaScript numbers below 2^53 (shifts of
// values below 2^32, sums, comparisons, Math.floor of a division by a power of two), as in f32.ts: the host's
// floating point never rounds anything.

import { f32ToBf16 } from './bf16.ts';
import type { DotResult } from './bf16.ts';

/** The width of one tensor-core operation's reduction (k16). */
export const MMA_K = 16;
/** Fractional bits the Hopper adder keeps below 2^e_max. */
export const MMA_FRACTION_BITS = 25;
/** The NaN every tensor-core operation returns. */
export const MMA_NAN = 0x7fffffff;

const POS_INF = 0x7f800000;
const NEG_INF = 0xff800000;

/** 2^k for k = 0..63, exact. */
const POW2: readonly number[] = Array.from({ length: 64 }, (_, k) => 2 ** k);

/** ⌊z / 2^k⌋ for an integer z in [0, 2^53) and k ≥ 0 (0 once every bit is gone). */
function shiftDown(z: number, k: number): number {
  return k >= 53 ? 0 : Math.floor(z / POW2[k]);
}

/** Number of significant bits of an integer z in [0, 2^32). */
function bitLength(z: number): number {
  return 32 - Math.clz32(z);
}

/**
 * One operation's intermediate values, what a chip's witness needs: the specials' verdict, or e_max, the 17
 * truncated terms in units of 2^(e_max − 25) (signed; products first, C last) and their exact sum.
 */
export type Mma16Trace =
  | { kind: 'nan'; result: number }
  | { kind: 'inf'; result: number }
  | { kind: 'finite'; eMax: number; terms: number[]; sum: number; result: number };

/**
 * The Hopper tensor-core operation on 16 bf16 pairs and an f32 addend, with its intermediate values.
 * `a` and `b` are bf16 bit patterns, read from `offset` (16 of each); `c` is an f32 bit pattern.
 */
export function mma16Trace(a: ArrayLike<number>, b: ArrayLike<number>, c: number, offset = 0): Mma16Trace {
  if (offset < 0 || offset + MMA_K > a.length || offset + MMA_K > b.length) {
    throw new RangeError(`mma16 needs ${MMA_K} operands from offset ${offset}, have ${a.length} and ${b.length}`);
  }
  c >>>= 0;
  const cExp = (c >>> 23) & 0xff;
  const cFrac = c & 0x7fffff;

  // Specials (step 6): NaN wins over everything; then infinities of both signs cancel into NaN.
  let nan = cExp === 0xff && cFrac !== 0;
  let posInf = c === POS_INF;
  let negInf = c === NEG_INF;
  for (let i = offset; i < offset + MMA_K; i++) {
    const x = a[i] & 0xffff;
    const y = b[i] & 0xffff;
    const xMag = x & 0x7fff;
    const yMag = y & 0x7fff;
    if (xMag > 0x7f80 || yMag > 0x7f80) nan = true;
    else if (xMag === 0x7f80 || yMag === 0x7f80) {
      if (xMag === 0 || yMag === 0) nan = true; // ∞·0
      else if (((x ^ y) & 0x8000) !== 0) negInf = true;
      else posInf = true;
    }
  }
  if (nan || (posInf && negInf)) return { kind: 'nan', result: MMA_NAN };
  if (posInf) return { kind: 'inf', result: POS_INF };
  if (negInf) return { kind: 'inf', result: NEG_INF };

  // Exponents and exact products (steps 1 and 2).
  const p: number[] = new Array(MMA_K);
  const m: number[] = new Array(MMA_K);
  const neg: boolean[] = new Array(MMA_K);
  const eC = Math.max(cExp, 1) - 127;
  let eMax = eC;
  for (let j = 0; j < MMA_K; j++) {
    const x = a[offset + j] & 0xffff;
    const y = b[offset + j] & 0xffff;
    const xe = (x >>> 7) & 0xff;
    const ye = (y >>> 7) & 0xff;
    const xs = (x & 0x7f) | (xe === 0 ? 0 : 0x80);
    const ys = (y & 0x7f) | (ye === 0 ? 0 : 0x80);
    p[j] = Math.max(xe, 1) + Math.max(ye, 1) - 254;
    m[j] = xs * ys;
    neg[j] = ((x ^ y) & 0x8000) !== 0;
    if (p[j] > eMax) eMax = p[j];
  }

  // Truncation to multiples of 2^(eMax − 25) and the exact sum (steps 3 and 4).
  const terms: number[] = new Array(MMA_K + 1);
  let sum = 0;
  for (let j = 0; j < MMA_K; j++) {
    const d = eMax - p[j];
    const t = d <= 11 ? m[j] * POW2[11 - d] : shiftDown(m[j], d - 11);
    terms[j] = neg[j] && t !== 0 ? -t : t; // no -0 in a witness
    sum += terms[j];
  }
  const cSig = cFrac | (cExp === 0 ? 0 : 0x800000);
  const dC = eMax - eC;
  const tC = dC <= 2 ? cSig * POW2[2 - dC] : shiftDown(cSig, dC - 2);
  terms[MMA_K] = c >>> 31 && tC !== 0 ? -tC : tC;
  sum += terms[MMA_K];

  return { kind: 'finite', eMax, terms, sum, result: truncateToF32(sum, eMax - MMA_FRACTION_BITS) };
}

/**
 * `s·2^e` (s an integer with |s| < 2^32) converted to f32 rounding toward zero, as the tensor core does (step 5):
 * zero and values that truncate to nothing give +0, a leading bit at 2^128 or above gives an infinity.
 */
export function truncateToF32(s: number, e: number): number {
  if (s === 0) return 0;
  const sign = s < 0 ? 0x80000000 : 0;
  const mag = Math.abs(s);
  const n = bitLength(mag);
  const top = e + n - 1; // the exponent of the leading bit
  if (top >= 128) return (sign | POS_INF) >>> 0;
  if (top >= -126) {
    const sig = n >= 24 ? shiftDown(mag, n - 24) : mag * POW2[24 - n];
    return (sign + (top + 127) * 0x800000 + (sig - 0x800000)) >>> 0;
  }
  // Subnormal: the multiple of 2^−149 at or below |s|·2^e.
  const k = e + 149;
  const frac = k >= 0 ? mag * POW2[k] : shiftDown(mag, -k);
  return frac === 0 ? 0 : (sign + frac) >>> 0;
}

/** `D = mma16(A, B, C)`: one Hopper BF16 tensor-core operation for one output element (f32 bit pattern). */
export function mma16(a: ArrayLike<number>, b: ArrayLike<number>, c: number, offset = 0): number {
  return mma16Trace(a, b, c, offset).result;
}

/**
 * A GEMM dot product on Hopper tensor cores: acc = +0, then one mma16 per chunk of 16 in increasing k; `out` is
 * the accumulator rounded to bf16 (nearest even; a NaN accumulator becomes the canonical 7FC0). K must be a
 * multiple of 16 (K = 0 gives +0; a kernel that pads K with zeros in A and B gets the same result, a 0·0 product's
 * exponent −252 lying below C's).
 */
export function bf16MmaDot(a: ArrayLike<number>, b: ArrayLike<number>): DotResult {
  return chained(a, b, true);
}

/**
 * The GEMM dot product for any K: a kernel zero-fills the last K tile of A and B, so K is padded with zeros to a
 * multiple of 16, which changes nothing but lets the last operation run (`order: tensor_core` checks this).
 */
export function bf16MmaDotPadded(a: ArrayLike<number>, b: ArrayLike<number>): DotResult {
  return chained(a, b, false);
}

function chained(a: ArrayLike<number>, b: ArrayLike<number>, strict: boolean): DotResult {
  if (a.length !== b.length) throw new RangeError(`dot product of vectors of lengths ${a.length} and ${b.length}`);
  if (strict && a.length % MMA_K !== 0) throw new RangeError(`tensor-core dot product needs K a multiple of ${MMA_K}, got ${a.length}`);
  const k = Math.ceil(a.length / MMA_K) * MMA_K;
  const pad = (x: ArrayLike<number>) => (k === x.length ? x : Array.from({ length: k }, (_, i) => (i < x.length ? x[i]! : 0)));
  const [pa, pb] = [pad(a), pad(b)];
  let acc = 0;
  for (let t = 0; t < k; t += MMA_K) acc = mma16(pa, pb, acc, t);
  return { acc, out: f32ToBf16(acc) };
}
