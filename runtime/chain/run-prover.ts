/**
 * Proving a run directory (docs/run.md) into a directory of proof files, and verifying such a directory: what
 * `zpol genesis`, `zpol prove`, `zpol verify` and `zpol demo` do.
 *
 * Resumable: the states a run goes through are recomputed by running the programs without proving
 * (milliseconds), and a proof already in the output directory is kept only when it is the one this run would
 * prove there: it parses, it is this policy's and this program's, its kind and step are its file name's, its
 * public inputs and outputs are the ones just recomputed (so it is this run's: same prover key, same records),
 * and its STARK proof verifies. Any other file is reported (ProveProgress.rejected) and proven again. Blindings and the STARK's randomness come from the run's prover key
 * (`prover.key` in the run directory, created on first use), so a resumed run ends with the same bytes as an
 * uninterrupted one. Every file is written atomically: a killed prover leaves whole proofs or none. A proof in
 * segments resumes within itself: its finished segment proofs and its draws' searched nonce ranges are kept in the
 * work folder proofs/.partial/ until the proof file is written (partial.ts), so a killed multi-hour step proof is
 * taken up at its first unproven segment, to the same bytes.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { decodeRecord } from '../policy/run-values.ts';
import { RUN_FILE, type RunDir, type StepEnvelope } from '../run/format.ts';
import { readRunDir } from '../run/validate.ts';
import { runTensors } from '../run/member-data.ts';
import { readStartWeights, readWeights } from '../run/weight-data.ts';
import type { WeightsJson } from '../run/weights.ts';
import { readsTensors, type Artifact } from '../policy/artifact.ts';
import { writeFileAtomic } from '../run/files.ts';
import type { MatrixCommitment } from '../run/tensor-commit.ts';
import { ChainError, ChainProver, type ChainPolicy, type SegmentProgress } from './prover.ts';
import { PartialProofs, type PartialNotice } from './partial.ts';
import { assertProvable } from './capacity.ts';
import { segmentCyclesWithin } from '../vm/costs.ts';
import { encodeProofFile, isLegacyProofFileName, parseProofFile, PROOF_FILE_EXTENSION, proofAggregatable, proofFileName, proofHash, type ProofFile } from './proof-file.ts';
import type { HashConfigName } from '../proof/hash-config.ts';
import { publicWordName, verifyChain, verifyProofFile, type ChainReport } from './verifier.ts';
import type { Word } from '../vm/word.ts';
import { segmentSizeProblem, type Run } from '../vm/segments.ts';
import type { ProofBackend } from '../proof/backend.ts';
import { digestToHex as wordToHex } from '../run/tensor-commit.ts';

export const PROVER_KEY = 'prover.key';

/** What a run is proven against: the compiled artifact and its programs (runtime/policy/artifact.ts). */
export type ProvablePolicy = ChainPolicy;

export { proofFileName } from './proof-file.ts';

/** The run's prover key: 32 random bytes, created (mode 0600) on first use. */
export function proverKey(runDir: string): Uint8Array {
  const path = join(runDir, PROVER_KEY);
  if (!existsSync(path)) writeFileAtomic(path, randomBytes(32));
  const key = new Uint8Array(readFileSync(path));
  if (key.length !== 32) throw new Error(`${path}: a prover key is 32 bytes, this file has ${key.length}`);
  return key;
}

export interface ProveProgress {
  readonly kind: ProofFile['kind'];
  readonly step: number;
  readonly total: number;
  /** 'proved' (with the seconds it took), or 'kept' when a proof was already there and checked. */
  readonly action: 'proved' | 'kept';
  readonly seconds?: number;
  /** Why the file already there was not kept (it was proven again and replaced), naming what is wrong. */
  readonly rejected?: string;
}

/** Steps from..to, inclusive (0..0: genesis alone). */
export interface StepRange {
  readonly from: number;
  readonly to: number;
}

