// The artifact as the seam (runtime/policy/artifact.ts): a .zcp holds everything the runtime needs, with
// self-describing types and the clause table, and loading one checks that it holds together.
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { encodeArtifact, loadArtifact } from '../../runtime/policy/artifact.ts';
import { encodeProgram } from '../../runtime/vm/program.ts';

const compiled = (() => {
  const r = compileFile('policies/demo.zpol');
  if (!r.ok) throw new Error('the demo policy does not compile');
  return r;
})();
const bytes = encodeArtifact(compiled.artifact);
const tampered = (edit: (a: Record<string, unknown>) => void): Uint8Array => {
  const a = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  edit(a);
  return new TextEncoder().encode(JSON.stringify(a));
};

describe('the compiled-policy artifact', () => {
  it('describes its records, outputs and clauses itself: units, enum members, array lengths, descriptions', () => {
    const a = compiled.artifact;
    expect(a.version).toBe(3);
    const spec = Object.fromEntries(a.records.spec.map((f) => [f.name, f.type]));
    expect(spec.arch).toEqual({ kind: 'enum', name: 'ArchClass', members: expect.arrayContaining(['mlp']) });
    expect(spec.params).toEqual({ kind: 'int', unit: 'param' });
    expect(a.records.step.find((f) => f.name === 'tokens_by_source')).toEqual({ name: 'tokens_by_source', type: { kind: 'array', element: { kind: 'int', unit: 'token' }, length: 2 }, words: 2 });
    expect(a.outputs).toEqual([{ name: 'total_compute', type: { kind: 'int', unit: 'FLOP' }, words: 1 }]);
    expect(a.clauses.map((c) => `${c.kind} ${c.name}`)).toEqual(expect.arrayContaining(['attest is_mlp', 'invariant under_flop_cap', 'verify fc1', 'output total_compute']));
    expect(a.clauses.find((c) => c.name === 'under_flop_cap')).toEqual({ kind: 'invariant', name: 'under_flop_cap', description: 'Cumulative training compute at most 1e12 FLOP', at: expect.stringMatching(/^demo\.zpol:\d+:1$/) });
  });

  it('loads back to the same programs', () => {
    const loaded = loadArtifact(bytes, 'demo.zcp');
    for (const k of ['genesis', 'step', 'attestation'] as const) {
      expect(Buffer.from(encodeProgram(loaded.programs[k])).equals(Buffer.from(encodeProgram(compiled.compiled.programs[k])))).toBe(true);
    }
    expect(loaded.artifact).toEqual(compiled.artifact);
  });

  it('refuses an artifact that does not hold together, naming the file and what is wrong', () => {
    const load = (b: Uint8Array) => () => loadArtifact(b, 'x.zcp');
    expect(load(new TextEncoder().encode('not json'))).toThrow(/^x\.zcp: not a compiled policy/);
    expect(load(tampered((a) => (a.version = 1)))).toThrow(/x\.zcp: compiled policy version 1; this zpol reads version 3 \(compile the policy again\)/);
    expect(load(tampered((a) => (a.version = 2)))).toThrow(/x\.zcp: compiled policy version 2; this zpol reads version 3/);
    // Another layout under the same digest: a field renamed, a width changed, an enum's type swapped.
    expect(load(tampered((a) => ((a as { records: { spec: { name: string }[] } }).records.spec[0]!.name = 'other')))).toThrow(/the policy digest is not that of its contents/);
    expect(load(tampered((a) => ((a as { outputs: { words: number }[] }).outputs[0]!.words = 2)))).toThrow(/outputs\[0\] is not a field layout/);
    expect(load(tampered((a) => ((a as { outputs: { type: unknown }[] }).outputs[0]!.type = { kind: 'bool' })))).toThrow(/the policy digest is not that of its contents/);
    expect(load(tampered((a) => ((a as { records: { step: { type: unknown }[] } }).records.step[0]!.type = { kind: 'float' })))).toThrow(/records\.step\[0\] is not a field layout/);
    // Another program under the digest of this one.
    const other = tampered((a) => {
      const programs = a.programs as Record<string, { encoding: string }>;
      programs.step!.encoding = programs.genesis!.encoding;
    });
    expect(load(other)).toThrow(/the step program does not match its digest/);
    expect(load(tampered((a) => delete a.clauses))).toThrow(/clauses is not a list/);
    // A check's family, without its weights binding ("fc1.weight" names one tensor: a family's binding names each
    // member's with {l}, so the family with it is refused as such).
    const family = (f: unknown, keepWeights = false) =>
      tampered((a) => {
        const v = (a as { verifies: { family?: unknown; weights?: unknown }[] }).verifies[0]!;
        if (!keepWeights) delete v.weights;
        v.family = f;
      });
    // A well-formed family the compiler did not put there: it holds together, but it is not this policy.
    expect(load(family({ variable: 'l', from: 0, to: 2, draws: 1 }))).toThrow(/the policy digest is not that of its contents/);
    expect(load(family({ variable: 'l', from: 0, to: 2, draws: 1 }, true))).toThrow(/verifies\[0\]\.weights is not a weights binding .*holding \{VARIABLE\} in a family/);
    for (const f of [{ variable: 'l', from: 2, to: 2, draws: 1 }, { variable: 'l', from: 0, to: 2, draws: 3 }, { variable: 'l', from: -1, to: 2, draws: 1 }, { variable: 'l', from: 0, to: 2, draws: 0 }, { from: 0, to: 2, draws: 1 }, 'l']) {
      expect(load(family(f))).toThrow(/verifies\[0\]\.family is not a family/);
    }
    const order = (block: unknown) => tampered((a) => Object.assign((a as { verifies: object[] }).verifies[0]!, { order: 'blocked', block }));
    expect(load(order(16))).toThrow(/the policy digest is not that of its contents/);
    for (const b of [0, 1.5, undefined, '16']) expect(load(order(b))).toThrow(/verifies\[0\] is in blocked order without a block width/);
  });
});
