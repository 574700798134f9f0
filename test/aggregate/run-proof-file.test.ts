// The run proof file's checks before any STARK work (runtime/chain/run-proof.ts verifyRunProof): what a hostile or
// mistaken file is refused for, naming the field, without building the tree. The STARK of a real run proof (and one
// checked against another policy) is bench/aggregate-run.ts's, minutes a node.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateRun, RUN_PROOF_FORMAT, RUN_PROOF_GENESIS_NOT_CHECKED, RUN_PROOF_VERSION, runProofLines, runProofSecurity, runTree, runTreeSecurity, verifyRunProof } from '../../runtime/chain/run-proof.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { compiled } from '../fixtures/compiled.ts';
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

const airs = () => [{ air: X.fibonacciAir }, { air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
/** A one-level tree of small systems standing in for the step proofs' (`step`) and the root's (`root`). */
const treeOf = (step: unknown, root: unknown, heights: number[]) => [{ spec: { left: { system: step, logHeights: heights } }, machine: { system: root }, logHeights: heights }] as unknown as SpanLevel[];

describe('run proof files', () => {
  it('refuses, naming the field, what is not a run proof of this policy', () => {
    expect(verifyRunProof(tinyPolicy, '{', { tree: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
    expect(check({ format: 'zpol-proof' })).toMatchObject({ ok: false, error: expect.stringMatching(/^format: not a zpol run proof/) });
    expect(check({ version: 2 })).toMatchObject({ ok: false, error: expect.stringMatching(/^version 2; this zpol reads version 1/) });
    expect(check({ extra: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/^fields: /) });
    expect(check({ policyDigest: word('a') })).toMatchObject({ ok: false, error: expect.stringMatching(/^policyDigest: made for another policy/) });
    expect(check({ policy: 'other' })).toMatchObject({ ok: false, error: expect.stringMatching(/^policy: names another policy/) });
    for (const steps of [0, 1, 3, 6, 2.5, '2', 2 ** 21]) expect(check({ steps })).toMatchObject({ ok: false, error: expect.stringMatching(/^steps: a power of two from 2 to 2\^20/) });
    expect(check({ publicOutputs: [word('0'), word('0')] })).toMatchObject({ ok: false, error: expect.stringMatching(/^publicOutputs: three words/) });
    expect(check({ publicOutputs: [word('0'), word('0'), word('G')] })).toMatchObject({ ok: false, error: expect.stringMatching(/^publicOutputs: three words/) });
    expect(check({ stark: 5 })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: must be a string/) });
  });

  it("reports the security of the tree's weakest proof, not the root's alone", () => {
    // Red team: forging one step proof that the level-1 program accepts forges the run proof, so a step proof (or a
    // lower node) weaker than the root bounds the run proof. Two small systems stand in for the step and the root.
    const weak = buildSystem('fib-u16', airs(), new FriPcs({ ...POSEIDON2_AGGREGATION_PCS_PARAMS, numQueries: 12 }, { ...HASH_CONFIGS.poseidon2, allowInsecure: true }), true);
    const strong = buildSystem('fib-u16', airs(), new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
    const heights = [3, 3, 8, 1];
    expect(heights.length).toBe(strong.tables.length);
    const [stepBits, rootBits] = [weak, strong].map((s) => starkSecurity(s, heights).conjecturedBits) as [number, number];
    expect(stepBits).toBeLessThan(rootBits);
    expect(runTreeSecurity(treeOf(weak, strong, heights)).conjecturedBits).toBe(stepBits);
  });

  it("counts the policy's own draws as the chain verifier does: the demo's run proof is worth its membership draw's ~20 bits, not its STARKs' ~100", () => {
    // Red team: a run proof says its steps ran the step program; a prover that commits a step's rows again redraws
    // its from_sources rows (8 of them behind 17 bits of work) exactly as it would for a proofs folder, so the run
    // proof's weakest figure is that draw's, as `zpol verify POLICY PROOFS/` reports, not the tree's STARK figure.
    const demo = compiled('policies/demo.zpol');
    const pcs = new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });
    const system = buildSystem('fib-u16', airs(), pcs, true);
    const heights = [3, 3, 8, 1];
    const sec = runProofSecurity(demo, treeOf(system, system, heights));
    const chain = verifyChain(demo, []).security;
    expect(sec.stark!.conjecturedBits).toBeGreaterThan(90);
    expect(sec.weakest).toEqual(chain.weakest);
    expect(sec.weakest!.bits).toBe(20.3);
    expect(sec.computeChecks).toEqual(chain.computeChecks);
    expect(sec.rowDraws).toEqual(chain.rowDraws);
    // A tree weaker than every part of the policy is the weakest, named as the tree.
    const weak = buildSystem('fib-u16', airs(), new FriPcs({ ...POSEIDON2_AGGREGATION_PCS_PARAMS, numQueries: 2, powBits: 0 }, { ...HASH_CONFIGS.poseidon2, allowInsecure: true }), true);
    const weakTree = runProofSecurity(demo, treeOf(weak, system, heights));
    expect(weakTree.weakest!.bits).toBe(weakTree.stark!.conjecturedBits);
    expect(weakTree.weakest!.bits).toBeLessThan(20.3);
    expect(weakTree.weakest!.what).toMatch(/run proof's tree/);
    // zpol verify POLICY run.proof prints the weakest, not the tree's figure alone.
    const report = { ok: true, policy: 'demo', policyDigest: demo.artifact.digest, steps: 2, specCommitment: word('0'), startState: word('0'), endState: word('0'), security: sec, notChecked: [RUN_PROOF_GENESIS_NOT_CHECKED] };
    const text = runProofLines(report, 'run.proof', 1).join('\n');
    expect(text).toContain('  security: weakest 20.3 bits: invariant batch_from_sources');
    expect(text).toMatch(/security: STARK proofs \d+(\.\d+)? bits conjectured \(the weakest of the tree's proofs/);
  });

  it('refuses, from the artifact alone and before building the tree, a policy whose step publics are not the commitments it links (ZV311)', { timeout: 30_000 }, () => {
    // Red team: a hand-made artifact (its digest covers whatever it holds) whose step program writes two public words,
    // or takes two: the tree would link, and the report call states, words that are not state commitments.
    const dir = mkdtempSync(join(tmpdir(), 'zpol-run-proof-'));
    try {
      for (const shape of [{ publicOutputs: 2 }, { publicInputs: 2 }]) {
        const odd = { ...tinyPolicy, programs: { ...tinyPolicy.programs, step: { ...tinyPolicy.programs.step, ...shape } } };
        expect(verifyRunProof(odd, JSON.stringify(good), { tree: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/^ZV311: the policy's step program takes \d public input words and writes \d public output words/) });
        expect(() => aggregateRun(odd, dir, join(dir, 'aggregate'), join(dir, 'run.proof'))).toThrow(/^ZV311: /);
        expect(() => runTree(odd, 2)).toThrow(/^ZV311: /);
      }
      // A step file that cannot be a leaf is refused before the node programs are built (minutes: this test's
      // timeout would catch a tree built first).
      for (const k of [1, 2]) writeFileSync(join(dir, `step-00000${k}.json`), '{"format": "zpol-proof"}');
      expect(() => aggregateRun(tinyPolicy, dir, join(dir, 'aggregate'), join(dir, 'run.proof'))).toThrow(/step-000001\.json/);
      writeFileSync(join(dir, 'step-000003.json'), '{}');
      expect(() => aggregateRun(tinyPolicy, dir, join(dir, 'aggregate'), join(dir, 'run.proof'))).toThrow(/a power of two of steps, at least 2; this run has 3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a tree that is not a power of two of steps', () => {
    expect(() => runTree(tinyPolicy, 3)).toThrow(/a run proof covers a power of two of steps, at least 2; this run has 3/);
    expect(() => runTree(tinyPolicy, 1)).toThrow(/at least 2/);
  });
});
