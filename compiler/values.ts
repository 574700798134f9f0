/**
 * Run values as the compiler and its interpreter see them: the runtime's run values (runtime/policy/run-values.ts,
 * where decoding, encoding and display live, by the artifact's self-describing types) with an enum value carrying
 * its declaration, which the interpreter compares and prints by. A value here is a runtime run value as it is
 * (an enum's extra `decl` is ignored there); decoding goes through the runtime with the checker's type turned into
 * its ValueType, and gets the declarations back.
 */
import type * as A from '../language/ast.ts';
import type { Type } from '../language/checker/types.ts';
import * as RV from '../runtime/policy/run-values.ts';
import { valueType, ValueTypeError } from './value-types.ts';

export {
  BABYBEAR_P,
  RunValueError,
  approximate,
  encodeRunValue,
  formatExact,
  num,
  type Json,
  type NumValue,
  type Rational,
} from '../runtime/policy/run-values.ts';

/** A value as the interpreter computes with it: an enum member knows its declaration. */
export type RunValue =
  | Exclude<RV.RunValue, { kind: 'enum' } | { kind: 'array' }>
  | { kind: 'enum'; decl: A.EnumDecl; member: string }
  | { kind: 'array'; elements: readonly RunValue[] };

/** A declared field: its name and its resolved type. */
export interface FieldType {
  name: string;
  type: Type;
}

/** `v`, decoded for type `t`, with its enum members' declarations. */
function withDecls(t: Type, v: RV.RunValue): RunValue {
  if (v.kind === 'enum' && t.kind === 'enum') return { kind: 'enum', decl: t.decl, member: v.member };
  if (v.kind === 'array' && t.kind === 'array') return { kind: 'array', elements: v.elements.map((x) => withDecls(t.element, x)) };
  if (v.kind === 'enum' || v.kind === 'array') throw new Error(`internal: a ${v.kind} decoded for type ${t.kind}`);
  return v;
}

/** The ValueType of a value to decode, or the run value error a type without one gets. */
function typeToDecode(t: Type, record: string, path: string) {
  try {
    return valueType(t);
  } catch (e) {
    if (e instanceof ValueTypeError) throw new RV.RunValueError(record, path, `a ${t.kind} value cannot be written in a run record`);
    throw e;
  }
}

/** Decodes one record from JSON (runtime/policy/run-values.ts decodeRecord). */
export function decodeRecord(fields: readonly FieldType[], json: unknown, record: string): Map<string, RunValue> {
  const decoded = RV.decodeRecord(
    fields.map((f) => ({ name: f.name, type: typeToDecode(f.type, record, f.name) })),
    json,
    record,
  );
  return new Map(fields.map((f) => [f.name, withDecls(f.type, decoded.get(f.name)!)]));
}

/** Decodes one value of type `type`; `path` names it in errors. */
export function decodeRunValue(type: Type, json: unknown, record: string, path: string): RunValue {
  return withDecls(type, RV.decodeRunValue(typeToDecode(type, record, path), json, record, path));
}

/** A value for a report, with its unit: `3.2e25 FLOP`, `25%`, `[10, 20] token`, `ArchClass.mlp`. */
export function showValue(v: RunValue, type?: Type): string {
  return RV.showValue(v, type === undefined ? (v.kind === 'enum' ? enumType(v.decl) : undefined) : valueType(type));
}

const enumType = (decl: A.EnumDecl) => valueType({ kind: 'enum', decl });
