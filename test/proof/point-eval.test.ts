// The verifier evaluates every table's constraints at ζ from compiled bytecode (air/eval.ts
// evaluateCompiledAtPoint); the expression-tree walk (evaluateAtPoint) is the reference. Both must give the same
// values on every constraint of the zkVM's tables, at random points and openings, and a changed opening must change
// what a constraint that reads it evaluates to.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { compiledConstraints, evaluateAtPoint, evaluateCompiledAtPoint, type PointInputs } from '../../runtime/proof/air/eval.ts';
import { machine } from '../../runtime/vm/machine.ts';
import { countingLoop } from '../fixtures/sample-programs.ts';

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P;
}

describe('constraints at the out-of-domain point', () => {
  const m = machine(countingLoop(5).program);

  it('compiled bytecode gives the expression walk’s values for every table of the zkVM', () => {
    const r = rng(7);
    const ext = (): E.Ext => [r(), r(), r(), r()];
    const exts = (n: number) => Array.from({ length: n }, ext);
    let checked = 0;
    for (const t of m.system.tables) {
      const exprs = t.constraints.map((c) => c.expr);
      const width = t.analyzed.air.width;
      const inputs: PointInputs = {
        zeta: ext(),
        logTrace: 6,
        main: exts(width),
        mainNext: exts(width),
        pre: exts(64),
        preNext: exts(64),
        aux: exts(t.logup.auxWidth),
        auxNext: exts(t.logup.auxWidth),
        publics: Array.from({ length: m.system.publicInputs }, r),
        challenges: exts(m.system.logupChallenges),
        sumPerRow: ext(),
      };
      const program = compiledConstraints(t.constraints, exprs);
      expect(compiledConstraints(t.constraints, exprs)).toBe(program);
      const compiled = evaluateCompiledAtPoint(program, inputs);
      expect(compiled).toEqual(evaluateAtPoint(exprs, inputs));
      checked += compiled.length;
      // Another opening of the first main column changes some constraint's value (the evaluation reads the inputs).
      if (width > 0) {
        const other = { ...inputs, main: [E.add(inputs.main[0]!, E.ONE), ...inputs.main.slice(1)] };
        const changed = evaluateCompiledAtPoint(program, other);
        expect(changed).toEqual(evaluateAtPoint(exprs, other));
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses bytecode with an unknown opcode instead of reading garbage', () => {
    const t = m.system.tables[0]!;
    const program = compiledConstraints(t.constraints, t.constraints.map((c) => c.expr));
    const code = program.code.slice();
    code[0] = 99;
    const inputs = { zeta: [2, 3, 4, 5] as E.Ext, logTrace: 3, main: [], mainNext: [], pre: [], preNext: [], aux: [], auxNext: [], publics: [], challenges: [], sumPerRow: E.ZERO };
    expect(() => evaluateCompiledAtPoint({ code, roots: program.roots }, inputs)).toThrow(/opcode 99/);
  });
});
