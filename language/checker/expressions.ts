/**
 * The types and units of expressions: the part of the file checker that every declaration and statement builds
 * on (check-file.ts extends it; the types written in source and the expectations on a type are in
 * type-checks.ts). Names are resolved by the binder (binder.ts); constants are folded exactly (fold.ts) to check
 * indices, divisors and compile-time counts.
 */
import type * as A from '../ast.ts';
import type { DiagnosticCode, DiagnosticSink } from '../diagnostics.ts';
import { didYouMean } from '../suggest.ts';
import type { Binder } from './binder.ts';
import { TypeChecks } from './type-checks.ts';
import { builtinCallType, type BuiltinHost } from './builtins.ts';
import { openingCheck } from './verify-settings.ts';
import { fromSourcesType } from './sources.ts';
import { embedsType } from './embeds.ts';
import type { CheckContext, ExprInfo } from './context.ts';
import { isWeightBuiltin, weightCallType } from './weights.ts';
import { misplacedWeightTensor } from './step-weights.ts';
import { fold, MAX_STATIC_LENGTH, type FoldEnv } from './fold.ts';
import { descendants, stronglyConnected } from './graph.ts';
import { isPrivateField, STATE_IS_PRIVATE } from './privacy.ts';
import { describeSymbol, type Symbol } from './symbols.ts';
import {
  DIMENSIONLESS,
  T,
  dimEqual,
  dimMul,
  dimOf,
  dimToString,
  isDimensionless,
  isNumeric,
  typeToString,
  type Type,
} from './types.ts';
import { formatValue, isInteger, type Value } from './values.ts';

const ERROR_INFO: ExprInfo = { type: T.error, isPrivate: false };

export abstract class ExpressionChecker extends TypeChecks {
  /** Types of checked expressions, for the linter and the compiler. */
  readonly types = new Map<A.Expr, Type>();
  protected readonly privateExprs = new Set<A.Expr>();
  /** The functions whose bodies are being checked: a call back into one is recursion (ZP2012). */
  protected readonly checkingFns = new Set<A.FnDecl>();
  /** Each function of this file with the functions it is mutually recursive with (computed on first use). */
  private fnCycles?: Map<A.FnDecl, A.FnDecl[]>;

  constructor(
    binder: Binder,
    sink: DiagnosticSink,
    /** The checkers of every file in the program, by path: imported declarations are typed by their owner. */
    private readonly checkers: ReadonlyMap<string, ExpressionChecker>,
  ) {
    super(binder, sink);
  }

  /** A constant's type, memoised by the checker of its file. */
  abstract constType(d: A.ConstDecl): Type;
  /** A constant's exact value, if it has one, memoised by the checker of its file. */
  abstract constValue(d: A.ConstDecl): Value | undefined;
  /** A function's parameter and result types, memoised by the checker of its file. */
  abstract fnSignature(d: A.FnDecl): { params: Type[]; result: Type };

  /**
   * A compile-time count (array length, loop bound): a constant whole number in [min, MAX_STATIC_LENGTH].
   * Returns null when it is not one, after reporting why. The expression may name anything in scope where it
   * stands (`locals`, the spec, step and state records), so that a count read from data is reported as what it
   * is, not a constant (ZP5001), rather than as an unknown name or a forbidden read.
   */
  protected staticCount(e: A.Expr, what: string, min: bigint, locals: CheckContext['locals'] = []): bigint | null {
    const info = this.expr(e, { spec: true, step: true, state: true, where: what, locals });
    if (info.type.kind === 'error') return null;
    const v = this.evaluate(e);
    if (!v) {
      this.report('ZP5001', e.span, `${what} must be a constant known when the policy is compiled`);
      return null;
    }
    if (v.kind !== 'num' || !isInteger(v) || (info.type.kind === 'num' && !isDimensionless(info.type.dim))) {
      this.report('ZP5005', e.span, `${what} must be a whole number without a unit, found ${formatValue(v)}`);
      return null;
    }
    if (v.num < min || v.num > MAX_STATIC_LENGTH) {
      this.report('ZP5002', e.span, `${what} is ${v.num}; it must lie in [${min}, ${MAX_STATIC_LENGTH}]`);
      return null;
    }
    return v.num;
  }

