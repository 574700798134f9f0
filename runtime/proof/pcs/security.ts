/**
 * Security of the FRI PCS: conjectured and proven bits, parameter choice, and the refusal of weak parameters.
 *
 * Field: the challenges live in F_{p^4}, log2|F| = 4·log2(p) ≈ 123.6.
 *
 * Conjectured security (ethSTARK Documentation, StarkWare, eprint 2021/582, §5.10 "toy problem" conjecture on FRI
 * soundness and the security formula it yields, which Winterfell implements as `ConjecturedSecurity` "using a
 * modification of Eq. (19)"): an adversary's best strategy against FRI with rate ρ = 2^-logBlowup is to commit to
 * a codeword agreeing with a low-degree one on a ρ fraction of the domain and hope every query lands there,
 * probability ρ^q, each attempt costing 2^powBits hashes; and every random challenge (the batching α, each β)
 * is bad with probability about |D|/|F|. So
 *
 *     ε_conj = 2^-(q·logBlowup + powBits) + K·|D| / |F|,           bits = −log2 ε_conj,
 *
 * where |D| = 2^(dMax + logBlowup) is the largest evaluation domain and K counts the polynomials batched with
 * powers of one challenge (power batching multiplies the bad-challenge fraction by K: Ben-Sasson–Carmon–Ishai–
 * Kopparty–Saraf, "Proximity Gaps for Reed–Solomon Codes", Thm 6.2 / Conjecture 8.4). This PCS draws an
 * independent coefficient for every batched (column, point) pair, an affine combination, whose error is that of a
 * single line (BCIKS20 Thm 1.6, affine spaces): K = 1 however many columns a proof batches. The field term with
 * K = 1 is the cap Winterfell and the ethSTARK reference code apply ("field security = log|F| − log|D|"); the
 * ethSTARK paper itself caps at log|F| alone, so this is the more conservative reading. `numBatched` stays for
 * analysing power-batched schemes.

 * Proven security (Johnson-bound regime): Haböck, "A summary on the FRI low degree test" (eprint 2022/1216),
 * Theorem 8 (batched FRI, rounds of arbitrary arity), built on BCIKS20 Thm 8.3. For a multiplicity parameter
 * m ≥ 3, let α_J = √ρ·(1 + 1/(2m)) and θ = 1 − α_J. Then the soundness error of the PCS's low-degree test is at
 * most
 *
 *     ε_batch  = K · (m + ½)^7 / (3 ρ^(3/2)) · |D|² / |F|                 (K = 1 for independent coefficients)
 *     ε_fold_i = (2m + 1)(|D_i| + 1) · 2^(a_i) / (√ρ · |F|)                 (round i of arity 2^a_i)
 *     ε_query  = (1 − θ)^q · 2^-powBits = α_J^q · 2^-powBits
 *
 * summed; we maximise −log2 of the sum over integer m in [3, 1000] (as Winterfell's `ProvenSecurity` does). This
 * covers the PCS (batching, FRI commit and query phases); the STARK's own ALI/DEEP terms belong to the STARK
 * layer. With BabyBear^4 and |D| around 2^20 the |D|² term limits the proven figure to roughly 55–70 bits at
 * practical query counts; that is the state of the art for this field size, not a weakness of the code.
 */
import { MAX_LOG_DOMAIN, friParamsProblem } from '../fri/schedule.ts';
import type { PcsParams } from './types.ts';

/** log2 |F_{p^4}|. */
export const EXT_FIELD_BITS = 4 * Math.log2(2013265921);
/** The PCS refuses parameters below this many conjectured bits. */
export const MIN_CONJECTURED_BITS = 80;
/** What the defaults aim for. */
export const TARGET_CONJECTURED_BITS = 100;

