/**
 * Field elements inside a verifier program (issue #24), and the word arithmetic the transcript, Merkle and FRI
 * fragments share. The program is built by TypeScript on the assembler (runtime/vm/assembler.ts); a value is
 * either a constant known when the program is built (the protocol's frames, a system's shape) or a lane of a word
 * in the program's memory (a root read from the proof, a challenge squeezed from the transcript).
 *
 * Words are written once: every helper here allocates the words it writes and never writes a word it was given,
 * so an element reference ({addr, lane}) keeps its value for the rest of the program.
 */
import { P } from '../proof/field/babybear.ts';
import type { Assembler } from '../vm/assembler.ts';
import { WORD } from '../vm/buses.ts';
import type { Word } from '../vm/word.ts';

/** The private tape of a program, written in the order the program reads it. */
export class Tape {
  readonly words: Word[] = [];

  constructor(private readonly asm: Assembler) {}

  /** Emits a `read` and records the word it will read. */
  read(word: Word): number {
    const addr = this.asm.alloc();
    this.asm.read(addr);
    this.words.push(word);
    return addr;
  }

  /** Records words an instruction consumes by itself (`merkle`'s siblings). */
  consume(words: readonly Word[]): void {
    for (const w of words) this.words.push(w);
  }
}

/** An element lane `lane` of the word at `addr`. */
export interface ElemRef {
  readonly addr: number;
  readonly lane: number;
}

/** A field element of the program: a build-time constant or a memory lane. */
export type Elem = number | ElemRef;

export const isConstant = (e: Elem): e is number => typeof e === 'number';

/** The lanes of the word at `addr`, as element references. */
export function lanesOf(addr: number, count = WORD): ElemRef[] {
  return Array.from({ length: count }, (_, lane) => ({ addr, lane }));
}

/** The word with 1 in lane j and 0 elsewhere. */
export const unit = (j: number): number[] => Array.from({ length: WORD }, (_, i) => (i === j ? 1 : 0));

/** `words` summed lane-wise into a fresh word (a single word is returned as it is). */
export function sumWords(asm: Assembler, words: readonly number[]): number {
  if (words.length === 0) return asm.constant(0);
  if (words.length === 1) return words[0]!;
  const out = asm.alloc();
  asm.add(out, words[0]!, words[1]!);
  for (let k = 2; k < words.length; k++) asm.add(out, out, words[k]!);
  return out;
}

/**
 * The word whose lane j holds elems[j] (at most 8 elements; the lanes after them are 0). Lanes of one word that
 * stay in place cost one `mul` by a 0/1 mask (none when the whole word is taken), a lane that moves costs a
 * `lane` and a `scale`, constants cost nothing (one constant word); the parts are then added.
 */
export function assemble(asm: Assembler, elems: readonly Elem[]): number {
  if (elems.length > WORD) throw new RangeError(`a word holds ${WORD} elements, not ${elems.length}`);
  const constants = new Array<number>(WORD).fill(0);
  const inPlace = new Map<number, number[]>();
  const moved: { ref: ElemRef; to: number }[] = [];
  elems.forEach((e, j) => {
    if (isConstant(e)) constants[j] = e;
    else if (e.lane === j) {
      const lanes = inPlace.get(e.addr);
      if (lanes) lanes.push(j);
      else inPlace.set(e.addr, [j]);
    } else moved.push({ ref: e, to: j });
  });
  const parts: number[] = [];
  for (const [addr, lanes] of inPlace) {
    if (lanes.length === WORD) {
      parts.push(addr);
      continue;
    }
    const mask = new Array<number>(WORD).fill(0);
    for (const j of lanes) mask[j] = 1;
    const t = asm.alloc();
    asm.mul(t, addr, asm.constant(mask));
    parts.push(t);
  }
  for (const { ref, to } of moved) {
    const t = asm.alloc();
    asm.lane(t, ref.addr, ref.lane);
    if (to !== 0) asm.scale(t, t, asm.constant(unit(to)));
    parts.push(t);
  }
  if (constants.some((v) => v !== 0) || parts.length === 0) parts.push(asm.constant(constants));
  return sumWords(asm, parts);
}

/** A word holding e in lane 0 and zeros elsewhere (a `lane` for a memory element, a constant otherwise). */
export function lane0(asm: Assembler, e: Elem): number {
  if (isConstant(e)) return asm.constant(e);
  const t = asm.alloc();
  asm.lane(t, e.addr, e.lane);
  return t;
}

/** The sum of a word's 8 lanes, in lane 0 of a fresh word (the other lanes 0): 8 `lane`s and 7 `add`s. */
export function laneSum(asm: Assembler, addr: number): number {
  return sumWords(asm, lanesOf(addr).map((e) => lane0(asm, e)));
}

/** Bits of a field element in four words: bit i is lane i mod 8 of word ⌊i / 8⌋ (bit 31, the last lane, is 0). */
export type BitWords = readonly [number, number, number, number];

/** Σ weight(i)·bit_i over the bits with a nonzero weight, in lane 0 of a fresh word. */
export function weightedBits(asm: Assembler, bits: BitWords, weight: (i: number) => number): number {
  const parts: number[] = [];
  bits.forEach((w, j) => {
    const weights = Array.from({ length: WORD }, (_, i) => weight(8 * j + i) % P);
    if (weights.every((x) => x === 0)) return;
    const t = asm.alloc();
    asm.mul(t, w, asm.constant(weights));
    parts.push(t);
  });
  return laneSum(asm, sumWords(asm, parts));
}

/** Asserts that every lane of each word is 0 or 1 (x·x = x lane-wise). */
export function assertBits(asm: Assembler, words: readonly number[], what: string): void {
  for (const w of words) {
    const sq = asm.alloc();
    asm.mul(sq, w, w);
    asm.assertEq(sq, w, `${what}: a bit is not 0 or 1`);
  }
}

/**
 * The bits of e, proven: `advice bits` gives them as a hint, the program checks that they are bits, that they
 * sum to e, and that bits 27..30 are not all 1, so the sum is below 15·2^27 = p − 1: the decomposition of a
 * field element is then its canonical one, and e ≠ p − 1. (A draw of p − 1, which transcript-poseidon2.ts
 * rejects and replaces by the next element, makes the program fail: probability 2^-31 per draw.)
 */
export function bitsOf(asm: Assembler, e: ElemRef, what: string): BitWords {
  const v = lane0(asm, e);
  const bits = [0, 1, 2, 3].map((j) => {
    const w = asm.alloc();
    asm.advice('bits', w, v, asm.constant(j));
    return w;
  }) as unknown as BitWords;
  assertBits(asm, bits, what);
  asm.assertEq(weightedBits(asm, bits, (i) => (i < 31 ? 2 ** i : 0)), v, `${what}: the bits do not sum to the element`);
  // Bit 31 (lane 7 of word 3) is 0: weightedBits gave it weight 0, so pin it.
  const top = lane0(asm, { addr: bits[3], lane: 7 });
  asm.assertEq(top, asm.constant(0), `${what}: bit 31 is set`);
  const product = asm.alloc();
  asm.mul(product, lane0(asm, { addr: bits[3], lane: 3 }), lane0(asm, { addr: bits[3], lane: 4 }));
  asm.mul(product, product, lane0(asm, { addr: bits[3], lane: 5 }));
  asm.mul(product, product, lane0(asm, { addr: bits[3], lane: 6 }));
  asm.assertEq(product, asm.constant(0), `${what}: the element is p − 1 or its bits are not canonical`);
  return bits;
}
