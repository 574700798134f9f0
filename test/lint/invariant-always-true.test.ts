import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, reported } from './helpers.ts';

const RULE = 'invariant-always-true';
const msg = (clause: string, name: string) =>
  `${clause} '${name}' is always true: it does not depend on the spec or the run, so it constrains nothing; compare the spec or a state field instead`;

describe(RULE, () => {
  it('reports clauses that fold to true, directly or through or/and/not/if', () => {
    const src = `${FLOP_POLICY}const CAP = 1e24 FLOP
invariant consts "Constants": CAP <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
invariant either "Either": total_flops <= CAP or 1 < 2
attest neither "Neither": not (CAP > EU_AI_ACT_SYSTEMIC_RISK_FLOP) and true
invariant branches "Branches": if total_flops > CAP then true else 2 > 1
`;
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'CAP <= EU')} ${msg('invariant', 'consts')}`,
      `${at(src, 'total_flops <= CAP or')} ${msg('invariant', 'either')}`,
      `${at(src, 'not (CAP')} ${msg('attest', 'neither')}`,
      `${at(src, 'if total_flops')} ${msg('invariant', 'branches')}`,
    ]);
  });

  it('accepts clauses that depend on the run, and constant-false ones (which fail, loudly, at run time)', () => {
    const src = `${FLOP_POLICY}invariant and_true "And true": total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP and true
invariant if_mixed "Mixed": if total_flops > 0 FLOP then total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP else true
`;
    expect(reported(src, RULE)).toEqual([]);
  });
});
