// IEEE-754 binary32 on raw bit patterns: the bit-exact software reference for zpol's FP32 precompiles.
//
// Semantics (see docs/fp.md): round to nearest, ties to even; subnormals kept (no flush to zero); signed zeros;
// infinities; every NaN result is the one canonical quiet NaN 0x7FC00000 (payloads are never propagated);
// tininess is detected after rounding. Exception flags follow Berkeley SoftFloat 3 (x86 specialisation), which
// produced the conformance vectors.
//
// No host floating-point rounding is ever used. Values are held as JavaScript numbers that are always integers
// of magnitude below 2^53, on which +, -, *, Math.floor of a division by a power of two, and comparisons are
// exact: the host is used as an integer ALU only. The widest intermediate is the fused multiply-add's aligned
// sum, below 2^51. A circuit mirrors the same decomposition with limbs (see docs/fp.md, "Decomposition").
//
// Bit patterns are uint32 values (0 ..= 0xFFFFFFFF) held in numbers; inputs in int32 form (as read from an
// Int32Array) are accepted too. Results are always uint32.

/** IEEE exception flags, the bit layout of the conformance files' FLAGS byte (and of SoftFloat). */
export const FLAG_INEXACT = 1;
export const FLAG_UNDERFLOW = 2;
export const FLAG_OVERFLOW = 4;
/** Division by zero ("infinite" in SoftFloat); never raised by the operations in this module. */
export const FLAG_INFINITE = 8;
export const FLAG_INVALID = 16;

/**
 * Where an operation reports its exception flags: each call ORs the flags it raised into `flags` (sticky, as
 * IEEE status flags are). Pass `{ flags: 0 }` and read it back; leave it out when flags are not needed.
 */
export interface FlagSink {
  flags: number;
}

/** The one NaN every operation returns. */
export const F32_CANONICAL_NAN = 0x7fc00000;
export const F32_POS_ZERO = 0x00000000;
export const F32_NEG_ZERO = 0x80000000;
export const F32_POS_INF = 0x7f800000;
export const F32_NEG_INF = 0xff800000;
export const F32_SIGN_MASK = 0x80000000;

const QNAN = F32_CANONICAL_NAN;
const TWO_47 = 2 ** 47;

/** 2^k for k = 0..63, exact. */
const POW2: readonly number[] = Array.from({ length: 64 }, (_, k) => 2 ** k);

/** Flags raised by the operation in progress; reset by every public entry point. */
let raised = 0;

// ---------------------------------------------------------------------------------------------------------------
// Unpacking, packing and classification: the decomposition a circuit mirrors.

/** The fields of a binary32 bit pattern. */
export interface UnpackedF32 {
  /** 0 or 1. */
  sign: number;
  /** Biased exponent field, 0 ..= 255. */
  exp: number;
  /** Fraction field, 23 bits. */
  frac: number;
  /** Significand with the hidden bit: `frac | 2^23` when `exp != 0`, else `frac` (24 bits). */
  sig: number;
}

export function unpackF32(x: number): UnpackedF32 {
  const exp = (x >>> 23) & 0xff;
  const frac = x & 0x7fffff;
  return { sign: x >>> 31, exp, frac, sig: exp === 0 ? frac : frac | 0x800000 };
}

/** Packs fields into a bit pattern; `exp` 0 ..= 255 and `frac` < 2^23 are not checked. */
export function packF32(sign: number, exp: number, frac: number): number {
  return ((sign << 31) | (exp << 23) | frac) >>> 0;
}

export type F32Class = 'zero' | 'subnormal' | 'normal' | 'infinite' | 'quietNaN' | 'signalingNaN';

export function classifyF32(x: number): F32Class {
  const exp = (x >>> 23) & 0xff;
  const frac = x & 0x7fffff;
  if (exp === 0) return frac === 0 ? 'zero' : 'subnormal';
  if (exp !== 0xff) return 'normal';
  if (frac === 0) return 'infinite';
  return frac & 0x400000 ? 'quietNaN' : 'signalingNaN';
}

export function isNaNF32(x: number): boolean {
  return (x & 0x7fffffff) > 0x7f800000;
}

export function isSignalingNaNF32(x: number): boolean {
  return (x & 0x7fc00000) === 0x7f800000 && (x & 0x3fffff) !== 0;
}

/**
 * A finite nonzero value as `sign`, an exact integer significand `m` in [2^23, 2^24) (subnormals are normalised)
 * and an unbiased exponent `e` with value = (-1)^sign * m * 2^e. Zero, infinities and NaNs are the caller's
 * concern (this returns m = 0 for zero).
 */
