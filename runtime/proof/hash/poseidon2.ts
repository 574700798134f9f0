/**
 * Poseidon2 over BabyBear (p = 2^31 - 2^27 + 1): the permutation, a sponge for variable-length vectors of field
 * elements, and the 2-to-1 compression of 8-element digests. This is the hash the zkVM checks inside proofs
 * (commitments, Merkle paths); merkle/poseidon2-hasher.ts plugs it into the STARK's Merkle trees.
 *
 * The permutation (Grassi, Khovratovich, Schofnegger, "Poseidon2: A Faster Version of the Poseidon Hash
 * Function", eprint 2023/323, §3) on a state of t field elements, t = 16 (or 24):
 *
 *   x <- M_E x                                                  initial linear layer
 *   R_F/2 = 4 external rounds:  x_i <- (x_i + c_i)^7 for all i;  x <- M_E x
 *   R_P = 13 (t = 24: 21) internal rounds:  x_0 <- (x_0 + c)^7;  x <- M_I x
 *   R_F/2 = 4 external rounds, as the first four with their own constants
 *
 * S-box x^7: the least d with gcd(d, p - 1) = 1 (p - 1 = 2^27 * 3 * 5). External layer M_E (paper §5.1 and
 * Appendix B): M4 applied to each block of four, then every element gets the sum of the elements in its
 * position mod 4 across blocks, i.e. M_E = circ(2 M4, M4, ..., M4). Internal layer M_I = J + diag(D), J the
 * all-ones matrix: x_i <- sum(x) + D_i x_i.
 *
 * Two parameterizations are published for BabyBear, with the same round constants (poseidon2-constants.ts) and
 * the same round structure, differing only in the linear layers:
 *
 *   - Plonky3 (`default_babybear_poseidon2_16` / `_24` in baby-bear/src/poseidon2.rs at commit
 *     5dc50e51436a811c62443e336f766015fecc9217): M4 = circ(2, 3, 1, 1) (`MDSMat4`), and D made of small integers
 *     and inverse powers of two (`BabyBearInternalLayerParameters`). This is zpol's Poseidon2 (`BABYBEAR_16`).
 *   - HorizenLabs (the paper's reference implementation, plain_implementations/src/poseidon2/ at commit
 *     055bde3f4782731ba5f5ce5888a440a94327eaf3): M4 = [[5,7,1,3],[4,6,1,1],[1,3,5,7],[1,1,4,6]] (Appendix B)
 *     and D = MAT_DIAG16_M_1 / MAT_DIAG24_M_1. Provided as `HORIZEN_BABYBEAR_16` / `_24` and tested against its
 *     vectors, so that either can be checked; zpol commits with the Plonky3 one.
 *
 * Arithmetic: plain numbers in [0, p), products with the field module's floating-point Barrett `mul`. Linear
 * layers add without reducing (a double holds integers up to 2^53 exactly; the largest intermediate here is
 * below 2^44) and reduce once per element per layer.
 *
 * Sponge (`hash`): overwrite mode, capacity 8, rate t - 8 (8 for t = 16), 8 output elements, with the 10*
 * padding of Plonky3's `Pad10Sponge` with the derangement d(x) = x + 1 (symmetric/src/sponge.rs):
 *   start from the all-zero state; overwrite the rate with each block of input and permute;
 *   a last, partial block of k < rate elements (k = 0 for the empty input) is followed by a 1 at position k
 *   and zeros up to the rate; a last full block instead adds 1 to the first capacity element (state[rate]);
 *   the digest is state[0..8) after the last permutation.
 * The padding is injective (the 1 lands in the rate after a partial block and in the capacity after a full
 * one), so the sponge hashes vectors of any length, with ceil(len / rate) permutations (one for len = 0).
 *
 * Compression (`compress`, t = 16 only): Plonky3's `TruncatedPermutation<_, 2, 8, 16>`:
 *   compress(l, r) = first 8 elements of perm(l || r),
 * with no feed-forward: half of the output is discarded, so the permutation cannot be inverted from the digest,
 * and the digest stays 8 canonical elements (~248 bits).
 */
import * as F from '../field/babybear.ts';
import {
  HORIZEN_DIAG16,
  HORIZEN_DIAG24,
  RC16_EXTERNAL_INITIAL,
  RC16_EXTERNAL_TERMINAL,
  RC16_INTERNAL,
  RC24_EXTERNAL_INITIAL,
  RC24_EXTERNAL_TERMINAL,
  RC24_INTERNAL,
} from './poseidon2-constants.ts';

