/**
 * A checked policy becomes the zkVM programs of its three proof kinds (ARCHITECTURE.md, "The protocol"):
 *
 *   genesis      in: the spec commitment. Opens the spec, checks every `attest`, computes the initial state;
 *                out: the initial state's commitment, then the spec's `public` fields.
 *   step         in: the spec, previous state and step record commitments. Opens them, runs `on step`, checks
 *                every `invariant` in the new state and every `verify` compute check (verify.ts); out: the new
 *                state's commitment.
 *   attestation  in: the spec and final state commitments. Opens both; out: every `output`.
 *
 * The state commitments are outputs, computed by the program: the prover learns the next state by running it
 * (`stateAddresses` says where its words are in memory at the end), never by computing it some other way.
 *
 * Records (spec, step, state) are committed as chained Poseidon2 compressions from a private blinding word over
 * their words in declaration order (Lowerer.commitWords); the private tape holds, in order, each record's
 * blinding word and its words, then the compute checks' openings (runtime/run/sampling.ts openingTape, clause
 * after clause), and the new state's blinding word last.
 */
import type { FieldLayout, ProofKind } from '../runtime/policy/artifact.ts';
import type * as A from '../language/ast.ts';
import type { CheckedFile, Program as LanguageProgram } from '../language/program.ts';
import type { Type } from '../language/checker/types.ts';
import { num as numValue, type Value } from '../language/checker/values.ts';
import { Lowerer, LoweringError, type LV, type Scope } from './lower.ts';
import { fieldLayout, sourceName, typeWords, type CompiledPolicy } from './compiled-policy.ts';
import { generate, type Generated } from './codegen.ts';
import { optimize, type OptimizeReport } from './passes.ts';
import { operands, type IrFunction } from './ir.ts';
import { committedRows, openingCheck, rowsField } from './rows.ts';
import { resolveComputeCheck, type ComputeCheck } from './verify.ts';
import { lowerLayoutReads, lowerStepChecks } from './step-checks.ts';
import { callsCountLabels, labelCall, labelCalls, labelTensors, lowerLabelCounts, lowerLabelTensor } from './labels.ts';
import type { EmbedCheck, LabelTensor, MemberCheck, WeightLayout } from '../runtime/policy/artifact.ts';
import { embedCalls, lowerEmbeds, resolveEmbed } from './embeds.ts';
import { lowerWeightLayout, weightLayouts, type WeightValues } from './weights.ts';
import { weightCalls, weightsField } from '../language/checker/weights.ts';
import { lowerMembers, memberCalls, resolveMember } from './members.ts';

export type { Region } from './codegen.ts';

const knownInt = (n: bigint): LV => ({ k: 'known', v: numValue(n) });

class PolicyCompiler {
  private readonly byAstPath = new Map<string, CheckedFile>();
  readonly decls: A.Decl[];

  constructor(
    readonly program: LanguageProgram,
    readonly root: CheckedFile,
    readonly computeChecks: boolean,
  ) {
    for (const f of program.files.values()) this.byAstPath.set(f.ast.path, f);
    this.decls = root.ast.decls;
  }

  fields(record: 'spec' | 'step' | 'state'): A.Field[] {
    return this.decls.filter((d): d is A.RecordDecl => d.kind === 'RecordDecl' && d.record === record).flatMap((d) => d.fields);
  }

  type(f: A.Field): Type {
    return this.root.checker.resolveType(f.type);
  }

  layout(record: 'spec' | 'step' | 'state'): FieldLayout[] {
    return this.fields(record).map((f) => fieldLayout(f.name.name, this.type(f), this.at(f.span)));
  }

  clauses(kind: 'attest' | 'invariant' | 'output'): A.ClauseDecl[] {
    return this.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl' && d.clause === kind);
  }

  scope(): Scope {
    return { checker: this.root.checker, file: this.root, locals: new Map() };
  }

  // ---- records ----------------------------------------------------------------------------------------

