// Fiat-Shamir transcript: determinism, sensitivity to every framing choice, challenge ranges, and grinding.
import { blake3 } from '@noble/hashes/blake3.js';
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { checkPow, grind } from '../../runtime/proof/pow.ts';
import { tsBackend } from '../../runtime/proof/backends/ts.ts';

const ROOT = new Uint8Array(32).map((_, i) => i);

/** A short protocol run; `variant` lets a test change one step. */
function run(steps: (t: Transcript) => void, protocol = 'zpol test v1'): number[] {
  const t = new Transcript(protocol);
  steps(t);
  return Array.from(t.challengeFields('alpha', 4));
}

const base = (t: Transcript) => {
  t.absorbU64('height', 1024);
  t.absorbDigest('trace root', ROOT);
  t.absorbFields('public inputs', [1, 2, 3]);
};

describe('transcript', () => {
  it('is deterministic', () => {
    expect(run(base)).toEqual(run(base));
    const a = new Transcript('p');
    const b = new Transcript('p');
    expect(a.digest()).toEqual(b.digest());
    expect(a.challengeExt('z')).toEqual(b.challengeExt('z'));
  });

  it('changes when the protocol name, a label, the order, a value or the type of an item changes', () => {
    const reference = run(base);
    const variants: [string, (t: Transcript) => void, string?][] = [
      ['protocol', base, 'zpol test v2'],
      ['label', (t) => {
        t.absorbU64('height', 1024);
        t.absorbDigest('trace-root', ROOT);
        t.absorbFields('public inputs', [1, 2, 3]);
      }],
      ['order', (t) => {
        t.absorbDigest('trace root', ROOT);
        t.absorbU64('height', 1024);
        t.absorbFields('public inputs', [1, 2, 3]);
      }],
      ['value', (t) => {
        t.absorbU64('height', 1024);
        t.absorbDigest('trace root', ROOT);
        t.absorbFields('public inputs', [1, 2, 4]);
      }],
      ['split', (t) => {
        t.absorbU64('height', 1024);
        t.absorbDigest('trace root', ROOT);
        t.absorbFields('public inputs', [1, 2]);
        t.absorbFields('public inputs', [3]);
      }],
      ['type', (t) => {
        t.absorbU64('height', 1024);
        t.absorbBytes('trace root', ROOT);
        t.absorbFields('public inputs', [1, 2, 3]);
      }],
      ['missing item', (t) => {
        t.absorbDigest('trace root', ROOT);
        t.absorbFields('public inputs', [1, 2, 3]);
      }],
      ['interleaved challenge', (t) => {
        t.absorbU64('height', 1024);
        t.challengeField('beta');
        t.absorbDigest('trace root', ROOT);
        t.absorbFields('public inputs', [1, 2, 3]);
      }],
    ];
    const seen = new Set([reference.join()]);
    for (const [name, steps, protocol] of variants) {
      const c = run(steps, protocol);
      expect(c, name).not.toEqual(reference);
      seen.add(c.join());
    }
    expect(seen.size).toBe(variants.length + 1);
    // Field encoding vs the same bytes absorbed raw:
    const a = new Transcript('p');
    a.absorbFields('x', [7]);
    const b = new Transcript('p');
    b.absorbBytes('x', F.encode(7));
    expect(a.digest()).not.toEqual(b.digest());
  });

  it('a challenge depends on its label and count, and consecutive challenges differ', () => {
    const t = new Transcript('p');
    const c1 = t.challengeField('a');
    const c2 = t.challengeField('a');
    expect(c1).not.toBe(c2);
    const u = new Transcript('p');
    expect(u.challengeField('b')).not.toBe(c1);
    const v = new Transcript('p');
    const w = new Transcript('p');
    expect(Array.from(v.challengeFields('a', 2))).not.toEqual(Array.from(w.challengeFields('a', 3)).slice(0, 2));
  });

  it('clone forks an identical, independent transcript', () => {
    const t = new Transcript('p');
    base(t);
    const c = t.clone();
    expect(c.challengeField('x')).toBe(t.challengeField('x'));
    c.absorbField('only in c', 1);
    expect(c.digest()).not.toEqual(t.digest());
  });

  it('draws canonical base and extension challenges, many at once', () => {
    const t = new Transcript('p');
    const xs = t.challengeFields('many', 5000);
    expect(xs.every((x) => x < F.P)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(4990);
    // Rough uniformity: the mean of 5000 uniform draws lies within a few standard deviations of p/2.
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - F.P / 2)).toBeLessThan((5 * F.P) / Math.sqrt(12 * xs.length));
    const es = t.challengeExts('ext', 100);
    expect(es).toHaveLength(100);
    for (const e of es) for (const c of e) expect(F.isCanonical(c)).toBe(true);
    expect(E.isBase(t.challengeExt('one'))).toBe(false);
    expect(t.challengeBytes('bytes', 100)).toHaveLength(100);
  });

  it('draws query indices in [0, n) for powers of two and other sizes', () => {
    const t = new Transcript('p');
    for (const n of [1, 2, 3, 1000, 2 ** 20, 2 ** 31 + 1, 2 ** 32]) {
      const idx = t.challengeIndices('q', 200, n);
      expect(idx).toHaveLength(200);
      for (const i of idx) {
        expect(Number.isInteger(i)).toBe(true);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(n);
      }
      if (n === 3) expect(new Set(idx).size).toBe(3);
    }
    expect(t.challengeIndices('q', 5, 1)).toEqual([0, 0, 0, 0, 0]);
    expect(() => t.challengeIndices('q', 1, 0)).toThrow(RangeError);
    expect(() => t.challengeIndices('q', 1, 2 ** 32 + 1)).toThrow(RangeError);
  });

  it('rejects bad input to absorb', () => {
    const t = new Transcript('p');
    expect(() => t.absorbField('x', F.P)).toThrow(RangeError);
    expect(() => t.absorbDigest('x', new Uint8Array(31))).toThrow(RangeError);
    expect(() => t.absorbU64('x', -1)).toThrow(RangeError);
    expect(() => t.absorbExt('x', [0, 0, F.P, 0])).toThrow(RangeError);
    expect(() => t.absorbBytes('', new Uint8Array(1))).toThrow(TypeError);
    expect(() => new Transcript('')).toThrow(TypeError);
  });

  it('matches its documented construction (keyed BLAKE3 chain, framed items)', () => {
    const t = new Transcript('proto');
    const s0 = blake3(new TextEncoder().encode('proto'), { context: new TextEncoder().encode('zpol 2025-11-24 fiat-shamir transcript v1') });
    expect(t.digest()).toEqual(s0);
    t.absorbBytes('ab', Uint8Array.of(9, 8));
    const frame = Uint8Array.of(1, 1, 2, 0, 0, 0, 0x61, 0x62, 2, 0, 0, 0, 0, 0, 0, 0, 9, 8);
    const s1 = blake3(frame, { key: s0 });
    expect(t.digest()).toEqual(s1);
    const bytes = t.challengeBytes('c', 4);
    const xof = blake3.create({ key: s1 }).update(Uint8Array.of(2, 1, 1, 0, 0, 0, 0x63, 4, 0, 0, 0)).xof(36);
    expect(t.digest()).toEqual(xof.subarray(0, 32));
    expect(bytes).toEqual(xof.subarray(32, 36));
  });
});

