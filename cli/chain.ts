/**
 * What the chain commands (genesis, prove, verify, demo) share: compiling the policy, running the prover with
 * progress lines, and printing a verification report. Returns exit codes and reports (for --format json); never
 * throws for bad input.
 */
import { join } from 'node:path';
import { totalmem } from 'node:os';
import { DEFAULT_GRINDING_BITS } from '../language/checker/verify-settings.ts';
import { ExitCode, UsageError, type OutputFormat } from './base.ts';
import type { ChainReport } from '../runtime/chain/verifier.ts';
import { uncheckedVerdict, type LinkCheck } from '../runtime/chain/links.ts';
import type { StepRange } from '../runtime/chain/run-prover.ts';

type Print = (line: string) => void;

/**
 * The policy the chain commands prove or verify against: a compiled artifact (`.zcp`) as it is, or a `.zpol`
 * compiled here; the runtime takes only the artifact and its programs either way.
 */
export async function policyFor(path: string): Promise<import('../runtime/policy/artifact.ts').LoadedPolicy> {
  if (path.endsWith('.zcp')) {
    const [{ readFileSync }, { loadArtifact }] = await Promise.all([import('node:fs'), import('../runtime/policy/artifact.ts')]);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new Error(`${path}: cannot read (${(e as Error).message})`);
    }
    return loadArtifact(bytes, path);
  }
  const { compileFile } = await import('../compiler/index.ts');
  const r = compileFile(path);
  if (!r.ok) {
    const first = r.diagnostics.find((d) => d.severity === 'error');
    throw new Error(`cannot compile ${path}: ${r.error ?? (first ? `${first.file}:${first.span.start.line}:${first.span.start.column}: ${first.message}` : 'errors')}`);
  }
  return r;
}

/**
 * The memory the prover may use (ZV307 refuses a proof estimated above it): ZPOL_PROVER_MEMORY, bytes or with a
 * K, M, G or T suffix (binary), when set; else this machine's memory.
 */
