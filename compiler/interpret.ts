/**
 * The reference interpreter: evaluates a checked policy directly over its AST, with exact rational arithmetic, on a
 * spec and a stream of steps written as run values (docs/run-values.md).
 *
 *   1. every `attest` claim, on the spec;
 *   2. the state, from the state initialisers (which may read the spec);
 *   3. for each step: the `on step` block updates the state, then every `invariant` is evaluated in the new state;
 *   4. after the last step, every `output`.
 *
 * `verify` clauses are compute checks over committed tensors, which the interpreter does not have: it reports them
 * as not evaluated, with their settings resolved (dims, sample count k, order, rounding).
 *
 * This is the oracle the zkVM compilation is tested against, so it is written for clarity and exactness:
 *   - Numbers are exact rationals of bigints, with the conventions of the checker's constant folding
 *     (language/checker/fold.ts): `+ - *` are exact, `/` gives the exact quotient (an int divided by an int is a
 *     ratio; dividing by a unit changes only the unit), `ceil`/`floor` round towards +/- infinity. Nothing ever
 *     rounds implicitly: the checker only lets an int-typed place receive an int-typed value, and the interpreter
 *     asserts that every value stored in an int place is whole.
 *   - `and`, `or` and `if` evaluate only what they need (as folding does): a division by zero in an untaken branch
 *     is not an error.
 *   - A division by zero, or an index outside an array, is a run-time error, reported with its source location.
 *     One inside `on step` halts the run at that step (no later step can be evaluated); one inside a clause fails
 *     that clause.
 *   - Steps are numbered from 1, as the proof chain and run directories number them: step k is `steps[k − 1]`.
 *
 * Failures are explained in the policy's terms: a failing comparison shows both sides with their values and units,
 * a failing call shows why the function's body was false, and every message ends with the clause's location:
 *   invariant under_flop_cap failed at step 288: total_flops = 1.00224e12 FLOP > FLOP_CAP = 1e12 FLOP (policies/demo.zpol:75:1)
 *
 * This module is the run driver (the entry points and PolicyInterpreter); interpret/evaluator.ts evaluates
 * expressions and statements, interpret/explain.ts explains failures, interpret/arith.ts holds the exact
 * arithmetic and equality on run values, and interpret/results.ts the results and their text report.
 */
import { join } from 'node:path';
import type * as A from '../language/ast.ts';
import { walk } from '../language/ast.ts';
import type { Type } from '../language/checker/types.ts';
import { requiredSamples } from '../language/checker/verify-settings.ts';
import { stratifiedSamples } from '../runtime/run/sampling.ts';
import { displayPath, STDLIB_DIR, type CheckedFile, type Program } from '../language/program.ts';
import { EvaluationError, locationOf, type Env, type Location } from './interpret/env.ts';
import { Evaluator } from './interpret/evaluator.ts';
import { explain, text } from './interpret/explain.ts';
import { callsCountLabels } from './labels.ts';
import { weightCalls } from '../language/checker/weights.ts';
import type { AttestResult, Evaluation, InvariantResult, OutputResult, VerifyResult } from './interpret/results.ts';
import { decodeRecord, decodeRunValue, encodeRunValue, showValue, type FieldType, type NumValue, type Rational, type RunValue } from './values.ts';

export interface InterpretOptions {
  /** The policy to evaluate, by path, when the program has more than one policy among its roots. */
  policy?: string;
  /** Called with the state after each step (before its invariants), for differential tests. */
  onStep?: (step: number, state: ReadonlyMap<string, RunValue>) => void;
}

// ---------------------------------------------------------------------------------------------------------
// Entry points

/** Evaluates a checked policy on a spec and a stream of steps, written as run values (JSON). */
export function interpretPolicy(program: Program, spec: unknown, steps: readonly unknown[], options: InterpretOptions = {}): Evaluation {
  return new PolicyInterpreter(program, options.policy).run(spec, steps, options);
}

