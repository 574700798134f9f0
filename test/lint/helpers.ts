// Shared by the lint rule tests: lint a policy given as text, as if it were a file in policies/ (so `use std...`
// resolves as for real policies), with the default configuration unless one is given.
import { expect } from 'vitest';
import type { Diagnostic } from '../../language/diagnostics.ts';
import type { LintConfig } from '../../language/lint/config.ts';
import { lintProgram, type LintResult } from '../../language/lint/run.ts';
import { loadProgram } from '../../language/program.ts';

export const FIXTURE_PATH = 'policies/__lint_fixture.zpol';

/** Lints `source`; fails the test if the checker finds errors in it (a fixture must be a valid policy). */
export function lintSource(source: string, config: LintConfig = { rules: {} }): LintResult {
  const program = loadProgram([FIXTURE_PATH], undefined, new Map([[FIXTURE_PATH, source]]));
  const errors = program.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`)).toEqual([]);
  return lintProgram(program, { config });
}

/** The diagnostics of one rule, as `line:column message`. */
export function reported(source: string, rule: string, config?: LintConfig): string[] {
  return only(lintSource(source, config).diagnostics, rule).map((d) => `${d.span.start.line}:${d.span.start.column} ${d.message}`);
}

export function only(diagnostics: Diagnostic[], rule: string): Diagnostic[] {
  return diagnostics.filter((d) => d.code === rule);
}

/** A minimal policy with a FLOP accumulator, to which tests append clauses. */
export const FLOP_POLICY = `policy fixture version 1 "Lint fixture"
use std.flops.{dense_training_flops}
use std.thresholds.{EU_AI_ACT_SYSTEMIC_RISK_FLOP}

spec {
  params: int param
}

step {
  tokens: int token
}

state {
  total_flops: int FLOP = 0 FLOP
}

on step {
  total_flops += dense_training_flops(spec.params, step.tokens)
}

invariant below "Below the AI Act presumption": total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
`;

/** `line:column` (1-based) of the `nth` occurrence of `snippet` in `source`, for expected diagnostics. */
export function at(source: string, snippet: string, nth = 1): string {
  let i = -1;
  for (let k = 0; k < nth; k++) {
    i = source.indexOf(snippet, i + 1);
    if (i < 0) throw new Error(`'${snippet}' occurs fewer than ${nth} times`);
  }
  const before = source.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
