/**
 * Symbolic values for `zpol diff --implies`: what a policy's expressions denote as Z3 terms, with the exact
 * rational of a value that is known when the policy is read (literals, constants, loop indices, array lengths),
 * so that array indexing, loop bounds and division by a unit stay concrete, as the compiler's lowering keeps them.
 *
 *   int           an Int term;  ratio, percent: a Real term (an int mixed with one is cast, as exact arithmetic does)
 *   bool          a Bool term;  enum: an Int term, the member's index;  digest: 8 Int terms (its words)
 *   bf16, f32     an Int term, the bit pattern: a record may carry one, but no expression the decider encodes reads it
 *   [T; N]        N symbolic values
 */
import type { Arith, Bool, Context } from 'z3-solver';
import { normalize } from '../../base/numbers.ts';
import type { Rational } from '../../runtime/policy/run-values.ts';

export type Name = 'zpol';
export type Z = Context<Name>;
export type Term = Arith<Name>;
export type Formula = Bool<Name>;

export type Sym =
  | { readonly kind: 'num'; readonly t: Term; readonly int: boolean; readonly c?: Rational }
  | { readonly kind: 'bool'; readonly t: Formula; readonly c?: boolean }
  | { readonly kind: 'enum'; readonly t: Term; readonly members: readonly string[]; readonly name: string }
  | { readonly kind: 'digest'; readonly words: readonly Term[] }
  | { readonly kind: 'float'; readonly t: Term; readonly format: 'bf16' | 'f32' }
  | { readonly kind: 'array'; readonly elements: readonly Sym[] };

export type NumSym = Extract<Sym, { kind: 'num' }>;
export type BoolSym = Extract<Sym, { kind: 'bool' }>;

/**
 * A construct outside what the decider encodes (a compute check, a label count, floating-point values, a
 * nonlinear model it cannot write down), with where it is: `zpol diff --implies` exits 2 with it.
 */
export class OutOfFragment extends Error {
  constructor(
    readonly reason: string,
    readonly at: string,
  ) {
    super(at ? `${at}: ${reason}` : reason);
    this.name = 'OutOfFragment';
  }
}

/** Exact arithmetic and comparison on symbolic values, folding what is known. */
export class Arithmetic {
  constructor(readonly z: Z) {}

  number(r: Rational): NumSym {
    const { num, den } = normalize(r.num, r.den);
    return den === 1n ? { kind: 'num', t: this.z.Int.val(num), int: true, c: { num, den } } : { kind: 'num', t: this.z.Real.val(`${num}/${den}`), int: false, c: { num, den } };
  }

  bool(b: boolean): BoolSym {
    return { kind: 'bool', t: this.z.Bool.val(b), c: b };
  }

  formula(t: Formula): BoolSym {
    return { kind: 'bool', t };
  }

  private real(a: NumSym): Term {
    return a.int ? this.z.ToReal(a.t) : a.t;
  }

  /** Both operands in one sort: Int when both are ints, else Real. */
  private pair(a: NumSym, b: NumSym): [Term, Term, boolean] {
    return a.int && b.int ? [a.t, b.t, true] : [this.real(a), this.real(b), false];
  }

  add(a: NumSym, b: NumSym, sign: 1n | -1n = 1n): NumSym {
    if (a.c && b.c) return this.number({ num: a.c.num * b.c.den + sign * b.c.num * a.c.den, den: a.c.den * b.c.den });
    if (b.c?.num === 0n) return a;
    const [x, y, int] = this.pair(a, b);
    return { kind: 'num', t: sign === 1n ? x.add(y) : x.sub(y), int };
  }

  mul(a: NumSym, b: NumSym): NumSym {
    if (a.c && b.c) return this.number({ num: a.c.num * b.c.num, den: a.c.den * b.c.den });
    if (a.c?.num === 1n && a.c.den === 1n) return b;
    if (b.c?.num === 1n && b.c.den === 1n) return a;
    const [x, y, int] = this.pair(a, b);
    return { kind: 'num', t: x.mul(y), int };
  }

  neg(a: NumSym): NumSym {
    return a.c ? this.number({ num: -a.c.num, den: a.c.den }) : { kind: 'num', t: a.t.neg(), int: a.int };
  }

  /** a / b for b ≠ 0 (the caller records b = 0 as an error): exact, so an int divided by an int is a ratio. */
  div(a: NumSym, b: NumSym): NumSym {
    if (b.c) {
      if (b.c.num === 0n) return this.number({ num: 0n, den: 1n });
      return this.mul(a, this.number({ num: b.c.den, den: b.c.num }));
    }
    return { kind: 'num', t: this.real(a).div(this.real(b)), int: false };
  }

