// The run proof file's checks before any STARK work (runtime/chain/run-proof.ts verifyRunProof): what a hostile or
// mistaken file is refused for, naming the field, without building the tree. The STARK of a real run proof (and one
// checked against another policy) is bench/aggregate-run.ts's, minutes a node.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STARK_PROOF_VERSION } from '../../runtime/proof/stark/codec.ts';
import { RUN_PROOF_FORMAT, RUN_PROOF_VERSION, runTree, runTreeSecurity, verifyRunProof } from '../../runtime/chain/run-proof.ts';
import type { SpanLevel } from '../../runtime/aggregate/span.ts';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_AGGREGATION_PCS_PARAMS } from '../../runtime/proof/pcs/index.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import * as X from '../fixtures/sample-airs.ts';
import { tinyPolicy } from '../queue/tiny-run.ts';

const word = (x: string) => x.repeat(64);
const good = {
  format: RUN_PROOF_FORMAT,
  version: RUN_PROOF_VERSION,
  policy: tinyPolicy.artifact.policy.name,
  policyDigest: tinyPolicy.artifact.digest,
  steps: 2,
  publicOutputs: [word('0'), word('0'), word('0')],
  stark: '',
};
const check = (edit: Record<string, unknown>) => verifyRunProof(tinyPolicy, JSON.stringify({ ...good, ...edit }), { tree: [] });

describe('run proof files', () => {
  it('refuses, naming the field, what is not a run proof of this policy', () => {
    expect(verifyRunProof(tinyPolicy, '{', { tree: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
    expect(check({ format: 'zpol-proof' })).toMatchObject({ ok: false, error: expect.stringMatching(/^format: not a zpol run proof/) });
    expect(check({ version: 2 })).toMatchObject({ ok: false, error: expect.stringMatching(/^version 2; this zpol reads version 1/) });
    expect(check({ extra: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/^fields: /) });
    expect(check({ policyDigest: word('a') })).toMatchObject({ ok: false, error: expect.stringMatching(/^policyDigest: made for another policy/) });
    expect(check({ policy: 'other' })).toMatchObject({ ok: false, error: expect.stringMatching(/^policy: names another policy/) });
    for (const steps of [0, 1, 3, 6, 2.5, '2', 2 ** 21]) expect(check({ steps })).toMatchObject({ ok: false, error: expect.stringMatching(/^steps: a power of two from 2 to 2\^20/) });
    expect(check({ stark: 'not base64!' })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: must be a string of base64/) });
    expect(check({ publicOutputs: [word('0'), word('0')] })).toMatchObject({ ok: false, error: expect.stringMatching(/^publicOutputs: three words/) });
    expect(check({ publicOutputs: [word('0'), word('0'), word('G')] })).toMatchObject({ ok: false, error: expect.stringMatching(/^publicOutputs: three words/) });
    expect(check({ stark: 5 })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: must be a string/) });
  });

  it('refuses a file that claims a large tree before building any key (DoS): its STARK header is read first', () => {
    // A hostile file claiming 2^20 steps made the verifier build 20 node machines (hours) before rejecting it: the
    // claim is bounded (2^20) and the STARK proof's header is checked first; no key is built, none is cached.
    const dir = mkdtempSync(join(tmpdir(), 'zpol-key-cache-'));
    const hostile = (stark: string) => verifyRunProof(tinyPolicy, JSON.stringify({ ...good, steps: 2 ** 20, stark }), { cacheDir: dir });
    const t = performance.now();
    expect(hostile('')).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: too short/) });
    expect(hostile(Buffer.from('not a proof at all').toString('base64'))).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: not a zpol STARK proof \(bad magic\)/) });
    const header = Buffer.from([0x5a, 0x50, 0x53, 0x54, STARK_PROOF_VERSION, 3, 18, 40, 2]);
    expect(hostile(header.toString('base64'))).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: table 1 log height 40 out of range/) });
    expect(hostile(Buffer.from([0x5a, 0x50, 0x53, 0x54, STARK_PROOF_VERSION - 1, 0]).toString('base64'))).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: unsupported version/) });
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports the security of the tree's weakest proof, not the root's alone", () => {
    // Red team: forging one step proof that the level-1 program accepts forges the run proof, so a step proof (or a
    // lower node) weaker than the root bounds the run proof. Two small systems stand in for the step and the root.
    const airs = () => [{ air: X.fibonacciAir }, { air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
    const weak = buildSystem('fib-u16', airs(), new FriPcs({ ...POSEIDON2_AGGREGATION_PCS_PARAMS, numQueries: 12 }, { ...HASH_CONFIGS.poseidon2, allowInsecure: true }), true);
    const strong = buildSystem('fib-u16', airs(), new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
    const heights = [3, 3, 8, 1];
    expect(heights.length).toBe(strong.tables.length);
    const levels = [{ spec: { left: { system: weak, logHeights: heights } }, machine: { system: strong }, logHeights: heights }] as unknown as SpanLevel[];
    const [stepBits, rootBits] = [weak, strong].map((s) => starkSecurity(s, heights).conjecturedBits) as [number, number];
    expect(stepBits).toBeLessThan(rootBits);
    expect(runTreeSecurity(levels).conjecturedBits).toBe(stepBits);
  });

  it('refuses a tree that is not a power of two of steps', () => {
    expect(() => runTree(tinyPolicy, 3)).toThrow(/a run proof covers a power of two of steps, at least 2; this run has 3/);
    expect(() => runTree(tinyPolicy, 1)).toThrow(/at least 2/);
  });
});
