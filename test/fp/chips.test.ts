// The floating-point chips against the conformance vectors: the constraints accept the right row and reject every
// wrong result a cheating prover might claim; proofs over the vectors verify.
import { describe, expect, it } from 'vitest';
import { conformancePath, readConformanceText } from '../../runtime/conformance/vectors.ts';
import { checkChip, proveChip, rowProblems, wrongBf16Results } from '../../runtime/conformance/chip-proof.ts';
import { C, f32ToBf16Row } from '../../runtime/vm/chips/fp/f32-to-bf16.ts';
import { f32ToBf16 } from '../../runtime/fp/bf16.ts';
import { eqF32, leF32, ltF32 } from '../../runtime/fp/f32.ts';
import { CMP, f32CompareRow } from '../../runtime/vm/chips/fp/f32-compare.ts';
import { zpol } from '../helpers.ts';

describe('f32_to_bf16 chip', () => {
  it('its witness row computes the reference result on edge cases', () => {
    const cases = [0x00000000, 0x80000000, 0x3f808000, 0x3f818000, 0x3f808001, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0xffc00000, 0x00008000, 0x00018000, 0x0000ffff];
    for (const x of cases) expect(f32ToBf16Row(x)[C.out], x.toString(16)).toBe(f32ToBf16(x));
  });

  it('accepts every right row and rejects every wrong result in the shared vectors', () => {
    const text = readConformanceText('f32_to_bf16');
    const r = checkChip('f32_to_bf16', text);
    expect(r.failures).toEqual([]);
    expect(r.accepted).toBe(100_000);
    expect(r.rejectedWrong).toBe(100_000);
  });

  it('names the wrong results it tries: one ulp, the other sign, NaN for a number and a number for a NaN', () => {
    expect(wrongBf16Results(0x3f80)).toEqual(expect.arrayContaining([0x3f81, 0xbf80, 0x7fc0]));
    expect(wrongBf16Results(0x0000)).toContain(0x8000);
    expect(wrongBf16Results(0x7fc0)).toContain(0x3f80);
  });

  it('rejects a row that rounds a half-way case with an odd kept part down', () => {
    const row = f32ToBf16Row(0x3f818000);
    expect(rowProblems('f32_to_bf16', row)).toEqual([]);
    expect(row[C.roundUp]).toBe(1);
    const cheat = row.slice();
    cheat[C.roundUp] = 0;
    cheat[C.out] = row[C.hi]!;
    expect(rowProblems('f32_to_bf16', cheat)).toEqual(['round up when g and (sticky or odd)']);
    const nanForNumber = row.slice();
    nanForNumber[C.isNaN] = 1;
    nanForNumber[C.out] = 0x7fc0;
    expect(rowProblems('f32_to_bf16', nanForNumber)).toContain('NaN when e = 255 and the fraction is not 0');
  });

  it('proves a file of conversions in one STARK proof', () => {
    const text = readConformanceText('f32_to_bf16').split('\n').slice(0, 300).join('\n');
    const report = proveChip('f32_to_bf16', text);
    expect(report.ok).toBe(true);
    expect(report.operations).toBe(300);
    expect(report.conjecturedBits).toBeGreaterThanOrEqual(100);
  });

  it('zpol conformance ends with N passed, N failed and exits by it', () => {
    const ok = zpol(['conformance', 'f32_mul', conformancePath('f32_mul')]);
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('46464 passed, 0 failed');
  });
});

describe('f32 compare chip', () => {
  it('its row computes eq, lt and le on edge cases (signed zeros, infinities, NaNs, subnormals)', () => {
    const values = [0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x3f800001];
    for (const a of values) {
      for (const b of values) {
        const row = f32CompareRow(a, b);
        expect(rowProblems('f32_eq', row), `${a.toString(16)} ? ${b.toString(16)}`).toEqual([]);
        expect(row[CMP.eq]).toBe(eqF32(a, b) ? 1 : 0);
        expect(row[CMP.lt]).toBe(ltF32(a, b) ? 1 : 0);
        expect(row[CMP.le]).toBe(leF32(a, b) ? 1 : 0);
      }
    }
  });

  for (const op of ['f32_eq', 'f32_lt', 'f32_le'] as const) {
    it(`${op}: accepts every right row and rejects the flipped result in the shared vectors`, () => {
      const r = checkChip(op, readConformanceText(op));
      expect(r.failures).toEqual([]);
      expect(r.accepted).toBe(46_464);
      expect(r.rejectedWrong).toBe(46_464);
    });
  }

  it('proves a file of comparisons in one STARK proof', () => {
    const text = readConformanceText('f32_lt').split('\n').slice(0, 200).join('\n');
    const report = proveChip('f32_lt', text);
    expect(report.ok).toBe(true);
    expect(report.operations).toBe(200);
  });
});
