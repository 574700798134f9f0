/**
 * What the parts of the checker share: the context an expression is checked in, what checking it yields, and
 * the narrow view of the file checker that the check of a verify block's settings receives (verify-settings.ts),
 * so that it needs nothing of the checker's internals and the checker's modules import it, not the reverse.
 */
import type * as A from '../ast.ts';
import type { DiagnosticCode } from '../diagnostics.ts';
import type { Symbol } from './symbols.ts';
import type { Type } from './types.ts';
import type { Value } from './values.ts';

export type LocalSymbol = Extract<Symbol, { kind: 'local' }>;

export interface CheckContext {
  /** What the clause being checked may read. */
  spec: boolean;
  step: boolean;
  state: boolean;
  /** Words for ZP2009 messages: "an attest claim". */
  where: string;
  /** The frames of local bindings in scope, innermost last: parameters, `let`s, loop variables. */
  locals: Map<string, LocalSymbol>[];
}

export interface ExprInfo {
  type: Type;
  isPrivate: boolean;
}

/** What the settings of one `verify` block may ask of the file checker while they are checked. */
export interface SettingsChecker {
  /** The type of a setting's value, checked as an expression of the compute check (and recorded for the compiler). */
  typeOf(e: A.Expr): Type;
  /** The exact value of `e` if it is constant. */
  evaluate(e: A.Expr): Value | undefined;
  /** A compile-time count in [min, MAX_STATIC_LENGTH], or null after reporting why it is not one. */
  staticCount(e: A.Expr, what: string, min: bigint): bigint | null;
  report(code: DiagnosticCode, span: A.Span, message: string): void;
  /** What a name outside the compute check's own context stands for (a state field, a built-in), marked used and resolved for the service. */
  bind(name: A.Identifier): Symbol | undefined;
  /** The type of a record field. */
  fieldType(f: A.Field): Type;
}
