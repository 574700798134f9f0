/**
 * Runs the zpol CLI (bin/run.js calls this once tsx is registered). oclif finds the commands through the
 * `oclif` section of package.json (explicit strategy: the `commands` export of cli/commands.ts).
 *
 * Every way out sets an exit code from cli/base.ts's ExitCode and none prints a JavaScript stack trace:
 * errors inside a command are reported by ZpolCommand.catch, errors before one starts (unknown command) here,
 * and anything that escapes both by the process-level handlers below.
 */
import { flush, run } from '@oclif/core';
import { ExitCode, reportError } from './base.ts';

export async function main(argv: string[]): Promise<void> {
  const internal = (error: unknown) => {
    reportError(error);
    process.exit(ExitCode.internal);
  };
  process.on('uncaughtException', internal);
  process.on('unhandledRejection', internal);
  // A reader that stops early (`zpol check . | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    internal(error);
  });

  try {
    await run(argv, import.meta.url);
    await flush();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
