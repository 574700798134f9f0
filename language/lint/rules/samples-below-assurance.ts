import type * as A from '../../ast.ts';
import { requiredSamples } from '../../checker/verify-settings.ts';
import { defineRule } from '../rule.ts';

export default defineRule({
  id: 'samples-below-assurance',
  category: 'assurance',
  severity: 'error',
  summary: 'a verify check sets `samples` below the count its `tau` and `f` require',
  docs: `
A \`verify\` check states the assurance it gives: a deviation touching a fraction \`f\` of the output entries
escapes with probability at most \`tau\`. Uniform sampling reaches that only with \`k >= ln(1/tau) / f\` samples
(a deviation escapes k samples with probability \`(1 - f)^k <= e^(-f k)\`). An explicit \`samples: N\` below
that bound silently weakens the check while the policy still advertises \`tau\`: the proof is cheaper, and a
reader of the policy is misled about what it guarantees.

**What it reports.** A \`verify\` whose \`samples\`, \`tau\` and \`f\` are all constants and \`samples\` is less
than \`ceil(ln(1/tau) / f)\`, the count the compiler would use without \`samples\`.

**Bad**

\`\`\`
verify fc1 {
  ...
  tau: 1e-20
  f: 1%
  samples: 1000   // ln(1e20) / 0.01 = 4,605.17: at least 4,606 are needed
}
\`\`\`

**Good**

\`\`\`
verify fc1 {
  ...
  tau: 1e-20
  f: 1%           // no 'samples': the compiler uses ceil(ln(1/tau) / f) = 4,606
}
\`\`\`

or, if the sample budget is fixed, state the assurance it really gives (\`tau: 1e-4\` for 1,000 samples at
\`f: 1%\`).
`,
  check(ctx) {
    for (const d of ctx.ast.decls) {
      if (d.kind !== 'VerifyDecl') continue;
      const setting = (key: string): A.VerifySetting | undefined => d.settings.find((s) => s.key.name === key);
      const [samples, tau, f] = [setting('samples'), setting('tau'), setting('f')];
      if (!samples || !tau || !f) continue;
      const [n, t, fr] = [ctx.checker.evaluate(samples.value), ctx.checker.evaluate(tau.value), ctx.checker.evaluate(f.value)];
      if (n?.kind !== 'num' || t?.kind !== 'num' || fr?.kind !== 'num' || n.den !== 1n) continue;
      if (t.num <= 0n || t.num >= t.den || fr.num <= 0n || fr.num > fr.den) continue; // the checker reports these
      const needed = requiredSamples(t, fr);
      if (Number(n.num) >= needed) continue;
      const bound = Math.exp((-Number(n.num) * Number(fr.num)) / Number(fr.den));
      ctx.report(
        samples.value,
        `verify '${d.name.name}' samples ${n.num} entries, but tau = ${ctx.textOf(tau.value)} at f = ${ctx.textOf(f.value)} needs at least ${needed} ` +
          `(k >= ln(1/tau) / f): with ${n.num} the miss probability the check guarantees, e^(-f k), is ${bound.toExponential(3)}, above tau. ` +
          `Remove 'samples', raise it, or state the tau it really reaches`,
      );
    }
  },
});
