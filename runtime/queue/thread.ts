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
// A work file of a proof in segments that is not used is said on stderr (its work is done again).
const cache = new JobCache({ onIgnored: (n) => process.stderr.write(`zpol worker: ${n.file}: not used: ${n.why}; its work is done again\n`) });

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
