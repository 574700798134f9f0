/**
 * Proving a run directory (docs/run.md) into a directory of proof files, and verifying such a directory: what
 * `zpol genesis`, `zpol prove`, `zpol verify` and `zpol demo` do.
 *
 * Resumable: proofs already in the output directory are kept (after checking they are this policy's), the
 * states they lead to are recomputed by running the programs without proving (milliseconds), and proving goes
 * on from the first missing proof. Blindings and the STARK's randomness come from the run's prover key
 * (`prover.key` in the run directory, created on first use), so a resumed run ends with the same bytes as an
 * uninterrupted one. Every file is written atomically: a killed prover leaves whole proofs or none.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Program as LanguageProgram } from '../../language/program.ts';
import { PolicyInterpreter } from '../../compiler/interpret.ts';
import { readRunDir, type RunDir } from '../run/format.ts';
import { stepTensors } from '../run/recorder.ts';
import { writeFileAtomic } from '../run/files.ts';
import { ChainProver, type ChainPolicy } from './prover.ts';
import { decodeProofFile, encodeProofFile, parseProofFile, type ProofFile } from './proof-file.ts';
import { verifyChain, type ChainReport } from './verifier.ts';
import type { Word } from '../vm/word.ts';

export const PROVER_KEY = 'prover.key';

export interface ProvablePolicy extends ChainPolicy {
  readonly program: LanguageProgram;
}

export const proofFileName = (kind: ProofFile['kind'], step: number): string =>
  kind === 'genesis' ? 'genesis.json' : kind === 'attestation' ? 'attestation.json' : `step-${String(step).padStart(6, '0')}.json`;

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
  /** 'proved' (with the seconds it took), or 'kept' when a proof was already there. */
  readonly action: 'proved' | 'kept';
  readonly seconds?: number;
}

/** Steps from..to, inclusive (0..0: genesis alone). */
export interface StepRange {
  readonly from: number;
  readonly to: number;
}

export interface ProveOptions {
  /** Prove only steps in [from, to] (others are still run, to know the states); the attestation needs the last. */
  readonly steps?: StepRange;
  readonly onProgress?: (p: ProveProgress) => void;
}

/** Reads and validates a run directory for a policy: errors name the file, the step and the field. */
export function loadRun(policy: ProvablePolicy, runDir: string): RunDir {
  const run = readRunDir(runDir, { schemas: policy.artifact.schemas });
  if (run.run.policy.name !== policy.compiled.name) throw new Error(`${join(runDir, 'run.json')}: the run was recorded for policy ${run.run.policy.name}, not ${policy.compiled.name}`);
  if (run.run.policy.digest !== null && run.run.policy.digest !== policy.artifact.digest) {
    throw new Error(`${join(runDir, 'run.json')}: the run was recorded for another version of policy ${policy.compiled.name} (digest ${run.run.policy.digest.slice(0, 16)}…)`);
  }
  return run;
}

function existing(outDir: string, name: string, policy: ProvablePolicy): ProofFile | null {
  const path = join(outDir, name);
  if (!existsSync(path)) return null;
  try {
    const proof = decodeProofFile(readFileSync(path, 'utf8'), path);
    return proof.policyDigest === policy.artifact.digest ? proof : null;
  } catch {
    return null; // a damaged proof is proven again (and replaced atomically)
  }
}

/**
 * Proves a run's proofs in order, keeping the state between calls, so that a follower can hand it the run again
 * as it grows: `advance` proves (or keeps) genesis and every step it has not reached yet, `attest` the
 * attestation after the last step.
 */
