/**
 * Lowering: a checked policy's expressions and statements become IR instructions (ir.ts). Lowering evaluates everything known when the policy is compiled (constants, enum values, loop
 * indices, array lengths) and emits instructions only for what depends on the spec, the step or the state, so
 * the emitted code is straight-line: loops are unrolled, arrays indexed statically, functions inlined.
 *
 * Representation of values in the machine (runtime/vm/word.ts):
 *   int           a 128-bit unsigned integer word; + − × are the wide chip's, which trap on overflow and on a
 *                 negative difference (policies count FLOP, tokens and parameters: never negative)
 *   ratio/percent a pair (numerator, denominator) of ints, the denominator positive; compared by
 *                 cross-multiplication, so no division is ever needed
 *   bool          a field word, 0 or 1;  enum: a field word, the member's index;  digest: 8 field elements
 *
 * Every instruction defines a fresh value (static single assignment); the builder emits identical pure
 * instructions once. passes.ts then folds, analyses ranges and removes dead code; codegen.ts assigns memory.
 */
import type * as A from '../language/ast.ts';
import type { CheckedFile, Program as LanguageProgram } from '../language/program.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import type { Type } from '../language/checker/types.ts';
import { num as numValue, type Value } from '../language/checker/values.ts';
import type { WideOp } from '../runtime/vm/buses.ts';
import { IrBuilder, type IrType } from './ir.ts';
import type { AdviceKind } from '../runtime/vm/isa.ts';
import { fieldWord, WIDE_LIMIT, wideWord } from '../runtime/vm/word.ts';

export type LV =
  | { readonly k: 'known'; readonly v: Value }
  | { readonly k: 'bool'; readonly addr: number }
  | { readonly k: 'enum'; readonly addr: number; readonly decl: A.EnumDecl }
  | { readonly k: 'int'; readonly addr: number }
  | { readonly k: 'ratio'; readonly num: LV; readonly den: LV }
  | { readonly k: 'digest'; readonly addr: number }
  | { readonly k: 'array'; readonly items: readonly LV[] };

/**
 * Why a checked policy does not compile (docs/compiler.md, "Errors"): ZP7001 a construct the machine cannot run
 * (yet), ZP7002 a program larger than one proof can hold. Printed like a diagnostic: FILE:LINE:COL: error CODE: …
 */
export const LOWERING_CODES = { unsupported: 'ZP7001', tooLarge: 'ZP7002' } as const;
export type LoweringCode = (typeof LOWERING_CODES)[keyof typeof LOWERING_CODES];

/** A construct the machine cannot run (yet), or a program too large for it, with where it is. */
export class LoweringError extends Error {
  constructor(
    message: string,
    readonly at: string,
    readonly code: LoweringCode = LOWERING_CODES.unsupported,
  ) {
    super(`${at}: error ${code}: ${message}`);
    this.name = 'LoweringError';
  }
}

export interface Scope {
  readonly checker: FileChecker;
  readonly file: CheckedFile;
  readonly locals: Map<string, LV>;
}

const known = (v: Value): LV => ({ k: 'known', v });
const knownInt = (n: bigint): LV => known(numValue(n));

export class Lowerer {
  readonly ir: IrBuilder;
  spec = new Map<string, LV>();
  step = new Map<string, LV>();
  state = new Map<string, LV>();
  /** The source location instructions emitted now are attributed to. */
  loc = '';
  /**
   * The condition under which the code being lowered runs (a bool value's address), or null for always: the
   * branches of `if` and the right operands of `and`/`or`. The policy's semantics evaluate only what they need
   * (docs/language.md), while straight-line code runs everything, so an operation that could trap (overflow, a
   * negative difference, division by zero) gets its operands replaced by zeros where its guard is false.
   */
  private guard: number | null = null;

  /** Lowers `body` under the extra condition `condition` (a bool). */
  guarded<T>(condition: LV, at: string, body: () => T): T {
    if (condition.k === 'known' && condition.v.kind === 'bool' && condition.v.value) return body();
    const outer = this.guard;
    const g = this.fieldAddr(outer === null ? condition : this.and({ k: 'bool', addr: outer }, condition, at), at);
    this.guard = g;
    try {
      return body();
    } finally {
      this.guard = outer;
    }
  }