export function proverMemoryLimit(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.ZPOL_PROVER_MEMORY?.trim();
  if (!text) return totalmem();
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text);
  if (!m) throw new UsageError(`ZPOL_PROVER_MEMORY takes bytes, or a number with K, M, G or T (16G), got ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase()));
}

/**
 * `--steps a..b`: whole numbers with a <= b (a bad usage otherwise, exit 2). Whether the run has those steps is
 * known only once it is read; a range beyond its last step fails then (exit 1, naming the run's step count).
 */
export function parseStepRange(text: string | undefined): StepRange | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2]) || !Number.isSafeInteger(Number(m[2]))) {
    throw new UsageError(`--steps takes a range a..b of step numbers with a <= b (3..7), got ${JSON.stringify(text)}`);
  }
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** One proof file that `prove` made or kept. */
export interface ProofEntry {
  readonly file: string;
  readonly kind: 'genesis' | 'step' | 'attestation';
  readonly step: number;
  readonly action: 'proved' | 'kept';
  readonly seconds?: number;
  /** Why the file that was there was not kept, when a bad one was replaced (it is also said on stderr). */
  readonly rejected?: string;
  /** The worker (host:pid) that proved or kept it, with --queue. */
  readonly worker?: string;
}

/** What a prove/genesis run did: `prove --format json` prints it. */
export interface ProveReport {
  ok: boolean;
  policy: string;
  run: string;
  out: string;
  backend: string | null;
  /** With --backend auto, each backend passed over and why ("cuda: no device (cudaErrorInsufficientDriver); using cpu"). */
  fallbacks?: string[];
  /** --queue: the Redis the workers took the jobs from (the backend is theirs: null). */
  queue?: string;
  /** The run's recorded steps (null if it could not be read). */
  steps: number | null;
  proved: number;
  kept: number;
  proofs: ProofEntry[];
  /** Why it failed, when it did. */
  error?: string;
}

export interface ProveCliOptions {
  /** --steps a..b (parseStepRange) */
  readonly steps?: StepRange;
  /** --follow: prove steps as they are recorded, and attest when the run finishes. */
  readonly follow?: boolean;
  /** --backend ts|cpu|cuda|auto (gpu/index.ts). */
  readonly backend?: 'ts' | 'cpu' | 'cuda' | 'auto';
  /** --queue redis://HOST:PORT: enqueue the proofs for `zpol worker`s and wait for them (cli/queue.ts). */
  readonly queue?: string;
  /** --hash blake3|poseidon2: the proofs' hash configuration (runtime/proof/hash-config.ts). */
  readonly hash?: 'blake3' | 'poseidon2';
  /** --aggregatable: proofs made to be aggregated (Poseidon2, POSEIDON2_AGGREGATION_PCS_PARAMS). */
  readonly aggregatable?: boolean;
  /** --segment-cycles N: the segment size of a program that runs longer (runtime/vm/segments.ts; ZV309 unless a power of two in range). */
  readonly segmentCycles?: number;
}

/**
 * Proves a run for the prove, genesis and demo commands. `print` gets a line per proof and a summary (pretty
 * output), or is null (json: the caller prints the report). Errors in the input go to stderr and the report.
 */
export async function proveFromCli(policyPath: string, runDir: string, outDir: string, options: ProveCliOptions, print: Print | null): Promise<{ exitCode: number; report: ProveReport }> {
  const { followRun, proveRun, proofFileName } = await import('../runtime/chain/run-prover.ts');
  const { ChainError } = await import('../runtime/chain/prover.ts');
  const { RunFormatError, formatIssue } = await import('../runtime/run/format.ts');
  const { ProgressBar } = await import('./progress.ts');
  const bar = new ProgressBar();
  const report: ProveReport = { ok: false, policy: policyPath, run: runDir, out: outDir, backend: null, steps: null, proved: 0, kept: 0, proofs: [] };
  const fail = (exitCode: number, message: string) => {
    process.stderr.write(`zpol: ${message}\n`);
    report.error = message;
    return { exitCode, report };
  };
  try {
    // A segment size the prover does not prove is bad usage, said before the policy is even compiled.
    const problem = options.segmentCycles === undefined ? null : (await import('../runtime/vm/segments.ts')).segmentSizeProblem(options.segmentCycles);
    if (problem) return fail(ExitCode.usage, `--segment-cycles ${options.segmentCycles}: ZV309: ${problem}`);
    const { selectBackend } = await import('../gpu/index.ts');
    const fallbacks: string[] = [];
    const backend = options.queue === undefined ? selectBackend(options.backend ?? 'auto', (line) => fallbacks.push(line)) : null;
    report.backend = backend?.name ?? null;
    if (fallbacks.length > 0) report.fallbacks = fallbacks;
    const policy = await policyFor(policyPath);
    let done = 0;
    let waitingFor = -1;
    const onProgress = (p: { kind: ProofEntry['kind']; step: number; total: number; action: 'proved' | 'kept'; seconds?: number; rejected?: string; worker?: string }) => {
      const what = p.kind === 'genesis' ? 'genesis' : p.kind === 'attestation' ? 'attestation' : `step ${p.step}/${p.total}`;
      const file = proofFileName(p.kind, p.step);
      report.proofs.push({
        file,
        kind: p.kind,
        step: p.step,
        action: p.action,
        ...(p.seconds === undefined ? {} : { seconds: Number(p.seconds.toFixed(3)) }),
        ...(p.rejected === undefined ? {} : { rejected: p.rejected }),
        ...(p.worker === undefined ? {} : { worker: p.worker }),
      });
      bar.clear();
      // A bad proof found where a kept one was expected is said on stderr in every format: it was there, it is gone.
      if (p.rejected !== undefined) process.stderr.write(`zpol: ${join(outDir, file)}: not kept: ${p.rejected}; proven again\n`);
      print?.(p.action === 'kept' ? `  ${what}: already proven, kept` : `  ${what}: proven in ${p.seconds!.toFixed(1)} s${p.rejected === undefined ? '' : ' (replaces a rejected file)'}`);
      done++;
      // Proofs: genesis, the steps, the attestation.
      bar.update(done, p.total + 2, p.kind === 'attestation' ? 'proofs' : `proofs (${what} done)`, p.action === 'proved' ? p.seconds : undefined);
    };
    const note = (line: string) => {
      bar.clear();
      print?.(`  ${line}`);
    };
    // What both ways of proving here take (the queue's workers choose their own backend and memory).
    if (options.aggregatable && options.queue !== undefined) return fail(ExitCode.usage, '--aggregatable with --queue: the queue\'s workers make proofs with the hash\'s default parameters only (prove without --queue)');
    // A proof in segments is resumable (runtime/chain/partial.ts): each segment said as it is proven or taken from
    // the work folder, and a work file that is not used named on stderr in every format.
    const onSegment = (p: { kind: ProofEntry['kind']; step: number; segment: number; of: number; action: 'proved' | 'resumed'; seconds: number }) => {
      const what = p.kind === 'step' ? `step ${p.step}` : p.kind;
      note(`${what}: segment ${p.segment + 1}/${p.of} ${p.action === 'proved' ? `proven in ${p.seconds.toFixed(1)} s` : `resumed from ${join(outDir, '.partial')}`}`);
    };
    const onIgnored = (n: { file: string; why: string }) => {
      bar.clear();
      process.stderr.write(`zpol: ${n.file}: not used: ${n.why}; its work is done again\n`);
    };
    const proving = { backend: backend!, hash: options.hash, aggregatable: options.aggregatable, segmentCycles: options.segmentCycles, memoryLimitBytes: proverMemoryLimit(), onProgress, onSegment, onIgnored };
    const result = options.queue !== undefined
      ? await (await import('./queue.ts')).proveQueued(policy, policyPath, runDir, outDir, (report.queue = options.queue), onProgress, note, options.hash, options.segmentCycles, onIgnored)
      : options.follow
      ? await followRun(policy, runDir, outDir, {
          ...proving,
          onWait: (n) => {
            if (n === waitingFor) return;
            waitingFor = n;
            bar.clear();
            print?.(`  waiting for step ${n + 1} (the run has not finished)…`);
          },
        })
      : proveRun(policy, runDir, outDir, { ...proving, steps: options.steps });
    bar.clear();
    Object.assign(report, { ok: true, steps: result.steps, proved: result.proved, kept: result.kept });
    const rejected = report.proofs.filter((p) => p.rejected !== undefined).length;
    print?.(
      `${result.proved} proof${result.proved === 1 ? '' : 's'} written${rejected > 0 ? ` (${rejected} replacing ${rejected === 1 ? 'a bad file' : 'bad files'})` : ''}, ${result.kept} kept, to ${outDir} (${backend ? `${backend.name} backend${fallbacks.map((f) => ` — ${f}`).join('')}` : `workers on ${options.queue}`})`,
    );
    return { exitCode: ExitCode.ok, report };
  } catch (e) {
    bar.clear();
    if (e instanceof Error && (e.name === 'QueueError' || e.name === 'QueueJobError')) return fail(ExitCode.failure, e.name === 'QueueJobError' ? `a worker could not prove ${e.message}` : e.message);
    if (e instanceof ChainError && e.code === 'ZV307') return fail(ExitCode.failure, `cannot prove on this machine: ${e.code}: ${e.message}`);
    if (e instanceof ChainError) return fail(ExitCode.failure, `the run breaks the policy, so it cannot be proven: ${e.code}: ${e.message}`);
    if (e instanceof RunFormatError) {
      return fail(ExitCode.failure, `the run directory is not valid:\n${e.issues.slice(0, 20).map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    }
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof ReferenceError)) return fail(ExitCode.failure, e.message);
    throw e;
  }
}

