/**
 * Machine words: 8 canonical BabyBear elements. A word holds a field value (lane 0, other lanes zero), a
 * Poseidon2 digest (all 8 lanes), or an unsigned integer below 2^128 as 8 little-endian 16-bit limbs.
 */
import { P } from '../proof/field/babybear.ts';
import { LIMB_BITS, WORD } from './buses.ts';

export type Word = readonly number[];

export const ZERO_WORD: Word = Object.freeze(new Array<number>(WORD).fill(0));

const LIMB = 1n << BigInt(LIMB_BITS);
export const WIDE_LIMIT = 1n << BigInt(LIMB_BITS * WORD);

/** A field value as a word. */
export function fieldWord(x: number): Word {
  if (!Number.isInteger(x) || x < 0 || x >= P) throw new RangeError(`${x} is not a canonical field element`);
  return [x, 0, 0, 0, 0, 0, 0, 0];
}

/** An unsigned integer below 2^128 as 8 limbs of 16 bits, least significant first. */
export function wideWord(x: bigint): Word {
  if (x < 0n || x >= WIDE_LIMIT) throw new RangeError(`${x} is outside [0, 2^128)`);
  const limbs: number[] = [];
  for (let i = 0; i < WORD; i++) {
    limbs.push(Number(x % LIMB));
    x /= LIMB;
  }
  return limbs;
}

/** The integer a word of limbs stands for; throws when a lane is not a 16-bit limb. */
export function wideValue(w: Word): bigint {
  let x = 0n;
  for (let i = WORD - 1; i >= 0; i--) {
    const l = w[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= 1 << LIMB_BITS) throw new RangeError(`lane ${i} holds ${l}, not a 16-bit limb`);
    x = x * LIMB + BigInt(l);
  }
  return x;
}

export function isWord(w: unknown): w is Word {
  return Array.isArray(w) && w.length === WORD && w.every((x) => Number.isInteger(x) && x >= 0 && x < P);
}

export function wordsEqual(a: Word, b: Word): boolean {
  for (let i = 0; i < WORD; i++) if (a[i] !== b[i]) return false;
  return true;
}
