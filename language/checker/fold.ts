/**
 * Constant folding: the exact value of an expression that depends only on literals, constants and enum values.
 * Types have been checked first, so folding reports nothing (division by zero is the type pass's to report); it
 * only declines, returning undefined, for anything that is not constant or is too large to build.
 */
import type * as A from '../ast.ts';
import type { Symbol } from './symbols.ts';
import { compareNum, num, valuesEqual, type Value } from './values.ts';

/** The largest array length or loop trip count a policy may declare: bounded work per proof. */
export const MAX_STATIC_LENGTH = 65_536n;

/** What folding needs from the checker: what a name resolves to, and a constant's value (folded by its owner). */
export interface FoldEnv {
  symbolOf(id: A.Identifier): Symbol | undefined;
  constValue(sym: Extract<Symbol, { kind: 'const' }>): Value | undefined;
}

/**
 * Bounds on what constant folding builds, so that a few lines (`const B = A * A`, repeated; `[[0; N]; N]`) cannot
 * exhaust time or memory: a folded number has at most MAX_FOLDED_BITS bits above and below the line, a folded
 * array at most MAX_FOLDED_ELEMENTS numbers in all. Past them an expression is simply not folded (its value is
 * not known when the policy is compiled), which no real policy comes near: 1e25 is 84 bits.
 */
const MAX_FOLDED_BITS = 16_384n;
const MAX_FOLDED_ELEMENTS = 1 << 20;

const leafCounts = new WeakMap<Value, number>();
function leafCount(v: Value): number {
  if (v.kind !== 'array') return 1;
  let n = leafCounts.get(v);
  if (n === undefined) {
    n = v.elements.reduce((acc, e) => acc + leafCount(e), 0);
    leafCounts.set(v, n);
  }
  return n;
}

/** `v`, unless it is a number or array too large to fold (see MAX_FOLDED_BITS). */
function foldable(v: Value | undefined): Value | undefined {
  if (v?.kind === 'num') {
    const magnitude = v.num < 0n ? -v.num : v.num;
    return magnitude >> MAX_FOLDED_BITS === 0n && v.den >> MAX_FOLDED_BITS === 0n ? v : undefined;
  }
  return v?.kind === 'array' && leafCount(v) > MAX_FOLDED_ELEMENTS ? undefined : v;
}


/**
 * The exact value of `e` if it depends only on literals, constants and enum values; undefined otherwise.
 * Types have been checked first, so this folds without reporting (except division by zero, reported by
 * the type pass).
 */
export function fold(e: A.Expr, env: FoldEnv): Value | undefined {
  switch (e.kind) {
    case 'NumberLiteral':
      return num(e.num, e.den);
    case 'BoolLiteral':
      return { kind: 'bool', value: e.value };
    case 'ParenExpr':
      return fold(e.inner, env);
    case 'NameRef': {
      const sym = env.symbolOf(e.name);
      if (sym?.kind === 'const') return env.constValue(sym);
      if (sym?.kind === 'unit') return num(1n);
      return undefined;
    }
    case 'MemberExpr': {
      if (e.object.kind !== 'NameRef') return undefined;
      const sym = env.symbolOf(e.object.name);
      if (sym?.kind === 'enum' && sym.decl.members.some((m) => m.name === e.member.name)) return { kind: 'enum', decl: sym.decl, member: e.member.name };
      return undefined;
    }
    case 'UnaryExpr': {
      const v = fold(e.operand, env);
      if (!v) return undefined;
      if (e.op === 'not') return v.kind === 'bool' ? { kind: 'bool', value: !v.value } : undefined;
      return v.kind === 'num' ? num(-v.num, v.den) : undefined;
    }
    case 'BinaryExpr':
      return foldable(foldBinary(e, env));
    case 'InRangeExpr': {
      const [v, lo, hi] = [fold(e.value, env), fold(e.low, env), fold(e.high, env)];
      if (v?.kind !== 'num' || lo?.kind !== 'num' || hi?.kind !== 'num') return undefined;
      return { kind: 'bool', value: compareNum(lo, v) <= 0 && compareNum(v, hi) <= 0 };
    }
    case 'IfExpr': {
      const c = fold(e.condition, env);
      if (c?.kind !== 'bool') return undefined;
      return fold(c.value ? e.then : e.otherwise, env);
    }
    case 'ArrayLiteral': {
      const elements = e.elements.map((x) => fold(x, env));
      return elements.every((x): x is Value => !!x) ? foldable({ kind: 'array', elements }) : undefined;
    }
    case 'ArrayRepeat': {
      const v = fold(e.value, env);
      const n = fold(e.count, env);
      if (!v || n?.kind !== 'num' || n.den !== 1n || n.num < 1n || n.num > MAX_STATIC_LENGTH) return undefined;
      if (Number(n.num) * leafCount(v) > MAX_FOLDED_ELEMENTS) return undefined;
      return { kind: 'array', elements: Array.from({ length: Number(n.num) }, () => v) };
    }
    case 'IndexExpr': {
      const arr = fold(e.object, env);
      const i = fold(e.index, env);
      if (arr?.kind !== 'array' || i?.kind !== 'num' || i.den !== 1n) return undefined;
      return arr.elements[Number(i.num)];
    }
    case 'CallExpr':
      return foldable(foldCall(e, env));
    default:
      return undefined;
  }
}

