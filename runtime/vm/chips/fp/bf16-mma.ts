/**
 * The tensor-core chip: NVIDIA Hopper BF16 tensor-core operations D = mma16(A[16], B[16], C) (runtime/fp/mma.ts
 * states the model; docs/fp.md "Tensor-core arithmetic"), chained into GEMM dot products, G operations ("groups")
 * per row, so that a row's fixed costs (quotient chunks, the LogUp running sum) are shared by 16·G products.
 *
 * A row: a carry (6 columns), then G group slots, each 16 product blocks of 9 columns and 32 group columns. The
 * statement (preprocessed) gives each slot its operand words a_i, b_i (bf16 bit patterns) and flags: `first` (C
 * is +0), `last` (the result is pinned to (pinT, pinV, pinQ, pinNaN); pinMax: E = 255, whose Q is not pinned)
 * and `load` (no operation: the result is the pinned state, how bf16_mma's C enters).
 *
 * A state (C, or a slot's result R) is an f32 as (t, v, q2, q1, q0, nan): t = 256·s + E its top 9 bits, v as in
 * T9 (bf16-mma-tables.ts), Q = 2^16·q2 + 2^8·q1 + q0 its significand with the hidden bit (f + 2^23·[E ≠ 0]), nan a
 * flag (an E = 255 state is an infinity unless nan; its Q is 2^23, or after an overflow the significand that
 * overflowed). Slot j's C is slot j−1's R, slot 0's the carry, which is the previous row's last R (a transition).
 * R is checked in every mode: T9 (t, v), R7 (q2 − 128·h(v)), and its bytes by the H/L lookups below.
 *
 * Exponents (P-scale, a biased sum): a product's is P_i = e'_a + e'_b with e' = max(E, 1) = t + 1 − v, C's is
 * P_C = e'_C + 127 (128 for +0), e_max is M = max(P_C, P_i) and the unit g = 2^(M − 279) (mma.ts: 2^(e_max − 25)
 * with e_max = M − 254). In units of g product i is ⌊m_i·2^(11 − d_i)⌋, m_i = sig_a·sig_b < 2^16, d_i = M − P_i,
 * and C is ⌊Q_C·2^(2 − dC)⌋, dC = M − P_C.
 *
 * Three modes: fast, special (SP: an operand or C is an infinity or NaN) and load. F = (1 − SP)(1 − load);
 * fast-only constraints carry the factor F and fast-only lookups have multiplicity F, so in the other modes
 * those columns are free, and special mode reuses some.
 *
 * Fast mode, per product (columns ta, va, tb, vb, dc, mh, Hc, Hf, L):
 *   decode    T9 (t, v) and R7 (a − 128·t): t is a's top 9 bits, f = a − 128·t its fraction, sig = f + 128·h(v).
 *   product   mh and ml = sig_a·sig_b − 256·mh are bytes (the H and L lookups below; ml is an expression of
 *             degree 6, looked up as it is).
 *   align     CLAMP (d, dc), d = M − P_i ≥ 0 (so M bounds every product), dc = min(d, 27).
 *   truncate  H (dc, mh, Hc, Hf), L (dc, ml, L): ⌊m·2^(11 − dc)⌋ = 2^16·Hc + Hf + L (HL's identity; 0 from 27 on).
 * Per group: C's term from its bytes the same way, CCLAMP (dC, k1, k9), H (k1, q2, HcC, HfC), L (k1, q1, L1C),
 * L (k9, q0, L0C): ⌊Q·2^(2 − dC)⌋ = 2^16·HcC + HfC + L1C + L0C. M is attained: Π d_i · dC = 0. The exact sum
 * W = Σ ±T_i ± T_C reaches 2^31.1 > p, so it is kept in two exact limbs, W = 2^16·WH + WL with WH = Σ ±Hc
 * (|WH| < 2^15.1) and WL = Σ ±(Hf + L) (|WL| < 2^23.3).
 *
 * The conversion (sgn, κ, x1, x0, sh, kq, kq8, P, λ, Hx, Lx, Hq2c, Hq2f, Lq1, Lq0, ovf, qinv, vhL):
 *   |W| = V = 2^16·Vh + 256·x1 + x0 with (1 − 2·sgn)·WL = 256·x1 + x0 + 2^16·κ and Vh = (1 − 2·sgn)·WH + κ; R9
 *   checks κ + 256 < 2^9 and the lookups at key kR = 11 + λ·sh check the bytes x1, x0, so both limb equations
 *   hold over the integers. sh is the shift to 24 bits, max(n − 24, 130 − M) (n: V's bit length; 130 − M puts
 *   a subnormal on the grid 2^−149), with NORM (sh, kR, kq, kq8, P, λ); the result's e' = sh + M − 129, EXP (e',
 *   ovf): e' ≥ 1 and ovf = [e' ≥ 255].
 *   λ = 1 (sh ≥ 1): Q = Vh·2^(16 − sh) + H(kR, x1) + L(kR, x0) = ⌊V/2^sh⌋, below p (Vh < 2^15.1).
 *   λ = 0 (sh ≤ 0): Q = V·2^(−sh), checked as V = ⌊Q/2^(−sh)⌋ by H (kq, q2), L (kq, q1), L (kq8, q0) on R's
 *   bytes (floors below 2^24: no wrap) and V·P = Q (V·P ≤ Q), with vhL = Vh < 2^9 (R9) so that V is below p.
 *   Q is R's significand: R's checks make it < 2^24 and ≥ 2^23 when e' ≥ 2, which fixes sh (a smaller sh gives
 *   Q ≥ 2^24, a larger one Q < 2^23 with e' ≥ 2, or e' < 1). R is +0 when Q = 0 (the sign is dropped: the sign
 *   is sgn·Q·qinv), the infinity of sgn's sign when ovf (keeping the normalised Q, which is what shows the
 *   overflow is real), else (sgn, e', Q).
 *
 * Special mode: SP is forced by any E = 255 among the operands and C ((1 − SP)·Σ[E = 255] = 0) and needs one.
 * Product columns dc, mh, Hc, Hf hold zf_a, finv_a, zf_b, finv_b (zf = [f = 0] by f·finv = 1 − zf, zf·f = 0);
 * group columns sgn, κ, λ, x1, ovf, x0 hold nzN, iN, nzP, iP, nzM, iM. The counts nNaN = Σ (nan_a + nan_b +
 * inf_a·zero_b + zero_a·inf_b) + C's NaN, nPos and nNeg (infinite products and C, by sign), nz· = [count ≠ 0]
 * by inverses; R is the NaN when nzN or both nzP and nzM, else the infinity of the one set, and one must be.
 *
 * Why the result is forced (fast mode): the decode is unique (t, f in range); m, d, dc, the bytes, H, L follow
 * from the operands and M; M is the largest exponent (every CLAMP lookup bounds it, the product attains it); W's
 * limbs are exact; V's limb equations hold over the integers; sh is fixed by R's normalisation; ovf by EXP; R by
 * the relations above. test/fp/mma-chip.test.ts follows a cheating prover's other choices through every column.
 *
 * This module holds the layout, the states and the constraints; bf16-mma-witness.ts computes the rows.
 */
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import type { ChipSoundness } from '../../../proof/air/soundness/index.ts';
import { MMA_K } from '../../../fp/mma.ts';
import {
  CCLAMP_BUS,
  CLAMP_BUS,
  EXP_BUS,
  H_BUS,
  L_BUS,
  NORM_BUS,
  R7_BUS,
  R9_BUS,
  T9_BUS,
  t9,
  vPoly,
} from './bf16-mma-tables.ts';

