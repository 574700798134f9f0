/**
 * The FRI PCS prover's arithmetic (fri-pcs.ts): columns evaluated at out-of-domain points by the barycentric
 * formula, and the reduced DEEP quotient Q_h(x) = Σ (C(x) − C(z)) / (x − z) computed from the committed LDE rows,
 * with lazy reduction over packed extension elements (fri/packed.ts).
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';
import { reverseBits } from '../field/ntt.ts';
import { Matrix } from '../matrix.ts';
import { LAZY_TERMS, batchInverseInto, mulAddInto } from '../fri/packed.ts';
import { SHIFT } from './validate.ts';
import type { ProofBackend } from '../backend.ts';

/** Barycentric weights ω^i/(z − ω^i) on H_n (packed) and the factor (z^n − 1)/n, or the row index if z ∈ H_n. */
export function baryWeights(logN: number, z: E.Ext): { weights: Uint32Array; scale: E.Ext } | { row: number } {
  const n = 2 ** logN;
  const w = F.rootOfUnity(logN);
  // The field's functions read once: under tsx every namespace read in the loops below is a getter call.
  const { mul, sub, mulHint, mulByHint } = F;
  if (E.isBase(z) && F.pow(z[0], n) === 1) {
    let x = 1;
    for (let i = 0; i < n; i++, x = mul(x, w)) if (x === z[0]) return { row: i };
  }
  const den = new Uint32Array(4 * n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    den[4 * i] = sub(z[0], x);
    den[4 * i + 1] = z[1];
    den[4 * i + 2] = z[2];
    den[4 * i + 3] = z[3];
    x = mul(x, w);
  }
  const weights = new Uint32Array(4 * n);
  batchInverseInto(den, n, weights);
  x = 1;
  for (let i = 0; i < n; i++) {
    const h = mulHint(x);
    for (let c = 0; c < 4; c++) weights[4 * i + c] = mulByHint(weights[4 * i + c]!, x, h);
    x = mul(x, w);
  }
  const scale = E.mulBase(E.addBase(E.pow(z, n), F.P - 1), F.inv(n));
  return { weights, scale };
}

/**
 * out[k] = Σ_i m[i][k] · weights[i] for every column k (packed extension results), lazily reduced every
 * LAZY_TERMS rows. Columns are taken two at a time so that all sixteen running sums stay in registers (an
 * accumulator array per column costs a load and a store per term and measured about twice as slow).
 */
function weightedColumnSums(m: Matrix, weights: Uint32Array, columns: readonly number[] | null): Uint32Array {
  const { width, height, values } = m;
  const count = columns === null ? width : columns.length;
  const out = new Uint32Array(4 * count);
  const im = Math.imul;
  const P = F.P;
  for (let t = 0; t < count; t += 2) {
    const pair = t + 1 < count;
    const k = columns === null ? t : columns[t]!;
    const k2 = pair ? (columns === null ? t + 1 : columns[t + 1]!) : k; // an odd last column is summed twice and the copy discarded
    let r0 = 0, r1 = 0, r2 = 0, r3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i0 = 0; i0 < height; i0 += LAZY_TERMS) {
      const i1 = Math.min(height, i0 + LAZY_TERMS);
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, l0 = 0, l1 = 0, l2 = 0, l3 = 0;
      let b0 = 0, b1 = 0, b2 = 0, b3 = 0, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
      for (let i = i0, idx = i0 * width; i < i1; i++, idx += width) {
        const v = values[idx + k]!;
        const u = values[idx + k2]!;
        const o = 4 * i;
        const w0 = weights[o]!, w1 = weights[o + 1]!, w2 = weights[o + 2]!, w3 = weights[o + 3]!;
        a0 += v * w0;
        a1 += v * w1;
        a2 += v * w2;
        a3 += v * w3;
        l0 = (l0 + im(v, w0)) | 0;
        l1 = (l1 + im(v, w1)) | 0;
        l2 = (l2 + im(v, w2)) | 0;
        l3 = (l3 + im(v, w3)) | 0;
        b0 += u * w0;
        b1 += u * w1;
        b2 += u * w2;
        b3 += u * w3;
        m0 = (m0 + im(u, w0)) | 0;
        m1 = (m1 + im(u, w1)) | 0;
        m2 = (m2 + im(u, w2)) | 0;
        m3 = (m3 + im(u, w3)) | 0;
      }
      r0 += F.reduceWide(a0, l0);
      r1 += F.reduceWide(a1, l1);
      r2 += F.reduceWide(a2, l2);
      r3 += F.reduceWide(a3, l3);
      s0 += F.reduceWide(b0, m0);
      s1 += F.reduceWide(b1, m1);
      s2 += F.reduceWide(b2, m2);
      s3 += F.reduceWide(b3, m3);
      if (r0 >= P) r0 -= P;
      if (r1 >= P) r1 -= P;
      if (r2 >= P) r2 -= P;
      if (r3 >= P) r3 -= P;
      if (s0 >= P) s0 -= P;
      if (s1 >= P) s1 -= P;
      if (s2 >= P) s2 -= P;
      if (s3 >= P) s3 -= P;
    }
    out[4 * t] = r0;
    out[4 * t + 1] = r1;
    out[4 * t + 2] = r2;
    out[4 * t + 3] = r3;
    if (pair) {
      out[4 * t + 4] = s0;
      out[4 * t + 5] = s1;
      out[4 * t + 6] = s2;
      out[4 * t + 7] = s3;
    }
  }
  return out;
}

