// The chain of weight commitments (#20): genesis commits the initial weights' layout (spec.weights), each step's
// record commits the layout its update ends with (step.weights_root, weights/NNNNNN.json) and demo.zpol's state
// carries it to the next step; `verify fc1`'s `weights: weight_tensor(weights, 4, "fc1.weight")` has the step
// program read the layout the state held as the step began, rebuild its root and require b (step.w1_root) to be
// fc1.weight's root and shape. So a step that checks its product against weights the chain did not commit —
// another tensor, stale weights from an earlier step, a swapped layout — fails to prove, naming the clause.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadProgram } from '../../language/program.ts';
import { hoverAt } from '../../language/service/index.ts';
import { ChainProver, type StepTensors } from '../../runtime/chain/prover.ts';
import { encodeArtifact, loadArtifact } from '../../runtime/policy/artifact.ts';
import { commitMatrix, digestFromHex, digestToHex } from '../../runtime/run/tensor-commit.ts';
import { datasetKey } from '../../runtime/run/members.ts';
import { layoutTensor, stepWeightLayout, stepWeightsFile } from '../../runtime/run/step-weights.ts';
import { readStartWeights } from '../../runtime/run/weight-data.ts';
import { checkWeightsJson, layoutRoot, weightLayout, type WeightEntry, type WeightsJson } from '../../runtime/run/weights.ts';
import { runStepWeightsFor } from '../../runtime/chain/run-prover.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { recordDemoRun } from '../../demo/record.ts';
import { validateRunDir } from '../../runtime/run/validate.ts';
import { formatIssue } from '../../runtime/run/format.ts';
import { matmulBf16, SOURCE_NAMES, Trainer } from '../../demo/trainer.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { memberField } from '../../runtime/run/format.ts';
import { chainFailure, demoDatasets, demoLayout, demoSpec, demoWeightsConfig, int, labelledBatch, weightsRootEntry } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const demo = compiled('policies/demo.zpol');
const trainer = new Trainer();
const w1t = [trainer.step().w1t, trainer.step().w1t]; // W1ᵀ as steps 1 and 2 used it
const CLAUSE = String.raw`assertion failed: verify fc1 failed: First-layer matrix product x \* W1 \(demo\.zpol:\d+:1\): `;

/** Step k's record and tensors checked against `w` (W1ᵀ, committed as w1_root), ending with layout `after`. */
function stepWith(w: Uint16Array, k: number): { record: RecordValues; tensors: StepTensors } {
  const { x, h, labels } = labelledBatch(w, 8);
  const tensors = new Map([
    ['x_root', commitMatrix(x, 16, 4)],
    ['w1_root', commitMatrix(w, 8, 4)],
    ['h_root', commitMatrix(h, 16, 8)],
    ['labels_root', commitMatrix(labels, 16, 1)],
  ]);
  const record = new Map<string, RunValue>([
    ['tokens', int(16)],
    ['tokens_by_source', { kind: 'array', elements: [int(8), int(8)] }],
    ...[...tensors].map(([field, c]) => [field, { kind: 'digest', words: c.root }] as [string, RunValue]),
    weightsRootEntry(k),
  ]);
  return { record, tensors: new Map([...tensors, ...demoDatasets().map((d, i) => [datasetKey(SOURCE_NAMES[i]!), d] as const)]) };
}

/** Runs steps 1 and 2 (step 2 as `second` says), with `layouts` giving the layout each step starts from. */
function run(second: { record: RecordValues; tensors: StepTensors }, layouts: (step: number) => WeightsJson | undefined = demoWeightsConfig().stepWeights): string {
  const prover = new ChainProver(demo, new Uint8Array(32).fill(4), demoSpec(demo), { ...demoWeightsConfig(), stepWeights: layouts });
  const g = prover.genesisExecution();
  const s1 = stepWith(w1t[0]!, 1);
  return chainFailure(() => {
    const one = prover.stepExecution(1, g.state, s1.record, s1.tensors);
    prover.stepExecution(2, one.state, second.record, second.tensors);
  });
}

