/**
 * The memory chip: one row per address, preprocessed (addr, initial word), and the final word with the time of
 * the address's last access as witness. It sends (addr, initial, 0) and receives (addr, final, t_final) on
 * MEMORY_BUS; together with the CPU's accesses (cpu.ts) every address's accesses form one chain from its
 * initial word to its final word, which is what makes memory consistent. The initial words are the program's
 * constants, so they are part of the program's commitment.
 */
import type { Air } from '../../proof/air/air.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { MEMORY_BUS, WORD } from '../buses.ts';
import type { Execution } from '../executor.ts';
import type { Program } from '../program.ts';

export const memoryAir: Air = {
  name: 'memory',
  width: WORD + 1,
  preprocessedWidth: 1 + WORD,
  publicInputs: 0,
  eval(b) {
    const pre = Array.from({ length: 1 + WORD }, (_, i) => b.pre(i));
    b.send(MEMORY_BUS, [...pre, 0]);
    b.receive(MEMORY_BUS, [pre[0]!, ...Array.from({ length: WORD + 1 }, (_, i) => b.main(i))]);
  },
};

export function memoryPreprocessed(program: Program): Matrix {
  const size = Math.max(program.memorySize, 2);
  const out = new Uint32Array(size * (1 + WORD));
  for (let addr = 0; addr < size; addr++) out[addr * (1 + WORD)] = addr;
  for (const d of program.data) out.set(d.word, d.addr * (1 + WORD) + 1);
  return new Matrix(out, 1 + WORD);
}

export function memoryTrace(exec: Execution): Matrix {
  const size = Math.max(exec.program.memorySize, 2);
  const out = new Uint32Array(size * (WORD + 1));
  for (let addr = 0; addr < exec.program.memorySize; addr++) {
    out.set(exec.finalMemory[addr]!, addr * (WORD + 1));
    out[addr * (WORD + 1) + WORD] = exec.finalTimestamps[addr]!;
  }
  return new Matrix(out, WORD + 1);
}

/**
 * For the under-constraint checker: the chip has no constraints; its main columns (each address's final word and
 * time) are fixed by the bus balance with the CPU's last access to the address, so they are inputs.
 */
export const memorySoundness: ChipSoundness = {
  inputs: Array.from({ length: WORD + 1 }, (_, i) => i),
  outputs: [],
  claims: [{ bus: MEMORY_BUS, sent: Array.from({ length: WORD + 2 }, (_, i) => i), received: Array.from({ length: WORD + 2 }, (_, i) => i) }],
};
