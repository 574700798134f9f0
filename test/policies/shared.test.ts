// The architecture claims every compute policy shares (#21): the FLOP formulas are the transformer ones, and the
// routing layout is what the architecture class says, so that the parameters applied to each token are derived
// from a shape that means what it says. Each policy's own clauses are tested in eu.test.ts and us.test.ts.
import { describe, expect, it } from 'vitest';
import { policyUnderTest } from './helpers.ts';

const COMPUTE_POLICIES = [
  'eu_ai_act_art51',
  'eu_gpai_indicative',
  'eu_downstream_modifier',
  'eu_ai_act_annex_xi',
  'ca_sb53_frontier',
  'ny_raise_act',
  'ny_raise_act_s6953b',
  'us_eo14110_sec42',
];

describe.each(COMPUTE_POLICIES)('policies/%s.zpol: attest transformer and routing_matches_class', (name) => {
  const p = policyUnderTest(name);

  it('a dense transformer with one expert per token holds; another class fails transformer', () => {
    expect(p.failing(p.spec, [])).toEqual([]);
    expect(p.failing({ ...p.spec, arch: 'state_space' }, [])).toEqual(['attest transformer']);
  });

  it('a dense transformer with two experts, or a mixture of experts with one, fails routing_matches_class', () => {
    expect(p.failing({ ...p.spec, experts: 2 }, [])).toContain('attest routing_matches_class');
    expect(p.failing({ ...p.spec, arch: 'moe_transformer' }, [])).toContain('attest routing_matches_class');
  });
});