  // -------------------------------------------------------------------------------------------------------
  // Expressions

  protected expr(e: A.Expr, ctx: CheckContext): ExprInfo {
    const info = this.exprInner(e, ctx);
    this.types.set(e, info.type);
    if (info.isPrivate) this.privateExprs.add(e);
    return info;
  }

  private exprInner(e: A.Expr, ctx: CheckContext): ExprInfo {
    switch (e.kind) {
      case 'NumberLiteral': {
        const base = e.den === 1n ? 'int' : 'ratio';
        const unit = e.unit ? this.unitNamed(e.unit) : undefined;
        return { type: { kind: 'num', base, dim: unit ? dimOf(unit) : DIMENSIONLESS }, isPrivate: false };
      }
      case 'BoolLiteral':
        return { type: T.bool, isPrivate: false };
      case 'StringLiteral':
        this.report('ZP2003', e.span, 'a string is not a value here; strings describe clauses and cite sources');
        return ERROR_INFO;
      case 'ErrorExpr':
        return ERROR_INFO;
      case 'ParenExpr':
        return this.expr(e.inner, ctx);
      case 'NameRef':
        return this.nameRef(e, ctx);
      case 'MemberExpr':
        return this.member(e, ctx);
      case 'IndexExpr': {
        const object = this.expr(e.object, ctx);
        const index = this.expr(e.index, ctx);
        this.expectIndex(index.type, e.index);
        if (object.type.kind === 'error') return ERROR_INFO;
        if (object.type.kind !== 'array') {
          this.report('ZP2003', e.object.span, `${typeToString(object.type)} cannot be indexed`);
          return ERROR_INFO;
        }
        this.checkConstIndex(e.index, object.type.length);
        return { type: object.type.element, isPrivate: object.isPrivate || index.isPrivate };
      }
      case 'CallExpr':
        return this.call(e, ctx);
      case 'UnaryExpr': {
        const operand = this.expr(e.operand, ctx);
        if (e.op === 'not') this.expectType(operand.type, T.bool, e.operand, "'not' needs a condition");
        else if (!isNumeric(operand.type) && operand.type.kind !== 'error') {
          this.report('ZP2003', e.operand.span, `'-' needs a number, found ${typeToString(operand.type)}`);
          return ERROR_INFO;
        }
        return operand;
      }
      case 'BinaryExpr':
        return this.binary(e, ctx);
      case 'InRangeExpr': {
        const value = this.expr(e.value, ctx);
        const low = this.expr(e.low, ctx);
        const high = this.expr(e.high, ctx);
        this.expectComparable(value, low, e.low, 'in');
        this.expectComparable(value, high, e.high, 'in');
        return { type: T.bool, isPrivate: value.isPrivate || low.isPrivate || high.isPrivate };
      }
      case 'IfExpr': {
        const cond = this.expr(e.condition, ctx);
        this.expectType(cond.type, T.bool, e.condition, "the condition after 'if' must be a bool");
        const a = this.expr(e.then, ctx);
        const b = this.expr(e.otherwise, ctx);
        const type = this.unify(a.type, b.type, e.otherwise, "the two branches of 'if'");
        return { type, isPrivate: cond.isPrivate || a.isPrivate || b.isPrivate };
      }
      case 'ArrayLiteral': {
        if (e.elements.length === 0) {
          this.report('ZP5002', e.span, 'an array must have at least one element');
          return ERROR_INFO;
        }
        let type: Type = T.error;
        let isPrivate = false;
        e.elements.forEach((el, i) => {
          const info = this.expr(el, ctx);
          isPrivate ||= info.isPrivate;
          type = i === 0 ? info.type : this.unify(type, info.type, el, 'array elements');
        });
        return { type: { kind: 'array', element: type, length: BigInt(e.elements.length) }, isPrivate };
      }
      case 'ArrayRepeat': {
        const value = this.expr(e.value, ctx);
        const length = this.staticCount(e.count, 'an array length', 1n, ctx.locals);
        return { type: { kind: 'array', element: value.type, length }, isPrivate: value.isPrivate };
      }
    }
  }

