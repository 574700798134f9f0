/**
 * The compact BF16 dot-product chip: one row per multiply-accumulate acc ← RNE(a·b + acc) (bf16 a, b, an f32
 * accumulator, one rounding, subnormals kept, canonical NaN; docs/fp.md, bf16Mac), the accumulator carried from
 * row to row in an unpacked canonical form, so a dot product of K terms is K consecutive rows and the f32 bit
 * pattern is never decomposed in between.
 *
 * Accumulator state (cc, ec, mc): cc is a class code, 2·class + sign (0/1 a finite value of sign 0/1, 4/5 an
 * infinity, 6 the NaN); a finite value is (−1)^s · mc · 2^(ec − 150) with ec in [1, 254], mc < 2^24 and mc ≥ 2^23
 * whenever ec ≥ 2 (so ec = 1 holds the subnormals and the first binade, and each value has one state); a special
 * value has ec = 1, mc = 0. A row whose `first` is 1 starts from +0; any other row starts from the previous row's
 * result (a transition constraint).
 *
 * Where the bf16 MAC chip (bf16-mac.ts) decomposes bits with isZero gadgets and 16-bit range checks, this chip looks
 * whole steps up in small preprocessed tables, each lookup a tuple (one LogUp fraction however many values it
 * carries):
 *   DEC    x → (en, mn, code): a bf16 normalised, value mn·2^(en − 134), mn in [128, 256) (subnormals shifted
 *          up by the table), a zero, infinity or NaN as mn = 0, en = EN_ZERO (so the arithmetic below sees zero);
 *          code = 2·class + sign, class 0 zero, 1 finite, 2 infinite, 3 NaN. 65,536 rows.
 *   SPEC   (ca, cb, cc) → (isSp, cS, zsgn, sp, sc): whether an infinity or NaN decides the result, and which
 *          (cS); the product's and acc's signs; zsgn, the sign of an exact zero sum (−0 only for −0 + −0).
 *   ALIGN  D → (cmp, pL, pR, nsh, krl, krh): D = (product's top) − (acc's top), as bounds: a·b < 2^(ena+enb−252),
 *          acc < 2^(ec−126). cmp = [D ≥ 0] picks the anchor A (the product when cmp, scaled to P·2^12 < 2^28,
 *          else mc·2^4 < 2^28), whose top is the window's top T; the window's unit is 2^β, β = T − 28. The other
 *          operand B is shifted into the window: B·pL = Bal·pR + rem, pL = 2^l and pR = 2^r (at most one of them
 *          not 1), rem < pR in two limbs of widths krl + krh = r (≤ 24), Bal < 2^(24 − r) when nsh = [r > 0].
 *   ROUND  (t, rr, eps) → (pl, pr4, q0, up, kz0, kz1, kz2): the rounding at shift t (below).
 *   EXP    E → (nE, ov, ov1): nE = [E ≥ 2], ov = [E ≥ 255], ov1 = [E ≥ 254]; E in [1, EXP_MAX] only.
 *   SMALL  (k, v) with v < 2^k, k ≤ 12, on three buses: plain, with nz = [v ≠ 0], with mx = [v = 2^k − 1].
 *
 * The row, after the lookups:
 *   P = mna·mnb < 2^16 is the exact product's significand (P in [2^14, 2^16) when nonzero).
 *   Z = ±A ± Bal (signs sp, sc), |Z| < 2^29, Zabs = (1 − 2·zNeg)·Z in three limbs whose widths ROUND gives.
 *   eps = [rem ≠ 0] is the sticky bit of the truncated part, which lies below the result's round bit (the anchor
 *   is normalised, or the result is on the fixed subnormal grid, which the 28-bit window's 4 low bits cover). The
 *   exact |a·b + acc| is (N + eps·θ)·2^β, θ in (0, 1), N = Zabs − jo, jo = eps·[B's sign ≠ the sum's sign].
 *   Rounding is checked, not computed: the row claims E (the result's biased exponent, 1 for subnormals) and
 *   t = E − 151 − β, and proves N·pl = Qh·pr4 + rr with pl = 2^max(−t, 0), pr4 = 4·2^max(t, 0), rr < pr4 and
 *   Qh < 2^23, Qh ≥ 2^22 when nE: so Q2 = 4·Qh + (rr div 2^max(t,0)) is the top 25 bits of the exact value with the round
 *   bit last (normalised: Q2 ≥ 2^24 unless E = 1). ROUND gives q0 (the kept lsb) and up = round bit ∧ (sticky ∨ q0)
 *   with sticky = (rr's low bits ≠ 0) ∨ eps. The result significand is 2·Qh + q0 + up, less 2^23 on a carry cy (all
 *   of Qh's bits set, q0 and up), which moves into the exponent. E ≥ 255 after the carry gives infinity (ovf).
 *   When t < 0 (cancellation) ROUND narrows Zabs's limbs to N < 2^(25 + t), so N·pl < 2^25 cannot wrap around p.
 *
 * Why every column is forced by (a, b, the incoming state): DEC, SPEC, ALIGN, EXP and ROUND are functions of their
 * keys; the limbs are unique under their widths; Z is an integer of |Z| < 2^29 and Zabs < 2^29 fixes zNeg (0 when
 * Z = 0: then zNeg = eps·sB, the sign of the truncated part); the division equations hold over the integers (both
 * sides below p: Bal·pR + rem ≤ 2^24 + 2^24, N·pl < 2^25 and Qh·pr4 + rr < 2^29); E is unique: a smaller t makes
 * Qh ≥ 2^23, a larger t makes Q2 < 2^24 (so E must be 1, and then t is fixed), E < 1 is not in EXP; the inverse
 * witness zinv is 0 when Zabs = 0.
 */
