/**
 * One job on a worker: read what the job names (the artifact, the run's spec and step record, its tensors and
 * prover key), run the proof's program from the state the job carries, check that the execution has the public
 * words the coordinator computed, then keep the proof file already there when it is this run's (the same check as
 * `zpol prove`'s resume) or prove and write it atomically. The bytes are those of local proving: the same
 * ChainProver, the same prover key, the same execution.
 *
 * A proof in segments is resumable here as with `zpol prove` (runtime/chain/partial.ts): each segment proof goes to
 * the proofs folder's work folder as it is made, so a worker killed in the middle of a step (or the job given to
 * another worker that sees the folder) proves only the segments still missing; a draw's nonce found by the
 * coordinator (which executes every step to plan them) or by another worker is taken from the folder's .nonces.
 *
 * A job that cannot succeed however often it is tried (another artifact, a run that differs from the
 * coordinator's, a record that breaks the policy) throws a JobFailure marked unrecoverable: the queue fails it at
 * once instead of retrying it.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadArtifact, type LoadedPolicy } from '../policy/artifact.ts';
import { decodeRecord } from '../policy/run-values.ts';
import { SPEC_FILE, formatIssue, stepFile, type StepEnvelope } from '../run/format.ts';
import { checkRecord, checkStepEnvelope } from '../run/validate.ts';
import { writeFileAtomic } from '../run/files.ts';
import { digestToHex as wordToHex } from '../run/tensor-commit.ts';
import { ChainError, ChainProver, type SegmentProgress } from '../chain/prover.ts';
import { PartialProofs, type PartialNotice } from '../chain/partial.ts';
import { segmentSizeProblem } from '../vm/segments.ts';
import { encodeProofFile } from '../chain/proof-file.ts';
import { keptProofProblem, PROVER_KEY, proofFileName, runStepWeightsFor, runWeightsFor, stepTensorsFor } from '../chain/run-prover.ts';
import { publicWordName } from '../chain/verifier.ts';
import type { Run } from '../vm/segments.ts';
import type { ProofBackend } from '../proof/backend.ts';
import type { HashConfigName } from '../proof/hash-config.ts';
import { JOB_VERSION, jobWhat, type ProofJobData, type ProofJobResult } from './job.ts';

/** Why a job failed; `unrecoverable` when trying again cannot help. */
export class JobFailure extends Error {
  constructor(
    message: string,
    readonly unrecoverable: boolean,
  ) {
    super(message);
    this.name = 'JobFailure';
  }
}

/** What a worker is told of a proof in segments: each segment proven or resumed, each work file not used. */
export interface JobHooks {
  readonly onSegment?: (p: SegmentProgress) => void;
  readonly onIgnored?: (n: PartialNotice) => void;
}

/** What a worker keeps between jobs: artifacts by path (reloaded when the file changes) and provers by run. */
export class JobCache {
  private readonly policies = new Map<string, { stamp: string; policy: LoadedPolicy }>();
  private readonly provers = new Map<string, ChainProver>();

  constructor(readonly hooks: JobHooks = {}) {}

  policy(path: string): LoadedPolicy {
    let stamp: string;
    try {
      const s = statSync(path);
      stamp = `${s.size} ${s.mtimeMs}`;
    } catch (e) {
      throw new JobFailure(`${path}: cannot read the compiled policy (${(e as Error).message}); every worker must see it at this path`, true);
    }
    const hit = this.policies.get(path);
    if (hit?.stamp === stamp) return hit.policy;
    let policy: LoadedPolicy;
    try {
      policy = loadArtifact(readFileSync(path), path);
    } catch (e) {
      throw new JobFailure((e as Error).message, true);
    }
    this.policies.set(path, { stamp, policy });
    return policy;
  }

