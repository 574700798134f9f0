/**
 * A drawn FRI query as the verifier program uses it (issue #24): its proven bits (elements.ts `bitsOf`), and what
 * the Merkle, DEEP and FRI fragments compute from them, each computed once per query and shared.
 *
 * - `bit(i)`: bit i as a lane-0 word (one `lane`, once).
 * - `slice(from, d)`: the integer of bits [from, from + d), a Merkle climb's index. With the suffixes
 *   T(f) = Σ_{f ≤ i < M} 2^(i − f)·b_i = ⌊q / 2^f⌋ (M the query's bit count), computed top down as
 *   T(f) = 2·T(f + 1) + b_f (two `add`s a bit), a slice is T(from) − 2^d·T(from + d): two instructions, where a
 *   weighted sum of the bit words took a lane sum (15) each.
 * - `point(L)`: z_L = ω_L^rev_L(q's top L bits), the query's point of a bit-reversed domain of 2^L rows without its
 *   shift (pcs/opening-plan.ts `rowOf`). z_M is a product over the bits; below it z_L = z_(L+1)²: with
 *   v = q's top L + 1 bits, rev_(L+1)(v) = rev_L(⌊v/2⌋) + 2^L·(v mod 2), so
 *   ω_(L+1)^(2·rev_(L+1)(v)) = ω_L^rev_L(⌊v/2⌋)·ω_(L+1)^(2^(L+1)·(v mod 2)) = z_L. One `mul` a domain instead of a
 *   product over its bits.
 */
import * as F from '../proof/field/babybear.ts';
import type { Assembler } from '../vm/assembler.ts';
import { lane0, type BitWords } from './elements.ts';


export class QueryBits {
  private readonly bits = new Map<number, number>();
  private readonly suffixes = new Map<number, number>();
  private readonly points = new Map<number, number>();

  /** `words`: the drawn element's bits (bitsOf); the query is its low `logMax` bits. */
  constructor(
    private readonly asm: Assembler,
    readonly words: BitWords,
    readonly logMax: number,
  ) {
    if (!Number.isInteger(logMax) || logMax < 0 || logMax > 27) throw new RangeError(`query: ${logMax} bits (0..27)`);
  }

  /** Bit i (< 31) in lane 0 of a word. */
  bit(i: number): number {
    let w = this.bits.get(i);
    if (w === undefined) this.bits.set(i, (w = lane0(this.asm, { addr: this.words[i >> 3]!, lane: i & 7 })));
    return w;
  }

  /** T(f) = ⌊q / 2^f⌋ for f < logMax, in lane 0. */
  private suffix(f: number): number {
    let w = this.suffixes.get(f);
    if (w !== undefined) return w;
    if (f === this.logMax - 1) w = this.bit(f);
    else {
      const above = this.suffix(f + 1);
      w = this.asm.alloc();
      this.asm.add(w, above, above);
      this.asm.add(w, w, this.bit(f));
    }
    this.suffixes.set(f, w);
    return w;
  }

  /** Σ_{i < d} 2^i·b_(from + i), in lane 0: the index a Merkle climb of d levels from bit `from` takes. */
  slice(from: number, d: number): number {
    if (!Number.isInteger(from) || !Number.isInteger(d) || from < 0 || d < 1 || from + d > this.logMax) {
      throw new RangeError(`query: bits [${from}, ${from + d}) are not among its ${this.logMax}`);
    }
    if (from + d === this.logMax) return this.suffix(from);
    const high = this.asm.alloc();
    this.asm.mul(high, this.suffix(from + d), this.asm.constant(2 ** d));
    const out = this.asm.alloc();
    this.asm.sub(out, this.suffix(from), high);
    return out;
  }

  /** Π over `factors` of (bit ? c : 1), in lane 0: a `scale`, an `addi` and a `mul` a bit (factors of 1 cost nothing). */
  productOfSelected(factors: readonly { readonly bit: number; readonly c: number }[]): number {
    let acc: number | null = null;
    for (const { bit, c } of factors) {
      if (c === 1) continue;
      const t = this.asm.alloc();
      this.asm.scale(t, this.bit(bit), this.asm.constant(F.sub(c, 1)));
      this.asm.addi(t, t, 1);
      if (acc === null) acc = t;
      else {
        const next = this.asm.alloc();
        this.asm.mul(next, acc, t);
        acc = next;
      }
    }
    return acc ?? this.asm.constant(1);
  }

  /** z_L = ω_L^rev_L(q's top L bits), in lane 0 (L ≤ logMax). */
  point(L: number): number {
    if (!Number.isInteger(L) || L < 0 || L > this.logMax) throw new RangeError(`query: no point of a domain of 2^${L} (the query has ${this.logMax} bits)`);
    let w = this.points.get(L);
    if (w !== undefined) return w;
    if (L === this.logMax) {
      const root = F.rootOfUnity(L);
      w = this.productOfSelected(Array.from({ length: L }, (_, i) => ({ bit: this.logMax - L + i, c: F.pow(root, 2 ** (L - 1 - i)) })));
    } else {
      const above = this.point(L + 1);
      w = this.asm.alloc();
      this.asm.mul(w, above, above);
    }
    this.points.set(L, w);
    return w;
  }
}
