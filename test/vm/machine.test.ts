import { describe, expect, it } from 'vitest';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { executionCosts, machine, proveExecution, verifyExecution, vmTraces, TABLE_NAMES } from '../../runtime/vm/machine.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { wideValue, wideWord } from '../../runtime/vm/word.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { WitnessError } from '../../runtime/proof/stark/prover.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import { accumulator, commitmentOpening, countingLoop, merkleMembership, sumUnderCap, word, type Case } from '../fixtures/sample-programs.ts';

function proveAndVerify(c: Case, pcs = plainPcs as never) {
  const exec = execute(c.program, c.inputs);
  const m = machine(c.program, pcs);
  const proof = proveExecution(m, exec, { seed: 'vm test' });
  return { exec, m, proof, verdict: verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark) };
}

const E25 = 10n ** 25n;

describe('zkVM: hand-written programs prove and verify', () => {
  it('a sum of private inputs under a public cap', () => {
    const { exec, verdict } = proveAndVerify(sumUnderCap([3n * 10n ** 24n, 4n * 10n ** 24n, 2n * 10n ** 24n], E25));
    expect(verdict).toEqual({ ok: true });
    expect(exec.publicOutputs[0]![0]).toBe(1);
  });

  it('a 128-bit accumulator that crosses 2^64 and 1e25 (real FRI PCS)', () => {
    const values = [2n ** 63n, 2n ** 63n + 5n, 9n * 10n ** 24n, 2n * 10n ** 24n, 2n ** 100n];
    const { exec, verdict } = proveAndVerify(accumulator(values), undefined);
    expect(verdict).toEqual({ ok: true });
    expect(wideValue(exec.publicOutputs[0]!)).toBe(values.reduce((a, b) => a + b));
  });

  it('a Merkle membership proof of depth 20', () => {
    const { exec, verdict } = proveAndVerify(merkleMembership(20, 0b1011_0110_1110_0101_1001));
    expect(verdict).toEqual({ ok: true });
    expect(exec.merkle[0]!.depth).toBe(20);
  });

  it('a hiding commitment opened privately', () => {
    const { verdict } = proveAndVerify(commitmentOpening(123456789n * 10n ** 15n, word(99), E25));
    expect(verdict).toEqual({ ok: true });
  });

  it('a loop of 10,000 iterations (real FRI PCS)', () => {
    const { exec, verdict } = proveAndVerify(countingLoop(10_000), undefined);
    expect(verdict).toEqual({ ok: true });
    expect(exec.publicOutputs[0]![0]).toBe((10_000 * 10_001) / 2);
  }, 120_000);
});

