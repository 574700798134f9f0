// The formatter (language/format): a Prettier plugin and `zpol fmt`. For every sample, every .zpol file in
// policies/ and stdlib/, and every sample with a comment inserted at each token boundary: formatting is
// idempotent, the AST of the output equals the AST of the input (spans aside), and every comment survives, in
// order. Then the canonical style on small inputs, refusal of broken files, Prettier's own API and CLI with the
// plugin, and the `zpol fmt` command.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSource, ZpolSyntaxError } from '../language/format/index.ts';
import plugin from '../language/format/plugin.ts';
import { zpolLexer } from '../language/lexer.ts';
import { parse } from '../language/parser.ts';
import { root, run, zpol as runZpol } from './helpers.ts';

// ---------------------------------------------------------------------------------------------------------
// Samples: every construct of docs/language.md, with comments in awkward places.

const POLICY = `// file start: a comment before the header

// a second paragraph of the file comment
policy eu_ai_act_art51 version 1 "Cumulative training compute stays below 1e25 FLOP" // after the header
use std.flops.{dense_training_flops, forward_flops}
use "./shared/mixture.zpol".{web_share}
// between imports and units
unit GPU_hour
unit USD
const EU_SYSTEMIC_RISK: int FLOP = 1e25 FLOP
  source "Regulation (EU) 2024/1689 (AI Act), Art. 51(2)"
const EO_14110_GENERAL = 1e26 FLOP // trailing the value, before source
  source "Executive Order 14110, sec. 4.2(b)(i)"
  // between source and deprecated
  deprecated "Revoked by Executive Order 14148 on 20 January 2025"
const NUMBERS: ratio = 1_000 + 0x3f80 + 2.5e-3 + 2T + 30% + 1.50 + 7E + 5k + 1e-20 // spelled as written
const ESCAPES = "quote \\" backslash \\\\ newline \\n"
const ARR: [int token; 3] = [1 token, 2 token, 3 token]
const REP = [0 FLOP; N_SOURCES]
const ITE = if true then 1 else 2
const NOTS = not (false or true) and not false
const RANGE = 5 in [-1, 10 * 2]
const PARENS = ((1 + 2)) * (3 - -4) / (5)
enum Arch { dense_transformer, moe_transformer, state_space, convolutional }
enum Empty {}
enum Long { first_member_name, second_member_name, third_member_name, fourth_member_name, fifth_member_name }
fn dense_training_flops(params: int param, tokens: int token): int FLOP =
  6 FLOP / param / token * params * tokens
fn no_params(): bool = true
fn types(a: bool, b: ratio FLOP/s, c: percent, d: bf16, e: f32, f: digest, g: Arch, h: [ratio; 4], i: int byte^2, j: int s^-1, k: int token*param): int = 0
spec {
  arch: Arch // the architecture
  params: int param; layers: int, d_model: int

  // a paragraph of public fields
  public tokens_planned: int token          // aligned comment
  public batch_tokens: int
  // before the closing brace
}
step {
  tokens: int token
  tokens_by_source: [int token; N_SOURCES]


  x_root: digest
}
state { // on the opening brace
  total: int FLOP = 0 FLOP
  by_source: [int token; N_SOURCES] = [0 token; N_SOURCES]
}
on step {
  // first in on step
  let flops = dense_training_flops(spec.params, step.tokens)
  total += flops // trailing a statement

  for i in 0..N_SOURCES {
    by_source[i] += step.tokens_by_source[i] // inside a loop
    // last in a loop
  }
  for j in 1..N_SOURCES - 1 { // nothing yet
  }
  total -= 0 FLOP
  total = total
  // last in on step
}
attest dense_only "Only dense transformers": spec.arch == Arch.dense_transformer
attest no_description: spec.layers >= 1 and spec.layers <= 1000
invariant below_threshold "Cumulative compute below the Art. 51 presumption": total < EU_SYSTEMIC_RISK and (total >= 0 FLOP or not false)
output total_compute: total reveal "Art. 53(1)(a) technical documentation"
output spec_layers "Layers": spec.layers
output with_comment: total // before reveal
  reveal "why"
verify fc1 "First MLP matrix product" {
  a: step.x_root            // committed left operand, m x k, bf16
  b: step.w1_root           // committed right operand, k x n, bf16
  c: step.h_root            // committed output, m x n
  dims: [spec.batch_tokens, spec.d_model, spec.d_ff]
  tau: 1e-20                // miss probability the check must reach
  f: 1%; order: blocked(64)
  rounding: bf16
  samples: 100
  // end of verify
}
verify empty {
  // nothing to check yet
}
// file end
`;

