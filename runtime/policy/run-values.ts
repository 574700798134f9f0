/**
 * Run values: the exact values of spec, step and state fields, and how they are written in JSON
 * (docs/run-values.md).
 *
 * A number is an exact rational of bigints in lowest terms, exactly as the checker's constant folding keeps it
 * (language/checker/fold.ts): `int` values are rationals with denominator 1, so arithmetic on them never rounds.
 * Decoding reads JSON by the field's declared type and rejects anything else with an error that names the record
 * and the path inside it: `step 3: tokens_by_source[1]: expected a non-negative integer, got "-5"`. Units are not
 * written in JSON: a field's declared unit applies to its number.
 */
import { formatNumber, MAX_LITERAL_EXPONENT, normalize } from '../../base/numbers.ts';
import { unitText, type ValueType } from './value-type.ts';

/** An exact rational in lowest terms, den > 0. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/**
 * A value of a record field or an output. Numbers, bools, enums and arrays have the shape of the checker's
 * constant values (language/checker/values.ts), so a folded constant is a run value as it is; an enum value is
 * its member's name (its type says which enum).
 */
export type RunValue =
  | { kind: 'num'; num: bigint; den: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'enum'; member: string }
  /** A commitment or Merkle root: 8 BabyBear field elements, each in [0, p). */
  | { kind: 'digest'; words: readonly number[] }
  /** An IEEE-754 bit pattern: 16 bits for bf16, 32 for f32 (an unsigned number). */
  | { kind: 'float'; format: 'bf16' | 'f32'; bits: number }
  | { kind: 'array'; elements: readonly RunValue[] };

export type NumValue = Extract<RunValue, { kind: 'num' }>;

/** JSON as JSON.parse returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The BabyBear prime 2^31 - 2^27 + 1: every digest word is a field element below it. */
export const BABYBEAR_P = 2013265921;

/** Words in a digest (a Poseidon2 output: 8 field elements, about 248 bits). */
export const DIGEST_WORDS = 8;

export const num = (n: bigint, d = 1n): NumValue => ({ kind: 'num', ...normalize(n, d) });

export const ZERO = num(0n);

// ---------------------------------------------------------------------------------------------------------
// Decoding

/** A run value that does not match its declared type. `message` is `RECORD: PATH: PROBLEM`. */
export class RunValueError extends Error {
  constructor(
    /** `spec`, `step 3`, or a function argument: where the value came from. */
    readonly record: string,
    /** The field path inside the record: `tokens_by_source[1]`; empty for the record itself. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${record}${path ? `: ${path}` : ''}: ${problem}`);
    this.name = 'RunValueError';
  }
}

/** A decoding problem before it knows its record; decodeRecord adds the record's name. */
class Problem extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A declared field: its name and its type. */
export interface FieldType {
  readonly name: string;
  readonly type: ValueType;
}

/**
 * Decodes one record (`spec`, or one step) from JSON: an object holding exactly the declared fields.
 * `record` names it in errors (`spec`, `step 3`).
 */
export function decodeRecord(fields: readonly FieldType[], json: unknown, record: string): Map<string, RunValue> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new RunValueError(record, '', `expected an object with the fields ${fieldList(fields)}, got ${preview(json)}`);
  }
  const obj = json as Record<string, unknown>;
  const declared = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(obj)) {
    if (!declared.has(key)) {
      throw new RunValueError(record, '', `unknown field '${key}'; the record has ${fieldList(fields)}`);
    }
  }
  const out = new Map<string, RunValue>();
  for (const f of fields) {
    if (!Object.prototype.hasOwnProperty.call(obj, f.name)) throw new RunValueError(record, '', `missing field '${f.name}'`);
    try {
      out.set(f.name, decodeValue(f.type, obj[f.name], f.name));
    } catch (e) {
      if (e instanceof Problem) throw new RunValueError(record, e.path, e.problem);
      throw e;
    }
  }
  return out;
}

