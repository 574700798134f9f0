/**
 * A checked policy as formulas, for `zpol diff --implies`: the reference interpreter's semantics
 * (compiler/interpret.ts) written over symbolic records instead of run values.
 *
 *   - Every expression is encoded exactly: ints as Int terms, ratios and percents as Real terms, constants and
 *     functions inlined, loops unrolled (their bounds are static), arrays element by element, a symbolic index as
 *     a case split over the array's indices.
 *   - Run-time errors are encoded too. Each division by a value that may be zero and each index that may fall
 *     outside its array adds "this operation is reached and fails" to the current list of errors; `and`, `or`
 *     and `if` guard what they evaluate only when needed, as the interpreter does. A clause holds when none of
 *     its errors happens and its value is true; an `on step` (or a state initialiser) with an error halts the
 *     run; an output with one makes the run fail.
 *   - Record fields are free variables with the bounds of run records (runtime/policy/run-values.ts,
 *     record-words.ts): ints in [0, 2^128), ratios and percents non-negative and below 2^128, enums one of their
 *     members, digest words below the BabyBear prime.
 *
 * Outside the fragment (OutOfFragment): compute checks (`verify`), `count_labels` and `rows` (they read the
 * run's tensors), the weight built-ins (they read weights.json), and expressions that read bf16 or f32 values.
 */
import type * as A from '../../language/ast.ts';
import type { Symbol } from '../../language/checker/symbols.ts';
import type { Type } from '../../language/checker/types.ts';
import { typeToString } from '../../language/checker/types.ts';
import type { CheckedFile, Program } from '../../language/program.ts';
import type { Value } from '../../language/checker/values.ts';
import { nameValue } from '../../compiler/interpret/evaluator.ts';
import { BABYBEAR_P } from '../../runtime/policy/run-values.ts';
import { WIDE_LIMIT } from '../../runtime/vm/word.ts';
import { Arithmetic, OutOfFragment, type BoolSym, type Formula, type NumSym, type Sym, type Term, type Z } from './symbolic.ts';

/** A record's values by field name. */
export type SymRecord = ReadonlyMap<string, Sym>;

/** What an expression may read, and where its run-time errors go. */
interface SEnv {
  file: CheckedFile;
  spec?: SymRecord;
  step?: SymRecord;
  state?: Map<string, Sym>;
  locals: Map<A.Identifier, Sym>;
  /** Each a condition under which evaluation fails (a division by zero, an index outside its array). */
  errors: BoolSym[];
}

/** A declared field with its resolved type. */
export interface TypedField {
  readonly name: string;
  readonly type: Type;
}

/** A free variable of a record, for choosing values of it (correspondence.ts tests candidates on chosen records). */
export type Leaf = { readonly kind: 'bool'; readonly t: Formula } | { readonly kind: 'int' | 'real'; readonly t: Term; readonly high: bigint };

/**
 * Free variables of one type, named `name` (array elements `name[i]`), with `domain` receiving the bounds that
 * a record value of that type has; `bounded` false leaves numbers free (a state value may be any number).
 * `leaves`, when given, receives each variable of a bounded value with its range.
 */
export function freshValue(ar: Arithmetic, type: Type, name: string, domain: Formula[], bounded: boolean, leaves?: Leaf[]): Sym {
  const z = ar.z;
  const within = (t: ReturnType<Z['Int']['const']>, high: bigint) => {
    domain.push(t.ge(0), t.lt(z.Int.val(high)));
    if (bounded) leaves?.push({ kind: 'int', t, high });
  };
  switch (type.kind) {
    case 'bool': {
      const t = z.Bool.const(name);
      if (bounded) leaves?.push({ kind: 'bool', t });
      return { kind: 'bool', t };
    }
    case 'num': {
      if (type.base === 'int') {
        const t = z.Int.const(name);
        if (bounded) within(t, WIDE_LIMIT);
        return { kind: 'num', t, int: true };
      }
      const t = z.Real.const(name);
      if (bounded) {
        domain.push(t.ge(0), t.lt(z.Real.val(WIDE_LIMIT)));
        leaves?.push({ kind: 'real', t, high: WIDE_LIMIT });
      }
      return { kind: 'num', t, int: false };
    }
    case 'enum': {
      const t = z.Int.const(name);
      within(t, BigInt(type.decl.members.length));
      return { kind: 'enum', t, members: type.decl.members.map((m) => m.name), name: type.decl.name.name };
    }
    case 'digest':
      return {
        kind: 'digest',
        words: Array.from({ length: 8 }, (_, i) => {
          const t = z.Int.const(`${name}.w${i}`);
          within(t, BigInt(BABYBEAR_P));
          return t;
        }),
      };
    case 'bf16':
    case 'f32': {
      const t = z.Int.const(name);
      within(t, type.kind === 'bf16' ? 1n << 16n : 1n << 32n);
      return { kind: 'float', t, format: type.kind };
    }
    case 'array':
      if (type.length === null) throw new OutOfFragment(`an array of unknown length (${name})`, '');
      return { kind: 'array', elements: Array.from({ length: Number(type.length) }, (_, i) => freshValue(ar, type.element, `${name}[${i}]`, domain, bounded, leaves)) };
    default:
      throw new OutOfFragment(`a field of type ${typeToString(type)} (${name})`, '');
  }
}

