/**
 * The binary32 fused multiply-add chip: one row proves r = RNE(a·b + c) for f32 a, b, c (one rounding, subnormals
 * kept, every NaN result the canonical 0x7FC00000; docs/fp.md, fmaF32). Operands and the result are 16-bit halves
 * (ah, al), (bh, bl), (ch, cl), (oh, ol). f32-arith.ts makes the add and mul chips of it, and its range checks are
 * lookups into f32-arith-tables.ts's tables and the 16-bit range table.
 *
 * Idea: the exact sum S = ±a·b ± c is written as signed 12-bit digits in a frame of 7 limbs (84 bits). The result
 * is not computed by normalising S; the row instead claims the pre-rounding exponent G and significand and proves
 * |S| = Q2·2^τ + R, R < 2^τ, with Q2 = 2·Qf + rb in [2^24, 2^25) for G ≥ 1 (Qf the 24-bit significand, rb the round
 * bit), or G = 0 and τ at the subnormal grid. The normalisation of Q2 pins τ, hence G; R's nonzero-ness is the
 * sticky bit; the round-up is rb·(sticky or Qf odd). A variable shift of a multi-limb number is never computed:
 * only c (24 bits) and Q2 (25 bits) are shifted, each by multiplying its two 12-bit limbs by 2^r (r < 12) and
 * placing the products at limb offset j (one-hot selectors), so every product stays below 2^24.
 *
 * Decomposition (every range check is a lookup: k-bit values, k ≤ 12, into the table SMALL_BUS of pairs (k, v),
 * v < 2^k; 16-bit values into U16_BUS; (r, 2^r), r < 12, into POW12_BUS):
 *   inputs    xh = s·2^15 + e·2^7 + fh, xl = lh·2^12 + x0 (e 8, fh 7, lh 4, x0 12 bits), for x = a, b, c; the
 *             significand's limbs are x0 and x1 = 16·fh + lh + 2^11·[e ≠ 0]; isZero flags for e, e − 255 and the
 *             fraction (fh + xl) give zero, NaN and infinity. e = 255 operands are handled as finite (with the
 *             hidden bit) by the arithmetic, whose result the specials then replace.
 *   product   P = ma·mb < 2^48 in canonical 12-bit limbs p0..p3 with carries k0 < 2^12, k1 < 2^16:
 *             a0b0 = p0 + 2^12·k0, a1b0 + a0b1 + k0 = p1 + 2^12·k1, a1b1 + k1 = p2 + 2^12·p3 (every side < 2^29).
 *             |a·b| = P·2^Ep, Ep = ea' + eb' − 300, |c| = mc·2^Ec, Ec = ec' − 150 (e' = max(e, 1)); d = Ec − Ep.
 *             The significands are not normalised: P ≥ 2^(Ep+23) unless a or b is zero or both are subnormal
 *             (then P < 2^−252 and the far case below applies).
 *   frame     by d (three comparisons with 16-bit range checks of the signed difference), the frame's bit 0 is
 *             at B and S = ±P~ ± c~·2^sc:
 *               far   d ≥ 50 or P = 0:  B = Ec − 26, P~ = [P ≠ 0] (a jam bit), sc = 26;
 *               dom   26 ≤ d < 50:      B = Ep + 23, P~ = 2·⌊P/2^24⌋ + [P mod 2^24 ≠ 0], sc = d − 23 in [3, 27);
 *               norm  −26 ≤ d < 26:     B = Ep − 26, P~ = P·2^26 (exact), sc = d + 26 in [0, 52);
 *               stick d < −26:          B = Ep − 26, P~ = P·2^26, c~ = [c ≠ 0] (a jam bit), sc = 0.
 *             Each jam replaces a part J by a lone 1 at frame bit 0, below every kept bit. That is sound when
 *             |J| < g = min(half the result's ulp, the weight of the lowest kept bit): the kept part K is a
 *             multiple of g, so is every rounding boundary (a multiple of the half-ulp) and every binade edge,
 *             and S = K + J and the jammed K ± 2^B both lie strictly inside (K, K ± g), where they round alike.
 *             stick: |c| < 2^(Ep−2), the kept P·2^Ep is a multiple of 2^Ep, and P ≥ 2^(Ep+23) makes
 *             |S| > 2^(Ep+22), so the ulp ≥ 2^(Ep−1). dom: J = (P mod 2^24)·2^Ep < 2^(Ep+24), the lowest kept
 *             weight; when c is normal |c| ≥ 2^(Ep+49) > 2·|a·b|, so |S| ≥ 2^(Ep+48) and the ulp ≥ 2^(Ep+25), and
 *             when c is subnormal or zero the ulp is at least 2^−149 = 2^Ec ≥ 2^(Ep+26). far: |a·b| < 2^(Ep+48)
 *             ≤ 2^(Ec−2), c is a multiple of 2^Ec and the ulp ≥ 2^(Ec−1). The ulp is at least 2^(B+2) in every
 *             case (norm: S is exact, a nonzero multiple of 2^Ep = 2^(B+26) when d ≥ 0, so the ulp ≥ 2^(B+3), and
 *             |S| > 2^(Ep+22) when d < 0), so τ ≥ 1 below and a jam bit lands in R, never in the round bit.
 *             c = 0 needs no case of its own (Ec = −149 gives far or dom when P is below the subnormal grid), and
 *             P = 0 is forced far, where S = ±c·2^26 exactly. |S| < 2^77, so 7 limbs hold it.
 *   shift     c~ = c0e + 2^12·c1e (c's limbs, or the jam bit in the stick case); sc = 12·jc + rc, rc < 12,
 *             2^rc looked up, cd0 = c0e·2^rc and cd1 = c1e·2^rc (< 2^23) are the digits at limbs jc and jc + 1.
 *   round     G ≥ 0 is the biased exponent before rounding (sub = [G = 0]; G − 1 + sub is range-checked, so G ≥ 1
 *             unless sub), Qf = qf1·2^12 + qf0 with qf0 = 2w + q0 and qf1 = (1 − sub)·2^11 + 16y + z (w 11, y 7,
 *             z 4 bits), Q2 = 2·Qf + rb. τ = G + sub − 151 − B (the frame position of the round bit: the result's
 *             ulp is 2^(max(G,1)−150)), τ = 12·jq + rq in [0, 59], 2^rq looked up, qd0 = (2qf0 + rb)·2^rq,
 *             qd1 = 2qf1·2^rq. R = Σ R_i 2^(12i), R_i < 2^12, R_i = 0 above limb jq and R_jq < 2^rq, so R < 2^τ.
 *             For an exact zero S (zS, Q2 = R = 0) τ is 0 instead, since the subnormal τ may then be negative.
 *   sum       per limb i = 0..6, with the sign sg of S and signs ±1 written σ:
 *               σp·Pdigit_i + σc·cdigit_i − σS·(qdigit_i + R_i) + k_(i−1) = 2^12·k_i,  k_(−1) = k_6 = 0,
 *             carries |k_i| < 2^15 (16-bit checks of k_i + 2^15), so each equation is an integer one (both
 *             sides below 2^28 in magnitude) and together they say S = σS·(Q2·2^τ + R).
 *   result    up = rb·(sticky or q0); the low half z·2^12 + 2w + q0 + up = cy·2^16 + oLo and the high half
 *             G·2^7 + y + cy (a carry out of the fraction moves into the exponent); ov = [high ≥ 0x7F80] gives
 *             infinity (G is at most about 390 even for e = 255 operands, so the high half stays below 2^16).
 *   specials  NaN for a NaN input, ∞·0, or ∞ − ∞ (the product's infinity against c's); otherwise infinity with the
 *             sign of the infinite operand; an exactly zero S is −0 only when the product and c are both zeros of
 *             sign −; a nonzero S that rounds to zero keeps its sign.
 *
 * Why the output is forced: every split is unique under its range checks and no equation wraps (each side stays
 * far below p, as noted above); isZero flags are fixed by their inverses and an inverse is fixed (z·inv = 0); the
 * comparison bits are the only ones putting their difference in range; the lookups pin 2^r to r. Given S, the
 * equation S = σS·(Q2·2^τ + R) with R < 2^τ makes Q2 = ⌊|S|/2^τ⌋ and fixes σS (for S ≠ 0; for S = 0, zS = 1 forces
 * σS = 0); Q2 in [2^24, 2^25) then fixes τ and G, and Q2 < 2^24 forces sub = 1, G = 0 and the subnormal τ, the two
 * being exclusive. So every column, and the output, is a function of (a, b, c): a prover cannot claim another
 * rounding.
 */