// ---------------------------------------------------------------------------------------------------------------
// Layout.

const PRODUCT = ['ta', 'va', 'tb', 'vb', 'dc', 'mh', 'Hc', 'Hf', 'L'] as const;
const STATE = ['t', 'v', 'q2', 'q1', 'q0', 'nan'] as const;
const GROUP = [
  ...STATE.map((s) => `R${s}` as const),
  'k1', 'k9', 'HcC', 'HfC', 'L1C', 'L0C',
  'M', 'SP',
  'sgn', 'kap', 'x1', 'x0', 'sh', 'kq', 'kq8', 'P', 'lam', 'Hx', 'Lx', 'Hq2c', 'Hq2f', 'Lq1', 'Lq0', 'ovf', 'qinv', 'vhL',
] as const;
const PIN = ['first', 'last', 'load', 'pinT', 'pinV', 'pinQ', 'pinNaN', 'pinMax'] as const;

export type ProductColumn = (typeof PRODUCT)[number];
export type GroupColumn = (typeof GROUP)[number];
export type PinColumn = (typeof PIN)[number];

export const PRODUCT_WIDTH = PRODUCT.length;
export const GROUP_WIDTH = MMA_K * PRODUCT_WIDTH + GROUP.length;
export const CARRY_WIDTH = STATE.length;
/** Preprocessed columns per slot: a[16], b[16], the flags and the pins. */
export const SLOT_PRE_WIDTH = 2 * MMA_K + PIN.length;

