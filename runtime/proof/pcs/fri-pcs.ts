/**
 * The FRI-based polynomial commitment scheme (types.ts describes the interface), after Plonky3's
 * `TwoAdicFriPcs` with the zero-knowledge masking of Haböck & Kindi, "A Note on Adding Zero-Knowledge to STARKs"
 * (eprint 2024/1037). README.md in this folder has the design notes and figures.
 *
 * Commit. Each matrix (evaluations on H_n, natural order) is extended to the coset g·H_N, N = n·2^logBlowup,
 * g = F.GENERATOR, with the backend's coset LDE; its rows are committed in natural order (row i = the point
 * g·ω_N^i) in one salted Merkle tree per commit. Natural order avoids permuting the widest data in the prover and
 * is the layout the STARK prover reuses for constraint evaluation (`FriPcsCommitment.ldes`).
 *
 * Open.
 *   1. Every requested column is evaluated at its points (barycentric formula on H_n, below) and the points and
 *      values are absorbed, with the parameters and the commits' shapes.
 *   2. zk: a uniformly random extension polynomial R of degree < 2^dMax (dMax = the largest log height) is
 *      extended like a commit (4 base columns), committed in bit-reversed order with one leaf per position
 *      (validate.ts, `maskLayout`: no salt needed), and its root absorbed.
 *   3. The batching coefficients are drawn: an independent uniform extension element c_(e+k) for every
 *      (request r, matrix m, point z_j, column k), where e runs over the requests, matrices and points in order
 *      starting at 1 (R takes coefficient 1: it is committed before the coefficients are drawn, so it cannot be
 *      chosen to cancel a quotient). Independent coefficients make the batch an affine combination, whose
 *      soundness error does not grow with the number of columns (security.ts). Per height h, the reduced DEEP
 *      quotient is
 *          Q_h(x) = Σ_{(r,m,j) of height h} (C_rmj(x) − C_rmj(z_j)) / (x − z_j),  C_rmj = Σ_k c_(e_rmj + k) f_rmk,
 *      computed from the committed LDE rows, i.e. from exactly what the verifier will open.
 *   4. FRI (../fri) runs on R + Q_dMax (bit-reversed), with Q_h rolled in when the folding reaches 2^h.
 *   5. Each commit's tree (and R's) is opened at the rows the FRI queries map to.
 *
 * Index mapping. A FRI query q ∈ [0, 2^(dMax + logBlowup)) is a bit-reversed position in the largest domain. For a
 * commit of log height h its position in that commit's (bit-reversed) codeword is q >> (dMax − h), and the row to
 * open is rev_(h + logBlowup)(q >> (dMax − h)), the point g·ω^row. The roll-in adds Q_h, a polynomial on
 * g·H, to a folded codeword on g^(2^k)·H position by position: that is the polynomial y ↦ Q_h(y·g^(1−2^k)) of the
 * same degree on the folded domain, so the sum stays low-degree (Plonky3 uses one shift for all heights too).
 *
 * Zero knowledge (what is masked and why it suffices). The verifier sees: (a) opened commit rows and salts at
 * the query rows and the out-of-domain values f(z); (b) R at the query rows; (c) the FRI layer values in the
 * opened leaves, the final polynomial, and digests of unopened nodes. (a) is the STARK layer's job: it randomizes
 * each trace column f by adding Z_H·r with r random of degree ≥ (number of opened rows + number of points), so
 * these values are uniform and independent; salts hide unopened rows. For (b)+(c): every FRI value is a linear
 * functional of R + Σ c·q, and R is uniform over polynomials of degree < 2^dMax and independent of everything
 * else, so as long as the revealed functionals (numQueries·(1 + Σ arity) + 2^stop, far below 2^dMax for real
 * traces) are linearly independent modulo the functionals "evaluate at a queried point", which are revealed
 * anyway through (a) and (b), the FRI transcript is uniformly distributed given (a) and (b). Rolled-in shorter
 * quotients are masked by the fold of R, which is again uniform (folding with any β maps a uniform polynomial to
 * a uniform one of the folded degree bound). R's tree opens R only at queried positions (one leaf per position:
 * grouping a folding coset per leaf would reveal R, hence Q, at the coset's other positions). The FRI layer
 * trees and R's tree need no salt (fri/prover.ts).
 *
 * Evaluation at out-of-domain points. For z ∉ H_n, f(z) = (z^n − 1)/n · Σ_i f(ω^i) · ω^i/(z − ω^i): one batch
 * inversion of n extension elements per point and height, then a base × extension dot product per column with
 * lazy reduction (fri/packed.ts). That is cheaper than interpolating (an inverse NTT per column, then the same
 * dot product against powers of z). Points inside H_n read the row directly.
 *
 * Degree slack: FRI proves deg Q_h < 2^h, so a committed column is proven to have degree ≤ n rather than < n
 * (the quotient of a degree-n polynomial has degree n − 1). Plonky3 has the same one-degree slack.
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';
import { bitReverseRows, reverseBits } from '../field/ntt.ts';
import { commit as commitTree, defaultBackend, type ProofBackend } from '../backend.ts';
import { Matrix } from '../matrix.ts';
import { DIGEST_BYTES, defaultHasher, type Digest, type MerkleHasher } from '../merkle/hasher.ts';
import { makeSalts, normalizeIndices, type MerkleLayout, type MerkleOpening, type MerkleTree } from '../merkle/tree.ts';
import { verifyOpening, type Verdict } from '../merkle/verify.ts';
import type { Rng } from '../rng.ts';
import type { Transcript } from '../transcript.ts';
import { proveFri, type FriInput, type FriProof } from '../fri/prover.ts';
import { verifyFri, type FriInputValues } from '../fri/verifier.ts';
import { MAX_LOG_DOMAIN } from '../fri/schedule.ts';
import { LAZY_TERMS, batchInverseInto, isExt, mulAddInto } from '../fri/packed.ts';
import { assertParamsSecure, pcsParamsProblem } from './security.ts';
import {
  MAX_MATRICES_PER_COMMIT,
  MAX_POINTS_PER_MATRIX,
  MAX_REQUESTS,
  MAX_WIDTH,
  SHIFT,
  inLdeDomain,
  maskLayout,
  requestsProblem,
  valuesProblem,
} from './validate.ts';
import type { CommitmentShape, OpenedValues, OpeningRequest, Pcs, PcsParams, ProverCommitment } from './types.ts';

/** Transcript labels of the PCS (FRI's are in fri/prover.ts). */
export const PCS_LABELS = {
  params: 'pcs/params',
  requests: 'pcs/requests',
  shape: 'pcs/shape',
  points: 'pcs/points',
  values: 'pcs/values',
  maskRoot: 'pcs/mask-root',
  alpha: 'pcs/alpha',
} as const;

