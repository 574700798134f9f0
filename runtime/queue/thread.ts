/**
 * A proving thread of `zpol worker` (runtime/queue/threads.ts starts one per --concurrency slot): proving is
 * synchronous and takes seconds, so it runs here, off the thread that talks to Redis, which keeps renewing the
 * jobs' locks meanwhile (a blocked event loop would let them expire and the jobs be given to other workers).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend, type BackendName } from '../../gpu/index.ts';
import { JobCache, JobFailure, runProofJob } from './prove-job.ts';
import type { ProofJobData } from './job.ts';
import type { ThreadReply } from './threads.ts';

const { backend: backendName, worker } = workerData as { backend: BackendName; worker: string };
const backend = selectBackend(backendName);
const cache = new JobCache();

parentPort!.on('message', ({ id, data }: { id: number; data: ProofJobData }) => {
  let reply: ThreadReply;
  try {
    reply = { id, ok: true, result: runProofJob(data, cache, backend, worker) };
  } catch (e) {
    reply = { id, ok: false, message: (e as Error).message, unrecoverable: e instanceof JobFailure && e.unrecoverable };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true, backend: backend.name });
