// The fused multiply-add against the BigInt exact-rational oracle: results and every flag, on random, edge-weighted
// and constructed operands (cancellation, subnormal results, overflow, exact ties, ties with a sticky bit).
import { describe, expect, it } from 'vitest';
import { addF32, F32_CANONICAL_NAN, fmaF32, mulF32 } from '../../runtime/fp/f32.ts';
import type { FlagSink } from '../../runtime/fp/f32.ts';
import { finiteIn, fmaOracle, operand, Rng } from './oracle.ts';

const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');

/** Checks one case; returns whether the exact result was a rounding tie. */
function check(a: number, b: number, c: number): boolean {
  const sink: FlagSink = { flags: 0 };
  const got = fmaF32(a, b, c, sink);
  const want = fmaOracle(a, b, c);
  if (got !== want.bits || sink.flags !== want.flags) {
    throw new Error(
      `fma(${hex(a)}, ${hex(b)}, ${hex(c)}) = ${hex(got)} flags ${sink.flags}; oracle ${hex(want.bits)} flags ${want.flags}`,
    );
  }
  return want.tie === true;
}

/** Finite f32 from sign, biased exponent and fraction. */
const f = (sign: number, exp: number, frac: number) => ((sign << 31) | (exp << 23) | frac) >>> 0;

describe('fma against the exact-rational oracle', () => {
  it('uniformly random bit patterns', () => {
    const r = new Rng(11);
    for (let i = 0; i < 60_000; i++) check(r.u32(), r.u32(), r.u32());
  });

  it('edge-weighted operands (specials, subnormals, extreme exponents)', () => {
    const r = new Rng(12);
    for (let i = 0; i < 100_000; i++) check(operand(r), operand(r), operand(r));
  });

  it('products and addends of comparable magnitude, near and at cancellation', () => {
    const r = new Rng(13);
    for (let i = 0; i < 100_000; i++) {
      const a = finiteIn(r, 90, 160);
      const b = finiteIn(r, 90, 160);
      const p = mulF32(a, b);
      // c = ±round(a*b) moved by a few ulps, or scaled by a small power of two.
      const delta = r.int(17) - 8;
      let c = ((p ^ (r.int(2) << 31)) + delta) >>> 0;
      if (r.int(4) === 0) c = (c + ((r.int(5) - 2) << 23)) >>> 0;
      if (((c >>> 23) & 0xff) === 0xff) continue;
      check(a, b, c);
    }
  });

  it('subnormal and underflowing results', () => {
    const r = new Rng(14);
    for (let i = 0; i < 100_000; i++) {
      const ea = r.int(127);
      const eb = Math.max(0, Math.min(254, 127 - ea + r.int(28) - 26));
      const c = r.int(3) === 0 ? r.int(2) << 31 : finiteIn(r, 0, r.int(2) ? 1 : 24);
      check(finiteIn(r, ea, ea), finiteIn(r, eb, eb), c);
    }
  });

  it('overflowing results and results near the largest finite value', () => {
    const r = new Rng(15);
    for (let i = 0; i < 50_000; i++) {
      const ea = 127 + r.int(128);
      const eb = Math.max(1, Math.min(254, 254 - ea + 127 + r.int(4) - 2));
      check(finiteIn(r, ea, ea), finiteIn(r, eb, eb), r.int(2) ? finiteIn(r, 250, 254) : finiteIn(r, 1, 254));
    }
  });

  it('exact ties and near-ties of the sum, in the normal and subnormal ranges', () => {
    const r = new Rng(16);
    let ties = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const odd = 2 * r.int(64) + 1; // (2j + 1), exactly representable
      const aExp = 127 + 31 - Math.clz32(odd); // exponent of odd as f32
      const a = f(r.int(2), aExp, ((odd << (23 - (31 - Math.clz32(odd)))) & 0x7fffff) >>> 0);
      const kind = r.int(3);
      if (kind === 0) {
        // c normal with ulp 2^(ec-150); a*b = (2j+1) * ulp/2 with b = 2^(ec-151), perhaps nudged for a sticky bit.
        const ec = 24 + r.int(200);
        const nudge = r.int(3) === 0 ? r.int(2) : 0;
        const b = f(r.int(2), ec - 151 + 127, nudge);
        check(a, b, f(r.int(2), ec, r.u32() & 0x7fffff)) && ties++;
      } else if (kind === 1) {
        // c subnormal or zero; a*b = (2j+1) * 2^-150 with a' = (2j+1)/2 and b = 2^-149.
        const aHalf = f(a >>> 31, aExp - 1, a & 0x7fffff);
        check(aHalf, f(r.int(2), 0, 1), f(r.int(2), 0, r.u32() & 0x7fffff)) && ties++;
      } else {
        // c = 0 and a product of two odd 13-bit integers with 25 significant bits: a tie on its own.
        const m1 = 4097 + 2 * r.int(2048);
        const m2 = 4097 + 2 * r.int(2048);
        const e = 1 + r.int(150);
        const x = f(r.int(2), e + 12, (m1 << 11) & 0x7fffff);
        const y = f(r.int(2), 127 + 12 - r.int(140), (m2 << 11) & 0x7fffff);
        check(x, y, r.int(2) << 31) && ties++;
      }
    }
    console.log(`fma tie cases: ${ties} exact ties in ${n} constructed cases`);
    expect(ties).toBeGreaterThan(n / 3);
  });

  it('bf16 operands with f32 accumulators (the GEMM MAC)', () => {
    const r = new Rng(17);
    for (let i = 0; i < 60_000; i++) {
      const a = (operand(r) & 0xffff0000) >>> 0;
      const b = (operand(r) & 0xffff0000) >>> 0;
      check(a, b, operand(r));
    }
  });
});