const P = F.P;
const INV_P = 1 / P;
// Bound once: under tsx, calling through the module namespace (F.mulByHint(...)) inside the hot loops measured
// about 3.5x slower than calling a local binding.
const mul = F.mul;
const mulByHint = F.mulByHint;

/** Field elements in a digest (~248 bits). */
export const DIGEST_ELEMENTS = 8;
/** Field elements of capacity in the sponge. */
export const CAPACITY = 8;

/** Everything that defines one Poseidon2 instance over BabyBear. All field values are canonical. */
export interface Poseidon2Params {
  /** A name for reports and errors, e.g. 'plonky3-babybear-16'. */
  readonly name: string;
  /** The state size t: a multiple of 4, at least 8. */
  readonly width: number;
  /** The S-box exponent: 7 for BabyBear. */
  readonly sboxDegree: 7;
  /** The 4x4 matrix M4 of the external layer: small non-negative integers. */
  readonly mat4: readonly (readonly number[])[];
  /** D of the internal layer M_I = J + diag(D): width elements. */
  readonly internalDiag: readonly number[];
  /** Round constants of the R_F/2 initial external rounds: rows of width elements. */
  readonly externalInitial: readonly (readonly number[])[];
  /** Round constants of the R_F/2 terminal external rounds. */
  readonly externalTerminal: readonly (readonly number[])[];
  /** Round constants of the R_P internal rounds (added to state[0]). */
  readonly internal: readonly number[];
}

/** Plonky3's `MDSMat4`: circ(2, 3, 1, 1). */
export const MAT4_PLONKY3: readonly (readonly number[])[] = [
  [2, 3, 1, 1],
  [1, 2, 3, 1],
  [1, 1, 2, 3],
  [3, 1, 1, 2],
];

/** The M4 of the Poseidon2 paper's Appendix B, used by HorizenLabs (Plonky3's `HLMDSMat4`). */
export const MAT4_HORIZEN: readonly (readonly number[])[] = [
  [5, 7, 1, 3],
  [4, 6, 1, 1],
  [1, 3, 5, 7],
  [1, 1, 4, 6],
];

/** 2^-k. */
const inv2k = (k: number): number => F.inv(F.pow(2, k));

/**
 * Plonky3's width-16 diagonal (`BabyBearInternalLayerParameters`, `InternalLayerBaseParameters<_, 16>`):
 * [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/4, 1/8, 1/2^27, -1/2^8, -1/16, -1/2^27].
 */
export const PLONKY3_DIAG16: readonly number[] = [
  F.neg(2), 1, 2, inv2k(1), 3, 4, F.neg(inv2k(1)), F.neg(3), F.neg(4),
  inv2k(8), inv2k(2), inv2k(3), inv2k(27), F.neg(inv2k(8)), F.neg(inv2k(4)), F.neg(inv2k(27)),
];

/**
 * Plonky3's width-24 diagonal: [-2, 1, 2, 1/2, 3, 4, -1/2, -3, -4, 1/2^8, 1/4, 1/8, 1/16, 1/2^7, 1/2^9, 1/2^27,
 * -1/2^8, -1/4, -1/8, -1/16, -1/32, -1/64, -1/2^7, -1/2^27].
 */
export const PLONKY3_DIAG24: readonly number[] = [
  F.neg(2), 1, 2, inv2k(1), 3, 4, F.neg(inv2k(1)), F.neg(3), F.neg(4),
  inv2k(8), inv2k(2), inv2k(3), inv2k(4), inv2k(7), inv2k(9), inv2k(27),
  F.neg(inv2k(8)), F.neg(inv2k(2)), F.neg(inv2k(3)), F.neg(inv2k(4)), F.neg(inv2k(5)), F.neg(inv2k(6)),
  F.neg(inv2k(7)), F.neg(inv2k(27)),
];

/** zpol's Poseidon2: Plonky3's `default_babybear_poseidon2_16` (t = 16, R_F = 8, R_P = 13). */
export const BABYBEAR_16: Poseidon2Params = {
  name: 'plonky3-babybear-16',
  width: 16,
  sboxDegree: 7,
  mat4: MAT4_PLONKY3,
  internalDiag: PLONKY3_DIAG16,
  externalInitial: RC16_EXTERNAL_INITIAL,
  externalTerminal: RC16_EXTERNAL_TERMINAL,
  internal: RC16_INTERNAL,
};

