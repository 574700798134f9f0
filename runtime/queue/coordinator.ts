/**
 * `zpol prove --queue`: the coordinator. It validates the run and runs every program without proving
 * (milliseconds a step), which gives the chain of states and each proof's public words; then it puts one BullMQ
 * flow on the queue: the attestation as the parent job and genesis and every step as its children, so that the
 * attestation is proven only once every step is (a child that fails fails the parent). Workers
 * (runtime/queue/worker.ts) prove the jobs and write the proof files; the coordinator waits, reporting each proof
 * as a worker finishes it (from the queue's event stream), and ends with what `zpol prove` reports.
 *
 * A run of many steps is added in batches (BATCH proofs a Redis transaction, so that a run of 100,000 steps is not
 * one transaction of every job's data): the first flow holds the attestation, a delayed release gate and the first
 * batch; the other batches are added as children of the same attestation; then the gate is promoted. Until then the
 * attestation has a pending child, so it cannot be released while batches are still being added, even when the
 * workers have proven every step added so far.
 *
 * Job ids are the run's key (job.ts) and the proof, so enqueueing the same run again adds nothing while its jobs
 * are there: a coordinator started again waits for the same jobs. A flow that already ended (completed or failed)
 * is removed and enqueued again; the workers keep the proofs already written (the resume check of local
 * proving), so only what is missing is proven. A flow that disappears while it is waited for (a Redis restart
 * without persistence) is enqueued again the same way.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FlowProducer, Queue, QueueEvents, type Job } from 'bullmq';
import { encodeArtifact } from '../policy/artifact.ts';
import { decodeRecord } from '../policy/run-values.ts';
import { writeFileAtomic } from '../run/files.ts';
import { digestToHex as wordToHex } from '../run/tensor-commit.ts';
import { PartialProofs, type PartialNotice } from '../chain/partial.ts';
import { ChainProver } from '../chain/prover.ts';
import type { ProofBackend } from '../proof/backend.ts';
import { loadRun, proverKey, runStepWeightsFor, runWeightsFor, stepTensorsFor, type ProvablePolicy, type ProveProgress } from '../chain/run-prover.ts';
import type { Run } from '../vm/segments.ts';
import type { Word } from '../vm/word.ts';
import type { HashConfigName } from '../proof/hash-config.ts';
import { connect, GATE, gateId, jobId, jobWhat, JOB_VERSION, probe, QUEUE_NAME, runKey, type ProofJobData, type ProofJobResult } from './job.ts';

/** The jobs of one run: genesis and the steps (the children), the attestation (the parent). */
export interface QueuePlan {
  readonly key: string;
  readonly steps: number;
  readonly children: readonly ProofJobData[];
  readonly parent: ProofJobData;
}

/** A proof that a worker could not make, for a reason that retrying does not change: the job's error names the proof and why. */
export class QueueJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueJobError';
  }
}

/**
 * The compiled policy where the workers read it: `artifactPath` when the policy was given as a .zcp, else the
 * artifact written into the proof directory as `.policy-DIGEST.zcp` (a hidden file: verification reads *.zproof).
 */
export function sharedArtifact(policy: ProvablePolicy, artifactPath: string | null, outDir: string): string {
  if (artifactPath !== null) return resolve(artifactPath);
  const path = resolve(outDir, `.policy-${policy.artifact.digest.slice(0, 16)}.zcp`);
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(path)) writeFileAtomic(path, encodeArtifact(policy.artifact));
  return path;
}

/**
 * Runs the whole chain without proving (the run validated first, as `zpol prove` does; a run that breaks the
 * policy throws its ChainError here, before anything is enqueued) and returns the jobs that prove it.
 */
/** How the coordinator runs the chain it plans. */
export interface PlanOptions {
  /**
   * The coordinator's own kernels, for what it computes to plan: each step's tensor commitments and each draw's
   * proof of work (a 34-bit search at frontier shapes). The TypeScript reference when absent.
   */
  readonly backend?: ProofBackend;
  /** The segment size in cycles the workers prove with (`zpol prove --segment-cycles`); the prover's default when absent. */
  readonly segmentCycles?: number;
  /** A file of the proofs folder's work folder that was not used (partial.ts). */
  readonly onIgnored?: (n: PartialNotice) => void;
}

