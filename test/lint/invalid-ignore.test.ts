import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, lintSource, reported } from './helpers.ts';

const RULE = 'invalid-ignore';
const CAPPED = 'invariant capped "Capped": total_flops <= 1e25 FLOP';

describe(RULE, () => {
  it('reports an ignore without a reason, and it suppresses nothing', () => {
    const src = `${FLOP_POLICY}// zpol-ignore threshold-needs-source\n${CAPPED}\n`;
    const codes = lintSource(src).diagnostics.map((d) => d.code);
    expect(codes).toContain('threshold-needs-source');
    expect(reported(src, RULE)).toEqual([
      `${at(src, '// zpol-ignore')} 'zpol-ignore threshold-needs-source' gives no reason: write '// zpol-ignore threshold-needs-source: why this is acceptable here'`,
    ]);
    expect(reported(`${FLOP_POLICY}// zpol-ignore threshold-needs-source:   \n${CAPPED}\n`, RULE)).toHaveLength(1);
  });

  it('reports an ignore naming no rule, an unknown rule, a compiler diagnostic or an ignore rule', () => {
    const src = `${FLOP_POLICY}// zpol-ignore: because
// zpol-ignore threshold-needs-sauce: typo
// zpol-ignore ZP2016: unused on purpose
// zpol-ignore unused-ignore: quiet please
${CAPPED}
`;
    expect(reported(src, RULE)).toEqual([
      `${at(src, '// zpol-ignore:')} this 'zpol-ignore' names no rule: write '// zpol-ignore RULE: reason'`,
      `${at(src, '// zpol-ignore threshold-needs-sauce')} unknown lint rule 'threshold-needs-sauce' in 'zpol-ignore'; see 'docs/lint.md' for the rules`,
      `${at(src, '// zpol-ignore ZP2016')} compiler diagnostics cannot be ignored (ZP2016): fix the problem instead; 'zpol-ignore' takes lint rule ids`,
      `${at(src, '// zpol-ignore unused-ignore')} 'invalid-ignore' and 'unused-ignore' are about ignore comments themselves and cannot be ignored: fix or remove the comment`,
    ]);
  });

  it('accepts well-formed ignores, and ignores comments that merely mention the word', () => {
    const src = `${FLOP_POLICY}// zpol-ignore threshold-needs-source: the policy's own demo cap
${CAPPED}
// zpol-ignored is not a directive, nor is this: zpol-ignore x
`;
    expect(reported(src, RULE)).toEqual([]);
  });
});
