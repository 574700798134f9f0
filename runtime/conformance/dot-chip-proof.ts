/**
 * bf16_dot conformance with the compact dot-product chip (runtime/vm/chips/fp/bf16-dot.ts): every dot product of
 * the file is a run of rows (one per MAC, the first marked `first`), and the statement pins, as preprocessed
 * columns, each row's operands, where dot products start, and on each dot product's last row the expected final
 * accumulator in the chip's state form (the verifier decodes the file's ACC itself). OUT = f32_to_bf16(ACC) is a
 * function of ACC, which the verifier checks against the file outside the proof (`checkDotChip` does, with the
 * reference).
 *
 * Cells per MAC count every committed cell of the proof (the chip, all six tables with their LogUp columns,
 * padding rows, zero-knowledge extension and quotient chunks) over the MACs: nothing is left out. The tables are a
 * fixed cost (the 65,536-row bf16 decode table above all), so the figure falls as the file grows;
 * `chipCommittedCellsPerRow` is the marginal cost, the chip's own committed cells per row.
 */
import type { ProofBackend } from '../proof/backend.ts';
import { Matrix } from '../proof/matrix.ts';
import { analyze, type Air } from '../proof/air/air.ts';
import { buildSystem } from '../proof/stark/system.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../proof/pcs/index.ts';
import { proveMeasured } from './measured-proof.ts';
import { brokenConstraints } from '../vm/chips/fp/row-check.ts';
import { fromInt } from '../proof/field/babybear.ts';
import { readVectors } from './vectors.ts';
import { bf16Dot, f32ToBf16, isNaNBf16, SEQUENTIAL } from '../fp/bf16.ts';
import { F32_CANONICAL_NAN, isNaNF32 } from '../fp/f32.ts';
import {
  DOT,
  DOT_WIDTH,
  ZERO_STATE,
  bf16DotAir,
  brokenDotConstraints,
  dotLookupProblems,
  dotLookups,
  dotStep,
  dotTables,
  evalBf16Dot,
  f32OfState,
  fieldRow,
  resultExprs,
  stateOfF32,
  type AccState,
} from '../vm/chips/fp/bf16-dot.ts';

/** One dot product of the file. */
export interface DotVector {
  readonly line: number;
  readonly a: readonly number[];
  readonly b: readonly number[];
  /** The expected accumulator (the canonical NaN where the file's NaN conforms by class) and OUT. */
  readonly acc: number;
  readonly out: number;
}

/** The first `max` dot products of a bf16_dot file (all by default), and how many it has. */
export function dotVectors(text: string, max = Infinity): { vectors: DotVector[]; total: number } {
  const vectors: DotVector[] = [];
  let total = 0;
  for (const v of readVectors('bf16_dot', text)) {
    total++;
    if (vectors.length >= max) continue;
    const got = bf16Dot(v.a, v.b, SEQUENTIAL);
    const acc = isNaNF32(v.acc) && isNaNF32(got.acc >>> 0) ? F32_CANONICAL_NAN : v.acc >>> 0;
    const out = isNaNBf16(v.out) && isNaNBf16(got.out) ? f32ToBf16(F32_CANONICAL_NAN) : v.out & 0xffff;
    vectors.push({ line: v.line, a: v.a, b: v.b, acc, out });
  }
  return { vectors, total };
}

/** The chip's rows for a dot product, and its final state. */
export function dotRows(a: readonly number[], b: readonly number[]): { rows: number[][]; out: AccState } {
  if (a.length !== b.length || a.length === 0) throw new RangeError('a dot product needs two vectors of one length K ≥ 1');
  let acc = ZERO_STATE;
  const rows: number[][] = [];
  for (let k = 0; k < a.length; k++) {
    const step = dotStep(a[k]!, b[k]!, acc, k === 0);
    rows.push(step.row);
    acc = step.out;
  }
  return { rows, out: acc };
}

// Preprocessed columns of the statement.
const PIN = { a: 0, b: 1, first: 2, last: 3, code: 4, e: 5, m: 6 } as const;
const PIN_WIDTH = 7;

