/**
 * `zpol diff A B --implies`: whether every run that satisfies policy A also satisfies policy B, decided with Z3
 * over the encoding of encode.ts (docs/implication.md).
 *
 * A run is a spec and any number of steps over the union of both policies' record fields (a field both declare,
 * or that --map pairs, is one variable and must have one type in both; each policy reads its own fields). "Satisfies" is the reference
 * interpreter's verdict: every attest holds, the state initialisers and every `on step` evaluate, every invariant
 * holds after every step, and every output evaluates after the last.
 *
 *   1. Bounded: for n = 0..K steps from the initial state, is there a run that A accepts and B rejects? A model is
 *      a counterexample: it is written out as records and run through `zpol eval`'s evaluator (A must comply and
 *      B must fail there too) before it is reported.
 *   2. Unbounded, for n > K, by induction over one generic step:
 *      - B's attests and initialisers from A's attests and initialisers (they read only the spec);
 *      - how A's state relates to B's after every step of every run (correspondence.ts: a field equal to a sum
 *        of fields of the other policy, each counted from its initial value, or equal; found by Houdini);
 *      - each of B's step obligations (its `on step` evaluates, each invariant, each output) at step n from: the
 *        correspondences at step n − 1, A's attests and invariants at n − 1 (with step n − 1's record) and at n, B's
 *        invariants at n − 1 (the induction hypothesis, over all of B's obligations together), over free states.
 *   All of B's obligations proven: A implies B (exit 0). A counterexample: exit 1. Anything else (an induction
 *   step that fails from a state that may be unreachable, the solver's "unknown"): exit 2 with the reason.
 */
import { init } from 'z3-solver';
import { loadProgram, type CheckedFile, type Program } from '../../language/program.ts';
import { encodeRunValue, type Json, type RunValue } from '../../runtime/policy/run-values.ts';
import { freshValue, PolicyEncoding, typeKey, type Leaf, type ClauseFormula, type SymRecord, type TypedField } from './encode.ts';
import { candidates, correspondences, describe } from './correspondence.ts';
import { Arithmetic, OutOfFragment, type Formula, type Sym, type Term, type Z } from './symbolic.ts';
import { WIDE_LIMIT } from '../../runtime/vm/word.ts';
import { formatNumber } from '../../base/numbers.ts';

let z3: ReturnType<typeof init> | undefined;

/**
 * A fresh Z3 context on the process's one Z3 instance (initialising the WebAssembly module takes about a second):
 * each decision gets its own context, so that its models do not depend on what was solved before.
 */
export async function z3Context(): Promise<Z> {
  z3 ??= init();
  const { Context } = await z3;
  return Context('zpol');
}

export interface ImpliesOptions {
  /** Steps the bounded search unrolls from the initial state (K ≥ 1); the induction covers longer runs. */
  readonly steps?: number;
  /** Per solver query, in milliseconds. */
  readonly timeoutMs?: number;
  /** Fields of A and B that are one value under two names: `spec.params=spec.n_params` (A's first). */
  readonly map?: readonly string[];
}

/**
 * implied: proven for every run A accepts; fails: broken by the counterexample; not checked: the search stopped at
 * the counterexample; not proven: the induction step fails (from a state that may be unreachable); unknown: the
 * solver could not decide.
 */
export type ObligationStatus = 'implied' | 'fails' | 'not checked' | 'not proven' | 'unknown';

/** One of B's obligations and how it fared. */
export interface Obligation {
  readonly clause: string;
  readonly location: string;
  readonly status: ObligationStatus;
  readonly detail: string;
}

export interface RunRecords {
  readonly spec: Json;
  readonly steps: Json[];
}

export interface Counterexample {
  /** The step at which B fails (0: its attests or initial state). */
  readonly step: number;
  readonly clause: string;
  /** The run as each policy's records (each has only its own fields). */
  readonly a: RunRecords;
  readonly b: RunRecords;
  /** What the evaluator said of the run under each policy. */
  readonly confirmation: { readonly a: string; readonly b: string };
}