/** Decodes one value of type `type`; `path` names it in errors (`RECORD: PATH: PROBLEM`, see decodeRecord). */
export function decodeRunValue(type: ValueType, json: unknown, record: string, path: string): RunValue {
  try {
    return decodeValue(type, json, path);
  } catch (e) {
    if (e instanceof Problem) throw new RunValueError(record, e.path, e.problem);
    throw e;
  }
}

function fieldList(fields: readonly FieldType[]): string {
  return fields.length === 0 ? 'no fields' : fields.map((f) => `'${f.name}'`).join(', ');
}

function decodeValue(type: ValueType, json: unknown, path: string): RunValue {
  const fail = (problem: string): never => {
    throw new Problem(path, problem);
  };
  switch (type.kind) {
    case 'bool':
      if (typeof json !== 'boolean') fail(`expected true or false, got ${preview(json)}`);
      return { kind: 'bool', value: json as boolean };
    case 'int':
    case 'ratio':
    case 'percent': {
      // A string with letters after the number most likely spells out a unit, which JSON never does.
      const unitWritten = typeof json === 'string' && parseDecimal(json) === '' && /^[0-9][0-9.]*(?:[eE][+-]?[0-9]+)?\s*[A-Za-z_]/.test(json);
      const why = (v: string): string =>
        unitWritten
          ? `: units are not written; the declared unit (${type.unit || 'none'}) applies`
          : v
            ? `: ${v}`
            : '';
      if (type.kind === 'int') {
        const v = decodeInteger(json);
        if (typeof v === 'string') fail(`expected a non-negative integer, got ${preview(json)}${why(v)}`);
        return v as NumValue;
      }
      const v = decodeRatio(json, type.kind === 'percent');
      if (typeof v === 'string') {
        const what = type.kind === 'percent' ? 'a non-negative percentage ("25%" or "0.25")' : 'a non-negative decimal ("0.25" or "1/3")';
        fail(`expected ${what}, got ${preview(json)}${why(v)}`);
      }
      return v as NumValue;
    }
    case 'enum': {
      if (typeof json !== 'string' || !type.members.includes(json)) {
        fail(`expected one of ${type.name}'s values (${type.members.join(', ')}), got ${preview(json)}`);
      }
      return { kind: 'enum', member: json as string };
    }
    case 'digest': {
      const m = typeof json === 'string' ? /^(?:0x)?([0-9a-fA-F]{64})$/.exec(json) : null;
      if (!m) fail(`expected a digest, 64 hex digits, got ${preview(json)}`);
      const hex = m![1];
      const words: number[] = [];
      for (let i = 0; i < DIGEST_WORDS; i++) {
        const w = parseInt(hex.slice(8 * i, 8 * i + 8), 16);
        if (w >= BABYBEAR_P) {
          fail(`digest word ${i} (hex digits ${8 * i + 1}-${8 * i + 8}) is 0x${hex.slice(8 * i, 8 * i + 8)}, not below the field prime 2^31 - 2^27 + 1 (0x78000001)`);
        }
        words.push(w);
      }
      return { kind: 'digest', words };
    }
    case 'bf16':
    case 'f32': {
      const digits = type.kind === 'bf16' ? 4 : 8;
      const m = typeof json === 'string' ? new RegExp(`^0[xX]([0-9a-fA-F]{${digits}})$`).exec(json) : null;
      if (!m) fail(`expected a ${type.kind} bit pattern, "0x" and ${digits} hex digits (1.0 is ${type.kind === 'bf16' ? '"0x3f80"' : '"0x3f800000"'}), got ${preview(json)}`);
      return { kind: 'float', format: type.kind, bits: parseInt(m![1], 16) };
    }
    case 'array': {
      const n = type.length;
      if (!Array.isArray(json) || json.length !== n) {
        fail(`expected an array of ${n} element${n === 1 ? '' : 's'}, got ${preview(json)}`);
      }
      return { kind: 'array', elements: (json as unknown[]).map((x, i) => decodeValue(type.element, x, `${path}[${i}]`)) };
    }
  }
}

