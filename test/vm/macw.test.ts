// `macw c, a, b`: the eight fmas of a word pair in sequential order into the f32 accumulator at c, one CPU row and
// eight chained MAC-chip rows (isa.ts, chips/mac.ts). Equal bit for bit to eight `macl` and to bf16Dot; a run
// proves and verifies; a prover whose chain is broken between two rows, multiplies a wrong lane, rounds one row
// wrongly, or ends a chain short of eight rows is rejected.
import { describe, expect, it } from 'vitest';
import { execute, VmError, type Execution } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution, vmTraces, TABLE_NAMES } from '../../runtime/vm/machine.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { formatInstruction } from '../../runtime/vm/isa.ts';
import { decodeProgram, encodeProgram, type Program } from '../../runtime/vm/program.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { f32FromWord, f32Word, MAC_COLS, type MacOp } from '../../runtime/vm/chips/mac.ts';
import { MAC } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { bf16Dot, bf16Mac } from '../../runtime/fp/bf16.ts';
import type { Matrix } from '../../runtime/proof/matrix.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

/** Rows a and b of `words` words each, the dot product accumulated from +0 with one `macw` (or eight `macl`) a word pair. */
function dotProgram(words: number, lanes = false): Program {
  const asm = new Assembler(0, 1);
  const [aw, bw, acc] = [asm.alloc(), asm.alloc(), asm.alloc()];
  for (let w = 0; w < words; w++) {
    asm.read(aw);
    asm.read(bw);
    if (lanes) for (let k = 0; k < 8; k++) asm.macl(acc, aw, bw, k);
    else asm.macw(acc, aw, bw);
  }
  asm.output(acc, 0);
  asm.halt();
  return asm.build();
}

function tape(a: readonly number[], b: readonly number[]): Word[] {
  const out: Word[] = [];
  for (let w = 0; w < a.length / 8; w++) out.push(a.slice(8 * w, 8 * w + 8), b.slice(8 * w, 8 * w + 8));
  return out;
}

// Specials and roundings: subnormals, −0, zeros (the seeded test has the overflows and NaNs).
const A = [0x3f80, 0x4000, 0xbfc0, 0x0001, 0x8000, 0x3e00, 0x4049, 0x3f7f, 0x3f81, 0xc100, 0x0080, 0x3f80, 0x4040, 0x8001, 0x3fa0, 0xbf80];
const B = [0x4000, 0x3f80, 0x3f80, 0x7f00, 0x3f80, 0xc000, 0x3f00, 0x3f80, 0xbf80, 0x4100, 0x3f80, 0x0000, 0x3e80, 0x4000, 0x3f80, 0x3f80];

const run = (a = A, b = B, lanes = false): Execution => execute(dotProgram(a.length / 8, lanes), { privateInputs: tape(a, b) });

describe('macw: semantics', () => {
  it('one macw a word pair equals eight macl and bf16Dot in sequential order, eight chained MAC rows', () => {
    const exec = run();
    const byLanes = run(A, B, true);
    expect(exec.publicOutputs).toEqual(byLanes.publicOutputs);
    expect(f32FromWord(exec.publicOutputs[0]!)).toBe(bf16Dot(A, B).acc >>> 0);
    expect(exec.steps.length).toBe(byLanes.steps.length - 14);
    expect(exec.mac).toHaveLength(16);
    let acc = 0;
    exec.mac.forEach((op, i) => {
      expect([op.a, op.b, op.acc, op.lane]).toEqual([A[i], B[i], acc, i % 8]);
      acc = bf16Mac(A[i]!, B[i]!, acc) >>> 0;
      expect(op.out).toBe(acc);
    });
    expect(exec.mac.map(({ lane: _, ...op }) => op)).toEqual(byLanes.mac);
    expect(formatInstruction(exec.program.instructions[2]!)).toMatch(/^macw \[\d+\], \[\d+\], \[\d+\]$/);
    expect(decodeProgram(encodeProgram(exec.program))).toEqual(exec.program);
  });

  it('seeded random rows, NaN and infinities included: bit for bit bf16Dot', () => {
    let s = 0x9e3779b9;
    const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0), s);
    for (let t = 0; t < 20; t++) {
      const pick = () => (t % 5 === 0 && rand() % 7 === 0 ? [0x7f80, 0xff80, 0x7fc1, 0x0000, 0x8000][rand() % 5]! : rand() & 0xffff);
      const a = Array.from({ length: 24 }, pick);
      const b = Array.from({ length: 24 }, pick);
      expect(f32FromWord(run(a, b).publicOutputs[0]!)).toBe(bf16Dot(a, b).acc >>> 0);
    }
  });

  it('traps on a lane that is not a bf16 pattern and on an accumulator that is not an f32 word', () => {
    const bad = [...A];
    bad[3] = 1 << 16;
    expect(() => run(bad)).toThrow(VmError);
    expect(() => run(bad)).toThrow(/macw: lane 3 of A and of B \(65536, 32512\) are not bf16 bit patterns/);
    const asm = new Assembler(0, 0);
    const [aw, acc] = [asm.alloc(), asm.alloc()];
    asm.read(aw);
    asm.read(acc);
    asm.macw(acc, aw, aw);
    asm.halt();
    expect(() => execute(asm.build(), { privateInputs: [A.slice(0, 8), [0, 1 << 16, 0, 0, 0, 0, 0, 0]] })).toThrow(/macw: the accumulator \(0, 65536, …\) is not an f32/);
  });
});