export function formatChainReport(r: VerifyReport, proofsDir: string): string {
  const lines = [`policy ${r.policy} (digest ${r.policyDigest.slice(0, 16)}…): ${r.steps} step${r.steps === 1 ? '' : 's'}, ${r.proofs.length} proof files in ${proofsDir}`];
  for (const p of r.proofs) if (!p.ok) lines.push(`  ${p.name}: REJECTED ${p.code}: ${p.error}`);
  for (const u of r.unreadable ?? []) lines.push(`  unreadable ZV111: ${u}`);
  for (const e of r.errors) lines.push(`  chain: ${e.code}: ${e.message}`);
  for (const c of r.claims) lines.push(`  ${c}`);
  for (const v of r.revealed) lines.push(`  revealed ${v.name} = ${v.text}${v.notChecked ? ` (not checked: ${v.notChecked})` : ''}`);
  for (const l of r.links ?? []) {
    if (l.status === 'matches') lines.push(`  from an earlier chain: spec.${l.field} ${l.message}`);
    else if (l.status === 'not checked') lines.push(`  not checked: spec.${l.field} comes from ${l.name} of an earlier chain: ${l.message}${r.ok ? ` (give its proofs with --prior ${l.chain}=DIR)` : ''}`);
    else lines.push(`  link: spec.${l.field} FAILS: ${l.message}`);
  }
  if (r.specCommitment) lines.push(`  spec commitment: ${r.specCommitment} (what a later stage's policy names to count this chain)`);
  // A broken chain's figures are no proof's: listed apart, under a heading that says so, never as 'revealed'.
  if (r.unverified.length > 0) {
    lines.push('  not verified: the chain does not verify, so no proof supports these figures (for diagnosis only):');
    for (const v of r.unverified) lines.push(`    ${v.name} = ${v.text} (not verified)`);
  }
  const sec = r.security;
  if (sec.stark) lines.push(`  security: STARK proofs ${sec.stark.conjecturedBits} bits conjectured${sec.stark.provenBits === null ? '' : `, ${sec.stark.provenBits} proven`} (the weakest proof)`);
  for (const c of sec.computeChecks) {
    const target = c.grindingTarget === DEFAULT_GRINDING_BITS ? '' : ` (the policy's declared target, ${c.grindingTarget}; the default is ${DEFAULT_GRINDING_BITS})`;
    lines.push(`  security: verify ${c.name}: ${c.drawBits} bits a draw of ${c.samples} samples + ${c.powBits} bits of work = ${c.grindingBits} bits against a grinding prover${target}`);
  }
  for (const d of sec.rowDraws) lines.push(`  security: ${d.what}: ${d.bits} bits`);
  if (sec.weakest) lines.push(`  security: weakest ${sec.weakest.bits} bit${sec.weakest.bits === 1 ? '' : 's'}: ${sec.weakest.what}`);
  lines.push(`verdict: ${uncheckedVerdict(r) ?? (r.ok ? 'the chain verifies: the run complied with the policy' : 'the chain does NOT verify')}`);
  return lines.join('\n');
}

