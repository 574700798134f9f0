// A killed `zpol prove` resumes a proof in segments where it stopped (runtime/chain/partial.ts): each finished
// segment proof is in proofs/.partial/step-NNNNNN/, the prover started again proves only the segments without one,
// and the proof file is the bytes of an uninterrupted run's. Nothing in the work folder is trusted: a file edited,
// from another run, of another segment or whose STARK proof does not verify is named and its segment proven again.
// The draw's proof-of-work search is checkpointed range by range and resumes at the first nonce not searched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend, demoPolicy, SEGMENT } from '../fixtures/segmented-demo.ts';
import { proveRun, proverKey } from '../../runtime/chain/run-prover.ts';
import { PartialProofs, PARTIAL_DIR, type PartialNotice } from '../../runtime/chain/partial.ts';
import type { SegmentEntry } from '../../runtime/chain/proof-file.ts';
import { SegmentsLeftToOthers, type SegmentProgress } from '../../runtime/chain/prover.ts';
import { recordDemoRun } from '../../demo/record.ts';
import { cpuBackend } from '../../gpu/index.ts';
import { grind, grindCheckpointed, powThresholds, type GrindCheckpoint } from '../../runtime/run/sampling.ts';
import type { Word } from '../../runtime/vm/word.ts';

const policy = demoPolicy;

let base: string;
let run: string;
let reference: Map<string, string>;