/** Plonky3's `default_babybear_poseidon2_24` (t = 24, R_F = 8, R_P = 21). */
export const BABYBEAR_24: Poseidon2Params = {
  name: 'plonky3-babybear-24',
  width: 24,
  sboxDegree: 7,
  mat4: MAT4_PLONKY3,
  internalDiag: PLONKY3_DIAG24,
  externalInitial: RC24_EXTERNAL_INITIAL,
  externalTerminal: RC24_EXTERNAL_TERMINAL,
  internal: RC24_INTERNAL,
};

/** HorizenLabs' POSEIDON2_BABYBEAR_16_PARAMS (t = 16, R_F = 8, R_P = 13). */
export const HORIZEN_BABYBEAR_16: Poseidon2Params = {
  ...BABYBEAR_16,
  name: 'horizenlabs-babybear-16',
  mat4: MAT4_HORIZEN,
  internalDiag: HORIZEN_DIAG16,
};

/** HorizenLabs' POSEIDON2_BABYBEAR_24_PARAMS (t = 24, R_F = 8, R_P = 21). */
export const HORIZEN_BABYBEAR_24: Poseidon2Params = {
  ...BABYBEAR_24,
  name: 'horizenlabs-babybear-24',
  mat4: MAT4_HORIZEN,
  internalDiag: HORIZEN_DIAG24,
};

/** x mod p for an integer 0 <= x < 2^52 (the quotient estimate is off by at most one; q * p is exact). */
function reduce(x: number): number {
  const r = x - Math.floor(x * INV_P) * P;
  return r < 0 ? r + P : r >= P ? r - P : r;
}

/** x^7 for x in [0, p): four multiplications (x^2, x^3, x^6, x^7). */
function sbox(x: number): number {
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x6 = mul(x3, x3);
  return mul(x6, x);
}

function paramsProblem(p: Poseidon2Params): string | null {
  const t = p.width;
  if (!Number.isInteger(t) || t < 8 || t % 4 !== 0 || t > 64) return `width must be a multiple of 4 in [8, 64], got ${t}`;
  if (p.sboxDegree !== 7) return `the S-box must be x^7 over BabyBear, got x^${String(p.sboxDegree)}`;
  const canonical = (v: readonly number[], n: number) => v.length === n && v.every((x) => F.isCanonical(x));
  if (p.mat4.length !== 4 || !p.mat4.every((r) => r.length === 4 && r.every((x) => Number.isInteger(x) && x >= 0 && x <= 64))) {
    return 'M4 must be 4x4 with integer entries in [0, 64]';
  }
  if (!canonical(p.internalDiag, t)) return `the internal diagonal must be ${t} canonical elements`;
  if (p.externalInitial.length === 0 || p.externalInitial.length !== p.externalTerminal.length) {
    return 'there must be as many initial as terminal external rounds, at least one';
  }
  for (const row of [...p.externalInitial, ...p.externalTerminal]) {
    if (!canonical(row, t)) return `each external round needs ${t} canonical constants`;
  }
  if (!canonical(p.internal, p.internal.length)) return 'internal round constants must be canonical';
  return null;
}

/** One Poseidon2 instance: the permutation, the sponge and (t = 16) the 2-to-1 compression. */
export class Poseidon2 {
  readonly params: Poseidon2Params;
  readonly width: number;
  /** Elements absorbed per permutation by the sponge: width - CAPACITY. */
  readonly rate: number;
  /** The working state (canonical values between calls). Not re-entrant; nothing here calls out. */
  private readonly s: Float64Array;
  private readonly rcInitial: Float64Array;
  private readonly rcTerminal: Float64Array;
  private readonly rcInternal: Float64Array;
  private readonly diag: Float64Array;
  private readonly diagHint: Float64Array;
  private readonly m: Float64Array;
  private readonly halfRoundsF: number;

  constructor(params: Poseidon2Params) {
    const problem = paramsProblem(params);
    if (problem !== null) throw new RangeError(`Poseidon2 parameters ${params.name}: ${problem}`);
    this.params = params;
    const t = (this.width = params.width);
    this.rate = t - CAPACITY;
    this.s = new Float64Array(t);
    this.halfRoundsF = params.externalInitial.length;
    this.rcInitial = Float64Array.from(params.externalInitial.flat());
    this.rcTerminal = Float64Array.from(params.externalTerminal.flat());
    this.rcInternal = Float64Array.from(params.internal);
    this.diag = Float64Array.from(params.internalDiag);
    this.diagHint = Float64Array.from(params.internalDiag, (d) => F.mulHint(d));
    this.m = Float64Array.from(params.mat4.flat());
  }

