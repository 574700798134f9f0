// The per-source split bound to committed source labels (#20): count_labels(step.F, ROWS, N) reads every label of
// the [ROWS, 1] tensor step.F commits, rebuilds its root, checks each is a source index below N and counts them,
// so demo.zpol's split_is_labels holds tokens_by_source to the batch. A run that mislabels fails to prove.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PolicyInterpreter } from '../../compiler/interpret.ts';
import { loadProgram } from '../../language/program.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { Trainer } from '../../demo/trainer.ts';
import { countLabels, labelBits, labelValues } from '../../runtime/run/labels.ts';
import { commitMatrix } from '../../runtime/run/tensor-commit.ts';
import { chainFailure, demoSpec, demoStep, demoWeightsConfig } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const demo = compiled('policies/demo.zpol');
const t1 = new Trainer().step();
const sources = t1.batch.map((b) => b.source);
const prover = new ChainProver(demo, new Uint8Array(32).fill(7), demoSpec(demo), demoWeightsConfig());
const genesis = prover.genesisExecution();
const step = (s: ReturnType<typeof demoStep>) => chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors));
const SPLIT = /^assertion failed: invariant split_is_labels failed: The tokens counted under each source are the batch's examples labelled with it \(demo\.zpol:\d+:1\) at step 1$/;

describe('the per-source split bound to committed source labels', () => {
  it('labels are bf16 whole numbers, counted per source', () => {
    expect([0, 1, 2, 255, 256].map(labelBits)).toEqual([0x0000, 0x3f80, 0x4000, 0x437f, 0x4380]);
    expect(countLabels(labelValues([0, 1, 1, 2]), 3)).toEqual([1, 2, 1]);
    expect(countLabels(labelValues([0, 3]), 3)).toBeUndefined();
    expect(() => labelBits(257)).toThrow(RangeError);
  });

  it('the artifact lists the label tensor the step program reads', () => {
    expect(demo.artifact.labels).toEqual([{ field: 'labels_root', rows: 16, sources: 2, at: expect.stringMatching(/demo\.zpol:\d+:\d+$/) }]);
  });

  it('an honest step (the split is the batch labels\') proves', () => {
    expect(countLabels(labelValues(sources), 2)).toEqual([...t1.tokensBySource]);
    expect(step(demoStep(t1))).toBe('no failure');
  });

  it('a split that does not equal the label counts fails to prove, naming split_is_labels', () => {
    const [a, b] = t1.tokensBySource as [number, number];
    // The total still matches the batch, so only the labels can catch it.
    expect(step(demoStep({ ...t1, tokensBySource: [a + 1, b - 1] }))).toMatch(SPLIT);
    expect(step(demoStep({ ...t1, tokensBySource: [a - 1, b + 1] }))).toMatch(SPLIT);
  });

  it('labels other than the committed ones (relabelling one example) fail to prove, naming count_labels', () => {
    const other = Uint16Array.from(labelValues(sources));
    other[0] = other[0] === labelBits(0) ? labelBits(1) : labelBits(0);
    const s = demoStep(t1);
    const swapped = new Map(s.tensors);
    swapped.set('labels_root', commitMatrix(other, 16, 1));
    expect(step({ record: s.record, tensors: swapped })).toMatch(/count_labels\(step\.labels_root\) \(demo\.zpol:\d+:\d+\): the source labels do not open against step\.labels_root at step 1$/);
  });

  it.each([
    ['a label of 2 (N = 2)', labelBits(2)],
    ['a label of 0.5', 0x3f00],
    ['a label of -0', 0x8000],
  ])('%s fails to prove, naming count_labels and the row', (_, bits) => {
    const bad = Uint16Array.from(labelValues(sources));
    bad[5] = bits;
    expect(step(demoStep(t1, 16, bad))).toMatch(
      /^assertion failed: count_labels\(step\.labels_root, 16, 2\) \(demo\.zpol:\d+:\d+\): the label of row 5 is not a source index below 2 at step 1$/,
    );
  });

  it('a label tensor of another shape is refused before the program runs', () => {
    const s = demoStep(t1, 16, labelValues(sources.slice(0, 8)));
    expect(step(s)).toMatch(/count_labels\(step\.labels_root\) .*step\.labels_root commits a \[8, 1\] tensor; the policy counts \[16, 1\] labels at step 1/);
  });

  it('count_labels needs constants and a step digest; one tensor is counted with one row count (ZP2020)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-labels-'));
    const check = (body: string) => {
      const path = join(dir, 'q.zpol');
      writeFileSync(path, `policy q version 1\nspec { d: digest\n n: int }\nstep { s: [int; 2]\n z: digest }\n${body}\n`);
      return loadProgram([path]).diagnostics.map((d) => `${d.code}: ${d.message}`);
    };
    expect(check('invariant r "x": step.s[0] == count_labels(step.z, 16, 2)[0]')).toEqual([]);
    expect(check('invariant r "x": step.s[0] == count_labels(spec.d, 16, 2)[0]')[0]).toMatch(/^ZP2003: 'count_labels' needs a committed label tensor's root/);
    expect(check('invariant r "x": step.s[0] == count_labels(step.z, spec.n, 2)[0]')[0]).toMatch(/^ZP5001: count_labels' row count must be a constant/);
    expect(check('invariant r "x": step.s[0] == count_labels(step.z, 16, 300)[0]')[0]).toMatch(/^ZP5002: count_labels' number of sources is 300; it must lie in \[1, 256\]/);
    expect(check('invariant r "x": step.s[0] == count_labels(step.z, 16)[0]')[0]).toMatch(/^ZP2005: 'count_labels' takes 3 arguments, found 2/);
    expect(check('invariant r "x": step.s[0] == count_labels(step.z, 16, 2)[0] and step.s[1] == count_labels(step.z, 8, 2)[1]')).toEqual([
      'ZP2020: step.z is counted here as 8 labels and at line 6 as 16; one committed tensor has one shape, so one of them cannot prove',
    ]);
  });

  it('the interpreter leaves an invariant that counts labels unevaluated (records carry no labels), and evaluates the rest', () => {
    const program = loadProgram(['policies/demo.zpol']);
    const interp = new PolicyInterpreter(program, 'policies/demo.zpol');
    const digest = '00'.repeat(32);
    const ev = interp.run(
      { arch: 'mlp', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16, datasets: [digest, digest], weights: digest },
      [{ tokens: 16, tokens_by_source: [8, 8], x_root: digest, w1_root: digest, h_root: digest, labels_root: digest, weights_root: digest }],
    );
    expect(ev.ok).toBe(true);
    const split = ev.invariants.find((i) => i.name === 'split_is_labels')!;
    expect(split.unevaluated).toMatch(/count_labels/);
    expect(split.results).toEqual([]);
    expect(ev.invariants.find((i) => i.name === 'tokens_are_batch')!.results).toEqual([true]);
  });
});
