import type * as A from '../../ast.ts';
import { defineRule } from '../rule.ts';
import { unparen } from '../util.ts';

export default defineRule({
  id: 'private-field-output',
  category: 'privacy',
  severity: 'warning',
  summary: 'an output reveals a private spec field exactly',
  docs: `
The private specification is what zpol exists to keep private: a verifier learns that the run met the policy
without learning the model's sizes or data. An \`output\` whose value is a private spec field hands that field,
to the last digit, to every verifier of the attestation. \`reveal "..."\` makes this legal (without it the checker
reports ZP4001), but a raw field is rarely what the justification needs: a bucket or a threshold usually
discloses enough.

**What it reports.** An \`output\` whose value, parentheses aside, is \`spec.FIELD\` or an element of it
(\`spec.FIELD[i]\`) where \`FIELD\` is not marked \`public\`. Computed outputs (a sum, a share, a comparison) are
not reported: deciding how much they disclose is the author's call, recorded in \`reveal\`.

**Bad**

\`\`\`
spec { params: int param }
output model_size: spec.params reveal "size class for the model card"
\`\`\`

**Good**

\`\`\`
// a threshold: only whether the model is above 10B parameters
output above_10b: spec.params > 10G param reveal "size class for the model card"
// or a bucket: the size in whole billions
output size_billions: floor(spec.params / 1G param) reveal "size class for the model card"
\`\`\`

If the exact figure must be disclosed (a regulator asks for it), keep the output and say so with
\`// zpol-ignore private-field-output: REASON\`.
`,
  check(ctx) {
    for (const d of ctx.ast.decls) {
      if (d.kind !== 'ClauseDecl' || d.clause !== 'output') continue;
      const field = privateSpecField(ctx.checker.specFields, d.value);
      if (!field) continue;
      ctx.report(
        d.value,
        `output '${d.name.name}' reveals the private spec field '${field.name.name}' exactly to every verifier; ` +
          `reveal a bucketed or thresholded form instead (e.g. 'floor(spec.${field.name.name} / UNIT)' or 'spec.${field.name.name} > LIMIT')`,
      );
    }
  },
});

function privateSpecField(fields: ReadonlyMap<string, A.Field>, value: A.Expr): A.Field | undefined {
  let e = unparen(value);
  while (e.kind === 'IndexExpr') e = unparen(e.object);
  if (e.kind !== 'MemberExpr' || e.object.kind !== 'NameRef' || e.object.name.name !== 'spec') return undefined;
  const field = fields.get(e.member.name);
  return field && !field.isPublic ? field : undefined;
}
