// `advice c a b #bits` (isa.ts ADVICE): lane i of c is bit 8·b₀ + i of a₀, a hint the program checks (the query
// index draws of runtime/aggregate/ check that they are bits and sum to a₀).
import { describe, expect, it } from 'vitest';
import { P } from '../../runtime/proof/field/babybear.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { fieldWord } from '../../runtime/vm/word.ts';

function bitsProgram() {
  const asm = new Assembler(1, 4);
  const x = asm.alloc();
  asm.input(x, 0);
  for (let j = 0; j < 4; j++) {
    const w = asm.alloc();
    asm.advice('bits', w, x, asm.constant(j));
    asm.output(w, j);
  }
  asm.halt();
  return asm.build();
}

describe('advice bits', () => {
  it('gives the 31 bits of a field element, eight a word, low first, and zero past bit 31', () => {
    const program = bitsProgram();
    for (const v of [0, 1, 0b1011_0110, 2 ** 27 - 1, 2 ** 30 + 5, P - 1, P - 2, 123456789]) {
      const out = execute(program, { publicInputs: [fieldWord(v)] }).publicOutputs;
      const bits = out.flat();
      expect(bits).toHaveLength(32);
      expect(bits.every((b) => b === 0 || b === 1)).toBe(true);
      expect(bits.reduce((acc, b, i) => acc + b * 2 ** i, 0)).toBe(v);
      expect(bits[31]).toBe(0);
    }
  });
});
