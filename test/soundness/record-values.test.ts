// Every value a program reads from a record is well-formed in the program (issue #14): ints below 2^128 with
// every limb range-checked, ratio denominators positive, bools 0 or 1, enums members, arrays element by element,
// with checks that optimisation keeps. The tape is the prover's: these tests write malformed words on it directly,
// past the run format's validation, as a cheating prover would, and see the genesis program refuse them.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadProgram } from '../../language/program.ts';
import type * as A from '../../language/ast.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { compilePolicy } from '../../compiler/compile.ts';
import { LoweringError } from '../../compiler/lower.ts';
import { commitWords, recordWords, type RecordValues, type RunValue } from '../../compiler/witness.ts';
import { execute, VmError } from '../../runtime/vm/executor.ts';
import { word } from '../fixtures/sample-programs.ts';
import { fieldWord, wideWord, type Word } from '../../runtime/vm/word.ts';
import * as F from '../../runtime/proof/field/babybear.ts';

function compileSource(source: string) {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-records-'));
  const path = join(dir, 'p.zpol');
  writeFileSync(path, source);
  const program = loadProgram([path]);
  expect(program.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const root = program.roots[0]!;
  return { program, root, compiled: () => compilePolicy(program, root, { computeChecks: false }) };
}

// Every type a record field can have, each read by genesis. The attests are contradictory for a 0/0 share (both
// hold when every cross-multiplied comparison is false), the review's forgery of bug 1.
const POLICY = `policy records version 1 "Every record type"
enum Color { red, green, blue }
spec {
  public n: int
  u: int FLOP
  share: ratio
  pc: percent
  b: bool
  c: Color
  d: digest
  xs: [int; 2]
  rs: [ratio; 2]
}
step { tokens: int }
state { total: int = 0 }
on step { total += step.tokens }
attest low_share "at most 10%": spec.share <= 10%
attest high_share "at least 50%": spec.share >= 50%
`;

describe('record values are well-formed in the program', () => {
  const { root, compiled } = compileSource(POLICY);
  const policy = compiled();
  const fields = root.ast.decls.filter((d): d is A.RecordDecl => d.kind === 'RecordDecl' && d.record === 'spec').flatMap((d) => d.fields);
  const enumDecl = root.ast.decls.find((d): d is A.EnumDecl => d.kind === 'EnumDecl')!;
  const int = (n: bigint | number): Value => num(BigInt(n));
  const ratio = (p: bigint, q: bigint): Value => num(p, q);
  // The honest spec cannot satisfy both attests; the tests below change its words, not its values.
  const spec = (share: Value): RecordValues =>
    new Map<string, RunValue>([
      ['n', int(7)],
      ['u', int(10n ** 24n)],
      ['share', share],
      ['pc', ratio(1n, 4n)],
      ['b', { kind: 'bool', value: true }],
      ['c', { kind: 'enum', decl: enumDecl, member: 'green' }],
      ['d', { kind: 'digest', words: word(5) }],
      ['xs', { kind: 'array', elements: [int(1), int(2)] }],
      ['rs', { kind: 'array', elements: [ratio(1n, 2n), ratio(3n, 4n)] }],
    ]);
  const [specBlind, stateBlind] = [word(11), word(12)];
  /** Runs genesis on the spec's words (possibly malformed), with the commitment they open. */
  const genesis = (words: readonly Word[]) =>
    execute(policy.programs.genesis, { publicInputs: [commitWords(specBlind, words)], privateInputs: [specBlind, ...words, stateBlind] });
  const honestWords = recordWords(root.checker, fields, spec(ratio(1n, 20n)), 'spec');
  // Word positions: n, u, share (num, den), pc (num, den), b, c, d, xs[0], xs[1], rs[0] (num, den), rs[1] (num, den).
  const at = { n: 0, u: 1, shareNum: 2, shareDen: 3, pcNum: 4, pcDen: 5, b: 6, c: 7, d: 8, xs0: 9, xs1: 10, rs0Num: 11, rs0Den: 12, rs1Num: 13, rs1Den: 14 };
  const withWord = (i: number, w: Word) => honestWords.map((x, j) => (j === i ? w : x));
  const fails = (words: readonly Word[], message: RegExp) => {
    let error: unknown;
    try {
      genesis(words);
    } catch (e) {
      error = e;
    }
    expect(error, `expected the genesis run to fail with ${message}`).toBeInstanceOf(VmError);
    expect((error as Error).message).toMatch(message);
  };
  /** A wide word with one limb out of range: the value no 16-bit decomposition has (the review's 70000). */
  const badLimb = (lane: number, value = 70_000): Word => wideWord(0n).map((x, k) => (k === lane ? value : x));

  it('honest words run, and the public int is output', () => {
    expect(honestWords).toHaveLength(15);
    // share = 1/20 fails high_share: a real spec cannot meet both claims.
    expect(() => genesis(honestWords)).toThrow(/attest high_share failed/);
    const ok = withWord(at.shareNum, wideWord(1n)).map((w, j) => (j === at.shareDen ? wideWord(1n) : w));
    // share = 1 meets high_share, fails low_share.
    expect(() => genesis(ok)).toThrow(/attest low_share failed/);
  });

  it('a 0/0 ratio no longer satisfies contradictory claims (bug 1)', () => {
    fails(withWord(at.shareNum, wideWord(0n)).map((w, j) => (j === at.shareDen ? wideWord(0n) : w)), /spec.share has a positive denominator/);
    fails(withWord(at.shareDen, wideWord(0n)), /spec.share has a positive denominator/);
    fails(withWord(at.pcDen, wideWord(0n)), /spec.pc has a positive denominator/);
    fails(withWord(at.rs1Den, wideWord(0n)), /spec.rs\[1\] has a positive denominator/);
  });

  it('an int with a limb out of range is refused, wherever the int is used (bug 4: a public int output)', () => {
    for (const lane of [0, 3, 7]) fails(withWord(at.n, badLimb(lane)), /spec.n is an integer below 2\^128|wide|limb/);
    fails(withWord(at.u, badLimb(0, F.P - 1)), /spec.u is an integer below 2\^128|wide|limb/);
    fails(withWord(at.xs1, badLimb(2)), /spec.xs\[1\] is an integer below 2\^128|wide|limb/);
    fails(withWord(at.shareNum, badLimb(1)), /spec.share \(numerator\) is an integer below 2\^128|wide|limb/);
    fails(withWord(at.rs0Den, badLimb(0)), /spec.rs\[0\] has a positive denominator|wide|limb/);
  });

  it('a bool is 0 or 1, an enum one of its members', () => {
    for (const v of [2, F.P - 1]) fails(withWord(at.b, fieldWord(v)), /spec.b is a bool/);
    for (const v of [3, 4, F.P - 1]) fails(withWord(at.c, fieldWord(v)), /spec.c is a member of Color/);
  });

  it('a digest is any eight field elements: nothing to check', () => {
    // The digest itself is not constrained; only the commitment binds it. Changing it alone changes nothing else.
    const words = withWord(at.d, [1, 2, 3, 4, 5, 6, 7, F.P - 1]);
    expect(() => genesis(words)).toThrow(/attest high_share failed/);
  });

  it('the checks survive optimisation: the genesis program keeps one range check per int and one per denominator', () => {
    const msgs = policy.programs.genesis.messages;
    for (const what of ['spec.n', 'spec.u', 'spec.xs[0]', 'spec.xs[1]', 'spec.share (numerator)', 'spec.pc (numerator)', 'spec.rs[0] (numerator)', 'spec.rs[1] (numerator)']) {
      expect(msgs).toContain(`${what} is an integer below 2^128`);
    }
    for (const what of ['spec.share', 'spec.pc', 'spec.rs[0]', 'spec.rs[1]']) expect(msgs).toContain(`${what} has a positive denominator`);
  });

  it('types that cannot be record fields are refused when the policy is compiled', () => {
    const source = (t: string) => `policy t version 1\nspec { x: ${t} }\nstep { n: int }\nstate { acc: int = 0 }\non step { acc += step.n }\n`;
    for (const t of ['bf16', 'f32', '[f32; 2]']) expect(() => compileSource(source(t)).compiled(), t).toThrow(LoweringError);
    // Strings are literals only (clause descriptions): no field can be declared with one.
    const dir = mkdtempSync(join(tmpdir(), 'zpol-records-'));
    writeFileSync(join(dir, 'p.zpol'), source('string'));
    expect(loadProgram([join(dir, 'p.zpol')]).diagnostics.map((d) => d.code)).toContain('ZP2015');
  });
});
