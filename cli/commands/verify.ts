import { Args, Flags } from '@oclif/core';
import { ExitCode, formatOption, UsageError, ZpolCommand } from '../base.ts';

export default class Verify extends ZpolCommand {
  static override summary = 'Verify a chain of proofs against a policy and report in the policy\'s terms.';
  static override description = `Checks every proof file in the directory against the policy's own compiled programs, and the chain they form: one genesis, steps 1..N each once and each starting from the state the previous one ended in, one spec, and the attestation closing the chain. Prints which claims held over which steps and the values the policy reveals, only when the chain verifies: otherwise no claim, and the figures its proofs carry are listed under 'not verified' (JSON: 'unverified', with 'revealed' empty).

--format html --out FILE writes the report as one self-contained page (inline SVG, no script, nothing fetched) for auditors: the verdict, each clause with its result and source line, the chain as a timeline, the revealed figures with their units, the compute checks (samples, products, bits of security), proof sizes and times; the text report is still printed.

Exit status: 0 when the chain verifies, 1 when anything does not, 2 on bad usage.`;
  static override examples = [
    '<%= config.bin %> verify policies/demo.zpol demo-proofs',
    '<%= config.bin %> verify policies/demo.zpol demo-proofs --format html --out report.html',
    '<%= config.bin %> verify policies/eu_ai_act_art51.zpol finetune-proofs --prior prior_chain=pretrain-proofs',
  ];

  static override args = {
    policy: Args.string({ required: true, description: 'the policy: a .zpol file, or its compiled artifact (.zcp, from zpol compile)' }),
    proofs: Args.string({ required: true, description: 'the directory of proof files, or one run proof file (zpol aggregate)' }),
  };
  static override flags = {
    format: formatOption(['pretty', 'json', 'html'] as const, 'Output format: pretty for people, json for tools, html for a self-contained page (with --out).'),
    out: Flags.string({ summary: 'With --format html: the file to write the page to.', helpValue: 'FILE' }),
    prior: Flags.string({
      multiple: true,
      helpValue: 'FIELD=DIR',
      description:
        "the proofs of an earlier chain that public spec fields come from ('from FIELD.NAME' in the policy): FIELD is the digest field holding its spec commitment; each such value is checked against what that chain revealed",
    }),
    'prior-policy': Flags.string({ multiple: true, helpValue: 'FIELD=POLICY', description: 'the policy the earlier chain was proven under (.zpol or .zcp); this policy when not given' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    const { parsePriors, verifyFromCli } = await import('../chain.ts');
    const priors = parsePriors(flags.prior, flags['prior-policy']);
    if ((flags.format === 'html') !== (flags.out !== undefined)) throw new UsageError(flags.out === undefined ? '--format html needs --out FILE' : '--out FILE goes with --format html');
    // A run proof (one file, zpol aggregate) has no page of its own yet and no chain to link an earlier one to: say so
    // before any work, rather than verify it and leave without the page (exit 1) or ignore --prior.
    const { statSync } = await import('node:fs');
    if (statSync(args.proofs, { throwIfNoEntry: false })?.isFile()) {
      if (flags.format === 'html') throw new UsageError(`${args.proofs} is a run proof: --format html reports a proofs directory's chain; a run proof's report is pretty or json`);
      if (priors.length > 0) throw new UsageError(`${args.proofs} is a run proof: --prior links a proofs directory's spec fields to an earlier chain; a run proof's verifier reveals them but does not compare them with an earlier chain yet (verify the proofs directory with --prior)`);
    }
    const result = await verifyFromCli(args.policy, args.proofs, flags.format === 'json' ? 'json' : 'pretty', (line) => this.print(line), priors);
    process.exitCode = result.exitCode;
    if (flags.format === 'html' && result.report && result.policy) {
      const [{ renderHtmlReport }, { writeFileAtomic }, { readFileSync }, { packagePath }] = await Promise.all([
        import('../report-html.ts'),
        import('../../base/atomic-write.ts'),
        import('node:fs'),
        import('../../base/package-files.ts'),
      ]);
      const { version } = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
      const html = renderHtmlReport({ report: result.report, policy: result.policy, proofsDir: args.proofs, verifyMs: result.verifyMs ?? 0, generatedAt: new Date().toISOString(), version, sourcePath: args.policy.endsWith('.zpol') ? args.policy : undefined });
      writeFileAtomic(flags.out!, html);
      this.print(`wrote ${flags.out}`);
    } else if (flags.format === 'html') {
      process.exitCode = ExitCode.failure; // nothing was verified (the reason is on stderr): no page
    }
  }
}
