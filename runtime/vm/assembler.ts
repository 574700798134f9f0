/**
 * Builds programs: allocates memory words, interns constants, resolves labels, and collects assertion
 * messages. The compiler emits through it; tests write programs with it by hand.
 */
import { P } from '../proof/field/babybear.ts';
import { WIDE_OPS, type WideOp } from './buses.ts';
import { ADVICE, namesRows, SLOTS, type AdviceKind, type Instruction, type Opcode } from './isa.ts';
import { programProblem, type Program } from './program.ts';
import { fieldWord, type Word } from './word.ts';

export interface Label {
  readonly id: number;
}

type Target = number | Label;

export class Assembler {
  private readonly code: { op: Opcode; a: number; b: number; c: number; imm: number | Label }[] = [];
  private readonly labels: (number | null)[] = [];
  private readonly data = new Map<number, Word>();
  private readonly constants = new Map<string, number>();
  private readonly messages: string[] = [];
  // Address 0 is never allocated: unused slots hold 0, so a listing never confuses "unused" with a variable.
  private next = 1;

  constructor(
    readonly publicInputs = 0,
    readonly publicOutputs = 0,
  ) {}

  /** A fresh word of memory, zero at the start. */
  alloc(): number {
    return this.next++;
  }

  /** `count` consecutive fresh words. */
  allocArray(count: number): number {
    const base = this.next;
    this.next += count;
    return base;
  }

  /** A word of memory holding `word` from the start (one per distinct value). */
  constant(word: Word | number): number {
    const w = typeof word === 'number' ? fieldWord(word) : word;
    const key = w.join(',');
    let addr = this.constants.get(key);
    if (addr === undefined) {
      addr = this.alloc();
      this.data.set(addr, [...w]);
      this.constants.set(key, addr);
    }
    return addr;
  }

  label(): Label {
    this.labels.push(null);
    return { id: this.labels.length - 1 };
  }

  /** Places `label` at the next instruction. */
  bind(label: Label): void {
    if (this.labels[label.id] !== null) throw new Error(`label ${label.id} is bound twice`);
    this.labels[label.id] = this.code.length;
  }

  /** A new label bound here. */
  here(): Label {
    const l = this.label();
    this.bind(l);
    return l;
  }

  /** The pc of the next instruction. */
  get pc(): number {
    return this.code.length;
  }

  message(text: string): number {
    this.messages.push(text);
    return this.messages.length - 1;
  }

  emit(op: Opcode, operands: { a?: number; b?: number; c?: number; imm?: number | Label } = {}): void {
    const s = namesRows(op) ? { ...SLOTS[op], a: true, b: true } : SLOTS[op];
    const get = (slot: 'a' | 'b' | 'c', used: boolean) => {
      const v = operands[slot];
      if (used && v === undefined) throw new Error(`${op}: operand ${slot} is required`);
      if (!used && v !== undefined) throw new Error(`${op}: takes no operand ${slot}`);
      return v ?? 0;
    };
    this.code.push({ op, a: get('a', s.a), b: get('b', s.b), c: get('c', s.c), imm: operands.imm ?? 0 });
  }

