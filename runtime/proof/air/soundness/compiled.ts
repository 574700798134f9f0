/**
 * An AIR compiled for the under-constraint checker: every constraint and interaction as a flat list of nodes, so
 * one of them can be evaluated on one row of a small host trace (over the field, or over the integers), and its
 * degree in any set of columns read off once.
 *
 * Nodes are numbered in one topological order over all roots; each template (a constraint, or an interaction's
 * values and multiplicity) keeps the nodes it reaches in that order, so evaluating it touches only those.
 */
import * as F from '../../field/babybear.ts';
import { analyze, type Air } from '../air.ts';
import { topologicalOrder, type Expr } from '../expr.ts';

const enum Op {
  Const,
  Main,
  Pre,
  First,
  Last,
  Transition,
  Add,
  Sub,
  Mul,
  Neg,
  Public,
}

/** A column read by a template: `next` for the successor row. */
export interface ColumnRef {
  readonly col: number;
  readonly next: boolean;
}

export interface ConstraintTemplate {
  readonly kind: 'constraint';
  readonly id: number;
  readonly name: string;
  readonly root: number;
  readonly reach: Int32Array;
  readonly refs: readonly ColumnRef[];
}

export interface InteractionTemplate {
  readonly kind: 'interaction';
  readonly id: number;
  /** Index among the AIR's interactions. */
  readonly index: number;
  readonly bus: number;
  readonly direction: 'send' | 'receive';
  readonly values: readonly number[];
  readonly multiplicity: number;
  readonly reach: Int32Array;
  readonly refs: readonly ColumnRef[];
  /** Per value, the columns it reads. */
  readonly valueRefs: readonly (readonly ColumnRef[])[];
}

export type Template = ConstraintTemplate | InteractionTemplate;

/** Where a template is evaluated: a row-major trace of `height` rows, and the preprocessed rows if any. */
export interface RowContext {
  readonly trace: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly pre: ArrayLike<number> | null;
  readonly preWidth: number;
  /** The proof's public inputs, when the AIR reads them (the statement fixes them: they never move). */
  readonly publics: ArrayLike<number> | null;
}

/** Public input k of `ctx`; an AIR that reads one the caller did not give cannot be checked. */
function publicInput(air: Air, ctx: RowContext, k: number): number {
  const v = ctx.publics?.[k];
  if (v === undefined) throw new Error(`${air.name}: public input ${k} is read but ${ctx.publics ? `only ${ctx.publics.length} were given` : 'no public inputs were given'}`);
  return v;
}

const signed = (v: number): bigint => BigInt(v > F.P / 2 ? v - F.P : v);

export class CompiledAir {
  readonly constraints: ConstraintTemplate[] = [];
  readonly interactions: InteractionTemplate[] = [];
  /** Column c is a bit: some constraint is exactly c·(c − 1) (AirBuilder.assertBool of a bare column). */
  readonly booleans = new Set<number>();
  private readonly op: Uint8Array;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly value: Float64Array;
  private readonly scratch: Uint32Array;
  private readonly degreeCache = new Map<string, number>();

  constructor(readonly air: Air) {
    const { constraints, interactions } = analyze(air);
    const roots: Expr[] = [...constraints.map((c) => c.expr), ...interactions.flatMap((i) => [...i.values, i.multiplicity])];
    const order = topologicalOrder(roots);
    const index = new Map(order.map((e, i) => [e, i]));
    const n = order.length;
    this.op = new Uint8Array(n);
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.value = new Float64Array(n);
    this.scratch = new Uint32Array(n);
    order.forEach((e, i) => {
      const node = e.node;
      switch (node.op) {
        case 'const':
          this.op[i] = Op.Const;
          this.value[i] = node.value;
          break;
        case 'main':
        case 'pre':
          this.op[i] = node.op === 'main' ? Op.Main : Op.Pre;
          this.a[i] = node.col;
          this.b[i] = node.next ? 1 : 0;
          break;
        case 'public':
          this.op[i] = Op.Public;
          this.a[i] = node.index;
          break;
        case 'isFirstRow':
          this.op[i] = Op.First;
          break;
        case 'isLastRow':
          this.op[i] = Op.Last;
          break;
        case 'isTransition':
          this.op[i] = Op.Transition;
          break;
        case 'add':
        case 'sub':
        case 'mul':
          this.op[i] = node.op === 'add' ? Op.Add : node.op === 'sub' ? Op.Sub : Op.Mul;
          this.a[i] = index.get(node.a)!;
          this.b[i] = index.get(node.b)!;
          break;
        case 'neg':
          this.op[i] = Op.Neg;
          this.a[i] = index.get(node.a)!;
          break;
        default:
          throw new Error(`${air.name}: the checker cannot evaluate ${node.op}`);
      }
    });
    let id = 0;
    constraints.forEach((c) => {
      const root = index.get(c.expr)!;
      const reach = this.reachOf([root]);
      this.constraints.push({ kind: 'constraint', id: id++, name: c.name, root, reach, refs: this.refsOf(reach) });
      const bit = this.bareBitColumn(root);
      if (bit !== null) this.booleans.add(bit);
    });
    interactions.forEach((it, k) => {
      const values = it.values.map((v) => index.get(v)!);
      const multiplicity = index.get(it.multiplicity)!;
      const reach = this.reachOf([...values, multiplicity]);
      this.interactions.push({
        kind: 'interaction',
        id: id++,
        index: k,
        bus: it.bus,
        direction: it.kind,
        values,
        multiplicity,
        reach,
        refs: this.refsOf(reach),
        valueRefs: values.map((v) => this.refsOf(this.reachOf([v]))),
      });
    });
  }