/** A type as shapes compare it across two policies: an enum by its name and members (each file has its own declaration). */
export function typeKey(t: Type): string {
  if (t.kind === 'enum') return `${t.decl.name.name}{${t.decl.members.map((m) => m.name).join(', ')}}`;
  if (t.kind === 'array') return `[${typeKey(t.element)}; ${t.length}]`;
  return typeToString(t);
}

/** A clause of a policy as formulas: its kind, name and location, and whether it holds. */
export interface ClauseFormula {
  readonly clause: string;
  readonly location: string;
  readonly holds: BoolSym;
}

/** A checked policy, encoded: each function below builds the formulas of one part of the interpreter's run. */
export class PolicyEncoding {
  readonly policy: CheckedFile;
  readonly name: string;
  readonly specFields: TypedField[];
  readonly stepFields: TypedField[];
  readonly stateFields: (TypedField & { initial: A.Expr })[];
  private readonly clauses: A.ClauseDecl[];
  private readonly onStep: A.OnStepDecl | undefined;

  constructor(
    readonly ar: Arithmetic,
    private readonly program: Program,
    policy: CheckedFile,
  ) {
    this.policy = policy;
    this.name = (policy.ast.header as A.PolicyHeader).name.name;
    const checker = policy.checker;
    const typed = (fields: ReadonlyMap<string, A.Field>) => [...fields.values()].map((f) => ({ name: f.name.name, type: checker.resolveType(f.type) }));
    this.specFields = typed(checker.specFields);
    this.stepFields = typed(checker.stepFields);
    this.stateFields = [...checker.stateFields.values()].map((f) => ({ name: f.name.name, type: checker.resolveType(f.type), initial: f.initial! }));
    this.clauses = policy.ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl');
    this.onStep = policy.ast.decls.find((d): d is A.OnStepDecl => d.kind === 'OnStepDecl');
    const verify = policy.ast.decls.find((d): d is A.VerifyDecl => d.kind === 'VerifyDecl');
    if (verify) throw new OutOfFragment(`verify ${verify.name.name} is a compute check over the run's tensors, which records do not carry`, this.where(verify.span));
  }

  where(span: A.Span, file: CheckedFile = this.policy): string {
    return `${file.path}:${span.start.line}:${span.start.column}`;
  }

  /** Free state values (any numbers: a state is computed, not read from a record). */
  freshState(prefix: string, domain: Formula[]): Map<string, Sym> {
    return new Map(this.stateFields.map((f) => [f.name, freshValue(this.ar, f.type, `${prefix}.${f.name}`, domain, false)]));
  }

  private env(spec: SymRecord, state?: Map<string, Sym>, step?: SymRecord): SEnv {
    return { file: this.policy, spec, state, step, locals: new Map(), errors: [] };
  }

  private failed(env: SEnv): BoolSym {
    return this.ar.or(...env.errors);
  }

  private condition(c: A.ClauseDecl, env: SEnv): ClauseFormula {
    const v = this.eval(c.value, env, this.ar.bool(true)) as BoolSym;
    return { clause: `${c.clause} ${c.name.name}`, location: this.where(c.span), holds: this.ar.and(this.ar.not(this.failed(env)), v) };
  }

  attests(spec: SymRecord): ClauseFormula[] {
    return this.clauses.filter((c) => c.clause === 'attest').map((c) => this.condition(c, this.env(spec)));
  }

  invariants(spec: SymRecord, state: Map<string, Sym>, step: SymRecord): ClauseFormula[] {
    return this.clauses.filter((c) => c.clause === 'invariant').map((c) => this.condition(c, this.env(spec, state, step)));
  }