  /** The prover of a run's proofs into one proofs folder (its work folder) with one hash and segment size. */
  prover(policy: LoadedPolicy, data: Pick<ProofJobData, 'run' | 'out' | 'segmentCycles'>, hash: HashConfigName, make: () => ChainProver): ChainProver {
    const key = `${policy.artifact.digest}\n${data.run}\n${data.out}\n${hash}\n${data.segmentCycles ?? ''}`;
    let p = this.provers.get(key);
    if (!p) {
      if (this.provers.size >= 4) this.provers.delete(this.provers.keys().next().value!);
      this.provers.set(key, (p = make()));
    }
    return p;
  }
}

function readJsonFile(dir: string, file: string): unknown {
  const path = join(dir, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    // A file that is not there yet may appear (a shared file system's lag): tried again. One that does not parse is not.
    throw new JobFailure(`${path}: ${(e as Error).message}`, existsSync(path));
  }
}

/** The run's prover key, which the coordinator created: a worker never makes one (its proofs would be another run's). */
function readProverKey(runDir: string): Uint8Array {
  const path = join(runDir, PROVER_KEY);
  if (!existsSync(path)) throw new JobFailure(`${path}: no prover key (the coordinator creates it before enqueueing); is the run directory shared at this path?`, true);
  const key = new Uint8Array(readFileSync(path));
  if (key.length !== 32) throw new JobFailure(`${path}: a prover key is 32 bytes, this file has ${key.length}`, true);
  return key;
}

function checkData(data: ProofJobData): void {
  const bad = (why: string): never => {
    throw new JobFailure(`not a zpol proof job: ${why}`, true);
  };
  if (data === null || typeof data !== 'object') bad('no data');
  if (data.version !== JOB_VERSION) bad(`version ${JSON.stringify(data.version)}; this worker reads version ${JOB_VERSION} (run the same zpol on the coordinator and the workers)`);
  if (data.kind !== 'genesis' && data.kind !== 'step' && data.kind !== 'attestation') bad(`kind ${JSON.stringify(data.kind)}`);
  if (!Number.isSafeInteger(data.step) || data.step < (data.kind === 'step' ? 1 : 0)) bad(`step ${JSON.stringify(data.step)}`);
  for (const f of ['run', 'artifact', 'out', 'policyDigest'] as const) if (typeof data[f] !== 'string') bad(`${f} is not a string`);
  for (const f of ['state', 'publicInputs', 'publicOutputs'] as const) if (!Array.isArray(data[f])) bad(`${f} is not a list`);
  if (data.hash !== undefined && data.hash !== 'poseidon2') bad(`hash ${JSON.stringify(data.hash)}`);
  if (data.segmentCycles !== undefined) {
    if (!Number.isSafeInteger(data.segmentCycles)) bad(`segmentCycles ${JSON.stringify(data.segmentCycles) ?? String(typeof data.segmentCycles)} is not a whole number`);
    const problem = segmentSizeProblem(data.segmentCycles);
    if (problem) bad(`segmentCycles ${JSON.stringify(data.segmentCycles)}: ${problem}`);
  }
}

/** The step record and tensors of step k, validated as `zpol prove` validates them. */
function readStep(policy: LoadedPolicy, runDir: string, k: number, backend: ProofBackend) {
  const envelope = readJsonFile(runDir, stepFile(k));
  const issues = checkStepEnvelope(envelope, policy.artifact.schemas.step);
  if (issues.length > 0) throw new JobFailure(`the run directory is not valid: ${issues.slice(0, 5).map(formatIssue).join('; ')}`, true);
  const env = envelope as StepEnvelope;
  const record = decodeRecord(policy.artifact.records.step, env.record, `step ${k}`);
  return { record, tensors: stepTensorsFor(policy.artifact, runDir, env, backend) };
}

/** The job's execution, from the state it carries. */
function execute(policy: LoadedPolicy, prover: ChainProver, data: ProofJobData, backend: ProofBackend): Run {
  if (data.kind === 'genesis') return prover.genesisExecution().exec;
  if (data.kind === 'attestation') return prover.attestationExecution(data.step, data.state);
  const { record, tensors } = readStep(policy, data.run, data.step, backend);
  return prover.stepExecution(data.step, data.state, record, tensors).exec;
}

