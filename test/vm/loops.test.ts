import { describe, expect, it } from 'vitest';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { executionCounts } from '../../runtime/vm/loops.ts';

describe('executionCounts', () => {
  const nested = (outer: number, inner: number) => {
    const asm = new Assembler(0, 0);
    const x = asm.alloc();
    asm.loop(outer, () => asm.loop(inner, () => asm.addi(x, x, 1)));
    asm.halt();
    return asm.build();
  };

  it('multiplies the counts of nested loops', () => {
    const counts = executionCounts(nested(3, 2));
    expect(Math.max(...counts)).toBe(6);
  });

  it('refuses counts past 32 bits instead of wrapping them (2^16 · 2^16 would read as 0)', () => {
    expect(Math.max(...executionCounts(nested(2 ** 16, 2 ** 16 - 1)))).toBe(2 ** 16 * (2 ** 16 - 1));
    expect(() => executionCounts(nested(2 ** 16, 2 ** 16))).toThrow(/more than 2\^32 − 1/);
  });
});
