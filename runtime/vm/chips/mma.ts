/**
 * The zkVM's tensor-core chip: the `mma c, a, b, #n` instruction (isa.ts) proven by the tensor-core chip of
 * chips/fp/bf16-mma.ts, its operands streamed from memory. One CPU row per dot product, n chip slots (16 products
 * each), whatever K is: the program does not grow with K.
 *
 * The chip's slots get their operands and flags from main columns instead of the statement's preprocessed ones
 * (bf16-mma.ts MmaSource). Each slot also holds the identity of the dot product it belongs to, (clk, A0, B0, n),
 * its index g in it, and `act` (a real slot, not padding). After the chip's own columns a row has an identity
 * carry (the previous row's last slot's act, clk, A0, B0, n, g: a transition) and, per slot, a[16], b[16], first,
 * last, act, clk, A0, B0, n, g and the bookkeeping of its four memory reads (d0, d1, d2 each: three bytes).
 *
 *   chain     a slot that is not `first` continues the slot before it (slot j − 1, or the carry for slot 0): the
 *             same act, clk, A0, B0, n, and g one more; the chip's own constraint makes its C that slot's R. A
 *             `first` slot has g = 0 (and the chip starts it from C = +0).
 *   operands  an `act` slot reads the words A0 + 2g, A0 + 2g + 1 at time 3·clk + 1 (slot A's time of the CPU row at
 *             clk, which `mma` leaves unused) and B0 + 2g, B0 + 2g + 1 at 3·clk + 2 (slot B's), their 8 lanes each
 *             the slot's a[16] and b[16]: memory accesses as the CPU makes them (cpu.ts), value unchanged, the
 *             previous access earlier: its time is prev = t − 1 − (d0 + 2^8·d1 + 2^16·d2) with three byte
 *             lookups, so t − prev − 1 ∈ [0, 2^24) (the CPU's times are below 3·2^22 + 3 < 2^24); prev is that
 *             expression in the message the memory answers, not a column of its own.
 *   result    a `last` slot (act, g = n − 1) receives the CPU's claim (clk, A0, B0, n, lo16, hi16) on MMA_BUS, its
 *             R written as the f32 the tensor core stores (the NaN 7FFFFFFF, an infinity whatever the significand
 *             it overflowed with).
 *
 * Why a claim is proven: the CPU's message is received by exactly one `last` slot, whose g is n − 1. Going back
 * from it, each slot that is not `first` has a predecessor with the same identity and g one less; the trace's
 * first slot is `first`, so the walk stops at a `first` slot, whose g is 0: n − 1 steps back (fewer than p slots),
 * so the chain is exactly the n operations of the claimed dot product, every one active, reading the claimed
 * rows at the instruction's times, each slot's C the previous slot's R from +0: bf16MmaDot of the rows. Slots
 * outside a claimed chain (padding: first, inactive, zero operands) claim nothing; an active one only reads
 * memory, which changes no value.
 */
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import { analyze } from '../../proof/air/air.ts';
import { Matrix } from '../../proof/matrix.ts';
import * as F from '../../proof/field/babybear.ts';
import { bf16MmaDot, MMA_K } from '../../fp/mma.ts';
import { BYTE_BUS, MEMORY_BUS, MMA_BUS, WORD } from '../buses.ts';
import { MMA_WORDS_PER_OP, type Instruction } from '../isa.ts';
import type { Word } from '../word.ts';
import { f32OfState, GIDX, GROUP_WIDTH, mmaAir, mmaLayout, mmaSoundness, type MmaLayout, type MmaSource } from './fp/bf16-mma.ts';
import { mmaRows, type Slot } from './fp/bf16-mma-witness.ts';
import { mmaTableList, mmaTableTraces, vPoly } from './fp/bf16-mma-tables.ts';
import { compileRowExpr, type RowFn } from './fp/row-check.ts';
import { paddedHeight } from './chip.ts';
import { DEFAULT_PCS_PARAMS } from '../../proof/pcs/security.ts';
import { zkLayoutOf } from '../../proof/stark/system.ts';
import type { RangeCounter } from './range.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';

