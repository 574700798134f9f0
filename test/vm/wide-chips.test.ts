// The wide-integer chips (runtime/vm/chips/wide.ts): the reference semantics against bigint arithmetic, the AIRs'
// shapes, honest proofs of a mix of ops (plain PCS and the real FRI PCS, zero knowledge on), a 128-bit
// accumulator, and cheating provers. A test-only driver table sends the claims: its preprocessed columns hold
// (op, a[8], b[8], c[8], active), and it sends (op, a, b, c) on WIDE_BUS with multiplicity `active` (1 per claim,
// 0 on the rows that pad it to a power of two).
import { LOGUP_PACKED_DEGREE } from '../../runtime/vm/machine.ts';
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { analyze, type Air, type AnalyzedAir } from '../../runtime/proof/air/air.ts';
import { evaluateRows, traceInputs } from '../../runtime/proof/air/eval.ts';
import { layoutLogUp } from '../../runtime/proof/air/logup.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { buildSystem, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { prove, WitnessError } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import type { Pcs } from '../../runtime/proof/pcs/types.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import { BYTE_BUS, U16_BUS, WIDE_BUS, WIDE_OPS, type WideOp } from '../../runtime/vm/buses.ts';
import { paddedHeight } from '../../runtime/vm/chips/chip.ts';
import { byteTable, RangeCounter, u16Table } from '../../runtime/vm/chips/range.ts';
import { wideValue, wideWord, type Word } from '../../runtime/vm/word.ts';
import {
  WIDE_ADD_COLS,
  WIDE_ADD_COLUMNS,
  WIDE_MUL_COLS,
  WIDE_MUL_COLUMNS,
  wideAddAir,
  wideAddChip,
  wideExecute,
  wideMulAir,
  wideMulChip,
  type WideRow,
} from '../../runtime/vm/chips/wide.ts';

const P = F.P;
const rng = Rng.fromSeed('test/vm/wide-chips');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const L128 = 1n << 128n;
const L32 = 1n << 32n;
const E25 = 10n ** 25n;
const ALL_OPS = Object.keys(WIDE_OPS) as WideOp[];
const narrowOp = (op: WideOp) => op.endsWith('32');

/** A uniform integer below 2^bits. */
function randomBits(bits: number): bigint {
  let x = 0n;
  for (const byte of rng.nextBytes(Math.ceil(bits / 8))) x = (x << 8n) | BigInt(byte);
  return x & ((1n << BigInt(bits)) - 1n);
}

/** An integer below 2^maxBits of a random bit length (so small and large values both occur). */
const randomValue = (maxBits: number) => randomBits(rng.nextBelow(maxBits + 1));

/** What wideExecute must return, from bigint arithmetic. */
function expected(op: WideOp, x: bigint, y: bigint): bigint | 'trap' {
  const limit = narrowOp(op) ? L32 : L128;
  if (x >= limit || y >= limit) return 'trap';
  switch (op.replace(/\d+$/, '')) {
    case 'add':
      return x + y < limit ? x + y : 'trap';
    case 'sub':
      return x >= y ? x - y : 'trap';
    case 'mul':
      return x * y < limit ? x * y : 'trap';
    default:
      return x < y ? 1n : 0n;
  }
}

function run(op: WideOp, x: bigint, y: bigint): bigint | 'trap' {
  const r = wideExecute(op, wideWord(x), wideWord(y));
  return r.ok ? wideValue(r.c) : 'trap';
}

const EDGES = [0n, 1n, 2n, 0xffffn, 0x10000n, L32 - 1n, L32, (1n << 63n) + 5n, (1n << 64n) - 1n, 1n << 64n, E25, (1n << 127n) - 1n, 1n << 127n, L128 - 1n];

