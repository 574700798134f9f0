/**
 * The STARK prover for a multi-table constraint system.
 *
 * Protocol, in transcript order (the verifier mirrors it exactly):
 *  1. absorb the system digest, the public inputs and every table's height;
 *  2. commit every table's main trace in one mixed-height tree (merkle/mixed.ts); absorb the root;
 *  3. draw the LogUp challenges β, α_1, α_2, …; commit the auxiliary traces of the tables with bus messages in one
 *     tree; absorb the root and each such table's claimed sum;
 *  4. draw the constraint-combination challenge γ; compute each table's quotient
 *        q(X) = Σ_j γ^j C_j(X) / Z_H(X)
 *     on a coset large enough for its degree, cut it into chunks, commit all tables' chunks in one tree; absorb the root;
 *  5. draw the out-of-domain point ζ; the PCS opens the traces at ζ and ω·ζ and the quotient chunks at ζ, and
 *     proves those values with FRI.
 *
 * Zero knowledge follows the randomised-trace technique of Haböck and Kindi, "A note on adding zero-knowledge
 * to STARKs" (eprint 2024/1037): every committed witness column is ŵ = w + Z_H·r with r uniform of just enough
 * coefficients to make everything the verifier learns about ŵ uniform (2q + 2; system.ts `zkLayout`, which also
 * keeps the older doubling for short tables), commitments are salted, the quotient chunks are re-randomised so
 * that only their sum is fixed, and the PCS masks the FRI batch with a random codeword.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import { tsBackend } from '../backends/index.ts';
import type { ProofBackend } from '../backend.ts';
import { Matrix } from '../matrix.ts';
import { cosetLdeRandomized } from '../backends/index.ts';
import { Rng } from '../rng.ts';
import { restoreHeapGrowth, tuneHeapGrowth } from '../heap.ts';
import type { Digest } from '../merkle/hasher.ts';
import { compiledConstraints, cosetSelectors, evaluateRows, traceSelectors, type InputMatrix, type VectorInputs } from '../air/eval.ts';
import type { Expr } from '../air/expr.ts';
import { buildAuxTrace, committedAux, publicMessagesSum } from '../air/logup.ts';
import type { OpenedValues, OpeningRequest, ProverCommitment } from '../pcs/types.ts';
import { heightsProblem, quotientLogCap, statementMessages, zkLayout, type StarkSystem, type TableInfo, type ZkLayout } from './system.ts';
import { grindBeforeChallenge } from '../transcript.ts';
import { appendBlindingColumn, collectorTrace } from './blinding.ts';
import { timed, type Profiler } from '../profile.ts';
import { absorbStatement, commitLayouts, constraintsHoldAtZeta, openingPoints, type CommitKind } from './protocol.ts';

export interface StarkProof<P> {
  readonly logHeights: readonly number[];
  /** The root of every table's main trace (one tree). */
  readonly mainRoot: Digest;
  /**
   * The nonces ground before the LogUp challenges (when some table has bus messages) and before ζ, when the
   * PCS's params.challengePowBits > 0; null otherwise (stark/security.ts).
   */
  readonly logupNonce: number | null;
  readonly zetaNonce: number | null;
  /** The root of the auxiliary traces of the tables with bus messages; null when no table has any. */
  readonly auxRoot: Digest | null;
  /** Per table; zero for a table without bus interactions. */
  readonly claimedSums: readonly E.Ext[];
  /** The root of every table's quotient chunks (one tree). */
  readonly quotientRoot: Digest;
  readonly values: OpenedValues;
  readonly pcsProof: P;
}

/** A witness that does not satisfy the constraints: no proof, and where it breaks. */
export class WitnessError extends Error {
  constructor(
    message: string,
    readonly table: string,
    readonly constraint: string,
    readonly row: number,
  ) {
    super(message);
    this.name = 'WitnessError';
  }
}

