// Fuzzing the front end: every .zpol file in policies/, stdlib/ and the diagnostic goldens is mutated many times
// (truncated; lines deleted, duplicated, swapped or moved; words replaced by tokens of every kind or by other words
// of the file; random bytes inserted or deleted; several of these at once) with a seeded PRNG, and each mutant is
// parsed and checked in-process as the file it replaces, imports and all (a stdlib mutant half the time through a
// policy that imports it). Whatever the input, the front end must not throw; every diagnostic must carry a
// registered code with its severity, a message and a span inside the text whose line and column match its offset;
// and the AST must hold no `undefined` and no span outside the text. A few mutants also go through the real CLI,
// which must exit 0 or 1 (never 3, an internal error) and never print a stack trace.
//
// FUZZ_SEED and FUZZ_MUTANTS (mutants in all, spread over the corpus) scale a local run up:
// `FUZZ_SEED=7 FUZZ_MUTANTS=100000 npx vitest run test/fuzz.test.ts`. Inputs that once crashed or hung the front end
// live in test/fuzz-regressions/ (and, where they are too large to keep as files, in GENERATED_REGRESSIONS below);
// they are checked here with a time limit.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, formatPretty, type Diagnostic } from '../language/diagnostics.ts';
import { KEYWORDS } from '../language/lexer.ts';
import { displayPath, loadProgram } from '../language/program.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root); // display paths (the keys of `overrides`) are relative to the working directory

const SEED = Number(process.env.FUZZ_SEED ?? 20250101);
const TOTAL_MUTANTS = Number(process.env.FUZZ_MUTANTS ?? 15_000);
const CLI_MUTANTS = 20;
/** Mutants per CLI process: most of a run is starting tsx and oclif, so each process checks several files. */
const CLI_FILES_PER_RUN = 5;
/** A regression input must be checked within this many milliseconds (they once took minutes, or forever). */
const REGRESSION_TIME_LIMIT_MS = 10_000;

/** mulberry32: a tiny seeded PRNG, so every run mutates the same way. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];

const TOKENS: readonly string[] = [
  ...KEYWORDS,
  'version', 'source', 'deprecated', 'reveal', 'sequential', 'blocked', 'FLOP', 'token', 'param', 'byte', 's',
  'sum', 'min', 'max', 'len', 'ceil', 'floor', 'abs', 'std', 'spec.params', 'step.tokens', 'tau', 'dims',
  '..', '.', '+=', '-=', '==', '!=', '<=', '>=', '<', '>', '=', '+', '-', '*', '/', '^', '(', ')', '{', '}', '[',
  ']', ',', ';', ':', '!', '%', '&', '|', '@', '#', '$', '~', '?', '`', "'", '\\',
  '0', '1', '-1', '1e999', '1e-999', '1e400', '1e401', '0x', '0x_', '0X1F', '0xg', '1__0', '1_', '_1', '1.', '.5',
  '1.5e3k', '2T', '30%', '1%%', '1e25 FLOP', '00', '65536', '65537', '70000', '1/0', '0.0', '1e', '1e+', '3M%',
  '99999999999999999999999999999999999999', '9'.repeat(3000), '1' + '0'.repeat(500),
  '"x"', '""', '"\\""', '"abc', '"\\', '"\\n"', '"é"',
  'é', '𝔽', '🙂', '\u0000', '\uFEFF', '\u2028', '\u200b', '\r', '\r\n', '\t', '\n', '\n\n', ' ',
  'a'.repeat(5000), 'x'.repeat(64), '_', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  '// comment', '// zpol-ignore ZP2016: x', '/', '/*', '*/',
  '[0; 70000]', '[1, 2][5]', '[]', '()', '{}', 'for i in 0..70000 { }', 'use std.flops.{dense_training_flops}',
  'use "./missing.zpol".{x}', 'use std.', 'use ".".{x}', 'spec { }', 'state { x: int = 0 }', 'on step { }',
  'if true then 1 else 2', 'x in [0, 1]', 'not', 'f(', 'f(1,', '((((((((((', ')))))))))', 'policy p version 1', 'module m',
  // Nesting and chains past the parser's limits, and constants too large to fold.
  '('.repeat(300), 'not '.repeat(1500), '- '.repeat(1500), '['.repeat(600), '{'.repeat(600), '1 + '.repeat(400) + '1',
  'x' + '[0]'.repeat(400), 'if true then '.repeat(200) + '1', '[[0; 65536]; 65536]', '1e400 * 1e400 * 1e400 * 1e400',
];

