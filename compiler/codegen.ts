/**
 * Code generation: IR → zkVM program. Every value gets its own memory word (the IR is SSA, so no word is written
 * twice, except in a bounded loop, whose body rewrites its words every iteration); constants become the program's
 * initial memory, one word per distinct value. A loop is `set index #0`, `set counter #count`, the body,
 * `addi index #step`, `addi counter #−1`, `branch counter` back to the body (without the index when it counts down). Instructions keep the IR's
 * order, so each region (clause) stays one range of pcs.
 */
import { Assembler, type Label } from '../runtime/vm/assembler.ts';
import { P } from '../runtime/vm/semantics.ts';
import type { Program } from '../runtime/vm/program.ts';
import { operands, readsVariable, type IrFunction } from './ir.ts';

export interface Region {
  /** 'attest', 'invariant', 'verify', 'output', 'on step', 'state' or 'record' (opening or committing records). */
  readonly kind: string;
  readonly name: string;
  readonly at: string;
  readonly from: number;
  readonly to: number;
}

export interface Generated {
  readonly program: Program;
  /** Memory address of each IR value (undefined for effect-only instructions). */
  readonly addresses: readonly (number | undefined)[];
  readonly regions: readonly Region[];
  /** The source location of every instruction that can trap (wide, mac, fadd, tobf16, merkle), by pc. */
  readonly traps: ReadonlyMap<number, string>;
}

export function generate(f: IrFunction): Generated {
  const asm = new Assembler(f.publicInputs, f.publicOutputs);
  const addr: (number | undefined)[] = [];
  const regionOfPc: number[] = [];
  const traps = new Map<number, string>();
  const at = (id: number): number => {
    const a = addr[id];
    if (a === undefined) throw new Error(`codegen: %${id} has no address`);
    return a;
  };
  // A value stored into a variable right after it is computed is computed into the variable's word instead (no
  // `mov`), when nothing reads it after the variable's next store.
  const into = storedInPlace(f);
  const dest = (id: number): number => {
    const v = into.get(id);
    return v === undefined ? asm.alloc() : at(v);
  };
  const loops = new Map<number, { counter: number; top: Label; step: number; from: number; down: boolean }>();
  const open: number[] = [];
  const closed: { from: number; to: number }[] = [];
  f.instrs.forEach((ins, id) => {
    const start = asm.pc;
    switch (ins.op) {
      case 'const':
        addr[id] = asm.constant(ins.word);
        break;
      case 'input':
        addr[id] = dest(id);
        asm.input(addr[id]!, ins.index);
        break;
      case 'read':
        addr[id] = dest(id);
        asm.read(addr[id]!);
        break;
      case 'wide':
        addr[id] = dest(id);
        traps.set(asm.pc, ins.at);
        asm.wide(ins.wide, addr[id]!, at(ins.args[0]), at(ins.args[1]));
        break;
      case 'add':
      case 'sub':
      case 'mul':
      case 'eq':
      case 'scale':
      case 'hash':
        addr[id] = dest(id);
        asm.emit(ins.op, { c: addr[id]!, a: at(ins.args[0]), b: at(ins.args[1]) });
        break;
      case 'lane':
        addr[id] = dest(id);
        asm.lane(addr[id]!, at(ins.args[0]), ins.lane);
        break;
      case 'pack':
        addr[id] = dest(id);
        asm.pack(addr[id]!, at(ins.args[0]), at(ins.args[1]));
        break;
      case 'mac':
        addr[id] = dest(id);
        traps.set(asm.pc, ins.at);
        asm.mac(addr[id]!, at(ins.args[0]), at(ins.args[1]));
        break;
      case 'macw':
        traps.set(asm.pc, ins.at);
        asm.macw(at(ins.args[0]), at(ins.args[1]), at(ins.args[2]));
        break;
      case 'fadd':
        addr[id] = dest(id);
        traps.set(asm.pc, ins.at);
        asm.fadd(addr[id]!, at(ins.args[0]), at(ins.args[1]));
        break;
      case 'mma': {
        // The rows must be consecutive words: copied into a fresh block unless they already are.
        const words = ins.args.length / 2;
        const row = (ids: readonly number[]): number => {
          const addrs = ids.map(at);
          if (addrs.every((x, i) => x === addrs[0]! + i)) return addrs[0]!;
          const base = asm.allocArray(words);
          addrs.forEach((x, i) => asm.mov(base + i, x));
          return base;
        };
        const [a, b] = [row(ins.args.slice(0, words)), row(ins.args.slice(words))];
        addr[id] = dest(id);
        traps.set(asm.pc, ins.at);
        asm.mma(addr[id]!, a, b, ins.ops);
        break;
      }
      case 'tobf16':
        addr[id] = dest(id);
        traps.set(asm.pc, ins.at);
        asm.tobf16(addr[id]!, at(ins.args[0]));
        break;
      case 'merkle':
        addr[id] = dest(id);
        traps.set(asm.pc, ins.at);
        asm.merkle(addr[id]!, at(ins.args[0]), at(ins.args[1]), ins.depth);
        break;
      case 'advice':
        addr[id] = dest(id);
        asm.advice(ins.advice, addr[id]!, at(ins.args[0]), at(ins.args[1]));
        break;
      case 'assert':
        asm.assert(at(ins.args[0]), ins.message);
        break;
      case 'assertEq':
        asm.assertEq(at(ins.args[0]), at(ins.args[1]), ins.message);
        break;
      case 'output':
        asm.output(at(ins.args[0]), ins.index);
        break;
      case 'loop': {
        // The runtime/vm/costs.ts loop shape: `set counter #count`, the body, `addi counter #−1`, `branch counter`.
        // Counting down, the loop's value is the counter itself.
        const index = ins.down ? -1 : dest(id);
        const counter = asm.alloc();
        addr[id] = ins.down ? counter : index;
        if (!ins.down) asm.set(addr[id]!, 0);
        asm.set(counter, ins.count);
        loops.set(id, { counter, top: asm.here(), step: ins.step, from: id, down: ins.down === true });
        open.push(id);
        break;
      }
      case 'var':
        addr[id] = asm.alloc();
        if (ins.args.length === 1) asm.mov(addr[id]!, at(ins.args[0]));
        break;
      case 'store':
        if (into.get(ins.args[1]) !== ins.args[0]) asm.mov(at(ins.args[0]), at(ins.args[1]));
        break;
      case 'endloop': {
        const loop = loops.get(ins.args[0]);
        if (!loop || open.pop() !== ins.args[0]) throw new Error(`codegen: %${id} ends a loop that is not the innermost open one`);
        if (!loop.down) asm.addi(at(ins.args[0]), at(ins.args[0]), loop.step);
        asm.addi(loop.counter, loop.counter, P - 1);
        asm.branch(loop.counter, loop.top);
        closed.push({ from: loop.from, to: id });
        break;
      }
    }
    for (let pc = start; pc < asm.pc; pc++) regionOfPc[pc] = ins.region;
  });
  if (open.length > 0) throw new Error('codegen: a loop is never closed');
  // A value that varies between a loop's iterations (the iteration word, the tape, and what depends on them) is
  // rewritten every iteration: only the loop itself may read it. Values that do not vary may be shared (the
  // passes merge identical instructions), since the loop runs at least once.
  const varies = new Set<number>();
  f.instrs.forEach((ins, id) => {
    const inLoop = closed.some((l) => id >= l.from && id < l.to);
    const rewritten = ins.op === 'loop' || ins.op === 'read' || ins.op === 'merkle' || ins.op === 'var' || readsVariable(f.instrs, ins);
    if (inLoop && (rewritten || operands(ins).some((a) => varies.has(a)))) varies.add(id);
    for (const a of operands(ins)) {
      if (!varies.has(a)) continue;
      const inner = closed.find((l) => a >= l.from && a < l.to && !(id > l.from && id <= l.to));
      if (inner) throw new Error(`codegen: %${id} uses %${a}, which varies in the loop %${inner.from}, after it ends`);
    }
  });
  const regions: Region[] = [];
  regionOfPc.forEach((r, pc) => {
    const last = regions[regions.length - 1];
    const info = f.regions[r]!;
    if (last && last.to === pc && last.kind === info.kind && last.name === info.name) regions[regions.length - 1] = { ...last, to: pc + 1 };
    else if (info.kind !== 'program') regions.push({ kind: info.kind, name: info.name, at: info.at, from: pc, to: pc + 1 });
  });
  asm.halt();
  return { program: asm.build(), addresses: addr, regions, traps };
}

