// Real chain proofs as children of the aggregation tree (runtime/chain/aggregate.ts, runtime/aggregate/span.ts,
// runtime/chain/run-tree.ts): `zpol prove --aggregatable` proofs of a tiny policy, their heights the ones their
// programs fix; the level-1 node program (executed, not proven: proving is run-proof.test.ts's and the benchmark's)
// accepting two consecutive steps and rejecting a reordered pair, a gap, a step of another run and a step of another
// policy; the closing node accepting genesis, a step and the attestation of one run and rejecting a genesis or an
// attestation of another run, steps that do not begin at genesis, an attestation of another state, a proof of
// another kind or policy, and a tampered child.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { proveRun, verifyDir } from '../../runtime/chain/run-prover.ts';
import { decodeProofFile, proofFileProblem, type ProofFile } from '../../runtime/chain/proof-file.ts';
import { aggregationMachine, programLogHeights, proofChild, proofLeaf, stepChild, stepLeaf, STEP_SPAN } from '../../runtime/chain/aggregate.ts';
import { joinVerifier, nodeVerifier } from '../../runtime/aggregate/node.ts';
import { spanNode } from '../../runtime/aggregate/span.ts';
import { programCost } from '../../runtime/vm/costs.ts';
import type { ChildProof } from '../../runtime/aggregate/child.ts';
import { Recorder } from '../../runtime/run/recorder.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { vmTraces } from '../../runtime/vm/machine.ts';
import { programDigest } from '../../runtime/vm/program.ts';
import { selectBackend } from '../../gpu/index.ts';
import { closingSpec, runOutputWords } from '../../runtime/chain/run-tree.ts';
import { revealedValues } from '../../runtime/chain/verifier.ts';
import { digestToHex } from '../../runtime/run/tensor-commit.ts';
import { DIGEST_PUBLICS } from '../../runtime/vm/program.ts';
import type { ProofKind } from '../../runtime/policy/artifact.ts';
import { recordTinyRun, TINY_POLICY, tinyPolicy } from '../queue/tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-leaves-'));
const backend = selectBackend('auto');
const read = (dir: string, name: string): ProofFile => decodeProofFile(readFileSync(join(base, dir, name)));

function child(policy: typeof tinyPolicy, dir: string, step: number): ChildProof {
  const c = stepChild(policy, read(dir, `step-${String(step).padStart(6, '0')}.zproof`));
  if (!c.ok) throw new Error(c.error);
  return c.child;
}

