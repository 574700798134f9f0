// Unit tests of the checker's semantics: exact numerics, dimensional analysis, privacy, static bounds and what
// each clause may read. Each source is checked in-process as an unsaved file in policies/ (so `use std...`
// resolves as it does for real policies), and each test asserts the exact codes and positions it expects.
import { describe, expect, it } from 'vitest';
import type * as A from '../language/ast.ts';
import { typeToString } from '../language/checker/types.ts';
import { formatValue, type Value } from '../language/checker/values.ts';
import { loadProgram, parse, type CheckedFile } from '../language/index.ts';

const PATH = 'policies/__checker_test.zpol';

function load(text: string): { file: CheckedFile; diagnostics: string[] } {
  const program = loadProgram([PATH], undefined, new Map([[PATH, text]]));
  const file = program.files.get(PATH);
  if (!file) throw new Error(`${PATH} was not loaded`);
  return {
    file,
    diagnostics: program.diagnostics.map((d) => `${d.file === PATH ? '' : `${d.file}:`}${d.span.start.line}:${d.span.start.column} ${d.code}`),
  };
}

/** `LINE:COLUMN CODE` for every diagnostic of `text`, in order. */
const diagnosticsOf = (text: string): string[] => load(text).diagnostics;

/** Diagnostics with their messages, for the tests that pin a message down. */
function messagesOf(text: string): string[] {
  const program = loadProgram([PATH], undefined, new Map([[PATH, text]]));
  return program.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`);
}

const mod = (body: string): string => `module checker_test\n${body}\n`;
const policy = (body: string): string => `policy checker_test version 1\n${body}\n`;

function constDecl(file: CheckedFile, name: string): A.ConstDecl {
  const d = file.ast.decls.find((x): x is A.ConstDecl => x.kind === 'ConstDecl' && x.name.name === name);
  if (!d) throw new Error(`no constant ${name}`);
  return d;
}

/** The folded value of constant `name`, as `num/den`; and its type. */
function constant(text: string, name: string): { value: string; type: string } {
  const { file, diagnostics } = load(text);
  expect(diagnostics).toEqual([]);
  const d = constDecl(file, name);
  const v: Value | undefined = file.checker.constValue(d);
  return { value: v?.kind === 'num' ? `${v.num}/${v.den}` : v ? formatValue(v) : 'not constant', type: typeToString(file.checker.constType(d)) };
}

describe('exact numerics', () => {
  it.each([
    ['1e25', `${10n ** 25n}/1`, 'int'],
    ['2.5e-3', '1/400', 'ratio'],
    ['30%', '3/10', 'ratio'],
    ['12.5%', '1/8', 'ratio'],
    ['2T', '2000000000000/1', 'int'],
    ['1.5k', '1500/1', 'int'],
    ['2.5e3M', '2500000000/1', 'int'],
    ['1e-3k', '1/1', 'int'],
    ['4.2e-2%', '21/50000', 'ratio'],
    ['1_000_000', '1000000/1', 'int'],
    ['0x3f80', '16256/1', 'int'],
    ['0xFF', '255/1', 'int'],
    ['0x1_0', '16/1', 'int'],
    ['1e400', `${10n ** 400n}/1`, 'int'],
  ])('reads %s exactly as %s (%s)', (literal, value, type) => {
    expect(constant(mod(`const X = ${literal}`), 'X')).toEqual({ value, type });
    // The parser keeps the exact rational on the literal itself.
    const { ast } = parse(mod(`const X = ${literal}`), 'x.zpol');
    const lit = (ast.decls[0] as A.ConstDecl).value as A.NumberLiteral;
    expect(`${lit.num}/${lit.den}`).toBe(value);
  });

  it('never rounds: 1e25 is exactly ten to the twenty-fifth, and 1e25 + 1 is not 1e25', () => {
    const text = mod('const BIG = 1e25\nconst NEXT = BIG + 1\nconst SAME = NEXT == BIG');
    expect(constant(text, 'BIG').value).toBe('10000000000000000000000000/1');
    expect(constant(text, 'NEXT').value).toBe('10000000000000000000000001/1');
    expect(constant(text, 'SAME').value).toBe('false');
  });

  it('folds rationals exactly: 0.1 + 0.2 == 0.3, and 1e25 / 3 * 3 == 1e25', () => {
    const text = mod('const A = 0.1 + 0.2\nconst B = A == 0.3\nconst C = 1e25 FLOP / 3 * 3\nconst D = C == 1e25 FLOP');
    expect(constant(text, 'A')).toEqual({ value: '3/10', type: 'ratio' });
    expect(constant(text, 'B').value).toBe('true');
    expect(constant(text, 'C')).toEqual({ value: `${10n ** 25n}/1`, type: 'ratio FLOP' });
    expect(constant(text, 'D').value).toBe('true');
  });

  it('gives a number with a unit the unit, and an SI suffix with an exponent both', () => {
    expect(constant(mod('const X = 2.5e3k FLOP'), 'X')).toEqual({ value: '2500000/1', type: 'int FLOP' });
    expect(constant(mod('const X = 3 s'), 'X')).toEqual({ value: '3/1', type: 'int s' });
  });

  it('reports malformed literals as ZP1004 at the literal', () => {
    expect(diagnosticsOf(mod('const A = 1__0\nconst B = 1e999\nconst C = 0x\nconst D = 10_'))).toEqual([
      '2:11 ZP1004',
      '3:11 ZP1004',
      '4:11 ZP1004',
      '5:11 ZP1004',
    ]);
    expect(messagesOf(mod('const B = 1e999'))).toEqual(["2:11 ZP1004 exponent of '1e999' is out of range (at most 400)"]);
  });

  it('requires a whole number where an int is declared (ZP5005), showing the exact value', () => {
    expect(messagesOf(mod('const X: int = 2.5e-3'))).toEqual(["2:16 ZP5005 constant 'X' must be a whole number, but this is a ratio (0.0025)"]);
    expect(messagesOf(mod('const X: int = 1 / 3'))).toEqual(["2:16 ZP5005 constant 'X' must be a whole number, but this is a ratio (1/3)"]);
    expect(diagnosticsOf(mod('const X: ratio = 1 / 3\nconst Y: int = 6 / 3'))).toEqual(['3:16 ZP5005']);
  });

  it('reports a constant division by zero (ZP5003) at the divisor', () => {
    expect(diagnosticsOf(mod('const Z = 2 - 2\nconst X = 1 / Z'))).toEqual(['3:15 ZP5003']);
  });
});

describe('dimensional analysis', () => {
  it('rejects FLOP + token (ZP3001) over the whole sum', () => {
    const text = policy('step {\n  tokens: int token\n}\nstate {\n  total: int FLOP = 0 FLOP\n}\non step {\n  total = total + step.tokens\n}\ninvariant ok: total >= 0 FLOP');
    expect(messagesOf(text)).toEqual(['9:11 ZP3001 cannot add token to FLOP']);
  });

  it('rejects comparing FLOP with token (ZP3001) at the right operand', () => {
    expect(messagesOf(mod('const A = 1 FLOP < 2 token'))).toEqual(['2:20 ZP3001 cannot compare FLOP with token']);
  });

  it('multiplies and divides units: FLOP/s * s is FLOP', () => {
    const { file, diagnostics } = load(mod('fn work(rate: ratio FLOP/s, time: int s): ratio FLOP = rate * time'));
    expect(diagnostics).toEqual([]);
    const fn = file.ast.decls[0] as A.FnDecl;
    expect(typeToString(file.checker.types.get(fn.body)!)).toBe('ratio FLOP');
  });

  it('keeps 6 FLOP / param / token * params * tokens a whole number of FLOP', () => {
    const { file, diagnostics } = load(mod('fn c(params: int param, tokens: int token): int FLOP = 6 FLOP / param / token * params * tokens'));
    expect(diagnostics).toEqual([]);
    const fn = file.ast.decls[0] as A.FnDecl;
    expect(typeToString(file.checker.types.get(fn.body)!)).toBe('int FLOP');
    // The partial product is a rate: FLOP per parameter per token.
    const rate = ((fn.body as A.BinaryExpr).left as A.BinaryExpr).left;
    expect(typeToString(file.checker.types.get(rate)!)).toBe('int FLOP/param/token');
  });

  it('makes a quotient by a number (not a unit) a ratio, which an int FLOP result rejects (ZP5005)', () => {
    expect(diagnosticsOf(mod('fn c(params: int param): int FLOP = 6 FLOP / 4 / param * params'))).toEqual(['2:37 ZP5005']);
  });

  it('rejects a result in the wrong unit (ZP3001) and accepts a bare 0 as any unit', () => {
    expect(messagesOf(mod('fn c(params: int param): int FLOP = params'))).toEqual(["2:37 ZP3001 the result of 'c' should be in FLOP, found param"]);
    expect(diagnosticsOf(mod('fn z(): int FLOP = 0\nconst S = 1 FLOP + 0'))).toEqual([]);
  });

  it('handles powers and inverse units in types', () => {
    expect(diagnosticsOf(mod('fn sq(b: int byte): int byte^2 = b * b\nfn per(f: ratio FLOP, t: int s): ratio FLOP*s^-1 = f / t'))).toEqual([]);
    expect(diagnosticsOf(mod('fn sq(b: int byte): int byte = b * b'))).toEqual(['2:32 ZP3001']);
  });

  it('reports unknown units (ZP3002) and units on types that cannot carry them (ZP3003)', () => {
    expect(diagnosticsOf(mod('const A = 1 FLOPS'))).toEqual(['2:13 ZP3002']);
    expect(diagnosticsOf(mod('fn f(x: bool token): bool = x'))).toEqual(['2:14 ZP3003']);
  });
});

describe('privacy', () => {
  const spec = 'spec {\n  params: int param\n  public layers: int\n}';

  it('rejects an output computed from a private spec field without reveal (ZP4001)', () => {
    expect(diagnosticsOf(policy(`${spec}\noutput size: spec.params`))).toEqual(['6:14 ZP4001']);
  });

  it('accepts a private output with reveal, and a public one without', () => {
    expect(diagnosticsOf(policy(`${spec}\noutput size: spec.params reveal "the size is published"\noutput depth: spec.layers`))).toEqual([]);
  });

  it('warns about reveal on an output that reads only public values (ZP4002), at the justification', () => {
    expect(diagnosticsOf(policy(`${spec}\noutput depth: spec.layers * 2 reveal "not needed"`))).toEqual(['6:38 ZP4002']);
    expect(diagnosticsOf(policy('const K = 3\noutput k: K reveal "a constant"'))).toEqual(['3:20 ZP4002']);
  });

  it('propagates privacy through calls, comparisons, conditionals and state', () => {
    const outputs = [
      'output a: max(spec.params, 1 param)',
      'output b: spec.params > 1000 param',
      'output c: if spec.params > 0 param then 1 else 2',
      'output d: total',
    ].join('\n');
    const text = policy(`${spec}\nstate {\n  total: int = 0\n}\n${outputs}`);
    expect(diagnosticsOf(text)).toEqual(['9:11 ZP4001', '10:11 ZP4001', '11:11 ZP4001', '12:11 ZP4001']);
  });

  it('marks the private expressions for the compiler', () => {
    const { file } = load(policy(`${spec}\noutput size: spec.params + spec.layers reveal "why"`));
    const out = file.ast.decls.find((d): d is A.ClauseDecl => d.kind === 'ClauseDecl')!;
    const sum = out.value as A.BinaryExpr;
    expect([file.checker.isPrivate(sum), file.checker.isPrivate(sum.left), file.checker.isPrivate(sum.right)]).toEqual([true, true, false]);
  });
});

describe('static bounds', () => {
  it('requires a constant array length (ZP5001), at the length', () => {
    expect(messagesOf(policy('spec {\n  n: int\n}\nstep {\n  xs: [int; spec.n]\n}'))).toEqual([
      '6:13 ZP5001 an array length must be a constant known when the policy is compiled',
    ]);
    expect(diagnosticsOf(mod('fn f(n: int): [int; 4] = [n; n]'))).toEqual(['2:30 ZP5001']);
  });

  it('accepts lengths and bounds computed from constants', () => {
    expect(diagnosticsOf(policy('const N = 4\nstep {\n  xs: [int; N * 2]\n}\nstate {\n  t: int = 0\n}\non step {\n  for i in 0..N * 2 {\n    t += step.xs[i]\n  }\n}\ninvariant ok: t >= 0'))).toEqual([]);
  });

  it('bounds loops at 65,536 iterations (ZP5002), at the bound', () => {
    const loop = (hi: string) => policy(`state {\n  t: int = 0\n}\non step {\n  for i in 0..${hi} {\n    t += i\n  }\n}\ninvariant ok: t >= 0`);
    expect(diagnosticsOf(loop('65536'))).toEqual([]);
    expect(messagesOf(loop('70000'))).toEqual(['6:15 ZP5002 a loop bound is 70000; it must lie in [0, 65536]']);
    expect(diagnosticsOf(loop('65537'))).toEqual(['6:15 ZP5002']);
  });

  it('requires loop bounds to be constants (ZP5001), even a local', () => {
    const text = policy('step {\n  n: int\n}\nstate {\n  t: int = 0\n}\non step {\n  let n = step.n\n  for i in 0..n {\n    t += i\n  }\n}\ninvariant ok: t >= 0');
    expect(diagnosticsOf(text)).toEqual(['10:15 ZP5001']);
  });

  it('rejects empty arrays, a zero length and backwards loops (ZP5002)', () => {
    expect(diagnosticsOf(mod('const E = []\nfn f(x: [int; 0]): int = 1'))).toEqual(['2:11 ZP5002', '3:6 ZP2016', '3:15 ZP5002']);
  });

  it('checks constant indexes against the length (ZP5004)', () => {
    expect(messagesOf(mod('const XS = [1, 2, 3]\nconst A = XS[2]\nconst B = XS[3]'))).toEqual([
      '4:14 ZP5004 index 3 is outside the array, whose indices are 0 to 2',
    ]);
    expect(constant(mod('const XS = [1, 2, 3]\nconst A = XS[2]'), 'A').value).toBe('3/1');
  });
});

describe('what each clause may read', () => {
  const records = 'spec {\n  params: int param\n}\nstep {\n  tokens: int token\n}\nstate {\n  total: int token = 0 token\n}\non step {\n  total += step.tokens\n}';

  it('rejects an attest claim that reads the step (ZP2009) or the state, at the read', () => {
    expect(messagesOf(policy(`${records}\nattest a: step.tokens > 0 token`))).toEqual([
      "14:11 ZP2009 an attest claim cannot read 'step.tokens': per-step records are not known there",
    ]);
    expect(messagesOf(policy(`${records}\nattest a: total > 0 token`))).toEqual(["14:11 ZP2009 an attest claim cannot read state field 'total'"]);
  });

  it('lets attest read the spec, and invariants the spec, the state and the step they are checked after; outputs not the step', () => {
    expect(diagnosticsOf(policy(`${records}\nattest a: spec.params > 0 param\ninvariant i: total <= 1e13 token and spec.params > 0 param`))).toEqual([]);
    // An invariant runs in every step proof, after that step's update (#20: step.tokens == rows(step.x_root)).
    expect(diagnosticsOf(policy(`${records}\ninvariant i: step.tokens <= 1e13 token`))).toEqual([]);
    expect(messagesOf(policy(`${records}\noutput o: step.tokens`))).toEqual(["14:11 ZP2009 an output cannot read 'step.tokens': per-step records are not known there"]);
  });

  it('keeps functions and constants pure: no spec, step or state (ZP2009), with a message that says why', () => {
    expect(messagesOf(policy(`${records}\nfn f(): int param = spec.params\nconst C = spec.params\ninvariant i: f() + C > 0 param`))).toEqual([
      "14:21 ZP2009 a function cannot read 'spec.params': functions are pure: pass the field as an argument",
      "15:11 ZP2009 a constant cannot read 'spec.params': it is fixed when the policy is compiled, before any spec is known",
    ]);
  });

  it('assigns only state fields (ZP2007)', () => {
    expect(diagnosticsOf(policy('const K = 1\nstate {\n  t: int = 0\n}\non step {\n  K = 2\n  t += K\n}\ninvariant ok: t >= 0'))).toEqual(['7:3 ZP2007']);
    expect(diagnosticsOf(policy('step {\n  n: int\n}\nstate {\n  t: int = 0\n}\non step {\n  step.n = 1\n  t += 1\n}\ninvariant ok: t >= 0'))).toEqual(['9:3 ZP2007']);
  });
});

describe('names, calls and recursion', () => {
  it('reports unknown names (ZP2001), duplicates (ZP2002) and calls of non-functions (ZP2006)', () => {
    expect(diagnosticsOf(mod('const A = B\nconst C = 1\nconst C = 2\nconst D = C(1)'))).toEqual(['2:11 ZP2001', '4:7 ZP2002', '5:11 ZP2006']);
  });

  it('checks argument counts (ZP2005) and argument units', () => {
    const text = policy('use std.flops.{dense_training_flops}\nconst A = dense_training_flops(1 param)\nconst B = dense_training_flops(1 param, 2 FLOP)\ninvariant ok: A == B');
    expect(diagnosticsOf(text)).toEqual(['3:11 ZP2005', '4:41 ZP3001']);
  });

  it('rejects recursion (ZP2012): a constant in terms of itself, a function calling itself or another back', () => {
    expect(diagnosticsOf(mod('const A = A + 1'))).toEqual(['2:7 ZP2012']);
    expect(diagnosticsOf(mod('fn f(n: int): int = f(n)'))).toEqual(['2:21 ZP2012']);
    expect(messagesOf(mod('fn f(n: int): int = g(n)\nfn g(n: int): int = f(n)'))).toEqual([
      "2:21 ZP2012 'g' calls back into 'f'; policies are non-recursive so that every proof is bounded",
      "3:21 ZP2012 'f' calls back into 'g'; policies are non-recursive so that every proof is bounded",
    ]);
    // Calling a recursive function from elsewhere is not itself recursive.
    expect(diagnosticsOf(mod('fn f(n: int): int = f(n)\nfn g(n: int): int = f(n)'))).toEqual(['2:21 ZP2012']);
  });

  it('resolves constants in any order and through long chains without recursion limits', () => {
    const chain = Array.from({ length: 3000 }, (_, i) => `const C${i} = C${i + 1} + 1`).join('\n');
    expect(constant(mod(`${chain}\nconst C3000 = 1`), 'C0')).toEqual({ value: '3001/1', type: 'int' });
  });

  it('checks enum members (ZP2008) and types (ZP2015)', () => {
    expect(diagnosticsOf(mod('enum Arch { dense, moe }\nconst A = Arch.sparse\nfn f(a: Arc): bool = true'))).toEqual(['3:16 ZP2008', '4:6 ZP2016', '4:9 ZP2015']);
  });
});
