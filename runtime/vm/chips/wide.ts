/**
 * Wide-integer arithmetic: the reference semantics the executor calls (`wideExecute`, the single source of truth
 * for every result) and the two chips that prove them on WIDE_BUS. A wide integer is a word of 8 little-endian
 * 16-bit limbs, x = Σ x_i·2^(16i) < 2^128 (word.ts); the 32-bit ops require limbs 2..7 of every operand and of
 * the result to be zero. An operation without a valid result traps; no row of either chip can answer it.
 *
 * Both chips receive (op, a[8], b[8], c[8]), the claim c = op(a, b), on WIDE_BUS with multiplicity `real` ∈ {0, 1}
 * and send every range check with the same multiplicity, so an inactive row (all zero, as padding is) claims and
 * checks nothing and satisfies every constraint.
 *
 * ## wide-add: add, sub, lt (128 and 32 bits)
 *
 *   columns  isAdd, isSub, isLt, narrow (bits; real = isAdd + isSub + isLt is a bit), a[8], b[8], w[8], k[8]
 *
 * The word w is the result c for add and sub and the witness r = (a − b) mod 2^128 for lt. Every limb of a, b, w
 * is sent on U16_BUS. One relation X + Y = Z + 2^128·k_7 covers the three ops,
 *
 *   add:  a + b = w + 2^128·k_7   (k_7 = 0, so c = w = a + b < 2^128)
 *   sub:  b + w = a + 2^128·k_7   (k_7 = 0, so c = w = a − b ≥ 0)
 *   lt:   b + r = a + 2^128·k_7   (c = (k_7, 0, …, 0))
 *
 * limb by limb with carry bits k_i (k_{−1} = 0), as one degree-2 constraint per limb with σ = 2·isAdd − 1 = ±1:
 *
 *   b_i + k_{i−1} − 2^16·k_i + σ·(a_i − w_i) = 0.
 *
 * No wrap mod p: both sides of  X_i + Y_i + k_{i−1} = Z_i + 2^16·k_i  are below 2^17 < p, since every limb is
 * below 2^16 (range check) and every k_i a bit; so each limb equation holds over the integers, and the weighted
 * sum Σ 2^(16i)·(…) gives X + Y = Z + 2^128·k_7 exactly. For add and sub, (isAdd + isSub)·k_7 = 0 pins the
 * equation above: an add that overflows 2^128 or a sub with a < b has no witness. For lt, r ∈ [0, 2^128) forces
 * k_7 = [a < b]: k_7 = 0 needs r = a − b ≥ 0, k_7 = 1 needs r = a − b + 2^128 < 2^128. The message's c is
 * c_0 = w_0 + isLt·(k_7 − w_0), c_i = (1 − isLt)·w_i (degree 2, alone in its LogUp group). With narrow,
 * a_i = b_i = 0 for i ≥ 2, and w_i = 0 for add and sub (the result), not for lt (r = a − b mod 2^128 has high
 * limbs 0xFFFF when a < b); an add32 result below 2^128 with limbs 2..7 zero is below 2^32, so add32 overflow
 * at 2^32 traps too.
 *
 * ## wide-mul: mul128, mul32
 *
 *   columns  real, narrow (bits), A[16], B[16] (bytes of a, b), c[8] (limbs), carry[7]
 *
 * A product of two 16-bit limbs reaches 2^32 > p, so a schoolbook sum over limbs would wrap. Each limb of a and
 * b is two committed bytes, a_i = A_{2i} + 256·A_{2i+1}, each sent on BYTE_BUS; a and b in the message are these
 * expressions, so no limb columns. With T_m = Σ_{j+k=m} A_j·B_k (m = 0..30; at most 16 terms, each ≤ 255²):
 *
 *   limb L = 0..7:   T_{2L} + 256·T_{2L+1} + carry_{L−1} = c_L + 2^16·carry_L   (carry_{−1} = carry_7 = 0)
 *   m = 16..30:      T_m = 0
 *
 * Every c_L is sent on U16_BUS, every carry_L both as carry_L and as 4·carry_L, so carry_L < 2^14 (4·carry < 2^18
 * cannot wrap). No wrap mod p: T_m ≤ 16·255² = 1,040,400 < 2^20.0, so the left side of a limb equation is at most
 * 257·1,040,400 + 2^14 − 1 = 267,399,183 < 2^28 and the right side at most 2^16 − 1 + 2^16·(2^14 − 1) = 2^30 − 1,
 * both below p ≈ 2^30.9: each limb equation holds over the integers. Each T_m for m ≥ 16 is a sum of at most 16
 * non-negative terms below 2^20, so T_m ≡ 0 mod p means T_m = 0 as an integer, and every high product A_j·B_k
 * (j + k ≥ 16) is 0. Then a·b = Σ_{m<31} T_m·256^m = Σ_{L<8} (T_{2L} + 256·T_{2L+1})·2^(16L) = c + 2^128·carry_7 = c:
 * the product is exact and below 2^128. (Honest carries: carry_L ≤ (267,382,800 + 4080)/2^16 = 4080.) With narrow,
 * limbs 2..7 of a, b and c are zero (a limb A_{2i} + 256·A_{2i+1} < 2^16 is zero only with both bytes zero), so
 * mul32 has c = a·b < 2^32.
 *
 * ## Why a row cannot answer a different op
 *
 * The op field of the message is an expression of the selectors, not a free column. wide-add: op = isAdd +
 * 2·isSub + 4·isLt + 4·narrow, which on an active row (exactly one of isAdd, isSub, isLt set; narrow a bit) takes
 * the values add128 1, sub128 2, lt128 4, add32 5, sub32 6, lt32 8: one value per (op, narrow), so the opcode of a
 * received claim fixes which relation and which narrow constraints the row obeys. wide-mul: op = 3·real +
 * 4·narrow ∈ {3 = mul128, 7 = mul32}. The two sets are disjoint, so neither chip answers the other's claims.
 */
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import { sum, type Expr } from '../../proof/air/expr.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { BYTE_BUS, LIMB_BITS, U16_BUS, WIDE_BUS, WIDE_OPS, WORD, type WideOp } from '../buses.ts';
import { wideWord, type Word } from '../word.ts';
import { columns, paddedHeight, type Chip } from './chip.ts';
import type { RangeCounter } from './range.ts';

