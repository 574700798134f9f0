/**
 * The PCS's reduced quotient at a query (pcs/fri-pcs.ts, the input oracle of FRI) as a zkVM program fragment
 * (issue #24): for one height, Σ over its (matrix, point) terms of (Σ_k c_k·row_k − claim)/(x − z), the
 * numerators summed per distinct point first, so one extension inverse (`advice extInverse`, checked with `emul`)
 * per point and query; x = shift·ω^rowOf(query) from the query's proven bits. The claims Σ_k c_k·v_k over the
 * opened values are computed once per proof (`reducedClaim`).
 */
import * as F from '../proof/field/babybear.ts';
import type { Assembler } from '../vm/assembler.ts';
import { lane0, sumWords, type BitWords, type ElemRef } from './elements.ts';
import { productOfSelected } from './fri.ts';

/** One (matrix, point) of a height at a query. */
export interface DeepTerm {
  /** Index of its point in the height's distinct points. */
  readonly point: number;
  /** The batching coefficients of its opened columns (extension words), in order. */
  readonly coeffs: readonly number[];
  /** The opened columns (null: every column of the row). */
  readonly columns: readonly number[] | null;
  /** Its reduced claim (an extension word: `reducedClaim`). */
  readonly claim: number;
  /** The matrix's row at the query (base elements, from the Merkle fragment). */
  readonly row: readonly ElemRef[];
}

/** Σ_k c_k·v_k over a point's opened values (extension words): the claim the row's combination is checked against. */
export function reducedClaim(asm: Assembler, coeffs: readonly number[], values: readonly number[]): number {
  return sumWords(
    asm,
    values.map((v, k) => {
      const t = asm.alloc();
      asm.emul(t, coeffs[k]!, v);
      return t;
    }),
  );
}

/** x = shift·ω_L^rev(q's top L bits): the query's point in an LDE of 2^L rows (opening-plan.ts `rowOf`). */
export function queryPoint(asm: Assembler, bits: BitWords, logMaxDomain: number, logDomain: number, shift: number): number {
  const w = F.rootOfUnity(logDomain);
  const part = productOfSelected(asm, bits, Array.from({ length: logDomain }, (_, i) => ({ bit: logMaxDomain - logDomain + i, c: F.pow(w, 2 ** (logDomain - 1 - i)) })));
  const x = asm.alloc();
  asm.mul(x, part, asm.constant(shift));
  return x;
}

/** One height's reduced quotient at a query: Σ_g (Σ_{terms at g} (Σ_k c_k·row_k − claim)) / (x − z_g). */
export function reducedQuotient(asm: Assembler, x: number, points: readonly number[], terms: readonly DeepTerm[]): number {
  const numerators: number[][] = points.map(() => []);
  for (const term of terms) {
    const cols = term.columns ?? term.row.map((_, k) => k);
    const products = cols.map((col, k) => {
      const t = asm.alloc();
      asm.scale(t, lane0(asm, term.row[col]!), term.coeffs[k]!);
      return t;
    });
    const combined = sumWords(asm, products);
    const n = asm.alloc();
    asm.sub(n, combined, term.claim);
    numerators[term.point]!.push(n);
  }
  const parts = points.flatMap((z, g) => {
    if (numerators[g]!.length === 0) return [];
    const d = asm.alloc();
    asm.sub(d, x, z);
    const inv = asm.alloc();
    asm.advice('extInverse', inv, d, d);
    const one = asm.alloc();
    asm.emul(one, d, inv);
    asm.assertEq(one, asm.constant(1), 'deep: x − z has no inverse (a query at an opening point)');
    const q = asm.alloc();
    asm.emul(q, sumWords(asm, numerators[g]!), inv);
    return [q];
  });
  return sumWords(asm, parts);
}