function foldBinary(e: A.BinaryExpr, env: FoldEnv): Value | undefined {
  const l = fold(e.left, env);
  if (!l) return undefined;
  if (e.op === 'and' && l.kind === 'bool' && !l.value) return l;
  if (e.op === 'or' && l.kind === 'bool' && l.value) return l;
  const r = fold(e.right, env);
  if (!r) return undefined;
  if (e.op === 'and' || e.op === 'or') return r.kind === 'bool' ? r : undefined;
  if (e.op === '==' || e.op === '!=') return { kind: 'bool', value: valuesEqual(l, r) === (e.op === '==') };
  if (l.kind !== 'num' || r.kind !== 'num') return undefined;
  switch (e.op) {
    case '<':
      return { kind: 'bool', value: compareNum(l, r) < 0 };
    case '<=':
      return { kind: 'bool', value: compareNum(l, r) <= 0 };
    case '>':
      return { kind: 'bool', value: compareNum(l, r) > 0 };
    case '>=':
      return { kind: 'bool', value: compareNum(l, r) >= 0 };
    case '+':
      return num(l.num * r.den + r.num * l.den, l.den * r.den);
    case '-':
      return num(l.num * r.den - r.num * l.den, l.den * r.den);
    case '*':
      return num(l.num * r.num, l.den * r.den);
    case '/':
      return r.num === 0n ? undefined : num(l.num * r.den, l.den * r.num);
  }
}

function foldCall(e: A.CallExpr, env: FoldEnv): Value | undefined {
  const sym = env.symbolOf(e.callee);
  if (sym?.kind !== 'builtin') return undefined;
  const args = e.args.map((a) => fold(a, env));
  if (!args.every((a): a is Value => !!a)) return undefined;
  const nums = (vs: Value[]) => (vs.every((v) => v.kind === 'num') ? (vs as Extract<Value, { kind: 'num' }>[]) : undefined);
  const list = args.length === 1 && args[0].kind === 'array' ? args[0].elements : args;
  const ns = nums(list);
  switch (sym.name) {
    case 'len':
      return args[0]?.kind === 'array' ? num(BigInt(args[0].elements.length)) : undefined;
    case 'sum':
      return ns?.reduce<Value>((acc, v) => num((acc as typeof v).num * v.den + v.num * (acc as typeof v).den, (acc as typeof v).den * v.den), num(0n));
    case 'min':
    case 'max':
      if (!ns || ns.length === 0) return undefined;
      return ns.reduce((a, b) => ((compareNum(a, b) <= 0) === (sym.name === 'min') ? a : b));
    case 'ceil':
    case 'floor': {
      const v = ns?.[0];
      if (!v) return undefined;
      const q = v.num / v.den - (v.num < 0n && v.num % v.den !== 0n ? 1n : 0n);
      return num(sym.name === 'floor' || v.num % v.den === 0n ? q : q + 1n);
    }
    case 'abs': {
      const v = ns?.[0];
      return v ? num(v.num < 0n ? -v.num : v.num, v.den) : undefined;
    }
  }
}
