/**
 * Radix-2 number-theoretic transforms over BabyBear, and the coset low-degree extension built on them.
 *
 * Conventions. H_n = <ω_n> is the subgroup of order n = 2^k, ω_n = rootOfUnity(k). Everything is in natural
 * order unless a name says otherwise:
 *   ntt:  coefficients c_0..c_{n-1}  ->  evaluations  v_j = C(ω_n^j) = Σ_i c_i ω_n^(ij)
 *   intt: the inverse, c_i = n^-1 Σ_j v_j ω_n^(-ij)
 * A matrix is row-major (row r = the r-th point, column = one polynomial); the `...Columns` forms transform
 * every column at once. Their butterflies act on whole rows, so one twiddle serves all columns and memory is
 * walked contiguously: Plonky3's `Radix2Dit` on a `RowMajorMatrix` works the same way.
 *
 * Algorithm: iterative decimation in time. Permute the input into bit-reversed order, then for half-sizes
 * h = 1, 2, 4, ..., n/2 combine pairs (x, y) at distance h into (x + t y, x - t y), t = ω_{2h}^j for the j-th
 * pair of a block (Cooley-Tukey). All twiddles live in one table, T[h + j] = ω_{2h}^j for 0 <= j < h, which
 * has n entries for transforms up to size n and serves every smaller size as a prefix; next to it the hints
 * T[i]/p that make each twiddle product one float multiply cheaper (babybear.ts, `mulByHint`). The table grows
 * on demand to the largest size used (2^20 points: 4 MiB of twiddles and 8 MiB of hints).
 *
 * Butterflies reduce without branches: (u + t) mod p as s = u + t - p, then s += (s >> 31) & p, and likewise for
 * u - t and the product's final correction. The sum exceeds p for half of all inputs at random, so a branch there
 * is mispredicted half the time; the branch-free form made the 2^20 transform about three times faster.
 *
 * The inverse reuses the forward transform: DFT_{ω^-1}(v)_i = DFT_ω(v)_{-i mod n}, so INTT = NTT, reverse
 * entries 1..n-1, scale by n^-1.
 *
 * Inputs must hold canonical elements; the transforms do not check them (hot path).
 */
import * as F from './babybear.ts';

/** log2 of the largest transform: BabyBear's two-adicity. */
export const MAX_LOG_SIZE = F.TWO_ADICITY;

let twiddles = new Uint32Array([0, 1]);
let hints = new Float64Array([0, 1 / F.P]);
let twiddleLog = 1;

/** Makes the twiddle table cover transforms of size 2^logN. */
function ensureTwiddles(logN: number): void {
  if (logN <= twiddleLog) return;
  const n = 1 << logN;
  const t = new Uint32Array(n);
  const q = new Float64Array(n);
  t.set(twiddles);
  q.set(hints);
  for (let s = twiddleLog + 1; s <= logN; s++) {
    const h = 1 << (s - 1);
    const w = F.rootOfUnity(s);
    let acc = 1;
    for (let j = 0; j < h; j++) {
      t[h + j] = acc;
      q[h + j] = acc / F.P;
      acc = F.mul(acc, w);
    }
  }
  twiddles = t;
  hints = q;
  twiddleLog = logN;
}

/** log2(n) for a power of two n in [1, 2^27]; throws otherwise. */
export function log2Size(n: number, what = 'transform size'): number {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0 || n > 2 ** MAX_LOG_SIZE) {
    throw new RangeError(`${what} must be a power of two between 1 and 2^${MAX_LOG_SIZE}, got ${n}`);
  }
  return 31 - Math.clz32(n);
}

/** Height of a row-major matrix stored in `values` with `width` columns; throws on inconsistent shapes. */
function heightOf(values: Uint32Array, width: number): number {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`matrix width must be a positive integer, got ${width}`);
  if (values.length % width !== 0) throw new RangeError(`matrix of ${values.length} values does not have width ${width}`);
  return values.length / width;
}

/** The bit reversal of the low `bits` bits of i. */
export function reverseBits(i: number, bits: number): number {
  if (bits === 0) return 0;
  let x = i >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  x = (x >>> 16) | (x << 16);
  return (x >>> (32 - bits)) >>> 0;
}

