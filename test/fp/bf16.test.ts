// BF16 conversions (ties, subnormals, overflow, NaN), the BF16 MAC, dot products in both accumulation orders, and
// the throughput of the MAC the GEMM checks will run.
import { describe, expect, it } from 'vitest';
import {
  BF16_CANONICAL_NAN,
  bf16Dot,
  bf16Mac,
  bf16ToF32,
  blocked,
  f32ToBf16,
  isNaNBf16,
  SEQUENTIAL,
  unpackBf16,
} from '../../runtime/fp/bf16.ts';
import { addF32, fmaF32, mulF32 } from '../../runtime/fp/f32.ts';
import type { FlagSink } from '../../runtime/fp/f32.ts';
import { fmaOracle, operand, Rng, roundToF32 } from './oracle.ts';

const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');

/**
 * f32 to bf16 by the BigInt oracle: round the exact value to 8 significant bits at bf16's quantum (binary32's
 * exponent range, so the subnormal quantum is 2^-133), RNE; the rounded value is exact in binary32 (or overflows
 * to infinity there too), and its top half is the bf16 pattern.
 */
function toBf16Oracle(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return BF16_CANONICAL_NAN;
  if ((x & 0x7fffffff) === 0x7f800000 || (x & 0x7fffffff) === 0) return x >>> 16;
  const exp = (x >>> 23) & 0xff;
  const m = BigInt(exp === 0 ? x & 0x7fffff : (x & 0x7fffff) | 0x800000);
  const e = exp === 0 ? -149 : exp - 150;
  const top = m.toString(2).length - 1 + e;
  const q = Math.max(top - 7, -133);
  const sh = BigInt(q - e);
  let r = m >> sh;
  const rem = m - (r << sh);
  const half = 1n << (sh - 1n);
  if (rem > half || (rem === half && (r & 1n) === 1n)) r += 1n;
  if (r === 0n) return (x >>> 31) << 15;
  const back = roundToF32(x >>> 31, r, q);
  if ((back.flags & 1) !== 0 && (back.bits & 0x7fffffff) !== 0x7f800000) throw new Error('oracle: not exact');
  return back.bits >>> 16;
}

describe('bf16 conversions', () => {
  it('bf16ToF32 is the exact shift by 16', () => {
    expect(bf16ToF32(0x3f80)).toBe(0x3f800000);
    expect(bf16ToF32(0xbf80)).toBe(0xbf800000);
    expect(bf16ToF32(0x0001)).toBe(0x00010000);
    expect(bf16ToF32(0xff81)).toBe(0xff810000);
  });

  it('f32ToBf16 rounds ties to even, including carries into the exponent and to infinity', () => {
    const r = new Rng(21);
    for (let i = 0; i < 50_000; i++) {
      const h = r.u32() & 0xffff;
      if ((h & 0x7f80) === 0x7f80) continue;
      const x = (h << 16) >>> 0;
      const up = (h & 1) === 1; // a tie rounds up exactly when the kept part is odd
      const got = [f32ToBf16((x | 0x8000) >>> 0), f32ToBf16((x | 0x8001) >>> 0), f32ToBf16((x | 0x7fff) >>> 0), f32ToBf16(x)];
      const want = [up ? h + 1 : h, h + 1, h, h];
      if (got.some((g, j) => g !== want[j])) expect(got, `ties around ${h.toString(16)}`).toEqual(want);
    }
    expect(f32ToBf16(0x3f808000)).toBe(0x3f80); // 1 + 2^-8: tie, even stays
    expect(f32ToBf16(0x3f818000)).toBe(0x3f82); // odd goes up
    expect(f32ToBf16(0x3fff8000)).toBe(0x4000); // carry into the exponent
    expect(f32ToBf16(0x7f7f8000)).toBe(0x7f80); // overflow to +inf
    expect(f32ToBf16(0xff7f7fff)).toBe(0xff7f); // largest finite stays
    expect(f32ToBf16(0x007f8000)).toBe(0x0080); // subnormal tie carries to the smallest normal
    expect(f32ToBf16(0x00008000)).toBe(0x0000); // the smallest subnormal tie goes to +0
    expect(f32ToBf16(0x80018000)).toBe(0x8002); // negative subnormal tie, odd goes up
  });

  it('f32ToBf16 agrees with the rounding oracle on edge-weighted operands', () => {
    const r = new Rng(22);
    for (let i = 0; i < 100_000; i++) {
      const x = operand(r);
      const got = f32ToBf16(x);
      const want = toBf16Oracle(x);
      if (got !== want) throw new Error(`f32ToBf16(${hex(x)}) = ${got.toString(16)}, oracle ${want.toString(16)}`);
    }
  });

  it('every NaN becomes the canonical bf16 NaN; signalling ones raise invalid', () => {
    const s: FlagSink = { flags: 0 };
    expect(f32ToBf16(0xffc12345, s)).toBe(BF16_CANONICAL_NAN);
    expect(s.flags).toBe(0);
    expect(f32ToBf16(0x7f800001, s)).toBe(BF16_CANONICAL_NAN); // payload only in the dropped bits
    expect(s.flags).toBe(16);
    expect(isNaNBf16(0x7fc0)).toBe(true);
    expect(isNaNBf16(0x7f80)).toBe(false);
    expect(f32ToBf16(0x7f800000)).toBe(0x7f80);
    expect(f32ToBf16(0x80000000)).toBe(0x8000);
  });

  it('raises inexact, overflow and underflow (tininess after rounding)', () => {
    const flags = (x: number) => {
      const s: FlagSink = { flags: 0 };
      f32ToBf16(x, s);
      return s.flags;
    };
    expect(flags(0x3f800000)).toBe(0);
    expect(flags(0x3f800001)).toBe(1);
    expect(flags(0x7f7fffff)).toBe(1 | 4);
    expect(flags(0x00010001)).toBe(1 | 2);
    expect(flags(0x007fc000)).toBe(1); // rounds to 2^-126 with unbounded exponent: not tiny
    expect(flags(0x007fbfff)).toBe(1 | 2);
    expect(flags(0x00010000)).toBe(0); // exact subnormal
  });

  it('unpacks bf16 fields', () => {
    expect(unpackBf16(0xbf81)).toEqual({ sign: 1, exp: 127, frac: 1, sig: 0x81 });
    expect(unpackBf16(0x0001)).toEqual({ sign: 0, exp: 0, frac: 1, sig: 1 });
  });
});

