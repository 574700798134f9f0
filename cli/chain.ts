/**
 * What the chain commands (genesis, prove, verify, demo) share: compiling the policy, running the prover with
 * progress lines, and printing a verification report. Returns exit codes; never throws for bad input.
 */
import { DEFAULT_GRINDING_BITS } from '../language/checker/verify-settings.ts';
import { ExitCode } from './base.ts';
import type { ChainReport } from '../runtime/chain/verifier.ts';

type Print = (line: string) => void;

async function policyFor(path: string) {
  const { compileFile } = await import('../compiler/index.ts');
  const r = compileFile(path);
  if (!r.ok) {
    const first = r.diagnostics.find((d) => d.severity === 'error');
    throw new Error(`cannot compile ${path}: ${r.error ?? (first ? `${first.file}:${first.span.start.line}:${first.span.start.column}: ${first.message}` : 'errors')}`);
  }
  return r;
}

function parseRange(text: string | undefined): { from: number; to: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`--steps takes a range a..b with a <= b, got ${JSON.stringify(text)}`);
  return { from: Number(m[1]), to: Number(m[2]) };
}

export interface ProveCliOptions {
  /** --steps a..b */
  readonly steps?: string;
  /** --follow: prove steps as they are recorded, and attest when the run finishes. */
  readonly follow?: boolean;
  /** --backend ts|cpu|auto (gpu/index.ts). */
  readonly backend?: 'ts' | 'cpu' | 'auto';
}

export async function proveFromCli(policyPath: string, runDir: string, outDir: string, options: ProveCliOptions, print: Print): Promise<number> {
  const { followRun, proveRun } = await import('../runtime/chain/run-prover.ts');
  const { ChainError } = await import('../runtime/chain/prover.ts');
  const { RunFormatError, formatIssue } = await import('../runtime/run/format.ts');
  const { ProgressBar } = await import('./progress.ts');
  const bar = new ProgressBar();
  try {
    const { selectBackend } = await import('../gpu/index.ts');
    const { setDefaultBackend } = await import('../runtime/proof/backend.ts');
    const backend = selectBackend(options.backend ?? 'auto');
    setDefaultBackend(backend);
    const policy = await policyFor(policyPath);
    const range = parseRange(options.steps);
    if (options.follow && range) throw new Error('--follow proves every step as it is recorded; it does not take --steps');
    let done = 0;
    let waitingFor = -1;
    const onProgress = (p: { kind: string; step: number; total: number; action: 'proved' | 'kept'; seconds?: number }) => {
      const what = p.kind === 'genesis' ? 'genesis' : p.kind === 'attestation' ? 'attestation' : `step ${p.step}/${p.total}`;
      bar.clear();
      print(p.action === 'kept' ? `  ${what}: already proven, kept` : `  ${what}: proven in ${p.seconds!.toFixed(1)} s`);
      done++;
      // Proofs: genesis, the steps, the attestation.
      bar.update(done, p.total + 2, p.kind === 'attestation' ? 'proofs' : `proofs (${what} done)`, p.action === 'proved' ? p.seconds : undefined);
    };
    const result = options.follow
      ? await followRun(policy, runDir, outDir, {
          onProgress,
          onWait: (n) => {
            if (n === waitingFor) return;
            waitingFor = n;
            bar.clear();
            print(`  waiting for step ${n + 1} (the run has not finished)…`);
          },
        })
      : proveRun(policy, runDir, outDir, { steps: range, onProgress });
    bar.clear();
    print(`${result.proved} proof${result.proved === 1 ? '' : 's'} written, ${result.kept} kept, to ${outDir} (${backend.name} backend)`);
    return ExitCode.ok;
  } catch (e) {
    bar.clear();
    if (e instanceof ChainError) {
      process.stderr.write(`zpol: the run breaks the policy, so it cannot be proven: ${e.message}\n`);
      return ExitCode.failure;
    }
    if (e instanceof RunFormatError) {
      process.stderr.write(`zpol: the run directory is not valid:\n${e.issues.slice(0, 20).map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
      return ExitCode.failure;
    }
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof ReferenceError)) {
      process.stderr.write(`zpol: ${e.message}\n`);
      return ExitCode.failure;
    }
    throw e;
  }
}

export function formatChainReport(r: ChainReport & { unreadable?: readonly string[] }, proofsDir: string): string {
  const lines = [`policy ${r.policy} (digest ${r.policyDigest.slice(0, 16)}…): ${r.steps} step${r.steps === 1 ? '' : 's'}, ${r.proofs.length} proof files in ${proofsDir}`];
  for (const p of r.proofs) if (!p.ok) lines.push(`  ${p.name}: REJECTED: ${p.error}`);
  for (const u of r.unreadable ?? []) lines.push(`  unreadable: ${u}`);
  for (const e of r.errors) lines.push(`  chain: ${e}`);
  for (const c of r.claims) lines.push(`  ${c}`);
  for (const v of r.revealed) lines.push(`  revealed ${v.name} = ${v.value}`);
  const sec = r.security;
  if (sec.stark) lines.push(`  security: STARK proofs ${sec.stark.conjecturedBits} bits conjectured${sec.stark.provenBits === null ? '' : `, ${sec.stark.provenBits} proven`} (the weakest proof)`);
  for (const c of sec.computeChecks) {
    const target = c.grindingTarget === DEFAULT_GRINDING_BITS ? '' : ` (the policy's declared target, ${c.grindingTarget}; the default is ${DEFAULT_GRINDING_BITS})`;
    lines.push(`  security: verify ${c.name}: ${c.drawBits} bits a draw of ${c.samples} samples + ${c.powBits} bits of work = ${c.grindingBits} bits against a grinding prover${target}`);
  }
  if (sec.weakest) lines.push(`  security: weakest ${sec.weakest.bits} bits: ${sec.weakest.what}`);
  lines.push(r.ok ? 'verdict: the chain verifies: the run complied with the policy' : 'verdict: the chain does NOT verify');
  return lines.join('\n');
}

export async function verifyFromCli(policyPath: string, proofsDir: string, format: string, print: Print): Promise<number> {
  const { verifyDir } = await import('../runtime/chain/run-prover.ts');
  const { existsSync } = await import('node:fs');
  try {
    if (!existsSync(proofsDir)) throw new Error(`${proofsDir}: no such directory`);
    const policy = await policyFor(policyPath);
    const report = verifyDir(policy, proofsDir);
    print(format === 'json' ? JSON.stringify(report, null, 2) : formatChainReport(report, proofsDir));
    return report.ok ? ExitCode.ok : ExitCode.failure;
  } catch (e) {
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof ReferenceError)) {
      process.stderr.write(`zpol: ${e.message}\n`);
      return ExitCode.failure;
    }
    throw e;
  }
}
