import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, reported } from './helpers.ts';

const RULE = 'deprecated-threshold';
const REVOKED = 'Executive Order 14110 was revoked by Executive Order 14148 on 20 January 2025';

describe(RULE, () => {
  it('reports every use of a deprecated constant with its deprecation text', () => {
    const src = FLOP_POLICY.replace('{EU_AI_ACT_SYSTEMIC_RISK_FLOP}', '{EU_AI_ACT_SYSTEMIC_RISK_FLOP, EO_14110_GENERAL_FLOP}').concat(
      `const HALF_EO = EO_14110_GENERAL_FLOP / 2
invariant below_eo "Below EO 14110": total_flops <= EO_14110_GENERAL_FLOP and total_flops <= HALF_EO
`,
    );
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'EO_14110_GENERAL_FLOP / 2')} 'EO_14110_GENERAL_FLOP' is deprecated: ${REVOKED}`,
      `${at(src, 'EO_14110_GENERAL_FLOP and')} 'EO_14110_GENERAL_FLOP' is deprecated: ${REVOKED}`,
    ]);
  });

  it('reports a deprecated constant declared in the same file', () => {
    const src = `${FLOP_POLICY}const OLD_CAP: int FLOP = 1e24 FLOP
  source "an earlier version of this policy"
  deprecated "replaced by the AI Act presumption"
invariant old "Old cap": total_flops <= OLD_CAP
`;
    expect(reported(src, RULE)).toEqual([`${at(src, 'OLD_CAP\n')} 'OLD_CAP' is deprecated: replaced by the AI Act presumption`]);
  });

  it('accepts constants in force', () => {
    expect(reported(FLOP_POLICY, RULE)).toEqual([]);
  });
});
