/**
 * The evaluator of expressions and statements: exact rational arithmetic over a checked AST, reading names as
 * the checker resolved them. `and`, `or` and `if` evaluate only what they need; a division by zero or an index
 * outside an array is an EvaluationError with its source location; an int place that would receive a value
 * that is not whole is an internal error (the type system promises it never does).
 */
import type * as A from '../../language/ast.ts';
import type { Symbol } from '../../language/checker/symbols.ts';
import type { Type } from '../../language/checker/types.ts';
import type { CheckedFile, Program } from '../../language/program.ts';
import { num, showValue, type NumValue, type RunValue } from '../values.ts';
import { add, bool, compare, mul, runValuesEqual, sub, type ArrayValue } from './arith.ts';
import { EvaluationError, locationOf, type Env } from './env.ts';
import { operand, text, type Evaluating } from './explain.ts';
import { committedRows, openingCheck, rowsField } from '../rows.ts';

/**
 * The value of the name `id` that the checker resolved to `sym`: a bound local, a state field, a constant
 * (`constant`) or a unit name (`one`: one of that unit). Shared by the evaluator and the decider
 * (cli/implies/encode.ts), each over its own values.
 */
export function nameValue<V>(
  sym: Symbol,
  id: A.Identifier,
  env: { readonly locals: ReadonlyMap<A.Identifier, V>; readonly state?: ReadonlyMap<string, V> },
  constant: (sym: Extract<Symbol, { kind: 'const' }>) => V,
  one: () => V,
): V {
  switch (sym.kind) {
    case 'local': {
      const v = env.locals.get(sym.name);
      if (!v) throw new Error(`internal: local '${sym.name.name}' read before it is bound`);
      return v;
    }
    case 'const':
      return constant(sym);
    case 'unit':
      return one();
    case 'state': {
      const v = env.state?.get(sym.field.name.name);
      if (!v) throw new Error(`internal: state field '${sym.field.name.name}' is not readable here`);
      return v;
    }
    default:
      throw new Error(`internal: ${sym.kind} '${id.name}' used as a value`);
  }
}

export class Evaluator implements Evaluating {
  /** Constants by declaration, evaluated once (they read only literals and other constants). */
  private readonly constants = new Map<A.ConstDecl, RunValue>();
  /** State fields' declared types, resolved once. */
  private readonly fieldTypes = new Map<A.Field, Type>();

  constructor(private readonly program: Program) {}

  fileOf(path: string): CheckedFile {
    const f = this.program.files.get(path);
    if (!f) throw new Error(`internal: '${path}' is not loaded`);
    return f;
  }

  symbol(id: A.Identifier, env: Env): Symbol {
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

  truth(e: A.Expr, env: Env): boolean {
    return (this.eval(e, env) as Extract<RunValue, { kind: 'bool' }>).value;
  }

  private name(e: A.NameRef, env: Env): RunValue {
    return nameValue(this.symbol(e.name, env), e.name, env, (sym) => this.constant(sym), () => num(1n));
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
      this.fail(`index ${text(at, env.file)} = ${showValue(n)} is outside ${text(array, env.file)}, whose indices are 0 to ${length - 1}`, at, env);
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
        if (b.num === 0n) this.fail(`division by zero: ${operand(this, e.right, env)}`, e, env);
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
      case 'count_labels':
        // Invariants that count labels are not evaluated on records (interpret.ts LABELS_UNEVALUATED); elsewhere
        // (on step, an output) the interpreter cannot evaluate them either.
        return this.fail(`count_labels(${text(e.args[0]!, env.file)}, ...) counts committed source labels, which are in the run's tensors, not its records`, e, env);
      case 'from_sources':
        return this.fail(`from_sources(${text(e.args[0]!, env.file)}, ...) opens the batch's examples in their sources' datasets, which are in the run's tensors and data, not its records`, e, env);
      case 'embeds':
        return this.fail(`embeds(${text(e.args[0]!, env.file)}, ...) opens the input's rows, token ids and embedding table, which are in the run's tensors, not its records`, e, env);
      case 'weight_params':
      case 'weight_layers':
      case 'weight_experts':
        // Attests that read the weights are not evaluated on records (interpret.ts WEIGHTS_UNEVALUATED).
        return this.fail(`${sym.name}(${text(e.args[0]!, env.file)}, ...) reads the committed initial weights' layout, which is in the run's weights.json, not its records`, e, env);
      case 'weight_tensor':
        // Only a verify clause's setting, which the interpreter does not run (the checker refuses it elsewhere).
        return this.fail(`weight_tensor(${text(e.args[0]!, env.file)}, ...) names committed weights, which are in the run's layouts, not its records`, e, env);
      case 'rows': {
        // The rows the opening check's dims give the operand (what the compiled step proof holds the tensor to).
        const opening = openingCheck(env.file.ast.decls, rowsField(e))!;
        const dims = opening.decl.settings.find((s) => s.key.name === 'dims')!.value;
        const value = this.eval(dims, env) as ArrayValue;
        return num(BigInt(committedRows(opening.operand, value.elements.map((x) => (x as NumValue).num) as [bigint, bigint, bigint])));
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
}