/**
 * The given columns of m (all when null; evaluations on H_n) at z, from the barycentric weights; the weighted sums
 * on `backend` when it has its own (the native one), the same field elements.
 */
export function evaluateColumns(
  m: Matrix,
  bw: { weights: Uint32Array; scale: E.Ext } | { row: number },
  columns: readonly number[] | null = null,
  backend: Pick<ProofBackend, 'weightedColumnSums'> = {},
): E.Ext[] {
  if ('row' in bw) {
    const row = m.row(bw.row);
    return columns === null ? Array.from(row, (v) => E.fromBase(v)) : columns.map((k) => E.fromBase(row[k]!));
  }
  const sums = backend.weightedColumnSums ? backend.weightedColumnSums(m, bw.weights, columns) : weightedColumnSums(m, bw.weights, columns);
  const out: E.Ext[] = [];
  for (let t = 0; t < sums.length / 4; t++) out.push(E.mul(bw.scale, E.load(sums, t)));
  return out;
}

const CHUNK = 1024;

/**
 * For z in the extension: m_z(X) = Π_{k<4} (X − σ^k z), σ the Frobenius, has base-field coefficients (it is the
 * characteristic polynomial of z over F_p), and N_z(X) = m_z(X)/(X − z) = Π_{k=1..3} (X − σ^k z). For x in the
 * base field, m_z(x) = 0 only if x = z, so 1/(x − z) = N_z(x)/m_z(x): one base inversion (batched) and a cubic
 * with extension coefficients evaluated at a base point, instead of an extension inversion per x.
 * Returns m's low coefficients m0..m3 (monic) and N's n0, n1, n2 packed (monic cubic).
 */
export function denominatorPolys(z: E.Ext): { m: Uint32Array; n: Uint32Array } {
  // Multiply out Π (X − σ^k z) with extension coefficients.
  let poly: E.Ext[] = [E.ONE];
  for (let k = 0; k < 4; k++) {
    const root = E.frobenius(z, k);
    const next: E.Ext[] = new Array(poly.length + 1).fill(E.ZERO);
    poly.forEach((c, i) => {
      next[i + 1] = E.add(next[i + 1]!, c);
      next[i] = E.sub(next[i]!, E.mul(c, root));
    });
    poly = next;
  }
  const m = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    if (!E.isBase(poly[i]!)) throw new Error('characteristic polynomial with a non-base coefficient (bug)');
    m[i] = poly[i]![0];
  }
  // Synthetic division by (X − z): n2 = m3 + z, n1 = m2 + z n2, n0 = m1 + z n1 (and m0 + z n0 = 0).
  const n2 = E.addBase(z, m[3]!);
  const n1 = E.addBase(E.mul(z, n2), m[2]!);
  const n0 = E.addBase(E.mul(z, n1), m[1]!);
  if (!E.isZero(E.addBase(E.mul(z, n0), m[0]!))) throw new Error('synthetic division left a remainder (bug)');
  const n = new Uint32Array(12);
  E.store(n, 0, n0);
  E.store(n, 1, n1);
  E.store(n, 2, n2);
  return { m, n };
}

