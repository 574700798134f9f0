/**
 * A Fiat-Shamir transcript over Poseidon2-BabyBear (width 16), for proofs that a zkVM program will verify
 * (recursive aggregation): every absorb and squeeze is field arithmetic and permutations, which the VM proves
 * cheaply, where BLAKE3's bit operations would cost thousands of rows each.
 *
 * Construction: a duplex sponge on the 16-element state s (rate 8: s[0..8), capacity 8: s[8..16)), in overwrite
 * mode, as Plonky3's `DuplexChallenger`:
 *
 *   start     s = 0; absorb the frame (DOMAIN, len(protocol), protocol's bytes)
 *   absorb    each element of a frame overwrites s[pos], pos + 1; at pos = 8: s <- P(s), pos = 0
 *   squeeze   absorb the squeeze frame, then 1 and zeros up to pos = 0 (10* padding, the last block permuted);
 *             challenges are read from s[0..8), with s <- P(s) before every further block of 8
 *
 * Frames, so that the sequence of everything absorbed is injective (each frame says what it is and how long):
 *
 *   absorb:   ABSORB, kind, len(label), label's bytes, len(data), data's elements
 *   squeeze:  SQUEEZE, kind, len(label), label's bytes, count
 *
 * Bytes become elements two at a time (16-bit little-endian halves, the last alone); lengths are element
 * counts below p. Field elements go in as they are (canonical, checked); an extension element as its four
 * coefficients; a digest as its eight 32-bit words when all are canonical field elements (a Poseidon2 Merkle
 * root: no conversion inside a VM verifier), otherwise, under another kind, as sixteen 16-bit halves (a BLAKE3
 * root, or a hostile one: still absorbed, never thrown on); a u64 as four 16-bit limbs.
 *
 * Sampling: a rate element of a permutation's output is modelled as uniform in F_p, so a base challenge is one
 * element and an extension challenge four. An index in [0, n) (n <= p) is an element v below ⌊p/n⌋·n, reduced
 * mod n; elements at or above are rejected (no bias). Bytes are the low byte of successive elements (each byte
 * uniform to within 2^-23: p = 15·2^27 + 1).
 *
 * Grinding: the challenge is eight elements squeezed under the label "pow" (c); a nonce x < 2^53 solves the
 * puzzle at difficulty b ≤ 30 when the first element of P(c, b, x mod 2^30, ⌊x / 2^30⌋, 0, ...) is below
 * ⌊p / 2^b⌋: probability about 2^-b per try. The nonce is then absorbed, so the queries depend on it.
 *
 * Security: the sponge's capacity is 8 elements (≈ 248 bits), so its generic bound is about 124 bits, the
 * collision bound of the Poseidon2 Merkle digests that go with it (merkle/poseidon2-hasher.ts).
 */
import * as F from './field/babybear.ts';
import type * as E from './field/extension.ts';
import { poseidon2 } from './hash/poseidon2.ts';
import type { Challenger } from './transcript.ts';
import { MAX_POSEIDON2_POW_BITS, checkPoseidon2Pow, grindPoseidon2, poseidon2PowChallenge, type PowSolver } from './pow.ts';

const WIDTH = 16;
const RATE = 8;

/** Frame tags (elements). DOMAIN starts the transcript; the kinds follow transcript.ts's, plus the raw digest. */
const DOMAIN = 0x5a503032; // "ZP02", below p
const OP_ABSORB = 1;
const OP_SQUEEZE = 2;
const Kind = { Bytes: 1, Field: 2, Ext: 3, Digest: 4, U64: 5, PowNonce: 6, Indices: 7, DigestBytes: 8, Pow: 9 } as const;

/** The frame constants, for the zkVM program that replays this transcript (runtime/aggregate/transcript.ts). */
export const POSEIDON2_FRAMES = { DOMAIN, OP_ABSORB, OP_SQUEEZE, Kind, RATE } as const;

/** The largest grinding difficulty this transcript's puzzle expresses (pow.ts). */
export { MAX_POSEIDON2_POW_BITS };

const utf8 = new TextEncoder();

/** Bytes as 16-bit little-endian halves, the last byte alone when the length is odd. */
export function byteElements(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) out.push(bytes[i]! | ((bytes[i + 1] ?? 0) << 8));
  return out;
}

export function labelElements(label: string): number[] {
  if (typeof label !== 'string' || label.length === 0) throw new TypeError('a transcript label is a non-empty string');
  const b = utf8.encode(label);
  return [b.length, ...byteElements(b)];
}

/** A non-negative safe integer as four 16-bit limbs, low first. */
export function u64Elements(n: number): number[] {
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x100000000);
  return [lo & 0xffff, lo >>> 16, hi & 0xffff, hi >>> 16];
}

export class Poseidon2Transcript implements Challenger {
  private state = new Uint32Array(WIDTH);
  private pos = 0;

  /** A transcript for one protocol (its name is the first thing bound). */
  constructor(protocol: string) {
    this.feed([DOMAIN, ...labelElements(protocol)]);
  }

  clone(): Poseidon2Transcript {
    const t = Object.create(Poseidon2Transcript.prototype) as Poseidon2Transcript;
    t.state = this.state.slice();
    t.pos = this.pos;
    return t;
  }

  /** The capacity half of the state and the rate position, as 32 bytes (a fingerprint for tests and systems). */
  digest(): Uint8Array {
    const words = this.state.slice(RATE);
    words[0] = F.add(words[0]!, this.pos);
    return new Uint8Array(words.buffer);
  }

  private feed(elements: ArrayLike<number>): void {
    for (let i = 0; i < elements.length; i++) {
      this.state[this.pos++] = elements[i]!;
      if (this.pos === RATE) {
        poseidon2.permute(this.state);
        this.pos = 0;
      }
    }
  }