import * as F from '../../../proof/field/babybear.ts';
import type { AirBuilder, Air } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import { U16_BUS } from './u16-table.ts';
import { POW12_BUS, SMALL_BUS } from './f32-arith-tables.ts';

const LIMBS = 7; // the frame: 7 limbs of 12 bits
const QPOS = 5; // selector positions for the shifts: j = 0..4
const RLIMBS = 5; // R_0..R_4 (τ ≤ 59)

export const OPERANDS = ['a', 'b', 'c'] as const;
export type Operand = (typeof OPERANDS)[number];
export const operandColumns = (p: Operand) =>
  [`${p}h`, `${p}l`, `${p}s`, `${p}e`, `${p}fh`, `${p}lh`, `${p}0`, `${p}eZ`, `${p}eZInv`, `${p}eM`, `${p}eMInv`, `${p}fZ`, `${p}fZInv`, `${p}Z`, `${p}N`, `${p}I`] as const;

const NAMES = [
  ...operandColumns('a'),
  ...operandColumns('b'),
  ...operandColumns('c'),
  'p0', 'p1', 'p2', 'p3', 'k0', 'k1', 'pZ',
  'g50', 'g50d', 'g26', 'g26d', 'gm26', 'gm26d', 'far', 'dom', 'nrm', 'stick', 'pLowZ', 'pLowInv',
  'c0e', 'c1e', 'selc0', 'selc1', 'selc2', 'selc3', 'selc4', 'rc', 'pwc', 'cd0', 'cd1',
  'sX', 'sg', 'G', 'sub', 'w', 'q0', 'y', 'z', 'rb',
  'selq0', 'selq1', 'selq2', 'selq3', 'selq4', 'rq', 'pwq', 'qd0', 'qd1',
  'R0', 'R1', 'R2', 'R3', 'R4', 'Rsel', 'stZ', 'stInv', 'zS', 'zSInv',
  'k_0', 'k_1', 'k_2', 'k_3', 'k_4', 'k_5',
  'up', 'cy', 'oLo', 'ov', 'ovd',
  'pInf', 'nanIn', 'invMul', 'bothInf', 'invAdd', 'nan', 'inf', 'infS', 'bothZ', 'zs', 'fSign',
  'oh', 'ol',
] as const;
export type FmaColumn = (typeof NAMES)[number];
export const FMA: Record<FmaColumn, number> = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<FmaColumn, number>;
export const FMA_WIDTH = NAMES.length;
/** The column names, in column order. */
export const FMA_NAMES: readonly FmaColumn[] = NAMES;

