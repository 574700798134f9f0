// `macl c, a, b, #k`: lane k of two row words multiplied into the f32 accumulator at c in place (isa.ts). Eight of
// them are a word pair's eight fmas in sequential order, equal bit for bit to bf16Dot; a run proves and verifies;
// a prover whose MAC-chip row takes another lane or another accumulator than the CPU's, or that leaves the row
// out, is rejected.
import { describe, expect, it } from 'vitest';
import { execute, VmError, type Execution } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution, vmTraces, TABLE_NAMES } from '../../runtime/vm/machine.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { formatInstruction } from '../../runtime/vm/isa.ts';
import { programProblem, type Program } from '../../runtime/vm/program.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { f32FromWord, f32Word, MAC_COLS } from '../../runtime/vm/chips/mac.ts';
import { bf16MacRow } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { bf16Dot, bf16Mac } from '../../runtime/fp/bf16.ts';
import type { Matrix } from '../../runtime/proof/matrix.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

/** Rows a and b of `words` words each, the dot product accumulated with macl from +0, output. */
function dotProgram(words: number): Program {
  const asm = new Assembler(0, 1);
  const [aw, bw, acc] = [asm.alloc(), asm.alloc(), asm.alloc()];
  for (let w = 0; w < words; w++) {
    asm.read(aw);
    asm.read(bw);
    for (let k = 0; k < 8; k++) asm.macl(acc, aw, bw, k);
  }
  asm.output(acc, 0);
  asm.halt();
  return asm.build();
}

/** The tape of dotProgram: a's and b's words alternating. */
function tape(a: readonly number[], b: readonly number[]): Word[] {
  const out: Word[] = [];
  for (let w = 0; w < a.length / 8; w++) out.push(a.slice(8 * w, 8 * w + 8), b.slice(8 * w, 8 * w + 8));
  return out;
}

const A = [0x3f80, 0x4000, 0xbfc0, 0x0001, 0x8000, 0x3e00, 0x4049, 0x7f7f, 0x3f81, 0xc100, 0x0080, 0x3f80, 0x4040, 0x8001, 0x3fa0, 0xbf80];
const B = [0x4000, 0x3f80, 0x3f80, 0x7f00, 0x3f80, 0xc000, 0x3f00, 0x3f80, 0xbf80, 0x4100, 0x3f80, 0x0000, 0x3e80, 0x4000, 0x3f80, 0x3f80];

function run(a = A, b = B): Execution {
  return execute(dotProgram(a.length / 8), { privateInputs: tape(a, b) });
}

