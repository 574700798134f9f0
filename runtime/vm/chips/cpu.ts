/**
 * The CPU chip: one row per cycle.
 *
 * Each row fetches its instruction from the program ROM by sending (pc, selectors, a, b, c, imm, lane selectors)
 * on PROGRAM_BUS; the ROM's rows are the program, preprocessed, so a row's one-hot opcode selectors, operands and
 * lane selectors (lsel_k = 1 iff the instruction is `lane #k`) are exactly those of the instruction at pc (no booleanity constraints needed: a row that matches a ROM row
 * inherits its correctness). The row then makes up to three memory accesses, A and B reads and a C write, and
 * proves its result:
 *
 *   set:      C = (imm, 0, …)               mov:  C = A
 *   add/sub/mul: C = A ∘ B lane-wise in F_p  addi: C = A + (imm, 0, …)
 *   scale:    C = A₀ · B (every lane; with A₀ ∈ {0, 1}, y + scale(c, x − y) selects x or y)
 *   eq:       C = (A₀ = B₀ ? 1 : 0, 0, …)    branch: pc ← imm if A₀ ≠ 0
 *   jump:     pc ← imm                       halt: pc ← pc (the last row is a halt; padding rows repeat it)
 *   assert:   A₀ = 1                         assertEq: A = B
 *   wide:     sends (imm, A, B, C) to the wide-integer chips
 *   hash:     sends (A ‖ B, imm, C) to the Poseidon2 chip: C = Poseidon2(A ‖ B)[8·imm .. 8·imm + 8), imm 0 or 1
 *   merkle:   sends (A, B₀, imm, C) to the Merkle chip: C is the root above leaf A at index B₀, depth imm
 *   read:     C is free (the private tape)   input/output: sends (imm, C) / (imm, A) to the statement
 *   mac:      sends (A₀, A₁, B₁, B₀, C₁, C₀) to the BF16 MAC chip: C = fma(bf16 A₀, bf16 A₁, f32 B) as an f32
 *             word (lo16, hi16, 0, …); C₂..C₇ = 0 (chips/mac.ts)
 *   lane #k:  C = (A_k, 0, …): C₀ = Σ lsel_k · A_k with the ROM's lane selectors
 *   macl #k:  sends (A_k, B_k, C'₁, C'₀, C₁, C₀) to the BF16 MAC chip, C' the word C replaces (slot C's old value):
 *             C = fma(bf16 A_k, bf16 B_k, f32 C') as an f32 word; C₂..C₇ = 0. A_k = Σ lsel_k · A_k and likewise
 *             B_k, degree 2, so this send has a LogUp column of its own
 *   macw:     sends (A, B, C'₁, C'₀, C₁, C₀) to the BF16 MAC chip on MACW_BUS: C = the eight fmas of lanes 0..7 of
 *             A and B in order from f32 C', one chain of eight MAC-chip rows (chips/mac.ts); C₂..C₇ = 0
 *   pack:     C = (A₀, B₀, 0, …): the bf16 pair word `mac` reads
 *   tobf16:   sends (A₁, A₀, C₀) to the f32-to-bf16 chip: C = (f32ToBf16(A as f32), 0, …); C₁..C₇ = 0
 *             (chips/to-bf16.ts)
 *   mma #n:   sends (clk, a, b, n, C₀, C₁) to the tensor-core chip, which reads the rows at a and b itself:
 *             C = the f32 bf16MmaDot of the rows as (lo16, hi16, 0, …) (chips/mma.ts)
 *   fadd:     sends (A₁, A₀, B₁, B₀, C₁, C₀) to the f32 adder: C = addF32(A, B) as an f32 word (lo16, hi16, 0, …);
 *             C₂..C₇ = 0 (chips/fadd.ts)
 *   emul:     C₀..C₃ = A₀..A₃ · B₀..B₃ in F_p[X]/(X^4 − 11), C₄..C₇ = 0 (the quartic extension of the STARK's
 *             challenges, for a verifier written as a VM program)
 *
 * Zero tests (eq, branch) use x = eq·(A₀ − B₀) + branch·A₀ with a witness inverse: nz = x·inv and x·(1 − nz) = 0
 * force nz = [x ≠ 0], and inv·(1 − nz) = 0 pins inv to 0 when x = 0 (on every other row too), so that no column
 * is free.
 *
 * Memory (offline memory checking, Blum et al. 1991, in the LogUp form of e.g. SP1 and Valida): an access at
 * time t to address addr receives (addr, old, t_prev) and sends (addr, new, t), with t − t_prev − 1 proven to
 * lie in [0, 2^24) by a u16 lookup and a byte lookup; the memory chip sends every address's initial word at
 * time 0 and receives its final word. If the bus balances, each access consumed the message of the access
 * before it to the same address, so every read returns the last value written.
 */
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import { sum, type Expr } from '../../proof/air/expr.ts';
import { Matrix } from '../../proof/matrix.ts';
import type { ChipSoundness } from '../../proof/air/soundness/index.ts';
import { BYTE_BUS, FADD_BUS, IO_BUS, MAC_BUS, MACW_BUS, MEMORY_BUS, MMA_BUS, MERKLE_BUS, POSEIDON2_BUS, PROGRAM_BUS, TOBF16_BUS, U16_BUS, WIDE_BUS, WORD } from '../buses.ts';
import { LANES, NUM_OPCODES, OPCODE_INDEX, OPCODES, SLOTS, usesLaneSelector, type Opcode } from '../isa.ts';
import { DEGREE as EXT_DEGREE, W as EXT_W } from '../../proof/field/extension.ts';
import type { CpuStep, Execution } from '../executor.ts';
import { columns, paddedHeight } from './chip.ts';
import { SEG_PC_END, SEG_PC_START } from '../segment-publics.ts';
import type { RangeCounter } from './range.ts';

