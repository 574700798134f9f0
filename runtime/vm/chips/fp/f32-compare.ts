/**
 * The f32 comparison chip: one row gives a == b, a < b and a <= b with IEEE-754 semantics (every comparison with
 * a NaN is false; −0 equals +0), for operands given as 16-bit halves a = ah·2^16 + al, b = bh·2^16 + bl.
 *
 * Gadgets (each over values below 2^16, which the range table guarantees):
 *   split   h = s·2^15 + m, s a bit, m < 2^15 (m and 2m are range-checked);
 *   lt16    l = [x < y] with d = y − x − 1 + (1 − l)·2^16 range-checked: exactly one value of the bit l puts d in
 *           [0, 2^16);
 *   isZero  z = [x = 0] with z·x = 0 and 1 − z = x·inv, and z·inv = 0 so that inv is 0 for x = 0 (no column is
 *           left free: without it inv could be anything when x = 0).
 * A magnitude is (m, lo), compared lexicographically. A is a NaN when its magnitude exceeds that of infinity,
 * 0x7F800000: m > 0x7F80, or m = 0x7F80 and lo ≠ 0. Then
 *   eq = ordered · (bothZero + (1 − bothZero) · sameSign · magEq),
 *   lt = ordered · [(1−sa)(1−sb)·magLt + sa·sb·(1 − magLt − magEq) + sa·(1−sb)·(1 − bothZero)],
 *   le = lt + eq,
 * with ordered = neither is a NaN. Every column is forced by the inputs, so the results are functions of a, b.
 */
import * as F from '../../../proof/field/babybear.ts';
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import type { ChipSoundness } from '../../../proof/air/soundness/index.ts';
import { U16_BUS } from './u16-table.ts';

const NAMES = [
  'ah', 'al', 'bh', 'bl',
  'sa', 'ma', 'aAboveInf', 'aAboveInfDiff', 'aAtInf', 'aAtInfInv', 'alZero', 'alInv', 'aNaN', 'maZero', 'maInv', 'aZero',
  'sb', 'mb', 'bAboveInf', 'bAboveInfDiff', 'bAtInf', 'bAtInfInv', 'blZero', 'blInv', 'bNaN', 'mbZero', 'mbInv', 'bZero',
  'hiLt', 'hiLtDiff', 'hiEq', 'hiEqInv', 'loLt', 'loLtDiff', 'loEq', 'loEqInv', 'magLt', 'magEq',
  'bothZero', 'ordered', 'signsEqual', 'eqCore', 'ltCore', 'eq', 'lt', 'le',
] as const;
export type CompareColumn = (typeof NAMES)[number];
export const CMP: Record<CompareColumn, number> = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<CompareColumn, number>;
export const COMPARE_WIDTH = NAMES.length;

const INF_HI = 0x7f80;

