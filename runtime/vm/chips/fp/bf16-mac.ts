/**
 * The bf16 multiply-accumulate chip: one row proves acc' = RNE(a·b + acc) for bf16 a, b and an f32 accumulator
 * acc = ch·2^16 + cl, the result given as halves (oh, ol); one rounding, subnormals kept, every NaN result the
 * canonical 0x7FC00000 (docs/fp.md, bf16Mac).
 *
 * Decomposition (every range check is a lookup into the 16-bit table U16_BUS; a k-bit value v < 2^16 sends v and
 * v·2^(16−k); a wider value is split into a 16-bit low limb and a high limb checked the same way):
 *   inputs    a = sa·2^15 + ea·2^7 + fa (same for b, ch); isZero flags for the exponents, 0 and 255, and the
 *             fractions give the classes (zero, infinity, NaN) and the significands ma = fa + 2^7·[ea ≠ 0],
 *             mc = (fc + 2^7·[ec ≠ 0])·2^16 + cl; exponents ea' = ea + [ea = 0].
 *   product   mp = ma·mb < 2^16 is exact; it is normalised, mpn = mp·2^lz in [2^15, 2^16) (lz < 16 looked up with
 *             2^lz in the powers-of-two table POW2_BUS), so X = mpn·2^(MX−16), MX = ea'+eb'−252−lz; Y = mc·2^(MY−24),
 *             MY = ec'−126. (Exponents are offsets, so that the bits of an f32 of unbiased exponent e are at e.)
 *   anchor    the operand with the higher top MX vs MY (cmp, an lt gadget; a zero operand never anchors) is A,
 *             scaled to the window base β = M − 28: A = mpn·2^12 or mc·2^4 < 2^28. The other one, B, sits at
 *             shift s from β: B·2^sL = Bal·2^sR + rem, sL = max(s, 0), sR = min(max(−s, 0), 24), rem < 2^sR and
 *             Bal < 2^(24 − sR) when shifting right (so no side of the equation wraps); the truncated rem only
 *             matters as a sticky bit eps = [rem ≠ 0] (it is below the result's guard bit: when bits are truncated
 *             the window holds the anchor's top 28 bits and the result, whose top is at least M − 2, keeps at most 25).
 *   sum       Z = ±A ± Bal, |Z| = (1 − 2zNeg)·Z, the exact |a·b + acc| = (N + eps·θ)·2^β with θ in (0, 1) and
 *             N = |Z| − eps·[Z ≠ 0 and B has the other sign]; N < 2^29 is normalised 2^k ≤ N < 2^(k+1).
 *   rounding  G = max(β + k + 126, 0) is the biased exponent less one (0 for subnormals), t = G − β − 149 the
 *             shift to the result's ulp: N·2^tl = Q·2^tr + R, tl = max(−t, 0), tr = min(max(t, 0), 29),
 *             R < 2^tr, Q < 2^(29 − tr) (again so nothing wraps), Q = Qhi·2^16 + 2w + q0. Round up when R > half or
 *             R = half and (eps or q0) — half = 2^(tr−1), looked up as (tr, half) on HALF_BUS — never when t ≥ 30 (the
 *             value is then below 2^−150). The result is (G·2^7 + Qhi + cy, (2w + q0 + up) mod 2^16) with the
 *             carry cy; a carry out of the fraction moves into the exponent. ov = [G ≥ 254] gives infinity.
 *   specials  NaN when an input is a NaN, ∞·0, or ∞ − ∞ (the product's infinity against acc's); otherwise infinity
 *             when the product or acc is infinite; an exactly zero sum is −0 only when both the product and acc
 *             are zeros of sign −, else +0 (RNE); an inexact tiny sum keeps its sign.
 *
 * Why the output is forced: every split is unique under its range checks; isZero flags are fixed by their
 * inverses, and an inverse column is itself fixed (z·inv = 0: it is 0 for a zero value); the lt gadgets' bits are
 * the only ones putting their difference in range; the lookups pin 2^k to k (each relation on its own bus). Every range-checked difference is of
 * values below 2^29, checked to 29 bits: a negative difference is then above p − 2^29 > 2^30 and fails (a 30-bit
 * check would let it pass, which is why the window is 28 bits and |Z| < 2^29 — with |Z| near 2^30 a flipped zNeg
 * could pass as p − |Z|). The division equations hold over the integers because both sides are below 2^29 < p,
 * so quotient and remainder are unique; normalisation exponents are unique for a nonzero value and 0 for zero.
 * So every column, and the output, is a function of (a, b, acc): a prover cannot claim another rounding.
 */
import * as F from '../../../proof/field/babybear.ts';
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import type { ChipSoundness } from '../../../proof/air/soundness/index.ts';
import { U16_BUS } from './u16-table.ts';
import { tupleTable } from './tuple-table.ts';
import { busMessages } from './row-check.ts';

export const POW2_BUS = 17;
/** (t, 2^(t−1)): the half-ulp of a right shift by t, 1 for t = 0 (the rounding's "half" comparison). */
export const HALF_BUS = 28;