import * as F from '../../../proof/field/babybear.ts';
import type { Air, AirBuilder } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import type { ChipSoundness } from '../../../proof/air/soundness/index.ts';
import { Matrix } from '../../../proof/matrix.ts';
import { brokenConstraints, busMessages } from './row-check.ts';
import { tupleTable, type TupleTable } from './tuple-table.ts';

export const DEC_BUS = 20;
export const SPEC_BUS = 21;
export const ALIGN_BUS = 22;
export const ROUND_BUS = 23;
export const EXP_BUS = 24;
export const SMALL_BUS = 25;
export const SMALL_NZ_BUS = 26;
export const SMALL_MX_BUS = 27;

/** The exponent DEC gives a zero, an infinity and a NaN: low enough that their product never anchors. */
export const EN_ZERO = -300;
const D_MIN = 2 * EN_ZERO - 254 - 126;
const D_MAX = 254 + 254 - 1 - 126;
export const T_MIN = -24;
export const T_MAX = 4;
export const EXP_MAX = 400;

const NAMES = [
  'a', 'ena', 'mna', 'ca', 'b', 'enb', 'mnb', 'cb',
  'cc', 'ec', 'mc', 'first',
  'P',
  'isSp', 'cS', 'zsgn', 'sp', 'sc',
  'cmp', 'pL', 'pR', 'nsh', 'krl', 'krh',
  'rl', 'rh', 'nzrl', 'nzrh', 'eps', 'Bal', 'bl', 'bh',
  'z0', 'z1', 'z2', 'zNeg', 'zinv', 'nzZ', 'sB', 'jo',
  't', 'rr', 'pl', 'pr4', 'q0', 'up', 'kz0', 'kz1', 'kz2',
  'E', 'nE', 'ov', 'ov1',
  'ql', 'qh', 'mxl', 'mxh', 'm3', 'cy',
  'srf', 'ovf', 'fin',
] as const;
export type DotColumn = (typeof NAMES)[number];
export const DOT: Record<DotColumn, number> = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<DotColumn, number>;
export const DOT_WIDTH = NAMES.length;

// ---------------------------------------------------------------------------------------------------------------
// The accumulator state.

/** An accumulator in the chip's canonical form. */
export interface AccState {
  readonly code: number;
  readonly e: number;
  readonly m: number;
}

export const ZERO_STATE: AccState = { code: 0, e: 1, m: 0 };

