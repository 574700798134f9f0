// Independent test oracles for the binary32 reference: exact rational arithmetic on BigInt, rounded to binary32
// (RNE, tininess after rounding) by a direct reading of IEEE-754, plus a seeded generator of edge-weighted
// operands. Nothing here shares code with runtime/fp.

export const INEXACT = 1;
export const UNDERFLOW = 2;
export const OVERFLOW = 4;
export const INVALID = 16;

export interface Rounded {
  bits: number;
  flags: number;
  /** The exact result lay exactly halfway between two neighbouring binary32 values (a rounding tie). */
  tie?: boolean;
}

type Decoded = { kind: 'nan'; signaling: boolean } | { kind: 'inf'; sign: number } | { kind: 'finite'; sign: number; m: bigint; e: number };

/** value = (-1)^sign * m * 2^e with m an integer (0 for zeros). */
export function decode(x: number): Decoded {
  x >>>= 0;
  const sign = x >>> 31;
  const exp = (x >>> 23) & 0xff;
  const frac = x & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? { kind: 'inf', sign } : { kind: 'nan', signaling: (frac & 0x400000) === 0 };
  if (exp === 0) return { kind: 'finite', sign, m: BigInt(frac), e: -149 };
  return { kind: 'finite', sign, m: BigInt(frac | 0x800000), e: exp - 150 };
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** m * 2^e rounded to a multiple of 2^q, ties to even: [integer multiple, inexact, tie]. */
function roundAt(m: bigint, e: number, q: number): [bigint, boolean, boolean] {
  if (e >= q) return [m << BigInt(e - q), false, false];
  const sh = BigInt(q - e);
  let r = m >> sh;
  const rem = m - (r << sh);
  const half = 1n << (sh - 1n);
  if (rem > half || (rem === half && (r & 1n) === 1n)) r += 1n;
  return [r, rem !== 0n, rem === half];
}

/** Rounds the exact nonzero value (-1)^sign * m * 2^e (m > 0) to binary32, round to nearest even. */
export function roundToF32(sign: number, m: bigint, e: number): Rounded {
  const top = bitLength(m) - 1 + e; // 2^top <= value < 2^(top+1)
  let q = Math.max(top - 23, -149);
  let [r, inexact, tie] = roundAt(m, e, q);
  if (r === 1n << 24n) {
    r = 1n << 23n;
    q += 1;
  }
  // Tininess after rounding: rounded to 24 bits with an unbounded exponent, the value is below 2^-126.
  const [ru] = roundAt(m, e, top - 23);
  const topAfter = ru === 1n << 24n ? top + 1 : top;
  const tiny = topAfter < -126;
  let flags = inexact ? INEXACT : 0;
  if (tiny && inexact) flags |= UNDERFLOW;
  const signBit = sign ? 0x80000000 : 0;
  if (r >= 1n << 23n) {
    const field = q + 150;
    if (field >= 255) return { bits: (signBit | 0x7f800000) >>> 0, flags: OVERFLOW | INEXACT, tie };
    return { bits: (signBit | (field << 23) | Number(r - (1n << 23n))) >>> 0, flags, tie };
  }
  return { bits: (signBit | Number(r)) >>> 0, flags, tie }; // subnormal or zero (q = -149)
}

const NAN: Rounded = { bits: 0x7fc00000, flags: 0 };

/** Exact a * b + c, rounded once. Flags as IEEE-754 with SoftFloat's choice that inf * 0 + qNaN is invalid. */
export function fmaOracle(a: number, b: number, c: number): Rounded {
  const A = decode(a);
  const B = decode(b);
  const C = decode(c);
  const sNaN = [A, B, C].some((d) => d.kind === 'nan' && d.signaling);
  if (A.kind === 'nan' || B.kind === 'nan') return { ...NAN, flags: sNaN ? INVALID : 0 };
  const isZero = (d: Decoded) => d.kind === 'finite' && d.m === 0n;
  const sp = A.sign ^ B.sign;
  if (A.kind === 'inf' || B.kind === 'inf') {
    if (isZero(A) || isZero(B)) return { ...NAN, flags: INVALID };
    if (C.kind === 'nan') return { ...NAN, flags: sNaN ? INVALID : 0 };
    if (C.kind === 'inf' && C.sign !== sp) return { ...NAN, flags: INVALID };
    return { bits: sp ? 0xff800000 : 0x7f800000, flags: 0 };
  }
  if (C.kind === 'nan') return { ...NAN, flags: sNaN ? INVALID : 0 };
  if (C.kind === 'inf') return { bits: c >>> 0, flags: 0 };
  if (A.kind !== 'finite' || B.kind !== 'finite') throw new Error('unreachable');
  const pm = A.m * B.m;
  const pe = A.e + B.e;
  const e = Math.min(pe, C.e);
  const p = (sp ? -pm : pm) << BigInt(pe - e);
  const cc = (C.sign ? -C.m : C.m) << BigInt(C.e - e);
  const sum = p + cc;
  if (sum === 0n) {
    // An exact zero: -0 only when both terms are -0; any other exact zero sum is +0 in RNE.
    const bothNegZero = pm === 0n && C.m === 0n && sp === 1 && C.sign === 1;
    return { bits: bothNegZero ? 0x80000000 : 0, flags: 0 };
  }
  return sum < 0n ? roundToF32(1, -sum, e) : roundToF32(0, sum, e);
}

/** a + b, as a * 1 + b (exactly the same value, sign of zero and flags). */
export function addOracle(a: number, b: number): Rounded {
  return fmaOracle(a, 0x3f800000, b);
}

/** a * b, as a * b + (-0) (exactly the same value, sign of zero and flags). */
export function mulOracle(a: number, b: number): Rounded {
  return fmaOracle(a, b, 0x80000000);
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded operands.

/** xorshift128+ style generator on 32-bit state words (sfc32), deterministic per seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

export const SPECIALS: readonly number[] = [
  0x00000000, 0x80000000, // zeros
  0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
  0x00800000, 0x80800000, 0x00800001, 0x00ffffff, // smallest normals
  0x3f800000, 0xbf800000, 0x3f800001, 0x3f7fffff, 0x40000000, 0x3fc00000, // around one
  0x7f7fffff, 0xff7fffff, 0x7f000000, 0x7effffff, // largest
  0x7f800000, 0xff800000, // infinities
  0x7fc00000, 0xffc00000, 0x7fc00001, 0x7f800001, 0xff800001, 0x7fbfffff, // NaNs, quiet and signalling
];

/** Fraction fields with structure: all ones, all zeros, one bit, runs near the rounding position. */
function fraction(r: Rng): number {
  switch (r.int(6)) {
    case 0:
      return 0;
    case 1:
      return 0x7fffff;
    case 2:
      return 1 << r.int(23);
    case 3:
      return (0x7fffff >>> r.int(23)) << r.int(4);
    case 4:
      return 0x7fffff ^ (1 << r.int(23));
    default:
      return r.u32() & 0x7fffff;
  }
}

/** An f32 operand weighted toward specials, subnormals, extreme exponents and structured fractions. */
export function operand(r: Rng): number {
  const sign = r.int(2) << 31;
  switch (r.int(8)) {
    case 0:
      return r.pick(SPECIALS);
    case 1:
      return (sign | fraction(r)) >>> 0; // subnormal or zero
    case 2:
      return (sign | (r.pick([1, 2, 3, 24, 25, 126, 127, 128, 229, 252, 253, 254]) << 23) | fraction(r)) >>> 0;
    case 3:
      return (sign | ((1 + r.int(254)) << 23) | fraction(r)) >>> 0;
    default:
      return r.u32();
  }
}

/** A finite f32 with biased exponent in [lo, hi] (0 gives a subnormal), random sign and structured fraction. */
export function finiteIn(r: Rng, lo: number, hi: number): number {
  const exp = lo + r.int(hi - lo + 1);
  return ((r.int(2) << 31) | (exp << 23) | fraction(r)) >>> 0;
}