  /** Reads a record from the tape and asserts that it opens `commitment`. */
  openRecord(L: Lowerer, record: 'spec' | 'step' | 'state', commitment: number, into: Map<string, LV>): void {
    const blinding = L.read('digest');
    const words: number[] = [];
    for (const f of this.fields(record)) {
      const t = this.type(f);
      const v = L.readValue(t, `${record}.${f.name.name}`);
      into.set(f.name.name, v);
      words.push(...L.words(v, t, `${record}.${f.name.name}`));
    }
    L.assertEq(L.commitWords(blinding, words), commitment, `the ${record} record opens its commitment`);
  }

  /** Commits the new state with a blinding word from the tape and outputs the commitment as output 0. */
  commitState(L: Lowerer): void {
    const words = this.fields('state').flatMap((f) => L.words(L.state.get(f.name.name)!, this.type(f), `state.${f.name.name}`));
    const blinding = L.read('digest');
    L.output(L.commitWords(blinding, words), 0);
  }

  message(kind: string, d: A.ClauseDecl): string {
    const text = d.description ? `: ${d.description.value}` : '';
    return `${kind} ${d.name.name} failed${text} (${sourceName(this.root)}:${d.span.start.line}:${d.span.start.column})`;
  }

  /** Runs `lower` with its instructions attributed to one region (a clause, or a part such as opening a record). */
  private region(L: Lowerer, kind: string, name: string, at: string, lower: () => void): void {
    L.ir.enter(kind, name, at);
    L.loc = at;
    lower();
    L.ir.enter('program', 'entry', '');
  }

  // ---- programs -----------------------------------------------------------------------------------------

  genesis(): IrFunction {
    const publicSpec = this.fields('spec').filter((f) => f.isPublic);
    const L = new Lowerer(this.program, 1, 1 + publicSpec.reduce((s, f) => s + typeWords(this.type(f)), 0));
    const specC = this.input(L, 0);
    this.region(L, 'record', 'open spec', sourceName(this.root), () => this.openRecord(L, 'spec', specC, L.spec));
    // The committed weights' layouts, read once outside any claim's guard: the weight built-ins only look them up.
    for (const w of this.weights()) {
      this.region(L, 'weights', w.field, w.at, () => {
        const root = L.spec.get(w.field);
        if (root?.k !== 'digest') throw new LoweringError(`${w.clause}: spec.${w.field} is not a digest`, w.at);
        const first = this.clauses('attest').find((d) => `attest ${d.name.name}` === w.clause)!;
        this.weightValues.set(w.field, lowerWeightLayout(L, w, root.addr, this.message('attest', first)));
      });
    }
    for (const d of this.clauses('attest')) {
      // Records alone (zpol eval) carry no weights: an attest that reads them is left to the proof.
      if (!this.computeChecks && weightCalls(d.value).length > 0) continue;
      this.region(L, 'attest', d.name.name, this.at(d.span), () => this.check(L, this.expr(L, d.value, this.scope()), this.message('attest', d), d));
    }
    this.region(L, 'state', 'initial state', sourceName(this.root), () => {
      for (const f of this.fields('state')) {
        if (!f.initial) throw new LoweringError(`state field ${f.name.name} has no initial value`, this.at(f.span));
        L.state.set(f.name.name, this.expr(L, f.initial, this.scope()));
      }
    });
    this.region(L, 'record', 'commit state', sourceName(this.root), () => this.commitState(L));
    let k = 1;
    for (const f of publicSpec) for (const w of L.publicWords(L.spec.get(f.name.name)!, this.type(f), f.name.name)) L.output(w, k++);
    return L.ir.function();
  }

