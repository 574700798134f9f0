/**
 * The zkVM's instruction set (docs/vm.md has the full description).
 *
 * A memory machine: every instruction names up to three memory addresses a, b, c and an immediate. The CPU
 * reads word a (slot A) and word b (slot B), and writes word c (slot C); each slot is one access to the memory
 * chip. There are no registers, so an instruction is one CPU row and one row of the program ROM.
 *
 * Opcodes are listed in the order of the CPU's one-hot selector columns; the ROM stores the selectors
 * themselves, so the CPU never has to prove they are one-hot. An opcode's index is its code in the program
 * encoding, so new opcodes go at the end.
 */

export const OPCODES = [
  'halt',
  'set',
  'mov',
  'add',
  'sub',
  'mul',
  'addi',
  'scale',
  'eq',
  'jump',
  'branch',
  'assert',
  'assertEq',
  'wide',
  'hash',
  'merkle',
  'read',
  'input',
  'output',
  'mac',
  'advice',
  'lane',
  'pack',
  'tobf16',
  'mma',
  'fadd',
  'emul',
  'macl',
  'macw',
] as const;
export type Opcode = (typeof OPCODES)[number];

/**
 * A program may run at most 2^22 cycles in one proof: the memory chip's timestamps (3 per cycle) stay below 2^24,
 * what its range check allows (docs/vm.md, "Memory"). The executor stops a run there; the compiler refuses a
 * program that would need more.
 */
export const MAX_LOG_CYCLES = 22;

/**
 * A run longer than one proof is proven in segments (runtime/vm/segments.ts, continuations): 2^19 cycles a segment
 * by default, what one segment proof of a compute check's step program proves within about 16 GB
 * (bench/results/memory.json: ~52.5 bytes per committed cell, ~2^19 cycles' cells in 16 GB), and at most 1,024
 * segments a run: with the default size, a step runs at most 2^29 cycles (the compiler's limit, ZP7002).
 */
export const DEFAULT_SEGMENT_LOG = 19;
export const MAX_SEGMENTS = 1024;
export const NUM_OPCODES = OPCODES.length;
export const OPCODE_INDEX: Readonly<Record<Opcode, number>> = Object.fromEntries(OPCODES.map((o, i) => [o, i])) as Record<Opcode, number>;

export interface Instruction {
  readonly op: Opcode;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly imm: number;
}

/** Which memory slots an opcode uses: A and B are reads, C is a write. */
export interface SlotUse {
  readonly a: boolean;
  readonly b: boolean;
  readonly c: boolean;
}

const use = (a: boolean, b: boolean, c: boolean): SlotUse => ({ a, b, c });

export const SLOTS: Readonly<Record<Opcode, SlotUse>> = {
  halt: use(false, false, false),
  set: use(false, false, true),
  mov: use(true, false, true),
  add: use(true, true, true),
  sub: use(true, true, true),
  mul: use(true, true, true),
  addi: use(true, false, true),
  scale: use(true, true, true),
  eq: use(true, true, true),
  jump: use(false, false, false),
  branch: use(true, false, false),
  assert: use(true, false, false),
  assertEq: use(true, true, false),
  wide: use(true, true, true),
  hash: use(true, true, true),
  merkle: use(true, true, true),
  read: use(false, false, true),
  input: use(false, false, true),
  output: use(true, false, false),
  mac: use(true, true, true),
  advice: use(true, true, true),
  lane: use(true, false, true),
  pack: use(true, true, true),
  tobf16: use(true, false, true),
  // The operand rows are read by the tensor-core chip itself (chips/mma.ts), at slot A's and slot B's times.
  mma: use(false, false, true),
  fadd: use(true, true, true),
  emul: use(true, true, true),
  // C is read and written: its old value is the accumulator (the memory chip hands every write the word it replaces).
  macl: use(true, true, true),
  // Like macl: C's old word is the accumulator of the first of the eight fmas.
  macw: use(true, true, true),
};

