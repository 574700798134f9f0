/**
 * The binder of one `.zpol` file: its symbols and scopes. It enters every top-level declaration and import
 * into the file's scope (so declarations may come in any order) and the fields of its records, reports
 * duplicates, resolves names (top-level and local), suggests names for unknown ones, and tracks which symbols
 * are used, to report unused imports, declarations and locals. The checker (check-file.ts, expressions.ts)
 * asks it what a name stands for as it types the file; local bindings enter frames the checker opens
 * (context.ts), since a local's type is known only once its value is checked.
 */
import type * as A from '../ast.ts';
import type { DiagnosticCode, DiagnosticSink } from '../diagnostics.ts';
import { didYouMean } from '../suggest.ts';
import type { CheckContext, LocalSymbol } from './context.ts';
import { BUILTIN_FUNCTIONS, BUILTIN_UNITS, describeSymbol, type Symbol } from './symbols.ts';

/** What a policy exports to files that import it: every top-level declaration. */
export type Exports = Map<string, Symbol>;

/** Resolves a `use` to the exports of the imported module, or reports why it cannot. */
export type ImportResolver = (use: A.UseDecl, sink: DiagnosticSink) => { exports: Exports } | undefined;

export class Binder {
  /** The file's top-level names: built-in units and functions, its declarations, its imports and its state fields. */
  readonly scope = new Map<string, Symbol>();
  /** The symbol each resolved identifier stands for, for the linter and the compiler. */
  readonly resolved = new Map<A.Identifier, Symbol>();
  readonly specFields = new Map<string, A.Field>();
  readonly stepFields = new Map<string, A.Field>();
  readonly stateFields = new Map<string, A.Field>();
  /** Whether the file is a policy (a module has no records, clauses or checks). */
  readonly isPolicy: boolean;
  private readonly used = new Set<Symbol>();
  private readonly importedVia = new Map<Symbol, A.Identifier>();

  constructor(
    readonly file: A.SourceFile,
    private readonly resolveImport: ImportResolver,
    private readonly sink: DiagnosticSink,
  ) {
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
  // Top-level declarations

  /** The first pass over the file: enters every top-level declaration, import and record field. */
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
    this.checkFieldSources();
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

  /**
   * `public F: T from CHAIN.NAME`: CHAIN is a public digest field of the same spec without a source of its own (the
   * earlier chain's spec commitment, which the verifier matches), and NAME is what that chain's report reveals:
   * `spec.X` for a public spec field, or an output's name.
   */
  private checkFieldSources(): void {
    for (const d of this.file.decls) {
      if (d.kind !== 'RecordDecl') continue;
      for (const f of d.fields) {
        const src = f.from;
        if (!src) continue;
        if (d.record !== 'spec' || !f.isPublic) {
          this.report('ZP2018', src.span, `only public spec fields take 'from': a ${d.record === 'spec' ? 'private spec' : d.record} field is not revealed, so no verifier can compare it`);
          continue;
        }
        const chain = this.specFields.get(src.chain.name);
        if (!chain) {
          this.report('ZP2018', src.chain.span, `'from' names the public digest field holding the earlier chain's spec commitment, and '${src.chain.name}' is not a spec field${didYouMean(src.chain.name, this.specFields.keys())}`);
          continue;
        }
        const isDigest = chain.type.kind === 'PrimitiveType' && chain.type.name === 'digest';
        if (!chain.isPublic || !isDigest || chain.from || chain === f) {
          this.report('ZP2018', src.chain.span, `'${src.chain.name}' must be a public digest spec field with no 'from' of its own: it holds the spec commitment of the chain that revealed the value`);
          continue;
        }
        const names = src.path.map((p) => p.name);
        const wellFormed = names.length === 1 ? names[0] !== 'spec' : names.length === 2 && names[0] === 'spec';
        if (!wellFormed) {
          this.report('ZP2018', src.span, `'${names.join('.')}' is not a revealed name: write 'spec.FIELD' for the earlier chain's public spec field, or an output's name`);
        }
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
  // Name resolution

  lookup(name: A.Identifier): Symbol | undefined {
    return this.scope.get(name.name);
  }

  /** The names in scope that stand for symbols of these kinds (candidates for "did you mean"). */
  namesOf(kinds: readonly Symbol['kind'][]): string[] {
    return [...this.scope].filter(([, sym]) => kinds.includes(sym.kind)).map(([name]) => name);
  }

  /** The names an expression could have meant where it stands: locals, constants, units, enums, readable state and records. */
  valueNames(ctx: CheckContext): string[] {
    const records = [...(ctx.spec && this.isPolicy ? ['spec'] : []), ...(ctx.step && this.isPolicy ? ['step'] : [])];
    const readable: Symbol['kind'][] = ctx.state ? ['const', 'unit', 'enum', 'state'] : ['const', 'unit', 'enum'];
    return [...ctx.locals.flatMap((frame) => [...frame.keys()]), ...this.namesOf(readable), ...records];
  }

  /** The innermost local named `name` in the frames of `ctx`, if any. */
  lookupLocal(name: string, ctx: CheckContext): LocalSymbol | undefined {
    for (let i = ctx.locals.length - 1; i >= 0; i--) {
      const s = ctx.locals[i].get(name);
      if (s) return s;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // Usage

  markUsed(sym: Symbol): void {
    this.used.add(sym);
  }

  warnUnusedLocal(local: LocalSymbol): void {
    if (!this.used.has(local) && !local.name.name.startsWith('_')) {
      this.report('ZP2016', local.name.span, `'${local.name.name}' is never used`);
    }
  }

  /** Reports imports and (in a policy) top-level declarations never used; run after the whole file is checked. */
  reportUnused(): void {
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
}
