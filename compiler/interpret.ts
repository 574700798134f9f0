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
 *   invariant under_flop_cap failed at step 288: total_flops = 1.00224e12 FLOP > FLOP_CAP = 1e12 FLOP (policies/demo.zpol:62:1)
 */
import { join } from 'node:path';
import type * as A from '../language/ast.ts';
import { walk } from '../language/ast.ts';
import type { Symbol } from '../language/checker/symbols.ts';
import type { Type } from '../language/checker/types.ts';
import { requiredSamples } from '../language/checker/verify-settings.ts';
import { stratifiedSamples } from '../runtime/run/sampling.ts';
import { displayPath, STDLIB_DIR, type CheckedFile, type Program } from '../language/program.ts';
import { bf16ToF32, eqF32 } from '../runtime/vm/semantics.ts';
import {
  decodeRecord,
  decodeRunValue,
  encodeRunValue,
  num,
  showValue,
  type FieldType,
  type Json,
  type NumValue,
  type Rational,
  type RunValue,
} from './values.ts';

// ---------------------------------------------------------------------------------------------------------
// Results

/** Where a clause or an expression is: `policies/demo.zpol:62:1`. */
export type Location = string;

export interface AttestResult {
  name: string;
  description: string | null;
  location: Location;
  holds: boolean;
  /** Why it failed, in the policy's terms; absent when it holds. */
  message?: string;
}

export interface InvariantResult {
  name: string;
  description: string | null;
  location: Location;
  /** Whether it held after every step evaluated. */
  holds: boolean;
  /** Whether it held after step i, for every step evaluated. */
  results: boolean[];
  /** One entry per failing step, in step order. */
  failures: { step: number; message: string }[];
}

export interface VerifyResult {
  name: string;
  description: string | null;
  location: Location;
  status: "not evaluated: it needs the run's tensors (zpol prove runs it)";
  /** The committed operands as written (`step.x_root`). */
  a: string;
  b: string;
  c: string;
  /** [m, k, n] from the spec; null when the dims read step fields (see dimsByStep). */
  dims: [bigint, bigint, bigint] | null;
  /** [m, k, n] at each step, when the dims read step fields. */
  dimsByStep?: [bigint, bigint, bigint][];
  tau: Rational;
  f: Rational;
  /** Output entries sampled: `samples` when given, else ceil(ln(1/tau) / f); rounded up to a multiple of the column strata. */
  samples: number;
  samplesExplicit: boolean;
  order: { kind: 'sequential' } | { kind: 'blocked'; width: bigint };
  rounding: 'bf16' | 'f32';
}

export interface OutputResult {
  name: string;
  description: string | null;
  location: Location;
  type: Type;
  /** Absent when the output could not be evaluated (see error) or the run halted. */
  value?: RunValue;
  /** The value as a run value in JSON (docs/run-values.md). */
  json?: Json;
  /** The value for a report, with its unit: `3.6e11 FLOP`. */
  display?: string;
  error?: string;
}

export interface Evaluation {
  policy: string;
  file: string;
  /** Every attest held, every invariant held after every step, nothing failed to evaluate. */
  ok: boolean;
  /** Steps evaluated: all of them, unless the run halted. */
  steps: number;
  attests: AttestResult[];
  invariants: InvariantResult[];
  verifies: VerifyResult[];
  /** Evaluated in the state after the last step; not evaluated when the run halted. */
  outputs: OutputResult[];
  /** A run-time error in `on step`: the run cannot go past this step. */
  halted?: { step: number; message: string };
  /** The state after the last step evaluated. */
  state: Map<string, RunValue>;
  /** Every failure message, in the order found. */
  failures: string[];
}

export interface InterpretOptions {
  /** The policy to evaluate, by path, when the program has more than one policy among its roots. */
  policy?: string;
  /** Called with the state after each step (before its invariants), for differential tests. */
  onStep?: (step: number, state: ReadonlyMap<string, RunValue>) => void;
}

