import { defineRule } from '../rule.ts';

export default defineRule({
  id: 'invalid-ignore',
  category: 'style',
  severity: 'error',
  summary: 'a `zpol-ignore` comment names no rule, an unknown rule or a compiler diagnostic, or gives no reason',
  docs: `
An ignore comment switches a check off where it matters most: at a threshold, a share bound or a disclosure
someone found inconvenient. Each one must say which rule it silences and why, so that a reviewer can judge the
reason; a comment that silences something else than intended (a misspelt rule) must not pass unnoticed.

**The syntax.** \`// zpol-ignore RULE: reason\`, or several rules separated by commas
(\`// zpol-ignore RULE-A, RULE-B: reason\`). On a line of its own it covers the next line that holds code; after
code on the same line it covers that line. When the covered line starts a declaration (a clause, \`verify\`,
\`const\`, \`fn\`, \`enum\`, \`unit\` or \`use\`, not a \`spec\`/\`step\`/\`state\` or \`on step\` block), it covers the
whole declaration, so one comment above a clause written over several lines covers all of it.

**What it reports.** An ignore comment that names no rule, names a rule zpol does not have, names a compiler
diagnostic (\`ZP2016\`: those are fixed, not ignored) or one of the two rules about ignore comments
(\`invalid-ignore\`, \`unused-ignore\`), or has no reason after the colon. Such a comment
suppresses nothing.

**Bad**

\`\`\`
// zpol-ignore deprecated-threshold
invariant below: total_flops <= EO_14110_GENERAL_FLOP
\`\`\`

**Good**

\`\`\`
// zpol-ignore deprecated-threshold: kept for runs that committed to EO 14110 before its revocation
invariant below: total_flops <= EO_14110_GENERAL_FLOP
\`\`\`
`,
  check(ctx) {
    for (const d of ctx.directives) {
      if (d.problem) ctx.report(d.comment, d.problem);
    }
  },
});
