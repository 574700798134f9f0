// A proof that would not fit in the prover's memory is refused before anything runs (runtime/chain/capacity.ts,
// ZV307), from the programs' static costs, and `zpol prove` says so with the limit it used.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { assertProvable } from '../../runtime/chain/capacity.ts';
import { ChainError } from '../../runtime/chain/prover.ts';
import { estimatedProverBytes, programCost, segmentCyclesWithin } from '../../runtime/vm/costs.ts';
import { proverMemoryLimit } from '../../cli/chain.ts';
import { zpol } from '../helpers.ts';

const demo = (() => {
  const r = compileFile('policies/demo.zpol');
  if (!r.ok) throw new Error(r.error);
  return r;
})();

describe('the prover memory a policy needs', () => {
  it('is estimated from the committed cells, and grows with them', () => {
    const step = programCost(demo.programs.step);
    expect(step.estimatedProverBytes).toBe(estimatedProverBytes(step.committedCells));
    expect(estimatedProverBytes(2 * step.committedCells)).toBeGreaterThan(step.estimatedProverBytes);
  });

  it('refuses, before anything runs, a proof above the limit, naming the compute check that makes most of it', () => {
    const need = programCost(demo.programs.step).estimatedProverBytes;
    expect(() => assertProvable(demo, need)).not.toThrow();
    let error: unknown;
    try {
      assertProvable(demo, need - 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).code).toBe('ZV307');
    expect((error as ChainError).message).toMatch(/^the (genesis|step) proof needs about [\d.]+ GiB of memory \([\d,]+ cycles, [\d,]+ committed cells\), more than the [\d.]+ GiB this prover may use/);
    // The genesis proof is the smaller one here: with a limit between the two, the step is the one refused.
    const genesis = programCost(demo.programs.genesis).estimatedProverBytes;
    expect(genesis).toBeLessThan(need);
    expect(() => assertProvable(demo, genesis)).toThrow(/^the step proof needs .*; most of it is verify fc1 \(demo\.zpol:88:1\), 224 multiply-accumulates a step/);
  });

  it('of a program proven in segments is one segment\'s, and zpol info says how many segments a step takes', () => {
    const whole = programCost(demo.programs.step);
    expect(whole.segments).toBe(1);
    expect(whole.segmentProverBytes).toBe(whole.estimatedProverBytes);
    // The demo's step (~3,800 cycles) in segments of 2^10: four, each with a quarter of the per-cycle rows.
    const split = programCost(demo.programs.step, [], 1024);
    expect(split.segments).toBe(Math.ceil(split.cycles / 1024));
    expect(split.segments).toBeGreaterThan(1);
    // A segment commits its memory at both ends (two Poseidon2 rows an address): for the demo's small step over
    // thousands of words that outweighs the CPU rows a segment saves (a segment of 2^19 cycles barely sees it).
    expect(split.segmentProverBytes).toBe(estimatedProverBytes(split.segmentCommittedCells));
    expect(() => assertProvable(demo, split.segmentProverBytes - 1, 1024)).toThrow(new RegExp(`needs about [\\d.]+ GiB of memory (a segment \\(${split.segments} segments of 1,024 cycles|\\()`));
    const info = zpol(['info', 'policies/demo.zpol']);
    expect(info.stdout).toMatch(/^ {2}one segment \(at most 524,288 cycles a segment\)$/m);
  });

  it('chooses the largest segment up to 2^19 cycles that fits the limit, within 1,024 segments', () => {
    const r = compileFile('test/fixtures/policies/ffn-70b.zpol');
    if (!r.ok) throw new Error(r.error);
    const step = r.programs.step;
    const GiB = 2 ** 30;
    expect(segmentCyclesWithin(step, 16 * GiB)).toBe(2 ** 19);
    // 8 GiB: a segment of 2^19 cycles (about 12.5 GiB) does not fit, one of 2^18 does.
    expect(programCost(step, [], 2 ** 19).segmentProverBytes).toBeGreaterThan(8 * GiB);
    expect(segmentCyclesWithin(step, 8 * GiB)).toBe(2 ** 18);
    expect(programCost(step, [], 2 ** 18).segmentProverBytes).toBeLessThanOrEqual(8 * GiB);
    expect(() => assertProvable(r, 8 * GiB, 2 ** 18)).not.toThrow();
    // 4 GiB takes segments of 2^17 cycles (301 of them); 2 GiB would take 2^15 (a segment of 2^16 needs a little
    // more), more than 1,024: none is chosen (the prover refuses, ZV307).
    expect(segmentCyclesWithin(step, 4 * GiB)).toBe(2 ** 17);
    expect(programCost(step, [], 2 ** 16).segmentProverBytes).toBeGreaterThan(2 * GiB);
    expect(programCost(step, [], 2 ** 15).segments).toBeGreaterThan(1024);
    expect(segmentCyclesWithin(step, 2 * GiB)).toBeUndefined();
    // A step that runs in one proof keeps the default when it fits.
    const demoStep = programCost(demo.programs.step);
    expect(segmentCyclesWithin(demo.programs.step, demoStep.estimatedProverBytes)).toBe(2 ** 19);
  }, 60_000);

  it('reads the limit from ZPOL_PROVER_MEMORY, else the machine', () => {
    expect(proverMemoryLimit({})).toBeGreaterThan(2 ** 30);
    expect(proverMemoryLimit({ ZPOL_PROVER_MEMORY: '16G' })).toBe(16 * 2 ** 30);
    expect(proverMemoryLimit({ ZPOL_PROVER_MEMORY: '512M' })).toBe(512 * 2 ** 20);
    expect(proverMemoryLimit({ ZPOL_PROVER_MEMORY: '1000' })).toBe(1000);
    expect(() => proverMemoryLimit({ ZPOL_PROVER_MEMORY: 'lots' })).toThrow(/ZPOL_PROVER_MEMORY takes bytes/);
  });

  it('zpol prove exits 1 with ZV307 before reading the run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-capacity-'));
    const before = process.env.ZPOL_PROVER_MEMORY;
    process.env.ZPOL_PROVER_MEMORY = '100M';
    try {
      const r = zpol(['prove', 'policies/demo.zpol', '--run', join(dir, 'no-run'), '--out', join(dir, 'proofs')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/cannot prove on this machine: ZV307: the genesis proof needs about [\d.]+ GiB of memory .* more than the 0\.1 GiB this prover may use/);
    } finally {
      if (before === undefined) delete process.env.ZPOL_PROVER_MEMORY;
      else process.env.ZPOL_PROVER_MEMORY = before;
    }
  });
});
