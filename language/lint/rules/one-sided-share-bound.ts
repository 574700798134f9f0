import type * as A from '../../ast.ts';
import { dimEqual, dimOf } from '../../checker/types.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { conditionClauses, exprKey, forEachExpr, isStdFunction, shortText, unparen } from '../util.ts';

const TOKEN = dimOf('token');

export default defineRule({
  id: 'one-sided-share-bound',
  category: 'regulatory',
  severity: 'warning',
  summary: 'a data-mixture share is bounded on one side only across the policy\'s clauses',
  docs: `
Data-mixture commitments are almost always ranges ("web text between 20% and 70%"). A share bounded on one side
only is either a range whose other end was forgotten, or a deliberate cap or floor that should say so. Written as
\`share < 70%\` alone, a run with 0% web text passes, which the policy's description may not mean.

**What counts as a share.** In \`attest\` and \`invariant\` clauses:

- a division whose two operands are both typed \`token\` (\`by_source[WEB] / total_tokens\`);
- a call to \`std.data\`'s \`share(part, total)\`;
- the *part* and *total* of \`std.data\`'s \`share_at_most\`, \`share_at_least\` and \`share_within\`.

Two shares are the same share when their part and total are the same expressions (whitespace and parentheses
aside; constant indices are folded, so \`by_source[WEB]\` is \`by_source[0]\` when \`WEB = 0\`).

**What counts as a bound.** A comparison of a share with \`<\`, \`<=\` (an upper bound) or \`>\`, \`>=\` (a lower
bound), on either side of the operator; \`==\` and \`in [lo, hi]\` bound both sides; \`share_at_most\` is an upper
bound, \`share_at_least\` a lower bound and \`share_within\` both. Bounds are collected over all clauses of the
file, so an upper bound in one invariant and a lower bound in another make a range.

**What it reports.** Each share that has bounds on exactly one side, at its first bound. Bounds written without
a division (\`part <= 30% * total\`) are not recognised as shares.

**Helpers.** Only clauses are read, never function bodies: \`std.data\`'s \`share_at_most\` and \`share_at_least\`
are one-sided by design, as building blocks, and what is judged is a policy's use of them. \`zpol lint stdlib\`
reports nothing; a clause that calls \`share_at_most\` with no \`share_at_least\` (or other lower bound) of the
same share elsewhere is reported.

**Bad**

\`\`\`
invariant web_share: share_at_most(by_source[WEB], total_tokens, 70%)
\`\`\`

**Good**

\`\`\`
invariant web_share: share_within(by_source[WEB], total_tokens, 20%, 70%)
// the same with a division (a zero total needs care: prefer share_within, which does not divide)
invariant web_share_too: by_source[WEB] / total_tokens in [20%, 70%]
// a deliberate cap says that the floor is zero
invariant synthetic_share: share_within(by_source[SYNTHETIC], total_tokens, 0%, 15%)
\`\`\`
`,
  check(ctx) {
    const shares = new Map<string, { lower?: A.Node; upper?: A.Node; label: string }>();
    const note = (key: string, label: string, side: 'lower' | 'upper' | 'both', at: A.Node) => {
      let entry = shares.get(key);
      if (!entry) shares.set(key, (entry = { label }));
      if (side !== 'upper') entry.lower ??= at;
      if (side !== 'lower') entry.upper ??= at;
    };
    for (const clause of conditionClauses(ctx.ast)) {
      forEachExpr(clause.value, (e) => {
        if (e.kind === 'BinaryExpr' && ['<', '<=', '>', '>=', '=='].includes(e.op)) {
          const l = shareOf(ctx, e.left);
          const r = shareOf(ctx, e.right);
          if (l) note(l.key, l.label, e.op === '==' ? 'both' : e.op.startsWith('<') ? 'upper' : 'lower', e);
          if (r) note(r.key, r.label, e.op === '==' ? 'both' : e.op.startsWith('<') ? 'lower' : 'upper', e);
        } else if (e.kind === 'InRangeExpr') {
          const s = shareOf(ctx, e.value);
          if (s) note(s.key, s.label, 'both', e);
        } else if (e.kind === 'CallExpr' && e.args.length >= 2) {
          const sym = ctx.checker.resolved.get(e.callee);
          const side = isStdFunction(sym, 'data', 'share_at_most')
            ? 'upper'
            : isStdFunction(sym, 'data', 'share_at_least')
              ? 'lower'
              : isStdFunction(sym, 'data', 'share_within')
                ? 'both'
                : undefined;
          if (side) note(keyOf(ctx, e.args[0], e.args[1]), labelOf(ctx, e.args[0], e.args[1]), side, e);
        }
      });
    }
    for (const { lower, upper, label } of shares.values()) {
      if (lower && upper) continue;
      const at = (lower ?? upper)!;
      const [has, lacks] = lower ? ['a lower', 'upper'] : ['an upper', 'lower'];
      ctx.report(
        at,
        `the share ${label} has ${has} bound but no ${lacks} bound in any clause: bound both ends with ` +
          `'share_within(part, total, LO, HI)' or 'SHARE in [LO, HI]' (use ${lower ? '100%' : '0%'} to say the ${lacks} end is deliberately open)`,
      );
    }
  },
});

function keyOf(ctx: RuleContext, part: A.Expr, total: A.Expr): string {
  return `${exprKey(ctx.checker, part)} / ${exprKey(ctx.checker, total)}`;
}

function labelOf(ctx: RuleContext, part: A.Expr, total: A.Expr): string {
  return `'${shortText(ctx, part, 40)} / ${shortText(ctx, total, 40)}'`;
}

/** The share an expression computes, if it is one (see the docs). */
function shareOf(ctx: RuleContext, expr: A.Expr): { key: string; label: string } | undefined {
  const e = unparen(expr);
  if (e.kind === 'BinaryExpr' && e.op === '/') {
    const [l, r] = [ctx.checker.types.get(e.left), ctx.checker.types.get(e.right)];
    if (l?.kind === 'num' && r?.kind === 'num' && dimEqual(l.dim, TOKEN) && dimEqual(r.dim, TOKEN)) {
      return { key: keyOf(ctx, e.left, e.right), label: labelOf(ctx, e.left, e.right) };
    }
  }
  if (e.kind === 'CallExpr' && e.args.length === 2 && isStdFunction(ctx.checker.resolved.get(e.callee), 'data', 'share')) {
    return { key: keyOf(ctx, e.args[0], e.args[1]), label: labelOf(ctx, e.args[0], e.args[1]) };
  }
  return undefined;
}