export interface FunctionResult {
  value: RunValue;
  type: Type;
  /** For a report, with the unit: `3.14e23 FLOP`. */
  display: string;
}

/**
 * Calls function `name` of a module (`std.flops`, or a file's path) with arguments written as run values, each
 * decoded by its parameter's declared type: `callFunction(p, 'std.flops', 'dense_training_flops', ['175e9', '300e9'])`.
 */
export function callFunction(program: Program, module: string, name: string, args: readonly unknown[]): FunctionResult {
  assertChecked(program);
  const file = moduleFile(program, module);
  const sym = file.checker.exports().get(name);
  if (sym?.kind !== 'fn') throw new Error(`'${module}' has no function '${name}'`);
  const sig = file.checker.fnSignature(sym.decl);
  if (args.length !== sig.params.length) throw new Error(`'${name}' takes ${sig.params.length} arguments, given ${args.length}`);
  const values = args.map((a, i) => decodeRunValue(sig.params[i], a, `${module}.${name}`, sym.decl.params[i].name.name));
  const ev = new Evaluator(program);
  const value = ev.callFn(sym.decl, file, values, sym.decl.span);
  return { value, type: sig.result, display: showValue(value, sig.result) };
}

/** The value of constant `name` of a module (`std.thresholds`) or policy (by path), evaluated by the interpreter. */
export function evaluateConstant(program: Program, module: string, name: string): FunctionResult {
  assertChecked(program);
  const file = moduleFile(program, module);
  const sym = file.checker.exports().get(name);
  if (sym?.kind !== 'const') throw new Error(`'${module}' has no constant '${name}'`);
  const value = new Evaluator(program).constant(sym);
  const type = file.checker.constType(sym.decl);
  return { value, type, display: showValue(value, type) };
}

/** A loaded file by path, or a standard module by its dotted name (`std.flops`). */
function moduleFile(program: Program, module: string): CheckedFile {
  const path = module.startsWith('std.') ? displayPath(join(STDLIB_DIR, `${module.slice(4).split('.').join('/')}.zpol`)) : displayPath(module);
  const file = program.files.get(path);
  if (!file) throw new Error(`'${module}' is not part of this program (loaded: ${[...program.files.keys()].join(', ')})`);
  return file;
}

function assertChecked(program: Program): void {
  const errors = program.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const shown = errors.slice(0, 5).map((d) => `  ${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.code}: ${d.message}`);
    throw new Error(`cannot interpret a program with errors (${errors.length}):\n${shown.join('\n')}`);
  }
}
// ---------------------------------------------------------------------------------------------------------
// The policy

interface StateField {
  name: string;
  type: Type;
  initial: A.Expr;
}

/** A checked policy, prepared for evaluation: its records' field types, clauses and step block. */
/**
 * The rule for `count_labels` without tensors: records alone do not carry the committed labels, so an invariant
 * that counts them is not evaluated (the step proof checks it); the compiler leaves it out of the program that
 * `zpol eval` runs for the same reason (compile.ts, computeChecks false).
 */
export const LABELS_UNEVALUATED = "it reads committed source labels or token ids (count_labels, from_sources, embeds), which are in the run's tensors, not its records; zpol prove checks it";

/**
 * The same rule for the weight built-ins (weight_params, weight_layers, weight_experts): an attest that reads the
 * committed weights' layout is left to the genesis proof, and out of the genesis program `zpol eval` runs.
 */
export const WEIGHTS_UNEVALUATED = "it reads the committed initial weights' layout (weight_params, weight_layers, weight_experts), which is in the run's weights.json, not its records; zpol prove checks it";

export class PolicyInterpreter {
  readonly policy: CheckedFile;
  readonly name: string;
  readonly specFields: FieldType[];
  readonly stepFields: FieldType[];
  readonly stateFields: StateField[];
  private readonly ev: Evaluator;
  private readonly onStep: A.OnStepDecl | undefined;
  private readonly clauses: A.ClauseDecl[];
  private readonly verifies: A.VerifyDecl[];

