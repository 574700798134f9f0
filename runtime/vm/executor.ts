/**
 * The executor: runs a program on its inputs and records everything the chips' traces are made of. It is the
 * single source of the witness; the trace generators lay out what it recorded and never recompute results
 * differently (the wide-integer results come from chips/wide.ts's reference, digests from hash/poseidon2.ts,
 * multiply-accumulates from runtime/fp/bf16.ts's bf16Mac through chips/mac.ts, f32 → bf16 conversions from
 * runtime/fp/bf16.ts's f32ToBf16 through chips/to-bf16.ts, f32 additions from runtime/fp/f32.ts's addF32 through
 * chips/fadd.ts).
 *
 * Timestamps: the memory slots of the instruction at cycle clk access memory at 3·clk + 1 (A), 3·clk + 2 (B)
 * and 3·clk + 3 (C); timestamp 0 is the initial memory. `mma` reads its operand rows in the tensor-core chip at
 * slot A's time (the a row) and slot B's (the b row), which it leaves unused in the CPU. So an instruction that reads and writes one address
 * reads it first, and every access to an address is strictly later than the one before.
 */
import * as F from '../proof/field/babybear.ts';
import { compressPair, poseidon2 as poseidon2Hash } from '../proof/hash/poseidon2.ts';
import { WIDE_OPS, WORD, type WideOp } from './buses.ts';
import { ADVICE, MAX_LOG_CYCLES, MMA_WORDS_PER_OP, SLOTS, formatInstruction, type Instruction } from './isa.ts';
import { programProblem, type Program } from './program.ts';
import { fieldWord, isWord, wideValue, wideWord, ZERO_WORD, type Word } from './word.ts';
import { wideExecute, type WideRow } from './chips/wide.ts';
import type { MerkleOp } from './chips/merkle.ts';
import { f32Word, macExecute, maclExecute, macwExecute, type MacOp } from './chips/mac.ts';
import { toBf16Execute, type ToBf16Op } from './chips/to-bf16.ts';
import { mmaExecute, type MmaOp } from './chips/mma.ts';
import { faddExecute, type FaddOp } from './chips/fadd.ts';
import type { Poseidon2Op } from './chips/poseidon2.ts';
import { inv as extInv, isZero as isExtZero, mul as extMul, type Ext } from '../proof/field/extension.ts';

export { MAX_LOG_CYCLES } from './isa.ts';

export interface CpuStep {
  readonly clk: number;
  readonly pc: number;
  readonly ins: Instruction;
  /** Word read by slot A (zero when unused), and the timestamp of that address's previous access. */
  readonly a: Word;
  readonly aPrev: number;
  readonly b: Word;
  readonly bPrev: number;
  /** Word at c before and after the write. */
  readonly cOld: Word;
  readonly cNew: Word;
  readonly cPrev: number;
  /** The inverse of the tested value (eq: a₀ − b₀, branch: a₀), or 0 when it is zero. */
  readonly inv: number;
}

export interface Execution {
  readonly program: Program;
  /** Executed instructions, the final halt included. */
  readonly steps: readonly CpuStep[];
  /** How often each pc was executed. */
  readonly pcCounts: Uint32Array;
  /** Final memory and the timestamp of each address's last access (0: never accessed). */
  readonly finalMemory: readonly Word[];
  readonly finalTimestamps: Uint32Array;
  readonly wide: readonly WideRow[];
  readonly poseidon2: readonly Poseidon2Op[];
  readonly merkle: readonly MerkleOp[];
  /** Every `mac`, in execution order. */
  readonly mac: readonly MacOp[];
  /** Every `tobf16`, in execution order. */
  readonly tobf16: readonly ToBf16Op[];
  /** Every `mma`, in execution order. */
  readonly mma: readonly MmaOp[];
  /** Every `fadd`, in execution order. */
  readonly fadd: readonly FaddOp[];
  readonly publicInputs: readonly Word[];
  readonly publicOutputs: readonly Word[];
  /**
   * Only for a run executed in segments (`stopAfter`, runtime/vm/segments.ts): the machine state this segment
   * started from and the one it ended in, and whether it ended by halting. Timestamps and the clock are the
   * segment's own (from 0); a segment's public outputs are those written so far (null: not yet).
   */
  readonly segment?: { readonly start: MachineState; readonly end: MachineState; readonly halted: boolean };
}

