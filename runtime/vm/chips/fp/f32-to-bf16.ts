/**
 * The f32 → bf16 conversion chip: one row per conversion, round to nearest even, every NaN to the canonical
 * quiet NaN 0x7FC0 (docs/fp.md).
 *
 * The operand x = hi·2^16 + lo is split as
 *     hi = s·2^15 + e·2^7 + 2·m + b0      (sign, 8-bit exponent, the 7 stored fraction bits as 6 + 1)
 *     lo = g·2^15 + r                      (guard bit, then the 15 bits below it)
 * with s, b0, g boolean and e, m, r range-checked: a k-bit value v sends both v and v·2^(16−k) to the 16-bit table
 * (e and e·2^8, m and m·2^10, r and 2r). Both are needed: v < 2^16 alone allows 2^16 values, and v·2^(16−k) < 2^16
 * alone allows, besides the k-bit integers, the 2^16 − 2^k field elements x·2^−(16−k) for x not a multiple of
 * 2^(16−k) (so e could be one of 2^16 field elements, and a forged e, m pair rounded a tie the wrong way); with
 * both, v < 2^16 makes v·2^(16−k) < 2^26 < p an integer product (k ≥ 6 here), below 2^16 only for v < 2^k.
 * Rounding: the kept part is hi; it rounds up when g = 1 and (r ≠ 0 or hi is odd), i.e. beyond the half-way
 * point, or exactly half-way with an odd result. A carry out of the fraction moves into the exponent, which is
 * correct IEEE behaviour (0x7F7F rounds up to infinity 0x7F80). x is a NaN when e = 255 and its 23 fraction bits,
 * (2m + b0)·2^16 + lo, are not all zero. Equalities with zero are witnessed by inverses: `z = 1 − d·d⁻¹` is 1
 * exactly when d = 0, given `z·d = 0`; and `z·d⁻¹ = 0` pins the inverse column to 0 when d = 0, so that no
 * column is left free.
 *
 * With the inputs fixed every other column is forced (the decompositions are unique under the range checks,
 * the inverses are determined), so the output is a function of x: a prover cannot claim another rounding.
 */
import * as F from '../../../proof/field/babybear.ts';
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import type { ChipSoundness } from '../../../proof/air/soundness/index.ts';
import { U16_BUS } from './u16-table.ts';
import { busMessages } from './row-check.ts';

/** Main columns. */
export const C = {
  hi: 0,
  lo: 1,
  s: 2,
  e: 3,
  m: 4,
  b0: 5,
  g: 6,
  r: 7,
  eIsMax: 8,
  eInv: 9,
  fracNonzero: 10,
  fracInv: 11,
  rNonzero: 12,
  rInv: 13,
  isNaN: 14,
  roundUp: 15,
  out: 16,
} as const;
export const WIDTH = 17;

const BF16_NAN = 0x7fc0;

