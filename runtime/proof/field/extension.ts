/**
 * The degree-4 extension F_{p^4} = F_p[X] / (X^4 - W), W = 11, over BabyBear. Challenges (FRI folding, LogUp,
 * constraint batching) live here: |F_{p^4}| ~ 2^124, so a Schwartz-Zippel bound d/|F| stays negligible where the
 * 31-bit base field's would not.
 *
 * W = 11 is Plonky3's choice for BabyBear (`BinomiallyExtendable<4> for BabyBear`, with
 * DTH_ROOT = 11^((p-1)/4) = 1728404513).
 *
 * Why X^4 - 11 is irreducible. Lidl & Niederreiter, Finite Fields, Theorem 3.75: for a in F_q^* of order e, the
 * binomial X^n - a is irreducible over F_q iff (i) every prime r dividing n divides e but not (q-1)/e, and
 * (ii) q ≡ 1 (mod 4) if 4 | n. Here n = 4, r = 2 and q - 1 = 2^27 * 15. Condition (i) says the 2-part of
 * ord(11) is the full 2^27, which holds iff 11^((q-1)/2) ≠ 1, i.e. 11 is a quadratic non-residue (Euler's
 * criterion); (ii) holds since p ≡ 1 (mod 4). (The extra "-4W is not a fourth power" condition matters only
 * for q ≡ 3 (mod 4), where X^4 + 4b^4 = (X^2 + 2bX + 2b^2)(X^2 - 2bX + 2b^2) by Sophie Germain's identity.)
 * The tests check Euler's criterion and, independently, Rabin's irreducibility test on X^4 - 11 with BigInt
 * polynomial arithmetic.
 *
 * An element a0 + a1 X + a2 X^2 + a3 X^3 is the tuple [a0, a1, a2, a3] of canonical base elements. Packed
 * vectors of extension elements (`Uint32Array`, 4 words per element) have `...Into` forms for hot loops.
 */
import * as F from './babybear.ts';

// Read once for the products below: under tsx every namespace read (F.reduceWide) is a getter call.
const reduceWide = F.reduceWide;

/** An element of F_{p^4}: coefficients of 1, X, X^2, X^3. */
export type Ext = readonly [number, number, number, number];

/** The extension degree. */
export const DEGREE = 4;
/** X^4 = W. */
export const W = 11;
/** Byte length of a canonical encoding. */
export const BYTES = 16;

export const ZERO: Ext = [0, 0, 0, 0];
export const ONE: Ext = [1, 0, 0, 0];
/** The class of X. */
export const X: Ext = [0, 1, 0, 0];

/**
 * FROBENIUS[k][i] = W^(i (p^k - 1) / 4): since X^(p^k) = X * (X^4)^((p^k - 1)/4), the k-th power of Frobenius
 * maps X^i to FROBENIUS[k][i] * X^i.
 */
const FROBENIUS: readonly (readonly number[])[] = (() => {
  const p = BigInt(F.P);
  const rows: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const e = (p ** BigInt(k) - 1n) / 4n;
    rows.push([0, 1, 2, 3].map((i) => F.powBig(W, BigInt(i) * e)));
  }
  return rows;
})();

/** W^((p-1)/4), a primitive fourth root of unity in F_p (Plonky3's DTH_ROOT). */
export const DTH_ROOT = FROBENIUS[1]![1]!;

/** The element a0 + a1 X + a2 X^2 + a3 X^3; throws unless every coefficient is canonical. */
export function ext(a0: number, a1: number, a2: number, a3: number): Ext {
  if (!F.isCanonical(a0) || !F.isCanonical(a1) || !F.isCanonical(a2) || !F.isCanonical(a3)) {
    throw new F.FieldError(`extension element has a non-canonical coefficient: [${a0}, ${a1}, ${a2}, ${a3}]`);
  }
  return [a0, a1, a2, a3];
}

/** The base element a embedded as a constant. */
export function fromBase(a: number): Ext {
  return [a, 0, 0, 0];
}

/** Whether a lies in the base field (a1 = a2 = a3 = 0). */
export function isBase(a: Ext): boolean {
  return a[1] === 0 && a[2] === 0 && a[3] === 0;
}

export function isZero(a: Ext): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0 && a[3] === 0;
}

export function equals(a: Ext, b: Ext): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export function add(a: Ext, b: Ext): Ext {
  return [F.add(a[0], b[0]), F.add(a[1], b[1]), F.add(a[2], b[2]), F.add(a[3], b[3])];
}

export function sub(a: Ext, b: Ext): Ext {
  return [F.sub(a[0], b[0]), F.sub(a[1], b[1]), F.sub(a[2], b[2]), F.sub(a[3], b[3])];
}

export function neg(a: Ext): Ext {
  return [F.neg(a[0]), F.neg(a[1]), F.neg(a[2]), F.neg(a[3])];
}

/** a * s for a base element s. */
export function mulBase(a: Ext, s: number): Ext {
  return [F.mul(a[0], s), F.mul(a[1], s), F.mul(a[2], s), F.mul(a[3], s)];
}

