// The binary32 arithmetic chips (f32-fma.ts, f32-arith.ts): the fma chip and its specialisations for add (b = 1.0)
// and mul (c = −0). Their rows compute the reference f32.ts on edge cases, on the shared conformance vectors and on
// random operands from other seeds; their constraints accept the right rows and reject every wrong result claimed;
// no column can change alone; and a file of vectors proves in one STARK.
import { describe, expect, it } from 'vitest';
import { readConformanceText, readVectors } from '../../runtime/conformance/vectors.ts';
import { checkChip, proveChip, rowProblems, wrongF32Results } from '../../runtime/conformance/chip-proof.ts';
import { F32_MINUS_ZERO, F32_ONE, f32AddChip, f32FmaChip, f32MulChip, type FmaChip } from '../../runtime/vm/chips/fp/f32-arith.ts';
import { FMA, f32FmaRow, type FmaColumn } from '../../runtime/vm/chips/fp/f32-fma.ts';
import { POW12_BUS, SMALL_BUS } from '../../runtime/vm/chips/fp/f32-arith-tables.ts';
import { U16_BUS } from '../../runtime/vm/chips/fp/u16-table.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { analyze } from '../../runtime/proof/air/air.ts';
import { evaluateRows, traceSelectors } from '../../runtime/proof/air/eval.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import * as Fp from '../../runtime/proof/field/babybear.ts';
import { addF32, F32_CANONICAL_NAN, fmaF32, isNaNF32, mulF32, subF32 } from '../../runtime/fp/f32.ts';
import { finiteIn, operand, Rng } from './oracle.ts';

const canon = (x: number) => (isNaNF32(x) ? F32_CANONICAL_NAN : x >>> 0);
const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');

/** The three chips, each with how it takes (a, b, c) and the reference it must compute. */
interface Case {
  readonly chip: FmaChip;
  readonly op: 'f32_add' | 'f32_mul' | 'f32_mulAdd';
  /** The chip's operands for the operation's inputs. */
  operands(a: number, b: number, c: number): [number, number, number];
  reference(a: number, b: number, c: number): number;
}
const CASES: readonly Case[] = [
  { chip: f32FmaChip, op: 'f32_mulAdd', operands: (a, b, c) => [a, b, c], reference: (a, b, c) => canon(fmaF32(a, b, c)) },
  { chip: f32AddChip, op: 'f32_add', operands: (a, b) => [a, F32_ONE, b], reference: (a, b) => canon(addF32(a, b)) },
  { chip: f32MulChip, op: 'f32_mul', operands: (a, b) => [a, b, F32_MINUS_ZERO], reference: (a, b) => canon(mulF32(a, b)) },
];

/** Whether each row meets the chip's constraints (constraints only: `lookups` adds the table lookups). */
function rowsHold(chip: FmaChip, rows: readonly (readonly number[])[], lookups = true): boolean[] {
  let n = 2;
  while (n < rows.length) n *= 2;
  const padded = Array.from({ length: n }, (_, i) => rows[Math.min(i, rows.length - 1)]!);
  const cons = analyze(chip.air).constraints;
  const inputs = { height: n, nextOffset: 1, main: Matrix.fromRows(padded), pre: null, aux: null, selectors: traceSelectors(Math.log2(n)), publics: [], challenges: [], sumPerRow: E.ZERO };
  const v = evaluateRows(
    cons.map((c) => c.expr),
    inputs,
    0,
    n,
  );
  return rows.map((row, r) => {
    if (cons.some((_, j) => v[j]!.data[r] !== 0)) return false;
    return !lookups || lookupsHold(chip, row);
  });
}

/** Whether every lookup of a row is a row of its table. */
function lookupsHold(chip: FmaChip, row: readonly number[]): boolean {
  return (
    chip.rangeLookups(row).every((v) => v < 65536) &&
    chip.smallLookups(row).every(([k, v]) => k >= 1 && k <= 12 && v < 2 ** k) &&
    chip.powLookups(row).every(([r, p]) => r < 12 && p === 2 ** r)
  );
}