export interface ImpliesReport {
  readonly a: { readonly file: string; readonly policy: string };
  readonly b: { readonly file: string; readonly policy: string };
  readonly verdict: 'implies' | 'does not imply' | 'undecided';
  readonly exitCode: 0 | 1 | 2;
  /** Why the question could not be decided (exit 2). */
  readonly reason?: string;
  readonly method: { readonly boundedSteps: number; readonly induction: string };
  readonly fields: { readonly onlyA: string[]; readonly onlyB: string[]; readonly shared: number };
  /** Pairs of state fields (A's, B's) proven equal after every step. */
  readonly stateCorrespondence: string[];
  readonly obligations: Obligation[];
  readonly counterexample?: Counterexample;
  readonly solverMs: number;
}

/** The symbolic records of one run: the spec and steps by key, over the union of both policies' fields. */
class Records {
  readonly domain: Formula[] = [];
  readonly leaves: Leaf[] = [];
  private readonly made = new Map<string, Map<string, Sym>>();

  constructor(
    private readonly ar: Arithmetic,
    private readonly spec: readonly TypedField[],
    private readonly step: readonly TypedField[],
    private readonly b: Shapes,
  ) {}

  /** Record `key` ('spec', 'step1', ...) by A's field names, or with side 'b' by B's (through --map). */
  get(key: string, side: 'a' | 'b' = 'a'): SymRecord {
    let r = this.made.get(key);
    if (!r) {
      const fields = key === 'spec' ? this.spec : this.step;
      r = new Map(fields.map((f) => [f.name, freshValue(this.ar, f.type, `${key}.${f.name}`, this.domain, true, this.leaves)]));
      this.made.set(key, r);
    }
    if (side === 'a') return r;
    const kind = key === 'spec' ? 'spec' : 'step';
    return new Map(this.b[kind].map((f) => [f.name, r.get(this.b.canonical(kind, f.name))!]));
  }
}

/** B's fields, and the name each has in the run (A's name for a field --map pairs with one of A's). */
interface Shapes {
  readonly spec: readonly TypedField[];
  readonly step: readonly TypedField[];
  canonical(kind: 'spec' | 'step', name: string): string;
}

/** `--map` pairs as B's `kind.name` → A's name, or the problem with one. */
function parseMap(map: readonly string[], pa: PolicyEncoding, pb: PolicyEncoding): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const m of map) {
    const p = /^(spec|step)\.(\w+)=(spec|step)\.(\w+)$/.exec(m);
    if (!p || p[1] !== p[3]) return `--map ${m}: expected spec.A_FIELD=spec.B_FIELD or step.A_FIELD=step.B_FIELD`;
    const kind = p[1] as 'spec' | 'step';
    const has = (x: PolicyEncoding, n: string) => (kind === 'spec' ? x.specFields : x.stepFields).some((f) => f.name === n);
    if (!has(pa, p[2]!)) return `--map ${m}: A (${pa.policy.path}) has no ${kind} field '${p[2]}'`;
    if (!has(pb, p[4]!)) return `--map ${m}: B (${pb.policy.path}) has no ${kind} field '${p[4]}'`;
    if (has(pb, p[2]!) && p[2] !== p[4]) return `--map ${m}: B also has a ${kind} field '${p[2]}', which would be the same value`;
    out.set(`${kind}.${p[4]}`, p[2]!);
  }
  return out;
}

/** A's and B's fields of one record kind: the union, what differs, and the mismatches. */
function unionFields(kind: string, a: readonly TypedField[], b: readonly TypedField[], mismatches: string[]): TypedField[] {
  const union = [...a];
  for (const f of b) {
    const other = a.find((x) => x.name === f.name);
    if (!other) union.push(f);
    else if (typeKey(other.type) !== typeKey(f.type)) mismatches.push(`${kind}.${f.name} is ${typeKey(other.type)} in A and ${typeKey(f.type)} in B`);
  }
  return union;
}

interface Query {
  readonly status: 'sat' | 'unsat' | 'unknown';
  readonly model?: Awaited<ReturnType<typeof modelOf>>;
  readonly reason?: string;
}

async function modelOf(s: InstanceType<Z['Solver']>) {
  return s.model();
}

type Model = Awaited<ReturnType<typeof modelOf>>;

