/**
 * A constraint system: the tables of a multi-table STARK after analysis, with what the prover and the verifier
 * both derive from them before any proof exists (degrees, LogUp layouts, quotient shapes, preprocessed
 * commitments). How zero knowledge shapes each table's commitments is `zkLayout`'s (below).
 */
import { busLoadProblem, rowLoads, type RowLoad } from '../air/multiplicity.ts';
import * as F from '../field/babybear.ts';
import { Matrix } from '../matrix.ts';
import { Transcript } from '../transcript.ts';
import { Rng } from '../rng.ts';
import { analyze, type Air, type AnalyzedAir } from '../air/air.ts';
import { encodeExprs, type Expr } from '../air/expr.ts';
import { layoutLogUp, logupChallengeCount, type LogUpLayout, type PublicMessage } from '../air/logup.ts';
import { blindingCollectorAir, withBlinding } from './blinding.ts';
import type { CommitmentShape, Pcs, ProverCommitment } from '../pcs/types.ts';
import type { ProofBackend } from '../backend.ts';
import { tsBackend } from '../backends/index.ts';
import { MIN_LOG_FINAL_WITH_SLACK } from '../fri/schedule.ts';

/** The degree budget of a constraint; LogUp groups are packed to fit it. */
export const DEFAULT_MAX_DEGREE = 3;

export interface SystemOptions {
  /** The degree budget of a constraint (DEFAULT_MAX_DEGREE). */
  readonly maxDegree?: number;
  /** Public inputs a proof takes, when more than any table reads (the rest reach the bus as public messages). */
  readonly publicInputs?: number;
  /** Messages the statement sends or receives on the named buses, computed from the public inputs. */
  readonly publicMessages?: {
    readonly buses: readonly number[];
    messages(publics: readonly number[]): readonly PublicMessage[];
  };
}

export interface TableDefinition {
  readonly air: Air;
  /** Fixed columns, as evaluations on H_n; they fix the table's height. */
  readonly preprocessed?: Matrix;
  /** This table's degree budget, when not the system's (a wide chip of high degree among low-degree ones). */
  readonly maxDegree?: number;
}

export interface TableInfo {
  readonly analyzed: AnalyzedAir;
  readonly logup: LogUpLayout;
  /** Every constraint of the table (AIR then LogUp), in the order of the random linear combination. */
  readonly constraints: readonly { expr: Expr; name: string }[];
  /** Max constraint degree, at least 2 (a quotient has at least one chunk). */
  readonly degree: number;
  /** log2 of the fixed height when the table has preprocessed columns. */
  readonly fixedLogHeight: number | null;
  readonly preprocessed: Matrix | null;
  /** Whether the prover appends a blinding column to this table's trace (blinding.ts). */
  readonly blinded: boolean;
  /**
   * The columns the constraints read at the next row (ascending): main and preprocessed base columns, auxiliary
   * extension columns. Only these are opened at ω·ζ.
   */
  readonly nextColumns: { readonly main: readonly number[]; readonly pre: readonly number[]; readonly aux: readonly number[] };
}

/** The columns that `exprs` read at the next row, per kind. */
export function nextRowColumns(exprs: readonly Expr[]): TableInfo['nextColumns'] {
  const sets = { main: new Set<number>(), pre: new Set<number>(), aux: new Set<number>() };
  const seen = new Set<Expr>();
  const stack = [...exprs];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (seen.has(e)) continue;
    seen.add(e);
    const n = e.node;
    if ((n.op === 'main' || n.op === 'pre' || n.op === 'aux') && n.next) sets[n.op].add(n.col);
    if (n.op === 'add' || n.op === 'sub' || n.op === 'mul') stack.push(n.a, n.b);
    else if (n.op === 'neg') stack.push(n.a);
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { main: sorted(sets.main), pre: sorted(sets.pre), aux: sorted(sets.aux) };
}

