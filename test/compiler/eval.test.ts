import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { zpol } from '../helpers.ts';

const ROOT = '0'.repeat(64);
const step = (tokens: number | string, bySource: (number | string)[]) => JSON.stringify({ tokens, tokens_by_source: bySource, x_root: ROOT, w1_root: ROOT, h_root: ROOT, labels_root: ROOT, weights_root: ROOT });

describe('zpol eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-eval-'));
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ arch: 'mlp', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16, datasets: [ROOT, ROOT], weights: ROOT }));
  const file = (name: string, lines: string[]) => {
    const p = join(dir, name);
    writeFileSync(p, lines.join('\n') + '\n');
    return p;
  };

  it('a complying run: every claim, the outputs, exit 0', () => {
    const r = zpol(['eval', 'policies/demo.zpol', '--spec', spec, '--steps', file('ok.jsonl', [step(16, [8, 8]), step(16, [10, 6])])]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('invariant under_flop_cap: held after every step');
    expect(r.stdout).toContain(`output total_compute = ${6 * 58 * 32} FLOP`);
    expect(r.stdout).toMatch(/verdict: the run complies/);
    // JSON: the output's exact value with its unit apart, and the text as printed.
    const json = JSON.parse(zpol(['eval', 'policies/demo.zpol', '--spec', spec, '--steps', join(dir, 'ok.jsonl'), '--format', 'json']).stdout);
    expect(json.outputs).toEqual([{ name: 'total_compute', text: `${6 * 58 * 32} FLOP`, value: { value: `${6 * 58 * 32}`, unit: 'FLOP' } }]);
  }, 60_000);

  it('a run over the FLOP cap: the clause, the step and both values, exit 1', () => {
    const r = zpol(['eval', 'policies/demo.zpol', '--spec', spec, '--steps', file('cap.jsonl', [step(16, [8, 8]), step('3000000000', ['1500000000', '1500000000'])]), '--format', 'json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.disagreements).toEqual([]);
    expect(report.failure).toMatchObject({ kind: 'step', step: 2, clause: 'invariant under_flop_cap' });
    // 6 · 58 param · (16 + 3e9) token, every digit kept, the magnitude in the exponent.
    expect(report.failure.message).toMatch(/^invariant under_flop_cap failed at step 2: total_flops = 1\.044000005568e12 FLOP > FLOP_CAP = 1e12 FLOP \(policies\/demo.zpol:\d+:1\)$/);
  }, 60_000);

  it('malformed input names the file and line, or the step and field', () => {
    const notJson = zpol(['eval', 'policies/demo.zpol', '--spec', spec, '--steps', file('broken.jsonl', [step(16, [8, 8]), '{"tokens": 16,'])]);
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/broken.jsonl:2: not JSON/);
    const badField = zpol(['eval', 'policies/demo.zpol', '--spec', spec, '--steps', file('field.jsonl', [step(16, [8, 8]), step(16, [8, '-1'])])]);
    expect(badField.status).toBe(1);
    expect(badField.stderr).toMatch(/field.jsonl: step 2: tokens_by_source\[1\]: expected a non-negative integer/);
  }, 60_000);

  it('every bad record is reported, all of each record\'s problems, before anything runs; exit 1', () => {
    const badSpec = join(dir, 'bad-spec.json');
    writeFileSync(badSpec, JSON.stringify({ arch: 'mlp', params: -58, d_in: 4, d_hidden: 8, d_out: 2 }));
    const steps = file('many.jsonl', [
      step(16, [8, 8]),
      step(16, [8, '-1']),
      '{"tokens": 16,',
      '',
      JSON.stringify({ tokens: 'many', tokens_by_source: [8, 8], x_root: ROOT, w1_root: ROOT, h_root: ROOT, labels_root: ROOT, weights_root: ROOT, loss: 0.5 }),
      step(16, [8, 8, 8]),
    ]);
    const r = zpol(['eval', 'policies/demo.zpol', '--spec', badSpec, '--steps', steps]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^zpol: \S+bad-spec\.json: spec: params: /),
      expect.stringMatching(/^zpol: \S+bad-spec\.json: spec: missing field 'batch_rows'$/),
      expect.stringMatching(/^zpol: \S+bad-spec\.json: spec: missing field 'datasets'$/),
      expect.stringMatching(/^zpol: \S+bad-spec\.json: spec: missing field 'weights'$/),
      expect.stringMatching(/^zpol: \S+many\.jsonl: step 2: tokens_by_source\[1\]: expected a non-negative integer/),
      expect.stringMatching(/^zpol: \S+many\.jsonl:3: not JSON/),
      expect.stringMatching(/^zpol: \S+many\.jsonl: step 4: unknown field 'loss'/),
      expect.stringMatching(/^zpol: \S+many\.jsonl: step 4: tokens: /),
      expect.stringMatching(/^zpol: \S+many\.jsonl: step 5: tokens_by_source: /),
      'zpol: 9 problems in the input; nothing was run',
    ]);
  }, 60_000);
});

