/**
 * FRI parameters and the folding schedule: which rounds fold by how much, and where the shorter inputs join.
 *
 * Inputs are codewords of polynomials of degree < 2^d + S (one per distinct d, "log degree bound"; S ≥ 0 its
 * degree slack, for polynomials randomised beyond the trace height, pcs/fri-pcs.ts), each evaluated on a coset
 * of size 2^(d + logBlowup). FRI starts from the largest, folds by 2^logFoldingArity per round, and when
 * the folded degree bound reaches the next input's, that input is added to the folded codeword (Plonky3's
 * "roll-in" in its two-adic FRI PCS). A round never folds past a roll-in: its arity is cut to land on it
 * (Plonky3 likewise bounds each round's arity by the next input height). Folding stops at the log degree
 * `min(logFinalPolyLen, smallest input)`; the prover then sends that polynomial's coefficients.
 *
 * Degree bounds with slack. Folding by 2^a maps a polynomial of degree < B to one of degree < ⌈B / 2^a⌉ (its
 * coefficient j collects the original's j·2^a .. j·2^a + 2^a − 1), so a bound 2^m + S becomes
 * 2^(m−a) + ⌈S / 2^a⌉; a roll-in of an input of degree < 2^m + S' makes it max(that, 2^m + S'). Each round's
 * bound is tracked exactly this way, and the final polynomial has as many coefficients as the last bound: the
 * verifier checks the final codeword against a polynomial of exactly that length. Without slack every bound is
 * a power of two and this is the classical schedule. What FRI proves of each round is the final length times the
 * folding still to come (a higher degree folds to the same final length), so `worstRate`, the largest
 * bound/domain ratio of any round and of the final polynomial, is the final polynomial's: the rate the
 * conjectured security is computed from.
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
  /**
   * Proof-of-work bits ground before each challenge whose bad fraction grows with the domain (absent: 0, no
   * grinding and nothing absorbed): each folding β here, the PCS's batching coefficients, the STARK's LogUp
   * challenges and its out-of-domain point ζ. See pcs/security.ts.
   */
  readonly challengePowBits?: number;
  /** log2 of the largest folding arity. */
  readonly logFoldingArity: number;
  /** log2 of the length of the final polynomial (at most; shorter inputs can lower it). */
  readonly logFinalPolyLen: number;
}

/** One commit-phase round: the codeword of degree < 2^logDegree is committed, then folded by 2^logArity. */
export interface FriRound {
  readonly logDegree: number;
  /** The exact degree bound of this round's codeword: 2^logDegree plus the slack carried so far. */
  readonly bound: number;
  /** log2 of the codeword length (= logDegree + logBlowup). */
  readonly logDomain: number;
  readonly logArity: number;
  /** Whether the next input joins right after this round's fold. */
  readonly rollIn: boolean;
}

export interface FriSchedule {
  /** The inputs' log degree bounds, strictly decreasing. */
  readonly logDegrees: readonly number[];
  /** The inputs' degree slacks (degree < 2^logDegrees[i] + slacks[i]). */
  readonly slacks: readonly number[];
  readonly rounds: readonly FriRound[];
  /** log2 of the final domain's degree (the final codeword has 2^(logFinalDegree + logBlowup) values). */
  readonly logFinalDegree: number;
  /** The final polynomial's coefficient count: 2^logFinalDegree plus the remaining slack. */
  readonly finalLen: number;
  /** The largest degree bound / domain size over the rounds and the final polynomial. */
  readonly worstRate: number;
  /** log2 of the first codeword's length: query indices are drawn in [0, 2^logMaxDomain). */
  readonly logMaxDomain: number;
}

/** log2 of the largest evaluation domain: BabyBear's two-adicity. */
export const MAX_LOG_DOMAIN = 27;
/** Bounds on parameters that keep every loop and allocation sane. */
export const MAX_LOG_BLOWUP = 8;
export const MAX_QUERIES = 512;
export const MAX_POW_BITS = 40;
/** The largest `challengePowBits`: its nonces are encoded in 32 bits (2^24-bit puzzles never need more tries). */
export const MAX_CHALLENGE_POW_BITS = 24;
export const MAX_LOG_ARITY = 4;
export const MAX_LOG_FINAL_POLY_LEN = 16;
/**
 * With any slack, folding stops at 2^7 at the lowest (or the smallest input): FRI proves the bound it reaches at
 * the end, finalLen, multiplied back up by the folding, so the rate every round is really held to is
 * finalLen / 2^(stop + logBlowup) = (2^stop + ⌈S / 2^(h − stop)⌉) / 2^(stop + logBlowup); a final domain of 2^7
 * coefficients makes the rounding of the slack cost at most 1/128 of the rate (a 2^3 one would cost 1/8).
 */
export const MIN_LOG_FINAL_WITH_SLACK = 7;

