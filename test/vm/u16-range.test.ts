// The 16-bit range table in a long program's machine (machine.ts usesU16Range): its chips send their 16-bit checks
// to the 2^16-row table as they are, not as byte limbs, so a MAC row costs 299 cells instead of 486; a segment of a
// long macl loop proves and verifies; the MAC chip in that form rejects a wrong rounding, a wrong lane and a broken
// carry of the accumulator's low half (the last one only the 16-bit table catches).
import { describe, expect, it } from 'vitest';
import { execute } from '../../runtime/vm/executor.ts';
import { LIMBED, machine, tableNames, U16_RANGE_MIN_CYCLES, usesU16Range } from '../../runtime/vm/machine.ts';
import { proveSegments, segmentMachine, verifySegmentProofs, type SegmentedExecution } from '../../runtime/vm/segments.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { executionCounts } from '../../runtime/vm/loops.ts';
import { MAC_BUS } from '../../runtime/vm/buses.ts';
import { macChip, macPow2Trace, pow2Table, MAC_CHIP_COLUMNS, MAC_COLS, type MacOp } from '../../runtime/vm/chips/mac.ts';
import { RangeCounter, u16Table } from '../../runtime/vm/chips/range.ts';
import { bf16MacAir, bf16MacResult, bf16MacRow, macRangeLookups, MAC } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { brokenConstraints } from '../../runtime/vm/chips/fp/row-check.ts';
import { bf16Mac } from '../../runtime/fp/bf16.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import * as F from '../../runtime/proof/field/babybear.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import type { Program } from '../../runtime/vm/program.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

/** A bounded loop of `iterations` × eight macl over one word pair read once: 10·iterations + 6 cycles. */
function maclLoop(iterations: number): Program {
  const asm = new Assembler(0, 1);
  const [aw, bw, acc] = [asm.alloc(), asm.alloc(), asm.alloc()];
  asm.read(aw);
  asm.read(bw);
  asm.loop(iterations, () => {
    for (let k = 0; k < 8; k++) asm.macl(acc, aw, bw, k);
  });
  asm.output(acc, 0);
  asm.halt();
  return asm.build();
}

const cyclesOf = (p: Program) => executionCounts(p).reduce((s, n) => s + n, 0);
const A = [0x3f80, 0x4000, 0xbfc0, 0x0001, 0x8000, 0x3e00, 0x4049, 0x3f81];
const B = [0x3c00, 0x3f80, 0x3f80, 0x7f00, 0x3f80, 0xc000, 0x3c00, 0xbf80];

describe('u16-range: which machines have the 16-bit table', () => {
  it('a run of at least 2^18 cycles (counted from the program) has it, a shorter one byte limbs', () => {
    const long = maclLoop(Math.ceil(U16_RANGE_MIN_CYCLES / 10));
    const short = maclLoop(100);
    expect(cyclesOf(long)).toBeGreaterThanOrEqual(U16_RANGE_MIN_CYCLES);
    expect([usesU16Range(long), usesU16Range(short)]).toEqual([true, false]);
    expect(tableNames(long)).toContain('u16-range');
    expect(tableNames(short)).not.toContain('u16-range');
    const widths = (p: Program) => {
      const m = machine(p, plainPcs as never);
      const t = m.system.tables[m.tables.indexOf('bf16-mac')]!;
      // The analyzed width includes the zero-knowledge blinding column.
      return { main: t.analyzed.air.width - 1, cells: t.analyzed.air.width + 4 * t.logup.auxWidth };
    };
    // No byte limbs: the chip's own columns (and the multiplicity); the row's committed width with LogUp.
    const [u16, limbed] = [widths(long), widths(short)];
    expect(u16.main).toBe(MAC_CHIP_COLUMNS);
    expect(limbed.main).toBe(MAC_CHIP_COLUMNS + LIMBED.mac.count);
    console.log(`cells a MAC row: ${limbed.cells} with byte limbs, ${u16.cells} on the 16-bit table`);
    // 59 limb columns fewer, and half the LogUp messages (one a 16-bit check instead of two).
    expect(limbed.cells - u16.cells).toBeGreaterThanOrEqual(59 + 4 * 7);
    // 183 before the 19 columns of `macw`'s chains (chips/mac.ts).
    expect(u16.cells).toBeLessThan(210);
    // The CPU without its byte limbs either (machine.ts cpuTable).
    const cpuWidth = (p: Program) => {
      const m = machine(p, plainPcs as never);
      return m.system.tables[m.tables.indexOf('cpu')]!.analyzed.air.width;
    };
    expect(cpuWidth(short) - cpuWidth(long)).toBe(LIMBED.cpu.count);
  });
});