/** The chip with its operands, starts and final results pinned to the statement's preprocessed columns. */
export const dotVectorsAir: Air = {
  name: 'bf16-dot-vectors',
  width: DOT_WIDTH,
  preprocessedWidth: PIN_WIDTH,
  publicInputs: 0,
  eval(b) {
    evalBf16Dot(b);
    b.assertEq(b.main(DOT.a), b.pre(PIN.a), 'a is the vector operand');
    b.assertEq(b.main(DOT.b), b.pre(PIN.b), 'b is the vector operand');
    b.assertEq(b.main(DOT.first), b.pre(PIN.first), 'dot products start where the statement says');
    const [mr, er, cr] = resultExprs(b);
    const last = b.pre(PIN.last);
    b.assertZero(last.mul(cr.sub(b.pre(PIN.code))), 'the final accumulator is the expected one (class and sign)');
    b.assertZero(last.mul(er.sub(b.pre(PIN.e))), 'the final accumulator is the expected one (exponent)');
    b.assertZero(last.mul(mr.sub(b.pre(PIN.m))), 'the final accumulator is the expected one (significand)');
  },
};

/** The statement's and the witness's rows for `vectors`, padded to a power of two with +0 += 0·0 rows. */
export function dotStatement(vectors: readonly DotVector[]): { main: number[][]; pinned: number[][] } {
  const main: number[][] = [];
  const pinned: number[][] = [];
  for (const v of vectors) {
    const { rows } = dotRows(v.a, v.b);
    const want = stateOfF32(v.acc);
    rows.forEach((r, k) => {
      main.push(r);
      const last = k === rows.length - 1;
      pinned.push([v.a[k]!, v.b[k]!, k === 0 ? 1 : 0, last ? 1 : 0, last ? want.code : 0, last ? want.e : 0, last ? want.m : 0]);
    });
  }
  let n = 2;
  while (n < main.length) n *= 2;
  const pad = dotStep(0, 0, ZERO_STATE, true).row;
  while (main.length < n) {
    main.push(pad);
    pinned.push([0, 0, 1, 0, 0, 0, 0]);
  }
  return { main, pinned };
}

/** Wrong final states a cheating prover might claim instead of `right`: one ulp off, the other sign, NaN/number. */
export function wrongStates(right: AccState): AccState[] {
  const f = f32OfState(right);
  const wrong = new Set<number>([(f ^ 1) >>> 0, (f + 1) >>> 0, (f ^ 0x80000000) >>> 0, isNaNF32(f) ? 0x3f800000 : F32_CANONICAL_NAN]);
  wrong.delete(f);
  return [...wrong].map(stateOfF32);
}

export interface DotChipCheck {
  /** Dot products whose every row the constraints and lookups accept and whose result is the file's. */
  readonly accepted: number;
  /** Dot products where a claim of each wrong final accumulator is rejected. */
  readonly rejectedWrong: number;
  readonly failures: { line: number; problem: string }[];
}

/**
 * Checks every dot product of the file against the chip: its rows hold (constraints and lookups), its final state
 * is the file's ACC and rounds to the file's OUT, and the statement pinned to a wrong ACC (each of `wrongStates`)
 * is unsatisfiable, because the pinned constraint fails on the honest row and every column of that row is forced
 * (test/fp/dot-chip.test.ts tries to change them).
 */
export function checkDotChip(text: string): DotChipCheck {
  const { vectors } = dotVectors(text);
  const failures: { line: number; problem: string }[] = [];
  let accepted = 0;
  let rejectedWrong = 0;
  for (const v of vectors) {
    const { rows, out } = dotRows(v.a, v.b);
    const broken = brokenDotConstraints(rows);
    const bad = broken.findIndex((x) => x.length > 0);
    const lookup = rows.map(dotLookupProblems).find((x) => x.length > 0);
    if (bad >= 0) failures.push({ line: v.line, problem: `the constraints reject MAC ${bad} (${broken[bad]!.join('; ')})` });
    else if (lookup) failures.push({ line: v.line, problem: `a lookup is in no table: ${lookup.join('; ')}` });
    else if (f32OfState(out) !== v.acc) failures.push({ line: v.line, problem: `the chip computes ${f32OfState(out).toString(16)}, the file expects ${v.acc.toString(16)}` });
    else if (f32ToBf16(f32OfState(out)) !== v.out) failures.push({ line: v.line, problem: `ACC rounds to ${f32ToBf16(f32OfState(out)).toString(16)}, the file's OUT is ${v.out.toString(16)}` });
    else accepted++;
    const last = rows[rows.length - 1]!;
    const claims = wrongStates(out).map((w) => pinnedProblems(last, w));
    if (claims.every((p) => p.length > 0)) rejectedWrong++;
    else failures.push({ line: v.line, problem: 'a wrong final accumulator is accepted' });
  }
  return { accepted, rejectedWrong, failures };
}

/** The constraints a dot product's last row breaks when the statement pins its final state to `want`. */
function pinnedProblems(row: readonly number[], want: AccState): string[] {
  const pre = [row[DOT.a]!, row[DOT.b]!, row[DOT.first]!, 1, want.code, want.e, want.m];
  return brokenStatementConstraints([row], [pre], 1)[0]!;
}

