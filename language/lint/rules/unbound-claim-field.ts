import type * as A from '../../ast.ts';
import type { Type } from '../../checker/types.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { forEachExpr, unparen } from '../util.ts';

export default defineRule({
  id: 'unbound-claim-field',
  category: 'soundness',
  severity: 'warning',
  summary: 'a FLOP, mixture, parameter or architecture claim rests on a record field that no commitment constrains',
  docs: `
A proof holds a policy's claims over the records the lab writes. A step field such as \`tokens\` is whatever the
recorder put there: the step proof checks the arithmetic built on it, not that it is true. A FLOP cap computed
from \`step.tokens\`, or a data mixture from \`step.tokens_by_source\`, therefore rests on the lab's word unless the
policy ties the count to something the lab committed. The bound form for a token count is an invariant that
equates it with the rows of the committed batch, \`step.tokens == rows(step.x_root) * token\`: \`rows(step.F)\` is
the row count of the tensor a compute check opens against step.F, which the step proof binds.

**What it reports.** In a policy with a compute check (so that it commits tensors a count can be bound to),
every step field counted in tokens (\`int token\`, or an array of it) that \`on step\` accumulates into state read
by an invariant or an output, unless an invariant equates the field with an expression that counts committed
rows (\`step.F == ... rows(step.G) ...\`, on either side, anywhere in the invariant), or, for a per-source split
(an array), unless invariants equate each of its elements with a count of committed source labels
(\`step.F[i] == ... count_labels(step.L, ROWS, N)[i] ...\` for every index i). The message names the claims that
rest on the field and the invariant to add. Policies without compute checks commit no tensors and are not reported.

Likewise for the spec: in such a policy, a spec field counted in parameters (\`int param\`) or of type
\`ArchClass\` that a claim reads (an attest, invariant or output, or \`on step\`, as a FLOP count does) is the lab's
declaration unless an attest equates it with what the genesis proof derives from the committed initial weights:
\`spec.params == weight_params(spec.weights, T)\`, or for the class an expression that calls \`weight_layers\` or
\`weight_experts\` (\`spec.arch == weights_class(weight_layers(spec.weights, T), weight_experts(spec.weights, T))\`).

**Bad**

\`\`\`
step {
  tokens: int token
  x_root: digest
}
on step {
  total_flops += dense_training_flops(spec.params, step.tokens)
}
invariant under_cap: total_flops <= FLOP_CAP
verify fc1 { a: step.x_root ... }
\`\`\`

**Good**

\`\`\`
invariant tokens_are_batch: step.tokens == rows(step.x_root) * token
\`\`\`
`,
  check(ctx) {
    if (!ctx.file.ast.header || ctx.file.ast.header.kind !== 'PolicyHeader') return;
    const verifies = ctx.ast.decls.filter((d): d is A.VerifyDecl => d.kind === 'VerifyDecl');
    if (verifies.length === 0) return;
    checkDeclaredModel(ctx);
    const stepFields = ctx.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'step' ? d.fields : []));
    const counted = stepFields.filter((f) => countsTokens(ctx.checker.resolveType(f.type)));
    if (counted.length === 0) return;
    const feeds = stateFeeds(ctx);
    const clauses = ctx.ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl' && d.clause !== 'attest');
    const bound = boundFields(ctx, clauses);
    const batch = firstOpened(verifies);
    for (const field of counted) {
      const name = field.name.name;
      if (bound.has(name)) continue;
      const claims = clauses.filter((c) => readsState(ctx, c.value).some((s) => feeds.get(s)?.has(name))).map((c) => `${c.clause} ${c.name.name}`);
      if (claims.length === 0) continue;
      const rests = `${claims.join(', ')} ${claims.length === 1 ? 'rests' : 'rest'} on step.${name}, which no commitment constrains: the proof takes the lab's record as it is`;
      const isArray = ctx.checker.resolveType(field.type).kind === 'array';
      ctx.report(
        field.name,
        isArray
          ? `${rests}; bind each source's count to the batch's committed source labels (a [rows, 1] tensor, docs/run.md): 'invariant ${name}_is_labels: step.${name}[0] == count_labels(step.labels_root, ROWS, N)[0] * token and ...' for every source`
          : `${rests}; bind it to the committed batch: 'invariant ${name}_are_batch: step.${name} == rows(step.${batch}) * token'`,
      );
    }
  },
});

/** An int counted in tokens, or an array of them. */
function countsTokens(t: Type): boolean {
  if (t.kind === 'array') return countsTokens(t.element);
  return t.kind === 'num' && (t.dim.token ?? 0) !== 0;
}