describe('u16-range: a segment of a long macl loop', () => {
  it('proves and verifies (plain PCS), its results bf16Mac bit for bit', () => {
    const program = maclLoop(Math.ceil(U16_RANGE_MIN_CYCLES / 10));
    const inputs = { privateInputs: [A, B] };
    const cycles = 1 << 10;
    const first = execute(program, { ...inputs, stopAfter: cycles });
    let acc = 0;
    first.mac.forEach((op, i) => {
      expect(op.acc).toBe(acc);
      acc = bf16Mac(A[i % 8]!, B[i % 8]!, acc) >>> 0;
      expect(op.out).toBe(acc);
    });
    // The first segment of the run (the rest is not executed: the segment's statement does not name the outputs).
    const run: SegmentedExecution = { program, inputs, segmentCycles: cycles, starts: [first.segment!.start], publicInputs: [], publicOutputs: [[0, 0, 0, 0, 0, 0, 0, 0]], finalMemory: [] };
    const m = segmentMachine(program, plainPcs as never);
    expect(m.tables).toContain('u16-range');
    const proofs = proveSegments(m, run, { seed: 'u16 segment' });
    expect(verifySegmentProofs(m, run.publicInputs, run.publicOutputs, proofs)).toEqual({ ok: true });
  }, 300_000);
});

describe('u16-range: the MAC chip as a long program’s machine proves it rejects forged rows', () => {
  // The chip with the 16-bit, powers-of-two tables; the statement sends the claims (a, b, acc hi, acc lo, out hi,
  // out lo) on MAC_BUS as the CPU does.
  const system = buildSystem('u16 mac', [{ air: LIMBED.mac.plain }, { air: u16Table.air, preprocessed: u16Table.preprocessed() }, { air: pow2Table.air, preprocessed: pow2Table.preprocessed() }], plainPcs as never, true, {
    publicInputs: 6,
    publicMessages: { buses: [MAC_BUS], messages: (p) => [{ bus: MAC_BUS, values: p, multiplicity: 1 }] },
  });
  const op = (a: number, b: number, acc: number): MacOp => ({ a, b, acc, out: bf16Mac(a, b, acc) >>> 0 });
  const honest = op(0x3f81, 0x3f81, 0x3f800001);

  /** Proves the chip with its first row replaced by `row` (its results the claim), skipping the prover's checks; the verdict. */
  function claim(row: readonly number[]) {
    const range = new RangeCounter();
    const chip = macChip.trace([honest], range, 4);
    const rows: number[][] = Array.from({ length: chip.height }, (_, r) => [...chip.row(r)]);
    // The MAC's columns and mult = 1; the chain's columns as the honest row has them (it is in no chain).
    rows[0] = [...row.slice(0, MAC_COLS.mult), 1, ...rows[0]!.slice(MAC_COLS.mult + 1)];
    const traceRows = new Matrix(Uint32Array.from(rows.flat()), MAC_CHIP_COLUMNS);
    // The 16-bit table counts what the rows send, in range; a value outside has no row (its lookup is unmatched).
    const u16 = new Uint32Array(1 << 16);
    for (const r of rows) for (const v of macRangeLookups(r)) if (v < 1 << 16) u16[v]!++;
    const publics = [row[MAC.a]!, row[MAC.b]!, row[MAC.ch]!, row[MAC.cl]!, row[MAC.oh]!, row[MAC.ol]!];
    const proof = prove(system, [traceRows, new Matrix(u16, 1), macPow2Trace(traceRows)], publics, { seed: 'forgery', skipChecks: true });
    return verify(system, publics, proof);
  }

  it('the honest row verifies with the same harness', () => {
    expect(claim(bf16MacRow(honest.a, honest.b, honest.acc)).ok).toBe(true);
  });

  it('a wrong rounding: the result one ulp up', () => {
    const row = bf16MacRow(honest.a, honest.b, honest.acc);
    row[MAC.ol] = row[MAC.ol]! + 1;
    row[MAC.finLo] = row[MAC.ol]!;
    expect(claim(row).ok).toBe(false);
  });

  it('a wrong lane: the row multiplies other operands than the claim’s', () => {
    const other = bf16MacRow(0x3f82, honest.b, honest.acc);
    const row = [...other];
    row[MAC.a] = honest.a;
    expect(claim(row).ok).toBe(false);
  });

  it('a broken carry: the low half carried into the high half without overflowing, caught only by the 16-bit table', () => {
    const row = bf16MacRow(honest.a, honest.b, honest.acc);
    expect(row[MAC.cy]).toBe(0);
    // cy = 1 with the low half 2^16 lower: every polynomial constraint still holds, the low half is not below 2^16.
    row[MAC.cy] = 1;
    row[MAC.oLo] = F.sub(row[MAC.oLo]!, 1 << 16);
    row[MAC.finLo] = row[MAC.oLo]!;
    row[MAC.ol] = row[MAC.oLo]!;
    row[MAC.finHi] = row[MAC.finHi]! + 1;
    row[MAC.oh] = row[MAC.oh]! + 1;
    expect(bf16MacResult(row)).not.toBe(honest.out);
    expect(brokenConstraints(bf16MacAir, Matrix.fromRows([row]), null, 1)[0]).toEqual([]);
    expect(claim(row).ok).toBe(false);
  });
});
