/**
 * What a name can stand for. Every top-level declaration of a file, every import and every local binding
 * becomes one symbol; the checker records which symbols are used to report unused declarations.
 */
import type { ConstDecl, EnumDecl, Field, FnDecl, Identifier, UnitDecl } from '../ast.ts';
import type { Type } from './types.ts';

export type Symbol =
  | { kind: 'unit'; name: string; decl: UnitDecl | null; owner: string }
  | { kind: 'const'; decl: ConstDecl; owner: string }
  | { kind: 'fn'; decl: FnDecl; owner: string }
  | { kind: 'enum'; decl: EnumDecl; owner: string }
  | { kind: 'state'; field: Field }
  | { kind: 'local'; name: Identifier; type: Type; isPrivate: boolean }
  | { kind: 'builtin'; name: BuiltinFunction };

export const BUILTIN_UNITS = ['FLOP', 'token', 'param', 'byte', 's'] as const;

export const BUILTIN_FUNCTIONS = ['sum', 'min', 'max', 'len', 'ceil', 'floor', 'abs', 'rows', 'count_labels', 'from_sources', 'embeds', 'weight_params', 'weight_layers', 'weight_experts', 'weight_tensor'] as const;
export type BuiltinFunction = (typeof BUILTIN_FUNCTIONS)[number];

export function describeSymbol(s: Symbol): string {
  switch (s.kind) {
    case 'unit':
      return `unit '${s.name}'`;
    case 'const':
      return `constant '${s.decl.name.name}'`;
    case 'fn':
      return `function '${s.decl.name.name}'`;
    case 'enum':
      return `enum '${s.decl.name.name}'`;
    case 'state':
      return `state field '${s.field.name.name}'`;
    case 'local':
      return `'${s.name.name}'`;
    case 'builtin':
      return `built-in function '${s.name}'`;
  }
}
