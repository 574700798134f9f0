import { describe, expect, it } from 'vitest';
import { at, fc1Check, reported } from './helpers.ts';

const RULE = 'unbound-weights';

/** A policy that commits its weights (an attest reads the layout) with a compute check on step.w_root; `extra` goes at the end. */
const policy = (setting = '', extra = '') => `policy bound version 1 "A product over committed weights"
const T = 4

spec {
  params: int param
  weights: digest
}

step {
  x_root: digest
  w_root: digest
  h_root: digest
  after: digest
}

state {
  weights: digest = spec.weights
}

on step {
  weights = step.after
}

attest params_are_weights "The committed weights' count": spec.params == weight_params(spec.weights, T)

${fc1Check(setting)}${extra}`;

describe(RULE, () => {
  it('reports a single product whose b is not bound, in a policy that commits weights', () => {
    const src = policy();
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'step.w_root')} verify 'fc1' multiplies by step.w_root, which nothing ties to the committed weights: bind it with 'weights: weight_tensor(STATE, T, "NAME")' (STATE the state field holding the layout root, NAME b's tensor), or, if b is not a weight, say so with '// zpol-ignore unbound-weights: REASON'`,
    ]);
  });

  it('accepts a bound check, and a policy that commits no weights', () => {
    expect(reported(policy('  weights: weight_tensor(weights, T, "fc1.weight")\n'), RULE)).toEqual([]);
    const noWeights = policy().replace(`attest params_are_weights "The committed weights' count": spec.params == weight_params(spec.weights, T)\n`, '');
    expect(reported(noWeights, RULE)).toEqual([]);
  });

  it('one bound check makes the policy one that commits weights: another unbound one is reported', () => {
    const second = `verify fc2 "h * W2" {
  a: step.h_root
  b: step.x_root
  c: step.after
  dims: [16, 8, 4]
  tau: 1e-6
  f: 25%
  grinding: 36
  order: sequential
  rounding: bf16
}
`;
    const src = policy('  weights: weight_tensor(weights, T, "fc1.weight")\n', second).replace(`attest params_are_weights "The committed weights' count": spec.params == weight_params(spec.weights, T)\n`, '');
    expect(reported(src, RULE)).toEqual([expect.stringMatching(new RegExp(`^${at(src, 'step.x_root\n  c: step.after')} verify 'fc2' multiplies by step.x_root, which nothing ties`))]);
  });
});