/** A policy loaded alone and checked: its program and root, or why not. */
function loadPolicy(path: string): { program: Program; root: CheckedFile } {
  const program = loadProgram([path]);
  const error = program.diagnostics.find((d) => d.severity === 'error');
  if (error) throw new OutOfFragment(`${path} does not check: ${error.file}:${error.span.start.line}:${error.span.start.column}: ${error.code}: ${error.message}`, '');
  const root = program.roots[0];
  if (root?.ast.header?.kind !== 'PolicyHeader') throw new OutOfFragment(`${path} is not a policy`, '');
  return { program, root };
}

/** A run's evaluation under one policy: whether it complies, fails a clause, or is refused, and the evaluator's words. */
export type Confirm = (path: string, spec: Json, steps: Json[]) => { verdict: 'complies' | 'fails' | 'refused'; text: string };

export async function decideImplication(pathA: string, pathB: string, confirm: Confirm, options: ImpliesOptions = {}): Promise<ImpliesReport> {
  const K = options.steps ?? 2;
  // The induction step assumes A's invariants after the step before it, so it starts at step 2: step 1 is searched.
  if (!(K >= 1)) throw new RangeError(`the bounded search must cover at least 1 step, got ${K}`);
  const timeout = options.timeoutMs ?? 10_000;
  const started = performance.now();
  const method = { boundedSteps: K, induction: "induction over one generic step n >= 2 from free states, assuming A's invariants and B's after step n - 1" };
  const undecided = (reason: string, rest: Partial<ImpliesReport> = {}): ImpliesReport => ({
    a: { file: pathA, policy: '' },
    b: { file: pathB, policy: '' },
    method,
    fields: { onlyA: [], onlyB: [], shared: 0 },
    stateCorrespondence: [],
    obligations: [],
    ...rest,
    verdict: 'undecided',
    exitCode: 2,
    reason,
    solverMs: Math.round(performance.now() - started),
  });
  const z = await z3Context();
  const ar = new Arithmetic(z);
  let pa: PolicyEncoding;
  let pb: PolicyEncoding;
  try {
    const la = loadPolicy(pathA);
    const lb = loadPolicy(pathB);
    pa = new PolicyEncoding(ar, la.program, la.root);
    pb = new PolicyEncoding(ar, lb.program, lb.root);
  } catch (e) {
    if (e instanceof OutOfFragment) return undecided(e.message);
    throw e;
  }
  const names = { a: { file: pathA, policy: pa.name }, b: { file: pathB, policy: pb.name } };
  const renamed = parseMap(options.map ?? [], pa, pb);
  if (typeof renamed === 'string') return undecided(renamed, names);
  const shapes: Shapes = { spec: pb.specFields, step: pb.stepFields, canonical: (kind, name) => renamed.get(`${kind}.${name}`) ?? name };
  const bSpec = pb.specFields.map((f) => ({ ...f, name: shapes.canonical('spec', f.name) }));
  const bStep = pb.stepFields.map((f) => ({ ...f, name: shapes.canonical('step', f.name) }));
  const mismatches: string[] = [];
  const spec = unionFields('spec', pa.specFields, bSpec, mismatches);
  const step = unionFields('step', pa.stepFields, bStep, mismatches);
  const only = (xSpec: readonly TypedField[], xStep: readonly TypedField[], ySpec: readonly TypedField[], yStep: readonly TypedField[]) => [
    ...xSpec.filter((f) => !ySpec.some((g) => g.name === f.name)).map((f) => `spec.${f.name}`),
    ...xStep.filter((f) => !yStep.some((g) => g.name === f.name)).map((f) => `step.${f.name}`),
  ];
  const onlyA = only(pa.specFields, pa.stepFields, bSpec, bStep);
  const fields = { onlyA, onlyB: only(bSpec, bStep, pa.specFields, pa.stepFields), shared: pa.specFields.length + pa.stepFields.length - onlyA.length };
  if (mismatches.length > 0) return undecided(`the policies' records differ in shape: ${mismatches.join('; ')}`, { ...names, fields });

  const query = async (formulas: Formula[]): Promise<Query> => {
    const s = new z.Solver();
    s.set('timeout', timeout);
    s.add(...formulas);
    const status = await s.check();
    if (status === 'sat') return { status, model: await modelOf(s) };
    return status === 'unknown' ? { status, reason: s.reasonUnknown() } : { status };
  };

  try {
    // 1. Bounded search from the initial state.
    for (let n = 0; n <= K; n++) {
      const recs = new Records(ar, spec, step, shapes);
      const runA = unroll(pa, recs, n, 'a');
      const runB = unroll(pb, recs, n, 'b');
      const violations = runB.obligations.map((o) => ({ ...o, broken: ar.not(o.holds) }));
      const r = await query([...recs.domain, ar.and(...runA.obligations.map((o) => o.holds)).t, ar.or(...violations.map((v) => v.broken)).t]);
      if (r.status === 'unknown') return undecided(`the solver could not decide runs of ${n} step${n === 1 ? '' : 's'}: ${r.reason}${nonlinearNote}`, { ...names, fields });
      if (r.status === 'unsat') continue;
      const problem = [ar.and(...runA.obligations.map((o) => o.holds)).t, ar.or(...violations.map((v) => v.broken)).t];
      const explain = (model: Model) => {
        const broken = violations.filter((v) => z.isTrue(model.eval(v.broken.t, true)));
        const first = broken.sort((x, y) => x.step - y.step)[0]!;
        const records = (p: PolicyEncoding, side: 'a' | 'b'): RunRecords => ({
          spec: recordJson(z, model, recs.get('spec', side), p.specFields),
          steps: Array.from({ length: n }, (_, k) => recordJson(z, model, recs.get(`step${k + 1}`, side), p.stepFields)),
        });
        const [ra, rb] = [records(pa, 'a'), records(pb, 'b')];
        const [ca, cb] = [confirm(pathA, ra.spec, ra.steps), confirm(pathB, rb.spec, rb.steps)];
        const counterexample: Counterexample = { step: first.step, clause: first.clause, a: ra, b: rb, confirmation: { a: ca.text, b: cb.text } };
        return { broken, counterexample, confirmed: ca.verdict === 'complies' && cb.verdict === 'fails' };
      };
      // A ratio in a record is a numerator and a denominator below 2^128 each (record-words.ts): a model whose
      // rational is not is searched again on a grid of millionths, which any decimal the run could hold fits.
      let model = r.model!;
      const reals = recs.leaves.filter((l) => l.kind === 'real').map((l) => l.t as Term);
      const wide = (v: ReturnType<Model['eval']>) => z.isRealVal(v) && (v.value().numerator >= WIDE_LIMIT || v.value().denominator >= WIDE_LIMIT);
      if (reals.some((t) => wide(model.eval(t, true)))) {
        const grid = reals.map((t, i) => t.mul(1_000_000).eq(z.ToReal(z.Int.const(`grid${i}`))));
        const again = await query([...recs.domain, ...grid, ...problem]);
        if (again.status === 'sat') model = again.model!;
      }
      let found = explain(model);
      // The zkVM computes in 128-bit words and traps on a product above 2^128, which the interpreter (exact) does
      // not: a counterexample the machine refuses is searched again among smaller records.
      for (const bits of [24n, 48n]) {
        if (found.confirmed) break;
        const small = recs.leaves.filter((l) => l.kind !== 'bool').map((l) => (l.t as Term).lt(l.kind === 'int' ? z.Int.val(1n << bits) : z.Real.val(1n << bits)));
        const again = await query([...recs.domain, ...small, ...problem]);
        if (again.status === 'sat') {
          const retry = explain(again.model!);
          if (retry.confirmed) found = retry;
        }
      }
      const { broken, counterexample } = found;
      if (!found.confirmed) {
        const { a, b } = counterexample.confirmation;
        return undecided(`the solver's counterexample was not confirmed by the evaluator (A: ${a}; B: ${b}): the encoding and the evaluator disagree`, { ...names, fields, counterexample });
      }
      const obligations = runB.obligations.map((o): Obligation => {
        const fails = broken.some((b) => b.clause === o.clause);
        return { clause: o.clause, location: o.location, status: fails ? 'fails' : 'not checked', detail: fails ? `fails on the counterexample${o.step ? ` at step ${o.step}` : ''}` : 'the search stopped at the counterexample' };
      });
      return { ...names, verdict: 'does not imply', exitCode: 1, method, fields, stateCorrespondence: [], obligations: dedupe(obligations), counterexample, solverMs: Math.round(performance.now() - started) };
    }

    // 2. Induction.
    const recs = new Records(ar, spec, step, shapes);
    const sigma = recs.get('spec');
    const sigmaB = recs.get('spec', 'b');
    const obligations: Obligation[] = [];
    const prove = async (clause: ClauseFormula, premises: Formula[], how: string, failing: (m: Model) => string) => {
      const r = await query([...recs.domain, ...premises, ar.not(clause.holds).t]);
      obligations.push({
        clause: clause.clause,
        location: clause.location,
        status: r.status === 'unsat' ? 'implied' : r.status === 'sat' ? 'not proven' : 'unknown',
        detail: r.status === 'unsat' ? how : r.status === 'sat' ? failing(r.model!) : `the solver returned unknown (${r.reason})`,
      });
    };
    const fromSpec = () => `A's attests alone do not give it (no run of at most ${K} steps that A accepts breaks it)`;
    // B's attests and initialisers read only the spec.
    const attA = pa.attests(sigma).map((c) => c.holds.t);
    const initA = pa.initialState(sigma);
    const initB = pb.initialState(sigmaB);
    const genesis = [...attA, initA.ok.t];
    for (const c of pb.attests(sigmaB)) await prove(c, genesis, "from A's attests, for every spec", fromSpec);
    await prove({ clause: 'state initialisers', location: pb.policy.path, holds: initB.ok }, genesis, "from A's attests, for every spec", fromSpec);

    // How A's state relates to B's after every step (correspondence.ts).
    const preA = pa.freshState('A.pre', recs.domain);
    const preB = pb.freshState('B.pre', recs.domain);
    const prev = recs.get('prev');
    const cur = recs.get('cur');
    const postA = pa.step(sigma, preA, cur);
    const postB = pb.step(sigmaB, preB, recs.get('cur', 'b'));
    const frame = { initA: initA.state, initB: initB.state, initOk: [initA.ok.t, initB.ok.t], preA, preB, postA: postA.state, postB: postB.state, stepOk: [postA.ok.t, postB.ok.t] };
    const { kept, before: related } = await correspondences(z, ar, recs.domain, recs.leaves, frame, candidates(pa, pb, (f) => typeKey(f.type)), query);
    const stateCorrespondence = kept.map(describe);

    const before = [...attA, ...pb.attests(sigmaB).map((c) => c.holds.t), ...related, ...pa.invariants(sigma, preA, prev).map((c) => c.holds.t), ...pb.invariants(sigmaB, preB, recs.get('prev', 'b')).map((c) => c.holds.t)];
    const afterA = [postA.ok.t, ...pa.invariants(sigma, postA.state, cur).map((c) => c.holds.t)];
    const how = "by induction from A's clauses";
    const fromState = (m: Model) => `the induction step fails from a state that may be unreachable: ${[...stateText(z, m, 'A', preA), ...stateText(z, m, 'B', preB)].join(', ')}`;
    await prove({ clause: 'on step', location: pb.policy.path, holds: postB.ok }, [...before, ...afterA], how, fromState);
    for (const c of pb.invariants(sigmaB, postB.state, recs.get('cur', 'b'))) await prove(c, [...before, ...afterA], how, fromState);
    const outA = pa.outputs(sigma, postA.state).map((c) => c.holds.t);
    for (const c of pb.outputs(sigmaB, postB.state)) await prove(c, [...before, ...afterA, ...outA], how, fromState);

    const open = obligations.filter((o) => o.status !== 'implied');
    const base = { ...names, method, fields, stateCorrespondence, obligations, solverMs: Math.round(performance.now() - started) };
    if (open.length === 0) return { ...base, verdict: 'implies', exitCode: 0 };
    return {
      ...base,
      verdict: 'undecided',
      exitCode: 2,
      reason: `no run of at most ${K} steps that A accepts breaks B, but the induction over longer runs does not close for ${open.map((o) => o.clause).join(', ')}${open.some((o) => o.status === 'unknown') ? nonlinearNote : ''}`,
    };
  } catch (e) {
    if (e instanceof OutOfFragment) return undecided(e.message, { ...names, fields });
    throw e;
  }
}