export const CPU = (() => {
  const cols = columns();
  const take = (n = 1) => cols.take(n);
  const slot = (write: boolean) => ({ val: take(WORD), ...(write ? { newVal: take(WORD) } : {}), prev: take(), dlo: take(), dhi: take() });
  const layout = {
    clk: take(),
    pc: take(),
    sel: take(NUM_OPCODES),
    a: take(),
    b: take(),
    c: take(),
    imm: take(),
    lsel: take(LANES),
    slotA: slot(false),
    slotB: slot(false),
    slotC: slot(true) as { val: number; newVal: number; prev: number; dlo: number; dhi: number },
    inv: take(),
    nz: take(),
    taken: take(),
    width: 0,
  };
  layout.width = cols.width;
  return layout;
})();

/** Ops whose C result the CPU computes itself (the others prove it on a bus, or leave it free: read). */
const COMPUTED: readonly Opcode[] = ['set', 'mov', 'add', 'sub', 'mul', 'addi', 'scale', 'eq', 'lane', 'pack', 'emul'];

/**
 * The CPU of a whole run (`segment` false: it starts at pc 0 and its last row is a halt) or of one segment of a
 * longer run (runtime/vm/segments.ts): its first row is at the public pc SEG_PC_START, and the pc after its last
 * row is the public SEG_PC_END (a segment that halts pads with its halt, whose next pc is its own).
 */