const MODULE = `module std.example "An example module" // after the module header
use std.units.{USD, GPU_hour}

// A constant with a long expression that cannot stay on one line at all, because it goes on and on and on.
const LONG_EXPRESSION: ratio = (FIRST_TERM_OF_THE_SUM + SECOND_TERM_OF_THE_SUM) * THIRD_FACTOR / FOURTH_DIVISOR - FIFTH
const A = 1
const B = 2

const C = 3
fn transformer_training_flops(params: int param, layers: int, d_model: int, seq_len: int, tokens: int token): int FLOP =
  dense_training_flops(params, tokens) + attention_training_flops(layers, d_model, seq_len, tokens)
fn call_with_many_arguments(): int = some_function_name(first_argument_value, second_argument_value, third_argument)
fn comments_in_params(
  a: int, // first
  b: int // second
): int = a + b
fn comments_in_expr(a: int, b: int): int =
  a // after a
  + b // after b
  - (a * b) // after the product
fn conditional(x: int): int = if x > 100000000000000000 then x * 200000000000000 else x * 3000000000000000 + 40000000000
`;

const SAMPLES: Record<string, string> = {
  'policy.zpol': POLICY,
  'module.zpol': MODULE,
  'minimal.zpol': 'policy p version 1',
  'crlf.zpol': 'module m\r\n// c\r\nconst A = 1\r\n\r\nconst B = 2\r\n',
  'no-final-newline.zpol': 'module m\nconst A = 1 // last',
};

// ---------------------------------------------------------------------------------------------------------
// Checks

/** The AST without spans (and the file path), so that two parses of differently laid out text compare equal. */
function stripSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSpans);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key !== 'span' && key !== 'comments' && key !== 'path') out[key] = stripSpans(v);
    }
    return out;
  }
  return value;
}

function parseClean(text: string, file: string) {
  const { ast, diagnostics } = parse(text, file);
  expect(diagnostics.map((d) => `${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.code} ${d.message}`)).toEqual([]);
  return ast;
}

const commentTexts = (text: string, file: string) => parseClean(text, file).comments.map((c) => c.text.trimEnd());

/** Idempotence, AST preservation and comment preservation for one input; returns the formatted text. */
async function expectSound(text: string, file: string): Promise<string> {
  const before = parseClean(text, file);
  const once = await formatSource(text, file);
  const twice = await formatSource(once, file);
  expect(twice, `${file}: formatting is not idempotent`).toBe(once);
  const after = parseClean(once, file);
  expect(stripSpans(after), `${file}: formatting changed the AST`).toEqual(stripSpans(before));
  const comments = before.comments.map((c) => c.text.trimEnd());
  expect(commentTexts(once, file), `${file}: comments lost, added or reordered`).toEqual(comments);
  for (const c of comments) expect(once).toContain(c);
  return once;
}

/** `text` with a comment inserted at each token boundary where that leaves the AST as it was. */
function* withInsertedComments(text: string): Generator<[number, string]> {
  const base = JSON.stringify(stripSpans(parse(text, 'x.zpol').ast), (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const offsets = new Set<number>();
  for (const t of zpolLexer.tokenize(text).tokens) offsets.add(t.startOffset).add((t.endOffset ?? t.startOffset) + 1);
  let n = 0;
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const mutated = `${text.slice(0, offset)} // inserted ${n++}\n${text.slice(offset)}`;
    const { ast, diagnostics } = parse(mutated, 'x.zpol');
    if (diagnostics.length > 0) continue;
    if (JSON.stringify(stripSpans(ast), (_, v) => (typeof v === 'bigint' ? `${v}n` : v)) !== base) continue;
    yield [offset, mutated];
  }
}

function zpolFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) visit(p);
      else if (e.endsWith('.zpol')) out.push(p);
    }
  };
  visit(dir);
  return out;
}

