/**
 * The tensor-core chip's witness (bf16-mma.ts states the chip): the columns of a group slot, computed from its
 * operands and C the way the constraints check them and compared with the reference (runtime/fp/mma.ts), and the
 * rows and preprocessed rows of a statement's slots.
 */
import * as F from '../../../proof/field/babybear.ts';
import { MMA_K, mma16Trace } from '../../../fp/mma.ts';
import { hShift, K_MAX, lShift, norm, t9 } from './bf16-mma-tables.ts';
import {
  bytes,
  f32OfState,
  GIDX,
  GROUP_WIDTH,
  mmaLayout,
  NAN_STATE,
  PIDX,
  PRODUCT_WIDTH,
  significand,
  ZERO_STATE,
  type GroupColumn,
  type ProductColumn,
  type State,
} from './bf16-mma.ts';

/** A group slot as the statement gives it. */
export interface Slot {
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly first: boolean;
  /** The expected result, pinned; undefined when the result is not pinned. */
  readonly pin?: State;
  /** A load slot: no operation, its result is `pin`. */
  readonly load?: boolean;
}

/**
 * What a fast-mode witness chooses rather than computes: e_max (M), the normalisation shift sh, and a product's
 * alignment key dc and truncated low term L. The honest prover takes the largest exponent, the shift to 24 bits,
 * min(d, 27) and the table's floor; tests pass other values to follow a cheating prover's choice through every
 * column that depends on it.
 */
export interface Choices {
  readonly M?: number;
  readonly sh?: number;
  /** Product `i`'s dc moved by `delta` (its H and L then read from the table at the new key). */
  readonly alignment?: { readonly i: number; readonly delta: number };
  /** Product `i`'s L moved by `delta` (a term truncated otherwise than toward zero). */
  readonly truncation?: { readonly i: number; readonly delta: number };
}

/**
 * The group columns (GROUP_WIDTH, integers: negative for signed values, `fieldRow` reduces them) and the result
 * of a slot whose C is `cst` (ignored when the slot is `first`). Throws when the result differs from the
 * reference's (mma16Trace), which would be a bug, unless `choices` are forged.
 */
export function groupColumns(slot: Slot, cst: State, choices?: Choices): { cols: number[]; result: State } {
  const cols = new Array<number>(GROUP_WIDTH).fill(0);
  const setP = (i: number, c: ProductColumn, x: number) => (cols[i * PRODUCT_WIDTH + PIDX[c]] = x);
  const setG = (c: GroupColumn, x: number) => (cols[GIDX[c]] = x);
  const setR = (st: State) => {
    setG('Rt', st.t), setG('Rv', st.v), setG('Rq2', st.q[0]), setG('Rq1', st.q[1]), setG('Rq0', st.q[2]), setG('Rnan', st.nan);
  };
  const ops = Array.from({ length: MMA_K }, (_, i) => {
    const [a, b] = [slot.a[i]! & 0xffff, slot.b[i]! & 0xffff];
    const [ta, tb] = [a >> 7, b >> 7];
    setP(i, 'ta', ta), setP(i, 'va', t9(ta)), setP(i, 'tb', tb), setP(i, 'vb', t9(tb));
    return { a, b, ta, tb, fa: a & 127, fb: b & 127 };
  });
  const rBytes = (st: State, kq = 3, kq8 = 11) => {
    const h = hShift(kq, st.q[0]);
    setG('kq', kq), setG('kq8', kq8), setG('Hq2c', Math.floor(h / 65536)), setG('Hq2f', h % 65536), setG('Lq1', lShift(kq, st.q[1])), setG('Lq0', lShift(kq8, st.q[2]));
  };
  if (slot.load) {
    if (!slot.pin) throw new RangeError('a load slot needs its state');
    setR(slot.pin);
    rBytes(slot.pin);
    return { cols, result: slot.pin };
  }
  const c = slot.first ? ZERO_STATE : cst;
  const ref = mma16Trace(ops.map((o) => o.a), ops.map((o) => o.b), f32OfState(c));
  const special = ops.some((o) => (o.ta & 0xff) === 255 || (o.tb & 0xff) === 255) || (c.t & 0xff) === 255;
  let result: State;
  if (special) {
    setG('SP', 1);
    let [nNaN, nPos, nNeg] = [c.nan, 0, 0];
    if ((c.t & 0xff) === 255 && !c.nan) (c.t >> 8 ? (nNeg += 1) : (nPos += 1));
    ops.forEach((o, i) => {
      const cls = (t: number, f: number) => ({ mx: (t & 0xff) === 255 ? 1 : 0, zero: (t & 0xff) === 0 && f === 0 ? 1 : 0, zf: f === 0 ? 1 : 0, s: t >> 8 });
      const x = cls(o.ta, o.fa);
      const y = cls(o.tb, o.fb);
      setP(i, 'dc', x.zf), setP(i, 'mh', x.zf ? 0 : F.inv(o.fa)), setP(i, 'Hc', y.zf), setP(i, 'Hf', y.zf ? 0 : F.inv(o.fb));
      const [infA, infB] = [x.mx * x.zf, y.mx * y.zf];
      nNaN += x.mx * (1 - x.zf) + y.mx * (1 - y.zf) + infA * y.zero + x.zero * infB;
      const eps = x.s ^ y.s;
      nPos += (1 - eps) * (infA + infB);
      nNeg += eps * (infA + infB);
    });
    const flags: [GroupColumn, GroupColumn, number][] = [['sgn', 'kap', nNaN], ['lam', 'x1', nPos], ['ovf', 'x0', nNeg]];
    for (const [flag, inverse, count] of flags) setG(flag, count ? 1 : 0), setG(inverse, count ? F.inv(count) : 0);
    const isNaN = nNaN > 0 || (nPos > 0 && nNeg > 0);
    result = isNaN ? NAN_STATE : { t: 255 + 256 * (nNeg > 0 ? 1 : 0), v: 2 + 256 * (nNeg > 0 ? 1 : 0), q: [128, 0, 0], nan: 0 };
    rBytes(result);
  } else {
    result = fastColumns(ops, c, cst, slot.first, setP, setG, choices ?? {});
  }
  setR(result);
  const want = ref.result;
  const got = f32OfState(result);
  if (!choices && got !== want && !(result.nan && ref.kind === 'nan')) {
    throw new Error(`bf16-mma: the witness computes ${got.toString(16)}, the reference ${want.toString(16)}`);
  }
  return { cols, result };
}