export interface FriPcsProof {
  /** Root of the masking polynomial's tree (zk only). */
  readonly maskRoot: Digest | null;
  readonly fri: FriProof;
  /** Per request, in order: the commit's rows at the query rows (ascending, distinct). */
  readonly inputOpenings: readonly MerkleOpening[];
  /**
   * The masking polynomial's values at the queried positions (zk only). Its tree has one leaf per position of
   * the bit-reversed mask codeword (leaf q = R at FRI position q) and no salt: see `maskLayout`.
   */
  readonly maskOpening: MerkleOpening | null;
}

/**
 * The prover's side of one commit. It keeps references to the committed matrices: callers must not modify them
 * afterwards (the STARK prover commits fresh, randomized copies).
 */
export class FriPcsCommitment implements ProverCommitment {
  constructor(
    readonly shape: CommitmentShape,
    /** The committed evaluations on H_n (natural order). */
    readonly matrices: readonly Matrix[],
    /** Their extensions to g·H_N, natural order (row i = the point g·ω_N^i): the committed rows. */
    readonly ldes: readonly Matrix[],
    readonly tree: MerkleTree,
    readonly logBlowup: number,
    /** Whether `ldes` are known to be the true extensions of `matrices` (made by `commit`, not `commitLde`). */
    readonly exact: boolean,
  ) {}
}

/** Options of `open` for tests that play a cheating prover. Never set outside tests. */
export interface FriPcsOpenOptions {
  /** Replaces the correctly evaluated values before they are absorbed and proved. */
  readonly tamperValues?: (values: OpenedValues) => OpenedValues;
}

export interface FriPcsOptions {
  readonly backend?: ProofBackend;
  readonly hasher?: MerkleHasher;
  /** Skip the refusal of parameters below 80 conjectured bits. For small, fast tests only. */
  readonly allowInsecure?: boolean;
}