  constructor(
    readonly program: LanguageProgram,
    publicInputs: number,
    publicOutputs: number,
  ) {
    this.ir = new IrBuilder(publicInputs, publicOutputs);
  }

  // ---- emitting ---------------------------------------------------------------------------------------

  wide(op: WideOp, a: number, b: number): number {
    if (this.guard !== null && !op.startsWith('lt')) {
      const zero = this.constWord(wideWord(0n), 'wide');
      const g = this.guard;
      const mask = (x: number) => this.field('add', zero, this.field('scale', g, this.field('sub', x, zero, 'wide'), 'wide'), 'wide');
      [a, b] = [mask(a), mask(b)];
    }
    return this.ir.emit({ op: 'wide', wide: op, args: [a, b] }, 'wide', this.loc);
  }

  field(op: 'add' | 'sub' | 'mul' | 'eq' | 'scale' | 'hash', a: number, b: number, type: IrType = op === 'hash' ? 'digest' : 'field'): number {
    return this.ir.emit({ op, args: [a, b] }, type, this.loc);
  }

  constWord(v: number | readonly number[], type: IrType = 'field'): number {
    return this.ir.emit({ op: 'const', word: typeof v === 'number' ? fieldWord(v) : [...v] }, type, this.loc);
  }

  /** A fresh word from the private tape. */
  read(type: IrType = 'field'): number {
    return this.ir.emit({ op: 'read' }, type, this.loc);
  }

  input(index: number): number {
    return this.ir.emit({ op: 'input', index }, 'digest', this.loc);
  }

  output(a: number, index: number): void {
    this.ir.emit({ op: 'output', args: [a], index }, 'none', this.loc);
  }

  assert(a: number, message: string): void {
    this.ir.emit({ op: 'assert', args: [a], message }, 'none', this.loc);
  }

  assertEq(a: number, b: number, message: string): void {
    this.ir.emit({ op: 'assertEq', args: [a, b], message }, 'none', this.loc);
  }

  // ---- conversions ------------------------------------------------------------------------------------

  intAddr(v: LV, at: string): number {
    if (v.k === 'int') return v.addr;
    if (v.k === 'known' && v.v.kind === 'num') {
      if (v.v.den !== 1n || v.v.num < 0n || v.v.num >= WIDE_LIMIT) throw new LoweringError(`${v.v.num}/${v.v.den} is not an integer in [0, 2^128)`, at);
      return this.constWord(wideWord(v.v.num), 'wide');
    }
    throw new LoweringError(`expected an integer, got ${v.k}`, at);
  }

  fieldAddr(v: LV, at: string): number {
    if (v.k === 'bool' || v.k === 'enum') return v.addr;
    if (v.k === 'known' && v.v.kind === 'bool') return this.constWord(v.v.value ? 1 : 0);
    if (v.k === 'known' && v.v.kind === 'enum') {
      const decl = v.v.decl;
      const member = v.v.member;
      return this.constWord(decl.members.findIndex((m) => m.name === member));
    }
    throw new LoweringError(`expected a bool or enum value, got ${v.k}`, at);
  }

  /** As numerator and denominator (ints or known integers), the denominator positive. */
  asRatio(v: LV, at: string): { num: LV; den: LV } {
    if (v.k === 'ratio') return v;
    if (v.k === 'int') return { num: v, den: knownInt(1n) };
    if (v.k === 'known' && v.v.kind === 'num') return { num: knownInt(v.v.num), den: knownInt(v.v.den) };
    throw new LoweringError(`expected a number, got ${v.k}`, at);
  }

  // ---- arithmetic -------------------------------------------------------------------------------------

  private isKnownNum(v: LV): v is { k: 'known'; v: { kind: 'num'; num: bigint; den: bigint } } {
    return v.k === 'known' && v.v.kind === 'num';
  }

  private intMul(a: LV, b: LV, at: string): LV {
    if (this.isKnownNum(a) && this.isKnownNum(b)) return knownInt(a.v.num * b.v.num);
    if (this.isKnownNum(a) && a.v.num === 1n) return b;
    if (this.isKnownNum(b) && b.v.num === 1n) return a;
    if ((this.isKnownNum(a) && a.v.num === 0n) || (this.isKnownNum(b) && b.v.num === 0n)) return knownInt(0n);
    return { k: 'int', addr: this.wide('mul128', this.intAddr(a, at), this.intAddr(b, at)) };
  }

