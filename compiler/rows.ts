/**
 * `rows(step.F)`: the rows of the tensor that step.F commits, as the compute check that opens it has them. The
 * check opens rows of a ([M, K]), of bᵀ ([N, K]: b is committed transposed) and of c ([M, N]), and every leaf it
 * rehashes starts with the committed [rows, cols] (docs/run.md), so a root that opens in the step proof is the root
 * of a tensor of exactly these rows: the count is bound by the commitment, not taken from the lab's record.
 */
import type * as A from '../language/ast.ts';

export { openingCheck } from '../language/checker/verify-settings.ts';

/** The committed rows of an operand of a check of dims [M, K, N]: M for a and c, N for b (committed as bᵀ). */
export function committedRows(operand: 'a' | 'b' | 'c', dims: readonly [number, number, number] | readonly [bigint, bigint, bigint]): number {
  return Number(operand === 'b' ? dims[2] : dims[0]);
}

/** The field `rows` is called on: its one argument is step.F (the checker requires it). */
export function rowsField(e: A.CallExpr): string {
  const a = e.args[0];
  if (a?.kind !== 'MemberExpr') throw new Error('internal: rows() of something other than step.F');
  return a.member.name;
}
