/**
 * The element-wise non-linearities of a BF16 network, GELU, SiLU and the exp that softmax uses, correctly rounded
 * to bf16: the values the lookup tables of runtime/vm/chips/fp/nonlinear-tables.ts hold, one per function. See
 * docs/fp.md, "Lookup tables for non-linearities".
 *
 * **Definition.** Each entry is the exact real value of f at the bf16 input, correctly rounded to bf16: round to
 * nearest, ties to even, with bf16's subnormals kept (quantum 2^-133 below 2^-126) and overflow to infinity when
 * the value rounded with an unbounded exponent is 2^128 or more (so the largest finite value 0x7F7F, then +inf).
 *
 *   exp(x)  = e^x.
 *   GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), the exact (erf) form of Hendrycks and Gimpel, "Gaussian Error Linear
 *             Units (GELUs)", arXiv:1606.08415 (2016), not their tanh approximation.
 *   SiLU(x) = x·σ(x) = x / (1 + e^-x), the sigmoid-weighted linear unit of Elfwing, Uchibe and Doya (Neural
 *             Networks 107, 2018; arXiv:1702.03118), also called Swish-1 (Ramachandran, Zoph and Le,
 *             arXiv:1710.05941, 2017).
 *
 * Special inputs: every NaN gives the canonical 0x7FC0. exp(±0) = 1 (0x3F80), exp(+inf) = +inf, exp(−inf) = +0.
 * GELU(±0) = ±0 and SiLU(±0) = ±0 (x times a positive factor). GELU(+inf) = SiLU(+inf) = +inf, and
 * GELU(−inf) = SiLU(−inf) = −0: the limit from below, and the value every finite x ≤ −14 (GELU) or x ≤ −128 (SiLU)
 * rounds to. (A framework that evaluates x·Φ(x) or x/(1+e^-x) in floating point gets NaN at −inf.) A nonzero
 * result that rounds to zero keeps its sign: GELU and SiLU have the sign of x, exp is positive.
 *
 * **How it is computed.** No host floating point decides a result. For each finite nonzero input the value is
 * enclosed in an interval with BigInt endpoints, [lo·2^e, hi·2^e], by interval arithmetic that rounds every
 * operation outward (sums and products exactly, then trimmed to `prec` significant bits, floor for lo and ceil
 * for hi; quotients floored and ceiled). Series are summed with a proven bound on their tails. If both endpoints
 * round to the same bf16 pattern, that is the correctly rounded value of everything in the interval (rounding is
 * monotone), the true value included; otherwise the precision doubles and it tries again (Ziv's strategy), up to
 * MAX_PRECISION bits. A result is therefore the unique correctly rounded value, whatever precision found it, and
 * the table is the same on every machine. Every one of the 3 × 65,536 entries is resolved (most at 64 bits; the
 * ones near a rounding boundary, such as GELU and SiLU of subnormals, whose values lie a hair from a midpoint,
 * at up to a few hundred). Numbers are used only to choose a starting precision or a reduction k, which affect
 * speed, never the result.
 *
 *   exp(x): k = nearest integer to x/ln 2, r = x − k·ln 2 (ln 2 = 2·atanh(1/3) enclosed to prec + 16 bits),
 *     e^x = 2^k·Σ r^n/n! with |r| ≤ 1/2, and the tail after term N at most 2|r^N/N!|.
 *   SiLU(x) = x / (1 + e^-x), with e^-x as above.
 *   GELU(x) = x/2 + x²·φ(x)·Σ_{n≥0} x^{2n}/(2n+1)!!, φ(x) = e^{-x²/2}/√(2π) (Marsaglia, "Evaluating the normal
 *     distribution", J. Stat. Software 11(4), 2004: Φ(x) = 1/2 + φ(x)·Σ x^{2n+1}/(2n+1)!!). Every term of the
 *     series is positive; once the ratio x²/(2n+3) of consecutive terms is at most 1/2 the tail after term N is
 *     at most twice term N. 1/√(2π) comes from π (Machin's formula) and an integer square root. For x < 0 the sum
 *     cancels to about x·Φ(x) ≈ e^{-x²/2}, so the starting precision grows by x²/(2 ln 2) bits.
 *
 * Ranges settled by a bound instead of an evaluation (each result is the exact rounding of the value):
 *   exp: x ≥ 128 gives +inf (e^128 > 2^128); x ≤ −128 gives +0 (e^-128 < 2^-184, below half the least subnormal
 *     2^-133).
 *   SiLU: x ≥ 128 gives x (x·σ(x) = x·(1 − δ) with 0 < δ < e^-x < 2^-9, and x(1 − δ) for 0 < δ < 2^-9 is above
 *     the midpoint below the bf16 value x); x ≤ −128 gives −0 (|x·σ(x)| < |x|·e^x < 2^-170).
 *   GELU: x ≥ 8 gives x (x·Φ(x) = x·(1 − Q(x)), Q(x) < φ(x)/x < 2^-50, Mills' ratio); x ≤ −14 gives −0
 *     (|x·Φ(x)| = |x|·Q(|x|) < φ(14) < 2^-141).
 */
