// Errors early and once (#15): what is wrong with a run directory is said before anything is proven, and once.
// A step whose committed tensors have another shape than the policy's compiled compute checks is refused by
// validation, naming the step file, the field and both shapes (it used to surface at the step, after genesis was
// proven); a run recorded for another policy is one line naming both policies (it used to be one schema error per
// field). Nothing here proves: each case fails before the first proof.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { loadRun, proveRun } from '../../runtime/chain/run-prover.ts';
import { formatIssue, RunFormatError } from '../../runtime/run/format.ts';
import { validateRunDir } from '../../runtime/run/validate.ts';
import { recordDemoRun } from '../../demo/record.ts';
import { DEMO_CONFIG } from '../../demo/trainer.ts';
import { proveFromCli } from '../../cli/chain.ts';

const compiled = (path: string) => {
  const r = compileFile(path);
  if (!r.ok) throw new Error(`${path} does not compile`);
  return r;
};
const demo = compiled('policies/demo.zpol');

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zpol-run-checks-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('run validation against the compiled compute checks', () => {
  it('a step whose tensors are not the shapes verify fc1 is compiled for is refused before any proof, naming the file, the field and both shapes', () => {
    // A run recorded with 8 examples per step where the policy checks [16, 4]·[4, 8]: every file is consistent
    // (the shapes chain, the roots are the tensors'), and the spec says 16 rows, so genesis alone would pass.
    const run = join(base, 'eight-rows');
    recordDemoRun(run, 1, { config: { ...DEMO_CONFIG, batchRows: 8, syntheticPerBatch: [3, 5] }, policyDigest: demo.artifact.digest, schemas: demo.artifact.schemas });
    const spec = JSON.parse(readFileSync(join(run, 'spec.json'), 'utf8'));
    writeFileSync(join(run, 'spec.json'), JSON.stringify({ ...spec, batch_rows: 16 }));
    // run.json's own operands chain, so without the compiled checks the run is valid.
    expect(validateRunDir(run, { schemas: demo.artifact.schemas })).toEqual([]);
    const expected = [
      'steps/000001.json: step 1: tensors/commitments/x_root/shape: is [8, 4], but verify fc1 is compiled for operand a (step.x_root) of shape [16, 4] (dims [M, K, N] = [16, 4, 8]: a is M×K)',
      'steps/000001.json: step 1: tensors/commitments/h_root/shape: is [8, 8], but verify fc1 is compiled for operand c (step.h_root) of shape [16, 8] (dims [M, K, N] = [16, 4, 8]: c is M×N)',
    ];
    expect(validateRunDir(run, { schemas: demo.artifact.schemas, checks: demo.compiled.verifies }).map(formatIssue)).toEqual(expected);
    const out = join(base, 'eight-rows-proofs');
    let error: unknown;
    try {
      proveRun(demo, run, out);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunFormatError);
    expect((error as RunFormatError).issues.map(formatIssue)).toEqual(expected);
    expect(existsSync(out)).toBe(false); // nothing proven, not even genesis
  });

  it('a b operand committed as it is, and a missing operand, are named per operand', () => {
    const run = join(base, 'orientation');
    recordDemoRun(run, 1, { anchor: null, policyDigest: demo.artifact.digest, schemas: demo.artifact.schemas });
    const stepPath = join(run, 'steps/000001.json');
    const step = JSON.parse(readFileSync(stepPath, 'utf8'));
    // run.json lists no verify operands here: the compiled checks alone know which fields are operands.
    const runJson = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    delete runJson.verify;
    writeFileSync(join(run, 'run.json'), JSON.stringify(runJson));
    const { h_root: _h, ...commitments } = step.tensors.commitments;
    commitments.w1_root = { ...commitments.w1_root, transposed: undefined };
    writeFileSync(stepPath, JSON.stringify({ ...step, tensors: { ...step.tensors, commitments: JSON.parse(JSON.stringify(commitments)) } }));
    expect(validateRunDir(run, { checks: demo.compiled.verifies, deep: false }).map(formatIssue)).toEqual([
      'steps/000001.json: step 1: tensors/commitments/w1_root: verify fc1: operand b must be committed transposed (transposed: true)',
      "steps/000001.json: step 1: tensors/commitments: verify fc1: operand c (record field 'h_root') has no commitment entry",
    ]);
  });
});

describe('a run recorded for another policy', () => {
  let run: string;
  beforeAll(() => {
    run = join(base, 'demo-run');
    recordDemoRun(run, 1, { policyDigest: demo.artifact.digest, schemas: demo.artifact.schemas });
  });

  it('is one error naming both policies, not one per field', () => {
    const mixture = compiled('policies/data_mixture.zpol');
    expect(() => loadRun(mixture, run)).toThrow(/^\S+run\.json: the run was recorded for policy 'demo', not for policy 'data_mixture' \(policies\/data_mixture\.zpol\)$/);
    // Another version of the same policy: its digest, not its records, says so.
    const other = { ...demo, artifact: { ...demo.artifact, digest: 'f'.repeat(64) } };
    expect(() => loadRun(other, run)).toThrow(/^\S+run\.json: the run was recorded for another version of policy 'demo' \(digest [0-9a-f]{16}…\), not this one \(policies\/demo\.zpol, digest f{16}…\)$/);
  });

  it('zpol prove says it in one line on stderr, and in the JSON report', async () => {
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    let result;
    try {
      result = await proveFromCli('policies/data_mixture.zpol', run, join(base, 'mixture-proofs'), {}, null);
    } finally {
      spy.mockRestore();
    }
    expect(result.exitCode).toBe(1);
    expect(stderr).toEqual([`zpol: ${join(run, 'run.json')}: the run was recorded for policy 'demo', not for policy 'data_mixture' (policies/data_mixture.zpol)\n`]);
    expect(result.report).toMatchObject({ ok: false, proved: 0, error: expect.stringMatching(/^\S+ the run was recorded for policy 'demo', not for policy 'data_mixture'/) });
    expect(existsSync(join(base, 'mixture-proofs'))).toBe(false);
  });
});
