/**
 * The FRI-based polynomial commitment scheme (types.ts describes the interface), after Plonky3's
 * `TwoAdicFriPcs` with the zero-knowledge masking of Haböck & Kindi, "A Note on Adding Zero-Knowledge to STARKs"
 * (eprint 2024/1037). README.md in this folder has the design notes and figures.
 *
 * Commit. Each matrix (evaluations on H_n, natural order; optionally with a randomiser r of S coefficients per
 * column, making the committed polynomial t + Z_H·r of degree < n + S, its "degree slack") is extended to the
 * coset g·H_N, N = n·2^logBlowup, g = F.GENERATOR, with the backend's transforms (backends/index.ts
 * cosetLdeRandomized); its rows are committed in natural order (row i = the point
 * g·ω_N^i) in one salted Merkle tree per commit. Natural order avoids permuting the widest data in the prover and
 * is the layout the STARK prover reuses for constraint evaluation (`FriPcsCommitment.ldes`).
 *
 * Open.
 *   1. Every requested column is evaluated at its points (barycentric formula on H_n, below) and the points and
 *      values are absorbed, with the parameters and the commits' shapes. A packed matrix (OpeningRequest.packed)
 *      opens one value per extension column, F_c(z) = Σ_k X^k·f_{4c+k}(z).
 *   2. zk: a uniformly random extension polynomial R of degree < 2^dMax + S_R (dMax = the largest log height,
 *      S_R opening-plan.ts friSlacks: enough that folded R covers every rolled-in quotient's slack), extended like
 *      a commit (4 base columns): held by a commit as its last matrix (CommitmentShape.mask, committed with it;
 *      the STARK's quotient commitment), or else committed here in bit-reversed order with one leaf per position
 *      (validate.ts, `maskLayout`: no salt needed) and its root absorbed.
 *   3. The batching coefficients are drawn: an independent uniform extension element c_(e+k) for every
 *      (request r, matrix m, point z_j, column k), where e runs over the requests, matrices and points in order
 *      starting at 1 (R takes coefficient 1: it is committed before the coefficients are drawn, so it cannot be
 *      chosen to cancel a quotient). Independent coefficients make the batch an affine combination, whose
 *      soundness error does not grow with the number of columns (security.ts). Per height h, the reduced DEEP
 *      quotient is
 *          Q_h(x) = Σ_{(r,m,j) of height h} (C_rmj(x) − C_rmj(z_j)) / (x − z_j),  C_rmj = Σ_k c_(e_rmj + k) f_rmk,
 *      computed from the committed LDE rows, i.e. from exactly what the verifier will open. A packed matrix's
 *      extension column of coefficient c enters as its base columns with c·X^k (opening-plan.ts baseCoeffs), so
 *      C_rmj(x) = Σ c·F_c(x), F_c(x) the four base values at x read as an extension element: the same kernels.
 *      Soundness is that of any extension-valued DEEP term (the quotients are extension-valued anyway): FRI
 *      proves (F_c − F_c(z))/(X − z) of low degree over F_{p^4}, hence the opened value is F_c's at z.
 *   4. FRI (../fri) runs on R + Q_dMax (bit-reversed), with Q_h rolled in when the folding reaches 2^h, proving
 *      degree < 2^h + S_h for each height (S_h its matrices' largest slack; fri/schedule.ts tracks the exact
 *      bounds).
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
 * these values are uniform and independent (a committed randomiser of that many coefficients: stark/system.ts
 * zkLayout); salts hide unopened rows. For (b)+(c): every FRI value is a linear
 * functional of R + Σ c·q, and R is uniform over polynomials of degree < 2^dMax + S_R and independent of everything
 * else, so as long as the revealed functionals (numQueries·(1 + Σ arity) + 2^stop, far below 2^dMax for real
 * traces) are linearly independent modulo the functionals "evaluate at a queried point", which are revealed
 * anyway through (a) and (b), the FRI transcript is uniformly distributed given (a) and (b). Rolled-in shorter
 * quotients are masked by the fold of R, which is again uniform (folding with any β maps a uniform polynomial to
 * a uniform one of the folded degree bound); S_R makes that bound cover every rolled-in slack, so no coefficient
 * of the final polynomial is outside R's span. R's tree opens R only at queried positions (one leaf per position:
 * grouping a folding coset per leaf would reveal R, hence Q, at the coset's other positions). The FRI layer
 * trees and R's tree need no salt (fri/prover.ts).
 *
 * Evaluation at out-of-domain points (deep-quotient.ts). For z ∉ H_n, f(z) = (z^n − 1)/n · Σ_i f(ω^i) · ω^i/(z − ω^i): one batch
 * inversion of n extension elements per point and height, then a base × extension dot product per column with
 * lazy reduction (fri/packed.ts). That is cheaper than interpolating (an inverse NTT per column, then the same
 * dot product against powers of z). Points inside H_n read the row directly.
 *
 * One degree more: FRI proves deg Q_h < 2^h + S_h, so a committed column is proven to have degree ≤ n + S rather
 * than < n + S (the quotient of a degree-(n + S) polynomial has degree n + S − 1). Plonky3 has the same one-degree
 * slack.
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';
import { bitReverseRows } from '../field/ntt.ts';
import type { ProofBackend } from '../backend.ts';
import { commitMixedTree, commitTree, cosetLdeRandomized, tsBackend } from '../backends/index.ts';
import { Matrix } from '../matrix.ts';
import { DIGEST_BYTES, defaultHasher, type MerkleHasher } from '../merkle/hasher.ts';
import { makeSalts, normalizeIndices, type MerkleTree } from '../merkle/tree.ts';
import { verifyOpening, type Verdict } from '../merkle/verify.ts';
import { ancestors, groupsOf, openedRow, verifyMixedOpening, type MixedLayout } from '../merkle/mixed.ts';
import type { Rng } from '../rng.ts';
import { Transcript, checkBeforeChallenge, grindBeforeChallenge, type Challenger } from '../transcript.ts';
import { proveFri, type FriInput } from '../fri/prover.ts';
import { verifyFri, type FriInputValues } from '../fri/verifier.ts';
import { MAX_LOG_DOMAIN } from '../fri/schedule.ts';
import { isExt } from '../fri/packed.ts';
import { assertParamsSecure, pcsParamsProblem } from './security.ts';
import {
  MAX_MATRICES_PER_COMMIT,
  MAX_POINTS_PER_MATRIX,
  MAX_REQUESTS,
  MAX_WIDTH,
  SHIFT,
  inLdeDomain,
  columnsProblem,
  openedWidths,
  packedProblem,
  maxSlack,
  maskHolder,
  maskLayout,
  MASK_WIDTH,
  mixedLayout,
  requestsProblem,
  shapeProblem,
  valuesProblem,
} from './validate.ts';
import type { CommitmentShape, CommitOptions, OpenedValues, OpeningRequest, Pcs, PcsParams, ProverCommitment } from './types.ts';

import { absorbClaims, baseCoeffs, baseColumnsOf, batchingCoefficients, columnCoeffs, packValues, friSlacks, leafOf, makePlan, openedCoeffs, PCS_LABELS, reduceValues, rowOf } from './opening-plan.ts';
import { baryWeights, combineColumns, combineColumnsOn, evaluateColumns, LIFT_MIN_WIDTH, reducedQuotient, type QuotientTerm } from './deep-quotient.ts';
import type { FriPcsProof } from './proof.ts';
import { timed, type Profiler } from '../profile.ts';

export type { FriPcsProof } from './proof.ts';
export { PCS_LABELS } from './opening-plan.ts';
export { FriPcsCommitment } from './commitment.ts';
import { FriPcsCommitment } from './commitment.ts';

/**
 * Whether request r's opening stays out of the proof: the parameters let the verifier hold public commitments and
 * the request is one (PcsParams.verifierHoldsPublic, OpeningRequest.held). A held request must be unsalted (public).
 */