const NAMES = [
  'a', 'b', 'ch', 'cl',
  'sa', 'ea', 'fa', 'eaZ', 'eaZInv', 'eaM', 'eaMInv', 'faZ', 'faZInv', 'aZ', 'aN', 'aI',
  'sb', 'eb', 'fb', 'ebZ', 'ebZInv', 'ebM', 'ebMInv', 'fbZ', 'fbZInv', 'bZ', 'bN', 'bI',
  'sc', 'ec', 'fc', 'ecZ', 'ecZInv', 'ecM', 'ecMInv', 'cfZ', 'cfZInv', 'mcZ', 'cN', 'cI',
  'mp', 'mpZ', 'lz', 'pw', 'mpn',
  'cmp', 'xa', 'M', 'sX', 'sA', 'sB', 'A', 'Bsig', 'oZ', 's',
  'sNeg', 'sRr', 'clampR', 'sR', 'pL', 'pR', 'pc', 'Bal', 'remH', 'remL', 'dRH', 'dRL', 'bH', 'bL', 'cH', 'cL',
  'zNeg', 'zZ', 'zInv', 'eps', 'remInv', 'opp', 'N', 'nz', 'nInv',
  'k', 'pk', 'n1H', 'n1L', 'n2H', 'n2L', 'sub', 'G', 'tNeg', 'trr', 'clampT', 'tr', 'ptl', 'ptr', 'pq', 'half',
  'Qhi', 'w', 'q0', 'rH', 'rL', 'prH', 'prL', 'qH', 'qL', 'gt', 'gH', 'gL', 'eqH', 'eqInv', 'tie', 'up', 'cy', 'oLo', 'ov',
  'pInf', 'bothInf', 'nanIn', 'invMul', 'invAdd', 'nan', 'infAny', 'inf', 'infS', 'bothZ', 'zs', 'sV', 'vZero', 'fSign', 'finHi', 'finLo',
  'oh', 'ol',
] as const;
export type MacColumn = (typeof NAMES)[number];
export const MAC: Record<MacColumn, number> = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<MacColumn, number>;
export const MAC_WIDTH = NAMES.length;

const NAN_HI = 0x7fc0;
const INF_HI = 0x7f80;

/**
 * The powers-of-two table: row k = 0..30 holds (k, 2^k, half(k)), half(k) = 2^(k−1) and half(0) = 1, padded to 32
 * rows with a copy of row 0. POW2_BUS reads (k, 2^k), HALF_BUS reads (k, half(k)). Each relation has its own bus,
 * so the keys a free column may take are 0..30 on both: the table once held both relations on one bus, the half
 * rows keyed 64 + k, and a prover could then answer (k, 2^k) and (k + 1, 2^(k+1)) with k + 65 (a half row's key)
 * for the same 2^k, which let the normalisation exponent alias (the forgery of issue #14, bug 5).
 */
function pow2Rows(): number[][] {
  const rows: number[][] = [];
  for (let k = 0; k <= 30; k++) rows.push([k, 2 ** k, k === 0 ? 1 : 2 ** (k - 1)]);
  while (rows.length < 32) rows.push(rows[0]!);
  return rows;
}
export const pow2Table = tupleTable('pow2', [{ bus: POW2_BUS, columns: [0, 1] }, { bus: HALF_BUS, columns: [0, 2] }], pow2Rows());

