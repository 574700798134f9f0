/**
 * bf16_mma and bf16_mma_dot conformance with the tensor-core chip (runtime/vm/chips/fp/bf16-mma.ts).
 *
 * The statement: every operation is a slot. A bf16_mma_dot vector is a chain of K/16 slots, the first from +0,
 * the last pinned to the file's ACC (OUT = f32ToBf16(ACC) is a function of ACC, checked against the file outside
 * the proof, as for bf16_dot). A bf16_mma vector is two slots: a load slot pinned to C, and the operation, pinned
 * to D, whose C is the load's result. NaNs are pinned as the chip's one NaN state (results compare by class).
 *
 * The proof: the slots are packed into rows of G slots, and the rows into chip tables whose heights are powers
 * of two (a chain never crosses tables), so that no more than a few rows are padding; every table of the proof
 * is counted: the chip tables, the seven lookup tables (HL's 7,168 rows above all), padding, LogUp, zero knowledge
 * and quotient chunks. The constraint degree budget is MMA_DEGREE (32): LogUp packs 31 degree-1 lookups into one
 * extension column, and a constraint may be a product of many factors (the chip's largest has degree 20).
 */
import type { ProofBackend } from '../proof/backend.ts';
import * as F from '../proof/field/babybear.ts';
import { Matrix } from '../proof/matrix.ts';
import { analyze, type Air } from '../proof/air/air.ts';
import type { Expr } from '../proof/air/expr.ts';
import { buildSystem, zkLayoutOf } from '../proof/stark/system.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../proof/pcs/index.ts';
import { proveMeasured, type MeasuredProof } from './measured-proof.ts';
import { brokenConstraints } from '../vm/chips/fp/row-check.ts';
import { readVectors } from './vectors.ts';
import { f32ToBf16, isNaNBf16 } from '../fp/bf16.ts';
import { isNaNF32 } from '../fp/f32.ts';
import { MMA_K, bf16MmaDot, mma16 } from '../fp/mma.ts';
import { mmaTableList, mmaTableTraces } from '../vm/chips/fp/bf16-mma-tables.ts';
import type { TupleTable } from '../vm/chips/fp/tuple-table.ts';
import { ZERO_STATE, f32OfState, mmaAir, mmaLayout, stateOfF32, type State } from '../vm/chips/fp/bf16-mma.ts';
import { fieldRow, mmaRows, type Slot } from '../vm/chips/fp/bf16-mma-witness.ts';

/** The degree budget of the tensor-core proof: LogUp packs 31 lookups into one extension column; the quotient is
 * evaluated on 64·n points (as for any budget from 17 to 32). */
export const MMA_DEGREE = 32;
/** The most groups (tensor-core operations) a row holds: wider rows cost less per product but make every
 * opened row of the proof longer. */
export const MMA_MAX_GROUPS = 40;

/**
 * Groups per row for a statement of `slots` slots: the G ≤ MMA_MAX_GROUPS whose chip tables (tableHeights of
 * ⌈slots/G⌉ rows) commit the fewest cells, with a row of G slots costing its columns and its LogUp columns
 * (lookups over MMA_DEGREE − 1 per extension column), and each table its quotient chunks, at the committed heights
 * and slacks zero knowledge gives a table of that height (stark/system.ts zkLayoutOf: tall tables n + s, short
 * ones doubled).
 */
export function chooseGroups(slots: number): number {
  const units = lookupUnits();
  let best = { g: 1, cells: Infinity };
  for (let g = 1; g <= MMA_MAX_GROUPS; g++) {
    const lookups = g * units + 1;
    const width = mmaLayout(g).width + 1 + 4 * (Math.ceil(lookups / (MMA_DEGREE - 1)) + 1);
    const cells = tableHeights(Math.ceil(slots / g)).reduce((s, h) => {
      const z = zkLayoutOf(true, DEFAULT_PCS_PARAMS.numQueries, MMA_DEGREE, Math.log2(h));
      return s + (2 ** z.logCommitted + z.slack) * width + (2 ** z.quotientLogHeight + z.quotientSlack) * 4 * z.chunks;
    }, 0);
    if (cells < best.cells) best = { g, cells };
  }
  return best.g;
}
/** A slot's lookups in units of degree-1 messages (a message of degree k takes k of a LogUp column's budget). */
let units = 0;
function lookupUnits(): number {
  units ||= analyze(mmaAir(1)).interactions.reduce((s, it) => s + Math.max(1, ...it.values.map((v) => v.degree)), 0);
  return units;
}

