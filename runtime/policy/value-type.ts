/**
 * The types of record fields and outputs as a compiled policy describes them: self-contained, so that a prover or
 * a verifier holding only the artifact (.zcp) can decode a run's JSON, lay values out in words, read proof outputs
 * back and print them in the policy's own terms, with no checker and no source. The compiler derives them from
 * the checker's types (compiler/value-types.ts); here they are data.
 */

/** A type that a record field, a state field or an output can have. */
export type ValueType =
  /** `unit` is the dimension as the language writes it (`FLOP`, `FLOP/s`), '' for a plain number. */
  | { readonly kind: 'int' | 'ratio' | 'percent'; readonly unit: string }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly name: string; readonly members: readonly string[] }
  | { readonly kind: 'digest' }
  | { readonly kind: 'bf16' | 'f32' }
  | { readonly kind: 'array'; readonly element: ValueType; readonly length: number };

/** Machine words a value of type `t` takes in a record's encoding: an int, a bool, an enum, a digest 1; a ratio 2. */
export function typeWords(t: ValueType): number {
  switch (t.kind) {
    case 'ratio':
    case 'percent':
      return 2;
    case 'array':
      return t.length * typeWords(t.element);
    default:
      return 1;
  }
}

/** The type as a policy writes it: `int FLOP`, `percent`, `[int token; 2]`, `ArchClass`. */
export function typeText(t: ValueType): string {
  switch (t.kind) {
    case 'int':
    case 'ratio':
    case 'percent':
      return t.unit ? `${t.kind} ${t.unit}` : t.kind;
    case 'enum':
      return t.name;
    case 'array':
      return `[${typeText(t.element)}; ${t.length}]`;
    default:
      return t.kind;
  }
}

/** The unit written after a number of type `t` (an array's element's), or '' when it has none. */
export function unitText(t: ValueType | undefined): string {
  if (t === undefined) return '';
  if (t.kind === 'int' || t.kind === 'ratio' || t.kind === 'percent') return t.unit;
  if (t.kind === 'array') return unitText(t.element);
  return '';
}

/** Whether `x` is a well-formed ValueType (for artifacts read from disk). */
export function isValueType(x: unknown, depth = 0): x is ValueType {
  if (depth > 32 || x === null || typeof x !== 'object') return false;
  const t = x as Record<string, unknown>;
  switch (t.kind) {
    case 'int':
    case 'ratio':
    case 'percent':
      return typeof t.unit === 'string';
    case 'bool':
    case 'digest':
    case 'bf16':
    case 'f32':
      return true;
    case 'enum':
      return typeof t.name === 'string' && Array.isArray(t.members) && t.members.length > 0 && t.members.every((m) => typeof m === 'string');
    case 'array':
      return Number.isSafeInteger(t.length) && (t.length as number) >= 0 && isValueType(t.element, depth + 1);
    default:
      return false;
  }
}
