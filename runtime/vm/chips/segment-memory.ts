/**
 * The memory chip of a segment proof (runtime/vm/segments.ts): one row per address, as the whole-run memory chip
 * (memory.ts), but the initial words are witness, not the program's constants, and the chip proves both images
 * against public commitments. Columns: the initial word, the final word and the time of the address's last access
 * in the segment, then two hash chains, each a (previous, current) pair of digests per row:
 *
 *   acc_in[row]  = Poseidon2(acc_in[row − 1]  ‖ initial[row])     acc_in[−1]  = the start salt (first row's prev)
 *   acc_out[row] = Poseidon2(acc_out[row − 1] ‖ final[row])       acc_out[−1] = the end salt
 *
 * and the last row's acc_in and acc_out are the public SEG_MEM_START and SEG_MEM_END. The compressions are sent to
 * the Poseidon2 chip (two per address); the preprocessed address column fixes which row holds which address, so a
 * commitment binds every word at its address. The salts are the prover's (random per boundary, so that a
 * commitment to memory that holds private words hides them); equal commitments at a boundary force equal salts and
 * equal images. The first segment starts from salt zero, so its start commitment is computable from the program
 * alone (memoryCommitment of its initial memory).
 *
 * The chip sends (addr, initial, 0) and receives (addr, final, t_final) on MEMORY_BUS exactly as memory.ts does, so
 * the CPU's and the tensor-core chip's accesses within the segment form one chain per address from its initial
 * word to its final word.
 */
import type { Air } from '../../proof/air/air.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { Matrix } from '../../proof/matrix.ts';
import { compressPair } from '../../proof/hash/poseidon2.ts';
import { MEMORY_BUS, POSEIDON2_BUS, WORD } from '../buses.ts';
import { SEG_MEM_END, SEG_MEM_START, SEG_STATE_END } from '../segment-publics.ts';
import { ZERO_WORD, type Word } from '../word.ts';
import type { Poseidon2Op } from './poseidon2.ts';

export const SEGMENT_MEMORY = {
  initial: 0,
  final: WORD,
  time: 2 * WORD,
  inPrev: 2 * WORD + 1,
  inAcc: 3 * WORD + 1,
  outPrev: 4 * WORD + 1,
  outAcc: 5 * WORD + 1,
  width: 6 * WORD + 1,
} as const;

const L = SEGMENT_MEMORY;
const lanes = (start: number) => Array.from({ length: WORD }, (_, i) => start + i);

export const segmentMemoryAir: Air = {
  name: 'memory-segment',
  width: L.width,
  preprocessedWidth: 1,
  publicInputs: SEG_STATE_END,
  eval(b) {
    const addr = b.pre(0);
    const word = (start: number) => lanes(start).map((c) => b.main(c));
    b.send(MEMORY_BUS, [addr, ...word(L.initial), 0]);
    b.receive(MEMORY_BUS, [addr, ...word(L.final), b.main(L.time)]);
    const chain = (prev: number, acc: number, image: number, pub: number, what: string) => {
      b.send(POSEIDON2_BUS, [...word(prev), ...word(image), 0, ...word(acc)]);
      for (let i = 0; i < WORD; i++) {
        b.assertZero(b.isTransition.mul(b.mainNext(prev + i).sub(b.main(acc + i))), `${what}: the chain continues (lane ${i})`);
        b.assertZero(b.isLastRow.mul(b.main(acc + i).sub(b.public(pub + i))), `${what}: the chain ends at the public commitment (lane ${i})`);
      }
    };
    chain(L.inPrev, L.inAcc, L.initial, SEG_MEM_START, 'initial memory');
    chain(L.outPrev, L.outAcc, L.final, SEG_MEM_END, 'final memory');
  },
};

/**
 * For the under-constraint checker: as the whole-run memory chip, its words and times are fixed by the bus
 * balance on MEMORY_BUS (the initial word it sends, the final word and time it receives); each Poseidon2
 * compression's digest is fixed by the Poseidon2 chip, and the last row's digests by the public commitments. The
 * chains' previous digests are inputs: on the first row they are the salts, the prover's choice (anything is
 * valid; the chain must follow from it), and on every later row the transition fixes them to the digest above.
 */
const message = Array.from({ length: WORD + 2 }, (_, i) => i);
export const segmentMemorySoundness: ChipSoundness = {
  inputs: [...lanes(L.inPrev), ...lanes(L.outPrev)],
  outputs: [],
  claims: [
    { bus: MEMORY_BUS, sent: message, received: message },
    { bus: POSEIDON2_BUS, sent: lanes(2 * WORD + 1) },
  ],
};

export function segmentMemoryPreprocessed(memorySize: number): Matrix {
  const size = Math.max(memorySize, 2);
  return new Matrix(Uint32Array.from({ length: size }, (_, i) => i), 1);
}

/** The rows a memory image takes in the chip (every address, at least two). */
function imageRows(memory: readonly Word[]): Word[] {
  return Array.from({ length: Math.max(memory.length, 2) }, (_, i) => memory[i] ?? ZERO_WORD);
}

/** The commitment to a memory image from a salt: the last digest of the chain the chip proves. */
export function memoryCommitment(salt: Word, memory: readonly Word[]): Word {
  let acc = salt;
  for (const w of imageRows(memory)) acc = Array.from(compressPair(acc, w));
  return acc;
}

/**
 * The chip's trace for a segment that starts from `initial` and ends with `final` (last accessed at `times`), its
 * chains from the two salts; with the Poseidon2 compressions the chains need, for the Poseidon2 chip.
 */
export function segmentMemoryTrace(initial: readonly Word[], final: readonly Word[], times: Uint32Array, salts: { start: Word; end: Word }): { trace: Matrix; poseidon2: Poseidon2Op[] } {
  const [ins, outs] = [imageRows(initial), imageRows(final)];
  const out = new Uint32Array(ins.length * L.width);
  const poseidon2: Poseidon2Op[] = [];
  let [accIn, accOut] = [salts.start, salts.end];
  ins.forEach((w, row) => {
    const o = row * L.width;
    out.set(w, o + L.initial);
    out.set(outs[row]!, o + L.final);
    out[o + L.time] = times[row] ?? 0;
    const link = (prev: Word, image: Word, p: number, a: number): Word => {
      const next = Array.from(compressPair(prev, image));
      poseidon2.push({ input: [...prev, ...image] });
      out.set(prev, o + p);
      out.set(next, o + a);
      return next;
    };
    accIn = link(accIn, w, L.inPrev, L.inAcc);
    accOut = link(accOut, outs[row]!, L.outPrev, L.outAcc);
  });
  return { trace: new Matrix(out, L.width), poseidon2 };
}