// ---- the opening plan: which powers of α go where (computed identically by prover and verifier) ----------------

interface PlanMatrix {
  readonly request: number;
  readonly matrix: number;
  readonly width: number;
  /** Offset of the matrix's columns within its commit's tree row. */
  readonly colOffset: number;
  readonly points: readonly E.Ext[];
  /** α exponent of column 0 at each point. */
  readonly exponents: readonly number[];
}

interface PlanHeight {
  readonly logHeight: number;
  readonly requests: readonly number[];
  readonly matrices: readonly PlanMatrix[];
}

interface Plan {
  /** Distinct heights, decreasing. */
  readonly heights: readonly PlanHeight[];
  /** One more than the largest α exponent. */
  readonly numPowers: number;
  readonly maxWidth: number;
}

function makePlan(shapes: readonly { logHeight: number; widths: readonly number[] }[], points: readonly (readonly (readonly E.Ext[])[])[]): Plan {
  let next = 1;
  let maxWidth = 1;
  const byHeight = new Map<number, { requests: number[]; matrices: PlanMatrix[] }>();
  shapes.forEach((shape, r) => {
    let entry = byHeight.get(shape.logHeight);
    if (entry === undefined) byHeight.set(shape.logHeight, (entry = { requests: [], matrices: [] }));
    entry.requests.push(r);
    let colOffset = 0;
    shape.widths.forEach((width, m) => {
      const pts = points[r]![m]!;
      const exponents = pts.map(() => {
        const e = next;
        next += width;
        return e;
      });
      entry.matrices.push({ request: r, matrix: m, width, colOffset, points: pts, exponents });
      colOffset += width;
      maxWidth = Math.max(maxWidth, width);
    });
  });
  const heights = [...byHeight.entries()].sort((a, b) => b[0] - a[0]).map(([logHeight, e]) => ({ logHeight, ...e }));
  return { heights, numPowers: next, maxWidth };
}

/**
 * The batching coefficients c_0 .. c_(n−1), packed: independent uniform extension elements drawn from the
 * transcript. Independent coefficients make the batch an affine combination, whose soundness error is one
 * |D|/|F| term however many columns are batched (BCIKS20, correlated agreement for affine spaces); powers of
 * one challenge would cost a factor of the number of columns.
 */
function batchingCoefficients(transcript: Transcript, n: number): Uint32Array {
  const out = new Uint32Array(4 * n);
  transcript.challengeExts(PCS_LABELS.alpha, n).forEach((c, i) => E.store(out, i, c));
  return out;
}

/** Σ_k c_k v_k over one point's values (the reduced claimed value), c the packed coefficients. */
function reduceValues(values: readonly E.Ext[], coeffs: Uint32Array): E.Ext {
  const acc = new Uint32Array(4);
  const v = new Uint32Array(4);
  values.forEach((x, k) => {
    E.store(v, 0, x);
    mulAddInto(acc, 0, coeffs, k, v, 0);
  });
  return E.load(acc, 0);
}

/** Version 1 of the parameter encoding, then the hasher's id (UTF-8). */
function paramsBytes(params: PcsParams, hasherId: string): Uint8Array {
  const id = new TextEncoder().encode(hasherId);
  const out = new Uint8Array(9 + id.length);
  out.set([1, params.logBlowup, params.numQueries & 0xff, params.numQueries >>> 8, params.powBits, params.logFoldingArity, params.logFinalPolyLen, params.saltLength, params.zk ? 1 : 0]);
  out.set(id, 9);
  return out;
}

/** logHeight, saltLength, matrix count, widths: u32 little-endian each. */
function shapeBytes(shape: { logHeight: number; widths: readonly number[]; saltLength: number }): Uint8Array {
  const words = [shape.logHeight, shape.saltLength, shape.widths.length, ...shape.widths];
  const out = new Uint8Array(4 * words.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w, true));
  return out;
}

/** The absorbs both sides perform before α: parameters, shapes, points and values. */
function absorbClaims(
  t: Transcript,
  params: PcsParams,
  hasherId: string,
  shapes: readonly CommitmentShape[],
  points: readonly (readonly (readonly E.Ext[])[])[],
  values: OpenedValues,
): void {
  t.absorbBytes(PCS_LABELS.params, paramsBytes(params, hasherId));
  t.absorbU64(PCS_LABELS.requests, shapes.length);
  shapes.forEach((shape, r) => {
    t.absorbBytes(PCS_LABELS.shape, shapeBytes(shape));
    shape.widths.forEach((_, m) => {
      t.absorbExts(PCS_LABELS.points, points[r]![m]!);
      t.absorbExts(PCS_LABELS.values, values[r]![m]!.flat());
    });
  });
}