class RunProofs {
  private prover: ChainProver | null = null;
  private interp: PolicyInterpreter;
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
    this.interp = new PolicyInterpreter(policy.program, policy.root.path);
    mkdirSync(outDir, { recursive: true });
  }

  private progress(p: Omit<ProveProgress, 'total'>, total: number): void {
    this.options.onProgress?.({ ...p, total });
  }

  private write<T extends { proof: ProofFile } | ProofFile>(name: string, make: () => T): [T, number] {
    const t0 = performance.now();
    const made = make();
    writeFileAtomic(join(this.outDir, name), encodeProofFile('proof' in made ? made.proof : made));
    this.proved++;
    return [made, (performance.now() - t0) / 1000];
  }

  /** Proves what `run` holds beyond the steps already reached (within the --steps window). */
  advance(run: RunDir): void {
    const N = run.steps.length;
    const from = this.options.steps?.from ?? 1;
    const to = Math.min(this.options.steps?.to ?? N, N);
    if (!this.prover) {
      this.prover = new ChainProver(this.policy, proverKey(this.runDir), this.interp.decodeSpec(run.spec));
      if (existing(this.outDir, proofFileName('genesis', 0), this.policy)) {
        this.state = this.prover.genesisExecution().state;
        this.kept++;
        this.progress({ kind: 'genesis', step: 0, action: 'kept' }, N);
      } else {
        const [g, seconds] = this.write(proofFileName('genesis', 0), () => this.prover!.genesis());
        this.state = g.state;
        this.progress({ kind: 'genesis', step: 0, action: 'proved', seconds }, N);
      }
    }
    const prover = this.prover;
    const tensors = (k: number) => (this.policy.compiled.verifies.length > 0 ? stepTensors(this.runDir, run.steps[k - 1]!) : undefined);
    for (let k = this.reached + 1; k <= to; k++) {
      const record = this.interp.decodeStep(run.steps[k - 1]!.record, k - 1);
      const name = proofFileName('step', k);
      if (k < from || existing(this.outDir, name, this.policy)) {
        this.state = prover.stepExecution(k, this.state, record, tensors(k)).state;
        if (k >= from) {
          this.kept++;
          this.progress({ kind: 'step', step: k, action: 'kept' }, N);
        }
      } else {
        const [s, seconds] = this.write(name, () => prover.step(k, this.state, record, tensors(k)));
        this.state = s.state;
        this.progress({ kind: 'step', step: k, action: 'proved', seconds }, N);
      }
      this.reached = k;
    }
  }

  /** The attestation after step `last` (which `advance` must have reached). */
  attest(last: number): void {
    if (!this.prover || this.reached !== last) throw new Error(`internal: the attestation after step ${last} needs every step before it`);
    const name = proofFileName('attestation', last);
    const old = existing(this.outDir, name, this.policy);
    if (old && old.step === last) {
      this.kept++;
      this.progress({ kind: 'attestation', step: last, action: 'kept' }, last);
      return;
    }
    const [, seconds] = this.write(name, () => this.prover!.attestation(last, this.state));
    this.progress({ kind: 'attestation', step: last, action: 'proved', seconds }, last);
  }
}

/**
 * Proves the run as it is now: genesis, the steps (all, or the --steps window), and the attestation after the
 * last step recorded when the window reaches it.
 */
export function proveRun(policy: ProvablePolicy, runDir: string, outDir: string, options: ProveOptions = {}): { proved: number; kept: number; steps: number } {
  const run = loadRun(policy, runDir);
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

export interface FollowOptions {
  readonly onProgress?: (p: ProveProgress) => void;
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
  const proofs = new RunProofs(policy, runDir, outDir, { onProgress: options.onProgress });
  const poll = options.pollMs ?? 1000;
  let seen = -1;
  let idleSince = performance.now();
  for (;;) {
    const run = loadRun(policy, runDir);
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
 * Verifies every proof file (*.json) in a directory as one chain. Unreadable files are reported, not fatal: what
 * a file holds never makes this throw (only a directory that cannot be listed does).
 */
export function verifyDir(policy: ChainPolicy, dir: string): ChainReport & { readonly unreadable: readonly string[] } {
  const files: { name: string; proof: ProofFile }[] = [];
  const unreadable: string[] = [];
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort();
  for (const f of names) {
    let text: string;
    try {
      text = readFileSync(join(dir, f), 'utf8');
    } catch (e) {
      // Node's messages do not always name the file (EISDIR).
      unreadable.push(`${f}: cannot read (${(e as Error).message})`);
      continue;
    }
    const parsed = parseProofFile(text, f);
    if (parsed.ok) files.push({ name: f, proof: parsed.value });
    else unreadable.push(parsed.error);
  }
  const report = verifyChain(policy, files);
  return { ...report, ok: report.ok && unreadable.length === 0, unreadable };
}
