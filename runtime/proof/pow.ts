/**
 * Proof-of-work grinding: find a nonce whose hash with a challenge has `bits` leading zero bits.
 *
 * Grinding raises the cost of each attempt a cheating prover makes at the FRI query phase by 2^bits hash
 * evaluations, buying `bits` bits of conjectured security for fewer queries (the ethSTARK documentation's grinding;
 * Plonky3's `GrindingChallenger`, Winterfell's `grinding_factor`).
 *
 *   h = BLAKE3-keyed(K_pow, challenge (8 words) || bits || nonce_lo || nonce_hi)     (11 words, one compression)
 *   valid iff the first 8 bytes of h, read as a little-endian u64 v, satisfy v < 2^(64 - bits)
 *
 * with K_pow derived from its own context string, so a PoW hash can never be confused with a Merkle or transcript
 * hash. The challenge is the transcript state after everything before the queries has been absorbed
 * (transcript.ts), and the nonce is absorbed afterwards, so the query positions depend on it. Nonces are
 * non-negative safe integers (< 2^53); the prover tries 0, 1, 2, ... so the nonce it finds is deterministic.
 *
 * The Poseidon2 configuration's puzzle (transcript-poseidon2.ts) is a field permutation instead: its challenge is
 * 16 elements (8 squeezed, the difficulty, zeros), and x solves it when element 0 of the permutation with element 9
 * = x mod 2^30 and element 10 = ⌊x / 2^30⌋ is below ⌊p / 2^bits⌋. Both puzzles have a reference search here and,
 * through `PowSolver`, a backend's (gpu/native/grind.cc): the least nonce either way, so proofs do not depend on
 * who ground them.
 */
import { P } from './field/babybear.ts';
import { bytesToWords, deriveKeyWords, hashWords } from './hash/blake3.ts';
import { poseidon2 } from './hash/poseidon2.ts';

/** Who solves grinding puzzles: a ProofBackend is one (backend.ts); without `grindPoseidon2`, the reference's. */
export interface PowSolver {
  /** The least nonce solving the BLAKE3 puzzle for a 32-byte challenge. */
  grind(challenge: Uint8Array, bits: number): number;
  /** The least nonce solving the Poseidon2 puzzle for a 16-element challenge (`poseidon2PowChallenge`). */
  grindPoseidon2?(challenge: Uint32Array, bits: number): number;
  /**
   * A draw's proof of work (runtime/run/sampling.ts grind, whose loop is the reference): the least nonce >= start
   * for which the permutation of `challenge`, nonce mod 2^30 in element 9 and ⌊nonce / 2^30⌋ in element 10, has
   * element l below thresholds[l] for each threshold (1 to 8 of them, each at most p); -1 past 2^53. With `end`, it
   * may stop there: -1 when no nonce in [start, end) solves it (a long search is checkpointed range by range).
   */
  grindPoseidon2Lanes?(challenge: Uint32Array, thresholds: readonly number[], start: number, end?: number): number;
}

/** The BLAKE3 key of the puzzle (backends pass it to their own search). */
export const POW_KEY_WORDS: Uint32Array = deriveKeyWords('zpol 2025-11-24 proof of work v1');
const POW_KEY = POW_KEY_WORDS;

/** The largest grinding difficulty accepted. */
export const MAX_POW_BITS = 64;

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POW_BITS) throw new RangeError(`grinding bits must be an integer in [0, ${MAX_POW_BITS}], got ${bits}`);
}

/** Whether the 8-word digest has `bits` leading zeros in the sense above. */
function hasLeadingZeros(h: Uint32Array, bits: number): boolean {
  if (bits === 0) return true;
  if (bits <= 32) return h[1]! >>> (32 - bits) === 0;
  return h[1] === 0 && h[0]! >>> (64 - bits) === 0;
}

function message(challenge: Uint8Array, bits: number): Uint32Array {
  if (!(challenge instanceof Uint8Array) || challenge.length !== 32) throw new RangeError('a grinding challenge is 32 bytes');
  const m = new Uint32Array(11);
  m.set(bytesToWords(challenge), 0);
  m[8] = bits;
  return m;
}

/** Whether `nonce` solves the grinding puzzle for `challenge` at difficulty `bits`. Never throws on a bad nonce. */
export function checkPow(challenge: Uint8Array, bits: number, nonce: number): boolean {
  checkBits(bits);
  if (!Number.isSafeInteger(nonce) || nonce < 0) return false;
  const m = message(challenge, bits);
  m[9] = nonce >>> 0;
  m[10] = Math.floor(nonce / 0x100000000);
  const h = new Uint32Array(8);
  hashWords(m, 0, 11, POW_KEY, true, h, 0);
  return hasLeadingZeros(h, bits);
}

/** The least nonce >= start that solves the puzzle (expected 2^bits hashes). */
export function grind(challenge: Uint8Array, bits: number, start = 0): number {
  checkBits(bits);
  const m = message(challenge, bits);
  const h = new Uint32Array(8);
  for (let nonce = start; nonce <= Number.MAX_SAFE_INTEGER; nonce++) {
    m[9] = nonce >>> 0;
    m[10] = Math.floor(nonce / 0x100000000);
    hashWords(m, 0, 11, POW_KEY, true, h, 0);
    if (hasLeadingZeros(h, bits)) return nonce;
  }
  throw new RangeError('grinding: no nonce below 2^53');
}

/** The largest difficulty of the Poseidon2 puzzle (one element's leading range). */
export const MAX_POSEIDON2_POW_BITS = 30;

/** The Poseidon2 puzzle's challenge: eight squeezed elements, then the difficulty, then zeros (the nonce's slots). */
export function poseidon2PowChallenge(squeezed: ArrayLike<number>, bits: number): Uint32Array {
  if (squeezed.length !== 8) throw new RangeError('a Poseidon2 grinding challenge is 8 squeezed elements');
  const c = new Uint32Array(16);
  for (let i = 0; i < 8; i++) c[i] = squeezed[i]!;
  c[8] = bits;
  return c;
}

/** Whether `nonce` solves the Poseidon2 puzzle for `challenge` at `bits` (false for a bad nonce or difficulty). */
export function checkPoseidon2Pow(challenge: Uint32Array, bits: number, nonce: number, scratch = new Uint32Array(16)): boolean {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POSEIDON2_POW_BITS) return false;
  if (!Number.isSafeInteger(nonce) || nonce < 0) return false;
  scratch.set(challenge);
  scratch[9] = nonce % 2 ** 30;
  scratch[10] = Math.floor(nonce / 2 ** 30);
  poseidon2.permute(scratch);
  return scratch[0]! < Math.floor(P / 2 ** bits);
}

/** The least nonce >= start solving the Poseidon2 puzzle (2^bits permutations expected): the reference search. */
export function grindPoseidon2(challenge: Uint32Array, bits: number, start = 0): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POSEIDON2_POW_BITS) throw new RangeError(`grinding bits must be an integer in [0, ${MAX_POSEIDON2_POW_BITS}], got ${bits}`);
  const scratch = new Uint32Array(16);
  for (let nonce = start; nonce <= Number.MAX_SAFE_INTEGER; nonce++) if (checkPoseidon2Pow(challenge, bits, nonce, scratch)) return nonce;
  throw new RangeError('grinding: no nonce below 2^53');
}
