import { describe, expect, it } from 'vitest';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { executeRun, isSegmented, proveSegments, segmentExecution, segmentMachine, segmentPublics, segmentWitness, verifySegmentLinks, verifySegments, type SegmentedExecution, type SegmentProof } from '../../runtime/vm/segments.ts';
import { memoryCommitment } from '../../runtime/vm/chips/segment-memory.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { ZERO_WORD, wideWord } from '../../runtime/vm/word.ts';
import { plainPcs, type PlainProof } from '../proof/helpers/plain-pcs.ts';
import { countingLoop, sumUnderCap, type Case } from '../fixtures/sample-programs.ts';

// 20 private values, each a `read` and an `add128`, under a public cap read first: ~46 cycles, 6 segments of 8.
const values = (seed: bigint) => Array.from({ length: 20 }, (_, i) => BigInt(i + 1) * 10n ** 20n + seed);
const CASE = sumUnderCap(values(0n), 10n ** 25n);
const m = segmentMachine(CASE.program, plainPcs);

function segmented(c: Case, cycles = 8): SegmentedExecution {
  const run = executeRun(c.program, c.inputs, { segmentCycles: cycles });
  if (!isSegmented(run)) throw new Error('expected a segmented run');
  return run;
}

const RUN = segmented(CASE);
const PROOFS = proveSegments(m, RUN, { seed: 'segments test' });
const check = (proofs: readonly SegmentProof<PlainProof>[], run = RUN) => verifySegments(m, run.publicInputs, run.publicOutputs, proofs);

