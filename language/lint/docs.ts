/**
 * Renders docs/lint.md from the rule registry, so the page never drifts from the rules (test/lint-docs.test.ts
 * compares the two). Regenerate with:
 *
 *     node --import tsx language/lint/docs.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LintRule } from './rule.ts';
import { RULES } from './rules/index.ts';
import { packagePath } from '../../base/package-files.ts';

export const LINT_DOCS_PATH = packagePath('docs', 'lint.md');

export function renderLintDocs(rules: readonly LintRule[] = RULES): string {
  const out: string[] = [];
  out.push(`<!-- Generated from language/lint/rules by language/lint/docs.ts; do not edit by hand. -->

# Lint rules

\`zpol lint <paths...>\` runs the checker, then the rules below on every file the checker found no errors in.
Checker diagnostics (\`ZPnnnn\`) are reported as \`zpol check\` reports them; each lint rule reports under its id.

\`\`\`sh
zpol lint policies                                   # pretty, exits 1 on errors only
zpol lint policies --fail-level warning              # exit 1 on warnings too
zpol lint policies --format sarif > zpol.sarif       # SARIF 2.1.0 for code scanning
zpol lint policies --format github                   # GitHub Actions annotations
zpol lint policies --format junit > zpol-lint.xml    # JUnit XML for GitLab and other CI test reports
zpol lint policies --config ci/zpol.lint.json        # one configuration for every file
\`\`\`

| option | meaning |
| --- | --- |
| \`--format pretty\` | each diagnostic with its source line, then a summary (the default) |
| \`--format json\` | \`{ files, diagnostics, errors, warnings }\`, as \`zpol check --format json\` |
| \`--format sarif\` | a SARIF 2.1.0 log: every rule with its docs, every diagnostic (checker ones included) as a result; a file that does not parse is results too (its \`ZP1xxx\` syntax errors, each at its place), a configuration file that cannot be used is a failed invocation with a configuration notification (and exit 2), so the log is valid whatever the input |
| \`--format github\` | \`::error file=F,line=L,col=C,endLine=..,endColumn=..,title=RULE::message\` workflow commands |
| \`--format junit\` | JUnit XML (GitLab's \`artifacts:reports:junit\`, Jenkins): a test suite per file, a test case per diagnostic that fails when it is at or above \`--fail-level\` (a warning below it passes, its text in \`system-out\`), one passing case for a clean file |
| \`--fail-level error\\|warning\` | exit 1 when any diagnostic is at or above this severity (default \`error\`), else 0 |
| \`--config FILE\` | use FILE for every linted file instead of the nearest configuration file |

Exit status: 0 or 1 as \`--fail-level\` says; 2 on bad usage or a configuration file that cannot be used.

\`zpol explain RULE\` (or \`zpol explain ZPnnnn\`, \`ZVnnn\`) prints the section of this page, docs/diagnostics.md or
docs/verification-codes.md that explains a code.

In GitHub Actions, the composite action in \`action.yml\` lints, annotates the pull request and uploads the SARIF log
to code scanning:

\`\`\`yaml
permissions:
  security-events: write
steps:
  - uses: actions/checkout@v4
  - uses: OWNER/zpol@main
    with:
      paths: policies
      fail-level: error
\`\`\`

In GitLab CI, the JUnit report shows each problem in the merge request's test summary:

\`\`\`yaml
zpol-lint:
  script: npx zpol lint policies --format junit > zpol-lint.xml
  artifacts:
    when: always
    reports:
      junit: zpol-lint.xml
\`\`\`

## Configuration

The nearest \`zpol.lint.json\` (or \`.zpollintrc.json\`) in the linted file's directory or above it applies to
that file; the nearest file wins and files are not merged. \`--config\` names one file for all.

\`\`\`json
{ "rules": { "deprecated-threshold": "off", "clause-needs-description": "error" } }
\`\`\`

Each rule is \`"off"\` (it does not run), \`"warning"\` or \`"error"\` (replacing its default severity). Unknown
fields, unknown rule ids and other values are reported with the file and the field, and the command exits 2.

## Inline ignores

\`// zpol-ignore RULE: reason\` (or \`RULE-A, RULE-B: reason\`) silences those rules on the next line that holds
code, or on its own line when it follows code. When that line starts a declaration (a clause, \`verify\`,
\`const\`, \`fn\`, \`enum\`, \`unit\` or \`use\`), the whole declaration is covered. The reason is mandatory: an
ignore without one, or naming an unknown rule or a compiler diagnostic, suppresses nothing and is reported by
\`invalid-ignore\`; an ignore that suppresses nothing is reported by \`unused-ignore\`.

## Rules

| rule | category | severity | reports |
| --- | --- | --- | --- |
`);
  for (const r of rules) out.push(`| [\`${r.id}\`](#${r.id}) | ${r.category} | ${r.severity} | ${r.summary.replace(/\|/g, '\\|')} |\n`);
  for (const r of rules) {
    out.push(`\n### ${r.id}\n\n*${r.category}, ${r.severity} by default.* ${sentence(r.summary)}\n\n${r.docs.trim()}\n`);
  }
  return out.join('');
}

function sentence(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(LINT_DOCS_PATH, renderLintDocs());
  process.stdout.write(`wrote ${LINT_DOCS_PATH}\n`);
}