  step(): IrFunction {
    const L = new Lowerer(this.program, 3, 1);
    const [specC, prevC, stepC] = [0, 1, 2].map((i) => this.input(L, i)) as [number, number, number];
    this.region(L, 'record', 'open spec', sourceName(this.root), () => this.openRecord(L, 'spec', specC, L.spec));
    this.region(L, 'record', 'open state', sourceName(this.root), () => this.openRecord(L, 'state', prevC, L.state));
    const start = new Map(L.state); // the state as the step began: the weights its products are checked against
    this.region(L, 'record', 'open step', sourceName(this.root), () => this.openRecord(L, 'step', stepC, L.step));
    // The labels are read after the invariants that do not count them (unless `on step` does), so that a prover
    // without the run's tensors still shows those invariants failing (prover.ts); the tape order is the same.
    const readLabels = (): void => {
      const read = new Map<string, number[]>();
      for (const t of this.labels()) {
        this.region(L, 'labels', t.field, t.at, () => {
          const root = L.step.get(t.field);
          if (root?.k !== 'digest') throw new LoweringError(`count_labels: step.${t.field} is not a digest`, t.at);
          const words = lowerLabelTensor(L, t, root.addr);
          read.set(t.field, words);
          // Every count the policy reads, here, outside any clause's guard: the calls then only look them up.
          for (const e of labelCalls(this.decls)) {
            const { field, sources } = labelCall(e, this.root.checker, t.at);
            if (field === t.field && !this.labelCounts.has(`${field}/${sources}`)) this.labelCounts.set(`${field}/${sources}`, lowerLabelCounts(L, t, words, sources));
          }
        });
      }
      // The membership checks, after every label tensor (the tape's order: runtime/run/members.ts).
      this.members().forEach((m, i) => {
        const { call, clause } = memberCalls(this.decls, (span) => this.at(span))[i]!;
        const digest = (v: LV | undefined, what: string): number => (v?.k === 'digest' ? v.addr : this.fail(`from_sources: ${what} is not a digest`, m.at));
        const roots = { labels: digest(L.step.get(m.labels), `step.${m.labels}`), batch: digest(L.step.get(m.batch), `step.${m.batch}`) };
        const datasets = L.items(L.spec.get(m.datasets) ?? this.fail(`from_sources: spec.${m.datasets} is not a spec field`, m.at), m.at);
        this.region(L, 'invariant', clause.name.name, m.at, () => this.memberChecks.set(call, lowerMembers(L, m, read.get(m.labels)!, roots, datasets, this.message('invariant', clause))));
      });
      // The embedding checks, after the membership checks (runtime/run/embeds.ts).
      this.embeds().forEach((m, i) => {
        const { call, clause } = embedCalls(this.decls, (span) => this.at(span))[i]!;
        const root = (f: string): number => {
          const v = L.step.get(f);
          return v?.k === 'digest' ? v.addr : this.fail(`embeds: step.${f} is not a digest`, m.at);
        };
        const roots = { ids: root(m.ids), input: root(m.input), table: root(m.table) };
        this.region(L, 'invariant', clause.name.name, m.at, () => this.memberChecks.set(call, lowerEmbeds(L, m, roots, this.message('invariant', clause))));
      });
    };
    const onStepCounts = this.decls.some((d) => d.kind === 'OnStepDecl' && callsCountLabels(d));
    if (onStepCounts) readLabels();
    for (const d of this.decls) if (d.kind === 'OnStepDecl') this.region(L, 'on step', 'on step', this.at(d.span), () => this.block(L, d.body, this.scope()));
    const invariants = this.clauses('invariant');
    const lowerInvariant = (d: A.ClauseDecl): void =>
      this.region(L, 'invariant', d.name.name, this.at(d.span), () => this.check(L, this.expr(L, d.value, this.scope()), this.message('invariant', d), d));
    for (const d of invariants) if (!callsCountLabels(d.value)) lowerInvariant(d);
    if (!onStepCounts) readLabels();
    // Records alone (zpol eval) carry no labels: an invariant that counts them is left to the proof.
    if (this.computeChecks) for (const d of invariants) if (callsCountLabels(d.value)) lowerInvariant(d);
    // The compute checks, after the invariants, from the state as the step began (step-checks.ts).
    if (this.computeChecks) lowerStepChecks(L, this.verifies(), start, this.rangedLayout, (kind, name, at, lower) => this.region(L, kind, name, at, lower));
    this.region(L, 'record', 'commit state', sourceName(this.root), () => this.commitState(L));
    return L.ir.function();
  }