/**
 * What a run carries from one segment to the next: the pc, every memory word, how much of the private tape it
 * consumed, which public inputs and outputs it has read and written, and the outputs written.
 */
export interface MachineState {
  readonly pc: number;
  readonly memory: readonly Word[];
  readonly tapePos: number;
  readonly io: Uint8Array;
  readonly outputs: readonly (Word | null)[];
}

export interface ExecutionInputs {
  readonly publicInputs?: readonly Word[];
  /** The private tape: `read` takes the next word, `merkle` one sibling word per level. */
  readonly privateInputs?: readonly Word[];
  /** Stop with an error after this many cycles (default and most 2^22). */
  readonly maxCycles?: number;
  /**
   * Execute one segment: stop after this many cycles without an error if the program has not halted (at most
   * maxCycles), and record the state to continue from in `segment`.
   */
  readonly stopAfter?: number;
  /** Continue a run from this state (a later segment): the pc, memory, tape position and I/O it ended in. */
  readonly from?: MachineState;
}

export type VmErrorKind = 'assertion' | 'trap' | 'input' | 'limit' | 'program' | 'segments';

/** A run that cannot be proven: which instruction, why, and for a failed assertion its message. */
export class VmError extends Error {
  constructor(
    message: string,
    readonly kind: VmErrorKind,
    readonly pc: number,
    /** The assertion's message id (an index into program.messages), for kind 'assertion'. */
    readonly messageId?: number,
  ) {
    super(message);
    this.name = 'VmError';
  }
}

const WIDE_BY_CODE = new Map<number, WideOp>(Object.entries(WIDE_OPS).map(([name, code]) => [code, name as WideOp]));

/** The advice of kind `kind` (isa.ts ADVICE) for the integers x and y; null for an unknown kind. */
export function adviceValue(kind: number, x: bigint, y: bigint): bigint | null {
  const gcd = (p: bigint, q: bigint): bigint => {
    while (q !== 0n) [p, q] = [q, p % q];
    return p;
  };
  switch (kind) {
    case ADVICE.div:
      return y === 0n ? 0n : x / y;
    case ADVICE.mod:
      return y === 0n ? 0n : x % y;
    case ADVICE.gcd:
      return gcd(x, y);
    case ADVICE.modInverse: {
      // u with u·x ≡ 1 (mod y), by the extended Euclidean algorithm; 0 when there is none.
      if (y <= 1n) return 0n;
      let [r0, r1, s0, s1] = [x % y, y, 1n, 0n];
      while (r1 !== 0n) {
        const q = r0 / r1;
        [r0, r1] = [r1, r0 - q * r1];
        [s0, s1] = [s1, s0 - q * s1];
      }
      if (r0 !== 1n) return 0n;
      return ((s0 % y) + y) % y;
    }
    default:
      return null;
  }
}

