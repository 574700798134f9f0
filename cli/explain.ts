/**
 * `zpol explain CODE`: what a code means and how to fix it, from the page that documents it: a source diagnostic
 * (ZPnnnn, docs/diagnostics.md), a verification code (ZVnnn, docs/verification-codes.md) or a lint rule
 * (its id, the rule's own documentation, which docs/lint.md is generated from); a policy that checks but does
 * not compile (ZP7nnn) is explained by its row of docs/compiler.md's table of errors.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../base/package-files.ts';
import { DIAGNOSTIC_CODES } from '../language/diagnostics.ts';
import { RULES } from '../language/lint/rules/index.ts';
import { VERIFY_CODES } from '../runtime/chain/codes.ts';
import { LOWERING_CODES } from '../compiler/lower.ts';

export interface Explanation {
  code: string;
  kind: 'diagnostic' | 'verification' | 'lint';
  /** One line. */
  summary: string;
  /** Markdown: the code's section of its page. */
  text: string;
  /** The page it comes from, relative to the package. */
  source: string;
}

/** Every code `explain` knows, in the order of the pages. */
export function knownCodes(): string[] {
  return [...Object.keys(DIAGNOSTIC_CODES), ...Object.values(LOWERING_CODES), ...Object.keys(VERIFY_CODES), ...RULES.map((r) => r.id)];
}

/** The explanation of `code` (any case), or undefined for a code zpol does not have. */
export function explain(code: string): Explanation | undefined {
  const upper = code.trim().toUpperCase();
  if (Object.hasOwn(DIAGNOSTIC_CODES, upper)) {
    const known = DIAGNOSTIC_CODES[upper as keyof typeof DIAGNOSTIC_CODES];
    return { code: upper, kind: 'diagnostic', summary: `${known.summary} (${known.severity})`, text: section('docs/diagnostics.md', upper), source: 'docs/diagnostics.md' };
  }
  if ((Object.values(LOWERING_CODES) as string[]).includes(upper)) {
    const row = readFileSync(packagePath('docs', 'compiler.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`| ${upper} |`));
    if (!row) throw new Error(`docs/compiler.md has no row for ${upper}`);
    const meaning = row.split('|')[2]!.trim();
    return { code: upper, kind: 'diagnostic', summary: 'the policy checks but does not compile (error)', text: `### ${upper}: the policy does not compile (error)\n\n${meaning.charAt(0).toUpperCase()}${meaning.slice(1)}.`, source: 'docs/compiler.md' };
  }
  if (Object.hasOwn(VERIFY_CODES, upper)) {
    const summary = VERIFY_CODES[upper as keyof typeof VERIFY_CODES];
    // Some sections are a heading alone (the chain's codes say all in it): the registry's line then explains.
    const text = section('docs/verification-codes.md', upper);
    return { code: upper, kind: 'verification', summary, text: text.includes('\n') ? text : `${text}\n\n${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`, source: 'docs/verification-codes.md' };
  }
  const rule = RULES.find((r) => r.id === code.trim().toLowerCase());
  if (rule) {
    return { code: rule.id, kind: 'lint', summary: `${rule.summary} (${rule.category}, ${rule.severity} by default)`, text: `### ${rule.id}: ${rule.summary}\n\n${rule.docs.trim()}`, source: 'docs/lint.md' };
  }
  return undefined;
}

/** The `### CODE: ...` section of a page, up to the next heading of its level or above. */
function section(page: string, code: string): string {
  const lines = readFileSync(packagePath(...page.split('/')), 'utf8').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^###\\s+${code}\\b`).test(l));
  if (start < 0) throw new Error(`${page} has no section for ${code}`);
  let end = start + 1;
  while (end < lines.length && !/^#{1,3}\s/.test(lines[end]!)) end++;
  return lines.slice(start, end).join('\n').trim();
}
