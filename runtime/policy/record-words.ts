/**
 * Records as machine words, by the artifact's types: a record's values become words in declaration order (an int
 * one wide word, a ratio two, a bool or an enum member's index one field word, a digest its 8 lanes, an array its
 * elements in order), and its commitment is the chained Poseidon2 compression of those words from a blinding word.
 * The compiled programs read records from the tape in exactly this layout (compiler/lower.ts readValue).
 */
import { compressPair } from '../proof/hash/poseidon2.ts';
import { fieldWord, wideWord, type Word } from '../vm/word.ts';
import type { FieldType, RunValue } from './run-values.ts';
import type { ValueType } from './value-type.ts';

/** A record's values by field name. */
export type RecordValues = ReadonlyMap<string, RunValue>;

/** The words of one value of type `t`; `what` names it in errors. */
export function valueWords(v: RunValue, t: ValueType, what: string): Word[] {
  const bad = (): never => {
    throw new Error(`${what}: ${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x))} is not a ${t.kind}`);
  };
  switch (t.kind) {
    case 'int':
      if (v.kind !== 'num' || v.den !== 1n || v.num < 0n) return bad();
      return [wideWord(v.num)];
    case 'ratio':
    case 'percent':
      if (v.kind !== 'num' || v.num < 0n) return bad();
      return [wideWord(v.num), wideWord(v.den)];
    case 'bool':
      return v.kind === 'bool' ? [fieldWord(v.value ? 1 : 0)] : bad();
    case 'enum': {
      const i = v.kind === 'enum' ? t.members.indexOf(v.member) : -1;
      return i >= 0 ? [fieldWord(i)] : bad();
    }
    case 'digest':
      return v.kind === 'digest' ? [[...v.words]] : bad();
    case 'array':
      if (v.kind !== 'array' || v.elements.length !== t.length) return bad();
      return v.elements.flatMap((x, i) => valueWords(x, t.element, `${what}[${i}]`));
    default:
      return bad();
  }
}

/** The words of a record, field by field in declaration order; `record` names it in errors. */
export function recordWords(fields: readonly FieldType[], values: RecordValues, record: string): Word[] {
  return fields.flatMap((f) => {
    const v = values.get(f.name);
    if (v === undefined) throw new Error(`${record}.${f.name} is missing`);
    return valueWords(v, f.type, `${record}.${f.name}`);
  });
}

/** commit(words) with `blinding`: h ← blinding, then h ← Poseidon2(h ‖ w)[0..8) for each word. */
export function commitWords(blinding: Word, words: readonly Word[]): Word {
  let h: Word = blinding;
  for (const w of words) h = Array.from(compressPair(h, w));
  return h;
}