export function execute(program: Program, inputs: ExecutionInputs = {}): Execution {
  const problem = programProblem(program);
  if (problem) throw new VmError(`malformed program: ${problem}`, 'program', -1);
  const publicInputs = inputs.publicInputs ?? [];
  const tape = inputs.privateInputs ?? [];
  if (publicInputs.length !== program.publicInputs) {
    throw new VmError(`the program takes ${program.publicInputs} public input words, got ${publicInputs.length}`, 'input', -1);
  }
  publicInputs.forEach((w, i) => {
    if (!isWord(w)) throw new VmError(`public input ${i} is not a word of ${WORD} field elements`, 'input', -1);
  });
  const maxCycles = Math.min(inputs.maxCycles ?? 2 ** MAX_LOG_CYCLES, 2 ** MAX_LOG_CYCLES);

  const from = inputs.from;
  const segmented = inputs.stopAfter !== undefined || from !== undefined;
  const memory: Word[] = from ? [...from.memory] : new Array<Word>(program.memorySize).fill(ZERO_WORD);
  if (!from) for (const d of program.data) memory[d.addr] = d.word;
  const start: MachineState | null = segmented ? (from ?? { pc: 0, memory: [...memory], tapePos: 0, io: new Uint8Array(program.publicInputs + program.publicOutputs), outputs: new Array<Word | null>(program.publicOutputs).fill(null) }) : null;
  const stamps = new Uint32Array(program.memorySize);
  const pcCounts = new Uint32Array(program.instructions.length);
  const steps: CpuStep[] = [];
  const wide: WideRow[] = [];
  const poseidon2: Poseidon2Op[] = [];
  const merkle: MerkleOp[] = [];
  const mac: MacOp[] = [];
  const tobf16: ToBf16Op[] = [];
  const mma: MmaOp[] = [];
  const fadd: FaddOp[] = [];
  const ioSeen = start ? start.io.slice() : new Uint8Array(program.publicInputs + program.publicOutputs);
  const outputs: (Word | null)[] = start ? [...start.outputs] : new Array<Word | null>(program.publicOutputs).fill(null);
  let tapePos = start?.tapePos ?? 0;
  const stopAfter = inputs.stopAfter ?? Infinity;
  let halted = false;
  const nextTapeWord = (pc: number, what: string): Word => {
    if (tapePos >= tape.length) throw new VmError(`pc ${pc}: ${what} needs private input word ${tapePos}, but the private tape has ${tape.length}`, 'input', pc);
    const w = tape[tapePos]!;
    if (!isWord(w)) throw new VmError(`private input ${tapePos} is not a word of ${WORD} field elements`, 'input', pc);
    tapePos++;
    return w;
  };

  let pc = start?.pc ?? 0;
  for (let clk = 0; ; clk++) {
    if (clk >= stopAfter && clk < maxCycles) break;
    if (clk >= maxCycles) throw new VmError(`the program ran ${maxCycles} cycles without halting`, 'limit', pc);
    const ins = program.instructions[pc]!;
    pcCounts[pc]!++;
    const t = 3 * clk;
    let a = ZERO_WORD;
    let aPrev = 0;
    let b = ZERO_WORD;
    let bPrev = 0;
    const op = ins.op;
    const uses = SLOTS[op];
    if (uses.a) {
      a = memory[ins.a]!;
      aPrev = stamps[ins.a]!;
      stamps[ins.a] = t + 1;
    }
    if (uses.b) {
      b = memory[ins.b]!;
      bPrev = stamps[ins.b]!;
      stamps[ins.b] = t + 2;
    }
    let result: Word | null = null;
    let inv = 0;
    let next = pc + 1;
    const fail = (kind: VmErrorKind, why: string, messageId?: number): never => {
      throw new VmError(`pc ${pc} (${formatInstruction(ins)}): ${why}`, kind, pc, messageId);
    };
    switch (op) {
      case 'halt':
        next = pc;
        break;
      case 'set':
        result = fieldWord(ins.imm);
        break;
      case 'mov':
        result = a;
        break;
      case 'add':
        result = a.map((x, i) => F.add(x, b[i]!));
        break;
      case 'sub':
        result = a.map((x, i) => F.sub(x, b[i]!));
        break;
      case 'mul':
        result = a.map((x, i) => F.mul(x, b[i]!));
        break;
      case 'addi':
        result = [F.add(a[0]!, ins.imm), ...a.slice(1)];
        break;
      case 'scale':
        result = b.map((x) => F.mul(a[0]!, x));
        break;
      case 'eq': {
        const d = F.sub(a[0]!, b[0]!);
        inv = d === 0 ? 0 : F.inv(d);
        result = fieldWord(d === 0 ? 1 : 0);
        break;
      }
      case 'jump':
        next = ins.imm;
        break;
      case 'branch':
        inv = a[0] === 0 ? 0 : F.inv(a[0]!);
        if (a[0] !== 0) next = ins.imm;
        break;
      case 'assert':
        if (a[0] !== 1) fail('assertion', `assertion failed: ${program.messages[ins.imm]}`, ins.imm);
        break;
      case 'assertEq':
        for (let i = 0; i < WORD; i++) if (a[i] !== b[i]) fail('assertion', `assertion failed: ${program.messages[ins.imm]}`, ins.imm);
        break;
      case 'wide': {
        const wop = WIDE_BY_CODE.get(ins.imm) ?? fail('program', `unknown wide operation ${ins.imm}`);
        const r = wideExecute(wop, a, b);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = r.c;
          wide.push({ op: wop, a, b, c: r.c });
        }
        break;
      }
      case 'hash': {
        // imm 0: the compression, the permuted state's first half; imm 1: its second half (a sponge's capacity).
        const input = [...a, ...b];
        const half = ins.imm === 1 ? 1 : 0;
        result = half === 0 ? Array.from(compressPair(a, b)) : Array.from(poseidon2Hash.permutation(input).slice(WORD));
        poseidon2.push({ input, half });
        break;
      }
      case 'merkle': {
        const depth = ins.imm;
        const index = b[0]!;
        if (index >= 2 ** depth) fail('trap', `Merkle index ${index} does not fit depth ${depth}`);
        const siblings: Word[] = [];
        let node: Word = a;
        for (let level = 0; level < depth; level++) {
          const sib = nextTapeWord(pc, `Merkle level ${level}`);
          siblings.push(sib);
          const right = (index >>> level) & 1;
          const [l, r] = right ? [sib, node] : [node, sib];
          poseidon2.push({ input: [...l, ...r] });
          node = Array.from(compressPair(l, r));
        }
        merkle.push({ leaf: a, index, depth, siblings, root: node });
        result = node;
        break;
      }
      case 'mac': {
        const r = macExecute(a, b);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = r.c;
          mac.push(r.op);
        }
        break;
      }
      case 'lane':
        result = [a[ins.imm]!, 0, 0, 0, 0, 0, 0, 0];
        break;
      case 'macl': {
        // The accumulator is the word at c, which the write replaces (slot C's old value).
        const r = maclExecute(a, b, memory[ins.c]!, ins.imm);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = r.c;
          mac.push(r.op);
        }
        break;
      }
      case 'macw': {
        // Eight fmas chained from the word at c (slot C's old value), one MAC-chip row each.
        const r = macwExecute(a, b, memory[ins.c]!);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = r.c;
          mac.push(...r.ops);
        }
        break;
      }
      case 'pack':
        result = [a[0]!, b[0]!, 0, 0, 0, 0, 0, 0];
        break;
      case 'emul': {
        const r = extMul([a[0]!, a[1]!, a[2]!, a[3]!], [b[0]!, b[1]!, b[2]!, b[3]!]);
        result = [r[0], r[1], r[2], r[3], 0, 0, 0, 0];
        break;
      }
      case 'fadd': {
        const r = faddExecute(a, b);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = r.c;
          fadd.push(r.op);
        }
        break;
      }
      case 'tobf16': {
        const r = toBf16Execute(a);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = r.c;
          tobf16.push(r.op);
        }
        break;
      }
      case 'mma': {
        // The chip reads the a row at slot A's time, then the b row at slot B's (the rows may overlap).
        const words = MMA_WORDS_PER_OP * ins.imm;
        const readRow = (base: number, time: number) => {
          const ws: Word[] = [];
          const prevs: number[] = [];
          for (let w = 0; w < words; w++) {
            ws.push(memory[base + w]!);
            prevs.push(stamps[base + w]!);
            stamps[base + w] = time;
          }
          return [ws, prevs] as const;
        };
        const [aWords, aPrev] = readRow(ins.a, t + 1);
        const [bWords, bPrev] = readRow(ins.b, t + 2);
        const r = mmaExecute(aWords, bWords);
        if (!r.ok) fail('trap', r.trap);
        else {
          result = f32Word(r.acc);
          mma.push({ clk, a: ins.a, b: ins.b, n: ins.imm, aWords, bWords, aPrev, bPrev, acc: r.acc });
        }
        break;
      }
      case 'advice': {
        if (ins.imm === ADVICE.limbs) {
          result = wideWord(BigInt(a[0]!));
          break;
        }
        if (ins.imm === ADVICE.bits) {
          // Bits 8·b₀ .. 8·b₀ + 7 of a₀, one per lane: a hint the program checks (bits, and their sum).
          const shift = 8 * b[0]!;
          result = Array.from({ length: WORD }, (_, i) => (shift + i < 32 ? (a[0]! >>> (shift + i)) & 1 : 0));
          break;
        }
        if (ins.imm === ADVICE.extInverse) {
          // The inverse in the quartic extension of the element in a's lanes 0..3 (0 for 0): a hint that the
          // program checks with emul.
          const v: Ext = [a[0]!, a[1]!, a[2]!, a[3]!];
          const r = isExtZero(v) ? v : extInv(v);
          result = [r[0], r[1], r[2], r[3], 0, 0, 0, 0];
          break;
        }
        let x: bigint;
        let y: bigint;
        try {
          [x, y] = [wideValue(a), wideValue(b)];
        } catch {
          fail('trap', 'advice needs two integer words');
          break;
        }
        const r = adviceValue(ins.imm, x!, y!);
        if (r === null) fail('program', `unknown advice kind ${ins.imm}`);
        result = wideWord(r!);
        break;
      }
      case 'read':
        result = nextTapeWord(pc, 'read');
        break;
      case 'input':
        if (ioSeen[ins.imm]) fail('program', `public input ${ins.imm} is read twice`);
        ioSeen[ins.imm] = 1;
        result = publicInputs[ins.imm]!;
        break;
      case 'output':
        if (ioSeen[ins.imm]) fail('program', `public output ${ins.imm - program.publicInputs} is written twice`);
        ioSeen[ins.imm] = 1;
        outputs[ins.imm - program.publicInputs] = a;
        break;
    }
    let cOld = ZERO_WORD;
    let cPrev = 0;
    let cNew = ZERO_WORD;
    if (uses.c) {
      if (result === null) throw new Error(`executor: ${op} wrote no result`);
      cOld = memory[ins.c]!;
      cPrev = stamps[ins.c]!;
      memory[ins.c] = result;
      stamps[ins.c] = t + 3;
      cNew = result;
    }
    steps.push({ clk, pc, ins, a, aPrev, b, bPrev, cOld, cNew, cPrev, inv });
    if (op === 'halt') {
      halted = true;
      break;
    }
    pc = next;
  }
  const missing = [...ioSeen].findIndex((s) => s === 0);
  if (halted && missing >= 0) {
    const what = missing < program.publicInputs ? `public input ${missing} is never read` : `public output ${missing - program.publicInputs} is never written`;
    throw new VmError(`the program halted but ${what}`, 'program', pc);
  }
  return {
    program,
    steps,
    pcCounts,
    finalMemory: memory,
    finalTimestamps: stamps,
    wide,
    poseidon2,
    merkle,
    mac,
    tobf16,
    mma,
    fadd,
    publicInputs,
    publicOutputs: outputs as Word[],
    ...(start ? { segment: { start, end: { pc, memory, tapePos, io: ioSeen, outputs }, halted } } : {}),
  };
}
