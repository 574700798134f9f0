// Real chain proofs as leaves of the aggregation tree (runtime/chain/aggregate.ts, runtime/aggregate/span.ts):
// `zpol prove --aggregatable` step proofs of a tiny policy, their heights the ones the step program fixes, and the
// level-1 node program (executed, not proven: proving it is the benchmark's) accepting two consecutive steps and
// rejecting a reordered pair, a gap, a step of another run and a step of another policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { proveRun, verifyDir } from '../../runtime/chain/run-prover.ts';
import { decodeProofFile, proofFileProblem, type ProofFile } from '../../runtime/chain/proof-file.ts';
import { aggregationMachine, programLogHeights, stepChild, stepLeaf, STEP_SPAN } from '../../runtime/chain/aggregate.ts';
import { nodeVerifier } from '../../runtime/aggregate/node.ts';
import { spanNode } from '../../runtime/aggregate/span.ts';
import { programCost } from '../../runtime/vm/costs.ts';
import type { ChildProof } from '../../runtime/aggregate/child.ts';
import { Recorder } from '../../runtime/run/recorder.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { vmTraces } from '../../runtime/vm/machine.ts';
import { programDigest } from '../../runtime/vm/program.ts';
import { selectBackend } from '../../gpu/index.ts';
import { RUN_PROOF_GENESIS_NOT_CHECKED, runProofLines, type RunProofReport } from '../../runtime/chain/run-proof.ts';
import { digestToHex } from '../../runtime/run/tensor-commit.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { recordTinyRun, TINY_POLICY, tinyPolicy } from '../queue/tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-leaves-'));
const backend = selectBackend('auto');
const read = (dir: string, name: string): ProofFile => decodeProofFile(readFileSync(join(base, dir, name), 'utf8'));

function child(policy: typeof tinyPolicy, dir: string, step: number): ChildProof {
  const c = stepChild(policy, read(dir, `step-${String(step).padStart(6, '0')}.json`));
  if (!c.ok) throw new Error(c.error);
  return c.child;
}

// The tiny policy with another state update: another step program (another digest), the same records.
const otherPolicy = (() => {
  const path = join(base, 'other.zpol');
  writeFileSync(path, readFileSync(TINY_POLICY, 'utf8').replace('total += step.tokens', 'total += step.tokens + step.web'));
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error ?? 'the other policy does not compile');
  return r;
})();