/** A product column's offset in its product block. */
export const PIDX = Object.fromEntries(PRODUCT.map((n, i) => [n, i])) as Record<ProductColumn, number>;
/** A group column's offset in its slot. */
export const GIDX = Object.fromEntries(GROUP.map((n, i) => [n, MMA_K * PRODUCT_WIDTH + i])) as Record<GroupColumn, number>;
const PINIDX = Object.fromEntries(PIN.map((n, i) => [n, 2 * MMA_K + i])) as Record<PinColumn, number>;

/** Column indices of a chip with `groups` slots per row. */
export function mmaLayout(groups: number) {
  const slot = (j: number) => CARRY_WIDTH + j * GROUP_WIDTH;
  return {
    groups,
    width: CARRY_WIDTH + groups * GROUP_WIDTH,
    preWidth: groups * SLOT_PRE_WIDTH,
    carry: (f: (typeof STATE)[number]) => STATE.indexOf(f),
    product: (j: number, i: number, c: ProductColumn) => slot(j) + i * PRODUCT_WIDTH + PIDX[c],
    group: (j: number, c: GroupColumn) => slot(j) + GIDX[c],
    a: (j: number, i: number) => j * SLOT_PRE_WIDTH + i,
    b: (j: number, i: number) => j * SLOT_PRE_WIDTH + MMA_K + i,
    pin: (j: number, c: PinColumn) => j * SLOT_PRE_WIDTH + PINIDX[c],
  };
}
export type MmaLayout = ReturnType<typeof mmaLayout>;