describe('bf16 MAC and dot products', () => {
  it('the MAC is fma on widened operands', () => {
    const r = new Rng(23);
    for (let i = 0; i < 20_000; i++) {
      const a = r.u32() & 0xffff;
      const b = r.u32() & 0xffff;
      const c = operand(r);
      const want = fmaOracle((a << 16) >>> 0, (b << 16) >>> 0, c).bits;
      expect(bf16Mac(a, b, c)).toBe(want);
    }
  });

  /** Well-scaled bf16 values, as in trained networks: |x| roughly in [2^-10, 2^2]. */
  function vector(r: Rng, n: number): number[] {
    return Array.from({ length: n }, () => ((r.int(2) << 15) | ((117 + r.int(13)) << 7) | r.int(128)) >>> 0);
  }

  function sequentialReference(a: number[], b: number[], lo = 0, hi = a.length): number {
    let acc = 0;
    for (let k = lo; k < hi; k++) acc = fmaF32(bf16ToF32(a[k]), bf16ToF32(b[k]), acc);
    return acc;
  }

  it('sequential order: acc = +0; acc = fma(a_k, b_k, acc); out = f32ToBf16(acc)', () => {
    const r = new Rng(24);
    for (const n of [0, 1, 2, 5, 64, 300]) {
      const a = vector(r, n);
      const b = vector(r, n);
      const acc = sequentialReference(a, b);
      expect(bf16Dot(a, b)).toEqual({ acc, out: f32ToBf16(acc) });
      expect(bf16Dot(new Uint16Array(a), new Uint16Array(b), SEQUENTIAL)).toEqual({ acc, out: f32ToBf16(acc) });
    }
    expect(bf16Dot([], [])).toEqual({ acc: 0, out: 0 });
    expect(bf16Dot([0x3f80, 0x4000], [0x3f80, 0x3f80])).toEqual({ acc: 0x40400000, out: 0x4040 });
  });

  it('blocked(B) order: partials from +0, then acc = p_0, acc = add(acc, p_j)', () => {
    const r = new Rng(25);
    let differs = 0;
    for (const n of [1, 7, 16, 33, 100, 257, 1024]) {
      for (const w of [1, 4, 16, 32, 64, 1024]) {
        const a = vector(r, n);
        const b = vector(r, n);
        let acc = sequentialReference(a, b, 0, Math.min(w, n));
        for (let lo = w; lo < n; lo += w) acc = addF32(acc, sequentialReference(a, b, lo, Math.min(lo + w, n)));
        const got = bf16Dot(a, b, blocked(w));
        expect(got).toEqual({ acc, out: f32ToBf16(acc) });
        if (w >= n) expect(got).toEqual(bf16Dot(a, b));
        else if (got.acc !== bf16Dot(a, b).acc) differs++;
      }
    }
    // The order is observable: blocking changes the rounded sum on most long vectors.
    expect(differs).toBeGreaterThan(5);
  });

  it('blocked(1) is multiply-then-add: bf16 products are exact in f32 unless they leave the normal range', () => {
    const r = new Rng(26);
    const a = vector(r, 512);
    const b = vector(r, 512);
    let acc = 0;
    for (let k = 0; k < a.length; k++) acc = addF32(acc, mulF32(bf16ToF32(a[k]), bf16ToF32(b[k])));
    expect(bf16Dot(a, b, blocked(1)).acc).toBe(acc);
    expect(bf16Dot(a, b).acc).toBe(acc);
  });

  it('rejects mismatched lengths and bad block widths', () => {
    expect(() => bf16Dot([1], [1, 2])).toThrow(RangeError);
    expect(() => blocked(0)).toThrow(RangeError);
    expect(() => blocked(1.5)).toThrow(RangeError);
  });
});