function cpuAirOf(segment: boolean): Air {
  return {
    name: segment ? 'cpu-segment' : 'cpu',
    width: CPU.width,
    preprocessedWidth: 0,
    publicInputs: segment ? SEG_PC_END + 1 : 0,
    oneHot: {
      columns: OPCODES.map((o) => CPU.sel + OPCODE_INDEX[o]),
      why: "the fetch sends every row's selectors on PROGRAM_BUS, and the program ROM's rows are one-hot (or zero): they bound the multiplicities of the sends they select",
    },
    eval(b: AirBuilder) {
      const m = (c: number) => b.main(c);
      const sel = (op: Opcode) => m(CPU.sel + OPCODE_INDEX[op]);
      const word = (c: number) => Array.from({ length: WORD }, (_, i) => m(c + i));
      const [clk, pc, imm] = [m(CPU.clk), m(CPU.pc), m(CPU.imm)];
      const A = word(CPU.slotA.val);
      const B = word(CPU.slotB.val);
      const cOld = word(CPU.slotC.val);
      const C = word(CPU.slotC.newVal);
      const [inv, nz, taken] = [m(CPU.inv), m(CPU.nz), m(CPU.taken)];

      // Fetch.
      const lsel = Array.from({ length: LANES }, (_, k) => m(CPU.lsel + k));
      b.send(PROGRAM_BUS, [pc, ...OPCODES.map((o) => sel(o)), m(CPU.a), m(CPU.b), m(CPU.c), imm, ...lsel]);

      // Control flow.
      b.assertZero(b.isFirstRow.mul(clk), 'the clock starts at 0');
      if (segment) b.assertZero(b.isFirstRow.mul(pc.sub(b.public(SEG_PC_START))), 'a segment starts at its public pc');
      else b.assertZero(b.isFirstRow.mul(pc), 'execution starts at pc 0');
      b.assertZero(b.isTransition.mul(b.mainNext(CPU.clk).sub(clk).sub(1)), 'the clock ticks');
      if (!segment) b.assertZero(b.isLastRow.mul(sel('halt').sub(1)), 'the last row is a halt');
      const x = sel('eq').mul(A[0]!.sub(B[0]!)).add(sel('branch').mul(A[0]!));
      b.assertEq(nz, x.mul(inv), 'nz = x · inv');
      b.assertZero(x.mul(nz.neg().add(1)), 'x ≠ 0 forces nz = 1');
      b.assertZero(inv.mul(nz.neg().add(1)), 'inv = 0 when nz = 0 (no column is left free)');
      b.assertEq(taken, sel('branch').mul(nz), 'a branch is taken when its operand is nonzero');
      const jumps = sel('jump').add(taken);
      const nextPc = pc.add(1).add(jumps.mul(imm.sub(pc).sub(1))).sub(sel('halt'));
      b.assertZero(b.isTransition.mul(b.mainNext(CPU.pc).sub(nextPc)), 'the next pc');
      if (segment) b.assertZero(b.isLastRow.mul(nextPc.sub(b.public(SEG_PC_END))), 'a segment ends at its public pc');

      // Results the CPU computes: for each lane, (Σ sel_op) · C_i = Σ sel_op · f_op,i (the selectors are one-hot).
      const lane0 = (i: number, v: Expr): Expr | number => (i === 0 ? v : 0);
      // The ROM's lane selectors are one-hot for `lane` and zero otherwise, so this is A_k for `lane #k`.
      const picked = sum(lsel.map((l, k) => l.mul(A[k]!)));
      const pickedB = sum(lsel.map((l, k) => l.mul(B[k]!)));
      // emul: the product in F_p[X]/(X^4 − W) of the elements in lanes 0..3. Coefficient i collects A_j·B_k for
      // j + k = i, and W·A_j·B_k for j + k = i + 4 (X^4 = W); degree 2, times the selector 3, as for mul.
      const extLane = (i: number): Expr | number => {
        if (i >= EXT_DEGREE) return 0;
        const terms: Expr[] = [];
        for (let j = 0; j < EXT_DEGREE; j++) {
          for (let k = 0; k < EXT_DEGREE; k++) {
            if (j + k === i) terms.push(A[j]!.mul(B[k]!));
            else if (j + k === i + EXT_DEGREE) terms.push(A[j]!.mul(B[k]!).mul(EXT_W));
          }
        }
        return sum(terms);
      };
      for (let i = 0; i < WORD; i++) {
        const results: [Opcode, Expr | number][] = [
          ['set', lane0(i, imm)],
          ['mov', A[i]!],
          ['add', A[i]!.add(B[i]!)],
          ['sub', A[i]!.sub(B[i]!)],
          ['mul', A[i]!.mul(B[i]!)],
          ['addi', i === 0 ? A[0]!.add(imm) : A[i]!],
          ['scale', A[0]!.mul(B[i]!)],
          ['eq', lane0(i, nz.neg().add(1))],
          ['lane', lane0(i, picked)],
          ['pack', i === 0 ? A[0]! : i === 1 ? B[0]! : 0],
          ['emul', extLane(i)],
        ];
        const active = sum(COMPUTED.map(sel));
        const value = sum(results.map(([op, f]) => sel(op).mul(f)));
        b.assertEq(active.mul(C[i]!), value, `C lane ${i} is the result`);
      }
      b.assertZero(sel('assert').mul(A[0]!.sub(1)), 'assert: A₀ = 1');
      for (let i = 0; i < WORD; i++) b.assertZero(sel('assertEq').mul(A[i]!.sub(B[i]!)), `assertEq lane ${i}`);

      // Memory accesses.
      const active = (s: 'a' | 'b' | 'c') => sum(OPCODES.filter((o) => SLOTS[o][s]).map(sel));
      const access = (s: 'a' | 'b' | 'c', addr: Expr, layout: { prev: number; dlo: number; dhi: number }, old: Expr[], written: Expr[], offset: number) => {
        const on = active(s);
        const t = clk.mul(3).add(offset);
        const prev = m(layout.prev);
        b.assertZero(on.mul(t.sub(prev).sub(1).sub(m(layout.dlo)).sub(m(layout.dhi).mul(65536))), `slot ${s}: the previous access is earlier`);
        b.send(U16_BUS, [m(layout.dlo)], on);
        b.send(BYTE_BUS, [m(layout.dhi)], on);
        b.receive(MEMORY_BUS, [addr, ...old, prev], on);
        b.send(MEMORY_BUS, [addr, ...written, t], on);
      };
      access('a', m(CPU.a), CPU.slotA, A, A, 1);
      access('b', m(CPU.b), CPU.slotB, B, B, 2);
      access('c', m(CPU.c), CPU.slotC, cOld, C, 3);

      // Work done elsewhere.
      b.send(WIDE_BUS, [imm, ...A, ...B, ...C], sel('wide'));
      b.send(POSEIDON2_BUS, [...A, ...B, imm, ...C], sel('hash'));
      b.send(MERKLE_BUS, [...A, B[0]!, imm, ...C], sel('merkle'));
      b.send(IO_BUS, [imm, ...C], sel('input'));
      b.send(IO_BUS, [imm, ...A], sel('output'));
      // An f32 travels as (lo16, hi16) in lanes 0 and 1; the message is the MAC chip's (a, b, acc_hi, acc_lo,
      // out_hi, out_lo), and the rest of the result word is zero.
      b.send(MAC_BUS, [A[0]!, A[1]!, B[1]!, B[0]!, C[1]!, C[0]!], sel('mac'));
      for (let i = 2; i < WORD; i++) b.assertZero(sel('mac').mul(C[i]!), `mac: C lane ${i} is zero`);
      // macl #k: lane k of A and of B (the ROM's lane selectors), the accumulator the word C replaces.
      b.send(MAC_BUS, [picked, pickedB, cOld[1]!, cOld[0]!, C[1]!, C[0]!], sel('macl'));
      for (let i = 2; i < WORD; i++) b.assertZero(sel('macl').mul(C[i]!), `macl: C lane ${i} is zero`);
      // macw: both words whole, the accumulator the word C replaces (one chain of eight rows in the MAC chip).
      b.send(MACW_BUS, [...A, ...B, cOld[1]!, cOld[0]!, C[1]!, C[0]!], sel('macw'));
      for (let i = 2; i < WORD; i++) b.assertZero(sel('macw').mul(C[i]!), `macw: C lane ${i} is zero`);
      // f32 in (lo16, hi16), the chip's message (in_hi, in_lo, out); the bf16 result in lane 0, the rest zero.
      b.send(TOBF16_BUS, [A[1]!, A[0]!, C[0]!], sel('tobf16'));
      for (let i = 1; i < WORD; i++) b.assertZero(sel('tobf16').mul(C[i]!), `tobf16: C lane ${i} is zero`);
      // The tensor-core chip's claim (clk, a, b, n, lo16, hi16): it reads the rows at a and b itself (chips/mma.ts).
      b.send(MMA_BUS, [clk, m(CPU.a), m(CPU.b), imm, C[0]!, C[1]!], sel('mma'));
      for (let i = 2; i < WORD; i++) b.assertZero(sel('mma').mul(C[i]!), `mma: C lane ${i} is zero`);
      // Two f32 words in (lo16, hi16), the adder's message (x_hi, x_lo, y_hi, y_lo, out_hi, out_lo) (chips/fadd.ts).
      b.send(FADD_BUS, [A[1]!, A[0]!, B[1]!, B[0]!, C[1]!, C[0]!], sel('fadd'));
      for (let i = 2; i < WORD; i++) b.assertZero(sel('fadd').mul(C[i]!), `fadd: C lane ${i} is zero`);
    },
  };
}

