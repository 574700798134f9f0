/**
 * Programs are data: instructions, the initial contents of memory (constants), how many public input and
 * output words the program has, and the texts of its assertion messages. The canonical encoding below is what
 * the program digest hashes; the digest is a public input of every proof of the program.
 *
 * Canonical encoding (all integers u32 little-endian):
 *   "ZVMP" · version · memorySize · publicInputs · publicOutputs
 *   · count · count × (opcode index, a, b, c, imm)
 *   · count · count × (addr, 8 lanes)            initial memory, strictly increasing addresses
 *   · count · count × (byte length, UTF-8 bytes)  assertion messages
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { P } from '../proof/field/babybear.ts';
import { WORD } from './buses.ts';
import { LANES, MAX_MMA_OPS, MMA_WORDS_PER_OP, namesRows, NUM_OPCODES, OPCODE_INDEX, OPCODES, SLOTS, usesLaneSelector, type Instruction, type Opcode } from './isa.ts';
import { isWord, type Word } from './word.ts';

export const PROGRAM_VERSION = 1;
/** Largest memory: addresses must stay far below p, and the memory table's height is the memory size. */
export const MAX_MEMORY_LOG = 22;

export interface Program {
  readonly instructions: readonly Instruction[];
  /** Words of memory, a power of two; addresses are 0..memorySize−1. */
  readonly memorySize: number;
  /** Initial memory: every other word starts at zero. Sorted by address, no duplicates. */
  readonly data: readonly { readonly addr: number; readonly word: Word }[];
  /** Public input words: IO indices 0..publicInputs−1. */
  readonly publicInputs: number;
  /** Public output words: IO indices publicInputs..publicInputs+publicOutputs−1. */
  readonly publicOutputs: number;
  /** Assertion messages; `assert` and `assertEq` carry an index into this list as their immediate. */
  readonly messages: readonly string[];
}

/** Why a program is malformed, or null. */
export function programProblem(p: Program): string | null {
  const { memorySize } = p;
  if (!Number.isInteger(memorySize) || memorySize < 1 || memorySize > 2 ** MAX_MEMORY_LOG || (memorySize & (memorySize - 1)) !== 0) {
    return `memory size ${memorySize} is not a power of two up to 2^${MAX_MEMORY_LOG}`;
  }
  if (p.instructions.length === 0) return 'a program needs at least one instruction';
  const io = p.publicInputs + p.publicOutputs;
  for (const [what, n] of [['public inputs', p.publicInputs], ['public outputs', p.publicOutputs]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 1 << 16) return `${what}: ${n} is not a count up to 65536`;
  }
  for (let pc = 0; pc < p.instructions.length; pc++) {
    const ins = p.instructions[pc]!;
    const at = `instruction ${pc} (${ins.op})`;
    if (!(ins.op in OPCODE_INDEX)) return `${at}: unknown opcode`;
    const s = SLOTS[ins.op];
    for (const [slot, used] of [['a', s.a], ['b', s.b], ['c', s.c]] as const) {
      const addr = ins[slot];
      if (!Number.isInteger(addr) || addr < 0 || addr >= memorySize) return `${at}: address ${slot} = ${addr} is outside memory [0, ${memorySize})`;
      // `mma` names its operand rows by a and b without accessing them in the CPU (the tensor-core chip reads them).
      if (!used && addr !== 0 && !(namesRows(ins.op) && slot !== 'c')) return `${at}: slot ${slot} is unused and must be 0`;
    }
    if (!Number.isInteger(ins.imm) || ins.imm < 0 || ins.imm >= P) return `${at}: immediate ${ins.imm} is not a field element`;
    if ((ins.op === 'jump' || ins.op === 'branch') && ins.imm >= p.instructions.length) return `${at}: jump target ${ins.imm} is outside the program`;
    if ((ins.op === 'assert' || ins.op === 'assertEq') && ins.imm >= p.messages.length) return `${at}: message ${ins.imm} does not exist`;
    if ((ins.op === 'input' && ins.imm >= p.publicInputs) || (ins.op === 'output' && (ins.imm < p.publicInputs || ins.imm >= io))) {
      return `${at}: IO index ${ins.imm} is not a public ${ins.op} slot`;
    }
    if (ins.op === 'merkle' && (ins.imm < 1 || ins.imm > 30)) return `${at}: Merkle depth ${ins.imm} is not in 1..30`;
    if (ins.op === 'hash' && ins.imm > 1) return `${at}: hash half ${ins.imm} is not 0 or 1`;
    if (usesLaneSelector(ins.op) && ins.imm >= LANES) return `${at}: lane ${ins.imm} is not in 0..${LANES - 1}`;
    if (ins.op === 'mma') {
      if (ins.imm < 1 || ins.imm > MAX_MMA_OPS) return `${at}: ${ins.imm} tensor-core operations is not in 1..${MAX_MMA_OPS}`;
      const words = MMA_WORDS_PER_OP * ins.imm;
      if (ins.a + words > memorySize || ins.b + words > memorySize) return `${at}: the operand rows of ${words} words at ${ins.a} and ${ins.b} run past memory [0, ${memorySize})`;
    }
  }
  const end = p.instructions[p.instructions.length - 1]!.op;
  if (end !== 'halt' && end !== 'jump') return `the last instruction is ${end}: execution would run off the end (end with halt or jump)`;
  let last = -1;
  for (const d of p.data) {
    if (!Number.isInteger(d.addr) || d.addr <= last || d.addr >= memorySize) return `initial memory: address ${d.addr} is out of order or outside memory`;
    if (!isWord(d.word)) return `initial memory at ${d.addr}: not a word of ${WORD} field elements`;
    last = d.addr;
  }
  return null;
}

