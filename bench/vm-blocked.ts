// Blocked-order dot products in the zkVM, written to bench/results/vm-blocked.json: committed cells per MAC of
// dot products computed as the compiler lowers `order: blocked(B)` (compiler/verify.ts) — the two rows read from the
// tape as row words, then per product `lane`, `lane`, `pack`, `mac` in a chain from +0 per block of B, one `fadd`
// per block after the first — against the same dot products in sequential order (B = K). Costs come from the
// execution's traces (executionCosts: zero knowledge and quotient chunks included); a small case is proven and
// verified for its time and size. --quick: fewer dot products.
//
// Charged to the MACs (`perMac`): every committed cell of the proof but the rows that bring the operands in and
// check the result (the `read`, `input`, `assertEq` rows and the memory table are `operandsPerMac`): the CPU and ROM
// rows of the lane/pack/mac/fadd instructions, the MAC chip and its pow2 table, the f32 adder and its 2^r table,
// and the byte table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Assembler } from '../runtime/vm/assembler.ts';
import { execute } from '../runtime/vm/executor.ts';
import { executionCosts, machine, vmTraces } from '../runtime/vm/machine.ts';
import { proveVmTimed } from '../runtime/conformance/measured-proof.ts';
import { f32Word } from '../runtime/vm/chips/mac.ts';
import type { Word } from '../runtime/vm/word.ts';
import { bf16Dot, blocked, SEQUENTIAL } from '../runtime/fp/bf16.ts';
import type { FriPcsProof } from '../runtime/proof/pcs/index.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

let seed = 2026;
const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));

/** `dots` dot products of length K in blocked(B) order (B ≥ K: sequential), each checked against its reference. */
function program(dots: number, K: number, B: number) {
  const asm = new Assembler(dots, 0);
  const tape: Word[] = [];
  const publics: Word[] = [];
  const zero = asm.alloc(); // f32 +0
  for (let d = 0; d < dots; d++) {
    const a = Array.from({ length: K }, bf16);
    const b = Array.from({ length: K }, bf16);
    const row = (xs: number[]) => {
      const base = asm.allocArray(K / 8);
      for (let w = 0; w < K / 8; w++) asm.read(base + w), tape.push(xs.slice(8 * w, 8 * w + 8));
      return base;
    };
    const [A, Bt] = [row(a), row(b)];
    const [x, y, pair, acc, partial, want] = Array.from({ length: 6 }, () => asm.alloc());
    for (let lo = 0; lo < K; lo += B) {
      const into = lo === 0 ? acc : partial;
      for (let k = lo; k < Math.min(lo + B, K); k++) {
        asm.lane(x, A + Math.floor(k / 8), k % 8);
        asm.lane(y, Bt + Math.floor(k / 8), k % 8);
        asm.pack(pair, x, y);
        asm.mac(into, pair, k === lo ? zero : into);
      }
      if (lo > 0) asm.fadd(acc, acc, partial);
    }
    asm.input(want, d);
    asm.assertEq(acc, want, `dot product ${d}`);
    publics.push(f32Word(bf16Dot(a, b, B >= K ? SEQUENTIAL : blocked(B)).acc >>> 0));
  }
  asm.halt();
  return { program: asm.build(), tape, publics, macs: dots * K };
}

function measure(dots: number, K: number, B: number, prove = false) {
  const { program: p, tape, publics, macs } = program(dots, K, B);
  const exec = execute(p, { publicInputs: publics, privateInputs: tape });
  const m = machine<FriPcsProof>(p);
  const traces = vmTraces(exec);
  const costs = executionCosts(m, exec, traces);
  const cost = (name: string) => costs.find((c) => c.table === name);
  const perRow = (name: string) => cost(name)!.committedCells / cost(name)!.rows;
  const count = (op: string) => exec.steps.filter((s) => s.ins.op === op).length;
  const computeRows = count('lane') + count('pack') + count('mac') + count('fadd');
  const parts: Record<string, number> = {
    cpu: computeRows * perRow('cpu'),
    rom: computeRows * perRow('program-rom'),
    mac: (cost('bf16-mac')?.committedCells ?? 0) + (cost('pow2')?.committedCells ?? 0),
    fadd: (cost('f32-add')?.committedCells ?? 0) + (cost('pow2-12')?.committedCells ?? 0),
    byte: cost('byte-range')!.committedCells,
  };
  const operandRows = count('read') + count('input') + count('assertEq') + count('set') + count('halt');
  const operands = operandRows * (perRow('cpu') + perRow('program-rom')) + cost('memory')!.committedCells;
  const total = Object.values(parts).reduce((s, x) => s + x, 0);
  const fix = (x: number) => Number(x.toFixed(2));
  const report = {
    order: B >= K ? 'sequential' : `blocked(${B})`,
    dots,
    K,
    macs,
    fadds: exec.fadd.length,
    cycles: exec.steps.length,
    perMac: fix(total / macs),
    parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, fix(v / macs)])),
    operandsPerMac: fix(operands / macs),
    committedCells: costs.reduce((s, c) => s + c.committedCells, 0),
  };
  return prove ? { ...report, proof: proveVmTimed(m, exec, traces) } : report;
}

const dots = quick ? 8 : 64;
const K = 256;
const results = [K, 1, 4, 16, 64].map((B) => measure(dots, K, B));
for (const r of results) console.log(JSON.stringify(r));
const proven = measure(quick ? 2 : 8, 64, 16, true);
console.log('proof', JSON.stringify(proven));
const out = {
  bench: 'vm-blocked',
  date: new Date().toISOString(),
  quick,
  machine: { ...machineInfo(), device: 'CPU only (TypeScript prover)' },
  results: { orders: results, proof: proven },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'vm-blocked.json'), JSON.stringify(out, null, 2) + '\n');
if (!('proof' in proven) || !proven.proof.ok) process.exit(1);
