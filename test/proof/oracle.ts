// BigInt reference arithmetic: the oracle the fast field code is checked against. Slow and obviously correct.
export const Pn = 2013265921n;

export function modn(a: bigint, m: bigint = Pn): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function powMod(b: bigint, e: bigint, m: bigint = Pn): bigint {
  let r = 1n;
  b = modn(b, m);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

export function invMod(a: bigint, m: bigint = Pn): bigint {
  return powMod(a, m - 2n, m);
}

/** Polynomials over F_p as BigInt coefficient arrays, lowest degree first, no trailing zeros (zero = []). */
export type Poly = bigint[];

export function trim(a: Poly): Poly {
  const out = a.map((c) => modn(c));
  while (out.length > 0 && out[out.length - 1] === 0n) out.pop();
  return out;
}

export function polyMul(a: Poly, b: Poly): Poly {
  if (a.length === 0 || b.length === 0) return [];
  const out: bigint[] = new Array(a.length + b.length - 1).fill(0n);
  a.forEach((x, i) => b.forEach((y, j) => (out[i + j] = (out[i + j]! + x * y) % Pn)));
  return trim(out);
}

export function polySub(a: Poly, b: Poly): Poly {
  const n = Math.max(a.length, b.length);
  return trim(Array.from({ length: n }, (_, i) => (a[i] ?? 0n) - (b[i] ?? 0n)));
}

/** a mod b (b nonzero). */
export function polyMod(a: Poly, b: Poly): Poly {
  let r = trim(a);
  const lead = invMod(b[b.length - 1]!);
  while (r.length >= b.length) {
    const coef = (r[r.length - 1]! * lead) % Pn;
    const shift = r.length - b.length;
    const next = r.slice();
    b.forEach((c, i) => (next[shift + i] = modn(next[shift + i]! - coef * c)));
    r = trim(next);
  }
  return r;
}

export function polyGcd(a: Poly, b: Poly): Poly {
  let x = trim(a);
  let y = trim(b);
  while (y.length > 0) [x, y] = [y, polyMod(x, y)];
  if (x.length === 0) return x;
  const lead = invMod(x[x.length - 1]!);
  return x.map((c) => (c * lead) % Pn);
}

/** base^e mod m for polynomials. */
export function polyPowMod(base: Poly, e: bigint, m: Poly): Poly {
  let r: Poly = [1n];
  let b = polyMod(base, m);
  while (e > 0n) {
    if (e & 1n) r = polyMod(polyMul(r, b), m);
    b = polyMod(polyMul(b, b), m);
    e >>= 1n;
  }
  return r;
}

/** Evaluate sum c_i x^i at x (Horner) over F_p. */
export function evalPoly(coeffs: ArrayLike<number>, x: number): number {
  let acc = 0n;
  const xb = BigInt(x);
  for (let i = coeffs.length - 1; i >= 0; i--) acc = (acc * xb + BigInt(coeffs[i]!)) % Pn;
  return Number(acc);
}