/** The chip's constraints on one row. */
export function evalBf16Mac(b: AirBuilder): void {
  const c = (n: MacColumn): Expr => b.main(MAC[n]);
  const one = b.constant(1);
  const k = (v: number) => b.constant(v);
  const bit = (x: Expr, name: string) => b.assertBool(x, `${name} is a bit`);
  const isZero = (x: Expr, z: Expr, inv: Expr, name: string) => {
    b.assertZero(z.mul(x), `${name} is 0 unless the value is 0`);
    b.assertEq(one.sub(z), x.mul(inv), `${name} is 1 when the value is 0`);
    b.assertZero(z.mul(inv), `${name}: no inverse of 0`);
  };
  const range = (v: Expr, bits: number) => {
    b.send(U16_BUS, [v]);
    if (bits < 16) b.send(U16_BUS, [v.mul(2 ** (16 - bits))]);
  };
  const wide = (v: Expr, hi: Expr, lo: Expr, bits: number, name: string) => {
    b.assertEq(v, hi.mul(1 << 16).add(lo), `${name}: limbs`);
    range(lo, 16);
    range(hi, bits - 16);
  };
  const pow = (e: Expr, p: Expr) => b.send(POW2_BUS, [e, p]);
  const or = (x: Expr, y: Expr) => x.add(y).sub(x.mul(y));
  const xor = (x: Expr, y: Expr) => x.add(y).sub(x.mul(y).mul(2));
  const sel = (f: Expr, x: Expr | number, y: Expr | number) => f.mul(x).add(one.sub(f).mul(y));

  // Inputs.
  for (const p of ['a', 'b'] as const) {
    const [s, e, f] = [c(`s${p}`), c(`e${p}`), c(`f${p}`)];
    bit(s, `${p} sign`);
    b.assertEq(c(p), s.mul(1 << 15).add(e.mul(1 << 7)).add(f), `${p} = s·2^15 + e·2^7 + f`);
    range(e, 8);
    range(f, 7);
    isZero(e, c(`e${p}Z`), c(`e${p}ZInv`), `${p} exponent 0`);
    isZero(e.sub(255), c(`e${p}M`), c(`e${p}MInv`), `${p} exponent 255`);
    isZero(f, c(`f${p}Z`), c(`f${p}ZInv`), `${p} fraction 0`);
    b.assertEq(c(`${p}Z`), c(`e${p}Z`).mul(c(`f${p}Z`)), `${p} is a zero`);
    b.assertEq(c(`${p}N`), c(`e${p}M`).mul(one.sub(c(`f${p}Z`))), `${p} is a NaN`);
    b.assertEq(c(`${p}I`), c(`e${p}M`).mul(c(`f${p}Z`)), `${p} is infinite`);
  }
  const [sc, ec, fc] = [c('sc'), c('ec'), c('fc')];
  bit(sc, 'acc sign');
  b.assertEq(c('ch'), sc.mul(1 << 15).add(ec.mul(1 << 7)).add(fc), 'acc hi = s·2^15 + e·2^7 + f');
  range(ec, 8);
  range(fc, 7);
  range(c('cl'), 16);
  isZero(ec, c('ecZ'), c('ecZInv'), 'acc exponent 0');
  isZero(ec.sub(255), c('ecM'), c('ecMInv'), 'acc exponent 255');
  const cfrac = fc.mul(1 << 16).add(c('cl'));
  isZero(cfrac, c('cfZ'), c('cfZInv'), 'acc fraction 0');
  b.assertEq(c('mcZ'), c('ecZ').mul(c('cfZ')), 'acc is a zero');
  b.assertEq(c('cN'), c('ecM').mul(one.sub(c('cfZ'))), 'acc is a NaN');
  b.assertEq(c('cI'), c('ecM').mul(c('cfZ')), 'acc is infinite');

  // Product, normalised.
  const ma = c('fa').add(one.sub(c('eaZ')).mul(128));
  const mb = c('fb').add(one.sub(c('ebZ')).mul(128));
  const mc = c('fc').add(one.sub(c('ecZ')).mul(128)).mul(1 << 16).add(c('cl'));
  b.assertEq(c('mp'), ma.mul(mb), 'mp = ma·mb');
  b.assertEq(c('mpZ'), or(c('aZ'), c('bZ')), 'product is zero');
  b.assertZero(c('mpZ').mul(c('lz')), 'no normalisation shift for a zero product');
  range(c('lz'), 4);
  pow(c('lz'), c('pw'));
  b.assertEq(c('mpn'), c('mp').mul(c('pw')), 'mpn = mp·2^lz');
  range(c('mpn').sub(one.sub(c('mpZ')).mul(1 << 15)), 15);

  // Anchor and alignment.
  const MX = c('ea').add(c('eaZ')).add(c('eb')).add(c('ebZ')).sub(252).sub(c('lz'));
  const MY = c('ec').add(c('ecZ')).sub(126);
  const Px = MX.sub(16);
  const Py = MY.sub(24);
  bit(c('cmp'), 'top comparison');
  range(sel(c('cmp'), MX.sub(MY), MY.sub(MX).sub(1)), 16);
  bit(c('xa'), 'product anchors');
  b.assertEq(c('xa'), one.sub(c('mpZ')).mul(c('mcZ').add(one.sub(c('mcZ')).mul(c('cmp')))), 'the anchor is the higher nonzero operand');
  b.assertEq(c('M'), sel(c('xa'), MX, MY), 'M is the anchor top');
  b.assertEq(c('sX'), xor(c('sa'), c('sb')), 'product sign');
  b.assertEq(c('sA'), sel(c('xa'), c('sX'), sc), 'anchor sign');
  b.assertEq(c('sB'), sel(c('xa'), sc, c('sX')), 'other sign');
  b.assertEq(c('A'), sel(c('xa'), c('mpn').mul(1 << 12), mc.mul(16)), 'anchor at the window');
  b.assertEq(c('Bsig'), sel(c('xa'), mc, c('mpn')), 'other significand');
  b.assertEq(c('oZ'), or(c('mpZ'), c('mcZ')), 'an operand is zero');
  b.assertEq(c('s'), one.sub(c('oZ')).mul(sel(c('xa'), Py.sub(Px).add(12), Px.sub(Py).add(4))), 'shift of the other operand');
  const s = c('s');
  bit(c('sNeg'), 'shift negative');
  range(sel(c('sNeg'), s.neg().sub(1), s), 16);
  b.assertEq(c('sRr'), c('sNeg').mul(s.neg()), 'right shift before the clamp');
  const sRr = c('sRr');
  bit(c('clampR'), 'right shift clamped');
  range(sel(c('clampR'), sRr.sub(24), k(23).sub(sRr)), 16);
  b.assertEq(c('sR'), sel(c('clampR'), 24, sRr), 'right shift');
  pow(one.sub(c('sNeg')).mul(s), c('pL'));
  pow(c('sR'), c('pR'));
  pow(k(24).sub(c('sR')), c('pc'));
  const rem = c('remH').mul(1 << 16).add(c('remL'));
  range(c('remL'), 16);
  range(c('remH'), 8);
  b.assertEq(c('Bsig').mul(c('pL')), c('Bal').mul(c('pR')).add(rem), 'B·2^sL = Bal·2^sR + rem');
  wide(c('pR').sub(1).sub(rem), c('dRH'), c('dRL'), 24, 'rem < 2^sR');
  wide(c('sNeg').mul(c('Bal')), c('bH'), c('bL'), 24, 'Bal >= 0');
  wide(c('sNeg').mul(c('pc').sub(1).sub(c('Bal'))), c('cH'), c('cL'), 24, 'Bal < 2^(24 − sR)');

  // Sum.
  const Z = one.sub(c('sA').mul(2)).mul(c('A')).add(one.sub(c('sB').mul(2)).mul(c('Bal')));
  bit(c('zNeg'), 'sum sign');
  isZero(Z, c('zZ'), c('zInv'), 'sum zero');
  b.assertZero(c('zNeg').mul(c('zZ')), 'a zero sum is not negative');
  isZero(rem, one.sub(c('eps')), c('remInv'), 'sticky');
  b.assertEq(c('opp'), one.sub(c('zZ')).mul(xor(c('zNeg'), c('sB'))), 'truncated part opposes the sum');
  b.assertEq(c('N'), one.sub(c('zNeg').mul(2)).mul(Z).sub(c('eps').mul(c('opp'))), 'N = |Z| − eps·opp');
  isZero(c('N'), one.sub(c('nz')), c('nInv'), 'N nonzero');

  // Normalisation of N.
  b.assertZero(one.sub(c('nz')).mul(c('k')), 'k = 0 for N = 0');
  pow(c('k'), c('pk'));
  pow(c('k').add(1), c('pk').mul(2));
  wide(c('nz').mul(c('N').sub(c('pk'))), c('n1H'), c('n1L'), 29, 'N >= 2^k');
  wide(c('nz').mul(c('pk').mul(2).sub(1).sub(c('N'))), c('n2H'), c('n2L'), 29, 'N < 2^(k+1)');
  const h = c('M').add(c('k')).add(98);
  bit(c('sub'), 'subnormal');
  range(sel(c('sub'), h.neg(), h.sub(1)), 16);
  b.assertEq(c('G'), one.sub(c('sub')).mul(h), 'G = max(h, 0)');
  const t = c('G').sub(c('M')).sub(121);
  bit(c('tNeg'), 'shift left');
  range(sel(c('tNeg'), t.neg().sub(1), t), 16);
  b.assertEq(c('trr'), one.sub(c('tNeg')).mul(t), 'right shift of N before the clamp');
  const trr = c('trr');
  bit(c('clampT'), 'far below');
  range(sel(c('clampT'), trr.sub(30), k(29).sub(trr)), 16);
  b.assertEq(c('tr'), sel(c('clampT'), 29, trr), 'right shift of N');
  pow(c('tNeg').mul(t.neg()), c('ptl'));
  pow(c('tr'), c('ptr'));
  pow(k(29).sub(c('tr')), c('pq'));
  b.send(HALF_BUS, [c('tr'), c('half')]);
  const Qlo = c('w').mul(2).add(c('q0'));
  const Q = c('Qhi').mul(1 << 16).add(Qlo);
  range(c('Qhi'), 8);
  range(c('w'), 15);
  bit(c('q0'), 'low bit');
  const R = c('rH').mul(1 << 16).add(c('rL'));
  range(c('rL'), 16);
  range(c('rH'), 13);
  b.assertEq(c('N').mul(c('ptl')), Q.mul(c('ptr')).add(R), 'N·2^tl = Q·2^tr + R');
  wide(c('ptr').sub(1).sub(R), c('prH'), c('prL'), 29, 'R < 2^tr');
  wide(c('pq').sub(1).sub(Q), c('qH'), c('qL'), 29, 'Q < 2^(29 − tr)');
  bit(c('gt'), 'above half');
  wide(sel(c('gt'), R.sub(c('half')).sub(1), c('half').sub(R)), c('gH'), c('gL'), 29, 'half comparison');
  isZero(R.sub(c('half')), c('eqH'), c('eqInv'), 'exactly half');
  b.assertEq(c('tie'), c('eqH').mul(or(c('eps'), c('q0'))), 'tie rounds up when sticky or odd');
  b.assertEq(c('up'), one.sub(c('clampT')).mul(c('gt').add(c('tie'))), 'round up');
  bit(c('cy'), 'carry');
  b.assertEq(Qlo.add(c('up')), c('cy').mul(1 << 16).add(c('oLo')), 'low half with the carry');
  range(c('oLo'), 16);
  bit(c('ov'), 'overflow');
  range(sel(c('ov'), c('G').sub(254), k(253).sub(c('G'))), 16);

  // Specials and the result.
  b.assertEq(c('pInf'), or(c('aI'), c('bI')).mul(one.sub(c('mpZ'))), 'product infinite');
  b.assertEq(c('nanIn'), one.sub(one.sub(c('aN')).mul(one.sub(c('bN'))).mul(one.sub(c('cN')))), 'a NaN input');
  b.assertEq(c('invMul'), c('aI').mul(c('bZ')).add(c('aZ').mul(c('bI'))), 'infinity times zero');
  b.assertEq(c('bothInf'), c('pInf').mul(c('cI')), 'product and acc infinite');
  b.assertEq(c('invAdd'), c('bothInf').mul(xor(c('sX'), sc)), 'infinity minus infinity');
  b.assertEq(c('nan'), one.sub(one.sub(c('nanIn')).mul(one.sub(c('invMul'))).mul(one.sub(c('invAdd')))), 'NaN result');
  b.assertEq(c('infAny'), or(c('pInf'), c('cI')), 'an infinite operand');
  b.assertEq(c('inf'), one.sub(c('nan')).mul(c('infAny')), 'infinite result');
  b.assertEq(c('infS'), sel(c('pInf'), c('sX'), sc), 'sign of the infinity');
  b.assertEq(c('bothZ'), c('mpZ').mul(c('mcZ')), 'both operands zero');
  b.assertEq(c('zs'), c('bothZ').mul(c('sX')).mul(sc), 'sign of an exact zero');
  b.assertEq(c('sV'), sel(c('zZ'), c('sB'), c('zNeg')), 'sign of the sum');
  b.assertEq(c('vZero'), one.sub(c('nz')).mul(one.sub(c('eps'))), 'the sum is exactly zero');
  b.assertEq(c('fSign'), sel(c('vZero'), c('zs'), c('sV')), 'sign of a finite result');
  const hiMag = c('G').mul(128).add(c('Qhi')).add(c('cy'));
  b.assertEq(c('finHi'), c('nz').mul(sel(c('ov'), INF_HI, hiMag)), 'finite result hi magnitude');
  b.assertEq(c('finLo'), c('nz').mul(one.sub(c('ov'))).mul(c('oLo')), 'finite result lo');
  const fin = one.sub(c('nan')).sub(c('inf'));
  b.assertEq(c('oh'), c('nan').mul(NAN_HI).add(c('inf').mul(c('infS').mul(1 << 15).add(INF_HI))).add(fin.mul(c('fSign').mul(1 << 15).add(c('finHi')))), 'out hi');
  b.assertEq(c('ol'), fin.mul(c('finLo')), 'out lo');
}