/** The state of an f32 bit pattern (every NaN is the one NaN state). */
export function stateOfF32(x: number): AccState {
  const s = x >>> 31;
  const exp = (x >>> 23) & 0xff;
  const frac = x & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? { code: 4 + s, e: 1, m: 0 } : { code: 6, e: 1, m: 0 };
  if (exp === 0) return { code: s, e: 1, m: frac };
  return { code: s, e: exp, m: frac + 2 ** 23 };
}

/** The f32 bit pattern of a state (the NaN is 0x7FC00000). */
export function f32OfState(st: AccState): number {
  if (st.code === 6) return 0x7fc00000;
  if (st.code >= 4) return ((st.code - 4) << 31 | 0x7f800000) >>> 0;
  return (st.code * 2 ** 31 + (st.e - 1) * 2 ** 23 + st.m) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The tables.

interface Decoded {
  readonly en: number;
  readonly mn: number;
  readonly code: number;
}

export function decodeBf16(x: number): Decoded {
  const s = x >>> 15;
  const exp = (x >>> 7) & 0xff;
  const frac = x & 0x7f;
  if (exp === 0xff) return { en: EN_ZERO, mn: 0, code: 2 * (frac === 0 ? 2 : 3) + s };
  if (exp === 0 && frac === 0) return { en: EN_ZERO, mn: 0, code: s };
  if (exp === 0) {
    const k = 8 - (32 - Math.clz32(frac));
    return { en: 1 - k, mn: frac << k, code: 2 + s };
  }
  return { en: exp, mn: 128 + frac, code: 2 + s };
}

interface Special {
  readonly isSp: number;
  readonly cS: number;
  readonly zsgn: number;
  readonly sp: number;
  readonly sc: number;
}

/** What the classes decide: (a's code, b's code, acc's code) → SPEC's outputs. */
export function special(ca: number, cb: number, cc: number): Special {
  const [kla, klb, klc] = [ca >> 1, cb >> 1, cc >> 1];
  const sp = (ca ^ cb) & 1;
  const sc = cc & 1;
  const pz = kla === 0 || klb === 0 ? 1 : 0;
  const zsgn = pz & sp & sc;
  const nan = kla === 3 || klb === 3 || klc === 3;
  const pInf = kla === 2 || klb === 2;
  if (nan || (pInf && pz) || (pInf && klc === 2 && sp !== sc)) return { isSp: 1, cS: 6, zsgn, sp, sc };
  if (pInf) return { isSp: 1, cS: 4 + sp, zsgn, sp, sc };
  if (klc === 2) return { isSp: 1, cS: 4 + sc, zsgn, sp, sc };
  return { isSp: 0, cS: 0, zsgn, sp, sc };
}

interface Align {
  readonly cmp: number;
  readonly pL: number;
  readonly pR: number;
  readonly nsh: number;
  readonly krl: number;
  readonly krh: number;
}

export function align(d: number): Align {
  const cmp = d >= 0 ? 1 : 0;
  const l = cmp ? 4 - d : d + 12;
  const r = Math.min(Math.max(-l, 0), 24);
  return { cmp, pL: 2 ** Math.max(l, 0), pR: 2 ** r, nsh: r > 0 ? 1 : 0, krl: Math.min(r, 12), krh: Math.max(r - 12, 0) };
}

interface Round {
  readonly pl: number;
  readonly pr4: number;
  readonly q0: number;
  readonly up: number;
  readonly kz0: number;
  readonly kz1: number;
  readonly kz2: number;
}

/** ROUND's outputs for a shift t, the low part rr (round bit and kept lsb at 2^max(t,0) and up), and eps. */
export function round(t: number, rr: number, eps: number): Round {
  const pr = 2 ** Math.max(t, 0);
  const low = rr % pr;
  const g = Math.floor(rr / pr) & 1;
  const q0 = Math.floor(rr / (2 * pr)) & 1;
  const up = g && (low !== 0 || eps || q0) ? 1 : 0;
  const bits = t >= 0 ? 29 : 25 + t;
  return {
    pl: 2 ** Math.max(-t, 0),
    pr4: 4 * pr,
    q0,
    up,
    kz0: Math.min(bits, 12),
    kz1: Math.min(Math.max(bits - 12, 0), 12),
    kz2: Math.max(bits - 24, 0),
  };
}

function buildTables() {
  const dec: number[][] = [];
  for (let x = 0; x < 1 << 16; x++) {
    const d = decodeBf16(x);
    dec.push([x, d.en, d.mn, d.code]);
  }
  const spec: number[][] = [];
  const codes = [0, 1, 2, 3, 4, 5, 6, 7];
  for (const ca of codes) for (const cb of codes) for (const cc of [0, 1, 4, 5, 6]) {
    const s = special(ca, cb, cc);
    spec.push([ca, cb, cc, s.isSp, s.cS, s.zsgn, s.sp, s.sc]);
  }
  const al: number[][] = [];
  for (let d = D_MIN; d <= D_MAX; d++) {
    const a = align(d);
    al.push([d, a.cmp, a.pL, a.pR, a.nsh, a.krl, a.krh]);
  }
  const rnd: number[][] = [];
  for (let t = T_MIN; t <= T_MAX; t++) {
    for (let rr = 0; rr < 4 * 2 ** Math.max(t, 0); rr++) {
      for (const eps of [0, 1]) {
        const r = round(t, rr, eps);
        rnd.push([t, rr, eps, r.pl, r.pr4, r.q0, r.up, r.kz0, r.kz1, r.kz2]);
      }
    }
  }
  const exp: number[][] = [];
  for (let e = 1; e <= EXP_MAX; e++) exp.push([e, e >= 2 ? 1 : 0, e >= 255 ? 1 : 0, e >= 254 ? 1 : 0]);
  const small: number[][] = [];
  for (let k = 0; k <= 12; k++) for (let v = 0; v < 2 ** k; v++) small.push([k, v, v !== 0 ? 1 : 0, v === 2 ** k - 1 ? 1 : 0]);
  const pad = (rows: number[][]) => {
    let n = 1;
    while (n < rows.length) n *= 2;
    while (rows.length < n) rows.push(rows[rows.length - 1]!);
    return rows;
  };
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    dec: tupleTable('bf16-decode', [{ bus: DEC_BUS, columns: all(4) }], pad(dec)),
    spec: tupleTable('dot-special', [{ bus: SPEC_BUS, columns: all(8) }], pad(spec)),
    align: tupleTable('dot-align', [{ bus: ALIGN_BUS, columns: all(7) }], pad(al)),
    round: tupleTable('dot-round', [{ bus: ROUND_BUS, columns: all(10) }], pad(rnd)),
    exp: tupleTable('dot-exponent', [{ bus: EXP_BUS, columns: all(4) }], pad(exp)),
    small: tupleTable(
      'small-range',
      [
        { bus: SMALL_BUS, columns: [0, 1] },
        { bus: SMALL_NZ_BUS, columns: [0, 1, 2] },
        { bus: SMALL_MX_BUS, columns: [0, 1, 3] },
      ],
      pad(small),
    ),
  };
}