/** Column names of a row, for reports. */
export function mmaNames(groups: number): string[] {
  const names = STATE.map((s) => `carry.${s}`);
  for (let j = 0; j < groups; j++) {
    for (let i = 0; i < MMA_K; i++) for (const c of PRODUCT) names.push(`g${j}.p${i}.${c}`);
    for (const c of GROUP) names.push(`g${j}.${c}`);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// States.

/** An f32 in the chip's state form. */
export interface State {
  readonly t: number;
  readonly v: number;
  readonly q: readonly [number, number, number];
  readonly nan: number;
}

export const ZERO_STATE: State = { t: 0, v: 0, q: [0, 0, 0], nan: 0 };
/** The chip's NaN (every NaN is this one: results are compared as a class). */
export const NAN_STATE: State = { t: 255, v: 2, q: [128, 0, 0], nan: 1 };

/** A significand's three bytes (q2, q1, q0). */
export const bytes = (q: number): [number, number, number] => [Math.floor(q / 65536), Math.floor(q / 256) % 256, q % 256];
export const significand = (st: State): number => st.q[0] * 65536 + st.q[1] * 256 + st.q[2];

/** The state of an f32 bit pattern (an infinity with Q = 2^23, every NaN the NaN state). */
export function stateOfF32(x: number): State {
  x >>>= 0;
  const t = x >>> 23;
  const e = t & 0xff;
  const f = x & 0x7fffff;
  if (e === 255) return f !== 0 ? NAN_STATE : { t, v: t9(t), q: [128, 0, 0], nan: 0 };
  return { t, v: t9(t), q: bytes(f + (e === 0 ? 0 : 0x800000)), nan: 0 };
}

/** The f32 bit pattern of a state (the NaN is 7FFFFFFF, as the tensor core writes it). */
export function f32OfState(st: State): number {
  if (st.nan) return 0x7fffffff;
  const e = st.t & 0xff;
  if (e === 255) return ((st.t >> 8) * 2 ** 31 + 0x7f800000) >>> 0;
  return ((st.t >> 8) * 2 ** 31 + e * 2 ** 23 + significand(st) - (e === 0 ? 0 : 0x800000)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The constraints.

/**
 * Where a slot's operands and flags come from, and what becomes of its result: the statement's preprocessed
 * columns (the conformance proofs), or the zkVM's main columns and buses (chips/mma.ts). `extra` adds the source's
 * own columns' constraints; the chip's columns are the first `mmaLayout(groups).width`, the source's come after.
 */
export interface MmaSource {
  /** Columns after the chip's own, and preprocessed columns. */
  readonly width: number;
  readonly preWidth: number;
  operand(b: AirBuilder, j: number, side: 'a' | 'b', i: number): Expr;
  flag(b: AirBuilder, j: number, f: 'first' | 'load'): Expr;
  /** Constrains or sends slot j's result R (the state's columns). */
  result(b: AirBuilder, j: number, R: (f: StateField) => Expr): void;
  extra?(b: AirBuilder): void;
}

export type StateField = (typeof STATE)[number];

/** The statement's source: operands, flags and pins preprocessed (bf16-mma-witness.ts mmaRows). */
function statementSource(lay: MmaLayout): MmaSource {
  return {
    width: 0,
    preWidth: lay.preWidth,
    operand: (b, j, side, i) => b.pre(side === 'a' ? lay.a(j, i) : lay.b(j, i)),
    flag: (b, j, f) => b.pre(lay.pin(j, f)),
    result(b, j, R) {
      const one = b.constant(1);
      const pin = (c: PinColumn) => b.pre(lay.pin(j, c));
      const QR = R('q2').mul(65536).add(R('q1').mul(256)).add(R('q0'));
      const last = pin('last');
      b.assertZero(last.mul(R('t').sub(pin('pinT'))), `g${j}: the result is the expected one (t)`);
      b.assertZero(last.mul(R('v').sub(pin('pinV'))), `g${j}: the result is the expected one (v)`);
      b.assertZero(last.mul(R('nan').sub(pin('pinNaN'))), `g${j}: the result is the expected one (NaN)`);
      b.assertZero(last.mul(one.sub(pin('pinMax'))).mul(QR.sub(pin('pinQ'))), `g${j}: the result is the expected one (Q)`);
    },
  };
}

/** The chip's AIR with `groups` slots per row (`name` tells tables of one proof apart), fed by `source`. */
export function mmaAir(groups: number, name = `bf16-mma-${groups}`, source?: (lay: MmaLayout) => MmaSource): Air {
  const lay = mmaLayout(groups);
  const src = source ? source(lay) : statementSource(lay);
  return { name, width: lay.width + src.width, preprocessedWidth: src.preWidth, publicInputs: 0, eval: (b) => evalMma(b, lay, src) };
}

function evalMma(b: AirBuilder, lay: MmaLayout, src: MmaSource): void {
  const one = b.constant(1);
  const not = (x: Expr) => one.sub(x);
  const G = lay.groups;
  const R = (j: number, f: (typeof STATE)[number]) => b.main(lay.group(j, `R${f}`));
  const cst = (j: number, f: (typeof STATE)[number]): Expr => (j === 0 ? b.main(lay.carry(f)) : R(j - 1, f));
  b.assertZero(b.isFirstRow.mul(not(src.flag(b, 0, 'first'))), 'the first slot of the trace starts a dot product');
  for (let j = 0; j < G; j++) evalGroup(b, lay, j, cst, src);
  for (const f of STATE) {
    b.assertZero(b.isTransition.mul(b.mainNext(lay.carry(f)).sub(R(G - 1, f))), `the carry is the previous row's last result (${f})`);
  }
  src.extra?.(b);
}

function evalGroup(b: AirBuilder, lay: MmaLayout, j: number, cst: (j: number, f: (typeof STATE)[number]) => Expr, src: MmaSource): void {
  const one = b.constant(1);
  const not = (x: Expr) => one.sub(x);
  const g = (c: GroupColumn) => b.main(lay.group(j, c));
  const R = (f: (typeof STATE)[number]) => g(`R${f}`);
  const first = src.flag(b, j, 'first');
  const load = src.flag(b, j, 'load');
  const SP = g('SP');
  const fast = not(SP).mul(not(load));
  const { s3, h3, s5, h5, mx5 } = vPoly;
  b.assertBool(SP, `g${j}: SP is a bit`);
  b.assertBool(g('Rnan'), `g${j}: nan is a bit`);
  b.assertZero(SP.mul(load), `g${j}: a load slot computes nothing`);

  // C, and M's bound by C.
  const tC = cst(j, 't');
  const vC = cst(j, 'v');
  const PC = not(first).mul(tC.sub(vC)).add(128);
  const dC = g('M').sub(PC);
  b.send(CCLAMP_BUS, [dC, g('k1'), g('k9')], fast);
  b.send(H_BUS, [g('k1'), cst(j, 'q2'), g('HcC'), g('HfC')], fast);
  b.send(L_BUS, [g('k1'), cst(j, 'q1'), g('L1C')], fast);
  b.send(L_BUS, [g('k9'), cst(j, 'q0'), g('L0C')], fast);
  const sigmaC = not(first).mul(not(s3(b, vC).mul(2)));
  let WH: Expr = sigmaC.mul(g('HcC'));
  let WL: Expr = sigmaC.mul(g('HfC').add(g('L1C')).add(g('L0C')));

  // Special mode's counts.
  const mxC = not(first).mul(mx5(b, vC));
  const nanC = not(first).mul(cst(j, 'nan'));
  const infC = mxC.mul(not(cst(j, 'nan')));
  const sC = s5(b, vC);
  let nNaN: Expr = nanC;
  let nPos: Expr = infC.mul(not(sC));
  let nNeg: Expr = infC.mul(sC);
  let mxCount: Expr = mxC;

  const ds: Expr[] = [];
  for (let i = 0; i < MMA_K; i++) {
    const p = (c: ProductColumn) => b.main(lay.product(j, i, c));
    const ta = p('ta');
    const va = p('va');
    const tb = p('tb');
    const vb = p('vb');
    const fa = src.operand(b, j, 'a', i).sub(ta.mul(128));
    const fb = src.operand(b, j, 'b', i).sub(tb.mul(128));
    b.send(T9_BUS, [ta, va]);
    b.send(T9_BUS, [tb, vb]);
    b.send(R7_BUS, [fa]);
    b.send(R7_BUS, [fb]);
    mxCount = mxCount.add(mx5(b, va)).add(mx5(b, vb));

    // Fast mode: ml = sig_a·sig_b − 256·mh, looked up as a byte.
    const sigA = fa.add(h3(b, va).mul(128));
    const sigB = fb.add(h3(b, vb).mul(128));
    const ml = sigA.mul(sigB).sub(p('mh').mul(256));
    const d = g('M').sub(ta.sub(va).add(tb).sub(vb).add(2));
    ds.push(d);
    b.send(CLAMP_BUS, [d, p('dc')], fast);
    b.send(H_BUS, [p('dc'), p('mh'), p('Hc'), p('Hf')], fast);
    b.send(L_BUS, [p('dc'), ml, p('L')], fast);
    const sigma = not(s3(b, va).mul(2)).mul(not(s3(b, vb).mul(2)));
    WH = WH.add(sigma.mul(p('Hc')));
    WL = WL.add(sigma.mul(p('Hf').add(p('L'))));

    // Special mode: dc, mh, Hc, Hf hold zf_a, finv_a, zf_b, finv_b.
    const [zfa, iva, zfb, ivb] = [p('dc'), p('mh'), p('Hc'), p('Hf')];
    const [sa, sb] = [s5(b, va), s5(b, vb)];
    b.assertZero(SP.mul(fa.mul(iva).sub(not(zfa))), `g${j}.p${i}: f_a·finv_a = 1 − zf_a`);
    b.assertZero(SP.mul(zfa.mul(fa)), `g${j}.p${i}: zf_a·f_a = 0`);
    b.assertZero(SP.mul(fb.mul(ivb).sub(not(zfb))), `g${j}.p${i}: f_b·finv_b = 1 − zf_b`);
    b.assertZero(SP.mul(zfb.mul(fb)), `g${j}.p${i}: zf_b·f_b = 0`);
    const mxa = mx5(b, va);
    const mxb = mx5(b, vb);
    const infA = mxa.mul(zfa);
    const infB = mxb.mul(zfb);
    const zeroA = not(h5(b, va)).mul(zfa);
    const zeroB = not(h5(b, vb)).mul(zfb);
    nNaN = nNaN.add(mxa.mul(not(zfa))).add(mxb.mul(not(zfb))).add(infA.mul(zeroB)).add(zeroA.mul(infB));
    const eps = sa.add(sb).sub(sa.mul(sb).mul(2));
    const pInf = infA.add(infB);
    nPos = nPos.add(not(eps).mul(pInf));
    nNeg = nNeg.add(eps.mul(pInf));
  }
  b.assertZero(not(SP).mul(mxCount), `g${j}: an infinity or NaN among the operands or C sets SP`);

  // e_max is attained.
  b.assertZero(fast.mul(ds.reduce((x, y) => x.mul(y))).mul(dC), `g${j}: e_max is a product's or C's exponent`);

  // The result's own checks, and the pins.
  const QR = R('q2').mul(65536).add(R('q1').mul(256)).add(R('q0'));
  b.send(T9_BUS, [R('t'), R('v')]);
  b.send(R7_BUS, [R('q2').sub(h5(b, R('v')).mul(128))]);
  src.result(b, j, R);

  // The conversion.
  const sgn = g('sgn');
  const lam = g('lam');
  const ovf = g('ovf');
  b.assertBool(sgn, `g${j}: sgn is a bit`);
  b.assertBool(lam, `g${j}: λ is a bit`);
  b.assertBool(ovf, `g${j}: ovf is a bit`);
  const sg = not(sgn.mul(2));
  const Vl = g('x1').mul(256).add(g('x0'));
  b.assertZero(fast.mul(sg.mul(WL).sub(Vl).sub(g('kap').mul(65536))), `g${j}: (1 − 2·sgn)·WL = Vl + 2^16·κ`);
  const Vh = sg.mul(WH).add(g('kap'));
  const V = Vh.mul(65536).add(Vl);
  b.send(R9_BUS, [g('kap').add(256)], fast);
  const kR = lam.mul(g('sh')).add(11);
  b.send(NORM_BUS, [g('sh'), kR, g('kq'), g('kq8'), g('P'), lam], fast);
  b.send(H_BUS, [kR, g('x1'), b.constant(0), g('Hx')], fast);
  b.send(L_BUS, [kR, g('x0'), g('Lx')], fast);
  // R's bytes are range-checked in every mode (outside fast mode at fixed keys: nothing else reads them).
  b.send(H_BUS, [g('kq'), R('q2'), g('Hq2c'), g('Hq2f')]);
  b.send(L_BUS, [g('kq'), R('q1'), g('Lq1')]);
  b.send(L_BUS, [g('kq8'), R('q0'), g('Lq0')]);
  b.assertZero(not(fast).mul(g('kq').sub(3)), `g${j}: kq = 3 outside fast mode`);
  b.assertZero(not(fast).mul(g('kq8').sub(11)), `g${j}: kq8 = 11 outside fast mode`);
  const eR = g('sh').add(g('M')).sub(129);
  b.send(EXP_BUS, [eR, ovf, one], fast);
  b.send(R9_BUS, [g('vhL')], fast);
  b.assertZero(fast.mul(g('vhL').sub(not(lam).mul(Vh))), `g${j}: vhL = Vh when λ = 0`);
  b.assertZero(fast.mul(lam).mul(QR.sub(Vh.mul(g('P'))).sub(g('Hx')).sub(g('Lx'))), `g${j}: λ: Q = ⌊V/2^sh⌋`);
  const floorQ = g('Hq2c').mul(65536).add(g('Hq2f')).add(g('Lq1')).add(g('Lq0'));
  b.assertZero(fast.mul(not(lam)).mul(V.sub(floorQ)), `g${j}: not λ: V = ⌊Q/2^(−sh)⌋`);
  b.assertZero(fast.mul(not(lam)).mul(V.mul(g('P')).sub(QR)), `g${j}: not λ: Q = V·2^(−sh)`);
  const qinv = g('qinv');
  b.assertZero(fast.mul(QR).mul(not(QR.mul(qinv))), `g${j}: qinv = 1/Q when Q ≠ 0`);
  b.assertZero(fast.mul(not(ovf)).mul(R('t').add(1).sub(R('v')).sub(eR)), `g${j}: the result's exponent`);
  b.assertZero(fast.mul(not(ovf)).mul(s3(b, R('v')).sub(sgn.mul(QR).mul(qinv))), `g${j}: the result's sign (+ for a zero)`);
  b.assertZero(fast.mul(ovf).mul(R('t').sub(sgn.mul(256)).sub(255)), `g${j}: an overflow is infinite (t)`);
  b.assertZero(fast.mul(ovf).mul(R('v').sub(sgn.mul(256)).sub(2)), `g${j}: an overflow is infinite (v)`);
  b.assertZero(fast.mul(R('nan')), `g${j}: a finite sum is no NaN`);

  // Special mode: sgn, κ, λ, x1, ovf, x0 hold nzN, iN, nzP, iP, nzM, iM.
  const nz = (count: Expr, flag: Expr, inverse: Expr, what: string) => {
    b.assertZero(SP.mul(count.mul(inverse).sub(flag)), `g${j}: nz${what} = count·inverse`);
    b.assertZero(SP.mul(count).mul(not(flag)), `g${j}: nz${what} is 1 when the count is not 0`);
  };
  const [nzN, nzP, nzM] = [sgn, lam, ovf];
  nz(nNaN, nzN, g('kap'), 'NaN');
  nz(nPos, nzP, g('x1'), 'Pos');
  nz(nNeg, nzM, g('x0'), 'Neg');
  b.assertZero(SP.mul(not(nzN)).mul(not(nzP)).mul(not(nzM)), `g${j}: special mode needs an infinity or a NaN`);
  const isNaN = nzN.add(nzP.mul(nzM)).sub(nzN.mul(nzP).mul(nzM));
  const neg = not(isNaN).mul(nzM);
  b.assertZero(SP.mul(R('t').sub(255).sub(neg.mul(256))), `g${j}: a special result (t)`);
  b.assertZero(SP.mul(R('v').sub(2).sub(neg.mul(256))), `g${j}: a special result (v)`);
  b.assertZero(SP.mul(R('nan').sub(isNaN)), `g${j}: a special result (NaN)`);
  b.assertZero(SP.mul(QR.sub(0x800000)), `g${j}: a special result (Q)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Soundness.

/**
 * For the under-constraint checker: the operands and flags are the statement's (preprocessed), each slot's
 * result is the chip's claim (it is the next slot's C, or pinned). Free: the carry of a trace's first row, which
 * only a first slot reads (it starts from +0; the transition fixes every other row's); in a slot that is not in
 * fast mode (M = 0: a special or a load slot) the fast mode's columns special mode does not reuse, and in a load
 * slot every column but the decode and the result; in fast mode qinv of a zero result and sgn of a zero sum;
 * in special mode the inverse of a count or a fraction that is 0.
 */
export function mmaSoundness(groups: number): ChipSoundness {
  const lay = mmaLayout(groups);
  const slots = Array.from({ length: groups }, (_, j) => j);
  const productCols = (j: number, names: readonly ProductColumn[]) => Array.from({ length: MMA_K }, (_, i) => names.map((c) => lay.product(j, i, c))).flat();
  const fastGroup: GroupColumn[] = ['k1', 'k9', 'HcC', 'HfC', 'L1C', 'L0C', 'M', 'sh', 'P', 'Hx', 'Lx', 'qinv', 'vhL'];
  const reused: GroupColumn[] = ['sgn', 'kap', 'lam', 'x1', 'ovf', 'x0'];
  return {
    inputs: [],
    outputs: slots.flatMap((j) => STATE.map((f) => lay.group(j, `R${f}`))),
    free: [
      { columns: STATE.map((f) => lay.carry(f)), reason: 'the carry: a copy of the previous row’s last result (the transition), read on the first row only by a slot that starts from +0' },
      {
        columns: (row) =>
          slots.flatMap((j) => {
            const v = (c: GroupColumn) => row[lay.group(j, c)]!;
            if (v('M') !== 0) {
              const q = v('Rq2') + v('Rq1') + v('Rq0');
              return [...(q === 0 ? [lay.group(j, 'qinv')] : []), ...(q === 0 && v('x1') + v('x0') + v('kap') === 0 ? [lay.group(j, 'sgn')] : [])];
            }
            if (v('SP') === 0) return [...productCols(j, ['dc', 'mh', 'Hc', 'Hf', 'L']), ...[...fastGroup, ...reused].map((c) => lay.group(j, c))];
            const inverses = Array.from({ length: MMA_K }, (_, i) => {
              const p = (c: ProductColumn) => lay.product(j, i, c);
              return [...(row[p('dc')] === 1 ? [p('mh')] : []), ...(row[p('Hc')] === 1 ? [p('Hf')] : []), p('L')];
            }).flat();
            const counts = ([['sgn', 'kap'], ['lam', 'x1'], ['ovf', 'x0']] as const).filter(([flag]) => v(flag) === 0).map(([, inverse]) => lay.group(j, inverse));
            return [...inverses, ...counts, ...fastGroup.map((c) => lay.group(j, c))];
          }),
        reason: 'columns a slot’s mode does not use (special or load slots), and the inverse of a zero (a zero result, a zero count, a zero fraction)',
      },
    ],
  };
}
