// The tensor-core chip (runtime/vm/chips/fp/bf16-mma.ts): every vector of both shared files and random vectors from
// other seeds go through its constraints with the reference's result and no other; no column of a row can change
// alone; a cheating prover's other choices of e_max, normalisation, alignment or truncation, followed through
// every column they imply, break a constraint or a lookup; a proof verifies, not against another statement, and a
// cheating prover's proof does not verify. The under-constraint checker's run is in test/soundness.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as Fp from '../../runtime/proof/field/babybear.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { brokenConstraints } from '../../runtime/vm/chips/fp/row-check.ts';
import { readConformanceText } from '../../runtime/conformance/vectors.ts';
import { bf16MmaDot, mma16 } from '../../runtime/fp/mma.ts';
import { columnsOf } from '../../runtime/proof/air/soundness/index.ts';
import { CARRY_WIDTH, NAN_STATE, f32OfState, mmaAir, mmaLayout, mmaSoundness, stateOfF32, type State } from '../../runtime/vm/chips/fp/bf16-mma.ts';
import { fieldRow, groupColumns, mmaRows, type Choices, type Slot } from '../../runtime/vm/chips/fp/bf16-mma-witness.ts';
import { CLAMP_BUS, L_BUS, mmaTableList } from '../../runtime/vm/chips/fp/bf16-mma-tables.ts';
import {
  checkMmaChip,
  checkMmaVectors,
  dotVector,
  mmaLookupProblems,
  mmaMessages,
  mmaStatement,
  mmaSystem,
  mmaTraces,
  mmaVector,
  mmaVectors,
  paddingSlot,
  type MmaVector,
} from '../../runtime/conformance/mma-chip-proof.ts';
import { randomDotCases, randomMmaCases } from './mma-model.ts';

const P = Fp.P;
const air = mmaAir(1);
const lay = mmaLayout(1);

describe('bf16-mma: the witness and the constraints', () => {
  it('states: f32 patterns of every class round-trip, every NaN to the one NaN', () => {
    for (const x of [0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x3f800000, 0xbf7fffff, 0x7f7fffff, 0x7f800000, 0xff800000]) {
      expect(f32OfState(stateOfF32(x))).toBe(x);
    }
    for (const x of [0x7fc00000, 0xffffffff, 0x7f800001]) expect(stateOfF32(x)).toEqual(NAN_STATE);
  });

  it('every vector of bf16_mma.tv and bf16_mma_dot.tv gives the file’s result, and every wrong result is rejected', () => {
    const mma = checkMmaChip('bf16_mma', readConformanceText('bf16_mma'));
    expect(mma.failures).toEqual([]);
    expect([mma.accepted, mma.rejectedWrong]).toEqual([20_000, 20_000]);
    const dot = checkMmaChip('bf16_mma_dot', readConformanceText('bf16_mma_dot'));
    expect(dot.failures).toEqual([]);
    expect([dot.accepted, dot.rejectedWrong]).toEqual([1000, 1000]);
  }, 240_000);

  it('random operations and dot products from other seeds (every profile of test/fp/mma-model.ts)', () => {
    for (const seed of [3, 29]) {
      const vectors: MmaVector[] = [
        ...randomMmaCases(seed, 1500).map((v) => mmaVector(v.a, v.b, v.c, mma16(v.a, v.b, v.c))),
        ...randomDotCases(seed, 100).map((v) => {
          const r = bf16MmaDot(v.a, v.b);
          return dotVector(v.a, v.b, r.acc, r.out);
        }),
      ];
      const check = checkMmaVectors(vectors);
      expect(check.failures, `seed ${seed}`).toEqual([]);
      expect(check.accepted).toBe(1600);
      expect(check.rejectedWrong).toBe(1600);
    }
  }, 30_000);
});