export interface ProveOptions {
  /** Seeds every random choice of the prover (salts, masks): a fixed seed gives byte-identical proofs. */
  readonly seed?: Uint8Array | string;
  /**
   * Proves whatever it is given, skipping the witness, bus-balance and quotient-degree checks: a cheating
   * prover, for the tests that show the verifier catches one. Never set outside tests.
   */
  readonly skipChecks?: boolean;
  /** Records where the time goes (benchmarks); nothing is measured without one. */
  readonly profiler?: Profiler;
}

const ROWS_PER_CHUNK = 1024;
// Bound once: a call through the module namespace (F.mul) in the quotient loop measured slower under tsx.
const fmul = F.mul;

export function prove<P>(system: StarkSystem<P>, userTraces: readonly Matrix[], publics: readonly number[], options: ProveOptions = {}): StarkProof<P> {
  tuneHeapGrowth();
  try {
    return proveTuned(system, userTraces, publics, options);
  } finally {
    restoreHeapGrowth();
  }
}

// prove's steps, while the heap may grow faster between full collections (heap.ts).
function proveTuned<P>(system: StarkSystem<P>, userTraces: readonly Matrix[], publics: readonly number[], options: ProveOptions): StarkProof<P> {
  const rng = options.seed !== undefined ? Rng.fromSeed(options.seed) : Rng.fromEntropy();
  const { tables, pcs } = system;
  if (userTraces.length !== system.userTables) throw new Error(`expected ${system.userTables} traces, got ${userTraces.length}`);
  userTraces.forEach((t, i) => {
    const expected = tables[i]!.analyzed.air.width - (tables[i]!.blinded ? 1 : 0);
    if (t.width !== expected) throw new Error(`${tables[i]!.analyzed.air.name}: trace has ${t.width} columns, the AIR ${expected}`);
  });
  const prof = options.profiler;
  const traces = timed(prof, 'stark: blinding columns', () => withBlindingTraces(system, userTraces, rng.fork('blinding')));
  const logHeights = traces.map((t, i) => checkTrace(tables[i]!, t, pcs.backend));
  if (publics.length !== system.publicInputs) throw new RangeError(`expected ${system.publicInputs} public inputs, got ${publics.length}`);
  publics.forEach((v, i) => {
    if (!F.isCanonical(v)) throw new RangeError(`public input ${i} is not a canonical field element: ${v}`);
  });
  // The witness check names the first constraint and row a bad trace breaks. It is off the honest path (it cost as
  // much as a fifth of a proof): every way a bad witness shows up later (the bus load, the LogUp balance, a quotient
  // past its degree bound, which catches any constraint failing on H) runs it first, so a bad trace gets the same
  // WitnessError as if it had been checked here. The verifier never relied on it.
  const explainFailure = (): void => {
    if (!options.skipChecks) timed(prof, 'stark: witness check', () => tables.forEach((t, i) => checkWitness(t, traces[i]!, publics)));
  };
  if (!options.skipChecks) {
    const load = heightsProblem(system, publics, logHeights);
    if (load) {
      explainFailure();
      throw new WitnessError(`the traces are too tall for LogUp's multiplicity bound: ${load}`, '*', 'bus load', -1);
    }
  }

  const transcript = pcs.transcript('zpol-stark');
  absorbStatement(transcript, system, publics, logHeights);

  // 2. Main traces.
  const cap = quotientLogCap(system, logHeights);
  const zks = logHeights.map((h, i) => zkLayout(system, i, h, cap));
  const randomMain = timed(prof, 'stark: randomize', () => traces.map((t, i) => randomize(t, zks[i]!, rng)));
  const mainCommit = timed(prof, 'stark: commit', () => pcs.commit(randomMain.map((c) => c.matrix), rng, { randomizers: randomMain.map((c) => c.randomizer) }));
  const committedMain = randomMain.map((c, i): Committed => ({ ...c, extension: mainCommit.extension?.(i, c.matrix, c.randomizer) ?? null }));
  transcript.absorbDigest('main-root', mainCommit.shape.root);
  tuneHeapGrowth(); // the heap may have grown past the small-heap bound since the proof began

  // 3. LogUp.
  const anyBus = tables.some((t) => t.logup.auxWidth > 0);
  const challengeBits = pcs.params.challengePowBits ?? 0;
  const logupNonce = anyBus ? grindBeforeChallenge(transcript, challengeBits, pcs.backend) : null;
  const challenges = anyBus ? transcript.challengeExts('logup', system.logupChallenges) : [];
  const aux = timed(prof, 'stark: logup', () => tables.map((t, i) => (t.logup.auxWidth > 0 ? buildAux(t, traces[i]!, publics, challenges, pcs.backend ?? tsBackend) : null)));
  let total: E.Ext = anyBus ? publicMessagesSum(statementMessages(system, publics), challenges) : E.ZERO;
  for (const a of aux) if (a) total = E.add(total, a.claimedSum);
  if (!E.isZero(total) && !options.skipChecks) {
    explainFailure();
    throw new WitnessError('the bus is unbalanced: some message is sent more often than it is received', '*', 'logup balance', -1);
  }
  const randomAux = timed(prof, 'stark: randomize', () => aux.map((a, i) => (a ? randomize(a.matrix, zks[i]!, rng) : null)));
  const auxMatrices = randomAux.filter((m): m is Committed => m !== null);
  const auxCommit = auxMatrices.length === 0 ? null : timed(prof, 'stark: commit', () => pcs.commit(auxMatrices.map((c) => c.matrix), rng, { randomizers: auxMatrices.map((c) => c.randomizer) }));
  const committedAux = randomAux.map((c, i): Committed | null => (c === null ? null : { ...c, extension: auxCommit?.extension?.(auxMatrices.indexOf(c), c.matrix, c.randomizer) ?? null }));
  if (auxCommit) {
    transcript.absorbDigest('aux-root', auxCommit.shape.root);
    aux.forEach((a) => {
      if (a) transcript.absorbExt('claimed-sum', a.claimedSum);
    });
  }

  // 4. Quotients.
  const gamma = transcript.challengeExt('constraints');
  const quotients = tables.map((t, i) =>
    timed(prof, 'stark: quotient', () => quotient(t, system, i, logHeights[i]!, cap, committedMain[i]!, committedAux[i] ?? null, publics, challenges, aux[i]?.claimedSum ?? E.ZERO, gamma, rng, options.skipChecks ? null : explainFailure)),
  );
  const layouts = commitLayouts(system, logHeights);
  const mask = layouts[layouts.length - 1]!.mask;
  const quotientCommit = timed(prof, 'stark: commit', () => pcs.commit(quotients.map((q) => q.matrix), rng, { randomizers: quotients.map((q) => q.randomizer), ...(mask ? { mask } : {}) }));
  transcript.absorbDigest('quotient-root', quotientCommit.shape.root);
  tuneHeapGrowth();

  // 5. Openings.
  const zetaNonce = grindBeforeChallenge(transcript, challengeBits, pcs.backend);
  const zeta = transcript.challengeExt('zeta');
  const points = openingPoints(layouts, logHeights, zeta);
  if (!points.ok) throw new Error(points.error);
  const commitFor = (kind: CommitKind): ProverCommitment => {
    if (kind === 'pre') return system.preprocessedCommitment!;
    if (kind === 'main') return mainCommit;
    if (kind === 'aux') return auxCommit!;
    return quotientCommit;
  };
  const requests: OpeningRequest<ProverCommitment>[] = layouts.map((l, k) => ({ commitment: commitFor(l.kind), points: points.value[k]!, columns: l.columns, ...(l.packed ? { packed: l.widths.map(() => true) } : {}), ...(l.held ? { held: { commitment: null } } : {}) }));
  const { values, proof } = timed(prof, 'pcs: open', () => pcs.open(requests, transcript, rng));
  // The extensions are read for the last time in `open` (the proof holds copies of its rows); the preprocessed
  // commitment is the system's and outlives this proof.
  for (const c of [mainCommit, auxCommit, quotientCommit]) if (c !== null) pcs.release?.(c);
  if (!options.skipChecks) {
    // The verifier's identity at ζ on the opened values: a witness that breaks a constraint on H fails it (and the
    // quotient's degree check above only catches it where the quotient domain has room past the bound).
    const at = { logHeights, layouts, values, zeta, gamma, challenges, publics, claimedSums: aux.map((a) => a?.claimedSum ?? E.ZERO) };
    tables.forEach((t, i) => {
      if (constraintsHoldAtZeta(system, i, at)) return;
      explainFailure();
      throw new Error(`${t.analyzed.air.name}: the constraints do not hold at the out-of-domain point, though the witness check passes`);
    });
  }
  return {
    logHeights,
    mainRoot: mainCommit.shape.root,
    logupNonce,
    zetaNonce,
    auxRoot: auxCommit?.shape.root ?? null,
    claimedSums: aux.map((a) => a?.claimedSum ?? E.ZERO),
    quotientRoot: quotientCommit.shape.root,
    values,
    pcsProof: proof,
  };
}