  /** Each output as "it can be evaluated" (its value is revealed, not checked). */
  outputs(spec: SymRecord, state: Map<string, Sym>): ClauseFormula[] {
    return this.clauses
      .filter((c) => c.clause === 'output')
      .map((c) => {
        const env = this.env(spec, state);
        this.eval(c.value, env, this.ar.bool(true));
        return { clause: `output ${c.name.name}`, location: this.where(c.span), holds: this.ar.not(this.failed(env)) };
      });
  }

  /** The state before the first step, and whether its initialisers evaluate. */
  initialState(spec: SymRecord): { state: Map<string, Sym>; ok: BoolSym } {
    const env = this.env(spec);
    const state = new Map(this.stateFields.map((f) => [f.name, this.eval(f.initial, env, this.ar.bool(true))]));
    return { state, ok: this.ar.not(this.failed(env)) };
  }

  /** The state after one step, and whether `on step` runs without an error (else the run halts). */
  step(spec: SymRecord, state: ReadonlyMap<string, Sym>, step: SymRecord): { state: Map<string, Sym>; ok: BoolSym } {
    const next = new Map(state);
    const env = { ...this.env(spec, next, step), state: next };
    if (this.onStep) this.exec(this.onStep.body, env);
    return { state: next, ok: this.ar.not(this.failed(env)) };
  }

  // -------------------------------------------------------------------------------------------------------
  // Expressions

  private outside(reason: string, at: A.Node, env: SEnv): never {
    throw new OutOfFragment(reason, this.where(at.span, env.file));
  }

  private symbol(id: A.Identifier, env: SEnv) {
    const sym = env.file.checker.resolved.get(id);
    if (!sym) throw new Error(`internal: '${id.name}' at ${this.where(id.span, env.file)} was not resolved by the checker`);
    return sym;
  }

  private file(path: string): CheckedFile {
    const f = this.program.files.get(path);
    if (!f) throw new Error(`internal: '${path}' is not loaded`);
    return f;
  }

  private known(v: Value, at: A.Node, env: SEnv): Sym {
    switch (v.kind) {
      case 'num':
        return this.ar.number(v);
      case 'bool':
        return this.ar.bool(v.value);
      case 'enum': {
        const members = v.decl.members.map((m) => m.name);
        return { kind: 'enum', t: this.ar.z.Int.val(members.indexOf(v.member)), members, name: v.decl.name.name };
      }
      case 'array':
        return { kind: 'array', elements: v.elements.map((x) => this.known(x, at, env)) };
    }
  }

  eval(e: A.Expr, env: SEnv, guard: BoolSym): Sym {
    const ar = this.ar;
    switch (e.kind) {
      case 'NumberLiteral':
        return ar.number(e);
      case 'BoolLiteral':
        return ar.bool(e.value);
      case 'ParenExpr':
        return this.eval(e.inner, env, guard);
      case 'NameRef': {
        const constant = (sym: Extract<Symbol, { kind: 'const' }>): Sym => {
          const owner = this.file(sym.owner);
          const v = owner.checker.constValue(sym.decl);
          return v ? this.known(v, e, env) : this.eval(sym.decl.value, { file: owner, locals: new Map(), errors: env.errors }, guard);
        };
        return nameValue(this.symbol(e.name, env), e.name, env, constant, () => ar.number({ num: 1n, den: 1n }));
      }
      case 'MemberExpr': {
        if (e.object.kind === 'NameRef') {
          const t = env.file.checker.types.get(e.object);
          if (t?.kind === 'record') {
            const v = (t.record === 'spec' ? env.spec : env.step)?.get(e.member.name);
            if (!v) throw new Error(`internal: ${t.record}.${e.member.name} is not readable here`);
            if (v.kind === 'float') this.outside(`${t.record}.${e.member.name} is a ${v.format} value; floating-point arithmetic is outside what the decider encodes`, e, env);
            return v;
          }
          const sym = this.symbol(e.object.name, env);
          if (sym.kind === 'enum') {
            const members = sym.decl.members.map((m) => m.name);
            return { kind: 'enum', t: ar.z.Int.val(members.indexOf(e.member.name)), members, name: sym.decl.name.name };
          }
        }
        throw new Error(`internal: unsupported member expression at ${this.where(e.span, env.file)}`);
      }
      case 'IndexExpr':
        return this.index(this.eval(e.object, env, guard), this.eval(e.index, env, guard) as NumSym, e.index, env, guard);
      case 'CallExpr':
        return this.call(e, env, guard);
      case 'UnaryExpr': {
        const v = this.eval(e.operand, env, guard);
        return e.op === 'not' ? ar.not(v as BoolSym) : ar.neg(v as NumSym);
      }
      case 'BinaryExpr':
        return this.binary(e, env, guard);
      case 'InRangeExpr': {
        const v = this.eval(e.value, env, guard) as NumSym;
        const lo = this.eval(e.low, env, guard) as NumSym;
        const hi = this.eval(e.high, env, guard) as NumSym;
        return ar.and(ar.compare('<=', lo, v), ar.compare('<=', v, hi));
      }
      case 'IfExpr': {
        const c = this.eval(e.condition, env, guard) as BoolSym;
        const then = c.c === false ? null : this.eval(e.then, env, ar.and(guard, c));
        const otherwise = c.c === true ? null : this.eval(e.otherwise, env, ar.and(guard, ar.not(c)));
        return then && otherwise ? ar.ite(c, then, otherwise) : (then ?? otherwise)!;
      }
      case 'ArrayLiteral':
        return { kind: 'array', elements: e.elements.map((x) => this.eval(x, env, guard)) };
      case 'ArrayRepeat': {
        const v = this.eval(e.value, env, guard);
        const n = this.eval(e.count, env, guard) as NumSym;
        if (!n.c) throw new Error(`internal: an array length that is not static at ${this.where(e.span, env.file)}`);
        return { kind: 'array', elements: Array.from({ length: Number(n.c.num) }, () => v) };
      }
      case 'StringLiteral':
      case 'ErrorExpr':
        throw new Error(`internal: a ${e.kind} at ${this.where(e.span, env.file)} has no value`);
    }
  }

