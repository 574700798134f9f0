import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { ExitCode, formatOption, pathsArgs, renderDiagnostics, ZpolCommand } from '../base.ts';
import { packagePath } from '../../base/package-files.ts';
import type { SarifInput } from '../../language/lint/formats.ts';

export const LINT_FORMATS = ['pretty', 'json', 'sarif', 'github', 'junit'] as const;

export default class Lint extends ZpolCommand {
  static override summary = 'Check .zpol files against the lint rules (thresholds, shares, assurance, privacy, style).';
  static override description = `Runs the checker, then the lint rules of docs/lint.md on every file without checker errors. Directories are searched recursively for *.zpol files.

Rules are configured by the nearest zpol.lint.json (or .zpollintrc.json) above each file, or by --config: { "rules": { "RULE": "off" | "warning" | "error" } }. A comment '// zpol-ignore RULE: reason' silences RULE on the next line of code (or its own line when it trails code).

Formats: pretty (for people), json (as 'zpol check' prints it), sarif (SARIF 2.1.0, for code scanning; a file that does not parse is reported as results, a bad configuration file as a failed invocation), github (GitHub Actions annotations), junit (JUnit XML, for GitLab and other CI test reports: one suite per file, a failing case per diagnostic at or above --fail-level).

Exit status: 1 when a diagnostic is at or above --fail-level (error by default), else 0; 2 on bad usage or a bad configuration file.`;
  static override examples = [
    '<%= config.bin %> lint policies',
    '<%= config.bin %> lint policies --format sarif > zpol.sarif',
    '<%= config.bin %> lint policies --format github --fail-level warning',
    '<%= config.bin %> lint policies --format junit > zpol-lint.xml',
    '<%= config.bin %> lint policies/demo.zpol --config ci/zpol.lint.json',
  ];

  static override strict = false; // any number of paths
  static override args = pathsArgs('lint');
  static override flags = {
    format: formatOption(LINT_FORMATS, 'Output format: pretty, json, sarif (SARIF 2.1.0), github (workflow commands) or junit (JUnit XML).'),
    'fail-level': Flags.option({
      options: ['error', 'warning'] as const,
      default: 'error' as const,
      summary: 'Exit 1 when any diagnostic is at or above this severity.',
    })(),
    config: Flags.string({
      summary: 'Configuration file to use for every file, instead of the nearest zpol.lint.json.',
    }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Lint);
    const { lintPaths, LintConfigError, atOrAbove } = await import('../../language/lint/run.ts');
    let result;
    try {
      result = lintPaths(argv as string[], { configPath: flags.config });
    } catch (error) {
      if (error instanceof LintConfigError) {
        process.stderr.write(`zpol: ${error.message}\n`);
        // A SARIF reader still gets a valid log: no results, and an invocation that failed, saying why.
        if (flags.format === 'sarif') this.print(await sarifText({ diagnostics: [], rules: [], configurationError: { file: error.file, message: error.message } }));
        process.exitCode = ExitCode.usage;
        return;
      }
      throw error;
    }
    const failLevel = flags['fail-level'];
    let text: string;
    if (flags.format === 'sarif') {
      text = await sarifText({ diagnostics: result.diagnostics, rules: result.rules });
    } else if (flags.format === 'junit') {
      const { toJunit } = await import('../../language/lint/junit.ts');
      text = toJunit({ files: result.files, diagnostics: result.diagnostics, failLevel }).trimEnd();
    } else if (flags.format === 'github') {
      const { toGithubCommands } = await import('../../language/lint/formats.ts');
      text = toGithubCommands(result.diagnostics);
    } else {
      text = renderDiagnostics(result, flags.format, 'linted').text;
    }
    if (text) this.print(text);
    process.exitCode = result.diagnostics.some((d) => atOrAbove(d.severity, failLevel)) ? ExitCode.failure : ExitCode.ok;
  }
}

/** The SARIF log of a lint run (language/lint/formats.ts), as text. */
async function sarifText(input: Omit<SarifInput, 'baseDirectory'>): Promise<string> {
  const { toSarif } = await import('../../language/lint/formats.ts');
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string; homepage?: string };
  return JSON.stringify(toSarif({ ...input, baseDirectory: process.cwd() }, { version: pkg.version, informationUri: pkg.homepage }), null, 2);
}
