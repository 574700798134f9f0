// The `mac` instruction and the VM's BF16 multiply-accumulate chip: a dot product computed in the VM equals the
// reference bf16Dot (sequential order) bit for bit, specials included; its proof verifies; a prover that changes
// one MAC output is rejected; and what a MAC costs in cells.
import { describe, expect, it } from 'vitest';
import { execute, VmError, type Execution } from '../../runtime/vm/executor.ts';
import { executionCosts, LIMBED, machine, proveExecution, verifyExecution, vmTraces, TABLE_NAMES } from '../../runtime/vm/machine.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { formatInstruction } from '../../runtime/vm/isa.ts';
import { decodeProgram, encodeProgram } from '../../runtime/vm/program.ts';
import { CPU } from '../../runtime/vm/chips/cpu.ts';
import { bf16PairWord, f32FromWord, f32Word, MAC_CHIP_COLUMNS, MAC_COLS } from '../../runtime/vm/chips/mac.ts';
import { dotProduct, type Case } from '../fixtures/sample-programs.ts';
import { bf16Dot, bf16Mac, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { bf16MacRow } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { wideWord, type Word } from '../../runtime/vm/word.ts';
import { WitnessError } from '../../runtime/proof/stark/prover.ts';
import type { Matrix } from '../../runtime/proof/matrix.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';

/** mulberry32: a small seeded generator for test data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const SPECIALS = {
  zero: [0x0000, 0x8000],
  inf: [0x7f80, 0xff80],
  nan: [0x7fc0, 0xffc0, 0x7f81, 0xffff], // quiet, negative quiet, signalling, all ones
  subnormal: [0x0001, 0x8001, 0x007f, 0x807f, 0x0040],
  extreme: [0x0080, 0x8080, 0x7f7f, 0xff7f, 0x0100],
};

/** A bf16 with an exponent near 1 (so long sums stay finite), either sign. */
function moderate(r: () => number): number {
  const e = 120 + Math.floor(r() * 14);
  return (r() < 0.5 ? 0x8000 : 0) | (e << 7) | Math.floor(r() * 128);
}

/** A random vector: moderate values, with a share of specials from `kinds`. */
function vector(r: () => number, n: number, kinds: readonly (keyof typeof SPECIALS)[], share: number): number[] {
  return Array.from({ length: n }, () => {
    if (kinds.length > 0 && r() < share) {
      const pool = SPECIALS[kinds[Math.floor(r() * kinds.length)]!];
      return pool[Math.floor(r() * pool.length)]!;
    }
    return moderate(r);
  });
}

function run(c: Case): Execution {
  return execute(c.program, c.inputs);
}

/** The accumulator the VM outputs, as an f32 bit pattern. */
function vmDot(a: readonly number[], b: readonly number[], unroll = false): number {
  return f32FromWord(run(dotProduct(a, b, { unroll })).publicOutputs[0]!);
}

describe('mac: the VM computes the GPU dot product bit for bit', () => {
  it('matches bf16Dot (sequential) on random vectors with specials', () => {
    const r = rng(2024);
    const cases: [number, (keyof typeof SPECIALS)[], number][] = [
      [1, [], 0],
      [2, ['zero'], 0.5],
      [7, ['subnormal', 'zero'], 0.4],
      [33, [], 0],
      [64, ['subnormal', 'zero', 'extreme'], 0.2],
      [128, ['zero', 'subnormal'], 0.1],
      [16, ['inf'], 0.1],
      [16, ['nan'], 0.1],
      [16, ['inf', 'nan', 'zero', 'subnormal', 'extreme'], 0.3],
      [256, [], 0],
    ];
    let count = 0;
    for (const [n, kinds, share] of cases) {
      for (let rep = 0; rep < 6; rep++) {
        const a = vector(r, n, kinds, share);
        const b = vector(r, n, kinds, share);
        const want = bf16Dot(a, b, SEQUENTIAL).acc >>> 0;
        expect(vmDot(a, b, rep % 2 === 1), `n = ${n}, ${kinds.join('/')}`).toBe(want);
        count++;
      }
    }
    expect(count).toBe(60);
  });

  it('signed zeros, cancellation, subnormal sums and infinities take the reference path', () => {
    const neg0 = 0x8000;
    // (−0)·(+x) summed from +0 stays +0; only −0 + −0 would give −0, and the accumulator starts at +0.
    expect(vmDot([neg0, neg0], [0x3f80, 0x3f80])).toBe(bf16Dot([neg0, neg0], [0x3f80, 0x3f80]).acc >>> 0);
    expect(vmDot([neg0, neg0], [0x3f80, 0x3f80])).toBe(0);
    // 1·1 + (−1)·1 = +0 exactly.
    expect(vmDot([0x3f80, 0xbf80], [0x3f80, 0x3f80])).toBe(0);
    // Two smallest subnormal bf16 products underflow below the f32 grid: fma(2^-133, 2^-133, +0) rounds to +0,
    // while (−2^-133)·(2^-133) rounds to −0.
    expect(vmDot([0x0001], [0x0001])).toBe(bf16Mac(0x0001, 0x0001, 0) >>> 0);
    expect(vmDot([0x8001], [0x0001])).toBe(0x80000000);
    // A subnormal product that the f32 grid keeps: 2^-70 · 2^-70 = 2^-140.
    expect(vmDot([0x1c80], [0x1c80])).toBe(bf16Dot([0x1c80], [0x1c80]).acc >>> 0);
    expect(vmDot([0x1c80], [0x1c80])).toBe(1 << 9);
    // max·max overflows to +inf; the next fma adds the exact (finite) product −max·max to +inf, which stays +inf:
    // the fused product is never rounded on its own. inf + (−inf) is NaN.
    expect(vmDot([0x7f7f], [0x7f7f])).toBe(0x7f800000);
    expect(vmDot([0x7f7f, 0x7f7f], [0x7f7f, 0xff7f])).toBe(0x7f800000);
    expect(vmDot([0x7f80, 0xff80], [0x3f80, 0x3f80])).toBe(0x7fc00000);
    // inf · 0 is NaN, and a signalling NaN input gives the canonical NaN.
    expect(vmDot([0x7f80], [0x0000])).toBe(0x7fc00000);
    expect(vmDot([0x7f81, 0x3f80], [0x3f80, 0x3f80])).toBe(0x7fc00000);
    // The empty dot product is +0.
    expect(vmDot([], [])).toBe(0);
  });

  it('one mac on every pair of specials and every special accumulator equals bf16Mac', () => {
    const all = Object.values(SPECIALS).flat().concat([0x3f80, 0xbf80, 0x4049]);
    const accs = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x00000001, 0x807fffff, 0x7f7fffff, 0x3f800000, 0xbf800001];
    const asm = new Assembler();
    const x = asm.alloc();
    const acc = asm.alloc();
    const out = asm.alloc();
    asm.read(x);
    asm.read(acc);
    asm.mac(out, x, acc);
    asm.halt();
    const program = asm.build();
    for (const a of all) {
      for (const b of all) {
        for (const c of accs) {
          const exec = execute(program, { privateInputs: [bf16PairWord(a, b), f32Word(c)] });
          expect(exec.finalMemory[out]).toEqual(f32Word(bf16Mac(a, b, c)));
          expect(exec.mac).toEqual([{ a, b, acc: c >>> 0, out: bf16Mac(a, b, c) >>> 0 }]);
        }
      }
    }
  });

  it('f32 words are 32-bit wide integers; malformed operands trap', () => {
    expect(f32Word(0xdeadbeef)).toEqual(wideWord(0xdeadbeefn));
    expect(f32FromWord(f32Word(0x80000001))).toBe(0x80000001);
    const asm = new Assembler();
    const [x, acc, out] = [asm.alloc(), asm.alloc(), asm.alloc()];
    asm.read(x);
    asm.read(acc);
    asm.mac(out, x, acc);
    asm.halt();
    const program = asm.build();
    expect(formatInstruction(program.instructions[2]!)).toBe(`mac [${out}], [${x}], [${acc}]`);
    expect(decodeProgram(encodeProgram(program))).toEqual(program);
    const at = (xw: Word, accw: Word) => () => execute(program, { privateInputs: [xw, accw] });
    expect(at([0x10000, 0, 0, 0, 0, 0, 0, 0], f32Word(0))).toThrow(VmError);
    expect(at([1, 0x10000, 0, 0, 0, 0, 0, 0], f32Word(0))).toThrow(/not a pair of bf16/);
    expect(at(bf16PairWord(1, 1), [0, 0x10000, 0, 0, 0, 0, 0, 0])).toThrow(/not an f32/);
    // Lanes 2..7 of the operands are not read, and the result's are zero.
    const e = execute(program, { privateInputs: [[0x3f80, 0x4000, 5, 6, 7, 8, 9, 10], [0, 0x3f80, 1, 1, 1, 1, 1, 1]] });
    expect(e.finalMemory[out]).toEqual(f32Word(0x40400000));
  });
});