  private resolved: { decl: A.VerifyDecl; check: ComputeCheck }[] | undefined;
  private labelList: LabelTensor[] | undefined;
  /** The counts of each labelled step field, by field and source count, lowered after the step record (step()). */
  private readonly labelCounts = new Map<string, LV>();

  /** The label tensors `count_labels` reads, in tape order (none without compute checks: records alone have none). */
  labels(): LabelTensor[] {
    const counted = labelCalls(this.decls).map((e) => ({ ...labelCall(e, this.root.checker, this.at(e.span)), at: this.at(e.span) }));
    const sampled = this.members().map((m) => ({ field: m.labels, rows: m.rows, sources: m.names.length, at: m.at }));
    this.labelList ??= this.computeChecks ? labelTensors([...counted, ...sampled]) : [];
    return this.labelList;
  }

  /** Whether genesis reads spec.`initial` as a layout of `tensors` (and so range-checks its rows and cols). */
  private readonly rangedLayout = (initial: string, tensors: number): boolean => this.weights().some((w) => w.field === initial && w.tensors === tensors);

  private weightList: WeightLayout[] | undefined;
  /** What genesis derives from each layout, by spec field (genesis()). */
  private readonly weightValues = new Map<string, WeightValues>();

  /** The weight layouts the attests read, in tape order (none without compute checks: records alone have no weights). */
  weights(): WeightLayout[] {
    this.weightList ??= this.computeChecks ? weightLayouts(this.clauses('attest'), this.root.checker, (span) => this.at(span)) : [];
    return this.weightList;
  }

  private memberList: MemberCheck[] | undefined;
  /** The value of each from_sources and embeds call, lowered with the labels (step()). */
  private readonly memberChecks = new Map<A.CallExpr, LV>();

  /** The from_sources membership checks, in source order (none without compute checks: records alone have no tensors). */
  members(): MemberCheck[] {
    this.memberList ??= this.computeChecks ? memberCalls(this.decls, (span) => this.at(span)).map(({ call, clause }) => resolveMember(call, clause, this.root.checker, this.decls, this.at(call.span))) : [];
    return this.memberList;
  }

  private embedList: EmbedCheck[] | undefined;
  /** The embeds checks, in source order (none without compute checks: records alone have no tensors). */
  embeds(): EmbedCheck[] {
    this.embedList ??= this.computeChecks ? embedCalls(this.decls, (span) => this.at(span)).map(({ call, clause }) => resolveEmbed(call, clause, this.root.checker, this.decls, this.at(call.span))) : [];
    return this.embedList;
  }

  /** The `verify` clauses with their settings resolved (once: the step program and the artifact share them). */
  verifies(): { decl: A.VerifyDecl; check: ComputeCheck }[] {
    this.resolved ??= this.decls
      .filter((d): d is A.VerifyDecl => d.kind === 'VerifyDecl')
      .map((decl) => ({ decl, check: resolveComputeCheck(decl, this.root.checker, this.decls, this.at(decl.span)) }));
    return this.resolved;
  }