describe('macw: proofs', () => {
  it('two word pairs prove and verify (plain PCS); another claimed dot product does not', () => {
    const exec = run();
    const m = machine(exec.program, plainPcs as never);
    const proof = proveExecution(m, exec, { seed: 'macw' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const wrong = f32Word(f32FromWord(exec.publicOutputs[0]!) ^ 1);
    expect(verifyExecution(m, exec.publicInputs, [wrong], proof.stark).ok).toBe(false);
  });

  it('a macw beside mac and macl rows in one MAC chip proves and verifies', () => {
    const asm = new Assembler(0, 1);
    const [aw, bw, acc, pair] = [asm.alloc(), asm.alloc(), asm.alloc(), asm.alloc()];
    asm.read(aw);
    asm.read(bw);
    asm.macl(acc, aw, bw, 3);
    asm.macw(acc, aw, bw);
    asm.pack(pair, aw, bw);
    asm.mac(acc, pair, acc);
    asm.macw(acc, bw, aw);
    asm.output(acc, 0);
    asm.halt();
    const exec = execute(asm.build(), { privateInputs: tape(A, B) });
    expect(exec.mac.map((o) => o.lane ?? -1)).toEqual([-1, 0, 1, 2, 3, 4, 5, 6, 7, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
    const m = machine(exec.program, plainPcs as never);
    const proof = proveExecution(m, exec, { seed: 'mixed' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
  });
});

describe('macw: a prover whose chain is not the CPU’s claim is rejected', () => {
  const table = (traces: Matrix[], name: (typeof TABLE_NAMES)[number]) => traces[TABLE_NAMES.indexOf(name)]!;
  const chainOf = (a: readonly number[], b: readonly number[], acc: number): MacOp[] =>
    a.map((x, k) => {
      const out = bf16Mac(x, b[k]!, acc) >>> 0;
      const op = { a: x, b: b[k]!, acc, out, lane: k };
      acc = out;
      return op;
    });

  /**
   * Proves the run with the MAC chip's rows those of `ops` (the executor's rows otherwise), `patch` applied to the
   * chip's trace, and the last macw's result changed to `out` in the CPU (its row, the `output` row, the final
   * memory and the claimed output); the verifier's verdict. The cheating prover skips its own checks.
   */
  function cheat(out: number, ops?: MacOp[], patch?: (mac: Matrix) => void) {
    const exec = run();
    const m = machine(exec.program, plainPcs as never);
    const traces = vmTraces(ops ? { ...exec, mac: ops } : exec);
    patch?.(table(traces, 'bf16-mac'));
    const cpuT = table(traces, 'cpu');
    const row = exec.steps.map((s) => s.ins.op).lastIndexOf('macw');
    const outRow = exec.steps.findIndex((s) => s.ins.op === 'output');
    const w = f32Word(out);
    for (const lane of [0, 1]) {
      cpuT.set(row, CPU.slotC.newVal + lane, w[lane]!);
      cpuT.set(outRow, CPU.slotA.val + lane, w[lane]!);
      table(traces, 'memory').set(exec.steps[row]!.ins.c, lane, w[lane]!);
    }
    const proof = proveExecution(m, { ...exec, publicOutputs: [w] }, { seed: 'cheat', traces, skipChecks: true });
    return verifyExecution(m, exec.publicInputs, [w], proof.stark);
  }
  const first = () => run().mac.slice(0, 8);
  const [a2, b2] = [A.slice(8), B.slice(8)];

  it('the honest chain and claim verify with the cheating prover (the harness itself accepts)', () => {
    const acc = first().at(-1)!.out;
    const ops = [...first(), ...chainOf(a2, b2, acc)];
    expect(cheat(ops.at(-1)!.out, ops).ok).toBe(true);
  });

  it('a broken link: the fifth row starts from another accumulator than the fourth row’s result', () => {
    const start = first().at(-1)!.out;
    const honest = chainOf(a2, b2, start);
    const forged = [...honest.slice(0, 4), ...chainOf(a2.slice(4), b2.slice(4), (honest[3]!.out ^ 0x400000) >>> 0).map((o) => ({ ...o, lane: o.lane! + 4 }))];
    expect(forged.at(-1)!.out).not.toBe(honest.at(-1)!.out);
    expect(cheat(forged.at(-1)!.out, [...first(), ...forged]).ok).toBe(false);
  });

  it('a wrong lane: the second row multiplies lane 0 again (the registers as the rows hold them)', () => {
    const start = first().at(-1)!.out;
    const swap = (x: readonly number[]) => [x[0]!, x[0]!, ...x.slice(2)];
    const forged = chainOf(swap(a2), swap(b2), start);
    expect(forged.at(-1)!.out).not.toBe(chainOf(a2, b2, start).at(-1)!.out);
    expect(cheat(forged.at(-1)!.out, [...first(), ...forged]).ok).toBe(false);
  });

  it('a wrong lane: the same with the last row’s registers set to the CPU’s lanes (the shift breaks)', () => {
    const start = first().at(-1)!.out;
    const swap = (x: readonly number[]) => [x[0]!, x[0]!, ...x.slice(2)];
    const forged = chainOf(swap(a2), swap(b2), start);
    const lastRow = 15;
    expect(cheat(forged.at(-1)!.out, [...first(), ...forged], (t) => {
      for (const [p, x] of [[MAC_COLS.pa, a2], [MAC_COLS.pb, b2]] as const) for (let j = 0; j < 7; j++) t.set(lastRow, p + j, x[j]!);
    }).ok).toBe(false);
  });

  it('a wrong rounding: the chain’s last row one ulp up', () => {
    const ops = [...first(), ...chainOf(a2, b2, first().at(-1)!.out)];
    const out = (ops.at(-1)!.out + 1) >>> 0;
    expect(cheat(out, ops, (t) => {
      t.set(15, MAC.ol, out & 0xffff);
      t.set(15, MAC.finLo, out & 0xffff);
    }).ok).toBe(false);
  });

  it('a short chain: the second chain claimed from its last seven rows (their first accumulator, the counter shifted)', () => {
    const ops = [...first(), ...chainOf(a2, b2, first().at(-1)!.out)];
    // Row 8 (lane 0 of the second chain) leaves the chain: the CPU's claim is then lanes 1..7 from row 9's accumulator.
    const out = ops.at(-1)!.out;
    expect(cheat(out, ops, (t) => {
      t.set(8, MAC_COLS.cont, 0);
      for (let r = 9; r < 16; r++) {
        t.set(r, MAC_COLS.pos, r - 8);
        t.set(r, MAC_COLS.gh, t.get(9, MAC.ch));
        t.set(r, MAC_COLS.gl, t.get(9, MAC.cl));
      }
    }).ok).toBe(false);
  });

  it('a chain that skips its first product: its second row starts again from the CPU’s accumulator (the counter catches it)', () => {
    const start = first().at(-1)!.out;
    const honest = chainOf(a2, b2, start);
    const skipped = [honest[0]!, ...chainOf(a2.slice(1), b2.slice(1), start).map((o) => ({ ...o, lane: o.lane! + 1 }))];
    const out = skipped.at(-1)!.out;
    expect(out).not.toBe(honest.at(-1)!.out);
    // Row 8 leaves its chain; the first accumulator carried is still the CPU's (row 9 starts from it), the lanes
    // still shift in from rows 8..15, and the counter is left as an honest chain's.
    expect(cheat(out, [...first(), ...skipped], (t) => t.set(8, MAC_COLS.cont, 0)).ok).toBe(false);
  });

  it('a chain from another accumulator, the CPU’s carried as its first (the carry of g catches it)', () => {
    const start = first().at(-1)!.out;
    const other = (start ^ 0x400000) >>> 0;
    const forged = chainOf(a2, b2, other);
    expect(forged.at(-1)!.out).not.toBe(chainOf(a2, b2, start).at(-1)!.out);
    expect(cheat(forged.at(-1)!.out, [...first(), ...forged], (t) => {
      for (let r = 8; r < 16; r++) {
        t.set(r, MAC_COLS.gh, start >>> 16);
        t.set(r, MAC_COLS.gl, start & 0xffff);
      }
    }).ok).toBe(false);
  });
});
