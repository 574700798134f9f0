// The Poseidon2 chip (runtime/vm/chips/poseidon2.ts): its bus outputs against the published Plonky3 vector and the
// reference permutation, honest proofs (plain PCS and the real FRI PCS, zero knowledge on), cheating provers that
// edit one S-box cell or claim a wrong digest or the other half of the state, and padding rows. A test-only driver
// table sends the requests: its preprocessed columns hold (in[16], half, out[8], active), and it sends (in, half, out)
// on POSEIDON2_BUS with multiplicity `active` (1 per request, 0 on the rows that pad it to a power of two).
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { analyze, type Air } from '../../runtime/proof/air/air.ts';
import { evaluateRows, traceInputs } from '../../runtime/proof/air/eval.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { BABYBEAR_16, compressPair, poseidon2 } from '../../runtime/proof/hash/poseidon2.ts';
import { buildSystem, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { prove, WitnessError } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import type { Pcs } from '../../runtime/proof/pcs/types.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import { POSEIDON2_BUS } from '../../runtime/vm/buses.ts';
import { paddedHeight } from '../../runtime/vm/chips/chip.ts';
import { RangeCounter } from '../../runtime/vm/chips/range.ts';
import { POSEIDON2_COLS, POSEIDON2_COLUMNS, POSEIDON2_DEGREE, poseidon2Air, poseidon2Chip, type Poseidon2Op } from '../../runtime/vm/chips/poseidon2.ts';

const P = F.P;
const rng = Rng.fromSeed('test/vm/poseidon2-chip');
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const randomInput = () => Array.from(rng.fieldVector(16));

// Plonky3 (https://github.com/Plonky3/Plonky3, commit 5dc50e51436a811c62443e336f766015fecc9217),
// baby-bear/src/poseidon2.rs, test_default_babybear_poseidon2_width_16; as in test/proof/poseidon2.test.ts.
const PLONKY3_INPUT = [
  894848333, 1437655012, 1200606629, 1690012884, 71131202, 1749206695, 1717947831, 120589055, 19776022, 42382981,
  1831865506, 724844064, 171220207, 1299207443, 227047920, 1783754913,
];
const PLONKY3_OUTPUT = [
  516096821, 90309867, 1101817252, 1660784290, 360715097, 1789519026, 1788910906, 563338433, 319524748, 1741414159,
  1650859320, 894311162, 1121347488, 1692793758, 1052633829, 1344246938,
];
// zpol's permutation of the zero state and of 0..15, pinned in test/proof/poseidon2.test.ts (no published vector).
const ZERO_OUTPUT = [1168947398, 128782440, 747404447, 883925857, 360581875, 1704698758, 1878363991, 1054281681];
const RANGE_OUTPUT = [1906786279, 1737026427, 1959749225, 700325316, 1638050605, 1021608788, 1726691001, 1761127344];

interface Request {
  readonly input: readonly number[];
  /** Which half of the permuted state the driver asks for (0 when absent). */
  readonly half?: 0 | 1;
  /** The digest the driver claims: 8 elements. */
  readonly output: readonly number[];
}

/** The honest request for one half of the permuted state (`honest` asks for the first, the compression). */
const honestHalf = (input: readonly number[], half: 0 | 1): Request => ({ input, half, output: Array.from(poseidon2.permutation(input).subarray(8 * half, 8 * half + 8)) });
const honest = (input: readonly number[]): Request => honestHalf(input, 0);

const driverAir: Air = {
  name: 'poseidon2-driver',
  width: 1, // unused; a table needs a main trace
  preprocessedWidth: 26,
  publicInputs: 0,
  eval(b) {
    b.send(POSEIDON2_BUS, range(25).map((i) => b.pre(i)), b.pre(25));
  },
};

function driverPreprocessed(requests: readonly Request[]): Matrix {
  const h = paddedHeight(requests.length, 2);
  return Matrix.fromRows(range(h).map((r) => (r < requests.length ? [...requests[r]!.input, requests[r]!.half ?? 0, ...requests[r]!.output, 1] : new Array<number>(26).fill(0))));
}

function system<Proof>(pcs: Pcs<Proof>, requests: readonly Request[]): StarkSystem<Proof> {
  return buildSystem('poseidon2-chip-test', [{ air: poseidon2Chip.air, maxDegree: POSEIDON2_DEGREE }, { air: driverAir, preprocessed: driverPreprocessed(requests) }], pcs, true);
}

const ops = (inputs: readonly (readonly number[])[], half: 0 | 1 = 0): Poseidon2Op[] => inputs.map((input) => ({ input, half }));

/** The chip's trace (each row answering the half its request asks for) and the driver's (empty) main trace. */
function traces(requests: readonly Request[], minRows?: number): [Matrix, Matrix] {
  const chip = poseidon2Chip.trace(requests.map((r) => ({ input: r.input, half: r.half ?? 0 })), new RangeCounter(), minRows);
  return [chip, Matrix.zeros(paddedHeight(requests.length, 2), 1)];
}

const analyzed = analyze(poseidon2Air);

function inputsOf(trace: Matrix) {
  return traceInputs(trace);
}

/** The (in, out) message the AIR receives on each row of `trace`, as the prover evaluates it. */
function messages(trace: Matrix): number[][] {
  const values = analyzed.interactions[0]!.values;
  const vecs = evaluateRows(values, inputsOf(trace), 0, trace.height);
  return range(trace.height).map((r) => vecs.map((v) => v.data[r]!));
}

/** Rows on which some constraint of the chip fails. */
function failingRows(trace: Matrix): number[] {
  const vecs = evaluateRows(analyzed.constraints.map((c) => c.expr), inputsOf(trace), 0, trace.height);
  return range(trace.height).filter((r) => vecs.some((v) => v.data[r] !== 0));
}

describe('Poseidon2 chip: the AIR', () => {
  it('has 159 columns, 143 constraints of degree ≤ 7, one receive of (in[16], half, out[8]) on POSEIDON2_BUS', () => {
    expect(POSEIDON2_COLUMNS).toBe(159);
    expect(poseidon2Air.width).toBe(POSEIDON2_COLUMNS);
    expect(analyzed.constraints.length).toBe(143);
    expect(analyzed.degree).toBe(POSEIDON2_DEGREE);
    expect(analyzed.constraints.filter((c) => c.expr.degree === 7)).toHaveLength(141);
    expect(analyzed.interactions.map((i) => [i.bus, i.kind, i.values.length])).toEqual([[POSEIDON2_BUS, 'receive', 25]]);
    // Every S-box column is distinct and inside the table.
    const cols = [
      POSEIDON2_COLS.mult,
      ...range(16).map(POSEIDON2_COLS.input),
      ...range(8).flatMap((e) => range(16).map((i) => POSEIDON2_COLS.externalY(e, i))),
      ...range(13).map((k) => POSEIDON2_COLS.internalY(k)),
      POSEIDON2_COLS.half,
    ];
    expect(new Set(cols).size).toBe(POSEIDON2_COLUMNS);
    expect(Math.min(...cols)).toBe(0);
    expect(Math.max(...cols)).toBe(POSEIDON2_COLUMNS - 1);
  });

  it('outputs the published Plonky3 vector, the pinned zero and 0..15 permutations, and the reference on random states', () => {
    const random = range(29).map(randomInput);
    const edge = [new Array(16).fill(P - 1), range(16).map((i) => (i % 2 ? P - 1 : 0))];
    const inputs = [PLONKY3_INPUT, new Array(16).fill(0), range(16), ...edge, ...random];
    const trace = poseidon2Chip.trace(ops(inputs), new RangeCounter());
    expect(trace.height).toBe(64);
    expect(failingRows(trace)).toEqual([]);
    const msgs = messages(trace);
    inputs.forEach((input, r) => expect(msgs[r]!.slice(0, 16), `row ${r} input`).toEqual(input));
    expect(msgs[0]!.slice(17)).toEqual(PLONKY3_OUTPUT.slice(0, 8));
    expect(msgs[1]!.slice(17)).toEqual(ZERO_OUTPUT);
    expect(msgs[2]!.slice(17)).toEqual(RANGE_OUTPUT);
    inputs.forEach((input, r) => expect(msgs[r]!.slice(17), `row ${r}`).toEqual(Array.from(poseidon2.permutation(input).subarray(0, 8))));
    // Padding rows: the zero state's permutation, mult 0.
    for (let r = 0; r < trace.height; r++) expect(trace.get(r, POSEIDON2_COLS.mult)).toBe(r < inputs.length ? 1 : 0);
    expect(msgs[inputs.length]!).toEqual([...new Array(16).fill(0), 0, ...ZERO_OUTPUT]);
    // half 1: the other half of the permuted state, in the same message layout.
    const upper = messages(poseidon2Chip.trace(ops([PLONKY3_INPUT, new Array(16).fill(0)], 1), new RangeCounter()));
    expect(upper[0]).toEqual([...PLONKY3_INPUT, 1, ...PLONKY3_OUTPUT.slice(8)]);
    expect(upper[1]!.slice(17)).toEqual(Array.from(poseidon2.permutation(new Array(16).fill(0)).subarray(8)));
    // in = left ‖ right gives the 2-to-1 compression.
    const [l, r] = [rng.fieldVector(8), rng.fieldVector(8)];
    expect(messages(poseidon2Chip.trace(ops([[...l, ...r]]), new RangeCounter()))[0]!.slice(17)).toEqual(Array.from(compressPair(l, r)));
  });

  it('pads to a power of two of at least two rows, and refuses bad inputs', () => {
    expect(poseidon2Chip.trace([], new RangeCounter()).height).toBe(2);
    expect(poseidon2Chip.trace(ops([range(16)]), new RangeCounter()).height).toBe(2);
    expect(poseidon2Chip.trace(ops(range(5).map(randomInput)), new RangeCounter(), 16).height).toBe(16);
    expect(failingRows(poseidon2Chip.trace([], new RangeCounter()))).toEqual([]);
    expect(() => poseidon2Chip.trace(ops([[P, ...new Array(15).fill(0)]]), new RangeCounter())).toThrow(RangeError);
    expect(() => poseidon2Chip.trace(ops([range(15)]), new RangeCounter())).toThrow(RangeError);
  });
});

describe('Poseidon2 chip: proofs', () => {
  it('proves and verifies the vectors and random permutations (plain PCS, zero knowledge)', () => {
    const requests = [PLONKY3_INPUT, new Array(16).fill(0), range(16), ...range(10).map(randomInput)].map(honest);
    const sys = system(plainPcs, requests);
    const proof = prove(sys, traces(requests), [], { seed: 'honest-plain' });
    expect(verify(sys, [], proof)).toEqual({ ok: true });
  });

  it('proves and verifies requests for both halves of the state (FRI PCS)', () => {
    const requests = [PLONKY3_INPUT, ...range(5).map(randomInput)].flatMap((input) => [honestHalf(input, 0), honestHalf(input, 1)]);
    const sys = system(new FriPcs(DEFAULT_PCS_PARAMS), requests);
    const proof = prove(sys, traces(requests), [], { seed: 'halves' });
    expect(verify(sys, [], proof)).toEqual({ ok: true });
  });

  it('proves and verifies with the FRI PCS (default parameters)', () => {
    const requests = [PLONKY3_INPUT, ...range(6).map(randomInput)].map(honest);
    const sys = system(new FriPcs(DEFAULT_PCS_PARAMS), requests);
    const proof = prove(sys, traces(requests), [], { seed: 'honest-fri' });
    expect(verify(sys, [], proof)).toEqual({ ok: true });
  });

  it('pads 3 operations to 8 rows (inactive rows in both tables) and verifies', () => {
    const requests = range(3).map(randomInput).map(honest);
    const [chip, driver] = traces(requests, 8);
    expect(chip.height).toBe(8);
    expect(driver.height).toBe(4);
    const sys = system(plainPcs, requests);
    expect(verify(sys, [], prove(sys, [chip, driver], [], { seed: 'padding' }))).toEqual({ ok: true });
  });
});

describe('Poseidon2 chip: cheating provers', () => {
  const inputs = range(5).map(randomInput);
  const row = 3;
  const edits = [
    { what: 'y of external round 2, lane 5', col: POSEIDON2_COLS.externalY(2, 5), constraint: 'external round 2 lane 5: y = (x + c)^7' },
    { what: 'y of external round 6, lane 11', col: POSEIDON2_COLS.externalY(6, 11), constraint: 'external round 6 lane 11: y = (x + c)^7' },
    { what: 'y of internal round 7', col: POSEIDON2_COLS.internalY(7), constraint: 'internal round 7: y = (x + c)^7' },
    { what: 'y of internal round 12', col: POSEIDON2_COLS.internalY(12), constraint: 'internal round 12: y = (x + c)^7' },
  ];

  /** Proves with the honest witness checker (must throw a WitnessError naming `constraint` at `row`), then cheats. */
  function expectRejected(requests: readonly Request[], chip: Matrix, constraint: string): void {
    const sys = system(plainPcs, requests);
    const driver = Matrix.zeros(paddedHeight(requests.length, 2), 1);
    try {
      prove(sys, [chip, driver], [], { seed: 'cheat' });
      expect.unreachable('the witness check accepted an edited trace');
    } catch (e) {
      expect(e).toBeInstanceOf(WitnessError);
      expect((e as WitnessError).constraint).toBe(constraint);
      expect((e as WitnessError).row).toBe(row);
    }
    const verdict = verify(sys, [], prove(sys, [chip, driver], [], { seed: 'cheat', skipChecks: true }));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error).toMatch(/poseidon2: the constraints do not hold/);
  }

  it('the test-side row builder reproduces the chip rows exactly (so the edits below hit the intended S-box)', () => {
    const trace = poseidon2Chip.trace(ops(inputs), new RangeCounter());
    inputs.forEach((input, r) => expect(Array.from(trace.row(r)), `row ${r}`).toEqual(Array.from(referenceRow(input))));
  });

  // One cell changed, nothing else: the row's digest is unchanged (it reads only the last round's y columns),
  // so the bus still balances against the honest driver, and the S-box constraints must catch the edit.
  for (const edit of edits) {
    it(`rejects a trace with ${edit.what} edited`, () => {
      const requests = inputs.map(honest);
      const chip = poseidon2Chip.trace(ops(inputs), new RangeCounter());
      chip.set(row, edit.col, F.add(chip.get(row, edit.col), 1));
      expect(failingRows(chip)).toEqual([row]);
      expect(messages(chip)[row]!.slice(17)).toEqual(requests[row]!.output);
      expectRejected(requests, chip, edit.constraint);
    });
  }

  // One S-box computed wrong and every later column recomputed from it: exactly one constraint fails, the row
  // sends a wrong digest, and the driver claims that digest, so the bus balances.
  for (const edit of edits) {
    it(`rejects a wrong digest derived from a wrong S-box (${edit.what})`, () => {
      const chip = poseidon2Chip.trace(ops(inputs), new RangeCounter());
      chip.row(row).set(referenceRow(inputs[row]!, edit.col));
      const vecs = evaluateRows(analyzed.constraints.map((c) => c.expr), inputsOf(chip), 0, chip.height);
      expect(analyzed.constraints.filter((_, j) => vecs[j]!.data[row] !== 0).map((c) => c.name)).toEqual([edit.constraint]);
      expect(failingRows(chip)).toEqual([row]);
      const claimed = messages(chip).slice(0, inputs.length).map((m) => ({ input: m.slice(0, 16), half: m[16] as 0 | 1, output: m.slice(17) }));
      expect(claimed[row]!.input).toEqual(inputs[row]);
      expect(claimed[row]!.output).not.toEqual(honest(inputs[row]!).output);
      expectRejected(claimed, chip, edit.constraint);
    });
  }

  it('rejects an edited cell with the FRI PCS', () => {
    const requests = inputs.map(honest);
    const [chip, driver] = traces(requests);
    chip.set(1, POSEIDON2_COLS.externalY(0, 0), F.add(chip.get(1, POSEIDON2_COLS.externalY(0, 0)), 1));
    const sys = system(new FriPcs(DEFAULT_PCS_PARAMS), requests);
    expect(() => prove(sys, [chip, driver], [], { seed: 'cheat-fri' })).toThrow(WitnessError);
    const verdict = verify(sys, [], prove(sys, [chip, driver], [], { seed: 'cheat-fri', skipChecks: true }));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error).toMatch(/poseidon2: the constraints do not hold|opening proof rejected/);
  });

  /** The witness check finds the bus unbalanced, and the verifier rejects the proof made past it. */
  function expectUnbalanced(requests: readonly Request[], ts: Matrix[], seed: string): void {
    const sys = system(plainPcs, requests);
    expect(() => prove(sys, ts, [], { seed })).toThrow(/unbalanced/);
    const verdict = verify(sys, [], prove(sys, ts, [], { seed, skipChecks: true }));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error).toMatch(/LogUp sums .* do not cancel/);
  }

  it('rejects a claimed wrong digest (honest chip trace, the driver expects another output)', () => {
    for (const lane of [0, 3, 7]) {
      const requests = inputs.map(honest);
      const wrong = requests[2]!.output.slice();
      wrong[lane] = F.add(wrong[lane]!, 1);
      const cheating = requests.map((r, i) => (i === 2 ? { input: r.input, output: wrong } : r));
      expectUnbalanced(cheating, traces(requests), `wrong${lane}`);
    }
  });

  it('rejects a request for one half answered by a row of the other half (the outputs the request names)', () => {
    for (const asked of [0, 1] as const) {
      const requests = inputs.map((input) => honestHalf(input, asked));
      const answered = requests.map((r, i) => (i === 2 ? { ...r, half: (1 - asked) as 0 | 1 } : r));
      expectUnbalanced(requests, traces(answered), `half${asked}`);
    }
  });

  it('rejects a half that is not a bit (2 would name neither half: out = 2·hi − lo)', () => {
    const input = inputs[1]!;
    const perm = poseidon2.permutation(input);
    const forged = Array.from({ length: 8 }, (_, j) => F.sub(F.mul(2, perm[8 + j]!), perm[j]!));
    const requests = [...inputs.map((x) => honest(x)), { input, half: 2 as unknown as 0 | 1, output: forged }];
    const [chip, driver] = traces(inputs.map((x) => honest(x)));
    chip.row(5).set(poseidon2Chip.trace(ops([input]), new RangeCounter()).row(0));
    chip.set(5, POSEIDON2_COLS.half, 2);
    expect(messages(chip)[5]).toEqual([...input, 2, ...forged]);
    const sys = system(plainPcs, requests);
    expect(() => prove(sys, [chip, driver], [], { seed: 'two' })).toThrow(expect.objectContaining({ constraint: 'half is a bit', row: 5 }));
    const verdict = verify(sys, [], prove(sys, [chip, driver], [], { seed: 'two', skipChecks: true }));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error).toMatch(/poseidon2: the constraints do not hold/);
  });

  it('rejects a padding row switched on (mult 1) to answer a request for an input it does not hold', () => {
    const requests = [...inputs.map(honest), honest(randomInput())];
    const [chip, driver] = traces(inputs.map(honest));
    expect(chip.height).toBe(8);
    chip.set(6, POSEIDON2_COLS.mult, 1);
    expectUnbalanced(requests, [chip, driver], 'pad');
  });
});

