// Red team: `zpol verify` reads a directory the prover hands over. Only its regular files are proof files: a FIFO
// named like one blocked the verifier's read forever, a link to /dev/zero read without end, a link to a file
// elsewhere put that file's first bytes into the report (JSON.parse quotes its input), and a huge file was read
// whole. Each is now unreadable (ZV111) without being read, and the others are still checked.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { MAX_PROOF_FILE_BYTES, verifyDir } from '../../runtime/chain/run-prover.ts';

const policy = (() => {
  const r = compileFile('test/fixtures/policies/proof_fuzz.zpol');
  if (!r.ok) throw new Error('the fixture does not compile');
  return r;
})();

const hasMkfifo = (() => {
  try {
    execFileSync('mkfifo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('red team: what zpol verify reads from a proofs directory', () => {
  it('refuses FIFOs, devices, links and files beyond a proof\'s size without reading them, naming each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-verify-dir-'));
    const secret = join(mkdtempSync(join(tmpdir(), 'zpol-secret-')), 'key.txt');
    writeFileSync(secret, 'SECRET-KEY-MATERIAL 0123456789');
    if (hasMkfifo) execFileSync('mkfifo', [join(dir, 'step-000001.zproof')]);
    symlinkSync('/dev/zero', join(dir, 'step-000002.zproof'));
    symlinkSync(secret, join(dir, 'step-000003.zproof'));
    writeFileSync(join(dir, 'step-000004.zproof'), '');
    truncateSync(join(dir, 'step-000004.zproof'), MAX_PROOF_FILE_BYTES + 1);
    mkdirSync(join(dir, 'step-000005.zproof'));
    writeFileSync(join(dir, 'step-000006.zproof'), 'not a proof');
    const report = verifyDir(policy, dir);
    expect(report.ok).toBe(false);
    const reason = (name: string) => report.unreadable.find((u) => u.startsWith(`${name}:`)) ?? '(not listed)';
    if (hasMkfifo) expect(reason('step-000001.zproof')).toMatch(/not a regular file/);
    expect(reason('step-000002.zproof')).toMatch(/a symbolic link/);
    expect(reason('step-000003.zproof')).toMatch(/a symbolic link/);
    expect(reason('step-000004.zproof')).toMatch(/more than a proof file has/);
    expect(reason('step-000005.zproof')).toMatch(/not a regular file/);
    expect(reason('step-000006.zproof')).toMatch(/not a zpol proof file \(it does not start with/);
    expect(JSON.stringify(report)).not.toContain('SECRET');
    rmSync(dir, { recursive: true, force: true });
    rmSync(secret, { force: true });
  });
});