function isHeld(params: PcsParams, req: OpeningRequest<unknown>, r: number): boolean {
  if (req.held === undefined) return false;
  if (params.verifierHoldsPublic !== true) throw new RangeError(`request ${r} is held, but the parameters do not let the verifier hold commitments`);
  return true;
}

/** The verifier's own commitment of a held request, when it is this PCS's and has the request's root; else null. */
function heldCommitment(req: OpeningRequest<CommitmentShape>): FriPcsCommitment | null {
  const c = req.held?.commitment;
  if (!(c instanceof FriPcsCommitment) || c.shape.saltLength !== 0) return null;
  const root = req.commitment.root;
  return c.shape.root.length === root.length && c.shape.root.every((b, i) => b === root[i]) ? c : null;
}


/** Each column of `r` (S rows of coefficients, constant first) evaluated at z, for the listed columns (null: all). */
function evaluateRandomizer(r: Matrix, z: E.Ext, columns: readonly number[] | null): E.Ext[] {
  const cols = columns ?? Array.from({ length: r.width }, (_, k) => k);
  return cols.map((k) => {
    let acc: E.Ext = E.ZERO;
    for (let i = r.height - 1; i >= 0; i--) acc = E.add(E.mul(acc, z), E.fromBase(r.values[i * r.width + k]!));
    return acc;
  });
}