/** The step field an expression reads when it is `step.F`. */
function stepField(ctx: RuleContext, e: A.Expr): string | undefined {
  const x = unparen(e);
  if (x.kind !== 'MemberExpr' || x.object.kind !== 'NameRef') return undefined;
  const t = ctx.checker.types.get(x.object);
  return t?.kind === 'record' && t.record === 'step' ? x.member.name : undefined;
}

function stepFieldsRead(ctx: RuleContext, e: A.Node, locals: ReadonlyMap<A.Identifier, ReadonlySet<string>>): Set<string> {
  const out = new Set<string>();
  forEachExpr(e, (x) => {
    const f = stepField(ctx, x);
    if (f) out.add(f);
    if (x.kind === 'NameRef') {
      const sym = ctx.checker.resolved.get(x.name);
      if (sym?.kind === 'local') for (const g of locals.get(sym.name) ?? []) out.add(g);
    }
  });
  return out;
}

function readsState(ctx: RuleContext, e: A.Node): string[] {
  const out: string[] = [];
  forEachExpr(e, (x) => {
    if (x.kind !== 'NameRef') return;
    const sym = ctx.checker.resolved.get(x.name);
    if (sym?.kind === 'state') out.push(sym.field.name.name);
  });
  return out;
}

/** The step fields each state field is computed from, through `let`s and other state fields. */
function stateFeeds(ctx: RuleContext): Map<string, Set<string>> {
  const feeds = new Map<string, Set<string>>();
  const fromState = new Map<string, Set<string>>();
  const locals = new Map<A.Identifier, Set<string>>();
  const visit = (body: readonly A.Stmt[]): void => {
    for (const s of body) {
      if (s.kind === 'LetStmt') locals.set(s.name, stepFieldsRead(ctx, s.value, locals));
      else if (s.kind === 'ForStmt') visit(s.body);
      else {
        const target = readsState(ctx, s.target)[0];
        if (!target) continue;
        const into = feeds.get(target) ?? new Set<string>();
        for (const f of stepFieldsRead(ctx, s.value, locals)) into.add(f);
        feeds.set(target, into);
        const states = fromState.get(target) ?? new Set<string>();
        for (const st of readsState(ctx, s.value)) states.add(st);
        fromState.set(target, states);
      }
    }
  };
  for (const d of ctx.ast.decls) if (d.kind === 'OnStepDecl') visit(d.body);
  // A state field computed from another carries that one's step fields (a fixpoint over the state graph).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [target, states] of fromState) {
      const into = feeds.get(target)!;
      for (const st of states) {
        for (const f of feeds.get(st) ?? []) {
          if (!into.has(f)) {
            into.add(f);
            changed = true;
          }
        }
      }
    }
  }
  return feeds;
}

/**
 * The step fields an invariant equates with a count of committed rows: `step.F == ... rows(step.G) ...`, or, for
 * a per-source split, `step.F[i] == ... count_labels(step.G, ...) ...` for every index i of the array.
 */
function boundFields(ctx: RuleContext, clauses: readonly A.ClauseDecl[]): Set<string> {
  const out = new Set<string>();
  const calls = (e: A.Expr, name: 'rows' | 'count_labels'): boolean => {
    let found = false;
    forEachExpr(e, (x) => {
      if (x.kind !== 'CallExpr') return;
      const sym = ctx.checker.resolved.get(x.callee);
      if (sym?.kind === 'builtin' && sym.name === name) found = true;
    });
    return found;
  };
  const labelled = new Map<string, Set<bigint>>();
  for (const c of clauses) {
    if (c.clause !== 'invariant') continue;
    forEachExpr(c.value, (x) => {
      if (x.kind !== 'BinaryExpr' || x.op !== '==') return;
      for (const [side, other] of [
        [x.left, x.right],
        [x.right, x.left],
      ] as const) {
        const f = stepField(ctx, side);
        if (f && calls(other, 'rows')) out.add(f);
        const s = unparen(side);
        const g = s.kind === 'IndexExpr' ? stepField(ctx, s.object) : undefined;
        const i = s.kind === 'IndexExpr' ? ctx.checker.evaluate(s.index) : null;
        if (g && i?.kind === 'num' && i.den === 1n && calls(other, 'count_labels')) labelled.set(g, (labelled.get(g) ?? new Set()).add(i.num));
      }
    });
  }
  const fields = ctx.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'step' ? d.fields : []));
  for (const [field, indices] of labelled) {
    const decl = fields.find((f) => f.name.name === field);
    const t = decl ? ctx.checker.resolveType(decl.type) : undefined;
    const length = t?.kind === 'array' && t.length !== null ? t.length : 0n;
    let all = length > 0n;
    for (let k = 0n; k < length; k++) if (!indices.has(k)) all = false;
    if (all) out.add(field);
  }
  return out;
}