/**
 * Default parameters, the base the other BLAKE3 sets are written from (a segment's, a tall or small whole-run
 * proof's: `pcsParamsForHeight`) and what `machine()` and the conformance proofs take when given none: rate 1/8,
 * 2^3-ary folding, final polynomial of 8 coefficients, 20 grinding bits and 28 queries: 3·28 + 20 = 104 query bits.
 * 12 bits are ground before the batching coefficients and each folding β (challengePowBits), so the field term is
 * log2|F| − log2|D| + 12 and the conjectured level is ≥ 100 bits for every domain the field allows (|D| ≤ 2^27:
 * 108.6 there; without it, 2^23 was the limit). Issue #18 traded two of the 30 queries 3·30 + 16 gave for four
 * grinding bits: each query opens a row of every committed column, about 12 KB of a demo step proof (390 → 365
 * KB), while 2^20 BLAKE3 compressions cost about 12 ms natively (gpu/native/grind.cc) and 0.3 s in TypeScript
 * (bench/results/grind.json). See `pcsSecurity`, and POSEIDON2_PCS_PARAMS. The verifier holds
 * the public (preprocessed) commitments it builds at setup anyway (verifierHoldsPublic): their rows at the queries
 * and their Merkle paths stay out of the proof (about 17 KB of a demo step: 81 columns and a tree's siblings a query).
 */
export const DEFAULT_PCS_PARAMS: PcsParams = Object.freeze({
  logBlowup: 3,
  numQueries: 28,
  powBits: 20,
  challengePowBits: 12,
  logFoldingArity: 3,
  logFinalPolyLen: 3,
  saltLength: 4,
  zk: true,
  verifierHoldsPublic: true,
});

/**
 * The Poseidon2 configuration's defaults (hash-config.ts): 30 queries and 16 grinding bits (106 query bits). A try
 * of its puzzle is a Poseidon2 permutation, about 35 times a BLAKE3 compression (2^20 cost 0.4 CPU-s natively, 6.6
 * in TypeScript), so it keeps fewer grinding bits. 8 bits are ground before the LogUp challenges, ζ, the batching
 * coefficients and each folding β (challengePowBits, issue #18): the field terms gain 8, and the zkVM keeps ≥ 100
 * conjectured bits at every height up to 2^24 rows (101 there; 6 bits would give 99, none 93). That is about ten
 * puzzles of 2^8 permutations a proof, a few thousand permutations (milliseconds) against the 2^16 of the query
 * grinding. The zkVM program that verifies Poseidon2 proofs (runtime/aggregate) checks these nonces, as it does for
 * POSEIDON2_AGGREGATION_PCS_PARAMS. Both leave verifierHoldsPublic off: that program holds no commitment, so the
 * preprocessed columns' openings travel in the proof. Both are written out, not derived from DEFAULT_PCS_PARAMS: the
 * aggregation keys (runtime/chain/run-key.ts KEY_VERSION) and the node programs depend on every value.
 */
export const POSEIDON2_PCS_PARAMS: PcsParams = Object.freeze({
  logBlowup: 3,
  numQueries: 30,
  powBits: 16,
  challengePowBits: 8,
  logFoldingArity: 3,
  logFinalPolyLen: 3,
  saltLength: 4,
  zk: true,
  verifierHoldsPublic: false,
});

/**
 * Poseidon2 parameters for proofs meant to be verified inside the zkVM (recursive aggregation, issue #24): rate
 * 1/16, 22 queries and 16 grinding bits (4·22 + 16 = 104 query bits, a little less with the zero-knowledge slack),
 * 8 bits ground before each challenge whose error grows with the domain (the field term gains 8: ≥ 100 bits up to
 * 2^22 rows). Most of the verifier program's cost is per query (runtime/aggregate: every opened column's reduced
 * quotient and every commitment's path at each query): 22 queries instead of 30 take a zkVM child's verification
 * from 169,645 to 139,529 cycles, for a child prover that extends its traces to twice the domain
 * (bench/results/aggregate.json).
 */
export const POSEIDON2_AGGREGATION_PCS_PARAMS: PcsParams = Object.freeze({
  logBlowup: 4,
  numQueries: 22,
  powBits: 16,
  challengePowBits: 8,
  logFoldingArity: 3,
  logFinalPolyLen: 3,
  saltLength: 4,
  zk: true,
  verifierHoldsPublic: false,
});