/** Runs one job: the proof file kept or written. Throws a JobFailure (or a file system error, which is retried). */
export function runProofJob(data: ProofJobData, cache: JobCache, backend: ProofBackend, worker: string): ProofJobResult {
  checkData(data);
  const what = jobWhat(data.kind, data.step);
  try {
    const policy = cache.policy(data.artifact);
    if (policy.artifact.digest !== data.policyDigest) {
      throw new JobFailure(`${data.artifact}: compiled policy digest ${policy.artifact.digest.slice(0, 16)}…, the job was enqueued for ${data.policyDigest.slice(0, 16)}…: the file changed since, or another one is at this path on this worker`, true);
    }
    const hash = data.hash ?? 'blake3';
    const key = readProverKey(data.run);
    const partial = new PartialProofs(data.out, key, cache.hooks.onIgnored);
    const prover = cache.prover(policy, data, hash, () => {
      const spec = readJsonFile(data.run, SPEC_FILE);
      const issues = checkRecord(policy.artifact.schemas.spec, spec, SPEC_FILE);
      if (issues.length > 0) throw new JobFailure(`the run directory is not valid: ${issues.slice(0, 5).map(formatIssue).join('; ')}`, true);
      return new ChainProver(policy, key, decodeRecord(policy.artifact.records.spec, spec, 'spec'), {
        backend,
        hash,
        segmentCycles: data.segmentCycles,
        partial,
        onSegment: cache.hooks.onSegment,
        weights: runWeightsFor(policy.artifact, data.run, backend),
        stepWeights: runStepWeightsFor(policy.artifact, data.run),
      });
    });
    const exec = execute(policy, prover, data, backend);
    for (const field of ['publicInputs', 'publicOutputs'] as const) {
      const got = exec[field].map(wordToHex);
      const want = data[field];
      const i = got.findIndex((w, j) => want[j] !== w);
      if (i >= 0 || got.length !== want.length) {
        const at = i >= 0 ? i : got.length;
        throw new JobFailure(
          `${field}[${at}] (${publicWordName(policy, data.kind, field, at)}) of this worker's execution is ${got[at]?.slice(0, 16) ?? 'nothing'}…, the coordinator's ${want[at]?.slice(0, 16) ?? 'nothing'}…: this worker reads another run than the coordinator did (the run directory, its prover key or the records differ)`,
          true,
        );
      }
    }
    const file = proofFileName(data.kind, data.step);
    const base = { kind: data.kind, step: data.step, steps: data.steps, file, worker };
    const problem = keptProofProblem(policy, data.out, file, data.kind, data.step, exec, hash);
    // Once the proof file is whole on disk its work (segment proofs, the draws' searches) is not needed again; the
    // nonces are kept until the attestation's proof (a coordinator started again executes every step), as with
    // `zpol prove`.
    const done = () => {
      partial.remove(data.kind, data.step);
      if (data.kind === 'attestation') partial.removeNonces();
    };
    if (problem === 'ok') {
      done();
      return { ...base, action: 'kept' };
    }
    const t0 = performance.now();
    const proof = encodeProofFile(prover.prove(data.kind, data.step, exec));
    mkdirSync(data.out, { recursive: true });
    writeFileAtomic(join(data.out, file), proof);
    done();
    return { ...base, action: 'proved', seconds: (performance.now() - t0) / 1000, ...(problem === null ? {} : { rejected: problem }) };
  } catch (e) {
    const prefix = `${what}: `;
    if (e instanceof ChainError) throw new JobFailure(`${prefix}${e.code}: ${e.message}`, true);
    if (e instanceof JobFailure) throw new JobFailure(`${prefix}${e.message}`, e.unrecoverable);
    if (e instanceof Error && (e.name === 'RunValueError' || e.name === 'RecorderError')) throw new JobFailure(`${prefix}${e.message}`, true);
    throw new JobFailure(`${prefix}${(e as Error).message}`, false);
  }
}
