import { Flags } from '@oclif/core';
import { backendFlag, ExitCode, ZpolCommand } from '../base.ts';
import { packagePath } from '../../language/package-files.ts';

export default class Demo extends ZpolCommand {
  static override summary = 'Train a tiny model, record the run, prove it against the demo policy and verify the proofs.';
  static override description = `The whole chain on an embedded default, in a few minutes on 2 CPU cores: trains the reference MLP on a synthetic two-source dataset (its first layer in exact BF16 with FP32 accumulation), records the run (spec, data registry, per-step records and Poseidon2-committed tensors), compiles policies/demo.zpol (a FLOP cap, a data mixture, an architecture class and a matrix-product check), proves genesis, every step and the attestation, and verifies the chain. Everything is written under --out: the run, the policy and its compiled artifact, and the proofs. The last line is the command that verifies them again. Run again with the same --out, it keeps what is there and proves what is missing.

Exit status: 0 when the chain verifies, 1 otherwise.`;
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --out /tmp/zpol-demo --steps 4'];

  static override flags = {
    out: Flags.string({ default: 'zpol-demo', summary: 'Where to write the run, the compiled policy and the proofs.' }),
    steps: Flags.integer({ default: 8, min: 1, max: 1000, summary: 'Training steps to record and prove.' }),
    backend: backendFlag(),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Demo);
    const { existsSync, mkdirSync, copyFileSync } = await import('node:fs');
    const { join, relative } = await import('node:path');
    const { compileFile } = await import('../../compiler/index.ts');
    const { encodeArtifact } = await import('../../compiler/artifact.ts');
    const { writeFileAtomic } = await import('../../runtime/run/files.ts');
    const { recordDemoRun } = await import('../../runtime/run/recorder.ts');
    const { proveFromCli, verifyFromCli } = await import('../chain.ts');
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
    writeFileAtomic(join(out, 'demo.zcp'), encodeArtifact(compiled.artifact));
    this.print(`policy ${policy} compiled to ${join(out, 'demo.zcp')} (digest ${compiled.artifact.digest.slice(0, 16)}…)`);

    const runDir = join(out, 'run');
    if (existsSync(join(runDir, 'run.json'))) this.print(`run ${runDir}: already recorded, kept`);
    else {
      const t0 = performance.now();
      const { steps } = recordDemoRun(runDir, flags.steps, { policyDigest: compiled.artifact.digest, schemas: compiled.artifact.schemas });
      const loss = steps.map((s) => s.loss);
      this.print(`trained and recorded ${steps.length} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s to ${runDir} (loss ${loss[0]!.toFixed(3)} → ${loss[loss.length - 1]!.toFixed(3)})`);
    }

    const proofs = join(out, 'proofs');
    this.print(`proving into ${proofs}:`);
    const proved = await proveFromCli(policy, runDir, proofs, { backend: flags.backend }, (line) => this.print(line));
    if (proved !== ExitCode.ok) {
      process.exitCode = proved;
      return;
    }
    this.print('verifying:');
    const verified = await verifyFromCli(policy, proofs, 'pretty', (line) => this.print(line));
    process.exitCode = verified;
    const rel = (p: string) => relative(process.cwd(), p) || '.';
    this.print(`npx zpol verify ${rel(policy)} ${rel(proofs)}`);
  }
}