/** One wide operation as the executor records it: c = op(a, b). */
export interface WideRow {
  readonly op: WideOp;
  readonly a: Word;
  readonly b: Word;
  readonly c: Word;
}

export type WideResult = { ok: true; c: Word } | { ok: false; trap: string };

const LIMB = 1 << LIMB_BITS;
const LIMIT_128 = 1n << 128n;
const LIMIT_32 = 1n << 32n;
const NARROW_OPS: ReadonlySet<WideOp> = new Set(['add32', 'sub32', 'mul32', 'lt32']);

/** Whether `op` is one of the 32-bit operations. */
export function isNarrow(op: WideOp): boolean {
  return NARROW_OPS.has(op);
}

/** The operand's value, or why it is not a well-formed operand of `op`. */
function operand(op: WideOp, name: string, w: Word): bigint | string {
  if (!Array.isArray(w) || w.length !== WORD) return `${op}: operand ${name} is not a word of ${WORD} limbs`;
  let x = 0n;
  for (let i = WORD - 1; i >= 0; i--) {
    const l = w[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= LIMB) return `${op}: operand ${name} lane ${i} holds ${l}, not a 16-bit limb`;
    if (isNarrow(op) && i >= 2 && l !== 0) return `${op}: operand ${name} is not a 32-bit integer (limb ${i} is ${l})`;
    x = x * BigInt(LIMB) + BigInt(l);
  }
  return x;
}