describe('continuations: a run proven as chained segments', () => {
  it('executes in segments of exactly the cap, ending where one execution ends', () => {
    const whole = execute(CASE.program, CASE.inputs);
    expect(RUN.starts.length).toBe(Math.ceil(whole.steps.length / 8));
    const segments = RUN.starts.map((_, k) => segmentExecution(RUN, k));
    expect(segments.slice(0, -1).every((s) => s.steps.length === 8 && !s.segment!.halted)).toBe(true);
    expect(segments.at(-1)!.segment!.halted).toBe(true);
    // Each segment's steps are the whole run's, its clock its own.
    expect(segments.flatMap((s) => s.steps.map((x) => [x.pc, x.ins.op]))).toEqual(whole.steps.map((x) => [x.pc, x.ins.op]));
    expect(RUN.finalMemory).toEqual(whole.finalMemory);
    expect(RUN.publicOutputs).toEqual(whole.publicOutputs);
    // A run that fits one segment is the execution itself.
    const single = executeRun(CASE.program, CASE.inputs, { segmentCycles: 64 });
    expect(isSegmented(single)).toBe(false);
    expect(single).toEqual(whole);
  });

  it('verifies as one execution, each input read and output written by exactly one segment', () => {
    expect(check(PROOFS)).toEqual({ ok: true });
    expect(PROOFS[0]!.io).toEqual([0]);
    expect(PROOFS.at(-1)!.io).toEqual([1]);
    expect(PROOFS.slice(1, -1).every((p) => p.io.length === 0)).toBe(true);
  });

  it('rejects segments swapped, reordered, dropped, duplicated or truncated', () => {
    const swapped = [PROOFS[0]!, PROOFS[2]!, PROOFS[1]!, ...PROOFS.slice(3)];
    expect(check(swapped)).toMatchObject({ ok: false, failure: 'link', segment: 1 });
    expect(check([...PROOFS].reverse())).toMatchObject({ ok: false, failure: 'start' });
    expect(check([PROOFS[0]!, ...PROOFS.slice(2)])).toMatchObject({ ok: false, failure: 'link', segment: 1 });
    expect(check([PROOFS[0]!, PROOFS[1]!, PROOFS[1]!, ...PROOFS.slice(2)])).toMatchObject({ ok: false, failure: 'link', segment: 2 });
    expect(check(PROOFS.slice(0, -1))).toMatchObject({ ok: false, failure: 'end' });
    expect(check(PROOFS.slice(0, 1))).toMatchObject({ ok: false, failure: 'count' });
  });

  it('rejects a changed state commitment, a forged pc and I/O claimed twice or never', () => {
    const other = [...ZERO_WORD.slice(1), 7];
    // Both sides of a boundary changed alike: the link holds, the STARK proofs do not.
    const bent = PROOFS.map((p, k) => (k === 2 ? { ...p, memEnd: other } : k === 3 ? { ...p, memStart: other } : p));
    expect(check(bent)).toMatchObject({ ok: false, failure: 'stark', segment: 2 });
    expect(check(PROOFS.map((p, k) => (k === 2 ? { ...p, memEnd: other } : p)))).toMatchObject({ ok: false, failure: 'link', segment: 3 });
    const pcs = PROOFS.map((p, k) => (k === 1 ? { ...p, pcEnd: p.pcEnd + 1 } : k === 2 ? { ...p, pcStart: p.pcStart + 1 } : p));
    expect(check(pcs)).toMatchObject({ ok: false, failure: 'stark', segment: 1 });
    expect(check(PROOFS.map((p, k) => (k === 1 ? { ...p, io: [0] } : p)))).toMatchObject({ ok: false, failure: 'io' });
    expect(check(PROOFS.map((p, k) => (k === 0 ? { ...p, io: [] } : p)))).toMatchObject({ ok: false, failure: 'io' });
    // The flag moved to a segment that does not read the input: its I/O bus does not balance.
    expect(check(PROOFS.map((p, k) => (k === 0 ? { ...p, io: [] } : k === 1 ? { ...p, io: [0] } : p)))).toMatchObject({ ok: false, failure: 'stark', segment: 0 });
  });

  it('rejects public words of another count or not words, more segments than the cap, a first segment not at the program\'s start, and I/O indices outside the program', () => {
    const P = 2013265921;
    expect(verifySegments(m, [], RUN.publicOutputs, PROOFS)).toMatchObject({ ok: false, failure: 'io', segment: null });
    expect(verifySegments(m, [...RUN.publicInputs, ZERO_WORD], RUN.publicOutputs, PROOFS)).toMatchObject({ ok: false, failure: 'io', segment: null });
    expect(verifySegments(m, [[P, ...RUN.publicInputs[0]!.slice(1)]], RUN.publicOutputs, PROOFS)).toMatchObject({ ok: false, failure: 'io', segment: null });
    expect(verifySegments(m, RUN.publicInputs, [], PROOFS)).toMatchObject({ ok: false, failure: 'io', segment: null });
    expect(verifySegments(m, RUN.publicInputs, [RUN.publicOutputs[0]!.slice(1)], PROOFS)).toMatchObject({ ok: false, failure: 'io', segment: null });
    expect(check([])).toMatchObject({ ok: false, failure: 'count' });
    expect(check([...PROOFS, ...new Array(1024).fill(PROOFS.at(-1)!)])).toMatchObject({ ok: false, failure: 'count' });
    // The first segment from memory other than the program's (salt zero), or from another pc; the rest unchanged.
    const image = RUN.starts[0]!.memory.map((x, i) => (i === 0 ? wideWord(1n) : x));
    expect(check(PROOFS.map((p, k) => (k === 0 ? { ...p, memStart: memoryCommitment(ZERO_WORD, image) } : p)))).toMatchObject({ ok: false, failure: 'start', segment: 0 });
    expect(check(PROOFS.map((p, k) => (k === 0 ? { ...p, memStart: memoryCommitment([1, 0, 0, 0, 0, 0, 0, 0], RUN.starts[0]!.memory) } : p)))).toMatchObject({ ok: false, failure: 'start', segment: 0 });
    expect(check(PROOFS.map((p, k) => (k === 0 ? { ...p, pcStart: 1 } : p)))).toMatchObject({ ok: false, failure: 'start', segment: 0 });
    for (const bad of [2, -1, 0.5, Number.NaN]) expect(check(PROOFS.map((p, k) => (k === 2 ? { ...p, io: [bad] } : p)))).toMatchObject({ ok: false, failure: 'io', segment: 2 });
    // One segment naming the same input twice.
    expect(check(PROOFS.map((p, k) => (k === 0 ? { ...p, io: [0, 0] } : p)))).toMatchObject({ ok: false, failure: 'io', segment: 0 });
  });

  // Red team: the I/O flags a segment states have one list. The proof binds the set (its flags), not the order, so
  // a reordered list would be a second file of the same proof; the links refuse it before any proof is read.
  it('refuses an I/O list out of ascending order, which the STARK proof alone cannot tell apart', () => {
    const statements = PROOFS.map((p, k) => (k === 0 ? { ...p, io: [0, 1] } : k === PROOFS.length - 1 ? { ...p, io: [] } : p));
    expect(verifySegmentLinks(CASE.program, RUN.publicInputs, RUN.publicOutputs, statements)).toEqual({ ok: true });
    const reordered = statements.map((p, k) => (k === 0 ? { ...p, io: [1, 0] } : p));
    expect(verifySegmentLinks(CASE.program, RUN.publicInputs, RUN.publicOutputs, reordered)).toMatchObject({ ok: false, failure: 'io', segment: 0 });
    // Both lists give the same public inputs: only the order check tells them apart.
    expect(segmentPublics(CASE.program, reordered[0]!, RUN.publicInputs, RUN.publicOutputs)).toEqual(segmentPublics(CASE.program, statements[0]!, RUN.publicInputs, RUN.publicOutputs));
  });

  it('a run on other public words, every segment that does not read or write the word proven again for them: the one that does cannot prove them, and its honest proof does not verify', () => {
    const out = RUN.publicOutputs[0]!.map((x, i) => (i === 0 ? x + 1 : x));
    const last = PROOFS.length - 1;
    for (const [inputs, outputs, k] of [
      [[wideWord(10n ** 24n)], RUN.publicOutputs, 0],
      [RUN.publicInputs, [out], last],
    ] as const) {
      const publics = (j: number) => segmentPublics(CASE.program, PROOFS[j]!, inputs, outputs);
      const forged = PROOFS.map((p, j) => (j === k ? p : { ...p, stark: prove(m.system, segmentWitness(RUN, j, 'segments test').traces, publics(j), { seed: 'forged' }) }));
      // The others verify on the forged words (they do not read or write it); only segment k's I/O message binds it.
      for (const [j, p] of forged.entries()) if (j !== k) expect(verify(m.system, publics(j), p.stark).ok).toBe(true);
      expect(verifySegments(m, inputs, outputs, forged)).toMatchObject({ ok: false, failure: 'stark', segment: k });
      expect(() => prove(m.system, segmentWitness(RUN, k, 'segments test').traces, publics(k), { seed: 'forged' })).toThrow();
    }
  });

  it('rejects a segment of another run, and a run on other public words', () => {
    const otherCase = sumUnderCap(values(5n), 10n ** 25n);
    const other = proveSegments(m, segmented({ program: CASE.program, inputs: otherCase.inputs }), { seed: 'segments test' });
    expect(check(PROOFS.map((p, k) => (k === 3 ? other[3]! : p)))).toMatchObject({ ok: false, failure: 'link' });
    const lowerCap = { ...RUN, publicInputs: [wideWord(10n ** 24n)] };
    expect(check(PROOFS, lowerCap)).toMatchObject({ ok: false, failure: 'stark', segment: 0 });
  });

  it('a segment proves its memory images against the commitments: another image does not prove', () => {
    const w = segmentWitness(RUN, 1, 'segments test');
    const image = RUN.starts[1]!.memory.map((x, i) => (i === 3 ? wideWord(1n) : x));
    const forged = { ...w!.statement, memStart: memoryCommitment(ZERO_WORD, image) };
    expect(() => prove(m.system, w!.traces, segmentPublics(CASE.program, forged, RUN.publicInputs, RUN.publicOutputs), { seed: 'x' })).toThrow(/chain ends at the public commitment/);
  });

  it('a loop of 900 cycles in 2^8-cycle segments', () => {
    const c = countingLoop(300);
    const run = segmented(c, 256);
    expect(run.starts.length).toBe(4);
    const loop = segmentMachine(c.program, plainPcs);
    expect(verifySegments(loop, run.publicInputs, run.publicOutputs, proveSegments(loop, run, { seed: 'loop' }))).toEqual({ ok: true });
  });

  it('refuses a run that needs more segments than the cap, and a segment size that is not a power of two', () => {
    expect(() => executeRun(CASE.program, CASE.inputs, { segmentCycles: 8, maxSegments: 3 })).toThrow(VmError);
    expect(() => executeRun(CASE.program, CASE.inputs, { segmentCycles: 12 })).toThrow(/power of two/);
  });
});