  attestation(): { f: IrFunction; outputs: FieldLayout[] } {
    const outs = this.clauses('output').map((d) => ({ d, type: this.root.checker.types.get(d.value) }));
    const outputs = outs.map(({ d, type }) => {
      if (!type) throw new LoweringError('an output without a type', this.at(d.span));
      return fieldLayout(d.name.name, type, this.at(d.span));
    });
    const L = new Lowerer(this.program, 2, outputs.reduce((s, o) => s + o.words, 0));
    const specC = this.input(L, 0);
    const finalC = this.input(L, 1);
    this.region(L, 'record', 'open spec', sourceName(this.root), () => this.openRecord(L, 'spec', specC, L.spec));
    this.region(L, 'record', 'open state', sourceName(this.root), () => this.openRecord(L, 'state', finalC, L.state));
    // The layouts of the weights the last step ended with, which no step reads: named and shaped as the initial ones,
    // each root committing its shape (step-checks.ts).
    if (this.computeChecks) lowerLayoutReads(L, this.verifies(), L.state, this.rangedLayout, (kind, name, at, lower) => this.region(L, kind, name, at, lower), 'the last step ends with');
    let k = 0;
    for (const { d, type } of outs) {
      if (!type) throw new LoweringError('an output without a type', this.at(d.span));
      this.region(L, 'output', d.name.name, this.at(d.span), () => {
        const v = this.expr(L, d.value, this.scope());
        for (const w of L.publicWords(v, type, `output ${d.name.name}`)) L.output(w, k++);
      });
    }
    return { f: L.ir.function(), outputs };
  }

  private input(L: Lowerer, index: number): number {
    return L.input(index);
  }

  private check(L: Lowerer, v: LV, message: string, d: A.ClauseDecl): void {
    if (v.k === 'known' && v.v.kind === 'bool') {
      if (!v.v.value) throw new LoweringError(`${d.clause} ${d.name.name} is false for every run`, this.at(d.span));
      return;
    }
    L.assert(L.fieldAddr(v, this.at(d.span)), message);
  }

  private at(span: A.Span, file: CheckedFile = this.root): string {
    return `${sourceName(file)}:${span.start.line}:${span.start.column}`;
  }

  // ---- statements -------------------------------------------------------------------------------------

  private block(L: Lowerer, body: readonly A.Stmt[], scope: Scope): void {
    for (const s of body) {
      switch (s.kind) {
        case 'LetStmt':
          scope.locals.set(s.name.name, this.expr(L, s.value, scope));
          break;
        case 'AssignStmt': {
          const at = this.at(s.span, scope.file);
          const value = this.expr(L, s.value, scope);
          this.assign(L, s.target, scope, (old) => (s.op === '=' ? value : L.add(old, value, at, s.op === '-=')));
          break;
        }
        case 'ForStmt': {
          const from = this.constInt(L, s.from, scope);
          const to = this.constInt(L, s.to, scope);
          for (let i = from; i < to; i++) {
            const inner: Scope = { ...scope, locals: new Map([...scope.locals, [s.variable.name, knownInt(i)]]) };
            this.block(L, s.body, inner);
          }
          break;
        }
      }
    }
  }

  private assign(L: Lowerer, target: A.Expr, scope: Scope, update: (old: LV) => LV): void {
    const at = this.at(target.span, scope.file);
    if (target.kind === 'NameRef') {
      const name = target.name.name;
      L.state.set(name, update(L.state.get(name) ?? this.fail(`unknown state field ${name}`, at)));
      return;
    }
    if (target.kind === 'IndexExpr') {
      const index = Number(this.constInt(L, target.index, scope));
      this.assign(L, target.object, scope, (arr) => {
        const items = [...L.items(arr, at)];
        if (index < 0 || index >= items.length) this.fail(`index ${index} is outside the array`, at);
        items[index] = update(items[index]!);
        return { k: 'array', items };
      });
      return;
    }
    this.fail('only state fields can be assigned', at);
  }

  private fail(message: string, at: string): never {
    throw new LoweringError(message, at);
  }

  private constInt(L: Lowerer, e: A.Expr, scope: Scope): bigint {
    const v = this.expr(L, e, scope);
    if (v.k === 'known' && v.v.kind === 'num' && v.v.den === 1n) return v.v.num;
    return this.fail('a loop bound or index must be known when the policy is compiled', this.at(e.span, scope.file));
  }

  // ---- expressions ------------------------------------------------------------------------------------

  expr(L: Lowerer, e: A.Expr, scope: Scope): LV {
    const at = this.at(e.span, scope.file);
    const outer = L.loc;
    L.loc = at;
    try {
      return this.exprAt(L, e, scope, at);
    } finally {
      L.loc = outer;
    }
  }