export type MmaOp = 'bf16_mma' | 'bf16_mma_dot';

/** One vector of a file: its slots, the expected f32 result (ACC or D) and, for a dot product, OUT. */
export interface MmaVector {
  readonly line: number;
  readonly slots: readonly Slot[];
  readonly expected: number;
  readonly out?: number;
  /** The reference's result for the file's operands. */
  readonly reference: number;
  /** Products it has. */
  readonly macs: number;
}

/** A dot product (K a multiple of 16) claimed to give `acc` (and OUT `out`): a chain of K/16 slots. */
export function dotVector(a: readonly number[], b: readonly number[], acc: number, out?: number, line = 0): MmaVector {
  const k = a.length / MMA_K;
  const slots: Slot[] = [];
  for (let t = 0; t < k; t++) {
    slots.push({ a: a.slice(MMA_K * t, MMA_K * (t + 1)), b: b.slice(MMA_K * t, MMA_K * (t + 1)), first: t === 0, pin: t === k - 1 ? stateOfF32(acc) : undefined });
  }
  if (k === 0) slots.push(paddingSlot(stateOfF32(acc)));
  return { line, slots, expected: acc >>> 0, out, reference: bf16MmaDot(a, b).acc, macs: a.length };
}

/** One operation claimed to give D = `d`: a load slot pinned to C, and the operation. */
export function mmaVector(a: readonly number[], b: readonly number[], c: number, d: number, line = 0): MmaVector {
  const zeros = new Array<number>(MMA_K).fill(0);
  const slots: Slot[] = [
    { a: zeros, b: zeros, first: true, load: true, pin: stateOfF32(c) },
    { a, b, first: false, pin: stateOfF32(d) },
  ];
  return { line, slots, expected: d >>> 0, reference: mma16(a, b, c), macs: MMA_K };
}

/** The vectors of a bf16_mma or bf16_mma_dot file (the first `max`), and how many the file has. */
export function mmaVectors(op: MmaOp, text: string, max = Infinity): { vectors: MmaVector[]; total: number } {
  const vectors: MmaVector[] = [];
  let total = 0;
  if (op === 'bf16_mma_dot') {
    for (const v of readVectors('bf16_mma_dot', text)) if (total++ < max) vectors.push(dotVector(v.a, v.b, v.acc, v.out, v.line));
  } else {
    for (const v of readVectors('bf16_mma', text)) if (total++ < max) vectors.push(mmaVector(v.a, v.b, v.c, v.d, v.line));
  }
  return { vectors, total };
}

