// The sample loop of a `verify` clause (compiler/verify.ts, ir.ts `loop`, codegen.ts): the step program does not
// grow with the sample count, every iteration checks its samples (a wrong entry that only the last iteration's
// samples look at is caught), a value that varies in a loop is never read after it, and the static counts of
// runtime/vm/costs.ts accept only bounded loops.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wholeExecution } from '../../runtime/vm/segments.ts';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { IrBuilder } from '../../compiler/ir.ts';
import { generate } from '../../compiler/codegen.ts';
import { num } from '../../language/checker/values.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { commitMatrix } from '../../runtime/run/tensor-commit.ts';
import { drawEntries } from '../../runtime/run/sampling.ts';
import { bf16Dot, f32ToBf16, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { executionCounts } from '../../runtime/vm/costs.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { P } from '../../runtime/vm/semantics.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-sample-loop-'));

function compiled(dims: readonly number[], samples: number, grinding = 24): Extract<CompileResult, { ok: true }> {
  const path = join(dir, `mm-${dims.join('x')}-${samples}.zpol`);
  writeFileSync(
    path,
    `policy mm version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n tau: 1e-3\n f: 50%\n samples: ${samples}\n grinding: ${grinding}\n order: sequential\n rounding: bf16\n}\n`,
  );
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error);
  return r;
}

describe('the sample loop', () => {
  it('keeps the step program the same size whatever the sample count', () => {
    for (const dims of [
      [16, 4, 8],
      [4, 8, 16],
      [8, 16, 12],
    ]) {
      const [few, many] = [compiled(dims, 48), compiled(dims, 4800)].map((r) => r.programs.step.instructions.length);
      expect(many, `${dims}`).toBe(few);
    }
    // … while the cycles grow with it.
    const small = compiled([16, 4, 8], 48);
    const large = compiled([16, 4, 8], 4800);
    const cycles = (r: typeof small) => executionCounts(r.programs.step).reduce((a, b) => a + b, 0);
    expect(cycles(large)).toBeGreaterThan(90 * cycles(small) - 90 * 200);
  });

  it('checks every iteration: an entry that only the last iteration samples is caught, one nobody samples is not', () => {
    const [M, K, N] = [4, 8, 16];
    const p = compiled([M, K, N], 64); // S = 8: 8 iterations of 8 samples
    const mm = p.compiled.verifies[0]!;
    expect(mm.powBits).toBe(0);
    let seed = 7;
    const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
    const a = Uint16Array.from({ length: M * K }, bf16);
    const bt = Uint16Array.from({ length: N * K }, bf16);
    const c = new Uint16Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c[i * N + j] = f32ToBf16(bf16Dot(a.subarray(i * K, i * K + K), bt.subarray(j * K, j * K + K), SEQUENTIAL).acc);
    const stepWith = (cv: Uint16Array) => {
      const tensors = new Map([
        ['a', commitMatrix(a, M, K)],
        ['b', commitMatrix(bt, N, K)],
        ['c', commitMatrix(cv, M, N)],
      ]);
      const record = new Map<string, RunValue>([...tensors].map(([f, t]) => [f, { kind: 'digest', words: t.root }] as [string, RunValue]));
      return { record, tensors, roots: { a: tensors.get('a')!.root, b: tensors.get('b')!.root, c: tensors.get('c')!.root } };
    };
    const prover = new ChainProver(p, new Uint8Array(32).fill(3), new Map<string, RunValue>([['m', num(1n)]]));
    const g = prover.genesisExecution();
    const honest = stepWith(c);
    // A MAC row per term and, pipelined, eight for the row loop's first iteration (of zero words) a sample.
    expect(wholeExecution(prover.stepExecution(1, g.state, honest.record, honest.tensors).exec).mac).toHaveLength(64 * (K + 8));
    let lastOnly = 0;
    let unseen = 0;
    for (let e = 0; e < c.length; e++) {
      const trial = c.slice();
      trial[e] = (trial[e]! + 1) & 0xffff;
      const t = stepWith(trial);
      const looks = drawEntries(t.roots, mm.dims, mm.samples, mm.powBits).entries.flatMap(({ i, j }, s) => (i * N + j === e ? [s] : []));
      const run = () => prover.stepExecution(1, g.state, t.record, t.tensors);
      if (looks.length > 0 && looks.every((s) => s >= 56)) {
        lastOnly++;
        expect(run).toThrow(/verify mm failed: x \(mm-4x8x16-64\.zpol:\d+:1\): a sampled entry of c differs/);
      } else if (looks.length === 0) {
        unseen++;
        expect(run).not.toThrow();
      }
    }
    expect(lastOnly).toBeGreaterThan(0);
    expect(unseen).toBeGreaterThan(0);
  });

  it('never lets a value that varies in a loop be read after it', () => {
    const ir = new IrBuilder(0, 0);
    let inside = -1;
    ir.loop(3, 1, 'x', (t) => {
      inside = ir.emit({ op: 'add', args: [t, ir.emit({ op: 'read' }, 'field', 'x')] }, 'field', 'x');
    });
    ir.emit({ op: 'assert', args: [inside], message: 'late' }, 'none', 'x');
    expect(() => generate(ir.function())).toThrow(/varies in the loop .* after it ends/);
    expect(() => ir.loop(0, 1, 'x', () => {})).toThrow(/at least once/);
  });
});

describe('static counts of bounded loops (runtime/vm/costs.ts)', () => {
  /** set c #n, body, addi c c #−1, branch c: with `patch` applied to the finished instructions. */
  function loopProgram(patch?: (asm: Assembler, counter: number) => void) {
    const asm = new Assembler();
    const [x, counter, inner] = [asm.alloc(), asm.alloc(), asm.alloc()];
    asm.set(counter, 3);
    const top = asm.here();
    asm.addi(x, x, 1);
    asm.set(inner, 4);
    const innerTop = asm.here();
    asm.addi(x, x, 1);
    asm.addi(inner, inner, P - 1);
    asm.branch(inner, innerTop);
    patch?.(asm, counter);
    asm.addi(counter, counter, P - 1);
    asm.branch(counter, top);
    asm.halt();
    return asm.build();
  }

  it('counts nested loops as the executor runs them', () => {
    const program = loopProgram();
    const counts = executionCounts(program);
    expect([...counts]).toEqual([1, 3, 3, 12, 12, 12, 3, 3, 1]);
    const exec = execute(program);
    const ran = new Uint32Array(program.instructions.length);
    for (const s of exec.steps) ran[s.pc]!++;
    expect([...ran]).toEqual([...counts]);
  });

  it('refuses control flow whose counts depend on the run', () => {
    // The counter written in the body, a jump, a forward branch, a branch without its decrement.
    expect(() => executionCounts(loopProgram((asm, c) => asm.addi(c, c, 1)))).toThrow(/not a bounded loop/);
    expect(() => executionCounts(loopProgram((asm) => asm.jump(0)))).toThrow(/not a bounded loop/);
    const forward = new Assembler();
    const [x] = [forward.alloc()];
    const end = forward.label();
    forward.branch(x, end);
    forward.bind(end);
    forward.halt();
    expect(() => executionCounts(forward.build())).toThrow(/not a bounded loop/);
    const noDecrement = new Assembler();
    const c = noDecrement.alloc();
    noDecrement.set(c, 2);
    const top = noDecrement.here();
    noDecrement.addi(c, c, 1);
    noDecrement.branch(c, top);
    noDecrement.halt();
    expect(() => executionCounts(noDecrement.build())).toThrow(/not a bounded loop/);
  });
});
