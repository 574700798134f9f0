/**
 * JUnit XML for a lint report, the format GitLab (`artifacts:reports:junit`), Jenkins and most CI systems read as
 * test results. One test suite per file; in it one test case per diagnostic, named `CODE at LINE:COL`, which fails
 * when the diagnostic is at or above the fail level (a warning below it passes, its text in `system-out`), and one
 * passing case for a file with nothing to report, so that every file checked is counted.
 */
import { sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics.ts';

export interface JunitInput {
  /** Every file checked, in order (those without diagnostics too). */
  files: readonly string[];
  diagnostics: readonly Diagnostic[];
  /** A diagnostic at or above this severity is a failure. */
  failLevel: Severity;
}

const RANK: Record<Severity, number> = { warning: 1, error: 2 };

export function toJunit(input: JunitInput): string {
  const diagnostics = sortDiagnostics(input.diagnostics);
  const files = [...new Set([...input.files, ...diagnostics.map((d) => d.file)])];
  const fails = (d: Diagnostic) => RANK[d.severity] >= RANK[input.failLevel];
  const suites = files.map((file) => {
    const own = diagnostics.filter((d) => d.file === file);
    const failures = own.filter(fails).length;
    const cases = own.map((d) => {
      const where = `${d.file}:${d.span.start.line}:${d.span.start.column}`;
      const name = attr(`${d.code} at ${d.span.start.line}:${d.span.start.column}`);
      const body = `${where}: ${d.severity} ${d.code}: ${d.message}`;
      return fails(d)
        ? `    <testcase classname="${attr(file)}" name="${name}" file="${attr(file)}" line="${d.span.start.line}">\n      <failure type="${attr(d.code)}" message="${attr(d.message)}">${text(body)}</failure>\n    </testcase>`
        : `    <testcase classname="${attr(file)}" name="${name}" file="${attr(file)}" line="${d.span.start.line}">\n      <system-out>${text(body)}</system-out>\n    </testcase>`;
    });
    if (cases.length === 0) cases.push(`    <testcase classname="${attr(file)}" name="no problems" file="${attr(file)}"/>`);
    return `  <testsuite name="${attr(file)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const tests = files.reduce((n, f) => n + Math.max(1, diagnostics.filter((d) => d.file === f).length), 0);
  const failures = diagnostics.filter(fails).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="zpol lint" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}

/** Characters XML 1.0 cannot hold at all (controls but tab, newline and carriage return; lone surrogates; U+FFFE/F), written as `\uXXXX`. */
function legal(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function text(s: string): string {
  return legal(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