describe('zpol eval on a compiled artifact (.zcp) alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-eval-zcp-'));
  const run = JSON.parse(readFileSync('test/fixtures/runs/data_mixture.json', 'utf8')) as { spec: unknown; steps: unknown[] };
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify(run.spec));
  const write = (name: string, steps: unknown[]) => {
    const p = join(dir, name);
    writeFileSync(p, steps.map((s) => JSON.stringify(s)).join('\n') + '\n');
    return p;
  };
  const zcp = join(dir, 'data_mixture.zcp');
  expect(zpol(['compile', 'policies/data_mixture.zpol', '-o', zcp]).status).toBe(0);

  it('decides as on the .zpol: a complying run, and a run that breaks an invariant, named with its step', () => {
    const ok = write('ok.jsonl', run.steps);
    const fromZcp = JSON.parse(zpol(['eval', zcp, '--spec', spec, '--steps', ok, '--format', 'json']).stdout);
    const fromZpol = JSON.parse(zpol(['eval', 'policies/data_mixture.zpol', '--spec', spec, '--steps', ok, '--format', 'json']).stdout);
    expect(fromZcp.ok).toBe(true);
    expect(fromZcp.outputs).toEqual(fromZpol.outputs);
    expect(fromZcp.invariants).toEqual(fromZpol.invariants);
    // Web text (source 0) above 70% of tokens at step 2.
    const bad = write('bad.jsonl', [run.steps[0], { tokens: 1000, tokens_by_source: [1000, 0, 0, 0] }]);
    const r = zpol(['eval', zcp, '--spec', spec, '--steps', bad, '--format', 'json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, steps: 2, failure: { kind: 'step', step: 2, clause: expect.stringMatching(/^invariant /) } });
  });

  it('refuses a .zcp whose step program runs compute checks and counts labels, which need the run\'s tensors', () => {
    const demo = join(dir, 'demo.zcp');
    expect(zpol(['compile', 'policies/demo.zpol', '-o', demo]).status).toBe(0);
    const r = zpol(['eval', demo, '--spec', spec, '--steps', write('any.jsonl', run.steps)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/reads the run's tensors \(verify fc1, count_labels\(step\.labels_root\)\); eval has records only/);
  });
});

describe("zpol eval's evaluator on run-time errors in claims", () => {
  // The machine's assertion for a division by zero does not name the claim it is in; the interpreter does. The
  // evaluator must match them (the same failure), not report a disagreement between the two.
  it('a division by zero in an attest or an invariant fails that claim, with no disagreement', async () => {
    const { compileFile } = await import('../../compiler/index.ts');
    const { evaluateRun } = await import('../../cli/evaluate.ts');
    const dir = mkdtempSync(join(tmpdir(), 'zpol-eval-div-'));
    const path = join(dir, 'div.zpol');
    writeFileSync(path, 'policy div version 1\nspec {\n  d: int\n}\nstep {\n  x: int\n}\nstate {\n  t: int = 0\n}\non step {\n  t += step.x\n}\nattest positive: 1 / spec.d > 0\ninvariant per_d: t / (spec.d - 1) <= 100\n');
    const c = compileFile(path, { computeChecks: false });
    if (!c.ok) throw new Error('the policy does not compile');
    const genesis = evaluateRun(c, c.program, { d: 0 }, []);
    expect(genesis.disagreements).toEqual([]);
    expect(genesis.failure).toMatchObject({ kind: 'genesis', clause: 'attest positive' });
    expect(genesis.failure!.message).toMatch(/^attest positive could not be evaluated: division by zero/);
    const step = evaluateRun(c, c.program, { d: 1 }, [{ x: 5 }]);
    expect(step.disagreements).toEqual([]);
    expect(step.failure).toMatchObject({ kind: 'step', step: 1, clause: 'invariant per_d' });
    expect(step.failure!.message).toMatch(/^invariant per_d could not be evaluated at step 1: division by zero/);
  });
});