  private exprAt(L: Lowerer, e: A.Expr, scope: Scope, at: string): LV {
    const known = (v: Value): LV => ({ k: 'known', v });
    switch (e.kind) {
      case 'NumberLiteral':
        return known(numValue(e.num, e.den));
      case 'BoolLiteral':
        return L.bool(e.value);
      case 'ParenExpr':
        return this.expr(L, e.inner, scope);
      case 'NameRef': {
        const local = scope.locals.get(e.name.name);
        if (local) return local;
        const sym = scope.checker.resolved.get(e.name) ?? scope.checker.lookup(e.name);
        if (!sym) return this.fail(`unknown name ${e.name.name}`, at);
        if (sym.kind === 'unit') return knownInt(1n);
        if (sym.kind === 'const') {
          const owner = this.byAstPath.get(sym.owner)?.checker ?? scope.checker;
          const v = owner.constValue(sym.decl);
          return v ? known(v) : this.fail(`constant ${sym.decl.name.name} has no value`, at);
        }
        if (sym.kind === 'state') return L.state.get(sym.field.name.name) ?? this.fail(`state ${sym.field.name.name} is not available here`, at);
        return this.fail(`${e.name.name} is not a value`, at);
      }
      case 'MemberExpr': {
        if (e.object.kind === 'NameRef' && !scope.locals.has(e.object.name.name)) {
          const obj = e.object.name.name;
          if (obj === 'spec' || obj === 'step') {
            const rec = obj === 'spec' ? L.spec : L.step;
            return rec.get(e.member.name) ?? this.fail(`${obj}.${e.member.name} is not available here`, at);
          }
          const sym = scope.checker.resolved.get(e.object.name) ?? scope.checker.lookup(e.object.name);
          if (sym?.kind === 'enum') return known({ kind: 'enum', decl: sym.decl, member: e.member.name });
        }
        return this.fail('unsupported member access', at);
      }
      case 'IndexExpr': {
        const items = L.items(this.expr(L, e.object, scope), at);
        const i = Number(this.constInt(L, e.index, scope));
        return items[i] ?? this.fail(`index ${i} is outside the array of ${items.length}`, at);
      }
      case 'ArrayLiteral':
        return { k: 'array', items: e.elements.map((x) => this.expr(L, x, scope)) };
      case 'ArrayRepeat': {
        const v = this.expr(L, e.value, scope);
        return { k: 'array', items: Array.from({ length: Number(this.constInt(L, e.count, scope)) }, () => v) };
      }
      case 'UnaryExpr': {
        const v = this.expr(L, e.operand, scope);
        if (e.op === 'not') return L.not(v, at);
        if (v.k === 'known' && v.v.kind === 'num') return known(numValue(-v.v.num, v.v.den));
        return this.fail('negating a value that depends on the run: the machine has no negative integers', at);
      }
      case 'BinaryExpr': {
        const a = this.expr(L, e.left, scope);
        // `and` and `or` evaluate their right operand only when it decides (docs/language.md).
        if (e.op === 'and' || e.op === 'or') {
          const decides = e.op === 'and' ? a : L.not(a, at);
          if (decides.k === 'known' && decides.v.kind === 'bool' && !decides.v.value) return L.bool(e.op === 'or');
          const b = L.guarded(decides, at, () => this.expr(L, e.right, scope));
          return e.op === 'and' ? L.and(a, b, at) : L.or(a, b, at);
        }
        const b = this.expr(L, e.right, scope);
        switch (e.op) {
          case '+':
            return L.add(a, b, at);
          case '-':
            return L.add(a, b, at, true);
          case '*':
            return L.mul(a, b, at);
          case '/':
            return L.div(a, b, at);
          case '==':
            return L.equal(a, b, at);
          case '!=':
            return L.not(L.equal(a, b, at), at);
          case '<':
            return L.less(a, b, at);
          case '>':
            return L.less(b, a, at);
          case '<=':
            return L.not(L.less(b, a, at), at);
          case '>=':
            return L.not(L.less(a, b, at), at);
        }
        return this.fail("unknown operator", at);
      }
      case 'InRangeExpr': {
        const v = this.expr(L, e.value, scope);
        const lo = this.expr(L, e.low, scope);
        const hi = this.expr(L, e.high, scope);
        return L.and(L.not(L.less(v, lo, at), at), L.not(L.less(hi, v, at), at), at);
      }
      case 'IfExpr': {
        // Only the branch taken is evaluated: a known condition lowers one branch, a run-dependent one lowers
        // both, each guarded by its condition so that nothing in the other branch can trap.
        const c = this.expr(L, e.condition, scope);
        if (c.k === 'known' && c.v.kind === 'bool') return this.expr(L, c.v.value ? e.then : e.otherwise, scope);
        const x = L.guarded(c, at, () => this.expr(L, e.then, scope));
        const y = L.guarded(L.not(c, at), at, () => this.expr(L, e.otherwise, scope));
        return L.select(c, x, y, at);
      }
      case 'CallExpr':
        return this.call(L, e, scope);
      default:
        return this.fail(`${e.kind} cannot be compiled`, at);
    }
  }

