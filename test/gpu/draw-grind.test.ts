// A draw's proof of work (runtime/run/sampling.ts grind) searched natively (gpu/native/grind.cc
// grind_poseidon2_lanes) against the TypeScript reference search (sampling.ts leastNonce): the same least nonce
// over the nonce's two slots (nonce mod 2^30, ⌊nonce / 2^30⌋, so across 2^30), with the work on one lane or two;
// grind hands work past 30 bits to the backend's search and refuses a wrong answer from it; malformed arguments are
// refused. Real work past 30 bits needs element 0 of the digest to be zero (about 2^31 permutations), too slow for a
// test: two-lane searches run on easy thresholds instead, which exercise the same lane-by-lane condition.
import { describe, expect, it } from 'vitest';
import { cpuBackend, nativeAddon } from '../../gpu/index.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import type { PowSolver } from '../../runtime/proof/pow.ts';
import { drawPuzzle, grind, leastNonce, powHolds, powThresholds } from '../../runtime/run/sampling.ts';
import type { Word } from '../../runtime/vm/word.ts';

const built = nativeAddon() !== null;

function seedOf(k: number): Word {
  let s = k;
  return Array.from({ length: 8 }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P);
}

describe.skipIf(!built)('a draw’s proof of work, natively', () => {
  const a = nativeAddon()!;
  const cpu = cpuBackend()!;
  const native = (seed: Word, thresholds: number[], start: number) => a.grindPoseidon2Lanes!(drawPuzzle(seed), Uint32Array.from(thresholds), start);

  it('finds the reference’s least nonce for one lane of work, from zero and across the 2^30 split of the nonce', () => {
    for (let k = 1; k <= 3; k++) {
      const seed = seedOf(k);
      for (const bits of [1, 4, 9]) {
        const t = powThresholds(bits);
        expect(native(seed, t, 0)).toBe(leastNonce(seed, t).nonce);
        expect(grind(seed, bits, 0, cpu)).toEqual(grind(seed, bits));
        // From just below 2^30, solution after solution until one lies past it (the nonce's second slot 1).
        for (let start = 2 ** 30 - 3 * k; start <= 2 ** 30; ) {
          const ref = leastNonce(seed, t, start);
          expect(native(seed, t, start)).toBe(ref.nonce);
          expect(grind(seed, bits, start, cpu)).toEqual(ref);
          start = ref.nonce + 1;
        }
      }
    }
    // Far past 2^30 (slot 2 in the thousands).
    const seed = seedOf(9);
    const t = powThresholds(6);
    expect(native(seed, t, 2 ** 42 + 5)).toBe(leastNonce(seed, t, 2 ** 42 + 5).nonce);
  });

  it('checks every lane of the work, as the reference does', () => {
    for (let k = 1; k <= 3; k++) {
      const seed = seedOf(10 + k);
      for (const t of [[P >>> 2, P >>> 3], [P >>> 1, P >>> 1, P >>> 2], [P, P >>> 5], [P >>> 3, P, P, P >>> 2]]) {
        for (const start of [0, 2 ** 30 - 20]) {
          const ref = leastNonce(seed, t, start);
          expect(native(seed, t, start)).toBe(ref.nonce);
          // The answer is not the first lane's alone: where it differs, a search of lane 0 only stops earlier.
          expect(native(seed, t.slice(0, 1), start)).toBe(leastNonce(seed, t.slice(0, 1), start).nonce);
        }
      }
    }
  });

  it('hands work past 30 bits to the backend with its two thresholds, and refuses a nonce that does not carry it', () => {
    const seed = seedOf(21);
    const asked: { thresholds: readonly number[]; start: number }[] = [];
    // A solver answering with the reference's least nonce for thresholds it can reach cheaply: grind must pass the
    // work's thresholds through, then check the answer against the real work (which this nonce does not carry).
    const solver: PowSolver = {
      grind: () => 0,
      grindPoseidon2Lanes: (challenge, thresholds, start) => {
        expect(Array.from(challenge)).toEqual(Array.from(drawPuzzle(seed)));
        asked.push({ thresholds, start });
        return leastNonce(seed, [P >>> 3], start).nonce;
      },
    };
    expect(() => grind(seed, 34, 0, solver)).toThrow(/does not carry 34 bits of work/);
    expect(asked).toEqual([{ thresholds: [Math.floor(P / 2 ** 30), Math.floor(P / 2 ** 4)], start: 0 }]);
    expect(powThresholds(34)).toEqual([1, Math.floor(P / 16)]);
    // A good answer passes through unchanged, with its digest.
    const honest: PowSolver = { grind: () => 0, grindPoseidon2Lanes: (_c, t, s) => leastNonce(seed, t, s).nonce };
    const work = grind(seed, 7, 2 ** 30, honest);
    expect(work).toEqual(grind(seed, 7, 2 ** 30));
    expect(powHolds(work.digest, 7)).toBe(true);
  });

  it('refuses malformed arguments with an error, not a crash', () => {
    const c = drawPuzzle(seedOf(1));
    const t = Uint32Array.of(P >>> 2);
    expect(() => a.grindPoseidon2Lanes!(c.subarray(0, 15), t, 0)).toThrow(/16 canonical/);
    const bad = c.slice();
    bad[2] = P;
    expect(() => a.grindPoseidon2Lanes!(bad, t, 0)).toThrow(/canonical/);
    expect(() => a.grindPoseidon2Lanes!(c, new Uint32Array(0), 0)).toThrow(/1 to 8 thresholds/);
    expect(() => a.grindPoseidon2Lanes!(c, new Uint32Array(9).fill(P), 0)).toThrow(/1 to 8 thresholds/);
    expect(() => a.grindPoseidon2Lanes!(c, Uint32Array.of(P + 1), 0)).toThrow(/at most p/);
    expect(() => a.grindPoseidon2Lanes!(c, t, -1)).toThrow(/start/);
    expect(() => a.grindPoseidon2Lanes!(c, t, 0.5)).toThrow(/start/);
    expect(() => a.grindPoseidon2Lanes!(c, t, 2 ** 53)).toThrow(/start/);
    // Nothing below 2^53 from the last few nonces: -1, and the backend's wrapper says so.
    expect(a.grindPoseidon2Lanes!(c, Uint32Array.of(1, 1), 2 ** 53 - 8)).toBe(-1);
    expect(() => cpu.grindPoseidon2Lanes!(c, [1, 1], 2 ** 53 - 8)).toThrow(/no nonce below 2\^53/);
    // An end (a checkpointed search's range) is whole, past start and at most 2^53.
    expect(() => a.grindPoseidon2Lanes!(c, t, 5, 5)).toThrow(/end/);
    expect(() => a.grindPoseidon2Lanes!(c, t, 0, 2.5)).toThrow(/end/);
    expect(() => a.grindPoseidon2Lanes!(c, t, 0, 2 ** 53 + 2)).toThrow(/end/);
  });

  it('searches [start, end) only when given an end: -1 when no nonce there carries the work', () => {
    const seed = seedOf(4);
    const t = powThresholds(12);
    const least = leastNonce(seed, t).nonce;
    expect(least).toBeGreaterThan(1);
    expect(a.grindPoseidon2Lanes!(drawPuzzle(seed), Uint32Array.from(t), 0, least)).toBe(-1);
    expect(a.grindPoseidon2Lanes!(drawPuzzle(seed), Uint32Array.from(t), 0, least + 1)).toBe(least);
    expect(cpu.grindPoseidon2Lanes!(drawPuzzle(seed), t, 0, least)).toBe(-1);
    expect(cpu.grindPoseidon2Lanes!(drawPuzzle(seed), t, least, least + 1)).toBe(least);
  });
});
