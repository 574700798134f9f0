/**
 * The program ROM: one preprocessed row per instruction, (pc, one-hot opcode selectors, a, b, c, imm, lane
 * selectors), padded with halts to a power of two, and a main column counting how often the CPU executed each row. It receives
 * the CPU's fetches on PROGRAM_BUS. Being preprocessed, these columns are committed at setup; their commitment
 * is part of the STARK system's digest, so a proof made for one program never verifies for another.
 *
 * The lane selectors are LANES one-hot columns: lsel_k = 1 exactly when the instruction is `lane c, a, #k` or
 * `macl c, a, b, #k`, all zero for every other instruction. Like the opcode selectors they reach the CPU through
 * the fetch, so the CPU proves C₀ = Σ lsel_k · A_k (and sends Σ lsel_k · A_k, Σ lsel_k · B_k to the MAC chip)
 * without constraining them.
 */
import type { Air } from '../../proof/air/air.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { PROGRAM_BUS } from '../buses.ts';
import { LANES, NUM_OPCODES, OPCODE_INDEX, usesLaneSelector, type Instruction } from '../isa.ts';
import type { Program } from '../program.ts';
import { paddedHeight } from './chip.ts';

const ROM_WIDTH = 1 + NUM_OPCODES + 4 + LANES;

export const programRomAir: Air = {
  name: 'program-rom',
  width: 1,
  preprocessedWidth: ROM_WIDTH,
  publicInputs: 0,
  eval(b) {
    b.receive(PROGRAM_BUS, Array.from({ length: ROM_WIDTH }, (_, i) => b.pre(i)), b.main(0));
  },
};

const HALT: Instruction = { op: 'halt', a: 0, b: 0, c: 0, imm: 0 };

export function romHeight(program: Program): number {
  return paddedHeight(program.instructions.length, 2);
}

export function romPreprocessed(program: Program): Matrix {
  const height = romHeight(program);
  const out = new Uint32Array(height * ROM_WIDTH);
  for (let pc = 0; pc < height; pc++) {
    const ins = program.instructions[pc] ?? HALT;
    const o = pc * ROM_WIDTH;
    out[o] = pc;
    out[o + 1 + OPCODE_INDEX[ins.op]] = 1;
    out.set([ins.a, ins.b, ins.c, ins.imm], o + 1 + NUM_OPCODES);
    if (usesLaneSelector(ins.op) && ins.imm < LANES) out[o + 1 + NUM_OPCODES + 4 + ins.imm] = 1;
  }
  return new Matrix(out, ROM_WIDTH);
}

/** Fetch counts per pc; the CPU's padding rows repeat the final halt, so they count at its pc. */
export function romTrace(program: Program, pcCounts: Uint32Array, haltPc: number, paddingRows: number): Matrix {
  const counts = new Uint32Array(romHeight(program));
  counts.set(pcCounts);
  counts[haltPc]! += paddingRows;
  return new Matrix(counts, 1);
}

/** For the under-constraint checker: no constraints; the fetch count is fixed by the bus balance with the CPU. */
export const programRomSoundness: ChipSoundness = {
  inputs: [0],
  outputs: [],
  claims: [{ bus: PROGRAM_BUS, received: Array.from({ length: ROM_WIDTH }, (_, i) => i) }],
};
