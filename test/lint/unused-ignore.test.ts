import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, lintSource, reported } from './helpers.ts';

const RULE = 'unused-ignore';

describe(RULE, () => {
  it('reports an ignore that suppresses nothing', () => {
    const src = `${FLOP_POLICY}// zpol-ignore deprecated-threshold: historical
invariant capped "Capped": total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
`;
    expect(reported(src, RULE)).toEqual([
      `${at(src, '// zpol-ignore')} 'zpol-ignore deprecated-threshold' suppresses nothing: no deprecated-threshold problem on line ${at(src, 'invariant capped').split(':')[0]}; remove it`,
    ]);
  });

  it('reports each unused rule of a multi-rule ignore, and an ignore for a rule turned off', () => {
    const src = `${FLOP_POLICY}// zpol-ignore threshold-needs-source, deprecated-threshold: demo cap
invariant capped "Capped": total_flops <= 1e25 FLOP
`;
    expect(reported(src, RULE)).toEqual([expect.stringMatching(/'zpol-ignore deprecated-threshold' suppresses nothing/)]);
    expect(reported(src, RULE, { path: 'zpol.lint.json', rules: { 'threshold-needs-source': 'off' } })).toEqual([
      expect.stringMatching(/'zpol-ignore deprecated-threshold' suppresses nothing/),
      expect.stringMatching(/'zpol-ignore threshold-needs-source' suppresses nothing: .*\(the rule is turned off in zpol\.lint\.json\)/),
    ]);
  });

  it('accepts ignores that suppress: on the next code line, trailing, and over a whole multi-line clause', () => {
    const src = `${FLOP_POLICY}// zpol-ignore threshold-needs-source: the next line that holds code

invariant a "A": total_flops <= 1e25 FLOP
invariant b "B": total_flops <= 2e25 FLOP // zpol-ignore threshold-needs-source: trailing
// zpol-ignore threshold-needs-source, clause-needs-description: the whole clause
invariant c:
  total_flops <= 3e25 FLOP
    and total_flops <= 4e25 FLOP
`;
    const result = lintSource(src);
    expect(result.diagnostics.map((d) => d.code)).toEqual([]);
  });

  it('covers only its line: a problem on the line after is still reported', () => {
    const src = `${FLOP_POLICY}// zpol-ignore threshold-needs-source: only the next line
invariant a "A": total_flops <= 1e25 FLOP
invariant b "B": total_flops <= 2e25 FLOP
`;
    const diags = lintSource(src).diagnostics;
    expect(diags.map((d) => `${d.span.start.line} ${d.code}`)).toEqual([`${at(src, 'invariant b "B"').split(':')[0]} threshold-needs-source`]);
  });
});
