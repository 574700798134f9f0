// The `fadd` instruction and the zkVM's f32 adder (runtime/vm/chips/fadd.ts), which `order: blocked(B)` needs: the
// VM's addition equals addF32 bit for bit (specials included); a blocked dot product built of `mac` chains and
// `fadd`s equals bf16Dot in blocked(B) order and proves; a result one ulp off, a forged block sum, a CPU claiming
// another sum and a chip cell changed alone are each rejected.
import { describe, expect, it } from 'vitest';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { LIMBED, machine, proveExecution, tableNames, verifyExecution, vmTraces } from '../../runtime/vm/machine.ts';
import { RangeCounter } from '../../runtime/vm/chips/range.ts';
import { bf16PairWord, f32FromWord, f32Word } from '../../runtime/vm/chips/mac.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { FADD_CHIP_COLUMNS, FADD_COLS, faddChip, faddExecute } from '../../runtime/vm/chips/fadd.ts';
import { F32_ONE, f32AddChip } from '../../runtime/vm/chips/fp/f32-arith.ts';
import { brokenConstraints, busMessages } from '../../runtime/vm/chips/fp/row-check.ts';
import { vmBusTables } from '../../runtime/vm/lookup-buses.ts';
import { BYTE_BUS, FADD_BUS } from '../../runtime/vm/buses.ts';
import { addF32 } from '../../runtime/fp/f32.ts';
import { bf16Dot, blocked } from '../../runtime/fp/bf16.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { WitnessError } from '../../runtime/proof/stark/prover.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

let seed = 23;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const F32_SPECIALS = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 1, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x3f800000, 0xbf800000, 0x3f800001];
const randomF32 = () => (rand() < 0.3 ? F32_SPECIALS[Math.floor(rand() * F32_SPECIALS.length)]! : Math.floor(rand() * 2 ** 32) >>> 0);
/** A bf16 near 1, either sign: partial sums that cancel often enough to show the order. */
const bf16 = () => ((rand() < 0.5 ? 0x8000 : 0) | ((120 + Math.floor(rand() * 12)) << 7) | Math.floor(rand() * 128)) >>> 0;

/** A program computing the blocked(B) dot product of the K pairs on the tape with `mac` chains and `fadd`s, outputting it. */
function blockedProgram(a: readonly number[], b: readonly number[], B: number) {
  const asm = new Assembler(0, 1);
  const zero = asm.alloc();
  const pair = asm.alloc();
  const acc = asm.alloc();
  const part = asm.alloc();
  asm.set(zero, 0); // f32 +0 is the word (0, 0, …)
  const tape: Word[] = [];
  for (let lo = 0; lo < a.length; lo += B) {
    const into = lo === 0 ? acc : part;
    for (let k = lo; k < Math.min(lo + B, a.length); k++) {
      asm.read(pair);
      tape.push(bf16PairWord(a[k]!, b[k]!));
      asm.mac(into, pair, k === lo ? zero : into);
    }
    if (lo > 0) asm.fadd(acc, acc, part);
  }
  asm.output(acc, 0);
  asm.halt();
  return { program: asm.build(), tape };
}