/** Characters for byte-level insertion: ASCII, controls, NUL, multi-unit and lone surrogate UTF-16. */
function randomChar(rng: Rng): string {
  const r = rng();
  if (r < 0.6) return String.fromCharCode(32 + int(rng, 95));
  if (r < 0.7) return String.fromCharCode(int(rng, 32));
  if (r < 0.8) return pick(rng, ['\u0000', '\n', '"', '\\', '{', '}', '(', ')', '[', ']']);
  if (r < 0.9) return String.fromCodePoint(0x80 + int(rng, 0x10ffff - 0x80));
  return String.fromCharCode(0xd800 + int(rng, 0x800)); // a lone surrogate half
}

type Mutation = (text: string, rng: Rng) => string;

const lines = (text: string) => text.split('\n');

const MUTATIONS: Record<string, Mutation> = {
  truncate: (t, rng) => t.slice(0, int(rng, t.length + 1)),
  deleteLine: (t, rng) => {
    const ls = lines(t);
    ls.splice(int(rng, ls.length), 1);
    return ls.join('\n');
  },
  duplicateLine: (t, rng) => {
    const ls = lines(t);
    const i = int(rng, ls.length);
    ls.splice(int(rng, ls.length + 1), 0, ls[i]);
    return ls.join('\n');
  },
  swapLines: (t, rng) => {
    const ls = lines(t);
    const [i, j] = [int(rng, ls.length), int(rng, ls.length)];
    [ls[i], ls[j]] = [ls[j], ls[i]];
    return ls.join('\n');
  },
  insertToken: (t, rng) => {
    const at = int(rng, t.length + 1);
    const sep = pick(rng, ['', ' ', ' ', '\n']);
    return t.slice(0, at) + sep + pick(rng, TOKENS) + sep + t.slice(at);
  },
  replaceWord: (t, rng) => {
    const words = [...t.matchAll(/[A-Za-z_0-9.%]+/g)];
    if (words.length === 0) return t;
    const w = pick(rng, words);
    return t.slice(0, w.index) + pick(rng, TOKENS) + t.slice(w.index + w[0].length);
  },
  // Words of the same file in another place: mostly well-formed programs with wrong names, types and units,
  // which exercise the checker rather than the parser.
  reuseWord: (t, rng) => {
    const words = [...t.matchAll(/[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)?|\d[\w.%]*/g)];
    if (words.length === 0) return t;
    const w = pick(rng, words);
    return t.slice(0, w.index) + pick(rng, words)[0] + t.slice(w.index + w[0].length);
  },
  moveLines: (t, rng) => {
    const ls = lines(t);
    const from = int(rng, ls.length);
    const block = ls.splice(from, 1 + int(rng, 6));
    ls.splice(int(rng, ls.length + 1), 0, ...block);
    return ls.join('\n');
  },
  insertBytes: (t, rng) => {
    const at = int(rng, t.length + 1);
    const n = 1 + int(rng, 4);
    return t.slice(0, at) + Array.from({ length: n }, () => randomChar(rng)).join('') + t.slice(at);
  },
  deleteBytes: (t, rng) => {
    const at = int(rng, t.length + 1);
    return t.slice(0, at) + t.slice(at + 1 + int(rng, 12));
  },
  stacked: (t, rng) => {
    const simple = Object.entries(MUTATIONS).filter(([k]) => k !== 'stacked');
    let out = t;
    for (let n = 2 + int(rng, 4); n > 0; n--) out = pick(rng, simple)[1](out, rng);
    return out;
  },
};

/** The 1-based line and column of `offset` in `text`, counted as the lexer counts (UTF-16 units, \n breaks). */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Everything a diagnostic must satisfy; returns the problems found (empty when it is well formed). */
function diagnosticProblems(d: Diagnostic, text: string | undefined): string[] {
  const problems: string[] = [];
  const spec = DIAGNOSTIC_CODES[d.code as keyof typeof DIAGNOSTIC_CODES];
  if (!spec) problems.push(`unregistered code ${d.code}`);
  else if (spec.severity !== d.severity) problems.push(`severity ${d.severity}, registered ${spec.severity}`);
  if (typeof d.message !== 'string' || d.message.trim() === '') problems.push('empty message');
  const { start, end } = d.span;
  if (!(start.line >= 1 && start.column >= 1 && end.line >= 1 && end.column >= 1)) problems.push(`bad position ${JSON.stringify(d.span)}`);
  if (!(start.offset >= 0 && start.offset <= end.offset)) problems.push(`span ends before it starts ${JSON.stringify(d.span)}`);
  if (text === undefined) {
    if (d.code !== 'ZP6004') problems.push(`no source text for ${d.file}`);
    return problems;
  }
  if (end.offset > text.length) problems.push(`span ends at ${end.offset}, past the end of the text (${text.length})`);
  for (const [what, p] of [['start', start], ['end', end]] as const) {
    const expected = positionOf(text, Math.min(p.offset, text.length));
    if (expected.line !== p.line || expected.column !== p.column) {
      problems.push(`${what} offset ${p.offset} is ${expected.line}:${expected.column}, but the span says ${p.line}:${p.column}`);
    }
  }
  try {
    formatPretty(d, text);
  } catch (error) {
    problems.push(`formatPretty throws: ${(error as Error).message}`);
  }
  return problems;
}