/** The field the first compute check opens as its input a (the batch), for the message. */
function firstOpened(verifies: readonly A.VerifyDecl[]): string {
  const a = verifies[0]?.settings.find((s) => s.key.name === 'a')?.value;
  return a?.kind === 'MemberExpr' ? a.member.name : 'x_root';
}

/**
 * The spec half of the rule: a parameter count (`int param`) or an `ArchClass` spec field that a claim reads and no
 * attest equates with what genesis derives from the committed weights (weight_params; weight_layers or
 * weight_experts for the class).
 */
function checkDeclaredModel(ctx: RuleContext): void {
  const specFields = ctx.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === 'spec' ? d.fields : []));
  const kindOf = (f: A.Field): 'params' | 'arch' | undefined => {
    const t = ctx.checker.resolveType(f.type);
    if (t.kind === 'num' && (t.dim.param ?? 0) !== 0) return 'params';
    return t.kind === 'enum' && t.decl.name.name === 'ArchClass' ? 'arch' : undefined;
  };
  const model = specFields.filter((f) => kindOf(f) !== undefined);
  if (model.length === 0) return;
  const clauses = ctx.ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl');
  const derives = { params: ['weight_params'], arch: ['weight_layers', 'weight_experts'] } as const;
  const callsAny = (e: A.Node, names: readonly string[]): boolean => {
    let found = false;
    forEachExpr(e, (x) => {
      if (x.kind !== 'CallExpr') return;
      const sym = ctx.checker.resolved.get(x.callee);
      if ((sym?.kind === 'builtin' && names.includes(sym.name)) || (sym?.kind === 'fn' && callsAny(sym.decl.body, names))) found = true;
    });
    return found;
  };
  /** The attests that bind `name`: `spec.NAME == ...derived...` on either side. */
  const binders = (name: string, kind: 'params' | 'arch'): Set<A.ClauseDecl> => {
    const out = new Set<A.ClauseDecl>();
    for (const c of clauses) {
      if (c.clause !== 'attest') continue;
      forEachExpr(c.value, (x) => {
        if (x.kind !== 'BinaryExpr' || x.op !== '==') return;
        for (const [side, other] of [[x.left, x.right], [x.right, x.left]] as const) if (specField(ctx, side) === name && callsAny(other, derives[kind])) out.add(c);
      });
    }
    return out;
  };
  const onStepReads = new Set<string>();
  for (const d of ctx.ast.decls) if (d.kind === 'OnStepDecl') forEachExpr(d, (x) => { const f = specField(ctx, x); if (f) onStepReads.add(f); });
  for (const field of model) {
    const name = field.name.name;
    const kind = kindOf(field)!;
    const bound = binders(name, kind);
    if (bound.size > 0) continue;
    const claims = clauses.filter((c) => readsSpec(ctx, c.value, name)).map((c) => `${c.clause} ${c.name.name}`);
    if (onStepReads.has(name)) claims.push('on step');
    if (claims.length === 0) continue;
    const rests = `${claims.join(', ')} ${claims.length === 1 ? 'rests' : 'rest'} on spec.${name}, which no commitment constrains: the proof takes the lab's declaration as it is`;
    const fix =
      kind === 'params'
        ? `bind it to the committed initial weights (a digest spec field holding weights.json's root, docs/run.md): 'attest ${name}_are_weights: spec.${name} == weight_params(spec.weights, TENSORS)'`
        : `bind it to the committed initial weights (a digest spec field holding weights.json's root, docs/run.md): 'attest ${name}_is_weights: spec.${name} == weights_class(weight_layers(spec.weights, TENSORS), weight_experts(spec.weights, TENSORS))'`;
    ctx.report(field.name, `${rests}; ${fix}`);
  }
}

/** The spec field an expression reads when it is `spec.F`. */
function specField(ctx: RuleContext, e: A.Expr): string | undefined {
  const x = unparen(e);
  if (x.kind !== 'MemberExpr' || x.object.kind !== 'NameRef') return undefined;
  const t = ctx.checker.types.get(x.object);
  return t?.kind === 'record' && t.record === 'spec' ? x.member.name : undefined;
}

function readsSpec(ctx: RuleContext, e: A.Node, name: string): boolean {
  let found = false;
  forEachExpr(e, (x) => {
    if (specField(ctx, x) === name) found = true;
  });
  return found;
}