type VerifyReport = ChainReport & { unreadable?: readonly string[]; links?: readonly LinkCheck[] };

/** `--prior CHAIN=DIR`: the proofs of the earlier chain whose spec commitment the digest field CHAIN holds. */
export interface PriorChain {
  readonly chain: string;
  readonly dir: string;
  /** The policy it was proven under (a .zpol or .zcp); this chain's policy when absent. */
  readonly policy?: string;
}

/** `--prior CHAIN=DIR` and `--prior-policy CHAIN=POLICY` (each repeatable) as PriorChains; a bad usage otherwise. */
export function parsePriors(priors: readonly string[] = [], policies: readonly string[] = []): PriorChain[] {
  const pairs = (flag: string, values: readonly string[]) =>
    values.map((v) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(v);
      if (!m) throw new UsageError(`${flag} takes FIELD=PATH, the public digest field that names the earlier chain and a path (prior_chain=stage1-proofs), got ${JSON.stringify(v)}`);
      return { chain: m[1]!, path: m[2]! };
    });
  const dirs = pairs('--prior', priors);
  const named = pairs('--prior-policy', policies);
  for (const p of named) if (!dirs.some((d) => d.chain === p.chain)) throw new UsageError(`--prior-policy ${p.chain}=…: no --prior ${p.chain}=DIR gives that chain's proofs`);
  for (const [i, d] of dirs.entries()) if (dirs.findIndex((x) => x.chain === d.chain) !== i) throw new UsageError(`--prior ${d.chain}=… is given twice`);
  return dirs.map((d) => ({ chain: d.chain, dir: d.path, ...(named.find((p) => p.chain === d.chain) ? { policy: named.find((p) => p.chain === d.chain)!.path } : {}) }));
}

