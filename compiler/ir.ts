/**
 * The compiler's IR: code in static single assignment form, straight-line but for bounded loops (`loop` … `endloop`). Each instruction defines at most one
 * value (its index), names its operands by index, has a type and the source location it was lowered from, and
 * belongs to a region (the clause or record part it implements, for costs and the source map).
 *
 * Types: 'field' (one field element in lane 0, or a lane-wise field word), 'wide' (a 128-bit integer word),
 * 'digest', and 'none' for instructions that only have an effect.
 *
 * Effects, which passes must keep in order: reading the private tape (`read`, and `merkle`, which reads its
 * siblings: their order is the tape's), `input`, `output`, `assert`, `assertEq`, and `wide` operations that may
 * trap (until range analysis shows they cannot).
 */
import type { WideOp } from '../runtime/vm/buses.ts';
import type { AdviceKind } from '../runtime/vm/isa.ts';
import type { Word } from '../runtime/vm/word.ts';

export type IrType = 'field' | 'wide' | 'digest' | 'none';

export type IrOp =
  | { readonly op: 'const'; readonly word: Word }
  | { readonly op: 'input'; readonly index: number }
  | { readonly op: 'read' }
  | { readonly op: 'wide'; readonly wide: WideOp; readonly args: readonly [number, number] }
  | { readonly op: 'add' | 'sub' | 'mul' | 'eq' | 'scale' | 'hash'; readonly args: readonly [number, number] }
  /** An integer the executor computes (isa.ts ADVICE), unconstrained until the program checks it. */
  | { readonly op: 'advice'; readonly advice: AdviceKind; readonly args: readonly [number, number] }
  /** Lane k of a word, as a field value (lane 0). */
  | { readonly op: 'lane'; readonly args: readonly [number]; readonly lane: number }
  /** (a[0], b[0]) as one word: a MAC's operand pair. */
  | { readonly op: 'pack'; readonly args: readonly [number, number] }
  /** fma(bf16, bf16, f32): args [pair, acc]. */
  | { readonly op: 'mac'; readonly args: readonly [number, number] }
  /**
   * Variable args[0] (an f32 word) ← the eight fmas of lanes 0..7 of args[1] and args[2] in order, from args[0]: the
   * accumulator updated in place, one `macw` (an effect, like `store`).
   */
  | { readonly op: 'macw'; readonly args: readonly [number, number, number] }
  /** addF32(a, b) of two f32 words: args [a, b]. */
  | { readonly op: 'fadd'; readonly args: readonly [number, number] }
  /**
   * The tensor-core dot product (f32) of two rows of bf16 words: args are the 2·ops words of a then the 2·ops
   * words of b, which codegen lays out consecutively for `mma`.
   */
  | { readonly op: 'mma'; readonly args: readonly number[]; readonly ops: number }
  /** An f32 word rounded to bf16 (nearest even). */
  | { readonly op: 'tobf16'; readonly args: readonly [number] }
  /** The root above leaf args[0] at index args[1] (lane 0) of a tree of `depth` levels, siblings from the tape. */
  | { readonly op: 'merkle'; readonly args: readonly [number, number]; readonly depth: number }
  | { readonly op: 'assert'; readonly args: readonly [number]; readonly message: string }
  | { readonly op: 'assertEq'; readonly args: readonly [number, number]; readonly message: string }
  | { readonly op: 'output'; readonly args: readonly [number]; readonly index: number }
  /**
   * A bounded loop: the instructions up to its `endloop` run `count` times (count ≥ 1, known when the policy is
   * compiled). Its value is the iteration word (step·t, 0, …) for t = 0 … count − 1, or with `down` the loop's
   * counter, (count − t, 0, …), which saves the iteration word's instructions. Values defined in the loop
   * are rewritten every iteration and may not be used after its `endloop` (codegen checks it).
   */
  | { readonly op: 'loop'; readonly count: number; readonly step: number; readonly down?: true }
  /** The end of the loop args[0]. */
  | { readonly op: 'endloop'; readonly args: readonly [number] }
  /**
   * A variable: one word that `store` rewrites, for what a loop carries from one iteration to the next (a hash
   * chain, an accumulator). Its value is the word as last stored (args[0], its initial value, when given; a
   * variable without one must be stored before it is read). An instruction that reads a variable reads it where it
   * stands in the program: it is never merged with another or folded (see `readsVariable`).
   */
  | { readonly op: 'var'; readonly args: readonly [] | readonly [number] }
  /** Variable args[0] ← value args[1]. */
  | { readonly op: 'store'; readonly args: readonly [number, number] };

export type IrInstr = IrOp & {
  readonly type: IrType;
  /** file:line:column of the expression or clause it comes from. */
  readonly at: string;
  /** The region it was emitted in (index into IrFunction.regions). */
  readonly region: number;
};

export interface IrRegion {
  readonly kind: string;
  readonly name: string;
  readonly at: string;
}

export interface IrFunction {
  readonly instrs: readonly IrInstr[];
  readonly regions: readonly IrRegion[];
  readonly publicInputs: number;
  readonly publicOutputs: number;
}