describe('wideExecute: reference semantics', () => {
  it('agrees with bigint arithmetic on every pair of edge values, for every op', () => {
    for (const op of ALL_OPS) for (const x of EDGES) for (const y of EDGES) expect(run(op, x, y), `${op}(${x}, ${y})`).toBe(expected(op, x, y));
  });

  it('agrees with bigint arithmetic on random values', () => {
    for (const op of ALL_OPS) {
      const bits = narrowOp(op) ? 33 : 128;
      let ok = 0;
      for (let i = 0; i < 300; i++) {
        const [x, y] = [randomValue(bits), randomValue(bits)];
        const want = expected(op, x, y);
        expect(run(op, x, y), `${op}(${x}, ${y})`).toBe(want);
        if (want !== 'trap') ok++;
      }
      expect(ok, `${op}: some random cases succeed`).toBeGreaterThan(50);
    }
  });

  it('gives lt as the word (1 or 0, 0, …, 0), and results as canonical limbs', () => {
    expect(wideExecute('lt128', wideWord(E25), wideWord(E25 + 1n))).toEqual({ ok: true, c: [1, 0, 0, 0, 0, 0, 0, 0] });
    expect(wideExecute('lt128', wideWord(E25), wideWord(E25))).toEqual({ ok: true, c: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(wideExecute('lt32', wideWord(7n), wideWord(L32 - 1n))).toEqual({ ok: true, c: [1, 0, 0, 0, 0, 0, 0, 0] });
    expect(wideExecute('add128', wideWord((1n << 64n) - 1n), wideWord(1n))).toEqual({ ok: true, c: wideWord(1n << 64n) });
    expect(wideExecute('add128', wideWord(L128 - 2n), wideWord(1n))).toEqual({ ok: true, c: new Array(8).fill(0xffff) });
    expect(wideExecute('mul128', wideWord((1n << 64n) - 1n), wideWord((1n << 64n) + 1n))).toEqual({ ok: true, c: wideWord(L128 - 1n) });
    expect(wideExecute('mul32', wideWord(0xffffn), wideWord(0x10001n))).toEqual({ ok: true, c: wideWord(L32 - 1n) });
    expect(wideExecute('sub32', wideWord(L32 - 1n), wideWord(L32 - 1n))).toEqual({ ok: true, c: wideWord(0n) });
  });

  it('traps with a readable message on overflow, underflow and malformed operands', () => {
    const trap = (op: WideOp, a: Word, b: Word) => {
      const r = wideExecute(op, a, b);
      expect(r.ok, `${op} should trap`).toBe(false);
      return r.ok ? '' : r.trap;
    };
    const w = wideWord;
    expect(trap('add128', w(L128 - 1n), w(1n))).toBe('add128 overflows 2^128');
    expect(trap('mul128', w(1n << 64n), w(1n << 64n))).toBe('mul128 overflows 2^128');
    expect(trap('add32', w(L32 - 1n), w(1n))).toBe('add32 overflows 2^32');
    expect(trap('mul32', w(0x10000n), w(0x10000n))).toBe('mul32 overflows 2^32');
    expect(trap('sub128', w(3n), w(5n))).toMatch(/sub128 underflows/);
    expect(trap('sub32', w(0n), w(1n))).toMatch(/sub32 underflows/);
    expect(trap('add128', [0, 0, 0, 70000, 0, 0, 0, 0], w(1n))).toMatch(/operand a lane 3 holds 70000, not a 16-bit limb/);
    expect(trap('lt128', w(1n), [0, 1.5, 0, 0, 0, 0, 0, 0])).toMatch(/operand b lane 1 holds 1.5/);
    expect(trap('sub128', [-1, 0, 0, 0, 0, 0, 0, 0], w(0n))).toMatch(/lane 0 holds -1/);
    expect(trap('mul128', [P - 1, 0, 0, 0, 0, 0, 0, 0], w(0n))).toMatch(/not a 16-bit limb/);
    expect(trap('add32', w(1n << 32n), w(0n))).toMatch(/add32: operand a is not a 32-bit integer \(limb 2 is 1\)/);
    expect(trap('lt32', w(0n), w(1n << 112n))).toMatch(/operand b is not a 32-bit integer \(limb 7 is 1\)/);
    expect(trap('mul32', [1, 2, 3], w(0n))).toMatch(/not a word of 8 limbs/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Tables

const DRIVER_PRE = 1 + 3 * 8 + 1;

const driverAir: Air = {
  name: 'wide-driver',
  width: 1, // unused; a table needs a main trace
  preprocessedWidth: DRIVER_PRE,
  publicInputs: 0,
  eval(b) {
    b.send(
      WIDE_BUS,
      range(DRIVER_PRE - 1).map((i) => b.pre(i)),
      b.pre(DRIVER_PRE - 1),
    );
  },
};

const driverHeight = (claims: readonly WideRow[]) => paddedHeight(claims.length, 2);

function driverPreprocessed(claims: readonly WideRow[]): Matrix {
  return Matrix.fromRows(range(driverHeight(claims)).map((r) => (r < claims.length ? [WIDE_OPS[claims[r]!.op], ...claims[r]!.a, ...claims[r]!.b, ...claims[r]!.c, 1] : new Array<number>(DRIVER_PRE).fill(0))));
}

function system<Proof>(pcs: Pcs<Proof>, claims: readonly WideRow[], zk = true): StarkSystem<Proof> {
  return buildSystem(
    'wide-chips-test',
    [
      { air: wideAddChip.air },
      { air: wideMulChip.air },
      { air: driverAir, preprocessed: driverPreprocessed(claims) },
      { air: u16Table.air, preprocessed: u16Table.preprocessed() },
      { air: byteTable.air, preprocessed: byteTable.preprocessed() },
    ],
    pcs,
    zk,
  );
}

const isMul = (r: WideRow) => r.op.startsWith('mul');

/** Honest traces of all five tables for these (valid) operations. */
function honestTraces(ops: readonly WideRow[], minRows = 2): Matrix[] {
  const rc = new RangeCounter();
  const add = wideAddChip.trace(ops.filter((r) => !isMul(r)), rc, minRows);
  const mul = wideMulChip.trace(ops.filter(isMul), rc, minRows);
  return [add, mul, Matrix.zeros(driverHeight(ops), 1), rc.u16Trace(), rc.byteTrace()];
}

const ANALYZED = new Map<Air, AnalyzedAir>([
  [wideAddAir, analyze(wideAddAir)],
  [wideMulAir, analyze(wideMulAir)],
]);

function inputsOf(trace: Matrix) {
  return traceInputs(trace);
}

/** Names of the constraints of `air` that fail on some row of `trace`. */
function failing(air: Air, trace: Matrix): string[] {
  const a = ANALYZED.get(air)!;
  const vecs = evaluateRows(
    a.constraints.map((c) => c.expr),
    inputsOf(trace),
    0,
    trace.height,
  );
  return a.constraints.filter((_, k) => vecs[k]!.data.some((v) => v !== 0)).map((c) => c.name);
}

/** Per row: the interactions of `air` on `bus`, as [values, multiplicity] (multiplicity signed: receive < 0). */
function interactions(air: Air, trace: Matrix, bus: number): [number[], number][][] {
  const a = ANALYZED.get(air)!;
  const its = a.interactions.filter((i) => i.bus === bus);
  const vecs = its.map((it) => evaluateRows([...it.values, it.multiplicity], inputsOf(trace), 0, trace.height));
  return range(trace.height).map((r) => vecs.map((vs) => [vs.slice(0, -1).map((v) => v.data[r]!), vs[vs.length - 1]!.data[r]!] as [number[], number]));
}

/**
 * The range tables' traces as the AIRs' range sends demand them, for whatever the chip traces hold; a value
 * outside a table is left out (a cheating prover cannot do better), so the bus does not balance.
 */
function rangeTracesOf(add: Matrix, mul: Matrix): [Matrix, Matrix, number] {
  const u16 = new Uint32Array(1 << 16);
  const bytes = new Uint32Array(1 << 8);
  let outside = 0;
  for (const [air, t] of [
    [wideAddAir, add],
    [wideMulAir, mul],
  ] as const) {
    for (const [bus, counts] of [
      [U16_BUS, u16],
      [BYTE_BUS, bytes],
    ] as const) {
      for (const row of interactions(air, t, bus)) {
        for (const [[v], m] of row) {
          if (m === 0) continue;
          expect(m).toBe(1);
          if (v! < counts.length) counts[v!]!++;
          else outside++;
        }
      }
    }
  }
  return [new Matrix(u16, 1), new Matrix(bytes, 1), outside];
}

/** The WIDE_BUS messages a chip trace answers (rows with multiplicity −1). */
function answered(air: Air, trace: Matrix): number[][] {
  return interactions(air, trace, WIDE_BUS)
    .map((row) => row[0]!)
    .filter(([, m]) => m !== 0)
    .map(([v, m]) => {
      expect(m).toBe(P - 1);
      return v;
    });
}

const claim = (op: WideOp, a: bigint, b: bigint): WideRow => {
  const r = wideExecute(op, wideWord(a), wideWord(b));
  if (!r.ok) throw new Error(`test setup: ${op}(${a}, ${b}) traps: ${r.trap}`);
  return { op, a: wideWord(a), b: wideWord(b), c: r.c };
};

/** A mix of every op, edge values and random ones. */
function mixedOps(): WideRow[] {
  const out: WideRow[] = [
    claim('add128', 0n, 0n),
    claim('add128', (1n << 64n) - 1n, 1n),
    claim('add128', L128 - 2n, 1n),
    claim('add128', 0xffffn * 0x0001_0001_0001_0001_0001_0001_0001n, 1n), // limbs 0..6 all 0xFFFF, + 1: a carry through seven limbs
    claim('sub128', L128 - 1n, L128 - 1n),
    claim('sub128', 1n << 64n, 1n),
    claim('sub128', E25, E25 - 1n),
    claim('lt128', 3n, 5n),
    claim('lt128', 5n, 3n),
    claim('lt128', E25, E25),
    claim('lt128', 0n, L128 - 1n),
    claim('lt128', L128 - 1n, 0n),
    claim('add32', L32 - 2n, 1n),
    claim('sub32', 0x10000n, 1n),
    claim('lt32', 1n, 0xffff_ffffn),
    claim('lt32', 0xffff_ffffn, 1n),
    claim('mul128', (1n << 64n) - 1n, (1n << 64n) + 1n),
    claim('mul128', (1n << 64n) - 1n, (1n << 64n) - 1n),
    claim('mul128', E25, 10n ** 13n),
    claim('mul128', L128 - 1n, 1n),
    claim('mul128', 0n, L128 - 1n),
    claim('mul32', 0xffffn, 0x10001n),
    claim('mul32', 0n, 0n),
    claim('mul32', 12345n, 6789n),
  ];
  for (const op of ALL_OPS) {
    for (let i = 0; i < 3; i++) {
      const bits = narrowOp(op) ? 32 : 128;
      const [x, y] = op.startsWith('mul') ? [randomBits(bits / 2), randomBits(bits / 2)] : [randomBits(bits - 1), randomBits(bits - 1)];
      out.push(op.startsWith('sub') ? claim(op, x > y ? x : y, x > y ? y : x) : claim(op, x, y));
    }
  }
  return out;
}

describe('wide chips: the AIRs', () => {
  it('have the documented shape', () => {
    const add = ANALYZED.get(wideAddAir)!;
    const mul = ANALYZED.get(wideMulAir)!;
    expect(WIDE_ADD_COLUMNS).toBe(36);
    expect(add.constraints.length).toBe(40);
    expect(add.degree).toBe(3);
    expect(add.interactions.map((i) => i.bus)).toEqual([WIDE_BUS, ...new Array(24).fill(U16_BUS)]);
    expect(WIDE_MUL_COLUMNS).toBe(49);
    expect(mul.constraints.length).toBe(43);
    expect(mul.degree).toBe(2);
    expect(mul.interactions.map((i) => i.bus)).toEqual([WIDE_BUS, ...new Array(32).fill(BYTE_BUS), ...new Array(22).fill(U16_BUS)]);
    for (const a of [add, mul]) {
      expect(a.interactions[0]!.kind).toBe('receive');
      expect(a.interactions[0]!.values.length).toBe(25);
      expect(a.interactions.slice(1).every((i) => i.kind === 'send' && i.values.length === 1)).toBe(true);
    }
    // LogUp columns at degree 3: wide-add's message has degree 2 (its c) and takes a group alone; the rest pair up;
    // the running sum carries the last group. At the machine's LOGUP_PACKED_DEGREE (8) groups of up to 7 messages.
    expect([layoutLogUp(add, 3).auxWidth, layoutLogUp(mul, 3).auxWidth]).toEqual([13, 28]);
    expect([layoutLogUp(add, LOGUP_PACKED_DEGREE).auxWidth, layoutLogUp(mul, LOGUP_PACKED_DEGREE).auxWidth]).toEqual([4, 8]);
  });

  it('honest rows satisfy every constraint, answer exactly the claims, and record exactly what they range-check', () => {
    const ops = mixedOps();
    const [add, mul, , u16, bytes] = honestTraces(ops);
    expect(failing(wideAddAir, add)).toEqual([]);
    expect(failing(wideMulAir, mul)).toEqual([]);
    const claimOf = (r: WideRow) => [WIDE_OPS[r.op], ...r.a, ...r.b, ...r.c];
    expect(answered(wideAddAir, add)).toEqual(ops.filter((r) => !isMul(r)).map(claimOf));
    expect(answered(wideMulAir, mul)).toEqual(ops.filter(isMul).map(claimOf));
    const [u16Want, bytesWant, outside] = rangeTracesOf(add, mul);
    expect(outside).toBe(0);
    expect(u16.values).toEqual(u16Want.values);
    expect(bytes.values).toEqual(bytesWant.values);
  });

  it('pads with all-zero inactive rows, and refuses operations it cannot prove', () => {
    const rc = new RangeCounter();
    const add = wideAddChip.trace([claim('add128', 1n, 2n)], rc, 8);
    const mul = wideMulChip.trace([], rc, 4);
    expect([add.height, mul.height]).toEqual([8, 4]);
    for (const t of [add, mul]) for (let r = t === add ? 1 : 0; r < t.height; r++) expect(t.row(r).every((v) => v === 0)).toBe(true);
    expect(failing(wideAddAir, Matrix.zeros(4, WIDE_ADD_COLUMNS))).toEqual([]);
    expect(failing(wideMulAir, Matrix.zeros(4, WIDE_MUL_COLUMNS))).toEqual([]);
    const wrong = { ...claim('add128', 1n, 2n), c: wideWord(4n) };
    expect(() => wideAddChip.trace([wrong], new RangeCounter())).toThrow(/claims a result other than/);
    expect(() => wideAddChip.trace([{ op: 'add128', a: wideWord(L128 - 1n), b: wideWord(1n), c: wideWord(0n) }], new RangeCounter())).toThrow(/traps/);
    expect(() => wideAddChip.trace([claim('mul128', 2n, 3n)], new RangeCounter())).toThrow(/does not prove/);
    expect(() => wideMulChip.trace([claim('add128', 2n, 3n)], new RangeCounter())).toThrow(/does not prove/);
  });
});

const ACCUMULATED = [2n ** 63n, 2n ** 63n + 5n, 12345678901234567890n, 9n * 10n ** 24n, 2n * 10n ** 24n, 2n ** 100n, 1n, L128 / 4n];

/** A 128-bit accumulator: acc ← acc + x for each value, then acc against a cap of 1e25 (lt both ways, sub), and 3·acc. */
function accumulator(values: readonly bigint[]): { ops: WideRow[]; acc: bigint; crossings: string[] } {
  const ops: WideRow[] = [];
  let acc = 0n;
  const crossings: string[] = [];
  for (const x of values) {
    const r = claim('add128', acc, x);
    ops.push(r);
    const next = wideValue(r.c);
    if (acc < 2n ** 64n && next >= 2n ** 64n) crossings.push('2^64');
    if (acc < E25 && next >= E25) crossings.push('1e25');
    acc = next;
  }
  ops.push(claim('lt128', acc, E25), claim('lt128', E25, acc), claim('sub128', acc, E25), claim('mul128', acc, 3n));
  return { ops, acc, crossings };
}

describe('wide chips: proofs', () => {
  it('a 128-bit accumulator: a running sum crossing 2^64 and 1e25, checked against a cap', () => {
    const { ops, acc, crossings } = accumulator(ACCUMULATED);
    expect(acc).toBe(ACCUMULATED.reduce((a, b) => a + b));
    expect(crossings).toEqual(['2^64', '1e25']);
    expect(ops.slice(-4).map((r) => wideValue(r.c))).toEqual([0n, 1n, acc - E25, 3n * acc]);
    const [add, mul] = honestTraces(ops);
    expect(failing(wideAddAir, add!)).toEqual([]);
    expect(failing(wideMulAir, mul!)).toEqual([]);
    expect(answered(wideAddAir, add!).map((m) => m.slice(17))).toEqual(ops.filter((r) => !isMul(r)).map((r) => [...r.c]));
  });

  // One honest proof: the u16 table's 2^16 rows make each one cost seconds. The cheating provers below use the
  // plain PCS.
  it('prove and verify a mix of every op and the accumulator (FRI PCS, default parameters, zero knowledge)', () => {
    const ops = [...mixedOps(), ...accumulator(ACCUMULATED).ops];
    const sys = system(new FriPcs(DEFAULT_PCS_PARAMS), ops);
    expect(sys.zk).toBe(true);
    const proof = prove(sys, honestTraces(ops), [], { seed: 'mix' });
    expect(verify(sys, [], proof)).toEqual({ ok: true });
  }, 240_000);
});

// ---------------------------------------------------------------------------------------------------------------
// Cheating provers

/** A wide-add row for a, b and the word w, with the carries the integers demand (a cheating w may hold −1 or 2^16). */
function addRow(kind: 'add' | 'sub' | 'lt', narrow: boolean, a: Word, b: Word, w: readonly number[]): number[] {
  const C = WIDE_ADD_COLS;
  const row = new Array<number>(WIDE_ADD_COLUMNS).fill(0);
  row[kind === 'add' ? C.isAdd : kind === 'sub' ? C.isSub : C.isLt] = 1;
  row[C.narrow] = narrow ? 1 : 0;
  let k = 0;
  for (let i = 0; i < 8; i++) {
    row[C.a + i] = a[i]!;
    row[C.b + i] = b[i]!;
    row[C.w + i] = w[i]! < 0 ? P + w[i]! : w[i]!;
    // add: a + b + k = w + 2^16·k';  sub, lt: b + w + k = a + 2^16·k'.
    const s = kind === 'add' ? a[i]! + b[i]! + k : b[i]! + w[i]! + k;
    const z = kind === 'add' ? w[i]! : a[i]!;
    k = (s - z) / 65536;
    expect([0, 1], `carry ${i}`).toContain(k);
    row[C.k + i] = k;
  }
  return row;
}

interface Cheat {
  /** The claims the driver sends. */
  readonly claims: readonly WideRow[];
  readonly add: Matrix;
  readonly mul: Matrix;
}

/** Traces for honest ops, with `edit` applied to the chip traces afterwards; range tables recounted. */
function cheat(claims: readonly WideRow[], honest: readonly WideRow[], edit: (add: Matrix, mul: Matrix) => void): Cheat {
  const [add, mul] = honestTraces(honest, 4);
  edit(add!, mul!);
  return { claims, add: add!, mul: mul! };
}

/**
 * The honest prover refuses (a WitnessError naming `constraint`); with `cheatingProof`, a cheating prover's proof
 * (skipChecks) is rejected by the verifier too. These systems run without zero knowledge, which soundness does
 * not depend on, to keep each proof near a second (the 2^16-row u16 table dominates).
 */
function expectRejected(c: Cheat, constraint: string | RegExp, seed: string, cheatingProof = true): void {
  const sys = system(plainPcs, c.claims, false);
  const [u16, bytes] = rangeTracesOf(c.add, c.mul);
  const traces = [c.add, c.mul, Matrix.zeros(driverHeight(c.claims), 1), u16, bytes];
  let error: unknown;
  try {
    prove(sys, traces, [], { seed });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WitnessError);
  expect((error as WitnessError).constraint).toMatch(constraint);
  if (!cheatingProof) return;
  const proof = prove(sys, traces, [], { seed, skipChecks: true });
  expect(verify(sys, [], proof).ok).toBe(false);
}

const BALANCE = /^logup balance$/;

describe('wide chips: cheating provers', () => {
  const background = [claim('add128', 5n, 6n), claim('mul128', 3n, 4n), claim('lt32', 9n, 8n)];

  it('(a) a wrong sum, one off in one limb: neither the honest row nor a row with that result proves it', () => {
    const x = 0x1234_5678_9abc_def0_1122_3344_5566_7788n;
    const y = 0x0fed_cba9_8765_4321_0f0f_0f0f_f0f0_f0f0n;
    const honest = claim('add128', x, y);
    const wrongC = honest.c.map((v, i) => (i === 3 ? v + 1 : v));
    const wrong: WideRow = { ...honest, c: wrongC };
    // The chip row proves the true sum: the driver's claim goes unanswered.
    expectRejected(cheat([wrong, ...background], [honest, ...background], () => {}), BALANCE, 'a1');
    // The chip row answers the wrong sum: limb 3's equation fails.
    const c = cheat([wrong, ...background], [honest, ...background], (add) => add.set(0, WIDE_ADD_COLS.w + 3, wrongC[3]!));
    expect(failing(wideAddAir, c.add)).toEqual(['limb 3: X + Y + carry = Z + 2^16·carry\'']);
    expectRejected(c, /^limb 3/, 'a2');
  });

  it('(b) an add that overflows 2^128 cannot claim the wrapped result', () => {
    const [a, b] = [wideWord(L128 - 5n), wideWord(10n)];
    const wrapped = wideWord(5n);
    const c = cheat([{ op: 'add128', a, b, c: wrapped }, ...background], background, (add) => add.row(3).set(addRow('add', false, a, b, wrapped)));
    expect(c.add.get(3, WIDE_ADD_COLS.k + 7)).toBe(1);
    expect(failing(wideAddAir, c.add)).toEqual(['add and sub do not wrap 2^128']);
    expectRejected(c, 'add and sub do not wrap 2^128', 'b');
  });

  it('(b′) an add32 that overflows 2^32 cannot claim 2^32', () => {
    const [a, b, sum] = [wideWord(L32 - 1n), wideWord(1n), wideWord(L32)];
    const c = cheat([{ op: 'add32', a, b, c: sum }, ...background], background, (add) => add.row(3).set(addRow('add', true, a, b, sum)));
    expect(failing(wideAddAir, c.add)).toEqual(['32-bit: result limb 2 is zero']);
    expectRejected(c, '32-bit: result limb 2 is zero', 'b32', false);
  });

  it('(c) a sub with a < b cannot claim the wrapped difference', () => {
    const [a, b] = [wideWord(3n), wideWord(E25)];
    const wrapped = wideWord(L128 + 3n - E25);
    const c = cheat([{ op: 'sub128', a, b, c: wrapped }, ...background], background, (add) => add.row(3).set(addRow('sub', false, a, b, wrapped)));
    expect(failing(wideAddAir, c.add)).toEqual(['add and sub do not wrap 2^128']);
    expectRejected(c, 'add and sub do not wrap 2^128', 'c');
  });

  it('(d) a mul digit of 256 with a compensating neighbour satisfies every constraint; the byte check rejects it', () => {
    const op = claim('mul128', 0x1234n, 7n);
    const M = WIDE_MUL_COLS;
    const c = cheat([op, ...background], [op, ...background], (_, mul) => {
      expect([mul.get(0, M.a), mul.get(0, M.a + 1)]).toEqual([0x34, 0x12]);
      mul.set(0, M.a, 0x34 + 256);
      mul.set(0, M.a + 1, 0x12 - 1);
    });
    expect(failing(wideMulAir, c.mul)).toEqual([]);
    expect(answered(wideMulAir, c.mul)[0]).toEqual([WIDE_OPS.mul128, ...op.a, ...op.b, ...op.c]);
    expect(rangeTracesOf(c.add, c.mul)[2]).toBe(1);
    expectRejected(c, BALANCE, 'd1');
  });

  it('(d) a mul claiming a·b + 1 with carries solved in the field: the carries and the top limb leave the range', () => {
    const [x, y] = [0xdead_beef_0123_4567n, 0x0bad_f00d_89ab_cdefn];
    const op = claim('mul128', x, y);
    const M = WIDE_MUL_COLS;
    const inv16 = F.inv(65536);
    let claimed: number[] = [];
    const c = cheat([], [op, ...background], (_, mul) => {
      const row = mul.row(0);
      const A = range(16).map((j) => row[M.a + j]!);
      const B = range(16).map((j) => row[M.b + j]!);
      const T = range(31).map((t) => range(16).reduce((s, j) => (t - j >= 0 && t - j < 16 ? s + A[j]! * B[t - j]! : s), 0));
      claimed = [...op.c];
      claimed[0] = claimed[0]! + 1;
      let carry = 0;
      for (let L = 0; L < 8; L++) {
        const s = F.add(T[2 * L]! + 256 * T[2 * L + 1]!, carry);
        if (L === 7) claimed[7] = s;
        else {
          carry = F.mul(F.sub(s, claimed[L]!), inv16);
          row[M.carry + L] = carry;
        }
        row[M.c + L] = claimed[L]!;
      }
    });
    const cheatClaims = [{ ...op, c: claimed }, ...background];
    expect(failing(wideMulAir, c.mul)).toEqual([]);
    expect(claimed[7]).toBeGreaterThan(65535);
    expect(rangeTracesOf(c.add, c.mul)[2]).toBeGreaterThan(8);
    expectRejected({ ...c, claims: cheatClaims }, BALANCE, 'd2');
  });

  it('(d) a mul result in a non-canonical limb form (c_0 + 2^16, c_1 − 1, carry_0 − 1) is rejected by the u16 check', () => {
    const op = claim('mul128', 0x1234_5678n, 0x9abc_def0n);
    const M = WIDE_MUL_COLS;
    const odd = op.c.map((v, i) => (i === 0 ? v + 65536 : i === 1 ? v - 1 : v));
    const c = cheat([{ ...op, c: odd }, ...background], [op, ...background], (_, mul) => {
      expect(mul.get(0, M.carry)).toBeGreaterThan(0);
      expect(op.c[1]).toBeGreaterThan(0);
      mul.set(0, M.c, odd[0]!);
      mul.set(0, M.c + 1, odd[1]!);
      mul.set(0, M.carry, mul.get(0, M.carry) - 1);
    });
    expect(failing(wideMulAir, c.mul)).toEqual([]);
    expect(wideValue(op.c)).toBe(BigInt(odd[0]!) + (BigInt(odd[1]!) << 16n) + (wideValue(op.c) >> 32n << 32n));
    expectRejected(c, BALANCE, 'd3', false);
  });

  it('(d) a mul product beyond 2^128 cannot hide its high bytes', () => {
    // 2^64 · 2^64 = 2^128 ≡ 0: claim c = 0. The only nonzero bytes are A_8 = B_8 = 1, at byte position 16.
    const [a, b] = [wideWord(1n << 64n), wideWord(1n << 64n)];
    const M = WIDE_MUL_COLS;
    const c = cheat([{ op: 'mul128', a, b, c: wideWord(0n) }, ...background], background, (_, mul) => {
      mul.set(3, M.real, 1);
      mul.set(3, M.a + 8, 1);
      mul.set(3, M.b + 8, 1);
    });
    expect(failing(wideMulAir, c.mul)).toEqual(['byte position 16 of the product is zero']);
    expectRejected(c, 'byte position 16 of the product is zero', 'd4', false);
  });

  it('(e) lt claiming the wrong bit needs r outside [0, 2^128): the u16 check rejects it', () => {
    for (const [x, y, seed, cheatingProof] of [
      [E25, 3n, 'e1', true],
      [3n, E25, 'e2', false],
    ] as const) {
      const honest = claim('lt128', x, y);
      const bit = 1 - honest.c[0]!;
      const c = cheat([{ ...honest, c: [bit, 0, 0, 0, 0, 0, 0, 0] }, ...background], background, (add) => {
        // b + r = a + 2^128·bit, limb by limb: r = a − b + 2^128·bit, whose top limb is off by ±2^16.
        const r = wideWord((x - y + L128) % L128).map((v, i) => (i === 7 ? v + (bit - honest.c[0]!) * 65536 : v));
        add.row(3).set(addRow('lt', false, wideWord(x), wideWord(y), r));
      });
      expect(c.add.get(3, WIDE_ADD_COLS.k + 7)).toBe(bit);
      expect(failing(wideAddAir, c.add)).toEqual([]);
      expect(rangeTracesOf(c.add, c.mul)[2]).toBe(1);
      expectRejected(c, BALANCE, seed, cheatingProof);
    }
  });

  it('a row cannot answer another op: a sub row for an add claim, a mul128 row for a mul32 claim', () => {
    const sub = claim('sub128', 9n, 4n);
    expectRejected(cheat([{ ...sub, op: 'add128' }, ...background], [sub, ...background], () => {}), BALANCE, 'op1');
    const mul = claim('mul128', 300n, 7n);
    expectRejected(cheat([{ ...mul, op: 'mul32' }, ...background], [mul, ...background], () => {}), BALANCE, 'op2', false);
    // Two selectors on one row: not a bit sum.
    const c = cheat([claim('add128', 1n, 1n), ...background], [claim('add128', 1n, 1n), ...background], (add) => add.set(0, WIDE_ADD_COLS.isLt, 1));
    expect(failing(wideAddAir, c.add)).toEqual(['at most one operation per row']);
  });
});