/** One `mma` as the executor records it: the instruction's clock, rows, the words read and their previous times. */
export interface MmaOp {
  readonly clk: number;
  readonly a: number;
  readonly b: number;
  readonly n: number;
  readonly aWords: readonly Word[];
  readonly bWords: readonly Word[];
  readonly aPrev: readonly number[];
  readonly bPrev: readonly number[];
  /** The f32 accumulator. */
  readonly acc: number;
}

const isHalf = (x: number | undefined): x is number => x !== undefined && Number.isInteger(x) && x >= 0 && x < 0x10000;

/** The result of `mma` on these operand words: bf16MmaDot of their lanes; a trap when a lane is not a bf16. */
export function mmaExecute(aWords: readonly Word[], bWords: readonly Word[]): { ok: true; acc: number } | { ok: false; trap: string } {
  const lanes = (ws: readonly Word[]) => ws.flatMap((w) => [...w]);
  const [a, b] = [lanes(aWords), lanes(bWords)];
  const bad = [...a, ...b].findIndex((x) => !isHalf(x));
  if (bad >= 0) return { ok: false, trap: `mma: operand lane ${bad % a.length} of ${bad < a.length ? 'a' : 'b'} is ${[...a, ...b][bad]}, not a bf16 bit pattern` };
  return { ok: true, acc: bf16MmaDot(a, b).acc >>> 0 };
}

const IDENT = ['act', 'clk', 'A0', 'B0', 'n', 'g'] as const;
type Ident = (typeof IDENT)[number];
const READ = ['d0', 'd1', 'd2'] as const;
/** Per slot: a[16], b[16], first, last, the identity, and four reads. */
const SLOT_WIDTH = 2 * MMA_K + 2 + IDENT.length + 2 * MMA_WORDS_PER_OP * READ.length;

/** The VM columns after the chip's own (lay.width). */
export function vmMmaLayout(groups: number) {
  const lay = mmaLayout(groups);
  const base = lay.width;
  const slot = (j: number) => base + IDENT.length + j * SLOT_WIDTH;
  return {
    lay,
    width: base + IDENT.length + groups * SLOT_WIDTH,
    carry: (f: Ident) => base + IDENT.indexOf(f),
    a: (j: number, i: number) => slot(j) + i,
    b: (j: number, i: number) => slot(j) + MMA_K + i,
    first: (j: number) => slot(j) + 2 * MMA_K,
    last: (j: number) => slot(j) + 2 * MMA_K + 1,
    ident: (j: number, f: Ident) => slot(j) + 2 * MMA_K + 2 + IDENT.indexOf(f),
    /** Read r of a slot: 0, 1 the a words, 2, 3 the b words. */
    read: (j: number, r: number, f: (typeof READ)[number]) => slot(j) + 2 * MMA_K + 2 + IDENT.length + r * READ.length + READ.indexOf(f),
  };
}
export type VmMmaLayout = ReturnType<typeof vmMmaLayout>;

function vmSource(groups: number): (lay: MmaLayout) => MmaSource {
  const v = vmMmaLayout(groups);
  return () => ({
    width: v.width - v.lay.width,
    preWidth: 0,
    operand: (b, j, side, i) => b.main(side === 'a' ? v.a(j, i) : v.b(j, i)),
    flag: (b, j, f) => (f === 'first' ? b.main(v.first(j)) : b.constant(0)),
    result(b, j, R) {
      const one = b.constant(1);
      const id = (f: Ident) => b.main(v.ident(j, f));
      const notNaN = one.sub(R('nan'));
      const finite = one.sub(vPoly.mx5(b, R('v')));
      // The f32 bits: (t, fraction) for a number, an infinity's significand dropped, the NaN 7FFFFFFF.
      const hi = notNaN.mul(R('t').mul(128).add(finite.mul(R('q2').sub(vPoly.h5(b, R('v')).mul(128))))).add(R('nan').mul(0x7fff));
      const lo = notNaN.mul(finite).mul(R('q1').mul(256).add(R('q0'))).add(R('nan').mul(0xffff));
      b.receive(MMA_BUS, [id('clk'), id('A0'), id('B0'), id('n'), lo, hi], b.main(v.last(j)));
    },
    extra: (b) => evalStream(b, v),
  });
}