// ---------------------------------------------------------------------------------------------------------

describe('formatting preserves programs and comments', () => {
  it.each(Object.entries(SAMPLES))('%s', async (file, text) => {
    await expectSound(text, file);
  });

  const repoFiles = [...zpolFiles(join(root, 'policies')), ...zpolFiles(join(root, 'stdlib'))];
  it.each(repoFiles.map((f) => [relative(root, f)]))('%s', async (file) => {
    await expectSound(readFileSync(join(root, file), 'utf8'), file);
  });

  it.each(['policy.zpol', 'module.zpol'])('%s with a comment inserted at every token boundary', async (file) => {
    let cases = 0;
    for (const [offset, mutated] of withInsertedComments(SAMPLES[file])) {
      cases++;
      try {
        await expectSound(mutated, file);
      } catch (error) {
        throw new Error(`comment inserted at offset ${offset}:\n${mutated}\n${(error as Error).message}`);
      }
    }
    expect(cases).toBeGreaterThan(100);
  });
});

describe('several comments in odd places', () => {
  // Comments dropped at random token boundaries, on their own lines or at line ends, three or four at a time. Two
  // such comments can interact (one floats to the end of a line another one ends): the output must still be a
  // faithful formatting, and a second run may move a comment once, but no more.
  it.each(['policy.zpol', 'module.zpol'])('%s', async (file) => {
    let seed = 20250101;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const text = SAMPLES[file];
    const base = JSON.stringify(stripSpans(parse(text, file).ast), (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const offsets = [...new Set(zpolLexer.tokenize(text).tokens.flatMap((t) => [t.startOffset, (t.endOffset ?? t.startOffset) + 1]))];
    let cases = 0;
    for (let m = 0; m < 150; m++) {
      const picks = Array.from({ length: 3 + Math.floor(random() * 2) }, () => offsets[Math.floor(random() * offsets.length)]);
      let mutated = text;
      picks.sort((a, b) => b - a).forEach((at, i) => {
        mutated = `${mutated.slice(0, at)}${random() < 0.5 ? ` // k${i}\n` : `\n// o${i}\n`}${mutated.slice(at)}`;
      });
      const { ast, diagnostics } = parse(mutated, file);
      if (diagnostics.length > 0) continue;
      if (JSON.stringify(stripSpans(ast), (_, v) => (typeof v === 'bigint' ? `${v}n` : v)) !== base) continue;
      cases++;
      try {
        const once = await formatSource(mutated, file);
        const after = parseClean(once, file);
        expect(stripSpans(after)).toEqual(stripSpans(parseClean(mutated, file)));
        expect(after.comments.map((c) => c.text.trimEnd())).toEqual(parse(mutated, file).ast.comments.map((c) => c.text.trimEnd()));
        const twice = await formatSource(once, file);
        expect(await formatSource(twice, file)).toBe(twice);
      } catch (error) {
        throw new Error(`${mutated}\n${(error as Error).message}`);
      }
    }
    expect(cases).toBeGreaterThan(50);
  });
});

describe('canonical style', () => {
  const fmt = (text: string) => formatSource(text, 'style.zpol');

  it('prints the documented example unchanged apart from comment alignment', async () => {
    const text = [
      'policy p version 1 "d"',
      '',
      'use std.flops.{dense_training_flops}',
      'use "./shared/mixture.zpol".{web_share}',
      '',
      'const EU_SYSTEMIC_RISK: int FLOP = 1e25 FLOP',
      '  source "Regulation (EU) 2024/1689 (AI Act), Art. 51(2)"',
      '',
      'enum Arch { dense_transformer, moe_transformer, state_space, convolutional }',
      '',
      'fn dense_training_flops(params: int param, tokens: int token): int FLOP =',
      '  6 FLOP / param / token * params * tokens',
      '',
      'spec {',
      '  arch: Arch',
      '  public layers: int // `public` reveals this field in every proof',
      '}',
      '',
      'output total_compute: total reveal "Art. 53(1)(a) technical documentation"',
      '',
    ].join('\n');
    expect(await fmt(text)).toBe(text);
  });

  it('normalizes layout: indentation, separators, spacing, blank lines', async () => {
    const text = [
      'policy   p   version 1',
      'use std.a.{x,y}',
      'const A=1+2*3',
      'const B = 2',
      '',
      '',
      'const C = 3',
      'spec { a: int; b: int, c: int',
      '',
      '',
      '  d: int }',
      'on step { total+=1',
      '  for i in 0 .. 3 { x[i]-=1 } }',
      'verify v { tau: 1e-20; f: 1% }',
      'output o:x reveal "r"',
    ].join('\n');
    expect(await fmt(text)).toBe(
      [
        'policy p version 1',
        '',
        'use std.a.{x, y}',
        '',
        'const A = 1 + 2 * 3',
        'const B = 2',
        '',
        'const C = 3',
        '',
        'spec {',
        '  a: int',
        '  b: int',
        '  c: int',
        '',
        '  d: int',
        '}',
        '',
        'on step {',
        '  total += 1',
        '  for i in 0..3 {',
        '    x[i] -= 1',
        '  }',
        '}',
        '',
        'verify v {',
        '  tau: 1e-20',
        '  f: 1%',
        '}',
        '',
        'output o: x reveal "r"',
        '',
      ].join('\n'),
    );
  });

  it('keeps numbers, strings and parentheses exactly as written', async () => {
    const out = await fmt('module m\nconst A = ((1_000.50e+3 k)) * (0X3F80 + 30%) + "a\\"b"\n');
    expect(out).toBe('module m\n\nconst A = ((1_000.50e+3 k)) * (0X3F80 + 30%) + "a\\"b"\n');
  });

  it('breaks long declarations after `=`, then at operators, arguments and parameters', async () => {
    const out = await fmt(
      [
        'module m',
        'const LONG_EXPRESSION: ratio = (FIRST_TERM_OF_THE_SUM + SECOND_TERM_OF_THE_SUM) * THIRD_FACTOR / FOURTH_DIVISOR - FIFTH',
        'fn transformer_training_flops(params: int param, layers: int, d_model: int, seq_len: int, tokens: int token): int FLOP =',
        '  dense_training_flops(params, tokens) + attention_training_flops(layers, d_model, seq_len, tokens)',
        'fn call_with_many_arguments(): int = some_function_name(first_argument_value, second_argument_value, third_argument)',
      ].join('\n'),
    );
    expect(out).toBe(
      [
        'module m',
        '',
        'const LONG_EXPRESSION: ratio =',
        '  (FIRST_TERM_OF_THE_SUM + SECOND_TERM_OF_THE_SUM) * THIRD_FACTOR / FOURTH_DIVISOR - FIFTH',
        '',
        'fn transformer_training_flops(',
        '  params: int param, layers: int, d_model: int, seq_len: int, tokens: int token',
        '): int FLOP =',
        '  dense_training_flops(params, tokens) + attention_training_flops(layers, d_model, seq_len, tokens)',
        '',
        'fn call_with_many_arguments(): int =',
        '  some_function_name(first_argument_value, second_argument_value, third_argument)',
        '',
      ].join('\n'),
    );
    const longer = await fmt(
      'module m\nconst X = some_function_name(first_argument_value, second_argument_value, third_argument_value_that_is_longer) + another_term_in_the_sum\n',
    );
    expect(longer).toBe(
      [
        'module m',
        '',
        'const X =',
        '  some_function_name(',
        '    first_argument_value,',
        '    second_argument_value,',
        '    third_argument_value_that_is_longer',
        '  )',
        '    + another_term_in_the_sum',
        '',
      ].join('\n'),
    );
  });

  it('puts enum members on one line when they fit, else one per line', async () => {
    const out = await fmt(`module m\nenum Long { first_member_name, second_member_name, third_member_name, fourth_member_name, fifth_member_name }\nenum Short { a, b }\n`);
    expect(out).toBe(
      [
        'module m',
        '',
        'enum Long {',
        '  first_member_name,',
        '  second_member_name,',
        '  third_member_name,',
        '  fourth_member_name,',
        '  fifth_member_name',
        '}',
        '',
        'enum Short { a, b }',
        '',
      ].join('\n'),
    );
  });

  it('keeps comments where they were', async () => {
    const text = [
      '// top',
      'module m // header',
      '',
      '// before A',
      'const A = 1 // after A',
      '  source "s" // after source',
      'spec { // open',
      '  a: int // after a',
      '',
      '  // before b',
      '  b: int',
      '  // before close',
      '}',
      'on step {',
      '  // only a comment',
      '}',
      '// bottom',
    ].join('\n');
    expect(await fmt(text)).toBe(
      [
        '// top',
        'module m // header',
        '',
        '// before A',
        'const A = 1 // after A',
        '  source "s" // after source',
        '',
        'spec { // open',
        '  a: int // after a',
        '',
        '  // before b',
        '  b: int',
        '  // before close',
        '}',
        '',
        'on step {',
        '  // only a comment',
        '}',
        '// bottom',
        '',
      ].join('\n'),
    );
  });

  it('never joins two comments onto one line', async () => {
    const text = 'module m\nconst A = x // one\n  .y // two\n  + 1\nconst B // three\n  : int // four\n  = 2\n';
    const out = await expectSound(text, 'join.zpol');
    for (const line of out.split('\n')) expect(line.match(/\/\//g)?.length ?? 0).toBeLessThanOrEqual(1);
  });
});

describe('files with syntax errors', () => {
  it('are refused with the parser diagnostic', async () => {
    const error = await formatSource('policy p version 1\nconst A = \n', 'broken.zpol').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZpolSyntaxError);
    expect((error as ZpolSyntaxError).message).toMatch(/^broken\.zpol:3:1: error ZP1003: /);
    expect((error as ZpolSyntaxError).diagnostics[0].code).toBe('ZP1003');
  });

  it('include a file without a header', async () => {
    await expect(formatSource('const A = 1\n', 'nohead.zpol')).rejects.toThrow(/nohead\.zpol:1:1: error ZP1005/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Prettier itself

const prettierBin = join(root, 'node_modules/prettier/bin/prettier.cjs');
const pluginEntry = './language/format/prettier-plugin-zpol.mjs';
const tmp = mkdtempSync(join(tmpdir(), 'zpol-fmt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Prettier with the zpol plugin', () => {
  it('formats through prettier.format, by parser name or by file extension', async () => {
    const text = 'module m\nconst A=1\n';
    expect(await prettier.format(text, { parser: 'zpol', plugins: [plugin] })).toBe('module m\n\nconst A = 1\n');
    expect(await prettier.format(text, { filepath: 'x.zpol', plugins: [plugin] })).toBe('module m\n\nconst A = 1\n');
    expect(await prettier.check('module m\n\nconst A = 1\n', { parser: 'zpol', plugins: [plugin] })).toBe(true);
  });

  it('respects printWidth', async () => {
    const out = await prettier.format('module m\nconst A = alpha + beta + gamma\n', { parser: 'zpol', plugins: [plugin], printWidth: 24 });
    expect(out).toBe('module m\n\nconst A =\n  alpha + beta + gamma\n');
  });

  it('loads the plugin from its .mjs entry in the Prettier CLI', () => {
    const file = join(tmp, 'cli.zpol');
    writeFileSync(file, 'module m\nconst A=1 // c\n');
    const printed = run(process.execPath, [prettierBin, '--plugin', pluginEntry, file]);
    expect(printed.stderr).toBe('');
    expect(printed.stdout).toBe('module m\n\nconst A = 1 // c\n');
    mkdirSync(join(tmp, 'prettier-dir'), { recursive: true });
    writeFileSync(join(tmp, 'prettier-dir', 'tidy.zpol'), 'module m\n\nconst A = 1\n');
    const checked = run(process.execPath, [prettierBin, '--plugin', pluginEntry, '--check', join(tmp, 'prettier-dir')]);
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    writeFileSync(join(tmp, 'prettier-dir', 'messy.zpol'), 'module m\nconst A=1\n');
    expect(run(process.execPath, [prettierBin, '--plugin', pluginEntry, '--check', join(tmp, 'prettier-dir')]).status).toBe(1);
    // Prettier's own check: formatting is idempotent and keeps the AST (compared without spans).
    writeFileSync(join(tmp, 'sample.zpol'), POLICY);
    const debugCheck = run(process.execPath, [prettierBin, '--plugin', pluginEntry, '--debug-check', join(tmp, 'sample.zpol')]);
    expect(debugCheck.status, debugCheck.stderr).toBe(0);
    writeFileSync(join(tmp, 'broken.zpol'), 'module m\nconst A =\n');
    const broken = run(process.execPath, [prettierBin, '--plugin', pluginEntry, join(tmp, 'broken.zpol')]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/broken\.zpol:3:1: error ZP1003/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// zpol fmt

const zpol = (...args: string[]) => runZpol(['fmt', ...args], tmp);

describe('zpol fmt', () => {
  const messy = 'module m\nconst A=1\n';
  const tidy = 'module m\n\nconst A = 1\n';

  it('prints one formatted file to stdout', () => {
    writeFileSync(join(tmp, 'one.zpol'), messy);
    const r = zpol('one.zpol');
    expect(r).toMatchObject({ status: 0, stdout: tidy, stderr: '' });
  });

  it('--check lists files that would change and exits 1, 0 when all are formatted', () => {
    writeFileSync(join(tmp, 'check-a.zpol'), messy);
    writeFileSync(join(tmp, 'check-b.zpol'), tidy);
    expect(zpol('--check', 'check-a.zpol', 'check-b.zpol')).toMatchObject({ status: 1, stdout: 'check-a.zpol\n' });
    expect(zpol('--check', 'check-b.zpol')).toMatchObject({ status: 0, stdout: '' });
    expect(readFileSync(join(tmp, 'check-a.zpol'), 'utf8')).toBe(messy);
  });

  it('--write rewrites changed files only, walking directories', () => {
    const dir = join(tmp, 'tree');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'messy.zpol'), messy);
    writeFileSync(join(dir, 'tidy.zpol'), tidy);
    writeFileSync(join(dir, 'notes.txt'), messy);
    const before = statSync(join(dir, 'tidy.zpol')).mtimeMs;
    const r = zpol('--write', 'tree');
    expect(r).toMatchObject({ status: 0, stdout: 'tree/sub/messy.zpol\n', stderr: '' });
    expect(readFileSync(join(dir, 'sub', 'messy.zpol'), 'utf8')).toBe(tidy);
    expect(statSync(join(dir, 'tidy.zpol')).mtimeMs).toBe(before);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe(messy);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['messy.zpol']); // no temporary file left behind
    expect(zpol('--check', 'tree')).toMatchObject({ status: 0, stdout: '' });
  });

  it('reports syntax errors as diagnostics and exits 1 without touching the file', () => {
    writeFileSync(join(tmp, 'bad.zpol'), 'module m\nconst A = \n');
    for (const flags of [[], ['--check'], ['--write']]) {
      const r = zpol(...flags, 'bad.zpol');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^bad\.zpol:3:1: error ZP1003: /);
    }
    expect(readFileSync(join(tmp, 'bad.zpol'), 'utf8')).toBe('module m\nconst A = \n');
  });

  it('exits 2 on bad usage', () => {
    writeFileSync(join(tmp, 'u1.zpol'), tidy);
    writeFileSync(join(tmp, 'u2.zpol'), tidy);
    for (const args of [[], ['--check', '--write', 'u1.zpol'], ['u1.zpol', 'u2.zpol'], ['--bogus', 'u1.zpol']]) {
      const r = zpol(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^zpol: /);
    }
  });

  it('reports a missing file and exits 1', () => {
    const r = zpol('--check', 'missing.zpol');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing\.zpol:1:1: error ZP6004: /);
  });
});