type Op = { a: number; b: number; ta: number; tb: number; fa: number; fb: number };

/** `c` is the slot's C (+0 when first), `raw` the state its C columns hold (the previous result). */
function fastColumns(
  ops: readonly Op[],
  c: State,
  raw: State,
  first: boolean,
  setP: (i: number, col: ProductColumn, x: number) => void,
  setG: (col: GroupColumn, x: number) => void,
  choices: Choices,
): State {
  const ePrime = (t: number) => t + 1 - t9(t);
  const sig = (t: number, f: number) => f + ((t & 0xff) === 0 ? 0 : 128);
  const PC = first ? 128 : ePrime(c.t) + 127;
  const Ps = ops.map((o) => ePrime(o.ta) + ePrime(o.tb));
  const M = choices.M ?? Math.max(PC, ...Ps);
  setG('M', M);
  let [WH, WL] = [0, 0];
  ops.forEach((o, i) => {
    const d = M - Ps[i]!;
    const dc = Math.min(d, K_MAX) + (choices.alignment?.i === i ? choices.alignment.delta : 0);
    const m = sig(o.ta, o.fa) * sig(o.tb, o.fb);
    const [mh, ml] = [m >> 8, m & 0xff];
    const H = hShift(dc, mh);
    const [Hc, Hf, L] = [Math.floor(H / 65536), H % 65536, lShift(dc, ml) + (choices.truncation?.i === i ? choices.truncation.delta : 0)];
    setP(i, 'dc', dc), setP(i, 'mh', mh), setP(i, 'Hc', Hc), setP(i, 'Hf', Hf), setP(i, 'L', L);
    const sigma = ((o.ta ^ o.tb) >> 8) & 1 ? -1 : 1;
    WH += sigma * Hc;
    WL += sigma * (Hf + L);
  });
  const dC = M - PC;
  const [k1, k9] = [Math.min(dC + 1, K_MAX), Math.min(dC + 9, K_MAX)];
  const HC = hShift(k1, raw.q[0]);
  const [HcC, HfC, L1C, L0C] = [Math.floor(HC / 65536), HC % 65536, lShift(k1, raw.q[1]), lShift(k9, raw.q[2])];
  setG('k1', k1), setG('k9', k9), setG('HcC', HcC), setG('HfC', HfC), setG('L1C', L1C), setG('L0C', L0C);
  const sigmaC = first ? 0 : c.t >> 8 ? -1 : 1;
  WH += sigmaC * HcC;
  WL += sigmaC * (HfC + L1C + L0C);

  const W = WH * 65536 + WL;
  const sgn = W < 0 ? 1 : 0;
  const sg = 1 - 2 * sgn;
  const Vl = (((sg * WL) % 65536) + 65536) % 65536;
  const kap = (sg * WL - Vl) / 65536;
  const Vh = sg * WH + kap;
  const V = Vh * 65536 + Vl;
  const [x1, x0] = [Vl >> 8, Vl & 0xff];
  const sh = choices.sh ?? (V === 0 ? 130 - M : Math.max(32 - Math.clz32(V) - 24, 130 - M));
  const nm = norm(sh);
  const eR = sh + M - 129;
  const ovf = eR >= 255 ? 1 : 0;
  const Hx = hShift(nm.kR, x1);
  const Lx = lShift(nm.kR, x0);
  const Q = nm.lambda ? Vh * 2 ** (16 - sh) + Hx + Lx : V * 2 ** -sh;
  setG('sgn', sgn), setG('kap', kap), setG('x1', x1), setG('x0', x0), setG('sh', sh), setG('kq', nm.kq), setG('kq8', nm.kq8);
  setG('P', nm.P), setG('lam', nm.lambda), setG('Hx', Hx), setG('Lx', Lx), setG('ovf', ovf), setG('vhL', nm.lambda ? 0 : Vh);
  let result: State;
  if (Q === 0) result = ZERO_STATE;
  else if (ovf) result = { t: 256 * sgn + 255, v: 256 * sgn + 2, q: bytes(Q), nan: 0 };
  else {
    const h = Q >= 0x800000 ? 1 : 0;
    const t = 256 * sgn + eR - 1 + h;
    result = { t, v: t9(t), q: bytes(Q), nan: 0 };
  }
  const Hq2 = hShift(nm.kq, result.q[0]);
  setG('Hq2c', Math.floor(Hq2 / 65536)), setG('Hq2f', Hq2 % 65536), setG('Lq1', lShift(nm.kq, result.q[1])), setG('Lq0', lShift(nm.kq8, result.q[2]));
  setG('qinv', Q === 0 ? 0 : F.inv(Q));
  return result;
}