describe('fadd: the VM adds f32 words as addF32 does', () => {
  it('equals addF32 on every pair of specials and on random patterns', () => {
    const pairs: [number, number][] = [];
    for (const x of F32_SPECIALS) for (const y of F32_SPECIALS) pairs.push([x, y]);
    for (let i = 0; i < 300; i++) pairs.push([randomF32(), randomF32()]);
    for (const [x, y] of pairs) {
      const r = faddExecute(f32Word(x), f32Word(y));
      expect(r.ok && f32FromWord(r.c)).toBe(addF32(x, y) >>> 0);
      // The chip's row computes the same sum.
      expect(f32AddChip.result(f32AddChip.row(x, F32_ONE, y))).toBe(addF32(x, y) >>> 0);
    }
  });

  it('traps on a half that is not below 2^16', () => {
    expect(faddExecute([0x10000, 0, 0, 0, 0, 0, 0, 0], f32Word(0)).ok).toBe(false);
    expect(faddExecute(f32Word(0), [0, 0x10000, 0, 0, 0, 0, 0, 0]).ok).toBe(false);
  });

  it('mac chains and fadds compute bf16Dot in blocked(B) order, which differs from sequential', () => {
    let differ = 0;
    for (const [K, B] of [[12, 4], [13, 4], [9, 1], [16, 5], [7, 7], [6, 10]] as const) {
      for (let t = 0; t < 8; t++) {
        const a = Array.from({ length: K }, bf16);
        const b = Array.from({ length: K }, bf16);
        const { program, tape } = blockedProgram(a, b, B);
        const got = f32FromWord(execute(program, { privateInputs: tape }).publicOutputs[0]!);
        expect(got).toBe(bf16Dot(a, b, blocked(B)).acc >>> 0);
        if (got !== bf16Dot(a, b).acc >>> 0) differ++;
      }
    }
    expect(differ).toBeGreaterThan(5);
  });

  it('and on specials: a −0 block sum taken as it is, infinities, a NaN, subnormal products', () => {
    // (−2^−133)·2^−133 rounds to −0 from +0: a first block of such products is −0, kept (adding it to +0 would give +0).
    const tiny = [0x8001, 0x8001, 0x8001, 0x8001];
    const cases: [number[], number[], number][] = [
      [[...tiny, ...tiny], Array<number>(8).fill(0x0001), 4],
      [[...tiny, 0x8000, 0x8000], Array<number>(6).fill(0x0001), 4],
      [[0x7f80, 0x3f80, 0x3f80, 0xff80, 0x3f80], [0x3f80, 0x3f80, 0x3f80, 0x3f80, 0x3f80], 2],
      [[0x7f80, 0x3f80, 0x7fc0, 0x3f80], [0x3f80, 0x3f80, 0x3f80, 0x3f80], 3],
      [[0x0001, 0x0080, 0x8080, 0x007f, 0x3f80, 0xbf80], [0x7f7f, 0x3f80, 0x3f80, 0x4000, 0x0001, 0x0001], 2],
    ];
    const outs = cases.map(([a, b, B]) => {
      const { program, tape } = blockedProgram(a, b, B);
      const got = f32FromWord(execute(program, { privateInputs: tape }).publicOutputs[0]!);
      expect(got).toBe(bf16Dot(a, b, blocked(B)).acc >>> 0);
      return got;
    });
    expect(outs[0]).toBe(0x80000000);
    expect(outs[2]).toBe(0x7fc00000);
  });
});