function evalStream(b: AirBuilder, v: VmMmaLayout): void {
  const one = b.constant(1);
  const m = (c: number) => b.main(c);
  const G = v.lay.groups;
  for (let j = 0; j < G; j++) {
    const id = (f: Ident) => m(v.ident(j, f));
    const prev = (f: Ident) => (j === 0 ? m(v.carry(f)) : m(v.ident(j - 1, f)));
    const [first, last, act] = [m(v.first(j)), m(v.last(j)), id('act')];
    b.assertBool(first, `s${j}: first is a bit`);
    b.assertBool(last, `s${j}: last is a bit`);
    b.assertBool(act, `s${j}: act is a bit`);
    const cont = one.sub(first);
    for (const f of ['act', 'clk', 'A0', 'B0', 'n'] as const) b.assertZero(cont.mul(id(f).sub(prev(f))), `s${j}: a continuing slot keeps its dot product's ${f}`);
    b.assertZero(cont.mul(id('g').sub(prev('g')).sub(1)), `s${j}: a continuing slot is the next operation`);
    b.assertZero(first.mul(id('g')), `s${j}: a dot product starts at operation 0`);
    b.assertZero(last.mul(id('g').sub(id('n')).add(1)), `s${j}: the last operation is n − 1`);
    b.assertZero(last.mul(one.sub(act)), `s${j}: a claimed dot product is active`);
    for (let r = 0; r < 2 * MMA_WORDS_PER_OP; r++) {
      const side = r < MMA_WORDS_PER_OP ? 'a' : 'b';
      const w = r % MMA_WORDS_PER_OP;
      const addr = id(side === 'a' ? 'A0' : 'B0').add(id('g').mul(MMA_WORDS_PER_OP)).add(w);
      const t = id('clk').mul(3).add(side === 'a' ? 1 : 2);
      const lanes = Array.from({ length: WORD }, (_, k) => m(side === 'a' ? v.a(j, w * WORD + k) : v.b(j, w * WORD + k)));
      const [d0, d1, d2] = READ.map((f) => m(v.read(j, r, f)));
      // The previous access's time, t − 1 − d with d < 2^24: earlier than t.
      const p = t.sub(1).sub(d0).sub(d1.mul(256)).sub(d2.mul(65536));
      for (const d of [d0, d1, d2]) b.send(BYTE_BUS, [d], act);
      b.receive(MEMORY_BUS, [addr, ...lanes, p], act);
      b.send(MEMORY_BUS, [addr, ...lanes, t], act);
    }
  }
  for (const f of IDENT) b.assertZero(b.isTransition.mul(b.mainNext(v.carry(f)).sub(m(v.ident(G - 1, f)))), `the identity carry is the previous row's last slot's (${f})`);
}

/** The degree budget of the tensor-core chip's table (bf16-mma.ts: e_max's product reaches degree 20). */
export const MMA_MAX_DEGREE = 32;
/**
 * The degree budget of the chip's lookup tables: 2, one LogUp fraction per extension column. At the default 3 two
 * fractions share a column but the quotient takes 5 chunks instead of 3: per row of mma-hl (two buses and the
 * blinding bus) 62 committed cells instead of 70, of mma-t9 52 instead of 60.
 */
export const MMA_TABLE_DEGREE = 2;
const MAX_GROUPS = 64;
const MIN_ROWS = 4;
/** A slot's committed columns: its main columns and about 8 LogUp extension columns (4 base columns each). */
const SLOT_COLUMNS = GROUP_WIDTH + 32;
/** A row's columns outside its slots: the carries. */
const ROW_FIXED_COLUMNS = 12;

/**
 * Operations (slots) the `mma` instructions stream when the program runs: each instruction's n times how often it
 * runs (`counts`, loops.ts executionCounts; without counts, once each: a straight-line program).
 */