const NAN_HI = 0x7fc0;
const INF_HI = 0x7f80;

/** The chip's constraints on one row. */
export function evalF32Fma(b: AirBuilder): void {
  const c = (n: FmaColumn): Expr => b.main(FMA[n]);
  const one = b.constant(1);
  const bit = (x: Expr, name: string) => b.assertBool(x, `${name} is a bit`);
  const isZero = (x: Expr, z: Expr, inv: Expr, name: string) => {
    b.assertZero(z.mul(x), `${name} is 0 unless the value is 0`);
    b.assertEq(one.sub(z), x.mul(inv), `${name} is 1 when the value is 0`);
    b.assertZero(z.mul(inv), `${name}: no inverse of 0`);
  };
  const small = (v: Expr, bits: number) => b.send(SMALL_BUS, [b.constant(bits), v]);
  const u16 = (v: Expr) => b.send(U16_BUS, [v]);
  const or = (x: Expr, y: Expr) => x.add(y).sub(x.mul(y));
  const xor = (x: Expr, y: Expr) => x.add(y).sub(x.mul(y).mul(2));
  const sel = (f: Expr, x: Expr | number, y: Expr | number) => f.mul(x).add(one.sub(f).mul(y));
  const signOf = (s: Expr) => one.sub(s.mul(2)); // ±1

  // Inputs.
  const limb1 = {} as Record<Operand, Expr>;
  for (const p of OPERANDS) {
    const [s, e, fh, lh, x0] = [c(`${p}s`), c(`${p}e`), c(`${p}fh`), c(`${p}lh`), c(`${p}0`)];
    bit(s, `${p} sign`);
    b.assertEq(c(`${p}h`), s.mul(1 << 15).add(e.mul(1 << 7)).add(fh), `${p} hi = s·2^15 + e·2^7 + fh`);
    b.assertEq(c(`${p}l`), lh.mul(1 << 12).add(x0), `${p} lo = lh·2^12 + x0`);
    small(e, 8);
    small(fh, 7);
    small(lh, 4);
    small(x0, 12);
    isZero(e, c(`${p}eZ`), c(`${p}eZInv`), `${p} exponent 0`);
    isZero(e.sub(255), c(`${p}eM`), c(`${p}eMInv`), `${p} exponent 255`);
    isZero(fh.add(c(`${p}l`)), c(`${p}fZ`), c(`${p}fZInv`), `${p} fraction 0`);
    b.assertEq(c(`${p}Z`), c(`${p}eZ`).mul(c(`${p}fZ`)), `${p} is a zero`);
    b.assertEq(c(`${p}N`), c(`${p}eM`).mul(one.sub(c(`${p}fZ`))), `${p} is a NaN`);
    b.assertEq(c(`${p}I`), c(`${p}eM`).mul(c(`${p}fZ`)), `${p} is infinite`);
    limb1[p] = fh.mul(16).add(lh).add(one.sub(c(`${p}eZ`)).mul(1 << 11));
  }

  // Product.
  const [a0, a1, b0, b1] = [c('a0'), limb1.a, c('b0'), limb1.b];
  b.assertEq(a0.mul(b0), c('p0').add(c('k0').mul(1 << 12)), 'product limb 0');
  b.assertEq(a1.mul(b0).add(a0.mul(b1)).add(c('k0')), c('p1').add(c('k1').mul(1 << 12)), 'product limb 1');
  b.assertEq(a1.mul(b1).add(c('k1')), c('p2').add(c('p3').mul(1 << 12)), 'product limbs 2 and 3');
  for (const n of ['p0', 'p1', 'p2', 'p3', 'k0'] as const) small(c(n), 12);
  u16(c('k1'));
  b.assertEq(c('pZ'), or(c('aZ'), c('bZ')), 'product is zero');

  // Cases by the exponent difference d = Ec − Ep.
  const Ep = c('ae').add(c('aeZ')).add(c('be')).add(c('beZ')).sub(300);
  const Ec = c('ce').add(c('ceZ')).sub(150);
  const d = Ec.sub(Ep);
  for (const [g, gd, t] of [
    ['g50', 'g50d', 50],
    ['g26', 'g26d', 26],
    ['gm26', 'gm26d', -26],
  ] as const) {
    bit(c(g), `d >= ${t}`);
    b.assertEq(c(gd), sel(c(g), d.sub(t), b.constant(t - 1).sub(d)), `d >= ${t}: difference`);
    u16(c(gd));
  }
  const pZ = c('pZ');
  b.assertEq(c('far'), or(c('g50'), pZ), 'far: c far above the product, or no product');
  b.assertEq(c('dom'), c('g26').sub(c('g50')).mul(one.sub(pZ)), 'dom: c dominates');
  b.assertEq(c('nrm'), one.sub(c('g26')).mul(one.sub(pZ)), 'nrm: the product is kept exactly');
  b.assertEq(c('stick'), one.sub(c('gm26')).mul(one.sub(pZ)), 'stick: c below the product');
  const norm = c('nrm').sub(c('stick'));
  isZero(c('p0').add(c('p1')), c('pLowZ'), c('pLowInv'), 'low half of the product 0');

  // c's digits.
  b.assertEq(c('c0e'), sel(c('stick'), one.sub(c('cZ')), c('c0')), "c's low limb, or its jam bit");
  b.assertEq(c('c1e'), one.sub(c('stick')).mul(limb1.c), "c's high limb");
  const selc = [0, 1, 2, 3, 4].map((j) => c(`selc${j}` as FmaColumn));
  const selq = [0, 1, 2, 3, 4].map((j) => c(`selq${j}` as FmaColumn));
  for (const [sels, name] of [
    [selc, 'c shift'],
    [selq, 'round shift'],
  ] as const) {
    sels.forEach((s, j) => bit(s, `${name} selector ${j}`));
    b.assertEq(sels.reduce((x, y) => x.add(y)), one, `${name}: one selector`);
  }
  const limbOf = (sels: readonly Expr[]) => sels.reduce((acc, s, j) => acc.add(s.mul(12 * j)), b.constant(0));
  const sc = c('far').mul(26).add(c('dom').mul(d.sub(23))).add(norm.mul(d.add(26)));
  b.assertEq(limbOf(selc).add(c('rc')), sc, 'c shift = 12·jc + rc');
  b.send(POW12_BUS, [c('rc'), c('pwc')]);
  b.assertEq(c('cd0'), c('c0e').mul(c('pwc')), 'c digit 0');
  b.assertEq(c('cd1'), c('c1e').mul(c('pwc')), 'c digit 1');

  // The rounding position and the claimed significand.
  b.assertEq(c('sX'), xor(c('as'), c('bs')), 'product sign');
  bit(c('sg'), 'sign of S');
  bit(c('sub'), 'subnormal');
  b.assertZero(c('sub').mul(c('G')), 'G = 0 when subnormal');
  u16(c('G').sub(1).add(c('sub')));
  small(c('w'), 11);
  bit(c('q0'), 'low bit');
  small(c('y'), 7);
  small(c('z'), 4);
  bit(c('rb'), 'round bit');
  const qf0 = c('w').mul(2).add(c('q0'));
  const qf1 = one.sub(c('sub')).mul(1 << 11).add(c('y').mul(16)).add(c('z'));
  const B = c('nrm').mul(Ep.sub(26)).add(c('dom').mul(Ep.add(23))).add(c('far').mul(Ec.sub(26)));
  b.assertEq(limbOf(selq).add(c('rq')), one.sub(c('zS')).mul(c('G').add(c('sub')).sub(151).sub(B)), 'round position = 12·jq + rq');
  b.send(POW12_BUS, [c('rq'), c('pwq')]);
  b.assertEq(c('qd0'), qf0.mul(2).add(c('rb')).mul(c('pwq')), 'Q2 digit 0');
  b.assertEq(c('qd1'), qf1.mul(2).mul(c('pwq')), 'Q2 digit 1');
  const R = [0, 1, 2, 3, 4].map((i) => c(`R${i}` as FmaColumn));
  R.forEach((r) => small(r, 12));
  b.assertEq(c('Rsel'), R.reduce((acc, r, i) => acc.add(selq[i]!.mul(r)), b.constant(0)), 'R limb at the round position');
  u16(c('pwq').sub(1).sub(c('Rsel')));
  let above = b.constant(0);
  let below = b.constant(0); // Σ_{j < i} selq_j = [jq < i]
  for (let i = 1; i < RLIMBS; i++) {
    below = below.add(selq[i - 1]!);
    above = above.add(below.mul(R[i]!));
  }
  b.assertZero(above, 'R is 0 above the round position');
  const sumR = R.reduce((x, y) => x.add(y));
  isZero(sumR, c('stZ'), c('stInv'), 'sticky');
  isZero(qf0.add(qf1).add(c('rb')).add(sumR), c('zS'), c('zSInv'), 'S is zero');
  b.assertZero(c('zS').mul(c('sg')), 'a zero S is not negative');

  // S = σS·(Q2·2^τ + R), limb by limb.
  const sp = signOf(c('sX'));
  const sC = signOf(c('cs'));
  const sS = signOf(c('sg'));
  const k = [0, 1, 2, 3, 4, 5].map((i) => c(`k_${i}` as FmaColumn));
  for (let i = 0; i < LIMBS; i++) {
    let pd = b.constant(0);
    if (i >= 2 && i <= 5) pd = pd.add(c('nrm').mul(c(`p${i - 2}` as FmaColumn)).mul(4));
    if (i === 0) pd = pd.add(c('dom').mul(c('p2').mul(2).add(one).sub(c('pLowZ')))).add(c('far').mul(one.sub(pZ)));
    if (i === 1) pd = pd.add(c('dom').mul(c('p3')).mul(2));
    let cdig = b.constant(0);
    let qdig = b.constant(0);
    if (i < QPOS) {
      cdig = cdig.add(selc[i]!.mul(c('cd0')));
      qdig = qdig.add(selq[i]!.mul(c('qd0')));
    }
    if (i >= 1 && i <= QPOS) {
      cdig = cdig.add(selc[i - 1]!.mul(c('cd1')));
      qdig = qdig.add(selq[i - 1]!.mul(c('qd1')));
    }
    if (i < RLIMBS) qdig = qdig.add(R[i]!);
    let eq = sp.mul(pd).add(sC.mul(cdig)).sub(sS.mul(qdig));
    if (i > 0) eq = eq.add(k[i - 1]!);
    if (i < LIMBS - 1) eq = eq.sub(k[i]!.mul(1 << 12));
    b.assertZero(eq, `sum limb ${i}`);
  }
  k.forEach((x) => u16(x.add(1 << 15)));

  // Rounding and the finite result.
  b.assertEq(c('up'), c('rb').mul(or(one.sub(c('stZ')), c('q0'))), 'round up when rb and (sticky or odd)');
  bit(c('cy'), 'carry');
  b.assertEq(c('z').mul(1 << 12).add(qf0).add(c('up')), c('cy').mul(1 << 16).add(c('oLo')), 'low half with the carry');
  u16(c('oLo'));
  const hi15 = c('G').mul(128).add(c('y')).add(c('cy'));
  bit(c('ov'), 'overflow');
  b.assertEq(c('ovd'), sel(c('ov'), hi15.sub(INF_HI), b.constant(INF_HI - 1).sub(hi15)), 'overflow: difference');
  u16(c('ovd'));

  // Specials and the output.
  b.assertEq(c('pInf'), or(c('aI'), c('bI')).mul(one.sub(pZ)), 'product infinite');
  b.assertEq(c('nanIn'), one.sub(one.sub(c('aN')).mul(one.sub(c('bN'))).mul(one.sub(c('cN')))), 'a NaN input');
  b.assertEq(c('invMul'), c('aI').mul(c('bZ')).add(c('aZ').mul(c('bI'))), 'infinity times zero');
  b.assertEq(c('bothInf'), c('pInf').mul(c('cI')), 'product and c infinite');
  b.assertEq(c('invAdd'), c('bothInf').mul(xor(c('sX'), c('cs'))), 'infinity minus infinity');
  b.assertEq(c('nan'), one.sub(one.sub(c('nanIn')).mul(one.sub(c('invMul'))).mul(one.sub(c('invAdd')))), 'NaN result');
  b.assertEq(c('inf'), one.sub(c('nan')).mul(or(c('pInf'), c('cI'))), 'infinite result');
  b.assertEq(c('infS'), sel(c('pInf'), c('sX'), c('cs')), 'sign of the infinity');
  b.assertEq(c('bothZ'), pZ.mul(c('cZ')), 'product and c zero');
  b.assertEq(c('zs'), c('bothZ').mul(c('sX')).mul(c('cs')), 'sign of an exact zero');
  b.assertEq(c('fSign'), sel(c('zS'), c('zs'), c('sg')), 'sign of a finite result');
  const fin = one.sub(c('nan')).sub(c('inf'));
  b.assertEq(
    c('oh'),
    c('nan')
      .mul(NAN_HI)
      .add(c('inf').mul(c('infS').mul(1 << 15).add(INF_HI)))
      .add(fin.mul(c('fSign').mul(1 << 15).add(c('ov').mul(INF_HI))))
      .add(fin.mul(one.sub(c('ov'))).mul(hi15)),
    'out hi',
  );
  b.assertEq(c('ol'), fin.mul(one.sub(c('ov'))).mul(c('oLo')), 'out lo');
}

