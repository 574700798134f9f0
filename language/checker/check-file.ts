/**
 * The checker for one `.zpol` file: name resolution, types, units, exact constant folding, static bounds,
 * privacy flow, compute-check settings and unused declarations.
 *
 * It runs in two passes. `declare` enters every top-level name (so declarations may come in any order);
 * `check` then walks each declaration. Types of constants and functions are computed on demand and memoised,
 * which is also where recursion between them is caught (ZP2012).
 *
 * Privacy is a two-point lattice: an expression is private when it reads a spec field not marked `public`,
 * a step field or state; constants, literals and public spec fields are public. An `output` is revealed to
 * every verifier, so a private one must say why with `reveal` (ZP4001).
 */
import type * as A from '../ast.ts';
import { DiagnosticSink, type DiagnosticCode } from '../diagnostics.ts';
import { BUILTIN_FUNCTIONS, BUILTIN_UNITS, describeSymbol, type BuiltinFunction, type Symbol } from './symbols.ts';
import {
  DIMENSIONLESS,
  T,
  assignable,
  dimEqual,
  dimMul,
  dimOf,
  dimToString,
  isDimensionless,
  isNumeric,
  typeToString,
  unitsAgree,
  type Dim,
  type Type,
} from './types.ts';
import { formatValue, isInteger, type Value } from './values.ts';
import { checkVerify } from './verify-settings.ts';
import { fold, MAX_STATIC_LENGTH, type FoldEnv } from './fold.ts';
import { descendants, stronglyConnected } from './graph.ts';
import { didYouMean } from '../suggest.ts';

/** What a policy exports to files that import it: every top-level declaration. */
export type Exports = Map<string, Symbol>;

/** Resolves a `use` to the exports of the imported module, or reports why it cannot. */
export type ImportResolver = (use: A.UseDecl, sink: DiagnosticSink) => { exports: Exports; checker: FileChecker } | undefined;

interface Ctx {
  /** What the clause being checked may read. */
  spec: boolean;
  step: boolean;
  state: boolean;
  /** Words for ZP2009 messages: "an attest claim". */
  where: string;
  locals: Map<string, Extract<Symbol, { kind: 'local' }>>[];
}

interface Info {
  type: Type;
  isPrivate: boolean;
}

const ERROR_INFO: Info = { type: T.error, isPrivate: false };

/** The built-in type names, suggested for an unknown type. */
const PRIMITIVE_TYPES: readonly A.PrimitiveTypeName[] = ['bool', 'int', 'ratio', 'percent', 'bf16', 'f32', 'digest'];

export class FileChecker {
  readonly sink: DiagnosticSink;
  readonly scope = new Map<string, Symbol>();
  /** Types of checked expressions, for the linter and the compiler. */
  readonly types = new Map<A.Expr, Type>();
  readonly privateExprs = new Set<A.Expr>();
  readonly resolved = new Map<A.Identifier, Symbol>();
  readonly specFields = new Map<string, A.Field>();
  readonly stepFields = new Map<string, A.Field>();
  readonly stateFields = new Map<string, A.Field>();
  private readonly used = new Set<Symbol>();
  private readonly importedVia = new Map<Symbol, A.Identifier>();
  private readonly constTypes = new Map<A.ConstDecl, Type | 'pending'>();
  private readonly constValues = new Map<A.ConstDecl, Value | null | 'pending'>();
  private readonly fnTypes = new Map<A.FnDecl, { params: Type[]; result: Type }>();
  private readonly checkingFns = new Set<A.FnDecl>();
  /** Each function of this file with the functions it is mutually recursive with (computed on first use). */
  private fnCycles?: Map<A.FnDecl, A.FnDecl[]>;
  private readonly isPolicy: boolean;

  constructor(
    readonly file: A.SourceFile,
    private readonly resolveImport: ImportResolver,
    /** The checkers of every file in the program, by path: imported declarations are typed by their owner. */
    private readonly checkers: ReadonlyMap<string, FileChecker>,
    sink?: DiagnosticSink,
  ) {
    this.sink = sink ?? new DiagnosticSink(file.path);
    this.isPolicy = file.header?.kind !== 'ModuleHeader';
  }

  private report(code: DiagnosticCode, span: A.Span, message: string): void {
    this.sink.report(code, span, message);
  }