export interface StarkSystem<Proof> {
  readonly name: string;
  /** The caller's tables, then (with zero knowledge and bus traffic) the blinding collector. */
  readonly tables: readonly TableInfo[];
  /** How many traces the caller passes to `prove`: the tables it defined. */
  readonly userTables: number;
  readonly pcs: Pcs<Proof>;
  readonly zk: boolean;
  /** How many public inputs a proof takes: the most any table reads. Prover and verifier require exactly this many. */
  readonly publicInputs: number;
  /**
   * One commitment to every table's preprocessed columns, in table order (null when no table has any); the tables
   * it holds are those with `preprocessed`.
   */
  readonly preprocessedCommitment: ProverCommitment | null;
  readonly publicMessages: SystemOptions['publicMessages'] | null;
  /** LogUp challenges drawn after the main traces: β and one α per message position (0 without buses). */
  readonly logupChallenges: number;
  /** The message length of each bus any table uses. */
  readonly busLengths: ReadonlyMap<number, number>;
  /** Per table, the most each bus carries per row (air/multiplicity.ts): what bounds a proof's heights. */
  readonly rowLoads: readonly ReadonlyMap<number, RowLoad>[];
  /** A digest of everything above that the verifier depends on; the transcript starts from it. */
  readonly digest: Uint8Array;
}

/**
 * What is wrong with table heights 2^logHeights for LogUp's multiplicity bound (air/multiplicity.ts): the first
 * bus whose total multiplicity could reach p, or null. The statement's own messages count too.
 */
export function heightsProblem(system: StarkSystem<unknown>, publics: readonly number[], logHeights: readonly number[]): string | null {
  const statement = new Map<number, { send: number; receive: number }>();
  for (const m of statementMessages(system, publics)) {
    const load = statement.get(m.bus) ?? { send: 0, receive: 0 };
    if (m.multiplicity > 0) load.send += m.multiplicity;
    else load.receive -= m.multiplicity;
    statement.set(m.bus, load);
  }
  return busLoadProblem(system.rowLoads, logHeights, statement);
}

/**
 * Chunks of n coefficients in a quotient of a constraint of degree `degree` when committed polynomials have
 * height n_c = 2^zkLog·n: d·n_c/n − 1 (the doubling scheme of `zkLayout`; d − 1 without zero knowledge).
 */
export function quotientChunks(degree: number, zkLog: number): number {
  return degree * 2 ** zkLog - 1;
}

/**
 * The doubling scheme's log2(n_c / n) for a table of height 2^logN: the least z ≥ 1 such that the randomiser r of
 * ŵ = w + Z_H·r (degree < n_c − n) has at least `needed` coefficients (`zkRandomizerLength`; tall quotients need
 * `tallQuotientRandomizerLength`).
 */
export function zkLogFactor(numQueries: number, logN: number, needed = zkRandomizerLength(numQueries)): number {
  const n = 2 ** logN;
  let z = 1;
  while ((2 ** z - 1) * n < needed) z++;
  return z;
}

/**
 * Coefficients of the randomiser r of a committed witness column ŵ = w + Z_H·r: 2·numQueries + 2. The verifier
 * learns ŵ at the opened LDE rows x (≤ numQueries), at ζ and ω·ζ, and, through the quotient opened at the same
 * rows, a function of ŵ(ω_n·x): at most 2·numQueries + 2 points outside H_n, where ŵ = w + Z_H·r with r uniform of
 * that many coefficients is uniform and independent (Z_H does not vanish there, and evaluation at that many
 * distinct points is a bijection on r's coefficients), whatever w is (Haböck–Kindi, eprint 2024/1037). The
 * quotient chunks are opened at the same rows and at ζ only: numQueries + 1 points, the length of the chunks'
 * re-randomisers ρ (`zkLayout`).
 */
export function zkRandomizerLength(numQueries: number): number {
  return 2 * numQueries + 2;
}