/**
 * Matrices at least this wide, whose committed rows are known to be their true extension, are reduced on the
 * trace domain and extended once (4 columns) instead of being reduced row by row on the 2^logBlowup times larger
 * LDE domain. Both give the same field elements: the extension is linear and exact. With the TypeScript backend
 * a 4-column extension costs about as much as reducing 32 columns on the LDE domain (measured at 2^16 rows,
 * blowup 8: 16 columns 583 vs 668 ms per open, 32 columns equal, 64 columns 732 vs 674 ms), hence 48.
 */
export const LIFT_MIN_WIDTH = 48;

/**
 * out[o..o+4) = Σ_k c_k · values[base + k] over k < width, c the packed extension coefficients: one row's column
 * combination, reduced lazily (LAZY_TERMS products per reduction).
 */
function combineRow(values: Uint32Array, base: number, width: number, coeffs: Uint32Array, out: Uint32Array, o: number): void {
  const im = Math.imul;
  const P = F.P;
  let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  for (let k0 = 0; k0 < width; k0 += LAZY_TERMS) {
    const k1 = Math.min(width, k0 + LAZY_TERMS);
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
    for (let k = k0; k < k1; k++) {
      const v = values[base + k]!;
      const c = 4 * k;
      const p0 = coeffs[c]!, p1 = coeffs[c + 1]!, p2 = coeffs[c + 2]!, p3 = coeffs[c + 3]!;
      a0 += v * p0;
      a1 += v * p1;
      a2 += v * p2;
      a3 += v * p3;
      l0 = (l0 + im(v, p0)) | 0;
      l1 = (l1 + im(v, p1)) | 0;
      l2 = (l2 + im(v, p2)) | 0;
      l3 = (l3 + im(v, p3)) | 0;
    }
    r0 += F.reduceWide(a0, l0);
    r1 += F.reduceWide(a1, l1);
    r2 += F.reduceWide(a2, l2);
    r3 += F.reduceWide(a3, l3);
    if (r0 >= P) r0 -= P;
    if (r1 >= P) r1 -= P;
    if (r2 >= P) r2 -= P;
    if (r3 >= P) r3 -= P;
  }
  out[o] = r0;
  out[o + 1] = r1;
  out[o + 2] = r2;
  out[o + 3] = r3;
}

/** out[i·stride + offset + c] = (Σ_k c_k m[i][k])_c for every row i: the combination of m's columns. */
export function combineColumns(m: Matrix, coeffs: Uint32Array, out: Uint32Array, stride: number, offset: number): void {
  for (let i = 0; i < m.height; i++) combineRow(m.values, i * m.width, m.width, coeffs, out, i * stride + offset);
}

/**
 * combineColumns over the given columns of m (all when null), on `backend` when it has its own (the native one
 * reads the columns in place), else on the columns taken out of m: the same field elements either way.
 */
export function combineColumnsOn(
  backend: Pick<ProofBackend, 'combineColumns'>,
  m: Matrix,
  columns: readonly number[] | null,
  coeffs: Uint32Array,
  out: Uint32Array,
  stride: number,
  offset: number,
): void {
  if (backend.combineColumns) return backend.combineColumns(m, columns, coeffs, out, stride, offset);
  combineColumns(columns === null ? m : Matrix.fromColumns(columns.map((k) => m.column(k))), coeffs, out, stride, offset);
}

/** One (matrix, point) pair of a height: its columns combined with their own coefficients. */
export interface QuotientTerm {
  /** The committed LDE rows (natural order), or null when the term's combination was lifted (below). */
  readonly lde: Matrix | null;
  /** Index of the term's 4 columns in the lifted combinations (when lde is null). */
  readonly lifted: number;
  /** The group (distinct point) of the term's point. */
  readonly group: number;
  /** The packed coefficients c_k of the term's columns. */
  readonly coeffs: Uint32Array;
}

/**
 * Q_h over g·H_N in bit-reversed order (packed). Rows are
 * processed in chunks: the denominators x − z of a chunk are inverted with one extension inversion per point.
 */