/**
 * The BLAKE3 parameters of a small whole-run proof (issue #18: a demo step proof ≤ 150 KB): rate 1/32, 17 queries
 * and 20 grinding bits, 5·17 + 20 = 105 query bits (103.9 with the zero-knowledge slack: the demo step gets 102
 * conjectured bits). Every query opens a row of every committed column (about 4.4 KB of a demo step's 1,113
 * columns), so a higher rate pays for itself in bytes: the demo step's proof is about 140 KB at blowup 32 and 17
 * queries, 157 KB at blowup 16 and 20, 202 KB at blowup 8 and 28 (bench/results/pcs-sweep.json). Its cost is the
 * LDE, four times blowup 8's: for a trace of at most 2^SMALL_TRACE_MAX_LOG_HEIGHT rows a fraction of a CPU-second,
 * for the 2^17–2^19-row traces of a long run gigabytes, so those take TALL_TRACE_PCS_PARAMS or DEFAULT_PCS_PARAMS
 * (`pcsParamsForHeight`).
 * The grinding stays at 20 bits: 16 queries would need 24 (101 bits), 2^24 tries cost 0.2 s natively but 5.5 s
 * in TypeScript (bench/results/grind.json), which proves without the native addon.
 */
export const SMALL_TRACE_PCS_PARAMS: PcsParams = Object.freeze({ ...DEFAULT_PCS_PARAMS, logBlowup: 5, numQueries: 17 });

/**
 * The BLAKE3 parameters of a segment proof (issue #19): DEFAULT_PCS_PARAMS with 32 queries and 16 bits ground before
 * each challenge. A step proven in S segments is as strong as its weakest segment less log2 S (runtime/chain/verifier.ts:
 * a forgery needs one false segment to pass, and it may be any of them), so a segment needs ≥ 100 + log2 S bits.
 * Every term of a segment's bound at 2^16 rows in every table (the 70B step's machine, test/chain/segments.test.ts):
 * queries 3·32 + 20 = 116 (115 with the zero-knowledge slack), LogUp 110.9 + 4, DEEP 113.6 + 4, the constraint
 * combination 114.4 (not ground); combined 113 bits, so ≥ 100 for up to 2^13 segments (the 70B FFN step has 601 of
 * 2^16 cycles: 103.7). At DEFAULT_PCS_PARAMS the same segment has 102 bits: 92.8 for the 70B step. Four queries cost
 * about 14% of a segment proof's bytes; 2^16 tries before each of the ~8 challenges a few milliseconds natively.
 */
export const SEGMENT_PCS_PARAMS: PcsParams = Object.freeze({ ...DEFAULT_PCS_PARAMS, numQueries: 32, challengePowBits: 16 });

/**
 * The BLAKE3 parameters of a whole-run proof with a table taller than 2^SMALL_TRACE_MAX_LOG_HEIGHT rows (issue #18):
 * rate 1/4, 43 queries and 20 grinding bits, 2·43 + 20 = 106 query bits (102.2 at the worst rate the zero-knowledge
 * slack leaves, (1 + 1/16)/4: ≥ 102 conjectured bits at every height to 2^25 rows, where DEFAULT_PCS_PARAMS has 101.5).
 * A long run's traces (2^17–2^19 rows) are where the prover's time goes, and the LDE, the Merkle trees over it, the
 * DEEP quotient and FRI's first layer all scale with the blowup: halving it took a 2^17-row zkVM proof from 4.53 to
 * 3.52 CPU-s (session 37, one process, the same trace) for 15 more queries, each a row of every committed column
 * (173,041 → 244,281 bytes). The constraint quotient does not shrink: its coset follows the constraints' degree, and
 * a tall table of degree 5–8 (MAC, Poseidon2, the wide chips) needs the 8n coset, which rate 1/4 does not commit: such
 * a proof would extend that table twice, so it keeps DEFAULT_PCS_PARAMS (`pcsParamsForHeight`'s `quotientsFit`).
 */
export const TALL_TRACE_PCS_PARAMS: PcsParams = Object.freeze({ ...DEFAULT_PCS_PARAMS, logBlowup: 2, numQueries: 43 });

/** The tallest table (log2 rows) of a whole-run BLAKE3 proof made at SMALL_TRACE_PCS_PARAMS; taller: TALL_TRACE_PCS_PARAMS. */
export const SMALL_TRACE_MAX_LOG_HEIGHT = 13;