/** A finite dot product with subnormals and signed zeros, for the proofs below. */
function provenCase(n: number, seed: number): { c: Case; a: number[]; b: number[] } {
  const r = rng(seed);
  const a = vector(r, n, ['subnormal', 'zero', 'extreme'], 0.2);
  const b = vector(r, n, ['subnormal', 'zero'], 0.2);
  return { c: dotProduct(a, b), a, b };
}

describe('mac: proofs', () => {
  it('two dot products, 40 terms with subnormals and signed zeros and 6 with infinities and NaNs, prove and verify (plain PCS)', () => {
    const { a, b } = provenCase(40, 7);
    const a2 = [0x3f80, 0x7f80, 0xff80, 0x0000, 0x7f81, 0x4000];
    const b2 = [0x3f80, 0x4000, 0x4000, 0x7f80, 0x3f80, 0x4000];
    // One program, two accumulators, each term a read of its pair and a mac: one proof covers both.
    const asm = new Assembler(0, 2);
    const pair = asm.alloc();
    [[a, b], [a2, b2]].forEach(([x, y], k) => {
      const acc = asm.alloc();
      for (let i = 0; i < x!.length; i++) {
        asm.read(pair);
        asm.mac(acc, pair, acc);
      }
      asm.output(acc, k);
    });
    asm.halt();
    const program = asm.build();
    const exec = execute(program, { privateInputs: [...a.map((x, i) => bf16PairWord(x, b[i]!)), ...a2.map((x, i) => bf16PairWord(x, b2[i]!))] });
    expect(exec.publicOutputs.map(f32FromWord)).toEqual([bf16Dot(a, b).acc >>> 0, bf16Dot(a2, b2).acc >>> 0]);
    expect(f32FromWord(exec.publicOutputs[1]!)).toBe(0x7fc00000);
    expect(exec.mac.map((op) => op.out)).toContain(0x7f800000);
    const m = machine(program, plainPcs as never);
    const proof = proveExecution(m, exec, { seed: 'mac' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
    // The claimed dot product one ulp off does not verify.
    const wrong = f32Word(f32FromWord(exec.publicOutputs[0]!) ^ 1);
    expect(verifyExecution(m, exec.publicInputs, [wrong, exec.publicOutputs[1]!], proof.stark).ok).toBe(false);
  });

  it('a dot product of 16 terms proves and verifies (real FRI PCS)', () => {
    const { c } = provenCase(16, 8);
    const exec = run(c);
    const m = machine(c.program);
    const proof = proveExecution(m, exec, { seed: 'mac fri' });
    expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
  }, 60_000);
});

describe('mac: a prover that changes one MAC output is rejected', () => {
  const table = (traces: Matrix[], name: (typeof TABLE_NAMES)[number]) => traces[TABLE_NAMES.indexOf(name)]!;

  /**
   * Proves the dot product with the last MAC's output changed to `out` in the CPU (and everything downstream of
   * it: the `output` row, the final memory and the claimed public output) when `cpu`, and in the MAC chip's row
   * (`chipRow` replaces it) when given. Returns the verifier's verdict. When the MAC chip's constraints break, the
   * honest prover's checks must refuse the traces (a check that is cheap; the bus balance is checked only after
   * the traces are committed, so it is left to the verifier here).
   */
  function cheat(out: (honest: number) => number, cpu: boolean, chipRow?: (honest: { a: number; b: number; acc: number }) => number[], constraintsBreak = false) {
    const { c } = provenCase(12, 9);
    const exec = run(c);
    const m = machine(c.program, plainPcs as never);
    const traces = vmTraces(exec);
    const last = exec.mac[exec.mac.length - 1]!;
    const claimed = out(last.out);
    const outputs = cpu ? [f32Word(claimed)] : exec.publicOutputs;
    if (cpu) {
      const cpuT = table(traces, 'cpu');
      const macRow = exec.steps.map((s) => s.ins.op).lastIndexOf('mac');
      const outRow = exec.steps.findIndex((s) => s.ins.op === 'output');
      const accAddr = exec.steps[macRow]!.ins.c;
      const w = f32Word(claimed);
      for (const lane of [0, 1]) {
        cpuT.set(macRow, CPU.slotC.newVal + lane, w[lane]!);
        cpuT.set(outRow, CPU.slotA.val + lane, w[lane]!);
        table(traces, 'memory').set(accAddr, lane, w[lane]!);
      }
    }
    if (chipRow) {
      const macT = table(traces, 'bf16-mac');
      const row = chipRow(last);
      row.forEach((v, col) => macT.set(exec.mac.length - 1, col, v));
    }
    if (constraintsBreak) {
      let error: unknown;
      try {
        proveExecution(m, exec, { seed: 'cheat', traces });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WitnessError);
      expect((error as WitnessError).table).toBe('bf16-mac');
    }
    // Proven for the claimed outputs: a proof made for exec's own outputs would fail on them whatever the AIR says.
    const proof = proveExecution(m, { ...exec, publicOutputs: outputs }, { seed: 'cheat', traces, skipChecks: true });
    return verifyExecution(m, exec.publicInputs, outputs, proof.stark);
  }
  const oneUlp = (x: number) => (x ^ 1) >>> 0;
  /** The honest row with its output halves replaced. */
  const withOutput = (op: { a: number; b: number; acc: number }, out: number) => {
    const row = bf16MacRow(op.a, op.b, op.acc);
    row[MAC_COLS.oh] = out >>> 16;
    row[MAC_COLS.ol] = out & 0xffff;
    return row;
  };

  it('in the CPU only: the MAC bus does not balance', () => {
    expect(cheat(oneUlp, true).ok).toBe(false);
  });

  it('in the MAC chip only: its constraints and the bus fail', () => {
    expect(cheat((x) => x, false, (op) => withOutput(op, oneUlp(bf16Mac(op.a, op.b, op.acc))), true).ok).toBe(false);
  });

  it('in both, consistently: the chip constraints fail', () => {
    expect(cheat(oneUlp, true, (op) => withOutput(op, oneUlp(bf16Mac(op.a, op.b, op.acc))), true).ok).toBe(false);
  });

  it('in both, the chip row an honest MAC of another accumulator: the bus does not balance', () => {
    const other = (op: { a: number; b: number; acc: number }) => ({ ...op, acc: (op.acc ^ 0x10000) >>> 0 });
    const outOf = (op: { a: number; b: number; acc: number }) => bf16Mac(op.a, op.b, op.acc) >>> 0;
    let claimed = 0;
    const verdict = cheat(
      () => claimed,
      true,
      (op) => {
        const o = other(op);
        claimed = outOf(o);
        return [...bf16MacRow(o.a, o.b, o.acc), 1];
      },
    );
    expect(verdict.ok).toBe(false);
  });
});

describe('mac: costs', () => {
  it('cells per MAC: one CPU row and one MAC chip row; its 16-bit checks are byte limbs into the fixed byte table', () => {
    const { c } = provenCase(100, 10);
    const exec = run(c);
    const m = machine(c.program);
    const costs = executionCosts(m, exec);
    expect(costs.map((t) => t.table)).toEqual(TABLE_NAMES.filter((t) => t !== 'f32-to-bf16' && t !== 'bf16-mma' && !t.startsWith('mma-') && !['f32-add', 'pow2-12', 'u16-range'].includes(t)));
    const cpu = costs.find((t) => t.table === 'cpu')!;
    const mac = costs.find((t) => t.table === 'bf16-mac')!;
    const pow2 = costs.find((t) => t.table === 'pow2')!;
    expect(mac.used).toBe(100);
    expect(mac.rows).toBe(128);
    expect(pow2.rows).toBe(32);
    // Committed width per row: main columns (a byte limb per 16-bit check, the zero-knowledge blinding column
    // included) + 4 per LogUp column.
    expect(LIMBED.mac.count).toBe(59);
    // The chip's columns (the MAC's, mult, and the 19 of `macw`'s chains: chips/mac.ts), the blinding column.
    expect(mac.width).toBe(MAC_CHIP_COLUMNS + 1 + LIMBED.mac.count + 4 * m.system.tables[TABLE_NAMES.indexOf('bf16-mac')]!.logup.auxWidth);
    const perMac = cpu.width + mac.width;
    // What the prover commits per row of a tall table: the zero-knowledge extension doubles the rows, and the
    // quotient chunks add 4 cells each.
    const committed = (t: typeof cpu) => t.committedCells / t.rows;
    const perMacCommitted = committed(cpu) + committed(mac);
    console.log(
      `cells per MAC: CPU row ${cpu.width} + MAC chip row ${mac.width} = ${perMac} ` +
        `(committed with zero knowledge and quotient chunks: ${committed(cpu)} + ${committed(mac)} = ${perMacCommitted}); ` +
        `per dot-product term (+ a read row): ${perMac + cpu.width} unrolled, ${perMac + 3 * cpu.width} in a loop (+ addi, branch)`,
    );
    // The MAC row's 59 byte limbs (its 16-bit checks, once a share of the 2^16-row table, about 850 cells per MAC on
    // the dot conformance file) are its own columns now.
    expect(perMac).toBeLessThan(650);
  });
});