export const cpuAir: Air = cpuAirOf(false);
/** The CPU of a segment proof: its first pc and the pc after its last row are public inputs. */
export const segmentCpuAir: Air = cpuAirOf(true);

/** A memory slot's columns of the row at `at`: the word it holds, the previous access and the gap's limbs. */
function writeSlot(out: Uint32Array, at: number, layout: { val: number; prev: number; dlo: number; dhi: number }, val: readonly number[], prev: number, t: number, range: RangeCounter | null): void {
  out.set(val, at + layout.val);
  const d = t - prev - 1;
  out[at + layout.prev] = prev;
  out[at + layout.dlo] = d & 0xffff;
  out[at + layout.dhi] = d >>> 16;
  range?.addU16(d & 0xffff);
  range?.addByte(d >>> 16);
}

/**
 * Step s's row written into `out` from word `at` on (those words zero). In place, with no closure: a row array and a
 * helper closure a step cost about a third of the 2^17-row trace's generation.
 */
function writeStepRow(out: Uint32Array, at: number, s: CpuStep, range: RangeCounter | null): void {
  out[at + CPU.clk] = s.clk;
  out[at + CPU.pc] = s.pc;
  out[at + CPU.sel + OPCODE_INDEX[s.ins.op]] = 1;
  out[at + CPU.a] = s.ins.a;
  out[at + CPU.b] = s.ins.b;
  out[at + CPU.c] = s.ins.c;
  out[at + CPU.imm] = s.ins.imm;
  if (usesLaneSelector(s.ins.op) && s.ins.imm < LANES) out[at + CPU.lsel + s.ins.imm] = 1;
  const uses = SLOTS[s.ins.op];
  if (uses.a) writeSlot(out, at, CPU.slotA, s.a, s.aPrev, 3 * s.clk + 1, range);
  if (uses.b) writeSlot(out, at, CPU.slotB, s.b, s.bPrev, 3 * s.clk + 2, range);
  if (uses.c) {
    writeSlot(out, at, CPU.slotC, s.cOld, s.cPrev, 3 * s.clk + 3, range);
    out.set(s.cNew, at + CPU.slotC.newVal);
  }
  out[at + CPU.inv] = s.inv;
  const nz = s.ins.op === 'eq' ? (s.a[0] !== s.b[0] ? 1 : 0) : s.ins.op === 'branch' ? (s.a[0] !== 0 ? 1 : 0) : 0;
  out[at + CPU.nz] = nz;
  out[at + CPU.taken] = s.ins.op === 'branch' ? nz : 0;
}