/** The constraints of the pinned chip (`dotVectorsAir`) each of `rows` breaks, `pinned` its statement rows. */
export function brokenStatementConstraints(rows: readonly (readonly number[])[], pinned: readonly (readonly number[])[], windows = 0): string[][] {
  return brokenConstraints(dotVectorsAir, Matrix.fromRows(rows.map(fieldRow)), Matrix.fromRows(pinned.map(fieldRow)), windows);
}

export interface DotChipProofReport {
  readonly ok: boolean;
  readonly error?: string;
  readonly vectors: number;
  readonly fileVectors: number;
  readonly macs: number;
  readonly rows: number;
  readonly proofBytes: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  readonly conjecturedBits: number;
  /** Every committed cell of the proof over the MACs. */
  readonly cellsPerMac: number;
  /** The chip's own row: main and LogUp cells (as proveChip counts them for the other chips). */
  readonly chipCellsPerRow: number;
  /** The chip's committed cells per row in this proof: with the zero-knowledge extension and the quotient chunks. */
  readonly chipCommittedCellsPerRow: number;
  /** Main columns, polynomial constraints (degree ≤ 3, transitions included) and lookups of one row. */
  readonly chipColumns: number;
  readonly chipConstraints: number;
  readonly chipLookups: number;
  /** Committed cells per table. */
  readonly tableCells: Record<string, number>;
}

/** The STARK system of a statement (`dotStatement`'s pinned rows): the pinned chip and its six tables. */
export function dotSystem(pinned: readonly (readonly number[])[], backend?: ProofBackend) {
  const t = dotTables();
  return buildSystem(
    'fp-conformance-bf16_dot',
    [
      { air: dotVectorsAir, preprocessed: Matrix.fromRows(pinned.map((r) => r.map(fromInt))) },
      ...[t.dec, t.spec, t.align, t.round, t.exp, t.small].map((tb) => ({ air: tb.air, preprocessed: tb.preprocessed() })),
    ],
    new FriPcs(DEFAULT_PCS_PARAMS, { backend }),
    true,
  );
}

/** The traces of the chip's rows `main`: the chip's, then each table's multiplicities, in `dotSystem`'s order. */
export function dotTraces(main: readonly (readonly number[])[]): Matrix[] {
  const t = dotTables();
  const lookups = main.map(dotLookups);
  return [
    Matrix.fromRows(main.map(fieldRow)),
    t.dec.trace([lookups.flatMap((l) => l.dec)]),
    t.spec.trace([lookups.flatMap((l) => l.spec)]),
    t.align.trace([lookups.flatMap((l) => l.align)]),
    t.round.trace([lookups.flatMap((l) => l.round)]),
    t.exp.trace([lookups.flatMap((l) => l.exp)]),
    t.small.trace([0, 1, 2].map((bus) => lookups.flatMap((l) => l.small[bus]!))),
  ];
}

/** Proves the first `max` dot products of a bf16_dot file (all by default) in one STARK proof and verifies it. */
export function proveDotChip(text: string, options: { max?: number; backend?: ProofBackend } = {}): DotChipProofReport {
  const { vectors, total } = dotVectors(text, options.max);
  const { main, pinned } = dotStatement(vectors);
  const system = dotSystem(pinned, options.backend);
  const m = proveMeasured(system, dotTraces(main), 'zpol conformance bf16_dot');
  const tableCells: Record<string, number> = {};
  system.tables.forEach((tb, i) => {
    tableCells[tb.analyzed.air.name] = m.committedCells[i]!;
  });
  const cells = m.committedCells.reduce((x, y) => x + y, 0);
  const macs = vectors.reduce((s, v) => s + v.a.length, 0);
  const chip = system.tables[0]!;
  return {
    ok: m.ok,
    error: m.error,
    vectors: vectors.length,
    fileVectors: total,
    macs,
    rows: main.length,
    proofBytes: m.proofBytes,
    proveMs: m.proveMs,
    verifyMs: m.verifyMs,
    conjecturedBits: m.conjecturedBits,
    cellsPerMac: Number((cells / macs).toFixed(1)),
    chipCellsPerRow: chip.analyzed.air.width - (chip.blinded ? 1 : 0) + 4 * chip.logup.auxWidth,
    chipCommittedCellsPerRow: Number((m.committedCells[0]! / main.length).toFixed(1)),
    chipColumns: bf16DotAir.width,
    chipConstraints: analyze(bf16DotAir).constraints.length,
    chipLookups: chip.analyzed.interactions.length - (chip.blinded ? 1 : 0),
    tableCells,
  };
}