const mod = (x: number): number => {
  const r = x % F.P;
  return r < 0 ? r + F.P : r;
};
const invOf = (x: number): number => (mod(x) === 0 ? 0 : F.inv(mod(x)));
const b2n = (x: boolean): number => (x ? 1 : 0);

/** Number of significant bits of a non-negative bigint. */
function bitLength(x: bigint): number {
  if (x < 9007199254740992n) {
    const n = Number(x);
    return n < 4294967296 ? 32 - Math.clz32(n) : 64 - Math.clz32(Math.floor(n / 4294967296));
  }
  return 48 + bitLength(x >> 48n);
}

const OPERAND_INDEX = Object.fromEntries(
  OPERANDS.map((p) => [p, operandColumns(p).map((n) => FMA[n])]),
) as Record<Operand, number[]>;
const SELC = [0, 1, 2, 3, 4].map((j) => FMA[`selc${j}` as FmaColumn]);
const SELQ = [0, 1, 2, 3, 4].map((j) => FMA[`selq${j}` as FmaColumn]);
const RCOL = [0, 1, 2, 3, 4].map((i) => FMA[`R${i}` as FmaColumn]);
const KCOL = [0, 1, 2, 3, 4, 5].map((i) => FMA[`k_${i}` as FmaColumn]);