  /** The symbols this file exports: its own top-level declarations (not what it imports). */
  exports(): Exports {
    const out: Exports = new Map();
    for (const [name, sym] of this.scope) {
      if (sym.kind === 'unit' || sym.kind === 'const' || sym.kind === 'fn' || sym.kind === 'enum') {
        if (sym.owner === this.file.path) out.set(name, sym);
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------------
  // Pass 1: declarations

  declare(): void {
    const owner = this.file.path;
    for (const u of BUILTIN_UNITS) this.scope.set(u, { kind: 'unit', name: u, decl: null, owner: '<builtin>' });
    for (const f of BUILTIN_FUNCTIONS) this.scope.set(f, { kind: 'builtin', name: f });
    const seenBlocks = new Map<string, A.Decl>();
    for (const d of this.file.decls) {
      switch (d.kind) {
        case 'UseDecl':
          this.declareImports(d);
          break;
        case 'UnitDecl':
          this.enter(d.name, { kind: 'unit', name: d.name.name, decl: d, owner });
          break;
        case 'ConstDecl':
          this.enter(d.name, { kind: 'const', decl: d, owner });
          break;
        case 'FnDecl':
          this.enter(d.name, { kind: 'fn', decl: d, owner });
          break;
        case 'EnumDecl':
          this.enter(d.name, { kind: 'enum', decl: d, owner });
          this.checkEnumMembers(d);
          break;
        case 'RecordDecl':
        case 'OnStepDecl': {
          const key = d.kind === 'RecordDecl' ? d.record : 'on step';
          if (!this.isPolicy) {
            this.report('ZP2010', d.span, `a module may not declare '${key}': only policies have records, clauses and checks`);
            break;
          }
          if (seenBlocks.has(key)) {
            this.report('ZP2011', d.span, `'${key}' is declared twice; merge the two blocks`);
            break;
          }
          seenBlocks.set(key, d);
          if (d.kind === 'RecordDecl') this.declareRecord(d);
          break;
        }
        case 'ClauseDecl':
        case 'VerifyDecl':
          if (!this.isPolicy) {
            this.report('ZP2010', d.span, `a module may not declare '${d.kind === 'ClauseDecl' ? d.clause : 'verify'}': only policies have clauses and checks`);
          }
          break;
      }
    }
    this.checkClauseNames();
  }

  private enter(name: A.Identifier, sym: Symbol): void {
    if (!name.name) return;
    const existing = this.scope.get(name.name);
    if (existing && !(existing.kind === 'builtin' && sym.kind !== 'unit') && existing !== sym) {
      const what = existing.kind === 'unit' && existing.decl === null ? 'a built-in unit' : describeSymbol(existing);
      this.report('ZP2002', name.span, `'${name.name}' is already declared as ${what}`);
      return;
    }
    this.scope.set(name.name, sym);
  }

  private declareImports(use: A.UseDecl): void {
    const target = this.resolveImport(use, this.sink);
    if (!target) return;
    const modName = use.module.kind === 'std' ? use.module.path.map((p) => p.name).join('.') : use.module.path.value;
    for (const name of use.names) {
      const sym = target.exports.get(name.name);
      if (!sym) {
        this.report('ZP6002', name.span, `module '${modName}' has no declaration named '${name.name}'${didYouMean(name.name, target.exports.keys())}`);
        continue;
      }
      this.enter(name, sym);
      this.importedVia.set(sym, name);
      this.resolved.set(name, sym);
    }
  }

  private checkEnumMembers(d: A.EnumDecl): void {
    const seen = new Set<string>();
    for (const m of d.members) {
      if (seen.has(m.name)) this.report('ZP2002', m.span, `enum '${d.name.name}' lists '${m.name}' twice`);
      seen.add(m.name);
    }
  }

  private declareRecord(d: A.RecordDecl): void {
    const target = d.record === 'spec' ? this.specFields : d.record === 'step' ? this.stepFields : this.stateFields;
    for (const f of d.fields) {
      if (!f.name.name) continue;
      if (target.has(f.name.name)) {
        this.report('ZP2002', f.name.span, `the ${d.record} record has two fields named '${f.name.name}'`);
        continue;
      }
      target.set(f.name.name, f);
      if (f.isPublic && d.record !== 'spec') {
        this.report('ZP2013', f.span, `only spec fields can be 'public'; ${d.record} fields are never revealed one by one`);
      }
      if (d.record === 'state') {
        if (!f.initial) this.report('ZP2013', f.span, `state field '${f.name.name}' needs an initial value: '${f.name.name}: TYPE = VALUE'`);
        this.enter(f.name, { kind: 'state', field: f });
      } else if (f.initial) {
        this.report('ZP2013', f.initial.span, `${d.record} fields are recorded, not computed: remove the initial value`);
      }
    }
  }

  private checkClauseNames(): void {
    const seen = new Map<string, A.Identifier>();
    for (const d of this.file.decls) {
      if (d.kind !== 'ClauseDecl' && d.kind !== 'VerifyDecl') continue;
      if (!d.name.name) continue;
      if (seen.has(d.name.name)) this.report('ZP2002', d.name.span, `a clause named '${d.name.name}' is already declared`);
      seen.set(d.name.name, d.name);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Pass 2: checking declarations

  check(): void {
    const policyCtx = (where: string, spec: boolean, step: boolean, state: boolean): Ctx => ({ spec, step, state, where, locals: [] });
    this.prepareConstants();
    for (const d of this.file.decls) {
      switch (d.kind) {
        case 'ConstDecl':
          this.constType(d);
          this.constValue(d);
          break;
        case 'FnDecl':
          this.checkFnBody(d);
          break;
        case 'RecordDecl':
          if (!this.isPolicy) break;
          for (const f of d.fields) {
            const type = this.resolveType(f.type);
            if (f.initial) {
              const info = this.expr(f.initial, policyCtx('an initial state value', true, false, false));
              this.expectAssignable(info.type, type, f.initial, `the initial value of '${f.name.name}'`);
            }
          }
          break;
        case 'OnStepDecl':
          if (this.isPolicy) this.block(d.body, policyCtx('the step update', true, true, true));
          break;
        case 'ClauseDecl':
          if (this.isPolicy) this.checkClause(d);
          break;
        case 'VerifyDecl':
          if (this.isPolicy) checkVerify(d, this, policyCtx('a compute check', true, true, false));
          break;
      }
    }
    this.reportUnused();
  }

  /**
   * Types and folds this file's constants dependencies first, so that a long chain of constants defined in terms
   * of one another is resolved one link at a time instead of by a recursion as deep as the chain. Constants that
   * depend on a cycle are left to the main pass, which reports the cycle (ZP2012) as it always has.
   */
  private prepareConstants(): void {
    const consts = this.file.decls.filter((d): d is A.ConstDecl => d.kind === 'ConstDecl');
    const depsOf = new Map<A.ConstDecl, A.ConstDecl[]>();
    const deps = (d: A.ConstDecl): A.ConstDecl[] => {
      let out = depsOf.get(d);
      if (!out) {
        out = [];
        for (const n of [d.value, d.type].flatMap((root) => (root ? descendants(root) : []))) {
          const sym = n.kind === 'NameRef' ? this.scope.get(n.name.name) : undefined;
          if (sym?.kind === 'const' && sym.owner === this.file.path) out.push(sym.decl);
        }
        depsOf.set(d, out);
      }
      return out;
    };
    const tainted = new Set<A.ConstDecl>();
    for (const component of stronglyConnected(consts, deps)) {
      const cyclic = component.length > 1 || deps(component[0]).includes(component[0]);
      if (cyclic || component.some((d) => deps(d).some((x) => tainted.has(x)))) {
        component.forEach((d) => tainted.add(d));
        continue;
      }
      this.constType(component[0]);
      this.constValue(component[0]);
    }
  }

  private checkClause(d: A.ClauseDecl): void {
    const ctx: Ctx =
      d.clause === 'attest'
        ? { spec: true, step: false, state: false, where: 'an attest claim', locals: [] }
        : d.clause === 'invariant'
          ? { spec: true, step: false, state: true, where: 'an invariant', locals: [] }
          : { spec: true, step: false, state: true, where: 'an output', locals: [] };
    const info = this.expr(d.value, ctx);
    if (d.clause !== 'output') {
      this.expectType(info.type, T.bool, d.value, `${ctx.where} must be a condition (bool)`);
      return;
    }
    if (info.isPrivate && !d.reveal) {
      this.report(
        'ZP4001',
        d.value.span,
        `output '${d.name.name}' is computed from private data and would be revealed to every verifier; add 'reveal "why this may be disclosed"' or compute it from public values`,
      );
    } else if (!info.isPrivate && d.reveal) {
      this.report('ZP4002', d.reveal.span, `output '${d.name.name}' reads only public values; 'reveal' is not needed`);
    }
  }

  private checkFnBody(d: A.FnDecl): void {
    const sig = this.fnSignature(d);
    const locals = new Map<string, Extract<Symbol, { kind: 'local' }>>();
    d.params.forEach((p, i) => {
      if (locals.has(p.name.name)) this.report('ZP2002', p.name.span, `parameter '${p.name.name}' is declared twice`);
      locals.set(p.name.name, { kind: 'local', name: p.name, type: sig.params[i], isPrivate: false });
    });
    this.checkingFns.add(d);
    const ctx: Ctx = { spec: false, step: false, state: false, where: 'a function', locals: [locals] };
    const info = this.expr(d.body, ctx);
    this.checkingFns.delete(d);
    this.expectAssignable(info.type, sig.result, d.body, `the result of '${d.name.name}'`);
    for (const local of locals.values()) this.warnUnusedLocal(local);
  }

  fnSignature(d: A.FnDecl): { params: Type[]; result: Type } {
    let sig = this.fnTypes.get(d);
    if (!sig) {
      sig = { params: d.params.map((p) => this.resolveType(p.type)), result: this.resolveType(d.returnType) };
      this.fnTypes.set(d, sig);
    }
    return sig;
  }

  constType(d: A.ConstDecl): Type {
    const known = this.constTypes.get(d);
    if (known === 'pending') {
      this.report('ZP2012', d.name.span, `constant '${d.name.name}' is defined in terms of itself`);
      this.constTypes.set(d, T.error);
      return T.error;
    }
    if (known) return known;
    this.constTypes.set(d, 'pending');
    const ctx: Ctx = { spec: false, step: false, state: false, where: 'a constant', locals: [] };
    const info = this.expr(d.value, ctx);
    let type = info.type;
    if (d.type) {
      const declared = this.resolveType(d.type);
      this.expectAssignable(info.type, declared, d.value, `constant '${d.name.name}'`);
      type = declared;
    }
    if (this.constTypes.get(d) === 'pending') this.constTypes.set(d, type);
    return this.constTypes.get(d) as Type;
  }

  constValue(d: A.ConstDecl): Value | undefined {
    const known = this.constValues.get(d);
    if (known === 'pending') return undefined;
    if (known !== undefined) return known ?? undefined;
    this.constValues.set(d, 'pending');
    const v = this.evaluate(d.value);
    this.constValues.set(d, v ?? null);
    return v;
  }

  // -------------------------------------------------------------------------------------------------------
  // Types written in source

  resolveType(t: A.TypeNode): Type {
    switch (t.kind) {
      case 'PrimitiveType': {
        if (t.name === 'int' || t.name === 'ratio' || t.name === 'percent') {
          return { kind: 'num', base: t.name, dim: t.unit ? this.resolveUnitExpr(t.unit) : DIMENSIONLESS };
        }
        if (t.unit) this.report('ZP3003', t.unit.span, `a ${t.name} value has no unit; units go on int, ratio and percent`);
        return { kind: t.name } as Type;
      }
      case 'NamedType': {
        const sym = this.lookup(t.name);
        if (!sym) {
          if (t.name.name) this.report('ZP2015', t.name.span, `unknown type '${t.name.name}'${didYouMean(t.name.name, [...PRIMITIVE_TYPES, ...this.namesOf(['enum'])])}`);
          return T.error;
        }
        this.markUsed(sym);
        if (sym.kind !== 'enum') {
          this.report('ZP2015', t.name.span, `${describeSymbol(sym)} is not a type`);
          return T.error;
        }
        return { kind: 'enum', decl: sym.decl };
      }
      case 'ArrayType': {
        const element = this.resolveType(t.element);
        const length = this.staticCount(t.length, 'an array length', 1n);
        return { kind: 'array', element, length };
      }
    }
  }

  private resolveUnitExpr(u: A.UnitExpr): Dim {
    let dim = DIMENSIONLESS;
    u.factors.forEach((f, i) => {
      const sign = i > 0 && u.ops[i - 1] === '/' ? -1 : 1;
      const unit = this.unitNamed(f.name);
      if (unit) dim = dimMul(dim, dimOf(unit, f.exponent), sign);
    });
    return dim;
  }

  private unitNamed(name: A.Identifier): string | undefined {
    const sym = this.lookup(name);
    if (sym?.kind === 'unit') {
      this.markUsed(sym);
      return sym.name;
    }
    if (name.name) this.report('ZP3002', name.span, sym ? `${describeSymbol(sym)} is not a unit` : `unknown unit '${name.name}'${didYouMean(name.name, this.namesOf(['unit']))}`);
    return undefined;
  }

  /**
   * A compile-time count (array length, loop bound): a constant whole number in [min, MAX_STATIC_LENGTH].
   * Returns null when it is not one, after reporting why. The expression may name anything in scope where it
   * stands (`locals`, the spec, step and state records), so that a count read from data is reported as what it
   * is, not a constant (ZP5001), rather than as an unknown name or a forbidden read.
   */
  staticCount(e: A.Expr, what: string, min: bigint, locals: Ctx['locals'] = []): bigint | null {
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
  // Statements

  private block(stmts: A.Stmt[], ctx: Ctx): void {
    const locals = new Map<string, Extract<Symbol, { kind: 'local' }>>();
    const inner: Ctx = { ...ctx, locals: [...ctx.locals, locals] };
    for (const s of stmts) this.stmt(s, inner, locals);
    for (const local of locals.values()) this.warnUnusedLocal(local);
  }

  private stmt(s: A.Stmt, ctx: Ctx, locals: Map<string, Extract<Symbol, { kind: 'local' }>>): void {
    switch (s.kind) {
      case 'LetStmt': {
        const info = this.expr(s.value, ctx);
        if (this.lookupLocal(s.name.name, ctx) || this.scope.has(s.name.name)) {
          this.report('ZP2002', s.name.span, `'${s.name.name}' is already declared; choose another name`);
        }
        locals.set(s.name.name, { kind: 'local', name: s.name, type: info.type, isPrivate: info.isPrivate });
        break;
      }
      case 'AssignStmt': {
        const target = this.assignTarget(s.target, ctx);
        const info = this.expr(s.value, ctx);
        if (!target) break;
        if (s.op !== '=' && target.kind !== 'num' && target.kind !== 'error') {
          this.report('ZP2003', s.target.span, `'${s.op}' needs a number, but the target is ${typeToString(target)}`);
          break;
        }
        this.expectAssignable(info.type, target, s.value, 'the assigned value');
        break;
      }
      case 'ForStmt': {
        const from = this.staticCount(s.from, 'a loop bound', 0n, ctx.locals);
        const to = this.staticCount(s.to, 'a loop bound', 0n, ctx.locals);
        if (from !== null && to !== null && from > to) {
          this.report('ZP5002', s.span, `this loop runs from ${from} down to ${to}; the lower bound must not exceed the upper`);
        }
        const loopLocals = new Map<string, Extract<Symbol, { kind: 'local' }>>();
        loopLocals.set(s.variable.name, { kind: 'local', name: s.variable, type: T.int(), isPrivate: false });
        const inner: Ctx = { ...ctx, locals: [...ctx.locals, loopLocals] };
        this.block(s.body, inner);
        for (const local of loopLocals.values()) this.warnUnusedLocal(local);
        break;
      }
    }
  }

  /** The type of an assignable place: a state field, possibly indexed. */
  private assignTarget(e: A.Expr, ctx: Ctx): Type | undefined {
    if (e.kind === 'ErrorExpr') return undefined; // a syntax error, already reported
    if (e.kind === 'NameRef') {
      const sym = this.lookupLocal(e.name.name, ctx) ?? this.lookup(e.name);
      if (sym?.kind === 'state') {
        this.markUsed(sym);
        this.resolved.set(e.name, sym);
        const t = this.resolveType(sym.field.type);
        this.types.set(e, t);
        return t;
      }
      if (!sym) {
        this.report('ZP2001', e.name.span, `unknown name '${e.name.name}'${didYouMean(e.name.name, this.namesOf(['state']))}`);
        return undefined;
      }
      this.report('ZP2007', e.span, `only state fields can be assigned; ${describeSymbol(sym)} cannot`);
      return undefined;
    }
    if (e.kind === 'IndexExpr') {
      const inner = this.assignTarget(e.object, ctx);
      const index = this.expr(e.index, ctx);
      this.expectIndex(index.type, e.index);
      if (!inner || inner.kind === 'error') return inner;
      if (inner.kind !== 'array') {
        this.report('ZP2003', e.object.span, `${typeToString(inner)} cannot be indexed`);
        return undefined;
      }
      this.checkConstIndex(e.index, inner.length);
      return inner.element;
    }
    this.report('ZP2007', e.span, 'only state fields (or their elements) can be assigned');
    return undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // Expressions

  expr(e: A.Expr, ctx: Ctx): Info {
    const info = this.exprInner(e, ctx);
    this.types.set(e, info.type);
    if (info.isPrivate) this.privateExprs.add(e);
    return info;
  }

  private exprInner(e: A.Expr, ctx: Ctx): Info {
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

  private nameRef(e: A.NameRef, ctx: Ctx): Info {
    const name = e.name.name;
    if (name === 'spec' || name === 'step') {
      this.report('ZP2003', e.span, `the ${name} record is not a value; read one of its fields: ${name}.NAME`);
      return ERROR_INFO;
    }
    if (name === 'bf16' || name === 'f32') {
      this.report('ZP2003', e.span, `'${name}' names a rounding mode; it is only a value in a verify check's 'rounding' setting`);
      return ERROR_INFO;
    }
    const sym = this.lookupLocal(name, ctx) ?? this.lookup(e.name);
    if (!sym) {
      if (name) this.report('ZP2001', e.name.span, `unknown name '${name}'${didYouMean(name, this.valueNames(ctx))}`);
      return ERROR_INFO;
    }
    this.markUsed(sym);
    this.resolved.set(e.name, sym);
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
        return { type: this.resolveType(sym.field.type), isPrivate: true };
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

  private ownerOf(sym: Extract<Symbol, { kind: 'const' | 'fn' }>): FileChecker {
    return sym.owner === this.file.path ? this : (this.checkers.get(sym.owner) ?? this);
  }

  private member(e: A.MemberExpr, ctx: Ctx): Info {
    if (e.object.kind === 'NameRef') {
      const objName = e.object.name.name;
      if ((objName === 'spec' || objName === 'step') && !this.lookupLocal(objName, ctx)) {
        return this.recordField(e, objName, ctx);
      }
      const sym = this.lookupLocal(objName, ctx) ?? this.lookup(e.object.name);
      if (sym?.kind === 'enum') {
        this.markUsed(sym);
        this.resolved.set(e.object.name, sym);
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

  private recordField(e: A.MemberExpr, record: 'spec' | 'step', ctx: Ctx): Info {
    if (!this.isPolicy) {
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
    const field = (record === 'spec' ? this.specFields : this.stepFields).get(e.member.name);
    if (!field) {
      const fields = (record === 'spec' ? this.specFields : this.stepFields).keys();
      if (e.member.name) this.report('ZP2004', e.member.span, `the ${record} record has no field '${e.member.name}'${didYouMean(e.member.name, fields)}`);
      return ERROR_INFO;
    }
    const type = this.resolveType(field.type);
    this.types.set(e.object, { kind: 'record', record });
    return { type, isPrivate: record === 'step' || !field.isPublic };
  }

  private call(e: A.CallExpr, ctx: Ctx): Info {
    const sym = this.lookupLocal(e.callee.name, ctx) ?? this.lookup(e.callee);
    const args = e.args.map((a) => this.expr(a, ctx));
    const isPrivate = args.some((a) => a.isPrivate);
    if (!sym) {
      if (e.callee.name) this.report('ZP2001', e.callee.span, `unknown function '${e.callee.name}'${didYouMean(e.callee.name, this.namesOf(['fn', 'builtin']))}`);
      return ERROR_INFO;
    }
    this.markUsed(sym);
    this.resolved.set(e.callee, sym);
    if (sym.kind === 'builtin') return { type: this.builtinCall(sym.name, e, args), isPrivate };
    if (sym.kind !== 'fn') {
      this.report('ZP2006', e.callee.span, `${describeSymbol(sym)} is not a function`);
      return ERROR_INFO;
    }
    if (this.checkingFns.has(sym.decl) || (sym.owner === this.file.path && this.callsBack(sym.decl))) {
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
      const fns = this.file.decls.filter((d): d is A.FnDecl => d.kind === 'FnDecl');
      const calls = (f: A.FnDecl): A.FnDecl[] =>
        descendants(f.body).flatMap((n) => {
          const target = n.kind === 'CallExpr' ? this.scope.get(n.callee.name) : undefined;
          return target?.kind === 'fn' && target.owner === this.file.path ? [target.decl] : [];
        });
      this.fnCycles = new Map();
      for (const component of stronglyConnected(fns, calls)) for (const f of component) this.fnCycles.set(f, component);
    }
    return (this.fnCycles.get(fn) ?? []).some((f) => this.checkingFns.has(f));
  }

  private builtinCall(name: BuiltinFunction, e: A.CallExpr, args: Info[]): Type {
    const arity = (n: number): boolean => {
      if (args.length === n) return true;
      this.report('ZP2005', e.span, `'${name}' takes ${n} argument${n === 1 ? '' : 's'}, found ${args.length}`);
      return false;
    };
    const numeric = (i: number): Extract<Type, { kind: 'num' }> | undefined => {
      const t = args[i].type;
      if (isNumeric(t)) return t;
      if (t.kind !== 'error') this.report('ZP2003', e.args[i].span, `'${name}' needs a number, found ${typeToString(t)}`);
      return undefined;
    };
    switch (name) {
      case 'len': {
        if (!arity(1)) return T.error;
        const t = args[0].type;
        if (t.kind !== 'array' && t.kind !== 'error') this.report('ZP2003', e.args[0].span, `'len' needs an array, found ${typeToString(t)}`);
        return T.int();
      }
      case 'ceil':
      case 'floor': {
        if (!arity(1)) return T.error;
        const t = numeric(0);
        return t ? T.int(t.dim) : T.error;
      }
      case 'abs': {
        if (!arity(1)) return T.error;
        return numeric(0) ?? T.error;
      }
      case 'sum':
      case 'min':
      case 'max': {
        if (args.length === 1) {
          const t = args[0].type;
          if (t.kind === 'error') return T.error;
          if (t.kind !== 'array' || !isNumeric(t.element)) {
            this.report('ZP2003', e.args[0].span, `'${name}' of one argument needs an array of numbers, found ${typeToString(t)}`);
            return T.error;
          }
          return t.element;
        }
        if (name === 'sum') {
          arity(1);
          return T.error;
        }
        if (!arity(2)) return T.error;
        const a = numeric(0);
        const b = numeric(1);
        if (!a || !b) return T.error;
        return this.unify(a, b, e.args[1], `the arguments of '${name}'`);
      }
    }
  }

  private binary(e: A.BinaryExpr, ctx: Ctx): Info {
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
    if (e.kind === 'NameRef') return this.resolved.get(e.name)?.kind === 'unit';
    return e.kind === 'BinaryExpr' && (e.op === '*' || e.op === '/') && this.isPureUnit(e.left) && this.isPureUnit(e.right);
  }

  /** A unitless literal 0 matches any unit: zero FLOP and zero tokens are the same number. */
  private isBareZero(e: A.Expr): boolean {
    return e.kind === 'NumberLiteral' && e.num === 0n && !e.unit;
  }

  // -------------------------------------------------------------------------------------------------------
  // Expectations

  private expectType(actual: Type, expected: Type, at: A.Expr, message: string): void {
    if (actual.kind === 'error' || actual.kind === expected.kind) return;
    this.report('ZP2003', at.span, `${message}, found ${typeToString(actual)}`);
  }

  expectAssignable(actual: Type, expected: Type, at: A.Expr, what: string): void {
    if (actual.kind === 'error' || expected.kind === 'error') return;
    if (!assignable(actual, expected)) {
      if (expected.kind === 'num' && expected.base === 'int' && actual.kind === 'num') {
        const v = this.evaluate(at);
        const shown = v ? ` (${formatValue(v)})` : '';
        this.report('ZP5005', at.span, `${what} must be a whole number, but this is a ratio${shown}`);
      } else {
        this.report('ZP2003', at.span, `${what} should be ${typeToString(expected)}, found ${typeToString(actual)}`);
      }
      return;
    }
    if (!unitsAgree(actual, expected) && !this.isBareZero(at) && !(at.kind === 'ArrayRepeat' && this.isBareZero(at.value))) {
      this.report('ZP3001', at.span, `${what} should be in ${unitOf(expected)}, found ${unitOf(actual)}`);
    }
  }

  private expectComparable(a: Info, b: Info, at: A.Expr, op: string): void {
    const [l, r] = [a.type, b.type];
    if (l.kind === 'error' || r.kind === 'error') return;
    const ordered = op !== '==' && op !== '!=';
    if (isNumeric(l) && isNumeric(r)) {
      if (!dimEqual(l.dim, r.dim) && !this.isBareZero(at)) {
        this.report('ZP3001', at.span, `cannot compare ${dimToString(l.dim)} with ${dimToString(r.dim)}`);
      }
      return;
    }
    if (ordered) {
      this.report('ZP2003', at.span, `'${op}' compares numbers, found ${typeToString(l)} and ${typeToString(r)}`);
      return;
    }
    if (!assignable(l, r) || !assignable(r, l) || l.kind === 'array' || l.kind === 'record' || l.kind === 'mode') {
      this.report('ZP2003', at.span, `cannot compare ${typeToString(l)} with ${typeToString(r)}`);
    }
  }

  private expectIndex(t: Type, at: A.Expr): void {
    if (t.kind === 'error') return;
    if (t.kind !== 'num' || t.base !== 'int' || !isDimensionless(t.dim)) {
      this.report('ZP2003', at.span, `an index must be a whole number without a unit, found ${typeToString(t)}`);
    }
  }

  private checkConstIndex(index: A.Expr, length: bigint | null): void {
    const v = this.evaluate(index);
    if (v?.kind === 'num' && length !== null && (v.num < 0n || v.num >= length || v.den !== 1n)) {
      this.report('ZP5004', index.span, `index ${formatValue(v)} is outside the array, whose indices are 0 to ${length - 1n}`);
    }
  }

  private unify(a: Type, b: Type, at: A.Expr, what: string): Type {
    if (a.kind === 'error') return b;
    if (b.kind === 'error') return a;
    if (isNumeric(a) && isNumeric(b)) {
      if (!dimEqual(a.dim, b.dim)) {
        this.report('ZP3001', at.span, `${what} must have the same unit: ${dimToString(a.dim)} and ${dimToString(b.dim)}`);
        return T.error;
      }
      return { kind: 'num', base: a.base === 'int' && b.base === 'int' ? 'int' : 'ratio', dim: a.dim };
    }
    if (assignable(a, b) && assignable(b, a)) return a;
    this.report('ZP2003', at.span, `${what} must have the same type: ${typeToString(a)} and ${typeToString(b)}`);
    return T.error;
  }

  // -------------------------------------------------------------------------------------------------------
  // Constant folding (fold.ts)

  /** The exact value of `e` if it depends only on literals, constants and enum values; undefined otherwise. */
  evaluate(e: A.Expr): Value | undefined {
    return fold(e, this.foldEnv);
  }

  private readonly foldEnv: FoldEnv = {
    symbolOf: (id) => this.resolved.get(id) ?? this.scope.get(id.name),
    constValue: (sym) => this.ownerOf(sym).constValue(sym.decl),
  };

  // -------------------------------------------------------------------------------------------------------
  // Scope and usage

  lookup(name: A.Identifier): Symbol | undefined {
    return this.scope.get(name.name);
  }

  /** The names in scope that stand for symbols of these kinds (candidates for "did you mean"). */
  private namesOf(kinds: readonly Symbol['kind'][]): string[] {
    return [...this.scope].filter(([, sym]) => kinds.includes(sym.kind)).map(([name]) => name);
  }

  /** The names an expression could have meant where it stands: locals, constants, units, enums, readable state and records. */
  private valueNames(ctx: Ctx): string[] {
    const records = [...(ctx.spec && this.isPolicy ? ['spec'] : []), ...(ctx.step && this.isPolicy ? ['step'] : [])];
    const readable: Symbol['kind'][] = ctx.state ? ['const', 'unit', 'enum', 'state'] : ['const', 'unit', 'enum'];
    return [...ctx.locals.flatMap((frame) => [...frame.keys()]), ...this.namesOf(readable), ...records];
  }

  private lookupLocal(name: string, ctx: Ctx): Extract<Symbol, { kind: 'local' }> | undefined {
    for (let i = ctx.locals.length - 1; i >= 0; i--) {
      const s = ctx.locals[i].get(name);
      if (s) return s;
    }
    return undefined;
  }

  markUsed(sym: Symbol): void {
    this.used.add(sym);
  }

  isPrivate(e: A.Expr): boolean {
    return this.privateExprs.has(e);
  }

  private warnUnusedLocal(local: Extract<Symbol, { kind: 'local' }>): void {
    if (!this.used.has(local) && !local.name.name.startsWith('_')) {
      this.report('ZP2016', local.name.span, `'${local.name.name}' is never used`);
    }
  }

  private reportUnused(): void {
    for (const [sym, id] of this.importedVia) {
      if (!this.used.has(sym)) this.report('ZP2017', id.span, `'${id.name}' is imported but never used`);
    }
    if (!this.isPolicy) return;
    for (const d of this.file.decls) {
      if (d.kind !== 'ConstDecl' && d.kind !== 'FnDecl' && d.kind !== 'EnumDecl' && d.kind !== 'UnitDecl') continue;
      const sym = this.scope.get(d.name.name);
      if (sym && !this.used.has(sym) && 'decl' in sym && sym.decl === d) {
        const what = d.kind === 'ConstDecl' ? 'constant' : d.kind === 'FnDecl' ? 'function' : d.kind === 'EnumDecl' ? 'enum' : 'unit';
        this.report('ZP2016', d.name.span, `${what} '${d.name.name}' is never used`);
      }
    }
  }

  /** The verify-settings checker needs the same expression machinery. */
  exprFor(e: A.Expr, ctx: Ctx): Info {
    return this.expr(e, ctx);
  }

  reportAt(code: DiagnosticCode, span: A.Span, message: string): void {
    this.report(code, span, message);
  }
}

function unitOf(t: Type): string {
  if (t.kind === 'num') return dimToString(t.dim) === '1' ? 'no unit' : dimToString(t.dim);
  if (t.kind === 'array') return unitOf(t.element);
  return 'no unit';
}

export type { Ctx as CheckContext, Info as ExprInfo };