export interface ProveOptions {
  /** The backend that runs the prover's kernels (the TypeScript reference by default); proofs are the same bytes. */
  readonly backend?: ProofBackend;
  /** The hash configuration of the proofs (BLAKE3 by default; Poseidon2 for proofs to be aggregated, #24). */
  readonly hash?: HashConfigName;
  /** Proofs made to be aggregated (`zpol prove --aggregatable`): Poseidon2 with POSEIDON2_AGGREGATION_PCS_PARAMS. */
  readonly aggregatable?: boolean;
  /** Prove only steps in [from, to] (others are still run, to know the states); the attestation needs the last. */
  readonly steps?: StepRange;
  readonly onProgress?: (p: ProveProgress) => void;
  /** Refuse (ZV307) before anything runs when a proof would need more memory than this (capacity.ts). */
  readonly memoryLimitBytes?: number;
  /**
   * The segment size (cycles, a power of two from 2^2 to 2^22; ZV309 otherwise): a program that runs longer is
   * proven in segments of that many (runtime/vm/segments.ts). Default 2^19, or with `memoryLimitBytes` the largest
   * power of two up to 2^19 whose segment fits it (runtime/vm/costs.ts segmentCyclesWithin).
   */
  readonly segmentCycles?: number;
  /** Each segment of a proof in segments, as it is proven or taken from the work folder (a killed prove's). */
  readonly onSegment?: (p: SegmentProgress) => void;
  /** A file of the work folder (proofs/.partial) that was not used, naming it and why: its work is done again. */
  readonly onIgnored?: (n: PartialNotice) => void;
  /**
   * Help a prover already under way on this output directory (ChainProver `fromLastSegment`): prove the first proof
   * in segments that is not written yet from its last segment missing backwards, into the work folder, until the other
   * prover's segments are met; then SegmentsLeftToOthers is thrown (no proof file is written by the helper), unless
   * every segment was there already: then it writes the proof as any prove does. Whole proofs missing before it are
   * proven on the way, as any prove does (the same bytes as the other prover's).
   */
  readonly fromLastSegment?: boolean;
}

/**
 * The tensors the step program of `artifact` reads at the step `envelope` records (with the registry's datasets when
 * it opens examples in them), or undefined when it reads none: what every prover (here, the queue's coordinator and
 * its workers) hands ChainProver.stepExecution. The backend's tensorRowDigests hashes the rows where it has one.
 */
export function stepTensorsFor(artifact: Artifact, runDir: string, envelope: StepEnvelope, backend?: ProofBackend): Map<string, MatrixCommitment> | undefined {
  return readsTensors(artifact) ? runTensors(runDir, envelope, (artifact.members?.length ?? 0) > 0, backend?.tensorRowDigests) : undefined;
}

/**
 * The run's committed initial weights (weights.json, checked against weights/initial.safetensors) when the genesis
 * program of `artifact` reads them, else undefined: what every prover hands ChainProver (its `weights`). Their roots
 * are recomputed with `backend`'s row-hash kernel where it has one.
 */
export function runWeightsFor(artifact: Artifact, runDir: string, backend?: ProofBackend): WeightsJson | undefined {
  return (artifact.weights?.length ?? 0) > 0 ? readWeights(runDir, true, backend?.tensorRowDigests) : undefined;
}

/**
 * The layout of the weights each step starts from (weights.json, then weights/NNNNNN.json: runtime/run/step-weights.ts)
 * when a compute check of `artifact` is bound to them, else undefined: what every prover hands ChainProver (its
 * `stepWeights`).
 */
export function runStepWeightsFor(artifact: Artifact, runDir: string): ((step: number) => WeightsJson | undefined) | undefined {
  if (!artifact.verifies.some((v) => v.weights)) return undefined;
  // weights.json is step 1's start and every step's initial layout (ChainProver reads it at each step): read and
  // checked once per prover, not once per step (at 70B shapes it lists hundreds of tensors). Later steps' layouts are
  // each read once anyway.
  let initial: { layout: WeightsJson | undefined } | undefined;
  return (step) => (step === 1 ? (initial ??= { layout: readStartWeights(runDir, 1) }).layout : readStartWeights(runDir, step));
}

/** The policy run.json names, read before anything else (null when run.json cannot say: validation reports why). */
function recordedPolicy(runDir: string): { name: string; digest: string | null } | null {
  try {
    const policy = (JSON.parse(readFileSync(join(runDir, RUN_FILE), 'utf8')) as { policy?: { name?: unknown; digest?: unknown } }).policy;
    if (typeof policy?.name !== 'string') return null;
    return { name: policy.name, digest: typeof policy.digest === 'string' ? policy.digest : null };
  } catch {
    return null;
  }
}

/**
 * Reads and validates a run directory for a policy: errors name the file, the step and the field. A run recorded
 * for another policy is one error naming both (its records would otherwise fail the schemas field by field), and
 * every step's committed tensors are checked against the compiled compute checks' shapes, before anything is
 * proven. Every committed root is recomputed from its tensor, with `backend`'s row-hash kernel where it has one.
 */