/** Honest single-slot rows (G = 1, the carry holding the slot's C) of operations covering every path. */
function sampleRows(): { rows: number[][]; pre: number[][]; what: string[] } {
  const text = readConformanceText('bf16_mma');
  const all = mmaVectors('bf16_mma', text).vectors;
  const rows: number[][] = [];
  const pre: number[][] = [];
  const what: string[] = [];
  const take = (v: MmaVector, label: string) => {
    const r = mmaRows(1, v.slots);
    rows.push(...r.main);
    pre.push(...r.pre);
    what.push(`${label} load (line ${v.line})`, `${label} (line ${v.line})`);
  };
  const kinds: [string, (d: number) => boolean][] = [
    ['normal', (d) => ((d >>> 23) & 0xff) > 1 && ((d >>> 23) & 0xff) < 255],
    ['subnormal', (d) => ((d >>> 23) & 0xff) === 0 && (d & 0x7fffff) !== 0],
    ['zero', (d) => (d & 0x7fffffff) === 0],
    ['infinity', (d) => (d & 0x7fffffff) === 0x7f800000],
    ['NaN', (d) => (d & 0x7fffffff) > 0x7f800000],
  ];
  for (const [label, is] of kinds) take(all.find((v) => is(v.expected))!, label);
  // A small sum (left shift), and dot products whose second operation starts from the first's result.
  take(all.find((v) => v.expected !== 0 && exactBits(v) < 20)!, 'cancellation');
  for (const v of mmaVectors('bf16_mma_dot', readConformanceText('bf16_mma_dot'), 3).vectors) {
    const r = mmaRows(1, v.slots);
    rows.push(...r.main.slice(0, 2));
    pre.push(...r.pre.slice(0, 2));
    what.push(`dot line ${v.line} op 0`, `dot line ${v.line} op 1`);
  }
  return { rows, pre, what };
}

/** 24 + the normalisation shift of a vector's operation: the bit length of its exact sum when normal. */
function exactBits(v: MmaVector): number {
  return mmaRows(1, v.slots).main[1]![lay.group(0, 'sh')]! + 24;
}

/** Per row: the constraints it breaks alone (no successor) and its lookups that are in no table. */
function rowProblems(rows: readonly number[][], pre: readonly number[][]): string[][] {
  const main = rows.map(fieldRow);
  const p = pre.map(fieldRow);
  const broken = brokenConstraints(air, Matrix.fromRows(main), Matrix.fromRows(p), 1);
  return broken.map((b, i) => [...b, ...mmaLookupProblems(air, [main[i]!], [p[i]!])]);
}

