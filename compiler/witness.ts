/**
 * The prover's side of the compiled programs' record encoding, from a checked file's declarations: the runtime
 * lays records out by the artifact's types (runtime/policy/record-words.ts); this turns the checker's fields into
 * those types.
 */
import type * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import { recordWords as wordsOf } from '../runtime/policy/record-words.ts';
import type { Word } from '../runtime/vm/word.ts';
import { valueType } from './value-types.ts';
import type { RunValue } from './values.ts';

export { commitWords } from '../runtime/policy/record-words.ts';
export type { RunValue } from './values.ts';

export type RecordValues = ReadonlyMap<string, RunValue>;

/** The words of a record, field by field in declaration order. */
export function recordWords(checker: FileChecker, fields: readonly A.Field[], values: RecordValues, record: string): Word[] {
  return wordsOf(
    fields.map((f) => ({ name: f.name.name, type: valueType(checker.resolveType(f.type)) })),
    values,
    record,
  );
}
