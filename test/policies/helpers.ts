// Shared by the policy tests (#21): a policy of policies/ run on a spec and steps, both by the reference
// interpreter (which clauses fail, the state, the outputs) and by the compiled programs in the zkVM without proving
// (zpol eval's evaluateRun: the verdict a proof would show), so that every boundary case is checked on both and
// the two must agree. Runs start from the policy's fixture in test/fixtures/runs/ (a complying run) and change
// the fields a case is about.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { evaluateRun } from '../../cli/evaluate.ts';
import { compileFile } from '../../compiler/index.ts';
import { PolicyInterpreter } from '../../compiler/interpret.ts';
import type { Evaluation } from '../../compiler/interpret/results.ts';
import type { RunValue } from '../../compiler/values.ts';
import { loadProgram } from '../../language/program.ts';

export type Json = Record<string, unknown>;

export interface PolicyUnderTest {
  readonly path: string;
  /** The complying run of test/fixtures/runs/NAME.json. */
  readonly spec: Json;
  readonly steps: readonly Json[];
  /** The interpreter's evaluation. */
  evaluate(spec: Json, steps: readonly Json[]): Evaluation;
  /**
   * The clauses that fail ('attest NAME', 'invariant NAME'), by the interpreter, in declaration order; checks that
   * the zkVM stops at the first of them (or accepts the run when there is none) and agrees with the interpreter.
   */
  failing(spec: Json, steps: readonly Json[]): string[];
  /** A state field after the last step, as an exact value. */
  state(spec: Json, steps: readonly Json[], field: string): RunValue;
  /** The outputs as the attestation reveals them (the zkVM's), by name: text with the unit. */
  outputs(spec: Json, steps: readonly Json[]): Record<string, string>;
}

export function policyUnderTest(name: string): PolicyUnderTest {
  const path = `policies/${name}.zpol`;
  const program = loadProgram([path]);
  const interp = new PolicyInterpreter(program);
  const fixture = JSON.parse(readFileSync(`test/fixtures/runs/${name}.json`, 'utf8')) as { spec: Json; steps: Json[] };
  let compiled: ReturnType<typeof compileFile> | undefined;
  const machine = (spec: Json, steps: readonly Json[]) => {
    compiled ??= compileFile(path);
    if (!compiled.ok) throw new Error(`${path} does not compile: ${compiled.error}`);
    const report = evaluateRun(compiled, program, spec, steps);
    expect(report.disagreements, `${path}: the zkVM and the interpreter disagree`).toEqual([]);
    return report;
  };
  const evaluate = (spec: Json, steps: readonly Json[]) => interp.run(spec, steps);
  return {
    path,
    spec: fixture.spec,
    steps: fixture.steps,
    evaluate,
    failing(spec, steps) {
      const ev = evaluate(spec, steps);
      expect(ev.halted, `${path}: the run halted`).toBeUndefined();
      const attests = ev.attests.filter((a) => !a.holds).map((a) => `attest ${a.name}`);
      const invariants = ev.invariants.filter((i) => !i.holds).map((i) => `invariant ${i.name}`);
      const report = machine(spec, steps);
      // The machine stops at the first failure: the first failing attest, else the first invariant (in declaration
      // order) to fail at the earliest failing step.
      const earliest = Math.min(...ev.invariants.flatMap((i) => i.failures.map((f) => f.step)));
      const firstInvariant = ev.invariants.find((i) => i.failures.some((f) => f.step === earliest));
      const expected = attests[0] ?? (firstInvariant ? `invariant ${firstInvariant.name}` : undefined);
      expect(report.failure?.clause, `${path}: the clause the zkVM stops at`).toBe(expected);
      expect(report.ok).toBe(expected === undefined);
      return [...attests, ...invariants];
    },
    state(spec, steps, field) {
      const v = evaluate(spec, steps).state.get(field);
      if (!v) throw new Error(`${path} has no state field '${field}'`);
      return v;
    },
    outputs(spec, steps) {
      const report = machine(spec, steps);
      expect(report.ok, `${path}: the run fails ${report.failure?.clause}`).toBe(true);
      return Object.fromEntries(report.outputs.map((o) => [o.name, o.text]));
    },
  };
}

/** The exact integer of a whole-number run value (FLOP, tokens, USD...). */
export function whole(v: RunValue): bigint {
  if (v.kind !== 'num' || v.den !== 1n) throw new Error(`not a whole number: ${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}` : x))}`);
  return v.num;
}

/** A big integer as a run value (a decimal string: JSON numbers lose precision above 2^53). */
export const big = (n: bigint): string => n.toString();

/** Every step of `steps` with `fields` replaced. */
export function withSteps(steps: readonly Json[], fields: Json): Json[] {
  return steps.map((s) => ({ ...s, ...fields }));
}
