/**
 * The Poseidon2 chip: one row per permutation of zpol's Poseidon2 (runtime/proof/hash/poseidon2.ts: Plonky3's
 * BabyBear width-16 instance, docs/decisions/poseidon2.md). A row receives (in[16], half, out[8]) on POSEIDON2_BUS,
 * the claim out = Poseidon2(in)[8·half .. 8·half + 8): with half = 0 and in = left ‖ right, the 2-to-1 compression
 * of two digests (Plonky3's `TruncatedPermutation<_, 2, 8, 16>`, hash/poseidon2.ts `compress`); with half = 1 the
 * other half of the permuted state, which a sponge keeps as its capacity (the `hash c a b #1` instruction: a VM
 * program that replays a Poseidon2 sponge, such as the transcript or the Merkle leaf hash, needs the whole state,
 * issue #24). `half` is a committed bit; out_j = x_j + half·(x_{8+j} − x_j) is a degree-2 message part, so the
 * receive's LogUp constraint has degree 3.
 *
 * The permutation (Grassi, Khovratovich, Schofnegger, "Poseidon2: A Faster Version of the Poseidon Hash
 * Function", eprint 2023/323, §3), with Plonky3's constants and linear layers (`default_babybear_poseidon2_16`):
 *
 *   x <- M_E x                                                    initial linear layer
 *   4 external rounds e = 0..3:   x_i <- (x_i + c_{e,i})^7 for all 16 lanes;  x <- M_E x
 *   13 internal rounds k = 0..12: x_0 <- (x_0 + c_k)^7;  x <- M_I x
 *   4 external rounds e = 4..7, as the first four with their own constants
 *   out = x_0..x_7
 *
 * M_E = circ(2·M4, M4, M4, M4) (M4 = circ(2, 3, 1, 1)) and M_I = J + diag(D) are linear, so the AIR never commits a
 * state: it applies the layers symbolically, and every S-box input is a linear expression (degree 1) of the
 * columns committed before it. Each S-box commits one column, its output y, and checks one constraint of degree 7,
 * with a = x + c its (linear) input:
 *
 *   y = a^7        (evaluated as a² · a² · a² · a: four multiplications)
 *
 * and passes y on as its output; the table's degree budget is POSEIDON2_DEGREE = 7 (stark/system.ts reads it per
 * table). Columns: mult, in[16], then for each round in the permutation's order the y of each S-box it applies:
 * 16 lanes in an external round, lane 0 in an internal one, then `half`. That is 1 + 16 + 8·16 + 13 + 1 = 159
 * columns and 141 + 2 constraints, all on the current row. (Until issue #18's proof-size work each S-box committed
 * x3 = a³ as well and checked two constraints of degree 3: 300 columns, 141 more values a query opens. The degree-7
 * quotient has 6 chunks of n instead of 2, computed on the 8n coset the committed LDE already is at blowup 8.)
 * Soundness is unchanged: y = a^7 is the same relation the pair (x3 = a³, y = x3²·a) pinned, each y still a
 * function of the row's input (the under-constraint checker covers the chip).
 *
 * The linear layers are built as Expr DAGs with shared nodes (M4 as an addition chain, the column sums of M_E, the
 * state sum of M_I), so the whole constraint system is about 2,700 nodes, each evaluated once per row. Committing
 * the full state at checkpoints would not shrink it (the layers still have to be expressed, now as equalities)
 * and would add columns, so the chip commits no state.
 *
 * `mult` is a bit, the number of bus receives the row answers: 1 for an operation, 0 for a padding row. Padding
 * rows hold the permutation of the all-zero state, so every constraint holds on them too.
 *
 * One source of truth for the round structure: `permutationLayout` below is generic over the arithmetic, and
 * both the AIR (over Expr, reading the committed columns) and the trace generator (over field elements, writing
 * them) run it; the trace generator then asserts that its result equals the reference permutation
 * `poseidon2.permutation`, an independent implementation tested against the published vectors.
 */