/** The traces the protocol proves: the caller's, blinding columns appended, and the collector's (blinding.ts). */
function withBlindingTraces(system: StarkSystem<unknown>, traces: readonly Matrix[], rng: Rng): Matrix[] {
  const out = traces.map((t, i) => (system.tables[i]!.blinded ? appendBlindingColumn(t, rng) : t));
  if (system.tables.length > system.userTables) out.push(collectorTrace(out.filter((_, i) => system.tables[i]!.blinded)));
  return out;
}

/** The trace's log height, after checking its shape against the table. */
function checkTrace(t: TableInfo, trace: Matrix, backend: ProofBackend | undefined): number {
  const air = t.analyzed.air;
  if (trace.width !== air.width) throw new Error(`${air.name}: trace has ${trace.width} columns, the AIR ${air.width}`);
  const h = trace.height;
  if (h < 2 || (h & (h - 1)) !== 0) throw new Error(`${air.name}: trace height ${h} is not a power of two of at least 2`);
  const log = Math.log2(h);
  if (t.fixedLogHeight !== null && log !== t.fixedLogHeight) {
    throw new Error(`${air.name}: trace height 2^${log} differs from its preprocessed height 2^${t.fixedLogHeight}`);
  }
  if (!(backend?.allCanonical?.(trace.values) ?? trace.isCanonical())) throw new Error(`${air.name}: trace holds a value that is not a canonical field element`);
  return log;
}

