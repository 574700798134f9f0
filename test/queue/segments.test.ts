// A segmented step proven on the queue's workers resumes where a killed worker stopped (runtime/queue/prove-job.ts
// with runtime/chain/partial.ts): the coordinator plans the jobs with the segment size and searches each draw's
// nonce once (kept in the proofs folder's .nonces for the workers), a worker killed after two of the step's four
// segments leaves them in the work folder, the next worker proves only the other two, and the files are the bytes
// `zpol prove` writes for the same run. No Redis: the jobs are run as a worker's thread runs them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend, demoPolicy, SEGMENT } from '../fixtures/segmented-demo.ts';
import { proveRun } from '../../runtime/chain/run-prover.ts';
import { NONCES_DIR, PARTIAL_DIR } from '../../runtime/chain/partial.ts';
import type { SegmentProgress } from '../../runtime/chain/prover.ts';
import { planRun, sharedArtifact, type QueuePlan } from '../../runtime/queue/coordinator.ts';
import { JobCache, runProofJob } from '../../runtime/queue/prove-job.ts';
import { runKey } from '../../runtime/queue/job.ts';
import { recordDemoRun } from '../../demo/record.ts';

const policy = demoPolicy;

let base: string;
let run: string;
let out: string;
let plan: QueuePlan;
let reference: Map<string, string>;

const files = (dir: string) => new Map(readdirSync(dir).filter((f) => f.endsWith('.zproof')).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zpol-queue-segments-'));
  run = join(base, 'run');
  recordDemoRun(run, 1, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
  const local = join(base, 'local');
  proveRun(policy, run, local, { backend, segmentCycles: SEGMENT });
  reference = files(local);
  out = join(base, 'queued');
  plan = planRun(policy, sharedArtifact(policy, null, out), run, out, 'blake3', { backend, segmentCycles: SEGMENT });
}, 600_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a segmented step on the queue', () => {
  it('the jobs carry the segment size and the run key names it; the coordinator keeps the draw nonce it found for the workers', () => {
    expect([...plan.children, plan.parent].every((j) => j.segmentCycles === SEGMENT)).toBe(true);
    expect(plan.key).not.toBe(planRun(policy, sharedArtifact(policy, null, out), run, out, 'blake3', { backend }).key);
    expect(runKey(policy.artifact.digest, run, out, new Uint8Array(32), 'blake3')).not.toBe(runKey(policy.artifact.digest, run, out, new Uint8Array(32), 'blake3', SEGMENT));
    // The demo's fc1 draws 56 samples behind 16 bits of work, its membership draw behind 17: their nonces are in
    // .nonces, and their searches' checkpoints (every nonce below tried) in the step's work folder until it is proven.
    expect(policy.artifact.verifies[0]!.powBits).toBeGreaterThan(0);
    expect(readdirSync(join(out, NONCES_DIR))).toEqual([expect.stringMatching(/^step-000001-[0-9a-f]{32}\.json$/), expect.stringMatching(/^step-000001-[0-9a-f]{32}\.json$/)]);
    expect(readdirSync(join(out, PARTIAL_DIR, 'step-000001'))).toEqual([expect.stringMatching(/^grind-[0-9a-f]{32}\.json$/), expect.stringMatching(/^grind-[0-9a-f]{32}\.json$/)]);
  });

  it('a worker killed after two segments leaves them; the next proves the other two, to the bytes zpol prove writes', () => {
    const [genesis, step] = plan.children;
    expect(runProofJob(genesis!, new JobCache(), backend, 'w1').action).toBe('proved');
    class Killed extends Error {}
    let proved = 0;
    const dying = new JobCache({
      onSegment: (p: SegmentProgress) => {
        if (p.action === 'proved' && ++proved === 2) throw new Killed('killed');
      },
    });
    expect(() => runProofJob(step!, dying, backend, 'w1')).toThrow(/step 1.*killed/);
    expect(existsSync(join(out, 'step-000001.zproof'))).toBe(false);
    expect(readdirSync(join(out, PARTIAL_DIR, 'step-000001')).sort()).toEqual([expect.stringMatching(/^grind-/), expect.stringMatching(/^grind-/), 'segment-0000.json', 'segment-0001.json']);

    const seen: string[] = [];
    const ignored: string[] = [];
    const next = new JobCache({ onSegment: (p) => seen.push(`${p.segment}/${p.of} ${p.action}`), onIgnored: (n) => ignored.push(n.file) });
    expect(runProofJob(step!, next, backend, 'w2').action).toBe('proved');
    expect(seen).toEqual(['0/4 resumed', '1/4 resumed', '2/4 proved', '3/4 proved']);
    expect(ignored).toEqual([]);
    expect(existsSync(join(out, PARTIAL_DIR, 'step-000001'))).toBe(false);

    expect(runProofJob(plan.parent, next, backend, 'w2').action).toBe('proved');
    expect(files(out)).toEqual(reference);
    // After the attestation nothing of the work folders is left.
    expect(existsSync(join(out, NONCES_DIR)) && readdirSync(join(out, NONCES_DIR)).length > 0).toBe(false);
  });

  it('a job whose segment size the prover does not prove is refused before anything runs', () => {
    expect(() => runProofJob({ ...plan.children[1]!, segmentCycles: 1000 }, new JobCache(), backend, 'w3')).toThrow(/not a zpol proof job: segmentCycles 1000/);
    // Whatever the job's JSON holds there: refused as a job, never another error (which the queue would retry).
    for (const bad of ['1024', { toString: 1 }, 1.5, null]) {
      expect(() => runProofJob({ ...plan.children[1]!, segmentCycles: bad as never }, new JobCache(), backend, 'w3')).toThrow(/not a zpol proof job: segmentCycles .* is not a whole number/);
    }
  });
});