const nonlinearNote = ' (products of unknowns make the arithmetic nonlinear, where the solver is incomplete)';

/** The obligations of a run of n steps: each with the step it is about (0: the spec and initial state). */
function unroll(p: PolicyEncoding, recs: Records, n: number, side: 'a' | 'b'): { obligations: (ClauseFormula & { step: number })[] } {
  const spec = recs.get('spec', side);
  const out: (ClauseFormula & { step: number })[] = p.attests(spec).map((c) => ({ ...c, step: 0 }));
  let { state, ok } = p.initialState(spec);
  out.push({ clause: 'state initialisers', location: p.policy.path, holds: ok, step: 0 });
  for (let k = 1; k <= n; k++) {
    const r = recs.get(`step${k}`, side);
    const next = p.step(spec, state, r);
    state = next.state;
    out.push({ clause: 'on step', location: p.policy.path, holds: next.ok, step: k });
    out.push(...p.invariants(spec, state, r).map((c) => ({ ...c, step: k })));
  }
  out.push(...p.outputs(spec, state).map((c) => ({ ...c, step: n })));
  return { obligations: out };
}

/** One entry per clause: the first that fails, else the first. */
function dedupe(obligations: Obligation[]): Obligation[] {
  const out = new Map<string, Obligation>();
  for (const o of obligations) if (!out.has(o.clause) || (o.status === 'fails' && out.get(o.clause)!.status !== 'fails')) out.set(o.clause, o);
  return [...out.values()];
}