  halt(): void {
    this.emit('halt');
  }
  set(c: number, imm: number): void {
    this.emit('set', { c, imm });
  }
  mov(c: number, a: number): void {
    this.emit('mov', { c, a });
  }
  add(c: number, a: number, b: number): void {
    this.emit('add', { c, a, b });
  }
  sub(c: number, a: number, b: number): void {
    this.emit('sub', { c, a, b });
  }
  mul(c: number, a: number, b: number): void {
    this.emit('mul', { c, a, b });
  }
  addi(c: number, a: number, imm: number): void {
    this.emit('addi', { c, a, imm });
  }
  scale(c: number, a: number, b: number): void {
    this.emit('scale', { c, a, b });
  }
  eq(c: number, a: number, b: number): void {
    this.emit('eq', { c, a, b });
  }
  jump(target: Target): void {
    this.emit('jump', { imm: target });
  }
  branch(a: number, target: Target): void {
    this.emit('branch', { a, imm: target });
  }
  assert(a: number, message: string): void {
    this.emit('assert', { a, imm: this.message(message) });
  }
  assertEq(a: number, b: number, message: string): void {
    this.emit('assertEq', { a, b, imm: this.message(message) });
  }
  wide(op: WideOp, c: number, a: number, b: number): void {
    this.emit('wide', { c, a, b, imm: WIDE_OPS[op] });
  }
  /** c ← Poseidon2(a ‖ b)[0..8), the 2-to-1 compression; with `half` 1, c ← Poseidon2(a ‖ b)[8..16). */
  hash(c: number, a: number, b: number, half: 0 | 1 = 0): void {
    this.emit('hash', { c, a, b, imm: half });
  }
  /**
   * c ← commit(value, blinding) = Poseidon2(value ‖ blinding)[0..8): hiding when the blinding word is private
   * and uniformly random (8 elements, ~248 bits), binding by the compression's collision resistance.
   */
  commit(c: number, value: number, blinding: number): void {
    this.hash(c, value, blinding);
  }
  /** c ← advice of `kind` on the integers a and b (isa.ts ADVICE): unconstrained, for the program to check. */
  advice(kind: AdviceKind, c: number, a: number, b: number): void {
    this.emit('advice', { c, a, b, imm: ADVICE[kind] });
  }
  merkle(c: number, leaf: number, index: number, depth: number): void {
    this.emit('merkle', { c, a: leaf, b: index, imm: depth });
  }
  /**
   * c ← fma(a₀, a₁, b) rounded once to f32: a holds two bf16 bit patterns in lanes 0 and 1, b and c are f32 words
   * (lo16, hi16, 0, …) (chips/mac.ts). One step of a BF16 GEMM's dot product with an FP32 accumulator.
   */
  mac(c: number, a: number, b: number): void {
    this.emit('mac', { c, a, b });
  }
  /**
   * c ← fma(a_k, b_k, c) rounded once to f32: lane k of a and of b are bf16 bit patterns, c an f32 word (lo16, hi16,
   * 0, …) that is read and rewritten (isa.ts `macl`). Eight of these are a row-word pair's eight fmas.
   */
  macl(c: number, a: number, b: number, k: number): void {
    this.emit('macl', { c, a, b, imm: k });
  }
  /** `macw c, a, b`: the eight fmas of lanes 0..7 of a and b into the f32 accumulator at c, in order (isa.ts `macw`). */
  macw(c: number, a: number, b: number): void {
    this.emit('macw', { c, a, b });
  }
  /** c ← addF32(a, b) rounded to nearest even: a, b and c are f32 words (lo16, hi16, 0, …) (chips/fadd.ts). */
  fadd(c: number, a: number, b: number): void {
    this.emit('fadd', { c, a, b });
  }
  /**
   * c ← a · b in the quartic extension F_p[X]/(X^4 − 11) (runtime/proof/field/extension.ts): a, b and c hold an
   * element's four coefficients in lanes 0..3; lanes 4..7 of a and b are not read, c's are zero. What a STARK
   * verifier written as a VM program computes its challenges with (#24); add and sub are lane-wise already.
   */
  emul(c: number, a: number, b: number): void {
    this.emit('emul', { c, a, b });
  }
  /** c ← (a_k, 0, …): lane k (0..7) of a, e.g. one bf16 of a row word. */
  lane(c: number, a: number, k: number): void {
    this.emit('lane', { c, a, imm: k });
  }
  /** c ← (a₀, b₀, 0, …): the bf16 pair word that `mac` reads. */
  pack(c: number, a: number, b: number): void {
    this.emit('pack', { c, a, b });
  }
  /** c ← (f32ToBf16(a), 0, …): a is an f32 word (lo16, hi16, 0, …), rounded to nearest even (chips/to-bf16.ts). */
  tobf16(c: number, a: number): void {
    this.emit('tobf16', { c, a });
  }
  /**
   * c ← the Hopper tensor-core dot product (f32 word) of the bf16 lanes of the 2n words at a and the 2n words at b
   * (isa.ts `mma`): 16·n products in n chained operations.
   */
  mma(c: number, a: number, b: number, n: number): void {
    this.emit('mma', { c, a, b, imm: n });
  }
  read(c: number): void {
    this.emit('read', { c });
  }
  input(c: number, index: number): void {
    this.emit('input', { c, imm: index });
  }
  output(a: number, index: number): void {
    this.emit('output', { a, imm: this.publicInputs + index });
  }

  /** `body` runs `count` times (count ≥ 1, a constant); the counter is a field word that counts down. */
  loop(count: number, body: () => void): void {
    if (!Number.isInteger(count) || count < 1) throw new Error(`loop count ${count} must be a positive integer`);
    const counter = this.alloc();
    this.set(counter, count);
    const top = this.here();
    body();
    this.addi(counter, counter, P - 1);
    this.branch(counter, top);
  }

  build(memorySize?: number): Program {
    const instructions: Instruction[] = this.code.map((ins, pc) => {
      let imm = ins.imm;
      if (typeof imm !== 'number') {
        const at = this.labels[imm.id];
        if (at === null || at === undefined) throw new Error(`instruction ${pc}: label ${imm.id} is never bound`);
        imm = at;
      }
      return { op: ins.op, a: ins.a, b: ins.b, c: ins.c, imm };
    });
    let size = memorySize ?? 1;
    while (size < this.next) size *= 2;
    if (memorySize !== undefined && memorySize < this.next) throw new Error(`memory size ${memorySize} is below the ${this.next} words used`);
    const program: Program = {
      instructions,
      memorySize: size,
      data: [...this.data.entries()].sort((x, y) => x[0] - y[0]).map(([addr, word]) => ({ addr, word })),
      publicInputs: this.publicInputs,
      publicOutputs: this.publicOutputs,
      messages: [...this.messages],
    };
    const problem = programProblem(program);
    if (problem) throw new Error(`malformed program: ${problem}`);
    return program;
  }
}
