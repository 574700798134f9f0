/**
 * FRI parameters and the folding schedule: which rounds fold by how much, and where the shorter inputs join.
 *
 * Inputs are codewords of polynomials of degree < 2^d (one per distinct d, "log degree bound"), each evaluated on
 * a coset of size 2^(d + logBlowup). FRI starts from the largest, folds by 2^logFoldingArity per round, and when
 * the folded degree bound reaches the next input's, that input is added to the folded codeword (Plonky3's
 * "roll-in" in its two-adic FRI PCS). A round never folds past a roll-in: its arity is cut to land on it
 * (Plonky3 likewise bounds each round's arity by the next input height). Folding stops at the log degree
 * `min(logFinalPolyLen, smallest input)`; the prover then sends that polynomial's 2^stop coefficients.
 *
 * The schedule depends only on public data (parameters and the input degrees), so the prover, the verifier and
 * the proof decoder all compute it and none of it is in the proof.
 */

export interface FriParams {
  /** log2 of the Reed–Solomon blowup (rate 2^-logBlowup). */
  readonly logBlowup: number;
  readonly numQueries: number;
  /** Proof-of-work bits ground before the query indices are drawn. */
  readonly powBits: number;
  /** log2 of the largest folding arity. */
  readonly logFoldingArity: number;
  /** log2 of the length of the final polynomial (at most; shorter inputs can lower it). */
  readonly logFinalPolyLen: number;
}

/** One commit-phase round: the codeword of degree < 2^logDegree is committed, then folded by 2^logArity. */
export interface FriRound {
  readonly logDegree: number;
  /** log2 of the codeword length (= logDegree + logBlowup). */
  readonly logDomain: number;
  readonly logArity: number;
  /** Whether the next input joins right after this round's fold. */
  readonly rollIn: boolean;
}

export interface FriSchedule {
  /** The inputs' log degree bounds, strictly decreasing. */
  readonly logDegrees: readonly number[];
  readonly rounds: readonly FriRound[];
  /** log2 of the final polynomial's length (its coefficient count). */
  readonly logFinalDegree: number;
  /** log2 of the first codeword's length: query indices are drawn in [0, 2^logMaxDomain). */
  readonly logMaxDomain: number;
}

/** log2 of the largest evaluation domain: BabyBear's two-adicity. */
export const MAX_LOG_DOMAIN = 27;
/** Bounds on parameters that keep every loop and allocation sane. */
export const MAX_LOG_BLOWUP = 8;
export const MAX_QUERIES = 512;
export const MAX_POW_BITS = 40;
export const MAX_LOG_ARITY = 4;
export const MAX_LOG_FINAL_POLY_LEN = 16;

/** What is wrong with FRI parameters, or null. */
export function friParamsProblem(p: FriParams): string | null {
  if (typeof p !== 'object' || p === null) return 'parameters are not an object';
  const int = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(p.logBlowup, 1, MAX_LOG_BLOWUP)) return `logBlowup must be an integer in [1, ${MAX_LOG_BLOWUP}], got ${String(p.logBlowup)}`;
  if (!int(p.numQueries, 1, MAX_QUERIES)) return `numQueries must be an integer in [1, ${MAX_QUERIES}], got ${String(p.numQueries)}`;
  if (!int(p.powBits, 0, MAX_POW_BITS)) return `powBits must be an integer in [0, ${MAX_POW_BITS}], got ${String(p.powBits)}`;
  if (!int(p.logFoldingArity, 1, MAX_LOG_ARITY)) {
    return `logFoldingArity must be an integer in [1, ${MAX_LOG_ARITY}], got ${String(p.logFoldingArity)}`;
  }
  if (!int(p.logFinalPolyLen, 0, MAX_LOG_FINAL_POLY_LEN)) {
    return `logFinalPolyLen must be an integer in [0, ${MAX_LOG_FINAL_POLY_LEN}], got ${String(p.logFinalPolyLen)}`;
  }
  return null;
}

/** What is wrong with a list of input log degrees for these parameters, or null. */
export function logDegreesProblem(p: FriParams, logDegrees: readonly number[]): string | null {
  if (!Array.isArray(logDegrees) || logDegrees.length === 0) return 'FRI needs at least one input';
  for (let i = 0; i < logDegrees.length; i++) {
    const d = logDegrees[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d + p.logBlowup > MAX_LOG_DOMAIN) {
      return `input ${i}: log degree ${String(d)} is out of range [0, ${MAX_LOG_DOMAIN - p.logBlowup}]`;
    }
    if (i > 0 && d >= logDegrees[i - 1]!) return 'input log degrees must be strictly decreasing';
  }
  return null;
}

/** The folding schedule; throws RangeError on bad parameters or inputs (callers validate hostile data first). */
export function friSchedule(p: FriParams, logDegrees: readonly number[]): FriSchedule {
  const problem = friParamsProblem(p) ?? logDegreesProblem(p, logDegrees);
  if (problem !== null) throw new RangeError(`FRI: ${problem}`);
  const stop = Math.min(p.logFinalPolyLen, logDegrees[logDegrees.length - 1]!);
  const rounds: FriRound[] = [];
  let cur = logDegrees[0]!;
  let next = 1;
  while (cur > stop) {
    const target = next < logDegrees.length ? logDegrees[next]! : stop;
    const logArity = Math.min(p.logFoldingArity, cur - target);
    const rollIn = next < logDegrees.length && cur - logArity === target;
    rounds.push({ logDegree: cur, logDomain: cur + p.logBlowup, logArity, rollIn });
    cur -= logArity;
    if (rollIn) next++;
  }
  return { logDegrees: logDegrees.slice(), rounds, logFinalDegree: stop, logMaxDomain: logDegrees[0]! + p.logBlowup };
}
