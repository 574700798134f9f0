/**
 * Differential test: the compiled zkVM programs (run in the executor, without proving) and the reference
 * interpreter of the checked AST give the same verdicts, the same states and the same outputs on many random
 * specs and step streams, for every policy in policies/.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadProgram } from '../../language/program.ts';
import { compileFile } from '../../compiler/index.ts';
import { PolicyInterpreter } from '../../compiler/interpret.ts';
import { recordGenerator } from '../../compiler/generate.ts';
import { recordWords, type RunValue } from '../../compiler/witness.ts';
import { ChainError, ChainProver } from '../../runtime/chain/prover.ts';
import { fieldWord, wideWord, type Word } from '../../runtime/vm/word.ts';

function encodeByType(v: RunValue, t: import('../../language/checker/types.ts').Type): Word[] {
  switch (t.kind) {
    case 'num':
      if (v.kind !== 'num') throw new Error('not a number');
      return t.base === 'int' ? [wideWord(v.num)] : [wideWord(v.num), wideWord(v.den)];
    case 'bool':
      return [fieldWord(v.kind === 'bool' && v.value ? 1 : 0)];
    case 'enum':
      return [fieldWord(v.kind === 'enum' ? t.decl.members.findIndex((m) => m.name === v.member) : -1)];
    case 'array':
      return v.kind === 'array' ? v.elements.flatMap((x) => encodeByType(x, t.element)) : [];
    default:
      throw new Error(`no words for ${t.kind}`);
  }
}

/**
 * Random records are almost never a valid run (a random parameter count does not match its layers), so most
 * runs draw specs until every attest holds and steps until every invariant still holds, and a few keep a
 * random spec or step: the test then sees passing chains, failing genesis and failing steps.
 */
function plausibleRun(interp: PolicyInterpreter, gen: ReturnType<typeof recordGenerator>, run: number, fixture: Fixture | null) {
  const tries = 300;
  let specJson = fixture && run % 5 !== 4 ? fixture.spec : gen.record(interp.specFields);
  if (run % 5 !== 4) {
    for (let i = 0; i < tries; i++) {
      const spec = interp.decodeSpec(specJson);
      if (interp.attest(spec).every((a) => a.holds)) break;
      specJson = gen.record(interp.specFields);
    }
  }
  const spec = interp.decodeSpec(specJson);
  let state = interp.initialState(spec);
  const stepsJson: Record<string, unknown>[] = [];
  for (let k = 0; k < STEPS; k++) {
    const wantValid = gen.int(10) !== 0;
    // From a fixture step, all integers scaled by one factor (shares and sums are kept), or a random record.
    const draw = () => (fixture && fixture.steps.length > 0 && wantValid ? scaled(fixture.steps[gen.int(fixture.steps.length)]!, 1 + gen.int(5)) : gen.record(interp.stepFields));
    let chosen = draw();
    for (let i = 0; wantValid && i < tries; i++) {
      try {
        const record = interp.decodeStep(chosen, k);
        const next = interp.step(spec, state, record);
        if (interp.invariants(spec, next, k, record).every((r) => r.holds)) break;
      } catch {
        // A run-time error in `on step`: draw again.
      }
      chosen = draw();
    }
    stepsJson.push(chosen);
    try {
      state = interp.step(spec, state, interp.decodeStep(chosen, k));
    } catch {
      break;
    }
  }
  while (stepsJson.length < STEPS) stepsJson.push(gen.record(interp.stepFields));
  return { specJson, stepsJson };
}

interface Fixture {
  readonly spec: Record<string, unknown>;
  readonly steps: readonly Record<string, unknown>[];
}

/** Valid records for policies whose attests or invariants random records almost never satisfy. */
function fixture(f: string): Fixture | null {
  const path = `test/fixtures/runs/${f.replace(/\.zpol$/, '.json')}`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Fixture) : null;
}

function scaled(record: Record<string, unknown>, k: number): Record<string, unknown> {
  const scale = (v: unknown): unknown => (typeof v === 'number' ? v * k : Array.isArray(v) ? v.map(scale) : v);
  return Object.fromEntries(Object.entries(record).map(([key, v]) => [key, scale(v)]));
}