describe('step proofs check their weights against the chain of weight commitments', () => {
  it('the artifact binds fc1\'s b to fc1.weight of the state\'s layout', () => {
    expect(demo.artifact.verifies[0]!.weights).toEqual({ field: 'weights', tensors: 4, name: 'fc1.weight', initial: 'weights' });
    // The layout the trainer commits holds W1ᵀ as fc1.weight, before step 1 and after it.
    expect(layoutTensor(demoLayout(0).tensors, 'fc1.weight')!.root).toBe(digestToHex(commitMatrix(w1t[0]!, 8, 4).root));
    expect(layoutTensor(demoLayout(1).tensors, 'fc1.weight')!.root).not.toBe(layoutTensor(demoLayout(0).tensors, 'fc1.weight')!.root);
  });

  it('honest steps, each checked against the weights the previous one committed, prove', () => {
    expect(run(stepWith(w1t[1]!, 2))).toBe('no failure');
  });

  it('a step checked against stale weights (an earlier step\'s) fails naming the clause', () => {
    expect(run(stepWith(w1t[0]!, 2))).toMatch(new RegExp(`^${CLAUSE}b \\(step\\.w1_root\\) is not the tensor "fc1\\.weight" of the committed weights \\(state\\.weights\\) at step 2$`));
  });

  it('a step checked against another tensor of the same shape fails naming the clause', () => {
    const other = Uint16Array.from(w1t[1]!, (v, i) => (i === 5 ? v ^ 0x0001 : v));
    expect(run(stepWith(other, 2))).toMatch(/b \(step\.w1_root\) is not the tensor "fc1\.weight" of the committed weights \(state\.weights\) at step 2$/);
  });

  it('a layout other than the one the previous step committed (a swapped tensor) fails to open', () => {
    // The lab hands step 2 a layout whose fc1.weight is the W1ᵀ it wants checked: its root is not state.weights.
    const swapped = (step: number): WeightsJson => {
      const honest = demoLayout(step - 1);
      if (step === 1) return honest;
      // (Its root with its tree: a pair that commits the shape listed, so only the layout root is wrong.)
      const { root, tree } = layoutTensor(demoLayout(0).tensors, 'fc1.weight')!;
      const entries = honest.tensors.map((e) => (e.name === 'fc1.weight' ? { ...e, root, tree } : e));
      return { ...honest, tensors: entries };
    };
    expect(run(stepWith(w1t[0]!, 2), swapped)).toMatch(new RegExp(`^${CLAUSE}the layout read does not open against state\\.weights \\(the committed weights the step starts from, 4 tensors\\) with the names, kinds, blocks and shapes of spec\\.weights at step 2$`));
    // A layout of other tensors (fc1.weight renamed) does not open as weights.json.
    const renamed = (step: number): WeightsJson => ({ ...demoLayout(step - 1), tensors: demoLayout(step - 1).tensors.map((e) => (e.name === 'fc1.weight' ? { ...e, name: 'fc1.weights' } : e)) });
    expect(run(stepWith(w1t[1]!, 2), renamed)).toMatch(/the initial layout read does not open against spec\.weights \(the committed initial weights, 4 tensors\) at step 1$/);
    // A step reads only the roots (and tree roots) of the layout it starts from, with weights.json's names: a file
    // that renames a tensor but keeps the committed roots proves, since what state.weights commits is unchanged
    // (validation refuses such a file: its root is not its entries').
    expect(run(stepWith(w1t[1]!, 2), (k) => (k === 1 ? demoLayout(0) : renamed(k)))).toBe('no failure');
  });

  // Step 1 commits (weights_root) a layout `after`; step 2 starts from it and reads it with weights.json, or, when
  // step 1 is the last, the attestation does. Their failures, or 'no failure'.
  const from = (after: WeightsJson): { step2: string; attestation: string } => {
    const prover = new ChainProver(demo, new Uint8Array(32).fill(4), demoSpec(demo), { ...demoWeightsConfig(), stepWeights: (k) => (k === 1 ? demoLayout(0) : after) });
    const s1 = stepWith(w1t[0]!, 1);
    const record = new Map([...s1.record, ['weights_root', { kind: 'digest', words: digestFromHex(after.root) } as RunValue]]);
    const one = prover.stepExecution(1, prover.genesisExecution().state, record, s1.tensors);
    const s2 = stepWith(w1t[1]!, 2);
    return { step2: chainFailure(() => prover.stepExecution(2, one.state, s2.record, s2.tensors)), attestation: chainFailure(() => prover.attestationExecution(1, one.state)) };
  };
  const weights = new Trainer().weights();
  const index = (name: string) => demoLayout(0).tensors.findIndex((e) => e.name === name);
  /** Step 1's honest layout with entry `name` changed as `edit` says, its layout root recomputed: a lab's own file. */
  const edited = (name: string, edit: (e: WeightEntry) => WeightEntry): WeightsJson => {
    const tensors = demoLayout(1).tensors.map((e) => (e.name === name ? edit(e) : e));
    return { ...demoLayout(1), tensors, root: digestToHex(layoutRoot(tensors)) };
  };
  const state = (role: string) => String.raw`state\.weights \(the committed weights ${role}, 4 tensors\)`;

  it('a committed update that renames or reshapes a tensor, even one no check reads, fails naming the clause and the tensor', () => {
    // The honest update proves, and so does the attestation after it: the same layout but for its roots.
    expect(from(demoLayout(1))).toEqual({ step2: 'no failure', attestation: 'no failure' });
    // fc1.weight renamed: it sorts first, so tensor 0's root (fc0.weight's, [8, 4]) does not commit fc1.bias's shape.
    const renamed = stepWeightLayout(1, weights.map((t) => (t.name === 'fc1.weight' ? { ...t, name: 'fc0.weight' } : t)));
    const change = String.raw`tensor 0 is "fc0\.weight" \(linear, block 0\) \[8, 4\] in weights/000001\.json, "fc1\.bias" \(linear, block 0\) \[1, 8\] in weights\.json: an update changes roots only`;
    expect(from(renamed).step2).toMatch(new RegExp(`^${CLAUSE}the root of tensor 0 \\(in canonical order\\) of ${state('the step starts from')} does not commit the shape \\[rows, cols\\] spec\\.weights lists for it at step 2: ${change}$`));
    // fc2.weight, which no check reads, grown to twice its rows: its parameters would not be the ones genesis counted.
    const grown = stepWeightLayout(1, weights.map((t) => (t.name === 'fc2.weight' ? { ...t, shape: [t.shape[0]! * 2, t.shape[1]!], values: Uint16Array.from([...t.values, ...t.values]) } : t)));
    const t = index('fc2.weight');
    expect(from(grown).step2).toMatch(new RegExp(`^${CLAUSE}the root of tensor ${t} .* at step 2: tensor ${t} is "fc2\\.weight" \\(linear, block 0\\) \\[4, 8\\] in weights/000001\\.json, "fc2\\.weight" \\(linear, block 0\\) \\[2, 8\\] in weights\\.json: an update changes roots only$`));
    // A kind or block the name does not give (a file validation refuses, handed to the prover as it is): the layout
    // opens only with the initial entry's words.
    for (const e of [{ kind: 'attention' as const }, { block: 3 }]) {
      expect(from(edited('fc2.bias', (x) => ({ ...x, ...e }))).step2).toMatch(new RegExp(`^${CLAUSE}the layout read does not open against ${state('the step starts from')} with the names, kinds, blocks and shapes of spec\\.weights at step 2: tensor 2 is "fc2\\.bias" \\(${e.kind ?? 'linear'}, block ${e.block ?? 0}\\) \\[1, 2\\]`));
    }
  });

  it("a committed update that lists a tensor no check reads with another shape's root fails at the next step, naming the clause and the tensor", () => {
    // fc2.weight's 16 values committed as [4, 4]: the layout lists the initial [2, 8], the root commits [4, 4].
    const values = weights.find((w) => w.name === 'fc2.weight')!.values;
    const square = commitMatrix(values, 4, 4);
    const t = index('fc2.weight');
    const shape = `the root of tensor ${t} \\(in canonical order\\) of`;
    const lists = String.raw`does not commit the shape \[rows, cols\] spec\.weights lists for it`;
    // With that root's own tree (compress([SHAPE_DOMAIN, 4, 4, 0, …], tree)), or the honest tree of fc2.weight.
    for (const tree of [square.tree[square.depth]![0]!, digestFromHex(layoutTensor(demoLayout(1).tensors, 'fc2.weight')!.tree)]) {
      const other = edited('fc2.weight', (e) => ({ ...e, root: digestToHex(square.root), tree: digestToHex(tree) }));
      expect(checkWeightsJson(other, 1)).toContainEqual(expect.stringMatching(new RegExp(`^/tensors/${t}/root: tensor 'fc2.weight': does not commit the shape \\[2, 8\\] listed`)));
      const { step2, attestation } = from(other);
      expect(step2).toMatch(new RegExp(`^${CLAUSE}${shape} ${state('the step starts from')} ${lists} at step 2: "fc2\\.weight" in weights/000001\\.json$`));
      // When step 1 is the last, the attestation reads the layout it ends with and fails the same way.
      expect(attestation).toMatch(new RegExp(`^${CLAUSE}${shape} ${state('the last step ends with')} ${lists} in the attestation: "fc2\\.weight" in weights/000001\\.json$`));
    }
  });

  it('the attestation reads the layout the last step ends with: renamed, or not the one committed, it fails', () => {
    const renamed = stepWeightLayout(1, weights.map((t) => (t.name === 'fc1.weight' ? { ...t, name: 'fc0.weight' } : t)));
    expect(from(renamed).attestation).toMatch(new RegExp(`^${CLAUSE}the root of tensor 0 .* in the attestation: tensor 0 is "fc0\\.weight"`));
    // A layout other than the one step 1 committed: the attestation is handed weights/000001.json of another run.
    const prover = new ChainProver(demo, new Uint8Array(32).fill(4), demoSpec(demo), { ...demoWeightsConfig(), stepWeights: (k) => demoLayout(k === 2 ? 2 : k - 1) });
    const s1 = stepWith(w1t[0]!, 1);
    const one = prover.stepExecution(1, prover.genesisExecution().state, s1.record, s1.tensors);
    expect(chainFailure(() => prover.attestationExecution(1, one.state))).toMatch(new RegExp(`^${CLAUSE}the layout read does not open against ${state('the last step ends with')} with the names, kinds, blocks and shapes of spec\\.weights in the attestation$`));
    // Without the file the attestation is refused before running (ZV305).
    const none = new ChainProver(demo, new Uint8Array(32).fill(4), demoSpec(demo), { ...demoWeightsConfig(), stepWeights: (k) => (k === 1 ? demoLayout(0) : undefined) });
    expect(chainFailure(() => none.attestationExecution(1, one.state))).toMatch(/^verify fc1 failed \(.*demo\.zpol:\d+:1\): the run has no weights\/000001\.json, the layout of the committed weights the last step ends with, in the attestation$/);
    // After no step the run ends with weights.json, which the attestation reads like step 1.
    expect(chainFailure(() => none.attestationExecution(0, prover.genesisExecution().state))).toBe('no failure');
  });

  it("each step's initial layout (weights.json) opens against spec.weights: another initial layout fails naming the clause", () => {
    // The prover reads weights.json once; a prover that hands later steps another "initial" layout (here, step 1's
    // update: the same names and shapes, other roots) is caught by the step program, which rebuilds its root.
    let calls = 0;
    const other = { ...demoLayout(0), tensors: demoLayout(1).tensors, root: demoLayout(1).root };
    const layouts = (k: number): WeightsJson => (k === 1 ? (calls++ === 0 ? demoLayout(0) : other) : demoLayout(k - 1));
    expect(run(stepWith(w1t[1]!, 2), layouts)).toMatch(new RegExp(`^${CLAUSE}the initial layout read does not open against spec\\.weights \\(the committed initial weights, 4 tensors\\) at step 2$`));
    // Genesis read the honest one first; every later read was the other.
    expect(calls).toBeGreaterThan(1);
  });

  it("the run's prover reads weights.json once, whatever the number of steps", () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-step-weights-once-'));
    try {
      writeFileSync(join(dir, 'weights.json'), JSON.stringify(demoLayout(0)));
      mkdirSync(join(dir, 'weights'));
      writeFileSync(join(dir, stepWeightsFile(1)), JSON.stringify(demoLayout(1)));
      const layouts = runStepWeightsFor(demo.artifact, dir)!;
      expect(layouts(1)).toEqual(demoLayout(0));
      // Changed on disk after the first read: the prover keeps what it read (it is not read again at each step).
      writeFileSync(join(dir, 'weights.json'), '{');
      expect(layouts(1)).toEqual(demoLayout(0));
      expect(layouts(2)).toEqual(demoLayout(1));
      // A fresh prover reads it again, and names the file it cannot parse.
      expect(() => runStepWeightsFor(demo.artifact, dir)!(1)).toThrow(/^weights\.json: is not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an initial layout without b\'s tensor fails naming the clause at step 1', () => {
    const renamed = weightLayout(new Trainer().weights().map((t) => (t.name === 'fc1.weight' ? { ...t, name: 'fc0.weight' } : t)));
    const spec = new Map([...demoSpec(demo), ['weights', { kind: 'digest', words: digestFromHex(renamed.root) } as RunValue]]);
    const prover = new ChainProver(demo, new Uint8Array(32).fill(4), spec, { weights: renamed, stepWeights: (k) => (k === 1 ? renamed : demoLayout(k - 1)) });
    const s1 = stepWith(w1t[0]!, 1);
    expect(chainFailure(() => prover.stepExecution(1, prover.genesisExecution().state, s1.record, s1.tensors))).toMatch(/do not list exactly one tensor named "fc1\.weight" at step 1$/);
  });

  it('a run without the layout a step starts from, or with one of another size, is refused naming the clause (ZV305)', () => {
    expect(run(stepWith(w1t[1]!, 2), (k) => (k === 1 ? demoLayout(0) : undefined))).toMatch(/^verify fc1 failed \(.*demo\.zpol:\d+:1\): the run has no weights\/000001\.json, the layout of the committed weights the step starts from, at step 2$/);
    const three = (k: number): WeightsJson => (k === 1 ? demoLayout(0) : { ...demoLayout(1), tensors: demoLayout(1).tensors.slice(0, 3) });
    expect(run(stepWith(w1t[1]!, 2), three)).toMatch(/weights\/000001\.json lists 3 tensors; the policy reads a layout of 4 \(state\.weights\) at step 2$/);
  });

  it('the recorder writes each step\'s layout; it reads back checked, and a tampered one is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-step-weights-'));
    try {
      recordDemoRun(dir, 2, { anchor: null });
      const step1 = JSON.parse(readFileSync(join(dir, stepWeightsFile(1)), 'utf8')) as WeightsJson;
      expect(step1).toEqual(demoLayout(1));
      expect(JSON.parse(readFileSync(join(dir, 'steps/000001.json'), 'utf8')).record.weights_root).toBe(step1.root);
      expect(readStartWeights(dir, 1)!.root).toBe(demoLayout(0).root);
      expect(readStartWeights(dir, 2)).toEqual(step1);
      expect(readStartWeights(dir, 3)!.root).toBe(demoLayout(2).root);
      expect(readStartWeights(dir, 4)).toBeUndefined();
      expect(validateRunDir(dir).map(formatIssue)).toEqual([]);
      writeFileSync(join(dir, stepWeightsFile(1)), JSON.stringify({ ...step1, tensors: [...step1.tensors].reverse() }));
      expect(() => readStartWeights(dir, 2)).toThrow(/^weights\/000001\.json: \/tensors\/1\/name: 'fc2\.bias' is not after 'fc2\.weight'/);
      expect(validateRunDir(dir).map(formatIssue)).toContainEqual(expect.stringMatching(/^weights\/000001\.json: \/tensors\/1\/name: 'fc2\.bias' is not after 'fc2\.weight'/));
      writeFileSync(join(dir, stepWeightsFile(1)), JSON.stringify({ ...step1, step: 2 }));
      expect(() => readStartWeights(dir, 2)).toThrow(/weights\/000001\.json: \/step: must be 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(checkWeightsJson({ ...weightLayout(new Trainer().weights()), step: 1 })).toContain('/step: weights.json is the initial layout and has no step');
    expect(checkWeightsJson(weightLayout(new Trainer().weights()), 1)).toContain("/file: a step's layout lists roots only and names no file");
  });

  it('an artifact whose binding is edited is refused on load', () => {
    const edit = (weights: unknown) => {
      const a = { ...demo.artifact, verifies: demo.artifact.verifies.map((v) => ({ ...v, weights })) };
      return () => loadArtifact(encodeArtifact(a as never), 'demo.zcp');
    };
    expect(edit({ field: 'total_flops', tensors: 4, name: 'fc1.weight' })).toThrow(/verifies\[0\]\.weights is not a weights binding/);
    expect(edit({ field: 'weights', tensors: 0, name: 'fc1.weight' })).toThrow(/verifies\[0\]\.weights is not a weights binding/);
    expect(edit({ field: 'weights', tensors: 4, name: '' })).toThrow(/verifies\[0\]\.weights is not a weights binding/);
    // A binding with a recomputed digest is another policy: loading it checks only that it holds together.
    expect(edit({ field: 'weights', tensors: 4, name: 'fc1.weight' })).toThrow(/initial a digest field of the spec record/);
    expect(edit({ field: 'weights', tensors: 4, name: 'fc1.weight', initial: 'total_flops' })).toThrow(/verifies\[0\]\.weights is not a weights binding/);
    expect(edit({ field: 'weights', tensors: 4, name: 'fc2.weight', initial: 'weights' })).toThrow(/the policy digest is not that of its contents/);
  });

  it("a family binds every member's b to its block's tensor, drawn or not; a swapped member fails naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-step-weights-'));
    const path = join(dir, 'family.zpol');
    writeFileSync(
      path,
      `policy fam version 1\nspec { w: digest }\nstep { x: [digest; 3]\n b: [digest; 3]\n h: [digest; 3]\n after: digest }\n` +
        `state { weights: digest = spec.w }\non step { weights = step.after }\n` +
        `verify up[l in 0..3] "layers" {\n a: step.x[l]\n b: step.b[l]\n c: step.h[l]\n dims: [2, 8, 4]\n tau: 1e-1\n f: 50%\n grinding: 8\n order: sequential\n rounding: bf16\n draws: 1\n` +
        ` weights: weight_tensor(weights, 3, "blocks.{l}.up.weight")\n}\n`,
    );
    const fam = compiled(path);
    expect(fam.artifact.verifies[0]!.weights).toEqual({ field: 'weights', tensors: 3, name: 'blocks.{l}.up.weight', initial: 'w' });
    const value = (l: number, e: number) => 0x3c00 + ((l * 37 + e * 11) % 0x200);
    const bt = [0, 1, 2].map((l) => Uint16Array.from({ length: 4 * 8 }, (_, e) => value(l, e)));
    const x = Uint16Array.from({ length: 2 * 8 }, (_, e) => value(5, e));
    const layout = weightLayout(bt.map((values, l) => ({ name: `blocks.${l}.up.weight`, shape: [4, 8], values })));
    const run = (members: Uint16Array[]): string => {
      const tensors = new Map<string, ReturnType<typeof commitMatrix>>();
      members.forEach((w, l) => {
        tensors.set(memberField('x', l), commitMatrix(x, 2, 8));
        tensors.set(memberField('b', l), commitMatrix(w, 4, 8));
        tensors.set(memberField('h', l), commitMatrix(matmulBf16(x, w, 2, 8, 4, 'sequential'), 2, 4));
      });
      const roots = (f: string): RunValue => ({ kind: 'array', elements: [0, 1, 2].map((l) => ({ kind: 'digest', words: tensors.get(memberField(f, l))!.root })) });
      const record = new Map<string, RunValue>([...['x', 'b', 'h'].map((f) => [f, roots(f)] as [string, RunValue]), ['after', { kind: 'digest', words: digestFromHex(layout.root) }]]);
      const spec = new Map<string, RunValue>([['w', { kind: 'digest', words: digestFromHex(layout.root) }]]);
      const prover = new ChainProver(fam, new Uint8Array(32).fill(2), spec, { stepWeights: () => layout });
      return chainFailure(() => prover.stepExecution(1, prover.genesisExecution().state, record, tensors));
    };
    expect(run(bt)).toBe('no failure');
    // Members 0 and 1 swapped: each product is computed and committed honestly, with another block's weights.
    expect(run([bt[1]!, bt[0]!, bt[2]!])).toMatch(/^assertion failed: verify up failed: layers \(family\.zpol:\d+:1\): b \(step\.b\[0\]\) is not the tensor "blocks\.0\.up\.weight" of the committed weights \(state\.weights\) at step 1/);
    // A family's name must say which member's tensor each is.
    writeFileSync(path, readFileSync(path, 'utf8').replace('blocks.{l}.up.weight', 'blocks.0.up.weight'));
    expect(loadProgram([path]).diagnostics.map((d) => `${d.code}: ${d.message}`)).toContainEqual(expect.stringMatching(/^ZP2024: the members of the family verify 'up' multiply by one tensor each: name member l's with \{l\}/));
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a genesis read of the layout, a step range-checks the rows and cols it checks roots against', () => {
    // A policy that binds b to its weights but derives nothing from them at genesis: the step's shape checks must
    // also hold rows and cols below p, or a layout could list rows = p + 4 for a tensor whose root commits 4 rows
    // (the field values of the two are equal).
    const dir = mkdtempSync(join(tmpdir(), 'zpol-step-weights-'));
    const path = join(dir, 'ranged.zpol');
    let policy: ReturnType<typeof compiled>;
    try {
      writeFileSync(
        path,
        `policy ranged version 1\nspec { w: digest }\nstep { x: digest\n b: digest\n h: digest\n after: digest }\n` +
          `state { weights: digest = spec.w }\non step { weights = step.after }\n` +
          `verify up "up" {\n a: step.x\n b: step.b\n c: step.h\n dims: [2, 8, 4]\n tau: 1e-1\n f: 50%\n grinding: 8\n order: sequential\n rounding: bf16\n` +
          ` weights: weight_tensor(weights, 2, "up.weight")\n}\n`,
      );
      policy = compiled(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(policy.artifact.weights ?? []).toEqual([]);
    const value = (e: number) => 0x3c00 + ((e * 11) % 0x200);
    const bt = Uint16Array.from({ length: 4 * 8 }, (_, e) => value(e));
    const x = Uint16Array.from({ length: 2 * 8 }, (_, e) => value(e + 5));
    const tensors = new Map([
      ['x', commitMatrix(x, 2, 8)],
      ['b', commitMatrix(bt, 4, 8)],
      ['h', commitMatrix(matmulBf16(x, bt, 2, 8, 4, 'sequential'), 2, 4)],
    ]);
    const run = (rows: number): string => {
      const honest = weightLayout([{ name: 'up.weight', shape: [4, 8], values: bt }, { name: 'z.weight', shape: [4, 8], values: bt }]);
      const tensorsListed = honest.tensors.map((e) => (e.name === 'z.weight' ? { ...e, rows } : e));
      const layout: WeightsJson = { ...honest, tensors: tensorsListed, root: digestToHex(layoutRoot(tensorsListed)) };
      const record = new Map<string, RunValue>([...[...tensors].map(([f, c]) => [f, { kind: 'digest', words: c.root }] as [string, RunValue]), ['after', { kind: 'digest', words: digestFromHex(layout.root) }]]);
      const spec = new Map<string, RunValue>([['w', { kind: 'digest', words: digestFromHex(layout.root) }]]);
      const prover = new ChainProver(policy, new Uint8Array(32).fill(2), spec, { stepWeights: () => layout });
      return chainFailure(() => prover.stepExecution(1, prover.genesisExecution().state, record, tensors));
    };
    expect(run(4)).toBe('no failure');
    expect(run(P + 4)).toMatch(/^assertion failed: verify up failed: up \(ranged\.zpol:\d+:1\): the root of tensor 1 \(in canonical order\) of state\.weights \(the committed weights the step starts from, 2 tensors\) does not commit the shape \[rows, cols\] spec\.w lists for it at step 1: "z\.weight" in weights\.json$/);
  });

  it('the hover documents weight_tensor and names the state field it reads', () => {
    const program = loadProgram(['policies/demo.zpol']);
    const file = program.roots[0]!;
    const call = file.text.indexOf('weight_tensor(weights');
    expect(hoverAt(program, file, call + 2)!.markdown).toContain('weight_tensor(STATE: digest, tensors: int, name: string)');
    expect(hoverAt(program, file, call + 'weight_tensor('.length + 1)!.markdown).toContain('weights');
  });

  it('the weights setting is checked (ZP2024, ZP2005, ZP5001, ZP5002)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-step-weights-'));
    const check = (setting: string, extra = '', initial = 'spec.w'): string[] => {
      const path = join(dir, 'p.zpol');
      writeFileSync(
        path,
        `policy q version 1\nconst T = 4\nspec { w: digest\n n: int }\nstep { x: digest\n b: digest\n c: digest\n bs: [digest; 2]\n after: digest }\n` +
          `state { weights: digest = ${initial}\n count: int = 0 }\non step { weights = step.after\n count += 1 }\n${extra}` +
          `verify v "v" {\n a: step.x\n b: step.b\n c: step.x\n dims: [2, 2, 2]\n tau: 1e-3\n f: 50%\n order: sequential\n rounding: bf16\n ${setting}\n}\n`,
      );
      return loadProgram([path]).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
    };
    expect(check('weights: weight_tensor(weights, T, "fc1.weight")')).toEqual([]);
    expect(check('weights: weight_tensor(weights, T, "fc1.weight")', '', '(spec.w)')).toEqual([]);
    // The state must start from the committed initial layout: each step compares its layout with it.
    expect(check('weights: weight_tensor(weights, T, "fc1.weight")', '', 'if spec.n > 0 then spec.w else spec.w')[0]).toMatch(/^ZP2024: the state field 'weights' must start from the committed initial layout, a spec field/);
    expect(check('weights: step.b')[0]).toMatch(/^ZP2024: 'weights' binds b to the committed weights: weights: weight_tensor\(STATE, T, "NAME"\)/);
    expect(check('weights: weight_tensor(count, T, "fc1.weight")')[0]).toMatch(/^ZP2024: the first argument of 'weight_tensor' must be a digest state field/);
    expect(check('weights: weight_tensor(spec.w, T, "fc1.weight")')[0]).toMatch(/^ZP2024: the first argument of 'weight_tensor' must be a digest state field/);
    expect(check('weights: weight_tensor(weights, T, fc1)')[0]).toMatch(/^ZP2024: the third argument of 'weight_tensor' must be the tensor's name in the layout/);
    expect(check('weights: weight_tensor(weights, T, "")')[0]).toMatch(/^ZP2024: the third argument/);
    expect(check('weights: weight_tensor(weights, T)')[0]).toMatch(/^ZP2005: 'weight_tensor' takes 3 arguments/);
    expect(check('weights: weight_tensor(weights, spec.n, "fc1.weight")')[0]).toMatch(/^ZP5001: the tensor count of 'weight_tensor' must be a constant/);
    expect(check('weights: weight_tensor(weights, 0, "fc1.weight")')[0]).toMatch(/^ZP5002: the tensor count of 'weight_tensor' is 0; it must lie in \[1, 65536\]/);
    expect(check('weights: weight_tensor(weights, T, "a")', 'invariant i "i": weight_tensor(weights, T, "a") == 1\n')[0]).toMatch(/^ZP2024: 'weight_tensor' names the committed weights a compute check multiplies by/);
    rmSync(dir, { recursive: true, force: true });
  });
});
