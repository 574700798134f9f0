// Tokens bound to the committed batch (#20): `rows(step.F)` is the row count of the tensor a compute check opens
// against step.F, and an invariant may read the step record, so a policy holds the tokens a step counts to the rows
// of its committed input. A run that over- or under-counts fails to prove, naming the clause and the step.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PolicyInterpreter } from '../../compiler/interpret.ts';
import { loadProgram } from '../../language/program.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { Trainer } from '../../demo/trainer.ts';
import { commitMatrix } from '../../runtime/run/tensor-commit.ts';
import { chainFailure, demoSpec, demoStep, demoWeightsConfig } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const demo = compiled('policies/demo.zpol');
const t1 = new Trainer().step();
const prover = new ChainProver(demo, new Uint8Array(32).fill(7), demoSpec(demo), demoWeightsConfig());
const genesis = prover.genesisExecution();

describe('tokens bound to the committed batch', () => {
  it('the demo counts a step of 16 committed rows as 16 tokens, and the step proof accepts it', () => {
    const s = demoStep(t1);
    expect(chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors))).toBe('no failure');
  });

  it.each([17, 15, 32])('a step that counts %i tokens for a batch of 16 rows fails to prove, naming tokens_are_batch and the step', (tokens) => {
    const keep = t1.tokensBySource;
    // The per-source counts follow the lie, so that only the binding to the batch can catch it.
    const lying = { ...t1, tokensBySource: [tokens - Math.min(tokens, keep[1]!), Math.min(tokens, keep[1]!)] };
    const s = demoStep(lying, tokens);
    expect(chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors))).toMatch(
      /^assertion failed: invariant tokens_are_batch failed: The tokens a step counts are the rows of its committed input batch \(demo\.zpol:\d+:1\) at step 1$/,
    );
  });

  it('a committed input of another row count cannot stand in: the compute check refuses its shape', () => {
    const s = demoStep(t1, 16);
    const eight = new Map(s.tensors);
    eight.set('x_root', commitMatrix(t1.x.slice(0, 32), 8, 4));
    expect(chainFailure(() => prover.stepExecution(1, genesis.state, s.record, eight))).toMatch(/verify fc1 failed .*step\.x_root commits a \[8, 4\] tensor; the check is compiled for \[16, 4\]/);
  });

  it('the interpreter evaluates rows() as the compiled program does, per operand: a and c give M, b (committed as bᵀ) gives N', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-rows-'));
    const path = join(dir, 'p.zpol');
    writeFileSync(
      path,
      'policy p version 1\nspec { m: int }\nstep { n: int\n a: digest\n b: digest\n c: digest }\n' +
        'invariant shapes "rows of each operand": step.n == rows(step.a) * 100 + rows(step.b) * 10 + rows(step.c)\n' +
        'verify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [4, 8, 2]\n tau: 1e-3\n f: 50%\n grinding: 24\n order: sequential\n rounding: bf16\n}\n',
    );
    const program = loadProgram([path]);
    const interp = new PolicyInterpreter(program, path);
    const digest = '00'.repeat(32);
    const ev = (n: number) => interp.run({ m: 1 }, [{ n, a: digest, b: digest, c: digest }]);
    expect(ev(424).ok).toBe(true);
    const wrong = ev(428);
    expect(wrong.ok).toBe(false);
    expect(wrong.failures[0]).toMatch(/^invariant shapes failed at step 1: .*p\.zpol:7:1\)$/);
    expect(compiled(path).ok).toBe(true);
  });

  it('rows() of a field no compute check opens is ZP2019; of anything but a step digest, ZP2003', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-rows-'));
    const check = (body: string) => {
      const path = join(dir, 'q.zpol');
      writeFileSync(path, `policy q version 1\nspec { d: digest }\nstep { n: int\n a: digest\n z: digest }\n${body}\n`);
      return loadProgram([path]).diagnostics.map((d) => `${d.code}: ${d.message}`);
    };
    expect(check('invariant r "x": step.n == rows(step.z)')).toEqual([
      "ZP2019: no compute check opens step.z, so nothing in the step proof binds its rows; name it as an operand (a, b or c) of a verify clause",
    ]);
    expect(check('invariant r "x": step.n == rows(spec.d)')[0]).toMatch(/^ZP2003: 'rows' needs a committed tensor's root, a digest field of the step record \(step\.NAME\), found digest$/);
    expect(check('invariant r "x": step.n == rows(step.n)')[0]).toMatch(/^ZP2003: 'rows' needs .* found int$/);
  });

  it("rows() of a family's operand, whole or one member, is ZP2019 even when the family draws as many as it has", () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-rows-family-'));
    const check = (operand: string, draws: number, call = (x: string) => `rows(${x})`) => {
      const path = join(dir, 'q.zpol');
      const family = `verify up[l in 0..2] {\n a: step.x[l]\n b: step.w[l]\n c: step.h[l]\n dims: [4, 16, 8]\n tau: 1e-1\n f: 50%\n grinding: 8\n order: sequential\n rounding: bf16\n draws: ${draws}\n}`;
      writeFileSync(path, `policy q version 1\nspec { m: int }\nstep { n: int\n x: [digest; 2]\n w: [digest; 2]\n h: [digest; 2]\n y: [digest; 2] }\ninvariant r "x": step.n == ${call(operand)}\n${family}\n`);
      return loadProgram([path]).diagnostics.map((d) => `${d.code}: ${d.message}`);
    };
    const refused = (which: string, field: string) =>
      `ZP2019: ${which}step.${field} is an operand of the family verify up, which opens only the members it draws (with replacement), so no member's rows are bound at every step; count the rows of a tensor a single-product verify clause opens`;
    expect(check('step.x', 1)).toEqual([refused('', 'x')]);
    expect(check('step.h[1]', 2)).toEqual([refused('a member of ', 'h')]);
    expect(check('step.w[0]', 2)).toEqual([refused('a member of ', 'w')]);
    // count_labels keeps its own message on a family's operand (a label tensor is read whole, not opened by a check).
    expect(check('step.x[0]', 1, (x) => `count_labels(${x}, 4, 2)[0]`)[0]).toMatch(/^ZP2003: 'count_labels' needs a committed label tensor's root/);
    // An array no family reads is not a tensor root at all.
    expect(check('step.y[0]', 1)[0]).toMatch(/^ZP2003: 'rows' needs a committed tensor's root/);
  });
});