  constructor(program: Program, policyPath?: string) {
    assertChecked(program);
    const policies = program.roots.filter((f) => f.ast.header?.kind === 'PolicyHeader');
    const wanted = policyPath === undefined ? undefined : displayPath(policyPath);
    const chosen = wanted === undefined ? policies : policies.filter((f) => f.path === wanted);
    if (chosen.length !== 1) {
      throw new Error(
        wanted === undefined
          ? `expected one policy among the program's files, found ${policies.length}${policies.length ? ` (${policies.map((f) => f.path).join(', ')}); name one` : ''}`
          : `'${wanted}' is not a policy of this program`,
      );
    }
    this.policy = chosen[0];
    this.name = (this.policy.ast.header as A.PolicyHeader).name.name;
    this.ev = new Evaluator(program);
    const checker = this.policy.checker;
    // The checker keeps field declarations, not their resolved types: resolve them once here (for a checked file
    // this reports nothing and records nothing new).
    const typed = (fields: ReadonlyMap<string, A.Field>): FieldType[] => [...fields.values()].map((f) => ({ name: f.name.name, type: checker.resolveType(f.type) }));
    this.specFields = typed(checker.specFields);
    this.stepFields = typed(checker.stepFields);
    this.stateFields = [...checker.stateFields.values()].map((f) => ({ name: f.name.name, type: checker.resolveType(f.type), initial: f.initial! }));
    const decls = this.policy.ast.decls;
    this.onStep = decls.find((d): d is A.OnStepDecl => d.kind === 'OnStepDecl');
    this.clauses = decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl');
    this.verifies = decls.filter((d): d is A.VerifyDecl => d.kind === 'VerifyDecl');
  }

  decodeSpec(json: unknown): Map<string, RunValue> {
    return decodeRecord(this.specFields, json, 'spec');
  }

  decodeStep(json: unknown, index: number): Map<string, RunValue> {
    return decodeRecord(this.stepFields, json, `step ${index + 1}`);
  }

  private env(spec: ReadonlyMap<string, RunValue>, state?: ReadonlyMap<string, RunValue>, step?: ReadonlyMap<string, RunValue>): Env {
    return { file: this.policy, spec, state, step, locals: new Map() };
  }

  private where(span: A.Span): Location {
    return locationOf(this.policy, span);
  }

  /** The state before the first step, from the initialisers (which may read the spec). */
  initialState(spec: ReadonlyMap<string, RunValue>): Map<string, RunValue> {
    const state = new Map<string, RunValue>();
    for (const f of this.stateFields) {
      const v = this.ev.eval(f.initial, this.env(spec));
      this.ev.assertFits(v, f.type, f.initial, this.policy);
      state.set(f.name, v);
    }
    return state;
  }

  /** The state after one step: runs `on step` on a copy of `state`. Throws EvaluationError. */
  step(spec: ReadonlyMap<string, RunValue>, state: ReadonlyMap<string, RunValue>, step: ReadonlyMap<string, RunValue>): Map<string, RunValue> {
    const next = new Map(state);
    if (this.onStep) this.ev.exec(this.onStep.body, { ...this.env(spec, next, step), state: next });
    return next;
  }

  /** Every attest claim on the spec. */
  attest(spec: ReadonlyMap<string, RunValue>): AttestResult[] {
    return this.clauses
      .filter((c) => c.clause === 'attest')
      .map((c) => {
        if (weightCalls(c.value).length > 0) return { name: c.name.name, description: c.description?.value ?? null, location: this.where(c.span), holds: true, unevaluated: WEIGHTS_UNEVALUATED };
        const r = this.condition(c, this.env(spec), '');
        return { name: c.name.name, description: c.description?.value ?? null, location: this.where(c.span), ...r };
      });
  }