import { BF16_CANONICAL_NAN, BF16_NEG_ZERO, BF16_POS_INF, BF16_POS_ZERO } from './bf16.ts';

/** The non-linearities, by name. */
export type NonlinearFn = 'gelu' | 'silu' | 'exp';
export const NONLINEAR_FNS: readonly NonlinearFn[] = ['gelu', 'silu', 'exp'];

/** bf16 1.0. */
const BF16_ONE = 0x3f80;

/** The most bits the interval evaluation tries before giving up (never reached on a bf16 input). */
export const MAX_PRECISION = 4096;

// ---------------------------------------------------------------------------------------------------------------
// Outward-rounded interval arithmetic on dyadic rationals

/** The real interval [lo·2^e, hi·2^e], lo ≤ hi. */
interface Iv {
  readonly lo: bigint;
  readonly hi: bigint;
  readonly e: number;
}

/** The working precision: endpoints are trimmed to about `prec` significant bits. */
interface Ctx {
  readonly prec: number;
  /** 2^(prec + 8): endpoints below it in magnitude are left as they are. */
  readonly limit: bigint;
}

const ctxOf = (prec: number): Ctx => ({ prec, limit: 1n << BigInt(prec + 8) });
const point = (n: bigint, e: number): Iv => ({ lo: n, hi: n, e });
const abs = (n: bigint): bigint => (n < 0n ? -n : n);
/** An upper bound on the bit length of |n|, exact to within 3 (whole hex digits). */
const hexBits = (n: bigint): number => (n === 0n ? 0 : abs(n).toString(16).length * 4);
/** The exact bit length of n > 0. */
const bitLength = (n: bigint): number => n.toString(2).length;

function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n ? q - 1n : q;
}

function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n > 0n ? q + 1n : q;
}

/** Trims the endpoints to about ctx.prec bits, lo down and hi up (>> is floor on BigInt). */
function trim(a: Iv, ctx: Ctx): Iv {
  if (a.lo < ctx.limit && a.lo > -ctx.limit && a.hi < ctx.limit && a.hi > -ctx.limit) return a;
  const s = Math.max(hexBits(a.lo), hexBits(a.hi)) - ctx.prec;
  const sb = BigInt(s);
  return { lo: a.lo >> sb, hi: -(-a.hi >> sb), e: a.e + s };
}

function add(a: Iv, b: Iv, ctx: Ctx): Iv {
  if (a.e > b.e) [a, b] = [b, a];
  const s = BigInt(b.e - a.e);
  return trim({ lo: a.lo + (b.lo << s), hi: a.hi + (b.hi << s), e: a.e }, ctx);
}

const neg = (a: Iv): Iv => ({ lo: -a.hi, hi: -a.lo, e: a.e });

function mul(a: Iv, b: Iv, ctx: Ctx): Iv {
  if (a.lo >= 0n && b.lo >= 0n) return trim({ lo: a.lo * b.lo, hi: a.hi * b.hi, e: a.e + b.e }, ctx);
  const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  let lo = p[0]!;
  let hi = p[0]!;
  for (const v of p) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return trim({ lo, hi, e: a.e + b.e }, ctx);
}

/** a · k for an integer k (exact). */
const mulInt = (a: Iv, k: bigint): Iv => (k >= 0n ? { lo: a.lo * k, hi: a.hi * k, e: a.e } : { lo: a.hi * k, hi: a.lo * k, e: a.e });

/** a / d for an integer d > 0. */
function divInt(a: Iv, d: bigint, ctx: Ctx): Iv {
  const s = Math.max(0, ctx.prec + hexBits(d) + 4 - Math.max(hexBits(a.lo), hexBits(a.hi)));
  const sb = BigInt(s);
  return trim({ lo: floorDiv(a.lo << sb, d), hi: ceilDiv(a.hi << sb, d), e: a.e - s }, ctx);
}

