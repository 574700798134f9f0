// `verify` compute checks in the step program (compiler/verify.ts): the machine draws the same entries as
// runtime/run/sampling.ts, recomputes them with the BF16 MAC precompile against rows opened from the committed
// tensors, and refuses a step whose product is wrong where it looks, or whose tensors do not match their roots.
import { describe, expect, it } from 'vitest';
import { wholeExecution } from '../../runtime/vm/segments.ts';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { ChainError, ChainProver, type StepTensors } from '../../runtime/chain/prover.ts';
import { chainFailure, demoDatasets, demoSpec, demoWeightsConfig, weightsRootEntry } from '../fixtures/demo-step.ts';
import { datasetKey } from '../../runtime/run/members.ts';
import { SOURCE_NAMES, Trainer, type TrainStep } from '../../demo/trainer.ts';
import { labelValues } from '../../runtime/run/labels.ts';
import { commitMatrix } from '../../runtime/run/tensor-commit.ts';
import { columnStrata, drawEntries, entriesFrom, stratifiedSamples, type GemmDims, type GemmRoots } from '../../runtime/run/sampling.ts';

const sampleEntries = (roots: GemmRoots, dims: GemmDims, samples: number, powBits: number) => drawEntries(roots, dims, samples, powBits).entries;
import { bf16Dot, f32ToBf16, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { programCost } from '../../runtime/vm/costs.ts';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

function policy(path: string): Extract<CompileResult, { ok: true }> {
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error ?? JSON.stringify(r.diagnostics));
  return r;
}

const demo = policy('policies/demo.zpol');
const check = demo.compiled.verifies[0]!;
const int = (n: number): Value => num(BigInt(n));
// The demo's spec, with the registry's dataset roots (from_sources opens the batch's rows in them).
const spec: RecordValues = demoSpec(demo);

/** A step's record and tensors, with h replaced by `h` when given (committed as it is: a prover that lies). */
function stepOf(t: TrainStep, h: Uint16Array = t.h): { record: RecordValues; tensors: StepTensors } {
  const tensors = new Map([
    ['x_root', commitMatrix(t.x, 16, 4)],
    ['w1_root', commitMatrix(t.w1t, 8, 4)],
    ['h_root', commitMatrix(h, 16, 8)],
    ['labels_root', commitMatrix(labelValues(t.batch.map((b) => b.source)), 16, 1)],
  ]);
  const record = new Map<string, RunValue>([
    ['tokens', int(16)],
    ['tokens_by_source', { kind: 'array', elements: t.tokensBySource.map(int) }],
    ...[...tensors].map(([field, c]) => [field, { kind: 'digest', words: c.root }] as [string, RunValue]),
    weightsRootEntry(t.step),
  ]);
  demoDatasets().forEach((d, i) => tensors.set(datasetKey(SOURCE_NAMES[i]!), d));
  return { record, tensors };
}

const trainer = new Trainer();
const t1 = trainer.step();
const prover = new ChainProver(demo, new Uint8Array(32).fill(5), spec, demoWeightsConfig());
const genesis = prover.genesisExecution();

function run(s: { record: RecordValues; tensors: StepTensors }) {
  const r = prover.stepExecution(1, genesis.state, s.record, s.tensors);
  return { ...r, exec: wholeExecution(r.exec) };
}

const failure = chainFailure;

