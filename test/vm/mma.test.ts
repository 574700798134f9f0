// The `mma` instruction and the zkVM's tensor-core chip (runtime/vm/chips/mma.ts): one instruction per dot product
// streams its rows from memory into the chip; the VM's result equals the reference bf16MmaDot bit for bit (specials
// included); a proof verifies; a claimed result one ulp off, a chip cell changed alone, or a forged operand is
// rejected; malformed instructions are refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConformanceText } from '../../runtime/conformance/vectors.ts';
import { zpol } from '../helpers.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { machine, machineMmaGroups, proveExecution, tableNames, verifyExecution, vmTraces } from '../../runtime/vm/machine.ts';
import { programProblem } from '../../runtime/vm/program.ts';
import { formatInstruction } from '../../runtime/vm/isa.ts';
import { f32FromWord, f32Word } from '../../runtime/vm/chips/mac.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { vmMmaAir, mmaGroups } from '../../runtime/vm/chips/mma.ts';
import { brokenConstraints, busMessages } from '../../runtime/vm/chips/fp/row-check.ts';
import { mmaBusTables } from '../../runtime/vm/chips/fp/bf16-mma-tables.ts';
import { bf16MmaDot } from '../../runtime/fp/mma.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

let seed = 17;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const SPECIALS = [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0x0001, 0x807f, 0x7f7f, 0xff7f, 0x0080];
/** A bf16 near 1 (long sums stay finite), either sign, or a special with probability `share`. */
const bf16 = (share: number) => (rand() < share ? SPECIALS[Math.floor(rand() * SPECIALS.length)]! : (rand() < 0.5 ? 0x8000 : 0) | ((118 + Math.floor(rand() * 18)) << 7) | Math.floor(rand() * 128));
const vector = (k: number, share = 0) => Array.from({ length: k }, () => bf16(share));
const rowWords = (v: readonly number[]): Word[] => Array.from({ length: v.length / 8 }, (_, w) => v.slice(8 * w, 8 * w + 8));

/** A program that reads each dot product's rows from the tape into consecutive words and outputs its `mma`. */
function mmaProgram(dots: readonly { a: number[]; b: number[]; same?: boolean }[]) {
  const asm = new Assembler(0, dots.length);
  const tape: Word[] = [];
  dots.forEach(({ a, b, same }, d) => {
    const A = asm.allocArray(a.length / 8);
    rowWords(a).forEach((w, i) => (asm.read(A + i), tape.push(w)));
    let B = A;
    if (!same) {
      B = asm.allocArray(b.length / 8);
      rowWords(b).forEach((w, i) => (asm.read(B + i), tape.push(w)));
    }
    const out = asm.alloc();
    asm.mma(out, A, B, a.length / 16);
    asm.output(out, d);
  });
  asm.halt();
  return { program: asm.build(), tape };
}