/** a / b for b > 0. */
function div(a: Iv, b: Iv, ctx: Ctx): Iv {
  if (b.lo <= 0n) throw new Error('nonlinear: division by an interval that is not positive');
  const s = Math.max(0, ctx.prec + hexBits(b.hi) + 4 - Math.max(hexBits(a.lo), hexBits(a.hi)));
  const sb = BigInt(s);
  const nlo = a.lo << sb;
  const nhi = a.hi << sb;
  const lo = a.lo >= 0n ? floorDiv(nlo, b.hi) : floorDiv(nlo, b.lo);
  const hi = a.hi >= 0n ? ceilDiv(nhi, b.lo) : ceilDiv(nhi, b.hi);
  return trim({ lo, hi, e: a.e - s - b.e }, ctx);
}

/** Whether every value of a has magnitude below 2^p. */
function below(a: Iv, p: number): boolean {
  const m = abs(a.lo) > abs(a.hi) ? abs(a.lo) : abs(a.hi);
  const q = p - a.e;
  return q <= 0 ? m === 0n : m < 1n << BigInt(q);
}

/** floor(√n) for n ≥ 0 (Newton's method from above). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Constants, enclosed to w fraction bits and cached

const ln2Cache = new Map<number, Iv>();
const invSqrt2PiCache = new Map<number, Iv>();

/** ln 2 = 2·atanh(1/3) = Σ_{k≥0} 2 / ((2k+1)·3^(2k+1)), to w fraction bits. */
function ln2(w: number): Iv {
  let c = ln2Cache.get(w);
  if (c) return c;
  const num = 1n << BigInt(w + 1);
  let lo = 0n;
  let hi = 0n;
  let pow3 = 3n;
  for (let k = 0; ; k++) {
    const d = BigInt(2 * k + 1) * pow3;
    if (d > num) break;
    lo += num / d;
    hi += ceilDiv(num, d);
    pow3 *= 9n;
  }
  // The first omitted term is below one unit and each later one is below 1/9 of the one before: the tail is < 9/8.
  c = { lo, hi: hi + 2n, e: -w };
  ln2Cache.set(w, c);
  return c;
}

/** atan(1/m) = Σ (−1)^k / ((2k+1)·m^(2k+1)) at scale 2^w, alternating with decreasing terms. */
function atanInv(m: bigint, w: number): { lo: bigint; hi: bigint } {
  const num = 1n << BigInt(w);
  let lo = 0n;
  let hi = 0n;
  let pow = m;
  for (let k = 0; ; k++) {
    const d = BigInt(2 * k + 1) * pow;
    if (d > num) break;
    if (k % 2 === 0) {
      lo += num / d;
      hi += ceilDiv(num, d);
    } else {
      lo -= ceilDiv(num, d);
      hi -= num / d;
    }
    pow *= m * m;
  }
  // The tail of an alternating series with decreasing terms is at most its first term, here below one unit.
  return { lo: lo - 1n, hi: hi + 1n };
}