/**
 * The reference semantics of the wide-integer operations: c = op(a, b) exactly on the integers, or a trap when
 * the result does not fit (≥ 2^128, ≥ 2^32 for the 32-bit ops), a subtraction would go below zero, or an operand
 * is not well-formed (a lane that is not a 16-bit limb; for the 32-bit ops a nonzero limb 2..7). lt gives
 * c = (1 or 0, 0, …, 0).
 */
export function wideExecute(op: WideOp, a: Word, b: Word): WideResult {
  if (!(op in WIDE_OPS)) return { ok: false, trap: `unknown wide operation ${String(op)}` };
  const x = operand(op, 'a', a);
  if (typeof x === 'string') return { ok: false, trap: x };
  const y = operand(op, 'b', b);
  if (typeof y === 'string') return { ok: false, trap: y };
  const narrow = isNarrow(op);
  const limit = narrow ? LIMIT_32 : LIMIT_128;
  const bound = narrow ? '2^32' : '2^128';
  let z: bigint;
  switch (op) {
    case 'add128':
    case 'add32':
      z = x + y;
      if (z >= limit) return { ok: false, trap: `${op} overflows ${bound}` };
      break;
    case 'sub128':
    case 'sub32':
      if (x < y) return { ok: false, trap: `${op} underflows: the first operand is less than the second` };
      z = x - y;
      break;
    case 'mul128':
    case 'mul32':
      z = x * y;
      if (z >= limit) return { ok: false, trap: `${op} overflows ${bound}` };
      break;
    case 'lt128':
    case 'lt32':
      z = x < y ? 1n : 0n;
      break;
  }
  return { ok: true, c: wideWord(z) };
}

/** Checks that `row` is a valid operation with its reference result, for a chip that proves `ops`. */
function checkRow(chip: string, ops: ReadonlySet<WideOp>, row: WideRow, index: number): void {
  if (!ops.has(row.op)) throw new RangeError(`${chip}: operation ${index} is ${row.op}, which this chip does not prove`);
  const r = wideExecute(row.op, row.a, row.b);
  if (!r.ok) throw new RangeError(`${chip}: operation ${index} traps (${r.trap}); a trapping operation has no row`);
  if (row.c.length !== WORD || r.c.some((v, i) => v !== row.c[i])) throw new RangeError(`${chip}: operation ${index} claims a result other than ${row.op}(a, b)`);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------------------------------------------------------
// wide-add

/** Column layout of the wide-add chip: `a`, `b`, `w`, `k` are the first of WORD consecutive columns. */
export const WIDE_ADD_COLS = (() => {
  const c = columns();
  const layout = {
    isAdd: c.take(),
    isSub: c.take(),
    isLt: c.take(),
    narrow: c.take(),
    a: c.take(WORD),
    b: c.take(WORD),
    /** The result for add and sub; r = (a − b) mod 2^128 for lt. */
    w: c.take(WORD),
    /** Carry bits; k[7] is [a < b] for lt and 0 otherwise. */
    k: c.take(WORD),
    width: 0,
  };
  layout.width = c.width;
  return Object.freeze(layout);
})();

export const WIDE_ADD_COLUMNS = WIDE_ADD_COLS.width;

const ADD_OPS: ReadonlySet<WideOp> = new Set(['add128', 'sub128', 'lt128', 'add32', 'sub32', 'lt32']);

export const wideAddAir: Air = {
  name: 'wide-add',
  width: WIDE_ADD_COLUMNS,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b: AirBuilder) {
    const C = WIDE_ADD_COLS;
    const m = (c: number) => b.main(c);
    const word = (c: number) => range(WORD).map((i) => m(c + i));
    const [isAdd, isSub, isLt, narrow] = [m(C.isAdd), m(C.isSub), m(C.isLt), m(C.narrow)] as [Expr, Expr, Expr, Expr];
    const [A, B, W, K] = [word(C.a), word(C.b), word(C.w), word(C.k)];
    const real = sum([isAdd, isSub, isLt]);
    b.assertBool(isAdd, 'isAdd is a bit');
    b.assertBool(isSub, 'isSub is a bit');
    b.assertBool(isLt, 'isLt is a bit');
    b.assertBool(narrow, 'narrow is a bit');
    b.assertBool(real, 'at most one operation per row');

    // X_i + Y_i + k_{i−1} = Z_i + 2^16·k_i, as b_i + k_{i−1} − 2^16·k_i + σ·(a_i − w_i) = 0 with σ = ±1.
    const sigma = isAdd.mul(2).sub(1);
    for (let i = 0; i < WORD; i++) {
      const carryIn = i === 0 ? b.constant(0) : K[i - 1]!;
      b.assertZero(B[i]!.add(carryIn).sub(K[i]!.mul(LIMB)).add(sigma.mul(A[i]!.sub(W[i]!))), `limb ${i}: X + Y + carry = Z + 2^16·carry'`);
      b.assertBool(K[i]!, `carry ${i} is a bit`);
    }
    const addOrSub = isAdd.add(isSub);
    b.assertZero(addOrSub.mul(K[WORD - 1]!), 'add and sub do not wrap 2^128');
    for (let i = 2; i < WORD; i++) {
      b.assertZero(narrow.mul(A[i]!), `32-bit: a limb ${i} is zero`);
      b.assertZero(narrow.mul(B[i]!), `32-bit: b limb ${i} is zero`);
      b.assertZero(narrow.mul(addOrSub).mul(W[i]!), `32-bit: result limb ${i} is zero`);
    }

    const opcode = isAdd.mul(WIDE_OPS.add128).add(isSub.mul(WIDE_OPS.sub128)).add(isLt.mul(WIDE_OPS.lt128)).add(narrow.mul(WIDE_OPS.add32 - WIDE_OPS.add128));
    const notLt = b.constant(1).sub(isLt);
    const result = W.map((w, i) => (i === 0 ? w.add(isLt.mul(K[WORD - 1]!.sub(w))) : notLt.mul(w)));
    b.receive(WIDE_BUS, [opcode, ...A, ...B, ...result], real);
    for (const x of [...A, ...B, ...W]) b.send(U16_BUS, [x], real);
  },
};