function traceInputs(t: TableInfo, trace: Matrix, publics: readonly number[]): VectorInputs {
  return {
    height: trace.height,
    nextOffset: 1,
    main: trace,
    pre: t.preprocessed,
    aux: null,
    selectors: traceSelectors(Math.log2(trace.height)),
    publics,
    challenges: [],
    sumPerRow: E.ZERO,
  };
}

/** Evaluates the AIR's own constraints on H_n and names the first one the witness breaks. */
function checkWitness(t: TableInfo, trace: Matrix, publics: readonly number[]): void {
  const cs = t.analyzed.constraints;
  if (cs.length === 0) return;
  const inputs = traceInputs(t, trace, publics);
  for (let start = 0; start < trace.height; start += ROWS_PER_CHUNK) {
    const len = Math.min(ROWS_PER_CHUNK, trace.height - start);
    const vecs = evaluateRows(cs.map((c) => c.expr), inputs, start, len);
    for (let j = 0; j < cs.length; j++) {
      const v = vecs[j]!.data;
      for (let i = 0; i < len; i++) {
        if (v[i] !== 0) {
          const name = `${t.analyzed.air.name}: ${cs[j]!.name} fails at row ${start + i}`;
          throw new WitnessError(name, t.analyzed.air.name, cs[j]!.name, start + i);
        }
      }
    }
  }
}

