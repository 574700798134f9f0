// Readers and a checker for the IEEE-754 conformance vectors in conformance/ (Berkeley TestFloat 3 and
// SoftFloat 3, and MMA-Sim for the tensor-core files bf16_mma and bf16_mma_dot). Every line format of that
// directory's README is read into typed vectors that keep their line numbers; checkVectors runs this package's
// reference implementation over them (runtime/fp/, mma.ts for the tensor-core model).
//
// NaN rule (README): the files come from an x86 SoftFloat build that propagates payloads; an implementation with
// one canonical NaN conforms when it returns a NaN wherever a NaN is expected. NaN results are compared as a
// class, every other result bit for bit. Flags are compared and counted but, being optional, do not fail a
// vector unless `requireFlags` is set. The tensor-core model's one NaN is 7FFFFFFF (f32ToBf16 makes it 7FC0);
// its results are compared by the same rule.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { addF32, eqF32, fmaF32, isNaNF32, leF32, ltF32, mulF32 } from '../fp/f32.ts';
import type { FlagSink } from '../fp/f32.ts';
import { bf16Dot, bf16Mac, f32ToBf16, isNaNBf16 } from '../fp/bf16.ts';
import { bf16MmaDot, MMA_K, mma16 } from '../fp/mma.ts';
import { packagePath } from '../../base/package-files.ts';

export type ConformanceOp =
  | 'f32_add'
  | 'f32_mul'
  | 'f32_mulAdd'
  | 'f32_eq'
  | 'f32_lt'
  | 'f32_le'
  | 'f32_to_bf16'
  | 'bf16_mac'
  | 'bf16_dot'
  | 'bf16_mma'
  | 'bf16_mma_dot';

export const CONFORMANCE_OPS: readonly ConformanceOp[] = [
  'f32_add',
  'f32_mul',
  'f32_mulAdd',
  'f32_eq',
  'f32_lt',
  'f32_le',
  'f32_to_bf16',
  'bf16_mac',
  'bf16_dot',
  'bf16_mma',
  'bf16_mma_dot',
];

/** `A B RESULT FLAGS` (f32_add, f32_mul). */
export interface F32BinaryVector {
  line: number;
  a: number;
  b: number;
  result: number;
  flags: number;
}

/** `A B C RESULT FLAGS` (f32_mulAdd: RESULT = A*B+C, one rounding). */
export interface F32MulAddVector {
  line: number;
  a: number;
  b: number;
  c: number;
  result: number;
  flags: number;
}

/** `A B RESULT FLAGS` with RESULT 1 or 0 (f32_eq, f32_lt, f32_le). */
export interface F32CompareVector {
  line: number;
  a: number;
  b: number;
  result: boolean;
  flags: number;
}

/** `X RESULT` (f32_to_bf16). */
export interface ToBf16Vector {
  line: number;
  x: number;
  result: number;
}

/** `A B C RESULT` (bf16_mac: RESULT = fma(bf16_to_f32(A), bf16_to_f32(B), C)). */
export interface Bf16MacVector {
  line: number;
  a: number;
  b: number;
  c: number;
  result: number;
}

/** `A_0 … A_15 B_0 … B_15 C D` (bf16_mma: D = mma16(A, B, C), one Hopper tensor-core operation). */
export interface Bf16MmaVector {
  line: number;
  a: number[];
  b: number[];
  c: number;
  d: number;
}

/**
 * `K A_0 … A_{K-1} B_0 … B_{K-1} ACC OUT`: bf16_dot (sequential fmas) and bf16_mma_dot (chained 16-wide
 * tensor-core operations, K a multiple of 16).
 */
export interface Bf16DotVector {
  line: number;
  a: number[];
  b: number[];
  acc: number;
  out: number;
}

export interface VectorOf {
  f32_add: F32BinaryVector;
  f32_mul: F32BinaryVector;
  f32_mulAdd: F32MulAddVector;
  f32_eq: F32CompareVector;
  f32_lt: F32CompareVector;
  f32_le: F32CompareVector;
  f32_to_bf16: ToBf16Vector;
  bf16_mac: Bf16MacVector;
  bf16_dot: Bf16DotVector;
  bf16_mma: Bf16MmaVector;
  bf16_mma_dot: Bf16DotVector;
}

/** A line that does not have its file's format. */
export class ConformanceFormatError extends Error {
  constructor(
    readonly op: ConformanceOp,
    readonly line: number,
    message: string,
  ) {
    super(`${op}.tv:${line}: ${message}`);
    this.name = 'ConformanceFormatError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading.

const HEX8 = /^[0-9A-Fa-f]{8}$/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;
const DECIMAL = /^[0-9]+$/;

/** Non-blank lines as [1-based line number, fields]. */
function* fieldLines(text: string): Generator<[number, string[]]> {
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw !== '') yield [lineNo, raw.split(/\s+/)];
    if (end === text.length) break;
  }
}