const mod = (x: number): number => {
  const r = x % F.P;
  return r < 0 ? r + F.P : r;
};
const invOf = (x: number): number => (mod(x) === 0 ? 0 : F.inv(mod(x)));
const b2n = (x: boolean): number => (x ? 1 : 0);
// invOf(x) for the exponent and fraction fields' small values (x in [-255, 255]), looked up: eight of a row's
// thirteen inversions, each a 30-bit exponentiation otherwise.
const SMALL_INVERSES = Float64Array.from({ length: 511 }, (_, i) => invOf(i - 255));
const invSmall = (x: number): number => SMALL_INVERSES[x + 255]!;

/** A bf16 bit pattern's fields: sign, exponent, fraction, and whether the exponent is all zeros or all ones. */
function decodeBf16(x: number): { s: number; e: number; f: number; eZ: number; eM: number } {
  const e = (x >>> 7) & 0xff;
  return { s: x >>> 15, e, f: x & 0x7f, eZ: b2n(e === 0), eM: b2n(e === 255) };
}

/** The columns of one bf16 input's decoded fields (a, b, or c's high half), by index. */
const fieldIndex = (p: 'a' | 'b' | 'c') => {
  const c = (n: string) => MAC[n as MacColumn];
  return { s: c(`s${p}`), e: c(`e${p}`), f: c(`f${p}`), eZ: c(`e${p}Z`), eZInv: c(`e${p}ZInv`), eM: c(`e${p}M`), eMInv: c(`e${p}MInv`) };
};
/** A multiplicand's (a or b): its fields', then its fraction's zero flag and its zero, infinity and NaN flags. */
const operandIndex = (p: 'a' | 'b') => {
  const c = (n: string) => MAC[n as MacColumn];
  return { ...fieldIndex(p), fZ: c(`f${p}Z`), fZInv: c(`f${p}ZInv`), Z: c(`${p}Z`), N: c(`${p}N`), I: c(`${p}I`) };
};
const OPERAND_A = operandIndex('a');
const OPERAND_B = operandIndex('b');
const ACCUMULATOR = fieldIndex('c');