/**
 * The BLAKE3 default parameters of a proof whose tables are 2^logHeights rows: SMALL_TRACE_PCS_PARAMS when the
 * tallest is at most 2^SMALL_TRACE_MAX_LOG_HEIGHT rows, else TALL_TRACE_PCS_PARAMS where `quotientsFit` accepts it (the
 * machine's tall tables have their quotients on its committed LDE: stark/system.ts tallQuotientsOnLde; absent: it
 * does), else DEFAULT_PCS_PARAMS. The verifier applies the same rule
 * to the heights in the proof's header (every table's, the blinding collector's included), which the transcript
 * absorbs; the parameters themselves are in the system digest the transcript starts from (stark/system.ts), so a
 * proof made with the other set is refused (test/chain/tiered-params.test.ts).
 */
export function pcsParamsForHeight(logHeights: readonly number[], quotientsFit?: (params: PcsParams) => boolean): PcsParams {
  if (Math.max(...logHeights) <= SMALL_TRACE_MAX_LOG_HEIGHT) return SMALL_TRACE_PCS_PARAMS;
  return quotientsFit === undefined || quotientsFit(TALL_TRACE_PCS_PARAMS) ? TALL_TRACE_PCS_PARAMS : DEFAULT_PCS_PARAMS;
}

/** The default parameters of a hash configuration (BLAKE3: the base set; whole-run proofs take pcsParamsForHeight's). */
export function defaultPcsParams(hash: 'blake3' | 'poseidon2'): PcsParams {
  return hash === 'poseidon2' ? POSEIDON2_PCS_PARAMS : DEFAULT_PCS_PARAMS;
}

/**
 * The parameters of a chain proof (runtime/chain/proof-file.ts): for a proof made to be aggregated (`zpol prove
 * --aggregatable`: Poseidon2 only) POSEIDON2_AGGREGATION_PCS_PARAMS; else its hash configuration's defaults, which
 * for BLAKE3 depend on the tables' heights (pcsParamsForHeight). `logHeights` is null for a segment proof: segments
 * are the long runs' traces, and take SEGMENT_PCS_PARAMS (BLAKE3) whatever their heights.
 */
export function proofPcsParams(
  hash: 'blake3' | 'poseidon2',
  aggregatable: boolean,
  logHeights: readonly number[] | null,
  quotientsFit?: (params: PcsParams) => boolean,
): PcsParams {
  if (!aggregatable) {
    if (hash === 'poseidon2') return defaultPcsParams(hash);
    return logHeights === null ? SEGMENT_PCS_PARAMS : pcsParamsForHeight(logHeights, quotientsFit);
  }
  if (hash !== 'poseidon2') throw new RangeError('aggregatable proofs are made with the poseidon2 hash configuration');
  return POSEIDON2_AGGREGATION_PCS_PARAMS;
}

/** The largest LDE domain (log2) at which DEFAULT_PCS_PARAMS keep ≥ 100 conjectured bits (K = 1): all of them. */
export const DEFAULT_MAX_LOG_DOMAIN = MAX_LOG_DOMAIN;
/** The same for POSEIDON2_PCS_PARAMS (8 bits ground before the challenges): all of them. */
export const POSEIDON2_MAX_LOG_DOMAIN = MAX_LOG_DOMAIN;

export interface SecurityInput {
  readonly params: Pick<PcsParams, 'logBlowup' | 'numQueries' | 'powBits' | 'logFoldingArity' | 'logFinalPolyLen' | 'challengePowBits'>;
  /** log2 of the largest committed height (trace rows): the degree bound of the largest FRI input. */
  readonly logMaxHeight: number;
  /** Polynomials batched with powers of one challenge; 1 (the default) for this PCS's independent coefficients. */
  readonly numBatched?: number;
  /** log2 |F| of the challenge field; default EXT_FIELD_BITS. */
  readonly fieldBits?: number;
  /**
   * −log2 of the rate FRI really proves (fri/schedule.ts worstRate: above 2^-logBlowup when committed polynomials
   * carry a degree slack); default logBlowup.
   */
  readonly rateBits?: number;
}

export interface ProvenSecurity {
  readonly bits: number;
  /** The multiplicity parameter m at which the bound is best. */
  readonly m: number;
  readonly batchingBits: number;
  readonly foldingBits: number;
  readonly queryBits: number;
}