  private nameRef(e: A.NameRef, ctx: CheckContext): ExprInfo {
    const name = e.name.name;
    if (name === 'spec' || name === 'step') {
      this.report('ZP2003', e.span, `the ${name} record is not a value; read one of its fields: ${name}.NAME`);
      return ERROR_INFO;
    }
    if (name === 'bf16' || name === 'f32') {
      this.report('ZP2003', e.span, `'${name}' names a rounding mode; it is only a value in a verify check's 'rounding' setting`);
      return ERROR_INFO;
    }
    const sym = this.binder.lookupLocal(name, ctx) ?? this.binder.lookup(e.name);
    if (!sym) {
      if (name) this.report('ZP2001', e.name.span, `unknown name '${name}'${didYouMean(name, this.binder.valueNames(ctx))}`);
      return ERROR_INFO;
    }
    this.binder.markUsed(sym);
    this.binder.resolved.set(e.name, sym);
    switch (sym.kind) {
      case 'local':
        return { type: sym.type, isPrivate: sym.isPrivate };
      case 'unit':
        return { type: T.int(dimOf(sym.name)), isPrivate: false };
      case 'const':
        return { type: this.constTypeOf(sym), isPrivate: false };
      case 'state':
        if (!ctx.state) {
          this.report('ZP2009', e.span, `${ctx.where} cannot read state field '${name}'`);
          return ERROR_INFO;
        }
        return { type: this.resolveType(sym.field.type), isPrivate: STATE_IS_PRIVATE };
      case 'fn':
      case 'builtin':
        this.report('ZP2003', e.span, `${describeSymbol(sym)} must be called: ${name}(...)`);
        return ERROR_INFO;
      case 'enum':
        this.report('ZP2003', e.span, `enum '${name}' is a type; name one of its values: ${name}.${sym.decl.members[0]?.name ?? 'VALUE'}`);
        return ERROR_INFO;
    }
  }

  /** A constant's type, computed by the checker of the file that declares it. */
  private constTypeOf(sym: Extract<Symbol, { kind: 'const' }>): Type {
    return this.ownerOf(sym).constType(sym.decl);
  }

  private ownerOf(sym: Extract<Symbol, { kind: 'const' | 'fn' }>): ExpressionChecker {
    return sym.owner === this.binder.file.path ? this : (this.checkers.get(sym.owner) ?? this);
  }

  private member(e: A.MemberExpr, ctx: CheckContext): ExprInfo {
    if (e.object.kind === 'NameRef') {
      const objName = e.object.name.name;
      if ((objName === 'spec' || objName === 'step') && !this.binder.lookupLocal(objName, ctx)) {
        return this.recordField(e, objName, ctx);
      }
      const sym = this.binder.lookupLocal(objName, ctx) ?? this.binder.lookup(e.object.name);
      if (sym?.kind === 'enum') {
        this.binder.markUsed(sym);
        this.binder.resolved.set(e.object.name, sym);
        if (!sym.decl.members.some((m) => m.name === e.member.name)) {
          const members = sym.decl.members.map((m) => m.name);
          this.report('ZP2008', e.member.span, `enum '${objName}' has no value '${e.member.name}' (it has ${members.join(', ')})${didYouMean(e.member.name, members)}`);
          return ERROR_INFO;
        }
        const type: Type = { kind: 'enum', decl: sym.decl };
        this.types.set(e.object, type);
        return { type, isPrivate: false };
      }
    }
    const object = this.expr(e.object, ctx);
    if (object.type.kind !== 'error') this.report('ZP2004', e.member.span, `${typeToString(object.type)} has no field '${e.member.name}'`);
    return ERROR_INFO;
  }

  private recordField(e: A.MemberExpr, record: 'spec' | 'step', ctx: CheckContext): ExprInfo {
    if (!this.binder.isPolicy) {
      this.report('ZP2009', e.span, `a module has no ${record} record; pass the field to the function as a parameter`);
      return ERROR_INFO;
    }
    const allowed = record === 'spec' ? ctx.spec : ctx.step;
    if (!allowed) {
      const why =
        record === 'step'
          ? 'per-step records are not known there'
          : ctx.where === 'a function'
            ? 'functions are pure: pass the field as an argument'
            : 'it is fixed when the policy is compiled, before any spec is known';
      this.report('ZP2009', e.span, `${ctx.where} cannot read '${record}.${e.member.name}': ${why}`);
      return ERROR_INFO;
    }
    const field = (record === 'spec' ? this.binder.specFields : this.binder.stepFields).get(e.member.name);
    if (!field) {
      const fields = (record === 'spec' ? this.binder.specFields : this.binder.stepFields).keys();
      if (e.member.name) this.report('ZP2004', e.member.span, `the ${record} record has no field '${e.member.name}'${didYouMean(e.member.name, fields)}`);
      return ERROR_INFO;
    }
    const type = this.resolveType(field.type);
    this.types.set(e.object, { kind: 'record', record });
    return { type, isPrivate: isPrivateField(record, field) };
  }