export interface NormalisedF32 {
  sign: number;
  m: number;
  e: number;
}

export function normaliseF32(x: number): NormalisedF32 {
  let exp = (x >>> 23) & 0xff;
  let m = x & 0x7fffff;
  if (exp === 0) {
    if (m === 0) return { sign: x >>> 31, m: 0, e: 0 };
    const shift = Math.clz32(m) - 8;
    m <<= shift;
    exp = 1 - shift;
  } else {
    m |= 0x800000;
  }
  return { sign: x >>> 31, m, e: exp - 150 };
}

// ---------------------------------------------------------------------------------------------------------------
// Rounding.

/** `a >> dist` with every bit shifted out ORed into bit 0 ("jamming"); `a` < 2^32, dist >= 0. */
function shiftRightJam32(a: number, dist: number): number {
  if (dist === 0) return a;
  if (dist >= 31) return a !== 0 ? 1 : 0;
  return (a >>> dist) | ((a << (32 - dist)) !== 0 ? 1 : 0);
}

/**
 * `floor(z / 2^k)` with bit 0 forced to 1 when any shifted-out bit was set; `z` an integer in [0, 2^53), k >= 0.
 * The forced bit keeps the result inside the same rounding interval as the exact quotient (see docs/fp.md).
 */
function shiftRightJamWide(z: number, k: number): number {
  if (k === 0) return z;
  if (k >= 53) return z !== 0 ? 1 : 0;
  const p = POW2[k];
  const q = Math.floor(z / p);
  return z - q * p !== 0 && q % 2 === 0 ? q + 1 : q;
}

/** Number of significant bits of an integer z in [0, 2^53). */
function bitLength(z: number): number {
  if (z < 4294967296) return 32 - Math.clz32(z);
  return 64 - Math.clz32(Math.floor(z / 4294967296));
}

/**
 * Rounds and packs, exactly as SoftFloat's `softfloat_roundPackToF32` in round-to-nearest-even with tininess
 * detected after rounding. `sig` is an integer in [0, 2^31) whose low 7 bits are round bits (bit 0 sticky); for a
 * normalised significand bit 30 is set and the value is `sig / 2^30 * 2^(exp + 1 - 127)`; `exp` may be any
 * integer (negative: the result is subnormal or zero; above 0xFD: overflow). Raises inexact, underflow, overflow.
 */
export function roundPackF32(sign: number, exp: number, sig: number): number {
  let roundBits = sig & 0x7f;
  if (exp < 0) {
    const isTiny = exp < -1 || sig + 0x40 < 0x80000000;
    sig = shiftRightJam32(sig, -exp);
    exp = 0;
    roundBits = sig & 0x7f;
    if (isTiny && roundBits !== 0) raised |= FLAG_UNDERFLOW;
  } else if (exp >= 0xfd && (exp > 0xfd || sig + 0x40 >= 0x80000000)) {
    raised |= FLAG_OVERFLOW | FLAG_INEXACT;
    return sign ? F32_NEG_INF : F32_POS_INF;
  }
  sig = (sig + 0x40) >>> 7;
  if (roundBits !== 0) {
    raised |= FLAG_INEXACT;
    if (roundBits === 0x40) sig &= ~1;
  }
  if (sig === 0) exp = 0;
  // `+`, not `|`: a significand that rounded up to 2^24 carries into the exponent field.
  return ((sign << 31) + (exp << 23) + sig) >>> 0;
}

/**
 * Rounds the exact (or jammed) value `(-1)^sign * z * 2^e` to binary32, RNE. `z` is an integer in (0, 2^53); if
 * it was jammed, bit 0 must be the sticky bit of the exact value and at least 26 significant bits must remain.
 */
export function roundPackWideF32(sign: number, e: number, z: number): number {
  const n = bitLength(z);
  let sig: number;
  if (n <= 31) {
    sig = z * POW2[31 - n];
  } else {
    const p = POW2[n - 31];
    const q = Math.floor(z / p);
    sig = z - q * p !== 0 ? q | 1 : q;
  }
  return roundPackF32(sign, e + n + 125, sig);
}

/**
 * Adds two signed magnitudes `mx * 2^ex` and `my * 2^ey` with mx, my integers in [2^47, 2^48), and rounds once.
 * The larger operand is placed in [2^49, 2^50) with two zero low bits; the smaller one is aligned to it exactly,
 * or jammed when it would lose bits. An exact zero sum is +0 (RNE).
 */
