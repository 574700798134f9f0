// Proof-of-work grinding in native code (gpu/native/grind.cc) against the TypeScript reference (runtime/proof/pow.ts):
// the least nonce for both puzzles, BLAKE3 and Poseidon2, from any start (across the nonce's word boundaries), the
// transcripts' nonces with the backend as solver, and refusals of malformed arguments. Skipped where the addon is
// not built (the reference then grinds).
import { describe, expect, it } from 'vitest';
import { cpuBackend, nativeAddon } from '../../gpu/index.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { POW_KEY_WORDS, checkPoseidon2Pow, grind, grindPoseidon2, poseidon2PowChallenge } from '../../runtime/proof/pow.ts';
import { bytesToWords } from '../../runtime/proof/hash/blake3.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { Poseidon2Transcript } from '../../runtime/proof/transcript-poseidon2.ts';

const built = nativeAddon() !== null;

function bytes(seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: 32 }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24);
}

function elements(seed: number): number[] {
  let s = seed;
  return Array.from({ length: 8 }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P);
}

describe.skipIf(!built)('native grinding', () => {
  const a = nativeAddon()!;
  const cpu = cpuBackend()!;

  it('finds the BLAKE3 puzzle’s least nonce, as the reference does, from zero and from any start', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const c = bytes(seed);
      for (const bits of [0, 1, 5, 9, 13]) {
        const n = grind(c, bits);
        expect(cpu.grind(c, bits)).toBe(n);
        // The next solution: the search resumes past the first one.
        expect(a.grindBlake3(POW_KEY_WORDS, bytesToWords(c), bits, n + 1)).toBe(grind(c, bits, n + 1));
      }
    }
    // Across the nonce's 32-bit halves (its high word is part of the message).
    const c = bytes(99);
    const start = 2 ** 32 - 7;
    expect(a.grindBlake3(POW_KEY_WORDS, bytesToWords(c), 7, start)).toBe(grind(c, 7, start));
    expect(a.grindBlake3(POW_KEY_WORDS, bytesToWords(c), 3, 2 ** 40 + 3)).toBe(grind(c, 3, 2 ** 40 + 3));
  });

  it('finds the Poseidon2 puzzle’s least nonce, as the reference does, across its 2^30 split', () => {
    for (let seed = 1; seed <= 4; seed++) {
      for (const bits of [0, 2, 6, 9]) {
        const c = poseidon2PowChallenge(elements(seed), bits);
        const n = grindPoseidon2(c, bits);
        expect(cpu.grindPoseidon2!(c, bits)).toBe(n);
        expect(checkPoseidon2Pow(c, bits, n)).toBe(true);
        expect(a.grindPoseidon2(c, bits, n + 1)).toBe(grindPoseidon2(c, bits, n + 1));
      }
    }
    const c = poseidon2PowChallenge(elements(42), 5);
    expect(a.grindPoseidon2(c, 5, 2 ** 30 - 9)).toBe(grindPoseidon2(c, 5, 2 ** 30 - 9));
  });

  it('gives both transcripts the reference’s nonces, so the queries drawn after them agree', () => {
    for (const bits of [4, 11]) {
      const t = new Transcript('grind test');
      t.absorbBytes('x', Uint8Array.of(bits));
      const [r, n] = [t.clone(), t.clone()];
      expect(n.grind(bits, cpu)).toBe(r.grind(bits));
      expect(n.challengeIndices('q', 4, 1024)).toEqual(r.challengeIndices('q', 4, 1024));
      const p = new Poseidon2Transcript('grind test');
      p.absorbField('x', bits);
      const [pr, pn] = [p.clone(), p.clone()];
      expect(pn.grind(bits, cpu)).toBe(pr.grind(bits));
      expect(pn.challengeIndices('q', 4, 1024)).toEqual(pr.challengeIndices('q', 4, 1024));
    }
    // A solver whose answer does not solve the puzzle is refused by the transcript.
    expect(() => new Poseidon2Transcript('t').grind(12, { grind: () => 0, grindPoseidon2: () => 0 })).toThrow(/does not solve/);
  });

  it('refuses malformed arguments with an error, not a crash', () => {
    const c8 = bytesToWords(bytes(1));
    const c16 = poseidon2PowChallenge(elements(1), 1);
    expect(() => a.grindBlake3(POW_KEY_WORDS, c8, 65, 0)).toThrow(/bits in range/);
    expect(() => a.grindBlake3(new Uint32Array(7), c8, 1, 0)).toThrow(/size/);
    expect(() => a.grindBlake3(POW_KEY_WORDS, c16, 1, 0)).toThrow(/size/);
    expect(() => a.grindBlake3(POW_KEY_WORDS, c8, 1, -1)).toThrow(/start/);
    expect(() => a.grindBlake3(POW_KEY_WORDS, c8, 1, 0.5)).toThrow(/start/);
    expect(() => a.grindBlake3(POW_KEY_WORDS, c8, 1, 2 ** 53)).toThrow(/start/);
    expect(() => a.grindPoseidon2(c16, 31, 0)).toThrow(/bits in range/);
    expect(() => a.grindPoseidon2(c8, 1, 0)).toThrow(/size/);
    const bad = c16.slice();
    bad[3] = P;
    expect(() => a.grindPoseidon2(bad, 1, 0)).toThrow(/canonical/);
    // The last nonces below 2^53: none solves a hard puzzle there, and the search says so instead of wrapping.
    expect(a.grindBlake3(POW_KEY_WORDS, c8, 40, 2 ** 53 - 20)).toBe(-1);
  });
});
