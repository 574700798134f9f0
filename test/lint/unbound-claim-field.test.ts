import { describe, expect, it } from 'vitest';
import { at, fc1Check, reported } from './helpers.ts';

const RULE = 'unbound-claim-field';

/** A policy with a FLOP cap over step.tokens, a mixture over step.by_source and a compute check on step.x_root. */
const POLICY = `policy bound version 1 "FLOP cap and mixture over a checked batch"
use std.flops.{dense_training_flops}

const CAP = 1e12 FLOP
  source "test"

spec {
  params: int param
  weights: digest
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

attest params_are_weights "The committed weights' count": spec.params == weight_params(spec.weights, 4)
invariant under_cap "FLOP cap": flops <= CAP
invariant mixture "Half from source 1 at most": second[1] * 2 <= sum(second)

${fc1Check()}`;

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

  it('reports a parameter count or an architecture class a claim reads but no attest binds to the committed weights, with the fix', () => {
    const declared = POLICY.replace(/attest params_are_weights[^\n]*\n/, '').replace('second[i] += step.by_source[i]', 'second[i] += 0 token');
    expect(reported(declared, RULE)).toEqual([
      `${at(declared, 'params: int param')} on step rests on spec.params, which no commitment constrains: the proof takes the lab's declaration as it is; bind it to the committed initial weights (a digest spec field holding weights.json's root, docs/run.md): 'attest params_are_weights: spec.params == weight_params(spec.weights, TENSORS)'`,
      expect.stringMatching(/^\d+:\d+ invariant under_cap rests on step\.tokens/),
    ]);
    const arch = POLICY.replace('use std.flops.{dense_training_flops}', 'use std.flops.{dense_training_flops}\nuse std.arch.{ArchClass, weights_class}')
      .replace('  weights: digest\n', '  weights: digest\n  arch: ArchClass\n')
      .replace('invariant under_cap', 'attest dense "A dense transformer": spec.arch == ArchClass.dense_transformer\ninvariant under_cap');
    expect(reported(arch, RULE).filter((r) => r.includes('spec.'))).toEqual([
      `${at(arch, 'arch: ArchClass')} attest dense rests on spec.arch, which no commitment constrains: the proof takes the lab's declaration as it is; bind it to the committed initial weights (a digest spec field holding weights.json's root, docs/run.md): 'attest arch_is_weights: spec.arch == weights_class(weight_layers(spec.weights, TENSORS), weight_experts(spec.weights, TENSORS))'`,
    ]);
    // Bound by an attest that derives the class from the weights (through a library function), on either side.
    const bound = arch.replace('invariant under_cap', 'attest arch_is_weights "bound": weights_class(weight_layers(spec.weights, 4), weight_experts(spec.weights, 4)) == spec.arch\ninvariant under_cap');
    expect(reported(bound, RULE).filter((r) => r.includes('spec.'))).toEqual([]);
    // An attest comparing it with something else binds nothing.
    const other = arch.replace('invariant under_cap', 'attest arch_is_other "not bound": spec.arch == ArchClass.dense_transformer and weight_params(spec.weights, 4) > 0 param\ninvariant under_cap');
    expect(reported(other, RULE).filter((r) => r.includes('spec.arch'))).toHaveLength(1);
  });
});