import * as F from '../../proof/field/babybear.ts';
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import { constant, type Expr } from '../../proof/air/expr.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { BABYBEAR_16, DIGEST_ELEMENTS, poseidon2 } from '../../proof/hash/poseidon2.ts';
import { POSEIDON2_BUS } from '../buses.ts';
import { paddedHeight, type Chip } from './chip.ts';
import type { RangeCounter } from './range.ts';

/** One permutation the chip proves: the input state, 16 canonical field elements, and the half it answers with. */
export interface Poseidon2Op {
  readonly input: readonly number[];
  /** 0 (the default): out = state[0..8), the compression; 1: out = state[8..16). */
  readonly half?: 0 | 1;
}

const PARAMS = BABYBEAR_16;
/** State width t. */
const T = PARAMS.width;
/** External rounds in each half (R_F / 2). */
const HALF_F = PARAMS.externalInitial.length;
/** Internal rounds (R_P). */
const R_P = PARAMS.internal.length;
/** Round constants of the 2·HALF_F external rounds, in the order they are applied. */
const EXTERNAL_RC: readonly (readonly number[])[] = [...PARAMS.externalInitial, ...PARAMS.externalTerminal];

const MULT = 0;
const INPUT = 1;
const FIRST_EXTERNAL = INPUT + T;
const EXTERNAL_COLS = T;
const FIRST_INTERNAL = FIRST_EXTERNAL + HALF_F * EXTERNAL_COLS;
const FIRST_TERMINAL = FIRST_INTERNAL + R_P;
/** The half-selector bit, after the rounds' columns. */
const HALF = FIRST_TERMINAL + HALF_F * EXTERNAL_COLS;

/** The chip's degree budget: an S-box's y = a^7 is one constraint of degree 7. */
export const POSEIDON2_DEGREE = 7;

/** Main columns of the chip (each S-box owns one column, its output y = a^7). */
export const POSEIDON2_COLS = {
  mult: MULT,
  /** Input lane i. */
  input: (lane: number): number => INPUT + lane,
  /** y of lane `lane` in external round `round` (0..7: 0..3 before the internal rounds, 4..7 after). */
  externalY: (round: number, lane: number): number => externalBase(round) + lane,
  /** y of internal round `round` (0..12). */
  internalY: (round: number): number => internalBase(round),
  /** Which half of the permuted state the row's claim names (a bit). */
  half: HALF,
} as const;

/** The chip's width: 159. */
export const POSEIDON2_COLUMNS = HALF + 1;

function externalBase(round: number): number {
  if (!Number.isInteger(round) || round < 0 || round >= 2 * HALF_F) throw new RangeError(`external round ${round} is out of range`);
  return round < HALF_F ? FIRST_EXTERNAL + round * EXTERNAL_COLS : FIRST_TERMINAL + (round - HALF_F) * EXTERNAL_COLS;
}

function internalBase(round: number): number {
  if (!Number.isInteger(round) || round < 0 || round >= R_P) throw new RangeError(`internal round ${round} is out of range`);
  return FIRST_INTERNAL + round;
}

/** The linear arithmetic the round structure needs, over field elements or over expressions. */
interface Linear<V> {
  add(a: V, b: V): V;
  /** k·a for a canonical constant k. */
  scale(a: V, k: number): V;
  /** a + c for a canonical constant c. */
  addConstant(a: V, c: number): V;
}

/** One S-box: given its input a = x + c, return a^7, the value in column `y`. */
type Sbox<V> = (a: V, y: number, site: string) => V;

/**
 * M4 = circ(2, 3, 1, 1) on (x0, x1, x2, x3) as a chain of additions (the one Plonky3's `apply_mat4` uses):
 * 7 additions and 2 doublings instead of 12 additions and 8 multiplications; checked against PARAMS.mat4 below.
 */