  /**
   * `rows(step.F)` is bound only where a compute check opens rows of the tensor committed in step.F (as a, b or c):
   * the openings hash the committed shape into every leaf, so the count is that of the committed tensor.
   */
  private checkRowsOperand(arg: A.Expr): void {
    if (arg.kind !== 'MemberExpr') return;
    const field = arg.member.name;
    const opened = openingCheck(this.binder.file.decls, field) !== undefined;
    if (!opened) {
      this.report(
        'ZP2019',
        arg.span,
        `no compute check opens step.${field}, so nothing in the step proof binds its rows; name it as an operand (a, b or c) of a verify clause`,
      );
    }
  }

  /** The first weight built-in call on each spec field: its tensor count and where (one layout has one count). */
  private readonly weightCounts = new Map<string, { tensors: bigint; span: A.Span }>();

  /** The first count_labels of each step field: its row count and where (one tensor has one shape). */
  private readonly labelRows = new Map<string, { rows: bigint; span: A.Span }>();

  /**
   * `count_labels(step.F, ROWS, N)`: ROWS in [1, 65536] and N in [1, 256] (labels are bf16 whole numbers, exact up
   * to 256) must be constants, since the step program is unrolled over the labels; the type is [int; N].
   */
  private labelCountsType(e: A.CallExpr, args: readonly ExprInfo[]): Type {
    const constant = (i: number, what: string, max: bigint): bigint | null => {
      if (args[i]!.type.kind === 'error') return null;
      const v = this.evaluate(e.args[i]!);
      const t = args[i]!.type;
      if (!v) {
        this.report('ZP5001', e.args[i]!.span, `${what} must be a constant known when the policy is compiled: the step program reads every label`);
        return null;
      }
      if (v.kind !== 'num' || !isInteger(v) || (t.kind === 'num' && !isDimensionless(t.dim))) {
        this.report('ZP5005', e.args[i]!.span, `${what} must be a whole number without a unit, found ${formatValue(v)}`);
        return null;
      }
      if (v.num < 1n || v.num > max) {
        this.report('ZP5002', e.args[i]!.span, `${what} is ${v.num}; it must lie in [1, ${max}]`);
        return null;
      }
      return v.num;
    };
    const rows = constant(1, "count_labels' row count", MAX_STATIC_LENGTH);
    const n = constant(2, "count_labels' number of sources", 256n);
    const arg = e.args[0]!;
    if (rows !== null && arg.kind === 'MemberExpr') {
      const first = this.labelRows.get(arg.member.name);
      if (!first) this.labelRows.set(arg.member.name, { rows, span: e.span });
      else if (first.rows !== rows) {
        this.report(
          'ZP2020',
          e.args[1]!.span,
          `step.${arg.member.name} is counted here as ${rows} labels and at line ${first.span.start.line} as ${first.rows}; one committed tensor has one shape, so one of them cannot prove`,
        );
      }
    }
    return n === null ? T.error : { kind: 'array', element: T.int(), length: n };
  }