/** `[0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)?`: the decimal syntax of every numeric string. */
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/** The exact value of a decimal string, an explanation of why it is not one, or '' when it is not one at all. */
export function parseDecimal(text: string): Rational | string {
  const m = DECIMAL.exec(text);
  if (!m) return '';
  const [, intPart, frac = '', exp = '0'] = m;
  if (Math.abs(Number(exp)) > MAX_LITERAL_EXPONENT) return `the exponent is out of range (at most ${MAX_LITERAL_EXPONENT})`;
  const e = Number(exp) - frac.length;
  const mantissa = BigInt(intPart + frac);
  return e >= 0 ? normalize(mantissa * 10n ** BigInt(e), 1n) : normalize(mantissa, 10n ** BigInt(-e));
}

/** A non-negative integer: a safe JSON integer, or a decimal string denoting an integer ("1e25"). */
function decodeInteger(json: unknown): NumValue | string {
  if (typeof json === 'number') {
    if (Number.isSafeInteger(json) && json >= 0) return num(BigInt(json));
    if (Number.isInteger(json) && json > 0) return 'JSON numbers above 2^53 lose precision; write the integer as a decimal string';
    return '';
  }
  if (typeof json !== 'string') return '';
  const v = parseDecimal(json);
  if (typeof v === 'string') return v;
  if (v.den !== 1n) return 'not an integer';
  return num(v.num);
}

/**
 * A non-negative rational: a JSON number (read as the shortest decimal that round-trips, which is what
 * JSON.stringify writes), a decimal string, a fraction "N/D", or for a percent also "P%".
 */
function decodeRatio(json: unknown, percent: boolean): NumValue | string {
  if (typeof json === 'number') {
    if (!Number.isFinite(json) || json < 0) return '';
    const v = parseDecimal(String(json));
    return typeof v === 'string' ? v : num(v.num, v.den);
  }
  if (typeof json !== 'string') return '';
  const frac = /^([0-9]+)\/([0-9]+)$/.exec(json);
  if (frac) {
    const d = BigInt(frac[2]);
    return d === 0n ? 'the denominator is zero' : num(BigInt(frac[1]), d);
  }
  if (percent && json.endsWith('%')) {
    const v = parseDecimal(json.slice(0, -1));
    return typeof v === 'string' ? v : num(v.num, v.den * 100n);
  }
  const v = parseDecimal(json);
  return typeof v === 'string' ? v : num(v.num, v.den);
}