describe('bf16-mma: a cheating prover', () => {
  const sample = sampleRows();

  it('the sample rows hold, each alone', () => {
    expect(rowProblems(sample.rows, sample.pre).filter((x) => x.length > 0)).toEqual([]);
  });

  it('cannot change any column of a row alone (but the columns the soundness declaration frees)', () => {
    const free = mmaSoundness(1).free!;
    const mutated: number[][] = [];
    const mutatedPre: number[][] = [];
    const labels: string[] = [];
    sample.rows.forEach((row, r) => {
      const freeCols = new Set(free.flatMap((f) => columnsOf(f.columns, row.map(Fp.fromInt))));
      for (let c = CARRY_WIDTH; c < lay.width; c++) {
        if (freeCols.has(c)) continue;
        for (const delta of [1, -1, 256, 65536, P - 2]) {
          const m = [...row];
          m[c] = Fp.add(Fp.fromInt(m[c]!), delta % P);
          mutated.push(m);
          mutatedPre.push(sample.pre[r]!);
          labels.push(`${sample.what[r]}: column ${c} + ${delta}`);
        }
      }
    });
    const problems = rowProblems(mutated, mutatedPre);
    expect(labels.filter((_, i) => problems[i]!.length === 0)).toEqual([]);
  }, 30_000);

  /** A fast slot's row with `choices`, its C the honest one: what breaks, and the result it claims. */
  function forged(slot: Slot, cst: State, choices: Choices): { problems: string[]; result: State } {
    const { cols, result } = groupColumns(slot, cst, choices);
    const row = [cst.t, cst.v, ...cst.q, cst.nan, ...cols];
    const { pre } = mmaRows(1, [{ ...slot, first: true }]);
    pre[0]![lay.pin(0, 'first')] = slot.first ? 1 : 0;
    return { problems: rowProblems([row], pre)[0]!, result };
  }

  const fastSlots = (): { slot: Slot; cst: State; label: string }[] => {
    const out: { slot: Slot; cst: State; label: string }[] = [];
    for (const v of mmaVectors('bf16_mma', readConformanceText('bf16_mma'), 400).vectors) {
      const [load, op] = v.slots as [Slot, Slot];
      if (op.a.concat(op.b).some((x) => ((x >> 7) & 0xff) === 255) || (load.pin!.t & 0xff) === 255) continue;
      out.push({ slot: { ...op, pin: undefined }, cst: load.pin!, label: `bf16_mma line ${v.line}` });
      if (out.length === 60) break;
    }
    return out;
  };

  it('cannot claim another e_max or another normalisation shift: followed through every column, a check breaks', () => {
    const escapes: string[] = [];
    for (const { slot, cst, label } of fastSlots()) {
      const honest = groupColumns(slot, cst);
      const M = honest.cols[lay.group(0, 'M') - CARRY_WIDTH]!;
      const sh = honest.cols[lay.group(0, 'sh') - CARRY_WIDTH]!;
      for (const choices of [{ M: M + 1 }, { M: M - 1 }, { M: M + 27 }, { sh: sh + 1 }, { sh: sh - 1 }, { sh: sh + 2 }, { sh: sh - 8 }] as Choices[]) {
        const f = forged(slot, cst, choices);
        if (f.problems.length === 0 && f32OfState(f.result) !== f32OfState(honest.result)) escapes.push(`${label}: ${JSON.stringify(choices)}`);
      }
    }
    expect(escapes).toEqual([]);
  });

  it('cannot misalign or mistruncate a product: the clamp or the truncation lookup fails', () => {
    const onBus = (problems: string[], bus: number) => problems.some((p) => p.includes(`bus ${bus} (`));
    let truncating = 0;
    for (const { slot, cst, label } of fastSlots().slice(0, 20)) {
      for (let i = 0; i < 16; i += 5) {
        for (const delta of [1, -1]) {
          const a = forged(slot, cst, { alignment: { i, delta } });
          expect(onBus(a.problems, CLAMP_BUS), `${label} alignment ${i} ${delta}`).toBe(true);
          const t = forged(slot, cst, { truncation: { i, delta } });
          expect(onBus(t.problems, L_BUS), `${label} truncation ${i} ${delta}: ${t.problems.join('; ')}`).toBe(true);
          if (t.problems.every((p) => p.includes(`bus ${L_BUS} (`))) truncating++;
        }
      }
    }
    // A term truncated otherwise, with the sum and the conversion following it, breaks the truncation lookup only.
    expect(truncating).toBeGreaterThan(100);
  });

  it('a proof verifies, not against another statement, and a cheating prover’s proof does not verify', () => {
    const vectors = [
      ...mmaVectors('bf16_mma_dot', readConformanceText('bf16_mma_dot'), 2).vectors,
      ...mmaVectors('bf16_mma', readConformanceText('bf16_mma'), 6).vectors,
    ];
    const st = mmaStatement(vectors, 1);
    const pre = st.tables.map((t) => Matrix.fromRows(t.pre.map(fieldRow)));
    const system = mmaSystem(1, pre);
    const proof = prove(system, mmaTraces(1, st.tables), [], { seed: 'mma-chip test' });
    expect(verify(system, [], proof).ok).toBe(true);

    // The same proof against a statement pinning one result a ulp off.
    const last = st.tables[0]!.pre.findIndex((p) => p[lay.pin(0, 'last')] === 1 && p[lay.pin(0, 'load')] === 0);
    const other = st.tables.map((t, k) => Matrix.fromRows(t.pre.map((p, r) => (k === 0 && r === last ? p.map((x, c) => (c === lay.pin(0, 'pinQ') ? x ^ 1 : x)) : p)).map(fieldRow)));
    expect(verify(mmaSystem(1, other), [], proof).ok).toBe(false);

    // A cheating prover truncates one term of a 16-product dot product otherwise and pins the result that follows:
    // the row meets every constraint, only the truncation lookup has no row in the table.
    const dot = mmaVectors('bf16_mma_dot', readConformanceText('bf16_mma_dot'), 20).vectors.find((v) => v.slots.length === 1)!;
    const honest = mmaRows(1, dot.slots);
    const { cols, result } = groupColumns({ ...dot.slots[0]!, pin: undefined }, stateOfF32(0), { truncation: { i: 0, delta: 1 } });
    expect(f32OfState(result)).not.toBe(f32OfState(honest.results[0]!));
    const forgedRows = [[...honest.main[0]!.slice(0, CARRY_WIDTH), ...cols]];
    const forgedPre = honest.pre.map((p) => [...p]);
    forgedPre[0]![lay.pin(0, 'pinT')] = result.t;
    forgedPre[0]![lay.pin(0, 'pinV')] = result.v;
    forgedPre[0]![lay.pin(0, 'pinQ')] = result.q[0] * 65536 + result.q[1] * 256 + result.q[2];
    const problems = rowProblems(forgedRows, forgedPre)[0]!;
    expect(problems.length).toBe(1);
    expect(problems[0]).toContain(`bus ${L_BUS} (`);
    while (forgedRows.length < 2) (forgedRows.push(mmaRows(1, [paddingSlot()]).main[0]!), forgedPre.push(mmaRows(1, [paddingSlot()]).pre[0]!));
    const cheatSystem = mmaSystem(1, [Matrix.fromRows(forgedPre.map(fieldRow))]);
    const cheat = prove(cheatSystem, cheatingTraces([{ main: forgedRows, pre: forgedPre }]), [], { seed: 'cheat', skipChecks: true });
    expect(verify(cheatSystem, [], cheat).ok).toBe(false);
  }, 60_000);

  it('zpol conformance bf16_mma_dot --prove proves a file and prints its cells per MAC', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-mma-'));
    const file = join(dir, 'dot.tv');
    writeFileSync(file, readConformanceText('bf16_mma_dot').split('\n').slice(0, 3).join('\n') + '\n');
    const run = spawnSync(process.execPath, [join(process.cwd(), 'bin/run.js'), 'conformance', 'bf16_mma_dot', file, '--prove'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('chip: accepts 3 dot products (every operation), rejects every wrong result on 3 of 3');
    expect(run.stdout).toMatch(/proof: verified, 3 vectors, \d+ MACs in \d+ rows/);
    expect(run.stdout).toMatch(/cells per MAC: [\d.]+ \(every committed cell of the proof, lookup tables included; [\d.]+ polynomial constraints and [\d.]+ lookups per MAC\)/);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('3 passed, 0 failed');
  }, 60_000);
});

/** The traces of a cheating prover: lookups missing from a table are not counted (the table cannot count them). */
function cheatingTraces(tables: { main: number[][]; pre: number[][] }[]): Matrix[] {
  const messages = new Map<number, number[][]>();
  for (const t of tables) for (const [bus, ms] of mmaMessages(air, t.main.map(fieldRow), t.pre.map(fieldRow))) messages.set(bus, [...(messages.get(bus) ?? []), ...ms]);
  return [
    ...tables.map((t) => Matrix.fromRows(t.main.map(fieldRow))),
    ...mmaTableList().map((t) => t.trace(t.buses.map((b, i) => (messages.get(b.bus) ?? []).filter((m) => t.has(i, m))))),
  ];
}