// The wide-add opcode expression must give each op its WIDE_OPS code.
for (const [op, code] of [
  ['add32', WIDE_OPS.add128 + 4],
  ['sub32', WIDE_OPS.sub128 + 4],
  ['lt32', WIDE_OPS.lt128 + 4],
] as const) {
  if (WIDE_OPS[op] !== code) throw new Error(`wide-add: the opcode of ${op} is not its 128-bit opcode + 4`);
}

function wideAddTrace(ops: readonly WideRow[], range16: RangeCounter, minRows = 1): Matrix {
  const C = WIDE_ADD_COLS;
  const h = paddedHeight(ops.length, minRows);
  const trace = Matrix.zeros(h, C.width);
  ops.forEach((op, r) => {
    checkRow('wide-add', ADD_OPS, op, r);
    const row = trace.row(r);
    const kind = op.op.startsWith('add') ? 'add' : op.op.startsWith('sub') ? 'sub' : 'lt';
    row[kind === 'add' ? C.isAdd : kind === 'sub' ? C.isSub : C.isLt] = 1;
    row[C.narrow] = isNarrow(op.op) ? 1 : 0;
    // lt: r = (a − b) mod 2^128, limb by limb with borrows.
    let w: readonly number[] = op.c;
    if (kind === 'lt') {
      const limbs: number[] = [];
      let borrow = 0;
      for (let i = 0; i < WORD; i++) {
        const d = op.a[i]! - op.b[i]! - borrow;
        borrow = d < 0 ? 1 : 0;
        limbs.push(d + borrow * LIMB);
      }
      w = limbs;
    }
    let carry = 0;
    for (let i = 0; i < WORD; i++) {
      row[C.a + i] = op.a[i]!;
      row[C.b + i] = op.b[i]!;
      row[C.w + i] = w[i]!;
      // add: a_i + b_i + k = w_i + 2^16·k';  sub, lt: b_i + w_i + k = a_i + 2^16·k'.
      const s = kind === 'add' ? op.a[i]! + op.b[i]! + carry : op.b[i]! + w[i]! + carry;
      carry = s >= LIMB ? 1 : 0;
      row[C.k + i] = carry;
    }
    for (let i = 0; i < WORD; i++) range16.addU16(op.a[i]!);
    for (let i = 0; i < WORD; i++) range16.addU16(op.b[i]!);
    for (let i = 0; i < WORD; i++) range16.addU16(w[i]!);
  });
  return trace;
}