function mat4<V>(L: Linear<V>, x0: V, x1: V, x2: V, x3: V): [V, V, V, V] {
  const t01 = L.add(x0, x1);
  const t23 = L.add(x2, x3);
  const t0123 = L.add(t01, t23);
  const t01123 = L.add(t0123, x1);
  const t01233 = L.add(t0123, x3);
  return [L.add(t01123, t01), L.add(t01123, L.scale(x2, 2)), L.add(t01233, t23), L.add(t01233, L.scale(x0, 2))];
}

/** M_E: M4 on each block of four, then each element plus the sum of the elements at its position mod 4. */
function externalLayer<V>(L: Linear<V>, s: readonly V[]): V[] {
  const blocks: V[] = [];
  for (let b = 0; b < T; b += 4) blocks.push(...mat4(L, s[b]!, s[b + 1]!, s[b + 2]!, s[b + 3]!));
  const sums: V[] = [];
  for (let r = 0; r < 4; r++) {
    let acc: V = blocks[r]!;
    for (let b = 4; b < T; b += 4) acc = L.add(acc, blocks[b + r]!);
    sums.push(acc);
  }
  return blocks.map((v, i) => L.add(v, sums[i % 4]!));
}

/** M_I = J + diag(D): x_i <- Σ x + D_i·x_i. */
function internalLayer<V>(L: Linear<V>, s: readonly V[]): V[] {
  let sum: V = s[0]!;
  for (let i = 1; i < T; i++) sum = L.add(sum, s[i]!);
  return s.map((v, i) => L.add(sum, L.scale(v, PARAMS.internalDiag[i]!)));
}

/** The whole permutation of `input`, with the S-boxes delegated to `sbox` (which sees its columns). */
function permutationLayout<V>(L: Linear<V>, input: readonly V[], sbox: Sbox<V>): V[] {
  let s = externalLayer(L, input);
  const externalRound = (e: number) => {
    const rc = EXTERNAL_RC[e]!;
    const y = s.map((x, i) => sbox(L.addConstant(x, rc[i]!), POSEIDON2_COLS.externalY(e, i), `external round ${e} lane ${i}`));
    s = externalLayer(L, y);
  };
  for (let e = 0; e < HALF_F; e++) externalRound(e);
  for (let k = 0; k < R_P; k++) {
    s = s.slice();
    s[0] = sbox(L.addConstant(s[0]!, PARAMS.internal[k]!), POSEIDON2_COLS.internalY(k), `internal round ${k}`);
    s = internalLayer(L, s);
  }
  for (let e = HALF_F; e < 2 * HALF_F; e++) externalRound(e);
  return s;
}

const fieldLinear: Linear<number> = {
  add: F.add,
  scale: (a, k) => (k === 1 ? a : F.mul(a, k)),
  addConstant: F.add,
};

// The addition chain must be PARAMS.mat4: its images of the unit vectors are the matrix's columns.
for (let c = 0; c < 4; c++) {
  const unit = [0, 1, 2, 3].map((i) => (i === c ? 1 : 0));
  const image = mat4(fieldLinear, unit[0]!, unit[1]!, unit[2]!, unit[3]!);
  if (image.some((v, r) => v !== PARAMS.mat4[r]![c]!)) throw new Error(`Poseidon2 chip: the M4 addition chain is not ${PARAMS.name}'s M4`);
}

/** Expressions, with constants shared so the DAG holds one node per distinct constant. */
function exprLinear(): Linear<Expr> {
  const constants = new Map<number, Expr>();
  const k = (v: number): Expr => {
    let e = constants.get(v);
    if (!e) constants.set(v, (e = constant(v)));
    return e;
  };
  return {
    add: (a, b) => a.add(b),
    scale: (a, c) => (c === 1 ? a : c === 2 ? a.add(a) : c === F.P - 1 ? a.neg() : a.mul(k(c))),
    addConstant: (a, c) => (c === 0 ? a : a.add(k(c))),
  };
}