/** The query's row in a tree of the given LDE log size (natural order). */
function rowOf(query: number, logMaxDomain: number, logDomain: number): number {
  return reverseBits(Math.floor(query / 2 ** (logMaxDomain - logDomain)), logDomain);
}

// ---- prover arithmetic ------------------------------------------------------------------------------------------

/** Barycentric weights ω^i/(z − ω^i) on H_n (packed) and the factor (z^n − 1)/n, or the row index if z ∈ H_n. */
function baryWeights(logN: number, z: E.Ext): { weights: Uint32Array; scale: E.Ext } | { row: number } {
  const n = 2 ** logN;
  const w = F.rootOfUnity(logN);
  if (E.isBase(z) && F.pow(z[0], n) === 1) {
    let x = 1;
    for (let i = 0; i < n; i++, x = F.mul(x, w)) if (x === z[0]) return { row: i };
  }
  const den = new Uint32Array(4 * n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    den[4 * i] = F.sub(z[0], x);
    den[4 * i + 1] = z[1];
    den[4 * i + 2] = z[2];
    den[4 * i + 3] = z[3];
    x = F.mul(x, w);
  }
  const weights = new Uint32Array(4 * n);
  batchInverseInto(den, n, weights);
  x = 1;
  for (let i = 0; i < n; i++) {
    const h = F.mulHint(x);
    for (let c = 0; c < 4; c++) weights[4 * i + c] = F.mulByHint(weights[4 * i + c]!, x, h);
    x = F.mul(x, w);
  }
  const scale = E.mulBase(E.addBase(E.pow(z, n), F.P - 1), F.inv(n));
  return { weights, scale };
}

/**
 * out[k] = Σ_i m[i][k] · weights[i] for every column k (packed extension results), lazily reduced every
 * LAZY_TERMS rows. Columns are taken two at a time so that all sixteen running sums stay in registers (an
 * accumulator array per column costs a load and a store per term and measured about twice as slow).
 */
function weightedColumnSums(m: Matrix, weights: Uint32Array): Uint32Array {
  const { width, height, values } = m;
  const out = new Uint32Array(4 * width);
  const im = Math.imul;
  const P = F.P;
  for (let k = 0; k < width; k += 2) {
    const pair = k + 1 < width;
    const k2 = pair ? k + 1 : k; // an odd last column is summed twice and the copy discarded
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
    out[4 * k] = r0;
    out[4 * k + 1] = r1;
    out[4 * k + 2] = r2;
    out[4 * k + 3] = r3;
    if (pair) {
      out[4 * k + 4] = s0;
      out[4 * k + 5] = s1;
      out[4 * k + 6] = s2;
      out[4 * k + 7] = s3;
    }
  }
  return out;
}

