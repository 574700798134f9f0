/**
 * Diagnostics: every problem zpol reports about a source file has a stable numbered code, a severity, a
 * message and a span. Codes are grouped by layer: ZP1xxx syntax, ZP2xxx names and types, ZP3xxx units,
 * ZP4xxx privacy, ZP5xxx numerics and static bounds, ZP6xxx modules and files. Lint rules report under
 * their rule id instead (see language/lint).
 */
import type { Span } from './ast.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  span: Span;
}

/** Every compiler diagnostic code with its default severity and a one-line summary (docs/diagnostics.md). */
export const DIAGNOSTIC_CODES = {
  ZP1001: { severity: 'error', summary: 'unexpected character' },
  ZP1002: { severity: 'error', summary: 'unterminated string literal' },
  ZP1003: { severity: 'error', summary: 'syntax error: unexpected token' },
  ZP1004: { severity: 'error', summary: 'malformed number literal' },
  ZP1005: { severity: 'error', summary: 'missing or misplaced file header' },

  ZP2001: { severity: 'error', summary: 'unknown name' },
  ZP2002: { severity: 'error', summary: 'duplicate declaration' },
  ZP2003: { severity: 'error', summary: 'type mismatch' },
  ZP2004: { severity: 'error', summary: 'unknown record field' },
  ZP2005: { severity: 'error', summary: 'wrong number of arguments' },
  ZP2006: { severity: 'error', summary: 'not a function' },
  ZP2007: { severity: 'error', summary: 'assignment to something that is not a state field' },
  ZP2008: { severity: 'error', summary: 'unknown enum member' },
  ZP2009: { severity: 'error', summary: 'clause reads data it may not see' },
  ZP2010: { severity: 'error', summary: 'declaration not allowed in this kind of file' },
  ZP2011: { severity: 'error', summary: 'record block declared twice' },
  ZP2012: { severity: 'error', summary: 'recursive definition' },
  ZP2013: { severity: 'error', summary: 'field modifier or initial value not allowed here' },
  ZP2014: { severity: 'error', summary: 'unknown or missing compute-check setting' },
  ZP2015: { severity: 'error', summary: 'unknown type' },
  ZP2016: { severity: 'warning', summary: 'unused declaration' },
  ZP2017: { severity: 'warning', summary: 'unused import' },
  ZP2018: { severity: 'error', summary: "misplaced or malformed 'from' on a spec field" },
  ZP2019: { severity: 'error', summary: 'rows of a tensor no compute check opens' },
  ZP2020: { severity: 'error', summary: 'one label tensor counted with two row counts' },
  ZP2021: { severity: 'error', summary: 'a source registry that does not fit together' },
  ZP2022: { severity: 'error', summary: 'an embedding check whose tensors do not fit together' },
  ZP2023: { severity: 'error', summary: 'committed weights read outside genesis, or one layout with two tensor counts' },
  ZP2024: { severity: 'error', summary: "a compute check's weights binding that is not well formed" },
  ZP2025: { severity: 'warning', summary: "a draw's proof of work past about an hour of one core" },

  ZP3001: { severity: 'error', summary: 'incompatible units' },
  ZP3002: { severity: 'error', summary: 'unknown unit' },
  ZP3003: { severity: 'error', summary: 'unit on a type that cannot carry one' },

  ZP4001: { severity: 'error', summary: 'public output computed from private data without `reveal`' },
  ZP4002: { severity: 'warning', summary: '`reveal` on an output that discloses nothing private' },

  ZP5001: { severity: 'error', summary: 'array length or loop bound is not a constant' },
  ZP5002: { severity: 'error', summary: 'array length or loop bound out of range' },
  ZP5003: { severity: 'error', summary: 'division by zero in a constant' },
  ZP5004: { severity: 'error', summary: 'constant index out of bounds' },
  ZP5005: { severity: 'error', summary: 'not an integer' },
  ZP5006: { severity: 'error', summary: 'compute-check parameter out of range' },

  ZP6001: { severity: 'error', summary: 'module not found' },
  ZP6002: { severity: 'error', summary: 'name not exported by module' },
  ZP6003: { severity: 'error', summary: 'import cycle' },
  ZP6004: { severity: 'error', summary: 'cannot read file' },
  ZP6005: { severity: 'error', summary: 'imported file is a policy, not a module' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Collects diagnostics for one file; checks and parsers report through it. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly file: string) {}

  report(code: DiagnosticCode, span: Span, message: string): void {
    this.diagnostics.push({ code, severity: DIAGNOSTIC_CODES[code].severity, message, file: this.file, span });
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code: output is the same on every run. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.span.start.offset - b.span.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/**
 * `path:line:col: error ZPnnnn: message`, then the source line and a caret under the span (as many carets as
 * the span is wide on its first line).
 */
export function formatPretty(diagnostic: Diagnostic, sourceText: string | undefined): string {
  const { file, span, severity, code, message } = diagnostic;
  const head = `${file}:${span.start.line}:${span.start.column}: ${severity} ${code}: ${message}`;
  if (sourceText === undefined) return head;
  const lines = sourceText.split(/\r?\n/);
  const lineText = lines[span.start.line - 1];
  if (lineText === undefined) return head;
  const gutter = String(span.start.line);
  const width =
    span.end.line === span.start.line ? Math.max(1, span.end.column - span.start.column) : Math.max(1, lineText.length - span.start.column + 1);
  const caretPad = lineText.slice(0, span.start.column - 1).replace(/[^\t]/g, ' ');
  return [
    head,
    `${' '.repeat(gutter.length)} |`,
    `${gutter} | ${lineText}`,
    `${' '.repeat(gutter.length)} | ${caretPad}${'^'.repeat(width)}`,
  ].join('\n');
}

/** The JSON form of a diagnostic, as `--format json` prints it. */
export function toJson(diagnostic: Diagnostic): object {
  const { file, span, severity, code, message } = diagnostic;
  return {
    file,
    line: span.start.line,
    column: span.start.column,
    endLine: span.end.line,
    endColumn: span.end.column,
    severity,
    code,
    message,
  };
}