/** The chip's constraints on one row, shared by the standalone conformance table and (later) the VM. */
export function evalF32ToBf16(b: AirBuilder): void {
  const col = (c: number) => b.main(c);
  const [hi, lo, s, e, m, b0, g, r] = [C.hi, C.lo, C.s, C.e, C.m, C.b0, C.g, C.r].map(col);
  const [eIsMax, eInv, fracNz, fracInv, rNz, rInv, isNaN, roundUp, out] = [C.eIsMax, C.eInv, C.fracNonzero, C.fracInv, C.rNonzero, C.rInv, C.isNaN, C.roundUp, C.out].map(col);
  for (const [bit, name] of [
    [s, 'sign'],
    [b0, 'low fraction bit'],
    [g, 'guard bit'],
    [eIsMax, 'exponent-is-255 flag'],
    [fracNz, 'fraction-nonzero flag'],
    [rNz, 'sticky flag'],
  ] as const) {
    b.assertBool(bit!, `${name} is a bit`);
  }
  b.assertEq(hi!, s!.mul(1 << 15).add(e!.mul(1 << 7)).add(m!.mul(2)).add(b0!), 'hi = s·2^15 + e·2^7 + 2m + b0');
  b.assertEq(lo!, g!.mul(1 << 15).add(r!), 'lo = g·2^15 + r');
  const eMinusMax = e!.sub(255);
  b.assertZero(eIsMax!.mul(eMinusMax), 'exponent flag is 0 unless e = 255');
  b.assertEq(b.constant(1).sub(eIsMax!), eMinusMax.mul(eInv!), 'exponent flag is 1 when e = 255');
  b.assertZero(eIsMax!.mul(eInv!), 'no inverse of 0 (e = 255)');
  const frac = m!.mul(2).add(b0!).mul(1 << 16).add(lo!);
  b.assertZero(frac.mul(b.constant(1).sub(fracNz!)), 'fraction flag is 1 unless the fraction is 0');
  b.assertEq(fracNz!, frac.mul(fracInv!), 'fraction flag is 0 when the fraction is 0');
  b.assertZero(b.constant(1).sub(fracNz!).mul(fracInv!), 'no inverse of 0 (fraction)');
  b.assertZero(r!.mul(b.constant(1).sub(rNz!)), 'sticky flag is 1 unless r = 0');
  b.assertEq(rNz!, r!.mul(rInv!), 'sticky flag is 0 when r = 0');
  b.assertZero(b.constant(1).sub(rNz!).mul(rInv!), 'no inverse of 0 (r)');
  b.assertEq(isNaN!, eIsMax!.mul(fracNz!), 'NaN when e = 255 and the fraction is not 0');
  b.assertEq(roundUp!, g!.mul(rNz!.add(b0!).sub(rNz!.mul(b0!))), 'round up when g and (sticky or odd)');
  b.assertEq(out!, isNaN!.mul(BF16_NAN).add(b.constant(1).sub(isNaN!).mul(hi!.add(roundUp!))), 'out = NaN ? 0x7FC0 : hi + round');
  for (const [v, bits] of [
    [e!, 8],
    [m!, 6],
    [r!, 15],
  ] as const) {
    b.send(U16_BUS, [v]);
    b.send(U16_BUS, [v.mul(1 << (16 - bits))]);
  }
}

const u16Messages = busMessages({ name: 'f32-to-bf16', width: WIDTH, preprocessedWidth: 0, publicInputs: 0, eval: evalF32ToBf16 });

/** The values the chip sends to the 16-bit range table for one row (read off the constraints). */
export function rangeLookups(row: ArrayLike<number>): number[] {
  return u16Messages(U16_BUS).map(([v]) => v!(row));
}

/** The row for converting x (the witness generator; it derives everything from x alone). */
export function f32ToBf16Row(x: number): number[] {
  const hi = x >>> 16;
  const lo = x & 0xffff;
  const s = hi >>> 15;
  const e = (hi >>> 7) & 0xff;
  const m = (hi >>> 1) & 0x3f;
  const b0 = hi & 1;
  const g = lo >>> 15;
  const r = lo & 0x7fff;
  const eIsMax = e === 255 ? 1 : 0;
  const eInv = e === 255 ? 0 : F.inv(F.sub(e, 255));
  const frac = ((2 * m + b0) << 16) + lo;
  const fracNonzero = frac !== 0 ? 1 : 0;
  const fracInv = frac !== 0 ? F.inv(frac) : 0;
  const rNonzero = r !== 0 ? 1 : 0;
  const rInv = r !== 0 ? F.inv(r) : 0;
  const isNaN = eIsMax & fracNonzero;
  const roundUp = g & (rNonzero | b0);
  const out = isNaN ? BF16_NAN : hi + roundUp;
  return [hi, lo, s, e, m, b0, g, r, eIsMax, eInv, fracNonzero, fracInv, rNonzero, rInv, isNaN, roundUp, out];
}

/** The chip as a table: one conversion per row. */
export const f32ToBf16Air: Air = {
  name: 'f32-to-bf16',
  width: WIDTH,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval: evalF32ToBf16,
};

/** For the under-constraint checker: x's halves in, the bf16 out; no column is free (every one is forced, above). */
export const f32ToBf16Soundness: ChipSoundness = { inputs: [C.hi, C.lo], outputs: [C.out] };
