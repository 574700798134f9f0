/**
 * Failures explained in the policy's terms: a failing comparison shows both sides with their values and units,
 * a failing call shows why the function's body was false, a conditional shows the branch it took.
 */
import type * as A from '../../language/ast.ts';
import type { Symbol } from '../../language/checker/symbols.ts';
import type { CheckedFile } from '../../language/program.ts';
import { showValue, type RunValue } from '../values.ts';
import { compare, runValuesEqual } from './arith.ts';
import { EvaluationError, locationOf, type Env } from './env.ts';

/** What explaining needs of the evaluator (evaluator.ts): values, truths, symbols and files. */
export interface Evaluating {
  eval(e: A.Expr, env: Env): RunValue;
  truth(e: A.Expr, env: Env): boolean;
  symbol(id: A.Identifier, env: Env): Symbol;
  fileOf(path: string): CheckedFile;
}

/** Source text of an expression, on one line, shortened when long. */
export function text(e: A.Expr, file: CheckedFile): string {
  const t = file.text.slice(e.span.start.offset, e.span.end.offset).replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
  return t.length > 100 ? `${t.slice(0, 97)}...` : t;
}

/** `TEXT = VALUE UNIT`, or just `VALUE UNIT` for a literal; a conditional shows the branch it took. */
export function operand(ev: Evaluating, e: A.Expr, env: Env): string {
  let inner = e;
  while (inner.kind === 'ParenExpr') inner = inner.inner;
  if (inner.kind === 'IfExpr') {
    const c = ev.truth(inner.condition, env);
    return `${operand(ev, c ? inner.then : inner.otherwise, env)} (as ${text(inner.condition, env.file)} is ${c})`;
  }
  let v: RunValue;
  try {
    v = ev.eval(e, env);
  } catch (err) {
    if (err instanceof EvaluationError) return text(e, env.file);
    throw err;
  }
  const shown = showValue(v, env.file.checker.types.get(e));
  return isLiteral(e, env) ? shown : `${text(e, env.file)} = ${shown}`;
}

/** Why `e` evaluated to `value`, in the policy's terms: the values behind a comparison, a call, a branch. */
export function explain(ev: Evaluating, e: A.Expr, env: Env, value: boolean, depth = 0): string {
  switch (e.kind) {
    case 'ParenExpr':
      return explain(ev, e.inner, env, value, depth);
    case 'UnaryExpr':
      if (e.op === 'not') return explain(ev, e.operand, env, !value, depth);
      break;
    case 'BinaryExpr': {
      if (e.op === 'and' || e.op === 'or') {
        // `and` is false (`or` true) because of its first operand that is; the other way round, both count.
        const decisive = e.op === 'and' ? false : true;
        if (value === decisive) {
          const first = ev.truth(e.left, env) === decisive ? e.left : e.right;
          return explain(ev, first, env, value, depth);
        }
        return `${explain(ev, e.left, env, value, depth)}, and ${explain(ev, e.right, env, value, depth)}`;
      }
      if (['==', '!=', '<', '<=', '>', '>='].includes(e.op)) {
        const l = ev.eval(e.left, env);
        const r = ev.eval(e.right, env);
        let rel: string;
        // An ordering shows which side is larger; an equality shows whether the sides are equal.
        if (l.kind === 'num' && r.kind === 'num' && e.op !== '==' && e.op !== '!=') rel = ['<', '==', '>'][compare(l, r) + 1];
        else rel = runValuesEqual(l, r) ? '==' : '!=';
        return `${operand(ev, e.left, env)} ${rel} ${operand(ev, e.right, env)}`;
      }
      break;
    }
    case 'InRangeExpr': {
      const range = `[${operand(ev, e.low, env)}, ${operand(ev, e.high, env)}]`;
      return `${operand(ev, e.value, env)} is ${value ? '' : 'not '}in ${range}`;
    }
    case 'IfExpr': {
      const c = ev.truth(e.condition, env);
      return `${text(e.condition, env.file)} is ${c}, so ${explain(ev, c ? e.then : e.otherwise, env, value, depth)}`;
    }
    case 'CallExpr': {
      const sym = ev.symbol(e.callee, env);
      if (sym.kind !== 'fn' || depth >= 8) break;
      const owner = ev.fileOf(sym.owner);
      const locals = new Map<A.Identifier, RunValue>();
      sym.decl.params.forEach((p, i) => locals.set(p.name, ev.eval(e.args[i], env)));
      const inner = explain(ev, sym.decl.body, { file: owner, locals }, value, depth + 1);
      return `${text(e, env.file)} is ${value}: in ${sym.decl.name.name} (${locationOf(owner, sym.decl.body.span)}), ${inner}`;
    }
  }
  return `${text(e, env.file)} is ${value}`;
}

/** A literal (or an enum value) shows as its value alone: `1e25 FLOP`, not `1e25 FLOP = 1e25 FLOP`. */
function isLiteral(e: A.Expr, env: Env): boolean {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'BoolLiteral':
      return true;
    case 'ParenExpr':
      return isLiteral(e.inner, env);
    case 'UnaryExpr':
      return e.op === '-' && isLiteral(e.operand, env);
    case 'MemberExpr':
      return e.object.kind === 'NameRef' && env.file.checker.resolved.get(e.object.name)?.kind === 'enum';
    default:
      return false;
  }
}

