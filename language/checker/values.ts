/**
 * Exact constant values. Thresholds such as `1e25 FLOP` and shares such as `30%` are rationals of
 * arbitrary size: the checker folds constants without ever touching binary floating point.
 */
import type { EnumDecl } from '../ast.ts';
import { normalize } from '../lexer.ts';
import { formatNumber } from '../../base/numbers.ts';

export type Value =
  | { kind: 'num'; num: bigint; den: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'enum'; decl: EnumDecl; member: string }
  | { kind: 'array'; elements: Value[] };

export const num = (n: bigint, d = 1n): Value => ({ kind: 'num', ...normalize(n, d) });

export function isInteger(v: Value): boolean {
  return v.kind === 'num' && v.den === 1n;
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareNum(a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a.kind === 'num' && b.kind === 'num') return a.num === b.num && a.den === b.den;
  if (a.kind === 'bool' && b.kind === 'bool') return a.value === b.value;
  if (a.kind === 'enum' && b.kind === 'enum') return a.decl === b.decl && a.member === b.member;
  if (a.kind === 'array' && b.kind === 'array') return a.elements.length === b.elements.length && a.elements.every((x, i) => valuesEqual(x, b.elements[i]));
  return false;
}

export { exactNumber, formatNumber, numberReport } from '../../base/numbers.ts';

export function formatValue(v: Value): string {
  switch (v.kind) {
    case 'num':
      return formatNumber(v.num, v.den);
    case 'bool':
      return String(v.value);
    case 'enum':
      return `${v.decl.name.name}.${v.member}`;
    case 'array': {
      // Messages quote values: a long array shows its first elements and its length.
      if (v.elements.length <= 16) return `[${v.elements.map(formatValue).join(', ')}]`;
      return `[${v.elements.slice(0, 8).map(formatValue).join(', ')}, ... (${v.elements.length} elements)]`;
    }
  }
}