  /** The sign of a − b against 0 as a formula: `<`, `<=`, `>`, `>=`. */
  compare(op: '<' | '<=' | '>' | '>=', a: NumSym, b: NumSym): BoolSym {
    if (a.c && b.c) {
      const d = a.c.num * b.c.den - b.c.num * a.c.den;
      return this.bool(op === '<' ? d < 0n : op === '<=' ? d <= 0n : op === '>' ? d > 0n : d >= 0n);
    }
    const [x, y] = this.pair(a, b);
    return this.formula(op === '<' ? x.lt(y) : op === '<=' ? x.le(y) : op === '>' ? x.gt(y) : x.ge(y));
  }

  /** floor (towards −∞) or ceil (towards +∞): an int. */
  round(a: NumSym, how: 'floor' | 'ceil'): NumSym {
    if (a.int) return a;
    if (a.c) {
      const { num, den } = a.c;
      const q = num / den - (num < 0n && num % den !== 0n ? 1n : 0n);
      return this.number({ num: how === 'floor' || num % den === 0n ? q : q + 1n, den: 1n });
    }
    return how === 'floor' ? { kind: 'num', t: this.z.ToInt(a.t), int: true } : { kind: 'num', t: this.z.ToInt(a.t.neg()).neg(), int: true };
  }

  and(...xs: BoolSym[]): BoolSym {
    if (xs.some((x) => x.c === false)) return this.bool(false);
    const open = xs.filter((x) => x.c !== true);
    return open.length === 0 ? this.bool(true) : open.length === 1 ? open[0]! : this.formula(this.z.And(...open.map((x) => x.t)));
  }

  or(...xs: BoolSym[]): BoolSym {
    if (xs.some((x) => x.c === true)) return this.bool(true);
    const open = xs.filter((x) => x.c !== false);
    return open.length === 0 ? this.bool(false) : open.length === 1 ? open[0]! : this.formula(this.z.Or(...open.map((x) => x.t)));
  }

  not(a: BoolSym): BoolSym {
    return a.c === undefined ? this.formula(this.z.Not(a.t)) : this.bool(!a.c);
  }

  /** Whether two values of one type are equal, as the interpreter compares them (numbers by exact value). */
  equal(a: Sym, b: Sym, at: string): BoolSym {
    switch (a.kind) {
      case 'num': {
        const n = b as NumSym;
        if (a.c && n.c) return this.bool(a.c.num === n.c.num && a.c.den === n.c.den);
        const [x, y] = this.pair(a, n);
        return this.formula(x.eq(y));
      }
      case 'bool': {
        const o = b as BoolSym;
        if (a.c !== undefined && o.c !== undefined) return this.bool(a.c === o.c);
        return this.formula(a.t.eq(o.t));
      }
      case 'enum':
        return this.formula(a.t.eq((b as typeof a).t));
      case 'digest':
        return this.and(...a.words.map((w, i) => this.formula(w.eq((b as typeof a).words[i]!))));
      case 'float':
        throw new OutOfFragment(`comparing ${a.format} values (IEEE-754 equality: NaN, signed zeros) is outside what the decider encodes`, at);
      case 'array':
        return this.and(...a.elements.map((x, i) => this.equal(x, (b as typeof a).elements[i]!, at)));
    }
  }

  /** `if c then a else b` on values of one type. */
  ite(c: BoolSym, a: Sym, b: Sym): Sym {
    if (c.c !== undefined) return c.c ? a : b;
    const z = this.z;
    switch (a.kind) {
      case 'num': {
        const n = b as NumSym;
        const [x, y, int] = this.pair(a, n);
        return { kind: 'num', t: z.If(c.t, x, y) as Term, int };
      }
      case 'bool':
        return this.formula(z.If(c.t, a.t, (b as BoolSym).t) as Formula);
      case 'enum':
        return { ...a, t: z.If(c.t, a.t, (b as typeof a).t) as Term };
      case 'float':
        return { ...a, t: z.If(c.t, a.t, (b as typeof a).t) as Term };
      case 'digest':
        return { kind: 'digest', words: a.words.map((w, i) => z.If(c.t, w, (b as typeof a).words[i]!) as Term) };
      case 'array':
        return { kind: 'array', elements: a.elements.map((x, i) => this.ite(c, x, (b as typeof a).elements[i]!)) };
    }
  }
}