/** Random operand triples: edge-weighted, around the case thresholds of the exponent difference, near cancellation. */
function randomTriples(seed: number, count: number): [number, number, number][] {
  const r = new Rng(seed);
  const out: [number, number, number][] = [];
  while (out.length < count) {
    const kind = r.int(5);
    let a = operand(r);
    let b = operand(r);
    let c = operand(r);
    if (kind === 1) {
      // c placed at an exponent difference d = Ec − Ep in [−60, 70] from the product (thresholds at −26, 26, 50).
      a = finiteIn(r, 0, 254);
      b = finiteIn(r, 0, 254);
      const ea = Math.max((a >>> 23) & 0xff, 1);
      const eb = Math.max((b >>> 23) & 0xff, 1);
      const ec = r.int(131) - 60 + ea + eb - 150;
      if (ec < 0 || ec > 254) continue;
      c = finiteIn(r, ec, ec);
    } else if (kind === 2) {
      // c = ±round(a·b) moved by a few ulps: deep cancellation, and the product's rounding error.
      a = finiteIn(r, 80, 170);
      b = finiteIn(r, 80, 170);
      c = ((mulF32(a, b) ^ (r.int(2) << 31)) + r.int(9) - 4) >>> 0;
      if (((c >>> 23) & 0xff) === 0xff) continue;
    } else if (kind === 3) {
      // Subnormal and underflowing results.
      const ea = r.int(127);
      a = finiteIn(r, ea, ea);
      b = finiteIn(r, Math.max(0, Math.min(254, 127 - ea + r.int(28) - 26)), 254);
      b = finiteIn(r, (b >>> 23) & 0xff, (b >>> 23) & 0xff);
      c = r.int(3) === 0 ? r.int(2) << 31 : finiteIn(r, 0, r.int(2) ? 1 : 24);
    } else if (kind === 4) {
      a = r.u32();
      b = r.u32();
      c = r.u32();
    }
    out.push([a >>> 0, b >>> 0, c >>> 0]);
  }
  return out;
}

// [a, b, c] for fma; add and mul use (a, b).
const EDGE: [number, number, number][] = [
  [0x3f800000, 0x3f800000, 0x00000000], // 1·1 + 0
  [0x3f800000, 0x3f800000, 0xbf800000], // 1 − 1: exact cancellation, +0
  [0x00000000, 0x3f800000, 0x80000000], // (+0·1) + (−0) = +0
  [0x80000000, 0x3f800000, 0x80000000], // (−0·1) + (−0) = −0
  [0x80000000, 0x80000000, 0x80000000], // (−0·−0) + (−0) = +0
  [0x80000000, 0x3f800000, 0x00000000], // −0 + +0 = +0
  [0x00000001, 0x80000001, 0x00000000], // 2^−149·−2^−149 + 0 = −0 (underflow keeps the sign)
  [0x00000001, 0x00000001, 0x80000000], // +tiny + −0 = +0
  [0x7f800000, 0x00000000, 0x3f800000], // ∞·0: NaN
  [0x00000000, 0xff800000, 0x7fc00000], // 0·−∞ + NaN: NaN
  [0x7f800000, 0x3f800000, 0xff800000], // ∞ − ∞: NaN
  [0x7f800000, 0xbf800000, 0xff800000], // −∞ − ∞ = −∞
  [0x3f800000, 0x3f800000, 0x7f800000], // 1 + ∞ = ∞
  [0x7f7fffff, 0x7f7fffff, 0xff800000], // overflowing product − ∞ = −∞ (the product is not rounded alone)
  [0x7fc12345, 0x3f800000, 0x00000000], // NaN payload: canonical NaN
  [0x3f800000, 0x3f800000, 0x7f800001], // signalling NaN c
  [0x7f7fffff, 0x40000000, 0x00000000], // overflow to ∞
  [0x7f7fffff, 0x3f800000, 0x7f7fffff], // max + max: ∞
  [0x7f7fffff, 0x3f800000, 0x73000000], // max + half an ulp: a tie, rounds to even: ∞
  [0x7f7fffff, 0x3f800000, 0x72ffffff], // max + just below half an ulp: max
  [0x00800000, 0x3f000000, 0x00000000], // smallest normal · 1/2: subnormal result
  [0x00800000, 0x3f7fffff, 0x00000000], // 2^−126·(1 − 2^−24): rounds to 2^−126
  [0x00000003, 0x3f000000, 0x00000000], // 3·2^−150: a tie, to even (2·2^−149)
  [0x00000001, 0x3f000000, 0x00000000], // 2^−150: a tie, to even (0)
  [0x00000001, 0x3f000001, 0x00000000], // just above 2^−150: 2^−149
  [0x3f800000, 0x3f800000, 0x3f800003], // 1 + (1 + 3·2^−23): a tie with an odd kept part, rounds up
  [0x3f800000, 0x3f800000, 0x33800000], // 1 + 2^−24: a tie, to even (1)
  [0x3f800000, 0x3f800000, 0x33800001], // just above the tie: rounds up
  [0x3f800001, 0x3f800001, 0xbf800002], // (1 + u)² − (1 + 2u) = u²: exact tiny result far below the operands
  [0x4b800000, 0x3f800000, 0xcb800001], // 2^24 − (2^24 + 2): exact small
  [0x3f800000, 0x3f800000, 0x4c000000], // 1 + 2^25: 1 below the ulp, sticky only
  [0x3f800000, 0xbf800000, 0x4c000000], // 2^25 − 1: rounds to 2^25
  [0x3f800000, 0x3f800000, 0x7f000000], // c far above the product
  [0x7f000000, 0x3f800000, 0x3f800000], // c far below the product (stick)
  [0x00000001, 0x00000001, 0x00000001], // product far below the subnormal grid, c = 2^−149
  [0x00000001, 0x00000001, 0x00000000], // product far below the subnormal grid, c = 0: +0
  [0x80400000, 0x7f000000, 0x00000000], // a subnormal times a large normal
  [0xff7fffff, 0x7f7fffff, 0x7f7fffff], // −huge + max: −∞
  [0x5f800000, 0x5f800000, 0xff7fffff], // 2^128 − max = 2^104 exactly
];