/** 1/√(2π), to w fraction bits: π = 16·atan(1/5) − 4·atan(1/239) (Machin), then an integer square root. */
function invSqrt2Pi(w: number): Iv {
  let c = invSqrt2PiCache.get(w);
  if (c) return c;
  const g = w + 8;
  const a = atanInv(5n, g);
  const b = atanInv(239n, g);
  const piLo = 16n * a.lo - 4n * b.hi;
  const piHi = 16n * a.hi - 4n * b.lo;
  // 1/(2π)·2^(2w) = 2^(2w+g) / (2·π·2^g); its square root is (1/√(2π))·2^w.
  const n = 1n << BigInt(2 * w + g);
  const lo = isqrt(n / (2n * piHi));
  const qHi = ceilDiv(n, 2n * piLo);
  const r = isqrt(qHi);
  c = { lo, hi: r * r === qHi ? r : r + 1n, e: -w };
  invSqrt2PiCache.set(w, c);
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// The functions as enclosures

const LN2_APPROX = 0.6931471805599453;

/** e^(n·2^e) for |n·2^e| < 256, as an interval. */
function expIv(n: bigint, e: number, ctx: Ctx): Iv {
  const x = point(n, e);
  // The reduction k only needs to be near x/ln 2 (|r| ≤ 1/2 is checked); the enclosure does not depend on it.
  const k = Math.round((Number(n) * 2 ** e) / LN2_APPROX);
  const r = k === 0 ? x : add(x, neg(mulInt(ln2(ctx.prec + 16), BigInt(k))), ctx);
  if (!below(r, -1)) throw new Error('nonlinear: exp argument reduction left |r| > 1/2');
  let sum = point(1n, 0);
  let t = point(1n, 0);
  for (let i = 1; ; i++) {
    t = divInt(mul(t, r, ctx), BigInt(i), ctx);
    if (below(t, -(ctx.prec + 8))) {
      // Σ_{j≥i} r^j/j! ≤ |t|·Σ (|r|/(i+1))^j ≤ 2|t| for |r| ≤ 1/2.
      const m = 2n * (abs(t.lo) > abs(t.hi) ? abs(t.lo) : abs(t.hi));
      sum = add(sum, { lo: -m, hi: m, e: t.e }, ctx);
      break;
    }
    sum = add(sum, t, ctx);
  }
  return { lo: sum.lo, hi: sum.hi, e: sum.e + k };
}

/** GELU(m·2^e) = x/2 + x²·φ(x)·Σ x^{2n}/(2n+1)!!. */
function geluIv(m: bigint, e: number, ctx: Ctx): Iv {
  const v = m * m; // x² = v·2^(2e)
  const ve = 2 * e;
  const phi = mul(invSqrt2Pi(ctx.prec + 16), expIv(-v, ve - 1, ctx), ctx);
  let sum = point(1n, 0);
  let t = point(1n, 0);
  for (let i = 1; ; i++) {
    // t_i = t_{i−1}·x²/(2i+1); the ratio t_{j+1}/t_j = x²/(2j+3) decreases with j.
    t = divInt(mulInt({ lo: t.lo, hi: t.hi, e: t.e + ve }, v), BigInt(2 * i + 1), ctx);
    // Tail Σ_{j≥i} t_j ≤ 2·t_i once x²/(2i+3) ≤ 1/2, that is 2·x² ≤ 2i + 3.
    const ratioOk = ve + 1 >= 0 ? v << BigInt(ve + 1) <= BigInt(2 * i + 3) : v <= BigInt(2 * i + 3) << BigInt(-(ve + 1));
    if (ratioOk && below(t, hexBits(sum.lo) - 4 + sum.e - ctx.prec - 8)) {
      sum = add(sum, { lo: 0n, hi: 2n * t.hi, e: t.e }, ctx);
      break;
    }
    sum = add(sum, t, ctx);
  }
  const tail = mul(mul(point(v, ve), phi, ctx), sum, ctx);
  return add(point(m, e - 1), tail, ctx);
}

/** SiLU(m·2^e) = x / (1 + e^-x). */
function siluIv(m: bigint, e: number, ctx: Ctx): Iv {
  return div(point(m, e), add(point(1n, 0), expIv(-m, e, ctx), ctx), ctx);
}

// ---------------------------------------------------------------------------------------------------------------
// Rounding to bf16

/** n·2^e (n ≠ 0) rounded to bf16, nearest even, subnormals kept, overflow to infinity. */
function roundDyadic(n: bigint, e: number): number {
  const sign = n < 0n ? 0x8000 : 0;
  const a = abs(n);
  const top = bitLength(a) - 1 + e; // 2^top ≤ |value| < 2^(top+1)
  if (top >= 128) return sign | BF16_POS_INF;
  const q = Math.max(top, -126) - 7; // the exponent of the quantum
  const s = q - e;
  let sig: bigint;
  if (s <= 0) sig = a << BigInt(-s);
  else {
    const sb = BigInt(s);
    sig = a >> sb;
    const rem = a - (sig << sb);
    const half = 1n << (sb - 1n);
    if (rem > half || (rem === half && (sig & 1n) === 1n)) sig += 1n;
  }
  const mag = top < -126 ? Number(sig) : ((top + 127) << 7) + Number(sig) - 128; // a carry to 256 bumps the exponent
  return sign | Math.min(mag, BF16_POS_INF);
}

/** The bf16 pattern every value of the interval rounds to, or null (the interval holds 0 or a rounding boundary). */
function roundIv(a: Iv): number | null {
  if (a.lo <= 0n && a.hi >= 0n) return null;
  const lo = roundDyadic(a.lo, a.e);
  return lo === roundDyadic(a.hi, a.e) ? lo : null;
}

/** The rounded value and the working precision that settled it (0 for an input settled without evaluation). */
export interface NonlinearResolution {
  readonly y: number;
  readonly bits: number;
}

function resolve(enclose: (ctx: Ctx) => Iv, start: number, what: string): NonlinearResolution {
  for (let prec = start; prec <= MAX_PRECISION; prec *= 2) {
    const y = roundIv(enclose(ctxOf(prec)));
    if (y !== null) return { y, bits: prec };
  }
  throw new Error(`nonlinear: ${what} not resolved at ${MAX_PRECISION} bits`);
}

// ---------------------------------------------------------------------------------------------------------------
// The reference functions

const isNaN16 = (x: number) => (x & 0x7fff) > BF16_POS_INF;

/** A finite bf16 pattern as m·2^e (m signed, |m| < 256), and its value as a number (exact). */
function decode(x: number): { m: bigint; e: number; value: number } {
  const exp = (x >>> 7) & 0xff;
  const frac = x & 0x7f;
  const mag = exp === 0 ? frac : frac | 0x80;
  const e = exp === 0 ? -133 : exp - 134;
  const s = x & 0x8000 ? -1 : 1;
  return { m: BigInt(s * mag), e, value: s * mag * 2 ** e };
}

/**
 * f(x) correctly rounded to bf16, computed (not cached): the definition of every table entry. `x` is a bf16 bit
 * pattern (only its low 16 bits are read).
 */
export function computeNonlinearBf16(fn: NonlinearFn, x: number): number {
  return resolveNonlinearBf16(fn, x).y;
}

/** computeNonlinearBf16 with the working precision that settled the result. */
export function resolveNonlinearBf16(fn: NonlinearFn, x: number): NonlinearResolution {
  x &= 0xffff;
  const settled = (y: number): NonlinearResolution => ({ y, bits: 0 });
  if (isNaN16(x)) return settled(BF16_CANONICAL_NAN);
  const negative = (x & 0x8000) !== 0;
  if ((x & 0x7fff) === 0) return settled(fn === 'exp' ? BF16_ONE : x);
  if ((x & 0x7fff) === BF16_POS_INF) {
    if (fn === 'exp') return settled(negative ? BF16_POS_ZERO : BF16_POS_INF);
    return settled(negative ? BF16_NEG_ZERO : BF16_POS_INF);
  }
  const { m, e, value } = decode(x);
  const what = `${fn}(0x${x.toString(16).padStart(4, '0')})`;
  switch (fn) {
    case 'exp':
      if (value >= 128) return settled(BF16_POS_INF);
      if (value <= -128) return settled(BF16_POS_ZERO);
      return resolve((ctx) => expIv(m, e, ctx), 64, what);
    case 'silu':
      if (value >= 128) return settled(x);
      if (value <= -128) return settled(BF16_NEG_ZERO);
      return resolve((ctx) => siluIv(m, e, ctx), 64, what);
    case 'gelu':
      if (value >= 8) return settled(x);
      if (value <= -14) return settled(BF16_NEG_ZERO);
      // For x < 0 the sum x/2 + (positive) cancels to about e^{-x²/2}: x²/(2 ln 2) more bits.
      return resolve((ctx) => geluIv(m, e, ctx), 64 + (value < 0 ? Math.ceil(value * value * 0.7214) : 0), what);
  }
}

const valueCache = new Map<NonlinearFn, Uint16Array>();

/** f(x) for every bf16 pattern x (index x), built on first use and cached; do not modify. */
export function nonlinearValues(fn: NonlinearFn): Uint16Array {
  let v = valueCache.get(fn);
  if (!v) {
    v = new Uint16Array(65536);
    for (let x = 0; x < 65536; x++) v[x] = computeNonlinearBf16(fn, x);
    valueCache.set(fn, v);
  }
  return v;
}

/** GELU(x) = x·Φ(x) (exact erf form), correctly rounded to bf16; x and the result are bf16 bit patterns. */
export const geluBf16 = (x: number): number => nonlinearValues('gelu')[x & 0xffff]!;
/** SiLU(x) = x·σ(x), correctly rounded to bf16. */
export const siluBf16 = (x: number): number => nonlinearValues('silu')[x & 0xffff]!;
/** e^x, correctly rounded to bf16. */
export const expBf16 = (x: number): number => nonlinearValues('exp')[x & 0xffff]!;