  /** `array[i]`: the element, or with a symbolic index a case split and the error of an index outside it. */
  private index(array: Sym, i: NumSym, at: A.Expr, env: SEnv, guard: BoolSym): Sym {
    const elements = (array as Extract<Sym, { kind: 'array' }>).elements;
    const ar = this.ar;
    if (i.c) {
      const k = i.c.num;
      if (i.c.den === 1n && k >= 0n && k < BigInt(elements.length)) return elements[Number(k)]!;
      env.errors.push(guard);
      return elements[0]!;
    }
    env.errors.push(ar.and(guard, ar.or(ar.compare('<', i, ar.number({ num: 0n, den: 1n })), ar.compare('>=', i, ar.number({ num: BigInt(elements.length), den: 1n })))));
    let v = elements[elements.length - 1]!;
    for (let k = elements.length - 2; k >= 0; k--) v = ar.ite(ar.equal(i, ar.number({ num: BigInt(k), den: 1n }), this.where(at.span, env.file)), elements[k]!, v);
    return v;
  }

  private binary(e: A.BinaryExpr, env: SEnv, guard: BoolSym): Sym {
    const ar = this.ar;
    if (e.op === 'and' || e.op === 'or') {
      const l = this.eval(e.left, env, guard) as BoolSym;
      // The right operand is evaluated only when the left does not decide: its errors count only then.
      const needed = e.op === 'and' ? l : ar.not(l);
      if (needed.c === false) return l;
      const r = this.eval(e.right, env, ar.and(guard, needed)) as BoolSym;
      return e.op === 'and' ? ar.and(l, r) : ar.or(l, r);
    }
    const l = this.eval(e.left, env, guard);
    const r = this.eval(e.right, env, guard);
    const at = this.where(e.span, env.file);
    switch (e.op) {
      case '==':
        return ar.equal(l, r, at);
      case '!=':
        return ar.not(ar.equal(l, r, at));
      case '<':
      case '<=':
      case '>':
      case '>=':
        return ar.compare(e.op, l as NumSym, r as NumSym);
      case '+':
        return ar.add(l as NumSym, r as NumSym);
      case '-':
        return ar.add(l as NumSym, r as NumSym, -1n);
      case '*':
        return ar.mul(l as NumSym, r as NumSym);
      case '/': {
        const d = r as NumSym;
        const zero = ar.equal(d, ar.number({ num: 0n, den: 1n }), at) as BoolSym;
        if (zero.c !== false) env.errors.push(ar.and(guard, zero));
        return ar.div(l as NumSym, d);
      }
    }
  }