let tables: ReturnType<typeof buildTables> | null = null;
/** The chip's lookup tables (built once). */
export function dotTables(): { dec: TupleTable; spec: TupleTable; align: TupleTable; round: TupleTable; exp: TupleTable; small: TupleTable } {
  tables ??= buildTables();
  return tables;
}

// ---------------------------------------------------------------------------------------------------------------
// The constraints.

export function evalBf16Dot(b: AirBuilder): void {
  const c = (n: DotColumn): Expr => b.main(DOT[n]);
  const nx = (n: DotColumn): Expr => b.mainNext(DOT[n]);
  const one = b.constant(1);
  const not = (x: Expr) => one.sub(x);
  const bit = (n: DotColumn) => b.assertBool(c(n), `${n} is a bit`);

  // Operands, classes, product.
  b.send(DEC_BUS, [c('a'), c('ena'), c('mna'), c('ca')]);
  b.send(DEC_BUS, [c('b'), c('enb'), c('mnb'), c('cb')]);
  b.send(SPEC_BUS, [c('ca'), c('cb'), c('cc'), c('isSp'), c('cS'), c('zsgn'), c('sp'), c('sc')]);
  b.assertEq(c('P'), c('mna').mul(c('mnb')), 'P = mna·mnb');

  // The incoming state: +0 on a first row, else the previous row's result.
  bit('first');
  b.assertZero(b.isFirstRow.mul(not(c('first'))), 'the first row starts a dot product');
  b.assertZero(c('first').mul(c('cc')), 'a dot product starts from +0 (class)');
  b.assertZero(c('first').mul(c('ec').sub(1)), 'a dot product starts from +0 (exponent)');
  b.assertZero(c('first').mul(c('mc')), 'a dot product starts from +0 (significand)');

  // Alignment.
  const eSum = c('ena').add(c('enb'));
  b.send(ALIGN_BUS, [eSum.sub(c('ec')).sub(126), c('cmp'), c('pL'), c('pR'), c('nsh'), c('krl'), c('krh')]);
  const cmp = c('cmp');
  const bOp = cmp.mul(c('mc')).add(not(cmp).mul(c('P')));
  const rem = c('rh').mul(1 << 12).add(c('rl'));
  b.assertEq(bOp.mul(c('pL')), c('Bal').mul(c('pR')).add(rem), 'B·pL = Bal·pR + rem');
  b.send(SMALL_NZ_BUS, [c('krl'), c('rl'), c('nzrl')]);
  b.send(SMALL_NZ_BUS, [c('krh'), c('rh'), c('nzrh')]);
  b.assertEq(c('eps'), c('nzrl').add(c('nzrh')).sub(c('nzrl').mul(c('nzrh'))), 'eps = [rem ≠ 0]');
  b.assertEq(c('Bal').mul(c('nsh')), c('bh').mul(1 << 12).add(c('bl')), 'Bal in limbs when shifted right');
  b.send(SMALL_BUS, [b.constant(12).sub(c('krh')), c('bl')]);
  b.send(SMALL_BUS, [b.constant(12).sub(c('krl')), c('bh')]);

  // The signed sum and its magnitude.
  const sigP = not(c('sp').mul(2));
  const sigC = not(c('sc').mul(2));
  const z = cmp
    .mul(sigP.mul(c('P')).mul(1 << 12).add(sigC.mul(c('Bal'))))
    .add(not(cmp).mul(sigC.mul(c('mc')).mul(16).add(sigP.mul(c('Bal')))));
  const zAbs = c('z2').mul(1 << 24).add(c('z1').mul(1 << 12)).add(c('z0'));
  bit('zNeg');
  b.assertEq(not(c('zNeg').mul(2)).mul(zAbs), z, '(1 − 2·zNeg)·|Z| = Z');
  b.send(SMALL_BUS, [c('kz0'), c('z0')]);
  b.send(SMALL_BUS, [c('kz1'), c('z1')]);
  b.send(SMALL_BUS, [c('kz2'), c('z2')]);
  b.assertEq(c('nzZ'), zAbs.mul(c('zinv')), 'nzZ = |Z|·zinv');
  b.assertZero(zAbs.mul(not(c('nzZ'))), 'nzZ is 1 when Z ≠ 0');
  b.assertZero(c('zinv').mul(not(c('nzZ'))), 'zinv is 0 when Z = 0');
  b.assertEq(c('sB'), cmp.mul(c('sc')).add(not(cmp).mul(c('sp'))), "sB is the shifted operand's sign");
  b.assertZero(not(c('nzZ')).mul(c('zNeg').sub(c('eps').mul(c('sB')))), 'Z = 0: the sign is the truncated part’s');
  const opp = c('sB').add(c('zNeg')).sub(c('sB').mul(c('zNeg')).mul(2));
  b.assertEq(c('jo'), c('eps').mul(opp), 'jo = eps·[sB ≠ zNeg]');
  const n = zAbs.sub(c('jo'));

  // Rounding, checked.
  b.send(ROUND_BUS, [c('t'), c('rr'), c('eps'), c('pl'), c('pr4'), c('q0'), c('up'), c('kz0'), c('kz1'), c('kz2')]);
  const beta = cmp.mul(eSum.sub(252)).add(not(cmp).mul(c('ec').sub(126))).sub(28);
  b.assertEq(c('E'), c('nzZ').mul(c('t').add(151).add(beta)).add(not(c('nzZ'))), 'E = t + 151 + β (1 for a zero)');
  b.assertZero(not(c('nzZ')).mul(c('t')), 't = 0 for a zero');
  b.send(EXP_BUS, [c('E'), c('nE'), c('ov'), c('ov1')]);
  const qh = qhExpr(b);
  b.send(SMALL_MX_BUS, [b.constant(12), c('ql'), c('mxl')]);
  b.send(SMALL_MX_BUS, [b.constant(11).sub(c('nE')), c('qh'), c('mxh')]);
  b.assertEq(n.mul(c('pl')), qh.mul(c('pr4')).add(c('rr')), 'N·pl = Qh·pr4 + rr');
  b.assertEq(c('m3'), c('mxh').mul(c('mxl')), 'm3: Qh = 2^23 − 1');
  b.assertEq(c('cy'), c('m3').mul(c('q0')).mul(c('up')), 'cy: the rounding carries out of the significand');
  b.assertEq(c('ovf'), c('ov').add(c('cy').mul(c('ov1').sub(c('ov')))), 'ovf: the result overflows');
  b.assertEq(c('fin'), not(c('isSp')).mul(not(c('ovf'))), 'fin: the result is finite');
  b.assertEq(c('srf'), c('zNeg').add(not(c('nzZ')).mul(not(c('eps'))).mul(c('zsgn'))), 'srf: the sign of a finite result');

  // The result, and the next row's incoming state.
  const [mr, er, cr] = resultExprs(b);
  const cont = not(nx('first'));
  b.assertZero(b.isTransition.mul(cont).mul(nx('cc').sub(cr)), 'the next row starts from this result (class)');
  b.assertZero(b.isTransition.mul(cont).mul(nx('ec').sub(er)), 'the next row starts from this result (exponent)');
  b.assertZero(b.isTransition.mul(cont).mul(nx('mc').sub(mr)), 'the next row starts from this result (significand)');
}

