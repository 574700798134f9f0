// Parameters and architecture from the committed initial weights (#20): genesis reads the layout of weights.json
// (name, kind, block, rows, cols, root per tensor), rebuilds its root against spec.W and derives weight_params,
// weight_layers and weight_experts from it, so a run that declares another parameter count or class than its
// committed weights fails to prove, naming the claim.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PolicyInterpreter } from '../../compiler/interpret.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { loadArtifact, encodeArtifact } from '../../runtime/policy/artifact.ts';
import { digestFromHex, digestToHex } from '../../runtime/run/tensor-commit.ts';
import { readWeights } from '../../runtime/run/weight-data.ts';
import { validateRunDir } from '../../runtime/run/validate.ts';
import { formatIssue } from '../../runtime/run/format.ts';
import { bf16Tensor, encodeSafetensors } from '../../runtime/run/safetensors.ts';
import {
  checkWeightsJson,
  layoutExperts,
  layoutLayers,
  layoutParams,
  layoutRoot,
  weightBlock,
  weightKind,
  weightLayout,
  weightMatrixShape,
  type WeightsJson,
  type WeightTensor,
} from '../../runtime/run/weights.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { num } from '../../language/checker/values.ts';
import { recordDemoRun } from '../../demo/record.ts';
import { chainFailure, demoSpec, demoWeights } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const tensor = (name: string, shape: number[]): WeightTensor => ({ name, shape, values: Uint16Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0x3f80 + (i % 7)) });
const MLP = weightLayout([tensor('fc1.weight', [8, 4]), tensor('fc1.bias', [8]), tensor('fc2.weight', [2, 8]), tensor('fc2.bias', [2])]);
const DENSE = weightLayout([
  tensor('wte', [11, 4]),
  tensor('blocks.0.attn.qkv.weight', [12, 4]),
  tensor('blocks.0.mlp.up.weight', [16, 4]),
  tensor('blocks.1.attn.qkv.weight', [12, 4]),
  tensor('blocks.1.mlp.up.weight', [16, 4]),
  tensor('ln_f.weight', [4]),
]);
const MOE = weightLayout([
  tensor('wte', [11, 4]),
  tensor('blocks.0.attn.qkv.weight', [12, 4]),
  tensor('blocks.0.moe.router.weight', [4, 4]),
  tensor('blocks.0.moe.experts.0.weight', [16, 4]),
  tensor('blocks.0.moe.experts.1.weight', [16, 4]),
  tensor('blocks.1.attn.qkv.weight', [12, 4]),
]);

// A policy that binds a declared count and class to six-tensor layouts (the demo's binds its own four).
const dir = mkdtempSync(join(tmpdir(), 'zpol-weights-'));
const policyPath = join(dir, 'weights6.zpol');
writeFileSync(
  policyPath,
  `policy weights6 version 1
use std.arch.{ArchClass, weights_class}
spec {
  arch: ArchClass
  params: int param
  layers: int
  weights: digest
}
step { tokens: int token }
attest params_are_weights "The parameter count is the committed weights'": spec.params == weight_params(spec.weights, 6)
attest layers_are_weights "The layer count is the committed weights'": spec.layers == weight_layers(spec.weights, 6)
attest arch_is_weights "The class is the committed weights'":
  spec.arch == weights_class(weight_layers(spec.weights, 6), weight_experts(spec.weights, 6))
`,
);
const six = compiled(policyPath);
const archDecl = (() => {
  const t = six.root.checker.resolveType(six.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).find((f) => f.name.name === 'arch')!.type);
  if (t.kind !== 'enum') throw new Error('arch is not an enum');
  return t.decl;
})();
const spec = (arch: string, params: bigint, layers: number, root: string): Map<string, RunValue> =>
  new Map<string, RunValue>([
    ['arch', { kind: 'enum', decl: archDecl, member: arch }],
    ['params', num(params)],
    ['layers', num(BigInt(layers))],
    ['weights', { kind: 'digest', words: digestFromHex(root) }],
  ]);
const genesis = (s: Map<string, RunValue>, weights: WeightsJson | undefined) => chainFailure(() => new ChainProver(six, new Uint8Array(32).fill(4), s, { weights }).genesisExecution());
const CLAIM = (name: string) => new RegExp(`^assertion failed: attest ${name} failed: [^(]*\\(weights6\\.zpol:\\d+:1\\) at genesis$`);

