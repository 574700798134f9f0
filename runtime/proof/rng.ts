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
 * Blocks counter, counter + 1, … of a generator's stream (counterHigh·2^32 + counterLow on), 8 words each: block k
 * is the keyed BLAKE3 of k's 8 little-endian bytes under `key` (ProofBackend.keyedStream computes it natively).
 */
export type BlockSource = (key: Uint32Array, counterLow: number, counterHigh: number, blocks: number) => Uint32Array;

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
   * Fills `out` with uniform field elements. With `source` (a backend's native stream, the same blocks), the blocks
   * are drawn many at a time: the same words consumed in the same order, so the same elements and the same state
   * after.
   */
  fillField(out: Uint32Array, source?: BlockSource): Uint32Array {
    const p = F.P; // read once (matrix.ts isCanonical)
    let i = 0;
    if (source && out.length >= 1024) {
      while (i < out.length && this.used < 8) {
        const v = this.block[this.used++]! & 0x7fffffff;
        if (v < p) out[i++] = v;
      }
      while (i < out.length) {
        // A word is rejected with probability below 1/16: blocks for 1.1 words an element, and more if unlucky.
        const count = Math.ceil(((out.length - i) * 1.1) / 8) + 2;
        const words = source(this.key, this.counter[0]!, this.counter[1]!, count);
        let w = 0;
        while (i < out.length && w < words.length) {
          const v = words[w++]! & 0x7fffffff;
          if (v < p) out[i++] = v;
        }
        // The blocks begun are consumed as nextU32 would have: the counter past them, the last one current.
        const begun = Math.ceil(w / 8);
        const low = this.counter[0]! + begun;
        this.counter[0] = low >>> 0;
        if (low >= 2 ** 32) this.counter[1] = this.counter[1]! + 1;
        this.block.set(words.subarray(8 * (begun - 1), 8 * begun));
        this.used = w - 8 * (begun - 1);
      }
      return out;
    }
    while (i < out.length) {
      const v = this.nextU32() & 0x7fffffff;
      if (v < p) out[i++] = v;
    }
    return out;
  }

  /** n uniform field elements (`source`: as fillField). */
  fieldVector(n: number, source?: BlockSource): Uint32Array {
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
