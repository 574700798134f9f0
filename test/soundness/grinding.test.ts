// Grinding resistance of compute checks (issue #14, bug 3). A prover that corrupted entries of c can commit again
// (one changed entry, one new Merkle path) until a draw misses them; the review found a missing draw for a demo
// step in 1,632 re-commitments. Each draw now sits behind w bits of proof of work, so grinding costs 2^w / tau, and
// the policy's `grinding` target sets w. These tests grind as the review did and see the program refuse.
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { grindingFigures, MAX_POW_BITS } from '../../language/checker/verify-settings.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { ChainError, ChainProver, type StepTensors } from '../../runtime/chain/prover.ts';
import { SOURCE_NAMES, Trainer } from '../../demo/trainer.ts';
import { datasetKey, memberTape } from '../../runtime/run/members.ts';
import { demoDatasets, demoLayout, demoWeights, demoWeightsConfig, weightsRootEntry } from '../fixtures/demo-step.ts';
import { stepLayoutTape } from '../../runtime/run/step-weights.ts';
import { labelValues } from '../../runtime/run/labels.ts';
import { fieldWord } from '../../runtime/vm/word.ts';
import { commitMatrix, digestFromHex, treeRoot } from '../../runtime/run/tensor-commit.ts';
import { drawEntries, entriesFrom, grind, MAX_POW_BITS as SAMPLER_MAX_POW_BITS, openingTape, openSample, POW_DOMAIN, powDigest, powHolds, powThresholds, powWord, samplingSeed } from '../../runtime/run/sampling.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { grindPoseidon2 } from '../../runtime/proof/pow.ts';
import { cpuBackend } from '../../gpu/index.ts';

function policy(path: string): Extract<CompileResult, { ok: true }> {
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error ?? JSON.stringify(r.diagnostics));
  return r;
}

describe('proof of work on the draw', () => {
  it('a nonce is found after about 2^w tries, and only nonces whose digest carries the work are accepted', () => {
    const w = 8;
    let total = 0;
    for (let s = 0; s < 64; s++) {
      const seed = [s, 1, 2, 3, 4, 5, 6, 7];
      const { nonce, digest } = grind(seed, w);
      expect(powHolds(digest, w)).toBe(true);
      expect(digest).toEqual(powDigest(seed, nonce));
      for (let n = 0; n < nonce; n++) expect(powHolds(powDigest(seed, n), w)).toBe(false);
      total += nonce + 1;
    }
    // The mean of 64 geometric draws of mean 256: within a factor of two (deterministic for these seeds).
    expect(total / 64).toBeGreaterThan(128);
    expect(total / 64).toBeLessThan(512);
  });

  it('a backend\'s Poseidon2 search finds the loop\'s least nonce: a draw of at most 30 bits is the transcript\'s puzzle', () => {
    // The draw's digest is the first half of the permutation of [seed, POW_DOMAIN, nonce lanes at 9 and 10, 0, …],
    // proof/pow.ts's puzzle layout, so the reference puzzle search and the native one give the same nonce.
    const reference = { grind: () => 0, grindPoseidon2: (c: Uint32Array, bits: number) => grindPoseidon2(c, bits) };
    const native = cpuBackend();
    for (let s = 0; s < 8; s++) {
      const seed = [s, 11, 12, 13, 14, 15, 16, 17];
      const w = 6 + s;
      const loop = grind(seed, w);
      expect(grind(seed, w, 0, reference)).toEqual(loop);
      if (native) expect(grind(seed, w, 0, native)).toEqual(loop);
    }
  });

  it('splits the work over lanes of at most 30 bits, up to 60', () => {
    expect(powThresholds(0)).toEqual([]);
    expect(powThresholds(16)).toEqual([Math.floor(P / 2 ** 16)]);
    expect(powThresholds(34)).toEqual([Math.floor(P / 2 ** 30), Math.floor(P / 2 ** 4)]);
    expect(() => powThresholds(61)).toThrow(RangeError);
    expect(MAX_POW_BITS).toBe(SAMPLER_MAX_POW_BITS);
  });

  it('the figures: draw bits k·f·log2(e), the least work that reaches the target, and their sum', () => {
    expect(grindingFigures(56, { num: 1n, den: 4n }, 36)).toEqual({ drawBits: 20.1, powBits: 16, grindingBits: 36.1 });
    expect(grindingFigures(4606, { num: 1n, den: 100n }, 100)).toEqual({ drawBits: 66.4, powBits: 34, grindingBits: 100.4 });
    expect(grindingFigures(10_000, { num: 1n, den: 10n }, 100)).toEqual({ drawBits: 1442.6, powBits: 0, grindingBits: 1442.6 });
  });
});

