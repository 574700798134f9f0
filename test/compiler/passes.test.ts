import { describe, expect, it } from 'vitest';
import { IrBuilder, formatIr } from '../../compiler/ir.ts';
import { cse, dce, fold, optimize, rangeAnalysis } from '../../compiler/passes.ts';
import { generate } from '../../compiler/codegen.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { fieldWord, wideValue, wideWord } from '../../runtime/vm/word.ts';

describe('IR passes', () => {
  it('fold computes constant operations with the machine reference, keeping traps', () => {
    const b = new IrBuilder(0, 2);
    const five = b.emit({ op: 'const', word: wideWord(5n) }, 'wide', 'x:1:1');
    const seven = b.emit({ op: 'const', word: wideWord(7n) }, 'wide', 'x:1:2');
    const sum = b.emit({ op: 'wide', wide: 'add128', args: [five, seven] }, 'wide', 'x:1:3');
    const under = b.emit({ op: 'wide', wide: 'sub128', args: [five, seven] }, 'wide', 'x:1:4');
    b.emit({ op: 'output', args: [sum], index: 0 }, 'none', 'x:2:1');
    b.emit({ op: 'output', args: [under], index: 1 }, 'none', 'x:2:2');
    const { f, folded } = fold(b.function());
    expect(folded).toBe(1);
    expect(f.instrs.find((i) => i.op === 'const' && wideValue(i.word) === 12n)).toBeDefined();
    expect(f.instrs.some((i) => i.op === 'wide' && i.wide === 'sub128')).toBe(true);
  });

  it('cse merges duplicates that folding creates; dce drops dead pure values but keeps effects', () => {
    const b = new IrBuilder(0, 1);
    const one = b.emit({ op: 'const', word: fieldWord(1) }, 'field', '');
    const two = b.emit({ op: 'const', word: fieldWord(2) }, 'field', '');
    const three = b.emit({ op: 'add', args: [one, two] }, 'field', '');
    const threeAgain = b.emit({ op: 'const', word: fieldWord(3) }, 'field', '');
    const x = b.emit({ op: 'read' }, 'field', '');
    b.emit({ op: 'mul', args: [x, x] }, 'field', ''); // dead
    const y = b.emit({ op: 'add', args: [x, three] }, 'field', '');
    const z = b.emit({ op: 'add', args: [x, threeAgain] }, 'field', '');
    b.emit({ op: 'assertEq', args: [y, z], message: 'same' }, 'none', '');
    b.emit({ op: 'output', args: [y], index: 0 }, 'none', '');
    const merged = cse(fold(b.function()).f);
    const live = dce(merged, new Set());
    expect(live.instrs.filter((i) => i.op === 'mul')).toHaveLength(0);
    expect(live.instrs.filter((i) => i.op === 'add')).toHaveLength(1);
    expect(live.instrs.some((i) => i.op === 'read')).toBe(true);
    expect(formatIr(live)).toContain('assertEq');
  });

  it('range analysis proves sums of small values safe, narrows them, and keeps checks on tape values', () => {
    const b = new IrBuilder(0, 1);
    const x = b.emit({ op: 'read' }, 'wide', '');
    const y = b.emit({ op: 'read' }, 'wide', '');
    const lt1 = b.emit({ op: 'wide', wide: 'lt128', args: [x, y] }, 'wide', '');
    const lt2 = b.emit({ op: 'wide', wide: 'lt128', args: [y, x] }, 'wide', '');
    const both = b.emit({ op: 'wide', wide: 'add128', args: [lt1, lt2] }, 'wide', '');
    const big = b.emit({ op: 'wide', wide: 'add128', args: [x, y] }, 'wide', '');
    b.emit({ op: 'output', args: [both], index: 0 }, 'none', '');
    const facts = rangeAnalysis(b.function());
    expect(facts.safe.has(both)).toBe(true);
    expect(facts.safe.has(big)).toBe(false);
    const { f, report } = optimize(b.function());
    expect(report.narrowed).toBe(1);
    // `big` is unused but can trap, so it stays.
    expect(f.instrs.filter((i) => i.op === 'wide' && i.wide === 'add128')).toHaveLength(1);
    // The generated program runs: x = 3, y = 9 → (3 < 9) + (9 < 3) = 1.
    const g = generate(f);
    const exec = execute(g.program, { privateInputs: [wideWord(3n), wideWord(9n)] });
    expect(exec.publicOutputs[0]![0]).toBe(1);
    expect([...g.traps.keys()].length).toBe(f.instrs.filter((i) => i.op === 'wide').length);
  });
});

describe('advice is checked, not trusted', () => {
  it('a ratio reduced with dishonest advice fails its checks', async () => {
    const { Lowerer } = await import('../../compiler/lower.ts');
    const { loadProgram } = await import('../../language/program.ts');
    const L = new Lowerer(loadProgram(['policies/demo.zpol']), 0, 2);
    const p = L.read('wide');
    const q = L.read('wide');
    const r = L.reduced({ k: 'ratio', num: { k: 'int', addr: p }, den: { k: 'int', addr: q } }, 'test:1:1');
    L.output(L.intAddr(r.num, ''), 0);
    L.output(L.intAddr(r.den, ''), 1);
    const f = L.ir.function();
    // The honest machine: 6/4 is revealed as 3/2.
    const honest = execute(generate(f).program, { privateInputs: [wideWord(6n), wideWord(4n)] });
    expect(honest.publicOutputs.map(wideValue)).toEqual([3n, 2n]);
    // A dishonest prover chooses every advice value: replace each advice by a tape read, in order.
    const cheating = { ...f, instrs: f.instrs.map((i) => (i.op === 'advice' ? { op: 'read' as const, type: i.type, at: i.at, region: i.region } : i)) };
    const program = generate(cheating).program;
    const run = (advice: bigint[]) => execute(program, { privateInputs: [6n, 4n, ...advice].map(wideWord) });
    // g, p', q', u, k in the order the advice is emitted: the honest values pass...
    expect(run([2n, 3n, 2n, 1n, 1n]).publicOutputs.map(wideValue)).toEqual([3n, 2n]);
    // ...but revealing 6/4 (g = 1) cannot pass the coprimality check for any u and k.
    for (const u of [0n, 1n, 2n, 3n]) for (const k of [0n, 1n, 2n]) expect(() => run([1n, 6n, 4n, u, k])).toThrow();
    // Nor can a wrong reduction (2/1 with g = 3).
    expect(() => run([3n, 2n, 1n, 0n, 0n])).toThrow(/ratio reduction/);
  });
});
