// The `lane`, `pack` and `tobf16` instructions: a sampled matrix-product check's dot product (a row of x and a
// column of W as row words of 8 bf16 each, tensor-commit.ts's layout) taken apart with `lane`, paired with `pack`,
// accumulated with `mac` and rounded with `tobf16` equals the reference bit for bit; its proof verifies; a prover
// that changes a `lane` or a `tobf16` result in the CPU is rejected; `lane #8` is malformed.
import { describe, expect, it } from 'vitest';
import { execute, VmError, type Execution } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, tableNames, verifyExecution, vmTraces, type TableName } from '../../runtime/vm/machine.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { formatInstruction } from '../../runtime/vm/isa.ts';
import { decodeProgram, encodeProgram, programProblem, type Program } from '../../runtime/vm/program.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { f32Word } from '../../runtime/vm/chips/mac.ts';
import { bf16Dot, f32ToBf16, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { rowWords } from '../../runtime/run/tensor-commit.ts';
import { WitnessError } from '../../runtime/proof/stark/prover.ts';
import type { Matrix } from '../../runtime/proof/matrix.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

/** x·w for two rows of 8 bf16 (public inputs 0 and 1), output as (bf16, 0, …). */
function dotProgram(): Program {
  const asm = new Assembler(2, 1);
  const [x, w, xk, wk, pair, acc, out] = Array.from({ length: 7 }, () => asm.alloc());
  asm.input(x!, 0);
  asm.input(w!, 1);
  for (let k = 0; k < 8; k++) {
    asm.lane(xk!, x!, k);
    asm.lane(wk!, w!, k);
    asm.pack(pair!, xk!, wk!);
    asm.mac(acc!, pair!, acc!);
  }
  asm.tobf16(out!, acc!);
  asm.output(out!, 0);
  asm.halt();
  return asm.build();
}

/** tobf16 of public input 0, output as public output 0. */
function roundingProgram(): Program {
  const asm = new Assembler(1, 1);
  const [a, c] = [asm.alloc(), asm.alloc()];
  asm.input(a, 0);
  asm.tobf16(c, a);
  asm.output(c, 0);
  asm.halt();
  return asm.build();
}

const X = [0x3f80, 0xbfc0, 0x4040, 0x3e00, 0x0001, 0x8000, 0x4120, 0xc2f7];
const W = [0x3f81, 0x4000, 0xbf80, 0x3d4d, 0x7f7f, 0x3f00, 0xc000, 0x3c23];

function runDot(x: readonly number[], w: readonly number[]): Execution {
  return execute(dotProgram(), { publicInputs: [rowWords(x)[0]!, rowWords(w)[0]!] });
}

const table = (tables: readonly TableName[], traces: Matrix[], name: TableName) => traces[tables.indexOf(name)]!;

describe('lane, pack, tobf16: semantics', () => {
  it('lane takes one lane, pack pairs two lane-0 values, tobf16 rounds an f32 word', () => {
    const asm = new Assembler(2, 3);
    const [a, b, l, p, t] = Array.from({ length: 5 }, () => asm.alloc());
    asm.input(a!, 0);
    asm.input(b!, 1);
    asm.lane(l!, a!, 5);
    asm.pack(p!, a!, b!);
    asm.tobf16(t!, b!);
    asm.output(l!, 0);
    asm.output(p!, 1);
    asm.output(t!, 2);
    asm.halt();
    const program = asm.build();
    expect(decodeProgram(encodeProgram(program))).toEqual(program);
    expect(program.instructions.map(formatInstruction)).toContain(`lane [${l}], [${a}], #5`);
    const exec = execute(program, { publicInputs: [[10, 11, 12, 13, 14, 15, 16, 17], f32Word(0x3f818000)] });
    expect(exec.publicOutputs).toEqual([
      [15, 0, 0, 0, 0, 0, 0, 0],
      [10, 0x8000, 0, 0, 0, 0, 0, 0],
      [f32ToBf16(0x3f818000), 0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(f32ToBf16(0x3f818000)).toBe(0x3f82); // a tie, rounded to even
    expect(exec.tobf16).toEqual([{ x: 0x3f818000, out: 0x3f82 }]);
  });

  it('tobf16 rounds to nearest even and canonicalizes NaNs like f32ToBf16', () => {
    for (const x of [0, 0x80000000, 0x3f808000, 0x3f818000, 0x3f808001, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0xffffffff, 0x00008000, 0x0001ffff]) {
      const exec = execute(roundingProgram(), { publicInputs: [f32Word(x)] });
      expect(exec.publicOutputs[0]).toEqual([f32ToBf16(x), 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('tobf16 traps on a half not below 2^16', () => {
    expect(() => execute(roundingProgram(), { publicInputs: [[0x10000, 0, 0, 0, 0, 0, 0, 0]] })).toThrow(VmError);
  });

  it('programProblem rejects lane #8', () => {
    const asm = new Assembler(0, 0);
    const [a, c] = [asm.alloc(), asm.alloc()];
    asm.lane(c, a, 7);
    asm.halt();
    const ok = asm.build();
    expect(programProblem(ok)).toBeNull();
    const bad: Program = { ...ok, instructions: [{ ...ok.instructions[0]!, imm: 8 }, ok.instructions[1]!] };
    expect(programProblem(bad)).toMatch(/lane 8 is not in 0\.\.7/);
    const asm2 = new Assembler(0, 0);
    asm2.lane(asm2.alloc(), asm2.alloc(), 8);
    asm2.halt();
    expect(() => asm2.build()).toThrow(/lane 8/);
  });

  it('the f32-to-bf16 table is in the machine only for programs that use tobf16', () => {
    expect(tableNames(dotProgram())).toContain('f32-to-bf16');
    const asm = new Assembler(0, 0);
    asm.lane(asm.alloc(), asm.alloc(), 1);
    asm.halt();
    expect(tableNames(asm.build())).not.toContain('f32-to-bf16');
  });
});

describe('lane, pack, mac, tobf16: a dot product of two row words', () => {
  it('equals f32ToBf16(bf16Dot(row, col, SEQUENTIAL).acc) and its proof verifies', () => {
    const exec = runDot(X, W);
    const expected = f32ToBf16(bf16Dot(X, W, SEQUENTIAL).acc);
    expect(exec.publicOutputs[0]).toEqual([expected, 0, 0, 0, 0, 0, 0, 0]);
    const m = machine(exec.program, plainPcs as never);
    expect(m.tables).toContain('f32-to-bf16');
    const proof = proveExecution(m, exec, { seed: 'lanes' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const wrong: Word = [(expected ^ 1) >>> 0, 0, 0, 0, 0, 0, 0, 0];
    expect(verifyExecution(m, exec.publicInputs, [wrong], proof.stark).ok).toBe(false);
  });

  it('matches the reference on random rows', () => {
    let s = 7;
    const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
    const moderate = () => ((r() < 0.5 ? 0x8000 : 0) | ((120 + Math.floor(r() * 14)) << 7) | Math.floor(r() * 128)) >>> 0;
    for (let t = 0; t < 20; t++) {
      const x = Array.from({ length: 8 }, moderate);
      const w = Array.from({ length: 8 }, moderate);
      expect(runDot(x, w).publicOutputs[0]![0]).toBe(f32ToBf16(bf16Dot(x, w, SEQUENTIAL).acc));
    }
  });
});

describe('lane, tobf16: a prover that changes a result in the CPU is rejected', () => {
  /**
   * Changes lane 0 of the result of the first `op` row in the CPU trace and everything downstream of it (the
   * `output` row that reads it, the final memory, the claimed public output), so the memory and IO buses still
   * balance: only the instruction's own check can catch it.
   */
  function cheat(program: Program, inputs: Word[], op: 'lane' | 'tobf16') {
    const exec = execute(program, { publicInputs: inputs });
    const m = machine(program, plainPcs as never);
    const traces = vmTraces(exec);
    const cpuT = table(m.tables, traces, 'cpu');
    const row = exec.steps.findIndex((s) => s.ins.op === op);
    const outRow = exec.steps.findIndex((s) => s.ins.op === 'output');
    const addr = exec.steps[row]!.ins.c;
    expect(exec.steps[outRow]!.ins.a).toBe(addr);
    const claimed = (exec.steps[row]!.cNew[0]! + 1) % 0x10000;
    cpuT.set(row, CPU.slotC.newVal, claimed);
    cpuT.set(outRow, CPU.slotA.val, claimed);
    table(m.tables, traces, 'memory').set(addr, 0, claimed);
    const outputs: Word[] = [[claimed, 0, 0, 0, 0, 0, 0, 0]];
    let error: unknown;
    try {
      proveExecution(m, exec, { seed: 'cheat', traces });
    } catch (e) {
      error = e;
    }
    // Proven for the claimed outputs: a proof made for exec's own outputs would fail on them whatever the AIR says.
    const proof = proveExecution(m, { ...exec, publicOutputs: outputs }, { seed: 'cheat', traces, skipChecks: true });
    return { error, verdict: verifyExecution(m, exec.publicInputs, outputs, proof.stark), honest: verifyExecution(m, exec.publicInputs, exec.publicOutputs, proveExecution(m, exec, { seed: 'honest' }).stark) };
  }

  function single(op: 'lane' | 'tobf16'): Program {
    const asm = new Assembler(1, 1);
    const [a, c] = [asm.alloc(), asm.alloc()];
    asm.input(a, 0);
    if (op === 'lane') asm.lane(c, a, 3);
    else asm.tobf16(c, a);
    asm.output(c, 0);
    asm.halt();
    return asm.build();
  }

  it('a changed lane result breaks the CPU constraint', () => {
    const { error, verdict, honest } = cheat(single('lane'), [[1, 2, 3, 4, 5, 6, 7, 8]], 'lane');
    expect(honest).toEqual({ ok: true });
    expect(error).toBeInstanceOf(WitnessError);
    expect((error as WitnessError).table).toBe('cpu');
    expect(verdict.ok).toBe(false);
  });

  it('a changed tobf16 result: the f32-to-bf16 bus does not balance', () => {
    const { verdict, honest } = cheat(single('tobf16'), [f32Word(0x3f818000)], 'tobf16');
    expect(honest).toEqual({ ok: true });
    expect(verdict.ok).toBe(false);
  });
});