function buildAux(t: TableInfo, trace: Matrix, publics: readonly number[], challenges: readonly E.Ext[], backend: ProofBackend): { matrix: Matrix; claimedSum: E.Ext } {
  const inputs = traceInputs(t, trace, publics);
  const exprs = t.analyzed.interactions.flatMap((it) => [...it.values, it.multiplicity]);
  // The backend's interpreter where it has one and every expression is base-field (the same elements), else the
  // reference.
  const vecs =
    backend.evaluateBaseRows && exprs.every((e) => !e.isExt)
      ? backend.evaluateBaseRows(compiledConstraints(t.analyzed.interactions, exprs), inputs)
      : evaluateRows(exprs, inputs, 0, trace.height).map((v) => v.data);
  const index = new Map(exprs.map((e, i) => [e, vecs[i]!]));
  // A backend's kernel (the same field elements), or the reference.
  const { values, claimedSum } = backend.logupAux
    ? backend.logupAux({
        height: trace.height,
        interactions: t.analyzed.interactions.map((it) => ({ bus: F.fromInt(it.bus), values: it.values.map((v) => index.get(v)!), multiplicity: index.get(it.multiplicity)! })),
        groups: t.logup.groups,
        challenges,
      })
    : buildAuxTrace(t.analyzed, t.logup, trace.height, (e, row) => index.get(e)![row]!, challenges);
  return { matrix: new Matrix(committedAux(values, t.logup.groups.length, trace.height), 4 * t.logup.auxWidth), claimedSum: [...claimedSum] as E.Ext };
}

/** A matrix as the PCS commits it: evaluations on H, and the randomiser's coefficients (or null). */
interface Committed {
  readonly matrix: Matrix;
  readonly randomizer: Matrix | null;
  /** Its committed extension (ProverCommitment.extension), once committed, when the PCS keeps it. */
  readonly extension?: { readonly lde: Matrix; readonly shift: number } | null;
}

/**
 * c's committed polynomial on shift·H_{2^logQ}: its committed extension read every 2^d-th row in place (a step, no
 * copy) when that lies on a coset with the same shift and 2^d times as many points (shift·ω_{2^(logQ+d)}^(k·2^d) =
 * shift·ω_{2^logQ}^k), else extended again. The same field elements either way.
 */
function onQuotientDomain(backend: ProofBackend, c: Committed, logQ: number, shift: number): InputMatrix {
  const ext = c.extension;
  const d = ext ? Math.log2(ext.lde.height) - logQ : -1;
  if (!ext || ext.shift !== shift || d < 0 || ext.lde.width !== c.matrix.width) return cosetLdeRandomized(backend, c.matrix, c.randomizer, logQ - Math.log2(c.matrix.height), shift);
  return { values: ext.lde.values, width: ext.lde.width, step: 2 ** d };
}

/** A committed auxiliary matrix (4 base columns per extension column) as the evaluator's packed extension columns. */
function extensionColumns(m: InputMatrix): InputMatrix {
  return { values: m.values, width: m.width / 4, ...(m.step === undefined ? {} : { step: m.step }) };
}

/**
 * The committed form of a witness matrix (system.ts `zkLayout`): itself without zero knowledge; with the small
 * randomiser, itself and a uniform randomiser of `slack` rows (committed as w + Z_H·r); when doubling, the
 * evaluations on H_{fn}, f = 2^z, of the polynomial that equals the trace on H_n (rows f·r, since ω_{fn}^f = ω_n)
 * and is uniformly random on the other rows, i.e. w + Z_H·r with r uniform of degree < (f − 1)·n.
 */
function randomize(m: Matrix, zk: ZkLayout, rng: Rng): Committed {
  if (zk.slack > 0) return { matrix: m, randomizer: new Matrix(rng.fieldVector(zk.slack * m.width), m.width) };
  return { matrix: doubled(m, zk.logCommitted - Math.log2(m.height), rng), randomizer: null };
}