/** A run-time error: division by zero, an index outside an array. The message ends with its location. */
export class EvaluationError extends Error {
  constructor(
    readonly problem: string,
    readonly location: Location,
  ) {
    super(`${problem} (${location})`);
    this.name = 'EvaluationError';
  }
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

function locationOf(file: CheckedFile, span: A.Span): Location {
  return `${file.path}:${span.start.line}:${span.start.column}`;
}

// ---------------------------------------------------------------------------------------------------------
// The policy

interface StateField {
  name: string;
  type: Type;
  initial: A.Expr;
}

/** A checked policy, prepared for evaluation: its records' field types, clauses and step block. */
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
        const r = this.condition(c, this.env(spec), '');
        return { name: c.name.name, description: c.description?.value ?? null, location: this.where(c.span), ...r };
      });
  }

  /** Every invariant in `state`, the state after step `index`. */
  invariants(spec: ReadonlyMap<string, RunValue>, state: ReadonlyMap<string, RunValue>, index: number): { clause: A.ClauseDecl; holds: boolean; message?: string }[] {
    return this.clauses.filter((c) => c.clause === 'invariant').map((c) => ({ clause: c, ...this.condition(c, this.env(spec, state), ` at step ${index + 1}`) }));
  }

  private condition(c: A.ClauseDecl, env: Env, when: string): { holds: boolean; message?: string } {
    const head = `${c.clause} ${c.name.name}`;
    try {
      const v = this.ev.eval(c.value, env);
      if (v.kind !== 'bool') throw new Error(`internal: ${head} is not a condition`);
      if (v.value) return { holds: true };
      return { holds: false, message: `${head} failed${when}: ${this.ev.explain(c.value, env, false)} (${this.where(c.span)})` };
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
        a: this.ev.text(get('a'), this.policy),
        b: this.ev.text(get('b'), this.policy),
        c: this.ev.text(get('c'), this.policy),
        dims: readsStep ? null : triple(this.ev.eval(dimsExpr, env)),
        ...(readsStep ? { dimsByStep: steps.map((s) => triple(this.ev.eval(dimsExpr, this.env(spec, undefined, s)))) } : {}),
        tau,
        f,
        samples,
        samplesExplicit: samplesExpr !== undefined,
        order:
          order.kind === 'CallExpr'
            ? { kind: 'blocked' as const, width: (this.ev.eval(order.args[0], env) as NumValue).num }
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
      this.invariants(spec, state, i).forEach((r, k) => {
        const inv = invariants[k];
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

/** A plain-text report of an evaluation, one line per clause. */
export function formatEvaluation(ev: Evaluation): string {
  const lines = [`policy ${ev.policy} (${ev.file}): ${ev.ok ? 'ok' : 'FAILED'}, ${ev.steps} step${ev.steps === 1 ? '' : 's'}`];
  for (const a of ev.attests) lines.push(a.holds ? `  attest ${a.name}: holds` : `  ${a.message}`);
  for (const inv of ev.invariants) {
    if (inv.holds) lines.push(`  invariant ${inv.name}: holds after every step`);
    else {
      lines.push(`  invariant ${inv.name}: fails at ${inv.failures.length} step${inv.failures.length === 1 ? '' : 's'}, first:`);
      lines.push(`    ${inv.failures[0].message}`);
    }
  }
  if (ev.halted) lines.push(`  ${ev.halted.message}`);
  for (const v of ev.verifies) {
    const dims = v.dims ? `dims [${v.dims.join(', ')}]` : 'dims per step';
    lines.push(`  verify ${v.name}: ${v.status}; ${dims}, k = ${v.samples} samples, ${v.order.kind === 'sequential' ? 'sequential' : `blocked(${v.order.width})`}, rounding ${v.rounding}`);
  }
  for (const o of ev.outputs) lines.push(o.error ? `  ${o.error}` : `  output ${o.name} = ${o.display}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Expressions and statements

/** What an expression may read while it is evaluated. */
interface Env {
  /** The file whose checker resolved the expression (a policy, or the module a called function is in). */
  file: CheckedFile;
  spec?: ReadonlyMap<string, RunValue>;
  step?: ReadonlyMap<string, RunValue>;
  state?: ReadonlyMap<string, RunValue>;
  /** Locals (lets, loop variables, parameters), by the identifier that declares them. */
  locals: Map<A.Identifier, RunValue>;
}

type ArrayValue = Extract<RunValue, { kind: 'array' }>;

const TRUE: RunValue = { kind: 'bool', value: true };
const FALSE: RunValue = { kind: 'bool', value: false };
const bool = (b: boolean): RunValue => (b ? TRUE : FALSE);

function add(a: NumValue, b: NumValue): NumValue {
  if (a.den === 1n && b.den === 1n) return { kind: 'num', num: a.num + b.num, den: 1n };
  return num(a.num * b.den + b.num * a.den, a.den * b.den);
}

function sub(a: NumValue, b: NumValue): NumValue {
  if (a.den === 1n && b.den === 1n) return { kind: 'num', num: a.num - b.num, den: 1n };
  return num(a.num * b.den - b.num * a.den, a.den * b.den);
}

function mul(a: NumValue, b: NumValue): NumValue {
  if (a.den === 1n && b.den === 1n) return { kind: 'num', num: a.num * b.num, den: 1n };
  return num(a.num * b.num, a.den * b.den);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
function compare(a: NumValue, b: NumValue): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** `==` on values of one type. Floats compare as IEEE numbers (NaN is unequal to everything; -0 == +0). */
export function runValuesEqual(a: RunValue, b: RunValue): boolean {
  switch (a.kind) {
    case 'num':
      return b.kind === 'num' && a.num === b.num && a.den === b.den;
    case 'bool':
      return b.kind === 'bool' && a.value === b.value;
    case 'enum':
      return b.kind === 'enum' && a.decl === b.decl && a.member === b.member;
    case 'digest':
      return b.kind === 'digest' && a.words.every((w, i) => w === b.words[i]);
    case 'float': {
      if (b.kind !== 'float') return false;
      const bits = (v: typeof a) => (v.format === 'bf16' ? bf16ToF32(v.bits) : v.bits);
      return eqF32(bits(a), bits(b));
    }
    case 'array':
      return b.kind === 'array' && a.elements.length === b.elements.length && a.elements.every((x, i) => runValuesEqual(x, b.elements[i]));
  }
}

class Evaluator {
  /** Constants by declaration, evaluated once (they read only literals and other constants). */
  private readonly constants = new Map<A.ConstDecl, RunValue>();
  /** State fields' declared types, resolved once. */
  private readonly fieldTypes = new Map<A.Field, Type>();

  constructor(private readonly program: Program) {}

  private fileOf(path: string): CheckedFile {
    const f = this.program.files.get(path);
    if (!f) throw new Error(`internal: '${path}' is not loaded`);
    return f;
  }

  private symbol(id: A.Identifier, env: Env): Symbol {
    const sym = env.file.checker.resolved.get(id);
    if (!sym) throw new Error(`internal: '${id.name}' at ${locationOf(env.file, id.span)} was not resolved by the checker`);
    return sym;
  }

  private fail(problem: string, at: A.Node, env: Env): never {
    throw new EvaluationError(problem, locationOf(env.file, at.span));
  }

  eval(e: A.Expr, env: Env): RunValue {
    switch (e.kind) {
      case 'NumberLiteral':
        return { kind: 'num', num: e.num, den: e.den };
      case 'BoolLiteral':
        return bool(e.value);
      case 'ParenExpr':
        return this.eval(e.inner, env);
      case 'NameRef':
        return this.name(e, env);
      case 'MemberExpr':
        return this.member(e, env);
      case 'IndexExpr': {
        const arr = this.eval(e.object, env) as ArrayValue;
        const i = this.index(this.eval(e.index, env), arr.elements.length, e.index, e.object, env);
        return arr.elements[i];
      }
      case 'CallExpr':
        return this.call(e, env);
      case 'UnaryExpr': {
        const v = this.eval(e.operand, env);
        if (e.op === 'not') return bool(!(v as Extract<RunValue, { kind: 'bool' }>).value);
        const n = v as NumValue;
        return { kind: 'num', num: -n.num, den: n.den };
      }
      case 'BinaryExpr':
        return this.binary(e, env);
      case 'InRangeExpr': {
        const v = this.eval(e.value, env) as NumValue;
        const lo = this.eval(e.low, env) as NumValue;
        const hi = this.eval(e.high, env) as NumValue;
        return bool(compare(lo, v) <= 0 && compare(v, hi) <= 0);
      }
      case 'IfExpr':
        return this.eval(this.truth(e.condition, env) ? e.then : e.otherwise, env);
      case 'ArrayLiteral':
        return { kind: 'array', elements: e.elements.map((x) => this.eval(x, env)) };
      case 'ArrayRepeat': {
        const v = this.eval(e.value, env);
        const n = Number((this.eval(e.count, env) as NumValue).num);
        return { kind: 'array', elements: Array.from({ length: n }, () => v) };
      }
      case 'StringLiteral':
      case 'ErrorExpr':
        throw new Error(`internal: a ${e.kind} at ${locationOf(env.file, e.span)} has no value`);
    }
  }

  private truth(e: A.Expr, env: Env): boolean {
    return (this.eval(e, env) as Extract<RunValue, { kind: 'bool' }>).value;
  }

  private name(e: A.NameRef, env: Env): RunValue {
    const sym = this.symbol(e.name, env);
    switch (sym.kind) {
      case 'local': {
        const v = env.locals.get(sym.name);
        if (!v) throw new Error(`internal: local '${sym.name.name}' read before it is bound`);
        return v;
      }
      case 'const':
        return this.constant(sym);
      case 'unit':
        return num(1n); // a unit name is one of that unit
      case 'state': {
        const v = env.state?.get(sym.field.name.name);
        if (!v) throw new Error(`internal: state field '${sym.field.name.name}' is not readable here`);
        return v;
      }
      default:
        throw new Error(`internal: ${sym.kind} '${e.name.name}' used as a value`);
    }
  }

  private fieldType(field: A.Field, file: CheckedFile): Type {
    let t = this.fieldTypes.get(field);
    if (!t) {
      t = file.checker.resolveType(field.type);
      this.fieldTypes.set(field, t);
    }
    return t;
  }

  constant(sym: Extract<Symbol, { kind: 'const' }>): RunValue {
    let v = this.constants.get(sym.decl);
    if (!v) {
      const owner = this.fileOf(sym.owner);
      v = this.eval(sym.decl.value, { file: owner, locals: new Map() });
      this.constants.set(sym.decl, v);
    }
    return v;
  }

  private member(e: A.MemberExpr, env: Env): RunValue {
    if (e.object.kind === 'NameRef') {
      const t = env.file.checker.types.get(e.object);
      if (t?.kind === 'record') {
        const v = (t.record === 'spec' ? env.spec : env.step)?.get(e.member.name);
        if (!v) throw new Error(`internal: ${t.record}.${e.member.name} is not readable here`);
        return v;
      }
      const sym = this.symbol(e.object.name, env);
      if (sym.kind === 'enum') return { kind: 'enum', decl: sym.decl, member: e.member.name };
    }
    throw new Error(`internal: unsupported member expression at ${locationOf(env.file, e.span)}`);
  }

  /** A valid index into an array of `length` elements, or a run-time error. */
  private index(v: RunValue, length: number, at: A.Expr, array: A.Expr, env: Env): number {
    const n = v as NumValue;
    if (n.den !== 1n || n.num < 0n || n.num >= BigInt(length)) {
      this.fail(`index ${this.text(at, env.file)} = ${showValue(n)} is outside ${this.text(array, env.file)}, whose indices are 0 to ${length - 1}`, at, env);
    }
    return Number(n.num);
  }

  private binary(e: A.BinaryExpr, env: Env): RunValue {
    if (e.op === 'and') return bool(this.truth(e.left, env) && this.truth(e.right, env));
    if (e.op === 'or') return bool(this.truth(e.left, env) || this.truth(e.right, env));
    const l = this.eval(e.left, env);
    const r = this.eval(e.right, env);
    if (e.op === '==') return bool(runValuesEqual(l, r));
    if (e.op === '!=') return bool(!runValuesEqual(l, r));
    const [a, b] = [l as NumValue, r as NumValue];
    switch (e.op) {
      case '<':
        return bool(compare(a, b) < 0);
      case '<=':
        return bool(compare(a, b) <= 0);
      case '>':
        return bool(compare(a, b) > 0);
      case '>=':
        return bool(compare(a, b) >= 0);
      case '+':
        return add(a, b);
      case '-':
        return sub(a, b);
      case '*':
        return mul(a, b);
      case '/':
        if (b.num === 0n) this.fail(`division by zero: ${this.operand(e.right, env)}`, e, env);
        return num(a.num * b.den, a.den * b.num);
    }
  }

  private call(e: A.CallExpr, env: Env): RunValue {
    const sym = this.symbol(e.callee, env);
    const args = e.args.map((a) => this.eval(a, env));
    if (sym.kind === 'fn') return this.callFn(sym.decl, this.fileOf(sym.owner), args, e.span, env);
    if (sym.kind !== 'builtin') throw new Error(`internal: ${sym.kind} '${e.callee.name}' called`);
    const list = args.length === 1 && args[0].kind === 'array' ? (args[0].elements as NumValue[]) : (args as NumValue[]);
    switch (sym.name) {
      case 'len':
        return num(BigInt((args[0] as ArrayValue).elements.length));
      case 'sum':
        return list.reduce(add, num(0n));
      case 'min':
        return list.reduce((a, b) => (compare(b, a) < 0 ? b : a));
      case 'max':
        return list.reduce((a, b) => (compare(b, a) > 0 ? b : a));
      case 'ceil':
      case 'floor': {
        const v = list[0];
        // Truncation towards zero, then one step down for a negative non-integer: floor; ceil is one above a
        // non-integer's floor (fold.ts).
        const q = v.num / v.den - (v.num < 0n && v.num % v.den !== 0n ? 1n : 0n);
        return num(sym.name === 'floor' || v.num % v.den === 0n ? q : q + 1n);
      }
      case 'abs': {
        const v = list[0];
        return { kind: 'num', num: v.num < 0n ? -v.num : v.num, den: v.den };
      }
    }
  }

  /** Calls a function declared in `owner` (whose checker resolved its body) with evaluated arguments. */
  callFn(decl: A.FnDecl, owner: CheckedFile, args: RunValue[], at: A.Span, caller?: Env): RunValue {
    const locals = new Map<A.Identifier, RunValue>();
    decl.params.forEach((p, i) => locals.set(p.name, args[i]));
    const v = this.eval(decl.body, { file: owner, locals });
    const sig = owner.checker.fnSignature(decl);
    this.assertFits(v, sig.result, decl.body, owner, caller ? `called at ${locationOf(caller.file, at)}` : undefined);
    return v;
  }

  /** The type system promises that an int place only ever holds a whole number; check it, as an oracle should. */
  assertFits(v: RunValue, type: Type, at: A.Node, file: CheckedFile, note?: string): void {
    if (type.kind === 'num' && type.base === 'int' && (v.kind !== 'num' || v.den !== 1n)) {
      throw new Error(`internal: ${showValue(v)} is not whole but its type is int (${locationOf(file, at.span)}${note ? `, ${note}` : ''})`);
    }
    if (type.kind === 'array' && v.kind === 'array') for (const x of v.elements) this.assertFits(x, type.element, at, file, note);
  }

  // -------------------------------------------------------------------------------------------------------
  // Statements (`on step`)

  exec(stmts: readonly A.Stmt[], env: Env & { state: Map<string, RunValue> }): void {
    for (const s of stmts) {
      switch (s.kind) {
        case 'LetStmt':
          env.locals.set(s.name, this.eval(s.value, env));
          break;
        case 'AssignStmt':
          this.assign(s, env);
          break;
        case 'ForStmt': {
          const from = (this.eval(s.from, env) as NumValue).num;
          const to = (this.eval(s.to, env) as NumValue).num;
          for (let i = from; i < to; i++) {
            env.locals.set(s.variable, num(i));
            this.exec(s.body, env);
          }
          break;
        }
      }
    }
  }

  private assign(s: A.AssignStmt, env: Env & { state: Map<string, RunValue> }): void {
    const indices: A.Expr[] = [];
    let target = s.target;
    while (target.kind === 'IndexExpr') {
      indices.unshift(target.index);
      target = target.object;
    }
    if (target.kind !== 'NameRef') throw new Error(`internal: assignment target at ${locationOf(env.file, s.span)}`);
    const sym = this.symbol(target.name, env);
    if (sym.kind !== 'state') throw new Error(`internal: assignment to ${sym.kind} '${target.name.name}'`);
    const name = sym.field.name.name;
    const at = indices.map((ix) => this.eval(ix, env));
    const value = this.eval(s.value, env);
    let placeType = this.fieldType(sym.field, env.file);
    for (let k = 0; k < indices.length; k++) placeType = (placeType as Extract<Type, { kind: 'array' }>).element;
    // Copy on write along the indexed path: arrays are values, so one a local holds never changes under it.
    const update = (old: RunValue, k: number, arrayExpr: A.Expr): RunValue => {
      if (k === indices.length) {
        const next = s.op === '=' ? value : s.op === '+=' ? add(old as NumValue, value as NumValue) : sub(old as NumValue, value as NumValue);
        this.assertFits(next, placeType, s, env.file);
        return next;
      }
      const arr = old as ArrayValue;
      const i = this.index(at[k], arr.elements.length, indices[k], arrayExpr, env);
      const elements = arr.elements.slice();
      elements[i] = update(arr.elements[i], k + 1, arrayExpr);
      return { kind: 'array', elements };
    };
    env.state.set(name, update(env.state.get(name)!, 0, target));
  }

  // -------------------------------------------------------------------------------------------------------
  // Explanations

  /** Source text of an expression, on one line, shortened when long. */
  text(e: A.Expr, file: CheckedFile): string {
    const t = file.text.slice(e.span.start.offset, e.span.end.offset).replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
    return t.length > 100 ? `${t.slice(0, 97)}...` : t;
  }

  /** `TEXT = VALUE UNIT`, or just `VALUE UNIT` for a literal; a conditional shows the branch it took. */
  private operand(e: A.Expr, env: Env): string {
    let inner = e;
    while (inner.kind === 'ParenExpr') inner = inner.inner;
    if (inner.kind === 'IfExpr') {
      const c = this.truth(inner.condition, env);
      return `${this.operand(c ? inner.then : inner.otherwise, env)} (as ${this.text(inner.condition, env.file)} is ${c})`;
    }
    let v: RunValue;
    try {
      v = this.eval(e, env);
    } catch (err) {
      if (err instanceof EvaluationError) return this.text(e, env.file);
      throw err;
    }
    const shown = showValue(v, env.file.checker.types.get(e));
    return isLiteral(e, env) ? shown : `${this.text(e, env.file)} = ${shown}`;
  }

  /** Why `e` evaluated to `value`, in the policy's terms: the values behind a comparison, a call, a branch. */
  explain(e: A.Expr, env: Env, value: boolean, depth = 0): string {
    switch (e.kind) {
      case 'ParenExpr':
        return this.explain(e.inner, env, value, depth);
      case 'UnaryExpr':
        if (e.op === 'not') return this.explain(e.operand, env, !value, depth);
        break;
      case 'BinaryExpr': {
        if (e.op === 'and' || e.op === 'or') {
          // `and` is false (`or` true) because of its first operand that is; the other way round, both count.
          const decisive = e.op === 'and' ? false : true;
          if (value === decisive) {
            const first = this.truth(e.left, env) === decisive ? e.left : e.right;
            return this.explain(first, env, value, depth);
          }
          return `${this.explain(e.left, env, value, depth)}, and ${this.explain(e.right, env, value, depth)}`;
        }
        if (['==', '!=', '<', '<=', '>', '>='].includes(e.op)) {
          const l = this.eval(e.left, env);
          const r = this.eval(e.right, env);
          let rel: string;
          // An ordering shows which side is larger; an equality shows whether the sides are equal.
          if (l.kind === 'num' && r.kind === 'num' && e.op !== '==' && e.op !== '!=') rel = ['<', '==', '>'][compare(l, r) + 1];
          else rel = runValuesEqual(l, r) ? '==' : '!=';
          return `${this.operand(e.left, env)} ${rel} ${this.operand(e.right, env)}`;
        }
        break;
      }
      case 'InRangeExpr': {
        const range = `[${this.operand(e.low, env)}, ${this.operand(e.high, env)}]`;
        return `${this.operand(e.value, env)} is ${value ? '' : 'not '}in ${range}`;
      }
      case 'IfExpr': {
        const c = this.truth(e.condition, env);
        return `${this.text(e.condition, env.file)} is ${c}, so ${this.explain(c ? e.then : e.otherwise, env, value, depth)}`;
      }
      case 'CallExpr': {
        const sym = this.symbol(e.callee, env);
        if (sym.kind !== 'fn' || depth >= 8) break;
        const owner = this.fileOf(sym.owner);
        const locals = new Map<A.Identifier, RunValue>();
        sym.decl.params.forEach((p, i) => locals.set(p.name, this.eval(e.args[i], env)));
        const inner = this.explain(sym.decl.body, { file: owner, locals }, value, depth + 1);
        return `${this.text(e, env.file)} is ${value}: in ${sym.decl.name.name} (${locationOf(owner, sym.decl.body.span)}), ${inner}`;
      }
    }
    return `${this.text(e, env.file)} is ${value}`;
  }
}

/** A literal (or an enum value) shows as its value alone: `1e25 FLOP`, not `1e25 FLOP = 1e25 FLOP`. */
function isLiteral(e: A.Expr, env: Env): boolean {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'BoolLiteral':
      return true;
    case 'ParenExpr':
      return isLiteral(e.inner, env);
    case 'UnaryExpr':
      return e.op === '-' && isLiteral(e.operand, env);
    case 'MemberExpr':
      return e.object.kind === 'NameRef' && env.file.checker.resolved.get(e.object.name)?.kind === 'enum';
    default:
      return false;
  }
}