/** The CPU trace: the executed steps, then copies of the final halt (clock still ticking) to a power of two. */
export function cpuTrace(exec: Execution, range: RangeCounter, minRows = 1): Matrix {
  const steps = exec.steps;
  const height = paddedHeight(steps.length, minRows);
  const out = new Uint32Array(height * CPU.width);
  for (let i = 0; i < steps.length; i++) writeStepRow(out, i * CPU.width, steps[i]!, range);
  const halt = steps[steps.length - 1]!;
  for (let i = steps.length; i < height; i++) writeStepRow(out, i * CPU.width, { ...halt, clk: i }, null);
  return new Matrix(out, CPU.width);
}

const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);
const opcodeOf = (row: ArrayLike<number>): Opcode => OPCODES.find((_, i) => row[CPU.sel + i] === 1) ?? 'halt';
const slotColumns = (s: { val: number; prev: number; dlo: number; dhi: number }) => [...range(s.val, WORD), s.prev, s.dlo, s.dhi];

/**
 * For the under-constraint checker. The CPU's claims are its bus messages: what it reads from memory, and the
 * answers of the wide, Poseidon2, Merkle, MAC (`mac`, `macl`, `macw`), f32 → bf16, tensor-core and f32-add chips and of the statement's inputs, are fixed by the
 * other side; what it writes to memory and asks the other chips is its output. The fetched instruction is a lookup
 * into the program ROM, and the clock and pc follow from the first row and the transitions. A `read` or `advice`
 * result is the prover's choice (an input: anything is valid, the rest must follow from it). The columns of a
 * memory slot the opcode does not use are free: the slot's messages have multiplicity 0 and no constraint reads them.
 */
export const cpuSoundness: ChipSoundness = {
  inputs: (row) => (['read', 'advice'].includes(opcodeOf(row)) ? range(CPU.slotC.newVal, WORD) : []),
  outputs: [],
  claims: [
    { bus: MEMORY_BUS, received: range(0, WORD + 2), sent: [] },
    { bus: WIDE_BUS, sent: range(1 + 2 * WORD, WORD) },
    { bus: POSEIDON2_BUS, sent: range(2 * WORD + 1, WORD) },
    { bus: MERKLE_BUS, sent: range(WORD + 2, WORD) },
    { bus: IO_BUS, sent: range(1, WORD) },
    { bus: MAC_BUS, sent: [4, 5] },
    { bus: MACW_BUS, sent: [2 * WORD + 2, 2 * WORD + 3] },
    { bus: TOBF16_BUS, sent: [2] },
    { bus: MMA_BUS, sent: [4, 5] },
    { bus: FADD_BUS, sent: [4, 5] },
  ],
  free: [
    {
      reason: 'a memory slot the opcode does not use: its messages have multiplicity 0 and no constraint reads it',
      columns: (row) => {
        const use = SLOTS[opcodeOf(row)];
        return [...(use.a ? [] : slotColumns(CPU.slotA)), ...(use.b ? [] : slotColumns(CPU.slotB)), ...(use.c ? [] : [...slotColumns(CPU.slotC), ...range(CPU.slotC.newVal, WORD)])];
      },
    },
  ],
};