/** The comparison chip's constraints on one row. */
export function evalF32Compare(b: AirBuilder): void {
  const c = (name: CompareColumn): Expr => b.main(CMP[name]);
  const one = b.constant(1);
  const bit = (x: Expr, name: string) => b.assertBool(x, `${name} is a bit`);
  const lt16 = (x: Expr, y: Expr, l: Expr, d: Expr, name: string) => {
    bit(l, name);
    b.assertEq(d, y.sub(x).sub(1).add(one.sub(l).mul(1 << 16)), `${name}: difference`);
    b.send(U16_BUS, [d]);
  };
  const isZero = (x: Expr, z: Expr, inv: Expr, name: string) => {
    b.assertZero(z.mul(x), `${name} is 0 unless the value is 0`);
    b.assertEq(one.sub(z), x.mul(inv), `${name} is 1 when the value is 0`);
    b.assertZero(z.mul(inv), `${name}: no inverse of 0`);
  };
  for (const [p, h, lo] of [
    ['a', c('ah'), c('al')],
    ['b', c('bh'), c('bl')],
  ] as const) {
    const s = c(`s${p}` as CompareColumn);
    const m = c(`m${p}` as CompareColumn);
    bit(s, `${p} sign`);
    b.assertEq(h, s.mul(1 << 15).add(m), `${p}: hi = s·2^15 + m`);
    b.send(U16_BUS, [m]);
    b.send(U16_BUS, [m.mul(2)]);
    b.send(U16_BUS, [lo]);
    lt16(b.constant(INF_HI), m, c(`${p}AboveInf` as CompareColumn), c(`${p}AboveInfDiff` as CompareColumn), `${p} above infinity`);
    isZero(m.sub(INF_HI), c(`${p}AtInf` as CompareColumn), c(`${p}AtInfInv` as CompareColumn), `${p} exponent all ones`);
    isZero(lo, c(`${p}lZero` as CompareColumn), c(`${p}lInv` as CompareColumn), `${p} low half zero`);
    isZero(m, c(`m${p}Zero` as CompareColumn), c(`m${p}Inv` as CompareColumn), `${p} high magnitude zero`);
    const nan = c(`${p}NaN` as CompareColumn);
    b.assertEq(nan, c(`${p}AboveInf` as CompareColumn).add(c(`${p}AtInf` as CompareColumn).mul(one.sub(c(`${p}lZero` as CompareColumn)))), `${p} is a NaN`);
    b.assertEq(c(`${p}Zero` as CompareColumn), c(`m${p}Zero` as CompareColumn).mul(c(`${p}lZero` as CompareColumn)), `${p} is a zero`);
  }
  lt16(c('ma'), c('mb'), c('hiLt'), c('hiLtDiff'), 'high magnitudes less');
  isZero(c('ma').sub(c('mb')), c('hiEq'), c('hiEqInv'), 'high magnitudes equal');
  lt16(c('al'), c('bl'), c('loLt'), c('loLtDiff'), 'low halves less');
  isZero(c('al').sub(c('bl')), c('loEq'), c('loEqInv'), 'low halves equal');
  b.assertEq(c('magLt'), c('hiLt').add(c('hiEq').mul(c('loLt'))), 'magnitude less');
  b.assertEq(c('magEq'), c('hiEq').mul(c('loEq')), 'magnitude equal');
  b.assertEq(c('bothZero'), c('aZero').mul(c('bZero')), 'both zero');
  b.assertEq(c('ordered'), one.sub(c('aNaN')).mul(one.sub(c('bNaN'))), 'neither is a NaN');
  const [sa, sb] = [c('sa'), c('sb')];
  b.assertEq(c('signsEqual'), one.sub(sa).sub(sb).add(sa.mul(sb).mul(2)), 'signs equal');
  b.assertEq(c('eqCore'), c('bothZero').add(one.sub(c('bothZero')).mul(c('signsEqual')).mul(c('magEq'))), 'equal, ignoring NaNs');
  const ltCore = one
    .sub(sa)
    .mul(one.sub(sb))
    .mul(c('magLt'))
    .add(sa.mul(sb).mul(one.sub(c('magLt')).sub(c('magEq'))))
    .add(sa.mul(one.sub(sb)).mul(one.sub(c('bothZero'))));
  b.assertEq(c('ltCore'), ltCore, 'less, ignoring NaNs');
  b.assertEq(c('eq'), c('ordered').mul(c('eqCore')), 'eq is false with a NaN');
  b.assertEq(c('lt'), c('ordered').mul(c('ltCore')), 'lt is false with a NaN');
  b.assertEq(c('le'), c('lt').add(c('eq')), 'le = lt or eq');
}

