/**
 * The checker for one `.zpol` file: types, units, exact constant folding, static bounds, privacy flow and
 * compute-check settings, on the names its binder resolves (binder.ts).
 *
 * It runs in two passes. `declare` has the binder enter every top-level name (so declarations may come in any
 * order); `check` then walks each declaration, its statements and expressions (expressions.ts), and finally has
 * the binder report what was never used. Types of constants and functions are computed on demand and memoised,
 * which is also where recursion between them is caught (ZP2012). Privacy is in privacy.ts, the settings of
 * compute checks in verify-settings.ts.
 */
import type * as A from '../ast.ts';
import { DiagnosticSink } from '../diagnostics.ts';
import { didYouMean } from '../suggest.ts';
import { Binder, type Exports, type ImportResolver } from './binder.ts';
import type { CheckContext, LocalSymbol, SettingsChecker } from './context.ts';
import { ExpressionChecker } from './expressions.ts';
import { descendants, stronglyConnected } from './graph.ts';
import { checkDisclosure } from './privacy.ts';
import { describeSymbol, type Symbol } from './symbols.ts';
import { T, typeToString, type Type } from './types.ts';
import type { Value } from './values.ts';
import { checkVerify } from './verify-settings.ts';

export class FileChecker extends ExpressionChecker {
  private readonly constTypes = new Map<A.ConstDecl, Type | 'pending'>();
  private readonly constValues = new Map<A.ConstDecl, Value | null | 'pending'>();
  private readonly fnTypes = new Map<A.FnDecl, { params: Type[]; result: Type }>();

  constructor(
    file: A.SourceFile,
    resolveImport: ImportResolver,
    /** The checkers of every file in the program, by path: imported declarations are typed by their owner. */
    checkers: ReadonlyMap<string, FileChecker>,
    sink: DiagnosticSink = new DiagnosticSink(file.path),
  ) {
    super(new Binder(file, resolveImport, sink), sink, checkers);
  }

  // -------------------------------------------------------------------------------------------------------
  // What the compiler and the linter read (the names come from the binder)

  /** The symbol each resolved identifier stands for. */
  get resolved(): ReadonlyMap<A.Identifier, Symbol> {
    return this.binder.resolved;
  }

  get specFields(): ReadonlyMap<string, A.Field> {
    return this.binder.specFields;
  }

  get stepFields(): ReadonlyMap<string, A.Field> {
    return this.binder.stepFields;
  }

  get stateFields(): ReadonlyMap<string, A.Field> {
    return this.binder.stateFields;
  }

  lookup(name: A.Identifier): Symbol | undefined {
    return this.binder.lookup(name);
  }

  /** The symbols this file exports: its own top-level declarations (not what it imports). */
  exports(): Exports {
    return this.binder.exports();
  }

  isPrivate(e: A.Expr): boolean {
    return this.privateExprs.has(e);
  }

  // -------------------------------------------------------------------------------------------------------
  // Pass 1: declarations

  declare(): void {
    this.binder.declare();
  }

  // -------------------------------------------------------------------------------------------------------
  // Pass 2: checking declarations

  check(): void {
    const policyCtx = (where: string, spec: boolean, step: boolean, state: boolean): CheckContext => ({ spec, step, state, where, locals: [] });
    this.prepareConstants();
    for (const d of this.binder.file.decls) {
      switch (d.kind) {
        case 'ConstDecl':
          this.constType(d);
          this.constValue(d);
          break;
        case 'FnDecl':
          this.checkFnBody(d);
          break;
        case 'RecordDecl':
          if (!this.binder.isPolicy) break;
          for (const f of d.fields) {
            const type = this.resolveType(f.type);
            if (f.initial) {
              const info = this.expr(f.initial, policyCtx('an initial state value', true, false, false));
              this.expectAssignable(info.type, type, f.initial, `the initial value of '${f.name.name}'`);
            }
          }
          break;
        case 'OnStepDecl':
          if (this.binder.isPolicy) this.block(d.body, policyCtx('the step update', true, true, true));
          break;
        case 'ClauseDecl':
          if (this.binder.isPolicy) this.checkClause(d);
          break;
        case 'VerifyDecl':
          if (this.binder.isPolicy) this.checkVerifyDecl(d);
          break;
      }
    }
    this.binder.reportUnused();
  }

