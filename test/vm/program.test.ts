import { describe, expect, it } from 'vitest';
import { decodeProgram, digestPublics, encodeProgram, programDigest, programProblem } from '../../runtime/vm/program.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { formatInstruction } from '../../runtime/vm/isa.ts';
import { commitmentOpening, countingLoop, merkleMembership, word } from '../fixtures/sample-programs.ts';
import { fieldWord, wideWord } from '../../runtime/vm/word.ts';

const thrown = (f: () => unknown): VmError => {
  try {
    f();
  } catch (e) {
    if (e instanceof VmError) return e;
    throw e;
  }
  throw new Error('expected a VmError');
};

describe('programs', () => {
  it('encode canonically and decode back', () => {
    for (const c of [countingLoop(3), merkleMembership(5, 3), commitmentOpening(5n, word(1), 9n)]) {
      const bytes = encodeProgram(c.program);
      expect(decodeProgram(bytes)).toEqual(c.program);
      expect(encodeProgram(decodeProgram(bytes))).toEqual(bytes);
      expect(programDigest(c.program)).toEqual(programDigest(decodeProgram(bytes)));
    }
  });

  it('the digest changes with any instruction, constant or message, and becomes 16 public inputs', () => {
    const p = commitmentOpening(5n, word(1), 9n).program;
    const d = Buffer.from(programDigest(p)).toString('hex');
    const variants = [
      { ...p, instructions: p.instructions.map((ins, i) => (i === 3 ? { ...ins, op: 'mov' as const, b: 0 } : ins)) },
      { ...p, messages: p.messages.map((m) => m + '.') },
      { ...p, memorySize: p.memorySize * 2 },
    ];
    for (const v of variants) expect(Buffer.from(programDigest(v)).toString('hex')).not.toBe(d);
    const publics = digestPublics(programDigest(p));
    expect(publics).toHaveLength(16);
    expect(publics.every((x) => x >= 0 && x < 65536)).toBe(true);
  });

  it('rejects malformed encodings and programs with a reason', () => {
    const bytes = encodeProgram(countingLoop(3).program);
    expect(() => decodeProgram(bytes.subarray(0, bytes.length - 1))).toThrow(/not a zkVM program/);
    const bad = bytes.slice();
    bad[0] = 0x41;
    expect(() => decodeProgram(bad)).toThrow(/magic/);
    const p = countingLoop(3).program;
    expect(programProblem({ ...p, memorySize: 3 })).toMatch(/power of two/);
    expect(programProblem({ ...p, instructions: [{ op: 'jump', a: 0, b: 0, c: 0, imm: 99 }] })).toMatch(/jump target/);
    expect(programProblem({ ...p, instructions: [{ op: 'set', a: 0, b: 0, c: 99, imm: 1 }, { op: 'halt', a: 0, b: 0, c: 0, imm: 0 }] })).toMatch(/outside memory/);
    expect(formatInstruction({ op: 'wide', a: 1, b: 2, c: 3, imm: 1 })).toBe('wide [3], [1], [2], #1');
  });
});

describe('the executor reports why a run cannot be proven', () => {
  it('a private tape that runs out', () => {
    const c = merkleMembership(4, 1);
    const e = thrown(() => execute(c.program, { ...c.inputs, privateInputs: c.inputs.privateInputs!.slice(0, 3) }));
    expect(e.kind).toBe('input');
    expect(e.message).toMatch(/private tape has 3/);
  });

  it('a Merkle index too large for the depth', () => {
    const c = merkleMembership(4, 1);
    const tape = [...c.inputs.privateInputs!];
    tape[1] = fieldWord(16);
    expect(thrown(() => execute(c.program, { ...c.inputs, privateInputs: tape })).message).toMatch(/does not fit depth 4/);
  });

  it('a program that does not halt in time', () => {
    const asm = new Assembler();
    const top = asm.here();
    asm.jump(top);
    expect(thrown(() => execute(asm.build(), { maxCycles: 1000 })).kind).toBe('limit');
  });

  it('public inputs read twice, or outputs never written', () => {
    const twice = new Assembler(1, 0);
    const x = twice.alloc();
    twice.input(x, 0);
    twice.input(x, 0);
    twice.halt();
    expect(thrown(() => execute(twice.build(), { publicInputs: [fieldWord(1)] })).message).toMatch(/read twice/);
    const never = new Assembler(0, 1);
    never.halt();
    expect(thrown(() => execute(never.build())).message).toMatch(/never written/);
  });

  it('wide traps name the operation', () => {
    const asm = new Assembler();
    const [a, b, c] = [asm.constant(wideWord(3n)), asm.constant(wideWord(5n)), asm.alloc()];
    asm.wide('sub128', c, a, b);
    asm.halt();
    const e = thrown(() => execute(asm.build()));
    expect(e.kind).toBe('trap');
    expect(e.pc).toBe(0);
    expect(e.message).toMatch(/sub128/);
  });
});
