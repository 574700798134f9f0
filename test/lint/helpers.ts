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

/**
 * A minimal policy `name` with a FLOP accumulator, to which tests append clauses. Its invariant `below`, described
 * as `description`, keeps the accumulator within `threshold`, a constant of std.thresholds.
 */
export function flopPolicy(name: string, title: string, threshold: string, description: string): string {
  return `policy ${name} version 1 "${title}"
use std.flops.{dense_training_flops}
use std.thresholds.{${threshold}}

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

invariant below "${description}": total_flops <= ${threshold}
`;
}

/** The FLOP policy under the EU AI Act's presumption threshold. */
export const FLOP_POLICY = flopPolicy('fixture', 'Lint fixture', 'EU_AI_ACT_SYSTEMIC_RISK_FLOP', 'Below the AI Act presumption');

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

/** A compute check of x·W over step.x_root, step.w_root and step.h_root, with `extra` settings at its end. */
export function fc1Check(extra = ''): string {
  return `verify fc1 "x * W" {
  a: step.x_root
  b: step.w_root
  c: step.h_root
  dims: [16, 4, 8]
  tau: 1e-6
  f: 25%
  grinding: 36
  order: sequential
  rounding: bf16
${extra}}
`;
}
