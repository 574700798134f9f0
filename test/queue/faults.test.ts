// Distributed proving's faults that need no proof (#23): a bad --queue address, a Redis that does not answer, jobs
// enqueued twice, and jobs that fail for a real reason (a record that breaks the policy, another artifact, another
// run), which fail at once, naming the proof, instead of being retried. Each failing job is the flow's only child,
// so nothing is proven here; test/queue/queue.test.ts proves a run on two workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowProducer, Queue } from 'bullmq';
import { wideWord } from '../../runtime/vm/word.ts';
import { enqueuePlan, parentId, planRun, proveOnQueue, sharedArtifact, type QueuePlan } from '../../runtime/queue/coordinator.ts';
import { verifyDir } from '../../runtime/chain/run-prover.ts';
import { connect, gateId, QUEUE_NAME } from '../../runtime/queue/job.ts';
import { startWorker, type RunningWorker, type WorkerEvent } from '../../runtime/queue/worker.ts';
import { zpol } from '../helpers.ts';
import { freePort, REDIS_SERVER, startRedis, type TestRedis } from './redis.ts';
import { recordTinyRun, TINY_POLICY, tinyPolicy } from './tiny-run.ts';

const base = mkdtempSync(join(tmpdir(), 'zpol-queue-faults-'));
const run = join(base, 'run');
const out = join(base, 'proofs');
recordTinyRun(run, 2);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('zpol prove --queue and zpol worker without Redis', () => {
  it('a --queue that is not a Redis address is bad usage (exit 2)', () => {
    const r = zpol(['prove', TINY_POLICY, '--run', run, '--out', out, '--queue', 'http://127.0.0.1:6379']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--queue takes a Redis address, redis:\/\/HOST:PORT/);
    const w = zpol(['worker', '--queue', 'redis://host/x']);
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/the path must be a database number/);
  });

  it('a Redis that does not answer: a clear error naming the address, exit 1, for the coordinator and the worker', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = zpol(['prove', TINY_POLICY, '--run', run, '--out', out, '--queue', url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^zpol: cannot reach Redis at ${url}: .*ECONNREFUSED`));
    const w = zpol(['worker', '--queue', url]);
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(new RegExp(`^zpol: cannot reach Redis at ${url}: .*ECONNREFUSED`));
  }, 60_000);
});

describe.skipIf(!REDIS_SERVER)('queue faults on a real Redis', () => {
  let redis: TestRedis;
  let worker: RunningWorker;
  let plan: QueuePlan;
  beforeAll(async () => {
    redis = await startRedis();
    plan = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), run, out);
  }, 30_000);
  afterAll(async () => {
    await worker?.close();
    await redis?.stop();
  }, 30_000);

  it('the coordinator computes the chain: genesis and each step as children, from the state before it; the attestation as the parent', () => {
    expect(plan.children.map((c) => `${c.kind} ${c.step}`)).toEqual(['genesis 0', 'step 1', 'step 2']);
    expect(plan.parent).toMatchObject({ kind: 'attestation', step: 2, steps: 2 });
    // Step k's first public words are S and C_{k−1}: genesis's and step k−1's outputs.
    expect(plan.children[1]!.publicInputs.slice(0, 2)).toEqual([plan.children[0]!.publicInputs[0], plan.children[0]!.publicOutputs[0]]);
    expect(plan.children[2]!.publicInputs[1]).toBe(plan.children[1]!.publicOutputs[0]);
    expect(plan.parent.publicInputs[1]).toBe(plan.children[2]!.publicOutputs[0]);
  });

  it('enqueueing the same run again adds no job: the ids are the run\'s', async () => {
    const connection = connect(redis.url);
    const queue = new Queue(QUEUE_NAME, { connection });
    const flowConnection = connect(redis.url);
    const flows = new FlowProducer({ connection: flowConnection });
    try {
      expect(await enqueuePlan(queue, flows, plan)).toBe(false);
      const first = await queue.getJobCounts();
      // Genesis, two steps and the release gate (promoted once every batch was added); the attestation waits.
      expect(first).toMatchObject({ waiting: 4, 'waiting-children': 1, delayed: 0 });
      expect(await enqueuePlan(queue, flows, plan)).toBe(true);
      expect(await queue.getJobCounts()).toEqual(first);
      // Another proof directory is another run: other ids.
      const other = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), run, join(base, 'elsewhere'));
      expect(other.key).not.toBe(plan.key);
      await queue.obliterate({ force: true });
    } finally {
      await Promise.allSettled([queue.close(), flows.close()]);
      connection.disconnect();
      flowConnection.disconnect();
    }
  });

  it('batches: a coordinator killed while adding them leaves the attestation held by the gate; started again, it adds the rest and releases it', async () => {
    const connection = connect(redis.url);
    const queue = new Queue(QUEUE_NAME, { connection });
    const flowConnection = connect(redis.url);
    const flows = new FlowProducer({ connection: flowConnection });
    const batched: QueuePlan = { ...plan, key: `${plan.key}b` };
    try {
      // Dies after the first flow (the attestation, the gate, genesis): addBulk of the second batch throws.
      const dying = Object.assign(Object.create(queue) as Queue, { addBulk: () => Promise.reject(new Error('killed')) });
      await expect(enqueuePlan(dying, flows, batched, 1)).rejects.toThrow('killed');
      expect(await queue.getJobCounts()).toMatchObject({ waiting: 1, delayed: 1, 'waiting-children': 1 });
      const gate = (await queue.getJob(gateId(batched.key)))!;
      expect(await gate.isDelayed()).toBe(true);
      // Started again: the jobs are there, the missing batches are added, the gate is promoted.
      expect(await enqueuePlan(queue, flows, batched, 1)).toBe(true);
      expect(await queue.getJobCounts()).toMatchObject({ waiting: 4, delayed: 0, 'waiting-children': 1 });
      const parent = (await queue.getJob(parentId(batched)))!;
      expect((await parent.getDependenciesCount()).unprocessed).toBe(4);
      await queue.obliterate({ force: true });
    } finally {
      await Promise.allSettled([queue.close(), flows.close()]);
      connection.disconnect();
      flowConnection.disconnect();
    }
  });

  it('a run added one proof a batch is proven by a worker: the gate proves nothing, the attestation runs last, the chain verifies', async () => {
    worker ??= await startWorker({ url: redis.url, lockMs: 5000, onEvent: (e) => e.type === 'failed' && failures.push(e) });
    const dir = join(base, 'batched');
    const one = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, dir), run, dir);
    const order: string[] = [];
    const r = await proveOnQueue(redis.url, one, { pollMs: 100, batch: 1, onProgress: (p) => order.push(`${p.kind} ${p.step}`) });
    expect(r).toEqual({ proved: 4, kept: 0, steps: 2 });
    expect(order.at(-1)).toBe('attestation 2');
    expect(order.slice(0, 3).sort()).toEqual(['genesis 0', 'step 1', 'step 2']);
    expect(verifyDir(tinyPolicy, dir).ok).toBe(true);
  }, 120_000);

  const failures: WorkerEvent[] = [];
  /** Enqueues `plan` with `child` as its only child and returns the coordinator's error; the worker failed the job once, for good. */
  async function failWith(child: QueuePlan['children'][number]): Promise<string> {
    worker ??= await startWorker({ url: redis.url, lockMs: 5000, onEvent: (e) => e.type === 'failed' && failures.push(e) });
    const one: QueuePlan = { ...plan, key: `${plan.key}x${Math.random().toString(36).slice(2, 8)}`, children: [child] };
    const e = await proveOnQueue(redis.url, one, { pollMs: 100 }).then(
      () => null,
      (x: Error) => x,
    );
    expect(e?.name).toBe('QueueJobError');
    const mine = failures.filter((f) => f.id.startsWith(one.key));
    expect(mine.map((f) => f.type === 'failed' && f.final)).toEqual([true]);
    return e!.message;
  }

  it('a record that breaks the policy at the worker: the job fails once, and the coordinator names the step, the code and the clause', async () => {
    const step1 = plan.children[1]!;
    // The state before step 1 says 995 tokens so far: step 1's 10 more break the budget of 1000.
    const message = await failWith({ ...step1, state: [wideWord(995n), wideWord(0n)] });
    expect(message).toMatch(/^step 1: ZV301: .*within_budget.* at step 1/);
  }, 60_000);

  it('an artifact whose digest is not the job\'s: refused, naming the file and both digests', async () => {
    const message = await failWith({ ...plan.children[0]!, policyDigest: 'ab'.repeat(32) });
    expect(message).toMatch(/^genesis: \S+\.policy-[0-9a-f]{16}\.zcp: compiled policy digest [0-9a-f]{16}…, the job was enqueued for abababababababab…/);
  }, 60_000);

  it('a worker that reads another run than the coordinator: refused before proving, naming the public word', async () => {
    const step2 = plan.children[2]!;
    const message = await failWith({ ...step2, publicInputs: [step2.publicInputs[0]!, plan.children[1]!.publicInputs[1]!, ...step2.publicInputs.slice(2)] });
    expect(message).toMatch(/^step 2: publicInputs\[1\] \(.+\) of this worker's execution is [0-9a-f]{16}…, the coordinator's [0-9a-f]{16}…: this worker reads another run/);
  }, 60_000);
});