function doubled(m: Matrix, zkLog: number, rng: Rng): Matrix {
  if (zkLog === 0) return m;
  const f = 2 ** zkLog;
  const out = new Uint32Array(f * m.height * m.width);
  const w = m.width;
  for (let r = 0; r < m.height; r++) {
    out.set(m.values.subarray(r * w, (r + 1) * w), f * r * w);
    out.set(rng.fieldVector((f - 1) * w), (f * r + 1) * w);
  }
  return new Matrix(out, w);
}

/**
 * The quotient chunks of one table as a matrix of evaluations on H_{n_c}: 4 base columns (the extension
 * coordinates) per chunk.
 */
/** The reference: Σ_j γ^j·C_j on the quotient domain, times Z_H^-1, evaluated in chunks of rows. */
function quotientTs(exprs: readonly Expr[], inputs: VectorInputs, gammaPowers: Uint32Array, zInv: ArrayLike<number>, N: number, period: number): Uint32Array {
  const acc = new Uint32Array(4 * N);
  const tmp = new Uint32Array(4);
  for (let start = 0; start < N; start += ROWS_PER_CHUNK) {
    const len = Math.min(ROWS_PER_CHUNK, N - start);
    const vecs = evaluateRows(exprs, inputs, start, len);
    for (let j = 0; j < vecs.length; j++) {
      const v = vecs[j]!;
      for (let i = 0; i < len; i++) {
        const o = start + i;
        if (v.ext) E.mulInto(tmp, 0, gammaPowers, j, v.data, i);
        else for (let c = 0; c < 4; c++) tmp[c] = fmul(gammaPowers[4 * j + c]!, v.data[i]!);
        for (let c = 0; c < 4; c++) {
          const sum = acc[4 * o + c]! + tmp[c]!;
          acc[4 * o + c] = sum >= F.P ? sum - F.P : sum;
        }
      }
    }
    for (let i = 0; i < len; i++) {
      const o = start + i;
      const zi = zInv[o % period]!;
      for (let c = 0; c < 4; c++) acc[4 * o + c] = fmul(acc[4 * o + c]!, zi);
    }
  }
  return acc;
}