  /**
   * Types and folds this file's constants dependencies first, so that a long chain of constants defined in terms
   * of one another is resolved one link at a time instead of by a recursion as deep as the chain. Constants that
   * depend on a cycle are left to the main pass, which reports the cycle (ZP2012) as it always has.
   */
  private prepareConstants(): void {
    const consts = this.binder.file.decls.filter((d): d is A.ConstDecl => d.kind === 'ConstDecl');
    const depsOf = new Map<A.ConstDecl, A.ConstDecl[]>();
    const deps = (d: A.ConstDecl): A.ConstDecl[] => {
      let out = depsOf.get(d);
      if (!out) {
        out = [];
        for (const n of [d.value, d.type].flatMap((root) => (root ? descendants(root) : []))) {
          const sym = n.kind === 'NameRef' ? this.binder.scope.get(n.name.name) : undefined;
          if (sym?.kind === 'const' && sym.owner === this.binder.file.path) out.push(sym.decl);
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
    const ctx: CheckContext =
      d.clause === 'attest'
        ? { spec: true, step: false, state: false, where: 'an attest claim', locals: [] }
        : d.clause === 'invariant'
          ? { spec: true, step: true, state: true, where: 'an invariant', locals: [] }
          : { spec: true, step: false, state: true, where: 'an output', locals: [] };
    const info = this.expr(d.value, ctx);
    if (d.clause !== 'output') {
      this.expectType(info.type, T.bool, d.value, `${ctx.where} must be a condition (bool)`);
      return;
    }
    checkDisclosure(d, info.isPrivate, this.sink);
  }

  private checkFnBody(d: A.FnDecl): void {
    const sig = this.fnSignature(d);
    const locals = new Map<string, LocalSymbol>();
    d.params.forEach((p, i) => {
      if (locals.has(p.name.name)) this.report('ZP2002', p.name.span, `parameter '${p.name.name}' is declared twice`);
      locals.set(p.name.name, { kind: 'local', name: p.name, type: sig.params[i], isPrivate: false });
    });
    this.checkingFns.add(d);
    const ctx: CheckContext = { spec: false, step: false, state: false, where: 'a function', locals: [locals] };
    const info = this.expr(d.body, ctx);
    this.checkingFns.delete(d);
    this.expectAssignable(info.type, sig.result, d.body, `the result of '${d.name.name}'`);
    for (const local of locals.values()) this.binder.warnUnusedLocal(local);
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
    const ctx: CheckContext = { spec: false, step: false, state: false, where: 'a constant', locals: [] };
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
  // Statements

  private block(stmts: A.Stmt[], ctx: CheckContext): void {
    const locals = new Map<string, LocalSymbol>();
    const inner: CheckContext = { ...ctx, locals: [...ctx.locals, locals] };
    for (const s of stmts) this.stmt(s, inner, locals);
    for (const local of locals.values()) this.binder.warnUnusedLocal(local);
  }

  private stmt(s: A.Stmt, ctx: CheckContext, locals: Map<string, LocalSymbol>): void {
    switch (s.kind) {
      case 'LetStmt': {
        const info = this.expr(s.value, ctx);
        if (this.binder.lookupLocal(s.name.name, ctx) || this.binder.scope.has(s.name.name)) {
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
        const loopLocals = new Map<string, LocalSymbol>();
        loopLocals.set(s.variable.name, { kind: 'local', name: s.variable, type: T.int(), isPrivate: false });
        const inner: CheckContext = { ...ctx, locals: [...ctx.locals, loopLocals] };
        this.block(s.body, inner);
        for (const local of loopLocals.values()) this.binder.warnUnusedLocal(local);
        break;
      }
    }
  }

  /** The type of an assignable place: a state field, possibly indexed. */
  private assignTarget(e: A.Expr, ctx: CheckContext): Type | undefined {
    if (e.kind === 'ErrorExpr') return undefined; // a syntax error, already reported
    if (e.kind === 'NameRef') {
      const sym = this.binder.lookupLocal(e.name.name, ctx) ?? this.binder.lookup(e.name);
      if (sym?.kind === 'state') {
        this.binder.markUsed(sym);
        this.binder.resolved.set(e.name, sym);
        const t = this.resolveType(sym.field.type);
        this.types.set(e, t);
        return t;
      }
      if (!sym) {
        this.report('ZP2001', e.name.span, `unknown name '${e.name.name}'${didYouMean(e.name.name, this.binder.namesOf(['state']))}`);
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

  /**
   * A `verify` clause: its settings, read where a compute check stands; a family's member variable is an `int`
   * local there, its range `FROM..TO` compile-time counts (the step program is unrolled over the members).
   */
  private checkVerifyDecl(d: A.VerifyDecl): void {
    const ctx: CheckContext = { spec: true, step: true, state: false, where: 'a compute check', locals: [] };
    let members: { from: bigint; to: bigint } | null = null;
    if (d.family) {
      const from = this.staticCount(d.family.from, "a verify family's first member", 0n);
      const to = this.staticCount(d.family.to, "a verify family's member bound", 1n);
      if (from !== null && to !== null) {
        if (from >= to) this.report('ZP5002', d.family.span, `verify '${d.name.name}' has no members: ${from}..${to} is empty; a family runs over FROM..TO with FROM < TO`);
        else members = { from, to };
      }
      const local: LocalSymbol = { kind: 'local', name: d.family.variable, type: T.int(), isPrivate: false };
      ctx.locals = [new Map([[d.family.variable.name, local]])];
      checkVerify(d, this.settingsChecker(ctx), members);
      this.binder.warnUnusedLocal(local);
      return;
    }
    checkVerify(d, this.settingsChecker(ctx), null);
  }

  /** What the settings of a verify block may ask of this checker, read where `ctx` stands. */
  private settingsChecker(ctx: CheckContext): SettingsChecker {
    return {
      typeOf: (e) => this.expr(e, ctx).type,
      evaluate: (e) => this.evaluate(e),
      staticCount: (e, what, min) => this.staticCount(e, what, min),
      report: (code, span, message) => this.report(code, span, message),
      bind: (name) => {
        const sym = this.binder.lookup(name);
        if (sym) {
          this.binder.markUsed(sym);
          this.binder.resolved.set(name, sym);
        }
        return sym;
      },
      fieldType: (f) => this.resolveType(f.type),
    };
  }
}
