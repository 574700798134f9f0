import type * as A from '../../ast.ts';
import type { FileChecker } from '../../checker/check-file.ts';
import { dimToString } from '../../checker/types.ts';
import { formatValue } from '../../checker/values.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { conditionClauses, forEachExpr, hasUnit, ORDER_OPS, unparen, type ConstSymbol } from '../util.ts';

export default defineRule({
  id: 'threshold-needs-source',
  category: 'regulatory',
  severity: 'warning',
  summary: 'a threshold with a unit in an attest or invariant is a bare number, or a constant without a `source`',
  docs: `
A regulatory threshold is only as trustworthy as its provenance. A reviewer reading \`total <= 1e25 FLOP\` cannot
tell whether 1e25 is the AI Act's presumption, a typo for 1e26, or a number the author chose. Naming the value
and citing where it comes from (\`const ... source "Regulation (EU) 2024/1689, Art. 51(2)"\`) makes the policy
auditable, and lets one constant in \`std.thresholds\` be corrected (or marked \`deprecated\`) for every policy.

**What it reports.** In every \`attest\` and \`invariant\` clause, each ordered comparison (\`<\`, \`<=\`, \`>\`,
\`>=\`) and each \`in [lo, hi]\` whose one side reads private data (the spec, the state) and whose other side does
not; that other side is the *threshold*. Inside a threshold it reports:

- a number literal written with a unit (\`1e25 FLOP\`, \`100M USD\`), unless its value is zero (\`0 FLOP\` is a
  structural bound, not a threshold);
- a use of a constant whose type carries a unit and that has no *provenance*: neither a \`source "..."\` of its
  own nor, in its defining expression, a use of a constant that has one (\`const HALF = EU_LIMIT / 2\` inherits
  the source of \`EU_LIMIT\`).

Dimensionless thresholds (shares such as \`30%\`, counts, tolerances) are not reported: they are usually the
policy's own structural choices rather than figures taken from a rule.

**Bad**

\`\`\`
const FLOP_CAP = 1e25 FLOP
invariant capped: total_flops <= FLOP_CAP
invariant capped_too: total_flops <= 1e25 FLOP
\`\`\`

**Good**

\`\`\`
use std.thresholds.{EU_AI_ACT_SYSTEMIC_RISK_FLOP}
invariant capped: total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP

// or a constant of the policy's own, saying where the value comes from
const FLOP_CAP: int FLOP = 1e25 FLOP
  source "Regulation (EU) 2024/1689 (AI Act), Art. 51(2)"
\`\`\`

A bound that is the policy's own choice can say so: \`source "this policy's own cap, not a legal threshold"\`.
`,
  check(ctx) {
    const seen = new Set<A.Expr>();
    for (const clause of conditionClauses(ctx.ast)) {
      forEachExpr(clause.value, (e) => {
        for (const threshold of thresholdSides(ctx.checker, e)) {
          if (seen.has(threshold)) continue;
          seen.add(threshold);
          inspectThreshold(ctx, threshold);
        }
      });
    }
  },
});

/** The public side(s) of a comparison whose other side is private. */
function thresholdSides(checker: FileChecker, e: A.Expr): A.Expr[] {
  const priv = (x: A.Expr) => checker.isPrivate(x);
  if (e.kind === 'BinaryExpr' && ORDER_OPS.has(e.op)) {
    if (priv(e.left) && !priv(e.right)) return [e.right];
    if (priv(e.right) && !priv(e.left)) return [e.left];
    return [];
  }
  if (e.kind === 'InRangeExpr' && priv(e.value)) return [e.low, e.high].filter((x) => !priv(x));
  return [];
}

function inspectThreshold(ctx: RuleContext, threshold: A.Expr): void {
  const visit = (node: A.Expr): void => {
    const e = unparen(node);
    if (e.kind === 'NumberLiteral') {
      if (e.unit && e.num !== 0n) {
        ctx.report(
          e,
          `threshold ${ctx.textOf(e)} is a bare number: name it as a constant with 'source "..."' citing the rule it comes from (or use one from std.thresholds)`,
        );
      }
      return;
    }
    if (e.kind === 'NameRef') {
      const sym = ctx.checker.resolved.get(e.name);
      if (sym?.kind === 'const' && hasUnit(ctx.checker.types.get(e)) && !hasProvenance(ctx, sym)) {
        const v = ctx.checker.evaluate(e);
        const t = ctx.checker.types.get(e);
        const shown = v && t?.kind === 'num' ? ` (${formatValue(v)} ${dimToString(t.dim)})` : '';
        const where = sym.owner === ctx.file.path ? '' : ` (declared in ${sym.owner})`;
        ctx.report(
          e,
          `threshold '${e.name.name}'${shown} has no 'source': add 'source "..."' to its declaration${where}, citing the rule the value comes from`,
        );
      }
      return;
    }
    if (e.kind === 'MemberExpr' || e.kind === 'CallExpr') {
      // A call's arguments are thresholds too (`max(A, B)`); a member is an enum value.
      if (e.kind === 'CallExpr') e.args.forEach(visit);
      return;
    }
    if (e.kind === 'BinaryExpr') {
      visit(e.left);
      visit(e.right);
      return;
    }
    if (e.kind === 'UnaryExpr') visit(e.operand);
    else if (e.kind === 'IfExpr') {
      visit(e.then);
      visit(e.otherwise);
    } else if (e.kind === 'IndexExpr') visit(e.object);
    else if (e.kind === 'ArrayLiteral') e.elements.forEach(visit);
  };
  visit(threshold);
}

/** A constant has provenance when it cites a source or is defined from a constant that has one. */
function hasProvenance(ctx: RuleContext, sym: ConstSymbol, seen = new Set<A.ConstDecl>()): boolean {
  if (sym.decl.source) return true;
  if (seen.has(sym.decl)) return false;
  seen.add(sym.decl);
  const owner = ctx.checkerFor(sym.owner) ?? ctx.checker;
  let found = false;
  forEachExpr(sym.decl.value, (e) => {
    if (found || e.kind !== 'NameRef') return;
    const inner = owner.resolved.get(e.name);
    if (inner?.kind === 'const' && hasProvenance(ctx, inner, seen)) found = true;
  });
  return found;
}