  /**
   * The external linear layer M_E on canonical s. Leaves s unreduced: each M4 output is below 4 * 64 * p, and
   * each final value below (t/4 + 1) * 256 * p <= 17 * 2^39 < 2^44, exact in a double.
   */
  private external(s: Float64Array): void {
    const m = this.m;
    const t = this.width;
    const m00 = m[0]!, m01 = m[1]!, m02 = m[2]!, m03 = m[3]!;
    const m10 = m[4]!, m11 = m[5]!, m12 = m[6]!, m13 = m[7]!;
    const m20 = m[8]!, m21 = m[9]!, m22 = m[10]!, m23 = m[11]!;
    const m30 = m[12]!, m31 = m[13]!, m32 = m[14]!, m33 = m[15]!;
    let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (let b = 0; b < t; b += 4) {
      const x0 = s[b]!, x1 = s[b + 1]!, x2 = s[b + 2]!, x3 = s[b + 3]!;
      const y0 = m00 * x0 + m01 * x1 + m02 * x2 + m03 * x3;
      const y1 = m10 * x0 + m11 * x1 + m12 * x2 + m13 * x3;
      const y2 = m20 * x0 + m21 * x1 + m22 * x2 + m23 * x3;
      const y3 = m30 * x0 + m31 * x1 + m32 * x2 + m33 * x3;
      s[b] = y0;
      s[b + 1] = y1;
      s[b + 2] = y2;
      s[b + 3] = y3;
      c0 += y0;
      c1 += y1;
      c2 += y2;
      c3 += y3;
    }
    for (let b = 0; b < t; b += 4) {
      s[b] += c0;
      s[b + 1] += c1;
      s[b + 2] += c2;
      s[b + 3] += c3;
    }
  }

  /** R_F/2 external rounds with constants rc, on s left unreduced by a linear layer. */
  private externalRounds(s: Float64Array, rc: Float64Array): void {
    const t = this.width;
    for (let r = 0, k = 0; r < this.halfRoundsF; r++) {
      for (let i = 0; i < t; i++, k++) s[i] = sbox(reduce(s[i]! + rc[k]!));
      this.external(s);
    }
  }

  /** The permutation on the working state (canonical in and out). */
  private run(): void {
    const s = this.s;
    const t = this.width;
    this.external(s);
    this.externalRounds(s, this.rcInitial);
    for (let i = 0; i < t; i++) s[i] = reduce(s[i]!);
    const rc = this.rcInternal;
    const d = this.diag;
    const h = this.diagHint;
    // Internal rounds keep s[i] in [0, 2p): the sum is reduced once per round and D_i * s[i] comes reduced
    // from mulByHint, which is exact for any integer input below 2^32 (its quotient estimate is then still off
    // by at most one, and only when the remainder lies within a few units of 0 or p; field/babybear.ts).
    for (let r = 0; r < rc.length; r++) {
      s[0] = sbox(reduce(s[0]! + rc[r]!));
      let sum = 0;
      for (let i = 0; i < t; i++) sum += s[i]!;
      sum = reduce(sum);
      for (let i = 0; i < t; i++) s[i] = sum + mulByHint(s[i]!, d[i]!, h[i]!);
    }
    this.externalRounds(s, this.rcTerminal);
    for (let i = 0; i < t; i++) s[i] = reduce(s[i]!);
  }

  private load(input: ArrayLike<number>, off: number): void {
    const s = this.s;
    for (let i = 0; i < this.width; i++) s[i] = checked(input[off + i]!, off + i);
  }

  /** Permutes state[off..off+width) in place. Throws a RangeError on a non-canonical element. */
  permute(state: Uint32Array, off = 0): void {
    if (off < 0 || off + this.width > state.length) throw new RangeError(`permute: need ${this.width} elements at offset ${off}`);
    this.load(state, off);
    this.run();
    const s = this.s;
    for (let i = 0; i < this.width; i++) state[off + i] = s[i]!;
  }

