import type * as A from '../../ast.ts';
import type { FileChecker } from '../../checker/check-file.ts';
import { compareNum, type Value } from '../../checker/values.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { conditionClauses, forEachExpr, shortText, unparen } from '../util.ts';

export default defineRule({
  id: 'redundant-nonnegative-check',
  category: 'soundness',
  severity: 'warning',
  summary: 'a comparison like `x >= 0` on a quantity that can never be negative always holds',
  docs: `
A lower bound of zero on a quantity that cannot go below zero is dead weight in every proof, and worse, it reads
like a safeguard that is not there. Often the author meant a different bound (\`steps >= 1\`, or an upper bound).

**What it reports.** In \`attest\` and \`invariant\` clauses, a comparison \`X >= c\` with a constant \`c <= 0\`,
or \`X > c\` with \`c < 0\` (or the same written the other way round, \`c <= X\`), where \`X\` is not itself a
constant and is *provably non-negative*:

- a non-negative constant or literal, a unit name, a \`for\` loop variable;
- \`abs(...)\` and \`len(...)\`;
- \`A + B\`, \`A * B\`, \`A / B\`, \`ceil\`, \`floor\`, \`sum\`, \`min\` and \`max\` of non-negative operands (\`max(A, B)\`
  needs only one), \`if C then A else B\` with both branches non-negative, and calls of functions whose body is
  non-negative given the non-negative arguments;
- a **state field** whose initial value is non-negative and that \`on step\` only ever updates with \`+=\` or \`=\`
  of non-negative values (found as the largest such set of fields, so accumulators may feed each other).

Spec and step fields are **not** non-negative: \`int\` is signed, so \`total_tokens >= 0 token\` on an
accumulator of \`step.tokens\` is a real check that rejects a run recording a negative token count, and is not
reported.

**Bad**

\`\`\`
state { steps: int = 0 }
on step { steps += 1 }
invariant started: steps >= 0
\`\`\`

**Good**

\`\`\`
invariant bounded_run: steps <= MAX_STEPS
\`\`\`
`,
  check(ctx) {
    const analysis = new NonNegative(ctx);
    for (const clause of conditionClauses(ctx.ast)) {
      forEachExpr(clause.value, (e) => {
        if (e.kind !== 'BinaryExpr') return;
        const checked = lowerBoundedSide(ctx.checker, e);
        if (!checked || ctx.checker.evaluate(checked) || !analysis.holds(checked)) return;
        const x = unparen(checked);
        const why =
          x.kind === 'NameRef' && ctx.checker.resolved.get(x.name)?.kind === 'state'
            ? `state field '${x.name.name}' starts non-negative and 'on step' only adds non-negative amounts to it`
            : `'${shortText(ctx, checked, 40)}' can never be negative`;
        ctx.report(e, `'${shortText(ctx, e)}' always holds: ${why}; remove it or compare against the bound you meant`);
      });
    }
  },
});

/** The side of `e` compared against a constant at or below zero (`X >= 0`, `X > -1`, `0 <= X`), if any. */
function lowerBoundedSide(checker: FileChecker, e: A.BinaryExpr): A.Expr | undefined {
  const zero = { num: 0n, den: 1n };
  const atMost = (x: A.Expr, strict: boolean) => {
    const v = checker.evaluate(x);
    return v?.kind === 'num' && (strict ? compareNum(v, zero) < 0 : compareNum(v, zero) <= 0);
  };
  if ((e.op === '>=' || e.op === '>') && atMost(e.right, e.op === '>')) return e.left;
  if ((e.op === '<=' || e.op === '<') && atMost(e.left, e.op === '<')) return e.right;
  return undefined;
}

function valueNonNegative(v: Value): boolean {
  if (v.kind === 'num') return v.num >= 0n;
  if (v.kind === 'array') return v.elements.every(valueNonNegative);
  return false;
}