/** a + s for a base element s. */
export function addBase(a: Ext, s: number): Ext {
  return [F.add(a[0], s), a[1], a[2], a[3]];
}

/**
 * a * b. Schoolbook product reduced with X^4 = W:
 *   c0 = a0 b0 + W (a1 b3 + a2 b2 + a3 b1)      c1 = a0 b1 + a1 b0 + W (a2 b3 + a3 b2)
 *   c2 = a0 b2 + a1 b1 + a2 b0 + W a3 b3        c3 = a0 b3 + a1 b2 + a2 b1 + a3 b0
 * Each coefficient is reduced once (babybear.ts, `reduceWide`): its exact value is < 34 p^2 < 2^67.1; the sum of
 * the double-precision products approximates it within 7 roundings of at most 2^14 each (< 2^17), and the sum of
 * the Math.imul products gives its low 32 bits. 16 float and 16 integer multiplications, 4 reductions.
 */
export function mul(a: Ext, b: Ext): Ext {
  const a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  const b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
  const im = Math.imul;
  return [
    reduceWide(a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1), im(a0, b0) + im(W, im(a1, b3) + im(a2, b2) + im(a3, b1))),
    reduceWide(a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2), im(a0, b1) + im(a1, b0) + im(W, im(a2, b3) + im(a3, b2))),
    reduceWide(a0 * b2 + a1 * b1 + a2 * b0 + W * (a3 * b3), im(a0, b2) + im(a1, b1) + im(a2, b0) + im(W, im(a3, b3))),
    reduceWide(a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0, im(a0, b3) + im(a1, b2) + im(a2, b1) + im(a3, b0)),
  ];
}

/**
 * a^2 (10 products instead of 16), reduced as in `mul`:
 *   c0 = a0^2 + W (2 a1 a3 + a2^2)   c1 = 2 (a0 a1 + W a2 a3)   c2 = 2 a0 a2 + a1^2 + W a3^2   c3 = 2 (a0 a3 + a1 a2)
 */
export function square(a: Ext): Ext {
  const a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  const im = Math.imul;
  return [
    reduceWide(a0 * a0 + W * (2 * a1 * a3 + a2 * a2), im(a0, a0) + im(W, 2 * im(a1, a3) + im(a2, a2))),
    reduceWide(2 * (a0 * a1 + W * (a2 * a3)), 2 * (im(a0, a1) + im(W, im(a2, a3)))),
    reduceWide(2 * a0 * a2 + a1 * a1 + W * (a3 * a3), 2 * im(a0, a2) + im(a1, a1) + im(W, im(a3, a3))),
    reduceWide(2 * (a0 * a3 + a1 * a2), 2 * (im(a0, a3) + im(a1, a2))),
  ];
}

/** a^e for a non-negative exponent (number or BigInt). */
export function pow(a: Ext, e: number | bigint): Ext {
  let k = BigInt(e);
  if (k < 0n) throw new F.FieldError(`exponent must be non-negative, got ${e}`);
  let result: Ext = ONE;
  let base = a;
  while (k > 0n) {
    if (k & 1n) result = mul(result, base);
    k >>= 1n;
    if (k > 0n) base = square(base);
  }
  return result;
}

/** The k-th power of Frobenius, a -> a^(p^k) (k taken mod 4): coefficient-wise scaling by FROBENIUS[k]. */
export function frobenius(a: Ext, k = 1): Ext {
  const f = FROBENIUS[((k % 4) + 4) % 4]!;
  return [a[0], F.mul(a[1], f[1]!), F.mul(a[2], f[2]!), F.mul(a[3], f[3]!)];
}

/**
 * 1/a, through the tower F_p ⊂ F_{p^2} = F_p[Y]/(Y^2 - W) ⊂ F_{p^4}, Y = X^2. Write a = A + X B with
 * A = a0 + a2 Y, B = a1 + a3 Y in F_{p^2}. Its conjugate over F_{p^2} is A - X B (= a^(p^2), since
 * X^(p^2) = -X), and
 *   a (A - X B) = A^2 - Y B^2 = c0 + c1 Y,   c0 = a0^2 + W a2^2 - 2 W a1 a3,   c1 = 2 a0 a2 - a1^2 - W a3^2,
 * whose inverse in F_{p^2} is (c0 - c1 Y) / n with the base-field norm n = c0^2 - W c1^2 (≠ 0 iff a ≠ 0, as W
 * is not a square). So 1/a = (A - X B)(d0 + d1 Y) with d0 = c0/n, d1 = -c1/n. One base inversion, 18
 * multiplications. Throws FieldError for a = 0.
 */
export function inv(a: Ext): Ext {
  const [a0, a1, a2, a3] = a;
  const m = F.mul;
  const c0 = F.sub(F.add(m(a0, a0), m(W, m(a2, a2))), m(2 * W, m(a1, a3)));
  const c1 = F.sub(F.double(m(a0, a2)), F.add(m(a1, a1), m(W, m(a3, a3))));
  const n = F.sub(m(c0, c0), m(W, m(c1, c1)));
  if (n === 0) throw new F.FieldError('cannot invert zero (extension field)');
  const nInv = F.inv(n);
  const d0 = m(c0, nInv);
  const d1 = F.neg(m(c1, nInv));
  return [
    F.add(m(a0, d0), m(W, m(a2, d1))),
    F.neg(F.add(m(a1, d0), m(W, m(a3, d1)))),
    F.add(m(a2, d0), m(a0, d1)),
    F.neg(F.add(m(a3, d0), m(a1, d1))),
  ];
}

