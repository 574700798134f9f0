// The under-constraint checker (runtime/proof/air/soundness) on every chip: on sampled honest rows of today's
// chips it finds nothing, and on the two chips as they were before the fixes of issue #14 — the f32 → bf16 chip
// range-checking e and m only scaled (bug 2), the MAC's half rows keyed 64 + k on the powers-of-two bus (bug 5) —
// it finds the forgeries the review built by hand, which a direct check confirms satisfy every constraint. The
// lookup tables of the zkVM machine and of the conformance systems hold no message twice on a bus and one
// relation per bus, which the old powers-of-two table did not.
import { describe, expect, it } from 'vitest';
import type { Air, AirBuilder } from '../../runtime/proof/air/air.ts';
import type { Expr } from '../../runtime/proof/air/expr.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { checkChip, mixedRelations, rowsBusTable, tableOverlaps, type BusTable, type ChipReport, type ChipSoundness, type Finding, type HonestTrace, type SystemTable } from '../../runtime/proof/air/soundness/index.ts';
import { rangeTable } from '../../runtime/proof/air/range-table.ts';
import { brokenConstraints, busMessages } from '../../runtime/vm/chips/fp/row-check.ts';
import { fpBusTables, u16Bus, vmBusTables } from '../../runtime/vm/lookup-buses.ts';
import { U16_BUS, u16Table } from '../../runtime/vm/chips/fp/u16-table.ts';
import { pairTable } from '../../runtime/vm/chips/fp/pair-table.ts';
import { C, f32ToBf16Air, f32ToBf16Row, f32ToBf16Soundness } from '../../runtime/vm/chips/fp/f32-to-bf16.ts';
import { HALF_BUS, MAC, MAC_NAMES, POW2_BUS, bf16MacAir, bf16MacRow, bf16MacSoundness, pow2Table } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { COMPARE_NAMES, CMP, f32CompareAir, f32CompareRow, f32CompareSoundness } from '../../runtime/vm/chips/fp/f32-compare.ts';
import { F32_MINUS_ZERO, F32_ONE, f32AddChip, f32FmaChip, f32MulChip, type FmaChip } from '../../runtime/vm/chips/fp/f32-arith.ts';
import { pow12Table, smallRangeTable } from '../../runtime/vm/chips/fp/f32-arith-tables.ts';
import { DOT_NAMES, bf16DotAir, bf16DotSoundness, dotTables, fieldRow } from '../../runtime/vm/chips/fp/bf16-dot.ts';
import { dotRows } from '../../runtime/conformance/dot-chip-proof.ts';
import { mmaAir, mmaNames, mmaSoundness, stateOfF32 as mmaStateOfF32 } from '../../runtime/vm/chips/fp/bf16-mma.ts';
import { fieldRow as mmaFieldRow, mmaRows, type Slot } from '../../runtime/vm/chips/fp/bf16-mma-witness.ts';
import { mmaBusTables, mmaTableList } from '../../runtime/vm/chips/fp/bf16-mma-tables.ts';
import { mmaVectors } from '../../runtime/conformance/mma-chip-proof.ts';
import { readConformanceText } from '../../runtime/conformance/vectors.ts';
import { mma16 } from '../../runtime/fp/mma.ts';
import { LIMBED, limbedMma, machine, tableNames, vmTraces } from '../../runtime/vm/machine.ts';
import { limbNames } from '../../runtime/vm/chips/byte-limbs.ts';
import { CPU, cpuSoundness } from '../../runtime/vm/chips/cpu.ts';
import { NUM_OPCODES } from '../../runtime/vm/isa.ts';
import { memoryAir, memoryPreprocessed, memorySoundness } from '../../runtime/vm/chips/memory.ts';
import { programRomAir, programRomSoundness, romPreprocessed } from '../../runtime/vm/chips/program-rom.ts';
import { wideAddSoundness, wideMulSoundness } from '../../runtime/vm/chips/wide.ts';
import { poseidon2Chip, poseidon2Soundness } from '../../runtime/vm/chips/poseidon2.ts';
import { MERKLE_NAMES, merkleChip, merkleSoundness } from '../../runtime/vm/chips/merkle.ts';
import { MAC_CHIP_NAMES, MAC_COLS, macChipSoundness } from '../../runtime/vm/chips/mac.ts';
import { toBf16ChipSoundness } from '../../runtime/vm/chips/to-bf16.ts';
import { vmMmaLayout, vmMmaSoundness } from '../../runtime/vm/chips/mma.ts';
import { FADD_NAMES, faddChipSoundness } from '../../runtime/vm/chips/fadd.ts';
import { BYTE_BUS } from '../../runtime/vm/buses.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import { lookupsHold } from './cheat.ts';
import { everyOpcode } from './every-opcode.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { executeRun, isSegmented, segmentPublics, segmentWitness } from '../../runtime/vm/segments.ts';
import { byteLimbs } from '../../runtime/vm/chips/byte-limbs.ts';
import { segmentCpuAir } from '../../runtime/vm/chips/cpu.ts';
import { segmentMemoryAir, segmentMemoryPreprocessed, segmentMemorySoundness } from '../../runtime/vm/chips/segment-memory.ts';
import { sumUnderCap } from '../fixtures/sample-programs.ts';
import { SEG_MEM_END, SEG_PC_END, SEG_PC_START } from '../../runtime/vm/segment-publics.ts';

