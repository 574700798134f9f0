import type * as A from '../../ast.ts';
import type { FileChecker } from '../../checker/check-file.ts';
import { defineRule } from '../rule.ts';
import { conditionClauses } from '../util.ts';

export default defineRule({
  id: 'invariant-always-true',
  category: 'soundness',
  severity: 'error',
  summary: 'an attest or invariant holds whatever the run: its condition is constant true',
  docs: `
A clause that is true whatever the specification and the run proves nothing, yet a verifier reading the
attestation sees it as one more rule the run obeyed. It is nearly always a slip: a constant compared with a
constant where the author meant a state field (\`FLOP_CAP <= EU_LIMIT\` instead of \`total_flops <= EU_LIMIT\`),
or a disjunction with a constant-true branch.

**What it reports.** An \`attest\` or \`invariant\` whose condition is always true by exact constant folding
(the checker's own evaluator: literals, constants, enum values and the built-in functions; calls to functions
declared with \`fn\` are not folded), extended through the logic operators: \`A or B\` is always true when either
side is, \`A and B\` when both are, \`not A\` when A is always false, and \`if C then A else B\` when both branches
are (or C folds and the branch taken is).

**Bad**

\`\`\`
const CAP = 1e25 FLOP
invariant capped: CAP <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
invariant capped_or: total_flops <= CAP or true
\`\`\`

**Good**

\`\`\`
invariant capped: total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
\`\`\`
`,
  check(ctx) {
    for (const clause of conditionClauses(ctx.ast)) {
      if (truth(ctx.checker, clause.value) === true) {
        ctx.report(
          clause.value,
          `${clause.clause} '${clause.name.name}' is always true: it does not depend on the spec or the run, so it constrains nothing; compare the spec or a state field instead`,
        );
      }
    }
  },
});

/** true or false when `e` has that value whatever the run; undefined when it depends on the run. */
function truth(checker: FileChecker, e: A.Expr): boolean | undefined {
  const v = checker.evaluate(e);
  if (v?.kind === 'bool') return v.value;
  switch (e.kind) {
    case 'ParenExpr':
      return truth(checker, e.inner);
    case 'UnaryExpr': {
      if (e.op !== 'not') return undefined;
      const t = truth(checker, e.operand);
      return t === undefined ? undefined : !t;
    }
    case 'BinaryExpr': {
      if (e.op !== 'and' && e.op !== 'or') return undefined;
      const [l, r] = [truth(checker, e.left), truth(checker, e.right)];
      if (e.op === 'or') return l === true || r === true ? true : l === false && r === false ? false : undefined;
      return l === false || r === false ? false : l === true && r === true ? true : undefined;
    }
    case 'IfExpr': {
      const c = truth(checker, e.condition);
      if (c !== undefined) return truth(checker, c ? e.then : e.otherwise);
      const [a, b] = [truth(checker, e.then), truth(checker, e.otherwise)];
      return a !== undefined && a === b ? a : undefined;
    }
    default:
      return undefined;
  }
}