  private call(L: Lowerer, e: A.CallExpr, scope: Scope): LV {
    const at = this.at(e.span, scope.file);
    const args = e.args.map((a) => this.expr(L, a, scope));
    const sym = scope.checker.resolved.get(e.callee) ?? scope.checker.lookup(e.callee);
    if (!sym) return this.fail(`unknown function ${e.callee.name}`, at);
    if (sym.kind === 'builtin') {
      const all = args.length === 1 && (args[0]!.k === 'array' || (args[0]!.k === 'known' && args[0]!.v.kind === 'array')) ? L.items(args[0]!, at) : args;
      switch (sym.name) {
        case 'len':
          return knownInt(BigInt(L.items(args[0]!, at).length));
        case 'rows': {
          // A constant of the program, bound in the step proof by the check's openings (compiler/rows.ts).
          const field = rowsField(e);
          const opening = openingCheck(this.decls, field);
          const check = this.verifies().find((v) => v.decl === opening?.decl)?.check;
          if (!opening || !check) return this.fail(`rows(step.${field}): no compute check opens step.${field}`, at);
          return knownInt(BigInt(committedRows(opening.operand, check.dims)));
        }
        case 'count_labels': {
          const { field, sources } = labelCall(e, scope.checker, at);
          const counts = this.labelCounts.get(`${field}/${sources}`);
          if (!counts) return this.fail(`count_labels(step.${field}) is read only in the step program, with the run's tensors`, at);
          return counts;
        }
        case 'weight_params':
        case 'weight_layers':
        case 'weight_experts': {
          const values = this.weightValues.get(weightsField(e) ?? '');
          if (!values) return this.fail(`${sym.name} reads the committed weights' layout only in the genesis program, with the run's weights`, at);
          return sym.name === 'weight_params' ? values.params : sym.name === 'weight_layers' ? values.layers : values.experts;
        }
        case 'from_sources':
        case 'embeds':
          return this.memberChecks.get(e) ?? this.fail(`${e.callee.name} opens rows of the batch in the step program, with the run's tensors and data`, at);
        case 'sum':
          return all.reduce<LV>((acc, x) => L.add(acc, x, at), knownInt(0n));
        case 'min':
          return all.slice(1).reduce<LV>((acc, x) => L.select(L.less(x, acc, at), x, acc, at), all[0]!);
        case 'max':
          return all.slice(1).reduce<LV>((acc, x) => L.select(L.less(acc, x, at), x, acc, at), all[0]!);
        case 'abs': {
          const v = args[0]!;
          if (v.k === 'known' && v.v.kind === 'num') return { k: 'known', v: numValue(v.v.num < 0n ? -v.v.num : v.v.num, v.v.den) };
          return v; // integers in the machine are never negative
        }
        default: {
          const v = args[0]!;
          if (v.k === 'known' && v.v.kind === 'num') {
            const q = v.v.num / v.v.den;
            const exact = q * v.v.den === v.v.num;
            const floor = v.v.num < 0n && !exact ? q - 1n : q;
            return knownInt(sym.name === 'floor' || exact ? floor : floor + 1n);
          }
          if (v.k === 'int') return v;
          return this.fail(`${sym.name} of a ratio that depends on the run is not supported by the machine yet`, at);
        }
      }
    }
    if (sym.kind !== 'fn') return this.fail(`${e.callee.name} is not a function`, at);
    const file = this.byAstPath.get(sym.owner) ?? scope.file;
    const locals = new Map<string, LV>();
    sym.decl.params.forEach((p, i) => locals.set(p.name.name, args[i]!));
    return this.expr(L, sym.decl.body, { checker: file.checker, file, locals });
  }
}

