// binary32 add, sub, mul and comparisons against the host (Math.fround over exact-enough doubles) and against
// the BigInt oracle (results and flags), on seeded random and edge-weighted operands.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addF32,
  classifyF32,
  eqF32,
  F32_CANONICAL_NAN,
  leF32,
  ltF32,
  mulF32,
  normaliseF32,
  packF32,
  subF32,
  unpackF32,
} from '../../runtime/fp/f32.ts';
import type { FlagSink } from '../../runtime/fp/f32.ts';
import { addOracle, mulOracle, operand, Rng, SPECIALS } from './oracle.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value of a bit pattern, exactly, as a double. */
function value(bits: number): number {
  u32[0] = bits;
  return f32[0];
}

/** The binary32 nearest (RNE) to a double, as a bit pattern. */
function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

const isNaN32 = (x: number) => (x & 0x7fffffff) > 0x7f800000;
const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');

/** Host result: double arithmetic then one rounding to binary32. Double rounding is harmless for +, -, * since
 * 53 >= 2*24 + 2 (and * is exact in double). */
function hostCheck(name: string, ours: number, host: number, a: number, b: number): void {
  if (isNaN32(host)) {
    if (ours !== F32_CANONICAL_NAN) throw new Error(`${name}(${hex(a)}, ${hex(b)}) = ${hex(ours)}, expected canonical NaN`);
  } else if (ours !== host) {
    throw new Error(`${name}(${hex(a)}, ${hex(b)}) = ${hex(ours)}, host gives ${hex(host)}`);
  }
}

function hostCheckAddSubMul(a: number, b: number): void {
  const x = value(a);
  const y = value(b);
  hostCheck('add', addF32(a, b), bitsOf(x + y), a, b);
  hostCheck('sub', subF32(a, b), bitsOf(x - y), a, b);
  hostCheck('mul', mulF32(a, b), bitsOf(x * y), a, b);
}

describe('f32 add/sub/mul against the host', () => {
  const N = 300_000;

  it('add, sub and mul of uniformly random bit patterns', () => {
    const r = new Rng(1);
    for (let i = 0; i < N; i++) {
      const a = r.u32();
      const b = r.u32();
      hostCheckAddSubMul(a, b);
    }
  });

  it('add, sub and mul of edge-weighted operands', () => {
    const r = new Rng(2);
    for (let i = 0; i < N; i++) {
      const a = operand(r);
      // Half of the time b is near -a or a (cancellation, exponent differences of 0 and 1).
      const b = r.int(2) === 0 ? operand(r) : ((a ^ (r.int(2) << 31)) + r.int(9) - 4) >>> 0;
      hostCheckAddSubMul(a, b);
    }
  });

  it('add with exponent differences around the rounding position', () => {
    const r = new Rng(3);
    for (let i = 0; i < N; i++) {
      const ea = 1 + r.int(254);
      const eb = Math.max(0, ea - r.int(30));
      const a = ((r.int(2) << 31) | (ea << 23) | (r.u32() & 0x7fffff)) >>> 0;
      const b = ((r.int(2) << 31) | (eb << 23) | (r.int(2) ? r.u32() & 0x7fffff : (1 << r.int(23)) | r.int(2))) >>> 0;
      hostCheck('add', addF32(a, b), bitsOf(value(a) + value(b)), a, b);
    }
  });

  it('signed zeros: x + (-x) = +0, (-0) + (-0) = -0, (-0) - (+0) = -0', () => {
    expect(addF32(0x3f800000, 0xbf800000)).toBe(0);
    expect(addF32(0x00000001, 0x80000001)).toBe(0);
    expect(subF32(0x7f7fffff, 0x7f7fffff)).toBe(0);
    expect(addF32(0x80000000, 0x80000000)).toBe(0x80000000);
    expect(addF32(0x80000000, 0x00000000)).toBe(0);
    expect(subF32(0x80000000, 0x00000000)).toBe(0x80000000);
    expect(mulF32(0x80000000, 0x3f800000)).toBe(0x80000000);
    expect(mulF32(0x00000001, 0x80000001)).toBe(0x80000000); // underflows to -0
  });
});

