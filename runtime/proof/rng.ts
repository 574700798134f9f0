/**
 * The prover's randomness: Merkle salts now, trace randomization and blinding later.
 *
 * Zero knowledge needs these values unpredictable to the verifier; determinism ("same inputs and seed give the
 * same proof", and bit-identical proofs across the TypeScript, C++ and CUDA backends) needs them reproducible
 * from a seed. So the generator is a counter-mode PRF: block k is keyed BLAKE3 of the 8-byte counter k, under a
 * key derived (BLAKE3 derive-key, its own context) from the 32-byte seed. Each block gives 8 words; words are
 * consumed in order. A production prover seeds from the OS (`Rng.fromEntropy`); tests and reproducible runs pass
 * a fixed seed.
 *
 * Field elements are drawn by rejection: the low 31 bits of a word, retried while >= p. Accepted values are
 * exactly uniform on [0, p); a retry happens with probability (2^31 - p)/2^31 < 1/16.
 */
import { webcrypto } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import * as F from './field/babybear.ts';
import { deriveKeyWords, hashWords, wordsToBytes } from './hash/blake3.ts';

const RNG_CONTEXT = 'zpol 2025-11-24 prover randomness v1';

/**
 * Fills `out` with the generator's next field elements drawn from its blocks from a counter on (counterHigh·2^32 +
 * counterLow; block k is the keyed BLAKE3 of k's 8 little-endian bytes under `key`, and an element is the low 31
 * bits of a word, kept when below p) and returns 9 words: the words consumed from the counter's block on, then the
 * last block begun (ProofBackend.keyedFieldStream computes it natively).
 */
export type FieldSource = (key: Uint32Array, counterLow: number, counterHigh: number, out: Uint32Array) => Uint32Array;

export class Rng {
  private readonly key: Uint32Array;
  private readonly counter = new Uint32Array(2);
  private readonly block = new Uint32Array(8);
  private used = 8;

  private constructor(seed: Uint8Array) {
    this.key = deriveKeyWords(RNG_CONTEXT, seed);
  }

  /**
   * A generator determined by `seed`: 32 bytes, or (for tests and named streams) a string, whose UTF-8 bytes
   * are used as the seed material.
   */
  static fromSeed(seed: Uint8Array | string): Rng {
    if (typeof seed === 'string') return new Rng(new TextEncoder().encode(seed));
    if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError('an RNG seed must be 32 bytes');
    return new Rng(seed);
  }

  /** A generator seeded from the operating system's CSPRNG. */
  static fromEntropy(): Rng {
    const seed = new Uint8Array(32);
    webcrypto.getRandomValues(seed);
    return new Rng(seed);
  }

  /** An independent generator for a named sub-stream (e.g. one per committed matrix), derived from this one. */
  fork(label: string): Rng {
    return new Rng(blake3(new TextEncoder().encode(label), { key: wordsToBytes(this.key) }));
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    if (this.used === 8) {
      hashWords(this.counter, 0, 2, this.key, true, this.block, 0);
      this.counter[0] = (this.counter[0]! + 1) >>> 0;
      if (this.counter[0] === 0) this.counter[1] = this.counter[1]! + 1;
      this.used = 0;
    }
    return this.block[this.used++]!;
  }

  /** A uniform field element. */
  nextField(): number {
    for (;;) {
      const v = this.nextU32() & 0x7fffffff;
      if (v < F.P) return v;
    }
  }

  /**
   * Fills `out` with uniform field elements. With `source` (a backend's native stream), the elements past the
   * current block are drawn there: the same words consumed in the same order, so the same elements and the same
   * state after.
   */
  fillField(out: Uint32Array, source?: FieldSource): Uint32Array {
    const p = F.P; // read once (matrix.ts isCanonical)
    let i = 0;
    if (source && out.length >= 1024) {
      while (i < out.length && this.used < 8) {
        const v = this.block[this.used++]! & 0x7fffffff;
        if (v < p) out[i++] = v;
      }
      if (i === out.length) return out;
      const r = source(this.key, this.counter[0]!, this.counter[1]!, out.subarray(i));
      // The blocks begun are consumed as nextU32 would have: the counter past them, the last one current.
      const words = r[0]!;
      const begun = Math.ceil(words / 8);
      const low = this.counter[0]! + begun;
      this.counter[0] = low >>> 0;
      if (low >= 2 ** 32) this.counter[1] = this.counter[1]! + 1;
      this.block.set(r.subarray(1, 9));
      this.used = words - 8 * (begun - 1);
      return out;
    }
    while (i < out.length) {
      const v = this.nextU32() & 0x7fffffff;
      if (v < p) out[i++] = v;
    }
    return out;
  }

  /** n uniform field elements (`source`: as fillField). */
  fieldVector(n: number, source?: FieldSource): Uint32Array {
    return this.fillField(new Uint32Array(n), source);
  }

  /** A uniform integer in [0, n), 1 <= n <= 2^32 (rejection sampling, no modulo bias). */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`bound must be an integer in [1, 2^32], got ${n}`);
    const limit = Math.floor(2 ** 32 / n) * n;
    for (;;) {
      const v = this.nextU32();
      if (v < limit) return v % n;
    }
  }

  /** n uniform bytes. */
  nextBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const w = this.nextU32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (w >>> (8 * k)) & 0xff;
    }
    return out;
  }
}