  /** Every invariant in `state`, the state after step `index` (whose record is `step`: an invariant may read it). */
  invariants(
    spec: ReadonlyMap<string, RunValue>,
    state: ReadonlyMap<string, RunValue>,
    index: number,
    step?: ReadonlyMap<string, RunValue>,
  ): { clause: A.ClauseDecl; holds: boolean; message?: string; unevaluated?: string }[] {
    return this.clauses
      .filter((c) => c.clause === 'invariant')
      .map((c) => (callsCountLabels(c.value) ? { clause: c, holds: true, unevaluated: LABELS_UNEVALUATED } : { clause: c, ...this.condition(c, this.env(spec, state, step), ` at step ${index + 1}`) }));
  }

  private condition(c: A.ClauseDecl, env: Env, when: string): { holds: boolean; message?: string } {
    const head = `${c.clause} ${c.name.name}`;
    try {
      const v = this.ev.eval(c.value, env);
      if (v.kind !== 'bool') throw new Error(`internal: ${head} is not a condition`);
      if (v.value) return { holds: true };
      return { holds: false, message: `${head} failed${when}: ${explain(this.ev, c.value, env, false)} (${this.where(c.span)})` };
    } catch (e) {
      if (!(e instanceof EvaluationError)) throw e;
      return { holds: false, message: `${head} could not be evaluated${when}: ${e.message} (${this.where(c.span)})` };
    }
  }

  /** Every output, in `state` (the state after the last step). */
  outputs(spec: ReadonlyMap<string, RunValue>, state: ReadonlyMap<string, RunValue>): OutputResult[] {
    return this.clauses
      .filter((c) => c.clause === 'output')
      .map((c) => {
        const type = this.policy.checker.types.get(c.value)!;
        const base = { name: c.name.name, description: c.description?.value ?? null, location: this.where(c.span), type };
        try {
          const value = this.ev.eval(c.value, this.env(spec, state));
          return { ...base, value, json: encodeRunValue(value), display: showValue(value, type) };
        } catch (e) {
          if (!(e instanceof EvaluationError)) throw e;
          return { ...base, error: `output ${c.name.name} could not be evaluated: ${e.message} (${base.location})` };
        }
      });
  }

  /** The settings of every compute check, resolved against the spec (and each step, for dims that read one). */
  verifySettings(spec: ReadonlyMap<string, RunValue>, steps: readonly ReadonlyMap<string, RunValue>[] = []): VerifyResult[] {
    return this.verifies.map((d) => {
      const setting = new Map(d.settings.map((s) => [s.key.name, s.value]));
      const get = (key: string): A.Expr => setting.get(key)!;
      const env = this.env(spec);
      const rational = (key: string): Rational => {
        const v = this.ev.eval(get(key), env) as NumValue;
        return { num: v.num, den: v.den };
      };
      const [tau, f] = [rational('tau'), rational('f')];
      const samplesExpr = setting.get('samples');
      const order = get('order');
      const dimsExpr = get('dims');
      const triple = (v: RunValue): [bigint, bigint, bigint] => (v as Extract<RunValue, { kind: 'array' }>).elements.map((x) => (x as NumValue).num) as [bigint, bigint, bigint];
      const readsStep = this.readsStep(dimsExpr);
      const k = samplesExpr ? Number((this.ev.eval(samplesExpr, env) as NumValue).num) : requiredSamples(tau, f);
      // As the compiled check runs it: rounded up to a multiple of the column strata (runtime/run/sampling.ts).
      const n = readsStep ? 0 : Number(triple(this.ev.eval(dimsExpr, env))[2]);
      const samples = n >= 1 ? stratifiedSamples(k, n) : k;
      return {
        name: d.name.name,
        description: d.description?.value ?? null,
        location: this.where(d.span),
        status: "not evaluated: it needs the run's tensors (zpol prove runs it)" as const,
        a: text(get('a'), this.policy),
        b: text(get('b'), this.policy),
        c: text(get('c'), this.policy),
        dims: readsStep ? null : triple(this.ev.eval(dimsExpr, env)),
        ...(readsStep ? { dimsByStep: steps.map((s) => triple(this.ev.eval(dimsExpr, this.env(spec, undefined, s)))) } : {}),
        tau,
        f,
        samples,
        samplesExplicit: samplesExpr !== undefined,
        order:
          order.kind === 'CallExpr' ? { kind: 'blocked' as const, width: (this.ev.eval(order.args[0], env) as NumValue).num }
          : order.kind === 'NameRef' && order.name.name === 'tensor_core' ? { kind: 'tensor_core' as const }
          : { kind: 'sequential' as const },
        rounding: (get('rounding') as A.NameRef).name.name as 'bf16' | 'f32',
      };
    });
  }