function field(op: ConformanceOp, line: number, tok: string, re: RegExp, what: string): number {
  if (!re.test(tok)) throw new ConformanceFormatError(op, line, `expected ${what}, found '${tok}'`);
  return parseInt(tok, 16);
}

const f32 = (op: ConformanceOp, line: number, tok: string) => field(op, line, tok, HEX8, 'an f32 (8 hex digits)');
const bf16 = (op: ConformanceOp, line: number, tok: string) => field(op, line, tok, HEX4, 'a bf16 (4 hex digits)');
const flagsByte = (op: ConformanceOp, line: number, tok: string) => field(op, line, tok, HEX2, 'FLAGS (2 hex digits)');

function arity(op: ConformanceOp, line: number, fields: string[], n: number): void {
  if (fields.length !== n) throw new ConformanceFormatError(op, line, `expected ${n} fields, found ${fields.length}`);
}

export function* readF32Binary(text: string, op: 'f32_add' | 'f32_mul' = 'f32_add'): Generator<F32BinaryVector> {
  for (const [line, f] of fieldLines(text)) {
    arity(op, line, f, 4);
    yield { line, a: f32(op, line, f[0]), b: f32(op, line, f[1]), result: f32(op, line, f[2]), flags: flagsByte(op, line, f[3]) };
  }
}

export function* readF32MulAdd(text: string): Generator<F32MulAddVector> {
  const op = 'f32_mulAdd';
  for (const [line, f] of fieldLines(text)) {
    arity(op, line, f, 5);
    yield {
      line,
      a: f32(op, line, f[0]),
      b: f32(op, line, f[1]),
      c: f32(op, line, f[2]),
      result: f32(op, line, f[3]),
      flags: flagsByte(op, line, f[4]),
    };
  }
}

export function* readF32Compare(text: string, op: 'f32_eq' | 'f32_lt' | 'f32_le' = 'f32_eq'): Generator<F32CompareVector> {
  for (const [line, f] of fieldLines(text)) {
    arity(op, line, f, 4);
    if (f[2] !== '0' && f[2] !== '1') throw new ConformanceFormatError(op, line, `expected a result of 0 or 1, found '${f[2]}'`);
    yield { line, a: f32(op, line, f[0]), b: f32(op, line, f[1]), result: f[2] === '1', flags: flagsByte(op, line, f[3]) };
  }
}

export function* readToBf16(text: string): Generator<ToBf16Vector> {
  const op = 'f32_to_bf16';
  for (const [line, f] of fieldLines(text)) {
    arity(op, line, f, 2);
    yield { line, x: f32(op, line, f[0]), result: bf16(op, line, f[1]) };
  }
}

export function* readBf16Mac(text: string): Generator<Bf16MacVector> {
  const op = 'bf16_mac';
  for (const [line, f] of fieldLines(text)) {
    arity(op, line, f, 4);
    yield { line, a: bf16(op, line, f[0]), b: bf16(op, line, f[1]), c: f32(op, line, f[2]), result: f32(op, line, f[3]) };
  }
}

export function* readBf16Mma(text: string): Generator<Bf16MmaVector> {
  const op = 'bf16_mma';
  for (const [line, f] of fieldLines(text)) {
    arity(op, line, f, 2 * MMA_K + 2);
    const a = f.slice(0, MMA_K).map((tok) => bf16(op, line, tok));
    const b = f.slice(MMA_K, 2 * MMA_K).map((tok) => bf16(op, line, tok));
    yield { line, a, b, c: f32(op, line, f[2 * MMA_K]), d: f32(op, line, f[2 * MMA_K + 1]) };
  }
}

export function* readBf16Dot(text: string, op: 'bf16_dot' | 'bf16_mma_dot' = 'bf16_dot'): Generator<Bf16DotVector> {
  for (const [line, f] of fieldLines(text)) {
    if (!DECIMAL.test(f[0])) throw new ConformanceFormatError(op, line, `expected K (a decimal count), found '${f[0]}'`);
    const k = parseInt(f[0], 10);
    if (op === 'bf16_mma_dot' && k % MMA_K !== 0) throw new ConformanceFormatError(op, line, `expected K a multiple of ${MMA_K}, found ${k}`);
    arity(op, line, f, 2 * k + 3);
    const a: number[] = new Array(k);
    const b: number[] = new Array(k);
    for (let i = 0; i < k; i++) {
      a[i] = bf16(op, line, f[1 + i]);
      b[i] = bf16(op, line, f[1 + k + i]);
    }
    yield { line, a, b, acc: f32(op, line, f[1 + 2 * k]), out: bf16(op, line, f[2 + 2 * k]) };
  }
}