let seed = 14;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const rows = (m: Matrix) => Array.from({ length: m.height }, (_, r) => [...m.row(r)]);
const oneRow = (row: readonly number[]): HonestTrace => ({ rows: [row] });

/** `air` with its builder's sends and constraints passed through `intercept` first: a variant of a chip. */
function variant(air: Air, name: string, intercept: { send?: (b: AirBuilder, bus: number, values: readonly Expr[], multiplicity?: Expr | number) => void; dropConstraint?: string }): Air {
  return {
    ...air,
    name,
    eval(b) {
      const proxy = new Proxy(b, {
        get(target, prop) {
          if (prop === 'send' && intercept.send) return (bus: number, values: readonly Expr[], multiplicity?: Expr | number) => intercept.send!(target, bus, values, multiplicity);
          if (prop === 'assertZero' && intercept.dropConstraint) {
            return (e: Expr, n?: string) => (n === intercept.dropConstraint ? undefined : target.assertZero(e, n));
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      air.eval(proxy);
    },
  };
}

/** The honest row with a finding's changes applied: the forged row. */
const forged = (honest: readonly number[], f: Finding) => {
  const row = [...honest];
  for (const c of f.changed) row[c.col] = c.to;
  return row;
};
const constraintsHold = (air: Air, row: readonly number[]) => brokenConstraints(air, Matrix.fromRows([row]), null, 1)[0]!.length === 0;
const changedTo = (f: Finding, col: number) => f.changed.find((c) => c.col === col)?.to;
/** Whether every lookup `air` makes on `row` is in its table among `tables`. */
const lookupsIn = (air: Air, row: readonly number[], tables: readonly BusTable[]) => {
  const messages = busMessages(air);
  return tables.every((t) => messages(t.bus).every((m) => t.has(m.map((v) => v(row)))));
};
const clean = (r: ChipReport) => {
  expect(r.lines).toEqual([]);
  expect(r.moved).toBeGreaterThan(0);
};

describe('under-constraint checker: the floating-point chips', () => {
  const fp = fpBusTables();

  describe('f32 → bf16', () => {
    const check = (air: Air, xs: readonly number[]) => checkChip({ air, soundness: f32ToBf16Soundness, traces: xs.map((x) => oneRow(f32ToBf16Row(x))), tables: [u16Bus], names: Object.keys(C) });
    // The old chip (bug 2): e and m range-checked only as e·2^8 and m·2^10, so e may be x·2^−8.
    const unscaledDropped = variant(f32ToBf16Air, 'f32-to-bf16 (bug 2)', {
      send: (b, bus, values) => {
        const v = values[0]!.node;
        if (bus === U16_BUS && v.op === 'main' && (v.col === C.e || v.col === C.m)) return;
        b.send(bus, values);
      },
    });

    it('finds nothing on the chip (ties, NaNs, infinities, the largest finite, zeros, random)', () => {
      clean(check(f32ToBf16Air, [0x3f808000, 0x3f818000, 0x7f800001, 0x7f800000, 0x7f7fffff, 0, 0x80000000, random(), random()]));
    });

    it('bug 2: finds the tie 0x3F808000 rounded to 0x3F81 and a NaN rounded to +∞, and the forged rows meet every constraint', () => {
      for (const [x, wrong] of [
        [0x3f808000, 0x3f81],
        [0x7f800001, 0x7f80],
      ] as const) {
        const report = check(unscaledDropped, [x]);
        const f = report.findings.find((g) => g.kind === 'output' && changedTo(g, C.out) === wrong);
        expect(f, report.lines.join('\n')).toBeDefined();
        const row = forged(f32ToBf16Row(x), f!);
        expect(constraintsHold(f32ToBf16Air, row)).toBe(true);
        expect(lookupsHold(unscaledDropped, row)).toBe(true);
        expect(lookupsHold(f32ToBf16Air, row)).toBe(false);
      }
    });
  });

  describe('bf16 MAC', () => {
    // 1·1 + 0, π·(−5) + 1.5, a subnormal product, ∞·0, an exact cancellation, an overflow, a NaN, a random one.
    const inputs: [number, number, number][] = [
      [0x3f80, 0x3f80, 0],
      [0x4049, 0xc0a0, 0x3fc00000],
      [0x0001, 0x3f80, 0x80000001],
      [0x7f80, 0, 0],
      [0x3f80, 0x3f80, 0xbf800000],
      [0x7f7f, 0x7f7f, 0],
      [0x7fc1, 0x3f80, 0x3f800000],
      [random() & 0xffff, random() & 0xffff, random()],
    ];
    const check = (air: Air, tables: Parameters<typeof checkChip>[0]['tables'], xs = inputs) =>
      checkChip({ air, soundness: bf16MacSoundness, traces: xs.map(([a, b, acc]) => oneRow(bf16MacRow(a, b, acc))), tables, names: MAC_NAMES });
    // The old chip (bug 5): the half rows (64 + k, 2^(k−1)) on POW2_BUS beside (k, 2^k).
    const oldRows: number[][] = [];
    for (let k = 0; k <= 30; k++) oldRows.push([k, 2 ** k], [64 + k, k === 0 ? 1 : 2 ** (k - 1)]);
    const oldPow2 = rowsBusTable('pow2 (halves keyed 64 + k)', POW2_BUS, oldRows);
    const halvesOnPow2 = variant(bf16MacAir, 'bf16-mac (bug 5)', {
      send: (b, bus, values) => (bus === HALF_BUS ? b.send(POW2_BUS, [values[0]!.add(64), values[1]!]) : b.send(bus, values)),
    });

    it('finds nothing on the chip', () => {
      clean(check(bf16MacAir, fp));
    });

    it('bug 5: finds k moved by 65 with everything after it recomputed, 1·1 + 0 = 2^64, a row meeting every constraint', () => {
      const report = check(halvesOnPow2, [u16Bus, oldPow2], [[0x3f80, 0x3f80, 0]]);
      const f = report.findings.find((g) => g.col === MAC.k)!;
      expect(f, report.lines.join('\n')).toBeDefined();
      expect(f.kind).toBe('output');
      expect(f.value).toBe(27 + 65);
      expect([changedTo(f, MAC.oh), changedTo(f, MAC.ol) ?? 0]).toEqual([0x5f80, 0]);
      const row = forged(bf16MacRow(0x3f80, 0x3f80, 0), f);
      expect(constraintsHold(bf16MacAir, row)).toBe(true);
      expect(lookupsIn(halvesOnPow2, row, [u16Bus, oldPow2])).toBe(true);
      expect(lookupsHold(bf16MacAir, row, [pow2Table])).toBe(false);
    });
  });

  describe('f32 comparison', () => {
    const pairs = [[0x3f800000, 0x3f800000], [0x80000000, 0], [0x7fc00000, 1], [0x7f800000, 0xff800000], [random(), random()]];
    const check = (air: Air) => checkChip({ air, soundness: f32CompareSoundness, traces: pairs.map(([a, b]) => oneRow(f32CompareRow(a!, b!))), tables: fp, names: COMPARE_NAMES });

    it('finds nothing on the chip', () => {
      clean(check(f32CompareAir));
    });

    it('without z·inv = 0 an inverse of a zero value changes alone (the finding the fix removed)', () => {
      const loose = variant(f32CompareAir, 'f32-compare (inverses free)', { dropConstraint: 'a low half zero: no inverse of 0' });
      const f = check(loose).findings;
      expect(f.map((g) => [g.kind, COMPARE_NAMES[g.col]])).toEqual([['alone', 'alInv']]);
      expect(CMP.alInv).toBe(f[0]!.col);
    });
  });

  const arith: [string, FmaChip, (a: number, b: number, c: number) => [number, number, number]][] = [
    ['add', f32AddChip, (a, _b, c) => [a, F32_ONE, c]],
    ['mul', f32MulChip, (a, b) => [a, b, F32_MINUS_ZERO]],
    ['fma', f32FmaChip, (a, b, c) => [a, b, c]],
  ];
  for (const [name, chip, operands] of arith) {
    it(`f32 ${name}: finds nothing`, () => {
      // 1·1 + 1, an overflow against −max, a cancellation to a subnormal, ∞ against −∞, a random one.
      const ops = [
        operands(0x3f800000, 0x3f800000, 0x3f800000),
        operands(0x7f7fffff, 0x40000000, 0xff7fffff),
        operands(0x00800001, 0x3f800000, 0x80800000),
        operands(0x7f800000, 0x3f800000, 0xff800000),
        operands(random(), random(), random()),
      ];
      clean(checkChip({ air: chip.air, soundness: chip.soundness, traces: ops.map(([a, b, c]) => oneRow(chip.row(a, b, c))), tables: fp, names: chip.names }));
    });
  }

  it('bf16 dot: finds nothing on dot products whose accumulator is carried from row to row', () => {
    // A cancellation to zero, subnormals, an infinity then a NaN, a random one.
    const bf16 = () => random() & 0xffff;
    const dots = [
      dotRows([0x3f80, 0x3f80, 0x4000], [0x3f80, 0xbf80, 0x3f00]),
      dotRows([0x0001, 0x0080, 0x8001], [0x3f80, 0x3f00, 0x3f80]),
      dotRows([0x7f80, 0x3f80, 0x7f80], [0x3f80, 0x3f80, 0]),
      dotRows([bf16(), bf16(), bf16()], [bf16(), bf16(), bf16()]),
    ];
    clean(checkChip({ air: bf16DotAir, soundness: bf16DotSoundness, traces: dots.map((d) => ({ rows: d.rows.map(fieldRow) })), tables: fp, names: DOT_NAMES }));
  });

  describe('bf16 mma (the tensor-core chip, one operation per row)', () => {
    const mmaCheck = (air: Air, slots: readonly Slot[], offsets: 'full' | 'short' = 'short') => {
      const r = mmaRows(1, slots);
      return checkChip({ air, soundness: mmaSoundness(1), traces: [{ rows: r.main.map(mmaFieldRow), pre: r.pre.map(mmaFieldRow) }], tables: mmaBusTables(), names: mmaNames(1) }, { offsets });
    };
    const zeros = new Array<number>(16).fill(0);
    const a = Array.from({ length: 16 }, (_, i) => (i === 3 ? 0x7f80 : i === 5 ? 0 : 0x3f80 + i));
    const b = Array.from({ length: 16 }, (_, i) => (i === 7 ? 0xff80 : 0x4000 - i));
    // A dot product of two operations (the second starts from the first's result, carried to the next row).
    const dot = mmaVectors('bf16_mma_dot', readConformanceText('bf16_mma_dot'), 200).vectors.find((v) => v.slots.length === 2)!.slots;
    // A load slot (C = 1.0), then an operation with +∞, −∞ and a zero among its products: the NaN.
    const special: Slot[] = [{ a: zeros, b: zeros, first: true, load: true, pin: mmaStateOfF32(0x3f800000) }, { a, b, first: false, pin: mmaStateOfF32(mma16(a, b, 0x3f800000)) }];

    it('finds nothing on a dot product of two operations and on a load and a special operation', () => {
      clean(mmaCheck(mmaAir(1), dot));
      clean(mmaCheck(mmaAir(1), special));
    }, 240_000);

    it('without the conversion’s relation it finds another significand', () => {
      const loose = variant(mmaAir(1), 'bf16-mma (conversion free)', { dropConstraint: 'g0: λ: Q = ⌊V/2^sh⌋' });
      const f = mmaCheck(loose, dot.slice(0, 1).map((s) => ({ ...s, pin: undefined }))).findings;
      expect(f.some((g) => g.kind === 'output')).toBe(true);
    }, 120_000);
  });
});

// The machine's chips, as it proves them: their 16-bit range checks are byte limbs (chips/byte-limbs.ts).
describe('under-constraint checker: the zkVM chips, on a program that runs every opcode', () => {
  const exec = everyOpcode();
  const names = tableNames(exec.program);
  const traces = vmTraces(exec);
  const trace = (name: (typeof names)[number]) => rows(traces[names.indexOf(name)]!);
  const tables = vmBusTables(exec.program);
  const check = (air: Air, soundness: ChipSoundness, t: HonestTrace, chipNames?: readonly string[]) => checkChip({ air, soundness, traces: [t], tables, names: chipNames }, { offsets: 'short' });

  // The CPU trace is long: its cells are moved on one row of each opcode (every row is still checked).
  const cpuRows = trace('cpu');
  const firstOfEach = [...new Map(cpuRows.map((r, i) => [r.slice(CPU.sel, CPU.sel + NUM_OPCODES).join(), i])).values()];

  it('cpu: finds nothing', () => {
    clean(check(LIMBED.cpu.air, LIMBED.cpu.soundness(cpuSoundness), { rows: cpuRows, moveRows: firstOfEach }));
  });

  it('cpu: finds nothing on the rows of nested bounded loops (set, the decrement, branches taken and not taken)', () => {
    // The compiler's sample loop is this shape (docs/vm.md, "Bounded loops"): set c #n, body, addi c #−1, branch c.
    const asm = new Assembler(0, 1);
    const x = asm.alloc();
    asm.loop(3, () => asm.loop(2, () => asm.addi(x, x, 1)));
    asm.output(x, 0);
    asm.halt();
    const loop = execute(asm.build());
    expect(loop.publicOutputs[0]![0]).toBe(6);
    const loopRows = rows(vmTraces(loop)[tableNames(loop.program).indexOf('cpu')]!);
    // Cells are moved on one row of each opcode and branch outcome (every row is still checked).
    const moveRows = [...new Map(loopRows.map((r, i) => [`${r.slice(CPU.sel, CPU.sel + NUM_OPCODES).join()} ${r[CPU.taken]}`, i])).values()];
    const report = checkChip({ air: LIMBED.cpu.air, soundness: LIMBED.cpu.soundness(cpuSoundness), traces: [{ rows: loopRows, moveRows }], tables: vmBusTables(loop.program) }, { offsets: 'short' });
    clean(report);
    // And it sees the zero test's free inverse on these rows too, as on every-opcode's (the test below).
    const loose = variant(LIMBED.cpu.air, 'cpu (inverse free)', { dropConstraint: 'inv = 0 when nz = 0 (no column is left free)' });
    const found = checkChip({ air: loose, soundness: LIMBED.cpu.soundness(cpuSoundness), traces: [{ rows: loopRows, moveRows }], tables: vmBusTables(loop.program) }, { offsets: 'short' }).findings;
    expect(found.map((g) => [g.kind, g.col])).toContainEqual(['alone', CPU.inv]);
  });

  it('cpu: without inv·(1 − nz) = 0 the zero test’s inverse changes alone (the finding the fix removed)', () => {
    const loose = variant(LIMBED.cpu.air, 'cpu (inverse free)', { dropConstraint: 'inv = 0 when nz = 0 (no column is left free)' });
    const f = check(loose, LIMBED.cpu.soundness(cpuSoundness), { rows: cpuRows, moveRows: firstOfEach }).findings;
    expect(f.map((g) => [g.kind, g.col])).toEqual([['alone', CPU.inv]]);
  });

  it('tensor-core: without the byte check of a memory read’s lowest time byte, the bytes split another way', () => {
    // prev = t − 1 − (d0 + 2^8·d1 + 2^16·d2) is fixed by the memory's answer; d0 unchecked takes d0 + 256, d1 − 1.
    const d0 = vmMmaLayout(1).read(0, 0, 'd0');
    const loose = variant(limbedMma(1).air, 'bf16-mma (read byte free)', {
      send: (b, bus, values, multiplicity) => (bus === BYTE_BUS && values[0]!.node.op === 'main' && values[0]!.node.col === d0 ? undefined : b.send(bus, values, multiplicity)),
    });
    const found = check(loose, limbedMma(1).soundness(vmMmaSoundness(1)), { rows: trace('bf16-mma') }).findings;
    expect(found.map((f) => f.col)).toContain(d0);
  });

  it('f32-add: without its result’s low-half constraint the sum it answers the CPU with changes alone', () => {
    const loose = variant(LIMBED.fadd.air, 'f32-add (out lo free)', { dropConstraint: 'out lo' });
    const f = check(loose, LIMBED.fadd.soundness(faddChipSoundness), { rows: trace('f32-add') }).findings;
    expect(f.length).toBeGreaterThan(0);
  });

  it('memory and program ROM (no constraints; their columns are fixed by the bus balance)', () => {
    const pre = (m: Matrix) => rows(m);
    expect(check(memoryAir, memorySoundness, { rows: trace('memory'), pre: pre(memoryPreprocessed(exec.program)) }).lines).toEqual([]);
    expect(check(programRomAir, programRomSoundness, { rows: trace('program-rom'), pre: pre(romPreprocessed(exec.program)) }).lines).toEqual([]);
  });

  for (const [name, air, soundness, table, moveRows, chipNames] of [
    ['wide-add', LIMBED.wideAdd.air, LIMBED.wideAdd.soundness(wideAddSoundness), 'wide-add', undefined, undefined],
    ['wide-mul', LIMBED.wideMul.air, LIMBED.wideMul.soundness(wideMulSoundness), 'wide-mul', undefined, undefined],
    ['poseidon2', poseidon2Chip.air, poseidon2Soundness, 'poseidon2', [0], undefined],
    ['merkle', merkleChip.air, merkleSoundness, 'merkle', undefined, MERKLE_NAMES],
    ['mac', LIMBED.mac.air, LIMBED.mac.soundness(macChipSoundness), 'bf16-mac', undefined, limbNames(LIMBED.mac, [...MAC_NAMES, ...MAC_CHIP_NAMES])],
    ['to-bf16', LIMBED.toBf16.air, LIMBED.toBf16.soundness(toBf16ChipSoundness), 'f32-to-bf16', undefined, limbNames(LIMBED.toBf16, [...Object.keys(C), 'mult'])],
    ['tensor-core', limbedMma(1).air, limbedMma(1).soundness(vmMmaSoundness(1)), 'bf16-mma', undefined, undefined],
    ['f32-add', LIMBED.fadd.air, LIMBED.fadd.soundness(faddChipSoundness), 'f32-add', undefined, limbNames(LIMBED.fadd, FADD_NAMES)],
  ] as const) {
    it(`${name}: finds nothing`, () => {
      clean(check(air, soundness, { rows: trace(table), moveRows }, chipNames));
    });
  }

  // A long program's machine (machine.ts usesU16Range) proves each limbed chip in its plain form, its 16-bit checks
  // on the 16-bit table: both forms of every chip are checked, the plain one on the same rows without the limbs.
  for (const [name, chip, soundness, table, moveRows, chipNames] of [
    ['cpu', LIMBED.cpu, cpuSoundness, 'cpu', firstOfEach, undefined],
    ['wide-add', LIMBED.wideAdd, wideAddSoundness, 'wide-add', undefined, undefined],
    ['wide-mul', LIMBED.wideMul, wideMulSoundness, 'wide-mul', undefined, undefined],
    ['mac', LIMBED.mac, macChipSoundness, 'bf16-mac', undefined, [...MAC_NAMES, ...MAC_CHIP_NAMES]],
    ['to-bf16', LIMBED.toBf16, toBf16ChipSoundness, 'f32-to-bf16', undefined, [...Object.keys(C), 'mult']],
    ['tensor-core', limbedMma(1), vmMmaSoundness(1), 'bf16-mma', undefined, undefined],
    ['f32-add', LIMBED.fadd, faddChipSoundness, 'f32-add', undefined, FADD_NAMES],
  ] as const) {
    it(`${name}, as a long program's machine proves it (its 16-bit checks on the 16-bit table): finds nothing`, () => {
      // (The tensor-core chip sends nothing on U16_BUS, count 0: its two forms are one AIR, checked on both paths.)
      expect(chip.plain.width).toBe(chip.first);
      const own = trace(table).map((r) => r.slice(0, chip.first));
      clean(checkChip({ air: chip.plain, soundness, traces: [{ rows: own, moveRows }], tables: [...tables, u16Bus], names: chipNames }, { offsets: 'short' }));
    });
  }

  it('the plain form is checked: without its 16-bit range check a wide-add limb takes another split', () => {
    // The plain chip's only proof that a limb is below 2^16 is its send on U16_BUS; dropped, the checker must see it.
    const loose = variant(LIMBED.wideAdd.plain, 'wide-add (plain, a limb unchecked)', {
      send: (b, bus, values, multiplicity) => (bus === U16_BUS ? undefined : b.send(bus, values, multiplicity)),
    });
    const own = trace('wide-add').map((r) => r.slice(0, LIMBED.wideAdd.first));
    const found = checkChip({ air: loose, soundness: wideAddSoundness, traces: [{ rows: own }], tables: [...tables, u16Bus] }, { offsets: 'short' }).findings;
    expect(found.length).toBeGreaterThan(0);
  });

  it('mac: on macw’s chains, without the link of a row’s result to the next accumulator, that accumulator moves', () => {
    const own = trace('bf16-mac').map((r) => r.slice(0, LIMBED.mac.first));
    expect(own.filter((r) => r[MAC_COLS.last] === 1)).toHaveLength(2);
    const loose = variant(LIMBED.mac.plain, 'bf16-mac (unlinked)', { dropConstraint: 'a chain goes on from this result (low half)' });
    const f = checkChip({ air: loose, soundness: macChipSoundness, traces: [{ rows: own }], tables: [...tables, u16Bus], names: [...MAC_NAMES, ...MAC_CHIP_NAMES] }, { offsets: 'short' }).findings;
    // A chain row's accumulator moves off the row before's result (its answer absorbs the change: an infinity).
    expect(f.map((g) => g.col)).toContain(MAC.cl);
  });
});

describe('lookup tables: no message held twice on a bus, one relation per bus', () => {
  const system = (s: { tables: readonly { analyzed: { air: Air }; preprocessed: Matrix | null }[] }): SystemTable[] => s.tables.map((t) => ({ air: t.analyzed.air, preprocessed: t.preprocessed }));
  const table = (t: { air: Air; preprocessed(): Matrix }): SystemTable => ({ air: t.air, preprocessed: t.preprocessed() });

  it('the zkVM machine of a program using every chip', () => {
    const tables = system(machine(everyOpcode().program, plainPcs as never).system);
    expect(tables.map((t) => t.air.name)).toContain('pow2');
    expect(tableOverlaps(tables)).toEqual([]);
    expect(mixedRelations(tables)).toEqual([]);
  });

  it('the conformance systems’ tables (16-bit range, powers of two, small ranges, the dot chip’s six, the tensor-core chip’s seven), together', () => {
    const dot = dotTables();
    const tables = [u16Table, pow2Table, smallRangeTable, pow12Table, dot.dec, dot.spec, dot.align, dot.round, dot.exp, dot.small, ...mmaTableList()].map(table);
    expect(tableOverlaps(tables)).toEqual([]);
    expect(mixedRelations(tables)).toEqual([]);
  });

  it('finds the old powers-of-two table’s two relations on one bus, and two tables holding the same values', () => {
    const old: [number, number][] = [];
    for (let k = 0; k <= 30; k++) old.push([k, 2 ** k], [64 + k, k === 0 ? 1 : 2 ** (k - 1)]);
    while (old.length < 64) old.push([0, 1]);
    expect(mixedRelations([table(pairTable('pow2 (halves keyed 64 + k)', POW2_BUS, old))])).toEqual([
      "bus 17: pow2 (halves keyed 64 + k)'s keys fall into 2 runs (0..30, 64..94): several relations share the bus",
    ]);
    const bytesOnU16 = rangeTable('bytes on the 16-bit bus', 8, U16_BUS);
    expect(tableOverlaps([table(u16Table), table(bytesOnU16)])).toEqual(['bus 16: u16-range and bytes on the 16-bit bus both hold 256 message(s), e.g. (0)']);
  });
});

// A segment proof's own chips (runtime/vm/segments.ts): the segment CPU (public first and next pc) and the segment
// memory chip (both images chained to public commitments), on each segment of a run in segments of 8 cycles.
describe('under-constraint checker: the segment chips, on every segment of a run', () => {
  const c = sumUnderCap(Array.from({ length: 8 }, (_, i) => BigInt(i + 1) * 10n ** 20n), 10n ** 25n);
  const run = executeRun(c.program, c.inputs, { segmentCycles: 8 });
  if (!isSegmented(run)) throw new Error('expected a run in segments');
  const names = tableNames(c.program);
  const tables = vmBusTables(c.program);
  const cpu = byteLimbs(segmentCpuAir);
  const segments = run.starts.map((_, k) => {
    const { statement, traces } = segmentWitness(run, k, 'underconstraint');
    return { publics: segmentPublics(c.program, statement, run.publicInputs, run.publicOutputs), trace: (name: (typeof names)[number]) => rows(traces[names.indexOf(name)]!) };
  });
  const pre = rows(segmentMemoryPreprocessed(c.program.memorySize));

  it('runs in a first, a middle and a last segment; the chips read the publics given (other pcs break the honest rows)', () => {
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const s = segments[1]!;
    for (const [at, what] of [[SEG_PC_START, /a segment starts at its public pc/], [SEG_PC_END, /a segment ends at its public pc/]] as const) {
      const publics = s.publics.map((v, i) => (i === at ? v + 1 : v));
      expect(() => checkChip({ air: cpu.air, soundness: cpu.soundness(cpuSoundness), traces: [{ rows: s.trace('cpu'), publics }], tables })).toThrow(what);
    }
    const publics = s.publics.map((v, i) => (i === SEG_MEM_END ? v + 1 : v));
    expect(() => checkChip({ air: segmentMemoryAir, soundness: segmentMemorySoundness, traces: [{ rows: s.trace('memory'), pre, publics }], tables })).toThrow(/chain ends at the public commitment/);
  });

  it('refuses an AIR that reads public inputs when none, or too few, are given', () => {
    const s = segments[1]!;
    expect(() => checkChip({ air: cpu.air, soundness: cpu.soundness(cpuSoundness), traces: [{ rows: s.trace('cpu') }], tables })).toThrow(/public input \d+ is read but no public inputs were given/);
    expect(() => checkChip({ air: cpu.air, soundness: cpu.soundness(cpuSoundness), traces: [{ rows: s.trace('cpu'), publics: s.publics.slice(0, 3) }], tables })).toThrow(/3 public inputs given, the AIR reads/);
  });

  it('segment cpu: finds nothing', () => {
    for (const s of segments) clean(checkChip({ air: cpu.air, soundness: cpu.soundness(cpuSoundness), traces: [{ rows: s.trace('cpu'), publics: s.publics }], tables }, { offsets: 'short' }));
  });

  it('segment memory: finds nothing', () => {
    for (const s of segments) clean(checkChip({ air: segmentMemoryAir, soundness: segmentMemorySoundness, traces: [{ rows: s.trace('memory'), pre, publics: s.publics }], tables }, { offsets: 'short' }));
  });
});