function quotient(
  t: TableInfo,
  system: StarkSystem<unknown>,
  table: number,
  logN: number,
  logCap: number,
  main: Committed,
  aux: Committed | null,
  publics: readonly number[],
  challenges: readonly E.Ext[],
  claimedSum: E.Ext,
  gamma: E.Ext,
  rng: Rng,
  /** Run before reporting a quotient past its bound (names the broken constraint); null: prove it anyway (tests). */
  explainFailure: (() => void) | null,
): Committed {
  const n = 1 << logN;
  const zk = zkLayout(system, table, logN, logCap);
  const logQ = logN + zk.quotientLogBlowup;
  const N = 1 << logQ;
  const shift = F.GENERATOR;
  // The transforms run on the PCS's backend (configuration: native when the caller chose it): the same field
  // elements either way. A committed polynomial t + Z_H·r is extended with its randomiser.
  const backend = system.pcs.backend ?? tsBackend;
  const lde = (c: Committed) => onQuotientDomain(backend, c, logQ, shift);
  const inputs: VectorInputs = {
    height: N,
    nextOffset: N / n,
    main: lde(main),
    pre: t.preprocessed ? backend.cosetLde(t.preprocessed, logQ - Math.log2(t.preprocessed.height), shift) : null,
    aux: aux ? extensionColumns(lde(aux)) : null,
    selectors: cosetSelectors(logQ, logN, shift),
    publics,
    challenges,
    sumPerRow: E.mulBase(claimedSum, F.inv(n)),
  };
  // Σ γ^j C_j on the coset, then divided by Z_H(x) = xⁿ − 1, which repeats with period N/n there.
  const gammaPowers = new Uint32Array(4 * t.constraints.length);
  let g: E.Ext = E.ONE;
  for (let j = 0; j < t.constraints.length; j++) {
    E.store(gammaPowers, j, g);
    g = E.mul(g, gamma);
  }
  const period = N / n;
  const zInv = F.batchInverse(Array.from({ length: period }, (_, j) => F.sub(F.pow(F.mul(shift, F.pow(F.rootOfUnity(logQ), j)), n), 1)));
  const exprs = t.constraints.map((c) => c.expr);
  const acc = backend.evaluateQuotient
    ? backend.evaluateQuotient(compiledConstraints(t.constraints, exprs), inputs, gammaPowers, zInv)
    : quotientTs(exprs, inputs, gammaPowers, zInv, N, period);
  // Coefficients of each extension coordinate of q. A coefficient past the bound means Σ γ^j C_j does not vanish on
  // H (q·Z_H and Σ γ^j C_j have degree < N and agree on the N points): some constraint fails on the trace. (A
  // failing constraint passes here only when γ cancels it, with probability below constraints/|F^4|: the verifier's
  // own batching bound.)
  backend.cosetInttColumns(acc, 4, shift);
  if (explainFailure) {
    for (let k = zk.quotientCoefficients * 4; k < acc.length; k++) {
      if (acc[k] === 0) continue;
      explainFailure();
      throw new Error(`${t.analyzed.air.name}: the quotient exceeds its degree bound (constraints not satisfied on the trace domain)`);
    }
  }
  // Chunk i holds coefficients [i·L, (i+1)·L); with zero knowledge, chunk i gains X^L·ρ_{i+1} − ρ_i for random
  // ρ_1..ρ_{chunks−1} (ρ_0 = ρ_chunks = 0), so the sum Σ X^{i·L} chunk_i is unchanged (it telescopes); every
  // chunk has degree < L + |ρ| (system.ts zkLayout).
  const { chunks, chunkLength: L, rhoLength } = zk;
  const width = 4 * chunks;
  const len = L + rhoLength;
  const coeffs = new Uint32Array(len * width);
  const rho = Array.from({ length: chunks + 1 }, (_, i) => (rhoLength > 0 && i > 0 && i < chunks ? rng.fieldVector(4 * rhoLength) : null));
  for (let i = 0; i < chunks; i++) {
    for (let k = 0; k < L && i * L + k < N; k++) {
      for (let c = 0; c < 4; c++) coeffs[k * width + 4 * i + c] = acc[4 * (i * L + k) + c]!;
    }
    const lo = rho[i];
    const hi = rho[i + 1];
    for (let k = 0; k < rhoLength; k++) {
      for (let c = 0; c < 4; c++) {
        if (lo) coeffs[k * width + 4 * i + c] = F.sub(coeffs[k * width + 4 * i + c]!, lo[4 * k + c]!);
        if (hi) coeffs[(L + k) * width + 4 * i + c] = F.add(coeffs[(L + k) * width + 4 * i + c]!, hi[4 * k + c]!);
      }
    }
  }
  const H = 2 ** zk.quotientLogHeight;
  if (zk.quotientSlack === 0) {
    // Degree < H: its evaluations on H_H.
    const out = new Uint32Array(H * width);
    out.set(coeffs);
    backend.nttColumns(out, width);
    return { matrix: new Matrix(out, width), randomizer: null };
  }
  // Degree < n + S: chunk = lo + Xⁿ·hi = (lo + hi) + Z_H·hi, committed as the evaluations of lo + hi on H_n and hi.
  const S = zk.quotientSlack;
  const evals = coeffs.slice(0, H * width);
  const hi = coeffs.slice(H * width, (H + S) * width);
  for (let k = 0; k < S * width; k++) evals[k] = F.add(evals[k]!, hi[k]!);
  backend.nttColumns(evals, width);
  return { matrix: new Matrix(evals, width), randomizer: new Matrix(hi, width) };
}
