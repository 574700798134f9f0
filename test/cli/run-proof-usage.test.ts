// `zpol verify POLICY RUN_PROOF` with options a run proof does not support: bad usage (exit 2) naming why, before
// the policy is compiled or the file read. Before, --format html verified the run proof, wrote no page and exited 1
// with nothing on stderr, and --prior was ignored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zpol } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-run-proof-usage-'));
const runProof = join(dir, 'run.proof');
// Not a run proof at all: a usage error comes before the file is read, so its content does not matter.
writeFileSync(runProof, '{}');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zpol verify POLICY RUN_PROOF: options a run proof does not support', () => {
  it('refuses --format html as bad usage, exit 2, writing no page', { timeout: 120_000 }, () => {
    const r = zpol(['verify', 'policies/demo.zpol', runProof, '--format', 'html', '--out', join(dir, 'report.html')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${runProof} is a run proof: --format html reports a proofs directory's chain; a run proof's report is pretty or json`);
    expect(r.stdout).toBe('');
  });

  it('refuses --prior as bad usage, exit 2', { timeout: 120_000 }, () => {
    const r = zpol(['verify', 'policies/demo.zpol', runProof, '--prior', `prior_chain=${dir}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${runProof} is a run proof: --prior links a proofs directory's spec fields to an earlier chain`);
  });

  it('still verifies (and rejects) a run proof without them, exit 1 naming the field', { timeout: 120_000 }, () => {
    const r = zpol(['verify', 'policies/demo.zpol', runProof]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/REJECTED: format: not a zpol run proof/);
    expect(r.stdout).toMatch(/verdict: the run proof does NOT verify/);
  });
});
