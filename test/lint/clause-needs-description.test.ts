import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, reported } from './helpers.ts';

const RULE = 'clause-needs-description';

describe(RULE, () => {
  it('reports attest, invariant and verify clauses without a description', () => {
    const src = FLOP_POLICY.replace('tokens: int token', 'tokens: int token\n  a: digest\n  b: digest\n  c: digest').concat(
      `attest sized: spec.params > 0 param
invariant capped: total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
verify mm {
  a: step.a
  b: step.b
  c: step.c
  dims: [1, 1, 1]
  tau: 1e-6
  f: 10%
  order: sequential
  rounding: f32
}
`,
    );
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'sized')} attest 'sized' has no description: add one after the name, in the rule's own words, for reports`,
      `${at(src, 'capped')} invariant 'capped' has no description: add one after the name, in the rule's own words, for reports`,
      `${at(src, 'mm {')} verify 'mm' has no description: add one after the name saying which product it checks`,
    ]);
  });

  it('accepts described clauses and outputs without descriptions', () => {
    expect(reported(`${FLOP_POLICY}output compute: total_flops reveal "documentation"\n`, RULE)).toEqual([]);
  });
});