  private call(e: A.CallExpr, ctx: CheckContext): ExprInfo {
    const sym = this.binder.lookupLocal(e.callee.name, ctx) ?? this.binder.lookup(e.callee);
    if (sym?.kind === 'builtin' && sym.name === 'weight_tensor') {
      this.binder.markUsed(sym);
      this.binder.resolved.set(e.callee, sym);
      this.report('ZP2024', e.span, misplacedWeightTensor);
      return ERROR_INFO;
    }
    const args = e.args.map((a) => this.expr(a, ctx));
    const isPrivate = args.some((a) => a.isPrivate);
    if (!sym) {
      if (e.callee.name) this.report('ZP2001', e.callee.span, `unknown function '${e.callee.name}'${didYouMean(e.callee.name, this.binder.namesOf(['fn', 'builtin']))}`);
      return ERROR_INFO;
    }
    this.binder.markUsed(sym);
    this.binder.resolved.set(e.callee, sym);
    if (sym.kind === 'builtin') {
      const type = builtinCallType(sym.name, e, args, this.builtinHost);
      if (sym.name === 'rows' && args[0]?.type.kind === 'digest' && !this.builtinHost.familyOperand(e.args[0]!)) this.checkRowsOperand(e.args[0]!);
      if (sym.name === 'count_labels' && type.kind !== 'error') return { type: this.labelCountsType(e, args), isPrivate };
      if (isWeightBuiltin(sym.name)) return { type: weightCallType(sym.name, e, args, ctx, { report: (c, s, m) => this.report(c, s, m), evaluate: (x) => this.evaluate(x) }, this.weightCounts), isPrivate };
      const sourcesHost = { report: (c: DiagnosticCode, s: A.Span, m: string) => this.report(c, s, m), evaluate: (x: A.Expr) => this.evaluate(x), decls: this.binder.file.decls };
      if (sym.name === 'from_sources') return { type: fromSourcesType(e, args, sourcesHost).type, isPrivate };
      if (sym.name === 'embeds') return { type: embedsType(e, args, sourcesHost).type, isPrivate };
      return { type, isPrivate };
    }
    if (sym.kind !== 'fn') {
      this.report('ZP2006', e.callee.span, `${describeSymbol(sym)} is not a function`);
      return ERROR_INFO;
    }
    if (this.checkingFns.has(sym.decl) || (sym.owner === this.binder.file.path && this.callsBack(sym.decl))) {
      const caller = [...this.checkingFns].find((f) => f !== sym.decl);
      const what = caller ? `'${e.callee.name}' calls back into '${caller.name.name}'` : `function '${e.callee.name}' calls itself`;
      this.report('ZP2012', e.callee.span, `${what}; policies are non-recursive so that every proof is bounded`);
      return ERROR_INFO;
    }
    const sig = this.ownerOf(sym).fnSignature(sym.decl);
    if (args.length !== sig.params.length) {
      this.report('ZP2005', e.span, `'${e.callee.name}' takes ${sig.params.length} argument${sig.params.length === 1 ? '' : 's'}, found ${args.length}`);
    }
    args.forEach((a, i) => {
      if (i < sig.params.length) this.expectAssignable(a.type, sig.params[i], e.args[i], `argument ${i + 1} of '${e.callee.name}'`);
    });
    return { type: sig.result, isPrivate };
  }

  /**
   * Whether `fn`'s body, followed through calls to this file's functions, reaches a function being checked:
   * whether `fn` and that function are mutually recursive (the same strongly connected component of the call
   * graph, computed once and without recursion, so that long call chains cost neither time nor stack).
   */
  private callsBack(fn: A.FnDecl): boolean {
    if (!this.fnCycles) {
      const fns = this.binder.file.decls.filter((d): d is A.FnDecl => d.kind === 'FnDecl');
      const calls = (f: A.FnDecl): A.FnDecl[] =>
        descendants(f.body).flatMap((n) => {
          const target = n.kind === 'CallExpr' ? this.binder.scope.get(n.callee.name) : undefined;
          return target?.kind === 'fn' && target.owner === this.binder.file.path ? [target.decl] : [];
        });
      this.fnCycles = new Map();
      for (const component of stronglyConnected(fns, calls)) for (const f of component) this.fnCycles.set(f, component);
    }
    return (this.fnCycles.get(fn) ?? []).some((f) => this.checkingFns.has(f));
  }

