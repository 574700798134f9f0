/** Where the interpreter stands while it evaluates: what an expression may read, and how evaluation fails. */
import type * as A from '../../language/ast.ts';
import type { CheckedFile } from '../../language/program.ts';
import type { RunValue } from '../values.ts';

/** Where a clause or an expression is: `policies/demo.zpol:75:1`. */
export type Location = string;

/** A run-time error: division by zero, an index outside an array. The message ends with its location. */
export class EvaluationError extends Error {
  constructor(
    readonly problem: string,
    readonly location: Location,
  ) {
    super(`${problem} (${location})`);
    this.name = 'EvaluationError';
  }
}

/** What an expression may read while it is evaluated. */
export interface Env {
  /** The file whose checker resolved the expression (a policy, or the module a called function is in). */
  file: CheckedFile;
  spec?: ReadonlyMap<string, RunValue>;
  step?: ReadonlyMap<string, RunValue>;
  state?: ReadonlyMap<string, RunValue>;
  /** Locals (lets, loop variables, parameters), by the identifier that declares them. */
  locals: Map<A.Identifier, RunValue>;
}

export function locationOf(file: CheckedFile, span: A.Span): Location {
  return `${file.path}:${span.start.line}:${span.start.column}`;
}
