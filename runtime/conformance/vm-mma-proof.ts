/**
 * A bf16_mma_dot conformance file (conformance/README.md) in the zkVM: one `mma` instruction per dot product
 * streams the whole dot product into the tensor-core chip (runtime/vm/chips/mma.ts), whatever K is. For dot
 * product j, in file order:
 *
 *   read  A[0..K/8), read B[0..K/8)     the rows, 8 bf16 per word, into consecutive words
 *   mma   acc, A, B, #K/16              K/16 chained tensor-core operations from +0
 *   input want, j; assertEq acc, want   the file's ACC (public input j)
 *
 * A NaN conforms by class: where the file and the reference both give one, the public input is the tensor core's
 * NaN 7FFFFFFF.
 *
 * Cells per MAC (`cellsPerMac`): the committed cells (executionCosts: zero knowledge and quotient chunks included)
 * charged to the MACs over their number. Charged: the CPU and ROM rows of the `mma` instructions, the whole chip
 * table (padding included), its seven lookup tables, and the share of the byte table of the chip's memory
 * reads (4 + 4 lookups per active slot) and of the `mma` rows (their C write). `withOperandsPerMac` adds what
 * brings the operands into memory in this program: the `read` rows (CPU and ROM, one per 8 bf16 of each row) and
 * their range lookups, and the memory table. Not charged: the `input` and `assertEq` rows (the file's values).
 */
import { Assembler } from '../vm/assembler.ts';
import { execute, type Execution } from '../vm/executor.ts';
import { executionCosts, limbedMma, machine, machineMmaGroups, vmTraces, type TableCost } from '../vm/machine.ts';
import { analyze } from '../proof/air/air.ts';
import { f32Word } from '../vm/chips/mac.ts';
import type { Program } from '../vm/program.ts';
import type { Word } from '../vm/word.ts';
import type { FriPcsProof } from '../proof/pcs/index.ts';
import { proveVmTimed } from './measured-proof.ts';
import { isNaNF32 } from '../fp/f32.ts';
import { bf16MmaDot, MMA_K, MMA_NAN } from '../fp/mma.ts';
import { readVectors } from './vectors.ts';

export interface VmMmaReport {
  readonly dots: number;
  readonly total: number;
  readonly macs: number;
  readonly cycles: number;
  /** Slots per chip row, and the chip's rows. */
  readonly groups: number;
  readonly chipRows: number;
  readonly cellsPerMac: number;
  /** Cells per MAC by part (cpu and rom: the `mma` rows; chip; tables; rangeShare: the byte table's share). */
  readonly parts: Readonly<Record<string, number>>;
  readonly withOperandsPerMac: number;
  /** A chip row's polynomial constraints and bus messages (lookups, memory reads, the CPU's claim) over its 16·groups products. */
  readonly constraintsPerMac: number;
  readonly lookupsPerMac: number;
  readonly proof?: { readonly ok: boolean; readonly error?: string; readonly proveMs: number; readonly verifyMs: number; readonly bytes: number };
}

/** The program and its inputs for the first `max` dot products of a bf16_mma_dot file. */
export function vmMmaProgram(text: string, max = Infinity): { program: Program; tape: Word[]; publics: Word[]; macs: number; dots: number; total: number } {
  const all = [...readVectors('bf16_mma_dot', text)];
  const vectors = all.slice(0, max);
  const asm = new Assembler(vectors.length, 0);
  const tape: Word[] = [];
  const publics: Word[] = [];
  let macs = 0;
  vectors.forEach((v, j) => {
    const words = v.a.length / 8;
    const row = (xs: readonly number[]) => {
      const base = asm.allocArray(words);
      for (let w = 0; w < words; w++) {
        asm.read(base + w);
        tape.push(xs.slice(8 * w, 8 * w + 8));
      }
      return base;
    };
    const [A, B] = [row(v.a), row(v.b)];
    const acc = asm.alloc();
    const want = asm.alloc();
    asm.mma(acc, A, B, v.a.length / 16);
    asm.input(want, j);
    asm.assertEq(acc, want, `dot product ${j} (line ${v.line}): ACC`);
    const ref = bf16MmaDot(v.a, v.b).acc >>> 0;
    publics.push(f32Word(isNaNF32(v.acc) && isNaNF32(ref) ? MMA_NAN : v.acc >>> 0));
    macs += v.a.length;
  });
  asm.halt();
  return { program: asm.build(), tape, publics, macs, dots: vectors.length, total: all.length };
}

/** The cells charged to the MACs of an execution (module comment), by part. */
export function mmaCellsPerMac(exec: Execution, costs: readonly TableCost[], macs: number): { parts: Record<string, number>; cellsPerMac: number; withOperandsPerMac: number } {
  const cost = (name: string) => costs.find((c) => c.table === name);
  const perRow = (name: string) => {
    const c = cost(name)!;
    return c.committedCells / c.rows;
  };
  const count = (op: string) => exec.steps.filter((s) => s.ins.op === op).length;
  const [mmaRows, readRows] = [count('mma'), count('read')];
  const slots = exec.mma.reduce((s, op) => s + op.n, 0);
  // Lookups into the byte table: the chip's four reads per active slot, and one per memory access of a CPU row (its
  // slots; `mma` writes C, `read` writes C); each access's time difference is a 16-bit check (two byte limbs, in the
  // chip's or the CPU's own columns) and a byte, so the table is shared in proportion to accesses.
  const cpuAccesses = exec.steps.length * 3;
  const byte = cost('byte-range')!.committedCells;
  const accesses = 4 * slots + cpuAccesses;
  const share = (n: number) => (n / accesses) * byte;
  const parts: Record<string, number> = {
    cpu: mmaRows * perRow('cpu'),
    rom: mmaRows * perRow('program-rom'),
    chip: cost('bf16-mma')!.committedCells,
    tables: costs.filter((c) => c.table.startsWith('mma-')).reduce((s, c) => s + c.committedCells, 0),
    rangeShare: share(4 * slots + mmaRows),
  };
  const operands = readRows * (perRow('cpu') + perRow('program-rom')) + share(readRows) + cost('memory')!.committedCells;
  const total = Object.values(parts).reduce((s, x) => s + x, 0);
  const per = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Number((v / macs).toFixed(2))]));
  return { parts: per, cellsPerMac: Number((total / macs).toFixed(2)), withOperandsPerMac: Number(((total + operands) / macs).toFixed(2)) };
}

/** Executes (and with `prove`, proves and verifies) the first `max` dot products of a bf16_mma_dot file in the zkVM. */
export function proveVmMma(text: string, options: { max?: number; prove?: boolean } = {}): VmMmaReport {
  const { program, tape, publics, macs, dots, total } = vmMmaProgram(text, options.max);
  const exec = execute(program, { publicInputs: publics, privateInputs: tape });
  const m = machine<FriPcsProof>(program);
  const traces = vmTraces(exec);
  const costs = executionCosts(m, exec, traces);
  const { parts, cellsPerMac, withOperandsPerMac } = mmaCellsPerMac(exec, costs, macs);
  const groups = machineMmaGroups(program);
  const an = analyze(limbedMma(groups).air);
  const perMac = (n: number) => Number((n / (MMA_K * groups)).toFixed(2));
  const report = {
    dots, total, macs, cycles: exec.steps.length, groups, chipRows: costs.find((c) => c.table === 'bf16-mma')!.rows, cellsPerMac, parts, withOperandsPerMac,
    constraintsPerMac: perMac(an.constraints.length), lookupsPerMac: perMac(an.interactions.length),
  };
  if (!options.prove) return report;
  return { ...report, proof: proveVmTimed(m, exec, traces) };
}