  private binary(e: A.BinaryExpr, ctx: CheckContext): ExprInfo {
    const left = this.expr(e.left, ctx);
    const right = this.expr(e.right, ctx);
    const isPrivate = left.isPrivate || right.isPrivate;
    const [l, r] = [left.type, right.type];
    switch (e.op) {
      case 'and':
      case 'or':
        this.expectType(l, T.bool, e.left, `'${e.op}' needs conditions on both sides`);
        this.expectType(r, T.bool, e.right, `'${e.op}' needs conditions on both sides`);
        return { type: T.bool, isPrivate };
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        this.expectComparable(left, right, e.right, e.op);
        return { type: T.bool, isPrivate };
      case '+':
      case '-': {
        if (l.kind === 'error' || r.kind === 'error') return { type: T.error, isPrivate };
        if (!isNumeric(l) || !isNumeric(r)) {
          this.report('ZP2003', e.span, `'${e.op}' needs numbers, found ${typeToString(l)} and ${typeToString(r)}`);
          return ERROR_INFO;
        }
        if (!dimEqual(l.dim, r.dim) && !this.isBareZero(e.left) && !this.isBareZero(e.right)) {
          this.report('ZP3001', e.span, `cannot ${e.op === '+' ? 'add' : 'subtract'} ${dimToString(r.dim)} ${e.op === '+' ? 'to' : 'from'} ${dimToString(l.dim)}`);
          return { type: T.error, isPrivate };
        }
        const dim = this.isBareZero(e.left) ? r.dim : l.dim;
        return { type: { kind: 'num', base: l.base === 'int' && r.base === 'int' ? 'int' : 'ratio', dim }, isPrivate };
      }
      case '*':
      case '/': {
        if (l.kind === 'error' || r.kind === 'error') return { type: T.error, isPrivate };
        if (!isNumeric(l) || !isNumeric(r)) {
          this.report('ZP2003', e.span, `'${e.op}' needs numbers, found ${typeToString(l)} and ${typeToString(r)}`);
          return ERROR_INFO;
        }
        const dim = dimMul(l.dim, r.dim, e.op === '*' ? 1 : -1);
        // Dividing by a unit (`6 FLOP / param`) changes the unit, not the number: the quotient stays whole.
        const wholeQuotient = e.op === '/' && this.isPureUnit(e.right);
        const base = (e.op === '*' || wholeQuotient) && l.base === 'int' && r.base === 'int' ? 'int' : 'ratio';
        if (e.op === '/') {
          const divisor = this.evaluate(e.right);
          if (divisor?.kind === 'num' && divisor.num === 0n) this.report('ZP5003', e.right.span, 'division by zero');
        }
        return { type: { kind: 'num', base, dim }, isPrivate };
      }
    }
  }

  /** Whether `e` is made only of unit names (`param`, `param * token`): its value is exactly 1. */
  private isPureUnit(e: A.Expr): boolean {
    if (e.kind === 'ParenExpr') return this.isPureUnit(e.inner);
    if (e.kind === 'NameRef') return this.binder.resolved.get(e.name)?.kind === 'unit';
    return e.kind === 'BinaryExpr' && (e.op === '*' || e.op === '/') && this.isPureUnit(e.left) && this.isPureUnit(e.right);
  }


  // -------------------------------------------------------------------------------------------------------
  // Constant folding (fold.ts)

  /** The exact value of `e` if it depends only on literals, constants and enum values; undefined otherwise. */
  evaluate(e: A.Expr): Value | undefined {
    return fold(e, this.foldEnv);
  }

  private readonly builtinHost: BuiltinHost = {
    report: (code, span, message) => this.report(code, span, message),
    unify: (a, b, at, what) => this.unify(a, b, at, what),
    familyOperand: (e) => {
      const f = e.kind === 'IndexExpr' ? e.object : e;
      if (f.kind !== 'MemberExpr' || f.object.kind !== 'NameRef' || f.object.name.name !== 'step') return undefined;
      const isOperand = (v: A.Expr) => v.kind === 'IndexExpr' && v.object.kind === 'MemberExpr' && v.object.object.kind === 'NameRef' && v.object.object.name.name === 'step' && v.object.member.name === f.member.name;
      return this.binder.file.decls.find((d): d is A.VerifyDecl => d.kind === 'VerifyDecl' && d.family !== null && d.settings.some((s) => ['a', 'b', 'c'].includes(s.key.name) && isOperand(s.value)));
    },
  };

  private readonly foldEnv: FoldEnv = {
    symbolOf: (id) => this.binder.resolved.get(id) ?? this.binder.scope.get(id.name),
    constValue: (sym) => this.ownerOf(sym).constValue(sym.decl),
  };
}