function evalPoseidon2(b: AirBuilder): void {
  const col = Array.from({ length: POSEIDON2_COLUMNS }, (_, c) => b.main(c));
  const mult = col[MULT]!;
  const input = col.slice(INPUT, INPUT + T);
  const half = col[HALF]!;
  b.assertBool(mult, 'mult is a bit');
  b.assertBool(half, 'half is a bit');
  const out = permutationLayout(exprLinear(), input, (a, yCol, site) => {
    const y = col[yCol]!;
    const a2 = a.mul(a);
    b.assertEq(y, a2.mul(a2).mul(a2).mul(a), `${site}: y = (x + c)^7`);
    return y;
  });
  const claimed = Array.from({ length: DIGEST_ELEMENTS }, (_, j) => out[j]!.add(half.mul(out[DIGEST_ELEMENTS + j]!.sub(out[j]!))));
  b.receive(POSEIDON2_BUS, [...input, half, ...claimed], mult);
}

export const poseidon2Air: Air = {
  name: 'poseidon2',
  width: POSEIDON2_COLUMNS,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval: evalPoseidon2,
};

/**
 * Fills `row` (mult left as it is) for the permutation of `input` and returns the permuted state. Throws a
 * RangeError on an input that is not 16 canonical elements, and an Error if the row disagrees with the reference
 * permutation (a bug here, never a property of the input).
 */
export function poseidon2Row(input: readonly number[], row: Uint32Array): Uint32Array {
  if (input.length !== T) throw new RangeError(`Poseidon2 chip: an input has ${input.length} elements, not ${T}`);
  const expected = poseidon2.permutation(input); // validates the elements
  for (let i = 0; i < T; i++) row[INPUT + i] = input[i]!;
  const out = permutationLayout(fieldLinear, input, (a, yCol) => {
    const a2 = F.mul(a, a);
    const y = F.mul(F.mul(F.mul(a2, a2), a2), a);
    row[yCol] = y;
    return y;
  });
  for (let i = 0; i < T; i++) {
    if (out[i] !== expected[i]) throw new Error(`Poseidon2 chip: lane ${i} of the trace's permutation disagrees with the reference`);
  }
  return expected;
}

/** A padding row: the permutation of the zero state, mult 0 (built on first use). */
let paddingRow: Uint32Array | null = null;

function padding(): Uint32Array {
  if (!paddingRow) {
    paddingRow = new Uint32Array(POSEIDON2_COLUMNS);
    poseidon2Row(new Array<number>(T).fill(0), paddingRow);
  }
  return paddingRow;
}

/**
 * The chip's trace: one row per operation (mult 1), then padding rows up to a power of two of at least
 * max(minRows, 2) rows (the prover needs two).
 */
function poseidon2Trace(ops: readonly Poseidon2Op[], _range: RangeCounter, minRows = 1): Matrix {
  const height = paddedHeight(ops.length, Math.max(2, minRows));
  const values = new Uint32Array(height * POSEIDON2_COLUMNS);
  ops.forEach((op, r) => {
    const row = values.subarray(r * POSEIDON2_COLUMNS, (r + 1) * POSEIDON2_COLUMNS);
    poseidon2Row(op.input, row);
    row[MULT] = 1;
    row[HALF] = op.half ?? 0;
  });
  const pad = padding();
  for (let r = ops.length; r < height; r++) values.set(pad, r * POSEIDON2_COLUMNS);
  return new Matrix(values, POSEIDON2_COLUMNS);
}

export const poseidon2Chip: Chip<Poseidon2Op> = {
  air: poseidon2Air,
  trace: poseidon2Trace,
};

/**
 * For the under-constraint checker: a received claim's input state and half are fixed by the requester, its 8 output
 * elements are the chip's answer; a padding row (mult 0) claims nothing, so every column of it is free.
 */
export const poseidon2Soundness: ChipSoundness = {
  inputs: [],
  outputs: [],
  claims: [{ bus: POSEIDON2_BUS, received: Array.from({ length: T + 1 }, (_, i) => i) }],
  free: [{ reason: 'a padding row (mult 0) claims nothing', columns: (row) => (row[MULT] === 0 ? Array.from({ length: POSEIDON2_COLUMNS }, (_, i) => i) : []) }],
};