/** A JSON value as an error message quotes it. */
export function preview(json: unknown): string {
  if (json === undefined) return 'nothing';
  if (Array.isArray(json)) return `an array of ${json.length} element${json.length === 1 ? '' : 's'}`;
  if (json !== null && typeof json === 'object') return 'an object';
  const s = JSON.stringify(json);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding (the canonical JSON of a value; decodeRunValue(type, encodeRunValue(type, v)) is v)

/**
 * The canonical JSON of a value: ints as JSON numbers when safe integers and decimal strings otherwise; ratios
 * and percents as exact decimal strings ("0.25") or, when no finite decimal is exact, fractions ("1/3"); digests
 * as 64 lowercase hex digits; floats as "0x" bit patterns. Negative numbers (computed values such as outputs may
 * be negative) are written with a leading '-', which run records themselves never hold.
 */
export function encodeRunValue(v: RunValue): Json {
  switch (v.kind) {
    case 'bool':
      return v.value;
    case 'enum':
      return v.member;
    case 'num':
      if (v.den === 1n) {
        const n = Number(v.num);
        return Number.isSafeInteger(n) ? n : v.num.toString();
      }
      return exactDecimal(v.num, v.den, 1000) ?? `${v.num}/${v.den}`;
    case 'digest':
      return v.words.map((w) => w.toString(16).padStart(8, '0')).join('');
    case 'float':
      return `0x${v.bits.toString(16).padStart(v.format === 'bf16' ? 4 : 8, '0')}`;
    case 'array':
      return v.elements.map(encodeRunValue);
  }
}

/** n/d as an exact decimal string when d = 2^a 5^b and at most `maxDigits` digits follow the point. */
export function exactDecimal(n: bigint, d: bigint, maxDigits: number): string | undefined {
  if (d === 1n) return n.toString();
  let [rest, twos, fives] = [d, 0, 0];
  for (; rest % 2n === 0n; twos++) rest /= 2n;
  for (; rest % 5n === 0n; fives++) rest /= 5n;
  const scale = Math.max(twos, fives);
  if (rest !== 1n || scale > maxDigits) return undefined;
  const scaled = (n * 10n ** BigInt(scale)) / d;
  const neg = scaled < 0n;
  const digits = (neg ? -scaled : scaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Display (for reports; never parsed back)

/**
 * An exact number as a report shows it (language/checker/values.ts's formatNumber): `812`, `0.25`, `1e25`,
 * `3.2e25`; a rational without a terminating decimal keeps its exact form and adds an approximation:
 * `1/3 (~0.3333)`.
 */
export function formatExact(n: bigint, d: bigint): string {
  const exact = formatNumber(n, d);
  return exact.includes('/') ? `${exact} (~${approximate(n, d)})` : exact;
}

/** n/d to `digits` significant digits (rounded half up on the magnitude), for reading only. */
export function approximate(n: bigint, d: bigint, digits = 4): string {
  const neg = n < 0n !== d < 0n && n !== 0n;
  let a = n < 0n ? -n : n;
  const b = d < 0n ? -d : d;
  if (a === 0n) return '0';
  // e = floor(log10(a / b))
  let e = a.toString().length - b.toString().length;
  const scaledBelow = (x: bigint, k: number) => (k >= 0 ? x < b * 10n ** BigInt(k) : x * 10n ** BigInt(-k) < b);
  if (scaledBelow(a, e)) e -= 1;
  const shift = digits - 1 - e;
  a = shift >= 0 ? a * 10n ** BigInt(shift) : a;
  const div = shift >= 0 ? b : b * 10n ** BigInt(-shift);
  let m = (2n * a + div) / (2n * div);
  if (m.toString().length > digits) {
    m /= 10n;
    e += 1;
  }
  const mant = m.toString();
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  let body: string;
  if (e >= 0 && e < 6) {
    body = e + 1 >= mant.length ? mant + '0'.repeat(e + 1 - mant.length) : trim(`${mant.slice(0, e + 1)}.${mant.slice(e + 1)}`);
  } else if (e < 0 && e >= -5) {
    body = trim(`0.${'0'.repeat(-e - 1)}${mant}`);
  } else {
    body = `${trim(`${mant[0]}.${mant.slice(1)}`)}e${e}`;
  }
  return (neg ? '-' : '') + body;
}

/** A value for a report, with its unit: `3.2e25 FLOP`, `25%`, `[10, 20] token`, `ArchClass.mlp`. */
export function showValue(v: RunValue, type?: ValueType): string {
  const unit = unitText(type);
  const body = showBare(v, type);
  return unit ? `${body} ${unit}` : body;
}

function showBare(v: RunValue, type?: ValueType): string {
  switch (v.kind) {
    case 'num':
      if (type?.kind === 'percent') return `${formatExact(v.num * 100n, v.den)}%`;
      return formatExact(v.num, v.den);
    case 'bool':
      return String(v.value);
    case 'enum':
      return type?.kind === 'enum' ? `${type.name}.${v.member}` : v.member;
    case 'digest':
      return `0x${encodeRunValue(v) as string}`;
    case 'float':
      return `${encodeRunValue(v) as string} (${floatValue(v).toString()})`;
    case 'array': {
      const element = type?.kind === 'array' ? type.element : undefined;
      const shown = v.elements.length <= 16 ? v.elements : v.elements.slice(0, 8);
      const parts = shown.map((x) => showBare(x, element));
      if (shown.length < v.elements.length) parts.push(`... (${v.elements.length} elements)`);
      return `[${parts.join(', ')}]`;
    }
  }
}

/** The number a float bit pattern denotes (a JavaScript double holds every bf16 and f32 exactly). */
export function floatValue(v: Extract<RunValue, { kind: 'float' }>): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, v.format === 'bf16' ? ((v.bits & 0xffff) << 16) >>> 0 : v.bits >>> 0);
  return view.getFloat32(0);
}