export interface SecurityReport {
  /** ethSTARK-conjectured security (floored to an integer). */
  readonly conjecturedBits: number;
  /** q·rateBits + powBits (rateBits = logBlowup without degree slack). */
  readonly queryBits: number;
  /** log2|F| − log2(K·|D|) + challengePowBits. */
  readonly fieldBits: number;
  /** Proven (Johnson-bound) security of the PCS, or null when the analysis does not apply (see `proven`). */
  readonly provenBits: number | null;
  readonly proven: ProvenSecurity | null;
  readonly logMaxDomain: number;
}

/** −log2(Σ 2^-b_i), stable for large b. */
function combineBits(bits: readonly number[]): number {
  const min = Math.min(...bits);
  let s = 0;
  for (const b of bits) s += 2 ** -(b - min);
  return min - Math.log2(s);
}

/** The FRI round domains and arities for one input of degree 2^logMaxHeight (as fri/schedule.ts builds them). */
function roundShapes(p: SecurityInput['params'], logMaxHeight: number): { logDomain: number; logArity: number }[] {
  const stop = Math.min(p.logFinalPolyLen, logMaxHeight);
  const out: { logDomain: number; logArity: number }[] = [];
  for (let d = logMaxHeight; d > stop; ) {
    const a = Math.min(p.logFoldingArity, d - stop);
    out.push({ logDomain: d + p.logBlowup, logArity: a });
    d -= a;
  }
  return out;
}

function provenSecurity(input: SecurityInput, K: number, fieldBits: number): ProvenSecurity | null {
  const { params: p, logMaxHeight } = input;
  const rho = 2 ** -(input.rateBits ?? p.logBlowup);
  const logD = logMaxHeight + p.logBlowup;
  const rounds = roundShapes(p, logMaxHeight);
  let best: ProvenSecurity | null = null;
  for (let m = 3; m <= 1000; m++) {
    const alphaJ = Math.sqrt(rho) * (1 + 1 / (2 * m));
    if (!(alphaJ < 1)) continue;
    // log2 of each error term.
    const batching = Math.log2(K) + 7 * Math.log2(m + 0.5) - Math.log2(3) - 1.5 * Math.log2(rho) + 2 * logD - fieldBits;
    const folds = rounds.map((r) => Math.log2(2 * m + 1) + Math.log2(2 ** r.logDomain + 1) + r.logArity - 0.5 * Math.log2(rho) - fieldBits);
    const query = p.numQueries * Math.log2(alphaJ) - p.powBits;
    const foldingBits = folds.length === 0 ? Infinity : combineBits(folds.map((f) => -f));
    const bits = combineBits([-batching, -query, ...folds.map((f) => -f)]);
    if (best === null || bits > best.bits) best = { bits, m, batchingBits: -batching, foldingBits, queryBits: -query };
  }
  return best;
}

/** Conjectured and proven security of the PCS for the given parameters and largest height. */
export function pcsSecurity(input: SecurityInput): SecurityReport {
  const { params: p, logMaxHeight } = input;
  const problem = friParamsProblem(p);
  if (problem !== null) throw new RangeError(`security: ${problem}`);
  if (!Number.isInteger(logMaxHeight) || logMaxHeight < 0 || logMaxHeight + p.logBlowup > MAX_LOG_DOMAIN) {
    throw new RangeError(`security: log height ${logMaxHeight} is out of range`);
  }
  const K = input.numBatched ?? 1;
  if (!Number.isSafeInteger(K) || K < 1) throw new RangeError(`security: numBatched must be a positive integer, got ${K}`);
  const fieldBits = input.fieldBits ?? EXT_FIELD_BITS;
  const logMaxDomain = logMaxHeight + p.logBlowup;
  const rateBits = input.rateBits ?? p.logBlowup;
  if (!(rateBits > 0 && rateBits <= p.logBlowup)) throw new RangeError(`security: rate bits ${rateBits} out of range (0, ${p.logBlowup}]`);
  const queryBits = p.numQueries * rateBits + p.powBits;
  // Grinding before each of these challenges (challengePowBits) makes every fresh try at a bad one cost 2^c hashes.
  const field = fieldBits - logMaxDomain - Math.log2(K) + (p.challengePowBits ?? 0);
  const conjectured = Math.floor(combineBits([queryBits, field]));
  const proven = provenSecurity(input, K, fieldBits);
  return {
    conjecturedBits: conjectured,
    queryBits,
    fieldBits: field,
    provenBits: proven === null ? null : Math.floor(proven.bits),
    proven,
    logMaxDomain,
  };
}