/** The witness row for comparing the f32 bit patterns a and b. */
export function f32CompareRow(a: number, bv: number): number[] {
  const row = new Array<number>(COMPARE_WIDTH).fill(0);
  const set = (n: CompareColumn, v: number) => (row[CMP[n]] = v);
  const inv = (x: number) => (x === 0 ? 0 : F.inv(x));
  const lt16 = (x: number, y: number, l: CompareColumn, d: CompareColumn) => {
    const less = x < y ? 1 : 0;
    set(l, less);
    set(d, y - x - 1 + (1 - less) * 65536);
  };
  const side = (p: 'a' | 'b', x: number) => {
    const h = x >>> 16;
    const lo = x & 0xffff;
    const s = h >>> 15;
    const m = h & 0x7fff;
    set(`${p}h` as CompareColumn, h);
    set(`${p}l` as CompareColumn, lo);
    set(`s${p}` as CompareColumn, s);
    set(`m${p}` as CompareColumn, m);
    lt16(INF_HI, m, `${p}AboveInf` as CompareColumn, `${p}AboveInfDiff` as CompareColumn);
    set(`${p}AtInf` as CompareColumn, m === INF_HI ? 1 : 0);
    set(`${p}AtInfInv` as CompareColumn, inv(F.sub(m, INF_HI)));
    set(`${p}lZero` as CompareColumn, lo === 0 ? 1 : 0);
    set(`${p}lInv` as CompareColumn, inv(lo));
    set(`m${p}Zero` as CompareColumn, m === 0 ? 1 : 0);
    set(`m${p}Inv` as CompareColumn, inv(m));
    const nan = m > INF_HI || (m === INF_HI && lo !== 0) ? 1 : 0;
    set(`${p}NaN` as CompareColumn, nan);
    set(`${p}Zero` as CompareColumn, m === 0 && lo === 0 ? 1 : 0);
    return { s, m, lo, nan, zero: m === 0 && lo === 0 ? 1 : 0 };
  };
  const A = side('a', a);
  const B = side('b', bv);
  lt16(A.m, B.m, 'hiLt', 'hiLtDiff');
  set('hiEq', A.m === B.m ? 1 : 0);
  set('hiEqInv', inv(F.sub(A.m, B.m)));
  lt16(A.lo, B.lo, 'loLt', 'loLtDiff');
  set('loEq', A.lo === B.lo ? 1 : 0);
  set('loEqInv', inv(F.sub(A.lo, B.lo)));
  const magLt = A.m < B.m || (A.m === B.m && A.lo < B.lo) ? 1 : 0;
  const magEq = A.m === B.m && A.lo === B.lo ? 1 : 0;
  set('magLt', magLt);
  set('magEq', magEq);
  const bothZero = A.zero & B.zero;
  const ordered = (1 - A.nan) * (1 - B.nan);
  const signsEqual = A.s === B.s ? 1 : 0;
  const eqCore = bothZero || (signsEqual && magEq) ? 1 : 0;
  const ltCore = (1 - A.s) * (1 - B.s) * magLt + A.s * B.s * (1 - magLt - magEq) + A.s * (1 - B.s) * (1 - bothZero);
  set('bothZero', bothZero);
  set('ordered', ordered);
  set('signsEqual', signsEqual);
  set('eqCore', eqCore);
  set('ltCore', ltCore);
  set('eq', ordered * eqCore);
  set('lt', ordered * ltCore);
  set('le', ordered * ltCore + ordered * eqCore);
  return row;
}

/** The values one row sends to the 16-bit range table, in the order evalF32Compare sends them. */
export function compareRangeLookups(row: ArrayLike<number>): number[] {
  const g = (n: CompareColumn) => row[CMP[n]]!;
  return [
    g('ma'), 2 * g('ma'), g('al'), g('aAboveInfDiff'),
    g('mb'), 2 * g('mb'), g('bl'), g('bAboveInfDiff'),
    g('hiLtDiff'), g('loLtDiff'),
  ];
}

/** The chip as a table: one comparison per row (all three results). */
export const f32CompareAir: Air = {
  name: 'f32-compare',
  width: COMPARE_WIDTH,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval: evalF32Compare,
};

/** For the under-constraint checker: the operands' halves in, the three results out; no column is free. */
export const f32CompareSoundness: ChipSoundness = { inputs: [CMP.ah, CMP.al, CMP.bh, CMP.bl], outputs: [CMP.eq, CMP.lt, CMP.le] };

/** Column names, in column order (for reports). */
export const COMPARE_NAMES: readonly string[] = NAMES;