export function loadRun(policy: ProvablePolicy, runDir: string, backend?: ProofBackend): RunDir {
  const recorded = recordedPolicy(runDir);
  const where = join(runDir, RUN_FILE);
  const { name, source } = policy.artifact.policy;
  if (recorded && recorded.name !== name) {
    throw new Error(`${where}: the run was recorded for policy '${recorded.name}', not for policy '${name}' (${source})`);
  }
  if (recorded?.digest != null && recorded.digest !== policy.artifact.digest) {
    throw new Error(
      `${where}: the run was recorded for another version of policy '${name}' (digest ${recorded.digest.slice(0, 16)}…), not this one (${source}, digest ${policy.artifact.digest.slice(0, 16)}…)`,
    );
  }
  return readRunDir(runDir, { schemas: policy.artifact.schemas, checks: policy.artifact.verifies, sources: policy.artifact.members, rowDigests: backend?.tensorRowDigests });
}

/**
 * Whether the proof file `name` in `outDir` is the one this run proves there: null when there is no such file,
 * else 'ok' or why it is not (naming what is wrong). `exec` is the program's execution that the prover just
 * recomputed for it: a kept proof must have its public words. Never throws.
 */
export function keptProofProblem(
  policy: ProvablePolicy,
  outDir: string,
  name: string,
  kind: ProofFile['kind'],
  step: number,
  exec: Run,
  hash: HashConfigName = 'blake3',
  aggregatable = false,
): 'ok' | string | null {
  const path = join(outDir, name);
  if (!existsSync(path)) return null;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return `cannot be read (${(e as Error).message})`;
  }
  const parsed = parseProofFile(bytes, name);
  if (!parsed.ok) return parsed.error.slice(name.length + 2); // parseProofFile prefixes the name
  const proof = parsed.value;
  // What the name says first: a valid proof of another step (a renamed file) is named as such.
  if (proof.kind === 'attestation' && kind === 'attestation' && proof.step !== step) {
    return `holds the attestation after step ${proof.step}; the run now ends at step ${step}`;
  }
  if (proof.kind !== kind || proof.step !== step) {
    const what = (k: string, n: number) => (k === 'genesis' ? 'the genesis proof' : k === 'attestation' ? `the attestation after step ${n}` : `a proof of step ${n}`);
    return `holds ${what(proof.kind, proof.step)}, not ${what(kind, step)} as its name says`;
  }
  const wantHash = aggregatable ? 'poseidon2' : hash;
  if (proofHash(proof) !== wantHash) return `made with the ${proofHash(proof)} hash configuration, not ${wantHash} as asked`;
  if (proofAggregatable(proof) !== aggregatable) return aggregatable ? 'not made to be aggregated (--aggregatable asked for params "aggregation")' : 'made to be aggregated (params "aggregation"), not with the defaults as asked';
  const checked = verifyProofFile(policy, proof);
  if (!checked.ok) return checked.error;
  for (const [field, words] of [
    ['publicInputs', exec.publicInputs],
    ['publicOutputs', exec.publicOutputs],
  ] as const) {
    const want = words.map(wordToHex);
    const i = want.findIndex((w, j) => proof[field][j] !== w);
    if (i >= 0 || proof[field].length !== want.length) {
      const at = i >= 0 ? i : want.length;
      return `${field}[${at}] (${publicWordName(policy, kind, field, at)}): not this run's (the file has ${String(proof[field][at]).slice(0, 16)}…, this run ${want[at]?.slice(0, 16) ?? 'nothing'}…): a proof of another run (another prover key) or of other records`;
    }
  }
  return 'ok';
}

/**
 * Proves a run's proofs in order, keeping the state between calls, so that a follower can hand it the run again
 * as it grows: `advance` proves (or keeps) genesis and every step it has not reached yet, `attest` the
 * attestation after the last step.
 */
class RunProofs {
  private prover: ChainProver | null = null;
  private partial: PartialProofs | null = null;
  private state: Word[] = [];
  /** Steps whose resulting state is known (0: only genesis, once `prover` exists). */
  private reached = 0;
  proved = 0;
  kept = 0;

  constructor(
    private readonly policy: ProvablePolicy,
    private readonly runDir: string,
    private readonly outDir: string,
    private readonly options: ProveOptions,
  ) {
    mkdirSync(outDir, { recursive: true });
  }

  private progress(p: Omit<ProveProgress, 'total'>, total: number): void {
    this.options.onProgress?.({ ...p, total });
  }