describe('zkVM: failures', () => {
  it('a failing assertion gives no execution and names the assertion', () => {
    const c = sumUnderCap([6n * 10n ** 24n, 5n * 10n ** 24n], E25);
    let error: unknown;
    try {
      execute(c.program, c.inputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VmError);
    const vmError = error as VmError;
    expect(vmError.kind).toBe('assertion');
    expect(c.program.messages[vmError.messageId!]).toBe('the sum of the private values is at most the cap');
    expect(vmError.message).toContain('the sum of the private values is at most the cap');
  });

  it('a wrong Merkle root fails the assertion', () => {
    const c = merkleMembership(4, 5);
    const wrongRoot = [...c.inputs.publicInputs![0]!];
    wrongRoot[3] = (wrongRoot[3]! + 1) % 0x78000001;
    expect(() => execute(c.program, { ...c.inputs, publicInputs: [wrongRoot] })).toThrow(/the leaf is in the tree/);
  });

  it('128-bit overflow traps', () => {
    expect(() => execute(accumulator([2n ** 127n, 2n ** 127n]).program, accumulator([2n ** 127n, 2n ** 127n]).inputs)).toThrow(VmError);
  });

  it('a program changed by one instruction does not verify against the old one', () => {
    const c = countingLoop(5);
    const { exec, m, proof } = proveAndVerify(c);
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const changed = { ...c.program, instructions: c.program.instructions.map((ins) => (ins.op === 'set' ? { ...ins, imm: ins.imm + 1 } : ins)) };
    const m2 = machine(changed, plainPcs as never);
    expect(verifyExecution(m2, exec.publicInputs, exec.publicOutputs, proof.stark).ok).toBe(false);
    // And the changed program's proof does not verify for the original.
    const exec2 = execute(changed, {});
    const proof2 = proveExecution(m2, exec2, { seed: 'vm test' });
    expect(verifyExecution(m, exec2.publicInputs, exec2.publicOutputs, proof2.stark).ok).toBe(false);
  });

  it('wrong public outputs do not verify', () => {
    const c = countingLoop(5);
    const { exec, m, proof } = proveAndVerify(c);
    const wrong = [[16, 0, 0, 0, 0, 0, 0, 0]];
    expect(exec.publicOutputs[0]![0]).toBe(15);
    expect(verifyExecution(m, exec.publicInputs, wrong, proof.stark).ok).toBe(false);
  });
});

describe('zkVM: a cheating prover is caught', () => {
  /** Proves `c` with one cell of one table changed, skipping the prover's checks; returns the verdict. */
  function cheat(c: Case, table: (typeof TABLE_NAMES)[number], edit: (get: (row: number, col: number) => number, set: (row: number, col: number, v: number) => void) => void) {
    const exec = execute(c.program, c.inputs);
    const m = machine(c.program, plainPcs as never);
    const traces = vmTraces(exec);
    const t = traces[TABLE_NAMES.indexOf(table)]!;
    edit((r, col) => t.get(r, col), (r, col, v) => t.set(r, col, v));
    expect(() => proveExecution(m, exec, { seed: 'cheat', traces })).toThrow(WitnessError);
    const proof = proveExecution(m, exec, { seed: 'cheat', traces, skipChecks: true });
    return verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark);
  }

  it('one memory value read differently from what was written', () => {
    const c = countingLoop(5);
    const verdict = cheat(c, 'cpu', (get, set) => {
      // Row 5 is inside the loop: its slot A reads a counter or i; change the value read.
      set(5, CPU.slotA.val, (get(5, CPU.slotA.val) + 1) % 0x78000001);
    });
    expect(verdict.ok).toBe(false);
  });

  it('one memory cell of the final memory', () => {
    const c = countingLoop(5);
    const verdict = cheat(c, 'memory', (get, set) => set(2, 0, get(2, 0) + 1));
    expect(verdict.ok).toBe(false);
  });

  it('one Poseidon2 round value', () => {
    const c = commitmentOpening(42n, word(3), 100n);
    const verdict = cheat(c, 'poseidon2', (get, set) => set(0, 40, (get(0, 40) + 1) % 0x78000001));
    expect(verdict.ok).toBe(false);
  });

  it('one Merkle sibling', () => {
    const c = merkleMembership(4, 9);
    const verdict = cheat(c, 'merkle', (get, set) => set(1, 7 + 8, (get(1, 7 + 8) + 1) % 0x78000001));
    expect(verdict.ok).toBe(false);
  });

  it('a wide sum off by one in a limb', () => {
    const c = accumulator([5n, 7n]);
    const verdict = cheat(c, 'cpu', (get, set) => {
      // Row 1 is the first add128: its result lane 0.
      set(1, CPU.slotC.newVal, get(1, CPU.slotC.newVal) + 1);
    });
    expect(verdict.ok).toBe(false);
  });
});

describe('zkVM: costs', () => {
  it('reports rows and cells for every table', () => {
    const c = merkleMembership(20, 3);
    const exec = execute(c.program, c.inputs);
    const m = machine(c.program, plainPcs as never);
    const costs = executionCosts(m, exec);
    // No `mac`, `tobf16` or `mma` in this program: its machine leaves those precompiles' tables out.
    expect(costs.map((t) => t.table)).toEqual(TABLE_NAMES.filter((t) => !['bf16-mac', 'pow2', 'f32-to-bf16', 'bf16-mma', 'f32-add', 'pow2-12', 'u16-range'].includes(t) && !t.startsWith('mma-')));
    const p2 = costs.find((t) => t.table === 'poseidon2')!;
    expect(p2.used).toBe(20);
    expect(p2.rows).toBe(32);
    expect(costs.find((t) => t.table === 'merkle')!.used).toBe(20);
    expect(costs.every((t) => t.cells === t.rows * t.width)).toBe(true);
  });

  it('the assembler refuses what the machine cannot run', () => {
    const asm = new Assembler();
    asm.set(asm.alloc(), 1);
    expect(() => asm.build()).toThrow(/last instruction/);
    expect(wideWord(2n ** 64n)[4]).toBe(1);
  });
});
