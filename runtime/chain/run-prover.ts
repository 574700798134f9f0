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
import { decodeProofFile, encodeProofFile, type ProofFile } from './proof-file.ts';
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

export interface ProveOptions {
  /** Prove only steps in [from, to] (others are still run, to know the states); the attestation needs the last. */
  readonly steps?: { readonly from: number; readonly to: number };
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

export function proveRun(policy: ProvablePolicy, runDir: string, outDir: string, options: ProveOptions = {}): { proved: number; kept: number; steps: number } {
  const run = loadRun(policy, runDir);
  const interp = new PolicyInterpreter(policy.program, policy.root.path);
  const spec = interp.decodeSpec(run.spec);
  const steps = run.steps.map((s, i) => interp.decodeStep(s.record, i));
  const tensors = (k: number) => (policy.compiled.verifies.length > 0 ? stepTensors(runDir, run.steps[k - 1]!) : undefined);
  const prover = new ChainProver(policy, proverKey(runDir), spec);
  mkdirSync(outDir, { recursive: true });
  const N = steps.length;
  const from = options.steps?.from ?? 1;
  const to = Math.min(options.steps?.to ?? N, N);
  let proved = 0;
  let kept = 0;
  const progress = (p: Omit<ProveProgress, 'total'>) => options.onProgress?.({ ...p, total: N });
  const timed = <T>(f: () => T): [T, number] => {
    const t0 = performance.now();
    const v = f();
    return [v, (performance.now() - t0) / 1000];
  };

  let state: Word[];
  if (existing(outDir, proofFileName('genesis', 0), policy)) {
    state = prover.genesisExecution().state;
    kept++;
    progress({ kind: 'genesis', step: 0, action: 'kept' });
  } else {
    const [g, seconds] = timed(() => prover.genesis());
    writeFileAtomic(join(outDir, proofFileName('genesis', 0)), encodeProofFile(g.proof));
    state = g.state;
    proved++;
    progress({ kind: 'genesis', step: 0, action: 'proved', seconds });
  }
  // Steps after `to` matter only to the attestation, which needs the whole run.
  const last = to === N ? N : to;
  for (let k = 1; k <= last; k++) {
    const name = proofFileName('step', k);
    if (k < from || k > to || existing(outDir, name, policy)) {
      state = prover.stepExecution(k, state, steps[k - 1]!, tensors(k)).state;
      if (k >= from && k <= to) {
        kept++;
        progress({ kind: 'step', step: k, action: 'kept' });
      }
      continue;
    }
    const [s, seconds] = timed(() => prover.step(k, state, steps[k - 1]!, tensors(k)));
    writeFileAtomic(join(outDir, name), encodeProofFile(s.proof));
    state = s.state;
    proved++;
    progress({ kind: 'step', step: k, action: 'proved', seconds });
  }
  if (to === N) {
    const name = proofFileName('attestation', N);
    const old = existing(outDir, name, policy);
    if (old && old.step === N) {
      kept++;
      progress({ kind: 'attestation', step: N, action: 'kept' });
    } else {
      const [a, seconds] = timed(() => prover.attestation(N, state));
      writeFileAtomic(join(outDir, name), encodeProofFile(a));
      proved++;
      progress({ kind: 'attestation', step: N, action: 'proved', seconds });
    }
  }
  return { proved, kept, steps: N };
}

/** Verifies every proof file (*.json) in a directory as one chain. Unreadable files are reported, not fatal. */
export function verifyDir(policy: ChainPolicy, dir: string): ChainReport & { readonly unreadable: readonly string[] } {
  const files: { name: string; proof: ProofFile }[] = [];
  const unreadable: string[] = [];
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort();
  for (const f of names) {
    try {
      files.push({ name: f, proof: decodeProofFile(readFileSync(join(dir, f), 'utf8'), f) });
    } catch (e) {
      unreadable.push((e as Error).message);
    }
  }
  const report = verifyChain(policy, files);
  return { ...report, ok: report.ok && unreadable.length === 0, unreadable };
}