/** A slot computing 0·0 + … from +0, pinned to `pin` (+0 by default): what fills rows and tables. */
export function paddingSlot(pin: State = ZERO_STATE): Slot {
  const zeros = new Array<number>(MMA_K).fill(0);
  return { a: zeros, b: zeros, first: true, pin };
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups.

type RowFn = (main: ArrayLike<number>, pre: ArrayLike<number>) => number;

function compile(e: Expr): RowFn {
  const n = e.node;
  switch (n.op) {
    case 'const': {
      const v = n.value;
      return () => v;
    }
    case 'main':
    case 'pre': {
      if (n.next) throw new Error('a bus message reads the current row only');
      const col = n.col;
      return n.op === 'main' ? (m) => m[col]! : (_m, p) => p[col]!;
    }
    case 'add': {
      const [x, y] = [compile(n.a), compile(n.b)];
      return (m, p) => F.add(x(m, p), y(m, p));
    }
    case 'sub': {
      const [x, y] = [compile(n.a), compile(n.b)];
      return (m, p) => F.sub(x(m, p), y(m, p));
    }
    case 'mul': {
      const [x, y] = [compile(n.a), compile(n.b)];
      return (m, p) => F.mul(x(m, p), y(m, p));
    }
    case 'neg': {
      const x = compile(n.a);
      return (m, p) => F.neg(x(m, p));
    }
    default:
      throw new Error(`a bus message cannot read ${n.op}`);
  }
}

const interactionCache = new WeakMap<Air, { bus: number; values: RowFn[]; mult: RowFn }[]>();

/** The chip's sends, compiled: bus, values and multiplicity as functions of a row (field elements). */
function sends(air: Air) {
  let s = interactionCache.get(air);
  if (!s) {
    s = analyze(air).interactions.map((it) => ({ bus: it.bus, values: it.values.map(compile), mult: compile(it.multiplicity) }));
    interactionCache.set(air, s);
  }
  return s;
}

/** Every message `rows` send (with its multiplicity, 0 or 1), by bus. */
export function mmaMessages(air: Air, main: readonly (readonly number[])[], pre: readonly (readonly number[])[]): Map<number, number[][]> {
  const out = new Map<number, number[][]>();
  const list = sends(air);
  main.forEach((m, r) => {
    const p = pre[r]!;
    for (const s of list) {
      const k = s.mult(m, p);
      if (k === 0) continue;
      if (k !== 1) throw new Error(`bus ${s.bus}: multiplicity ${k}`);
      const bucket = out.get(s.bus) ?? [];
      bucket.push(s.values.map((f) => f(m, p)));
      out.set(s.bus, bucket);
    }
  });
  return out;
}

/** The messages of `rows` that are in no table, and multiplicities other than 0 and 1 (none for an honest trace). */
export function mmaLookupProblems(air: Air, main: readonly (readonly number[])[], pre: readonly (readonly number[])[]): string[] {
  const problems: string[] = [];
  const holders = new Map<number, { t: TupleTable; i: number }[]>();
  for (const t of mmaTableList()) t.buses.forEach((bus, i) => holders.set(bus.bus, [...(holders.get(bus.bus) ?? []), { t, i }]));
  main.forEach((m, r) => {
    for (const s of sends(air)) {
      const k = s.mult(m, pre[r]!);
      if (k === 0) continue;
      const message = s.values.map((f) => f(m, pre[r]!));
      const tables = holders.get(s.bus)!;
      if (k !== 1) problems.push(`bus ${s.bus}: multiplicity ${k}`);
      else if (!tables.some(({ t, i }) => t.has(i, message))) problems.push(`${tables.map(({ t }) => t.name).join(' + ')} bus ${s.bus} (${message.join(', ')})`);
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Packing and proving.

/** Chip table heights for `rows` rows: large powers of two, a short tail rounded up (zero knowledge makes a short
 * table cost at least 64 rows' worth). */
export function tableHeights(rows: number): number[] {
  const heights: number[] = [];
  let left = Math.max(rows, 1);
  while (left > 0) {
    let h = 2;
    while (h * 2 <= left) h *= 2;
    if (left <= 64) while (h < left) h *= 2;
    heights.push(h);
    left -= Math.min(h, left);
  }
  return heights;
}

/** The chains of slots packed into tables of `groups` slots per row (first-fit decreasing), padded. */
export function packSlots(chains: readonly (readonly Slot[])[], groups: number): Slot[][] {
  const total = chains.reduce((s, c) => s + c.length, 0);
  const heights = tableHeights(Math.ceil(total / groups));
  const tables = heights.map((h) => ({ capacity: h * groups, slots: [] as Slot[] }));
  const order = [...chains].sort((x, y) => y.length - x.length);
  for (const chain of order) {
    let t = tables.find((x) => x.capacity - x.slots.length >= chain.length);
    if (!t) {
      // Fragmentation left no room: one more table, as small as the chain allows.
      let h = 2;
      while (h * groups < chain.length) h *= 2;
      t = { capacity: h * groups, slots: [] };
      tables.push(t);
    }
    t.slots.push(...chain);
  }
  return tables.filter((t) => t.slots.length > 0).map((t) => {
    const slots = [...t.slots];
    while (slots.length < t.capacity) slots.push(paddingSlot());
    return slots;
  });
}

/** A measured proof (its verdict, bytes, times and bits) of the tensor-core chip over a conformance file. */
export interface MmaProofReport extends Omit<MeasuredProof, 'committedCells'> {
  readonly op: MmaOp;
  readonly vectors: number;
  readonly fileVectors: number;
  readonly macs: number;
  readonly groups: number;
  readonly rows: number;
  readonly chipTables: readonly number[];
  /** Every committed cell of the proof over the products. */
  readonly cellsPerMac: number;
  /** Committed cells per table (the chip's tables summed under one name). */
  readonly tableCells: Record<string, number>;
  /** Main columns of a chip row and per group, polynomial constraints and lookups per product. */
  readonly chipColumns: number;
  readonly constraintsPerMac: number;
  readonly lookupsPerMac: number;
  readonly degree: number;
}

/** The STARK system of chip tables with preprocessed rows `pre` (one matrix per table), and the lookup tables. */
export function mmaSystem(groups: number, pre: readonly Matrix[], name = 'fp-conformance-bf16_mma', maxDegree = MMA_DEGREE, backend?: ProofBackend) {
  return buildSystem(
    name,
    [
      ...pre.map((p, i) => ({ air: mmaAir(groups, `bf16-mma-${groups}.${i}`), preprocessed: p })),
      ...mmaTableList().map((t) => ({ air: t.air, preprocessed: t.preprocessed() })),
    ],
    new FriPcs(DEFAULT_PCS_PARAMS, { backend }),
    true,
    { maxDegree },
  );
}

/** The traces of the chip tables' rows, then the lookup tables' multiplicities, in `mmaSystem`'s order. */
export function mmaTraces(groups: number, tables: readonly { main: number[][]; pre: number[][] }[]): Matrix[] {
  const air = mmaAir(groups);
  const messages = new Map<number, number[][]>();
  const mains = tables.map((t) => {
    const main = t.main.map(fieldRow);
    for (const [bus, ms] of mmaMessages(air, main, t.pre.map(fieldRow))) messages.set(bus, [...(messages.get(bus) ?? []), ...ms]);
    return Matrix.fromRows(main);
  });
  return [...mains, ...mmaTableTraces(messages)];
}

/** The statement of `vectors`: G, and each chip table's rows (the witness) and preprocessed rows. */
export function mmaStatement(vectors: readonly MmaVector[], groups?: number): { groups: number; tables: { main: number[][]; pre: number[][] }[] } {
  const g = groups ?? chooseGroups(vectors.reduce((s, v) => s + v.slots.length, 0));
  return { groups: g, tables: packSlots(vectors.map((v) => v.slots), g).map((slots) => mmaRows(g, slots)) };
}

/** Proves the first `max` vectors of a file (all by default) in one STARK proof and verifies it. */
export function proveMmaChip(op: MmaOp, text: string, options: { max?: number; groups?: number; degree?: number; backend?: ProofBackend } = {}): MmaProofReport {
  const { vectors, total } = mmaVectors(op, text, options.max);
  const { groups, tables } = mmaStatement(vectors, options.groups);
  const pre = tables.map((t) => Matrix.fromRows(t.pre.map(fieldRow)));
  const system = mmaSystem(groups, pre, undefined, options.degree, options.backend);
  const m = proveMeasured(system, mmaTraces(groups, tables), `zpol conformance ${op}`);
  const tableCells: Record<string, number> = {};
  system.tables.forEach((t, i) => {
    const name = i < tables.length ? `bf16-mma (${groups} groups per row)` : t.analyzed.air.name.replace(/^mma-hl-\d$/, 'mma-hl');
    tableCells[name] = (tableCells[name] ?? 0) + m.committedCells[i]!;
  });
  const cells = m.committedCells.reduce((x, y) => x + y, 0);
  const macs = vectors.reduce((s, v) => s + v.macs, 0);
  const an = analyze(mmaAir(groups));
  const slotsPerRow = groups * MMA_K;
  return {
    ok: m.ok,
    error: m.error,
    op,
    vectors: vectors.length,
    fileVectors: total,
    macs,
    groups,
    rows: tables.reduce((s, t) => s + t.main.length, 0),
    chipTables: tables.map((t) => t.main.length),
    proofBytes: m.proofBytes,
    proveMs: m.proveMs,
    verifyMs: m.verifyMs,
    proveCpuMs: m.proveCpuMs,
    verifyCpuMs: m.verifyCpuMs,
    conjecturedBits: m.conjecturedBits,
    cellsPerMac: Number((cells / macs).toFixed(2)),
    tableCells,
    chipColumns: mmaLayout(groups).width,
    constraintsPerMac: Number((an.constraints.length / slotsPerRow).toFixed(2)),
    lookupsPerMac: Number((an.interactions.length / slotsPerRow).toFixed(2)),
    degree: system.tables[0]!.degree,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checking every vector through the constraints.

/** Wrong results a cheating prover might claim instead of the f32 `right`: one ulp off, the other sign, a NaN for
 * a number and a number for a NaN. */
export function wrongResults(right: number): number[] {
  const out = new Set<number>([(right ^ 1) >>> 0, (right + 1) >>> 0, (right ^ 0x80000000) >>> 0, isNaNF32(right) ? 0x3f800000 : 0x7fffffff]);
  for (const w of [...out]) if (isNaNF32(w) && isNaNF32(right)) out.delete(w);
  out.delete(right >>> 0);
  return [...out];
}

export interface MmaChipCheck {
  /** Vectors whose rows the constraints and lookups accept and whose result is the file's. */
  readonly accepted: number;
  /** Vectors for which a statement pinned to each wrong result is rejected. */
  readonly rejectedWrong: number;
  readonly failures: { line: number; problem: string }[];
}

/**
 * Checks every vector of a file through the chip (G slots per row, the vectors one after another, as the proof
 * lays them out but without packing): the rows hold, the results are the file's (ACC and OUT for a dot product,
 * D for an operation), and pinning the last slot to each wrong result breaks a constraint of that row.
 */
export function checkMmaChip(op: MmaOp, text: string, groups = 2, max = Infinity): MmaChipCheck {
  return checkMmaVectors(mmaVectors(op, text, max).vectors, groups);
}

/** `checkMmaChip` on given vectors (each `expected` the claimed result). */
export function checkMmaVectors(vectors: readonly MmaVector[], groups = 2): MmaChipCheck {
  const failures: { line: number; problem: string }[] = [];
  const air = mmaAir(groups);
  const lay = mmaLayout(groups);
  // Each vector's slots start a row of their own, so that its rows are its own.
  const slots: Slot[] = [];
  const spans: { start: number; end: number; lastSlot: number }[] = [];
  for (const v of vectors) {
    const start = slots.length;
    slots.push(...v.slots);
    const lastSlot = slots.length - 1;
    while (slots.length % groups !== 0) slots.push(paddingSlot());
    spans.push({ start: start / groups, end: slots.length / groups, lastSlot });
  }
  let rows: ReturnType<typeof mmaRows>;
  try {
    rows = mmaRows(groups, slots);
  } catch (e) {
    return { accepted: 0, rejectedWrong: 0, failures: [{ line: vectors[0]?.line ?? 0, problem: (e as Error).message }] };
  }
  const main = rows.main.map(fieldRow);
  const pre = rows.pre.map(fieldRow);
  const broken = brokenConstraints(air, Matrix.fromRows(main), Matrix.fromRows(pre));
  // Each wrong claim, on every vector's last slot at once.
  const variants = [0, 1, 2, 3].map((w) => {
    const p = pre.map((r) => [...r]);
    vectors.forEach((v, k) => {
      const wrong = wrongResults(v.expected)[w];
      const s = spans[k]!.lastSlot;
      const [r, j] = [Math.floor(s / groups), s % groups];
      if (wrong === undefined) return;
      const st = stateOfF32(wrong);
      p[r]![lay.pin(j, 'pinT')] = st.t;
      p[r]![lay.pin(j, 'pinV')] = st.v;
      p[r]![lay.pin(j, 'pinQ')] = st.q[0] * 65536 + st.q[1] * 256 + st.q[2];
      p[r]![lay.pin(j, 'pinNaN')] = st.nan;
      p[r]![lay.pin(j, 'pinMax')] = (st.t & 0xff) === 255 ? 1 : 0;
    });
    return brokenConstraints(air, Matrix.fromRows(main), Matrix.fromRows(p));
  });
  let accepted = 0;
  let rejectedWrong = 0;
  vectors.forEach((v, k) => {
    const span = spans[k]!;
    const bad = broken.slice(span.start, span.end).find((b) => b.length > 0);
    const lookups = mmaLookupProblems(air, main.slice(span.start, span.end), pre.slice(span.start, span.end));
    const got = f32OfState(rows.results[span.lastSlot]!);
    const sameClass = got === v.expected || (isNaNF32(got) && isNaNF32(v.expected));
    const ref = v.reference;
    if (bad) failures.push({ line: v.line, problem: `the constraints reject a row (${bad.slice(0, 3).join('; ')})` });
    else if (lookups.length > 0) failures.push({ line: v.line, problem: `a lookup is in no table: ${lookups.slice(0, 3).join('; ')}` });
    else if (!sameClass) failures.push({ line: v.line, problem: `the chip computes ${got.toString(16)}, the file expects ${v.expected.toString(16)}` });
    else if (v.out !== undefined && f32ToBf16(got) !== (v.out & 0xffff) && !(isNaNBf16(v.out) && isNaNF32(got))) {
      failures.push({ line: v.line, problem: `ACC rounds to ${f32ToBf16(got).toString(16)}, the file's OUT is ${v.out.toString(16)}` });
    } else if (got !== ref && !(isNaNF32(got) && isNaNF32(ref))) failures.push({ line: v.line, problem: `the chip computes ${got.toString(16)}, the reference ${ref.toString(16)}` });
    else accepted++;
    const r = Math.floor(span.lastSlot / groups);
    const rejected = variants.every((broke, w) => wrongResults(v.expected)[w] === undefined || broke[r]!.length > 0);
    if (rejected) rejectedWrong++;
    else failures.push({ line: v.line, problem: 'a wrong result is accepted' });
  });
  return { accepted, rejectedWrong, failures };
}
