import type * as A from '../../ast.ts';
import { DEFAULT_GRINDING_BITS, grindingFigures, MAX_POW_BITS, requiredSamples } from '../../checker/verify-settings.ts';
import { defineRule } from '../rule.ts';

export default defineRule({
  id: 'samples-below-assurance',
  category: 'assurance',
  severity: 'error',
  summary: 'a verify check samples fewer entries than its `tau` and `f` require, or cannot reach its security against a grinding prover',
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

**Grinding.** A prover that corrupted some entries of the product can commit again and get a new draw, so one
draw's miss probability is not the whole story. Each draw of k samples misses with probability at most
\`e^(-f k)\`, \`k·f·log2(e)\` bits; the compiler adds proof of work to every draw until the sum reaches the
check's \`grinding\` target (100 bits unless the check declares it), at most ${MAX_POW_BITS} bits of work. The
rule also reports a check whose target is out of reach: the compiler would refuse it.

**Bad**

\`\`\`
verify fc1 {
  ...
  tau: 1e-6       // 56 samples at f = 25%: 20.1 bits a draw; 100 needs 80 bits of work, more than ${MAX_POW_BITS}
  f: 25%
}
\`\`\`

**Good**

\`\`\`
verify fc1 {
  ...
  tau: 1e-6
  f: 25%
  grinding: 36    // the figure it reaches with 16 bits of work, declared
}
\`\`\`
`,
  check(ctx) {
    for (const d of ctx.ast.decls) {
      if (d.kind !== 'VerifyDecl') continue;
      const setting = (key: string): A.VerifySetting | undefined => d.settings.find((s) => s.key.name === key);
      const [samples, tau, f, grinding] = [setting('samples'), setting('tau'), setting('f'), setting('grinding')];
      if (!tau || !f) continue;
      const [t, fr] = [ctx.checker.evaluate(tau.value), ctx.checker.evaluate(f.value)];
      if (t?.kind !== 'num' || fr?.kind !== 'num') continue;
      if (t.num <= 0n || t.num >= t.den || fr.num <= 0n || fr.num > fr.den) continue; // the checker reports these
      const needed = requiredSamples(t, fr);
      const n = samples ? ctx.checker.evaluate(samples.value) : undefined;
      if (samples && (n?.kind !== 'num' || n.den !== 1n)) continue;
      const k = n?.kind === 'num' ? Number(n.num) : needed;
      if (samples && k < needed) {
        const bound = Math.exp((-k * Number(fr.num)) / Number(fr.den));
        ctx.report(
          samples.value,
          `verify '${d.name.name}' samples ${k} entries, but tau = ${ctx.textOf(tau.value)} at f = ${ctx.textOf(f.value)} needs at least ${needed} ` +
            `(k >= ln(1/tau) / f): with ${k} the miss probability the check guarantees, e^(-f k), is ${bound.toExponential(3)}, above tau. ` +
            `Remove 'samples', raise it, or state the tau it really reaches`,
        );
      }
      const declared = grinding ? ctx.checker.evaluate(grinding.value) : undefined;
      if (grinding && (declared?.kind !== 'num' || declared.den !== 1n)) continue;
      const target = declared?.kind === 'num' ? Number(declared.num) : DEFAULT_GRINDING_BITS;
      // k before rounding up to the column strata: the figure the check reaches is at least this one.
      const figures = grindingFigures(k, fr, target);
      if (figures.powBits > MAX_POW_BITS) {
        ctx.report(
          grinding?.value ?? tau.value,
          `verify '${d.name.name}' cannot reach ${target} bits against a grinding prover: ${k} samples give ${figures.drawBits} bits a draw, and the rest ` +
            `would take ${figures.powBits} bits of proof of work, more than ${MAX_POW_BITS}. Sample more (a smaller tau), or declare the figure it can reach ` +
            `('grinding: ${Math.floor(figures.drawBits) + MAX_POW_BITS}' at most)`,
        );
      }
    }
  },
});