describe('mma: one instruction computes the tensor-core dot product', () => {
  it('equals bf16MmaDot on random rows, with specials, shared rows and K from 16 to 256', () => {
    const dots: { a: number[]; b: number[]; same?: boolean }[] = [];
    for (const k of [16, 32, 48, 64, 128, 256]) for (const share of [0, 0.05, 0.3]) dots.push({ a: vector(k, share), b: vector(k, share) });
    const x = vector(64);
    dots.push({ a: x, b: x, same: true });
    const { program, tape } = mmaProgram(dots);
    const exec = execute(program, { privateInputs: tape });
    expect(exec.publicOutputs.map(f32FromWord)).toEqual(dots.map((d) => bf16MmaDot(d.a, d.b).acc >>> 0));
    expect(exec.mma.map((op) => op.n)).toEqual(dots.map((d) => d.a.length / 16));
    // One CPU row per dot product, whatever K is.
    expect(exec.steps.filter((s) => s.ins.op === 'mma')).toHaveLength(dots.length);
    expect(formatInstruction(program.instructions.find((i) => i.op === 'mma')!)).toMatch(/^mma \[\d+\], \[\d+\], \[\d+\], #1$/);
  });

  it('traps on a lane that is not a bf16, and refuses rows past memory or zero operations', () => {
    const asm = new Assembler();
    const A = asm.allocArray(2);
    asm.read(A);
    asm.read(A + 1);
    const out = asm.alloc();
    asm.mma(out, A, A, 1);
    asm.halt();
    const program = asm.build();
    expect(() => execute(program, { privateInputs: [[0x10000, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]] })).toThrow(VmError);
    expect(programProblem({ ...program, instructions: program.instructions.map((i) => (i.op === 'mma' ? { ...i, a: program.memorySize - 1 } : i)) })).toMatch(/run past memory/);
    expect(programProblem({ ...program, instructions: program.instructions.map((i) => (i.op === 'mma' ? { ...i, imm: 0 } : i)) })).toMatch(/tensor-core operations/);
  });

  it('picks the slots per row that commit the fewest cells, zero-knowledge extension included', () => {
    expect(mmaGroups(1)).toBe(1);
    // Short traces pay a zero-knowledge extension of 2^z with z up to 5 (system.ts zkLayout's doubling): 12
    // operations go on 16 rows of one slot rather than 4 rows of 3.
    expect(mmaGroups(12)).toBe(1);
    // bf16_mma_dot.tv's 9,258 operations: 2,048 rows of 5 slots, tall enough for the small randomiser at the
    // degree-32 budget (n + 58 cells a column, quotient chunks n + 88 at 28 queries), rather than 256 rows of 37 doubled.
    expect(mmaGroups(9258)).toBe(5);
    for (const ops of [1, 7, 100, 1000, 9258, 100_000]) expect(mmaGroups(ops)).toBeLessThanOrEqual(64);
  });

  it('counts an `mma` in a bounded loop once per iteration (the compiler’s sample loop)', () => {
    const body = (asm: Assembler) => {
      const A = asm.allocArray(4);
      const out = asm.alloc();
      asm.mma(out, A, A, 2);
    };
    const looped = new Assembler();
    looped.loop(600, () => body(looped));
    looped.halt();
    const once = new Assembler();
    body(once);
    once.halt();
    expect(machineMmaGroups(looped.build())).toBe(mmaGroups(1200));
    expect(machineMmaGroups(once.build())).toBe(mmaGroups(2));
    expect(mmaGroups(1200)).toBeGreaterThan(mmaGroups(2));
  });
});

describe('mma: proofs', () => {
  // Three dot products: K = 32 with a NaN, K = 48, and K = 16 with an infinity (six operations, one per row).
  const dots = [
    { a: [...vector(31), 0x7fc0], b: vector(32) },
    { a: vector(48), b: vector(48) },
    { a: [0x7f80, ...vector(15)], b: vector(16) },
  ];
  const { program, tape } = mmaProgram(dots);
  const exec = execute(program, { privateInputs: tape });
  const m = machine(program, plainPcs as never);
  const names = tableNames(program);
  const chipAt = names.indexOf('bf16-mma');

  it('a run proves and verifies, and not against a result one ulp off', () => {
    expect(exec.publicOutputs.map(f32FromWord)).toEqual([0x7fffffff, bf16MmaDot(dots[1]!.a, dots[1]!.b).acc >>> 0, bf16MmaDot(dots[2]!.a, dots[2]!.b).acc >>> 0]);
    const proof = proveExecution(m, exec, { seed: 'mma' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const wrong = f32Word(f32FromWord(exec.publicOutputs[1]!) ^ 1);
    expect(verifyExecution(m, exec.publicInputs, [exec.publicOutputs[0]!, wrong, exec.publicOutputs[2]!], proof.stark).ok).toBe(false);
  }, 120_000);

  it('a CPU that claims another result than the chip does not verify', () => {
    // The CPU's claim one ulp off (its C, the output row's read, the final memory and the public output).
    const traces = vmTraces(exec);
    const cpu = traces[names.indexOf('cpu')]!;
    const mmaRow = exec.steps.findIndex((s) => s.ins.op === 'mma' && s.ins.imm === 3);
    const outRow = exec.steps.findIndex((s, i) => i > mmaRow && s.ins.op === 'output');
    const claimed = f32Word(f32FromWord(exec.publicOutputs[1]!) ^ 1);
    for (const lane of [0, 1]) {
      cpu.set(mmaRow, CPU.slotC.newVal + lane, claimed[lane]!);
      cpu.set(outRow, CPU.slotA.val + lane, claimed[lane]!);
      traces[names.indexOf('memory')]!.set(exec.steps[mmaRow]!.ins.c, lane, claimed[lane]!);
    }
    const outputs = [exec.publicOutputs[0]!, claimed, exec.publicOutputs[2]!];
    // Proven for the claimed outputs: a proof made for exec's own outputs would fail on them whatever the AIR says.
    const forged = proveExecution(m, { ...exec, publicOutputs: outputs }, { seed: 'cheat', traces, skipChecks: true });
    expect(verifyExecution(m, exec.publicInputs, outputs, forged.stark).ok).toBe(false);
  }, 120_000);

  it('no cell of the chip changes alone: a constraint breaks, a lookup leaves its table, or a message to the CPU or memory changes', () => {
    const groups = mmaGroups(6);
    const air = vmMmaAir(groups);
    const chip = vmTraces(exec)[chipAt]!;
    const rows = Array.from({ length: chip.height }, (_, r) => [...chip.row(r)]);
    const messages = busMessages(air);
    const tables = mmaBusTables();
    const tableBuses = new Set(tables.map((t) => t.bus));
    const vmBuses = [33, 42, 38, 16];
    const said = (row: readonly number[]) => vmBuses.map((bus) => messages(bus).map((ms) => ms.map((f) => f(row)).join(',')).join(';')).join('|');
    const inTables = (row: readonly number[]) => tables.every((t) => messages(t.bus).every((ms) => t.has(ms.map((f) => f(row)))));
    expect(tableBuses.size).toBeGreaterThan(0);
    let checked = 0;
    // Row 1 holds the second dot product's operations; every column of the row, moved by +1 and by −1.
    const r = 1;
    for (let col = 0; col < air.width; col++) {
      for (const delta of [1, -1]) {
        const forged = rows.map((x) => [...x]);
        forged[r]![col] = (forged[r]![col]! + delta + 0x78000001) % 0x78000001;
        const broken = brokenConstraints(air, Matrix.fromRows(forged)).some((b) => b.length > 0);
        const caught = broken || !inTables(forged[r]!) || said(forged[r]!) !== said(rows[r]!);
        if (!caught) throw new Error(`column ${col} moved by ${delta} on row ${r} goes unnoticed`);
        checked++;
      }
    }
    expect(checked).toBe(2 * air.width);
  }, 120_000);
});

describe('zpol conformance bf16_mma_dot --prove --vm', () => {
  const lines = readConformanceText('bf16_mma_dot').split('\n').filter((l) => l.startsWith('16 ')).slice(0, 2);

  it('proves the dot products with one `mma` each and prints the cells per MAC of the file in the zkVM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-mma-'));
    const file = join(dir, 'small.tv');
    writeFileSync(file, lines.join('\n') + '\n');
    const { status, stdout, stderr } = zpol(['conformance', 'bf16_mma_dot', file, '--prove', '--vm'], undefined, 150_000);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^zkVM proof: verified, the first 2 of 2 dot products \(one `mma` each\), 32 MACs/m);
    expect(stdout).toMatch(/^cells per MAC: \d+(\.\d+)? \(the whole file in the zkVM: 2 dot products, 32 MACs, .* polynomial constraints and [\d.]+ bus messages per MAC\)$/m);
    expect(stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(status).toBe(0);
    // An ACC one ulp off: the reference and the chip refuse it, and the zkVM program's assertion fails: nothing is proven.
    const [k, ...fields] = lines[0]!.trim().split(/\s+/);
    const acc = fields[32]!;
    fields[32] = ((parseInt(acc, 16) ^ 1) >>> 0).toString(16).toUpperCase().padStart(8, '0');
    writeFileSync(file, [k, ...fields].join(' ') + '\n');
    const bad = zpol(['conformance', 'bf16_mma_dot', file, '--prove', '--vm'], undefined, 150_000);
    expect(bad.stdout).toMatch(/^zkVM proof: FAILED \(.*ACC/m);
    expect(bad.stdout).toMatch(/^0 passed, 1 failed$/m);
    expect(bad.status).toBe(1);
  }, 300_000);
});