describe('macl: semantics', () => {
  it('eight macl a word pair equal bf16Dot in sequential order, each a bf16Mac of lane k into the old accumulator', () => {
    const exec = run();
    expect(f32FromWord(exec.publicOutputs[0]!)).toBe(bf16Dot(A, B).acc >>> 0);
    expect(exec.mac).toHaveLength(16);
    let acc = 0;
    exec.mac.forEach((op, i) => {
      expect([op.a, op.b, op.acc]).toEqual([A[i], B[i], acc]);
      acc = bf16Mac(A[i]!, B[i]!, acc) >>> 0;
      expect(op.out).toBe(acc);
    });
    expect(formatInstruction(exec.program.instructions[2]!)).toMatch(/^macl \[\d+\], \[\d+\], \[\d+\], #0$/);
  });

  it('traps on a lane that is not a bf16 pattern and on an accumulator that is not an f32 word', () => {
    const bad = [...A];
    bad[3] = 1 << 16;
    expect(() => run(bad)).toThrow(VmError);
    expect(() => run(bad)).toThrow(/macl #3: lane 3 of A and of B \(65536, 32512\) are not bf16 bit patterns/);
    const asm = new Assembler(0, 0);
    const [aw, acc] = [asm.alloc(), asm.alloc()];
    asm.read(aw);
    asm.read(acc);
    asm.macl(acc, aw, aw, 0);
    asm.halt();
    expect(() => execute(asm.build(), { privateInputs: [A.slice(0, 8), [0, 1 << 16, 0, 0, 0, 0, 0, 0]] })).toThrow(/macl #0: the accumulator \(0, 65536, …\) is not an f32/);
  });

  it('programProblem rejects macl #8', () => {
    const ok = dotProgram(1);
    expect(programProblem(ok)).toBeNull();
    const instructions = ok.instructions.map((ins) => (ins.op === 'macl' && ins.imm === 7 ? { ...ins, imm: 8 } : ins));
    expect(programProblem({ ...ok, instructions })).toMatch(/lane 8 is not in 0\.\.7/);
  });
});

describe('macl: proofs', () => {
  it('two word pairs prove and verify (plain PCS); another claimed dot product does not', () => {
    const exec = run();
    const m = machine(exec.program, plainPcs as never);
    const proof = proveExecution(m, exec, { seed: 'macl' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const wrong = f32Word(f32FromWord(exec.publicOutputs[0]!) ^ 1);
    expect(verifyExecution(m, exec.publicInputs, [wrong], proof.stark).ok).toBe(false);
  });
});

describe('macl: a prover whose MAC-chip row is not the CPU’s claim is rejected', () => {
  const table = (traces: Matrix[], name: (typeof TABLE_NAMES)[number]) => traces[TABLE_NAMES.indexOf(name)]!;

  /**
   * Proves the run with the last macl's result changed to `out` in the CPU (its row, the `output` row, the final
   * memory and the claimed output), and the MAC chip's row for it replaced by `chipRow` (its 133 columns and the
   * multiplicity); the verifier's verdict. The cheating prover skips its own checks.
   */
  function cheat(out: number, chipRow: number[]) {
    const exec = run();
    const m = machine(exec.program, plainPcs as never);
    const traces = vmTraces(exec);
    const cpuT = table(traces, 'cpu');
    const row = exec.steps.map((s) => s.ins.op).lastIndexOf('macl');
    const outRow = exec.steps.findIndex((s) => s.ins.op === 'output');
    const w = f32Word(out);
    for (const lane of [0, 1]) {
      cpuT.set(row, CPU.slotC.newVal + lane, w[lane]!);
      cpuT.set(outRow, CPU.slotA.val + lane, w[lane]!);
      table(traces, 'memory').set(exec.steps[row]!.ins.c, lane, w[lane]!);
    }
    chipRow.forEach((v, col) => table(traces, 'bf16-mac').set(exec.mac.length - 1, col, v));
    const proof = proveExecution(m, { ...exec, publicOutputs: [w] }, { seed: 'cheat', traces, skipChecks: true });
    return verifyExecution(m, exec.publicInputs, [w], proof.stark);
  }
  const last = () => run().mac.at(-1)!;
  const honestRow = (a: number, b: number, acc: number) => [...bf16MacRow(a, b, acc), 1];

  it('the honest row and claim verify with the cheating prover (the harness itself accepts)', () => {
    const op = last();
    expect(cheat(op.out, honestRow(op.a, op.b, op.acc)).ok).toBe(true);
  });

  it('a wrong lane: the chip multiplies lane 6 while the CPU sends lane 7', () => {
    const op = last();
    const [a, b] = [A[14]!, B[14]!];
    expect([op.a, op.b]).not.toEqual([a, b]);
    expect(cheat(bf16Mac(a, b, op.acc) >>> 0, honestRow(a, b, op.acc)).ok).toBe(false);
  });

  it('a wrong accumulator: the chip starts from another f32 than the word the CPU replaces', () => {
    const op = last();
    const acc = (op.acc ^ 0x10000) >>> 0;
    expect(cheat(bf16Mac(op.a, op.b, acc) >>> 0, honestRow(op.a, op.b, acc)).ok).toBe(false);
  });

  it('a chip row not sent: the row is a padding row (multiplicity 0) and the CPU claims the honest result', () => {
    const op = last();
    const padding = [...bf16MacRow(0, 0, 0), 0];
    expect(padding[MAC_COLS.mult]).toBe(0);
    expect(cheat(op.out, padding).ok).toBe(false);
  });
});
