import { defineRule } from '../rule.ts';

export default defineRule({
  id: 'clause-needs-description',
  category: 'style',
  severity: 'warning',
  summary: 'an attest, invariant or verify has no description',
  docs: `
A proof report names every clause a run met or failed. A description says what the clause means in the rule's
own words ("Cumulative compute at most 10^25 FLOP (Art. 51(2))"), which is what an auditor, a regulator or a
model card quotes; a bare identifier such as \`below_presumption\` leaves them to read the expression.

**What it reports.** An \`attest\`, \`invariant\` or \`verify\` declared without the optional description
string after its name. Outputs are not reported: their \`reveal\` text already explains them.

**Bad**

\`\`\`
invariant below_presumption: total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
\`\`\`

**Good**

\`\`\`
invariant below_presumption "Cumulative compute at most 10^25 FLOP (Art. 51(2))":
  total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
\`\`\`
`,
  check(ctx) {
    for (const d of ctx.ast.decls) {
      if (d.kind === 'ClauseDecl' && d.clause !== 'output' && !d.description) {
        ctx.report(d.name, `${d.clause} '${d.name.name}' has no description: add one after the name, in the rule's own words, for reports`);
      } else if (d.kind === 'VerifyDecl' && !d.description) {
        ctx.report(d.name, `verify '${d.name.name}' has no description: add one after the name saying which product it checks`);
      }
    }
  },
});
