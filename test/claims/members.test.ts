// Sources by name with membership sampling (#20): demo.zpol's from_sources draws rows of the batch after its labels
// and rows are committed and opens each, with its example, in the dataset root (spec.datasets, committed at genesis)
// of the source its label names. A mislabelled example that is sampled, a wrong dataset root, a path from another
// source's dataset fail to prove, naming the clause; a run whose spec or registry is not the policy's is refused.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadProgram } from '../../language/program.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { SOURCE_NAMES, Trainer } from '../../demo/trainer.ts';
import { recordDemoRun } from '../../demo/record.ts';
import { labelValues } from '../../runtime/run/labels.ts';
import { datasetKey, describeMembers, escapeProbability, memberDraw } from '../../runtime/run/members.ts';
import { readRunDir } from '../../runtime/run/validate.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { treeDepth } from '../../runtime/run/tensor-commit.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { fieldWord, type Word } from '../../runtime/vm/word.ts';
import { chainFailure, demoDatasets, demoSpec, demoStep, demoWeightsConfig } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const demo = compiled('policies/demo.zpol');
const member = demo.artifact.members![0]!;
const t1 = new Trainer().step();
const sources = t1.batch.map((b) => b.source);
const prove = (spec = demoSpec(demo)) => {
  const prover = new ChainProver(demo, new Uint8Array(32).fill(7), spec, demoWeightsConfig());
  const genesis = prover.genesisExecution();
  return (s: ReturnType<typeof demoStep>) => chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors));
};
const step = prove();
const CLAUSE = String.raw`^assertion failed: invariant batch_from_sources failed: Sampled examples of the batch are examples of the source their label names \(demo\.zpol:\d+:1\): from_sources\(step\.labels_root, step\.x_root, spec\.datasets\): `;