/** Add, sub and lt, 128 and 32 bits: one row per operation. */
export const wideAddChip: Chip<WideRow> = { air: wideAddAir, trace: wideAddTrace };

// ---------------------------------------------------------------------------------------------------------------
// wide-mul

/** Bytes of a wide integer: two per limb, least significant first. */
const BYTES = 2 * WORD;
/** Column sums T_m of the byte product run over m = 0..2·BYTES − 2. */
const PRODUCT_TERMS = 2 * BYTES - 1;
/** Carries out of limbs 0..6; the carry out of limb 7 is zero. */
const CARRIES = WORD - 1;
/** A carry is range-checked as carry and carry·CARRY_SCALE, both below 2^16: carry < 2^14. */
const CARRY_SCALE = 4;

/** Column layout of the wide-mul chip. */
export const WIDE_MUL_COLS = (() => {
  const c = columns();
  const layout = {
    real: c.take(),
    narrow: c.take(),
    /** Bytes of a: limb i = A[2i] + 256·A[2i+1]. */
    a: c.take(BYTES),
    b: c.take(BYTES),
    /** Limbs of the product. */
    c: c.take(WORD),
    carry: c.take(CARRIES),
    width: 0,
  };
  layout.width = c.width;
  return Object.freeze(layout);
})();

export const WIDE_MUL_COLUMNS = WIDE_MUL_COLS.width;

const MUL_OPS: ReadonlySet<WideOp> = new Set(['mul128', 'mul32']);

export const wideMulAir: Air = {
  name: 'wide-mul',
  width: WIDE_MUL_COLUMNS,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b: AirBuilder) {
    const C = WIDE_MUL_COLS;
    const m = (c: number) => b.main(c);
    const real = m(C.real);
    const narrow = m(C.narrow);
    const A = range(BYTES).map((j) => m(C.a + j));
    const B = range(BYTES).map((j) => m(C.b + j));
    const Cl = range(WORD).map((i) => m(C.c + i));
    const carry = range(CARRIES).map((i) => m(C.carry + i));
    const limbs = (bytes: Expr[]) => range(WORD).map((i) => bytes[2 * i]!.add(bytes[2 * i + 1]!.mul(256)));
    const [aLimbs, bLimbs] = [limbs(A), limbs(B)];
    b.assertBool(real, 'real is a bit');
    b.assertBool(narrow, 'narrow is a bit');

    const T = range(PRODUCT_TERMS).map((t) => sum(range(BYTES).filter((j) => t - j >= 0 && t - j < BYTES).map((j) => A[j]!.mul(B[t - j]!))));
    for (let L = 0; L < WORD; L++) {
      const carryIn = L === 0 ? b.constant(0) : carry[L - 1]!;
      const carryOut = L === WORD - 1 ? b.constant(0) : carry[L]!;
      b.assertZero(T[2 * L]!.add(T[2 * L + 1]!.mul(256)).add(carryIn).sub(Cl[L]!).sub(carryOut.mul(LIMB)), `limb ${L}: T + 256·T' + carry = c + 2^16·carry'`);
    }
    for (let t = BYTES; t < PRODUCT_TERMS; t++) b.assertZero(T[t]!, `byte position ${t} of the product is zero`);
    for (let i = 2; i < WORD; i++) {
      b.assertZero(narrow.mul(aLimbs[i]!), `32-bit: a limb ${i} is zero`);
      b.assertZero(narrow.mul(bLimbs[i]!), `32-bit: b limb ${i} is zero`);
      b.assertZero(narrow.mul(Cl[i]!), `32-bit: result limb ${i} is zero`);
    }

    const opcode = real.mul(WIDE_OPS.mul128).add(narrow.mul(WIDE_OPS.mul32 - WIDE_OPS.mul128));
    b.receive(WIDE_BUS, [opcode, ...aLimbs, ...bLimbs, ...Cl], real);
    for (const x of [...A, ...B]) b.send(BYTE_BUS, [x], real);
    for (const x of Cl) b.send(U16_BUS, [x], real);
    for (const x of carry) {
      b.send(U16_BUS, [x], real);
      b.send(U16_BUS, [x.mul(CARRY_SCALE)], real);
    }
  },
};