/** A row reduced into the field. */
export function fieldRow(row: readonly number[]): number[] {
  return row.map(F.fromInt);
}

/**
 * The chip's rows for slots in order (G per row, `slots.length` a multiple of G), the carry of the first row
 * being +0; and the preprocessed rows of the statement. Each slot's C is the previous slot's result.
 */
export function mmaRows(groups: number, slots: readonly Slot[]): { main: number[][]; pre: number[][]; results: State[] } {
  if (slots.length % groups !== 0) throw new RangeError(`${slots.length} slots do not fill rows of ${groups}`);
  if (slots.length > 0 && !slots[0]!.first) throw new RangeError('the first slot must start a dot product');
  const lay = mmaLayout(groups);
  const main: number[][] = [];
  const pre: number[][] = [];
  const results: State[] = [];
  let prev = ZERO_STATE;
  for (let r = 0; r < slots.length / groups; r++) {
    const row = new Array<number>(lay.width).fill(0);
    const p = new Array<number>(lay.preWidth).fill(0);
    [prev.t, prev.v, ...prev.q, prev.nan].forEach((x, k) => (row[k] = x));
    for (let j = 0; j < groups; j++) {
      const slot = slots[r * groups + j]!;
      const { cols, result } = groupColumns(slot, prev);
      cols.forEach((x, k) => (row[lay.group(j, 'Rt') - GIDX.Rt + k] = x));
      for (let i = 0; i < MMA_K; i++) (p[lay.a(j, i)] = slot.a[i]! & 0xffff), (p[lay.b(j, i)] = slot.b[i]! & 0xffff);
      const pinned = slot.pin;
      p[lay.pin(j, 'first')] = slot.first ? 1 : 0;
      p[lay.pin(j, 'load')] = slot.load ? 1 : 0;
      if (pinned) {
        p[lay.pin(j, 'last')] = 1;
        p[lay.pin(j, 'pinT')] = pinned.t;
        p[lay.pin(j, 'pinV')] = pinned.v;
        p[lay.pin(j, 'pinQ')] = significand(pinned);
        p[lay.pin(j, 'pinNaN')] = pinned.nan;
        // A load slot's state is known in full; a result's infinity keeps the significand it overflowed with.
        p[lay.pin(j, 'pinMax')] = !slot.load && (pinned.t & 0xff) === 255 ? 1 : 0;
      }
      results.push(result);
      prev = result;
    }
    main.push(row);
    pre.push(p);
  }
  return { main, pre, results };
}
