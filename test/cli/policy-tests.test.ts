// `zpol test`: policy test files (*.zpoltest.json) run without proving, with clause coverage.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { runTestFile } from '../../cli/policy-tests.ts';
import { root, zpol } from '../helpers.ts';
import demoRun from '../fixtures/runs/demo.json' with { type: 'json' };

const dir = mkdtempSync(join(tmpdir(), 'zpol-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = join(root, 'policies/demo.zpol');

const compile = (path: string) => {
  const r = compileFile(path, { computeChecks: false });
  return r.ok ? { ok: true as const, policy: r, program: r.program } : { ok: false as const, error: `cannot compile ${path}` };
};

let files = 0;
function testFile(content: unknown): string {
  const path = join(dir, `t${files++}.zpoltest.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const { spec, steps } = demoRun;
const overCap = steps.map((s, i) => (i === 1 ? { ...s, tokens: 3_000_000_000, tokens_by_source: [1_500_000_000, 1_500_000_000] } : s));

describe('zpol test', () => {
  it('runs the shipped test file: every case passes and every clause is seen holding and failing', () => {
    const r = zpol(['test', 'policies']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^policies\/demo\.zpoltest\.json: policy demo$/m);
    expect(r.stdout).not.toMatch(/FAIL/);
    expect(r.stdout).toMatch(/coverage: (\d+) of \1 clauses seen both holding and failing/);
    expect(r.stdout).toMatch(/not run \(compute checks, label counts and weights read the run's tensors\): verify fc1, invariant split_is_labels, invariant batch_from_sources, attest params_are_weights, attest arch_is_weights/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^1 test file, (\d+) cases: \1 passed, 0 failed$/);
  });

  it('reports each expectation a run does not meet, with what it got, and exits 1', () => {
    const path = testFile({
      policy: DEMO,
      cases: [
        { name: 'wrong verdict', spec, steps: overCap, expect: { verdict: 'complies', clauses: { under_flop_cap: 'holds', synthetic_share: 'fails' } } },
        { name: 'wrong step and output', spec, steps, expect: { verdict: 'complies', clauses: { 'invariant under_flop_cap': 'fails at step 1' }, outputs: { total_compute: '11137 FLOP' } } },
        { name: 'right', spec, steps: overCap, expect: { verdict: 'fails', clauses: { under_flop_cap: 'fails', synthetic_share: 'not reached', is_mlp: 'holds' } } },
      ],
    });
    const r = runTestFile(path, compile);
    expect(r.error).toBeUndefined();
    expect(r.cases.map((c) => c.passed)).toEqual([false, false, true]);
    expect(r.cases[0]!.problems[0]).toMatch(/^verdict: expected complies, got fails \(invariant under_flop_cap at step 2: /);
    expect(r.cases[0]!.problems.slice(1)).toEqual([expect.stringMatching(/^invariant under_flop_cap: expected holds, got fails at step 2 \(/), 'invariant synthetic_share: expected fails, got not reached']);
    expect(r.cases[1]!.problems).toEqual(['invariant under_flop_cap: expected fails at step 1, got holds', 'output total_compute: expected 11137 FLOP, got 11136 FLOP']);
    // Coverage from the cases' results: the cap held in one case and failed in another.
    expect(r.coverage.find((c) => c.clause === 'invariant under_flop_cap')).toEqual({ clause: 'invariant under_flop_cap', held: true, failed: true });
    expect(r.coverage.find((c) => c.clause === 'attest is_mlp')).toEqual({ clause: 'attest is_mlp', held: true, failed: false });

    const cli = zpol(['test', path, '--format', 'json']);
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout)[0].cases.map((c: { passed: boolean }) => c.passed)).toEqual([false, false, true]);
  });

  it('names the field of every problem in a test file, and runs no case that has one', () => {
    const bad = runTestFile(
      testFile({
        policy: DEMO,
        cases: [
          { name: 'names', spec, steps, expect: { verdict: 'maybe', clauses: { no_such: 'holds', fc1: 'holds', is_mlp: 'fails at step 2', under_flop_cap: 'sometimes' }, outputs: { nothing: 1 } }, extra: 1 },
          { name: 'records', spec: { ...spec, params: 'many' }, steps: [steps[0], { ...steps[1], tokens: -1, bogus: true }], expect: { verdict: 'complies' } },
          42,
        ],
      }),
      compile,
    );
    const [names, records, notACase] = bad.cases;
    expect(names!.problems).toEqual([
      "cases[0]: unknown field 'extra'",
      'cases[0].expect.verdict: "complies" or "fails", not "maybe"',
      expect.stringMatching(/^cases\[0\]\.expect\.clauses\.no_such: no attest or invariant 'no_such' in policy demo \(it has attest is_mlp, .*invariant under_flop_cap/),
      "cases[0].expect.clauses.fc1: verify fc1 is a compute check, which tests do not run (it reads the run's tensors)",
      'cases[0].expect.clauses.is_mlp: an attest holds or fails once, at genesis',
      'cases[0].expect.clauses.under_flop_cap: "holds", "fails", "fails at step K" or "not reached", not "sometimes"',
      "cases[0].expect.outputs.nothing: no output 'nothing' in policy demo (it has total_compute)",
      'cases[0].expect.outputs.nothing: the output\'s text as zpol eval prints it ("11136 FLOP"), not 1',
    ]);
    expect(records!.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^cases\[1\]\.spec\.params: /), expect.stringMatching(/^cases\[1\]\.steps\[1\]: unknown field 'bogus'/), expect.stringMatching(/^cases\[1\]\.steps\[1\]\.tokens: /)]));
    expect(notACase!.problems).toEqual(['cases[2]: a case is an object with "name", "spec", "steps" and "expect"']);
    expect(bad.cases.every((c) => !c.passed && Object.keys(c.clauses).length === 0)).toBe(true);

    expect(runTestFile(testFile('{ "policy": '), compile).error).toMatch(/^not JSON: /);
    expect(runTestFile(testFile({ policy: 'nowhere.zpol', cases: [] }), compile).error).toMatch(/^policy: cannot compile .*nowhere\.zpol/);
    expect(runTestFile(testFile({ policy: DEMO, cases: [], expect: {} }), compile).error).toBe("unknown field 'expect' (a test file has \"policy\" and \"cases\")");
    expect(runTestFile(join(dir, 'missing.zpoltest.json'), compile).error).toMatch(/^cannot read it: /);
  });
});