export function planRun(policy: ProvablePolicy, artifact: string, runDir: string, outDir: string, hash: HashConfigName = 'blake3', options: PlanOptions = {}): QueuePlan {
  const { backend, segmentCycles } = options;
  const run = loadRun(policy, runDir, backend);
  const N = run.steps.length;
  const key = proverKey(runDir);
  // The draws' searches are checkpointed in the proofs folder's work folder, and each nonce found is kept in its
  // .nonces: a coordinator started again searches on where it stopped, and the workers (which execute the step
  // again) take the nonce from there instead of searching again.
  const partial = new PartialProofs(outDir, key, options.onIgnored);
  const prover = new ChainProver(policy, key, decodeRecord(policy.artifact.records.spec, run.spec, 'spec'), {
    backend,
    segmentCycles,
    partial,
    weights: runWeightsFor(policy.artifact, runDir, backend),
    stepWeights: runStepWeightsFor(policy.artifact, runDir),
  });
  const common = {
    version: JOB_VERSION as typeof JOB_VERSION,
    steps: N,
    run: resolve(runDir),
    artifact: resolve(artifact),
    out: resolve(outDir),
    policyDigest: policy.artifact.digest,
    ...(hash === 'blake3' ? {} : { hash }),
    ...(segmentCycles === undefined ? {} : { segmentCycles }),
  };
  const job = (kind: ProofJobData['kind'], step: number, state: readonly Word[], exec: Run): ProofJobData => ({
    ...common,
    kind,
    step,
    state,
    publicInputs: exec.publicInputs.map(wordToHex),
    publicOutputs: exec.publicOutputs.map(wordToHex),
  });
  const children: ProofJobData[] = [];
  const genesis = prover.genesisExecution();
  children.push(job('genesis', 0, [], genesis.exec));
  let state = genesis.state;
  for (let k = 1; k <= N; k++) {
    const envelope = run.steps[k - 1]!;
    const record = decodeRecord(policy.artifact.records.step, envelope.record, `step ${k}`);
    const next = prover.stepExecution(k, state, record, stepTensorsFor(policy.artifact, runDir, envelope, backend));
    children.push(job('step', k, state, next.exec));
    state = next.state;
  }
  const parent = job('attestation', N, state, prover.attestationExecution(N, state));
  return { key: runKey(policy.artifact.digest, runDir, outDir, key, hash, segmentCycles), steps: N, children, parent };
}

/** Retries for a job that fails for a reason that may pass (a file system error); unrecoverable ones fail at once. */
const RETRIES = { attempts: 3, backoff: { type: 'exponential', delay: 1000 } } as const;

export const parentId = (plan: QueuePlan): string => jobId(plan.key, 'attestation', plan.steps);

/** The flow's parent job, or undefined when the queue does not hold it. */
async function parentJob(queue: Queue, plan: QueuePlan): Promise<Job<ProofJobData, ProofJobResult> | undefined> {
  return (await queue.getJob(parentId(plan))) as Job<ProofJobData, ProofJobResult> | undefined;
}

/** Proofs added in one Redis transaction. */
export const BATCH = 1000;
/** Long enough that the gate is never released by its delay: the coordinator promotes it. */
const GATE_DELAY_MS = 365 * 24 * 3600 * 1000;

/**
 * Puts the plan's flow on the queue in batches of `batch` proofs, unless it is there already and not ended (then
 * its jobs are waited for as they are). Returns whether the jobs were already there. Either way every batch is
 * added again (ids the queue holds add nothing: a coordinator killed while adding batches completes them when it
 * starts again) and the gate promoted.
 */
export async function enqueuePlan(queue: Queue, flows: FlowProducer, plan: QueuePlan, batch = BATCH): Promise<boolean> {
  let already = false;
  const existing = await parentJob(queue, plan);
  if (existing) {
    const state = await existing.getState();
    if (state !== 'completed' && state !== 'failed') already = true;
    else await existing.remove();
  }
  // A child job; added with the first flow it has no parent option (the flow gives it one), afterwards it names
  // the attestation.
  const child = (c: ProofJobData, parent?: { id: string; queue: string }) => ({
    name: c.kind === 'genesis' ? 'genesis' : `step ${c.step}`,
    data: c,
    opts: { jobId: jobId(plan.key, c.kind, c.step), failParentOnFailure: true, ...RETRIES, ...(parent ? { parent } : {}) },
  });
  if (!already) {
    await flows.add({
      name: 'attestation',
      queueName: QUEUE_NAME,
      data: plan.parent,
      opts: { jobId: parentId(plan), ...RETRIES },
      children: [
        { name: GATE, queueName: QUEUE_NAME, data: { version: JOB_VERSION }, opts: { jobId: gateId(plan.key), delay: GATE_DELAY_MS, failParentOnFailure: true } },
        ...plan.children.slice(0, batch).map((c) => ({ ...child(c), queueName: QUEUE_NAME })),
      ],
    });
  }
  const parent = { id: parentId(plan), queue: queue.qualifiedName };
  for (let i = already ? 0 : batch; i < plan.children.length; i += batch) {
    await queue.addBulk(plan.children.slice(i, i + batch).map((c) => child(c, parent)));
  }
  const gate = await queue.getJob(gateId(plan.key));
  if (gate && (await gate.isDelayed())) await gate.promote();
  return already;
}

