/**
 * FRI folding on bit-reversed codewords.
 *
 * Layout. A codeword over the coset s·H_N (N = 2^L) is stored in bit-reversed order: position j holds the value
 * at s·ω_N^rev_L(j). Then positions 2p and 2p+1 hold the values at x and −x with x = s·ω_N^rev_(L−1)(p)
 * (rev_L(2p) = rev_(L−1)(p), rev_L(2p+1) = rev_(L−1)(p) + N/2), and the folded codeword, over s²·H_(N/2), is
 * again bit-reversed with position p at x². By induction the 2^a values that fold together into position q of a
 * round with arity 2^a are the contiguous block [q·2^a, (q+1)·2^a): that block is one Merkle leaf (Plonky3 and
 * Winterfell commit FRI layers the same way, so one authentication path opens a whole folding coset).
 *
 * Binary fold with challenge β. Write f(X) = f_e(X²) + X f_o(X²); then
 *     fold(f)(x²) = f_e(x²) + β f_o(x²) = (f(x) + f(−x))/2 + β (f(x) − f(−x))/(2x).
 * Folding by 2^a with challenge β is a binary folds with β, β², β⁴, ...: the result is Σ_i β^i f_i where
 * f(X) = Σ_{i<2^a} X^i f_i(X^(2^a)) (the degree-respecting projection with powers of one challenge, as in
 * Winterfell's and Plonky3's higher-arity folding). The prover folds whole codewords; the verifier folds one
 * leaf. Both compute the same field elements, since field arithmetic is exact.
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';
import { reverseBits } from '../field/ntt.ts';

const P = F.P;
const W = E.W;
const INV_TWO = (P + 1) / 2;
const INV_TWO_HINT = F.mulHint(INV_TWO);

/** invTwoX[p] = 1/(2x_p), x_p = shift·ω_N^rev_(L−1)(p), for p < N/2: the fold's per-pair constants. */
function inverseTwoX(logSize: number, shift: number): Uint32Array {
  const half = 2 ** (logSize - 1);
  const out = new Uint32Array(half);
  const wInv = F.inv(F.rootOfUnity(logSize));
  const hint = F.mulHint(wInv);
  let v = F.inv(F.double(shift));
  for (let i = 0; i < half; i++) {
    out[reverseBits(i, logSize - 1)] = v;
    v = F.mulByHint(v, wInv, hint);
  }
  return out;
}

/** One binary fold of a bit-reversed packed extension codeword of length 2^logSize over shift·H. */
export function foldBinary(cw: Uint32Array, logSize: number, shift: number, beta: E.Ext): Uint32Array {
  if (logSize < 1 || cw.length !== 4 * 2 ** logSize) throw new RangeError(`fold: codeword of ${cw.length / 4} values is not 2^${logSize}`);
  const half = 2 ** (logSize - 1);
  const out = new Uint32Array(4 * half);
  const invTwoX = inverseTwoX(logSize, shift);
  const b0 = beta[0], b1 = beta[1], b2 = beta[2], b3 = beta[3];
  const im = Math.imul;
  for (let p = 0; p < half; p++) {
    const o = 8 * p;
    const t = invTwoX[p]!;
    const th = t / P;
    // d = (a − b) / (2x), s = (a + b) / 2, coefficient by coefficient.
    let d0 = cw[o]! - cw[o + 4]!;
    d0 += (d0 >> 31) & P;
    let d1 = cw[o + 1]! - cw[o + 5]!;
    d1 += (d1 >> 31) & P;
    let d2 = cw[o + 2]! - cw[o + 6]!;
    d2 += (d2 >> 31) & P;
    let d3 = cw[o + 3]! - cw[o + 7]!;
    d3 += (d3 >> 31) & P;
    d0 = F.mulByHint(d0, t, th);
    d1 = F.mulByHint(d1, t, th);
    d2 = F.mulByHint(d2, t, th);
    d3 = F.mulByHint(d3, t, th);
    const s0 = F.mulByHint(F.add(cw[o]!, cw[o + 4]!), INV_TWO, INV_TWO_HINT);
    const s1 = F.mulByHint(F.add(cw[o + 1]!, cw[o + 5]!), INV_TWO, INV_TWO_HINT);
    const s2 = F.mulByHint(F.add(cw[o + 2]!, cw[o + 6]!), INV_TWO, INV_TWO_HINT);
    const s3 = F.mulByHint(F.add(cw[o + 3]!, cw[o + 7]!), INV_TWO, INV_TWO_HINT);
    // out = s + β·d
    const q = 4 * p;
    out[q] = F.add(s0, F.reduceWide(b0 * d0 + W * (b1 * d3 + b2 * d2 + b3 * d1), im(b0, d0) + im(W, im(b1, d3) + im(b2, d2) + im(b3, d1))));
    out[q + 1] = F.add(s1, F.reduceWide(b0 * d1 + b1 * d0 + W * (b2 * d3 + b3 * d2), im(b0, d1) + im(b1, d0) + im(W, im(b2, d3) + im(b3, d2))));
    out[q + 2] = F.add(s2, F.reduceWide(b0 * d2 + b1 * d1 + b2 * d0 + W * (b3 * d3), im(b0, d2) + im(b1, d1) + im(b2, d0) + im(W, im(b3, d3))));
    out[q + 3] = F.add(s3, F.reduceWide(b0 * d3 + b1 * d2 + b2 * d1 + b3 * d0, im(b0, d3) + im(b1, d2) + im(b2, d1) + im(b3, d0)));
  }
  return out;
}

/** Folds a whole codeword by 2^logArity with challenge beta (binary folds with β, β², ...). */
export function foldCodeword(cw: Uint32Array, logSize: number, shift: number, beta: E.Ext, logArity: number): Uint32Array {
  let cur = cw;
  let s = shift;
  let b = beta;
  for (let t = 0; t < logArity; t++) {
    cur = foldBinary(cur, logSize - t, s, b);
    s = F.square(s);
    b = E.square(b);
  }
  return cur;
}

/**
 * The verifier's fold of one leaf: `leaf` holds the 2^logArity values at positions
 * [leafIndex·2^logArity, (leafIndex+1)·2^logArity) of a bit-reversed codeword of length 2^logSize over shift·H;
 * returns the folded value at position leafIndex. Never throws for in-range inputs (x is never zero).
 */
export function foldLeaf(leaf: Uint32Array, leafIndex: number, logSize: number, shift: number, beta: E.Ext, logArity: number): E.Ext {
  let cur = leaf.slice();
  let s = shift;
  let b = beta;
  let size = 2 ** logArity;
  for (let t = 0; t < logArity; t++) {
    const L = logSize - t;
    const half = size >>> 1;
    const w = F.rootOfUnity(L);
    const next = new Uint32Array(4 * half);
    for (let m = 0; m < half; m++) {
      const p = leafIndex * half + m;
      const x = F.mul(s, F.pow(w, reverseBits(p, L - 1)));
      const invTwoX = F.inv(F.double(x));
      const a = E.load(cur, 2 * m);
      const c = E.load(cur, 2 * m + 1);
      const sum = E.mulBase(E.add(a, c), INV_TWO);
      const diff = E.mulBase(E.sub(a, c), invTwoX);
      E.store(next, m, E.add(sum, E.mul(b, diff)));
    }
    cur = next;
    s = F.square(s);
    b = E.square(b);
    size = half;
  }
  return E.load(cur, 0);
}