  /** The permutation of a state given as width canonical elements, as a new array. */
  permutation(input: ArrayLike<number>): Uint32Array {
    if (input.length !== this.width) throw new RangeError(`permutation: expected ${this.width} elements, got ${input.length}`);
    const out = new Uint32Array(this.width);
    for (let i = 0; i < this.width; i++) out[i] = checked(input[i]!, i);
    this.permute(out);
    return out;
  }

  /**
   * The sponge digest of the field elements input[off..off+len) (any length, 0 included), into
   * out[outOff..outOff+8). Throws a RangeError on a non-canonical element.
   */
  hash(input: ArrayLike<number>, off: number, len: number, out: Uint32Array, outOff: number): void {
    if (!Number.isInteger(len) || len < 0 || off < 0 || off + len > input.length) {
      throw new RangeError(`hash: range [${off}, ${off}+${len}) is outside the input (${input.length})`);
    }
    const s = this.s;
    const rate = this.rate;
    s.fill(0);
    let i = 0;
    for (;;) {
      const n = Math.min(rate, len - i);
      for (let j = 0; j < n; j++) s[j] = checked(input[off + i + j]!, off + i + j);
      i += n;
      if (n < rate) {
        // Partial (or empty) last block: 1 then zeros in the rate.
        s[n] = 1;
        for (let j = n + 1; j < rate; j++) s[j] = 0;
        break;
      }
      if (i === len) {
        // Full last block: the padding goes into the capacity.
        s[rate] = s[rate]! + 1 === P ? 0 : s[rate]! + 1;
        break;
      }
      this.run();
    }
    this.run();
    for (let j = 0; j < DIGEST_ELEMENTS; j++) out[outOff + j] = s[j]!;
  }

  /**
   * The 2-to-1 compression (t = 16): input[off..off+16) = left || right, two 8-element digests; writes the
   * first 8 elements of the permutation into out[outOff..outOff+8). Throws a RangeError on a non-canonical
   * element.
   */
  compress(input: ArrayLike<number>, off: number, out: Uint32Array, outOff: number): void {
    if (this.width !== 2 * DIGEST_ELEMENTS) throw new RangeError(`compress needs width 16, this instance has ${this.width}`);
    if (off < 0 || off + 16 > input.length) throw new RangeError(`compress: need 16 elements at offset ${off}`);
    this.load(input, off);
    this.run();
    const s = this.s;
    for (let j = 0; j < DIGEST_ELEMENTS; j++) out[outOff + j] = s[j]!;
  }

  /** The sponge digest of a vector of field elements, as a new 8-element array. */
  hashElements(values: ArrayLike<number>): Uint32Array {
    const out = new Uint32Array(DIGEST_ELEMENTS);
    this.hash(values, 0, values.length, out, 0);
    return out;
  }

  /** compress(left || right) of two 8-element digests, as a new array. */
  compressPair(left: ArrayLike<number>, right: ArrayLike<number>): Uint32Array {
    if (left.length !== DIGEST_ELEMENTS || right.length !== DIGEST_ELEMENTS) {
      throw new RangeError(`compress: digests must be ${DIGEST_ELEMENTS} elements, got ${left.length} and ${right.length}`);
    }
    const input = new Uint32Array(2 * DIGEST_ELEMENTS);
    for (let j = 0; j < DIGEST_ELEMENTS; j++) {
      input[j] = checked(left[j]!, j);
      input[DIGEST_ELEMENTS + j] = checked(right[j]!, DIGEST_ELEMENTS + j);
    }
    const out = new Uint32Array(DIGEST_ELEMENTS);
    this.compress(input, 0, out, 0);
    return out;
  }
}

function checked(x: number, at: number): number {
  if ((x >>> 0) !== x || x >= P) {
    throw new RangeError(`Poseidon2 input ${at}: ${String(x)} is not a canonical BabyBear element`);
  }
  return x;
}

/** zpol's Poseidon2-BabyBear, width 16 (Plonky3's parameters). */
export const poseidon2 = new Poseidon2(BABYBEAR_16);

/** The sponge digest (8 elements) of a vector of field elements, with zpol's Poseidon2. */
export function hashElements(values: ArrayLike<number>): Uint32Array {
  return poseidon2.hashElements(values);
}

/** The 2-to-1 compression of two 8-element digests, with zpol's Poseidon2. */
export function compressPair(left: ArrayLike<number>, right: ArrayLike<number>): Uint32Array {
  return poseidon2.compressPair(left, right);
}