export function encodeProgram(p: Program): Uint8Array {
  const problem = programProblem(p);
  if (problem) throw new Error(`malformed program: ${problem}`);
  const words: number[] = [PROGRAM_VERSION, p.memorySize, p.publicInputs, p.publicOutputs, p.instructions.length];
  for (const ins of p.instructions) words.push(OPCODE_INDEX[ins.op], ins.a, ins.b, ins.c, ins.imm);
  words.push(p.data.length);
  for (const d of p.data) words.push(d.addr, ...d.word);
  words.push(p.messages.length);
  const enc = new TextEncoder();
  const messages = p.messages.map((m) => enc.encode(m));
  const size = 4 + 4 * words.length + messages.reduce((s, m) => s + 4 + m.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(enc.encode('ZVMP'), 0);
  let o = 4;
  for (const w of words) {
    view.setUint32(o, w, true);
    o += 4;
  }
  for (const m of messages) {
    view.setUint32(o, m.length, true);
    out.set(m, o + 4);
    o += 4 + m.length;
  }
  return out;
}

export function decodeProgram(bytes: Uint8Array): Program {
  const fail = (why: string): never => {
    throw new Error(`not a zkVM program: ${why}`);
  };
  if (bytes.length < 28 || new TextDecoder().decode(bytes.subarray(0, 4)) !== 'ZVMP') fail('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 4;
  const u32 = (): number => {
    if (o + 4 > bytes.length) fail('truncated');
    const v = view.getUint32(o, true);
    o += 4;
    return v;
  };
  const version = u32();
  if (version !== PROGRAM_VERSION) fail(`version ${version}, expected ${PROGRAM_VERSION}`);
  const memorySize = u32();
  const publicInputs = u32();
  const publicOutputs = u32();
  const count = (per: number) => {
    const n = u32();
    if (n * per * 4 > bytes.length - o) fail('a count exceeds the bytes left');
    return n;
  };
  const instructions: Instruction[] = [];
  for (let i = count(5); i > 0; i--) {
    const op = u32();
    if (op >= NUM_OPCODES) fail(`opcode ${op}`);
    instructions.push({ op: OPCODES[op] as Opcode, a: u32(), b: u32(), c: u32(), imm: u32() });
  }
  const data: { addr: number; word: Word }[] = [];
  for (let i = count(1 + WORD); i > 0; i--) data.push({ addr: u32(), word: Array.from({ length: WORD }, u32) });
  const messages: string[] = [];
  const dec = new TextDecoder('utf-8', { fatal: true });
  for (let i = count(1); i > 0; i--) {
    const len = u32();
    if (len > bytes.length - o) fail('truncated message');
    messages.push(dec.decode(bytes.subarray(o, o + len)));
    o += len;
  }
  if (o !== bytes.length) fail('trailing bytes');
  const p: Program = { instructions, memorySize, data, publicInputs, publicOutputs, messages };
  const problem = programProblem(p);
  if (problem) fail(problem);
  return p;
}

/** BLAKE3 of the canonical encoding. */
export function programDigest(p: Program): Uint8Array {
  return blake3(encodeProgram(p));
}

/** The digest as 16 public inputs: its bytes taken two at a time, little-endian (each below 2^16 < p). */
export function digestPublics(digest: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < digest.length; i += 2) out.push(digest[i]! | (digest[i + 1]! << 8));
  return out;
}

export const DIGEST_PUBLICS = 16;