describe('f32 arithmetic chips', () => {
  it('add, sub and mul are the fma with a fixed operand, on every kind of operand', () => {
    const r = new Rng(201);
    for (let i = 0; i < 200_000; i++) {
      const a = r.int(2) ? operand(r) : r.u32();
      const b = r.int(2) ? operand(r) : r.u32();
      const name = `${hex(a)} ${hex(b)}`;
      if (canon(addF32(a, b)) !== canon(fmaF32(a, F32_ONE, b))) throw new Error(`add ${name}`);
      if (canon(subF32(a, b)) !== canon(fmaF32(a, F32_ONE, b ^ 0x80000000))) throw new Error(`sub ${name}`);
      if (canon(mulF32(a, b)) !== canon(fmaF32(a, b, F32_MINUS_ZERO))) throw new Error(`mul ${name}`);
    }
    // c = +0 would not do for mul: (−1)·(+0) is −0, but −0 + (+0) is +0.
    expect(mulF32(0xbf800000, 0)).toBe(0x80000000);
    expect(fmaF32(0xbf800000, 0, 0)).toBe(0);
  });

  it('rows compute the reference on edge cases, and the constraints and lookups accept them', () => {
    for (const k of CASES) {
      const rows = EDGE.map(([a, b, c]) => k.chip.row(...k.operands(a, b, c)));
      rows.forEach((row, i) => {
        const [a, b, c] = EDGE[i]!;
        expect(k.chip.result(row), `${k.op} ${hex(a)} ${hex(b)} ${hex(c)}`).toBe(k.reference(a, b, c));
      });
      expect(rowsHold(k.chip, rows)).toEqual(rows.map(() => true));
    }
  });

  it('rows for random operands (other seeds) compute the reference and hold, and wrong results are rejected', () => {
    for (const [seed, k] of CASES.map((k, i) => [301 + i, k] as const)) {
      const triples = randomTriples(seed, 16_384);
      const rows = triples.map(([a, b, c]) => k.chip.row(...k.operands(a, b, c)));
      rows.forEach((row, i) => {
        const [a, b, c] = triples[i]!;
        if (k.chip.result(row) !== k.reference(a, b, c)) throw new Error(`${k.op} ${hex(a)} ${hex(b)} ${hex(c)}: ${hex(k.chip.result(row))}`);
      });
      expect(rowsHold(k.chip, rows).every((ok) => ok)).toBe(true);
      // A cheating prover claims each kind of wrong result (one ulp off, the other sign, NaN for a number, a
      // number for a NaN) on the first 4,096 rows: the constraints alone reject every one.
      const sample = rows.slice(0, 4096);
      for (let kind = 0; kind < 4; kind++) {
        const tampered = sample.map((row) => {
          const wrong = wrongF32Results(k.chip.result(row));
          const v = wrong[kind % wrong.length]!;
          const t = row.slice();
          t[k.chip.col('oh')] = v >>> 16;
          t[k.chip.col('ol')] = v & 0xffff;
          return t;
        });
        expect(rowsHold(k.chip, tampered, false).some((ok) => ok)).toBe(false);
      }
    }
  });

  it('sub is the add chip with the sign of b flipped', () => {
    const triples = randomTriples(304, 8192);
    const rows = triples.map(([a, b]) => f32AddChip.row(a, F32_ONE, (b ^ 0x80000000) >>> 0));
    rows.forEach((row, i) => {
      const [a, b] = triples[i]!;
      if (f32AddChip.result(row) !== canon(subF32(a, b))) throw new Error(`sub ${hex(a)} ${hex(b)}`);
    });
    expect(rowsHold(f32AddChip, rows).every((ok) => ok)).toBe(true);
  });

  for (const k of CASES) {
    it(`${k.op}: accepts every right row and rejects every wrong result in the shared vectors; the lookups hold`, () => {
      const text = readConformanceText(k.op);
      const count = k.op === 'f32_mulAdd' ? 197_847 : 46_464;
      const r = checkChip(k.op, text);
      expect(r.failures).toEqual([]);
      expect(r.accepted).toBe(count);
      expect(r.rejectedWrong).toBe(count);
      const vectors: [number, number, number][] =
        k.op === 'f32_mulAdd' ? [...readVectors('f32_mulAdd', text)].map((v) => [v.a, v.b, v.c]) : [...readVectors(k.op, text)].map((v) => [v.a, v.b, 0]);
      let bad = 0;
      for (const [a, b, c] of vectors) if (!lookupsHold(k.chip, k.chip.row(...k.operands(a, b, c)))) bad++;
      expect(bad).toBe(0);
    }, 300_000);
  }

  it('rejects a row that rounds a tie to odd', () => {
    const row = f32FmaRow(0x3f800000, 0x3f800000, 0x3f800003); // 2 + 1.5 ulp: a tie with an odd kept part
    expect(row[FMA.up]).toBe(1);
    const cheat = row.slice();
    for (const n of ['up', 'oLo', 'ol'] as const) cheat[FMA[n]] = row[FMA[n]]! - 1;
    expect(rowProblems('f32_mulAdd', cheat)).toEqual(['round up when rb and (sticky or odd)']);
  });

  it('rejects a nonzero sum that underflows claiming the other sign of zero', () => {
    const row = f32FmaRow(0x00000001, 0x80000001, 0x00000000); // −2^−298 + 0 = −0
    expect(row[FMA.oh]).toBe(0x8000);
    const cheat = row.slice();
    for (const n of ['sg', 'fSign', 'oh'] as const) cheat[FMA[n]] = 0;
    expect(rowProblems('f32_mulAdd', cheat).length).toBeGreaterThan(0);
  });

  it('no column but the inputs can change alone: each is fixed by the constraints and lookups', () => {
    const text = readConformanceText('f32_mulAdd');
    // Rows from the shared vectors and from every kind of random operand.
    const triples: [number, number, number][] = [
      ...[...readVectors('f32_mulAdd', text)].slice(0, 64).map((v) => [v.a, v.b, v.c] as [number, number, number]),
      ...randomTriples(401, 64),
      ...EDGE,
    ];
    const inputs = new Set<FmaColumn>(['ah', 'al', 'bh', 'bl', 'ch', 'cl']);
    const names = Object.keys(FMA) as FmaColumn[];
    const loose: string[] = [];
    for (const k of CASES) {
      const honest = triples.map(([a, b, c]) => k.chip.row(...k.operands(a, b, c)));
      expect(rowsHold(k.chip, honest).every((ok) => ok)).toBe(true);
      for (const n of names) {
        if (inputs.has(n)) continue;
        let col: number;
        try {
          col = k.chip.col(n);
        } catch {
          continue; // fixed in this chip
        }
        for (const delta of [1, Fp.P - 1, 2, 1 << 12, 1 << 16, 1 << 24, 1 << 29]) {
          const held = rowsHold(
            k.chip,
            honest.map((r) => r.map((x, j) => (j === col ? (x + delta) % Fp.P : x))),
          );
          if (held.some((ok) => ok)) loose.push(`${k.op}: ${n} + ${delta}`);
        }
      }
    }
    expect(loose).toEqual([]);
  }, 300_000);

  it('proves 256 fused multiply-adds in one STARK proof', () => {
    const text = readConformanceText('f32_mulAdd').split('\n').slice(0, 256).join('\n');
    const report = proveChip('f32_mulAdd', text);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.operations).toBe(256);
    expect(report.conjecturedBits).toBeGreaterThanOrEqual(100);
  }, 300_000);
});

// The bus numbers the lookups use (so a renumbering is noticed here).
it('the chips look up into the 16-bit, small-range and powers-of-two tables', () => {
  const buses = new Set(analyze(f32FmaChip.air).interactions.map((i) => i.bus));
  expect([...buses].sort((x, y) => x - y)).toEqual([U16_BUS, SMALL_BUS, POW12_BUS].sort((x, y) => x - y));
});
