/**
 * The linter: runs the rules of `rules/` over the root files of a program and applies configuration and
 * inline ignores.
 *
 * - Every diagnostic of the checker (of roots and of the modules they import) is reported as it is, as
 *   `zpol check` would. A root file with checker errors of its own is not linted: rules rely on resolved names
 *   and types, and the errors come first.
 * - Each rule reports under its id as the diagnostic code (`threshold-needs-source`), the same name that
 *   `zpol-ignore` comments and zpol.lint.json use. Compiler diagnostics keep their ZPnnnn codes.
 * - Severity: the rule's default, replaced by the applicable configuration; "off" rules do not run.
 * - `// zpol-ignore RULE: reason` (see rules/invalid-ignore.ts for the exact coverage) suppresses RULE's
 *   diagnostics on the lines it covers; one without a reason, or naming an unknown rule, suppresses nothing
 *   and is reported by `invalid-ignore`; one that suppresses nothing is reported by `unused-ignore`.
 */
import type * as A from '../ast.ts';
import { hasErrors, sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics.ts';
import { loadProgram, type CheckedFile, type Program } from '../program.ts';
import { ConfigFinder, readConfig, type LintConfig, type RuleSetting } from './config.ts';
import type { IgnoreDirective, LintRule, RuleContext } from './rule.ts';
import { RULES } from './rules/index.ts';

export { LintConfigError } from './config.ts';

export interface LintOptions {
  /** A configuration file to use for every file instead of looking for one beside each file. */
  configPath?: string;
  /** A configuration to use for every file (tests, embedding); takes precedence over `configPath`. */
  config?: LintConfig;
  /** The rules to run; all of them by default. */
  rules?: readonly LintRule[];
}

export interface LintResult {
  /** The root files, linted or not (a file with checker errors is reported but not linted). */
  files: string[];
  /** Checker and lint diagnostics, sorted. */
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  /** The rules that were available (for SARIF's rule table). */
  rules: readonly LintRule[];
}

/** Loads, checks and lints `paths` (directories walked for *.zpol). Throws LintConfigError on a bad config. */
export function lintPaths(paths: string[], options: LintOptions = {}): LintResult {
  return lintProgram(loadProgram(paths), options);
}

export function lintProgram(program: Program, options: LintOptions = {}): LintResult {
  const rules = options.rules ?? RULES;
  const ids = rules.map((r) => r.id);
  const fixed = options.config ?? (options.configPath !== undefined ? readConfig(options.configPath, ids) : undefined);
  const finder = new ConfigFinder(ids);
  const diagnostics: Diagnostic[] = [...program.diagnostics];
  for (const file of program.roots) {
    if (hasErrors(program.diagnostics.filter((d) => d.file === file.path))) continue;
    const config = fixed ?? finder.forFile(file.path);
    diagnostics.push(...lintFile(file, program, rules, config));
  }
  return { files: program.roots.map((f) => f.path), diagnostics: sortDiagnostics(diagnostics), sources: program.sources, rules };
}

function effectiveSetting(rule: LintRule, config: LintConfig | undefined): RuleSetting {
  return config?.rules[rule.id] ?? rule.severity;
}

/** Lints one checked file with no checker errors. */
function lintFile(file: CheckedFile, program: Program, rules: readonly LintRule[], config?: LintConfig): Diagnostic[] {
  const known = new Set(rules.map((r) => r.id));
  const directives = parseDirectives(file, known);
  const found: { rule: LintRule; span: A.Span; message: string }[] = [];

  for (const rule of rules) {
    if (effectiveSetting(rule, config) === 'off') continue;
    const ctx: RuleContext = {
      file,
      ast: file.ast,
      checker: file.checker,
      text: file.text,
      directives,
      checkerFor: (owner) => program.files.get(owner)?.checker,
      textOf: (node) => file.text.slice(node.span.start.offset, node.span.end.offset),
      report: (at, message) => found.push({ rule, span: 'span' in at ? at.span : at, message }),
    };
    rule.check(ctx);
  }

  const used = new Set<string>(); // `${directive index}:${rule id}`
  const kept = found.filter((f) => {
    if (SELF_REPORTED.has(f.rule.id)) return true;
    const line = f.span.start.line;
    const i = directives.findIndex((d) => !d.problem && d.rules.includes(f.rule.id) && d.coversFrom <= line && line <= d.coversTo);
    if (i < 0) return true;
    used.add(`${i}:${f.rule.id}`);
    return false;
  });

  const unused = rules.find((r) => r.id === 'unused-ignore');
  if (unused && effectiveSetting(unused, config) !== 'off') {
    directives.forEach((d, i) => {
      if (d.problem) return;
      for (const id of d.rules) {
        if (used.has(`${i}:${id}`)) continue;
        const rule = rules.find((r) => r.id === id);
        const off = rule && effectiveSetting(rule, config) === 'off' ? ` (the rule is turned off${config?.path ? ` in ${config.path}` : ''})` : '';
        const where = d.line > 0 ? `line ${d.line}${d.coversTo > d.coversFrom ? `-${d.coversTo}` : ''}` : 'any line (no code follows it)';
        kept.push({ rule: unused, span: d.comment.span, message: `'zpol-ignore ${id}' suppresses nothing: no ${id} problem on ${where}${off}; remove it` });
      }
    });
  }

  return kept.map(({ rule, span, message }) => ({
    code: rule.id,
    severity: effectiveSetting(rule, config) as Severity,
    message,
    file: file.path,
    span,
  }));
}

/** Rules about ignore comments themselves: never suppressed by one. */
const SELF_REPORTED: ReadonlySet<string> = new Set(['invalid-ignore', 'unused-ignore']);

const DIRECTIVE = /^\/\/\s*zpol-ignore(?=[\s:,]|$)(.*)$/;

/** Declarations that one ignore comment above them covers whole. */
const COVERED_WHOLE = new Set<A.Decl['kind']>(['ClauseDecl', 'VerifyDecl', 'ConstDecl', 'FnDecl', 'EnumDecl', 'UnitDecl', 'UseDecl']);

/** Finds the `// zpol-ignore` comments of a file and what each covers. */
function parseDirectives(file: CheckedFile, knownRules: ReadonlySet<string>): IgnoreDirective[] {
  const lines = file.text.split(/\r?\n/);
  const commentColumn = new Map<number, number>();
  for (const c of file.ast.comments) commentColumn.set(c.span.start.line, c.span.start.column);
  const holdsCode = (line: number): boolean => {
    const text = lines[line - 1] ?? '';
    const col = commentColumn.get(line);
    return (col === undefined ? text : text.slice(0, col - 1)).trim() !== '';
  };
  const out: IgnoreDirective[] = [];
  for (const comment of file.ast.comments) {
    const m = DIRECTIVE.exec(comment.text.trimEnd());
    if (!m) continue;
    const rest = m[1];
    const colon = rest.indexOf(':');
    const names = (colon < 0 ? rest : rest.slice(0, colon)).split(/[\s,]+/).filter(Boolean);
    const reason = colon < 0 ? '' : rest.slice(colon + 1).trim();
    let problem: string | undefined;
    const compilerCodes = names.filter((n) => /^ZP\d{4}$/i.test(n));
    const unknown = names.filter((n) => !knownRules.has(n) && !compilerCodes.includes(n));
    if (names.length === 0) problem = "this 'zpol-ignore' names no rule: write '// zpol-ignore RULE: reason'";
    else if (compilerCodes.length > 0)
      problem = `compiler diagnostics cannot be ignored (${compilerCodes.join(', ')}): fix the problem instead; 'zpol-ignore' takes lint rule ids`;
    else if (names.some((n) => SELF_REPORTED.has(n))) problem = "'invalid-ignore' and 'unused-ignore' are about ignore comments themselves and cannot be ignored: fix or remove the comment"
    else if (unknown.length > 0) problem = `unknown lint rule${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} in 'zpol-ignore'; see 'docs/lint.md' for the rules`;
    else if (!reason) problem = `'zpol-ignore ${names.join(', ')}' gives no reason: write '// zpol-ignore ${names.join(', ')}: why this is acceptable here'`;

    const own = comment.span.start.line;
    let line = -1;
    if (holdsCode(own)) line = own;
    else for (let l = own + 1; l <= lines.length; l++) if (holdsCode(l)) { line = l; break; }
    let coversTo = line;
    for (const d of file.ast.decls) {
      if (d.span.start.line === line && COVERED_WHOLE.has(d.kind)) coversTo = Math.max(coversTo, d.span.end.line);
    }
    out.push({ comment, rules: names, reason, problem, line, coversFrom: line, coversTo });
  }
  return out;
}

/** Severity order for `--fail-level`. */
export function atOrAbove(severity: Severity, level: Severity): boolean {
  return level === 'warning' || severity === 'error';
}