export interface CompileOptions {
  /**
   * Lower the `verify` compute checks into the step program (the default). Without them the step program reads
   * no tensor openings: what `zpol eval` runs on records alone, never what a proof is made of.
   */
  readonly computeChecks?: boolean;
}

/** Compiles the policy `root` of a checked program (no error diagnostics) into its three programs. */
export function compilePolicy(program: LanguageProgram, root: CheckedFile, options: CompileOptions = {}): CompiledPolicy {
  const c = new PolicyCompiler(program, root, options.computeChecks ?? true);
  const header = root.ast.header;
  if (!header || header.kind !== 'PolicyHeader') throw new LoweringError('only policies compile, not modules', root.path);
  const attestation = c.attestation();
  const built: Record<ProofKind, { gen: Generated; report: OptimizeReport; f: IrFunction }> = {} as never;
  for (const [kind, f] of [['genesis', c.genesis()], ['step', c.step()], ['attestation', attestation.f]] as const) {
    const o = optimize(f);
    built[kind] = { gen: generate(o.f), report: o.report, f: o.f };
  }
  return {
    name: header.name.name,
    programs: { genesis: built.genesis.gen.program, step: built.step.gen.program, attestation: built.attestation.gen.program },
    layouts: { spec: c.layout('spec'), step: c.layout('step'), state: c.layout('state') },
    outputs: attestation.outputs,
    publicSpec: c.layout('spec').filter((_, i) => c.fields('spec')[i]!.isPublic),
    verifies: c.computeChecks ? c.verifies().map((v) => v.check) : [],
    labels: c.labels(),
    members: c.members(),
    embeds: c.embeds(),
    weights: c.weights(),
    regions: { genesis: built.genesis.gen.regions, step: built.step.gen.regions, attestation: built.attestation.gen.regions },
    stateAddresses: { genesis: stateAddresses(built.genesis.f, built.genesis.gen), step: stateAddresses(built.step.f, built.step.gen) },
    optimization: { genesis: built.genesis.report, step: built.step.report, attestation: built.attestation.report },
    traps: { genesis: built.genesis.gen.traps, step: built.step.gen.traps, attestation: built.attestation.gen.traps },
  };
}

/**
 * Where the new state's words are at the end: output 0 is the state commitment, the chain
 * h ← Poseidon2(h ‖ w) from the blinding word read from the tape; its words are the chain's right operands.
 */
function stateAddresses(f: IrFunction, gen: Generated): number[] {
  const out = f.instrs.find((i) => i.op === 'output' && i.index === 0);
  if (!out) throw new Error('compiler: no state commitment output');
  let h = operands(out)[0]!;
  const words: number[] = [];
  for (;;) {
    const ins = f.instrs[h]!;
    if (ins.op === 'read') break;
    if (ins.op !== 'hash') throw new Error('compiler: the state commitment is not a hash chain');
    words.push(ins.args[1]);
    h = ins.args[0];
  }
  return words.reverse().map((id) => gen.addresses[id]!);
}
