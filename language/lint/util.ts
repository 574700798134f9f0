/** Helpers shared by lint rules: walking expressions, following names to declarations, rendering keys. */
import { resolve } from 'node:path';
import type * as A from '../ast.ts';
import { childrenOf } from '../ast.ts';
import type { FileChecker } from '../checker/check-file.ts';
import type { Symbol } from '../checker/symbols.ts';
import { isDimensionless, type Type } from '../checker/types.ts';
import { formatValue } from '../checker/values.ts';
import { STDLIB_DIR } from '../program.ts';
import type { RuleContext } from './rule.ts';

const EXPR_KINDS = new Set([
  'NumberLiteral', 'BoolLiteral', 'StringLiteral', 'NameRef', 'MemberExpr', 'IndexExpr', 'CallExpr', 'BinaryExpr',
  'UnaryExpr', 'InRangeExpr', 'IfExpr', 'ArrayLiteral', 'ArrayRepeat', 'ParenExpr', 'ErrorExpr',
]);

function isExpr(n: A.Node): n is A.Expr {
  return EXPR_KINDS.has(n.kind);
}

/** Calls `visit` on `root` and every expression below it, parents first. */
export function forEachExpr(root: A.Node, visit: (e: A.Expr) => void): void {
  if (isExpr(root)) visit(root);
  for (const child of childrenOf(root)) forEachExpr(child, visit);
}

/** The expression inside any number of parentheses. */
export function unparen(e: A.Expr): A.Expr {
  while (e.kind === 'ParenExpr') e = e.inner;
  return e;
}

/** The `attest` and `invariant` clauses of a file: the conditions a proof establishes. */
export function conditionClauses(ast: A.SourceFile): A.ClauseDecl[] {
  return ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl' && d.clause !== 'output');
}

export const ORDER_OPS = new Set<A.BinaryOp>(['<', '<=', '>', '>=']);

export type ConstSymbol = Extract<Symbol, { kind: 'const' }>;

/** Whether a numeric type carries a unit of measure (FLOP, token, USD...). */
export function hasUnit(t: Type | undefined): boolean {
  return t?.kind === 'num' && !isDimensionless(t.dim);
}

/** Whether `sym` is the function `name` of the standard module std.`module`. */
export function isStdFunction(sym: Symbol | undefined, module: string, name: string): boolean {
  if (sym?.kind !== 'fn' || sym.decl.name.name !== name) return false;
  return resolve(sym.owner) === resolve(STDLIB_DIR, `${module}.zpol`);
}

/**
 * A canonical rendering of an expression, for telling whether two expressions denote the same quantity:
 * whitespace and parentheses do not matter, and constant indices are folded (`by_source[WEB]` and
 * `by_source[0]` are the same key when WEB = 0).
 */
export function exprKey(checker: FileChecker, e: A.Expr): string {
  switch (e.kind) {
    case 'ParenExpr':
      return exprKey(checker, e.inner);
    case 'NameRef':
      return e.name.name;
    case 'NumberLiteral':
      return `${formatValue({ kind: 'num', num: e.num, den: e.den })}${e.unit ? ` ${e.unit.name}` : ''}`;
    case 'BoolLiteral':
      return String(e.value);
    case 'MemberExpr':
      return `${exprKey(checker, e.object)}.${e.member.name}`;
    case 'IndexExpr': {
      const i = checker.evaluate(e.index);
      return `${exprKey(checker, e.object)}[${i ? formatValue(i) : exprKey(checker, e.index)}]`;
    }
    case 'CallExpr':
      return `${e.callee.name}(${e.args.map((a) => exprKey(checker, a)).join(', ')})`;
    case 'BinaryExpr':
      return `(${exprKey(checker, e.left)} ${e.op} ${exprKey(checker, e.right)})`;
    case 'UnaryExpr':
      return `${e.op === 'not' ? 'not ' : '-'}${exprKey(checker, e.operand)}`;
    default:
      return e.kind;
  }
}

/** The source text of a node with runs of whitespace collapsed, for messages. */
export function shortText(ctx: RuleContext, node: { span: A.Span }, max = 60): string {
  const t = ctx.textOf(node).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
