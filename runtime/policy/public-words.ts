/**
 * Public words read back as the values they stand for, by the artifact's types: the public spec fields genesis
 * outputs and the attestation's outputs, as the verifier reports them. The words come from proof files, and even a
 * proof that verifies may carry words that are no value of the type (the reader must not trust the program to
 * have range-checked them), so every lane is checked before it is read, and nothing here throws.
 */
import { formatNumber, numberReport, type ReportValue } from '../../base/numbers.ts';
import { P } from '../proof/field/babybear.ts';
import { LIMB_BITS, WORD } from '../vm/buses.ts';
import type { Word } from '../vm/word.ts';
import { typeWords, type ValueType } from './value-type.ts';

/** A value read from public words: its text as a policy author writes it and its JSON report, or why it is none. */
export type ReadValue = { readonly ok: true; readonly text: string; readonly value: ReportValue } | { readonly ok: false; readonly error: string };

/** A disclosed figure: its name, its text, and its JSON report (null where the words are no value). */
export interface RevealedValue {
  readonly name: string;
  readonly text: string;
  readonly value: ReportValue | null;
  /**
   * Set on a public spec field whose value comes from an earlier chain (`from CHAIN.NAME`, runtime/chain/links.ts)
   * when that chain was not given to the verifier: this chain's proofs show the value it committed to, not that it
   * is what the earlier chain revealed. Says why, and what to pass to check it.
   */
  readonly notChecked?: string;
}

const LIMB = 1 << LIMB_BITS;

/** The integer of a word of 16-bit limbs, or what is wrong with it. */
function limbsValue(w: Word): { ok: true; value: bigint } | { ok: false; error: string } {
  let x = 0n;
  for (let i = WORD - 1; i >= 0; i--) {
    const l = w[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= LIMB) return { ok: false, error: `lane ${i} holds ${l}, not a 16-bit limb` };
    x = (x << BigInt(LIMB_BITS)) + BigInt(l);
  }
  return { ok: true, value: x };
}

/** Whether a field word (bool, enum) has its high lanes zero, as the machine writes one. */
const highLanesZero = (w: Word) => w.slice(1).every((x) => x === 0);

/** Reads a value of type `t` from public words; never throws. */
export function readWords(t: ValueType, words: readonly Word[]): ReadValue {
  const bad = (error: string): ReadValue => ({ ok: false, error });
  const n = typeWords(t);
  const list: unknown = words;
  if (!Array.isArray(list) || list.length !== n) return bad(`${n} word${n === 1 ? '' : 's'} expected, got ${Array.isArray(list) ? list.length : 'none'}`);
  for (let i = 0; i < words.length; i++) {
    const w: unknown = words[i];
    if (!Array.isArray(w) || w.length !== WORD || !w.every((x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < P)) return bad(`word ${i} is not ${WORD} field elements`);
  }
  switch (t.kind) {
    case 'int':
    case 'ratio':
    case 'percent': {
      const suffix = t.unit ? ` ${t.unit}` : '';
      const unit = t.unit || '1';
      const num = limbsValue(words[0]!);
      if (!num.ok) return bad(t.kind === 'int' ? num.error : `numerator: ${num.error}`);
      if (t.kind === 'int') return { ok: true, text: `${formatNumber(num.value, 1n)}${suffix}`, value: numberReport(num.value, 1n, unit) };
      const den = limbsValue(words[1]!);
      if (!den.ok) return bad(`denominator: ${den.error}`);
      // The machine makes only positive denominators (record reads and divisions check them); formatting 0 would not end.
      if (den.value === 0n) return bad('denominator 0');
      return { ok: true, text: `${formatNumber(num.value, den.value)}${suffix}`, value: numberReport(num.value, den.value, unit) };
    }
    case 'bool': {
      const w = words[0]!;
      if ((w[0] !== 0 && w[0] !== 1) || !highLanesZero(w)) return bad(`[${w.join(', ')}] is not a bool (0 or 1 in lane 0)`);
      return { ok: true, text: w[0] === 1 ? 'true' : 'false', value: w[0] === 1 };
    }
    case 'enum': {
      const w = words[0]!;
      const member = t.members[w[0]!];
      if (member === undefined || !highLanesZero(w)) return bad(`[${w.join(', ')}] is not a member of ${t.name} (indices 0..${t.members.length - 1} in lane 0)`);
      return { ok: true, text: member, value: member };
    }
    case 'digest': {
      const hex = words[0]!.map((x) => x.toString(16).padStart(8, '0')).join('');
      return { ok: true, text: hex, value: hex };
    }
    case 'array': {
      const per = typeWords(t.element);
      const elements: Extract<ReadValue, { ok: true }>[] = [];
      for (let i = 0; i < t.length; i++) {
        const r = readWords(t.element, words.slice(i * per, (i + 1) * per));
        if (!r.ok) return bad(`element ${i}: ${r.error}`);
        elements.push(r);
      }
      return { ok: true, text: `[${elements.map((e) => e.text).join(', ')}]`, value: elements.map((e) => e.value) };
    }
    default:
      return bad(`a ${t.kind} is not read from public words`);
  }
}

/** A value of type `t` from its words, as a policy author writes it; words that are no such value are marked. */
export function describeWords(t: ValueType, words: readonly Word[]): string {
  return revealWords('', t, words).text;
}

/** A disclosed figure named `name` from its words; words that are no value are marked, never thrown on. */
export function revealWords(name: string, t: ValueType, words: readonly Word[]): RevealedValue {
  const r = readWords(t, words);
  return r.ok ? { name, text: r.text, value: r.value } : { name, text: `<unreadable: ${r.error}>`, value: null };
}