export function mmaOperations(instructions: readonly Instruction[], counts?: ArrayLike<number>): number {
  return instructions.reduce((s, ins, i) => s + (ins.op === 'mma' ? ins.imm * (counts ? counts[i]! : 1) : 0), 0);
}

/**
 * Slots per row for `ops` operations: the fewest committed cells over heights of at least MIN_ROWS and at most
 * MAX_GROUPS slots per row (ties: fewer rows). A table of height h commits (h_c + s)·(g·SLOT_COLUMNS +
 * ROW_FIXED_COLUMNS) witness cells and (h_q + S_q)·4·chunks quotient cells, as system.ts zkLayoutOf gives them
 * with zero knowledge at the default parameters' queries and the chip's degree budget: tall tables take a small
 * randomiser, short ones double.
 */
export function mmaGroups(ops: number): number {
  let best = { groups: 1, cost: Infinity };
  for (let h = MIN_ROWS; ; h *= 2) {
    const g = Math.max(1, Math.ceil(ops / h));
    const z = zkLayoutOf(true, DEFAULT_PCS_PARAMS.numQueries, MMA_MAX_DEGREE, Math.log2(h));
    const cost = (2 ** z.logCommitted + z.slack) * (g * SLOT_COLUMNS + ROW_FIXED_COLUMNS) + (2 ** z.quotientLogHeight + z.quotientSlack) * 4 * z.chunks;
    if (g <= MAX_GROUPS && cost < best.cost) best = { groups: g, cost };
    if (g === 1) break;
  }
  return best.groups;
}

const airs = new Map<number, Air>();
/** The VM's tensor-core chip with `groups` slots per row. */
export function vmMmaAir(groups: number): Air {
  let air = airs.get(groups);
  if (!air) airs.set(groups, (air = mmaAir(groups, 'bf16-mma', vmSource(groups))));
  return air;
}

const compiled = new WeakMap<Air, { bus: number; values: RowFn[]; mult: RowFn }[]>();
const TABLE_BUSES = new Set(mmaTableList().flatMap((t) => t.buses.map((x) => x.bus)));

