// The `zpol` executable end to end: spawned as users run it (node bin/run.js), so these tests cover the build or
// the tsx loader (test/helpers.ts), oclif's configuration in package.json and the exit-code contract in cli/base.ts.
import { join } from 'node:path';
import { Errors } from '@oclif/core';
import { describe, expect, it, vi } from 'vitest';
import { ExitCode, readSource, renderDiagnostics, reportError } from '../cli/base.ts';
import type { Diagnostic } from '../language/diagnostics.ts';
import { root, zpol } from './helpers.ts';

/** What must never reach a user: a JavaScript stack frame. */
const STACK_FRAME = /^\s+at .+[:(]/m;

describe('zpol CLI', () => {
  it('lists check with a one-line summary in --help', () => {
    const { status, stdout, stderr } = zpol(['--help']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^ {2}check {2,}\S.*\S$/m);
  });

  it.each([
    ['no paths', ['check']],
    ['an unknown --format value', ['check', '--format', 'bogus', 'x']],
    ['an unknown flag', ['check', '--bogus', 'x']],
    ['an unknown command', ['bogus']],
    ['a malformed --steps', ['prove', 'policies/demo.zpol', '--run', 'r', '--out', 'o', '--steps', 'abc']],
  ])('exits 2 without a stack trace on %s', (_, args) => {
    const { status, stdout, stderr } = zpol(args);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^zpol: /);
    expect(stderr + stdout).not.toMatch(STACK_FRAME);
  });

  it('suggests the closest command or flag for an unknown one', () => {
    const command = zpol(['chek', 'policies']);
    expect(command.status).toBe(2);
    expect(command.stderr).toBe("zpol: unknown command 'chek'; did you mean 'check'?\nSee 'zpol --help'.\n");
    const flag = zpol(['check', '--formt', 'json', 'policies']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/^zpol: unknown flag --formt; did you mean '--format'\?\nSee 'zpol check --help'\.\n/);
  });

  it('takes --format pretty|json on every command that prints a report (fmt prints the formatted text, lsp speaks LSP)', async () => {
    const { commands } = await import('../cli/commands.ts');
    const without = Object.entries(commands)
      .filter(([, command]) => !('format' in command.flags))
      .map(([id]) => id);
    expect(without).toEqual(['fmt', 'lsp']);
  });
});

describe('reportError', () => {
  function capture(run: () => number) {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = run();
      return { code, stderr: spy.mock.calls.map(([chunk]) => String(chunk)).join('') };
    } finally {
      spy.mockRestore();
    }
  }

  it('reports an unexpected exception as an internal error, exit 3, one line', () => {
    const { code, stderr } = capture(() => reportError(new TypeError('x is undefined')));
    expect(code).toBe(ExitCode.internal);
    expect(stderr).toBe('zpol: internal error: x is undefined (please report this)\n');
  });

  it('passes an explicit exit through silently', () => {
    const { code, stderr } = capture(() => reportError(new Errors.ExitError(1)));
    expect(code).toBe(1);
    expect(stderr).toBe('');
  });
});

describe('renderDiagnostics', () => {
  const at = (line: number, column: number, width: number) => ({
    start: { offset: 0, line, column },
    end: { offset: 0, line, column: column + width },
  });
  const report = {
    files: ['b.zpol', 'a.zpol'],
    sources: new Map([['a.zpol', 'policy p version 1\ninvariant i: BAD > 0\n']]),
    diagnostics: [
      { code: 'ZP2016', severity: 'warning', message: 'unused declaration `k`', file: 'b.zpol', span: at(3, 7, 1) },
      { code: 'ZP2001', severity: 'error', message: 'unknown name `BAD`', file: 'a.zpol', span: at(2, 14, 3) },
    ] satisfies Diagnostic[],
  };

  it('prints sorted diagnostics with source excerpts, then a summary; errors exit 1', () => {
    const { text, exitCode } = renderDiagnostics(report, 'pretty', 'checked');
    expect(exitCode).toBe(ExitCode.failure);
    expect(text).toBe(
      [
        'a.zpol:2:14: error ZP2001: unknown name `BAD`',
        '  |',
        '2 | invariant i: BAD > 0',
        '  |              ^^^',
        '',
        'b.zpol:3:7: warning ZP2016: unused declaration `k`',
        '',
        'checked 2 files: 1 error, 1 warning',
      ].join('\n'),
    );
  });

  it('prints the same report as JSON', () => {
    const { text, exitCode } = renderDiagnostics(report, 'json', 'checked');
    expect(exitCode).toBe(ExitCode.failure);
    const json = JSON.parse(text);
    expect(json).toMatchObject({ files: ['b.zpol', 'a.zpol'], errors: 1, warnings: 1 });
    expect(json.diagnostics.map((d: { code: string }) => d.code)).toEqual(['ZP2001', 'ZP2016']);
    expect(json.diagnostics[0]).toEqual({
      file: 'a.zpol', line: 2, column: 14, endLine: 2, endColumn: 17, severity: 'error', code: 'ZP2001', message: 'unknown name `BAD`',
    });
  });

  it('exits 0 when there are only warnings', () => {
    const { text, exitCode } = renderDiagnostics({ ...report, files: ['b.zpol'], diagnostics: [report.diagnostics[0]] }, 'pretty', 'checked');
    expect(exitCode).toBe(ExitCode.ok);
    expect(text.endsWith('checked 1 file: 0 errors, 1 warning')).toBe(true);
  });
});

describe('readSource', () => {
  it('turns an unreadable file into a ZP6004 diagnostic', () => {
    const result = readSource(join(root, 'test/fixtures/does-not-exist.zpol'));
    expect('diagnostic' in result && result.diagnostic.code).toBe('ZP6004');
  });
});