export function reducedQuotient(
  logDomain: number,
  terms: readonly QuotientTerm[],
  lifted: Matrix | null,
  points: readonly E.Ext[],
  claimed: Uint32Array,
): Uint32Array {
  const N = 2 ** logDomain;
  const out = new Uint32Array(4 * N);
  const w = F.rootOfUnity(logDomain);
  const G = points.length;
  const dens = points.map(denominatorPolys);
  const xs = new Uint32Array(CHUNK);
  const mx = new Uint32Array(CHUNK);
  const invDen = points.map(() => new Uint32Array(4 * CHUNK));
  const gacc = new Uint32Array(4 * Math.max(1, G));
  const c = new Uint32Array(4);
  const q = new Uint32Array(4);
  const P = F.P;
  let x0 = SHIFT;
  for (let i0 = 0; i0 < N; i0 += CHUNK) {
    const len = Math.min(CHUNK, N - i0);
    for (let g = 0; g < G; g++) {
      // 1/(x − z) = N_z(x) / m_z(x) (see denominatorPolys), with one base batch inversion per chunk.
      const { m, n } = dens[g]!;
      const inv = invDen[g]!;
      let x = x0;
      for (let i = 0; i < len; i++) {
        xs[i] = x;
        mx[i] = F.add(F.mul(F.add(F.mul(F.add(F.mul(F.add(x, m[3]!), x), m[2]!), x), m[1]!), x), m[0]!);
        x = F.mul(x, w);
      }
      const mInv = F.batchInverse(mx.subarray(0, len));
      for (let i = 0; i < len; i++) {
        const xi = xs[i]!;
        const h = F.mulHint(xi);
        // N(x) = ((x + n2) x + n1) x + n0
        let t0 = F.add(xi, n[8]!), t1 = n[9]!, t2 = n[10]!, t3 = n[11]!;
        t0 = F.add(F.mulByHint(t0, xi, h), n[4]!);
        t1 = F.add(F.mulByHint(t1, xi, h), n[5]!);
        t2 = F.add(F.mulByHint(t2, xi, h), n[6]!);
        t3 = F.add(F.mulByHint(t3, xi, h), n[7]!);
        t0 = F.add(F.mulByHint(t0, xi, h), n[0]!);
        t1 = F.add(F.mulByHint(t1, xi, h), n[1]!);
        t2 = F.add(F.mulByHint(t2, xi, h), n[2]!);
        t3 = F.add(F.mulByHint(t3, xi, h), n[3]!);
        const s = mInv[i]!;
        const sh = F.mulHint(s);
        inv[4 * i] = F.mulByHint(t0, s, sh);
        inv[4 * i + 1] = F.mulByHint(t1, s, sh);
        inv[4 * i + 2] = F.mulByHint(t2, s, sh);
        inv[4 * i + 3] = F.mulByHint(t3, s, sh);
      }
    }
    for (let i = 0; i < len; i++) {
      const row = i0 + i;
      gacc.fill(0);
      for (const term of terms) {
        const { lde } = term;
        if (lde === null) {
          const lw = lifted!.width;
          const lv = lifted!.values;
          const lo = row * lw + 4 * term.lifted;
          c[0] = lv[lo]!;
          c[1] = lv[lo + 1]!;
          c[2] = lv[lo + 2]!;
          c[3] = lv[lo + 3]!;
          addInto(gacc, term.group, c);
          continue;
        }
        // C(x) = Σ_k c_k f_k(x).
        combineRow(lde.values, row * lde.width, lde.width, term.coeffs, c, 0);
        addInto(gacc, term.group, c);
      }
      q.fill(0);
      for (let g = 0; g < G; g++) {
        // (Σ C(x) − Σ C(z)) / (x − z) over the terms at point z
        for (let k = 0; k < 4; k++) {
          const d = gacc[4 * g + k]! - claimed[4 * g + k]!;
          gacc[4 * g + k] = d < 0 ? d + P : d;
        }
        mulAddInto(q, 0, gacc, g, invDen[g]!, i);
      }
      out.set(q, 4 * reverseBits(row, logDomain));
    }
    x0 = F.mul(x0, F.pow(w, len));
  }
  return out;
}

/** acc[g] += c, packed. */
function addInto(acc: Uint32Array, g: number, c: Uint32Array): void {
  for (let k = 0; k < 4; k++) {
    const t = acc[4 * g + k]! + c[k]!;
    acc[4 * g + k] = t >= F.P ? t - F.P : t;
  }
}
