// Quartic-extension arithmetic for VM programs (#24: what a STARK verifier written as a VM program needs): `emul`
// multiplies two elements of F_p[X]/(X^4 − 11) held in lanes 0..3, as runtime/proof/field/extension.ts does, in the
// CPU's own constraints; `advice extInverse` is the inverse as a hint that a program checks with emul. A program
// using both proves and verifies; a wrong output and a CPU that claims another product are rejected.
import { describe, expect, it } from 'vitest';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, tableNames, verifyExecution, vmTraces } from '../../runtime/vm/machine.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { inv, mul, W, type Ext } from '../../runtime/proof/field/extension.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

let seed = 91;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const element = (): Ext => [0, 1, 2, 3].map(() => (rand() < 0.1 ? [0, 1, P - 1][Math.floor(rand() * 3)]! : Math.floor(rand() * P))) as unknown as Ext;
const extWord = (e: Ext, high: readonly number[] = [0, 0, 0, 0]): Word => [...e, ...high];

/** c = a·b, and a's inverse from advice checked by emul against 1; outputs c. */
function program() {
  const asm = new Assembler(0, 1);
  const [a, b, c, ai, one, check] = [asm.alloc(), asm.alloc(), asm.alloc(), asm.alloc(), asm.alloc(), asm.alloc()];
  asm.read(a);
  asm.read(b);
  asm.emul(c, a, b);
  asm.advice('extInverse', ai, a, a);
  asm.emul(check, a, ai);
  asm.set(one, 1);
  asm.assertEq(check, one, 'a · a⁻¹ = 1');
  asm.output(c, 0);
  asm.halt();
  return asm.build();
}

describe('emul: the quartic extension in the VM', () => {
  it('equals extension.ts mul, X^4 = W included; lanes 4..7 of the operands are not read, the result\'s are zero', () => {
    const asm = new Assembler(0, 1);
    const [a, b, c] = [asm.alloc(), asm.alloc(), asm.alloc()];
    asm.read(a);
    asm.read(b);
    asm.emul(c, a, b);
    asm.output(c, 0);
    asm.halt();
    const p = asm.build();
    const cases: [Ext, Ext][] = [
      [[0, 0, 0, 1], [0, 0, 0, 1]], // X^3 · X^3 = X^6 = W·X^2
      [[0, 1, 0, 0], [0, 0, 0, 1]], // X · X^3 = W
    ];
    for (let i = 0; i < 200; i++) cases.push([element(), element()]);
    expect(mul([0, 0, 0, 1], [0, 0, 0, 1])).toEqual([0, 0, W, 0]);
    for (const [x, y] of cases) {
      const out = execute(p, { privateInputs: [extWord(x, [5, 6, 7, 8]), extWord(y, [9, 10, 11, 12])] }).publicOutputs[0]!;
      expect(out).toEqual([...mul(x, y), 0, 0, 0, 0]);
    }
  });

  it('advice extInverse gives the inverse (0 for 0): a hint, which the program checks with emul', () => {
    const asm = new Assembler(0, 1);
    const [a, r] = [asm.alloc(), asm.alloc()];
    asm.read(a);
    asm.advice('extInverse', r, a, a);
    asm.output(r, 0);
    asm.halt();
    const p = asm.build();
    for (let i = 0; i < 50; i++) {
      const x = element();
      if (x.every((v) => v === 0)) continue;
      const r = execute(p, { privateInputs: [extWord(x)] }).publicOutputs[0]!;
      expect(r).toEqual([...inv(x), 0, 0, 0, 0]);
      expect(mul(x, r.slice(0, 4) as unknown as Ext)).toEqual([1, 0, 0, 0]);
    }
    expect(execute(p, { privateInputs: [extWord([0, 0, 0, 0])] }).publicOutputs[0]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // The check in program(): a zero a has no inverse, the assertion fails.
    expect(() => execute(program(), { privateInputs: [extWord([0, 0, 0, 0]), extWord(element())] })).toThrow(/a · a⁻¹ = 1/);
  });

  const x = element();
  const y = element();
  const p = program();
  const exec = execute(p, { privateInputs: [extWord(x), extWord(y)] });
  const m = machine(p, plainPcs as never);
  const names = tableNames(p);

  it('proves and verifies with no table of its own; a wrong output does not verify', () => {
    expect(names).not.toContain('f32-add');
    const proof = proveExecution(m, exec, { seed: 'emul' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const wrong = [...exec.publicOutputs[0]!];
    wrong[3] = (wrong[3]! + 1) % P;
    expect(verifyExecution(m, exec.publicInputs, [wrong], proof.stark).ok).toBe(false);
  }, 120_000);

  it('a CPU that claims another product (one coefficient, or a nonzero lane past 3) does not verify', () => {
    const mulRow = exec.steps.findIndex((s) => s.ins.op === 'emul');
    const outRow = exec.steps.findIndex((s) => s.ins.op === 'output');
    for (const lane of [2, 5]) {
      const traces = vmTraces(exec);
      const cpu = traces[names.indexOf('cpu')]!;
      const claimed = [...exec.publicOutputs[0]!];
      claimed[lane] = (claimed[lane]! + (process.env.ZERO_DELTA ? 0 : 1)) % P;
      cpu.set(mulRow, CPU.slotC.newVal + lane, claimed[lane]!);
      cpu.set(outRow, CPU.slotA.val + lane, claimed[lane]!);
      traces[names.indexOf('memory')]!.set(exec.steps[mulRow]!.ins.c, lane, claimed[lane]!);
      // The proof is made for the claimed output (the transcript binds the public words it is made for).
      const proof = proveExecution(m, { ...exec, publicOutputs: [claimed] }, { seed: 'cheat', traces, skipChecks: true });
      expect(verifyExecution(m, exec.publicInputs, [claimed], proof.stark).ok, `lane ${lane}`).toBe(false);
    }
  }, 120_000);
});