/**
 * Randomiser coefficients a doubled table needs when its quotient is committed taller than its trace (zkLayout's
 * tall quotient): 3·numQueries + 2. The quotient is then opened at other rows x' than the trace's x (a query's
 * point in the taller domain, whose 2^k-th power is x), and q(x') reveals one combination of ŵ(x') and ŵ(ω_n·x'):
 * with the trace's own q rows, ζ and ω·ζ, at most 3·numQueries + 2 points outside H_n, where ŵ with that many
 * random coefficients is uniform and independent (the argument of `zkRandomizerLength`).
 */
export function tallQuotientRandomizerLength(numQueries: number): number {
  return 3 * numQueries + 2;
}

/**
 * A table uses the small randomiser (committed height n, slack S) only when its largest slack is at most
 * n / ZK_SLACK_RATIO; FRI then proves a rate of at most (1 + 1/16)/blowup for it (0.09 bits per query less than
 * 1/blowup: pcs/security.ts computes the figure from the true rate). Shorter tables keep the doubling scheme.
 */
export const ZK_SLACK_RATIO = 16;

/**
 * How zero knowledge shapes one table's commitments (prover, verifier, costs and security all read it).
 *
 * Without zero knowledge: witness columns of degree < n, d − 1 quotient chunks of n coefficients.
 *
 * Small randomiser (tables with n ≥ ZK_SLACK_RATIO·max slack). Each witness column (main and LogUp) is
 * ŵ = w + Z_H·r, r uniform of s = 2q + 2 coefficients (`zkRandomizerLength`), committed as its n trace rows plus
 * r (PCS `randomizers`): degree < n + s, n + s committed cells, not 2n. A constraint of degree d then has degree
 * ≤ d·(n + s − 1) + 1 (the transition selector X − ω⁻¹ has column degree 0 but degree 1 in X) and its quotient by
 * Z_H has D_q = (d − 1)·n + d·(s − 1) + 2 coefficients, computed on a coset of the next power of two
 * ≥ max(D_q, n + s). It is cut into d − 1 chunks of L = n + ⌈(d·(s − 1) + 2)/(d − 1)⌉
 * coefficients (chunk i holds [i·L, (i + 1)·L), so q = Σ X^{i·L}·chunk_i), and each chunk gains
 * X^L·ρ_{i+1} − ρ_i for uniform ρ_1..ρ_{d−2} of q + 1 coefficients (ρ_0 = ρ_{d−1} = 0): the sum is unchanged
 * (it telescopes) while every chunk's values at the q rows and ζ where it is opened are uniform but for their
 * fixed combination. A chunk has degree < L + q + 1 = n + S_q and is committed as n evaluations plus S_q
 * randomiser coefficients (chunk mod Z_H, chunk div Z_H).
 *
 * Doubling (tables too short for that ratio): committed height n_c = 2^z·n (`zkLogFactor`), each column the trace
 * on H_n and uniform on the other rows of H_{n_c}; d·2^z − 1 chunks of n coefficients, re-randomised with ρ of
 * n_c − n coefficients, committed at height n_c. A table of n rows pays (2^z − 1)·n cells a column here against
 * s, and its few cells weigh little; a short table in the small-randomiser scheme would set a bad rate.
 *
 * Tall quotient (doubling, inside a proof: `logCap` given, the tallest committed witness height of the proof,
 * `quotientLogCap`). A short table of high degree has many chunks of n coefficients (the demo's degree-32 bf16-mma
 * chip at 2^6 rows: 63 chunks, 252 base columns opened at every query). Its D_q = (d·2^z − 1)·n coefficients are
 * instead cut into chunks of L = 2^h − (q + 1) coefficients, re-randomised with ρ of q + 1 coefficients as above
 * (the chunks are opened at the q rows and ζ: q + 1 points), committed at height 2^h with no slack; h is the
 * height between n_c and min(the cap, the quotient's coset) with the fewest chunks (the lowest of those). Cells:
 * chunks·2^h < 2·(D_q + q + 1), against (d·2^z − 1)·n_c before; the bf16-mma chip's quotient becomes two chunks.
 * The quotient is then opened at rows of its own taller domain, so the doubling's n_c − n must cover 3q + 2
 * points, not 2q + 2 (`tallQuotientRandomizerLength`): tables under 3q + 2 rows double once more (at q = 28, the
 * 64-row ones).
 * The cap keeps the quotient from setting a larger FRI domain than the proof's traces. Without a cap (cost models
 * of one table alone: vm/chips/mma.ts) the layout is the chunks of n above.
 */
