// "Did you mean": the edit distance, which names are close enough, and the checker's messages for unknown names,
// types, units, fields, enum values, functions and imports (each suggestion drawn from what is in scope there).
import { describe, expect, it } from 'vitest';
import { loadProgram } from '../language/index.ts';
import { closestNames, didYouMean, editDistance } from '../language/suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('total', 'total')).toBe(0);
    expect(editDistance('totl', 'total')).toBe(1);
    expect(editDistance('totals', 'total')).toBe(1);
    expect(editDistance('tital', 'total')).toBe(1);
    expect(editDistance('totla', 'total')).toBe(1);
    expect(editDistance('ttoal', 'total')).toBe(1);
    expect(editDistance('tutl', 'total')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('params', 'parameters')).toBe(4);
  });
});

describe('closestNames', () => {
  it('suggests the names at the smallest distance, at most two edits and fewer than the name has characters', () => {
    expect(closestNames('totl', ['total', 'tokens', 'FLOP'])).toEqual(['total']);
    expect(closestNames('flop', ['FLOP', 'flops'])).toEqual(['FLOP']);
    expect(closestNames('cap', ['cat', 'car', 'cup', 'limit'])).toEqual(['car', 'cat', 'cup']);
    expect(closestNames('parameters', ['params'])).toEqual([]);
    expect(closestNames('x', ['y', 'xy'])).toEqual([]);
    expect(closestNames('ab', ['ac', 'abcd'])).toEqual(['ac']);
  });

  it('words the suggestion for a message', () => {
    expect(didYouMean('totl', ['total'])).toBe("; did you mean 'total'?");
    expect(didYouMean('ca', ['cb', 'cc'])).toBe("; did you mean 'cb' or 'cc'?");
    expect(didYouMean('zzz', ['total'])).toBe('');
  });
});

describe('checker diagnostics', () => {
  const PATH = 'policies/__suggest_test.zpol';
  const messages = (text: string) =>
    loadProgram([PATH], undefined, new Map([[PATH, text]])).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);

  it('suggests names in scope for every kind of unknown name', () => {
    const text = `policy suggest_test version 1
use std.arch.{ArchClass}
use std.flops.{dense_training_flops, dense_flops_per_token}
spec {
  public arch: ArchClass
  params: int param
}
step {
  tokens: int token
}
state {
  total: int FLOP = 0 FLOP
}
on step {
  totl += dense_trainig_flops(spec.parms, step.tokens)
}
attest dense "d": spec.arch == ArchClass.dense_transfomer
invariant cap "c": totla <= 1e25 FLOPs
const X: itn = 3
attest p "p": spc.params > 0 param
`;
    expect(messages(text)).toEqual([
      "ZP6002 module 'std.flops' has no declaration named 'dense_flops_per_token'",
      "ZP2001 unknown name 'totl'; did you mean 'total'?",
      "ZP2001 unknown function 'dense_trainig_flops'; did you mean 'dense_training_flops'?",
      "ZP2004 the spec record has no field 'parms'; did you mean 'params'?",
      expect.stringMatching(/^ZP2008 enum 'ArchClass' has no value 'dense_transfomer' \(it has .*\); did you mean 'dense_transformer'\?$/),
      "ZP2001 unknown name 'totla'; did you mean 'total'?",
      "ZP3002 unknown unit 'FLOPs'; did you mean 'FLOP'?",
      "ZP2015 unknown type 'itn'; did you mean 'int'?",
      "ZP2001 unknown name 'spc'; did you mean 'spec'?",
    ]);
  });

  it('suggests only what may stand there: no state field where state cannot be read', () => {
    const text = `policy suggest_test version 1
state {
  total: int FLOP = 0 FLOP
}
const LIMIT = totl
`;
    expect(messages(text)).toEqual(["ZP2001 unknown name 'totl'"]);
  });
});
