/**
 * The checker's types as the artifact describes them (runtime/policy/value-type.ts): what a prover or a verifier
 * holding only the .zcp needs to read a record or an output.
 */
import { dimToString, isDimensionless, type Type } from '../language/checker/types.ts';
import type { ValueType } from '../runtime/policy/value-type.ts';

export class ValueTypeError extends Error {}

/** The ValueType of a field or output type; throws for a type no record or output can have. */
export function valueType(t: Type): ValueType {
  switch (t.kind) {
    case 'num':
      return { kind: t.base, unit: isDimensionless(t.dim) ? '' : dimToString(t.dim) };
    case 'bool':
    case 'digest':
    case 'bf16':
    case 'f32':
      return { kind: t.kind };
    case 'enum':
      return { kind: 'enum', name: t.decl.name.name, members: t.decl.members.map((m) => m.name) };
    case 'array':
      if (t.length === null) throw new ValueTypeError('an array without a known length has no layout');
      return { kind: 'array', element: valueType(t.element), length: Number(t.length) };
    default:
      throw new ValueTypeError(`a value of type ${t.kind} cannot be a record field or an output`);
  }
}
