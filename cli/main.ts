/**
 * Runs the zpol CLI (bin/run.js calls this, from dist/ or through tsx). oclif finds the commands through the
 * `oclif` section of package.json (explicit strategy: the `commands` export of cli/commands.ts), retargeted at
 * dist/cli/commands.js when this module is the compiled one.
 *
 * Every way out sets an exit code from cli/base.ts's ExitCode and none prints a JavaScript stack trace:
 * errors inside a command are reported by ZpolCommand.catch, errors before one starts (unknown command) here,
 * and anything that escapes both by the process-level handlers below.
 */
import { readFileSync } from 'node:fs';
import { extname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flush, run, settings } from '@oclif/core';
import { ExitCode, reportError } from './base.ts';
import { commands } from './commands.ts';
import { didYouMean } from '../language/suggest.ts';
import { PACKAGE_ROOT, packagePath } from '../base/package-files.ts';

/** package.json with its command map pointed at the one beside this module: cli/commands.ts, or dist/cli/commands.js. */
function packageJson() {
  const pjson = JSON.parse(readFileSync(packagePath('package.json'), 'utf8'));
  const self = fileURLToPath(import.meta.url);
  pjson.oclif.commands.target = `./${relative(PACKAGE_ROOT, fileURLToPath(new URL(`./commands${extname(self)}`, import.meta.url)))}`;
  return pjson;
}

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

  // oclif says only "command X not found"; name the closest commands instead.
  const [first] = argv;
  if (first !== undefined && !first.startsWith('-') && !Object.hasOwn(commands, first)) {
    process.stderr.write(`zpol: unknown command '${first}'${didYouMean(first, Object.keys(commands))}\nSee 'zpol --help'.\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  // bin/run.js has chosen between the build and tsx; oclif must not register a TypeScript loader of its own.
  settings.enableAutoTranspile = false;
  try {
    await run(argv, { root: PACKAGE_ROOT, pjson: packageJson() });
    await flush();
  } catch (error) {
    process.exitCode = reportError(error);
  }
}