/** Qh = nE·2^22 + qh·2^12 + ql: the kept significand above its lsb, from its limbs. */
function qhExpr(b: AirBuilder): Expr {
  return b.main(DOT.nE).mul(1 << 22).add(b.main(DOT.qh).mul(1 << 12)).add(b.main(DOT.ql));
}

/** The row's result state (mr, er, cr) as expressions of degree 2. */
export function resultExprs(b: AirBuilder): [Expr, Expr, Expr] {
  const c = (n: DotColumn): Expr => b.main(DOT[n]);
  const one = b.constant(1);
  const qh = qhExpr(b);
  const mr = c('fin').mul(qh.mul(2).add(c('q0')).add(c('up')).sub(c('cy').mul(1 << 23)));
  const er = c('fin').mul(c('E').add(c('cy'))).add(one.sub(c('fin')));
  const cr = c('isSp').mul(c('cS')).add(one.sub(c('isSp')).mul(c('ovf').mul(4).add(c('srf'))));
  return [mr, er, cr];
}

export const bf16DotAir: Air = { name: 'bf16-dot', width: DOT_WIDTH, preprocessedWidth: 0, publicInputs: 0, eval: evalBf16Dot };
const messages = busMessages(bf16DotAir);

// ---------------------------------------------------------------------------------------------------------------
// The witness.