describe('fma special cases', () => {
  it('rounds once: differs from multiply-then-add', () => {
    const a = 0x3f800800; // 1 + 2^-12
    const c = 0xbf801000; // -(1 + 2^-11)
    expect(fmaF32(a, a, c)).toBe(0x33800000); // exactly 2^-24
    expect(addF32(mulF32(a, a), c)).toBe(0); // the product's tie rounds 2^-24 away
  });

  it('signed zeros', () => {
    expect(fmaF32(0x40000000, 0xbf800000, 0x40000000)).toBe(0); // 2 * -1 + 2 = +0
    expect(fmaF32(0xc0000000, 0x3f800000, 0x40000000)).toBe(0);
    expect(fmaF32(0x00000000, 0xbf800000, 0x80000000)).toBe(0x80000000); // -0 + -0 = -0
    expect(fmaF32(0x00000000, 0x3f800000, 0x80000000)).toBe(0); // +0 + -0 = +0
    expect(fmaF32(0x80000000, 0x80000000, 0x80000000)).toBe(0); // +0 + -0 = +0
    expect(fmaF32(0x00000000, 0x3f800000, 0x3f800000)).toBe(0x3f800000);
    const s: FlagSink = { flags: 0 };
    expect(fmaF32(0x00000001, 0x80000001, 0x00000000, s)).toBe(0x80000000); // -2^-298 + 0 underflows to -0
    expect(s.flags).toBe(2 | 1);
    s.flags = 0;
    expect(fmaF32(0x00000001, 0x80000001, 0x00000001, s)).toBe(0x00000001); // c - tiny rounds back to c
    expect(s.flags).toBe(2 | 1);
  });

  it('infinities and NaNs', () => {
    const s: FlagSink = { flags: 0 };
    expect(fmaF32(0x7f800000, 0x00000000, 0x7fc00000, s)).toBe(F32_CANONICAL_NAN); // inf * 0 + qNaN: invalid
    expect(s.flags).toBe(16);
    s.flags = 0;
    expect(fmaF32(0x7f800000, 0x3f800000, 0xff800000, s)).toBe(F32_CANONICAL_NAN); // inf - inf
    expect(s.flags).toBe(16);
    s.flags = 0;
    expect(fmaF32(0x7fc00000, 0x3f800000, 0x7f800001, s)).toBe(F32_CANONICAL_NAN); // sNaN addend
    expect(s.flags).toBe(16);
    s.flags = 0;
    expect(fmaF32(0x7fc12345, 0x3f800000, 0x3f800000, s)).toBe(F32_CANONICAL_NAN); // payloads are not kept
    expect(s.flags).toBe(0);
    expect(fmaF32(0xff800000, 0x3f800000, 0xff800000)).toBe(0xff800000);
    expect(fmaF32(0x3f800000, 0x3f800000, 0xff800000)).toBe(0xff800000);
    expect(fmaF32(0x7f7fffff, 0x7f7fffff, 0xff800000)).toBe(0xff800000); // finite overflowing product + inf
    expect(fmaF32(0x7f7fffff, 0x40000000, 0xff7fffff)).toBe(0x7f7fffff); // exact: 2M - M = M, no overflow
  });
});
