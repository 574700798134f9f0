import { defineRule } from '../rule.ts';

export default defineRule({
  id: 'unused-ignore',
  category: 'style',
  severity: 'warning',
  summary: 'a `zpol-ignore` comment suppresses nothing',
  docs: `
An ignore comment that no longer suppresses anything (the problem was fixed, the code moved, the rule was turned
off) is noise at best; at worst it silently swallows the next problem that appears on that line. Removing it
keeps every remaining ignore meaningful.

**What it reports.** For each rule named by a valid \`zpol-ignore\` comment (see \`invalid-ignore\` for the
syntax), the rule found nothing to suppress on the lines the comment covers, including when the rule is turned
off in \`zpol.lint.json\`. The linter computes this after all other rules have run; this rule has no check of its
own.

**Bad**

\`\`\`
// zpol-ignore deprecated-threshold: historical policy
invariant below: total_flops <= CA_SB53_FRONTIER_FLOP
\`\`\`

**Good**

\`\`\`
invariant below: total_flops <= CA_SB53_FRONTIER_FLOP
\`\`\`
`,
  check() {
    // Reported by the runner (language/lint/run.ts), which alone knows what every other rule reported.
  },
});