/** What is wrong with PCS parameters (ranges only, not security), or null. */
export function pcsParamsProblem(params: PcsParams): string | null {
  const fp = friParamsProblem(params);
  if (fp !== null) return fp;
  if (!Number.isInteger(params.saltLength) || params.saltLength < 0 || params.saltLength > 64) {
    return `saltLength must be an integer in [0, 64], got ${String(params.saltLength)}`;
  }
  if (typeof params.zk !== 'boolean') return 'zk must be a boolean';
  if (params.zk && params.saltLength === 0) return 'zk needs salted (hiding) commitments: saltLength ≥ 1';
  return null;
}

/**
 * Throws unless the parameters reach MIN_CONJECTURED_BITS. The check uses the query term and the field term at
 * the largest domain the field allows (2^27), so it holds for every trace the parameters can be used with.
 */
export function assertParamsSecure(params: PcsParams, logMaxHeight = MAX_LOG_DOMAIN - params.logBlowup, numBatched = 1): void {
  const report = pcsSecurity({ params, logMaxHeight, numBatched });
  if (report.conjecturedBits < MIN_CONJECTURED_BITS) {
    throw new RangeError(
      `FRI PCS parameters give ${report.conjecturedBits} conjectured bits (query term ${report.queryBits}, field term ` +
        `${report.fieldBits.toFixed(1)}); at least ${MIN_CONJECTURED_BITS} are required. Raise numQueries, logBlowup or powBits.`,
    );
  }
}

export interface ChooseParamsOptions {
  readonly logMaxHeight: number;
  readonly numBatched?: number;
  readonly logBlowup?: number;
  readonly powBits?: number;
  readonly challengePowBits?: number;
  readonly logFoldingArity?: number;
  readonly logFinalPolyLen?: number;
  readonly saltLength?: number;
  readonly zk?: boolean;
}

/**
 * The parameters with the fewest queries reaching `targetBits` conjectured bits for traces up to 2^logMaxHeight
 * rows (other parameters from the options, else the defaults). Throws if the target is below
 * MIN_CONJECTURED_BITS or unreachable (the field term caps it: raise nothing but the field size helps then).
 */
export function chooseParams(targetBits: number, options: ChooseParamsOptions): PcsParams {
  if (!Number.isFinite(targetBits) || targetBits < MIN_CONJECTURED_BITS) {
    throw new RangeError(`chooseParams: target ${targetBits} is below the minimum of ${MIN_CONJECTURED_BITS} conjectured bits`);
  }
  const d = DEFAULT_PCS_PARAMS;
  const base = {
    logBlowup: options.logBlowup ?? d.logBlowup,
    powBits: options.powBits ?? d.powBits,
    challengePowBits: options.challengePowBits ?? d.challengePowBits ?? 0,
    logFoldingArity: options.logFoldingArity ?? d.logFoldingArity,
    logFinalPolyLen: options.logFinalPolyLen ?? d.logFinalPolyLen,
    saltLength: options.saltLength ?? d.saltLength,
    zk: options.zk ?? d.zk,
  };
  const needed = Math.max(1, Math.ceil((targetBits - base.powBits) / base.logBlowup));
  for (let q = needed; q <= 512; q++) {
    const params: PcsParams = { ...base, numQueries: q };
    const report = pcsSecurity({ params, logMaxHeight: options.logMaxHeight, numBatched: options.numBatched });
    if (report.conjecturedBits >= targetBits) return params;
    if (report.fieldBits < targetBits) break;
  }
  const cap = pcsSecurity({ params: { ...base, numQueries: 512 }, logMaxHeight: options.logMaxHeight, numBatched: options.numBatched });
  throw new RangeError(
    `chooseParams: ${targetBits} conjectured bits are out of reach for 2^${options.logMaxHeight} rows at blowup 2^${base.logBlowup} ` +
      `(the field term caps security at ${cap.fieldBits.toFixed(1)} bits)`,
  );
}