/**
 * What the AST of any input must satisfy, whatever recovery did: no `undefined` where a node or value belongs
 * (the checker, the formatter and the compiler all walk it), and every span inside the text, in order.
 */
function astProblems(ast: unknown, text: string): string[] {
  const problems: string[] = [];
  const todo: [unknown, string][] = [[ast, 'file']];
  while (todo.length > 0 && problems.length < 3) {
    const [node, where] = todo.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      node.forEach((child, i) => (child === undefined ? problems.push(`${where}[${i}] is undefined`) : todo.push([child, `${where}[${i}]`])));
      continue;
    }
    const n = node as { kind?: string; span?: { start: { offset: number }; end: { offset: number } } } & Record<string, unknown>;
    const here = `${where}.${n.kind ?? '?'}`;
    if (n.span && !(0 <= n.span.start.offset && n.span.start.offset <= n.span.end.offset && n.span.end.offset <= text.length)) {
      problems.push(`${here} has span ${n.span.start.offset}..${n.span.end.offset} outside 0..${text.length}`);
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === 'span') continue;
      if (value === undefined) problems.push(`${here}.${key} is undefined`);
      else todo.push([value, `${here}.${key}`]);
    }
  }
  return problems;
}

/** Checks `path` with its text replaced by `mutant` (through `via`, a file that imports it, if given). */
function checkMutant(path: string, mutant: string, via?: string): string[] {
  let program;
  try {
    program = loadProgram([via ?? path], undefined, new Map([[path, mutant]]));
  } catch (error) {
    return [`throws: ${(error as Error).stack ?? error}`];
  }
  const file = program.files.get(path);
  return [
    ...program.diagnostics.flatMap((d) => diagnosticProblems(d, program.sources.get(d.file)).map((p) => `${d.file}:${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}: ${p}`)),
    ...(file ? astProblems(file.ast, file.text).map((p) => `AST: ${p}`) : []),
  ];
}

/** Inputs that once crashed or hung the front end and are too large to keep as files. */
const GENERATED_REGRESSIONS: Record<string, string> = {
  // The checker recursed once per term: 30,000 terms overflowed the stack.
  'long-operator-chain': `module regress.chain\nconst A = ${Array(30_000).fill('1').join(' + ')}\n`,
  // The checker typed each constant by recursing into the one it names: 5,000 links overflowed the stack.
  'long-constant-chain': `module regress.constants\n${Array.from({ length: 5000 }, (_, i) => `const C${i} = C${i + 1} + 1`).join('\n')}\nconst C5000 = 1\n`,
  // Recursion detection followed every call chain from every call: quadratic time, and 5,000 links overflowed the stack.
  'long-call-chain': `module regress.calls\n${Array.from({ length: 5000 }, (_, i) => `fn g${i}(x: int): int = g${i + 1}(x)`).join('\n')}\nfn g5000(x: int): int = x\n`,
  // 3,000 nested array literals: the parser must stop at its nesting limit.
  'deep-array-literals': `module regress.arrays\nconst A = ${'['.repeat(3000)}1${']'.repeat(3000)}\n`,
  // 3,000 nested blocks.
  'deep-blocks': `policy regress version 1\nstate { x: int = 0 }\non step {${'for i in 0..1 {'.repeat(3000)}x += 1${'}'.repeat(3000)}}\n`,
};

function zpolFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.zpol'))
    .map((e) => `${dir}/${e.name}`)
    .sort();
}

// The regression inputs are checked as they are (below), not mutated: several are large and slow to mutate.
const corpus = [...zpolFiles('policies'), ...zpolFiles('stdlib'), ...zpolFiles('test/golden/diagnostics')];
/** For a stdlib module, a policy that imports it: its mutants are also checked through that import. */
const importer = new Map<string, string>();
for (const p of zpolFiles('policies')) {
  for (const m of readFileSync(p, 'utf8').matchAll(/^use std\.(\w+)\./gm)) {
    if (!importer.has(`stdlib/${m[1]}.zpol`)) importer.set(`stdlib/${m[1]}.zpol`, p);
  }
}

interface Finding {
  file: string;
  mutation: string;
  mutant: string;
  problems: string[];
}