describe('grinding the demo compute check', () => {
  const demo = policy('policies/demo.zpol');
  const check = demo.compiled.verifies[0]!;
  const int = (n: number): Value => num(BigInt(n));
  const archDecl = (() => {
    const f = demo.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : [])).find((x) => x.name.name === 'arch')!;
    const t = demo.root.checker.resolveType(f.type);
    if (t.kind !== 'enum') throw new Error('arch is not an enum');
    return t.decl;
  })();
  const spec: RecordValues = new Map<string, RunValue>([
    ['arch', { kind: 'enum', decl: archDecl, member: 'mlp' }],
    ['params', int(58)],
    ['d_in', int(4)],
    ['d_hidden', int(8)],
    ['d_out', int(2)],
    ['batch_rows', int(16)],
    ['datasets', { kind: 'array', elements: demoDatasets().map((d) => ({ kind: 'digest', words: d.root }) as RunValue) }],
    ['weights', { kind: 'digest', words: digestFromHex(demoWeights().root) }],
  ]);
  const t1 = new Trainer().step();
  const [M, , N] = check.dims;
  const x = commitMatrix(t1.x, 16, 4);
  const w1 = commitMatrix(t1.w1t, 8, 4);
  const labels = commitMatrix(labelValues(t1.batch.map((b) => b.source)), 16, 1);
  const stepOf = (h: Uint16Array): { record: RecordValues; tensors: StepTensors } => {
    const tensors = new Map([
      ['x_root', x],
      ['w1_root', w1],
      ['h_root', commitMatrix(h, M, N)],
      ['labels_root', labels],
    ]);
    const record = new Map<string, RunValue>([
      ['tokens', int(16)],
      ['tokens_by_source', { kind: 'array', elements: t1.tokensBySource.map(int) }],
      ...[...tensors].map(([field, c]) => [field, { kind: 'digest', words: c.root }] as [string, RunValue]),
      weightsRootEntry(1),
    ]);
    // The sources' datasets, which from_sources opens examples in.
    demoDatasets().forEach((d, i) => tensors.set(datasetKey(SOURCE_NAMES[i]!), d));
    return { record, tensors };
  };
  // 12.5% of h corrupted (16 of 128 entries, one ulp each), as in the review.
  const corrupted = Array.from({ length: 16 }, (_, n) => n * 8 + (n % 8));
  const bad = t1.h.slice();
  for (const e of corrupted) bad[e] = (bad[e]! + 1) & 0xffff;
  const roots = (h: Uint16Array) => ({ a: x.root, b: w1.root, c: commitMatrix(h, M, N).root });
  const misses = (entries: readonly { i: number; j: number }[]) => entries.every(({ i, j }) => !corrupted.includes(i * N + j));

  /** The review's attack: vary one corrupted entry (a new root each time) until the draw without work misses. */
  function grindWithoutWork(): { h: Uint16Array; tries: number } {
    for (let tries = 1; tries < 200_000; tries++) {
      const h = bad.slice();
      h[corrupted[0]!] = (t1.h[corrupted[0]!]! + 1 + tries) & 0xffff;
      if (misses(entriesFrom(samplingSeed(roots(h), check.dims, check.samples), check.dims, check.samples))) return { h, tries };
    }
    throw new Error('no missing draw found');
  }

  it('compiles with 16 bits of work: 20.1 bits a draw, 36.1 against a grinding prover, as the policy declares', () => {
    expect(check).toMatchObject({ samples: 56, drawBits: 20.1, powBits: 16, grindingBits: 36.1, grindingTarget: 36 });
  });

  it('a draw without work is ground in a few thousand re-commitments; with the work, the same tensors are caught', () => {
    const { h, tries } = grindWithoutWork();
    // (1 − 1/8)^56 ≈ 5.6e-4: about 1,800 tries expected.
    expect(tries).toBeLessThan(50_000);
    // Behind the proof of work the samples are others, and they find a corrupted entry.
    expect(misses(drawEntries(roots(h), check.dims, check.samples, check.powBits).entries)).toBe(false);
    const prover = new ChainProver(demo, new Uint8Array(32).fill(9), spec, demoWeightsConfig());
    const genesis = prover.genesisExecution();
    const s = stepOf(h);
    expect(() => prover.stepExecution(1, genesis.state, s.record, s.tensors)).toThrow(/verify fc1 failed: .*: a sampled entry of c differs from its BF16 recomputation/);
  });

  /**
   * The demo's first step with c = h, proven by a prover whose compute-check openings are `nonce` and `entries`
   * (everything else as an honest prover puts it): the error it fails with, or null.
   */
  function stepWithOpenings(h: Uint16Array, nonce: number, entries: readonly { i: number; j: number }[]): unknown {
    const s = stepOf(h);
    const prover = new ChainProver(demo, new Uint8Array(32).fill(9), spec, demoWeightsConfig());
    const genesis = prover.genesisExecution();
    const c = s.tensors.get('h_root')!;
    // The batch's labels come first on the tape (count_labels), then from_sources' openings, the initial layout
    // with the roots of the layout the weights the step starts from (fc1's b is bound to them; both weights.json at
    // step 1), as an honest prover puts them.
    const labelWords = Array.from(labels.values, (v) => fieldWord(v));
    const layout = stepLayoutTape(demoLayout(0).tensors, demoLayout(0).tensors);
    const tape = [...labelWords, ...memberTape(demo.artifact.members![0]!, labels, x, demoDatasets()), ...layout, ...openingTape([x, w1, c].map(treeRoot), nonce, entries.map(({ i, j }) => openSample(x, w1, c, i, j)))];
    (prover as unknown as { openings: () => unknown }).openings = () => tape;
    try {
      prover.stepExecution(1, genesis.state, s.record, s.tensors);
      return null;
    } catch (e) {
      return e;
    }
  }

  it('a prover that skips the work (the ground draw on the tape, any nonce) is refused by the program', () => {
    const { h } = grindWithoutWork();
    const seed = samplingSeed(roots(h), check.dims, check.samples);
    // The entries the draw without work gives, under a nonce that carries no work.
    let nonce = 0;
    while (powHolds(powDigest(seed, nonce), check.powBits)) nonce++;
    const error = stepWithOpenings(h, nonce, entriesFrom(seed, check.dims, check.samples));
    expect(error).toBeInstanceOf(ChainError);
    expect((error as Error).message).toMatch(/verify fc1 failed: .*: the samples are not drawn behind 16 bits of proof of work at step 1/);
  });

  it('a nonce past the field carries the work: nonces take two lanes, so a draw of w > 28 bits still has one', () => {
    // One field element holds p < 2^31 nonces: at w bits a seed has none that carries the work with probability
    // about exp(−p / 2^w) (w = 34, the 70B check's: 15 seeds in 16). A nonce from 2^40 up is found and proves.
    const seed = samplingSeed(roots(t1.h), check.dims, check.samples);
    const far = grind(seed, check.powBits, 2 ** 40);
    expect(far.nonce).toBeGreaterThanOrEqual(2 ** 40);
    expect(powWord(far.nonce)).toEqual([POW_DOMAIN, far.nonce % 2 ** 30, Math.floor(far.nonce / 2 ** 30), 0, 0, 0, 0, 0]);
    expect(stepWithOpenings(t1.h, far.nonce, entriesFrom(far.digest, check.dims, check.samples))).toBeNull();
    // Below 2^30 the work word is the one-lane word it was: the draws of nonces found so far are unchanged.
    expect(powWord(12345)).toEqual([POW_DOMAIN, 12345, 0, 0, 0, 0, 0, 0]);
    // The program reads both lanes: the nonce with either lane changed (the low lane by one, the high lane by one:
    // nonce ± 1, nonce ± 2^30) is refused with the same entries, for the work it does not carry.
    for (const other of [far.nonce + 1, far.nonce - 1, far.nonce + 2 ** 30, far.nonce - 2 ** 30]) {
      expect(powWord(other)).not.toEqual(powWord(far.nonce));
      expect(powHolds(powDigest(seed, other), check.powBits)).toBe(false);
      const error = stepWithOpenings(t1.h, other, entriesFrom(far.digest, check.dims, check.samples));
      expect(error, String(other)).toBeInstanceOf(ChainError);
      expect((error as Error).message).toMatch(/verify fc1 failed: .*: the samples are not drawn behind 16 bits of proof of work at step 1/);
    }
  });

  it('without a declared target the compiler asks for 100 bits, and refuses a target out of reach', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-grinding-'));
    const compile = (settings: string) => {
      const path = join(dir, 'g.zpol');
      writeFileSync(path, `policy g version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [16, 4, 8]\n order: sequential\n rounding: bf16\n ${settings}\n}\n`);
      const r = compileFile(path);
      return r.ok ? r.compiled.verifies[0]! : (r.error ?? r.diagnostics.map((d) => d.message).join('; '));
    };
    expect(compile('tau: 1e-12\n f: 25%')).toMatchObject({ samples: 112, drawBits: 40.3, grindingTarget: 100, grindingBits: 100.3, powBits: 60 });
    expect(compile('tau: 1e-40\n f: 25%')).toMatchObject({ grindingTarget: 100, powBits: 0 });
    expect(compile('tau: 1e-6\n f: 25%')).toMatch(
      /verify mm: 56 samples give 20\.1 bits a draw; reaching 100 bits against a grinding prover would take 80 bits of proof of work, more than 60: .*'grinding: 80' at most/,
    );
    expect(compile('tau: 1e-6\n f: 25%\n grinding: 0')).toMatch(/'grinding' is 0 bits; it must lie in \[1, 256\]/);
  });
});