export interface ZkLayout {
  /** log2 of the committed height of the witness matrices (n, or n_c when doubling). */
  readonly logCommitted: number;
  /** Randomiser coefficients per witness column (0: none). */
  readonly slack: number;
  readonly chunks: number;
  /** Coefficients of q per chunk: chunk i holds q's [i·L, (i + 1)·L). */
  readonly chunkLength: number;
  /** Coefficients of each re-randomiser ρ (0 without zero knowledge). */
  readonly rhoLength: number;
  /** log2 of the quotient matrix's committed height, and its randomiser rows. */
  readonly quotientLogHeight: number;
  readonly quotientSlack: number;
  /** log2(N_q / n), N_q the coset the quotient is computed on. */
  readonly quotientLogBlowup: number;
  /** Coefficients q may have (D_q). */
  readonly quotientCoefficients: number;
}

/** `logCap`: the proof's `quotientLogCap` (absent: the table alone, see above). */
export function zkLayout(system: StarkSystem<unknown>, table: number, logN: number, logCap?: number): ZkLayout {
  return zkLayoutOf(system.zk, system.pcs.params.numQueries, system.tables[table]!.degree, logN, logCap);
}

/**
 * The cap of a proof's tall quotients: the largest committed witness height (log2) of its tables, as zkLayout
 * commits them in a proof (any cap gives the same witness heights: only the quotient's depends on it).
 */
export function quotientLogCap(system: StarkSystem<unknown>, logHeights: readonly number[]): number {
  return Math.max(...logHeights.map((h, i) => zkLayout(system, i, h, 0).logCommitted));
}

/**
 * Whether each table taller than 2^minLogHeight rows has its quotient's coset inside its committed extension at this
 * system's rate, so that the prover reads the quotient's inputs from the committed LDE (prover.ts onQuotientDomain)
 * instead of extending the trace again onto a larger coset. A table of degree d ≤ 4 needs the 4n coset, degree 5–8
 * the 8n one (the randomiser's slack included): at rate 1/4 a tall MAC or Poseidon2 table would be extended twice.
 * Heights that are not a table's, or out of range, count as fitting: it never throws (the verifier passes a header's
 * heights, which its own checks refuse later).
 */
export function tallQuotientsOnLde(system: StarkSystem<unknown>, logHeights: readonly number[], minLogHeight: number): boolean {
  const logBlowup = system.pcs.params.logBlowup;
  return system.tables.every((_, i) => {
    const h = logHeights[i];
    if (h === undefined || !Number.isInteger(h) || h <= minLogHeight || h > 32) return true;
    const z = zkLayout(system, i, h);
    return z.logCommitted + logBlowup >= h + z.quotientLogBlowup;
  });
}