/** A policy's numeric and boolean state in a model, for people: `A.t = -1`, `B.done = true` (arrays and the rest left out). */
function stateText(z: Z, model: Model, who: string, state: ReadonlyMap<string, Sym>): string[] {
  return [...state].flatMap(([name, s]) => {
    if (s.kind === 'bool') return [`${who}.${name} = ${z.isTrue(model.eval(s.t, true))}`];
    if (s.kind !== 'num') return [];
    const v = model.eval(s.t, true);
    if (z.isIntVal(v)) return [`${who}.${name} = ${v.value()}`];
    if (z.isRealVal(v)) return [`${who}.${name} = ${formatNumber(v.value().numerator, v.value().denominator)}`];
    return [];
  });
}

/** A record's values in a model, as run-value JSON (docs/run-values.md) with only `fields`. */
function recordJson(z: Z, model: Awaited<ReturnType<typeof modelOf>>, record: SymRecord, fields: readonly TypedField[]): Json {
  const value = (s: Sym): RunValue => {
    switch (s.kind) {
      case 'bool':
        return { kind: 'bool', value: z.isTrue(model.eval(s.t, true)) };
      case 'num': {
        const v = model.eval(s.t, true);
        if (z.isIntVal(v)) return { kind: 'num', num: v.value(), den: 1n };
        if (z.isRealVal(v)) {
          const { numerator, denominator } = v.value();
          return { kind: 'num', num: numerator, den: denominator };
        }
        throw new OutOfFragment(`the solver's model holds ${v.sexpr()}, which is not a rational number`, '');
      }
      case 'enum':
        return { kind: 'enum', member: s.members[Number(intOf(z, model.eval(s.t, true)))]! };
      case 'digest':
        return { kind: 'digest', words: s.words.map((w) => Number(intOf(z, model.eval(w, true)))) };
      case 'float':
        return { kind: 'float', format: s.format, bits: Number(intOf(z, model.eval(s.t, true))) };
      case 'array':
        return { kind: 'array', elements: s.elements.map(value) };
    }
  };
  return Object.fromEntries(fields.map((f) => [f.name, encodeRunValue(value(record.get(f.name)!))]));
}

function intOf(z: Z, v: ReturnType<Awaited<ReturnType<typeof modelOf>>['eval']>): bigint {
  if (!z.isIntVal(v)) throw new Error(`internal: ${v.sexpr()} is not an integer`);
  return v.value();
}