export function operands(i: IrInstr): readonly number[] {
  return 'args' in i ? i.args : [];
}

export function hasEffect(i: IrInstr): boolean {
  return (
    i.op === 'read' || i.op === 'merkle' || i.op === 'input' || i.op === 'output' || i.op === 'assert' || i.op === 'assertEq' || i.op === 'wide' || i.op === 'loop' || i.op === 'endloop' || i.op === 'var' || i.op === 'store' || i.op === 'macw'
  );
}

/**
 * Whether an instruction reads a variable (an operand that is a `var`): its value depends on where it stands, so
 * it may not be merged with an identical instruction elsewhere, nor be folded.
 */
export function readsVariable(instrs: readonly IrInstr[], i: IrInstr): boolean {
  return i.op !== 'store' && operands(i).some((a) => instrs[a]?.op === 'var');
}

/** Appends instructions; identical pure instructions are emitted once (hash-consing). */
export class IrBuilder {
  readonly instrs: IrInstr[] = [];
  readonly regions: IrRegion[] = [{ kind: 'program', name: 'entry', at: '' }];
  private region = 0;
  private readonly memo = new Map<string, number>();

  constructor(
    readonly publicInputs: number,
    readonly publicOutputs: number,
  ) {}

  enter(kind: string, name: string, at: string): void {
    this.regions.push({ kind, name, at });
    this.region = this.regions.length - 1;
  }

  /** The number of instructions so far (the id of the next one). */
  get size(): number {
    return this.instrs.length;
  }

  emit(op: IrOp, type: IrType, at: string): number {
    const instr = { ...op, type, at, region: 0 } as IrInstr;
    const pure = !hasEffect(instr);
    const key = (pure || op.op === 'wide') && !readsVariable(this.instrs, instr) ? JSON.stringify(op) : null;
    if (key !== null) {
      const hit = this.memo.get(key);
      if (hit !== undefined) return hit;
    }
    this.instrs.push({ ...op, type, at, region: this.region } as IrInstr);
    const id = this.instrs.length - 1;
    if (key !== null) this.memo.set(key, id);
    return id;
  }

  /**
   * Emits `body` inside a bounded loop of `count` iterations (loop/endloop); `body` gets the iteration word (with
   * `step` 'down', the counter: count, count − 1, …, 1).
   * What the body hash-consed is forgotten at the end: its values change every iteration, so nothing after the
   * loop may reuse them.
   */
  loop(count: number, step: number | 'down', at: string, body: (iteration: number) => void): void {
    if (!Number.isInteger(count) || count < 1) throw new Error(`IR: a loop runs at least once, not ${count} times`);
    const memo = new Map(this.memo);
    const id = this.emit(step === 'down' ? { op: 'loop', count, step: 0, down: true } : { op: 'loop', count, step }, 'field', at);
    body(id);
    this.emit({ op: 'endloop', args: [id] }, 'none', at);
    this.memo.clear();
    for (const [k, v] of memo) this.memo.set(k, v);
  }

  /** A variable (`var`), initialised to `init` when given. */
  variable(type: IrType, at: string, init?: number): number {
    return this.emit({ op: 'var', args: init === undefined ? [] : [init] }, type, at);
  }

  /** Variable `acc` ← the eight fmas of lanes 0..7 of a and b in order, from acc (`macw`). */
  macWord(acc: number, a: number, b: number, at: string): void {
    if (this.instrs[acc]?.op !== 'var') throw new Error(`IR: %${acc} is not a variable`);
    this.emit({ op: 'macw', args: [acc, a, b] }, 'none', at);
  }

  /** Variable `v` ← `value`. */
  store(v: number, value: number, at: string): void {
    if (this.instrs[v]?.op !== 'var') throw new Error(`IR: %${v} is not a variable`);
    this.emit({ op: 'store', args: [v, value] }, 'none', at);
  }

  function(): IrFunction {
    return { instrs: this.instrs, regions: this.regions, publicInputs: this.publicInputs, publicOutputs: this.publicOutputs };
  }
}

/** A listing of the IR, one instruction per line, for tests and `--emit ir` style debugging. */
export function formatIr(f: IrFunction): string {
  return f.instrs
    .map((i, id) => {
      const args = operands(i).map((a) => `%${a}`);
      const extra =
        i.op === 'const' ? `[${i.word.join(', ')}]`
        : i.op === 'wide' ? i.wide
        : i.op === 'advice' ? i.advice
        : i.op === 'input' || i.op === 'output' ? `#${i.index}`
        : i.op === 'lane' ? `#${i.lane}`
        : i.op === 'merkle' ? `depth ${i.depth}`
        : i.op === 'loop' ? `×${i.count} ${i.down ? 'down' : `step ${i.step}`}`
        : i.op === 'mma' ? `#${i.ops}`
        : 'message' in i ? JSON.stringify(i.message)
        : '';
      const lhs = i.type === 'none' ? '' : `%${id}: ${i.type} = `;
      return `${lhs}${i.op} ${[extra, ...args].filter((x) => x).join(' ')}`.trimEnd();
    })
    .join('\n');
}