/** A bf16 input's decoded fields with the exponent's all-zeros and all-ones flags and the inverses that prove them. */
function fieldColumns(w: number[], k: ReturnType<typeof fieldIndex>, d: ReturnType<typeof decodeBf16>): void {
  w[k.s] = d.s;
  w[k.e] = d.e;
  w[k.f] = d.f;
  w[k.eZ] = d.eZ;
  w[k.eZInv] = invSmall(d.e);
  w[k.eM] = d.eM;
  w[k.eMInv] = invSmall(d.e - 255);
}

/** A multiplicand's fields and its zero, infinity and NaN flags. */
function operandColumns(w: number[], k: ReturnType<typeof operandIndex>, d: ReturnType<typeof decodeBf16>): void {
  fieldColumns(w, k, d);
  const fZ = b2n(d.f === 0);
  w[k.fZ] = fZ;
  w[k.fZInv] = invSmall(d.f);
  w[k.Z] = d.eZ * fZ;
  w[k.N] = d.eM * (1 - fZ);
  w[k.I] = d.eM * fZ;
}

/** The row computing bf16Mac(a, b, acc) (the witness generator; everything derives from the inputs). */
export function bf16MacRow(a: number, b: number, acc: number): number[] {
  acc >>>= 0;
  // Written by column index into one array (no keyed object per row: a segment builds 2^16 rows and the garbage
  // of per-row dictionaries was most of its time); every column is set below, and checked at the end.
  const w: number[] = new Array<number>(NAMES.length);
  w[MAC.a] = a;
  w[MAC.b] = b;
  w[MAC.ch] = acc >>> 16;
  w[MAC.cl] = acc & 0xffff;
  const da = decodeBf16(a);
  const db = decodeBf16(b);
  const dc = decodeBf16(w[MAC.ch]!);
  operandColumns(w, OPERAND_A, da);
  operandColumns(w, OPERAND_B, db);
  fieldColumns(w, ACCUMULATOR, dc);
  const cfrac = dc.f * 65536 + w[MAC.cl]!;
  w[MAC.cfZ] = b2n(cfrac === 0);
  w[MAC.cfZInv] = invOf(cfrac);
  w[MAC.mcZ] = dc.eZ * w[MAC.cfZ]!;
  w[MAC.cN] = dc.eM * (1 - w[MAC.cfZ]!);
  w[MAC.cI] = dc.eM * w[MAC.cfZ]!;

  const ma = da.f + 128 * (1 - da.eZ);
  const mb = db.f + 128 * (1 - db.eZ);
  const mc = (dc.f + 128 * (1 - dc.eZ)) * 65536 + w[MAC.cl]!;
  const mp = ma * mb;
  w[MAC.mp] = mp;
  w[MAC.mpZ] = b2n(mp === 0);
  const lz = mp === 0 ? 0 : 15 - Math.floor(Math.log2(mp));
  w[MAC.lz] = lz;
  w[MAC.pw] = 2 ** lz;
  w[MAC.mpn] = mp * w[MAC.pw]!;
  const MX = da.e + da.eZ + db.e + db.eZ - 252 - lz;
  const MY = dc.e + dc.eZ - 126;
  const Px = MX - 16;
  const Py = MY - 24;
  w[MAC.cmp] = b2n(MX >= MY);
  w[MAC.xa] = (1 - w[MAC.mpZ]!) * (w[MAC.mcZ]! + (1 - w[MAC.mcZ]!) * w[MAC.cmp]!);
  const xa = w[MAC.xa]!;
  const M = xa ? MX : MY;
  w[MAC.M] = mod(M);
  w[MAC.sX] = da.s ^ db.s;
  w[MAC.sA] = xa ? w[MAC.sX]! : dc.s;
  w[MAC.sB] = xa ? dc.s : w[MAC.sX]!;
  const A = xa ? w[MAC.mpn]! * 4096 : mc * 16;
  w[MAC.A] = A;
  const Bsig = xa ? mc : w[MAC.mpn]!;
  w[MAC.Bsig] = Bsig;
  w[MAC.oZ] = b2n(w[MAC.mpZ]! === 1 || w[MAC.mcZ]! === 1);
  const s = w[MAC.oZ]! ? 0 : xa ? Py - Px + 12 : Px - Py + 4;
  w[MAC.s] = mod(s);
  w[MAC.sNeg] = b2n(s < 0);
  const sRr = s < 0 ? -s : 0;
  w[MAC.sRr] = sRr;
  w[MAC.clampR] = b2n(sRr >= 24);
  const sR = Math.min(sRr, 24);
  w[MAC.sR] = sR;
  const sL = s > 0 ? s : 0;
  w[MAC.pL] = 2 ** sL;
  w[MAC.pR] = 2 ** sR;
  w[MAC.pc] = 2 ** (24 - sR);
  const Bal = Math.floor((Bsig * w[MAC.pL]!) / w[MAC.pR]!);
  const rem = Bsig * w[MAC.pL]! - Bal * w[MAC.pR]!;
  w[MAC.Bal] = Bal;
  w[MAC.remH] = Math.floor(rem / 65536);
  w[MAC.remL] = rem % 65536;
  const dR = w[MAC.pR]! - 1 - rem;
  w[MAC.dRH] = Math.floor(dR / 65536);
  w[MAC.dRL] = dR % 65536;
  const bv = w[MAC.sNeg]! * Bal;
  w[MAC.bH] = Math.floor(bv / 65536);
  w[MAC.bL] = bv % 65536;
  const cv = w[MAC.sNeg]! * (w[MAC.pc]! - 1 - Bal);
  w[MAC.cH] = Math.floor(cv / 65536);
  w[MAC.cL] = cv % 65536;

  const Z = (w[MAC.sA]! ? -A : A) + (w[MAC.sB]! ? -Bal : Bal);
  w[MAC.zNeg] = b2n(Z < 0);
  w[MAC.zZ] = b2n(Z === 0);
  w[MAC.zInv] = invOf(Z);
  w[MAC.eps] = b2n(rem !== 0);
  w[MAC.remInv] = invOf(rem);
  w[MAC.opp] = (1 - w[MAC.zZ]!) * (w[MAC.zNeg]! ^ w[MAC.sB]!);
  const N = Math.abs(Z) - w[MAC.eps]! * w[MAC.opp]!;
  w[MAC.N] = N;
  w[MAC.nz] = b2n(N !== 0);
  w[MAC.nInv] = invOf(N);
  const kk = N === 0 ? 0 : Math.floor(Math.log2(N));
  w[MAC.k] = kk;
  w[MAC.pk] = 2 ** kk;
  const n1 = w[MAC.nz]! * (N - w[MAC.pk]!);
  w[MAC.n1H] = Math.floor(n1 / 65536);
  w[MAC.n1L] = n1 % 65536;
  const n2 = w[MAC.nz]! * (2 * w[MAC.pk]! - 1 - N);
  w[MAC.n2H] = Math.floor(n2 / 65536);
  w[MAC.n2L] = n2 % 65536;
  const h = M + kk + 98;
  w[MAC.sub] = b2n(h <= 0);
  const G = Math.max(h, 0);
  w[MAC.G] = G;
  const t = G - M - 121;
  w[MAC.tNeg] = b2n(t < 0);
  const tl = t < 0 ? -t : 0;
  const trr = t < 0 ? 0 : t;
  w[MAC.trr] = trr;
  w[MAC.clampT] = b2n(trr >= 30);
  const tr = Math.min(trr, 29);
  w[MAC.tr] = tr;
  w[MAC.ptl] = 2 ** tl;
  w[MAC.ptr] = 2 ** tr;
  w[MAC.pq] = 2 ** (29 - tr);
  w[MAC.half] = tr === 0 ? 1 : 2 ** (tr - 1);
  const shifted = N * w[MAC.ptl]!; // below 2^24 whenever tl > 0
  const Q = Math.floor(shifted / w[MAC.ptr]!);
  const R = shifted - Q * w[MAC.ptr]!;
  w[MAC.Qhi] = Math.floor(Q / 65536);
  const Qlo = Q % 65536;
  w[MAC.w] = Qlo >>> 1;
  w[MAC.q0] = Qlo & 1;
  w[MAC.rH] = Math.floor(R / 65536);
  w[MAC.rL] = R % 65536;
  const pr = w[MAC.ptr]! - 1 - R;
  w[MAC.prH] = Math.floor(pr / 65536);
  w[MAC.prL] = pr % 65536;
  const qv = w[MAC.pq]! - 1 - Q;
  w[MAC.qH] = Math.floor(qv / 65536);
  w[MAC.qL] = qv % 65536;
  w[MAC.gt] = b2n(R > w[MAC.half]!);
  const gv = w[MAC.gt]! ? R - w[MAC.half]! - 1 : w[MAC.half]! - R;
  w[MAC.gH] = Math.floor(gv / 65536);
  w[MAC.gL] = gv % 65536;
  w[MAC.eqH] = b2n(R === w[MAC.half]!);
  w[MAC.eqInv] = invOf(R - w[MAC.half]!);
  w[MAC.tie] = w[MAC.eqH]! * (w[MAC.eps]! | w[MAC.q0]!);
  w[MAC.up] = (1 - w[MAC.clampT]!) * (w[MAC.gt]! + w[MAC.tie]!);
  w[MAC.cy] = b2n(Qlo + w[MAC.up]! === 65536);
  w[MAC.oLo] = Qlo + w[MAC.up]! - w[MAC.cy]! * 65536;
  w[MAC.ov] = b2n(G >= 254);

  w[MAC.pInf] = (w[MAC.aI]! | w[MAC.bI]!) * (1 - w[MAC.mpZ]!);
  w[MAC.nanIn] = w[MAC.aN]! | w[MAC.bN]! | w[MAC.cN]!;
  w[MAC.invMul] = w[MAC.aI]! * w[MAC.bZ]! + w[MAC.aZ]! * w[MAC.bI]!;
  w[MAC.bothInf] = w[MAC.pInf]! * w[MAC.cI]!;
  w[MAC.invAdd] = w[MAC.bothInf]! * (w[MAC.sX]! ^ dc.s);
  w[MAC.nan] = w[MAC.nanIn]! | w[MAC.invMul]! | w[MAC.invAdd]!;
  w[MAC.infAny] = w[MAC.pInf]! | w[MAC.cI]!;
  w[MAC.inf] = (1 - w[MAC.nan]!) * w[MAC.infAny]!;
  w[MAC.infS] = w[MAC.pInf]! ? w[MAC.sX]! : dc.s;
  w[MAC.bothZ] = w[MAC.mpZ]! * w[MAC.mcZ]!;
  w[MAC.zs] = w[MAC.bothZ]! * w[MAC.sX]! * dc.s;
  w[MAC.sV] = w[MAC.zZ]! ? w[MAC.sB]! : w[MAC.zNeg]!;
  w[MAC.vZero] = (1 - w[MAC.nz]!) * (1 - w[MAC.eps]!);
  w[MAC.fSign] = w[MAC.vZero]! ? w[MAC.zs]! : w[MAC.sV]!;
  const hiMag = G * 128 + w[MAC.Qhi]! + w[MAC.cy]!;
  w[MAC.finHi] = w[MAC.nz]! * (w[MAC.ov]! ? INF_HI : hiMag);
  w[MAC.finLo] = w[MAC.nz]! * (1 - w[MAC.ov]!) * w[MAC.oLo]!;
  const fin = 1 - w[MAC.nan]! - w[MAC.inf]!;
  w[MAC.oh] = w[MAC.nan]! * NAN_HI + w[MAC.inf]! * (w[MAC.infS]! * 32768 + INF_HI) + fin * (w[MAC.fSign]! * 32768 + w[MAC.finHi]!);
  w[MAC.ol] = fin * w[MAC.finLo]!;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === undefined) throw new Error(`bf16-mac row: column ${NAMES[i]} not set`);
    w[i] = mod(w[i]!);
  }
  return w;
}

