// A worker's proving threads (runtime/queue/threads.ts): jobs run side by side, one per thread, each thread
// answering for its own job; a job failing there comes back as the worker's JobFailure, unrecoverable or not; more
// jobs than threads is refused. The jobs fail before proving (their artifact's digest is not the job's), so nothing
// is proven here.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planRun, sharedArtifact } from '../../runtime/queue/coordinator.ts';
import { JobFailure } from '../../runtime/queue/prove-job.ts';
import { ProofThreads } from '../../runtime/queue/threads.ts';
import { recordTinyRun, tinyPolicy } from './tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-queue-threads-'));
recordTinyRun(join(base, 'run'), 1);
const out = join(base, 'proofs');
const plan = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), join(base, 'run'), out);
const threads = new ProofThreads(2, 'auto', 'test:1');
afterAll(async () => {
  await threads.close();
  rmSync(base, { recursive: true, force: true });
});

describe('proving threads', () => {
  it('start, and say which backend they prove with', async () => {
    expect(['cpu', 'ts']).toContain(await threads.ready());
  }, 60_000);

  it('run two jobs at once, each answered by its own thread; a third while both are busy is refused', async () => {
    const wrong = (i: number) => ({ ...plan.children[i]!, policyDigest: String(i).repeat(64) });
    const both = [threads.run(wrong(0)), threads.run(wrong(1))].map((p) => p.then(() => null, (e: unknown) => e));
    const third = await threads.run(wrong(0)).then(() => null, (e: unknown) => e);
    expect(third).toBeInstanceOf(JobFailure);
    expect((third as JobFailure).message).toBe('internal: more jobs than proving threads');
    const [g, s] = await Promise.all(both);
    for (const [e, what, digit] of [[g, 'genesis', '0'], [s, 'step 1', '1']] as const) {
      expect(e).toBeInstanceOf(JobFailure);
      expect((e as JobFailure).unrecoverable).toBe(true);
      expect((e as JobFailure).message).toMatch(new RegExp(`^${what}: .*the job was enqueued for ${digit.repeat(16)}…`));
    }
  }, 60_000);

  it('a job that does not parse as a zpol job fails for good, naming what is wrong', async () => {
    const e = await threads.run({ ...plan.children[0]!, version: 99 as never }).then(() => null, (x: unknown) => x);
    expect((e as JobFailure).unrecoverable).toBe(true);
    expect((e as JobFailure).message).toMatch(/^not a zpol proof job: version 99; this worker reads version 3/);
  }, 60_000);
});