  /**
   * Keeps the proof `name` when it is this run's (`exec` is the execution it must prove), else proves `exec` and
   * writes the proof atomically over whatever was there, reporting why that was not kept.
   */
  private keepOrProve(name: string, kind: ProofFile['kind'], step: number, total: number, exec: Run): void {
    const problem = keptProofProblem(this.policy, this.outDir, name, kind, step, exec, this.options.hash, this.options.aggregatable);
    if (problem === 'ok') {
      this.partial!.remove(kind, step);
      this.kept++;
      this.progress({ kind, step, action: 'kept' }, total);
      return;
    }
    const t0 = performance.now();
    writeFileAtomic(join(this.outDir, name), encodeProofFile(this.prover!.prove(kind, step, exec)));
    // The proof is whole on disk: its work (segment proofs, the draws' searches) is not needed again.
    this.partial!.remove(kind, step);
    this.proved++;
    const seconds = (performance.now() - t0) / 1000;
    this.progress({ kind, step, action: 'proved', seconds, ...(problem === null ? {} : { rejected: problem }) }, total);
  }

  /** Proves what `run` holds beyond the steps already reached (within the --steps window). */
  advance(run: RunDir): void {
    const N = run.steps.length;
    const from = this.options.steps?.from ?? 1;
    const to = Math.min(this.options.steps?.to ?? N, N);
    if (!this.prover) {
      const spec = decodeRecord(this.policy.artifact.records.spec, run.spec, 'spec');
      const key = proverKey(this.runDir);
      this.partial = new PartialProofs(this.outDir, key, this.options.onIgnored);
      const prover = (this.prover = new ChainProver(this.policy, key, spec, {
        backend: this.options.backend,
        hash: this.options.hash,
        aggregatable: this.options.aggregatable,
        segmentCycles: this.options.segmentCycles,
        weights: runWeightsFor(this.policy.artifact, this.runDir, this.options.backend),
        stepWeights: runStepWeightsFor(this.policy.artifact, this.runDir),
        partial: this.partial,
        onSegment: this.options.onSegment,
        fromLastSegment: this.options.fromLastSegment,
      }));
      const { exec, state } = prover.genesisExecution();
      this.keepOrProve(proofFileName('genesis', 0), 'genesis', 0, N, exec);
      this.state = state;
    }
    const prover = this.prover;
    const tensors = (k: number) => stepTensorsFor(this.policy.artifact, this.runDir, run.steps[k - 1]!, this.options.backend);
    for (let k = this.reached + 1; k <= to; k++) {
      const record = decodeRecord(this.policy.artifact.records.step, run.steps[k - 1]!.record, `step ${k}`);
      // Run once: the execution gives the state, the words a kept proof must have, and what to prove otherwise.
      const { exec, state } = prover.stepExecution(k, this.state, record, tensors(k));
      if (k >= from) this.keepOrProve(proofFileName('step', k), 'step', k, N, exec);
      this.state = state;
      this.reached = k;
    }
  }

  /** The attestation after step `last` (which `advance` must have reached). */
  attest(last: number): void {
    const prover = this.prover;
    if (!prover || this.reached !== last) throw new Error(`internal: the attestation after step ${last} needs every step before it`);
    const exec = prover.attestationExecution(last, this.state);
    this.keepOrProve(proofFileName('attestation', last), 'attestation', last, last, exec);
    this.partial!.removeNonces();
  }
}

/**
 * Before anything is run or read: the segment size is one the prover proves (ZV309), each proof fits in memory
 * (ZV307). Without a segment size, the largest (up to the default 2^19 cycles) whose segment of the step program
 * fits the memory limit (runtime/vm/costs.ts segmentCyclesWithin): the options the run is proven with.
 */
function checkProving<O extends Omit<ProveOptions, 'steps'>>(policy: ProvablePolicy, options: O): O {
  const problem = options.segmentCycles === undefined ? null : segmentSizeProblem(options.segmentCycles);
  if (problem) throw new ChainError('ZV309', problem, 'genesis', 0);
  if (options.memoryLimitBytes === undefined) return options;
  const segmentCycles = options.segmentCycles ?? segmentCyclesWithin(policy.programs.step, options.memoryLimitBytes);
  assertProvable(policy, options.memoryLimitBytes, segmentCycles);
  return segmentCycles === undefined ? options : { ...options, segmentCycles };
}

/**
 * Proves the run as it is now: genesis, the steps (all, or the --steps window), and the attestation after the
 * last step recorded when the window reaches it.
 */
export function proveRun(policy: ProvablePolicy, runDir: string, outDir: string, options: ProveOptions = {}): { proved: number; kept: number; steps: number } {
  options = checkProving(policy, options);
  const run = loadRun(policy, runDir, options.backend);
  const N = run.steps.length;
  // A range past the last step would prove less than asked and say nothing: refuse it before proving anything.
  if (options.steps && options.steps.to > N) {
    throw new Error(`steps ${options.steps.from}..${options.steps.to} are not all in the run: ${runDir} has ${N} step${N === 1 ? '' : 's'}${N > 0 ? ` (1..${N})` : ''}`);
  }
  const proofs = new RunProofs(policy, runDir, outDir, options);
  proofs.advance(run);
  if ((options.steps?.to ?? N) >= N) proofs.attest(N);
  return { proved: proofs.proved, kept: proofs.kept, steps: N };
}

