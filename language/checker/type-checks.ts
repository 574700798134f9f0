/**
 * What the file checker builds everything else on: the types written in source, with their units, and the
 * expectations an expression's type must meet (assignable to a declared type, comparable, an index, one type for
 * two branches), each failure reported with its code. expressions.ts extends it with the types of expressions,
 * check-file.ts with declarations and statements.
 */
import type * as A from '../ast.ts';
import type { DiagnosticCode, DiagnosticSink } from '../diagnostics.ts';
import { didYouMean } from '../suggest.ts';
import type { Binder } from './binder.ts';
import type { CheckContext, ExprInfo } from './context.ts';
import { describeSymbol } from './symbols.ts';
import {
  DIMENSIONLESS,
  T,
  assignable,
  dimEqual,
  dimMul,
  dimOf,
  dimToString,
  isDimensionless,
  isNumeric,
  typeToString,
  unitsAgree,
  type Dim,
  type Type,
} from './types.ts';
import { formatValue, type Value } from './values.ts';

/** The built-in type names, suggested for an unknown type. */
const PRIMITIVE_TYPES: readonly A.PrimitiveTypeName[] = ['bool', 'int', 'ratio', 'percent', 'bf16', 'f32', 'digest'];

export abstract class TypeChecks {
  constructor(
    /** The file's names: its scope, the symbols its identifiers resolve to, its records, what is used. */
    readonly binder: Binder,
    readonly sink: DiagnosticSink,
  ) {}

  /** A compile-time count (array length, loop bound), or null after reporting why (expressions.ts). */
  protected abstract staticCount(e: A.Expr, what: string, min: bigint, locals?: CheckContext['locals']): bigint | null;
  /** The exact value of `e` if it depends only on literals, constants and enum values (fold.ts). */
  abstract evaluate(e: A.Expr): Value | undefined;

  protected report(code: DiagnosticCode, span: A.Span, message: string): void {
    this.sink.report(code, span, message);
  }

  // -------------------------------------------------------------------------------------------------------
  // Types written in source

  resolveType(t: A.TypeNode): Type {
    switch (t.kind) {
      case 'PrimitiveType': {
        if (t.name === 'int' || t.name === 'ratio' || t.name === 'percent') {
          return { kind: 'num', base: t.name, dim: t.unit ? this.resolveUnitExpr(t.unit) : DIMENSIONLESS };
        }
        if (t.unit) this.report('ZP3003', t.unit.span, `a ${t.name} value has no unit; units go on int, ratio and percent`);
        return { kind: t.name } as Type;
      }
      case 'NamedType': {
        const sym = this.binder.lookup(t.name);
        if (!sym) {
          if (t.name.name) this.report('ZP2015', t.name.span, `unknown type '${t.name.name}'${didYouMean(t.name.name, [...PRIMITIVE_TYPES, ...this.binder.namesOf(['enum'])])}`);
          return T.error;
        }
        this.binder.markUsed(sym);
        if (sym.kind !== 'enum') {
          this.report('ZP2015', t.name.span, `${describeSymbol(sym)} is not a type`);
          return T.error;
        }
        return { kind: 'enum', decl: sym.decl };
      }
      case 'ArrayType': {
        const element = this.resolveType(t.element);
        const length = this.staticCount(t.length, 'an array length', 1n);
        return { kind: 'array', element, length };
      }
    }
  }

  private resolveUnitExpr(u: A.UnitExpr): Dim {
    let dim = DIMENSIONLESS;
    u.factors.forEach((f, i) => {
      const sign = i > 0 && u.ops[i - 1] === '/' ? -1 : 1;
      const unit = this.unitNamed(f.name);
      if (unit) dim = dimMul(dim, dimOf(unit, f.exponent), sign);
    });
    return dim;
  }

  protected unitNamed(name: A.Identifier): string | undefined {
    const sym = this.binder.lookup(name);
    if (sym?.kind === 'unit') {
      this.binder.markUsed(sym);
      return sym.name;
    }
    if (name.name) this.report('ZP3002', name.span, sym ? `${describeSymbol(sym)} is not a unit` : `unknown unit '${name.name}'${didYouMean(name.name, this.binder.namesOf(['unit']))}`);
    return undefined;
  }