/** Permutes the rows of a row-major matrix (height a power of two) into bit-reversed order, in place. */
export function bitReverseRows(values: Uint32Array, width = 1): void {
  const n = heightOf(values, width);
  const bits = log2Size(n, 'matrix height');
  if (width === 1) {
    for (let i = 0; i < n; i++) {
      const j = reverseBits(i, bits);
      if (i < j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
      }
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const j = reverseBits(i, bits);
    if (i < j) {
      const a = i * width;
      const b = j * width;
      for (let c = 0; c < width; c++) {
        const t = values[a + c]!;
        values[a + c] = values[b + c]!;
        values[b + c] = t;
      }
    }
  }
}

const P = F.P;

/** The butterfly stages with half-sizes hStart, 2 hStart, ..., n/2 on a single column (bit-reversed input). */
function ditStagesVector(a: Uint32Array, n: number, hStart: number): void {
  const T = twiddles;
  const Q = hints;
  for (let h = hStart; h < n; h <<= 1) {
    const step = h << 1;
    if (h < 32) {
      // Few pairs per block, many blocks: keep the twiddle in a register across blocks.
      for (let j = 0; j < h; j++) {
        const w = T[h + j]!;
        const wq = Q[h + j]!;
        for (let x = j; x < n; x += step) {
          const y = x + h;
          const u = a[x]!;
          const v = a[y]!;
          const q = Math.floor(v * wq);
          let t = (Math.imul(v, w) - Math.imul(q, P)) | 0;
          t += (t >> 31) & P;
          t -= P;
          t += (t >> 31) & P;
          let s = (u + t - P) | 0;
          s += (s >> 31) & P;
          a[x] = s;
          let d = (u - t) | 0;
          d += (d >> 31) & P;
          a[y] = d;
        }
      }
    } else {
      // Long blocks: walk memory contiguously.
      for (let start = 0; start < n; start += step) {
        for (let j = 0; j < h; j++) {
          const w = T[h + j]!;
          const wq = Q[h + j]!;
          const x = start + j;
          const y = x + h;
          const u = a[x]!;
          const v = a[y]!;
          const q = Math.floor(v * wq);
          let t = (Math.imul(v, w) - Math.imul(q, P)) | 0;
          t += (t >> 31) & P;
          t -= P;
          t += (t >> 31) & P;
          let s = (u + t - P) | 0;
          s += (s >> 31) & P;
          a[x] = s;
          let d = (u - t) | 0;
          d += (d >> 31) & P;
          a[y] = d;
        }
      }
    }
  }
}

/** The butterfly stages on every column of a row-major matrix of the given width and height n. */
function ditStagesRows(a: Uint32Array, width: number, n: number, hStart: number): void {
  if (width === 1) {
    ditStagesVector(a, n, hStart);
    return;
  }
  const T = twiddles;
  const Q = hints;
  for (let h = hStart; h < n; h <<= 1) {
    const step = h << 1;
    const hw = h * width;
    for (let start = 0; start < n; start += step) {
      for (let j = 0; j < h; j++) {
        const w = T[h + j]!;
        const wq = Q[h + j]!;
        const rx = (start + j) * width;
        const end = rx + width;
        for (let x = rx, y = rx + hw; x < end; x++, y++) {
          const u = a[x]!;
          const v = a[y]!;
          const q = Math.floor(v * wq);
          let t = (Math.imul(v, w) - Math.imul(q, P)) | 0;
          t += (t >> 31) & P;
          t -= P;
          t += (t >> 31) & P;
          let s = (u + t - P) | 0;
          s += (s >> 31) & P;
          a[x] = s;
          let d = (u - t) | 0;
          d += (d >> 31) & P;
          a[y] = d;
        }
      }
    }
  }
}

/** Reverses rows 1..n-1 (row 0 stays): turns DFT_ω into DFT_{ω^-1}. */
function reverseTailRows(a: Uint32Array, width: number, n: number): void {
  for (let i = 1, j = n - 1; i < j; i++, j--) {
    const ri = i * width;
    const rj = j * width;
    for (let c = 0; c < width; c++) {
      const t = a[ri + c]!;
      a[ri + c] = a[rj + c]!;
      a[rj + c] = t;
    }
  }
}

/** Multiplies row i by start * ratio^i, in place. */
function scaleRowsGeometric(a: Uint32Array, width: number, n: number, start: number, ratio: number): void {
  let s = start;
  for (let i = 0; i < n; i++) {
    if (s !== 1) {
      const hint = F.mulHint(s);
      const r = i * width;
      for (let c = 0; c < width; c++) a[r + c] = F.mulByHint(a[r + c]!, s, hint);
    }
    s = F.mul(s, ratio);
  }
}

/** Forward NTT of every column, in place: coefficients -> evaluations on H_n (natural order). */
export function nttColumns(values: Uint32Array, width = 1): void {
  const n = heightOf(values, width);
  const logN = log2Size(n);
  ensureTwiddles(logN);
  bitReverseRows(values, width);
  ditStagesRows(values, width, n, 1);
}

/** Inverse NTT of every column, in place: evaluations on H_n -> coefficients. */
export function inttColumns(values: Uint32Array, width = 1): void {
  const n = heightOf(values, width);
  nttColumns(values, width);
  reverseTailRows(values, width, n);
  if (n > 1) F.vecScale(values, values, F.inv(n));
}

/** Forward NTT of one vector, in place. */
export function ntt(values: Uint32Array): void {
  nttColumns(values, 1);
}

/** Inverse NTT of one vector, in place. */
export function intt(values: Uint32Array): void {
  inttColumns(values, 1);
}

/** Coefficients -> evaluations on the coset shift·H_n, every column, in place: scale c_i by shift^i, then NTT. */
export function cosetNttColumns(values: Uint32Array, width: number, shift: number): void {
  const n = heightOf(values, width);
  log2Size(n);
  scaleRowsGeometric(values, width, n, 1, shift);
  nttColumns(values, width);
}

/** Evaluations on the coset shift·H_n -> coefficients, every column, in place: INTT, then scale c_i by shift^-i. */
export function cosetInttColumns(values: Uint32Array, width: number, shift: number): void {
  const n = heightOf(values, width);
  inttColumns(values, width);
  scaleRowsGeometric(values, width, n, 1, F.inv(shift));
}

/**
 * Coset low-degree extension of every column. Input: the evaluations of polynomials of degree < n on H_n
 * (height n, natural order). Output (new array, height N = n 2^logBlowup): their evaluations on the coset
 * shift·H_N, natural order, row j = the point shift·ω_N^j. The shift (default the group generator 31) keeps
 * the LDE domain disjoint from H_n, where the constraint quotient's vanishing polynomial is zero.
 *
 * Steps: inverse NTT on H_n (unscaled); multiply coefficient c_i by n^-1 shift^i, which turns C(x) into
 * C(shift x); place row i at its bit-reversed position in the height-N array, rev_N(i) = rev_n(i) 2^logBlowup;
 * run the remaining butterfly stages. The first logBlowup stages are skipped: each of their blocks of size
 * B = 2^logBlowup holds one nonzero row followed by zeros, and a size-B transform of (x, 0, ..., 0) is
 * (x, ..., x), so the block is filled with copies instead.
 */
export function cosetLdeColumns(values: Uint32Array, width: number, logBlowup: number, shift: number = F.GENERATOR): Uint32Array {
  const n = heightOf(values, width);
  const logN = log2Size(n, 'matrix height');
  if (!Number.isInteger(logBlowup) || logBlowup < 0 || logN + logBlowup > MAX_LOG_SIZE) {
    throw new RangeError(`log blowup ${logBlowup} is out of range for height 2^${logN}`);
  }
  if (!F.isCanonical(shift) || shift === 0) throw new RangeError(`coset shift must be a nonzero field element, got ${shift}`);
  const logBig = logN + logBlowup;
  const blowup = 1 << logBlowup;
  ensureTwiddles(logBig);

  const coeffs = values.slice();
  bitReverseRows(coeffs, width);
  ditStagesRows(coeffs, width, n, 1);
  reverseTailRows(coeffs, width, n);
  scaleRowsGeometric(coeffs, width, n, F.inv(n), shift);

  const out = new Uint32Array(n * blowup * width);
  for (let i = 0; i < n; i++) {
    const src = coeffs.subarray(i * width, (i + 1) * width);
    const base = reverseBits(i, logN) * blowup * width;
    for (let b = 0; b < blowup; b++) out.set(src, base + b * width);
  }
  ditStagesRows(out, width, n * blowup, blowup);
  return out;
}

/** Coset LDE of one column. */
export function cosetLde(values: Uint32Array, logBlowup: number, shift: number = F.GENERATOR): Uint32Array {
  return cosetLdeColumns(values, 1, logBlowup, shift);
}

/** The points shift·ω_n^j, j = 0..n-1, of the coset shift·H_n in natural order. */
export function domainPoints(logN: number, shift = 1): Uint32Array {
  const n = 2 ** logN;
  log2Size(n, 'domain size');
  const out = new Uint32Array(n);
  const w = F.rootOfUnity(logN);
  let x = shift;
  for (let j = 0; j < n; j++) {
    out[j] = x;
    x = F.mul(x, w);
  }
  return out;
}
