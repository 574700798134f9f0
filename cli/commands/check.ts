import { formatFlag, pathsArgs, ZpolCommand } from '../base.ts';

export default class Check extends ZpolCommand {
  static override summary = 'Parse and type-check .zpol files and report their diagnostics.';
  static override description = `Checks syntax, names, types, units and privacy rules of each file and of the modules it imports. Directories are searched recursively for *.zpol files.

Exit status: 0 when no errors were found (warnings allowed), 1 on errors, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> check policies stdlib', '<%= config.bin %> check policies/eu_ai_act_art51.zpol --format json'];

  static override strict = false; // any number of paths
  static override args = pathsArgs('check');
  static override flags = {
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Check);
    const { checkPaths } = await import('../../language/index.ts');
    this.reportDiagnostics(checkPaths(argv as string[]), flags.format, 'checked');
  }
}