  /** A unitless literal 0 matches any unit: zero FLOP and zero tokens are the same number. */
  protected isBareZero(e: A.Expr): boolean {
    return e.kind === 'NumberLiteral' && e.num === 0n && !e.unit;
  }

  // -------------------------------------------------------------------------------------------------------
  // Expectations

  protected expectType(actual: Type, expected: Type, at: A.Expr, message: string): void {
    if (actual.kind === 'error' || actual.kind === expected.kind) return;
    this.report('ZP2003', at.span, `${message}, found ${typeToString(actual)}`);
  }

  protected expectAssignable(actual: Type, expected: Type, at: A.Expr, what: string): void {
    if (actual.kind === 'error' || expected.kind === 'error') return;
    if (!assignable(actual, expected)) {
      if (expected.kind === 'num' && expected.base === 'int' && actual.kind === 'num') {
        const v = this.evaluate(at);
        const shown = v ? ` (${formatValue(v)})` : '';
        this.report('ZP5005', at.span, `${what} must be a whole number, but this is a ratio${shown}`);
      } else {
        this.report('ZP2003', at.span, `${what} should be ${typeToString(expected)}, found ${typeToString(actual)}`);
      }
      return;
    }
    if (!unitsAgree(actual, expected) && !this.isBareZero(at) && !(at.kind === 'ArrayRepeat' && this.isBareZero(at.value))) {
      this.report('ZP3001', at.span, `${what} should be in ${unitOf(expected)}, found ${unitOf(actual)}`);
    }
  }

  protected expectComparable(a: ExprInfo, b: ExprInfo, at: A.Expr, op: string): void {
    const [l, r] = [a.type, b.type];
    if (l.kind === 'error' || r.kind === 'error') return;
    const ordered = op !== '==' && op !== '!=';
    if (isNumeric(l) && isNumeric(r)) {
      if (!dimEqual(l.dim, r.dim) && !this.isBareZero(at)) {
        this.report('ZP3001', at.span, `cannot compare ${dimToString(l.dim)} with ${dimToString(r.dim)}`);
      }
      return;
    }
    if (ordered) {
      this.report('ZP2003', at.span, `'${op}' compares numbers, found ${typeToString(l)} and ${typeToString(r)}`);
      return;
    }
    if (!assignable(l, r) || !assignable(r, l) || l.kind === 'array' || l.kind === 'record' || l.kind === 'mode') {
      this.report('ZP2003', at.span, `cannot compare ${typeToString(l)} with ${typeToString(r)}`);
    }
  }

  protected expectIndex(t: Type, at: A.Expr): void {
    if (t.kind === 'error') return;
    if (t.kind !== 'num' || t.base !== 'int' || !isDimensionless(t.dim)) {
      this.report('ZP2003', at.span, `an index must be a whole number without a unit, found ${typeToString(t)}`);
    }
  }

  protected checkConstIndex(index: A.Expr, length: bigint | null): void {
    const v = this.evaluate(index);
    if (v?.kind === 'num' && length !== null && (v.num < 0n || v.num >= length || v.den !== 1n)) {
      this.report('ZP5004', index.span, `index ${formatValue(v)} is outside the array, whose indices are 0 to ${length - 1n}`);
    }
  }

  protected unify(a: Type, b: Type, at: A.Expr, what: string): Type {
    if (a.kind === 'error') return b;
    if (b.kind === 'error') return a;
    if (isNumeric(a) && isNumeric(b)) {
      if (!dimEqual(a.dim, b.dim)) {
        this.report('ZP3001', at.span, `${what} must have the same unit: ${dimToString(a.dim)} and ${dimToString(b.dim)}`);
        return T.error;
      }
      return { kind: 'num', base: a.base === 'int' && b.base === 'int' ? 'int' : 'ratio', dim: a.dim };
    }
    if (assignable(a, b) && assignable(b, a)) return a;
    this.report('ZP2003', at.span, `${what} must have the same type: ${typeToString(a)} and ${typeToString(b)}`);
    return T.error;
  }
}

function unitOf(t: Type): string {
  if (t.kind === 'num') return dimToString(t.dim) === '1' ? 'no unit' : dimToString(t.dim);
  if (t.kind === 'array') return unitOf(t.element);
  return 'no unit';
}