export interface DotStep {
  /** The row's columns, as integers (negative values for the signed ones; `fieldRow` reduces them). */
  readonly row: number[];
  /** The state after this MAC. */
  readonly out: AccState;
}

/** The row of acc ← fma(a, b, acc) for bf16 a, b and the incoming state `acc`; `first` marks a dot product's start. */
export function dotStep(a: number, b: number, acc: AccState, first: boolean): DotStep {
  if (first && (acc.code !== 0 || acc.e !== 1 || acc.m !== 0)) throw new RangeError('a first row starts from +0');
  const r = new Array<number>(DOT_WIDTH).fill(0);
  const set = (n: DotColumn, v: number) => {
    r[DOT[n]] = v;
  };
  const da = decodeBf16(a);
  const db = decodeBf16(b);
  set('a', a), set('ena', da.en), set('mna', da.mn), set('ca', da.code);
  set('b', b), set('enb', db.en), set('mnb', db.mn), set('cb', db.code);
  set('cc', acc.code), set('ec', acc.e), set('mc', acc.m), set('first', first ? 1 : 0);
  const p = da.mn * db.mn;
  set('P', p);
  const sp = special(da.code, db.code, acc.code);
  set('isSp', sp.isSp), set('cS', sp.cS), set('zsgn', sp.zsgn), set('sp', sp.sp), set('sc', sp.sc);

  const d = da.en + db.en - acc.e - 126;
  const al = align(d);
  set('cmp', al.cmp), set('pL', al.pL), set('pR', al.pR), set('nsh', al.nsh), set('krl', al.krl), set('krh', al.krh);
  const bOp = al.cmp ? acc.m : p;
  const shifted = bOp * al.pL;
  const bal = Math.floor(shifted / al.pR);
  const rem = shifted - bal * al.pR;
  set('rl', rem % 4096), set('rh', Math.floor(rem / 4096));
  set('nzrl', rem % 4096 !== 0 ? 1 : 0), set('nzrh', rem >= 4096 ? 1 : 0);
  set('eps', rem !== 0 ? 1 : 0);
  return completeRow(r, bal);
}

