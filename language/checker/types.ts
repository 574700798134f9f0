/**
 * Types and units of measure as the checker sees them.
 *
 * A unit is a dimension: a map from base unit name to a non-zero integer exponent (`FLOP/s` is
 * {FLOP: 1, s: -1}). Dimensions multiply by adding exponents, so `FLOP/s * s` is `FLOP` and `FLOP/FLOP` is
 * dimensionless. Numeric types carry a dimension; every other type is dimensionless by construction.
 */
import type { EnumDecl } from '../ast.ts';

export type Dim = Readonly<Record<string, number>>;

export const DIMENSIONLESS: Dim = Object.freeze({});

export function dimOf(unit: string, exponent = 1): Dim {
  return Object.freeze({ [unit]: exponent });
}

export function dimMul(a: Dim, b: Dim, sign: 1 | -1 = 1): Dim {
  const out: Record<string, number> = { ...a };
  for (const [u, e] of Object.entries(b)) {
    const next = (out[u] ?? 0) + sign * e;
    if (next === 0) delete out[u];
    else out[u] = next;
  }
  return Object.freeze(out);
}

export function dimEqual(a: Dim, b: Dim): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((u) => a[u] === b[u]);
}

export function isDimensionless(d: Dim): boolean {
  return Object.keys(d).length === 0;
}

/** `FLOP/s`, `token*param`, `byte^2`, or `1` when dimensionless; factors in a canonical order. */
export function dimToString(d: Dim): string {
  const units = Object.keys(d).sort();
  const up = units.filter((u) => d[u] > 0).map((u) => (d[u] === 1 ? u : `${u}^${d[u]}`));
  const down = units.filter((u) => d[u] < 0).map((u) => (d[u] === -1 ? u : `${u}^${-d[u]}`));
  if (up.length === 0 && down.length === 0) return '1';
  const num = up.length ? up.join('*') : '1';
  return down.length ? `${num}/${down.join('/')}` : num;
}

export type NumericBase = 'int' | 'ratio' | 'percent';

export type Type =
  | { kind: 'bool' }
  | { kind: 'num'; base: NumericBase; dim: Dim }
  | { kind: 'bf16' }
  | { kind: 'f32' }
  | { kind: 'digest' }
  | { kind: 'string' }
  | { kind: 'enum'; decl: EnumDecl }
  | { kind: 'array'; element: Type; length: bigint | null }
  /** `spec` or `step` named as a whole: only its fields are values. */
  | { kind: 'record'; record: 'spec' | 'step' }
  /** A verify-setting word such as `sequential` or `bf16`. */
  | { kind: 'mode'; name: string }
  /** The type of an expression already reported as wrong; it matches anything so errors don't cascade. */
  | { kind: 'error' };

export const T = {
  bool: { kind: 'bool' } as Type,
  digest: { kind: 'digest' } as Type,
  string: { kind: 'string' } as Type,
  error: { kind: 'error' } as Type,
  int: (dim: Dim = DIMENSIONLESS): Type => ({ kind: 'num', base: 'int', dim }),
  ratio: (dim: Dim = DIMENSIONLESS): Type => ({ kind: 'num', base: 'ratio', dim }),
};

export function isNumeric(t: Type): t is Extract<Type, { kind: 'num' }> {
  return t.kind === 'num';
}

export function typeToString(t: Type): string {
  switch (t.kind) {
    case 'num':
      return isDimensionless(t.dim) ? t.base : `${t.base} ${dimToString(t.dim)}`;
    case 'enum':
      return t.decl.name.name;
    case 'array':
      return `[${typeToString(t.element)}; ${t.length ?? '?'}]`;
    case 'record':
      return `the ${t.record} record`;
    case 'mode':
      return `'${t.name}'`;
    default:
      return t.kind;
  }
}

/**
 * Whether a value of type `from` may be used where `to` is expected. An int widens to a ratio or percent of
 * the same dimension; a ratio never narrows to an int. Units must agree exactly (checked separately, so that
 * a unit mismatch is reported as ZP3001 rather than as a type mismatch).
 */
export function assignable(from: Type, to: Type): boolean {
  if (from.kind === 'error' || to.kind === 'error') return true;
  if (from.kind === 'num' && to.kind === 'num') return to.base !== 'int' || from.base === 'int';
  if (from.kind === 'enum' && to.kind === 'enum') return from.decl === to.decl;
  if (from.kind === 'array' && to.kind === 'array') {
    return (from.length === null || to.length === null || from.length === to.length) && assignable(from.element, to.element);
  }
  return from.kind === to.kind;
}

/** Whether two types carry the same units all the way down (arrays compare their elements). */
export function unitsAgree(a: Type, b: Type): boolean {
  if (a.kind === 'num' && b.kind === 'num') return dimEqual(a.dim, b.dim);
  if (a.kind === 'array' && b.kind === 'array') return unitsAgree(a.element, b.element);
  return true;
}