describe('verify: the compute check in the step program', () => {
  it('compiles with constant dims and k = ceil(ln(1/tau)/f) samples, into its own region', () => {
    expect(check).toMatchObject({ name: 'fc1', a: 'x_root', b: 'w1_root', c: 'h_root', dims: [16, 4, 8], samples: 56, order: 'tensor_core', rounding: 'bf16' });
    const region = demo.compiled.regions.step.find((r) => r.kind === 'verify' && r.name === 'fc1')!;
    // The 56 samples run as 7 iterations of a loop of 8 (compiler/check-cost.ts sampleLoop); before them, b's
    // binding to the committed weights compares each of the layout's 4 entries (compiler/step-weights.ts).
    expect(region.to - region.from).toBeLessThan(8 * 60 + 4 * 30);
    expect(programCost(demo.compiled.programs.step, demo.compiled.regions.step).clauses.find((c) => c.kind === 'verify')!.cycles).toBeGreaterThan(56 * 40);
    expect(demo.artifact.verifies).toEqual([check]);
  });

  it('draws in the machine exactly the entries sampling.ts draws, and accepts an honest step', () => {
    const s = stepOf(t1);
    const { exec } = run(s);
    const root = (f: string) => s.tensors.get(f)!.root;
    const entries = sampleEntries({ a: root('x_root'), b: root('w1_root'), c: root('h_root') }, check.dims, check.samples, check.powBits);
    // Three Merkle openings per sample: row i of x, row j of W1ᵀ, row i of h (after from_sources' 8 samples of
    // three openings each: the batch row and one path per source's dataset).
    expect(exec.merkle).toHaveLength(8 * 3 + 3 * entries.length);
    expect(exec.merkle.slice(8 * 3).map((m) => m.index)).toEqual(entries.flatMap(({ i, j }) => [i, j, i]));
    // One tensor-core dot product per sample (order: tensor_core), no MAC.
    expect(exec.mma).toHaveLength(56);
    expect(exec.mac).toHaveLength(0);
    expect(new Set(entries.map((e) => `${e.i},${e.j}`)).size).toBeGreaterThan(30);
  });

  it('refuses an output entry altered where the sampler looks, and names the clause and the step', () => {
    let caught = 0;
    let missed = 0;
    for (let e = 0; e < 128 && (caught === 0 || missed === 0); e++) {
      const h = t1.h.slice();
      h[e] = (h[e]! + 1) & 0xffff; // one ulp off (bf16 bits + 1)
      const s = stepOf(t1, h);
      const root = (f: string) => s.tensors.get(f)!.root;
      const looks = sampleEntries({ a: root('x_root'), b: root('w1_root'), c: root('h_root') }, check.dims, check.samples, check.powBits).some(({ i, j }) => i * 8 + j === e);
      const message = failure(() => run(s));
      if (looks) {
        expect(message).toMatch(/^assertion failed: verify fc1 failed: First-layer matrix product x \* W1 \(demo\.zpol:\d+:1\): a sampled entry of c differs from its BF16 recomputation from a and b at step 1: c\[\d+\]\[\d+\] is 0x[0-9a-f]{4}, the tensor-core recomputation from a and b gives 0x[0-9a-f]{4}$/);
        caught++;
      } else {
        // A wrong entry the samples miss goes through: that is what tau bounds.
        expect(message).toBe('no failure');
        missed++;
      }
    }
    expect(caught).toBeGreaterThan(0);
    expect(missed).toBeGreaterThan(0);
  });

  it('refuses tensors that do not match the roots in the record', () => {
    const honest = stepOf(t1);
    const h = t1.h.slice();
    h.fill(0);
    const forged = { record: honest.record, tensors: new Map([...honest.tensors, ['h_root', commitMatrix(h, 16, 8)]]) };
    // (The tree roots on the tape are the tensors'; under their shape words they are not the record's roots.)
    expect(failure(() => run(forged))).toMatch(/verify fc1 failed: .*: step\.h_root is not the root of a \[16, 8\] tensor with the tree root read for c at step 1/);
    const w = t1.w1t.slice();
    w[3] ^= 0x8000;
    const forgedW = { record: honest.record, tensors: new Map([...honest.tensors, ['w1_root', commitMatrix(w, 8, 4)]]) };
    expect(failure(() => run(forgedW))).toMatch(/step\.w1_root is not the root of a \[8, 4\] tensor with the tree root read for b at step 1/);
    const wrongShape = { record: honest.record, tensors: new Map([...honest.tensors, ['x_root', commitMatrix(t1.x.slice(0, 32), 8, 4)]]) };
    expect(failure(() => run(wrongShape))).toMatch(/verify fc1 failed \(demo\.zpol:\d+:1\): step\.x_root commits a \[8, 4\] tensor; the check is compiled for \[16, 4\] at step 1/);
    expect(failure(() => prover.stepExecution(1, genesis.state, honest.record))).toMatch(/no committed tensor for step\.x_root at step 1/);
    // A dataset of another shape than the policy's is named before its openings are put on the tape.
    const ds = demoDatasets()[1]!;
    const shortDataset = commitMatrix(ds.values.slice(0, (ds.rows - 1) * ds.cols), ds.rows - 1, ds.cols);
    const wrongDataset = { record: honest.record, tensors: new Map([...honest.tensors, [datasetKey(SOURCE_NAMES[1]!), shortDataset]]) };
    expect(failure(() => run(wrongDataset))).toMatch(
      new RegExp(`from_sources: the dataset of source '${SOURCE_NAMES[1]}' \\(registry\\.json\\) is \\[${ds.rows - 1}, ${ds.cols}\\]; the check is compiled for \\[${ds.rows}, ${ds.cols}\\] at step 1`),
    );
    try {
      prover.stepExecution(1, genesis.state, honest.record);
    } catch (e) {
      expect((e as ChainError).code).toBe('ZV305');
    }
  });

  it('a clause that fails before the compute check is still the one reported without tensors', () => {
    const s = stepOf(t1);
    const record = new Map(s.record);
    record.set('tokens_by_source', { kind: 'array', elements: [int(16), int(1)] });
    expect(failure(() => prover.stepExecution(1, genesis.state, record))).toMatch(/^assertion failed: invariant every_token_attributed failed/);
  });

  it('needs a shape known when the policy is compiled and bf16 rounding; takes blocked(B) with a coded refusal of a bad B', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-verify-'));
    const variant = (settings: string) => {
      const path = join(dir, 'p.zpol');
      writeFileSync(
        path,
        `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n tau: 1e-3\n f: 50%\n grinding: 24\n ${settings}\n}\n`,
      );
      const r = compileFile(path);
      return r.ok ? 'ok' : (r.error ?? r.diagnostics.map((d) => d.message).join('; '));
    };
    expect(variant('dims: [4, 8, 2]\n order: sequential\n rounding: bf16')).toBe('ok');
    expect(variant('dims: [spec.m, 8, 2]\n order: sequential\n rounding: bf16')).toMatch(/p\.zpol:6:1: error ZP7001: verify mm: 'dims' must be known when the policy is compiled/);
    expect(variant('dims: [4, 8, 2]\n order: blocked(4)\n rounding: bf16')).toBe('ok');
    expect(variant('dims: [4, 8, 2]\n order: blocked(3)\n rounding: bf16')).toBe('ok'); // a shorter last block
    expect(variant('dims: [4, 8, 2]\n order: blocked(0)\n rounding: bf16')).toMatch(/a block width is 0; it must lie in \[1, /);
    expect(variant('dims: [4, 8, 2]\n order: sequential\n rounding: f32')).toMatch(/only 'rounding: bf16'/);
  });

  it('lowers the demo (order: tensor_core) to mma, lane, tobf16 and merkle instructions, and a sequential check to macw', () => {
    const r = compileFile('policies/demo.zpol');
    if (!r.ok) throw new Error('demo does not compile');
    const ops = new Set(r.compiled.programs.step.instructions.map((i) => i.op));
    for (const op of ['lane', 'mma', 'tobf16', 'merkle', 'advice']) expect(ops).toContain(op);
    expect(ops.has('mac')).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'zpol-verify-seq-'));
    const path = join(dir, 'seq.zpol');
    writeFileSync(path, readFileSync('policies/demo.zpol', 'utf8').replace('order: tensor_core', 'order: sequential'));
    const seq = compileFile(path);
    if (!seq.ok) throw new Error('the sequential variant does not compile');
    const seqOps = new Set(seq.compiled.programs.step.instructions.map((i) => i.op));
    for (const op of ['lane', 'macw', 'tobf16']) expect(seqOps).toContain(op);
    for (const op of ['mma', 'mac', 'macl', 'pack'] as const) expect(seqOps.has(op)).toBe(false);
  });

  it('stratifies the columns: j mod S is fixed per sample, k rounds up to a multiple of S', () => {
    expect([1, 2, 8, 12, 16, 24, 4096].map(columnStrata)).toEqual([1, 2, 8, 1, 8, 8, 8]);
    expect(stratifiedSamples(139, 8)).toBe(144);
    expect(stratifiedSamples(56, 8)).toBe(56);
    expect(stratifiedSamples(139, 12)).toBe(139);
    const roots = { a: [1, 2, 3, 4, 5, 6, 7, 8], b: [9, 9, 9, 9, 9, 9, 9, 9], c: [0, 0, 0, 0, 0, 0, 0, 1] };
    for (const N of [8, 24]) {
      const entries = entriesFrom(roots.a, [64, 4, N], 48);
      entries.forEach(({ i, j }, s) => {
        expect(j % 8).toBe(s % 8);
        expect(j).toBeLessThan(N);
        expect(i).toBeLessThan(64);
      });
      if (N === 24) expect(new Set(entries.map((e) => e.j)).size).toBeGreaterThan(8);
    }
    expect(new Set(entriesFrom(roots.a, [64, 4, 12], 48).map((e) => e.j % 8)).size).toBeGreaterThan(4);
  });

  it.each([2, 12, 16])('checks a [4, 8, %i] product in the machine, with or without strata', (N) => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-verify-n-'));
    const path = join(dir, 'mm.zpol');
    writeFileSync(
      path,
      `policy mm version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [4, 8, ${N}]\n tau: 1e-3\n f: 50%\n grinding: 24\n order: sequential\n rounding: bf16\n}\n`,
    );
    const p = policy(path);
    const mm = p.compiled.verifies[0]!;
    expect(mm.samples % columnStrata(N)).toBe(0);
    let seed = N;
    const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
    const a = Uint16Array.from({ length: 4 * 8 }, bf16);
    const bt = Uint16Array.from({ length: N * 8 }, bf16);
    const c = new Uint16Array(4 * N);
    for (let i = 0; i < 4; i++) for (let j = 0; j < N; j++) c[i * N + j] = f32ToBf16(bf16Dot(a.subarray(i * 8, i * 8 + 8), bt.subarray(j * 8, j * 8 + 8), SEQUENTIAL).acc);
    const stepWith = (cv: Uint16Array) => {
      const tensors = new Map([
        ['a', commitMatrix(a, 4, 8)],
        ['b', commitMatrix(bt, N, 8)],
        ['c', commitMatrix(cv, 4, N)],
      ]);
      const record = new Map<string, RunValue>([...tensors].map(([f, t]) => [f, { kind: 'digest', words: t.root }] as [string, RunValue]));
      return { record, tensors, roots: { a: tensors.get('a')!.root, b: tensors.get('b')!.root, c: tensors.get('c')!.root } };
    };
    const prover = new ChainProver(p, new Uint8Array(32).fill(1), new Map([['m', int(1)]]));
    const g = prover.genesisExecution();
    const honest = stepWith(c);
    const exec = wholeExecution(prover.stepExecution(1, g.state, honest.record, honest.tensors).exec);
    const entries = sampleEntries(honest.roots, mm.dims, mm.samples, mm.powBits);
    expect(exec.merkle.map((m) => m.index)).toEqual(entries.flatMap(({ i, j }) => [i, j, i]));
    // One entry where the first sample looks, one ulp off.
    let hit = false;
    for (let e = 0; e < c.length && !hit; e++) {
      const trial = c.slice();
      trial[e] = (trial[e]! + 1) & 0xffff;
      const t = stepWith(trial);
      if (sampleEntries(t.roots, mm.dims, mm.samples, mm.powBits).some(({ i, j }) => i * N + j === e)) {
        hit = true;
        expect(() => prover.stepExecution(1, g.state, t.record, t.tensors)).toThrow(/verify mm failed: x \(mm\.zpol:\d+:1\): a sampled entry of c differs/);
      }
    }
    expect(hit).toBe(true);
  });
});