describe('the weight layout (runtime/run/weights.ts)', () => {
  it('kinds and blocks follow the names', () => {
    const kinds = Object.fromEntries(
      [
        'model.layers.3.self_attn.q_proj.weight',
        'model.layers.3.mlp.gate_proj.weight',
        'model.layers.3.block_sparse_moe.gate.weight',
        'model.layers.3.block_sparse_moe.experts.5.w1.weight',
        'model.layers.3.post_attention_layernorm.weight',
        'transformer.h.0.ln_1.weight',
        'transformer.wte.weight',
        'lm_head.weight',
        'fc1.weight',
      ].map((n) => [n, `${weightKind(n)} ${weightBlock(n)}`]),
    );
    expect(kinds).toEqual({
      'model.layers.3.self_attn.q_proj.weight': 'attention 3',
      'model.layers.3.mlp.gate_proj.weight': 'mlp 3',
      'model.layers.3.block_sparse_moe.gate.weight': 'router 3',
      'model.layers.3.block_sparse_moe.experts.5.w1.weight': 'expert 3',
      'model.layers.3.post_attention_layernorm.weight': 'norm 3',
      'transformer.h.0.ln_1.weight': 'norm 0',
      'transformer.wte.weight': 'embedding 0',
      'lm_head.weight': 'head 0',
      'fc1.weight': 'linear 0',
    });
    expect([[], [5], [3, 4], [2, 3, 4]].map(weightMatrixShape)).toEqual([[1, 1], [1, 5], [3, 4], [2, 12]]);
  });

  it('lists tensors in canonical order and derives what genesis proves', () => {
    expect(MLP.tensors.map((t) => t.name)).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
    expect([layoutParams(MLP.tensors), layoutLayers(MLP.tensors), layoutExperts(MLP.tensors)]).toEqual([58n, 0, 1]);
    expect([layoutParams(DENSE.tensors), layoutLayers(DENSE.tensors), layoutExperts(DENSE.tensors)]).toEqual([44n + 96n + 128n + 4n, 2, 1]);
    expect([layoutLayers(MOE.tensors), layoutExperts(MOE.tensors)]).toEqual([2, 4]);
    expect(checkWeightsJson(MLP)).toEqual([]);
    expect(layoutParams(demoWeights().tensors)).toBe(58n);
  });

  it('refuses a weights.json that does not hold together, naming the field', () => {
    const bad = (f: (w: { tensors: Record<string, unknown>[] } & Record<string, unknown>) => void): string[] => {
      const w = JSON.parse(JSON.stringify(MLP));
      f(w);
      return checkWeightsJson(w);
    };
    expect(bad((w) => (w.tensors[1]!.kind = 'attention'))).toEqual([`/tensors/1/kind: is 'attention', but the name 'fc1.weight' gives 'linear' (docs/run.md, "Weights")`]);
    expect(bad((w) => (w.tensors[1]!.block = 2))).toEqual([`/tensors/1/block: is 2, but the name 'fc1.weight' gives 0`]);
    expect(bad((w) => w.tensors.reverse())[0]).toMatch(/^\/tensors\/1\/name: 'fc2\.bias' is not after 'fc2\.weight': tensors are in canonical order/);
    expect(bad((w) => (w.tensors[0]!.rows = 0))).toEqual(['/tensors/0: rows and cols must be whole numbers from 1 to 2147483647']);
    // Another shape than its root commits, and a root and tree of another tensor (a consistent pair, so only the
    // layout root is wrong).
    expect(bad((w) => (w.tensors[0]!.rows = 2))[0]).toMatch(/^\/tensors\/0\/root: tensor 'fc1\.bias': does not commit the shape \[2, 8\] listed/);
    expect(bad((w) => Object.assign(w.tensors[0]!, { root: w.tensors[1]!.root, tree: w.tensors[1]!.tree, rows: w.tensors[1]!.rows, cols: w.tensors[1]!.cols }))[0]).toMatch(/^\/root: is not the layout root of the tensors listed/);
    expect(bad((w) => (w.tensors[2]!.tree = w.tensors[3]!.tree))[0]).toMatch(/^\/tensors\/2\/root: tensor 'fc2\.bias': does not commit the shape/);
    expect(bad((w) => (w.format = 'x'))).toEqual([`/format: must be 'zpol-run-weights'`]);
  });
});