  private intAdd(a: LV, b: LV, at: string): LV {
    if (this.isKnownNum(a) && this.isKnownNum(b)) return knownInt(a.v.num + b.v.num);
    if (this.isKnownNum(a) && a.v.num === 0n) return b;
    if (this.isKnownNum(b) && b.v.num === 0n) return a;
    return { k: 'int', addr: this.wide('add128', this.intAddr(a, at), this.intAddr(b, at)) };
  }

  add(a: LV, b: LV, at: string, subtract = false): LV {
    if (this.isKnownNum(a) && this.isKnownNum(b)) {
      const n = subtract ? a.v.num * b.v.den - b.v.num * a.v.den : a.v.num * b.v.den + b.v.num * a.v.den;
      return known(numValue(n, a.v.den * b.v.den));
    }
    if (a.k === 'int' && b.k === 'int' || (a.k === 'int' && this.isKnownNum(b) && b.v.den === 1n) || (b.k === 'int' && this.isKnownNum(a) && a.v.den === 1n)) {
      if (!subtract) return this.intAdd(a, b, at);
      if (this.isKnownNum(b) && b.v.num === 0n) return a;
      return { k: 'int', addr: this.wide('sub128', this.intAddr(a, at), this.intAddr(b, at)) };
    }
    const x = this.asRatio(a, at);
    const y = this.asRatio(b, at);
    const l = this.intMul(x.num, y.den, at);
    const r = this.intMul(y.num, x.den, at);
    return { k: 'ratio', num: subtract ? this.add(l, r, at, true) : this.intAdd(l, r, at), den: this.intMul(x.den, y.den, at) };
  }

  mul(a: LV, b: LV, at: string): LV {
    if (this.isKnownNum(a) && this.isKnownNum(b)) return known(numValue(a.v.num * b.v.num, a.v.den * b.v.den));
    if ((a.k === 'int' || (this.isKnownNum(a) && a.v.den === 1n)) && (b.k === 'int' || (this.isKnownNum(b) && b.v.den === 1n))) return this.intMul(a, b, at);
    const x = this.asRatio(a, at);
    const y = this.asRatio(b, at);
    return { k: 'ratio', num: this.intMul(x.num, y.num, at), den: this.intMul(x.den, y.den, at) };
  }

  div(a: LV, b: LV, at: string): LV {
    if (this.isKnownNum(a) && this.isKnownNum(b)) {
      if (b.v.num === 0n) throw new LoweringError('division by zero', at);
      const sign = b.v.num < 0n ? -1n : 1n;
      return known(numValue(sign * a.v.num * b.v.den, sign * a.v.den * b.v.num));
    }
    const x = this.asRatio(a, at);
    const y = this.asRatio(b, at);
    // x/y = (x.num·y.den) / (x.den·y.num); the divisor must be positive, which the machine checks: 0 < y.num.
    const yNum = y.num;
    if (!this.isKnownNum(yNum)) {
      const zero = this.intAddr(knownInt(0n), at);
      const positive: LV = { k: 'bool', addr: this.wide('lt128', zero, this.intAddr(yNum, at)) };
      const holds = this.guard === null ? positive : this.or(this.not({ k: 'bool', addr: this.guard }, at), positive, at);
      this.assert(this.fieldAddr(holds, at), `division by zero at ${at}`);
    } else if (yNum.v.num <= 0n) throw new LoweringError('division by a non-positive constant', at);
    return { k: 'ratio', num: this.intMul(x.num, y.den, at), den: this.intMul(x.den, yNum, at) };
  }

  // ---- comparisons and logic --------------------------------------------------------------------------

  bool(v: boolean): LV {
    return known({ kind: 'bool', value: v });
  }

  not(a: LV, at: string): LV {
    if (a.k === 'known' && a.v.kind === 'bool') return this.bool(!a.v.value);
    return { k: 'bool', addr: this.field('sub', this.constWord(1), this.fieldAddr(a, at)) };
  }