  /** Every node, in topological order: evaluating it evaluates every template at once. */
  get allNodes(): Int32Array {
    this.all ??= Int32Array.from({ length: this.op.length }, (_, i) => i);
    return this.all;
  }

  private all: Int32Array | null = null;

  get templates(): Template[] {
    return [...this.constraints, ...this.interactions];
  }

  /** The nodes `roots` reach, in topological order. */
  reachOf(roots: readonly number[]): Int32Array {
    const seen = new Uint8Array(this.op.length);
    const stack = [...roots];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (seen[i]) continue;
      seen[i] = 1;
      const op = this.op[i]!;
      if (op >= Op.Add) {
        stack.push(this.a[i]!);
        if (op !== Op.Neg) stack.push(this.b[i]!);
      }
    }
    const out: number[] = [];
    for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(i);
    return Int32Array.from(out);
  }

  /** The main columns the nodes of `reach` read. */
  refsOf(reach: Int32Array): ColumnRef[] {
    const out: ColumnRef[] = [];
    const seen = new Set<number>();
    for (const i of reach) {
      if (this.op[i] !== Op.Main) continue;
      const key = this.a[i]! * 2 + this.b[i]!;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ col: this.a[i]!, next: this.b[i] === 1 });
    }
    return out;
  }

  /** The column c when node `root` is c·(c − 1) for a bare current-row column c, else null. */
  private bareBitColumn(root: number): number | null {
    if (this.op[root] !== Op.Mul) return null;
    const [x, y] = [this.a[root]!, this.b[root]!];
    if (this.op[x] !== Op.Main || this.b[x] !== 0 || this.op[y] !== Op.Sub) return null;
    const [y1, y2] = [this.a[y]!, this.b[y]!];
    return y1 === x && this.op[y2] === Op.Const && this.value[y2] === 1 ? this.a[x]! : null;
  }

  /**
   * Evaluates the nodes of `reach` on row `row` of `ctx` over the field; read results with `read`. With
   * `override` set, column refs resolving to trace index `override.at` read `override.value` instead.
   */
  evaluate(reach: Int32Array, ctx: RowContext, row: number): void {
    const { op, a, b, value } = this;
    const s = this.scratch;
    const h = ctx.height;
    const cur = row * ctx.width;
    const nxt = ((row + 1) % h) * ctx.width;
    const preCur = row * ctx.preWidth;
    const preNxt = ((row + 1) % h) * ctx.preWidth;
    for (let k = 0; k < reach.length; k++) {
      const i = reach[k]!;
      switch (op[i]) {
        case Op.Const:
          s[i] = value[i]!;
          break;
        case Op.Main:
          s[i] = ctx.trace[(b[i] ? nxt : cur) + a[i]!]!;
          break;
        case Op.Pre:
          if (!ctx.pre) throw new Error(`${this.air.name}: a preprocessed column is read but no preprocessed rows were given`);
          s[i] = ctx.pre[(b[i] ? preNxt : preCur) + a[i]!]!;
          break;
        case Op.Public:
          s[i] = publicInput(this.air, ctx, a[i]!);
          break;
        case Op.First:
          s[i] = row === 0 ? 1 : 0;
          break;
        case Op.Last:
          s[i] = row === h - 1 ? 1 : 0;
          break;
        case Op.Transition:
          s[i] = row === h - 1 ? 0 : 1;
          break;
        case Op.Add:
          s[i] = F.add(s[a[i]!]!, s[b[i]!]!);
          break;
        case Op.Sub:
          s[i] = F.sub(s[a[i]!]!, s[b[i]!]!);
          break;
        case Op.Mul:
          s[i] = F.mul(s[a[i]!]!, s[b[i]!]!);
          break;
        case Op.Neg:
          s[i] = F.neg(s[a[i]!]!);
          break;
      }
    }
  }

  /** A node's value after `evaluate`. */
  read(node: number): number {
    return this.scratch[node]!;
  }

  /**
   * `reach` evaluated over the integers, every field value read as its signed representative in (−p/2, p/2]:
   * the value of `root`. Used to split an integer equation into limbs, where the field value alone says nothing.
   */
  evaluateInteger(reach: Int32Array, root: number, ctx: RowContext, row: number): bigint {
    const { op, a, b, value } = this;
    const s = new Map<number, bigint>();
    const h = ctx.height;
    const cur = row * ctx.width;
    const nxt = ((row + 1) % h) * ctx.width;
    for (const i of reach) {
      let v: bigint;
      switch (op[i]) {
        case Op.Const:
          v = signed(value[i]!);
          break;
        case Op.Main:
          v = signed(ctx.trace[(b[i] ? nxt : cur) + a[i]!]!);
          break;
        case Op.Pre:
          v = signed(ctx.pre![(b[i] ? ((row + 1) % h) * ctx.preWidth : row * ctx.preWidth) + a[i]!]!);
          break;
        case Op.Public:
          v = signed(publicInput(this.air, ctx, a[i]!));
          break;
        case Op.First:
          v = row === 0 ? 1n : 0n;
          break;
        case Op.Last:
          v = row === h - 1 ? 1n : 0n;
          break;
        case Op.Transition:
          v = row === h - 1 ? 0n : 1n;
          break;
        case Op.Add:
          v = s.get(a[i]!)! + s.get(b[i]!)!;
          break;
        case Op.Sub:
          v = s.get(a[i]!)! - s.get(b[i]!)!;
          break;
        case Op.Mul:
          v = s.get(a[i]!)! * s.get(b[i]!)!;
          break;
        default:
          v = -s.get(a[i]!)!;
      }
      s.set(i, v);
    }
    return s.get(root)!;
  }

  private readonly singleCache = new Map<number, Map<number, number>>();

  /** The degree of node `root` in each column it reads, by key col·2 + next (a column it does not read: absent). */
  singleDegrees(root: number): ReadonlyMap<number, number> {
    let out = this.singleCache.get(root);
    if (out) return out;
    out = new Map();
    const reach = this.reachOf([root]);
    for (const ref of this.refsOf(reach)) out.set(ref.col * 2 + (ref.next ? 1 : 0), this.degreeIn(reach, root, [ref]));
    this.singleCache.set(root, out);
    return out;
  }

  /**
   * The polynomial degree of node `root` (within `reach`) in the columns `refs` taken together (as one variable):
   * 1 means the value is affine in them jointly.
   */
  degreeIn(reach: Int32Array, root: number, refs: readonly ColumnRef[]): number {
    const key = `${root}:${refs.map((r) => `${r.col}${r.next ? 'n' : ''}`).join(',')}`;
    const cached = this.degreeCache.get(key);
    if (cached !== undefined) return cached;
    const { op, a, b } = this;
    const deg = new Map<number, number>();
    const wanted = new Set(refs.map((r) => r.col * 2 + (r.next ? 1 : 0)));
    for (const i of reach) {
      let d: number;
      switch (op[i]) {
        case Op.Main:
          d = wanted.has(a[i]! * 2 + b[i]!) ? 1 : 0;
          break;
        case Op.Add:
        case Op.Sub:
          d = Math.max(deg.get(a[i]!)!, deg.get(b[i]!)!);
          break;
        case Op.Mul:
          d = deg.get(a[i]!)! + deg.get(b[i]!)!;
          break;
        case Op.Neg:
          d = deg.get(a[i]!)!;
          break;
        default:
          d = 0;
      }
      deg.set(i, d);
    }
    const out = deg.get(root) ?? 0;
    this.degreeCache.set(key, out);
    return out;
  }
}
