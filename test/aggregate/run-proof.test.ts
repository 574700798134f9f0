// The run proof end to end: `zpol prove --aggregatable` on a tiny one-step run, aggregateRun (zpol aggregate's; the
// suite's one real node proof: the closing node over genesis, the step and the attestation), `zpol verify POLICY
// run.proof` giving the chain's report in the policy's terms; aggregating again keeps the node; a tampered run
// proof, one whose outputs are another run's, one claiming another number of steps, and one checked against another
// policy are rejected. The run tree (the programs, their ROMs committed: minutes) is built once here and shared; zpol
// verify builds its own key once and reads it back from the key cache (ZPOL_KEY_CACHE, the test's directory).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { aggregateRun, runProofLines, verifyRunProof, type RunProofFile } from '../../runtime/chain/run-proof.ts';
import { closingSpec, runOutputWords, runTree } from '../../runtime/chain/run-tree.ts';
import { runKey } from '../../runtime/chain/run-key.ts';
import { proofLeaf, stepLeaf } from '../../runtime/chain/aggregate.ts';
import { joinVerifier } from '../../runtime/aggregate/node.ts';
import { programDigest } from '../../runtime/vm/program.ts';
import { verifyDir } from '../../runtime/chain/run-prover.ts';
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
    recordTinyRun(run, 1);
    const p = zpol(['prove', TINY_POLICY, '--run', run, '--out', proofs, '--aggregatable'], undefined, 600_000);
    expect(p.status, p.stderr).toBe(0);
  }, 600_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('proves genesis, the step and the attestation into one run proof, reports as the chain does, and rejects forged run proofs', { timeout: 3_000_000 }, () => {
    // zpol aggregate's wiring, before any key is built: a directory without the run's proofs is refused by name.
    const empty = zpol(['aggregate', TINY_POLICY, base, '--out', join(base, 'none.proof')]);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/no step proofs \(step-000001\.zproof\.\.\)/);

    // The key (every program and machine, from the policy and N), built once and shared: it is what zpol
    // aggregate and zpol verify build first (minutes), so the proof is made in-process with it.
    const cpu0 = process.cpuUsage();
    const tree = runTree(tinyPolicy, 1, backend);
    const keyCpu = process.cpuUsage(cpu0);
    const progress: { node: string; action: string; seconds: number; cpuSeconds: number }[] = [];
    const run1 = () => aggregateRun(tinyPolicy, proofs, join(proofs, 'aggregate'), out, { tree, onProgress: (p) => progress.push(p) });
    run1();
    expect(progress.map((p) => [p.node, p.action])).toEqual([['closing', 'proved']]);
    console.log(JSON.stringify(progress));
    expect(readdirSync(join(proofs, 'aggregate'))).toEqual(['closing.json']);
    // Aggregating again keeps the node.
    run1();
    expect(progress.map((p) => p.action)).toEqual(['proved', 'kept']);

    // zpol verify: the report in the policy's terms, the chain's claims and revealed values, no "not checked".
    const v = zpol(['verify', TINY_POLICY, out, '--format', 'json'], undefined, 900_000);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as { ok: boolean; steps: number; claims: string[]; revealed: { name: string; text: string }[]; specCommitment: string };
    const chain = verifyDir(tinyPolicy, proofs);
    expect(chain.ok).toBe(true);
    expect(report).toMatchObject({ ok: true, steps: 1, claims: chain.claims, specCommitment: chain.specCommitment });
    expect(report.revealed.map((r) => [r.name, r.text])).toEqual(chain.revealed.map((r) => [r.name, r.text]));
    expect(report.revealed.length).toBeGreaterThan(0);
    expect(v.stdout).not.toMatch(/not tied to a genesis|not checked/);
    expect((JSON.parse(v.stdout) as { keySource: string }).keySource).toBe('built');
    // The second verification reads the key back from the cache (the test's ZPOL_KEY_CACHE): seconds, not minutes.
    const warm = zpol(['verify', TINY_POLICY, out], undefined, 300_000);
    expect(warm.status, warm.stdout + warm.stderr).toBe(0);
    expect(warm.stdout).toMatch(/verifying key: read from the key cache/);
    expect(warm.stdout).toMatch(/verdict: the run proof verifies/);
    console.log(warm.stdout);

    const text = readFileSync(out, 'utf8');
    const file = JSON.parse(text) as RunProofFile;
    const t0 = performance.now();
    const verified = verifyRunProof(tinyPolicy, text, { tree });
    // Figures for the record (not checked: timings belong to bench/aggregate-run.ts).
    console.log(JSON.stringify({ keyCpuSeconds: (keyCpu.user + keyCpu.system) / 1e6, verifyMs: performance.now() - t0, runProofFileBytes: text.length, starkBytes: Buffer.from(file.stark, 'base64').length, cycles: tree.closing.program.instructions.length, logHeights: tree.closing.logHeights }));
    expect(verified).toMatchObject({ ok: true, steps: 1 });
    // zpol verify's lines for people (the CLI's JSON above is the same report).
    const lines = runProofLines(verified, 'run.proof', 1).join('\n');
    expect(lines).toMatch(/one proof of the run: genesis, steps 1\.\.1 .* and the attestation/);
    expect(lines).toMatch(/revealed web_fraction = /);
    expect(lines).toMatch(/verdict: the run proof verifies: the run complied with the policy/);
    const edit = (e: Partial<RunProofFile>) => verifyRunProof(tinyPolicy, JSON.stringify({ ...file, ...e }), { tree });
    const bytes = Buffer.from(file.stark, 'base64');
    bytes[bytes.length >> 1] ^= 1;
    expect(edit({ stark: bytes.toString('base64') })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: /) });
    // Another run's outputs: another spec commitment, or another revealed output (the attestation's last word).
    const words = runOutputWords(tinyPolicy);
    const other = (i: number, w: string) => file.publicOutputs.map((x, j) => (j === i ? w : x));
    expect(edit({ publicOutputs: other(0, file.publicOutputs[1]!) })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: does not verify/) });
    const last = file.publicOutputs[words.total - 1]!;
    const bumped = last.slice(0, 62) + ((parseInt(last.slice(62), 16) + 1) % 256).toString(16).padStart(2, '0');
    expect(edit({ publicOutputs: other(words.total - 1, bumped) })).toMatchObject({ ok: false, error: expect.stringMatching(/^(stark: does not verify|publicOutputs)/) });
    // Another number of steps with this key is refused; the digest of another policy is refused before any work.
    expect(edit({ steps: 2 })).toMatchObject({ ok: false, error: expect.stringMatching(/^steps: 2, the verifying key given is for 1/) });

    // The key cache (its checks: test/aggregate/run-key.test.ts): a key written from the tree and read back verifies
    // the run proof with the same figures, and refuses the one with another run's outputs.
    const keys = join(base, 'keys-api');
    expect(runKey(tinyPolicy, 1, () => tree, { cacheDir: keys, backend }).source).toBe('built');
    const cached = runKey(tinyPolicy, 1, () => tree, { cacheDir: keys, backend });
    expect(cached.source).toBe('cache');
    expect(verifyRunProof(tinyPolicy, text, { key: cached.key })).toMatchObject({ ok: true, steps: 1, security: verifyRunProof(tinyPolicy, text, { tree }).security });
    expect(verifyRunProof(tinyPolicy, JSON.stringify({ ...file, publicOutputs: other(0, file.publicOutputs[1]!) }), { key: cached.key })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: does not verify/) });
    const path = join(base, 'other.zpol');
    writeFileSync(path, readFileSync(TINY_POLICY, 'utf8').replace('total += step.tokens', 'total += step.tokens + step.web'));
    const otherPolicy = compileFile(path);
    if (!otherPolicy.ok) throw new Error('the other policy does not compile');
    expect(verifyRunProof(otherPolicy, text, { tree })).toMatchObject({ ok: false, error: expect.stringMatching(/^policyDigest: made for another policy/) });
    // Relabelled as the other policy's, it would be checked against that policy's closing program, which pins other
    // digests (genesis, step, attestation): another program digest, a public of the statement the proof does not
    // prove (building that program's machine, minutes, is left out).
    const closingOf = (p: typeof tinyPolicy) => joinVerifier(closingSpec(p, proofLeaf(p, 'genesis'), stepLeaf(p), proofLeaf(p, 'attestation')), null).program;
    expect(programDigest(closingOf(otherPolicy))).not.toEqual(programDigest(tree.closing.program));
    expect(programDigest(closingOf(tinyPolicy))).toEqual(programDigest(tree.closing.program));
  });
});
