import { describe, expect, it } from 'vitest';
import { at, FLOP_POLICY, reported } from './helpers.ts';

const RULE = 'private-field-output';

describe(RULE, () => {
  it('reports an output that is a private spec field, or an element of one', () => {
    const src = FLOP_POLICY.replace('spec {', 'spec {\n  widths: [int; 2]').concat(
      `output size: (spec.params) reveal "size class for the model card"
output first_width: spec.widths[0] reveal "shape for the model card"
`,
    );
    expect(reported(src, RULE)).toEqual([
      `${at(src, '(spec.params)')} output 'size' reveals the private spec field 'params' exactly to every verifier; reveal a bucketed or thresholded form instead (e.g. 'floor(spec.params / UNIT)' or 'spec.params > LIMIT')`,
      expect.stringMatching(new RegExp(`^${at(src, 'spec.widths[0]')} output 'first_width' reveals the private spec field 'widths'`)),
    ]);
  });

  it('accepts public fields, thresholded and bucketed forms, and state', () => {
    const src = FLOP_POLICY.replace('spec {', 'spec {\n  public layers: int').concat(
      `output layers: spec.layers
output above_10b: spec.params > 10G param reveal "size class for the model card"
output size_billions: floor(spec.params / 1G param) reveal "size class for the model card"
output compute: total_flops reveal "AI Act Annex XI documentation"
`,
    );
    expect(reported(src, RULE)).toEqual([]);
  });
});