/** Why the flow failed: the failed job's error (the first one, in proof order), naming the proof. */
async function failure(queue: Queue, plan: QueuePlan, parent: Job<ProofJobData, ProofJobResult>): Promise<string> {
  for (const c of plan.children) {
    const j = await queue.getJob(jobId(plan.key, c.kind, c.step));
    if (j && (await j.getState()) === 'failed') return j.failedReason || `${jobWhat(c.kind, c.step)}: failed`;
  }
  return parent.failedReason || `${jobWhat('attestation', plan.steps)}: failed`;
}

export interface QueueProveOptions {
  readonly onProgress?: (p: ProveProgress & { readonly worker: string }) => void;
  /** Lines about the queue itself: jobs found already there, a flow enqueued again. */
  readonly onNote?: (line: string) => void;
  /** How often to look at the flow's state (default 500 ms). */
  readonly pollMs?: number;
  /** Proofs added in one Redis transaction (default BATCH). */
  readonly batch?: number;
}

/**
 * Enqueues the plan on the Redis at `url` and waits until the attestation is proven, reporting each proof as its
 * job completes. Throws a QueueError when Redis cannot be reached at the start, a QueueJobError when a job failed.
 */
export async function proveOnQueue(url: string, plan: QueuePlan, options: QueueProveOptions = {}): Promise<{ proved: number; kept: number; steps: number }> {
  await probe(url);
  const connection = connect(url);
  const queue = new Queue(QUEUE_NAME, { connection });
  const flowConnection = connect(url);
  const flows = new FlowProducer({ connection: flowConnection });
  // Proofs are reported from the queue's event stream as their jobs complete (a cost per event, not per poll), and
  // the flow's results are read whole only when it is found (a coordinator started again) and when it ends.
  const eventsConnection = connect(url);
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  let lost = false;
  let closing = false;
  connection.on('close', () => {
    if (!lost && !closing) options.onNote?.(`lost the connection to Redis at ${url}; reconnecting…`);
    lost = true;
  });
  connection.on('ready', () => {
    if (lost) options.onNote?.(`reconnected to Redis at ${url}`);
    lost = false;
  });
  const seen = new Set<string>();
  let proved = 0;
  let kept = 0;
  const report = (r: ProofJobResult | null) => {
    if (r === null || seen.has(r.file)) return; // null: the release gate
    seen.add(r.file);
    if (r.action === 'proved') proved++;
    else kept++;
    options.onProgress?.({ kind: r.kind, step: r.step, total: r.steps, action: r.action, worker: r.worker, ...(r.seconds === undefined ? {} : { seconds: r.seconds }), ...(r.rejected === undefined ? {} : { rejected: r.rejected }) });
  };
  const mine = `${plan.key}-`;
  events.on('completed', ({ jobId, returnvalue }) => {
    if (jobId.startsWith(mine)) report(returnvalue as unknown as ProofJobResult);
  });
  const reportAll = async (parent: Job<ProofJobData, ProofJobResult>) =>
    Object.values(await parent.getChildrenValues<ProofJobResult | null>())
      .filter((r): r is ProofJobResult => r !== null)
      .sort((a, b) => a.step - b.step)
      .forEach(report);
  try {
    await events.waitUntilReady();
    if (await enqueuePlan(queue, flows, plan, options.batch)) options.onNote?.(`the run's jobs are already on the queue (run ${plan.key}): waiting for them`);
    else options.onNote?.(`${plan.children.length + 1} proofs enqueued on ${url} (run ${plan.key}): waiting for zpol workers`);
    let found = false;
    for (;;) {
      const parent = await parentJob(queue, plan);
      if (!parent) {
        options.onNote?.(`the run's jobs are no longer on the queue (Redis restarted without them?): enqueued again; proofs already written are kept`);
        await enqueuePlan(queue, flows, plan, options.batch);
        found = false;
        continue;
      }
      if (!found) await reportAll(parent);
      found = true;
      const state = await parent.getState();
      if (state === 'completed') {
        await reportAll(parent);
        report(parent.returnvalue);
        await parent.remove().catch(() => {});
        return { proved, kept, steps: plan.steps };
      }
      if (state === 'failed') {
        const why = await failure(queue, plan, parent);
        await parent.remove().catch(() => {});
        throw new QueueJobError(why);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  } finally {
    closing = true;
    await Promise.allSettled([queue.close(), flows.close(), events.close()]);
    // BullMQ leaves connections it was given open: a connection left open keeps the process alive.
    for (const c of [connection, flowConnection, eventsConnection]) c.disconnect();
  }
}
