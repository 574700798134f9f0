// How numbers read in reports and messages (formatNumber: plain below 1e6 and from 1e-4 up, else normalised
// scientific with every digit kept; fractions of such numbers), in eval reports (formatExact: an approximation
// after a fraction) and in JSON (exactNumber, numberReport: the exact decimal string, the unit apart).
import { describe, expect, it } from 'vitest';
import { exactNumber, formatNumber, numberReport } from '../language/checker/values.ts';
import { formatExact } from '../compiler/values.ts';

describe('formatNumber', () => {
  it.each([
    [5568n, 1n, '5568'],
    [999_999n, 1n, '999999'],
    [-12n, 1n, '-12'],
    [0n, 1n, '0'],
    [1_000_000n, 1n, '1e6'],
    [1_234_567n, 1n, '1.234567e6'],
    [8_277_039_513_600_000_000_000_000n, 1n, '8.2770395136e24'],
    [25_272n * 10n ** 20n, 1n, '2.5272e24'],
    [1_000_224_000_000n, 1n, '1.000224e12'],
    [-(10n ** 13n), 1n, '-1e13'],
    [3n, 10n, '0.3'],
    [247n, 2n, '123.5'],
    [1n, 10_000n, '0.0001'],
    [1n, 100_000n, '1e-5'],
    [1n, 10n ** 20n, '1e-20'],
    [3_000_001n, 2n, '1.5000005e6'],
    [1n, 3n, '1/3'],
    [-1n, 3n, '-1/3'],
    [10n ** 25n, 3n, '1e25/3'],
  ])('%s/%s is %s', (n, d, text) => {
    expect(formatNumber(n, d)).toBe(text);
  });

  it('keeps every digit: the text reads back as the same number', () => {
    for (const n of [8_277_039_513_600_000_000_000_000n, 2n ** 112n, 123_456_789_012_345n]) {
      const [mantissa, exponent] = formatNumber(n, 1n).split('e');
      const [whole, fraction = ''] = mantissa!.split('.');
      expect(BigInt(whole! + fraction) * 10n ** BigInt(Number(exponent) - fraction.length)).toBe(n);
    }
  });
});

describe('reports', () => {
  it('eval adds an approximation to a fraction only', () => {
    expect(formatExact(1n, 3n)).toBe('1/3 (~0.3333)');
    expect(formatExact(8_277_039_513_600_000_000_000_000n, 1n)).toBe('8.2770395136e24');
  });

  it('JSON carries the exact decimal string and the unit apart', () => {
    expect(exactNumber(8_277_039_513_600_000_000_000_000n, 1n)).toBe('8277039513600000000000000');
    expect(exactNumber(1n, 10n ** 20n)).toBe('0.00000000000000000001');
    expect(exactNumber(1n, 3n)).toBe('1/3');
    expect(numberReport(25_272n * 10n ** 20n, 1n, 'FLOP')).toEqual({ value: '2527200000000000000000000', unit: 'FLOP' });
  });
});