/** `zkLayout` from its inputs alone: whether zk, the queries, the table's degree (≥ 2), log height and cap. */
export function zkLayoutOf(zk: boolean, numQueries: number, degree: number, logN: number, logCap?: number): ZkLayout {
  const n = 2 ** logN;
  const d = degree;
  const log2Ceil = (x: number) => Math.ceil(Math.log2(x));
  if (!zk) {
    return { logCommitted: logN, slack: 0, chunks: d - 1, chunkLength: n, rhoLength: 0, quotientLogHeight: logN, quotientSlack: 0, quotientLogBlowup: log2Ceil(Math.max(d - 1, 1)), quotientCoefficients: (d - 1) * n };
  }
  const s = zkRandomizerLength(numQueries);
  const rho = numQueries + 1;
  // A constraint of column degree d has polynomial degree ≤ d·(n + s − 1) + 1 (the transition selector X − ω⁻¹
  // counts 0 in the column degree, 1 in X), so q = numerator / Z_H has at most (d − 1)·n + d·(s − 1) + 2 coefficients.
  const extra = d * (s - 1) + 2;
  const chunkLength = n + Math.ceil(extra / (d - 1));
  const quotientSlack = chunkLength - n + rho;
  if (ZK_SLACK_RATIO * Math.max(s, quotientSlack) <= n) {
    const coefficients = (d - 1) * n + extra;
    return {
      logCommitted: logN,
      slack: s,
      chunks: d - 1,
      chunkLength,
      rhoLength: rho,
      quotientLogHeight: logN,
      quotientSlack,
      quotientLogBlowup: log2Ceil(Math.max(coefficients, n + s) / n),
      quotientCoefficients: coefficients,
    };
  }
  if (logCap !== undefined) {
    // Tall quotient: the trace's randomiser covers the quotient's own rows too (tallQuotientRandomizerLength).
    const z = zkLogFactor(numQueries, logN, tallQuotientRandomizerLength(numQueries));
    const chunks = quotientChunks(d, z);
    const quotientLogBlowup = log2Ceil(Math.max(chunks, 2 ** z));
    const coefficients = chunks * n;
    const top = Math.min(logCap, logN + quotientLogBlowup);
    let best = { h: logN + z, count: Math.ceil(coefficients / (2 ** (logN + z) - rho)) };
    for (let h = logN + z + 1; h <= top; h++) {
      const count = Math.ceil(coefficients / (2 ** h - rho));
      if (count < best.count) best = { h, count };
    }
    return {
      logCommitted: logN + z,
      slack: 0,
      chunks: best.count,
      chunkLength: 2 ** best.h - rho,
      rhoLength: rho,
      quotientLogHeight: best.h,
      quotientSlack: 0,
      quotientLogBlowup,
      quotientCoefficients: coefficients,
    };
  }
  const z = zkLogFactor(numQueries, logN);
  const chunks = quotientChunks(d, z);
  return {
    logCommitted: logN + z,
    slack: 0,
    chunks,
    chunkLength: n,
    rhoLength: (2 ** z - 1) * n,
    quotientLogHeight: logN + z,
    quotientSlack: 0,
    quotientLogBlowup: log2Ceil(Math.max(chunks, 2 ** z)),
    quotientCoefficients: chunks * n,
  };
}

/**
 * The least log height at which zero knowledge commits a preprocessed matrix (MIN_LOG_FINAL_WITH_SLACK): its
 * polynomial is unchanged, only evaluated on a larger H. A short matrix would stop FRI's folding at its height,
 * and with degree slack in the proof the final polynomial's rounding then costs up to 1/2^h of the rate
 * (fri/schedule.ts); witness matrices are that tall already (doubling gives short tables ≥ 64 rows).
 */
export const ZK_MIN_PRE_LOG_HEIGHT = MIN_LOG_FINAL_WITH_SLACK;

/** log2 of the height at which a preprocessed matrix of height 2^logN is committed. */
export function committedPreLogHeight(zk: boolean, logN: number): number {
  return zk ? Math.max(logN, ZK_MIN_PRE_LOG_HEIGHT) : logN;
}

/** A preprocessed matrix as committed: itself, or with zero knowledge at least 2^ZK_MIN_PRE_LOG_HEIGHT rows. */
function committedPreprocessed(m: Matrix, zk: boolean, backend: ProofBackend): Matrix {
  const log = Math.log2(m.height);
  const to = committedPreLogHeight(zk, log);
  return to === log ? m : backend.cosetLde(m, to - log, 1);
}