/**
 * A chip row built independently of the chip's code, from the paper's definition with full matrices (M_E as
 * circ(2·M4, M4, M4, M4), M_I = J + diag(D)) and the documented column layout. With `tamper`, the S-box column
 * `tamper` gets 1 added where it is computed, and every later column follows from the wrong value.
 */
function referenceRow(input: readonly number[], tamper = -1): Uint32Array {
  const params = BABYBEAR_16;
  const me = range(16).map((i) => range(16).map((j) => ((i >> 2 === j >> 2 ? 2 : 1) * params.mat4[i % 4]![j % 4]!) % P));
  const mi = range(16).map((i) => range(16).map((j) => (i === j ? F.add(1, params.internalDiag[i]!) : 1)));
  const apply = (m: number[][], x: readonly number[]) => m.map((r) => r.reduce((acc, c, j) => F.add(acc, F.mul(c, x[j]!)), 0));
  const out = new Uint32Array(POSEIDON2_COLUMNS);
  out[POSEIDON2_COLS.mult] = 1;
  input.forEach((v, i) => (out[POSEIDON2_COLS.input(i)] = v));
  const sbox = (a: number, yCol: number) => {
    let y = F.pow(a, 7);
    if (yCol === tamper) y = F.add(y, 1);
    out[yCol] = y;
    return y;
  };
  let x = apply(me, input);
  const external = (e: number, rc: readonly number[]) => {
    x = apply(me, x.map((v, i) => sbox(F.add(v, rc[i]!), POSEIDON2_COLS.externalY(e, i))));
  };
  params.externalInitial.forEach((rc, e) => external(e, rc));
  params.internal.forEach((c, k) => {
    x[0] = sbox(F.add(x[0]!, c), POSEIDON2_COLS.internalY(k));
    x = apply(mi, x);
  });
  params.externalTerminal.forEach((rc, e) => external(params.externalInitial.length + e, rc));
  if (tamper < 0) expect(x).toEqual(Array.from(poseidon2.permutation(input)));
  return out;
}