describe('chain step proofs as leaves of the aggregation tree', () => {
  beforeAll(() => {
    recordTinyRun(join(base, 'run'), 3);
    proveRun(tinyPolicy, join(base, 'run'), join(base, 'proofs'), { backend, aggregatable: true });
    recordTinyRun(join(base, 'run2'), 2);
    proveRun(tinyPolicy, join(base, 'run2'), join(base, 'proofs2'), { backend, aggregatable: true, steps: { from: 1, to: 2 } });
    const rec = Recorder.open(join(base, 'run3'), otherPolicy.artifact.policy.name, { policyDigest: otherPolicy.artifact.digest, schemas: otherPolicy.artifact.schemas });
    rec.registerSources([{ name: 'web', examples: new Uint16Array(4), rows: 2, cols: 2 }]);
    rec.commitSpec({ budget: 1000, arch: 'mlp', note: 5 });
    for (let k = 1; k <= 2; k++) rec.recordStep(k, { tokens: 10, web: 3 }, {});
    rec.finish();
    proveRun(otherPolicy, join(base, 'run3'), join(base, 'proofs3'), { backend, aggregatable: true });
  }, 600_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('zpol prove --aggregatable files say params "aggregation", verify, and have the heights the step program fixes', () => {
    const p = read('proofs', 'step-000001.json');
    expect(p.hash).toBe('poseidon2');
    expect(p.params).toBe('aggregation');
    expect(verifyDir(tinyPolicy, join(base, 'proofs')).ok).toBe(true);
    expect(proofFileProblem({ ...p, params: 'fast' as never })).toMatch(/params must be "aggregation" or absent/);
    const { hash: _, ...blake3 } = p;
    expect(proofFileProblem(blake3)).toMatch(/params: "aggregation" proofs are made with the poseidon2 hash configuration/);
    const heights = programLogHeights(aggregationMachine(tinyPolicy.programs.step));
    for (const k of [1, 2, 3]) expect(child(tinyPolicy, 'proofs', k).proof.logHeights).toEqual(heights);
    expect(stepLeaf(tinyPolicy).child.logHeights).toEqual(heights);
    expect(stepChild(tinyPolicy, read('proofs', 'genesis.json'))).toMatchObject({ ok: false, error: expect.stringMatching(/^kind: /) });
    const { params: __, ...plain } = p;
    expect(stepChild(tinyPolicy, plain)).toMatchObject({ ok: false, error: expect.stringMatching(/^params: not made to be aggregated/) });
  });

  it('the level-1 node accepts consecutive steps and rejects a reordered pair, a gap, another run and another policy', { timeout: 600_000 }, () => {
    // Level 1 of the tree (stepTree builds its machine too, which commits the node program's ROM: not needed here).
    const spec = spanNode(stepLeaf(tinyPolicy), stepLeaf(tinyPolicy));
    const nodeProgram = nodeVerifier(spec, null).program;
    const [s1, s2, s3] = [1, 2, 3].map((k) => child(tinyPolicy, 'proofs', k)) as [ChildProof, ChildProof, ChildProof];
    const node = nodeVerifier(spec, { left: s1, right: s2 });
    expect(programDigest(node.program)).toEqual(programDigest(nodeProgram));
    const exec = execute(node.program, { privateInputs: node.tape });
    // The node's span: S, step 1's start, step 2's end.
    const word = (c: ChildProof, at: number) => c.publics.slice(at, at + 8);
    expect(exec.publicOutputs).toEqual([word(s1, STEP_SPAN.spec), word(s1, STEP_SPAN.start), word(s2, STEP_SPAN.end)]);
    // Its proofs' heights are the ones its program fixes (the next level's node program is built for them).
    expect(programCost(nodeProgram).tables.map((t) => t.rows)).toEqual(vmTraces(exec).map((t) => t.height));

    const fails = (left: ChildProof, right: ChildProof, why: RegExp) => {
      const p = nodeVerifier(spec, { left, right });
      expect(() => execute(p.program, { privateInputs: p.tape })).toThrow(why);
    };
    fails(s2, s1, /node: the right child does not start where the left one ended \(link 8\)/);
    fails(s1, s3, /node: the right child does not start where the left one ended \(link 8\)/);
    // Step 2 of another run of the same policy: its spec commitment (and states) are that run's.
    fails(s1, child(tinyPolicy, 'proofs2', 2), /node: the right child does not start where the left one ended \(link 0\)/);
    // Step 2 of another policy's run fails at its program digest.
    fails(s1, child(otherPolicy, 'proofs3', 2), /the child's public 0 is not the program's/);
  });

  it('a span need not begin at genesis: steps 2 and 3 make a node like steps 1 and 2, so a run proof says its start is not tied to one', { timeout: 600_000 }, () => {
    // Red team: no genesis is in the tree, so a run proof of steps 2..3 (files renamed step-000001/2) verifies as a
    // run proof of "2 steps"; only its first state (C₁ here, not genesis's C₀) tells them apart, and nothing checks it.
    const spec = spanNode(stepLeaf(tinyPolicy), stepLeaf(tinyPolicy));
    const [s1, s2, s3] = [1, 2, 3].map((k) => child(tinyPolicy, 'proofs', k)) as [ChildProof, ChildProof, ChildProof];
    const node = nodeVerifier(spec, { left: s2, right: s3 });
    const exec = execute(node.program, { privateInputs: node.tape });
    const word = (c: ChildProof, at: number) => c.publics.slice(at, at + 8);
    expect(exec.publicOutputs[1]).toEqual(word(s2, STEP_SPAN.start));
    expect(exec.publicOutputs[1]).not.toEqual(word(s1, STEP_SPAN.start));
    // So the report of an accepted run proof names N consecutive steps, not steps 1..N, and what it leaves unchecked.
    const hex = (w: readonly number[]) => digestToHex(w as Word);
    const report: RunProofReport = {
      ok: true,
      policy: tinyPolicy.artifact.policy.name,
      policyDigest: tinyPolicy.artifact.digest,
      steps: 2,
      specCommitment: hex(exec.publicOutputs[0]!),
      startState: hex(exec.publicOutputs[1]!),
      endState: hex(exec.publicOutputs[2]!),
      security: { stark: { conjecturedBits: 100, provenBits: null }, computeChecks: [], rowDraws: [], weakest: { what: 'x', bits: 100 } },
      notChecked: [RUN_PROOF_GENESIS_NOT_CHECKED],
    };
    const text = runProofLines(report, 'run.proof', 1).join('\n');
    expect(text).not.toMatch(/step 1\b|steps 1\.\./);
    expect(text).toMatch(/2 consecutive steps/);
    expect(text).toMatch(/not checked: genesis: .*not tied to a genesis proof/);
    expect(text).toMatch(/verdict: the run proof verifies, except that it is not tied to a genesis/);
  });
});