/**
 * Committed cells of table `table` at height 2^logN: every coefficient its witness (main and LogUp) and quotient
 * polynomials hold, randomisers included (preprocessed columns are not the prover's). `logCap`: the proof's
 * `quotientLogCap` (absent: the table alone).
 */
export function committedCells(system: StarkSystem<unknown>, table: number, logN: number, logCap?: number): number {
  const t = system.tables[table]!;
  const z = zkLayout(system, table, logN, logCap);
  const width = t.analyzed.air.width + 4 * t.logup.auxWidth;
  return (2 ** z.logCommitted + z.slack) * width + (2 ** z.quotientLogHeight + z.quotientSlack) * 4 * z.chunks;
}

export function buildSystem<Proof>(name: string, tables: readonly TableDefinition[], pcs: Pcs<Proof>, zk: boolean, options: SystemOptions = {}): StarkSystem<Proof> {
  const maxDegree = options.maxDegree ?? DEFAULT_MAX_DEGREE;
  if (tables.length === 0) throw new Error('a STARK needs at least one table');
  const blind = (t: TableDefinition) => zk && analyze(t.air).interactions.length > 0;
  const all: (TableDefinition & { blinded: boolean })[] = tables.map((t) => (blind(t) ? { ...t, air: withBlinding(t.air), blinded: true } : { ...t, blinded: false }));
  if (all.some((t) => t.blinded)) all.push({ air: blindingCollectorAir, blinded: false });
  const infos: TableInfo[] = all.map((t) => {
    const analyzed = analyze(t.air);
    const budget = t.maxDegree ?? maxDegree;
    if (analyzed.degree > budget) {
      const worst = analyzed.constraints.find((c) => c.expr.degree === analyzed.degree)!;
      throw new Error(`${t.air.name}: ${worst.name} has degree ${analyzed.degree}, above the budget ${budget}`);
    }
    const logup = layoutLogUp(analyzed, budget);
    const constraints = [...analyzed.constraints, ...logup.constraints];
    const degree = Math.max(2, ...constraints.map((c) => c.expr.degree));
    const pre = t.preprocessed ?? null;
    if (t.air.preprocessedWidth > 0 && (!pre || pre.width !== t.air.preprocessedWidth)) {
      throw new Error(`${t.air.name}: expected ${t.air.preprocessedWidth} preprocessed columns`);
    }
    return {
      analyzed,
      logup,
      constraints,
      degree,
      fixedLogHeight: pre ? Math.log2(pre.height) : null,
      preprocessed: pre,
      blinded: t.blinded,
      nextColumns: nextRowColumns(constraints.map((c) => c.expr)),
    };
  });
  // One message length per bus: the fingerprint bus + α_1·v_0 + α_2·v_1 + … makes (x) and (x, 0) collide.
  const lengths = new Map<number, { length: number; table: string }>();
  for (const t of infos) {
    for (const it of t.analyzed.interactions) {
      const seen = lengths.get(it.bus);
      if (seen && seen.length !== it.values.length) {
        throw new Error(`bus ${it.bus}: ${t.analyzed.air.name} sends ${it.values.length} values, ${seen.table} ${seen.length}; a bus carries one message length`);
      }
      lengths.set(it.bus, { length: it.values.length, table: t.analyzed.air.name });
    }
  }
  for (const bus of options.publicMessages?.buses ?? []) {
    if (!lengths.has(bus)) throw new Error(`public messages on bus ${bus}, which no table uses`);
  }
  // Preprocessed columns are public: committed without salt, so anyone recomputes the same root.
  const setupRng = Rng.fromSeed('zpol-stark-setup');
  const preBackend = pcs.backend ?? tsBackend;
  const preMatrices = infos.flatMap((t) => (t.preprocessed ? [committedPreprocessed(t.preprocessed, zk, preBackend)] : []));
  const preprocessedCommitment = preMatrices.length === 0 ? null : pcs.commit(preMatrices, setupRng, { hiding: false });
  const publicInputs = Math.max(options.publicInputs ?? 0, ...infos.map((t) => t.analyzed.air.publicInputs));
  const publicBuses = options.publicMessages?.buses ?? [];
  const digest = systemDigest(name, infos, preprocessedCommitment?.shape ?? null, pcs, zk, publicInputs, publicBuses);
  return {
    name,
    tables: infos,
    userTables: tables.length,
    pcs,
    zk,
    publicInputs,
    preprocessedCommitment,
    publicMessages: options.publicMessages ?? null,
    busLengths: new Map([...lengths].map(([bus, l]) => [bus, l.length])),
    rowLoads: infos.map((t) => rowLoads(t.analyzed, t.preprocessed)),
    logupChallenges: lengths.size === 0 ? 0 : logupChallengeCount(Math.max(...[...lengths.values()].map((l) => l.length))),
    digest,
  };
}

