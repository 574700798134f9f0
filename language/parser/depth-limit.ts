/** The post-parse limit on the depth of expression trees. */
import type * as A from '../ast.ts';
import type { DiagnosticSink } from '../diagnostics.ts';

/** The deepest an expression tree may be (a chain `a + b + c + ...` of N terms is N deep); see limitExpressionDepth. */
export const MAX_EXPR_DEPTH = 256;

const EXPRESSION_KINDS: ReadonlySet<string> = new Set<A.Expr['kind']>([
  'NumberLiteral',
  'BoolLiteral',
  'StringLiteral',
  'NameRef',
  'MemberExpr',
  'IndexExpr',
  'CallExpr',
  'BinaryExpr',
  'UnaryExpr',
  'InRangeExpr',
  'IfExpr',
  'ArrayLiteral',
  'ArrayRepeat',
  'ParenExpr',
  'ErrorExpr',
]);

/**
 * Chains of binary operators and postfix accesses are parsed in loops, not by recursion, so MAX_RULE_DEPTH does
 * not bound them: `1 + 1 + ... + 1` with N terms is a tree N deep, and every recursive walk of it (the checker,
 * the formatter, the compiler) would overflow the stack for a large N. This walk (itself without recursion)
 * replaces any expression deeper than MAX_EXPR_DEPTH with an ErrorExpr and reports the first one.
 */
export function limitExpressionDepth(root: A.SourceFile, sink: DiagnosticSink): void {
  type AnyNode = { kind: string; span: A.Span; [key: string]: unknown };
  const isNode = (v: unknown): v is AnyNode => typeof v === 'object' && v !== null && typeof (v as AnyNode).kind === 'string';
  const stack: [AnyNode, number][] = [[root as unknown as AnyNode, 0]];
  let reported = false;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    for (const key of Object.keys(node)) {
      if (key === 'span') continue;
      const value = node[key];
      const slots: [unknown, (n: AnyNode) => void][] = Array.isArray(value)
        ? value.map((child, i) => [child, (n: AnyNode) => (value[i] = n)])
        : [[value, (n: AnyNode) => (node[key] = n)]];
      for (const [child, replace] of slots) {
        if (!isNode(child)) continue;
        const isExpr = EXPRESSION_KINDS.has(child.kind);
        const childDepth = isExpr ? depth + 1 : depth;
        if (isExpr && childDepth > MAX_EXPR_DEPTH) {
          if (!reported) {
            sink.report('ZP1003', child.span, `this expression is nested more than ${MAX_EXPR_DEPTH} levels deep; split it up with constants, functions or 'let'`);
            reported = true;
          }
          replace({ kind: 'ErrorExpr', span: child.span });
          continue;
        }
        stack.push([child, childDepth]);
      }
    }
  }
}
