/**
 * The zkVM's buses: which chip talks to which, and the exact message each carries. A chip sends or receives a
 * tuple on a bus; the STARK's LogUp argument proves that across all tables every message sent is received
 * (runtime/proof/air/logup.ts). One bus, one message length.
 *
 * Bus ids below 32 belong to the sample AIRs (test/fixtures/sample-airs.ts) and the floating-point chips (U16_BUS =
 * 16, POW2_BUS = 17 and HALF_BUS = 28 of the MAC's powers-of-two table, chips/fp/f32-arith-tables.ts's small-range
 * table on 18 and powers of two on 19, chips/fp/bf16-dot.ts's tables on 20..27, the tensor-core chip's on 29..31,
 * continued on 64..69: chips/fp/bf16-mma-tables.ts); the VM's own start at 32 (NONLINEAR_BUS = 39 is
 * chips/fp/nonlinear-tables.ts's). One bus carries one relation: a table answering two relations gives each its own
 * bus, so that a free key sent for one can never land on a row of the other.
 */
export { U16_BUS } from './chips/fp/u16-table.ts';
export { HALF_BUS, POW2_BUS } from './chips/fp/bf16-mac.ts';

/** CPU ⇄ program ROM: (pc, opcode, a, b, c, imm). The ROM's rows are the program, preprocessed. */
export const PROGRAM_BUS = 32;
/** CPU ⇄ memory: (addr, value[8], timestamp); see chips/memory.ts for the offline memory-checking argument. */
export const MEMORY_BUS = 33;
/** CPU → wide-integer chips: (op, a[8], b[8], c[8]), the claim c = op(a, b); ops in WIDE_OPS. */
export const WIDE_BUS = 34;
/**
 * CPU, Merkle chip and segment memory → Poseidon2 chip: (in[16], half, out[8]), the claim
 * out = Poseidon2(in)[8·half .. 8·half + 8) (half 0: the 2-to-1 compression).
 */
export const POSEIDON2_BUS = 35;
/** CPU → Merkle chip: (leaf[8], index, depth, root[8]), the claim that a private path leads from leaf to root. */
export const MERKLE_BUS = 36;
/** CPU ⇄ verifier: (index, value[8]), public inputs read and public outputs written (stark/system.ts). */
export const IO_BUS = 37;
/** Byte range checks: (x), 0 <= x < 256. */
export const BYTE_BUS = 38;
/**
 * CPU → BF16 multiply-accumulate chip: (a, b, acc_hi, acc_lo, out_hi, out_lo), the claim
 * out = fma(a, b, acc) = bf16Mac(a, b, acc) (runtime/fp/bf16.ts) with a, b bf16 bit patterns and acc, out f32
 * bit patterns as 16-bit halves (an f32 pattern reaches 2^32 − 1 > p); the order of the MAC chip's columns
 * (chips/mac.ts).
 */
export const MAC_BUS = 40;
/**
 * CPU → f32-to-bf16 chip: (in_hi, in_lo, out), the claim out = f32ToBf16(in_hi·2^16 + in_lo) (runtime/fp/bf16.ts:
 * round to nearest even, NaN → 0x7FC0) with the f32 bit pattern as 16-bit halves (chips/to-bf16.ts).
 */
export const TOBF16_BUS = 41;

/**
 * CPU → tensor-core chip: (clk, a, b, n, out_lo, out_hi), the claim that `mma` at cycle clk computed the f32
 * out = bf16MmaDot(rows of 2n words at a and at b) (runtime/fp/mma.ts); the chip reads the rows from memory
 * itself at the instruction's slot A and slot B times (chips/mma.ts).
 */
export const MMA_BUS = 42;

/**
 * CPU → f32 adder: (x_hi, x_lo, y_hi, y_lo, out_hi, out_lo), the claim out = addF32(x, y) (runtime/fp/f32.ts,
 * round to nearest even) with the f32 bit patterns as 16-bit halves (chips/fadd.ts).
 */
export const FADD_BUS = 43;

/**
 * CPU → BF16 multiply-accumulate chip, `macw`: (a[8], b[8], acc_hi, acc_lo, out_hi, out_lo), the claim that the eight
 * fmas of the lanes in order, from acc, give out: out = bf16Mac(a₇, b₇, … bf16Mac(a₀, b₀, acc) …). The chip answers
 * it from eight chained rows (chips/mac.ts).
 */
export const MACW_BUS = 44;

/** Lanes in a machine word: one Poseidon2 digest, or one wide integer of 8 limbs of 16 bits. */
export const WORD = 8;
/** Bits in one limb of a wide integer. */
export const LIMB_BITS = 16;

/**
 * Wide-integer operations, as the op field of a WIDE_BUS message. The 128-bit ops act on all eight limbs
 * (values below 2^128); the 32-bit ones require limbs 2..7 of every operand and of the result to be zero, so
 * their results overflow at 2^32. An operation without a valid result (overflow, underflow) traps: the chip has
 * no row for it and the executor stops with an error.
 */
export const WIDE_OPS = {
  add128: 1,
  sub128: 2,
  mul128: 3,
  lt128: 4,
  add32: 5,
  sub32: 6,
  mul32: 7,
  lt32: 8,
} as const;
export type WideOp = keyof typeof WIDE_OPS;
