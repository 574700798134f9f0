/**
 * The public inputs of a segment proof (runtime/vm/segments.ts), after the program digest's 16: the pc the segment
 * starts at and the pc the next segment starts at (the last one's: the halt it ends on), then the commitments to
 * memory at its start and at its end (chips/segment-memory.ts), then every public input and output word of the
 * whole run, then one flag per input and output: 1 if this segment reads or writes it.
 */
import { WORD } from './buses.ts';
import { DIGEST_PUBLICS } from './program.ts';

export const SEG_PC_START = DIGEST_PUBLICS;
export const SEG_PC_END = DIGEST_PUBLICS + 1;
export const SEG_MEM_START = DIGEST_PUBLICS + 2;
export const SEG_MEM_END = SEG_MEM_START + WORD;
/** Public inputs before the run's I/O words: the digest, the two pcs and the two memory commitments. */
export const SEG_STATE_END = SEG_MEM_END + WORD;