/** Options of `open` for tests that play a cheating prover. Never set outside tests. */
export interface FriPcsOpenOptions {
  /** Replaces the correctly evaluated values before they are absorbed and proved. */
  readonly tamperValues?: (values: OpenedValues) => OpenedValues;
}

export interface FriPcsOptions {
  readonly backend?: ProofBackend;
  readonly hasher?: MerkleHasher;
  /** The Fiat-Shamir transcript proofs of this PCS use (BLAKE3's when absent); hash-config.ts pairs it with the hasher. */
  readonly transcript?: (protocol: string) => Challenger;
  /** Skip the refusal of parameters below 80 conjectured bits. For small, fast tests only. */
  readonly allowInsecure?: boolean;
  /** Records where the time goes (benchmarks); nothing is measured without one. */
  readonly profiler?: Profiler;
}


function pointKey(z: E.Ext): string {
  return `${z[0]},${z[1]},${z[2]},${z[3]}`;
}

export class FriPcs implements Pcs<FriPcsProof> {
  readonly backend: ProofBackend;
  readonly hasher: MerkleHasher;
  readonly profiler: Profiler | undefined;

  constructor(
    readonly params: PcsParams,
    options: FriPcsOptions = {},
  ) {
    const problem = pcsParamsProblem(params);
    if (problem !== null) throw new RangeError(`FRI PCS: ${problem}`);
    if (options.allowInsecure !== true) assertParamsSecure(params);
    this.params = { ...params };
    this.backend = options.backend ?? tsBackend;
    this.hasher = options.hasher ?? defaultHasher;
    this.newTranscript = options.transcript ?? ((protocol) => new Transcript(protocol));
    this.profiler = options.profiler;
  }

  private readonly newTranscript: (protocol: string) => Challenger;

  transcript(protocol: string): Challenger {
    return this.newTranscript(protocol);
  }

  /**
   * Commits to matrices (power-of-two heights, possibly different) given by their evaluations on H_n, in one
   * mixed tree; `hiding: false` leaves the leaves unsalted (public data), otherwise each leaf of the tallest
   * level gets params.saltLength salt elements.
   */
  commit(matrices: readonly Matrix[], rng: Rng, options: CommitOptions = {}): FriPcsCommitment {
    const logHeights = this.checkMatrices(matrices);
    const randomizers = this.checkRandomizers(matrices, logHeights, options.randomizers);
    const ldes = matrices.map((m, i) => cosetLdeRandomized(this.backend, m, randomizers[i]!, this.params.logBlowup, SHIFT));
    return this.commitExtended(matrices, ldes, rng, options, true);
  }

  /** One randomiser (or null) per matrix, after checking its shape: the matrix's width, 1..maxSlack rows. */
  private checkRandomizers(matrices: readonly Matrix[], logHeights: readonly number[], randomizers: CommitOptions['randomizers']): (Matrix | null)[] {
    if (randomizers === undefined) return matrices.map(() => null);
    if (!Array.isArray(randomizers) || randomizers.length !== matrices.length) throw new RangeError(`commit: ${matrices.length} randomisers (or nulls) expected`);
    return randomizers.map((r, i) => {
      if (r === null) return null;
      const max = maxSlack(logHeights[i]!, this.params.logBlowup);
      if (!(r instanceof Matrix) || r.width !== matrices[i]!.width || r.height < 1 || r.height > max) {
        throw new RangeError(`commit: randomiser ${i} must have ${matrices[i]!.width} columns and 1 to ${max} rows`);
      }
      if (!r.isCanonical()) throw new RangeError(`commit: randomiser ${i} has a non-canonical entry`);
      return r;
    });
  }

  /**
   * Commits to `ldes` (natural order over g·H_N) as the extensions of `matrices`. `commit` calls it with the
   * true extensions; tests call it with anything else to play a cheating prover. Nothing checks that the LDE
   * is low-degree: that is what the proof is for.
   */
  commitLde(matrices: readonly Matrix[], ldes: readonly Matrix[], rng: Rng, options: CommitOptions = {}): FriPcsCommitment {
    return this.commitExtended(matrices, ldes, rng, options, false);
  }

