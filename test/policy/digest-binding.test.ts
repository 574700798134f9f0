// The policy digest covers what a verifier's report says (runtime/policy/artifact.ts policyDigest): a .zcp whose
// compute checks or clause table are edited is refused when loaded, and one whose digest is recomputed after the
// edit is another policy, which the proofs of the original do not verify against.
import { describe, expect, it } from 'vitest';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { encodeArtifact, loadArtifact, policyDigest, type Artifact } from '../../runtime/policy/artifact.ts';
import { demoSpec, demoWeightsConfig } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const demo = compiled('policies/demo.zpol');
const gpt = compiled('policies/tiny_gpt.zpol');

type Edit = (a: Artifact & Record<string, unknown>) => void;
const edited = (c: typeof demo, edit: Edit): Artifact & Record<string, unknown> => {
  const a = JSON.parse(new TextDecoder().decode(encodeArtifact(c.artifact))) as Artifact & Record<string, unknown>;
  edit(a);
  return a;
};
const bytes = (a: unknown) => new TextEncoder().encode(JSON.stringify(a));
const load = (c: typeof demo, edit: Edit) => () => loadArtifact(bytes(edited(c, edit)), 'x.zcp');
const DIGEST = /^x\.zcp: the policy digest is not that of its contents/;
const mutable = <T>(x: T) => x as { -readonly [K in keyof T]: T[K] };

describe('the policy digest', () => {
  it('covers every field of a compute check', () => {
    const fc1 = (a: Artifact) => mutable(a.verifies[0]!) as unknown as Record<string, unknown>;
    expect(demo.artifact.verifies[0]!.name).toBe('fc1');
    const edits: Edit[] = [
      (a) => (fc1(a).samples = 8),
      (a) => (fc1(a).dims = [16, 4, 16]),
      (a) => (fc1(a).order = 'sequential'),
      (a) => (fc1(a).rounding = 'f32'),
      (a) => (fc1(a).a = 'h_root'),
      (a) => (fc1(a).drawBits = 99.9),
      (a) => (fc1(a).grindingBits = 128),
      (a) => (fc1(a).at = 'demo.zpol:1:1'),
      (a) => Object.assign(fc1(a), { order: 'blocked', block: 4 }),
      (a) => mutable(a).verifies = [],
    ];
    for (const e of edits) expect(load(demo, e)).toThrow(DIGEST);
  });

  it("covers a family's range and draws, and the checks' order", () => {
    const family = gpt.artifact.verifies.find((v) => v.family)!;
    expect(family.family!.to - family.family!.from).toBeGreaterThan(1);
    const f = (a: Artifact) => mutable(a.verifies.find((v) => v.name === family.name)!.family!);
    const edits: Edit[] = [
      (a) => (f(a).draws = 2),
      (a) => (f(a).from = 1),
      (a) => (f(a).to = 1),
      (a) => {
        // The family's weights binding names member l's tensor with {l}: renamed along, the check holds together.
        const v = mutable(a.verifies.find((x) => x.name === family.name)!) as { family: { variable: string }; weights?: { name: string } };
        v.family.variable = 'm';
        if (v.weights) v.weights = { ...v.weights, name: v.weights.name.replaceAll('{l}', '{m}') };
      },
      (a) => mutable(a).verifies = [...a.verifies].reverse(),
      (a) => delete (mutable(a.verifies.find((v) => v.name === family.name)!) as { family?: unknown }).family,
    ];
    for (const e of edits) expect(load(gpt, e)).toThrow(DIGEST);
  });

  it('covers the clause table, the header a report names, the types and the source map', () => {
    const edits: Edit[] = [
      (a) => (mutable(a.clauses[0]!).description = 'Something else'),
      (a) => (mutable(a.clauses[0]!).name = 'other'),
      (a) => (mutable(a.clauses[0]!).kind = 'invariant'),
      (a) => (mutable(a.clauses[0]!).at = 'demo.zpol:2:1'),
      (a) => mutable(a).clauses = a.clauses.slice(1),
      (a) => mutable(a).clauses = [...a.clauses, { kind: 'verify', name: 'fc2', description: null, at: 'demo.zpol:1:1' }],
      (a) => (mutable(a.policy).name = 'other'),
      (a) => (mutable(a.policy).description = 'other'),
      (a) => (mutable(a.outputs[0]!).type = { kind: 'int', unit: 'param' }),
      (a) => (mutable(a.sourceMap.step[0]!).name = 'other'),
      (a) => (a.extra = 1),
    ];
    for (const e of edits) expect(load(demo, e)).toThrow(DIGEST);
    // Where the policy was compiled from is not part of it: a .zcp compiled from another directory is the same policy.
    expect(load(demo, (a) => (mutable(a.policy).source = 'elsewhere/demo.zpol'))).not.toThrow();
  });

  it('makes an edited .zcp with its digest recomputed another policy: the original proofs do not verify against it', () => {
    const prover = new ChainProver(demo, new Uint8Array(32).fill(3), demoSpec(demo), demoWeightsConfig());
    const genesis = { name: 'genesis-0', proof: prover.genesis().proof };
    expect(verifyChain(demo, [genesis]).proofs[0]).toMatchObject({ ok: true });
    const forged = edited(demo, (a) => (mutable(a.verifies[0]!).samples = 1024));
    Object.assign(forged, { digest: Buffer.from(policyDigest(forged)).toString('hex') });
    const loaded = loadArtifact(bytes(forged), 'forged.zcp');
    expect(loaded.artifact.verifies[0]!.samples).toBe(1024);
    const report = verifyChain(loaded, [genesis]);
    expect(report.ok).toBe(false);
    expect(report.proofs[0]).toMatchObject({ ok: false, code: 'ZV102', error: expect.stringMatching(/^policyDigest: made for another policy/) });
  }, 60_000);
});