describe('proof-of-work grinding', () => {
  it('the prover finds a nonce the verifier accepts, and both transcripts continue identically', () => {
    const prover = new Transcript('p');
    base(prover);
    const verifier = prover.clone();
    const nonce = prover.grind(10);
    expect(verifier.checkGrind(10, nonce)).toBe(true);
    expect(verifier.digest()).toEqual(prover.digest());
    expect(verifier.challengeIndices('queries', 10, 1024)).toEqual(prover.challengeIndices('queries', 10, 1024));
  });

  it('rejects a wrong nonce and leaves the transcript unchanged', () => {
    const t = new Transcript('p');
    const challenge = t.digest();
    const nonce = grind(challenge, 12);
    let wrong = nonce + 1;
    while (checkPow(challenge, 12, wrong)) wrong++;
    const before = t.digest();
    expect(t.checkGrind(12, wrong)).toBe(false);
    expect(t.digest()).toEqual(before);
    for (const bad of [-1, 0.5, Number.NaN, 2 ** 53]) expect(t.checkGrind(12, bad)).toBe(false);
    // Every nonce below the least solution fails.
    for (let n = 0; n < nonce; n++) expect(checkPow(challenge, 12, n)).toBe(false);
    expect(t.checkGrind(12, nonce)).toBe(true);
  });

  it('the nonce changes later challenges, and a nonce for one state does not transfer to another', () => {
    const a = new Transcript('p');
    const b = a.clone();
    const n = a.grind(6);
    b.absorbBytes('other', Uint8Array.of(1));
    const c = b.clone();
    const m = grind(c.digest(), 6);
    expect(c.checkGrind(6, m)).toBe(true);
    expect(a.challengeField('x')).not.toBe(c.challengeField('x'));
    expect(typeof n).toBe('number');
  });

  it('difficulty 0 accepts nonce 0; the definition is the leading zeros of the keyed-BLAKE3 digest as a LE u64', () => {
    const challenge = new Uint8Array(32).fill(3);
    expect(grind(challenge, 0)).toBe(0);
    const nonce = grind(challenge, 8);
    expect(checkPow(challenge, 8, nonce)).toBe(true);
    expect(tsBackend.grind(challenge, 8)).toBe(nonce);
    // Independently: the digest's byte 7 (the top byte of the LE u64) is zero for 8 bits.
    const key = blake3(new Uint8Array(0), { context: new TextEncoder().encode('zpol 2025-11-24 proof of work v1') });
    const msg = new Uint8Array(44);
    msg.set(challenge);
    msg.set([8, 0, 0, 0], 32);
    msg.set([nonce & 0xff, (nonce >>> 8) & 0xff, (nonce >>> 16) & 0xff, nonce >>> 24], 36);
    expect(blake3(msg, { key })[7]).toBe(0);
    expect(() => checkPow(challenge, 65, 0)).toThrow(RangeError);
    expect(() => grind(new Uint8Array(31), 1)).toThrow(RangeError);
  });

  it('grinding uses a supplied solver and refuses a wrong answer from it', () => {
    const t = new Transcript('p');
    const nonce = t.clone().grind(4, { grind: (c, bits) => tsBackend.grind(c, bits) });
    expect(t.clone().grind(4)).toBe(nonce);
    expect(() => t.clone().grind(16, { grind: () => 0 })).toThrow(/does not solve/);
  });
});
