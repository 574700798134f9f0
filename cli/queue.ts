/**
 * `zpol prove --queue` and `zpol worker`: the command-line side of distributed proving (runtime/queue/,
 * docs/distributed.md).
 */
import type { LoadedPolicy } from '../runtime/policy/artifact.ts';
import type { ProveProgress } from '../runtime/chain/run-prover.ts';
import { UsageError } from './base.ts';

/** A --queue address, or a usage error (exit 2) naming what is wrong with it. */
export async function queueUrl(text: string): Promise<string> {
  const { checkQueueUrl } = await import('../runtime/queue/job.ts');
  const problem = checkQueueUrl(text);
  if (problem !== null) throw new UsageError(problem);
  return text;
}

/**
 * Proves a run through the queue at `url`: the chain is run here, its proofs enqueued, and `onProgress` called as
 * the workers finish them. The workers read the compiled policy from `policyPath` when it is a .zcp, else from the
 * artifact written into the proof directory.
 */
export async function proveQueued(
  policy: LoadedPolicy,
  policyPath: string,
  runDir: string,
  outDir: string,
  url: string,
  onProgress: (p: ProveProgress & { worker: string }) => void,
  onNote: (line: string) => void,
  hash: 'blake3' | 'poseidon2' = 'blake3',
  segmentCycles?: number,
  onIgnored?: (n: { file: string; why: string }) => void,
): Promise<{ proved: number; kept: number; steps: number }> {
  const { planRun, proveOnQueue, sharedArtifact } = await import('../runtime/queue/coordinator.ts');
  // An unreachable Redis is said before the run is read.
  await (await import('../runtime/queue/job.ts')).probe(url);
  // The coordinator executes every step to plan the jobs: its tensor commitments and draws' proofs of work run on
  // this machine's best backend (the workers choose their own for the proofs).
  const { selectBackend } = await import('../gpu/index.ts');
  const plan = planRun(policy, sharedArtifact(policy, policyPath.endsWith('.zcp') ? policyPath : null, outDir), runDir, outDir, hash, {
    backend: selectBackend('auto'),
    segmentCycles,
    onIgnored,
  });
  return proveOnQueue(url, plan, { onProgress, onNote });
}