  private call(e: A.CallExpr, env: SEnv, guard: BoolSym): Sym {
    const ar = this.ar;
    const sym = this.symbol(e.callee, env);
    if (sym.kind === 'builtin' && (sym.name === 'count_labels' || sym.name === 'rows')) {
      this.outside(`${sym.name}(...) reads the run's tensors, which records do not carry`, e, env);
    }
    if (sym.kind === 'builtin' && (sym.name === 'weight_params' || sym.name === 'weight_layers' || sym.name === 'weight_experts')) {
      this.outside(`${sym.name}(...) reads the committed initial weights' layout, which records do not carry`, e, env);
    }
    const args = e.args.map((a) => this.eval(a, env, guard));
    if (sym.kind === 'fn') {
      const owner = this.file(sym.owner);
      const locals = new Map<A.Identifier, Sym>();
      sym.decl.params.forEach((p, i) => locals.set(p.name, args[i]!));
      return this.eval(sym.decl.body, { file: owner, locals, errors: env.errors }, guard);
    }
    if (sym.kind !== 'builtin') throw new Error(`internal: ${sym.kind} '${e.callee.name}' called`);
    const list = (args.length === 1 && args[0]!.kind === 'array' ? args[0].elements : args) as NumSym[];
    switch (sym.name) {
      case 'len':
        return ar.number({ num: BigInt((args[0] as Extract<Sym, { kind: 'array' }>).elements.length), den: 1n });
      case 'sum':
        return list.reduce((a, b) => ar.add(a, b), ar.number({ num: 0n, den: 1n }));
      case 'min':
      case 'max': {
        const op = sym.name === 'min' ? '<' : '>';
        return list.reduce((a, b) => ar.ite(ar.compare(op, b, a), b, a) as NumSym);
      }
      case 'ceil':
      case 'floor':
        return ar.round(list[0]!, sym.name);
      case 'abs': {
        const v = list[0]!;
        return ar.ite(ar.compare('<', v, ar.number({ num: 0n, den: 1n })), ar.neg(v), v);
      }
      default:
        return this.outside(`the built-in ${sym.name}`, e, env);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Statements

  private exec(stmts: readonly A.Stmt[], env: SEnv & { state: Map<string, Sym> }): void {
    const always = this.ar.bool(true);
    for (const s of stmts) {
      switch (s.kind) {
        case 'LetStmt':
          env.locals.set(s.name, this.eval(s.value, env, always));
          break;
        case 'AssignStmt':
          this.assign(s, env);
          break;
        case 'ForStmt': {
          const from = this.eval(s.from, env, always) as NumSym;
          const to = this.eval(s.to, env, always) as NumSym;
          if (!from.c || !to.c) throw new Error(`internal: a loop bound that is not static at ${this.where(s.span, env.file)}`);
          for (let i = from.c.num; i < to.c.num; i++) {
            env.locals.set(s.variable, this.ar.number({ num: i, den: 1n }));
            this.exec(s.body, env);
          }
          break;
        }
      }
    }
  }

  private assign(s: A.AssignStmt, env: SEnv & { state: Map<string, Sym> }): void {
    const ar = this.ar;
    const always = ar.bool(true);
    const indices: A.Expr[] = [];
    let target = s.target;
    while (target.kind === 'IndexExpr') {
      indices.unshift(target.index);
      target = target.object;
    }
    if (target.kind !== 'NameRef') throw new Error(`internal: assignment target at ${this.where(s.span, env.file)}`);
    const sym = this.symbol(target.name, env);
    if (sym.kind !== 'state') throw new Error(`internal: assignment to ${sym.kind} '${target.name.name}'`);
    const name = sym.field.name.name;
    const at = indices.map((ix) => this.eval(ix, env, always) as NumSym);
    const value = this.eval(s.value, env, always);
    const where = this.where(s.span, env.file);
    const update = (old: Sym, k: number): Sym => {
      if (k === indices.length) return s.op === '=' ? value : ar.add(old as NumSym, value as NumSym, s.op === '+=' ? 1n : -1n);
      const elements = (old as Extract<Sym, { kind: 'array' }>).elements;
      const i = at[k]!;
      if (i.c) {
        const j = i.c.num;
        if (i.c.den !== 1n || j < 0n || j >= BigInt(elements.length)) {
          env.errors.push(always);
          return old;
        }
        return { kind: 'array', elements: elements.map((x, n) => (BigInt(n) === j ? update(x, k + 1) : x)) };
      }
      env.errors.push(ar.or(ar.compare('<', i, ar.number({ num: 0n, den: 1n })), ar.compare('>=', i, ar.number({ num: BigInt(elements.length), den: 1n }))));
      return { kind: 'array', elements: elements.map((x, n) => ar.ite(ar.equal(i, ar.number({ num: BigInt(n), den: 1n }), where), update(x, k + 1), x)) };
    };
    env.state.set(name, update(env.state.get(name)!, 0));
  }
}
