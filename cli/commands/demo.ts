import { Flags } from '@oclif/core';
import { aggregatableFlag, backendFlag, hashFlag, ExitCode, formatFlag, ZpolCommand } from '../base.ts';
import { packagePath } from '../../base/package-files.ts';

export default class Demo extends ZpolCommand {
  static override summary = 'Train a tiny model, record the run, prove it against the demo policy and verify the proofs.';
  static override description = `The whole chain on an embedded default, in a few minutes on 2 CPU cores: trains the reference MLP on a synthetic two-source dataset (its first layer in exact BF16 with FP32 accumulation), records the run (spec, data registry, initial weights' layout, per-step records and Poseidon2-committed tensors), compiles policies/demo.zpol (a FLOP cap, a data mixture bound to committed source labels, sampled rows of each batch opened in their sources' datasets, an architecture class and parameter count derived at genesis from the committed initial weights, and a matrix-product check), proves genesis, every step and the attestation, and verifies the chain. Everything is written under --out: the run, the policy and its compiled artifact, and the proofs. The last line is the command that verifies them again. Run again with the same --out, it keeps what is there and proves what is missing.

With --format json it prints one object at the end instead of the lines: the compiled policy, the run (recorded or kept), what \`zpol prove --format json\` reports, the verification report of \`zpol verify --format json\` and the command that verifies again.

Exit status: 0 when the chain verifies, 1 otherwise.`;
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --out /tmp/zpol-demo --steps 4'];

  static override flags = {
    out: Flags.string({ default: 'zpol-demo', summary: 'Where to write the run, the compiled policy and the proofs.' }),
    steps: Flags.integer({ default: 8, min: 1, max: 1000, summary: 'Training steps to record and prove.' }),
    backend: backendFlag(),
    hash: hashFlag(),
    aggregatable: aggregatableFlag(),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Demo);
    const { existsSync, mkdirSync, copyFileSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const { compileFile } = await import('../../compiler/index.ts');
    const { encodeArtifact } = await import('../../compiler/artifact.ts');
    const { writeFileAtomic } = await import('../../base/atomic-write.ts');
    const { recordDemoRun } = await import('../../demo/record.ts');
    const { proveFromCli, verifyFromCli } = await import('../chain.ts');
    const json = flags.format === 'json';
    const print = json ? null : (line: string) => this.print(line);
    const out = flags.out;
    mkdirSync(out, { recursive: true });
    // The policy is copied next to the proofs, so the verify command below needs nothing else.
    const policy = join(out, 'demo.zpol');
    if (!existsSync(policy)) copyFileSync(packagePath('policies', 'demo.zpol'), policy);
    const compiled = compileFile(policy);
    if (!compiled.ok) {
      process.stderr.write(`zpol: the demo policy does not compile: ${compiled.error ?? compiled.diagnostics[0]?.message}\n`);
      process.exitCode = ExitCode.internal;
      return;
    }
    const zcp = join(out, 'demo.zcp');
    writeFileAtomic(zcp, encodeArtifact(compiled.artifact));
    print?.(`policy ${policy} compiled to ${zcp} (digest ${compiled.artifact.digest.slice(0, 16)}…)`);

    const runDir = join(out, 'run');
    let recorded: { steps: number; seconds: number; loss: { first: number; last: number } } | null = null;
    if (existsSync(join(runDir, 'run.json'))) print?.(`run ${runDir}: already recorded, kept`);
    else {
      const t0 = performance.now();
      const { steps } = recordDemoRun(runDir, flags.steps, { policyDigest: compiled.artifact.digest, schemas: compiled.artifact.schemas });
      recorded = { steps: steps.length, seconds: (performance.now() - t0) / 1000, loss: { first: steps[0]!.loss, last: steps[steps.length - 1]!.loss } };
      print?.(`trained and recorded ${steps.length} steps in ${recorded.seconds.toFixed(1)} s to ${runDir} (loss ${recorded.loss.first.toFixed(3)} → ${recorded.loss.last.toFixed(3)})`);
    }

    const proofs = join(out, 'proofs');
    print?.(`proving into ${proofs}:`);
    const proved = await proveFromCli(policy, runDir, proofs, { backend: flags.backend, hash: flags.hash, aggregatable: flags.aggregatable }, print);
    let verified: Awaited<ReturnType<typeof verifyFromCli>> | null = null;
    if (proved.exitCode === ExitCode.ok) {
      print?.('verifying:');
      verified = await verifyFromCli(policy, proofs, 'pretty', print);
    }
    process.exitCode = verified?.exitCode ?? proved.exitCode;
    const rel = (p: string) => relative(process.cwd(), p) || '.';
    const verifyCommand = `npx zpol verify ${rel(policy)} ${rel(proofs)}`;
    if (json) {
      const report = {
        ok: process.exitCode === ExitCode.ok,
        out,
        policy: { file: policy, compiled: zcp, digest: compiled.artifact.digest },
        run: { dir: runDir, action: recorded ? 'recorded' : 'kept', ...(recorded ?? {}) },
        prove: proved.report,
        verify: verified?.report ?? null,
        verifyCommand,
      };
      this.print(JSON.stringify(report, null, 2));
    } else if (verified) this.print(verifyCommand);
  }
}