/** The chip's trace for `ops` (rows of `groups` slots, padded) and its lookup tables' multiplicities. */
export function vmMmaTraces(groups: number, ops: readonly MmaOp[], range: RangeCounter): Matrix[] {
  const v = vmMmaLayout(groups);
  const slots: (Slot & { op?: MmaOp; g: number })[] = [];
  for (const op of ops) {
    for (let g = 0; g < op.n; g++) {
      const lanes = (ws: readonly Word[]) => ws.slice(MMA_WORDS_PER_OP * g, MMA_WORDS_PER_OP * (g + 1)).flat();
      slots.push({ a: lanes(op.aWords), b: lanes(op.bWords), first: g === 0, op, g });
    }
  }
  const height = paddedHeight(Math.ceil(slots.length / groups), MIN_ROWS);
  const zeros = new Array<number>(MMA_K).fill(0);
  while (slots.length < height * groups) slots.push({ a: zeros, b: zeros, first: true, g: 0 });
  const { main, results } = mmaRows(groups, slots);
  slots.forEach((s, k) => {
    if (s.op && s.g === s.op.n - 1 && results[k] && f32OfState(results[k]!) !== s.op.acc) throw new Error(`tensor-core chip: the row computes another result than the executor (${s.op.acc.toString(16)})`);
  });
  const rows = main.map((base, r) => {
    const row = new Array<number>(v.width).fill(0);
    base.forEach((x, k) => (row[k] = x));
    for (let j = 0; j < groups; j++) {
      const s = slots[r * groups + j]!;
      s.a.forEach((x, i) => (row[v.a(j, i)] = x));
      s.b.forEach((x, i) => (row[v.b(j, i)] = x));
      row[v.first(j)] = s.first ? 1 : 0;
      const op = s.op;
      if (!op) continue;
      row[v.last(j)] = s.g === op.n - 1 ? 1 : 0;
      for (const f of IDENT) row[v.ident(j, f)] = identOf(s, f);
      for (let r2 = 0; r2 < 2 * MMA_WORDS_PER_OP; r2++) {
        const w = MMA_WORDS_PER_OP * s.g + (r2 % MMA_WORDS_PER_OP);
        const [prev, t] = r2 < MMA_WORDS_PER_OP ? [op.aPrev[w]!, 3 * op.clk + 1] : [op.bPrev[w]!, 3 * op.clk + 2];
        const d = t - prev - 1;
        if (d < 0 || d >= 2 ** 24) throw new Error(`tensor-core chip: a read ${d + 1} cycles' time after its previous access`);
        READ.forEach((f, k) => {
          row[v.read(j, r2, f)] = (d >>> (8 * k)) & 0xff;
          range.addByte((d >>> (8 * k)) & 0xff);
        });
      }
    }
    if (r > 0) for (const f of IDENT) row[v.carry(f)] = identOf(slots[r * groups - 1]!, f);
    return row.map(F.fromInt);
  });
  const air = vmMmaAir(groups);
  let list = compiled.get(air);
  if (!list) {
    list = analyze(air)
      .interactions.filter((it) => TABLE_BUSES.has(it.bus))
      .map((it) => ({ bus: it.bus, values: it.values.map(compileRowExpr), mult: compileRowExpr(it.multiplicity) }));
    compiled.set(air, list);
  }
  const messages = new Map<number, number[][]>();
  for (const row of rows) {
    for (const s of list) {
      const k = s.mult(row);
      if (k === 0) continue;
      if (k !== 1) throw new Error(`tensor-core chip: bus ${s.bus} multiplicity ${k}`);
      const bucket = messages.get(s.bus) ?? [];
      bucket.push(s.values.map((f) => f(row)));
      messages.set(s.bus, bucket);
    }
  }
  return [Matrix.fromRows(rows), ...mmaTableTraces(messages)];
}

function identOf(s: { op?: MmaOp; g: number }, f: Ident): number {
  if (!s.op) return 0;
  return { act: 1, clk: s.op.clk, A0: s.op.a, B0: s.op.b, n: s.op.n, g: s.g }[f];
}

/** The tensor-core tables a machine with the chip adds, in order (bf16-mma-tables.ts). */
export const mmaVmTables = () => mmaTableList();

/**
 * For the under-constraint checker: the CPU's claim fixes (clk, A0, B0, n) and the memory fixes what a slot reads
 * (its operands and the previous times); R of every slot is the chip's answer, as in the statement's chip
 * (bf16-mma.ts mmaSoundness, whose free columns carry over). A padding slot (act = 0, not last) claims nothing and
 * reads nothing: every column of it is free; so is the identity carry, read on the first row only by a first slot.
 */
export function vmMmaSoundness(groups: number): ChipSoundness {
  const v = vmMmaLayout(groups);
  const base = mmaSoundness(groups);
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const slotColumns = (j: number) => [
    ...range(v.lay.group(j, 'Rt') - GIDX.Rt, GROUP_WIDTH),
    ...range(v.a(j, 0), 2 * MMA_K + 2 + IDENT.length + 2 * MMA_WORDS_PER_OP * READ.length),
  ];
  return {
    inputs: [],
    outputs: base.outputs,
    claims: [
      { bus: MMA_BUS, received: [0, 1, 2, 3] },
      { bus: MEMORY_BUS, received: range(0, WORD + 2), sent: [] },
    ],
    free: [
      ...(base.free ?? []),
      { columns: IDENT.map((f) => v.carry(f)), reason: 'the identity carry: a copy of the previous row’s last slot’s (the transition), read on the first row only by a first slot' },
      {
        columns: (row) => range(0, groups).flatMap((j) => (row[v.ident(j, 'act')] === 0 && row[v.last(j)] === 0 ? slotColumns(j) : [])),
        reason: 'a padding slot (not active, not last) claims nothing and reads nothing',
      },
    ],
  };
}
