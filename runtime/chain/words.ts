/**
 * Words as text: 64 hex digits, the 8 elements as big-endian u32 each (the run-value format of digests).
 */
import { isWord, type Word } from '../vm/word.ts';

export function wordToHex(w: Word): string {
  return w.map((x) => x.toString(16).padStart(8, '0')).join('');
}

export function hexToWord(hex: string): Word {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`not 64 hex digits: ${JSON.stringify(hex.slice(0, 80))}`);
  const w = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(8 * i, 8 * i + 8), 16));
  if (!isWord(w)) throw new Error(`${hex}: an element is not below p`);
  return w;
}
