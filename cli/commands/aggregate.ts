import { Args, Flags } from '@oclif/core';
import { backendFlag, ExitCode, formatFlag, ZpolCommand } from '../base.ts';

export default class Aggregate extends ZpolCommand {
  static override summary = 'Aggregate a run\'s proofs into one run proof (recursive aggregation).';
  static override description = `Reads the proofs in PROOFS (genesis.zproof, step-000001.zproof.., attestation.zproof, made with zpol prove --aggregatable; any number of steps) and proves the aggregation tree bottom up: each node is a zkVM proof that verifies two spans of steps and checks that they link (one spec commitment, the right one starting from the state the left one ended in), and the closing node verifies genesis, the steps' span and the attestation and checks that they are one run. Nodes are written atomically under PROOFS/aggregate/ as they finish, so a killed run resumes where it stopped. The closing node's proof is written to --out: one proof that the run, from genesis through steps 1..N to the attestation, complied with the policy, with the values the policy reveals (docs/aggregate.md). Verify it with zpol verify POLICY RUN_PROOF.

Exit status: 0 when the run proof is written, 1 when a proof cannot be aggregated, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> aggregate policies/demo.zpol demo-proofs --out run.proof'];

  static override args = {
    policy: Args.string({ required: true, description: 'the policy: a .zpol file, or its compiled artifact (.zcp, from zpol compile)' }),
    proofs: Args.string({ required: true, description: 'the directory of the run\'s proof files (zpol prove --aggregatable)' }),
  };
  static override flags = {
    out: Flags.string({ required: true, summary: 'Where to write the run proof.' }),
    backend: backendFlag(),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Aggregate);
    const { join } = await import('node:path');
    const { policyFor } = await import('../chain.ts');
    const { aggregateRun } = await import('../../runtime/chain/run-proof.ts');
    const { selectBackend } = await import('../../gpu/index.ts');
    const json = flags.format === 'json';
    const nodes: { node: string; action: string; seconds: number; cpuSeconds: number }[] = [];
    try {
      const policy = await policyFor(args.policy);
      const backend = selectBackend(flags.backend ?? 'auto', () => {});
      const started = performance.now();
      const file = aggregateRun(policy, args.proofs, join(args.proofs, 'aggregate'), flags.out, {
        backend,
        onProgress: (p) => {
          nodes.push({ node: p.node, action: p.action, seconds: Number(p.seconds.toFixed(3)), cpuSeconds: Number(p.cpuSeconds.toFixed(3)) });
          if (!json) this.print(`  node ${p.index}/${p.nodes} (${p.node}): ${p.action === 'kept' ? 'already proven, kept' : `proven in ${p.seconds.toFixed(1)} s (${p.cpuSeconds.toFixed(1)} CPU-s)`}`);
        },
      });
      const seconds = (performance.now() - started) / 1000;
      if (json) this.print(JSON.stringify({ ok: true, out: flags.out, steps: file.steps, backend: backend.name, seconds: Number(seconds.toFixed(3)), nodes }, null, 2));
      else this.print(`run proof of genesis, ${file.steps} step${file.steps === 1 ? '' : 's'} and the attestation written to ${flags.out} in ${seconds.toFixed(1)} s (${backend.name} backend)`);
      process.exitCode = ExitCode.ok;
    } catch (e) {
      process.stderr.write(`zpol: ${(e as Error).message}\n`);
      if (json) this.print(JSON.stringify({ ok: false, error: (e as Error).message, nodes }, null, 2));
      process.exitCode = ExitCode.failure;
    }
  }
}
