import type * as A from '../../ast.ts';
import { weightCalls } from '../../checker/weights.ts';
import { defineRule } from '../rule.ts';

export default defineRule({
  id: 'unbound-weights',
  category: 'soundness',
  severity: 'warning',
  summary: "a compute check's weights are not bound to the chain of weight commitments",
  docs: `
A compute check recomputes sampled entries of c = a·b from the tensors the step commits. Without more, b is
whatever the lab committed for that step: the check shows the product was computed, not that it was computed with
the model's weights. A policy that commits the model's weights (genesis's layout, spec.W, and each step's update)
binds b to them with the check's \`weights\` setting, \`weights: weight_tensor(STATE, T, "NAME")\`: the step proof
then opens the layout STATE held as the step began and requires b to be its tensor NAME (docs/language.md,
"Weights bound to the chain of weight commitments").

**What it reports.** In a policy that commits weights (an attest reads \`weight_params\`, \`weight_layers\` or
\`weight_experts\`, or a check already has a \`weights\` setting), every single-product \`verify\` clause without a
\`weights\` setting (a family's too: \`weight_tensor(STATE, T, "blocks.{l}.mlp_up.weight")\`). A check whose b is not a weight
(an activation, a gradient) is correct as it is: say so with \`// zpol-ignore unbound-weights: REASON\`.

**Bad**

\`\`\`
attest params_are_weights: spec.params == weight_params(spec.weights, WEIGHT_TENSORS)
verify fc1 { a: step.x_root  b: step.w1_root  c: step.h_root ... }
\`\`\`

**Good**

\`\`\`
state { weights: digest = spec.weights }
on step { weights = step.weights_root }
verify fc1 { a: step.x_root  b: step.w1_root  c: step.h_root ...  weights: weight_tensor(weights, WEIGHT_TENSORS, "fc1.weight") }
\`\`\`
`,
  check(ctx) {
    if (!ctx.file.ast.header || ctx.file.ast.header.kind !== 'PolicyHeader') return;
    const verifies = ctx.ast.decls.filter((d): d is A.VerifyDecl => d.kind === 'VerifyDecl');
    const bound = (d: A.VerifyDecl) => d.settings.some((s) => s.key.name === 'weights');
    const attests = ctx.ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl' && d.clause === 'attest');
    const readsWeights = verifies.some(bound) || attests.some((d) => weightCalls(d.value).length > 0);
    if (!readsWeights) return;
    for (const d of verifies) {
      if (bound(d)) continue;
      const b = d.settings.find((s) => s.key.name === 'b');
      ctx.report(
        b?.value ?? d.name,
        `verify '${d.name.name}' multiplies by ${b ? describe(b.value) : 'its b'}, which nothing ties to the committed weights: ` +
          `bind it with 'weights: weight_tensor(STATE, T, "NAME")' (STATE the state field holding the layout root, NAME b's tensor), ` +
          `or, if b is not a weight, say so with '// zpol-ignore unbound-weights: REASON'`,
      );
    }
  },
});

function describe(e: A.Expr): string {
  if (e.kind === 'IndexExpr') return `${describe(e.object)}[…]`;
  return e.kind === 'MemberExpr' && e.object.kind === 'NameRef' ? `${e.object.name.name}.${e.member.name}` : 'its b';
}