/**
 * Fills in a row from its aligned operand Bal on: the sum, its magnitude and sign, the rounding and the result.
 * Everything before (operands, classes, incoming state, alignment, the remainder and eps) must be in `row`
 * already. `dotStep` uses it; tests use it to follow a forged Bal through, as a cheating prover would.
 */
export function completeRow(row: readonly number[], bal: number): DotStep {
  const r = [...row];
  const v = (n: DotColumn) => r[DOT[n]]!;
  const set = (n: DotColumn, x: number) => {
    r[DOT[n]] = x;
  };
  const [a, b, p, eps] = [v('a'), v('b'), v('P'), v('eps')];
  const al = { cmp: v('cmp'), nsh: v('nsh') };
  const acc = { e: v('ec'), m: v('mc') };
  const sp = { sp: v('sp'), sc: v('sc'), isSp: v('isSp'), cS: v('cS'), zsgn: v('zsgn') };
  set('Bal', bal);
  if (al.nsh) set('bl', bal % 4096), set('bh', Math.floor(bal / 4096));

  const sigP = 1 - 2 * sp.sp;
  const sigC = 1 - 2 * sp.sc;
  const z = al.cmp ? sigP * p * 4096 + sigC * bal : sigC * acc.m * 16 + sigP * bal;
  const zAbs = Math.abs(z);
  const nzZ = z !== 0 ? 1 : 0;
  const sB = al.cmp ? sp.sc : sp.sp;
  const zNeg = nzZ ? (z < 0 ? 1 : 0) : eps * sB;
  const jo = eps * (sB ^ zNeg);
  set('zNeg', zNeg), set('nzZ', nzZ), set('zinv', nzZ ? F.inv(zAbs) : 0), set('sB', sB), set('jo', jo);
  const n = zAbs - jo;

  const beta = (al.cmp ? v('ena') + v('enb') - 252 : acc.e - 126) - 28;
  let t = 0;
  let e = 1;
  if (nzZ) {
    const top = n === 0 ? 0 : 31 - Math.clz32(n); // 2^top ≤ n < 2^(top+1)
    t = top - 24;
    e = t + 151 + beta;
    if (e < 2 || n === 0) {
      e = 1;
      t = -150 - beta;
    }
  }
  if (t < T_MIN || t > T_MAX) throw new RangeError(`bf16-dot: shift ${t} outside the ROUND table (a=${a}, b=${b})`);
  const pr = 2 ** Math.max(t, 0);
  const q2 = t >= 0 ? Math.floor(n / pr) : n * 2 ** -t;
  const low = t >= 0 ? n % pr : 0;
  const rr = (q2 % 4) * pr + low;
  const rd = round(t, rr, eps);
  set('t', t), set('rr', rr), set('pl', rd.pl), set('pr4', rd.pr4), set('q0', rd.q0), set('up', rd.up);
  set('kz0', rd.kz0), set('kz1', rd.kz1), set('kz2', rd.kz2);
  set('z0', zAbs % 4096), set('z1', Math.floor(zAbs / 4096) % 4096), set('z2', Math.floor(zAbs / 2 ** 24));
  if (e > EXP_MAX) throw new RangeError(`bf16-dot: exponent ${e} outside the EXP table`);
  const nE = e >= 2 ? 1 : 0;
  set('E', e), set('nE', nE), set('ov', e >= 255 ? 1 : 0), set('ov1', e >= 254 ? 1 : 0);
  const qhv = Math.floor(q2 / 4);
  const qRest = qhv - nE * 2 ** 22;
  set('ql', qRest % 4096), set('qh', Math.floor(qRest / 4096));
  const mxl = qRest % 4096 === 4095 ? 1 : 0;
  const mxh = Math.floor(qRest / 4096) === 2 ** (11 - nE) - 1 ? 1 : 0;
  const m3 = mxh * mxl;
  const cy = m3 * rd.q0 * rd.up;
  set('mxl', mxl), set('mxh', mxh), set('m3', m3), set('cy', cy);
  const ov = e >= 255 ? 1 : 0;
  const ovf = cy ? (e >= 254 ? 1 : 0) : ov;
  const fin = (1 - sp.isSp) * (1 - ovf);
  const srf = zNeg + (1 - nzZ) * (1 - eps) * sp.zsgn;
  set('ovf', ovf), set('fin', fin), set('srf', srf);
  const out: AccState = {
    code: sp.isSp ? sp.cS : 4 * ovf + srf,
    e: fin ? e + cy : 1,
    m: fin ? 2 * qhv + rd.q0 + rd.up - cy * 2 ** 23 : 0,
  };
  return { row: r, out };
}