  private readsStep(e: A.Expr): boolean {
    let found = false;
    walk(e, (n) => {
      if (n.kind === 'MemberExpr' && n.object.kind === 'NameRef') {
        const t = this.policy.checker.types.get(n.object);
        if (t?.kind === 'record' && t.record === 'step') found = true;
      }
    });
    return found;
  }

  /** The whole evaluation: decodes the spec and every step first (throwing RunValueError on a malformed one). */
  run(specJson: unknown, stepsJson: readonly unknown[], options: InterpretOptions = {}): Evaluation {
    const spec = this.decodeSpec(specJson);
    const steps = stepsJson.map((s, i) => this.decodeStep(s, i));
    const failures: string[] = [];
    const attests = this.attest(spec);
    for (const a of attests) if (a.message) failures.push(a.message);

    const invariantDecls = this.clauses.filter((c) => c.clause === 'invariant');
    const invariants: InvariantResult[] = invariantDecls.map((c) => ({
      name: c.name.name,
      description: c.description?.value ?? null,
      location: this.where(c.span),
      holds: true,
      results: [],
      failures: [],
    }));
    let state: Map<string, RunValue>;
    let halted: Evaluation['halted'];
    try {
      state = this.initialState(spec);
    } catch (e) {
      if (!(e instanceof EvaluationError)) throw e;
      halted = { step: 0, message: `the initial state could not be evaluated: ${e.message}` };
      failures.push(halted.message);
      state = new Map();
    }
    let evaluated = 0;
    for (let i = 0; i < steps.length && !halted; i++) {
      try {
        state = this.step(spec, state, steps[i]);
      } catch (e) {
        if (!(e instanceof EvaluationError)) throw e;
        halted = { step: i + 1, message: `on step could not be evaluated at step ${i + 1}: ${e.message}` };
        failures.push(halted.message);
        break;
      }
      evaluated = i + 1;
      options.onStep?.(i, state);
      this.invariants(spec, state, i, steps[i]).forEach((r, k) => {
        const inv = invariants[k];
        if (r.unevaluated) {
          inv.unevaluated = r.unevaluated;
          return;
        }
        inv.results.push(r.holds);
        if (!r.holds) {
          inv.holds = false;
          inv.failures.push({ step: i + 1, message: r.message! });
          failures.push(r.message!);
        }
      });
    }
    const outputs: OutputResult[] = halted
      ? this.clauses
          .filter((c) => c.clause === 'output')
          .map((c) => ({
            name: c.name.name,
            description: c.description?.value ?? null,
            location: this.where(c.span),
            type: this.policy.checker.types.get(c.value)!,
            error: `output ${c.name.name} not evaluated: the run halted at step ${halted!.step}`,
          }))
      : this.outputs(spec, state);
    if (!halted) for (const o of outputs) if (o.error) failures.push(o.error);
    return {
      policy: this.name,
      file: this.policy.path,
      ok: failures.length === 0,
      steps: evaluated,
      attests,
      invariants,
      verifies: this.verifySettings(spec, steps),
      outputs,
      halted,
      state,
      failures,
    };
  }
}
