/**
 * What every zpol command shares: exit codes, the paths argument, the `--format` flag, error reporting (no stack
 * trace reaches the user, whatever the input) and printing a set of diagnostics.
 *
 * Commands stay thin: parse flags, call into language/, compiler/ or runtime/, print through these helpers.
 * Heavy modules are imported inside `run()` (`await import(...)`), not at the top of a command file, so that
 * `zpol --help` and usage errors do not pay for loading the whole compiler.
 */
import { readFileSync } from 'node:fs';
import { Args, Command, Errors, Flags } from '@oclif/core';
import { formatPretty, sortDiagnostics, toJson, type Diagnostic } from '../language/diagnostics.ts';
import { didYouMean } from '../language/suggest.ts';

/** Process exit codes, the same for every command. */
export const ExitCode = {
  /** The command did its job and found no errors (warnings allowed). */
  ok: 0,
  /** The command ran and found errors in its input (diagnostics, a failing check, an invalid proof). */
  failure: 1,
  /** Bad usage: unknown command or flag, missing argument, bad flag value. Nothing was done. */
  usage: 2,
  /** A bug in zpol: an unexpected exception. */
  internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const OUTPUT_FORMATS = ['pretty', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The `paths` argument of a command that works on files and directories ("files or directories to <verb>").
 * The command also sets `static strict = false` to take any number of them, which `run()` reads from `argv`
 * (each command sets it itself: oclif's parse copies only the command class's own statics, not inherited ones).
 */
export function pathsArgs(verb: string) {
  return { paths: Args.string({ required: true, description: `files or directories to ${verb}` }) };
}

/** The `--backend` flag of the proving commands (gpu/index.ts): auto uses the native CPU backend when it is built. */
export function backendFlag() {
  return Flags.option({
    options: ['auto', 'ts', 'cpu', 'cuda'] as const,
    default: 'auto' as const,
    summary: 'Proving backend: ts (TypeScript), cpu (native C++, built at install), cuda (GPU; built at install where nvcc exists), auto (cuda when a GPU answers, else cpu, else ts; the summary says why it passed one over). Proofs are the same bytes.',
  })();
}

/** The `--hash` flag of the proving commands (runtime/proof/hash-config.ts). */
export function hashFlag() {
  return Flags.option({
    options: ['blake3', 'poseidon2'] as const,
    default: 'blake3' as const,
    summary: 'Hash of the proofs\' commitments and transcript: blake3 (fast to prove and verify), poseidon2 (the recursion-friendly configuration, for proofs to be aggregated; slower). The verifier reads it from each proof file.',
  })();
}

/** The `--aggregatable` flag of the proving commands (runtime/aggregate, docs/aggregate.md). */
export function aggregatableFlag() {
  return Flags.boolean({
    default: false,
    summary: 'Make proofs to be aggregated into one run proof (zpol aggregate): the poseidon2 hash with the aggregation parameters (rate 1/16, 22 queries; POSEIDON2_AGGREGATION_PCS_PARAMS), whatever --hash says. The verifier reads it from each proof file.',
  });
}

/** A `--format` flag: one of `options`, the first one by default. */
export function formatOption<const T extends readonly [string, ...string[]]>(options: T, summary: string) {
  return Flags.option({ options, default: options[0] as T[0], summary })();
}

/** `--format pretty|json`: every command that prints a report takes it. */
export const formatFlag = formatOption(OUTPUT_FORMATS, 'Output format: pretty for people, json for tools.');

/** A bad command line that oclif's parser cannot see (a malformed flag value): exit 2, with a pointer to --help. */
export class UsageError extends Errors.CLIError {
  constructor(message: string) {
    super(message, { exit: ExitCode.usage });
  }
}

/** True for errors about the command line itself (missing argument, unknown or invalid flag, UsageError). */
function isUsageError(error: Errors.CLIError): boolean {
  return 'parse' in error || error instanceof UsageError;
}

/**
 * oclif's message for unknown flags ("Nonexistent flag: --formt"), reworded with the closest of the command's
 * flags: "unknown flag --formt; did you mean --format?". Other messages are kept.
 */
function usageMessage(error: Errors.CLIError, flagNames: readonly string[]): string {
  const unknown = (error as { flags?: unknown }).flags;
  if (!Array.isArray(unknown)) return error.message.replace(/\n?See more help with --help\s*$/, '');
  const options = flagNames.map((f) => `--${f}`);
  return unknown
    .map((flag: string) => {
      const name = flag.split('=')[0]!;
      return `unknown flag ${name}${name.startsWith('--') ? didYouMean(name, options) : ''}`;
    })
    .join('\n');
}

/**
 * Reports an error that escaped a command (or oclif itself) on stderr and returns the exit code for it.
 * oclif's own errors print their message; anything else is a bug and prints one line without a stack trace.
 * `flagNames`, the command's flags, give unknown flags a "did you mean".
 */
export function reportError(error: unknown, commandId?: string, flagNames: readonly string[] = []): number {
  if (error instanceof Errors.ExitError) return error.oclif.exit ?? ExitCode.failure;
  if (error instanceof Errors.CLIError) {
    if (!isUsageError(error)) {
      process.stderr.write(`zpol: ${error.message}\n`);
      return error.oclif.exit ?? ExitCode.usage;
    }
    const message = usageMessage(error, flagNames);
    const help = commandId ? `zpol ${commandId} --help` : 'zpol --help';
    process.stderr.write(`zpol: ${message}\nSee '${help}'.\n`);
    return ExitCode.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`zpol: internal error: ${message} (please report this)\n`);
  return ExitCode.internal;
}

/** Base class of every zpol command. */
export abstract class ZpolCommand extends Command {
  /** Replaces oclif's handler: usage errors exit 2, unexpected exceptions exit 3, never a stack trace. */
  protected override async catch(error: Error & { exitCode?: number }): Promise<void> {
    process.exitCode = reportError(error, this.id, Object.keys((this.constructor as typeof Command).flags ?? {}));
  }

  /** Writes `text` and a newline to stdout. */
  protected print(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  /** Prints a diagnostics report (see renderDiagnostics) and sets the exit code from it. */
  protected reportDiagnostics(report: DiagnosticReport, format: OutputFormat, verb: string): void {
    const { text, exitCode } = renderDiagnostics(report, format, verb);
    this.print(text);
    process.exitCode = exitCode;
  }
}

/** The files a command looked at, what it found in them and their text (for source excerpts). */
export interface DiagnosticReport {
  files: string[];
  diagnostics: Diagnostic[];
  sources: ReadonlyMap<string, string>;
}

/**
 * The text of a diagnostics report and the exit code it calls for (1 if any diagnostic is an error).
 * pretty: each diagnostic with its source line, blank lines between, then `<verb> N files: E errors, W warnings`.
 * json: `{ files, diagnostics, errors, warnings }`.
 */
export function renderDiagnostics(report: DiagnosticReport, format: OutputFormat, verb: string): { text: string; exitCode: ExitCode } {
  const diagnostics = sortDiagnostics(report.diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const exitCode = errors > 0 ? ExitCode.failure : ExitCode.ok;
  if (format === 'json') {
    return { text: JSON.stringify({ files: report.files, diagnostics: diagnostics.map(toJson), errors, warnings }, null, 2), exitCode };
  }
  const blocks = diagnostics.map((d) => formatPretty(d, report.sources.get(d.file)));
  blocks.push(`${verb} ${plural(report.files.length, 'file')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return { text: blocks.join('\n\n'), exitCode };
}

/**
 * Reads a source file as UTF-8. A file that cannot be read yields a ZP6004 diagnostic instead of an
 * exception, so commands that read files themselves (fmt) report it like any other problem.
 */
export function readSource(file: string): { text: string } | { diagnostic: Diagnostic } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
    const start = { offset: 0, line: 1, column: 1 };
    return {
      diagnostic: { code: 'ZP6004', severity: 'error', message: `cannot read ${file}: ${reason}`, file, span: { start, end: start } },
    };
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