  and(a: LV, b: LV, at: string): LV {
    for (const [x, y] of [[a, b], [b, a]] as const) if (x.k === 'known' && x.v.kind === 'bool') return x.v.value ? y : this.bool(false);
    return { k: 'bool', addr: this.field('mul', this.fieldAddr(a, at), this.fieldAddr(b, at)) };
  }

  or(a: LV, b: LV, at: string): LV {
    return this.not(this.and(this.not(a, at), this.not(b, at), at), at);
  }

  /** a < b on numbers (ints or ratios), by cross-multiplication. */
  less(a: LV, b: LV, at: string): LV {
    if (this.isKnownNum(a) && this.isKnownNum(b)) return this.bool(a.v.num * b.v.den < b.v.num * a.v.den);
    const x = this.asRatio(a, at);
    const y = this.asRatio(b, at);
    const l = this.intMul(x.num, y.den, at);
    const r = this.intMul(y.num, x.den, at);
    if (this.isKnownNum(l) && this.isKnownNum(r)) return this.bool(l.v.num < r.v.num);
    if (this.isKnownNum(l) && l.v.num < 0n) return this.bool(true);
    if (this.isKnownNum(r) && r.v.num <= 0n) return this.bool(false);
    return { k: 'bool', addr: this.wide('lt128', this.intAddr(l, at), this.intAddr(r, at)) };
  }

  equal(a: LV, b: LV, at: string): LV {
    if (a.k === 'array' || b.k === 'array') {
      const xs = this.items(a, at);
      const ys = this.items(b, at);
      if (xs.length !== ys.length) return this.bool(false);
      return xs.reduce<LV>((acc, x, i) => this.and(acc, this.equal(x, ys[i]!, at), at), this.bool(true));
    }
    const isField = (v: LV) => v.k === 'bool' || v.k === 'enum' || (v.k === 'known' && (v.v.kind === 'bool' || v.v.kind === 'enum'));
    if (isField(a) || isField(b)) {
      if (a.k === 'known' && b.k === 'known') return this.bool(JSON.stringify(valueKey(a.v)) === JSON.stringify(valueKey(b.v)));
      return { k: 'bool', addr: this.field('eq', this.fieldAddr(a, at), this.fieldAddr(b, at)) };
    }
    if (a.k === 'digest' || b.k === 'digest') throw new LoweringError('digests are compared in compute checks, not in expressions', at);
    return this.and(this.not(this.less(a, b, at), at), this.not(this.less(b, a, at), at), at);
  }

  items(v: LV, at: string): readonly LV[] {
    if (v.k === 'array') return v.items;
    if (v.k === 'known' && v.v.kind === 'array') return v.v.elements.map(known);
    throw new LoweringError(`expected an array, got ${v.k}`, at);
  }

  /** if c then x else y, for values of one shape. */
  select(c: LV, x: LV, y: LV, at: string): LV {
    if (c.k === 'known' && c.v.kind === 'bool') return c.v.value ? x : y;
    const cond = this.fieldAddr(c, at);
    if (x.k === 'array' || y.k === 'array' || (x.k === 'known' && x.v.kind === 'array')) {
      const xs = this.items(x, at);
      const ys = this.items(y, at);
      return { k: 'array', items: xs.map((xi, i) => this.select(c, xi, ys[i]!, at)) };
    }
    if (x.k === 'ratio' || y.k === 'ratio' || (this.isKnownNum(x) && x.v.den !== 1n) || (this.isKnownNum(y) && y.v.den !== 1n)) {
      const p = this.asRatio(x, at);
      const q = this.asRatio(y, at);
      return { k: 'ratio', num: this.select(c, p.num, q.num, at), den: this.select(c, p.den, q.den, at) };
    }
    const pick = (xa: number, ya: number, type: IrType) => this.field('add', ya, this.field('scale', cond, this.field('sub', xa, ya, type), type), type);
    if (x.k === 'int' || y.k === 'int' || this.isKnownNum(x) || this.isKnownNum(y)) return { k: 'int', addr: pick(this.intAddr(x, at), this.intAddr(y, at), 'wide') };
    if (x.k === 'digest' && y.k === 'digest') return { k: 'digest', addr: pick(x.addr, y.addr, 'digest') };
    const kind = x.k === 'enum' ? x : y.k === 'enum' ? y : null;
    const addr = pick(this.fieldAddr(x, at), this.fieldAddr(y, at), 'field');
    return kind && kind.k === 'enum' ? { k: 'enum', addr, decl: kind.decl } : { k: 'bool', addr };
  }