describe('parameters and architecture derived at genesis', () => {
  it('the artifact lists the layout genesis reads, and a malformed entry is refused on load', () => {
    expect(six.artifact.weights).toEqual([{ field: 'weights', tensors: 6, clause: 'attest params_are_weights', at: expect.stringMatching(/weights6\.zpol:10:\d+$/) }]);
    const broken = { ...six.artifact, weights: [{ ...six.artifact.weights![0]!, field: 'params' }] };
    expect(() => loadArtifact(encodeArtifact(broken))).toThrow(/weights\[0\] is not a weight layout/);
    const moved = { ...six.artifact, weights: [{ ...six.artifact.weights![0]!, tensors: 5 }] };
    expect(() => loadArtifact(encodeArtifact(moved))).toThrow(/the policy digest is not that of its contents/);
  });

  it('honest declarations prove: a dense transformer and a mixture of experts', () => {
    expect(genesis(spec('dense_transformer', layoutParams(DENSE.tensors), 2, DENSE.root), DENSE)).toBe('no failure');
    expect(genesis(spec('moe_transformer', layoutParams(MOE.tensors), 2, MOE.root), MOE)).toBe('no failure');
  });

  it('another parameter count fails to prove, naming params_are_weights', () => {
    for (const d of [-1n, 1n, 1000n]) expect(genesis(spec('dense_transformer', layoutParams(DENSE.tensors) + d, 2, DENSE.root), DENSE)).toMatch(CLAIM('params_are_weights'));
  });

  it('another layer count or class fails to prove, naming the claim', () => {
    expect(genesis(spec('dense_transformer', layoutParams(DENSE.tensors), 3, DENSE.root), DENSE)).toMatch(CLAIM('layers_are_weights'));
    // Declared dense with a router in the weights, or a mixture of experts (or an MLP) without one.
    expect(genesis(spec('dense_transformer', layoutParams(MOE.tensors), 2, MOE.root), MOE)).toMatch(CLAIM('arch_is_weights'));
    expect(genesis(spec('moe_transformer', layoutParams(DENSE.tensors), 2, DENSE.root), DENSE)).toMatch(CLAIM('arch_is_weights'));
    expect(genesis(spec('mlp', layoutParams(DENSE.tensors), 2, DENSE.root), DENSE)).toMatch(CLAIM('arch_is_weights'));
  });

  it('a layout that does not open against the committed root fails to prove, naming the first claim', () => {
    // The prover's layout says fewer rows (a smaller count) than the one spec.weights commits.
    const shrunk: WeightsJson = { ...DENSE, tensors: DENSE.tensors.map((t, i) => (i === 0 ? { ...t, rows: t.rows - 1 } : t)) };
    expect(genesis(spec('dense_transformer', layoutParams(shrunk.tensors), 2, DENSE.root), shrunk)).toMatch(
      /^assertion failed: attest params_are_weights failed: .*\(weights6\.zpol:10:1\): the committed weights \(spec\.weights, 6 tensors\): the root of tensor 0 \(in canonical order\) does not commit the shape \[rows, cols\] the layout lists for it at genesis$/,
    );
    // The same with the tensor's shape unchanged: a layout other than spec.weights'.
    const renamed: WeightsJson = { ...DENSE, tensors: DENSE.tensors.map((t, i) => (i === 0 ? { ...t, name: `${t.name}x` } : t)) };
    expect(genesis(spec('dense_transformer', layoutParams(renamed.tensors), 2, DENSE.root), renamed)).toMatch(
      /^assertion failed: attest params_are_weights failed: .*\(weights6\.zpol:10:1\): the committed weights \(spec\.weights, 6 tensors\): the layout read does not open against spec\.weights at genesis$/,
    );
    // A dense layout relabelled: the router is dropped from the kinds (the class would read dense).
    const relabelled: WeightsJson = { ...MOE, tensors: MOE.tensors.map((t) => (t.kind === 'router' ? { ...t, kind: 'mlp' } : t)) };
    expect(genesis(spec('dense_transformer', layoutParams(MOE.tensors), 2, MOE.root), relabelled)).toMatch(/the layout read does not open against spec\.weights at genesis$/);
  });

  it('a committed layout that lists a tensor with another shape than its root commits fails to prove, naming the claim and the tensor', () => {
    // The red team's gap: spec.weights commits a layout whose entry lists a [R, C] tensor's root as one row of C
    // (a smaller parameter count) — the layout root is the lying layout's own, so only the shape check catches it.
    const k = DENSE.tensors.findIndex((t) => t.rows > 2);
    const { rows: R, cols: C } = DENSE.tensors[k]!;
    for (const [rows, cols] of [[1, C], [R - 1, C], [R, C + 1], [C, R]]) {
      const tensors = DENSE.tensors.map((t, i) => (i === k ? { ...t, rows: rows!, cols: cols! } : t));
      const lying: WeightsJson = { ...DENSE, tensors, root: digestToHex(layoutRoot(tensors)) };
      expect(genesis(spec('dense_transformer', layoutParams(lying.tensors), 2, lying.root), lying)).toMatch(
        /^assertion failed: attest params_are_weights failed: .*\(weights6\.zpol:10:1\): the committed weights \(spec\.weights, 6 tensors\): the root of tensor \d+ \(in canonical order\) does not commit the shape \[rows, cols\] the layout lists for it at genesis$/,
      );
      expect(genesis(spec('dense_transformer', layoutParams(lying.tensors), 2, lying.root), lying)).toContain(`the root of tensor ${k} `);
    }
    // And the honest layout proves (the same harness).
    expect(genesis(spec('dense_transformer', layoutParams(DENSE.tensors), 2, DENSE.root), DENSE)).toBe('no failure');
  });

  it('routers that disagree on the number of experts fail to prove', () => {
    const two = weightLayout([
      tensor('blocks.0.attn.qkv.weight', [12, 4]),
      tensor('blocks.0.moe.router.weight', [4, 4]),
      tensor('blocks.1.attn.qkv.weight', [12, 4]),
      tensor('blocks.1.moe.router.weight', [8, 4]),
      tensor('blocks.0.moe.experts.0.weight', [16, 4]),
      tensor('wte', [11, 4]),
    ]);
    expect(layoutExperts(two.tensors)).toBeUndefined();
    expect(genesis(spec('moe_transformer', layoutParams(two.tensors), 2, two.root), two)).toMatch(/its router tensors do not agree on the number of experts \(their rows\) at genesis$/);
  });

  it('a run without weights, or with a layout of another tensor count, is refused before running, naming the claim', () => {
    expect(genesis(spec('mlp', 58n, 0, MLP.root), undefined)).toMatch(/^attest params_are_weights \(weights6\.zpol:10:\d+\): spec\.weights: the run has no weights\.json/);
    expect(genesis(spec('mlp', 58n, 0, MLP.root), MLP)).toMatch(/weights\.json lists 4 tensors; the policy reads a layout of 6, at genesis$/);
  });

  it('records alone (zpol eval) leave the claims that read weights unevaluated', () => {
    const interp = new PolicyInterpreter(six.program, six.root.path);
    const attests = interp.attest(spec('mlp', 1n, 9, MLP.root));
    expect(attests.map((a) => [a.name, a.holds, a.unevaluated?.slice(0, 40)])).toEqual([
      ['params_are_weights', true, "it reads the committed initial weights' "],
      ['layers_are_weights', true, "it reads the committed initial weights' "],
      ['arch_is_weights', true, "it reads the committed initial weights' "],
    ]);
  });
});