function kindChild(dir: string, name: string, kind: ProofKind): ChildProof {
  const c = proofChild(tinyPolicy, kind, read(dir, name));
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
    // Two one-step runs (two prover keys: two spec commitments) for the closing node.
    for (const dir of ['1', '1b']) {
      recordTinyRun(join(base, `run${dir}`), 1);
      proveRun(tinyPolicy, join(base, `run${dir}`), join(base, `proofs${dir}`), { backend, aggregatable: true });
    }
  }, 600_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('zpol prove --aggregatable files say params "aggregation", verify, and have the heights the step program fixes', () => {
    const p = read('proofs', 'step-000001.zproof');
    expect(p.hash).toBe('poseidon2');
    expect(p.params).toBe('aggregation');
    expect(verifyDir(tinyPolicy, join(base, 'proofs')).ok).toBe(true);
    expect(proofFileProblem({ ...p, params: 'fast' as never })).toMatch(/params must be "aggregation" or absent/);
    const { hash: _, ...blake3 } = p;
    expect(proofFileProblem(blake3)).toMatch(/params: "aggregation" proofs are made with the poseidon2 hash configuration/);
    const heights = programLogHeights(aggregationMachine(tinyPolicy.programs.step));
    for (const k of [1, 2, 3]) expect(child(tinyPolicy, 'proofs', k).proof.logHeights).toEqual(heights);
    expect(stepLeaf(tinyPolicy).child.logHeights).toEqual(heights);
    expect(stepChild(tinyPolicy, read('proofs', 'genesis.zproof'))).toMatchObject({ ok: false, error: expect.stringMatching(/^kind: /) });
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

  it('the closing node ties genesis, the steps and the attestation into one run, and rejects each one of another run or state', { timeout: 600_000 }, () => {
    // Genesis, step 1 and the attestation of a one-step run: the span is the step proof itself (N = 1).
    const g = (dir: string) => kindChild(dir, 'genesis.zproof', 'genesis');
    const a = (dir: string) => kindChild(dir, 'attestation.zproof', 'attestation');
    const spec = closingSpec(tinyPolicy, proofLeaf(tinyPolicy, 'genesis'), stepLeaf(tinyPolicy), proofLeaf(tinyPolicy, 'attestation'));
    const s1 = child(tinyPolicy, 'proofs1', 1);
    const ok = joinVerifier(spec, [g('proofs1'), s1, a('proofs1')]);
    expect(programDigest(ok.program)).toEqual(programDigest(joinVerifier(spec, null).program));
    const exec = execute(ok.program, { privateInputs: ok.tape });
    // Its outputs: S, the public spec fields (genesis's outputs after C₀), the policy's outputs (the attestation's).
    const file = (name: string) => read('proofs1', name);
    const words = runOutputWords(tinyPolicy);
    expect(exec.publicOutputs.map(digestToHex)).toEqual([file('genesis.zproof').publicInputs[0], ...file('genesis.zproof').publicOutputs.slice(1), ...file('attestation.zproof').publicOutputs]);
    expect(exec.publicOutputs.length).toBe(words.total);
    expect(revealedValues(tinyPolicy, exec.publicOutputs.slice(0, 1 + words.spec), exec.publicOutputs.slice(1 + words.spec)).map((v) => v.name).length).toBeGreaterThan(0);

    // Refused when the tape is built (a proof at other heights has no place there) or when the program runs.
    const fails = (children: ChildProof[], why: RegExp) => {
      expect(() => {
        const p = joinVerifier(spec, children);
        execute(p.program, { privateInputs: p.tape });
      }).toThrow(why);
    };
    // A genesis of another run (another spec commitment), an attestation of another run.
    fails([g('proofs1b'), s1, a('proofs1')], /run: the steps are not under genesis's spec commitment/);
    fails([g('proofs1'), s1, a('proofs1b')], /run: the attestation is not under genesis's spec commitment/);
    // Of the three-step run: steps that do not begin at genesis (step 3 as the whole span: it ends where the
    // attestation starts, so only the C₀ link catches it — the red team's "steps 2..N + 1" run proof), and the
    // attestation of another state (after step 3, with step 1 as the span).
    fails([g('proofs'), child(tinyPolicy, 'proofs', 3), a('proofs')], /run: the first step does not start from the state genesis made/);
    fails([g('proofs'), child(tinyPolicy, 'proofs', 1), a('proofs')], /run: the attestation does not start from the state the last step ended in/);
    // A proof of another kind or another policy in a position: its heights are not the position's, or its program
    // digest is not the pinned one.
    fails([a('proofs1'), s1, a('proofs1')], /child proof: heights .* differ from the program's/);
    const otherGenesis = proofChild(otherPolicy, 'genesis', read('proofs3', 'genesis.zproof'));
    if (!otherGenesis.ok) throw new Error(otherGenesis.error);
    // (The other policy changes the step alone: its genesis program is this one's, so its genesis is another run's.)
    expect(read('proofs3', 'genesis.zproof').program).toBe(read('proofs1', 'genesis.zproof').program);
    fails([otherGenesis.child, s1, a('proofs1')], /run: the steps are not under genesis's spec commitment/);
    fails([g('proofs1'), child(otherPolicy, 'proofs3', 1), a('proofs1')], /the child's public 0 is not the program's/);
    // A tampered child: step 1's record commitment changed, so the transcript the in-VM verifier replays from its
    // publics draws other challenges, and the first check that reads them (the proof of work before LogUp) fails.
    const tampered = { ...s1, publics: s1.publics.map((x, i) => (i === DIGEST_PUBLICS + 2 * 8 ? (x + 1) % 2013265921 : x)) };
    fails([g('proofs1'), tampered, a('proofs1')], /assertion failed: the grinding nonce does not solve the proof-of-work puzzle \(before the LogUp challenges\)/);
  });

  it('refuses, naming the field, a file that cannot be a child of its position', () => {
    expect(proofChild(tinyPolicy, 'genesis', read('proofs1', 'step-000001.zproof'))).toMatchObject({ ok: false, error: expect.stringMatching(/^kind: this child is the genesis proof, this file holds the step proof/) });
    const { params: _, ...plain } = read('proofs1', 'attestation.zproof');
    expect(proofChild(tinyPolicy, 'attestation', plain)).toMatchObject({ ok: false, error: expect.stringMatching(/^params: not made to be aggregated/) });
    // --aggregatable covers genesis and the attestation too.
    for (const name of ['genesis.zproof', 'attestation.zproof']) expect(read('proofs1', name)).toMatchObject({ hash: 'poseidon2', params: 'aggregation' });
  });
});
