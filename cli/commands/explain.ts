import { Args } from '@oclif/core';
import { ExitCode, formatFlag, ZpolCommand } from '../base.ts';

export default class Explain extends ZpolCommand {
  static override summary = 'Explain a diagnostic, verification code or lint rule: what it means and how to fix it.';
  static override description = `CODE is a source diagnostic (ZP1001 ... ZP6005, docs/diagnostics.md), a compile error (ZP7001, ZP7002, docs/compiler.md), a verification code (ZV101 ... ZV306, docs/verification-codes.md) or a lint rule id (threshold-needs-source, docs/lint.md), in any case. Prints the code's section of its page: the meaning, an example of the message, the fix.

Exit status: 0 when the code exists, 2 when it does not (with the closest codes).`;
  static override examples = ['<%= config.bin %> explain ZP3001', '<%= config.bin %> explain zv206', '<%= config.bin %> explain deprecated-threshold --format json'];

  static override args = { code: Args.string({ required: true, description: 'the code or rule id' }) };
  static override flags = { format: formatFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Explain);
    const { explain, knownCodes } = await import('../explain.ts');
    const found = explain(args.code);
    if (!found) {
      const { didYouMean } = await import('../../language/suggest.ts');
      process.stderr.write(`zpol: unknown code '${args.code}'${didYouMean(args.code.toUpperCase(), knownCodes()) || didYouMean(args.code.toLowerCase(), knownCodes())}\nCodes: ZP1001-ZP6005 (docs/diagnostics.md), ZP7001-ZP7002 (docs/compiler.md), ZV101-ZV306 (docs/verification-codes.md), lint rule ids (docs/lint.md).\n`);
      process.exitCode = ExitCode.usage;
      return;
    }
    this.print(flags.format === 'json' ? JSON.stringify(found, null, 2) : `${found.text}\n\n(${found.source})`);
  }
}