describe('the demo commits its initial weights', () => {
  it('records weights.json and weights/initial.safetensors, proves genesis, and refuses a tampered file', () => {
    const demo = compiled('policies/demo.zpol');
    const run = join(mkdtempSync(join(tmpdir(), 'zpol-weights-demo-')), 'run');
    recordDemoRun(run, 0, { policyDigest: demo.artifact.digest, schemas: demo.artifact.schemas });
    const weights = readWeights(run)!;
    expect(weights).toEqual(demoWeights());
    expect(JSON.parse(readFileSync(join(run, 'spec.json'), 'utf8')).weights).toBe(weights.root);
    expect(chainFailure(() => new ChainProver(demo, new Uint8Array(32).fill(4), demoSpec(demo), { weights }).genesisExecution())).toBe('no failure');
    // Declaring 59 parameters is caught first by the layers' count, and by the weights' once that agrees.
    const lying = new Map(demoSpec(demo));
    lying.set('params', num(59n));
    expect(chainFailure(() => new ChainProver(demo, new Uint8Array(32).fill(4), lying, { weights }).genesisExecution())).toMatch(/attest params_match_layers failed/);
    expect(validateRunDir(run).map(formatIssue)).toEqual([]);
    writeFileSync(join(run, 'weights/initial.safetensors'), encodeSafetensors({ 'fc1.bias': bf16Tensor([8], new Uint16Array(8)) }));
    expect(() => readWeights(run)).toThrow(/tensor 'fc1\.weight' of weights\.json is missing/);
    // Validation of the run directory reports it too, naming the file and the tensor; and a listed kind that is not
    // the name's.
    expect(validateRunDir(run).map(formatIssue)).toContain("weights/initial.safetensors: tensor 'fc1.weight' of weights.json is missing");
    const listed = JSON.parse(readFileSync(join(run, 'weights.json'), 'utf8'));
    listed.tensors[0].kind = 'router';
    writeFileSync(join(run, 'weights.json'), JSON.stringify(listed));
    expect(validateRunDir(run, { deep: false }).map(formatIssue)).toEqual([`weights.json: /tensors/0/kind: is 'router', but the name 'fc1.bias' gives 'linear' (docs/run.md, "Weights")`]);
  });
});
