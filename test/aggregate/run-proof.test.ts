// The run proof end to end, through the CLI: `zpol prove --aggregatable` on a tiny two-step run, `zpol aggregate`
// (the suite's one real node proof), `zpol verify POLICY run.proof`; a second `zpol aggregate` keeps the node; a
// tampered run proof, one whose outputs are another run's, and one checked against another policy are rejected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { runTree, verifyRunProof, type RunProofFile } from '../../runtime/chain/run-proof.ts';
import { runKey } from '../../runtime/chain/run-key.ts';
import { selectBackend } from '../../gpu/index.ts';
import { zpol } from '../helpers.ts';
import { recordTinyRun, TINY_POLICY, tinyPolicy } from '../queue/tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-run-proof-'));
const run = join(base, 'run');
const proofs = join(base, 'proofs');
const out = join(base, 'run.proof');
const backend = selectBackend('auto');
// The CLI's verifying-key cache (runtime/chain/run-key.ts) in the test's directory, not the user's.
process.env.ZPOL_KEY_CACHE = join(base, 'keys');

describe('zpol aggregate and zpol verify POLICY run.proof', () => {
  beforeAll(() => {
    recordTinyRun(run, 2);
    const p = zpol(['prove', TINY_POLICY, '--run', run, '--out', proofs, '--aggregatable'], undefined, 600_000);
    expect(p.status, p.stderr).toBe(0);
  }, 600_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('proves the tree, verifies the run proof, keeps the node when run again, and rejects forged run proofs', { timeout: 3_000_000 }, () => {
    const a = zpol(['aggregate', TINY_POLICY, proofs, '--out', out], undefined, 2_400_000);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/level 1 node 1\/1: proven in/);
    expect(a.stdout).toMatch(/run proof of 2 step proofs \(step-000001\.json\.\.\) written to/);
    console.log(a.stdout);
    expect(readdirSync(join(proofs, 'aggregate'))).toEqual(['level-1-0.json']);

    const v = zpol(['verify', TINY_POLICY, out], undefined, 300_000);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/2 consecutive steps: each ran the policy's step program/);
    console.log(v.stdout);
    expect(v.stdout).toMatch(/verdict: the run proof verifies/);
    expect(v.stdout).toMatch(/verifying key: built from the policy/);
    // The second verification reads the key back from the cache.
    const warm = zpol(['verify', TINY_POLICY, out], undefined, 300_000);
    expect(warm.status, warm.stdout + warm.stderr).toBe(0);
    expect(warm.stdout).toMatch(/verifying key: read from the key cache/);
    expect(warm.stdout).toMatch(/verdict: the run proof verifies/);
    console.log(warm.stdout);

    const again = zpol(['aggregate', TINY_POLICY, proofs, '--out', out, '--format', 'json'], undefined, 300_000);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { nodes: { action: string }[] }).nodes.map((n) => n.action)).toEqual(['kept']);

    const text = readFileSync(out, 'utf8');
    const file = JSON.parse(text) as RunProofFile;
    // The verifier's key, built once: the node program's machine (its ROM committed on the backend).
    const tree = runTree(tinyPolicy, 2, backend);
    expect(verifyRunProof(tinyPolicy, text, { tree })).toMatchObject({ ok: true, steps: 2 });
    const edit = (e: Partial<RunProofFile>) => verifyRunProof(tinyPolicy, JSON.stringify({ ...file, ...e }), { tree });
    const bytes = Buffer.from(file.stark, 'base64');
    bytes[bytes.length >> 1] ^= 1;
    expect(edit({ stark: bytes.toString('base64') })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: /) });
    // Another end state (as a run proof of another run would claim): the proof does not verify for those outputs.
    const [s, start, end] = file.publicOutputs;
    expect(edit({ publicOutputs: [s!, start!, start!] })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: does not verify/) });
    expect(edit({ publicOutputs: [s!, end!, end!] })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: does not verify/) });

    // The key cache (its checks: test/aggregate/run-key.test.ts): a key written from the tree and read back verifies
    // the run proof, and refuses the one with another run's outputs.
    const keys = join(base, 'keys-api');
    expect(runKey(tinyPolicy, 1, () => tree, { cacheDir: keys, backend }).source).toBe('built');
    const cached = runKey(tinyPolicy, 1, () => tree, { cacheDir: keys, backend });
    expect(cached.source).toBe('cache');
    expect(verifyRunProof(tinyPolicy, text, { key: cached.key })).toMatchObject({ ok: true, steps: 2, security: verifyRunProof(tinyPolicy, text, { tree }).security });
    expect(verifyRunProof(tinyPolicy, JSON.stringify({ ...file, publicOutputs: [s!, start!, start!] }), { key: cached.key })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: does not verify/) });

    // Another policy (another step program), the file relabelled as its: the root program pins other digests.
    const path = join(base, 'other.zpol');
    writeFileSync(path, readFileSync(TINY_POLICY, 'utf8').replace('total += step.tokens', 'total += step.tokens + step.web'));
    const other = compileFile(path);
    if (!other.ok) throw new Error('the other policy does not compile');
    const relabelled = JSON.stringify({ ...file, policy: other.artifact.policy.name, policyDigest: other.artifact.digest });
    expect(verifyRunProof(other, text, { tree: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/^policyDigest: made for another policy/) });
    expect(verifyRunProof(other, relabelled, { backend })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: does not verify/) });
  });
});