/** The row computing fmaF32(a, b, c) (the witness generator; every column derives from the operands). */
export function f32FmaRow(a: number, b: number, c: number): number[] {
  const w = new Array<number>(FMA_WIDTH).fill(Number.NaN);
  const put = (n: FmaColumn, v: number) => {
    w[FMA[n]] = v;
  };
  const unpack = (p: Operand, x: number) => {
    const hi = x >>> 16;
    const lo = x & 0xffff;
    const s = hi >>> 15;
    const e = (hi >>> 7) & 0xff;
    const fh = hi & 0x7f;
    const eZ = b2n(e === 0);
    const eM = b2n(e === 255);
    const fZ = b2n(fh + lo === 0);
    const x1 = fh * 16 + (lo >>> 12) + 2048 * (1 - eZ);
    const x0 = lo & 0xfff;
    const Z = eZ * fZ;
    const N = eM * (1 - fZ);
    const I = eM * fZ;
    // In the order of operandColumns.
    const vals = [hi, lo, s, e, fh, lo >>> 12, x0, eZ, invOf(e), eM, invOf(e - 255), fZ, invOf(fh + lo), Z, N, I];
    OPERAND_INDEX[p].forEach((col, i) => (w[col] = vals[i]!));
    return { s, e, eZ, x0, x1, m: x1 * 4096 + x0, Z, N, I };
  };
  const A = unpack('a', a >>> 0);
  const Bo = unpack('b', b >>> 0);
  const C = unpack('c', c >>> 0);

  // Product.
  const t0 = A.x0 * Bo.x0;
  const p0 = t0 % 4096;
  const k0 = Math.floor(t0 / 4096);
  const t1 = A.x1 * Bo.x0 + A.x0 * Bo.x1 + k0;
  const p1 = t1 % 4096;
  const k1 = Math.floor(t1 / 4096);
  const t2 = A.x1 * Bo.x1 + k1;
  const p2 = t2 % 4096;
  const p3 = Math.floor(t2 / 4096);
  put('p0', p0);
  put('p1', p1);
  put('p2', p2);
  put('p3', p3);
  put('k0', k0);
  put('k1', k1);
  const pZ = b2n(A.Z === 1 || Bo.Z === 1);
  put('pZ', pZ);

  // Cases.
  const Ep = A.e + A.eZ + Bo.e + Bo.eZ - 300;
  const Ec = C.e + C.eZ - 150;
  const d = Ec - Ep;
  const g50 = b2n(d >= 50);
  const g26 = b2n(d >= 26);
  const gm26 = b2n(d >= -26);
  put('g50', g50);
  put('g50d', g50 ? d - 50 : 49 - d);
  put('g26', g26);
  put('g26d', g26 ? d - 26 : 25 - d);
  put('gm26', gm26);
  put('gm26d', gm26 ? d + 26 : -27 - d);
  const far = b2n(g50 === 1 || pZ === 1);
  const dom = (g26 - g50) * (1 - pZ);
  const nrm = (1 - g26) * (1 - pZ);
  const stick = (1 - gm26) * (1 - pZ);
  put('far', far);
  put('dom', dom);
  put('nrm', nrm);
  put('stick', stick);
  const pLowZ = b2n(p0 + p1 === 0);
  put('pLowZ', pLowZ);
  put('pLowInv', invOf(p0 + p1));

  // c's digits.
  const c0e = stick ? 1 - C.Z : C.x0;
  const c1e = stick ? 0 : C.x1;
  put('c0e', c0e);
  put('c1e', c1e);
  const sc = far ? 26 : dom ? d - 23 : nrm && !stick ? d + 26 : 0;
  const jc = Math.floor(sc / 12);
  const rc = sc % 12;
  SELC.forEach((col, j) => (w[col] = b2n(j === jc)));
  put('rc', rc);
  put('pwc', 2 ** rc);
  const cd0 = c0e * 2 ** rc;
  const cd1 = c1e * 2 ** rc;
  put('cd0', cd0);
  put('cd1', cd1);

  // The exact (or jammed) sum in the frame.
  const sX = A.s ^ Bo.s;
  put('sX', sX);
  const P = BigInt(A.m) * BigInt(Bo.m);
  const Pt = nrm ? P << 26n : dom ? 2n * (P >> 24n) + BigInt(1 - pLowZ) : BigInt(1 - pZ);
  const Ct = BigInt(c0e + 4096 * c1e) << BigInt(sc);
  const S = (sX ? -Pt : Pt) + (C.s ? -Ct : Ct);
  const absS = S < 0n ? -S : S;
  const sg = b2n(S < 0n);
  put('sg', sg);
  const Bf = nrm ? Ep - 26 : dom ? Ep + 23 : Ec - 26;
  let tau = 0;
  let G = 0;
  let sub = 1;
  if (absS !== 0n) {
    const tauN = bitLength(absS) - 25;
    G = tauN + 151 + Bf;
    if (G >= 1) {
      tau = tauN;
      sub = 0;
    } else {
      G = 0;
      tau = -150 - Bf;
    }
  }
  if (tau < 0 || tau >= 12 * QPOS) throw new Error(`f32-fma row: round position ${tau} outside the frame`);
  const Q2 = Number(absS >> BigInt(tau));
  const Rbig = absS - (BigInt(Q2) << BigInt(tau)); // below 2^59
  put('G', G);
  put('sub', sub);
  const rb = Q2 & 1;
  put('rb', rb);
  const Qf = Q2 >>> 1;
  const qf0 = Qf & 4095;
  const qf1 = Qf >>> 12;
  const q0 = qf0 & 1;
  put('w', qf0 >>> 1);
  put('q0', q0);
  const qf1l = qf1 - (1 - sub) * 2048;
  const y = qf1l >>> 4;
  const z = qf1l & 15;
  put('y', y);
  put('z', z);
  const jq = Math.floor(tau / 12);
  const rq = tau % 12;
  SELQ.forEach((col, j) => (w[col] = b2n(j === jq)));
  put('rq', rq);
  put('pwq', 2 ** rq);
  const qd0 = (2 * qf0 + rb) * 2 ** rq;
  const qd1 = 2 * qf1 * 2 ** rq;
  put('qd0', qd0);
  put('qd1', qd1);
  const Rl: number[] = [];
  const rLow = Number(Rbig & 0xffffffffffffn); // the low 48 bits
  const rHigh = Number(Rbig >> 48n);
  for (let i = 0; i < 4; i++) Rl.push(Math.floor(rLow / 2 ** (12 * i)) % 4096);
  Rl.push(rHigh % 4096);
  if (rHigh >= 4096) throw new Error('f32-fma row: remainder outside the frame');
  RCOL.forEach((col, i) => (w[col] = Rl[i]!));
  put('Rsel', Rl[jq]!);
  const sumR = Rl[0]! + Rl[1]! + Rl[2]! + Rl[3]! + Rl[4]!;
  const stZ = b2n(sumR === 0);
  put('stZ', stZ);
  put('stInv', invOf(sumR));
  const zsum = qf0 + qf1 + rb + sumR;
  const zS = b2n(zsum === 0);
  put('zS', zS);
  put('zSInv', invOf(zsum));

  // Carries of the limb equations.
  const sp = 1 - 2 * sX;
  const sC = 1 - 2 * C.s;
  const sS = 1 - 2 * sg;
  const pl = [p0, p1, p2, p3];
  let carry = 0;
  for (let i = 0; i < LIMBS; i++) {
    let pd = 0;
    if (i >= 2 && i <= 5) pd += nrm * 4 * pl[i - 2]!;
    if (i === 0) pd += dom * (2 * p2 + 1 - pLowZ) + far * (1 - pZ);
    if (i === 1) pd += dom * 2 * p3;
    let cdig = 0;
    let qdig = 0;
    if (i === jc) cdig += cd0;
    if (i === jc + 1) cdig += cd1;
    if (i === jq) qdig += qd0;
    if (i === jq + 1) qdig += qd1;
    if (i < RLIMBS) qdig += Rl[i]!;
    const v = sp * pd + sC * cdig - sS * qdig + carry;
    if (v % 4096 !== 0) throw new Error(`f32-fma row: limb ${i} does not balance`);
    carry = v / 4096;
    if (i < LIMBS - 1) w[KCOL[i]!] = carry;
    else if (carry !== 0) throw new Error('f32-fma row: the sum does not balance');
  }

  // Rounding and the finite result.
  const up = rb * ((1 - stZ) | q0);
  put('up', up);
  const low = z * 4096 + qf0 + up;
  const cy = b2n(low >= 65536);
  put('cy', cy);
  const oLo = low - cy * 65536;
  put('oLo', oLo);
  const hi15 = G * 128 + y + cy;
  const ov = b2n(hi15 >= INF_HI);
  put('ov', ov);
  put('ovd', ov ? hi15 - INF_HI : INF_HI - 1 - hi15);

  // Specials.
  const pInf = (A.I | Bo.I) * (1 - pZ);
  const nanIn = A.N | Bo.N | C.N;
  const invMul = A.I * Bo.Z + A.Z * Bo.I;
  const bothInf = pInf * C.I;
  const invAdd = bothInf * (sX ^ C.s);
  const nan = nanIn | invMul | invAdd;
  const inf = (1 - nan) * (pInf | C.I);
  const infS = pInf ? sX : C.s;
  const bothZ = pZ * C.Z;
  const zs = bothZ * sX * C.s;
  const fSign = zS ? zs : sg;
  put('pInf', pInf);
  put('nanIn', nanIn);
  put('invMul', invMul);
  put('bothInf', bothInf);
  put('invAdd', invAdd);
  put('nan', nan);
  put('inf', inf);
  put('infS', infS);
  put('bothZ', bothZ);
  put('zs', zs);
  put('fSign', fSign);
  const fin = 1 - nan - inf;
  put('oh', nan * NAN_HI + inf * (infS * 32768 + INF_HI) + fin * (fSign * 32768 + (ov ? INF_HI : hi15)));
  put('ol', fin * (1 - ov) * oLo);
  for (let i = 0; i < FMA_WIDTH; i++) {
    const v = w[i]!;
    if (Number.isNaN(v)) throw new Error(`f32-fma row: column ${NAMES[i]} not set`);
    w[i] = v < 0 ? v + F.P : v;
  }
  return w;
}

/** The full chip as a table: one fused multiply-add per row. */
export const f32FmaAir: Air = {
  name: 'f32-fma',
  width: FMA_WIDTH,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval: evalF32Fma,
};
