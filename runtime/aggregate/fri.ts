/**
 * The FRI query check of runtime/proof/fri/verifier.ts as a zkVM program fragment (issue #24): for one drawn
 * query, every commit-phase round's leaf is opened (merkle.ts, a single-height tree of 2^a extension values a
 * leaf), the running value must be the leaf's value at the queried position, the leaf is folded with the round's β
 * (fold.ts `foldLeaf`: a binary folds with β, β², …, in the extension with `emul`), the next input joins at a
 * roll-in, and the final polynomial at the query's point of the final domain must equal the running value.
 *
 * Points from bits. A fold of the pair (m) at level t of a leaf needs 1/(2x) with x = s_t·ω_(L−t)^rev(p),
 * p = leaf·2^(a−t−1) + m. Reversing p's bits splits it: rev(p) = rev(leaf) + 2^(L−a)·rev(m), so
 * x = s_t · g^(2^t) · c_(t,m) with g = ω_L^rev(leaf) and c_(t,m) a constant. The query's point of the round's
 * domain (query.ts `point`, shared with the DEEP fragment and squared down from the largest domain) is
 * z_L = ω_L^rev_L(leaf·2^a + pos) = g·ω_a^rev_a(pos), pos the queried position in the leaf, so g is z_L times a
 * select per position bit; its inverse once (`advice extInverse` on a base element, checked with `mul`), squared
 * per level and multiplied by the constants: no inversion per pair. The final polynomial is evaluated at
 * s·z_F. The value at the queried position is chosen from the leaf by the position's bits (a tree of selects).
 */
import * as F from '../proof/field/babybear.ts';
import { reverseBits } from '../proof/field/ntt.ts';
import type { FriSchedule } from '../proof/fri/schedule.ts';
import type { MixedLayout } from '../proof/merkle/mixed.ts';
import type { Assembler } from '../vm/assembler.ts';
import { assemble, type ElemRef, type Tape } from './elements.ts';
import { verifyPath } from './merkle.ts';
import type { PathWitness } from './merkle-paths.ts';
import type { QueryBits } from './query.ts';

/** What the fragment checks a query against: the transcript's challenges and the proof's commitments. */
export interface FriChecks {
  readonly schedule: FriSchedule;
  readonly logBlowup: number;
  /** The first codeword's coset shift. */
  readonly shift: number;
  /** Per round: its β (an extension word) and its layer root (a digest word). */
  readonly betas: readonly number[];
  readonly roots: readonly number[];
  /** The final polynomial's coefficients, extension words, lowest first. */
  readonly finalPoly: readonly number[];
}

/**
 * The final polynomial's coefficient count is the schedule's, never the proof's: a longer one is a higher degree
 * bound, which the folded values alone would not catch. A verifier program absorbs exactly this many (and the
 * query checks refuse another count), so a proof with another count has no program to verify it.
 */
export function assertFinalPolyLength(schedule: FriSchedule, finalPoly: readonly unknown[]): void {
  if (finalPoly.length !== schedule.finalLen) {
    throw new RangeError(`fri: the final polynomial has ${finalPoly.length} coefficients; the schedule's degree bound gives ${schedule.finalLen}`);
  }
}

const constantWord = (v: number): number[] => [v, 0, 0, 0, 0, 0, 0, 0];

/** x0 + b·(x1 − x0) for a bit word b (lane 0) and two words. */
function select(asm: Assembler, b: number, x0: number, x1: number): number {
  const d = asm.alloc();
  asm.sub(d, x1, x0);
  asm.scale(d, b, d);
  const out = asm.alloc();
  asm.add(out, x0, d);
  return out;
}

/** The extension words of a leaf's 2^a values (lanes 0..3 each), from the opened row's elements. */
function leafValues(asm: Assembler, row: readonly ElemRef[]): number[] {
  return Array.from({ length: row.length / 4 }, (_, m) => assemble(asm, row.slice(4 * m, 4 * m + 4)));
}

/**
 * Checks query `bits` (its index's bits, drawn by the transcript, over FRI's largest domain) through every round and the final polynomial.
 * `inputs[i]` is input i's value at the query (an extension word; the PCS's reduced quotient in a STARK), `paths[r]`
 * the witness of round r's opening.
 */
