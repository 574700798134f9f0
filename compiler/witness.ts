/**
 * The prover's side of the compiled programs' record encoding (compile.ts): a record's values become words in
 * declaration order, its commitment is the chained compression of those words from a blinding word, and the
 * private tape of each program is assembled in the order the program reads it.
 */
import type * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import type { Type } from '../language/checker/types.ts';
import { compressPair } from '../runtime/proof/hash/poseidon2.ts';
import { fieldWord, wideWord, type Word } from '../runtime/vm/word.ts';

import type { RunValue } from './values.ts';

export type { RunValue } from './values.ts';

export type RecordValues = ReadonlyMap<string, RunValue>;

function valueWords(v: RunValue, t: Type, what: string): Word[] {
  const bad = (): never => {
    throw new Error(`${what}: ${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x))} is not a ${t.kind}`);
  };
  switch (t.kind) {
    case 'num': {
      if (v.kind !== 'num') return bad();
      if (t.base === 'int') {
        if (v.den !== 1n || v.num < 0n) return bad();
        return [wideWord(v.num)];
      }
      if (v.num < 0n) return bad();
      return [wideWord(v.num), wideWord(v.den)];
    }
    case 'bool':
      return v.kind === 'bool' ? [fieldWord(v.value ? 1 : 0)] : bad();
    case 'enum': {
      if (v.kind !== 'enum') return bad();
      const i = t.decl.members.findIndex((m) => m.name === v.member);
      return i >= 0 ? [fieldWord(i)] : bad();
    }
    case 'digest':
      return v.kind === 'digest' ? [[...v.words]] : bad();
    case 'array': {
      if (v.kind !== 'array' || BigInt(v.elements.length) !== t.length) return bad();
      return v.elements.flatMap((x, i) => valueWords(x, t.element, `${what}[${i}]`));
    }
    default:
      return bad();
  }
}

/** The words of a record, field by field in declaration order. */
export function recordWords(checker: FileChecker, fields: readonly A.Field[], values: RecordValues, record: string): Word[] {
  return fields.flatMap((f) => {
    const v = values.get(f.name.name);
    if (v === undefined) throw new Error(`${record}.${f.name.name} is missing`);
    return valueWords(v, checker.resolveType(f.type), `${record}.${f.name.name}`);
  });
}

/** commit(words) with `blinding`: h ← blinding, then h ← Poseidon2(h ‖ w)[0..8) for each word. */
export function commitWords(blinding: Word, words: readonly Word[]): Word {
  let h: Word = blinding;
  for (const w of words) h = Array.from(compressPair(h, w));
  return h;
}