  private commitExtended(matrices: readonly Matrix[], ldes: readonly Matrix[], rng: Rng, options: CommitOptions, exact: boolean): FriPcsCommitment {
    const logHeights = this.checkMatrices(matrices);
    const randomizers = this.checkRandomizers(matrices, logHeights, options.randomizers);
    if (ldes.length !== matrices.length) throw new RangeError(`commitLde: ${ldes.length} extensions for ${matrices.length} matrices`);
    ldes.forEach((l, i) => {
      const N = 2 ** (logHeights[i]! + this.params.logBlowup);
      if (!(l instanceof Matrix) || l.height !== N || l.width !== matrices[i]!.width) {
        throw new RangeError(`commitLde: extension ${i} must be ${N} × ${matrices[i]!.width}`);
      }
      if (!exact && !l.isCanonical()) throw new RangeError(`commitLde: extension ${i} has a non-canonical entry`);
    });
    const saltLength = options.hiding === false ? 0 : this.params.saltLength;
    const mask = options.mask;
    if (mask !== undefined) {
      if (!this.params.zk) throw new RangeError('commit: only a hiding commit of a zk PCS holds the mask');
      // The verifier's own check of a commitment holding the mask (count, height, slack, salted), on the prover's side.
      const problem = shapeProblem({ root: new Uint8Array(DIGEST_BYTES), logHeights, widths: matrices.map((m) => m.width), saltLength, mask }, this.params.logBlowup);
      if (problem !== null) throw new RangeError(`commit: ${problem}`);
    }
    const top = 2 ** (Math.max(...logHeights, mask?.logHeight ?? 0) + this.params.logBlowup);
    const salts = timed(this.profiler, 'pcs: salts', () => makeSalts(top, saltLength, rng, this.backend.keyedFieldStream?.bind(this.backend)));
    // R: uniform of degree < 2^h + slack (uniform evaluations on H plus Z_H times a uniform randomiser), drawn
    // after the salts, extended like any matrix: the tree's last matrix (validate.ts mixedLayout).
    const maskLde = mask === undefined ? null : timed(this.profiler, 'pcs: mask', () => {
      const r = new Matrix(rng.fieldVector(MASK_WIDTH * 2 ** mask.logHeight), MASK_WIDTH);
      const rr = mask.slack > 0 ? new Matrix(rng.fieldVector(MASK_WIDTH * mask.slack), MASK_WIDTH) : null;
      return cosetLdeRandomized(this.backend, r, rr, this.params.logBlowup, SHIFT);
    });
    const tree = commitMixedTree(this.backend, this.hasher, maskLde === null ? ldes : [...ldes, maskLde], salts);
    const slacks = randomizers.map((r) => r?.height ?? 0);
    const shape: CommitmentShape = {
      root: tree.root(),
      logHeights,
      widths: matrices.map((m) => m.width),
      saltLength,
      ...(slacks.some((x) => x > 0) ? { slacks } : {}),
      ...(mask !== undefined ? { mask: { logHeight: mask.logHeight, slack: mask.slack } } : {}),
    };
    return new FriPcsCommitment(shape, matrices, ldes, tree, this.params.logBlowup, exact, randomizers, maskLde);
  }

  /** Hands the commitment's extensions and tree levels back to the backend (Pcs.release): only a commitment `commit` made. */
  release(commitment: ProverCommitment): void {
    if (!(commitment instanceof FriPcsCommitment) || !commitment.exact || commitment.released || !this.backend.recycle) return;
    commitment.released = true;
    this.backend.recycle([...commitment.ldes.map((l) => l.values), ...(commitment.maskLde ? [commitment.maskLde.values] : []), ...commitment.tree.layers]);
  }

  /** The matrices' log heights, after checking their shapes. */
  private checkMatrices(matrices: readonly Matrix[]): number[] {
    if (!Array.isArray(matrices) || matrices.length === 0) throw new RangeError('commit: at least one matrix');
    if (matrices.length > MAX_MATRICES_PER_COMMIT) throw new RangeError(`commit: at most ${MAX_MATRICES_PER_COMMIT} matrices`);
    return matrices.map((m, i) => {
      if (!(m instanceof Matrix)) throw new TypeError(`commit: matrix ${i} is not a Matrix`);
      const height = m.height;
      if (!Number.isInteger(height) || height < 1 || (height & (height - 1)) !== 0) {
        throw new RangeError(`commit: matrix ${i}: height must be a power of two, got ${height}`);
      }
      const logHeight = 31 - Math.clz32(height);
      if (logHeight + this.params.logBlowup > MAX_LOG_DOMAIN) {
        throw new RangeError(`commit: matrix ${i}: height 2^${logHeight} with blowup 2^${this.params.logBlowup} exceeds 2^${MAX_LOG_DOMAIN}`);
      }
      if (m.width < 1 || m.width > MAX_WIDTH) throw new RangeError(`commit: matrix ${i} has width ${m.width}`);
      if (!(this.backend.allCanonical?.(m.values) ?? m.isCanonical())) throw new RangeError(`commit: matrix ${i} has a non-canonical entry`);
      return logHeight;
    });
  }