  private absorb(kind: number, label: string, data: ArrayLike<number>): void {
    this.feed([OP_ABSORB, kind, ...labelElements(label), data.length]);
    this.feed(data);
  }

  /** Squeezes `count` elements after framing the request; the state moves past them. */
  private squeeze(kind: number, label: string, count: number): () => number {
    if (!Number.isInteger(count) || count < 0 || count >= F.P) throw new RangeError(`cannot draw ${count} challenges`);
    this.feed([OP_SQUEEZE, kind, ...labelElements(label), count]);
    // 10* padding: the block the frame ends in is closed and permuted.
    this.feed([1]);
    while (this.pos !== 0) this.feed([0]);
    let next = 0;
    return () => {
      if (next === RATE) {
        poseidon2.permute(this.state);
        next = 0;
      }
      return this.state[next++]!;
    };
  }

  absorbBytes(label: string, bytes: Uint8Array): void {
    this.absorb(Kind.Bytes, label, [bytes.length, ...byteElements(bytes)]);
  }

  absorbFields(label: string, values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      if (!F.isCanonical(values[i]!)) throw new RangeError(`absorbFields(${label}): element ${i} is not canonical: ${values[i]}`);
    }
    this.absorb(Kind.Field, label, values);
  }

  absorbField(label: string, value: number): void {
    this.absorbFields(label, [value]);
  }

  absorbExts(label: string, values: readonly E.Ext[]): void {
    const flat: number[] = [];
    values.forEach((v, i) => {
      for (let k = 0; k < 4; k++) if (!F.isCanonical(v[k]!)) throw new RangeError(`absorbExts(${label}): element ${i} is not canonical`);
      flat.push(v[0], v[1], v[2], v[3]);
    });
    this.absorb(Kind.Ext, label, flat);
  }

  absorbExt(label: string, value: E.Ext): void {
    this.absorbExts(label, [value]);
  }

  absorbDigest(label: string, digest: Uint8Array): void {
    if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new RangeError(`absorbDigest(${label}): a digest is 32 bytes`);
    const words = Array.from({ length: 8 }, (_, j) => (digest[4 * j]! | (digest[4 * j + 1]! << 8) | (digest[4 * j + 2]! << 16) | (digest[4 * j + 3]! << 24)) >>> 0);
    if (words.every((w) => w < F.P)) this.absorb(Kind.Digest, label, words);
    else this.absorb(Kind.DigestBytes, label, byteElements(digest));
  }

  absorbU64(label: string, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`absorbU64(${label}): ${n} is not a non-negative safe integer`);
    this.absorb(Kind.U64, label, u64Elements(n));
  }

  challengeField(label: string): number {
    return this.squeeze(Kind.Field, label, 1)();
  }

  challengeFields(label: string, n: number): Uint32Array {
    const next = this.squeeze(Kind.Field, label, n);
    return Uint32Array.from({ length: n }, next);
  }

  challengeExt(label: string): E.Ext {
    return this.challengeExts(label, 1)[0]!;
  }

  challengeExts(label: string, n: number): E.Ext[] {
    const next = this.squeeze(Kind.Ext, label, n);
    return Array.from({ length: n }, () => [next(), next(), next(), next()] as const);
  }

  /** `count` independent uniform indices in [0, n), 1 <= n <= p. */
  challengeIndices(label: string, count: number, n: number): number[] {
    if (!Number.isInteger(n) || n < 1 || n > F.P) throw new RangeError(`challengeIndices(${label}): domain size ${n} is not in [1, p]`);
    const next = this.squeeze(Kind.Indices, label, count);
    const limit = Math.floor(F.P / n) * n;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      let v: number;
      do v = next();
      while (v >= limit);
      out.push(v % n);
    }
    return out;
  }

  challengeBytes(label: string, n: number): Uint8Array {
    const next = this.squeeze(Kind.Bytes, label, n);
    return Uint8Array.from({ length: n }, () => next() & 0xff);
  }

  /** The puzzle's challenge (pow.ts): eight squeezed elements (the state moves past them), the difficulty, zeros. */
  private powChallenge(bits: number): Uint32Array {
    const next = this.squeeze(Kind.Pow, 'pow', RATE);
    return poseidon2PowChallenge(Array.from({ length: RATE }, next), bits);
  }

  /** Prover: the least nonce solving the puzzle (2^bits permutations expected), by `solver` when it has a Poseidon2 search. */
  grind(bits: number, solver?: PowSolver): number {
    if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POSEIDON2_POW_BITS) throw new RangeError(`grinding bits must be an integer in [0, ${MAX_POSEIDON2_POW_BITS}], got ${bits}`);
    const challenge = this.powChallenge(bits);
    const nonce = solver?.grindPoseidon2 ? solver.grindPoseidon2(challenge, bits) : grindPoseidon2(challenge, bits);
    if (!checkPoseidon2Pow(challenge, bits, nonce)) throw new Error(`grinding: the solver returned nonce ${nonce}, which does not solve the puzzle`);
    this.absorb(Kind.PowNonce, 'pow-nonce', [bits, ...u64Elements(nonce)]);
    return nonce;
  }

  /** Verifier: whether `nonce` solves the puzzle at `bits`; absorbed if so. The state moves past the challenge either way. */
  checkGrind(bits: number, nonce: number): boolean {
    if (!Number.isInteger(bits) || bits < 0 || bits > MAX_POSEIDON2_POW_BITS) return false;
    if (!Number.isSafeInteger(nonce) || nonce < 0) return false;
    const challenge = this.powChallenge(bits);
    if (!checkPoseidon2Pow(challenge, bits, nonce)) return false;
    this.absorb(Kind.PowNonce, 'pow-nonce', [bits, ...u64Elements(nonce)]);
    return true;
  }
}
