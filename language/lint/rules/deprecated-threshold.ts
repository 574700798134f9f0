import { defineRule } from '../rule.ts';
import { forEachExpr } from '../util.ts';

export default defineRule({
  id: 'deprecated-threshold',
  category: 'regulatory',
  severity: 'warning',
  summary: 'a constant marked `deprecated` is used',
  docs: `
Regulatory thresholds lapse: Executive Order 14110's reporting thresholds were revoked by Executive Order 14148
on 20 January 2025, and the AI Act lets the Commission amend its 10^25 FLOP presumption by delegated act. A
constant declared with \`deprecated "why"\` (as the EO 14110 values in \`std.thresholds\` are) no longer has the
force its \`source\` cites, so a policy built on it may prove compliance with a rule that no longer exists.

**What it reports.** Every use of a constant declared with \`deprecated "..."\`, in any expression of the file
(clauses, constants, functions, compute checks), with the deprecation text. Importing it is not reported; the
checker already reports an import that is never used.

Historical policies kept on purpose (a run that committed to the old rule) can silence each use with
\`// zpol-ignore deprecated-threshold: REASON\`, or turn the rule off for their directory in \`zpol.lint.json\`.

**Bad**

\`\`\`
use std.thresholds.{EO_14110_GENERAL_FLOP}
invariant below: total_flops <= EO_14110_GENERAL_FLOP
\`\`\`

**Good**

\`\`\`
use std.thresholds.{CA_SB53_FRONTIER_FLOP}
invariant below: total_flops <= CA_SB53_FRONTIER_FLOP
\`\`\`
`,
  check(ctx) {
    forEachExpr(ctx.ast, (e) => {
      if (e.kind !== 'NameRef') return;
      const sym = ctx.checker.resolved.get(e.name);
      if (sym?.kind !== 'const' || !sym.decl.deprecated) return;
      ctx.report(e, `'${e.name.name}' is deprecated: ${sym.decl.deprecated.value}`);
    });
  },
});