export function checkFriQuery(asm: Assembler, tape: Tape, checks: FriChecks, bits: QueryBits, inputs: readonly number[], paths: readonly PathWitness[]): void {
  const { schedule, logBlowup } = checks;
  assertFinalPolyLength(schedule, checks.finalPoly);
  const M = schedule.logMaxDomain;
  if (bits.logMax !== M) throw new RangeError(`fri: a query of ${bits.logMax} bits; FRI's largest domain is 2^${M}`);
  const invTwo = F.inv(2);
  let value = inputs[0]!;
  let nextInput = 1;
  let s = checks.shift;
  schedule.rounds.forEach((round, r) => {
    const L = round.logDomain;
    const a = round.logArity;
    const base = M - L; // query bit of the round's position bit 0
    const layout: MixedLayout = { heights: [2 ** (L - a)], widths: [4 * 2 ** a], saltLength: 0 };
    const [row] = verifyPath(asm, tape, layout, checks.roots[r]!, bits, base + a, paths[r]!);
    let cur = leafValues(asm, row!);
    // The running value is the leaf's value at the position's low a bits.
    let chosen = cur;
    for (let j = 0; j < a; j++) {
      const b = bits.bit(base + j);
      chosen = Array.from({ length: chosen.length / 2 }, (_, m) => select(asm, b, chosen[2 * m]!, chosen[2 * m + 1]!));
    }
    asm.assertEq(chosen[0]!, value, `fri: round ${r}: the leaf does not hold the value folded from the previous round`);
    // g = ω_L^rev(leaf) = z_L·ω_a^(−rev_a(pos)): position bit j (query bit base + j) is reversed to a − 1 − j.
    const wa = F.rootOfUnity(a);
    const unturn = bits.productOfSelected(Array.from({ length: a }, (_, j) => ({ bit: base + j, c: F.inv(F.pow(wa, 2 ** (a - 1 - j))) })));
    const g = asm.alloc();
    asm.mul(g, bits.point(L), unturn);
    const gInv = asm.alloc();
    asm.advice('extInverse', gInv, g, g);
    const one = asm.alloc();
    asm.mul(one, g, gInv);
    asm.assertEq(one, asm.constant(1), 'fri: the inverse of a query point is wrong');
    let gInvPow = gInv;
    let beta = checks.betas[r]!;
    let st = s;
    for (let t = 0; t < a; t++) {
      const Lt = L - t;
      const half = cur.length / 2;
      const wt = F.rootOfUnity(Lt);
      cur = Array.from({ length: half }, (_, m) => {
        const revM = reverseBits(m, a - t - 1);
        const c = F.pow(wt, 2 ** (L - a) * revM);
        // 1/(2x) = gInv^(2^t) · 1/(2·s_t·c)
        const k = F.inv(F.mul(2, F.mul(st, c)));
        const invTwoX = asm.alloc();
        asm.mul(invTwoX, gInvPow, asm.constant(constantWord(k)));
        const [x0, x1] = [cur[2 * m]!, cur[2 * m + 1]!];
        const sum = asm.alloc();
        asm.add(sum, x0, x1);
        asm.scale(sum, asm.constant(constantWord(invTwo)), sum);
        const diff = asm.alloc();
        asm.sub(diff, x0, x1);
        asm.scale(diff, invTwoX, diff);
        asm.emul(diff, beta, diff);
        const out = asm.alloc();
        asm.add(out, sum, diff);
        return out;
      });
      if (t + 1 < a) {
        const b2 = asm.alloc();
        asm.emul(b2, beta, beta);
        beta = b2;
        const g2 = asm.alloc();
        asm.mul(g2, gInvPow, gInvPow);
        gInvPow = g2;
      }
      st = F.mul(st, st);
    }
    value = cur[0]!;
    if (round.rollIn) {
      const v = asm.alloc();
      asm.add(v, value, inputs[nextInput++]!);
      value = v;
    }
    s = F.pow(s, 2 ** a);
  });
  // The final polynomial at y = s·ω_F^rev(finalPos), finalPos the query's top F bits (F: the final domain).
  const lf = schedule.logFinalDegree + logBlowup;
  const y = asm.alloc();
  asm.mul(y, bits.point(lf), asm.constant(constantWord(s)));
  const coeffs = checks.finalPoly;
  let acc = coeffs[coeffs.length - 1]!;
  for (let i = coeffs.length - 2; i >= 0; i--) {
    const t = asm.alloc();
    asm.scale(t, y, acc);
    asm.add(t, t, coeffs[i]!);
    acc = t;
  }
  asm.assertEq(acc, value, 'fri: the final polynomial does not match the folded value');
}
