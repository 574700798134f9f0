import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, reported } from './helpers.ts';

const RULE = 'threshold-needs-source';
const bare = (src: string, lit: string) => `${at(src, lit)} threshold ${lit} is a bare number: name it as a constant with 'source "..."' citing the rule it comes from (or use one from std.thresholds)`;

describe(RULE, () => {
  it('reports a bare literal with a unit used as a threshold', () => {
    const src = `${FLOP_POLICY}invariant capped "Capped": total_flops <= 1e25 FLOP\n`;
    expect(reported(src, RULE)).toEqual([bare(src, '1e25 FLOP')]);
  });

  it('reports a constant with a unit and no source, in comparisons and in ranges', () => {
    const src = `${FLOP_POLICY}const CAP = 1e24 FLOP
attest small "Small": spec.params in [1 param, 10G param]
invariant capped "Capped": CAP >= total_flops
`;
    expect(reported(src, RULE)).toEqual([
      bare(src, '1 param'),
      bare(src, '10G param'),
      `${at(src, 'CAP >=')} threshold 'CAP' (1e24 FLOP) has no 'source': add 'source "..."' to its declaration, citing the rule the value comes from`,
    ]);
  });

  it('follows both branches of a public conditional threshold', () => {
    const src = FLOP_POLICY.replace('spec {', 'spec {\n  public bio: bool').concat(
      'invariant capped "Capped": total_flops <= (if spec.bio then 1e23 FLOP else EU_AI_ACT_SYSTEMIC_RISK_FLOP)\n',
    );
    expect(reported(src, RULE)).toEqual([bare(src, '1e23 FLOP')]);
  });

  it('accepts sourced constants, constants derived from sourced ones, zero and dimensionless bounds', () => {
    const src = `${FLOP_POLICY}const CAP: int FLOP = 1e24 FLOP
  source "the policy's own cap, a tenth of the AI Act presumption"
const HALF = EU_AI_ACT_SYSTEMIC_RISK_FLOP / 2
const MAX_PARAMS_PER_FLOP = 3
invariant capped "Capped": total_flops <= CAP and total_flops <= HALF and total_flops >= 0 FLOP
attest sized "Sized": spec.params > 0 param and spec.params / param <= MAX_PARAMS_PER_FLOP
`;
    expect(reported(src, RULE)).toEqual([]);
  });

  it('does not treat a comparison of two private values as a threshold', () => {
    const src = FLOP_POLICY.replace('params: int param', 'params: int param\n  active: int param').concat(
      'attest active_le "Active at most all": spec.active <= spec.params\n',
    );
    expect(reported(src, RULE)).toEqual([]);
  });

  it('reports an unsourced constant imported from another module at its use', () => {
    const src = FLOP_POLICY.replace('use std.thresholds.{EU_AI_ACT_SYSTEMIC_RISK_FLOP}', 'use std.thresholds.{EU_AI_ACT_SYSTEMIC_RISK_FLOP}\nuse std.units.{YOTTA_FLOP}').concat(
      'invariant capped "Capped": total_flops <= YOTTA_FLOP\n',
    );
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'YOTTA_FLOP\n')} threshold 'YOTTA_FLOP' (1e24 FLOP) has no 'source': add 'source "..."' to its declaration (declared in stdlib/units.zpol), citing the rule the value comes from`,
    ]);
  });
});
