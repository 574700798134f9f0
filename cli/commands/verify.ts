import { Args } from '@oclif/core';
import { formatFlag, ZpolCommand } from '../base.ts';

export default class Verify extends ZpolCommand {
  static override summary = 'Verify a chain of proofs against a policy and report in the policy\'s terms.';
  static override description = `Checks every proof file in the directory against the policy's own compiled programs, and the chain they form: one genesis, steps 1..N each once and each starting from the state the previous one ended in, one spec, and the attestation closing the chain. Prints which claims held over which steps and the values the policy reveals, only when the chain verifies: otherwise no claim, and the figures its proofs carry are listed under 'not verified' (JSON: 'unverified', with 'revealed' empty).

Exit status: 0 when the chain verifies, 1 when anything does not, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> verify policies/demo.zpol demo-proofs'];

  static override args = {
    policy: Args.string({ required: true, description: 'the policy: a .zpol file, or its compiled artifact (.zcp, from zpol compile)' }),
    proofs: Args.string({ required: true, description: 'the directory of proof files' }),
  };
  static override flags = { format: formatFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    const { verifyFromCli } = await import('../chain.ts');
    process.exitCode = (await verifyFromCli(args.policy, args.proofs, flags.format, (line) => this.print(line))).exitCode;
  }
}