function addAligned(sx: number, mx: number, ex: number, sy: number, my: number, ey: number): number {
  if (ex < ey || (ex === ey && mx < my)) {
    let t = sx;
    sx = sy;
    sy = t;
    t = mx;
    mx = my;
    my = t;
    t = ex;
    ex = ey;
    ey = t;
  }
  const e0 = ex - 2;
  const s = ey - e0; // <= 2
  const y = s >= 0 ? my * POW2[s] : shiftRightJamWide(my, -s);
  const z = sx === sy ? mx * 4 + y : mx * 4 - y;
  if (z === 0) return F32_POS_ZERO;
  return roundPackWideF32(sx, e0, z);
}

/** Invalid flag for NaN operands (signalling ones raise it) and the canonical NaN. */
function nanResult(a: number, b: number, c: number = 0): number {
  if (isSignalingNaNF32(a) || isSignalingNaNF32(b) || isSignalingNaNF32(c)) raised |= FLAG_INVALID;
  return QNAN;
}

function report(result: number, sink: FlagSink | undefined): number {
  if (sink !== undefined) sink.flags |= raised;
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Arithmetic.
//
// Each operation normalises its operands inline, as normaliseF32 does, on purpose: with a shared helper fma measured
// about 17% slower in Node 20 (the calls use up V8's inlining budget before the rounding code), and a shorter
// inline form (two conditional expressions per operand) left add about 20% slower in most runs.

function addCore(a: number, b: number): number {
  const ea = (a >>> 23) & 0xff;
  const eb = (b >>> 23) & 0xff;
  if (ea === 0xff || eb === 0xff) {
    if (isNaNF32(a) || isNaNF32(b)) return nanResult(a, b);
    if (ea === 0xff && eb === 0xff && (a ^ b) >>> 31 !== 0) {
      raised |= FLAG_INVALID; // inf - inf
      return QNAN;
    }
    return ea === 0xff ? a >>> 0 : b >>> 0;
  }
  const magA = a & 0x7fffffff;
  const magB = b & 0x7fffffff;
  if (magA === 0) {
    // (+0) + (-0) = +0 in RNE; (-0) + (-0) = -0.
    if (magB === 0) return (a & b & 0x80000000) >>> 0;
    return b >>> 0;
  }
  if (magB === 0) return a >>> 0;
  // Nonzero finite operands: significands in [2^23, 2^24), value = m * 2^e (subnormals normalised).
  const na = normaliseF32(a);
  const nb = normaliseF32(b);
  // Significands scaled to [2^47, 2^48): value = m * 2^24 * 2^(e - 24).
  return addAligned(a >>> 31, na.m * 16777216, na.e - 24, b >>> 31, nb.m * 16777216, nb.e - 24);
}

/** a + b, rounded to nearest even. */
export function addF32(a: number, b: number, sink?: FlagSink): number {
  raised = 0;
  return report(addCore(a, b), sink);
}

/** a - b, rounded to nearest even (a + (-b); NaN operands give the canonical NaN either way). */
export function subF32(a: number, b: number, sink?: FlagSink): number {
  raised = 0;
  return report(addCore(a, b ^ 0x80000000), sink);
}

function mulCore(a: number, b: number): number {
  const ea = (a >>> 23) & 0xff;
  const eb = (b >>> 23) & 0xff;
  const sign = (a ^ b) >>> 31;
  if (ea === 0xff || eb === 0xff) {
    if (isNaNF32(a) || isNaNF32(b)) return nanResult(a, b);
    if ((a & 0x7fffffff) === 0 || (b & 0x7fffffff) === 0) {
      raised |= FLAG_INVALID; // inf * 0
      return QNAN;
    }
    return sign ? F32_NEG_INF : F32_POS_INF;
  }
  if ((a & 0x7fffffff) === 0 || (b & 0x7fffffff) === 0) return sign ? F32_NEG_ZERO : F32_POS_ZERO;
  // Nonzero finite operands: significands in [2^23, 2^24), value = m * 2^e (subnormals normalised).
  const na = normaliseF32(a);
  const nb = normaliseF32(b);
  // The exact product: 24 x 24 bits, below 2^48.
  return roundPackWideF32(sign, na.e + nb.e, na.m * nb.m);
}

/** a * b, rounded to nearest even. */
export function mulF32(a: number, b: number, sink?: FlagSink): number {
  raised = 0;
  return report(mulCore(a, b), sink);
}

function fmaCore(a: number, b: number, c: number): number {
  const ea = (a >>> 23) & 0xff;
  const eb = (b >>> 23) & 0xff;
  const ec = (c >>> 23) & 0xff;
  const sp = (a ^ b) >>> 31;
  const sc = c >>> 31;
  if (ea === 0xff || eb === 0xff) {
    if (isNaNF32(a) || isNaNF32(b)) return nanResult(a, b, c);
    if ((a & 0x7fffffff) === 0 || (b & 0x7fffffff) === 0) {
      // inf * 0 is invalid whatever c is, a quiet NaN included (as SoftFloat and x86 FMA do).
      raised |= FLAG_INVALID;
      return QNAN;
    }
    if (ec === 0xff) {
      if ((c & 0x7fffff) !== 0) return nanResult(c, 0);
      if (sc !== sp) {
        raised |= FLAG_INVALID; // inf - inf
        return QNAN;
      }
    }
    return sp ? F32_NEG_INF : F32_POS_INF;
  }
  if (ec === 0xff) {
    if ((c & 0x7fffff) !== 0) return nanResult(c, 0);
    return c >>> 0;
  }
  if ((a & 0x7fffffff) === 0 || (b & 0x7fffffff) === 0) {
    // The product is an exact signed zero: the sum is c, and zero + zero follows the addition rule.
    if ((c & 0x7fffffff) === 0) return sp === sc ? c >>> 0 : F32_POS_ZERO;
    return c >>> 0;
  }
  // Nonzero finite operands: significands in [2^23, 2^24), value = m * 2^e (subnormals normalised).
  const na = normaliseF32(a);
  const nb = normaliseF32(b);
  // The exact product, normalised to [2^47, 2^48).
  let p = na.m * nb.m;
  let ep = na.e + nb.e;
  if (p < TWO_47) {
    p *= 2;
    ep -= 1;
  }
  if ((c & 0x7fffffff) === 0) return roundPackWideF32(sp, ep, p);
  const nc = normaliseF32(c);
  return addAligned(sp, p, ep, sc, nc.m * 16777216, nc.e - 24);
}

/** Fused multiply-add a * b + c with a single rounding (IEEE fusedMultiplyAdd), rounded to nearest even. */
export function fmaF32(a: number, b: number, c: number, sink?: FlagSink): number {
  raised = 0;
  return report(fmaCore(a, b, c), sink);
}

// ---------------------------------------------------------------------------------------------------------------
// Comparisons (IEEE: any NaN compares unordered, so false; -0 == +0).

/** a == b (IEEE compareQuietEqual): raises invalid only for a signalling NaN. */
export function eqF32(a: number, b: number, sink?: FlagSink): boolean {
  raised = 0;
  let r: boolean;
  if (isNaNF32(a) || isNaNF32(b)) {
    nanResult(a, b);
    r = false;
  } else {
    r = a >>> 0 === b >>> 0 || ((a | b) & 0x7fffffff) === 0;
  }
  return report(r ? 1 : 0, sink) === 1;
}

/**
 * a < b, or a <= b when `orEqual` (IEEE compareSignalingLess and compareSignalingLessEqual): raises invalid for
 * any NaN operand.
 */
function compareSignaling(a: number, b: number, orEqual: boolean, sink: FlagSink | undefined): boolean {
  raised = 0;
  let r: boolean;
  if (isNaNF32(a) || isNaNF32(b)) {
    raised |= FLAG_INVALID;
    r = false;
  } else if (a >>> 0 === b >>> 0 || ((a | b) & 0x7fffffff) === 0) {
    r = orEqual;
  } else {
    // Unequal: a negative is below a positive; with equal signs the order of the patterns, reversed if negative.
    const signA = a >>> 31;
    r = signA !== b >>> 31 ? signA === 1 : (signA === 1) !== a >>> 0 < b >>> 0;
  }
  return report(r ? 1 : 0, sink) === 1;
}

/** a < b (IEEE compareSignalingLess): raises invalid for any NaN operand. */
export function ltF32(a: number, b: number, sink?: FlagSink): boolean {
  return compareSignaling(a, b, false, sink);
}

/** a <= b (IEEE compareSignalingLessEqual): raises invalid for any NaN operand. */
export function leF32(a: number, b: number, sink?: FlagSink): boolean {
  return compareSignaling(a, b, true, sink);
}