  // ---- records ----------------------------------------------------------------------------------------

  /** Reads a value of type `t` from the private tape, with checks that make it well-formed. */
  readValue(t: Type, what: string): LV {
    switch (t.kind) {
      case 'num':
        if (t.base === 'int') return { k: 'int', addr: this.readInt(what) };
        return { k: 'ratio', num: { k: 'int', addr: this.readInt(`${what} (numerator)`) }, den: { k: 'int', addr: this.readDenominator(what) } };
      case 'bool': {
        const addr = this.read();
        this.assertEq(this.field('mul', addr, addr), addr, `${what} is a bool (0 or 1)`);
        return { k: 'bool', addr };
      }
      case 'enum': {
        const addr = this.read();
        // Π (x − i) = 0 over the members: x is one of them.
        let prod = this.constWord(1);
        t.decl.members.forEach((_, i) => {
          prod = this.field('mul', prod, this.field('sub', addr, this.constWord(i)));
        });
        this.assertEq(prod, this.constWord(0), `${what} is a member of ${t.decl.name.name}`);
        return { k: 'enum', addr, decl: t.decl };
      }
      case 'digest':
        return { k: 'digest', addr: this.read('digest') };
      case 'array':
        return { k: 'array', items: Array.from({ length: Number(t.length ?? 0n) }, (_, i) => this.readValue(t.element, `${what}[${i}]`)) };
      default:
        throw new LoweringError(`a field of type ${t.kind} cannot be a record field in a compiled policy yet`, what);
    }
  }

  /**
   * An integer from the tape, checked to be one: the tape is the prover's, and a word read as an int but only
   * compared, selected or output would otherwise never meet a chip that checks its limbs (a lane of 70000 reached
   * the verifier's report). `x + 0 = x` on the wide chip range-checks every limb of x (wide.ts: a, b and the
   * result are sent to the 16-bit table), so x < 2^128 holds whatever the policy does with x; the assertion keeps
   * the operation alive through dead-code elimination, and folding cannot remove it (x is not a constant).
   */
  private readInt(what: string): number {
    const x = this.read('wide');
    const zero = this.constWord(wideWord(0n), 'wide');
    this.assertEq(this.ir.emit({ op: 'wide', wide: 'add128', args: [x, zero] }, 'wide', this.loc), x, `${what} is an integer below 2^128`);
    return x;
  }

  /**
   * A ratio's denominator from the tape: 0 < d < 2^128. With d = 0 every cross-multiplied comparison of the ratio
   * is false, so both `share <= 10%` and `share >= 50%` would hold. `0 < d` on the wide chip also range-checks d.
   */
  private readDenominator(what: string): number {
    const d = this.read('wide');
    const zero = this.constWord(wideWord(0n), 'wide');
    this.assert(this.ir.emit({ op: 'wide', wide: 'lt128', args: [zero, d] }, 'wide', this.loc), `${what} has a positive denominator`);
    return d;
  }

  advice(kind: AdviceKind, a: number, b: number): number {
    return this.ir.emit({ op: 'advice', advice: kind, args: [a, b] }, 'wide', this.loc);
  }

  // ---- compute checks (verify.ts) -------------------------------------------------------------------------

  lane(a: number, k: number): number {
    return this.ir.emit({ op: 'lane', args: [a], lane: k }, 'field', this.loc);
  }

  pack(a: number, b: number): number {
    return this.ir.emit({ op: 'pack', args: [a, b] }, 'field', this.loc);
  }

  /** fma(pair[0], pair[1], acc) with bf16 operands and an f32 accumulator. */
  mac(pair: number, acc: number): number {
    return this.ir.emit({ op: 'mac', args: [pair, acc] }, 'field', this.loc);
  }

  /** addF32(a, b), round to nearest even: two f32 words (blocked order adds its partial sums with it). */
  fadd(a: number, b: number): number {
    return this.ir.emit({ op: 'fadd', args: [a, b] }, 'field', this.loc);
  }

  /** The tensor-core dot product of rows `a` and `b` (2·ops bf16 words each): an f32 word. */
  mma(a: readonly number[], b: readonly number[], ops: number): number {
    return this.ir.emit({ op: 'mma', args: [...a, ...b], ops }, 'field', this.loc);
  }