/** The instructions that write a value codegen gives a fresh word (what `dest` may place in a variable's word). */
const FRESH = new Set(['read', 'input', 'wide', 'add', 'sub', 'mul', 'eq', 'scale', 'hash', 'lane', 'pack', 'mac', 'fadd', 'mma', 'tobf16', 'merkle', 'advice']);

/**
 * value → variable, for each `store v, x` that directly follows x's definition when every other reader of x comes
 * before the next store to v (in program order; a later iteration recomputes x before reading it again).
 */
function storedInPlace(f: IrFunction): Map<number, number> {
  const readers: number[][] = f.instrs.map(() => []);
  f.instrs.forEach((ins, id) => {
    for (const a of operands(ins)) readers[a]!.push(id);
  });
  const stores = new Map<number, number[]>();
  f.instrs.forEach((ins, id) => {
    // `macw` rewrites its accumulator variable as a store does.
    if (ins.op === 'store' || ins.op === 'macw') stores.set(ins.args[0], [...(stores.get(ins.args[0]) ?? []), id]);
  });
  const into = new Map<number, number>();
  f.instrs.forEach((ins, s) => {
    if (ins.op !== 'store') return;
    const [v, x] = ins.args;
    if (x !== s - 1 || !FRESH.has(f.instrs[x]!.op) || into.has(x)) return;
    const next = stores.get(v)!.find((t) => t > s) ?? Infinity;
    if (readers[x]!.every((r) => r === s || r < next)) into.set(x, v);
  });
  return into;
}
