/**
 * JSON Schemas (draft 2020-12) of a policy's spec and step records, as run directories write them
 * (docs/run-values.md): integers as JSON integers or decimal strings, ratios as decimals, percents also with
 * '%', enums by member name, digests as 64 hex digits, bf16/f32 as hex bit patterns, arrays of the declared
 * length. Units are not written; the declared unit applies. Ajv validates run data against these.
 */
import type * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import type { Type } from '../language/checker/types.ts';

export type JsonSchema = { readonly [key: string]: unknown };

const INTEGER_STRING = '^(0|[1-9][0-9]*)(e[0-9]+)?$';
const DECIMAL_STRING = '^(0|[1-9][0-9]*)(\\.[0-9]+)?(e-?[0-9]+)?$';

function typeSchema(t: Type): JsonSchema {
  switch (t.kind) {
    case 'num':
      if (t.base === 'int') return { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: INTEGER_STRING }] };
      return {
        oneOf: [
          { type: 'number', minimum: 0 },
          { type: 'string', pattern: t.base === 'percent' ? `${DECIMAL_STRING.slice(0, -1)}%?$` : DECIMAL_STRING },
        ],
      };
    case 'bool':
      return { type: 'boolean' };
    case 'enum':
      return { enum: t.decl.members.map((m) => m.name) };
    case 'digest':
      return { type: 'string', pattern: '^[0-9a-fA-F]{64}$' };
    case 'bf16':
      return { type: 'string', pattern: '^0x[0-9a-fA-F]{4}$' };
    case 'f32':
      return { type: 'string', pattern: '^0x[0-9a-fA-F]{8}$' };
    case 'array': {
      const n = Number(t.length ?? 0n);
      return { type: 'array', items: typeSchema(t.element), minItems: n, maxItems: n };
    }
    default:
      return {};
  }
}

export function recordSchema(checker: FileChecker, policy: string, record: 'spec' | 'step', fields: readonly A.Field[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const f of fields) properties[f.name.name] = typeSchema(checker.resolveType(f.type));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${policy}: ${record} record`,
    type: 'object',
    properties,
    required: fields.map((f) => f.name.name),
    additionalProperties: false,
  };
}
