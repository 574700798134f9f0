/**
 * Symbolic constraint expressions.
 *
 * A table's constraints are written once, as expressions over its columns, and evaluated three ways: by the
 * symbolic analysis (degree), by the prover on whole vectors of the extended trace, and by the verifier at the
 * out-of-domain point. Expressions are immutable DAG nodes; building the same sub-expression twice is harmless.
 *
 * Degrees count the multiples of the trace length a constraint polynomial can reach: every column, and the
 * first-row and last-row selectors, have degree 1 (each is a polynomial of degree < n); constants, public
 * inputs, challenges and the transition selector (X − ω⁻¹, degree 1 in X) have degree 0.
 */

export type ExprNode =
  | { readonly op: 'const'; readonly value: number }
  | { readonly op: 'main'; readonly col: number; readonly next: boolean }
  | { readonly op: 'pre'; readonly col: number; readonly next: boolean }
  /** An extension-field column of the auxiliary (LogUp) trace. */
  | { readonly op: 'aux'; readonly col: number; readonly next: boolean }
  | { readonly op: 'public'; readonly index: number }
  /** An extension-field challenge drawn after the main trace is committed (LogUp). */
  | { readonly op: 'challenge'; readonly index: number }
  /** The table's claimed LogUp sum (an extension value the proof carries) divided by the table's height n: T·n⁻¹ (air/logup.ts). */
  | { readonly op: 'sumPerRow' }
  | { readonly op: 'isFirstRow' }
  | { readonly op: 'isLastRow' }
  | { readonly op: 'isTransition' }
  | { readonly op: 'add' | 'sub' | 'mul'; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'neg'; readonly a: Expr };

export type ExprLike = Expr | number;

export class Expr {
  /** Whether the value lies in the extension field (reads an aux column or a challenge). */
  readonly isExt: boolean;
  readonly degree: number;

  constructor(readonly node: ExprNode) {
    switch (node.op) {
      case 'add':
      case 'sub':
        this.isExt = node.a.isExt || node.b.isExt;
        this.degree = Math.max(node.a.degree, node.b.degree);
        break;
      case 'mul':
        this.isExt = node.a.isExt || node.b.isExt;
        this.degree = node.a.degree + node.b.degree;
        break;
      case 'neg':
        this.isExt = node.a.isExt;
        this.degree = node.a.degree;
        break;
      case 'main':
      case 'pre':
      case 'isFirstRow':
      case 'isLastRow':
        this.isExt = false;
        this.degree = 1;
        break;
      case 'aux':
        this.isExt = true;
        this.degree = 1;
        break;
      case 'challenge':
      case 'sumPerRow':
        this.isExt = true;
        this.degree = 0;
        break;
      default:
        this.isExt = false;
        this.degree = 0;
    }
  }

  static of(x: ExprLike): Expr {
    if (x instanceof Expr) return x;
    if (!Number.isInteger(x)) throw new RangeError(`a constant must be an integer, got ${x}`);
    return constant(x);
  }

  add(other: ExprLike): Expr {
    return new Expr({ op: 'add', a: this, b: Expr.of(other) });
  }

  sub(other: ExprLike): Expr {
    return new Expr({ op: 'sub', a: this, b: Expr.of(other) });
  }

  mul(other: ExprLike): Expr {
    return new Expr({ op: 'mul', a: this, b: Expr.of(other) });
  }

  neg(): Expr {
    return new Expr({ op: 'neg', a: this });
  }
}

const P = 2013265921;

/** A field constant; negative integers and integers beyond p are reduced mod p. */
export function constant(value: number): Expr {
  const v = ((value % P) + P) % P;
  return new Expr({ op: 'const', value: v });
}

export const ZERO = constant(0);
export const ONE = constant(1);

/** Σ terms, or 0 for none. */
export function sum(terms: readonly ExprLike[]): Expr {
  return terms.length === 0 ? ZERO : terms.map(Expr.of).reduce((acc, t) => acc.add(t));
}

/** Π factors, or 1 for none. */
export function product(factors: readonly ExprLike[]): Expr {
  return factors.length === 0 ? ONE : factors.map(Expr.of).reduce((acc, t) => acc.mul(t));
}

/** Every distinct node of the DAGs rooted at `roots`, children before parents (a topological order). */
export function topologicalOrder(roots: readonly Expr[]): Expr[] {
  const out: Expr[] = [];
  const seen = new Set<Expr>();
  const stack: [Expr, boolean][] = roots.map((r) => [r, false]);
  while (stack.length > 0) {
    const [e, expanded] = stack.pop()!;
    if (expanded) {
      out.push(e);
      continue;
    }
    if (seen.has(e)) continue;
    seen.add(e);
    stack.push([e, true]);
    const n = e.node;
    if (n.op === 'add' || n.op === 'sub' || n.op === 'mul') {
      stack.push([n.b, false], [n.a, false]);
    } else if (n.op === 'neg') {
      stack.push([n.a, false]);
    }
  }
  return out;
}

const OPCODES: Record<ExprNode['op'], number> = {
  const: 1,
  main: 2,
  pre: 3,
  aux: 4,
  public: 5,
  challenge: 6,
  sumPerRow: 7,
  isFirstRow: 8,
  isLastRow: 9,
  isTransition: 10,
  add: 11,
  sub: 12,
  mul: 13,
  neg: 14,
};

/**
 * A canonical encoding of the DAGs rooted at `roots` as field-sized words: each node in topological order as
 * (opcode, operands), where an operand is a constant, a column with its row offset, or the index of an earlier
 * node; then the root indices. Equal constraint systems encode equally, so a digest of it binds a verifier to
 * the exact constraints, not only their shape.
 */
export function encodeExprs(roots: readonly Expr[]): number[] {
  const order = topologicalOrder(roots);
  const index = new Map(order.map((e, i) => [e, i]));
  const out: number[] = [order.length];
  for (const e of order) {
    const n = e.node;
    out.push(OPCODES[n.op]);
    switch (n.op) {
      case 'const':
        out.push(n.value);
        break;
      case 'main':
      case 'pre':
      case 'aux':
        out.push(n.col, n.next ? 1 : 0);
        break;
      case 'public':
      case 'challenge':
        out.push(n.index);
        break;
      case 'add':
      case 'sub':
      case 'mul':
        out.push(index.get(n.a)!, index.get(n.b)!);
        break;
      case 'neg':
        out.push(index.get(n.a)!);
        break;
      default:
        break;
    }
  }
  out.push(roots.length, ...roots.map((r) => index.get(r)!));
  return out;
}
