/**
 * Allocation-free helpers on packed extension vectors (`Uint32Array`, element i at words [4i, 4i+4), as in
 * field/extension.ts) for the FRI and PCS hot loops.
 *
 * Lazy reduction of base × extension dot products. Σ_k b_k · e_k (b_k base, e_k extension) is four base-field
 * sums of products, one per coefficient of e. Each product is < p² < 2^62; instead of reducing every product, the
 * loops keep a floating-point running sum (an approximation) and a wrapping 32-bit running sum (the exact low
 * 32 bits) and reduce once with `F.reduceWide`, which needs |approx − S| < 2^26 and S < 2^72. With at most
 * LAZY_TERMS = 64 terms, S < 2^68, each product's rounding error is ≤ 2^8 and each addition's ≤ 2^14, so the
 * error stays below 64 · (2^8 + 2^14) < 2^21. Loops reduce every LAZY_TERMS terms and add the reduced partial
 * sums canonically.
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';

const P = F.P;
const W = E.W;

/** Terms per lazy reduction (see the module comment for the error bound). */
export const LAZY_TERMS = 64;

/** Packs extension elements. */
export function pack(values: readonly E.Ext[]): Uint32Array {
  const out = new Uint32Array(4 * values.length);
  values.forEach((v, i) => E.store(out, i, v));
  return out;
}

/** Unpacks a packed vector. */
export function unpack(v: Uint32Array): E.Ext[] {
  const out: E.Ext[] = [];
  for (let i = 0; i < v.length >>> 2; i++) out.push(E.load(v, i));
  return out;
}

/** acc[o] += a[i] * b[j] (extension product, reduced). */
export function mulAddInto(acc: Uint32Array, o: number, a: Uint32Array, i: number, b: Uint32Array, j: number): void {
  const ai = 4 * i;
  const bj = 4 * j;
  const a0 = a[ai]!, a1 = a[ai + 1]!, a2 = a[ai + 2]!, a3 = a[ai + 3]!;
  const b0 = b[bj]!, b1 = b[bj + 1]!, b2 = b[bj + 2]!, b3 = b[bj + 3]!;
  const im = Math.imul;
  const oo = 4 * o;
  let s = acc[oo]! + F.reduceWide(a0 * b0 + W * (a1 * b3 + a2 * b2 + a3 * b1), im(a0, b0) + im(W, im(a1, b3) + im(a2, b2) + im(a3, b1)));
  acc[oo] = s >= P ? s - P : s;
  s = acc[oo + 1]! + F.reduceWide(a0 * b1 + a1 * b0 + W * (a2 * b3 + a3 * b2), im(a0, b1) + im(a1, b0) + im(W, im(a2, b3) + im(a3, b2)));
  acc[oo + 1] = s >= P ? s - P : s;
  s = acc[oo + 2]! + F.reduceWide(a0 * b2 + a1 * b1 + a2 * b0 + W * (a3 * b3), im(a0, b2) + im(a1, b1) + im(a2, b0) + im(W, im(a3, b3)));
  acc[oo + 2] = s >= P ? s - P : s;
  s = acc[oo + 3]! + F.reduceWide(a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0, im(a0, b3) + im(a1, b2) + im(a2, b1) + im(a3, b0));
  acc[oo + 3] = s >= P ? s - P : s;
}

/**
 * Inverts the packed elements values[0..n) into out[0..n) with one extension inversion (Montgomery's trick).
 * `out` must not alias `values`. Throws FieldError if an element is zero (callers exclude that beforehand).
 */
export function batchInverseInto(values: Uint32Array, n: number, out: Uint32Array): void {
  if (n === 0) return;
  const { mulInto } = E; // read once: under tsx every namespace read is a getter call
  const acc = new Uint32Array(4);
  acc[0] = 1;
  for (let i = 0; i < n; i++) {
    out[4 * i] = acc[0]!;
    out[4 * i + 1] = acc[1]!;
    out[4 * i + 2] = acc[2]!;
    out[4 * i + 3] = acc[3]!;
    mulInto(acc, 0, acc, 0, values, i);
  }
  const inv = new Uint32Array(4);
  E.store(inv, 0, E.inv(E.load(acc, 0)));
  for (let i = n - 1; i >= 0; i--) {
    // out[i] holds the prefix product c_{i−1}; inv holds (c_i)^{-1}.
    mulInto(out, i, out, i, inv, 0);
    mulInto(inv, 0, inv, 0, values, i);
  }
}

/** Σ_i c_i y^i for packed extension coefficients c and a base point y (Horner). */
export function evalExtPolyAtBase(coeffs: Uint32Array, y: number): E.Ext {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  const hint = F.mulHint(y);
  for (let i = (coeffs.length >>> 2) - 1; i >= 0; i--) {
    a0 = F.add(F.mulByHint(a0, y, hint), coeffs[4 * i]!);
    a1 = F.add(F.mulByHint(a1, y, hint), coeffs[4 * i + 1]!);
    a2 = F.add(F.mulByHint(a2, y, hint), coeffs[4 * i + 2]!);
    a3 = F.add(F.mulByHint(a3, y, hint), coeffs[4 * i + 3]!);
  }
  return [a0, a1, a2, a3];
}

/** Whether every word of v is a canonical field element. */
export function allCanonical(v: Uint32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i]! >= P) return false;
  return true;
}

/** Whether a value is an extension element: a 4-tuple of canonical field elements. */
export function isExt(v: unknown): v is E.Ext {
  if (!Array.isArray(v) || v.length !== 4) return false;
  for (let k = 0; k < 4; k++) {
    const x = v[k];
    if (typeof x !== 'number' || !F.isCanonical(x)) return false;
  }
  return true;
}
