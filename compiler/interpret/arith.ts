/**
 * Exact arithmetic and equality on run values, with the conventions of the checker's constant folding
 * (language/checker/fold.ts): integers stay integers, rationals are reduced (compiler/values.ts `num`).
 */
import { bf16ToF32, eqF32 } from '../../runtime/vm/semantics.ts';
import { num, type NumValue, type RunValue } from '../values.ts';

export type ArrayValue = Extract<RunValue, { kind: 'array' }>;

const TRUE: RunValue = { kind: 'bool', value: true };
const FALSE: RunValue = { kind: 'bool', value: false };
export const bool = (b: boolean): RunValue => (b ? TRUE : FALSE);

export function add(a: NumValue, b: NumValue): NumValue {
  if (a.den === 1n && b.den === 1n) return { kind: 'num', num: a.num + b.num, den: 1n };
  return num(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: NumValue, b: NumValue): NumValue {
  if (a.den === 1n && b.den === 1n) return { kind: 'num', num: a.num - b.num, den: 1n };
  return num(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: NumValue, b: NumValue): NumValue {
  if (a.den === 1n && b.den === 1n) return { kind: 'num', num: a.num * b.num, den: 1n };
  return num(a.num * b.num, a.den * b.den);
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compare(a: NumValue, b: NumValue): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** `==` on values of one type. Floats compare as IEEE numbers (NaN is unequal to everything; -0 == +0). */
export function runValuesEqual(a: RunValue, b: RunValue): boolean {
  switch (a.kind) {
    case 'num':
      return b.kind === 'num' && a.num === b.num && a.den === b.den;
    case 'bool':
      return b.kind === 'bool' && a.value === b.value;
    case 'enum':
      return b.kind === 'enum' && a.decl === b.decl && a.member === b.member;
    case 'digest':
      return b.kind === 'digest' && a.words.every((w, i) => w === b.words[i]);
    case 'float': {
      if (b.kind !== 'float') return false;
      const bits = (v: typeof a) => (v.format === 'bf16' ? bf16ToF32(v.bits) : v.bits);
      return eqF32(bits(a), bits(b));
    }
    case 'array':
      return b.kind === 'array' && a.elements.length === b.elements.length && a.elements.every((x, i) => runValuesEqual(x, b.elements[i]));
  }
}
