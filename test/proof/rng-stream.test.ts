// The prover's randomness drawn in bulk (rng.ts fillField with a FieldSource, the native backend's keyedFieldStream
// for the PCS's salts): the same field elements as one block at a time, and the generator left in the same state, so
// every later draw agrees too.
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../gpu/index.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { Rng, type FieldSource } from '../../runtime/proof/rng.ts';
import { hashWords } from '../../runtime/proof/hash/blake3.ts';
import { makeSalts } from '../../runtime/proof/merkle/tree.ts';

/** The reference: blocks computed as nextU32 computes each, elements drawn as fillField draws them. */
const referenceSource: FieldSource = (key, lo, hi, out) => {
  const counter = Uint32Array.of(lo, hi);
  const block = new Uint32Array(8);
  let words = 0;
  for (let i = 0; i < out.length; ) {
    if (words % 8 === 0) {
      hashWords(counter, 0, 2, key, true, block, 0);
      counter[0] = (counter[0]! + 1) >>> 0;
      if (counter[0] === 0) counter[1] = counter[1]! + 1;
    }
    const v = block[words++ % 8]! & 0x7fffffff;
    if (v < P) out[i++] = v;
  }
  return Uint32Array.of(words, ...block);
};

describe('random field elements from a field source', () => {
  const sources: [string, FieldSource][] = [['the reference', referenceSource]];
  const native = cpuBackend()?.keyedFieldStream;
  if (native) sources.push(['the native keyed stream', native]);
  for (const [name, source] of sources) {
    it(`gives the elements and leaves the state of one block at a time (${name})`, () => {
      const a = Rng.fromSeed('rng-stream');
      const b = Rng.fromSeed('rng-stream');
      // Draws of every size, interleaved with single words, so the bulk draws start and end mid-block.
      for (const n of [3, 1024, 5, 4099, 1, 20000, 7, 1024 * 16 + 3, 2, 1031]) {
        expect(Array.from(b.fieldVector(n, source))).toEqual(Array.from(a.fieldVector(n)));
        expect(b.nextU32()).toBe(a.nextU32());
      }
      expect(Array.from(makeSalts(4096, 8, b, source)!.values)).toEqual(Array.from(makeSalts(4096, 8, a)!.values));
      expect(b.nextField()).toBe(a.nextField());
    });
  }

  it.skipIf(!native)('natively, as the reference from any counter, the carry past 2^32 blocks included', () => {
    const key = Uint32Array.from({ length: 8 }, (_, i) => 0x01010101 * (i + 1));
    for (const [lo, hi, count] of [[2 ** 32 - 3, 0, 100], [5, 7, 1], [0, 0, 4096], [2 ** 32 - 1, 2, 37]] as const) {
      const [a, b] = [new Uint32Array(count), new Uint32Array(count)];
      expect(Array.from(native!(key, lo, hi, a))).toEqual(Array.from(referenceSource(key, lo, hi, b)));
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });
});
