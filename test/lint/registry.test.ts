// The rule registry's contract: one file per rule named by its id, each documented (with a bad and a good
// example) and tested, and docs/lint.md generated from exactly these rules.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LINT_DOCS_PATH, renderLintDocs } from '../../language/lint/docs.ts';
import { RULE_CATEGORIES } from '../../language/lint/rule.ts';
import { RULES } from '../../language/lint/rules/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('lint rule registry', () => {
  it('has unique kebab-case ids', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/);
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s: own file, category, severity, summary, docs with examples, tests', (id, rule) => {
    expect(existsSync(`${root}language/lint/rules/${id}.ts`)).toBe(true);
    expect(existsSync(`${root}test/lint/${id}.test.ts`)).toBe(true);
    expect(RULE_CATEGORIES).toContain(rule.category);
    expect(['error', 'warning']).toContain(rule.severity);
    expect(rule.summary).toMatch(/^[a-z`].*[^.]$/);
    expect(rule.docs).toContain('**What it reports.**');
    expect(rule.docs).toContain('**Bad**');
    expect(rule.docs).toContain('**Good**');
  });

  it('docs/lint.md is generated from the rules (regenerate: node --import tsx language/lint/docs.ts)', () => {
    expect(readFileSync(LINT_DOCS_PATH, 'utf8')).toBe(renderLintDocs());
  });
});