/** The vectors of one file, by operation. */
export function readVectors<Op extends ConformanceOp>(op: Op, text: string): Generator<VectorOf[Op]>;
export function readVectors(op: ConformanceOp, text: string): Generator<VectorOf[ConformanceOp]> {
  switch (op) {
    case 'f32_add':
    case 'f32_mul':
      return readF32Binary(text, op);
    case 'f32_mulAdd':
      return readF32MulAdd(text);
    case 'f32_eq':
    case 'f32_lt':
    case 'f32_le':
      return readF32Compare(text, op);
    case 'f32_to_bf16':
      return readToBf16(text);
    case 'bf16_mac':
      return readBf16Mac(text);
    case 'bf16_dot':
    case 'bf16_mma_dot':
      return readBf16Dot(text, op);
    case 'bf16_mma':
      return readBf16Mma(text);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checking.

export interface VectorFailure {
  line: number;
  /** The operands as written in the file (hex). */
  inputs: string[];
  /** Expected result as written in the file (`ACC OUT` for the dot products, with `FLAGS` appended for TestFloat files). */
  expected: string;
  /** This implementation's result in the same notation. */
  got: string;
}

export interface CheckResult {
  op: ConformanceOp;
  /** Vectors whose result conforms (NaN as a class, else bit for bit; flags too when `requireFlags`). */
  passed: number;
  failed: number;
  /** The first `maxFailures` failing vectors. */
  failures: VectorFailure[];
  /** Exception flags, for the TestFloat files (which have a FLAGS column); absent for the others. */
  flags?: {
    /** Vectors whose flags were compared. */
    checked: number;
    /** Of those, vectors whose flags match exactly. */
    matched: number;
    /** The first `maxFailures` flag mismatches (whether or not they count as failures). */
    mismatches: VectorFailure[];
  };
}

export interface CheckOptions {
  /** Count a flags mismatch as a failure (flags are optional in the README). Default false. */
  requireFlags?: boolean;
  /** How many failures (and flag mismatches) to keep. Default 100. */
  maxFailures?: number;
}

const hex8 = (x: number) => (x >>> 0).toString(16).toUpperCase().padStart(8, '0');
const hex4 = (x: number) => (x & 0xffff).toString(16).toUpperCase().padStart(4, '0');
const hex2 = (x: number) => (x & 0xff).toString(16).toUpperCase().padStart(2, '0');

/** A result equals the expected one: NaNs as a class, everything else bit for bit. */
function sameF32(expected: number, got: number): boolean {
  return isNaNF32(expected) ? isNaNF32(got) : expected >>> 0 === got >>> 0;
}

function sameBf16(expected: number, got: number): boolean {
  return isNaNBf16(expected) ? isNaNBf16(got) : (expected & 0xffff) === (got & 0xffff);
}

/** One vector's verdict: operands, expected and actual results (hex), whether results and flags match. */
interface Outcome {
  inputs: string[];
  expected: string;
  got: string;
  ok: boolean;
  /** undefined when the file has no flags. */
  flagsOk?: boolean;
}

function evaluate<Op extends ConformanceOp>(op: Op, v: VectorOf[Op]): Outcome;
function evaluate(op: ConformanceOp, v: VectorOf[ConformanceOp]): Outcome {
  const sink: FlagSink = { flags: 0 };
  switch (op) {
    case 'f32_add':
    case 'f32_mul': {
      const t = v as F32BinaryVector;
      const r = op === 'f32_add' ? addF32(t.a, t.b, sink) : mulF32(t.a, t.b, sink);
      return {
        inputs: [hex8(t.a), hex8(t.b)],
        expected: `${hex8(t.result)} ${hex2(t.flags)}`,
        got: `${hex8(r)} ${hex2(sink.flags)}`,
        ok: sameF32(t.result, r),
        flagsOk: sink.flags === t.flags,
      };
    }
    case 'f32_mulAdd': {
      const t = v as F32MulAddVector;
      const r = fmaF32(t.a, t.b, t.c, sink);
      return {
        inputs: [hex8(t.a), hex8(t.b), hex8(t.c)],
        expected: `${hex8(t.result)} ${hex2(t.flags)}`,
        got: `${hex8(r)} ${hex2(sink.flags)}`,
        ok: sameF32(t.result, r),
        flagsOk: sink.flags === t.flags,
      };
    }
    case 'f32_eq':
    case 'f32_lt':
    case 'f32_le': {
      const t = v as F32CompareVector;
      const fn = op === 'f32_eq' ? eqF32 : op === 'f32_lt' ? ltF32 : leF32;
      const r = fn(t.a, t.b, sink);
      return {
        inputs: [hex8(t.a), hex8(t.b)],
        expected: `${t.result ? 1 : 0} ${hex2(t.flags)}`,
        got: `${r ? 1 : 0} ${hex2(sink.flags)}`,
        ok: r === t.result,
        flagsOk: sink.flags === t.flags,
      };
    }
    case 'f32_to_bf16': {
      const t = v as ToBf16Vector;
      const r = f32ToBf16(t.x);
      return { inputs: [hex8(t.x)], expected: hex4(t.result), got: hex4(r), ok: sameBf16(t.result, r) };
    }
    case 'bf16_mac': {
      const t = v as Bf16MacVector;
      const r = bf16Mac(t.a, t.b, t.c);
      return { inputs: [hex4(t.a), hex4(t.b), hex8(t.c)], expected: hex8(t.result), got: hex8(r), ok: sameF32(t.result, r) };
    }
    case 'bf16_mma': {
      const t = v as Bf16MmaVector;
      const r = mma16(t.a, t.b, t.c);
      return { inputs: [...t.a.map(hex4), ...t.b.map(hex4), hex8(t.c)], expected: hex8(t.d), got: hex8(r), ok: sameF32(t.d, r) };
    }
    case 'bf16_dot':
    case 'bf16_mma_dot': {
      const t = v as Bf16DotVector;
      const r = op === 'bf16_dot' ? bf16Dot(t.a, t.b) : bf16MmaDot(t.a, t.b);
      return {
        inputs: [String(t.a.length), ...t.a.map(hex4), ...t.b.map(hex4)],
        expected: `${hex8(t.acc)} ${hex4(t.out)}`,
        got: `${hex8(r.acc)} ${hex4(r.out)}`,
        ok: sameF32(t.acc, r.acc) && sameBf16(t.out, r.out),
      };
    }
  }
}

/** Runs the reference implementation over every vector of one file's text. */
export function checkVectors(op: ConformanceOp, text: string, options: CheckOptions = {}): CheckResult {
  const requireFlags = options.requireFlags ?? false;
  const maxFailures = options.maxFailures ?? 100;
  const result: CheckResult = { op, passed: 0, failed: 0, failures: [] };
  let flagsChecked = 0;
  let flagsMatched = 0;
  const mismatches: VectorFailure[] = [];
  for (const v of readVectors(op, text)) {
    const o = evaluate(op, v);
    let ok = o.ok;
    if (o.flagsOk !== undefined) {
      flagsChecked++;
      if (o.flagsOk) flagsMatched++;
      else {
        if (mismatches.length < maxFailures) mismatches.push({ line: v.line, inputs: o.inputs, expected: o.expected, got: o.got });
        if (requireFlags) ok = false;
      }
    }
    if (ok) result.passed++;
    else {
      result.failed++;
      if (result.failures.length < maxFailures) result.failures.push({ line: v.line, inputs: o.inputs, expected: o.expected, got: o.got });
    }
  }
  if (flagsChecked > 0) result.flags = { checked: flagsChecked, matched: flagsMatched, mismatches };
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Locating and reading the files.

/** Every vector file of the repository's conformance/ directory: one per checked operation. */
export const CONFORMANCE_FILES: readonly ConformanceOp[] = CONFORMANCE_OPS;
export type ConformanceFile = ConformanceOp;

/** The conformance directory: `override` if given, else $ZPOL_CONFORMANCE_DIR, else the repository's own `conformance/`. */
export function conformanceDir(override?: string): string {
  if (override !== undefined && override !== '') return resolve(override);
  const env = process.env.ZPOL_CONFORMANCE_DIR;
  if (env !== undefined && env !== '') return resolve(env);
  return packagePath('conformance');
}

/**
 * The path of one vector file in the conformance directory: `<name>.tv` if it is there (an uncompressed
 * directory such as a freshly generated set), else `<name>.tv.gz` (the repository's copies).
 */
export function conformancePath(name: ConformanceFile, dir?: string): string {
  const plain = join(conformanceDir(dir), `${name}.tv`);
  return existsSync(plain) ? plain : `${plain}.gz`;
}

/** Reads a vector file by path, plain text or gzip-compressed (a name ending in `.gz`). */
export function readVectorFile(path: string): string {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Reads one vector file of the conformance directory; throws (naming the path) if it is missing: the vectors are required. */
export function readConformanceText(name: ConformanceFile, dir?: string): string {
  const path = conformancePath(name, dir);
  if (!existsSync(path)) {
    throw new Error(`conformance vectors not found: ${path} (set ZPOL_CONFORMANCE_DIR or pass the directory)`);
  }
  return readVectorFile(path);
}

/** Checks one operation's vector file. */
export function checkConformanceFile(op: ConformanceOp, dir?: string, options?: CheckOptions): CheckResult {
  return checkVectors(op, readConformanceText(op, dir), options);
}

/** Checks every vector file, in CONFORMANCE_OPS order. */
export function checkAllConformance(dir?: string, options?: CheckOptions): CheckResult[] {
  return CONFORMANCE_OPS.map((op) => checkConformanceFile(op, dir, options));
}