/** As ProveOptions (a step range aside: the follower proves every step recorded), and how to wait for steps. */
export interface FollowOptions extends Omit<ProveOptions, 'steps'> {
  /** Called when every recorded step is proven and the run has not finished: the follower waits. */
  readonly onWait?: (steps: number) => void;
  /** How often to look for new steps (default 1 s). */
  readonly pollMs?: number;
  /** Give up after this long without a new step (default: wait for ever). */
  readonly idleMs?: number;
}

/**
 * `zpol prove --follow`: proves each step as the recorder writes it (a step file appears only once its tensors
 * are written), and the attestation once run.json says the run has finished (Recorder.finish).
 */
export async function followRun(policy: ProvablePolicy, runDir: string, outDir: string, options: FollowOptions = {}): Promise<{ proved: number; kept: number; steps: number }> {
  options = checkProving(policy, options);
  const { onWait: _, pollMs: __, idleMs: ___, ...proving } = options;
  const proofs = new RunProofs(policy, runDir, outDir, proving);
  const poll = options.pollMs ?? 1000;
  let seen = -1;
  let idleSince = performance.now();
  for (;;) {
    const run = loadRun(policy, runDir, options.backend);
    const N = run.steps.length;
    if (N !== seen) {
      proofs.advance(run);
      seen = N;
      idleSince = performance.now();
    }
    if (run.run.finished) {
      proofs.attest(N);
      return { proved: proofs.proved, kept: proofs.kept, steps: N };
    }
    if (options.idleMs !== undefined && performance.now() - idleSince > options.idleMs) {
      throw new Error(`${runDir}: no new step for ${Math.round(options.idleMs / 1000)} s and the run has not finished (run.json has no 'finished'); proofs up to step ${N} are written`);
    }
    options.onWait?.(N);
    await new Promise((r) => setTimeout(r, poll));
  }
}

/**
 * The largest proof file a verifier reads: 2^29 − 24 bytes (buffer.constants.MAX_STRING_LENGTH: each STARK proof is
 * held in base64 once read); a proof in many segments is well below it (1,024 segments of ~300 KB: ~310 MB).
 */
export const MAX_PROOF_FILE_BYTES = 2 ** 29 - 24;

/**
 * Verifies every proof file (*.zproof) in a directory as one chain. Unreadable files are reported, not fatal: what
 * a file holds never makes this throw (only a directory that cannot be listed does). A proof file of the JSON
 * format (genesis.json, step-NNNNNN.json, attestation.json: versions ≤ 8) is reported unreadable, with why.
 */
export function verifyDir(policy: ChainPolicy, dir: string): ChainReport & { readonly unreadable: readonly string[] } {
  const files: { name: string; proof: ProofFile }[] = [];
  const unreadable: string[] = [];
  const names = readdirSync(dir)
    .filter((f) => (f.endsWith(PROOF_FILE_EXTENSION) || isLegacyProofFileName(f)) && !f.startsWith('.'))
    .sort();
  for (const f of names) {
    let bytes: Uint8Array;
    try {
      // The directory is the prover's: only regular files are read, and not past what a proof can be. A FIFO would
      // block the read forever, a device (a link to /dev/zero) never end, and a link elsewhere could put another
      // file's first bytes into the report's JSON error; each is unreadable (ZV111), not read.
      const st = lstatSync(join(dir, f));
      if (st.isSymbolicLink()) throw new Error('a symbolic link, not a proof file');
      if (!st.isFile()) throw new Error('not a regular file');
      if (st.size > MAX_PROOF_FILE_BYTES) throw new Error(`${st.size} bytes, more than a proof file has (${MAX_PROOF_FILE_BYTES})`);
      bytes = readFileSync(join(dir, f));
    } catch (e) {
      // Node's messages do not always name the file (EISDIR).
      unreadable.push(`${f}: cannot read (${(e as Error).message})`);
      continue;
    }
    const parsed = parseProofFile(bytes, f);
    if (parsed.ok) files.push({ name: f, proof: parsed.value });
    else unreadable.push(parsed.error);
  }
  const report = verifyChain(policy, files);
  return { ...report, ok: report.ok && unreadable.length === 0, unreadable };
}