  open(
    requests: readonly OpeningRequest<ProverCommitment>[],
    transcript: Challenger,
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
      if (c.released) throw new Error(`open: request ${r}'s commitment was released (its buffers may hold another proof's values)`);
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
          if (inLdeDomain(z, c.shape.logHeights[m]! + params.logBlowup)) {
            throw new RangeError(`open: request ${r} matrix ${m} point ${j} lies in the evaluation domain`);
          }
        });
      });
      const pp = packedProblem(req.packed, c.shape.widths);
      if (pp !== null) throw new RangeError(`open: request ${r}: ${pp}`);
      const cp = columnsProblem(req.columns, openedWidths(c.shape.widths, req.packed), req.points);
      if (cp !== null) throw new RangeError(`open: request ${r}: ${cp}`);
      return c;
    });

    // 1. Values, by the barycentric formula (weights shared per height and point).
    const weightCache = new Map<string, ReturnType<typeof baryWeights>>();
    const prof = this.profiler;
    let values: OpenedValues = timed(prof, 'pcs: evaluate at ζ', () => commits.map((c, r) =>
      c.matrices.map((m, mi) =>
        requests[r]!.points[mi]!.map((z: E.Ext, j: number) => {
          const logHeight = c.shape.logHeights[mi]!;
          const key = `${logHeight}:${pointKey(z)}`;
          let bw = weightCache.get(key);
          if (bw === undefined) weightCache.set(key, (bw = baryWeights(logHeight, z)));
          // Only the opened columns (a next-row point opens a few); a randomised column adds Z_H(z)·r(z); a
          // packed matrix's four base values of an extension column make its one value.
          const packed = requests[r]!.packed?.[mi] === true;
          const list = baseColumnsOf(requests[r]!.columns?.[mi]?.[j] ?? null, packed);
          const t = evaluateColumns(m, bw, list, this.backend);
          const rnd = c.randomizers[mi];
          const zH = rnd ? E.sub(E.pow(z, 2 ** logHeight), E.ONE) : E.ZERO;
          const base = rnd ? evaluateRandomizer(rnd, z, list).map((v, k) => E.add(t[k]!, E.mul(zH, v))) : t;
          return packed ? packValues(base) : base;
        }),
      ),
    ));
    weightCache.clear();
    if (options.tamperValues !== undefined) values = options.tamperValues(values);
    const shapes = commits.map((c) => c.shape);
    const points = requests.map((req) => req.points);
    const columns = requests.map((req) => req.columns);
    const packed = requests.map((req) => req.packed);
    absorbClaims(transcript, params, this.hasher.id, shapes, points, values, columns, packed);

    // 2. The zk mask, committed before the batching coefficients: held by a commit (CommitmentShape.mask), or in
    // a tree of its own.
    const plan = makePlan(shapes, points, columns, packed);
    const maxLogHeight = plan.heights[0]!.logHeight;
    const { slacks, maskSlack } = friSlacks(plan, params.zk);
    const holder = maskHolder(params, requests.map((req) => req.commitment.shape), (r) => isHeld(params, requests[r]!, r));
    if (typeof holder === 'string') throw new RangeError(`open: ${holder}`);
    if (holder !== null && commits[holder]!.maskLde === null) throw new RangeError(`open: request ${holder}'s shape has a mask its commitment does not hold`);
    const mask: { tree: MerkleTree | null; codeword: Uint32Array } | null = !params.zk ? null : holder !== null ? timed(prof, 'pcs: mask', () => {
      // The holder's R, bit-reversed (FRI's order): position q is row rev(q), the row its tree opens at query q.
      const codeword = commits[holder]!.maskLde!.values.slice();
      if (this.backend.bitReverseRows) this.backend.bitReverseRows(codeword, 4);
      else bitReverseRows(codeword, 4);
      return { tree: null, codeword };
    }) : timed(prof, 'pcs: mask', () => {
      // R: uniform of degree < 2^maxLogHeight + maskSlack (uniform evaluations on H_n plus Z_H times a uniform
      // randomiser), extended, bit-reversed (FRI's order), one leaf per position, unsalted (maskLayout).
      const r = new Matrix(rng.fieldVector(4 * 2 ** maxLogHeight), 4);
      const rr = maskSlack > 0 ? new Matrix(rng.fieldVector(4 * maskSlack), 4) : null;
      const codeword = cosetLdeRandomized(this.backend, r, rr, params.logBlowup, SHIFT).values;
      if (this.backend.bitReverseRows) this.backend.bitReverseRows(codeword, 4);
      else bitReverseRows(codeword, 4);
      const tree = commitTree(this.backend, this.hasher, [new Matrix(codeword, 4)], null);
      transcript.absorbDigest(PCS_LABELS.maskRoot, tree.root());
      return { tree, codeword };
    });

    // 3. The batching coefficients (after grinding challengePowBits, when nonzero) and the reduced quotients, one
    // per height.
    const alphaNonce = grindBeforeChallenge(transcript, params.challengePowBits ?? 0, this.backend);
    const coeffs = batchingCoefficients(transcript, plan.numPowers);
    const inputs: FriInput[] = timed(prof, 'pcs: deep quotient', () => plan.heights.map((h, hi) => {
      const groupIndex = new Map<string, number>();
      const groupPoints: E.Ext[] = [];
      const terms: QuotientTerm[] = [];
      const toLift: { matrix: Matrix; columns: readonly number[] | null; randomizer: Matrix | null; coeffs: Uint32Array }[] = [];
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
          claimedList[group] = E.add(claimedList[group]!, reduceValues(values[pm.request]![pm.matrix]![j]!, openedCoeffs(coeffs, pm, j)));
          // A term combines only the columns opened at its point: a strict subset (a next-row point) is taken
          // out of the matrix first, so that its combination costs its own width, not the matrix's. Base columns
          // with their coefficients (baseCoeffs: c·X^k for a packed matrix's extension column).
          const cs = baseCoeffs(coeffs, pm, j);
          const list = pm.baseColumns[j]!;
          const only = (m: Matrix) => (list === null ? m : Matrix.fromColumns(list.map((k) => m.column(k))));
          if (commit.exact && (list === null ? pm.width : list.length) >= (this.backend.liftMinWidth ?? LIFT_MIN_WIDTH)) {
            terms.push({ lde: null, lifted: toLift.length, group, coeffs: cs });
            const rnd = commit.randomizers[pm.matrix];
            toLift.push({ matrix: commit.matrices[pm.matrix]!, columns: list, randomizer: rnd ? only(rnd) : null, coeffs: cs });
          } else {
            terms.push({ lde: only(commit.ldes[pm.matrix]!), lifted: -1, group, coeffs: cs });
          }
        });
      }
      const claimed = new Uint32Array(4 * Math.max(1, claimedList.length));
      claimedList.forEach((v, g) => E.store(claimed, g, v));
      let lifted: Matrix | null = null;
      if (toLift.length > 0) {
        const width = 4 * toLift.length;
        const combined = new Uint32Array(width * 2 ** h.logHeight);
        toLift.forEach((l, i) => combineColumnsOn(this.backend, l.matrix, l.columns, l.coeffs, combined, width, 4 * i));
        // The combination of t + Z_H·r is (Σ c t) + Z_H·(Σ c r): the randomisers combine alike.
        const rows = Math.max(0, ...toLift.map((l) => l.randomizer?.height ?? 0));
        let rnd: Matrix | null = null;
        if (rows > 0) {
          const r = new Uint32Array(width * rows);
          toLift.forEach((l, i) => {
            if (l.randomizer) combineColumns(l.randomizer, l.coeffs, r, width, 4 * i);
          });
          rnd = new Matrix(r, width);
        }
        lifted = cosetLdeRandomized(this.backend, new Matrix(combined, width), rnd, params.logBlowup, SHIFT);
      }
      const logDomain = h.logHeight + params.logBlowup;
      const codeword = (this.backend.reducedQuotient ?? reducedQuotient)(logDomain, terms, lifted, groupPoints, claimed);
      if (lifted !== null) this.backend.recycle?.([lifted.values]);
      if (hi === 0 && mask !== null) {
        const m = mask.codeword;
        const P = F.P; // read once: under tsx every namespace read is a getter call (2^22 words here)
        for (let i = 0; i < codeword.length; i++) {
          const t = codeword[i]! + m[i]!;
          codeword[i] = t >= P ? t - P : t;
        }
      }
      return { logDegree: h.logHeight, slack: slacks[hi]!, codeword };
    }));

    // 4. FRI, 5. the commits' openings at the query rows.
    const { proof: fri, queries, schedule } = timed(prof, 'fri', () => proveFri(params, inputs, SHIFT, transcript, { backend: this.backend, hasher: this.hasher, profiler: prof }));
    const openAt = (c: FriPcsCommitment) => {
      const logTop = Math.max(...c.shape.logHeights, c.shape.mask?.logHeight ?? 0) + params.logBlowup;
      return c.tree.open(normalizeIndices(queries.map((q) => leafOf(q, schedule.logMaxDomain, logTop))));
    };
    const proof: FriPcsProof = {
      maskRoot: mask?.tree?.root() ?? null,
      alphaNonce,
      fri,
      inputOpenings: timed(prof, 'pcs: merkle openings', () => commits.map((c, r) => (isHeld(params, requests[r]!, r) ? null : openAt(c)))),
      maskOpening: mask?.tree?.open(normalizeIndices(queries)) ?? null,
    };
    return { values, proof };
  }

  verify(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: FriPcsProof, transcript: Challenger): Verdict {
    try {
      return this.verifyInner(requests, values, proof, transcript);
    } catch (e) {
      // Every input is validated before use, so this is a bug; still, a verifier reports rather than throws.
      return { ok: false, error: `pcs: internal error while verifying: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private verifyInner(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: FriPcsProof, transcript: Challenger): Verdict {
    const { params } = this;
    const fail = (error: string): Verdict => ({ ok: false, error: `pcs: ${error}` });
    const rp = requestsProblem(requests, params.logBlowup);
    if (rp !== null) return fail(rp);
    const vp = valuesProblem(requests, values);
    if (vp !== null) return fail(vp);
    if (typeof proof !== 'object' || proof === null) return fail('proof is not an object');
    const holder = maskHolder(params, requests.map((req) => req.commitment), (r) => requests[r]!.held !== undefined);
    if (typeof holder === 'string') return fail(holder);
    // The mask's own tree: zk with no commit holding R.
    const maskTree = params.zk && holder === null;
    if (maskTree) {
      if (!(proof.maskRoot instanceof Uint8Array) || proof.maskRoot.length !== DIGEST_BYTES) return fail('zk proof needs a 32-byte mask root');
      if (typeof proof.maskOpening !== 'object' || proof.maskOpening === null) return fail('zk proof needs a mask opening');
    } else if (proof.maskRoot !== null || proof.maskOpening !== null) {
      return fail(params.zk ? 'proof has a mask tree but a commit holds the mask' : 'proof has a mask but the parameters are not zk');
    }
    if (!Array.isArray(proof.inputOpenings) || proof.inputOpenings.length !== requests.length) {
      return fail(`expected ${requests.length} commit openings`);
    }
    for (let r = 0; r < requests.length; r++) {
      const held = isHeld(params, requests[r]!, r);
      if (held !== (proof.inputOpenings[r] === null)) return fail(`request ${r}: ${held ? 'an opening of a commitment the verifier holds' : 'no opening'}`);
      if (held && !heldCommitment(requests[r]!)) return fail(`request ${r}: the verifier holds no commitment with that root`);
    }

    const shapes = requests.map((req) => req.commitment);
    const points = requests.map((req) => req.points);
    const columns = requests.map((req) => req.columns);
    const packed = requests.map((req) => req.packed);
    absorbClaims(transcript, params, this.hasher.id, shapes, points, values, columns, packed);
    if (maskTree) transcript.absorbDigest(PCS_LABELS.maskRoot, proof.maskRoot!);
    const plan = makePlan(shapes, points, columns, packed);
    if (!checkBeforeChallenge(transcript, params.challengePowBits ?? 0, proof.alphaNonce ?? null)) {
      return fail('the nonce ground before the batching coefficients is missing or does not solve the proof-of-work puzzle');
    }
    const coeffs = batchingCoefficients(transcript, plan.numPowers);
    // Per (height, matrix, point): every column's coefficient (zero where not opened) and the reduced claim
    // Σ_k c_k v_k over the opened columns.
    const fullCoeffs = plan.heights.map((h) => h.matrices.map((pm) => pm.points.map((_, j) => columnCoeffs(coeffs, pm, j))));
    const reducedClaims = plan.heights.map((h) => h.matrices.map((pm) => pm.points.map((_, j) => reduceValues(values[pm.request]![pm.matrix]![j]!, openedCoeffs(coeffs, pm, j)))));
    const logMaxDomain = plan.heights[0]!.logHeight + params.logBlowup;
    const logDegrees = plan.heights.map((h) => h.logHeight);
    const { slacks } = friSlacks(plan, params.zk);

    const oracle = (queries: readonly number[]): FriInputValues => {
      const bad = (error: string): FriInputValues => ({ ok: false, error: `pcs: ${error}` });
      // Open every commit (one path per query in its mixed tree) and the mask.
      // rowAt[r](m, q): matrix m of request r at query q, from the checked opening.
      const rowAt: ((m: number, q: number) => Uint32Array)[] = [];
      for (let r = 0; r < requests.length; r++) {
        const shape = shapes[r]!;
        const layout: MixedLayout = mixedLayout(shape, params.logBlowup);
        const top = 2 ** (Math.max(...shape.logHeights, shape.mask?.logHeight ?? 0) + params.logBlowup);
        const leaves = normalizeIndices(queries.map((q) => leafOf(q, logMaxDomain, Math.log2(top))));
        // A commitment the verifier holds is opened from its own tree (checked above to carry this root).
        const own = heldCommitment(requests[r]!);
        const opening = own ? own.tree.open(leaves) : proof.inputOpenings[r]!;
        const v = verifyMixedOpening(this.hasher, shape.root, layout, leaves, opening!);
        if (!v.ok) return bad(`request ${r}: ${v.error}`);
        const groups = groupsOf(layout);
        const levels = groups.map((g) => ancestors(leaves, top, g.height));
        rowAt.push((m, q) => openedRow(groups, levels, opening!, m, leafOf(q, logMaxDomain, Math.log2(top)), top));
      }
      let maskRows: Map<number, Uint32Array> | null = null;
      if (holder !== null) {
        // R is the holder's last matrix (validate.ts mixedLayout), read at each query's row like any matrix.
        const m = shapes[holder]!.widths.length;
        maskRows = new Map(queries.map((q) => [q, rowAt[holder]!(m, q)]));
      } else if (params.zk) {
        const leaves = normalizeIndices(queries);
        const layout = maskLayout(params, logDegrees);
        const v = verifyOpening(this.hasher, proof.maskRoot!, layout, leaves, proof.maskOpening!);
        if (!v.ok) return bad(`mask: ${v.error}`);
        maskRows = new Map();
        leaves.forEach((leaf, k) => maskRows!.set(leaf, proof.maskOpening!.rows[k]!));
      }
      // Recompute each height's reduced quotient at each query: Σ over its (matrix, point) terms of
      // (C(x) − C(z)) / (x − z), the numerators summed per distinct point first (one inversion per point).
      const out = new Uint32Array(4 * queries.length * plan.heights.length);
      const acc = new Uint32Array(4);
      const pointIndex = plan.heights.map((h) => {
        const keys = new Map<string, number>();
        const pts: E.Ext[] = [];
        const of = h.matrices.map((pm) => pm.points.map((z) => {
          const key = pointKey(z);
          let g = keys.get(key);
          if (g === undefined) keys.set(key, (g = pts.length)), pts.push(z);
          return g;
        }));
        return { pts, of };
      });
      for (let t = 0; t < queries.length; t++) {
        for (let hi = 0; hi < plan.heights.length; hi++) {
          const h = plan.heights[hi]!;
          const logDomain = h.logHeight + params.logBlowup;
          const row = rowOf(queries[t]!, logMaxDomain, logDomain);
          const x = F.mul(SHIFT, F.pow(F.rootOfUnity(logDomain), row));
          const { pts, of } = pointIndex[hi]!;
          const numerators = new Uint32Array(4 * pts.length);
          h.matrices.forEach((pm, mi) => {
            if (pm.points.length === 0) return;
            const opened = rowAt[pm.request]!(pm.matrix, queries[t]!);
            pm.points.forEach((_, j) => {
              const cs = fullCoeffs[hi]![mi]![j]!;
              let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
              for (let k = 0; k < pm.width; k++) {
                const v = opened[k]!;
                c0 = F.add(c0, F.mul(cs[4 * k]!, v));
                c1 = F.add(c1, F.mul(cs[4 * k + 1]!, v));
                c2 = F.add(c2, F.mul(cs[4 * k + 2]!, v));
                c3 = F.add(c3, F.mul(cs[4 * k + 3]!, v));
              }
              const claim = reducedClaims[hi]![mi]![j]!;
              const g = 4 * of[mi]![j]!;
              numerators[g] = F.add(numerators[g]!, F.sub(c0, claim[0]));
              numerators[g + 1] = F.add(numerators[g + 1]!, F.sub(c1, claim[1]));
              numerators[g + 2] = F.add(numerators[g + 2]!, F.sub(c2, claim[2]));
              numerators[g + 3] = F.add(numerators[g + 3]!, F.sub(c3, claim[3]));
            });
          });
          acc.fill(0);
          pts.forEach((z, g) => {
            const den = E.sub(E.fromBase(x), z);
            if (E.isZero(den)) return; // excluded by requestsProblem
            E.store(acc, 0, E.add(E.load(acc, 0), E.mul(E.load(numerators, g), E.inv(den))));
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

    return verifyFri(params, logDegrees, SHIFT, proof.fri, transcript, oracle, this.hasher, slacks);
  }
}