const files = (dir: string) => new Map(readdirSync(dir).filter((f) => f.endsWith('.zproof')).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
const stepWork = (dir: string) => join(dir, PARTIAL_DIR, 'step-000001');

class Killed extends Error {}

/**
 * proveRun into `dir`, killed (an exception from the progress hook, after the segment's file is written) once
 * `killAfter` step segments are proven; what it did per step segment, and the work files it ignored. `helper`: as a
 * helper (ChainProver fromLastSegment).
 */
function prove(dir: string, killAfter?: number, helper = false): { segments: string[]; ignored: PartialNotice[]; killed: boolean } {
  const segments: string[] = [];
  const ignored: PartialNotice[] = [];
  let proved = 0;
  try {
    proveRun(policy, run, dir, {
      backend,
      segmentCycles: SEGMENT,
      fromLastSegment: helper,
      onIgnored: (n) => ignored.push(n),
      onSegment: (p: SegmentProgress) => {
        if (p.kind !== 'step') return;
        segments.push(`${p.segment}/${p.of} ${p.action}`);
        if (p.action === 'proved' && ++proved === killAfter) throw new Killed();
      },
    });
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
    return { segments, ignored, killed: true };
  }
  return { segments, ignored, killed: false };
}

/** A proofs folder killed after two of the step's four segments (a copy of one made once). */
let killed: string;
function killedCopy(name: string): string {
  const dir = join(base, name);
  cpSync(killed, dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zpol-partial-'));
  run = join(base, 'run');
  recordDemoRun(run, 1, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
  const whole = join(base, 'whole');
  const r = prove(whole);
  expect(r.segments).toEqual(['0/4 proved', '1/4 proved', '2/4 proved', '3/4 proved']);
  expect(existsSync(join(whole, PARTIAL_DIR))).toBe(false);
  reference = files(whole);
  killed = join(base, 'killed');
  const k = prove(killed, 2);
  expect(k.killed).toBe(true);
}, 600_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a killed prove resumes by segment', () => {
  it('leaves the finished segments in the work folder and no step file', () => {
    expect(existsSync(join(killed, 'step-000001.zproof'))).toBe(false);
    // Each draw's search (the compute check's and the membership draw's), up to the nonce it found (every nonce
    // below it tried), and the two segments proven.
    expect(readdirSync(stepWork(killed)).sort()).toEqual([expect.stringMatching(/^grind-[0-9a-f]{32}\.json$/), expect.stringMatching(/^grind-[0-9a-f]{32}\.json$/), 'segment-0000.json', 'segment-0001.json']);
  });

  it('a helper proves from the last segment missing backwards until it meets the work there; the prover going forwards takes its segments', () => {
    const dir = killedCopy('helped');
    const helped: string[] = [];
    let left: unknown;
    try {
      proveRun(policy, run, dir, { backend, segmentCycles: SEGMENT, fromLastSegment: true, onSegment: (p) => p.kind === 'step' && helped.push(`${p.segment}/${p.of} ${p.action}`) });
    } catch (e) {
      left = e;
    }
    expect(left).toBeInstanceOf(SegmentsLeftToOthers);
    expect(left).toMatchObject({ proved: 2, metAt: 1 });
    expect(helped).toEqual(['3/4 proved', '2/4 proved']);
    expect(existsSync(join(dir, 'step-000001.zproof'))).toBe(false);
    // A second helper, where the first one's last segment is kept and the two before it are gone: it starts at the
    // last segment missing, not at the last one (which it would meet at once and stop).
    for (const k of ['0001', '0002']) rmSync(join(stepWork(dir), `segment-${k}.json`));
    helped.length = 0;
    try {
      proveRun(policy, run, dir, { backend, segmentCycles: SEGMENT, fromLastSegment: true, onSegment: (p) => p.kind === 'step' && helped.push(`${p.segment}/${p.of} ${p.action}`) });
    } catch (e) {
      left = e;
    }
    expect(left).toMatchObject({ proved: 2, metAt: 0 });
    expect(helped).toEqual(['2/4 proved', '1/4 proved']);
    // Every segment there now: a helper started again finds nothing to prove and assembles the step's proof itself.
    const r = prove(dir, undefined, true);
    expect(r.ignored).toEqual([]);
    expect(r.segments).toEqual(['0/4 resumed', '1/4 resumed', '2/4 resumed', '3/4 resumed']);
    expect(files(dir)).toEqual(reference);
  });

  it('proves only the segments not proven, to the same bytes, and removes the work folder', () => {
    const dir = killedCopy('resumed');
    const r = prove(dir);
    expect(r.ignored).toEqual([]);
    expect(r.segments).toEqual(['0/4 resumed', '1/4 resumed', '2/4 proved', '3/4 proved']);
    expect(files(dir)).toEqual(reference);
    expect(existsSync(join(dir, PARTIAL_DIR))).toBe(false);
  });

  it('a work file edited: named, ignored, its segment proven again, same bytes', () => {
    const dir = killedCopy('edited');
    const file = join(stepWork(dir), 'segment-0001.json');
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('"stark":"') + 20;
    writeFileSync(file, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
    const r = prove(dir);
    expect(r.ignored.map((n) => [n.file, n.why])).toEqual([[file, expect.stringMatching(/MAC does not match the prover key/)]]);
    expect(r.segments).toEqual(['0/4 resumed', '1/4 proved', '2/4 proved', '3/4 proved']);
    expect(files(dir)).toEqual(reference);
  });

  it("another run's work (another prover key): ignored, every segment proven", () => {
    const dir = killedCopy('foreign');
    cpSync(join(run, 'prover.key'), join(base, 'prover.key.saved'));
    // The same records under another key: its work folder is this folder's, its MACs are not.
    writeFileSync(join(run, 'prover.key'), new Uint8Array(32).fill(9));
    let r;
    try {
      r = prove(join(base, 'foreign-killed'), 2);
      expect(r.killed).toBe(true);
    } finally {
      cpSync(join(base, 'prover.key.saved'), join(run, 'prover.key'));
    }
    rmSync(stepWork(dir), { recursive: true });
    cpSync(stepWork(join(base, 'foreign-killed')), stepWork(dir), { recursive: true });
    r = prove(dir);
    // (Its draw's search is under another name: the draw's id is keyed too.)
    expect(r.ignored.map((n) => [n.file.replace(dir, ''), n.why])).toEqual([
      [expect.stringMatching(/segment-0000\.json$/), expect.stringMatching(/another run's file/)],
      [expect.stringMatching(/segment-0001\.json$/), expect.stringMatching(/another run's file/)],
    ]);
    expect(r.segments).toEqual(['0/4 proved', '1/4 proved', '2/4 proved', '3/4 proved']);
    expect(files(dir)).toEqual(reference);
  });

  // Files with this run's MAC (a prover bug, or a key that leaked) are still checked: the statement recomputed from
  // the run, and the STARK proof verified against it.
  it("a segment proof under another segment's name, or one that does not verify: refused, naming the file and why", () => {
    const dir = killedCopy('wrong');
    const key = proverKey(run);
    const binding = (JSON.parse(readFileSync(join(stepWork(dir), 'segment-0000.json'), 'utf8').split('\n')[1]!) as { binding: string }).binding;
    const work = new PartialProofs(dir, key).proof('step', 1, binding);
    const [s0, s1] = [work.segment(0)!, work.segment(1)!];
    work.saveSegment(0, s1);
    const stark = Buffer.from(s1.stark, 'base64');
    stark[stark.length - 40]! ^= 1;
    work.saveSegment(1, { ...s1, stark: stark.toString('base64') } satisfies SegmentEntry);
    expect(s0.pcStart).toBe(0);
    const r = prove(dir);
    expect(r.ignored.map((n) => [n.file.replace(dir, ''), n.why])).toEqual([
      [expect.stringMatching(/segment-0000\.json$/), "its statement (pcs, memory commitments, I/O) is not segment 0's of this run"],
      [expect.stringMatching(/segment-0001\.json$/), expect.stringMatching(/its STARK proof does not (verify|decode)/)],
    ]);
    expect(r.segments).toEqual(['0/4 proved', '1/4 proved', '2/4 proved', '3/4 proved']);
    expect(files(dir)).toEqual(reference);
  });

  it('work left by other records (another binding) is ignored', () => {
    const dir = killedCopy('stale');
    const work = new PartialProofs(dir, proverKey(run)).proof('step', 1, 'another binding');
    const seg = readFileSync(join(stepWork(dir), 'segment-0000.json'), 'utf8');
    work.saveSegment(0, (JSON.parse(seg.split('\n')[1]!) as { entry: SegmentEntry }).entry);
    const r = prove(dir);
    expect(r.ignored.map((n) => n.why)).toEqual([expect.stringMatching(/left by another proof of this step/)]);
    expect(r.segments).toEqual(['0/4 proved', '1/4 resumed', '2/4 proved', '3/4 proved']);
    expect(files(dir)).toEqual(reference);
  });
});

describe('the nonces found are kept', () => {
  it("a prove started again runs the steps it keeps without searching their draws' nonces again; a finished folder holds the proofs alone", () => {
    expect(existsSync(join(base, 'whole', '.nonces'))).toBe(false);
    const native = cpuBackend();
    if (!native?.grindPoseidon2Lanes) return; // the reference search is not observable from here
    const starts: number[] = [];
    const spy = Object.assign(Object.create(native) as typeof native, {
      grindPoseidon2Lanes: (c: Uint32Array, t: readonly number[], start: number, end?: number) => {
        starts.push(start);
        return native.grindPoseidon2Lanes!(c, t, start, end);
      },
    });
    // Killed during step 1's proof: its nonce is in .nonces; without the work folder's record, it is read there.
    const dir = killedCopy('nonces');
    expect(readdirSync(join(dir, '.nonces'))).toEqual([expect.stringMatching(/^step-000001-[0-9a-f]{32}\.json$/), expect.stringMatching(/^step-000001-[0-9a-f]{32}\.json$/)]);
    for (const f of readdirSync(stepWork(dir))) if (f.startsWith('grind-')) rmSync(join(stepWork(dir), f));
    expect(proveRun(policy, run, dir, { backend: spy, segmentCycles: SEGMENT })).toEqual({ proved: 2, kept: 1, steps: 1 });
    // Both draws (the compute check's, then the membership draw's) are searched from their nonces, none from below.
    expect(starts.length).toBe(2);
    expect(starts.every((s) => s > 0)).toBe(true);
    expect(files(dir)).toEqual(reference);
    expect(readdirSync(dir).sort()).toEqual([...reference.keys()].sort());
    // Finished: proven again, the kept step's draw is searched from 0.
    starts.length = 0;
    expect(proveRun(policy, run, dir, { backend: spy, segmentCycles: SEGMENT })).toEqual({ proved: 0, kept: 3, steps: 1 });
    expect(starts[0]).toBe(0);
  });
});

describe("a draw's proof of work resumes where its search stopped", () => {
  const seed: Word = [11, 22, 33, 44, 55, 66, 77, 88];
  const bits = 14;
  const want = grind(seed, bits);

  /** A checkpoint in memory that kills the search after `killAfter` records; the ranges each search ran. */
  function search(from: number, killAfter: number | undefined, solver = undefined as ReturnType<typeof cpuBackend> | undefined) {
    const saved: number[] = [];
    const cp: GrindCheckpoint = {
      searched: from,
      range: 256,
      save: (n) => {
        saved.push(n);
        if (saved.length === killAfter) throw new Killed();
      },
    };
    try {
      return { result: grindCheckpointed(seed, bits, cp, solver ?? undefined), saved };
    } catch (e) {
      if (!(e instanceof Killed)) throw e;
      return { result: null, saved };
    }
  }

  it('is the least nonce, found again from the checkpoint without searching below it (reference and native)', () => {
    expect(want.nonce).toBeGreaterThan(3 * 256); // the search spans several ranges
    for (const solver of [undefined, cpuBackend() ?? undefined]) {
      const whole = search(0, undefined, solver);
      expect(whole.result).toEqual(want);
      // The nonce found is recorded too: every nonce below it was tried.
      expect(whole.saved.at(-1)).toBe(want.nonce);
      const killed = search(0, 3, solver);
      expect(killed.result).toBeNull();
      expect(killed.saved).toEqual([256, 512, 768]);
      const resumed = search(768, undefined, solver);
      expect(resumed.result).toEqual(want);
      // Ranges from 768 on only: the ones below were not searched again.
      expect(resumed.saved[0]).toBe(1024);
      expect(resumed.saved.length).toBe(Math.floor(want.nonce / 256) - 3 + 1);
      expect(search(want.nonce, undefined, solver)).toEqual({ result: want, saved: [] });
    }
  });

  it('the checkpoint file: this run\'s is read back; an edited one is named and the search starts from 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-partial-grind-'));
    try {
      const notices: PartialNotice[] = [];
      const partial = new PartialProofs(dir, new Uint8Array(32).fill(5), (n) => notices.push(n));
      expect(partial.grind('step', 3, seed, bits).searched).toBe(0);
      partial.grind('step', 3, seed, bits).save(4096);
      expect(partial.grind('step', 3, seed, bits).searched).toBe(4096);
      // Another draw's seed or work does not read it.
      expect(partial.grind('step', 3, seed, bits + 1).searched).toBe(0);
      const [file] = readdirSync(partial.dir('step', 3));
      const path = join(partial.dir('step', 3), file!);
      writeFileSync(path, readFileSync(path, 'utf8').replace('"searched":4096', '"searched":8192'));
      expect(partial.grind('step', 3, seed, bits).searched).toBe(0);
      expect(notices.map((n) => [n.file, n.why])).toEqual([
        [path, 'the search of another draw (another seed or work)'],
        [path, expect.stringMatching(/MAC does not match/)],
      ]);
      expect(powThresholds(bits).length).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