/** a / b. Throws FieldError for b = 0. */
export function div(a: Ext, b: Ext): Ext {
  return mul(a, inv(b));
}

/** The norm N(a) = a * a^p * a^(p^2) * a^(p^3), an element of F_p. */
export function norm(a: Ext): number {
  const n = mul(mul(a, frobenius(a, 1)), mul(frobenius(a, 2), frobenius(a, 3)));
  return n[0];
}

/** Inverses of all of `values`, with one extension inversion (Montgomery's trick). Throws on a zero entry. */
export function batchInverse(values: readonly Ext[]): Ext[] {
  const n = values.length;
  const prefix: Ext[] = new Array(n);
  let acc: Ext = ONE;
  for (let i = 0; i < n; i++) {
    if (isZero(values[i]!)) throw new F.FieldError(`batch inversion: extension element ${i} is zero`);
    prefix[i] = acc;
    acc = mul(acc, values[i]!);
  }
  let accInv = inv(acc);
  const out: Ext[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = mul(prefix[i]!, accInv);
    accInv = mul(accInv, values[i]!);
  }
  return out;
}

/** sum_i c_i x^i for base coefficients c (Horner), evaluated at an extension point: the out-of-domain case. */
export function evalBasePoly(coeffs: ArrayLike<number>, x: Ext): Ext {
  let acc: Ext = ZERO;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = addBase(mul(acc, x), coeffs[i]!);
  return acc;
}

// ---- packed vectors: element i at words [4i, 4i+4) ----------------------------------------------------------------

/** Reads element i of a packed vector. */
export function load(v: Uint32Array, i: number): Ext {
  const o = 4 * i;
  return [v[o]!, v[o + 1]!, v[o + 2]!, v[o + 3]!];
}

/** Writes element i of a packed vector. */
export function store(v: Uint32Array, i: number, a: Ext): void {
  const o = 4 * i;
  v[o] = a[0];
  v[o + 1] = a[1];
  v[o + 2] = a[2];
  v[o + 3] = a[3];
}

/** out[o] = a[i] * b[j] on packed vectors (indices in elements), without allocating. */
export function mulInto(out: Uint32Array, o: number, a: Uint32Array, i: number, b: Uint32Array, j: number): void {
  const ai = 4 * i;
  const bj = 4 * j;
  const a0 = a[ai]!, a1 = a[ai + 1]!, a2 = a[ai + 2]!, a3 = a[ai + 3]!;
  const b0 = b[bj]!, b1 = b[bj + 1]!, b2 = b[bj + 2]!, b3 = b[bj + 3]!;
  const im = Math.imul;
  const oo = 4 * o;
  out[oo] = reduceWide(a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1), im(a0, b0) + im(W, im(a1, b3) + im(a2, b2) + im(a3, b1)));
  out[oo + 1] = reduceWide(a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2), im(a0, b1) + im(a1, b0) + im(W, im(a2, b3) + im(a3, b2)));
  out[oo + 2] = reduceWide(a0 * b2 + a1 * b1 + a2 * b0 + W * (a3 * b3), im(a0, b2) + im(a1, b1) + im(a2, b0) + im(W, im(a3, b3)));
  out[oo + 3] = reduceWide(a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0, im(a0, b3) + im(a1, b2) + im(a2, b1) + im(a3, b0));
}

/** out[o] = a[i] + b[j] on packed vectors. */
export function addInto(out: Uint32Array, o: number, a: Uint32Array, i: number, b: Uint32Array, j: number): void {
  for (let k = 0; k < 4; k++) out[4 * o + k] = F.add(a[4 * i + k]!, b[4 * j + k]!);
}

// ---- canonical encoding: 16 bytes, the coefficients a0..a3 in order, each 4 bytes little-endian ------------------

export function encodeInto(a: Ext, out: Uint8Array, offset: number): void {
  for (let k = 0; k < 4; k++) F.encodeInto(a[k]!, out, offset + 4 * k);
}

export function encode(a: Ext): Uint8Array {
  const out = new Uint8Array(16);
  encodeInto(a, out, 0);
  return out;
}

/** Reads one element from bytes[offset..offset+16); throws FieldError on short input or a non-canonical coefficient. */
export function decode(bytes: Uint8Array, offset = 0): Ext {
  if (offset + 16 > bytes.length) {
    throw new F.FieldError(`extension element at byte ${offset}: needs 16 bytes, ${Math.max(0, bytes.length - offset)} left`);
  }
  return [F.decode(bytes, offset), F.decode(bytes, offset + 4), F.decode(bytes, offset + 8), F.decode(bytes, offset + 12)];
}

export function toString(a: Ext): string {
  return `[${a[0]}, ${a[1]}, ${a[2]}, ${a[3]}]`;
}