/** Every column of m (evaluations on H_n) at z, from the barycentric weights. */
function evaluateColumns(m: Matrix, bw: { weights: Uint32Array; scale: E.Ext } | { row: number }): E.Ext[] {
  if ('row' in bw) return Array.from(m.row(bw.row), (v) => E.fromBase(v));
  const sums = weightedColumnSums(m, bw.weights);
  const out: E.Ext[] = [];
  for (let k = 0; k < m.width; k++) out.push(E.mul(bw.scale, E.load(sums, k)));
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
function denominatorPolys(z: E.Ext): { m: Uint32Array; n: Uint32Array } {
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
const LIFT_MIN_WIDTH = 48;

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
function combineColumns(m: Matrix, coeffs: Uint32Array, out: Uint32Array, stride: number, offset: number): void {
  for (let i = 0; i < m.height; i++) combineRow(m.values, i * m.width, m.width, coeffs, out, i * stride + offset);
}

/** One (matrix, point) pair of a height: its columns combined with their own coefficients. */
interface QuotientTerm {
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
function reducedQuotient(
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

// ---- the scheme -------------------------------------------------------------------------------------------------

/** acc[g] += c, packed. */
function addInto(acc: Uint32Array, g: number, c: Uint32Array): void {
  for (let k = 0; k < 4; k++) {
    const t = acc[4 * g + k]! + c[k]!;
    acc[4 * g + k] = t >= F.P ? t - F.P : t;
  }
}

function pointKey(z: E.Ext): string {
  return `${z[0]},${z[1]},${z[2]},${z[3]}`;
}

export class FriPcs implements Pcs<FriPcsProof> {
  readonly backend: ProofBackend;
  readonly hasher: MerkleHasher;

  constructor(
    readonly params: PcsParams,
    options: FriPcsOptions = {},
  ) {
    const problem = pcsParamsProblem(params);
    if (problem !== null) throw new RangeError(`FRI PCS: ${problem}`);
    if (options.allowInsecure !== true) assertParamsSecure(params);
    this.params = { ...params };
    this.backend = options.backend ?? defaultBackend();
    this.hasher = options.hasher ?? defaultHasher;
  }

  /**
   * Commits to equal-height matrices given by their evaluations on H_n; `hiding: false` leaves the leaves
   * unsalted (public data), otherwise each leaf gets params.saltLength salt elements.
   */
  commit(matrices: readonly Matrix[], rng: Rng, options: { readonly hiding?: boolean } = {}): FriPcsCommitment {
    this.checkMatrices(matrices);
    const ldes = matrices.map((m) => this.backend.cosetLde(m, this.params.logBlowup, SHIFT));
    return this.commitExtended(matrices, ldes, rng, options, true);
  }

  /**
   * Commits to `ldes` (natural order over g·H_N) as the extensions of `matrices`. `commit` calls it with the
   * true extensions; tests call it with anything else to play a cheating prover. Nothing checks that the LDE
   * is low-degree: that is what the proof is for.
   */
  commitLde(matrices: readonly Matrix[], ldes: readonly Matrix[], rng: Rng, options: { readonly hiding?: boolean } = {}): FriPcsCommitment {
    return this.commitExtended(matrices, ldes, rng, options, false);
  }

  private commitExtended(matrices: readonly Matrix[], ldes: readonly Matrix[], rng: Rng, options: { readonly hiding?: boolean }, exact: boolean): FriPcsCommitment {
    const logHeight = this.checkMatrices(matrices);
    const N = 2 ** (logHeight + this.params.logBlowup);
    if (ldes.length !== matrices.length) throw new RangeError(`commitLde: ${ldes.length} extensions for ${matrices.length} matrices`);
    ldes.forEach((l, i) => {
      if (!(l instanceof Matrix) || l.height !== N || l.width !== matrices[i]!.width) {
        throw new RangeError(`commitLde: extension ${i} must be ${N} × ${matrices[i]!.width}`);
      }
      if (!exact && !l.isCanonical()) throw new RangeError(`commitLde: extension ${i} has a non-canonical entry`);
    });
    const saltLength = options.hiding === false ? 0 : this.params.saltLength;
    const salts = makeSalts(N, saltLength, rng);
    const tree = commitTree(this.hasher, ldes, salts, this.backend);
    const shape: CommitmentShape = { root: tree.root(), logHeight, widths: matrices.map((m) => m.width), saltLength };
    return new FriPcsCommitment(shape, matrices, ldes, tree, this.params.logBlowup, exact);
  }

  private checkMatrices(matrices: readonly Matrix[]): number {
    if (!Array.isArray(matrices) || matrices.length === 0) throw new RangeError('commit: at least one matrix');
    if (matrices.length > MAX_MATRICES_PER_COMMIT) throw new RangeError(`commit: at most ${MAX_MATRICES_PER_COMMIT} matrices`);
    const height = matrices[0]!.height;
    if (!Number.isInteger(height) || height < 1 || (height & (height - 1)) !== 0) {
      throw new RangeError(`commit: height must be a power of two, got ${height}`);
    }
    const logHeight = 31 - Math.clz32(height);
    if (logHeight + this.params.logBlowup > MAX_LOG_DOMAIN) {
      throw new RangeError(`commit: height 2^${logHeight} with blowup 2^${this.params.logBlowup} exceeds 2^${MAX_LOG_DOMAIN}`);
    }
    matrices.forEach((m, i) => {
      if (!(m instanceof Matrix)) throw new TypeError(`commit: matrix ${i} is not a Matrix`);
      if (m.height !== height) throw new RangeError(`commit: matrix ${i} has height ${m.height}, matrix 0 has ${height}`);
      if (m.width < 1 || m.width > MAX_WIDTH) throw new RangeError(`commit: matrix ${i} has width ${m.width}`);
      if (!m.isCanonical()) throw new RangeError(`commit: matrix ${i} has a non-canonical entry`);
    });
    return logHeight;
  }

  open(
    requests: readonly OpeningRequest<ProverCommitment>[],
    transcript: Transcript,
    rng: Rng,
    options: FriPcsOpenOptions = {},
  ): { values: OpenedValues; proof: FriPcsProof } {
    const { params } = this;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_REQUESTS) {
      throw new RangeError(`open: between 1 and ${MAX_REQUESTS} requests`);
    }
    const commits = requests.map((req, r) => {
      const c = req.commitment;
      if (!(c instanceof FriPcsCommitment)) throw new TypeError(`open: request ${r} is not a commitment of this PCS`);
      if (c.logBlowup !== params.logBlowup || c.tree.layout.saltLength !== c.shape.saltLength || c.tree.hasher.id !== this.hasher.id) {
        throw new RangeError(`open: request ${r} was committed with different parameters`);
      }
      if (!Array.isArray(req.points) || req.points.length !== c.matrices.length) {
        throw new RangeError(`open: request ${r} needs one point list per matrix (${c.matrices.length})`);
      }
      req.points.forEach((pts: readonly E.Ext[], m: number) => {
        if (!Array.isArray(pts) || pts.length > MAX_POINTS_PER_MATRIX) throw new RangeError(`open: request ${r} matrix ${m}: bad point list`);
        pts.forEach((z: E.Ext, j: number) => {
          if (!isExt(z)) throw new RangeError(`open: request ${r} matrix ${m} point ${j} is not an extension element`);
          if (inLdeDomain(z, c.shape.logHeight + params.logBlowup)) {
            throw new RangeError(`open: request ${r} matrix ${m} point ${j} lies in the evaluation domain`);
          }
        });
      });
      return c;
    });

    // 1. Values, by the barycentric formula (weights shared per height and point).
    const weightCache = new Map<string, ReturnType<typeof baryWeights>>();
    let values: OpenedValues = commits.map((c, r) =>
      c.matrices.map((m, mi) =>
        requests[r]!.points[mi]!.map((z: E.Ext) => {
          const key = `${c.shape.logHeight}:${pointKey(z)}`;
          let bw = weightCache.get(key);
          if (bw === undefined) weightCache.set(key, (bw = baryWeights(c.shape.logHeight, z)));
          return evaluateColumns(m, bw);
        }),
      ),
    );
    weightCache.clear();
    if (options.tamperValues !== undefined) values = options.tamperValues(values);
    const shapes = commits.map((c) => c.shape);
    const points = requests.map((req) => req.points);
    absorbClaims(transcript, params, this.hasher.id, shapes, points, values);

    // 2. The zk mask, committed before the batching coefficients.
    const plan = makePlan(shapes, points);
    const maxLogHeight = plan.heights[0]!.logHeight;
    let mask: { tree: MerkleTree; codeword: Uint32Array } | null = null;
    if (params.zk) {
      // R: uniform of degree < 2^maxLogHeight (uniform evaluations on H_n), extended, bit-reversed (FRI's
      // order), one leaf per position, unsalted (maskLayout).
      const r = new Matrix(rng.fieldVector(4 * 2 ** maxLogHeight), 4);
      const codeword = this.backend.cosetLde(r, params.logBlowup, SHIFT).values;
      bitReverseRows(codeword, 4);
      const tree = commitTree(this.hasher, [new Matrix(codeword, 4)], null, this.backend);
      mask = { tree, codeword };
      transcript.absorbDigest(PCS_LABELS.maskRoot, tree.root());
    }

    // 3. The batching coefficients and the reduced quotients, one per height.
    const coeffs = batchingCoefficients(transcript, plan.numPowers);
    const inputs: FriInput[] = plan.heights.map((h, hi) => {
      const groupIndex = new Map<string, number>();
      const groupPoints: E.Ext[] = [];
      const terms: QuotientTerm[] = [];
      const toLift: { matrix: Matrix; coeffs: Uint32Array }[] = [];
      const claimedList: E.Ext[] = [];
      for (const pm of h.matrices) {
        if (pm.points.length === 0) continue;
        const commit = commits[pm.request]!;
        pm.points.forEach((z, j) => {
          const key = pointKey(z);
          let group = groupIndex.get(key);
          if (group === undefined) {
            groupIndex.set(key, (group = groupPoints.length));
            groupPoints.push(z);
            claimedList.push(E.ZERO);
          }
          const cs = coeffs.subarray(4 * pm.exponents[j]!, 4 * (pm.exponents[j]! + pm.width));
          claimedList[group] = E.add(claimedList[group]!, reduceValues(values[pm.request]![pm.matrix]![j]!, cs));
          if (commit.exact && pm.width >= LIFT_MIN_WIDTH) {
            terms.push({ lde: null, lifted: toLift.length, group, coeffs: cs });
            toLift.push({ matrix: commit.matrices[pm.matrix]!, coeffs: cs });
          } else {
            terms.push({ lde: commit.ldes[pm.matrix]!, lifted: -1, group, coeffs: cs });
          }
        });
      }
      const claimed = new Uint32Array(4 * Math.max(1, claimedList.length));
      claimedList.forEach((v, g) => E.store(claimed, g, v));
      let lifted: Matrix | null = null;
      if (toLift.length > 0) {
        const width = 4 * toLift.length;
        const combined = new Uint32Array(width * 2 ** h.logHeight);
        toLift.forEach((l, i) => combineColumns(l.matrix, l.coeffs, combined, width, 4 * i));
        lifted = this.backend.cosetLde(new Matrix(combined, width), params.logBlowup, SHIFT);
      }
      const logDomain = h.logHeight + params.logBlowup;
      const codeword = reducedQuotient(logDomain, terms, lifted, groupPoints, claimed);
      if (hi === 0 && mask !== null) {
        const m = mask.codeword;
        for (let i = 0; i < codeword.length; i++) {
          const t = codeword[i]! + m[i]!;
          codeword[i] = t >= F.P ? t - F.P : t;
        }
      }
      return { logDegree: h.logHeight, codeword };
    });

    // 4. FRI, 5. the commits' openings at the query rows.
    const { proof: fri, queries, schedule } = proveFri(params, inputs, SHIFT, transcript, { backend: this.backend, hasher: this.hasher });
    const openAt = (c: FriPcsCommitment): MerkleOpening => {
      const logDomain = c.shape.logHeight + params.logBlowup;
      return c.tree.open(normalizeIndices(queries.map((q) => rowOf(q, schedule.logMaxDomain, logDomain))));
    };
    const proof: FriPcsProof = {
      maskRoot: mask === null ? null : mask.tree.root(),
      fri,
      inputOpenings: commits.map(openAt),
      maskOpening: mask === null ? null : mask.tree.open(normalizeIndices(queries)),
    };
    return { values, proof };
  }

  verify(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: FriPcsProof, transcript: Transcript): Verdict {
    try {
      return this.verifyInner(requests, values, proof, transcript);
    } catch (e) {
      // Every input is validated before use, so this is a bug; still, a verifier reports rather than throws.
      return { ok: false, error: `pcs: internal error while verifying: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private verifyInner(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: FriPcsProof, transcript: Transcript): Verdict {
    const { params } = this;
    const fail = (error: string): Verdict => ({ ok: false, error: `pcs: ${error}` });
    const rp = requestsProblem(requests, params.logBlowup);
    if (rp !== null) return fail(rp);
    const vp = valuesProblem(requests, values);
    if (vp !== null) return fail(vp);
    if (typeof proof !== 'object' || proof === null) return fail('proof is not an object');
    if (params.zk) {
      if (!(proof.maskRoot instanceof Uint8Array) || proof.maskRoot.length !== DIGEST_BYTES) return fail('zk proof needs a 32-byte mask root');
      if (typeof proof.maskOpening !== 'object' || proof.maskOpening === null) return fail('zk proof needs a mask opening');
    } else if (proof.maskRoot !== null || proof.maskOpening !== null) {
      return fail('proof has a mask but the parameters are not zk');
    }
    if (!Array.isArray(proof.inputOpenings) || proof.inputOpenings.length !== requests.length) {
      return fail(`expected ${requests.length} commit openings`);
    }

    const shapes = requests.map((req) => req.commitment);
    const points = requests.map((req) => req.points);
    absorbClaims(transcript, params, this.hasher.id, shapes, points, values);
    if (params.zk) transcript.absorbDigest(PCS_LABELS.maskRoot, proof.maskRoot!);
    const plan = makePlan(shapes, points);
    const coeffs = batchingCoefficients(transcript, plan.numPowers);
    const coeffsOf = (pm: PlanMatrix, j: number) => coeffs.subarray(4 * pm.exponents[j]!, 4 * (pm.exponents[j]! + pm.width));
    // Reduced claimed values Σ_k c_k v_k per (request, matrix, point).
    const reducedClaims = plan.heights.map((h) => h.matrices.map((pm) => pm.points.map((_, j) => reduceValues(values[pm.request]![pm.matrix]![j]!, coeffsOf(pm, j)))));
    const logMaxDomain = plan.heights[0]!.logHeight + params.logBlowup;
    const logDegrees = plan.heights.map((h) => h.logHeight);

    const oracle = (queries: readonly number[]): FriInputValues => {
      const bad = (error: string): FriInputValues => ({ ok: false, error: `pcs: ${error}` });
      // Open every commit (and the mask) at its rows.
      const rowMaps: Map<number, Uint32Array>[] = [];
      for (let r = 0; r < requests.length; r++) {
        const shape = shapes[r]!;
        const logDomain = shape.logHeight + params.logBlowup;
        const rows = normalizeIndices(queries.map((q) => rowOf(q, logMaxDomain, logDomain)));
        const layout: MerkleLayout = { height: 2 ** logDomain, widths: shape.widths, saltLength: shape.saltLength };
        const v = verifyOpening(this.hasher, shape.root, layout, rows, proof.inputOpenings[r]!);
        if (!v.ok) return bad(`request ${r}: ${v.error}`);
        const map = new Map<number, Uint32Array>();
        rows.forEach((row, k) => map.set(row, proof.inputOpenings[r]!.rows[k]!));
        rowMaps.push(map);
      }
      let maskRows: Map<number, Uint32Array> | null = null;
      if (params.zk) {
        const leaves = normalizeIndices(queries);
        const layout = maskLayout(params, logDegrees);
        const v = verifyOpening(this.hasher, proof.maskRoot!, layout, leaves, proof.maskOpening!);
        if (!v.ok) return bad(`mask: ${v.error}`);
        maskRows = new Map();
        leaves.forEach((leaf, k) => maskRows!.set(leaf, proof.maskOpening!.rows[k]!));
      }
      // Recompute each height's reduced quotient at each query.
      const out = new Uint32Array(4 * queries.length * plan.heights.length);
      const acc = new Uint32Array(4);
      const tmp = new Uint32Array(4);
      for (let t = 0; t < queries.length; t++) {
        for (let hi = 0; hi < plan.heights.length; hi++) {
          const h = plan.heights[hi]!;
          const logDomain = h.logHeight + params.logBlowup;
          const row = rowOf(queries[t]!, logMaxDomain, logDomain);
          const x = F.mul(SHIFT, F.pow(F.rootOfUnity(logDomain), row));
          acc.fill(0);
          h.matrices.forEach((pm, mi) => {
            if (pm.points.length === 0) return;
            const opened = rowMaps[pm.request]!.get(row)!;
            pm.points.forEach((z, j) => {
              const den = E.sub(E.fromBase(x), z);
              if (E.isZero(den)) return; // excluded by requestsProblem
              const cs = coeffsOf(pm, j);
              let c: E.Ext = E.ZERO;
              for (let k = 0; k < pm.width; k++) c = E.add(c, E.mulBase(E.load(cs, k), opened[pm.colOffset + k]!));
              const term = E.mul(E.sub(c, reducedClaims[hi]![mi]![j]!), E.inv(den));
              E.store(tmp, 0, term);
              for (let k = 0; k < 4; k++) acc[k] = F.add(acc[k]!, tmp[k]!);
            });
          });
          if (hi === 0 && maskRows !== null) {
            const m = maskRows.get(queries[t]!)!;
            for (let k = 0; k < 4; k++) acc[k] = F.add(acc[k]!, m[k]!);
          }
          out.set(acc, 4 * (t * plan.heights.length + hi));
        }
      }
      return { ok: true, values: out };
    };

    return verifyFri(params, logDegrees, SHIFT, proof.fri, transcript, oracle, this.hasher);
  }
}

export { decodeFriPcsProof, encodeFriPcsProof, FRI_PCS_PROOF_VERSION } from './codec.ts';