describe('f32 add/mul flags against the BigInt oracle', () => {
  it('matches results and every flag on edge-weighted operands', () => {
    const r = new Rng(4);
    for (let i = 0; i < 60_000; i++) {
      const a = operand(r);
      const b = operand(r);
      for (const [name, fn, oracle] of [
        ['add', addF32, addOracle],
        ['mul', mulF32, mulOracle],
      ] as const) {
        const sink: FlagSink = { flags: 0 };
        const got = fn(a, b, sink);
        const want = oracle(a, b);
        if (got !== want.bits || sink.flags !== want.flags) {
          throw new Error(`${name}(${hex(a)}, ${hex(b)}) = ${hex(got)} flags ${sink.flags}, oracle ${hex(want.bits)} flags ${want.flags}`);
        }
      }
    }
  });

  it('raises overflow, underflow (after rounding) and invalid', () => {
    const s: FlagSink = { flags: 0 };
    expect(mulF32(0x7f7fffff, 0x40000000, s)).toBe(0x7f800000);
    expect(s.flags).toBe(4 | 1);
    s.flags = 0;
    // 2^-126 (1 - 2^-23) * (1 + 2^-23) = 2^-126 (1 - 2^-46) rounds to 2^-126 with an unbounded exponent: not tiny
    // after rounding, so inexact without underflow.
    expect(mulF32(0x007fffff, 0x3f800001, s)).toBe(0x00800000);
    expect(s.flags).toBe(1);
    s.flags = 0;
    // 2^-126 (1 - 2^-24) is exact with 24 bits, so it stays tiny; it is a tie in the subnormal grid: underflow.
    expect(mulF32(0x00800000, 0x3f7fffff, s)).toBe(0x00800000);
    expect(s.flags).toBe(2 | 1);
    s.flags = 0;
    expect(mulF32(0x00800001, 0x3f000000, s)).toBe(0x00400000); // tie to even, tiny and inexact
    expect(s.flags).toBe(2 | 1);
    s.flags = 0;
    expect(addF32(0x7f800000, 0xff800000, s)).toBe(F32_CANONICAL_NAN);
    expect(s.flags).toBe(16);
    s.flags = 0;
    expect(mulF32(0x7f800001, 0x3f800000, s)).toBe(F32_CANONICAL_NAN); // signalling NaN
    expect(s.flags).toBe(16);
    s.flags = 0;
    expect(mulF32(0x7fc00001, 0x3f800000, s)).toBe(F32_CANONICAL_NAN); // quiet NaN: no flag
    expect(s.flags).toBe(0);
    // Flags are sticky in the sink: they accumulate across calls.
    addF32(0x3f800000, 0x33800001, s);
    mulF32(0x7f7fffff, 0x7f7fffff, s);
    expect(s.flags).toBe(1 | 4);
  });
});

describe('f32 comparisons', () => {
  it('agree with the host on random and special operands', () => {
    const r = new Rng(5);
    const ops: number[] = [...SPECIALS];
    for (let i = 0; i < 200_000; i++) {
      const a = i < ops.length * ops.length ? ops[i % ops.length] : operand(r);
      const b = i < ops.length * ops.length ? ops[Math.floor(i / ops.length)] : r.int(4) === 0 ? a : operand(r);
      const x = value(a);
      const y = value(b);
      if (eqF32(a, b) !== (x === y) || ltF32(a, b) !== x < y || leF32(a, b) !== x <= y) {
        throw new Error(`compare(${hex(a)}, ${hex(b)})`);
      }
    }
  });

  it('treat -0 and +0 as equal and NaN as unordered, with IEEE flags', () => {
    expect(eqF32(0x80000000, 0)).toBe(true);
    expect(ltF32(0x80000000, 0)).toBe(false);
    expect(leF32(0x80000000, 0)).toBe(true);
    const s: FlagSink = { flags: 0 };
    expect(eqF32(0x7fc00000, 0x7fc00000, s)).toBe(false);
    expect(s.flags).toBe(0); // quiet equality
    expect(eqF32(0x7f800001, 0, s)).toBe(false);
    expect(s.flags).toBe(16);
    s.flags = 0;
    expect(ltF32(0x7fc00000, 0, s)).toBe(false);
    expect(s.flags).toBe(16); // signalling less-than
    s.flags = 0;
    expect(leF32(0, 0xffc00000, s)).toBe(false);
    expect(s.flags).toBe(16);
  });
});

describe('decomposition helpers', () => {
  it('unpack and pack are inverse, with the hidden bit in sig', () => {
    const r = new Rng(6);
    for (let i = 0; i < 10_000; i++) {
      const x = operand(r);
      const u = unpackF32(x);
      expect(packF32(u.sign, u.exp, u.frac)).toBe(x);
      expect(u.sig).toBe(u.exp === 0 ? u.frac : u.frac + 0x800000);
    }
    expect(unpackF32(0xbf800000)).toEqual({ sign: 1, exp: 127, frac: 0, sig: 0x800000 });
  });

  it('normalises subnormals to a 24-bit significand', () => {
    expect(normaliseF32(0x00000001)).toEqual({ sign: 0, m: 0x800000, e: -172 });
    expect(normaliseF32(0x3f800000)).toEqual({ sign: 0, m: 0x800000, e: -23 });
    const r = new Rng(7);
    for (let i = 0; i < 10_000; i++) {
      const x = operand(r) & 0x7fffffff;
      if (x === 0 || x >= 0x7f800000) continue;
      const { m, e } = normaliseF32(x);
      expect(m >= 0x800000 && m < 0x1000000).toBe(true);
      expect(m * 2 ** e).toBe(value(x));
    }
  });

  it('classifies', () => {
    expect([0, 1, 0x00800000, 0x7f800000, 0x7fc00000, 0x7f800001].map(classifyF32)).toEqual([
      'zero',
      'subnormal',
      'normal',
      'infinite',
      'quietNaN',
      'signalingNaN',
    ]);
  });

  it('f32.ts never uses host floating-point types or rounding', () => {
    const src = readFileSync(new URL('../../runtime/fp/f32.ts', import.meta.url), 'utf8').replace(/\/\/.*$/gm, '');
    expect(src).not.toMatch(/fround|Float32Array|Float64Array|DataView|Math\.(round|trunc|ceil|sqrt|pow)/);
  });
});