/** Which expressions of a policy can never be negative (see the rule's docs). */
class NonNegative {
  private readonly nonNegativeState = new Set<string>();
  /** `let` values and loop variables of `on step`, by the identifier that declares them. */
  private readonly locals = new Map<A.Identifier, A.Expr | 'loop'>();
  private readonly assignments: { field: string; op: A.AssignStmt['op']; value: A.Expr }[] = [];

  constructor(private readonly ctx: RuleContext) {
    const onStep = ctx.ast.decls.find((d): d is A.OnStepDecl => d.kind === 'OnStepDecl');
    const collect = (stmts: A.Stmt[]) => {
      for (const s of stmts) {
        if (s.kind === 'LetStmt') this.locals.set(s.name, s.value);
        else if (s.kind === 'ForStmt') {
          this.locals.set(s.variable, 'loop');
          collect(s.body);
        } else {
          const field = baseName(s.target);
          if (field) this.assignments.push({ field, op: s.op, value: s.value });
        }
      }
    };
    if (onStep) collect(onStep.body);
    for (const [name, field] of ctx.checker.stateFields) {
      const v = field.initial && ctx.checker.evaluate(field.initial);
      if (v && valueNonNegative(v)) this.nonNegativeState.add(name);
    }
    // Greatest fixed point: assume every candidate non-negative, drop those with an update that may not be.
    for (let changed = true; changed; ) {
      changed = false;
      for (const a of this.assignments) {
        if (!this.nonNegativeState.has(a.field)) continue;
        if (a.op === '-=' || !this.holds(a.value)) {
          this.nonNegativeState.delete(a.field);
          changed = true;
        }
      }
    }
  }

  holds(e: A.Expr): boolean {
    return this.nonNegative(this.ctx.checker, e, new Map(), 0);
  }

  private nonNegative(checker: FileChecker, expr: A.Expr, params: Map<A.Identifier, boolean>, depth: number): boolean {
    if (depth > 32) return false;
    const e = unparen(expr);
    const v = checker.evaluate(e);
    if (v) return valueNonNegative(v);
    const rec = (x: A.Expr) => this.nonNegative(checker, x, params, depth + 1);
    switch (e.kind) {
      case 'NameRef': {
        const sym = checker.resolved.get(e.name);
        if (sym?.kind === 'state') return this.nonNegativeState.has(sym.field.name.name);
        if (sym?.kind === 'unit') return true;
        if (sym?.kind === 'local') {
          if (params.has(sym.name)) return params.get(sym.name)!;
          const local = this.locals.get(sym.name);
          if (local === 'loop') return true;
          return local ? rec(local) : false;
        }
        return false;
      }
      case 'IndexExpr':
        return rec(e.object);
      case 'BinaryExpr':
        return (e.op === '+' || e.op === '*' || e.op === '/') && rec(e.left) && rec(e.right);
      case 'IfExpr':
        return rec(e.then) && rec(e.otherwise);
      case 'ArrayLiteral':
        return e.elements.every(rec);
      case 'ArrayRepeat':
        return rec(e.value);
      case 'CallExpr': {
        const sym = checker.resolved.get(e.callee);
        if (sym?.kind === 'builtin') {
          switch (sym.name) {
            case 'abs':
            case 'len':
            case 'rows':
              return true;
            case 'max':
              return e.args.some(rec);
            default:
              return e.args.length > 0 && e.args.every(rec);
          }
        }
        if (sym?.kind === 'fn') {
          const owner = this.ctx.checkerFor(sym.owner) ?? checker;
          const inner = new Map<A.Identifier, boolean>();
          sym.decl.params.forEach((p, i) => inner.set(p.name, i < e.args.length && rec(e.args[i])));
          return this.nonNegative(owner, sym.decl.body, inner, depth + 1);
        }
        return false;
      }
      default:
        return false;
    }
  }
}

function baseName(target: A.Expr): string | undefined {
  if (target.kind === 'NameRef') return target.name.name;
  if (target.kind === 'IndexExpr') return baseName(target.object);
  return undefined;
}
