// `hash c a b #1`: the second half of the Poseidon2 permutation (runtime/vm/chips/poseidon2.ts), which a VM program
// replaying a sponge (the transcript, a Merkle leaf hash; issue #24) keeps as the capacity. Both halves proven in
// one program; a CPU that claims the compression as the second half is rejected, whichever half the chip answers.
import { describe, expect, it } from 'vitest';
import { poseidon2 } from '../../runtime/proof/hash/poseidon2.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute, type Execution } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution, vmTraces, TABLE_NAMES } from '../../runtime/vm/machine.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { POSEIDON2_COLS } from '../../runtime/vm/chips/poseidon2.ts';
import { programProblem, type Program } from '../../runtime/vm/program.ts';
import { WitnessError } from '../../runtime/proof/stark/prover.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import type { Word } from '../../runtime/vm/word.ts';

const X: Word = [1, 2, 3, 4, 5, 6, 7, 8];
const Y: Word = [9, 10, 11, 12, 13, 14, 15, 0x77ffffff];

/** Reads x and y, outputs hash(x, y, #half) for each half listed. */
function halves(list: readonly (0 | 1)[]): Program {
  const asm = new Assembler(0, list.length);
  const [x, y, h] = [asm.alloc(), asm.alloc(), asm.alloc()];
  asm.read(x);
  asm.read(y);
  list.forEach((half, k) => {
    asm.hash(h, x, y, half);
    asm.output(h, k);
  });
  asm.halt();
  return asm.build();
}

const run = (p: Program): Execution => execute(p, { privateInputs: [X, Y] });

describe('hash #1: the second half of the permuted state', () => {
  it('executes to Poseidon2(x ‖ y)[0..8) and [8..16) and proves both in one program', () => {
    const program = halves([0, 1]);
    const exec = run(program);
    const perm = Array.from(poseidon2.permutation([...X, ...Y]));
    expect(exec.publicOutputs).toEqual([perm.slice(0, 8), perm.slice(8)]);
    expect(exec.poseidon2.map((op) => op.half)).toEqual([0, 1]);
    const m = machine(program, plainPcs as never);
    const proof = proveExecution(m, exec, { seed: 'halves' });
    expect(verifyExecution(m, [], exec.publicOutputs, proof.stark)).toEqual({ ok: true });
  });

  it('a half other than 0 or 1 is a malformed program', () => {
    const p = halves([1]);
    const bad = { ...p, instructions: p.instructions.map((ins) => (ins.op === 'hash' ? { ...ins, imm: 2 } : ins)) };
    expect(programProblem(bad)).toMatch(/hash half 2 is not 0 or 1/);
  });

  // The forgery: run the program with #0 in place of #1 (so every table is consistent with the compression as the
  // output), then present it as the execution of the #1 program, the CPU's fetched immediate set to 1 so the ROM
  // lookup holds. The Poseidon2 chip answers either half 0 (its claim names another half than the CPU's) or half 1
  // (its output is the second half, not what the CPU wrote).
  for (const chipHalf of [0, 1] as const) {
    it(`rejects a CPU claiming the compression as the second half (the chip's row answering half ${chipHalf})`, () => {
      const program = halves([1]);
      const forged = run(halves([0]));
      expect(forged.publicOutputs[0]).toEqual(Array.from(poseidon2.permutation([...X, ...Y]).slice(0, 8)));
      const exec: Execution = { ...forged, program };
      const m = machine(program, plainPcs as never);
      const traces = vmTraces(exec);
      const cpu = traces[TABLE_NAMES.indexOf('cpu')]!;
      const hashRow = exec.steps.findIndex((s) => s.ins.op === 'hash');
      expect(cpu.get(hashRow, CPU.imm)).toBe(0);
      cpu.set(hashRow, CPU.imm, 1);
      const chip = traces[TABLE_NAMES.indexOf('poseidon2')]!;
      chip.set(0, POSEIDON2_COLS.half, chipHalf);
      expect(() => proveExecution(m, exec, { seed: 'forged', traces })).toThrow(chipHalf === 0 ? /unbalanced/ : WitnessError);
      const proof = proveExecution(m, exec, { seed: 'forged', traces, skipChecks: true });
      const verdict = verifyExecution(m, [], exec.publicOutputs, proof.stark);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.error).toMatch(/LogUp sums .* do not cancel/);
    });
  }
});
