import { Args, Flags } from '@oclif/core';
import { backendFlag, hashFlag, formatFlag, ZpolCommand } from '../base.ts';

export default class Genesis extends ZpolCommand {
  static override summary = 'Prove the genesis of a run: the committed spec satisfies every attest claim.';
  static override description = `Reads the run directory's spec, proves the policy's genesis program (every \`attest\` holds for the committed spec; the initial state is fixed) and writes genesis.zproof into the output directory, atomically. \`zpol prove\` does this too, as its first proof.

With --format json it prints what \`zpol prove --format json\` does, for the genesis proof alone.

Exit status: 0 when proven, 1 when a claim fails or the run is malformed, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> genesis policies/demo.zpol --run demo-run --out demo-proofs'];

  static override args = { policy: Args.string({ required: true, description: 'the policy: a .zpol file, or its compiled artifact (.zcp, from zpol compile)' }) };
  static override flags = {
    run: Flags.string({ required: true, summary: 'The run directory.' }),
    out: Flags.string({ required: true, summary: 'Where to write genesis.zproof.' }),
    backend: backendFlag(),
    hash: hashFlag(),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Genesis);
    const { proveFromCli } = await import('../chain.ts');
    const json = flags.format === 'json';
    const { exitCode, report } = await proveFromCli(args.policy, flags.run, flags.out, { steps: { from: 0, to: 0 }, backend: flags.backend, hash: flags.hash }, json ? null : (line) => this.print(line));
    if (json) this.print(JSON.stringify(report, null, 2));
    process.exitCode = exitCode;
  }
}
