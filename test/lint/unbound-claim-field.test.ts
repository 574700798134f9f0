import { describe, expect, it } from 'vitest';
import { at, reported } from './helpers.ts';

const RULE = 'unbound-claim-field';

/** A policy with a FLOP cap over step.tokens, a mixture over step.by_source and a compute check on step.x_root. */
const POLICY = `policy bound version 1 "FLOP cap and mixture over a checked batch"
use std.flops.{dense_training_flops}

const CAP = 1e12 FLOP
  source "test"

spec {
  params: int param
}

step {
  tokens: int token
  by_source: [int token; 2]
  seq: int
  x_root: digest
  w_root: digest
  h_root: digest
}

state {
  flops: int FLOP = 0 FLOP
  total: int token = 0 token
  second: [int token; 2] = [0 token; 2]
}

on step {
  let t = step.tokens
  flops += dense_training_flops(spec.params, t)
  for i in 0..2 {
    second[i] += step.by_source[i]
  }
}

invariant under_cap "FLOP cap": flops <= CAP
invariant mixture "Half from source 1 at most": second[1] * 2 <= sum(second)

verify fc1 "x * W" {
  a: step.x_root
  b: step.w_root
  c: step.h_root
  dims: [16, 4, 8]
  tau: 1e-6
  f: 25%
  grinding: 36
  order: sequential
  rounding: bf16
}
`;

describe(RULE, () => {
  it('reports a token count that feeds a claim through a let, and a per-source split, with the claims and the fix', () => {
    expect(reported(POLICY, RULE)).toEqual([
      `${at(POLICY, 'tokens: int token')} invariant under_cap rests on step.tokens, which no commitment constrains: the proof takes the lab's record as it is; bind it to the committed batch: 'invariant tokens_are_batch: step.tokens == rows(step.x_root) * token'`,
      `${at(POLICY, 'by_source: [int')} invariant mixture rests on step.by_source, which no commitment constrains: the proof takes the lab's record as it is; bind each source's count to the batch's committed source labels (a [rows, 1] tensor, docs/run.md): 'invariant by_source_is_labels: step.by_source[0] == count_labels(step.labels_root, ROWS, N)[0] * token and ...' for every source`,
    ]);
  });

  it('accepts a count an invariant equates with committed rows, on either side, and fields no claim reads', () => {
    const bound = POLICY.replace('invariant under_cap', 'invariant batch "bound": rows(step.x_root) * token == step.tokens and true\ninvariant under_cap').replace(
      'second[i] += step.by_source[i]',
      'second[i] += 0 token',
    );
    expect(reported(bound, RULE)).toEqual([]);
  });

  it('accepts a split whose every element an invariant equates with a count of committed labels, not one with an element left out', () => {
    const labelled = POLICY.replace('  h_root: digest\n', '  h_root: digest\n  labels_root: digest\n').replace(
      'invariant under_cap',
      'invariant split "labels": step.by_source[0] == count_labels(step.labels_root, 16, 2)[0] * token and count_labels(step.labels_root, 16, 2)[1] * token == step.by_source[1]\ninvariant under_cap',
    );
    expect(reported(labelled, RULE)).toEqual([expect.stringMatching(/^\d+:\d+ invariant under_cap rests on step\.tokens/)]);
    const half = labelled.replace(' and count_labels(step.labels_root, 16, 2)[1] * token == step.by_source[1]', '');
    expect(reported(half, RULE)).toEqual([expect.stringMatching(/step\.tokens/), expect.stringMatching(/^\d+:\d+ invariant mixture rests on step\.by_source/)]);
  });

  it('follows a count through a state field computed from another', () => {
    const chained = POLICY.replace('flops += dense_training_flops(spec.params, t)', 'total += t\n  flops = dense_training_flops(spec.params, total)').replace(
      'second[i] += step.by_source[i]',
      'second[i] += 0 token',
    );
    expect(reported(chained, RULE)).toEqual([expect.stringMatching(/^\d+:\d+ invariant under_cap rests on step\.tokens/)]);
  });

  it('reports outputs too, and nothing in a policy without a compute check (it commits no tensors to bind to)', () => {
    const output = POLICY.replace('invariant under_cap "FLOP cap": flops <= CAP', 'output compute: flops reveal "the compute figure"').replace(
      'second[i] += step.by_source[i]',
      'second[i] += 0 token',
    );
    expect(reported(output, RULE)).toEqual([expect.stringMatching(/^\d+:\d+ output compute rests on step\.tokens/)]);
    const unchecked = POLICY.slice(0, POLICY.indexOf('verify fc1'));
    expect(reported(unchecked, RULE)).toEqual([]);
  });
});
