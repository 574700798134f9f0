import { writeFileAtomic } from '../../base/atomic-write.ts';
import { Flags } from '@oclif/core';
import { ExitCode, pathsArgs, readSource, ZpolCommand } from '../base.ts';
import { formatPretty, sortDiagnostics, type Diagnostic } from '../../language/diagnostics.ts';

export default class Fmt extends ZpolCommand {
  static override summary = 'Format .zpol files in the canonical style (docs/formatting.md).';
  static override description = `With one file and no flag, prints the formatted text to stdout. --check lists the files whose formatting would change; --write rewrites them in place (atomically, and only when they change). Directories are searched recursively for *.zpol files. A file with syntax errors is never formatted: its diagnostics are printed on stderr.

Exit status: 0 when done (with --check: every file already formatted), 1 when a file has syntax errors or cannot be read or (with --check) would change, 2 on bad usage.`;
  static override examples = [
    '<%= config.bin %> fmt policies/demo.zpol',
    '<%= config.bin %> fmt --check policies stdlib',
    '<%= config.bin %> fmt --write policies',
  ];

  static override strict = false; // any number of paths
  static override args = pathsArgs('format');
  static override flags = {
    check: Flags.boolean({ summary: 'List files whose formatting would change; exit 1 if any would.', exclusive: ['write'] }),
    write: Flags.boolean({ summary: 'Rewrite files in place when their formatting changes.', exclusive: ['check'] }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Fmt);
    const { expandPaths } = await import('../../language/program.ts');
    const { formatSource, ZpolSyntaxError } = await import('../../language/format/index.ts');

    const { files, missing } = expandPaths(argv as string[]);
    const toStdout = !flags.check && !flags.write;
    if (toStdout && files.length + missing.length !== 1) {
      this.error(
        files.length + missing.length === 0
          ? 'no .zpol files found'
          : 'printing to stdout takes exactly one file; use --check or --write for several',
        { exit: ExitCode.usage },
      );
    }

    const problems: Diagnostic[] = [];
    const sources = new Map<string, string>();
    for (const path of missing) {
      const read = readSource(path);
      if ('diagnostic' in read) problems.push(read.diagnostic);
    }
    let changed = 0;
    for (const file of files) {
      const read = readSource(file);
      if ('diagnostic' in read) {
        problems.push(read.diagnostic);
        continue;
      }
      sources.set(file, read.text);
      let formatted: string;
      try {
        formatted = await formatSource(read.text, file);
      } catch (error) {
        if (error instanceof ZpolSyntaxError) {
          problems.push(...error.diagnostics);
          continue;
        }
        throw error;
      }
      if (toStdout) {
        process.stdout.write(formatted);
      } else if (formatted !== read.text) {
        changed++;
        if (flags.write) writeFileAtomic(file, formatted, { keepMode: true });
        this.print(file);
      }
    }

    for (const d of sortDiagnostics(problems)) process.stderr.write(`${formatPretty(d, sources.get(d.file))}\n`);
    const failed = problems.length > 0 || (flags.check && changed > 0);
    process.exitCode = failed ? ExitCode.failure : ExitCode.ok;
  }
}