const policies = readdirSync('policies').filter((f) => f.endsWith('.zpol'));
const RUNS = 40;
const STEPS = 6;

describe('compiled programs agree with the interpreter', () => {
  it.each(policies)('%s', (f) => {
    const path = `policies/${f}`;
    // Random records have no tensors behind their roots: the compute checks are test/compiler/verify.test.ts's.
    const compiled = compileFile(path, { computeChecks: false });
    if (!compiled.ok) throw new Error(compiled.error);
    const interp = new PolicyInterpreter(loadProgram([path]));
    const stateFields = compiled.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'state' ? d.fields : []));
    const stateWords = (state: ReadonlyMap<string, RunValue>) => recordWords(compiled.root.checker, stateFields, state, 'state');
    let agreed = 0;
    let failures = 0;
    for (let run = 0; run < RUNS; run++) {
      const gen = recordGenerator(run * 7919 + f.length, { ints: run % 2 === 0 ? 1000 : 1_000_000_000 });
      const { specJson, stepsJson } = plausibleRun(interp, gen, run, fixture(f));
      // The interpreter's state after each step as words; null where a value leaves [0, 2^128), where the
      // machine must trap.
      const states: (Word[] | null)[] = [];
      const ev = interp.run(specJson, stepsJson, {
        onStep: (_, state) => {
          try {
            states.push(stateWords(state));
          } catch {
            states.push(null);
          }
        },
      });
      const prover = new ChainProver(compiled, new Uint8Array(32).fill(run), interp.decodeSpec(specJson));
      const context = `${f} run ${run}`;

      // Genesis: the attest claims.
      const firstFailingAttest = ev.attests.find((a) => !a.holds);
      let state: Word[];
      try {
        state = prover.genesisExecution().state;
        expect(firstFailingAttest, context).toBeUndefined();
      } catch (e) {
        if (!(e instanceof ChainError)) throw e;
        expect(firstFailingAttest, `${context}: the VM fails genesis (${e.message}), the interpreter does not`).toBeDefined();
        expect(e.message, context).toContain(`attest ${firstFailingAttest!.name} failed`);
        failures++;
        continue;
      }

      // Steps: the VM stops at the first step where an invariant fails (or an operation traps).
      let stopped = false;
      for (let k = 1; k <= STEPS && !stopped; k++) {
        const failing = ev.invariants.find((inv) => inv.results[k - 1] === false);
        const halted = (ev.halted && ev.halted.step === k) || states[k - 1] === null;
        try {
          state = prover.stepExecution(k, state, interp.decodeStep(stepsJson[k - 1], k - 1)).state;
          expect(failing?.name, `${context}: step ${k} passes in the VM`).toBeUndefined();
          expect(halted, context).toBeFalsy();
          expect(state, `${context}: state after step ${k}`).toEqual(states[k - 1]);
        } catch (e) {
          if (!(e instanceof ChainError)) throw e;
          expect(failing !== undefined || halted, `${context}: the VM fails step ${k} (${e.message}), the interpreter does not`).toBe(true);
          if (failing && !halted) expect(e.message, context).toContain(`invariant ${failing.name} failed`);
          stopped = true;
          failures++;
        }
      }
      if (stopped) continue;

      // Attestation: the outputs, word for word (ratios in lowest terms in both).
      const exec = prover.attestationExecution(STEPS, state);
      expect(exec.publicOutputs, `${context}: outputs`).toEqual(ev.outputs.flatMap((o) => encodeByType(o.value!, o.type)));
      agreed++;
    }
    // Both outcomes occur, so the comparison is not vacuous.
    expect(agreed + failures).toBe(RUNS);
    expect(agreed, `${f}: runs that passed to the end`).toBeGreaterThan(0);
    if (f !== 'us_eo14110_sec42.zpol') expect(failures, `${f}: runs that failed somewhere`).toBeGreaterThan(0);
  }, 120_000);
});
