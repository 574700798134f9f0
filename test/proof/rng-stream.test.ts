// The prover's randomness drawn many blocks at a time (rng.ts fillField with a BlockSource, the native backend's
// keyedStream for the PCS's salts): the same field elements as one block at a time, and the generator left in the
// same state, so every later draw agrees too.
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../gpu/index.ts';
import { Rng, type BlockSource } from '../../runtime/proof/rng.ts';
import { hashWords } from '../../runtime/proof/hash/blake3.ts';
import { makeSalts } from '../../runtime/proof/merkle/tree.ts';

/** The reference blocks, computed as nextU32 computes each. */
const referenceSource: BlockSource = (key, lo, hi, blocks) => {
  const out = new Uint32Array(8 * blocks);
  const counter = Uint32Array.of(lo, hi);
  for (let b = 0; b < blocks; b++) {
    hashWords(counter, 0, 2, key, true, out, 8 * b);
    counter[0] = (counter[0]! + 1) >>> 0;
    if (counter[0] === 0) counter[1] = counter[1]! + 1;
  }
  return out;
};

describe('random field elements from a block source', () => {
  const sources: [string, BlockSource][] = [['the reference blocks', referenceSource]];
  const native = cpuBackend()?.keyedStream;
  if (native) sources.push(['the native keyed stream', native]);
  for (const [name, source] of sources) {
    it(`gives the elements and leaves the state of one block at a time (${name})`, () => {
      const a = Rng.fromSeed('rng-stream');
      const b = Rng.fromSeed('rng-stream');
      // Draws of every size, interleaved with single words, so the streamed draws start and end mid-block.
      for (const n of [3, 1024, 5, 4099, 1, 20000, 7, 1024 * 16 + 3]) {
        expect(Array.from(b.fieldVector(n, source))).toEqual(Array.from(a.fieldVector(n)));
        expect(b.nextU32()).toBe(a.nextU32());
      }
      expect(Array.from(makeSalts(4096, 8, b, source)!.values)).toEqual(Array.from(makeSalts(4096, 8, a)!.values));
      expect(b.nextField()).toBe(a.nextField());
    });
  }

  it('carries the counter past 2^32 blocks as nextU32 does', () => {
    const key = Uint32Array.from({ length: 8 }, (_, i) => 0x01010101 * (i + 1));
    const want = referenceSource(key, 2 ** 32 - 3, 0, 6);
    expect(Array.from(referenceSource(key, 2 ** 32 - 3, 0, 3))).toEqual(Array.from(want.subarray(0, 24)));
    expect(Array.from(referenceSource(key, 0, 1, 3))).toEqual(Array.from(want.subarray(24)));
    if (native) {
      expect(Array.from(native(key, 2 ** 32 - 3, 0, 6))).toEqual(Array.from(want));
      expect(Array.from(native(key, 5, 7, 37))).toEqual(Array.from(referenceSource(key, 5, 7, 37)));
    }
  });
});