  tobf16(a: number): number {
    return this.ir.emit({ op: 'tobf16', args: [a] }, 'field', this.loc);
  }

  /** The Merkle root above `leaf` at `index` (a field value), reading `depth` siblings from the tape. */
  merkle(leaf: number, index: number, depth: number): number {
    return this.ir.emit({ op: 'merkle', args: [leaf, index], depth }, 'digest', this.loc);
  }

  /**
   * A ratio in lowest terms, for outputs: revealing the pair the machine computed (say 500/1000) would disclose
   * more than the value (1/2). With advice g = gcd(p, q), p' = p / g, q' = q / g, u = p'⁻¹ mod q', the machine
   * checks g·p' = p, g·q' = q, and u·p' ≡ 1 (mod q') unless q' = 1, which proves gcd(p', q') = 1.
   */
  reduced(v: LV, at: string): { num: LV; den: LV } {
    const r = this.asRatio(v, at);
    if (this.isKnownNum(r.num) && this.isKnownNum(r.den)) {
      const x = numValue(r.num.v.num * r.den.v.den, r.den.v.num * r.num.v.den);
      if (x.kind !== 'num') throw new LoweringError('not a number', at);
      return { num: knownInt(x.num), den: knownInt(x.den) };
    }
    const [p, q] = [this.intAddr(r.num, at), this.intAddr(r.den, at)];
    const g = this.advice('gcd', p, q);
    const p1 = this.advice('div', p, g);
    const q1 = this.advice('div', q, g);
    this.assertEq(this.wide('mul128', g, p1), p, `ratio reduction at ${at}`);
    this.assertEq(this.wide('mul128', g, q1), q, `ratio reduction at ${at}`);
    const u = this.advice('modInverse', p1, q1);
    const t = this.wide('mul128', u, p1);
    const k = this.advice('div', t, q1);
    const rem = this.wide('sub128', t, this.wide('mul128', k, q1));
    const one = knownInt(1n);
    const coprime = this.or(this.equal({ k: 'int', addr: rem }, one, at), this.equal({ k: 'int', addr: q1 }, one, at), at);
    this.assert(this.fieldAddr(coprime, at), `ratio reduction at ${at}`);
    return { num: { k: 'int', addr: p1 }, den: { k: 'int', addr: q1 } };
  }

  /** The words a public output of type `t` reveals: as `words`, with ratios in lowest terms. */
  publicWords(v: LV, t: Type, at: string): number[] {
    if (t.kind === 'num' && t.base !== 'int') {
      const r = this.reduced(v, at);
      return [this.intAddr(r.num, at), this.intAddr(r.den, at)];
    }
    if (t.kind === 'array') return this.items(v, at).flatMap((x) => this.publicWords(x, t.element, at));
    return this.words(v, t, at);
  }

  /** The words of a value in record order (ratios as numerator, denominator). */
  words(v: LV, t: Type, at: string): number[] {
    switch (t.kind) {
      case 'num':
        if (t.base === 'int') return [this.intAddr(v, at)];
        {
          const r = this.asRatio(v, at);
          return [this.intAddr(r.num, at), this.intAddr(r.den, at)];
        }
      case 'bool':
      case 'enum':
        return [this.fieldAddr(v, at)];
      case 'digest':
        if (v.k !== 'digest') throw new LoweringError('expected a digest', at);
        return [v.addr];
      case 'array':
        return this.items(v, at).flatMap((x) => this.words(x, t.element, at));
      default:
        throw new LoweringError(`values of type ${t.kind} cannot be stored`, at);
    }
  }

  /** commit(words) = chained compression from the blinding word: h ← Poseidon2(h ‖ w) for each word. */
  commitWords(blinding: number, words: readonly number[]): number {
    let h = blinding;
    for (const w of words) h = this.field('hash', h, w);
    return h;
  }
}

function valueKey(v: Value): unknown {
  if (v.kind === 'enum') return ['enum', v.decl.name.name, v.member];
  if (v.kind === 'num') return ['num', String(v.num), String(v.den)];
  if (v.kind === 'bool') return ['bool', v.value];
  return ['array', v.elements.map(valueKey)];
}