/** Runs the CLI as users do; resolves with its exit status and output. */
function runCli(args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** A few mutants for the CLI, from their own PRNG stream: every third corpus file, one mutation each. */
function cliMutants(): { name: string; mutant: string }[] {
  const rng = mulberry32(SEED + 1);
  const ops = Object.keys(MUTATIONS);
  const files = corpus.filter((_, i) => i % 3 === 0).slice(0, CLI_MUTANTS);
  return files.map((file, i) => ({
    name: `${i}-${file.replace(/\W+/g, '_')}`,
    mutant: MUTATIONS[ops[i % ops.length]](readFileSync(file, 'utf8'), rng),
  }));
}

describe('front end fuzzing', () => {
  it('never throws and reports only well-formed diagnostics on mutated sources', () => {
    expect(corpus.length).toBeGreaterThan(40);
    const rng = mulberry32(SEED);
    const findings: Finding[] = [];
    const ops = Object.keys(MUTATIONS);
    const perFile = Math.ceil(TOTAL_MUTANTS / corpus.length);
    const counts: Record<string, number> = Object.fromEntries(ops.map((op) => [op, 0]));
    let count = 0;
    const started = performance.now();
    for (const file of corpus) {
      const original = readFileSync(file, 'utf8');
      const path = displayPath(file);
      const via = importer.get(path);
      for (let i = 0; i < perFile; i++) {
        const mutation = ops[(i + count) % ops.length];
        const mutant = MUTATIONS[mutation](original, rng);
        // Half the mutants of a stdlib module are checked through a policy that imports it.
        const problems = checkMutant(path, mutant, via !== undefined && i % 2 === 0 ? via : undefined);
        count++;
        counts[mutation]++;
        if (problems.length > 0) findings.push({ file, mutation, mutant, problems });
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const byOp = ops.map((op) => `${op} ${counts[op]}`).join(', ');
    console.log(`fuzz: ${count} mutants of ${corpus.length} files (seed ${SEED}) in ${seconds}s (${byOp}); ${findings.length} with problems`);
    for (const f of findings.slice(0, 3)) {
      console.log(`--- ${f.file} (${f.mutation})\n${f.problems.slice(0, 3).join('\n')}\n--- mutant:\n${f.mutant.slice(0, 3000)}`);
    }
    expect(count).toBeGreaterThanOrEqual(TOTAL_MUTANTS);
    expect(findings.map((f) => `${f.file} (${f.mutation}): ${f.problems[0]}`)).toEqual([]);
  });

  const regressionFiles = zpolFiles('test/fuzz-regressions');
  it('has regression inputs to check', () => expect(regressionFiles.length).toBeGreaterThan(5));

  it.each(regressionFiles)('checks the regression input %s quickly and without throwing', (file) => {
    const started = performance.now();
    expect(checkMutant(displayPath(file), readFileSync(file, 'utf8'))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(REGRESSION_TIME_LIMIT_MS);
  });

  it.each(Object.keys(GENERATED_REGRESSIONS))('checks the generated regression input %s quickly and without throwing', (name) => {
    const started = performance.now();
    // Any existing file will do as the path that the generated text replaces.
    expect(checkMutant(displayPath(regressionFiles[0]), GENERATED_REGRESSIONS[name])).toEqual([]);
    expect(performance.now() - started).toBeLessThan(REGRESSION_TIME_LIMIT_MS);
  });

  it(`runs the CLI on ${CLI_MUTANTS} mutants: exit 0 or 1, never an internal error or a stack trace`, async () => {
    const cliCandidates = cliMutants();
    expect(cliCandidates.length).toBe(CLI_MUTANTS);
    const dir = mkdtempSync(join(tmpdir(), 'zpol-fuzz-'));
    try {
      const files = cliCandidates.map(({ name, mutant }) => {
        const file = join(dir, `${name}.zpol`);
        writeFileSync(file, mutant);
        return file;
      });
      const runs: string[][] = [];
      for (let i = 0; i < files.length; i += CLI_FILES_PER_RUN) runs.push(files.slice(i, i + CLI_FILES_PER_RUN));
      const results = await Promise.all(runs.map(async (batch) => ({ batch, ...(await runCli(['check', ...batch])) })));
      const bad = results.filter((r) => (r.status !== 0 && r.status !== 1) || /^ {4}at /m.test(r.output) || /internal error/.test(r.output));
      expect(bad.map((r) => `${r.batch.join(' ')}: exit ${r.status}\n${r.output.slice(-2000)}`)).toEqual([]);
      // The CLI saw every mutant: each run ends with its summary line.
      for (const r of results) expect(r.output).toMatch(new RegExp(`checked ${r.batch.length} files: \\d+ errors?, \\d+ warnings?\\n$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