/**
 * Verifies a directory of proofs for the verify and demo commands and prints the report through `print` (in
 * `format`), unless `print` is null (demo's json: the caller prints it). The report is null when there is none to
 * give (no such directory, a policy that does not compile): then stderr says why.
 */
export async function verifyFromCli(
  policyPath: string,
  proofsDir: string,
  format: OutputFormat,
  print: Print | null,
  priors: readonly PriorChain[] = [],
): Promise<{ exitCode: number; report: VerifyReport | null; policy?: import('../runtime/policy/artifact.ts').LoadedPolicy; verifyMs?: number }> {
  const [{ verifyDir }, { withLinks }] = await Promise.all([import('../runtime/chain/run-prover.ts'), import('../runtime/chain/links.ts')]);
  const { existsSync } = await import('node:fs');
  try {
    for (const dir of [proofsDir, ...priors.map((p) => p.dir)]) if (!existsSync(dir)) throw new Error(`${dir}: no such directory`);
    const policy = await policyFor(policyPath);
    if ((await import('node:fs')).statSync(proofsDir).isFile()) return await verifyRunProofFromCli(policy, proofsDir, format, print);
    const links = policy.artifact.links ?? [];
    for (const p of priors) {
      if (!links.some((l) => l.chain === p.chain)) {
        const chains = [...new Set(links.map((l) => l.chain))];
        throw new UsageError(`--prior ${p.chain}=…: no public spec field of ${policy.artifact.policy.name} comes from a chain named by '${p.chain}'${chains.length > 0 ? ` (fields name: ${chains.join(', ')})` : ' (its spec has no field with \'from\')'}`);
      }
    }
    const started = performance.now();
    const earlier = new Map<string, ChainReport>();
    for (const p of priors) earlier.set(p.chain, verifyDir(p.policy === undefined ? policy : await policyFor(p.policy), p.dir));
    const report: VerifyReport = links.length > 0 ? withLinks(verifyDir(policy, proofsDir), links, earlier) : verifyDir(policy, proofsDir);
    const verifyMs = performance.now() - started;
    print?.(format === 'json' ? JSON.stringify(report, null, 2) : formatChainReport(report, proofsDir));
    return { exitCode: report.ok ? ExitCode.ok : ExitCode.failure, report, policy, verifyMs };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof ReferenceError)) {
      process.stderr.write(`zpol: ${e.message}\n`);
      return { exitCode: ExitCode.failure, report: null };
    }
    throw e;
  }
}

/** `zpol verify POLICY RUN_PROOF`: one run proof (zpol aggregate) against the policy. */
async function verifyRunProofFromCli(policy: import('../runtime/policy/artifact.ts').LoadedPolicy, file: string, format: OutputFormat, print: Print | null): Promise<{ exitCode: number; report: null; verifyMs: number }> {
  const { runProofLines, verifyRunProof } = await import('../runtime/chain/run-proof.ts');
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(file, 'utf8');
  const started = performance.now();
  const { selectBackend } = await import('../gpu/index.ts');
  // The verifying key: read back from the key cache (runtime/chain/run-key.ts), else built from the policy and cached.
  let keySource: string | null = null;
  const report = verifyRunProof(policy, text, { backend: selectBackend('auto'), keySource: (s) => (keySource = s) });
  const verifyMs = performance.now() - started;
  if (format === 'json') print?.(JSON.stringify({ ...report, keySource, verifyMs: Number(verifyMs.toFixed(1)) }, null, 2));
  else {
    const lines = runProofLines(report, file, verifyMs);
    if (keySource !== null) lines.splice(lines.length - 1, 0, `  verifying key: ${keySource === 'cache' ? 'read from the key cache' : 'built from the policy'}`);
    for (const line of lines) print?.(line);
  }
  return { exitCode: report.ok ? ExitCode.ok : ExitCode.failure, report: null, verifyMs };
}