describe('sources by name, with membership sampling', () => {
  it('the artifact lists the check with the sources by name, in registry order', () => {
    expect(member).toEqual({
      clause: 'invariant batch_from_sources',
      labels: 'labels_root',
      batch: 'x_root',
      datasets: 'datasets',
      names: ['curated', 'synthetic'],
      examples: [64, 64],
      cols: 6,
      rows: 16,
      batchCols: 4,
      samples: 8,
      powBits: 17,
      at: expect.stringMatching(/demo\.zpol:\d+:3$/),
    });
    expect([...SOURCE_NAMES]).toEqual(member.names);
    // The labels it selects among are read whole, as count_labels reads them.
    expect(demo.artifact.labels).toEqual([expect.objectContaining({ field: 'labels_root', rows: 16, sources: 2 })]);
  });

  it('an honest step proves: every sampled row is its example, in the dataset its label names', () => {
    expect(step(demoStep(t1))).toBe('no failure');
  });

  it('reports the escape probability of rows outside their labelled source', () => {
    expect(escapeProbability(8, 1 / 16)).toBeCloseTo(0.5967, 4);
    expect(escapeProbability(8, 0.25)).toBeCloseTo(0.1001, 4);
    expect(describeMembers(member)).toMatch(/8 of the 16 rows of step\.x_root, .* spec\.datasets: 0 curated \(64 examples\), 1 synthetic \(64 examples\); .* probability 0\.60, with a quarter of them 0\.10 \(per draw: a prover that commits other labels or another batch draws again, each draw behind 17 bits of proof of work\)$/);
  });

  it('a mislabelled example that is sampled fails to prove, naming the clause (the split still adds up)', () => {
    // Swap the labels of a curated and a synthetic row (so the per-source counts stay right) until the draw,
    // which depends on the new label root, samples one of them.
    let tried = 0;
    for (let i = 0; i < 16 && tried < 1; i++) {
      for (let j = 0; j < 16; j++) {
        if (sources[i] === sources[j]) continue;
        const swapped = [...sources];
        [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
        const s = demoStep(t1, 16, labelValues(swapped));
        const labels = s.record.get('labels_root') as Extract<RunValue, { kind: 'digest' }>;
        const x = s.record.get('x_root') as Extract<RunValue, { kind: 'digest' }>;
        const drawn = memberDraw(member, [...labels.words], [...x.words]).rows;
        if (!drawn.includes(i) && !drawn.includes(j)) continue;
        expect(step(s)).toMatch(new RegExp(`${CLAUSE}a sampled row of step\\.x_root is not the example it opens in its source at step 1$`));
        tried++;
        break;
      }
    }
    expect(tried).toBe(1);
  });

  it('a spec whose dataset root is not the source\'s fails to prove, naming the clause and the source', () => {
    const spec = new Map(demoSpec(demo));
    const [curated] = demoDatasets();
    // synthetic's root replaced by curated's: every synthetic example sampled fails to open.
    spec.set('datasets', { kind: 'array', elements: [curated!.root, curated!.root].map((w) => ({ kind: 'digest', words: w }) as RunValue) });
    expect(prove(spec)(demoStep(t1))).toMatch(new RegExp(`${CLAUSE}a sampled example does not open in the dataset its label names \\(spec\\.datasets\\[1\\], synthetic\\) at step 1$`));
  });

  it('a path from another source\'s dataset fails to prove, naming the clause', () => {
    // The prover is handed the two datasets the wrong way round: it opens each example in the other source's tree.
    const s = demoStep(t1);
    const [curated, synthetic] = demoDatasets();
    const crossed = new Map(s.tensors);
    crossed.set(datasetKey('curated'), synthetic!);
    crossed.set(datasetKey('synthetic'), curated!);
    expect(step({ record: s.record, tensors: crossed })).toMatch(new RegExp(`${CLAUSE}a sampled example does not open in the dataset its label names \\(spec\\.datasets\\[\\d\\], \\w+\\) at step 1$`));
  });

  it('a sampled row whose climb to its tree root is wrong fails to prove, naming the clause (the tree roots honest)', () => {
    // A prover that puts the honest tree roots first (each checked once under its shape word) and then, for the
    // first sampled row, a path that does not climb to them. The member tape (runtime/run/members.ts): the batch's
    // and each dataset's tree root, the nonce, then per row its words (1) and siblings (depth 4), the example's
    // index and words (1), and depth 6 sibling words per source (the labelled one's path, zeros for the other).
    const s = demoStep(t1);
    const root = (f: string) => [...(s.record.get(f) as Extract<RunValue, { kind: 'digest' }>).words];
    const r = memberDraw(member, root('labels_root'), root('x_root')).rows[0]!;
    const source = sources[r]!;
    const [batchSiblings, depth] = [treeDepth(member.rows), treeDepth(member.examples[source]!)];
    const row = 3 + 1; // the three tree roots and the nonce
    const index = row + 1 + batchSiblings;
    const path = index + 2 + depth * source;
    const tampered = (edit: (tape: number[][]) => void): string => {
      const prover = new ChainProver(demo, new Uint8Array(32).fill(7), demoSpec(demo), demoWeightsConfig());
      const genesis = prover.genesisExecution();
      const self = prover as unknown as { sampledOpenings: (i: number, t: unknown) => Word[] };
      const honest = self.sampledOpenings.bind(prover);
      self.sampledOpenings = (i, t) => {
        const tape: number[][] = honest(i, t).map((w) => [...w]);
        edit(tape);
        return tape;
      };
      return chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors));
    };
    expect(tampered(() => {})).toBe('no failure');
    const notInSource = new RegExp(`${CLAUSE}a sampled example does not open in the dataset its label names \\(spec\\.datasets\\[${source}\\], ${SOURCE_NAMES[source]}\\) at step 1$`);
    // A wrong sibling at one level of the example's path.
    for (const level of [0, 2, depth - 1]) expect(tampered((t) => (t[path + level]![3] = (t[path + level]![3]! + 1) % P))).toMatch(notInSource);
    // The path's levels swapped, and the path put under the other source (the labelled one's left all zeros).
    expect(tampered((t) => ([t[path], t[path + 1]] = [t[path + 1]!, t[path]!]))).toMatch(notInSource);
    const other = index + 2 + depth * (1 - source);
    expect(tampered((t) => { for (let l = 0; l < depth; l++) [t[path + l], t[other + l]] = [t[other + l]!, t[path + l]!]; })).toMatch(notInSource);
    // Another example's index with this example's row and path (the index fixes the leaf and the climb's turns).
    expect(tampered((t) => (t[index] = [...fieldWord(t[index]![0]! ^ 1)]))).toMatch(notInSource);
    // A wrong sibling, or two levels swapped, in the batch row's path: the row does not open against the batch.
    const notBatchRow = new RegExp(`${CLAUSE}a sampled row does not open against step\\.x_root at step 1$`);
    expect(tampered((t) => (t[row + 2]![0] = (t[row + 2]![0]! + 1) % P))).toMatch(notBatchRow);
    expect(tampered((t) => ([t[row + 1], t[row + 2]] = [t[row + 2]!, t[row + 1]!]))).toMatch(notBatchRow);
  });

  it('a run whose spec does not commit its registry, or whose registry is not the policy\'s, is refused before proving', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-members-'));
    recordDemoRun(dir, 1);
    const options = { schemas: demo.artifact.schemas, checks: demo.artifact.verifies, sources: demo.artifact.members };
    expect(() => readRunDir(dir, options)).not.toThrow();
    const specPath = join(dir, 'spec.json');
    const spec = JSON.parse(readFileSync(specPath, 'utf8'));
    writeFileSync(specPath, JSON.stringify({ ...spec, datasets: [spec.datasets[1], spec.datasets[1]] }));
    expect(() => readRunDir(dir, options)).toThrow(/spec\.json: datasets\/0: is "[0-9a-f]+(\.\.\.)?, but registry\.json's source 0 \(curated\) has root [0-9a-f]{64}: the spec commits the registry at genesis/);
    writeFileSync(specPath, JSON.stringify(spec));
    const renamed = { ...member, names: ['curated', 'web_crawl'] };
    expect(() => readRunDir(dir, { ...options, sources: [renamed] })).toThrow(/registry\.json: sources\/1\/name: is 'synthetic', but the policy names source 1 'web_crawl'/);
  });

  it('from_sources needs its constants, sources named by one enum, and a batch a compute check opens (ZP2021)', () => {
    const policy = (call: string, extra = '') => `policy p version 1
enum Src { a, b }
enum Other { c }
spec { datasets: [digest; 2] }
step {
  x_root: digest
  w_root: digest
  h_root: digest
  labels_root: digest
  other_root: digest
}
${extra}
invariant sampled "sampled": ${call}
verify fc { a: step.x_root b: step.w_root c: step.h_root dims: [16, 4, 8] tau: 1e-1 f: 50% grinding: 8 order: sequential rounding: bf16 }
`;
    const dir = mkdtempSync(join(tmpdir(), 'zpol-members-'));
    const errors = (src: string) => {
      writeFileSync(join(dir, 'p.zpol'), src);
      return loadProgram([join(dir, 'p.zpol')]).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
    };
    expect(errors(policy('from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a, Src.b], [64, 64], 6, 8)'))).toEqual([]);
    expect(errors(policy('from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a, Src.a], [64, 64], 6, 8)'))).toEqual([
      'ZP2021: source Src.a is named twice; each registry entry is one source',
    ]);
    expect(errors(policy('from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a, Other.c], [64, 64], 6, 8)'))).toContain(
      'ZP2021: the sources are members of one enum; Src.a and Other.c are not',
    );
    expect(errors(policy('from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a], [64], 6, 8)'))).toEqual([
      'ZP2021: spec.datasets holds 2 dataset roots, but 1 sources are named',
    ]);
    expect(errors(policy('from_sources(step.labels_root, step.other_root, spec.datasets, [Src.a, Src.b], [64, 64], 6, 8)'))).toEqual([
      'ZP2021: no compute check opens step.other_root and no embeds call names it as its token ids, so the step proof knows neither its shape nor its rows; name it as an operand (a, b or c) of a verify clause',
    ]);
    expect(errors(policy('from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a, Src.b], [64, 64], 3, 8)'))).toEqual([
      "ZP2021: a row of step.x_root has 4 values, more than an example's 3; a batch row is the first values of its example",
    ]);
    expect(errors(policy('from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a, Src.b], [64, 64], 6, 0)'))).toEqual([
      "ZP5002: from_sources' sample count is 0; it must lie in [1, 65536]",
    ]);
    expect(errors(policy('from_sources(step.x_root, step.x_root, step.labels_root, [Src.a, Src.b], [64, 64], 6, 8)'))[0]).toMatch(/^ZP2003: 'from_sources' needs the sources' dataset roots, a spec field of type \[digest; N\]/);
  });
});