describe('fadd: proofs', () => {
  // K = 12 in blocks of 4: 12 macs, two fadds.
  const a = Array.from({ length: 12 }, bf16);
  const b = Array.from({ length: 12 }, bf16);
  const { program, tape } = blockedProgram(a, b, 4);
  const exec = execute(program, { privateInputs: tape });
  const m = machine(program, plainPcs as never);
  const names = tableNames(program);
  const faddAt = names.indexOf('f32-add');

  it('the machine has the adder and its tables only with fadd; a run proves and verifies, and not against a result one ulp off', () => {
    expect(names).toEqual(expect.arrayContaining(['f32-add', 'pow2-12']));
    expect(tableNames(blockedProgram(a, b, 12).program)).not.toContain('f32-add');
    expect(f32FromWord(exec.publicOutputs[0]!)).toBe(bf16Dot(a, b, blocked(4)).acc >>> 0);
    const proof = proveExecution(m, exec, { seed: 'fadd' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    const wrong = f32Word(f32FromWord(exec.publicOutputs[0]!) ^ 1);
    expect(verifyExecution(m, exec.publicInputs, [wrong], proof.stark).ok).toBe(false);
  }, 120_000);

  /** Proves with the last fadd's result `claimed` in the CPU (its C, the output's read, the final memory, the public output) and, when given, the chip row replaced. */
  function cheat(claimed: number, chipRow?: number[]) {
    const traces = vmTraces(exec);
    const cpu = traces[names.indexOf('cpu')]!;
    const addRow = exec.steps.map((s) => s.ins.op).lastIndexOf('fadd');
    const outRow = exec.steps.findIndex((s) => s.ins.op === 'output');
    const w = f32Word(claimed);
    for (const lane of [0, 1]) {
      cpu.set(addRow, CPU.slotC.newVal + lane, w[lane]!);
      cpu.set(outRow, CPU.slotA.val + lane, w[lane]!);
      traces[names.indexOf('memory')]!.set(exec.steps[addRow]!.ins.c, lane, w[lane]!);
    }
    if (chipRow) chipRow.forEach((v, col) => traces[faddAt]!.set(exec.fadd.length - 1, col, v));
    // Proven for the claimed output: a proof made for exec's own output would fail on it whatever the AIR says.
    const proof = proveExecution(m, { ...exec, publicOutputs: [w] }, { seed: 'cheat', traces, skipChecks: true });
    return verifyExecution(m, exec.publicInputs, [w], proof.stark);
  }
  const last = exec.fadd[exec.fadd.length - 1]!;

  it('a CPU that claims another sum than the chip does not verify', () => {
    expect(cheat((last.out ^ 1) >>> 0).ok).toBe(false);
  }, 120_000);

  it('a forged block sum (the chip row an honest addition of another partial, the CPU claiming its result) does not verify', () => {
    const forgedPartial = (last.y ^ 0x100) >>> 0;
    const claimed = addF32(last.x, forgedPartial) >>> 0;
    expect(claimed).not.toBe(last.out);
    const row = [...LIMBED.fadd.extend(faddChip.trace([{ x: last.x, y: forgedPartial, out: claimed }], new RangeCounter())).row(0)];
    expect(cheat(claimed, row).ok).toBe(false);
  }, 120_000);

  it('a chip row whose sum is one ulp off breaks its constraints (the honest prover refuses it)', () => {
    const traces = vmTraces(exec);
    traces[faddAt]!.set(exec.fadd.length - 1, FADD_COLS.ol, (traces[faddAt]!.get(exec.fadd.length - 1, FADD_COLS.ol) ^ 1) >>> 0);
    expect(() => proveExecution(m, exec, { seed: 'cheat', traces })).toThrow(WitnessError);
  }, 120_000);

  it('no cell of the chip changes alone: a constraint breaks, a lookup leaves its table, or the message to the CPU changes', () => {
    const limbed = vmTraces(exec)[faddAt]!;
    const air = LIMBED.fadd.air;
    const rows = Array.from({ length: limbed.height }, (_, r) => [...limbed.row(r)]);
    const messages = busMessages(air);
    const tables = vmBusTables(program).filter((t) => t.bus !== FADD_BUS);
    const lookups = (row: readonly number[]) => tables.every((t) => messages(t.bus).every((ms) => t.has(ms.map((f) => f(row)))));
    // The message to the CPU and its multiplicity (the mult column).
    const said = (row: readonly number[]) => `${messages(FADD_BUS).map((ms) => ms.map((f) => f(row)).join(',')).join(';')} × ${row[FADD_COLS.mult]}`;
    expect(messages(BYTE_BUS).length).toBeGreaterThan(0);
    const r = exec.fadd.length - 1;
    for (let col = 0; col < air.width; col++) {
      for (const delta of [1, -1]) {
        const forged = rows.map((x) => [...x]);
        forged[r]![col] = (forged[r]![col]! + delta + 0x78000001) % 0x78000001;
        const broken = brokenConstraints(air, Matrix.fromRows(forged)).some((x) => x.length > 0);
        if (!(broken || !lookups(forged[r]!) || said(forged[r]!) !== said(rows[r]!))) throw new Error(`column ${col} moved by ${delta} goes unnoticed`);
      }
    }
    expect(air.width).toBeGreaterThan(FADD_CHIP_COLUMNS);
  }, 120_000);
});