function systemDigest(
  name: string,
  tables: readonly TableInfo[],
  pre: CommitmentShape | null,
  pcs: Pcs<unknown>,
  zk: boolean,
  publicInputs: number,
  publicBuses: readonly number[],
): Uint8Array {
  const t = new Transcript('zpol-stark-system');
  t.absorbBytes('name', new TextEncoder().encode(name));
  t.absorbFields('public-inputs', [publicInputs]);
  t.absorbFields('public-buses', publicBuses);
  const p = pcs.params;
  t.absorbFields('pcs-params', [p.logBlowup, p.numQueries, p.powBits, p.logFoldingArity, p.logFinalPolyLen, p.saltLength, p.zk ? 1 : 0, zk ? 1 : 0, ...(p.verifierHoldsPublic === true ? [1] : [])]);
  tables.forEach((info, i) => {
    const a = info.analyzed.air;
    t.absorbBytes('table', new TextEncoder().encode(a.name));
    t.absorbFields('shape', [a.width, a.preprocessedWidth, a.publicInputs, info.logup.auxWidth, info.degree, info.constraints.length]);
    // The constraints themselves (AIR and LogUp, which encode every bus message), not just their number.
    t.absorbFields('constraints', encodeExprs(info.constraints.map((c) => c.expr)));
    t.absorbFields('buses', info.analyzed.interactions.map((it) => it.bus));
    if (info.preprocessed) t.absorbFields('preprocessed-height', [Math.log2(info.preprocessed.height)]);
  });
  if (pre) {
    t.absorbDigest('preprocessed', pre.root);
    t.absorbFields('preprocessed-heights', pre.logHeights);
  }
  return t.digest();
}

/**
 * The statement's own bus messages for these public inputs, checked against the system: each on a declared
 * public bus, with that bus's message length, canonical values. Throws on a violation (the verifier turns it
 * into a rejection).
 */
export function statementMessages(system: StarkSystem<unknown>, publics: readonly number[]): readonly PublicMessage[] {
  const spec = system.publicMessages;
  if (!spec) return [];
  const messages = spec.messages(publics);
  for (const m of messages) {
    if (!spec.buses.includes(m.bus)) throw new Error(`a public message on undeclared bus ${m.bus}`);
    if (m.values.length !== system.busLengths.get(m.bus)) throw new Error(`a public message of length ${m.values.length} on bus ${m.bus}`);
    if (m.values.some((v) => !Number.isInteger(v) || v < 0 || v >= F.P)) throw new Error(`a public message on bus ${m.bus} with a non-canonical value`);
    if (!Number.isSafeInteger(m.multiplicity)) throw new Error(`a public message on bus ${m.bus} with multiplicity ${m.multiplicity}`);
  }
  return messages;
}