/** A row reduced into the field. */
export function fieldRow(row: readonly number[]): number[] {
  return row.map(F.fromInt);
}

/** The lookups a row makes (field elements), per table and bus, read off the AIR's own messages. */
export function dotLookups(row: readonly number[]): {
  dec: number[][];
  spec: number[][];
  align: number[][];
  round: number[][];
  exp: number[][];
  small: [number[][], number[][], number[][]];
} {
  const r = fieldRow(row);
  const on = (bus: number) => messages(bus).map((m) => m.map((f) => f(r)));
  return {
    dec: on(DEC_BUS),
    spec: on(SPEC_BUS),
    align: on(ALIGN_BUS),
    round: on(ROUND_BUS),
    exp: on(EXP_BUS),
    small: [on(SMALL_BUS), on(SMALL_NZ_BUS), on(SMALL_MX_BUS)],
  };
}

/**
 * For each of `rows` (as integers or field elements), the names of the chip's constraints it breaks: one trace,
 * or with `windows` w independent windows of w rows (row-check.ts `brokenConstraints`). The lookups are not
 * checked here (`dotLookupProblems`).
 */
export function brokenDotConstraints(rows: readonly (readonly number[])[], windows = 0): string[][] {
  return brokenConstraints(bf16DotAir, Matrix.fromRows(rows.map(fieldRow)), null, windows);
}

/** The lookups of `row` that are in no row of their table (empty for an honest row). */
export function dotLookupProblems(row: readonly number[]): string[] {
  const t = dotTables();
  const l = dotLookups(row);
  const out: string[] = [];
  for (const k of ['dec', 'spec', 'align', 'round', 'exp'] as const) {
    for (const m of l[k]) if (!t[k].has(0, m)) out.push(`${t[k].name} (${m.join(', ')})`);
  }
  l.small.forEach((ms, bus) => {
    for (const m of ms) if (!t.small.has(bus, m)) out.push(`${t.small.name} bus ${t.small.buses[bus]!.bus} (${m.join(', ')})`);
  });
  return out;
}

/**
 * For the under-constraint checker: a row's operands and whether it starts a dot product are inputs; the state a
 * row starts from (+0, or the previous row's result) is the dot product so far, the chip's output. No column is free.
 */
export const bf16DotSoundness: ChipSoundness = { inputs: [DOT.a, DOT.b, DOT.first], outputs: [DOT.cc, DOT.ec, DOT.mc] };

/** Column names, in column order (for reports). */
export const DOT_NAMES: readonly string[] = NAMES;