/**
 * `mma c, a, b, #n`: the Hopper BF16 tensor-core dot product (runtime/fp/mma.ts bf16MmaDot) of the 16·n bf16 lanes
 * of the 2n words at a, a + 1, … and of the 2n words at b, b + 1, …: n chained 16-wide operations from +0, in
 * increasing k. C is the f32 accumulator as (lo16, hi16, 0, …), like `mac`'s. One instruction streams a whole dot
 * product into the tensor-core chip, which reads the operand words from memory itself (chips/mma.ts), so a
 * program does not grow with K.
 */
export const MMA_WORDS_PER_OP = 2;
/** Products per tensor-core operation. */
export { MMA_K } from '../fp/mma.ts';
/** The most operations one `mma` streams (K up to 2^20): the chip's operation counter stays far below p. */
export const MAX_MMA_OPS = 1 << 16;

/**
 * `macw c, a, b`: the eight fmas of a word pair in sequential order, c ← fma(a₇, b₇, … fma(a₀, b₀, c) …), each rounded
 * once to f32, c's old word the first accumulator. One CPU row and eight chained MAC-chip rows (chips/mac.ts: each
 * row's result is the next row's accumulator), where eight `macl` took eight CPU rows.
 */
export const MACW_LANES = 8;

/** The MAC-chip rows one execution of `op` adds: one a `mac` or `macl`, a chain of eight a `macw`. */
export const macRows = (op: Opcode): number => (op === 'macw' ? MACW_LANES : op === 'mac' || op === 'macl' ? 1 : 0);

/**
 * `macl c, a, b, #k`: c ← fma(bf16 a_k, bf16 b_k, f32 c) rounded once to f32, c's old word the accumulator
 * (lo16, hi16, 0, …) and the new one too. One CPU row and one MAC-chip row per product, read straight from two
 * row words: eight `macl` are a word pair's eight fmas in sequential order, where `lane`, `lane`, `pack` and
 * `mac` took four rows per product.
 * Both `lane` and `macl` pick their lane with the program ROM's lane selector.
 */
export const usesLaneSelector = (op: Opcode): boolean => op === 'lane' || op === 'macl';

/** Whether an opcode names operand addresses a and b that the CPU does not access (a chip reads them: `mma`). */
export function namesRows(op: Opcode): boolean {
  return op === 'mma';
}

/**
 * `lane c, a, #k` takes lane k of a word, and `macl c, a, b, #k` multiplies lane k of a by lane k of b into the
 * f32 accumulator at c: k in 0..LANES − 1 (the program ROM has one lane selector per k).
 */
export const LANES = 8;

/**
 * What `advice c a b #kind` writes: a value the executor computes from the integers a and b, which the CPU does not
 * constrain (like `read`): the program checks it with ordinary instructions, as a zkVM hint. Zero where undefined
 * (a zero divisor, no inverse). `limbs` is the one kind over a field word: the canonical value of a's lane 0 as an
 * integer word (b is ignored), so that a field element can enter integer arithmetic once the program has checked
 * the limbs against it (compiler/verify.ts draws sample indices this way). `bits` is over field words too: lane i
 * of c is bit 8·b₀ + i of a₀'s canonical value (0 past bit 31), so four advices give a field element's 31 bits,
 * which the program checks are bits and sum to a₀ (runtime/aggregate/ draws query indices this way).
 */
export const ADVICE = { div: 1, mod: 2, gcd: 3, modInverse: 4, limbs: 5, extInverse: 6, bits: 7 } as const;
export type AdviceKind = keyof typeof ADVICE;

/** One line of assembly per instruction, for listings and error messages. */
export function formatInstruction(ins: Instruction): string {
  const s = SLOTS[ins.op];
  const parts: string[] = [];
  if (s.c) parts.push(`[${ins.c}]`);
  if (s.a || namesRows(ins.op)) parts.push(`[${ins.a}]`);
  if (s.b || namesRows(ins.op)) parts.push(`[${ins.b}]`);
  if (ins.imm !== 0 || ['set', 'addi', 'jump', 'branch', 'assert', 'assertEq', 'wide', 'merkle', 'hash', 'input', 'output', 'advice', 'lane', 'mma', 'macl'].includes(ins.op)) parts.push(`#${ins.imm}`);
  return `${ins.op} ${parts.join(', ')}`.trim();
}