function wideMulTrace(ops: readonly WideRow[], rc: RangeCounter, minRows = 1): Matrix {
  const C = WIDE_MUL_COLS;
  const h = paddedHeight(ops.length, minRows);
  const trace = Matrix.zeros(h, C.width);
  ops.forEach((op, r) => {
    checkRow('wide-mul', MUL_OPS, op, r);
    const row = trace.row(r);
    row[C.real] = 1;
    row[C.narrow] = isNarrow(op.op) ? 1 : 0;
    const A = op.a.flatMap((l) => [l & 0xff, l >>> 8]);
    const B = op.b.flatMap((l) => [l & 0xff, l >>> 8]);
    const T = range(PRODUCT_TERMS).map((t) => {
      let s = 0;
      for (let j = Math.max(0, t - BYTES + 1); j <= Math.min(t, BYTES - 1); j++) s += A[j]! * B[t - j]!;
      return s;
    });
    let carry = 0;
    for (let L = 0; L < WORD; L++) {
      const s = T[2 * L]! + 256 * T[2 * L + 1]! + carry;
      if (s % LIMB !== op.c[L]) throw new Error(`wide-mul: limb ${L} of operation ${r} disagrees with the reference`);
      carry = Math.floor(s / LIMB);
      if (L < CARRIES) row[C.carry + L] = carry;
    }
    A.forEach((x, j) => (row[C.a + j] = x));
    B.forEach((x, j) => (row[C.b + j] = x));
    op.c.forEach((x, i) => (row[C.c + i] = x));
    for (const x of [...A, ...B]) rc.addByte(x);
    for (const x of op.c) rc.addU16(x);
    for (let i = 0; i < CARRIES; i++) {
      rc.addU16(row[C.carry + i]!);
      rc.addU16(row[C.carry + i]! * CARRY_SCALE);
    }
  });
  return trace;
}

/** mul128 and mul32: one row per operation. */
export const wideMulChip: Chip<WideRow> = { air: wideMulAir, trace: wideMulTrace };

/**
 * For the under-constraint checker: a received claim's (op, a, b) are fixed by the CPU, its c is the chip's answer;
 * an inactive row (multiplicity 0: padding) claims and checks nothing, so every column of it is free.
 */
function wideSoundness(width: number, active: (row: ArrayLike<number>) => boolean): ChipSoundness {
  const all = range(width);
  return {
    inputs: [],
    outputs: [],
    claims: [{ bus: WIDE_BUS, received: range(1 + 2 * WORD) }],
    free: [{ reason: 'an inactive row (multiplicity 0) claims and checks nothing', columns: (row) => (active(row) ? [] : all) }],
  };
}

export const wideAddSoundness = wideSoundness(WIDE_ADD_COLUMNS, (r) => r[WIDE_ADD_COLS.isAdd]! + r[WIDE_ADD_COLS.isSub]! + r[WIDE_ADD_COLS.isLt]! !== 0);
export const wideMulSoundness = wideSoundness(WIDE_MUL_COLUMNS, (r) => r[WIDE_MUL_COLS.real] !== 0);