/** What is wrong with FRI parameters, or null. */
export function friParamsProblem(p: FriParams): string | null {
  if (typeof p !== 'object' || p === null) return 'parameters are not an object';
  const int = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(p.logBlowup, 1, MAX_LOG_BLOWUP)) return `logBlowup must be an integer in [1, ${MAX_LOG_BLOWUP}], got ${String(p.logBlowup)}`;
  if (!int(p.numQueries, 1, MAX_QUERIES)) return `numQueries must be an integer in [1, ${MAX_QUERIES}], got ${String(p.numQueries)}`;
  if (!int(p.powBits, 0, MAX_POW_BITS)) return `powBits must be an integer in [0, ${MAX_POW_BITS}], got ${String(p.powBits)}`;
  if (p.challengePowBits !== undefined && !int(p.challengePowBits, 0, MAX_CHALLENGE_POW_BITS)) {
    return `challengePowBits must be an integer in [0, ${MAX_CHALLENGE_POW_BITS}], got ${String(p.challengePowBits)}`;
  }
  if (!int(p.logFoldingArity, 1, MAX_LOG_ARITY)) {
    return `logFoldingArity must be an integer in [1, ${MAX_LOG_ARITY}], got ${String(p.logFoldingArity)}`;
  }
  if (!int(p.logFinalPolyLen, 0, MAX_LOG_FINAL_POLY_LEN)) {
    return `logFinalPolyLen must be an integer in [0, ${MAX_LOG_FINAL_POLY_LEN}], got ${String(p.logFinalPolyLen)}`;
  }
  return null;
}

/**
 * What is wrong with a list of input log degrees (and slacks: none means 0 each) for these parameters, or null.
 * A slack may be at most 2^d·(2^logBlowup/2 − 1): the input's rate (2^d + S)/2^(d + logBlowup) stays ≤ 1/2.
 */
export function logDegreesProblem(p: FriParams, logDegrees: readonly number[], slacks?: readonly number[]): string | null {
  if (!Array.isArray(logDegrees) || logDegrees.length === 0) return 'FRI needs at least one input';
  for (let i = 0; i < logDegrees.length; i++) {
    const d = logDegrees[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d + p.logBlowup > MAX_LOG_DOMAIN) {
      return `input ${i}: log degree ${String(d)} is out of range [0, ${MAX_LOG_DOMAIN - p.logBlowup}]`;
    }
    if (i > 0 && d >= logDegrees[i - 1]!) return 'input log degrees must be strictly decreasing';
  }
  if (slacks !== undefined) {
    if (!Array.isArray(slacks) || slacks.length !== logDegrees.length) return 'one degree slack per input';
    for (let i = 0; i < slacks.length; i++) {
      const s = slacks[i];
      const max = 2 ** logDegrees[i]! * (2 ** (p.logBlowup - 1) - 1);
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > max) return `input ${i}: degree slack ${String(s)} is out of range [0, ${max}]`;
    }
  }
  return null;
}

/** The folding schedule; throws RangeError on bad parameters or inputs (callers validate hostile data first). */
export function friSchedule(p: FriParams, logDegrees: readonly number[], slacks?: readonly number[]): FriSchedule {
  const problem = friParamsProblem(p) ?? logDegreesProblem(p, logDegrees, slacks);
  if (problem !== null) throw new RangeError(`FRI: ${problem}`);
  const slack = slacks === undefined ? logDegrees.map(() => 0) : slacks.slice();
  const floor = slack.some((x) => x > 0) ? Math.max(p.logFinalPolyLen, MIN_LOG_FINAL_WITH_SLACK) : p.logFinalPolyLen;
  const stop = Math.min(floor, logDegrees[logDegrees.length - 1]!);
  const rounds: FriRound[] = [];
  let cur = logDegrees[0]!;
  let bound = 2 ** cur + slack[0]!;
  let worstRate = 0;
  let next = 1;
  while (cur > stop) {
    const target = next < logDegrees.length ? logDegrees[next]! : stop;
    const logArity = Math.min(p.logFoldingArity, cur - target);
    const rollIn = next < logDegrees.length && cur - logArity === target;
    rounds.push({ logDegree: cur, bound, logDomain: cur + p.logBlowup, logArity, rollIn });
    worstRate = Math.max(worstRate, bound / 2 ** (cur + p.logBlowup));
    cur -= logArity;
    bound = Math.ceil(bound / 2 ** logArity);
    if (rollIn) {
      bound = Math.max(bound, 2 ** cur + slack[next]!);
      next++;
    }
  }
  worstRate = Math.max(worstRate, bound / 2 ** (stop + p.logBlowup));
  return { logDegrees: logDegrees.slice(), slacks: slack, rounds, logFinalDegree: stop, finalLen: bound, worstRate, logMaxDomain: logDegrees[0]! + p.logBlowup };
}