/** The 32-bit result of a row. */
export function bf16MacResult(row: ArrayLike<number>): number {
  return ((row[MAC.oh]! << 16) | row[MAC.ol]!) >>> 0;
}

/** The values the chip sends to the 16-bit range table for one row (in the order evalBf16Mac sends them). */
export function macRangeLookups(row: ArrayLike<number>): number[] {
  const g = (n: MacColumn) => row[MAC[n]]!;
  const sg = (n: MacColumn) => {
    const v = g(n);
    return v > F.P / 2 ? v - F.P : v;
  };
  const out: number[] = [];
  const range = (v: number, bits: number) => {
    out.push(mod(v));
    if (bits < 16) out.push(mod(v * 2 ** (16 - bits)));
  };
  const wide = (hi: number, lo: number, bits: number) => {
    range(lo, 16);
    range(hi, bits - 16);
  };
  for (const p of ['a', 'b'] as const) {
    range(g(`e${p}`), 8);
    range(g(`f${p}`), 7);
  }
  range(g('ec'), 8);
  range(g('fc'), 7);
  range(g('cl'), 16);
  range(g('lz'), 4);
  range(g('mpn') - (1 - g('mpZ')) * (1 << 15), 15);
  const MX = g('ea') + g('eaZ') + g('eb') + g('ebZ') - 252 - g('lz');
  const MY = g('ec') + g('ecZ') - 126;
  range(g('cmp') ? MX - MY : MY - MX - 1, 16);
  const s = sg('s');
  range(g('sNeg') ? -s - 1 : s, 16);
  const sRr = g('sNeg') ? -s : 0;
  range(g('clampR') ? sRr - 24 : 23 - sRr, 16);
  range(g('remL'), 16);
  range(g('remH'), 8);
  wide(g('dRH'), g('dRL'), 24);
  wide(g('bH'), g('bL'), 24);
  wide(g('cH'), g('cL'), 24);
  wide(g('n1H'), g('n1L'), 29);
  wide(g('n2H'), g('n2L'), 29);
  const M = sg('M');
  const h = M + g('k') + 98;
  range(g('sub') ? -h : h - 1, 16);
  const t = g('G') - M - 121;
  range(g('tNeg') ? -t - 1 : t, 16);
  const trr = g('tNeg') ? 0 : t;
  range(g('clampT') ? trr - 30 : 29 - trr, 16);
  range(g('Qhi'), 8);
  range(g('w'), 15);
  range(g('rL'), 16);
  range(g('rH'), 13);
  wide(g('prH'), g('prL'), 29);
  wide(g('qH'), g('qL'), 29);
  wide(g('gH'), g('gL'), 29);
  range(g('oLo'), 16);
  range(g('ov') ? g('G') - 254 : 253 - g('G'), 16);
  return out;
}

const tableMessages = busMessages({ name: 'bf16-mac', width: MAC_WIDTH, preprocessedWidth: 0, publicInputs: 0, eval: evalBf16Mac });

/**
 * The powers-of-two table lookups of one row, read off the constraints: [the (k, 2^k) pairs on POW2_BUS, the
 * (t, half) pairs on HALF_BUS], in the order of `pow2Table.buses`.
 */
export function macPow2Lookups(row: ArrayLike<number>): [number[][], number[][]] {
  const of = (bus: number) => tableMessages(bus).map((m) => m.map((v) => v(row)));
  return [of(POW2_BUS), of(HALF_BUS)];
}

/** The chip as a table: one multiply-accumulate per row. */
export const bf16MacAir: Air = {
  name: 'bf16-mac',
  width: MAC_WIDTH,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval: evalBf16Mac,
};

/** For the under-constraint checker: (a, b, acc) in, the f32 result's halves out; no column is free. */
export const bf16MacSoundness: ChipSoundness = { inputs: [MAC.a, MAC.b, MAC.ch, MAC.cl], outputs: [MAC.oh, MAC.ol] };

/** Column names, in column order (for reports). */
export const MAC_NAMES: readonly string[] = NAMES;
