/**
 * The shape of a lint rule, modelled on ESLint and Regal: one rule per file under `rules/`, each with an id,
 * a category, a default severity, a one-line summary, markdown docs (why it matters, a bad and a good
 * example) and a `check` that walks one checked file and reports through its context.
 *
 * Rules run only on files the checker found no errors in, so they may rely on names being resolved and
 * expressions being typed (`checker.types`, `checker.resolved`). They must still not throw on odd input:
 * a type can be `error` where an imported module had problems of its own.
 */
import type * as A from '../ast.ts';
import type { FileChecker } from '../checker/check-file.ts';
import type { Severity } from '../diagnostics.ts';
import type { CheckedFile } from '../program.ts';

export type RuleCategory = 'regulatory' | 'soundness' | 'privacy' | 'assurance' | 'style';

export const RULE_CATEGORIES: readonly RuleCategory[] = ['regulatory', 'soundness', 'privacy', 'assurance', 'style'];

export interface LintRule {
  /** kebab-case, stable: the diagnostic code, the name in `zpol-ignore` comments and in zpol.lint.json. */
  id: string;
  category: RuleCategory;
  /** The default severity; zpol.lint.json may change it or turn the rule off. */
  severity: Severity;
  /** One line, no trailing period: what the rule reports. */
  summary: string;
  /** Markdown: what the rule detects exactly, why it matters, a bad and a good example. */
  docs: string;
  check(ctx: RuleContext): void;
}

/** A parsed `// zpol-ignore RULE[, RULE...]: reason` comment. */
export interface IgnoreDirective {
  comment: A.Comment;
  /** The rule ids named, as written. */
  rules: string[];
  /** The text after the colon, trimmed; empty when missing. */
  reason: string;
  /** What is wrong with the comment itself (no rule named, no reason), if anything. */
  problem: string | undefined;
  /** The line the directive applies to: its own line when it trails code, else the next line holding code. */
  line: number;
  /** The lines it covers: `line`, and the whole declaration when one starts on `line`. */
  coversFrom: number;
  coversTo: number;
}

export interface RuleContext {
  readonly file: CheckedFile;
  readonly ast: A.SourceFile;
  readonly checker: FileChecker;
  readonly text: string;
  /** The checker of the file that declares an imported symbol (`Symbol.owner`), for following definitions. */
  checkerFor(owner: string): FileChecker | undefined;
  /** The ignore comments of the file (rules about the comments themselves read them). */
  readonly directives: readonly IgnoreDirective[];
  /** The source text of a node, as written. */
  textOf(node: { span: A.Span }): string;
  /** Reports a problem at a node or span under this rule's id. */
  report(at: { span: A.Span } | A.Span, message: string): void;
}

/** Identity helper that type-checks a rule definition. */
export function defineRule(rule: LintRule): LintRule {
  return rule;
}
