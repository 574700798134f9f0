/**
 * `zpol worker`: takes proof jobs from the queue until it is closed, each proven on one of its threads
 * (runtime/queue/threads.ts), `concurrency` at a time. While a job is proven its lock in Redis is renewed; a
 * worker that dies (killed, its machine lost) stops renewing it, and once the lock has expired another worker's
 * stalled-job check puts the job back on the queue, to be proven elsewhere (the proof file is written atomically,
 * so a half-written one never exists). A job that fails for a reason that trying again cannot change (job.ts,
 * prove-job.ts) fails at once; others are tried three times.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { BackendName } from '../../gpu/index.ts';
import { connect, GATE, probe, QUEUE_NAME, type ProofJobData, type ProofJobResult } from './job.ts';
import { JobFailure } from './prove-job.ts';
import { ProofThreads } from './threads.ts';

/** How long a job's lock lasts without renewal (it is renewed every half of it): the delay before a dead worker's job is proven elsewhere. */
export const DEFAULT_LOCK_MS = 30_000;
/** How many times a job may lose its worker before it fails. */
export const MAX_STALLED = 5;

export interface WorkerOptions {
  readonly url: string;
  readonly concurrency?: number;
  readonly backend?: BackendName;
  readonly lockMs?: number;
  /** A job taken, finished or failed. */
  readonly onEvent?: (e: WorkerEvent) => void;
}

export type WorkerEvent =
  | { readonly type: 'start'; readonly job: ProofJobData; readonly id: string }
  | { readonly type: 'done'; readonly job: ProofJobData; readonly id: string; readonly result: ProofJobResult }
  | { readonly type: 'failed'; readonly job: ProofJobData; readonly id: string; readonly message: string; readonly final: boolean };

export interface RunningWorker {
  /** The proving backend the threads use. */
  readonly backend: string;
  /** host:pid, as the jobs' results name it. */
  readonly name: string;
  /** Stops taking jobs, waits for those in progress, and stops the threads. */
  close(): Promise<void>;
  /** Stops at once: the jobs in progress are proven elsewhere once their locks expire. */
  kill(): Promise<void>;
}

/** Starts a worker; throws a QueueError when Redis does not answer at `url`. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  await probe(options.url);
  const concurrency = options.concurrency ?? 1;
  const name = `${hostname()}:${process.pid}`;
  const threads = new ProofThreads(concurrency, options.backend ?? 'auto', name);
  let backend: string;
  try {
    backend = await threads.ready();
  } catch (e) {
    await threads.close();
    throw new Error(`the proving thread cannot start: ${(e as Error).message}`);
  }
  const lockDuration = options.lockMs ?? DEFAULT_LOCK_MS;
  const connection = connect(options.url);
  const worker = new Worker<ProofJobData, ProofJobResult | null>(
    QUEUE_NAME,
    async (job: Job<ProofJobData, ProofJobResult | null>) => {
      // A run's release gate proves nothing (coordinator.ts): its completion lets the attestation run.
      if (job.name === GATE) return null;
      options.onEvent?.({ type: 'start', job: job.data, id: job.id! });
      try {
        const result = await threads.run(job.data);
        options.onEvent?.({ type: 'done', job: job.data, id: job.id!, result });
        return result;
      } catch (e) {
        const final = e instanceof JobFailure && e.unrecoverable;
        const attempts = job.opts.attempts ?? 1;
        options.onEvent?.({ type: 'failed', job: job.data, id: job.id!, message: (e as Error).message, final: final || job.attemptsMade + 1 >= attempts });
        throw final ? new UnrecoverableError((e as Error).message) : e;
      }
    },
    { connection, concurrency, lockDuration, stalledInterval: lockDuration, maxStalledCount: MAX_STALLED },
  );
  worker.on('error', () => {}); // connection errors: ioredis reconnects
  return {
    backend,
    name,
    async close() {
      await worker.close();
      await threads.close();
      connection.disconnect();
    },
    async kill() {
      await threads.close();
      await worker.close(true);
      connection.disconnect();
    },
  };
}
