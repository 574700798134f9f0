/**
 * The PCS's reduced quotient at a query (pcs/fri-pcs.ts, the input oracle of FRI) as a zkVM program fragment
 * (issue #24): for one height, Σ over its (matrix, point) terms of (Σ_k c_k·row_k − claim)/(x − z), the
 * numerators summed per distinct point first, so one extension inverse (`advice extInverse`, checked with `emul`)
 * per point and query; x = shift·ω^rowOf(query) from the query's proven bits. The claims Σ_k c_k·v_k over the
 * opened values are computed once per proof (`reducedClaim`).
 */
import type { Assembler } from '../vm/assembler.ts';
import { WORD } from '../vm/buses.ts';
import { lane0, laneSum, sumWords, type ElemRef } from './elements.ts';
import type { QueryBits } from './query.ts';

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
  /** The coefficients laid out like the row's words (`layCoefficients`): eight columns a step. */
  readonly laid?: LaidCoefficients;
}

/**
 * A term's coefficients laid out like its row's words: the row's opened columns sit in a few tape words (the
 * leaf message's words, the same lanes at every query), so Σ_k c_k·row_k is, for each of the four coordinates of
 * c, a lane-wise `mul` of each row word by a word of that coordinate's coefficients and a lane sum at the end:
 * about one instruction a column instead of three. Built once per proof.
 */
export interface LaidCoefficients {
  /** Per opened column: which of the row's distinct words holds it (in order of first use) and its lane. */
  readonly places: readonly { readonly slot: number; readonly lane: number }[];
  /** Per slot, the four coordinate words. */
  readonly words: readonly (readonly number[])[];
}

/**
 * Terms of this many opened columns or more combine their row with laid-out coefficients. With the lane sums shared
 * by a point's terms, 16 gave the fewest cycles for a zkVM child (bench/aggregate.ts; 8: +0.8%, 32: +0.2%, 64: +6%,
 * column by column: +32%).
 */
export const LAID_MIN_COLUMNS = 16;

/** Where each opened column of `row` sits: its word's slot (distinct words in order) and lane; and the words. */
function placesOf(row: readonly ElemRef[], columns: readonly number[]): { places: { slot: number; lane: number }[]; addrs: number[] } {
  const addrs: number[] = [];
  const places = columns.map((c) => {
    const e = row[c]!;
    let slot = addrs.indexOf(e.addr);
    if (slot < 0) (slot = addrs.length), addrs.push(e.addr);
    return { slot, lane: e.lane };
  });
  return { places, addrs };
}

/** Lays the coefficients out like `sample`'s words (any query's row of the term: the layout is the same). */
export function layCoefficients(asm: Assembler, coeffs: readonly number[], columns: readonly number[] | null, sample: readonly ElemRef[]): LaidCoefficients {
  const cols = columns ?? sample.map((_, k) => k);
  const { places, addrs } = placesOf(sample, cols);
  const parts: number[][][] = addrs.map(() => [[], [], [], []]);
  places.forEach(({ slot, lane }, k) => {
    for (let j = 0; j < 4; j++) {
      const t = asm.alloc();
      asm.lane(t, coeffs[k]!, j);
      if (lane !== 0) asm.scale(t, t, asm.constant(Array.from({ length: WORD }, (_, i) => (i === lane ? 1 : 0))));
      parts[slot]![j]!.push(t);
    }
  });
  return { places, words: parts.map((coords) => coords.map((ws) => sumWords(asm, ws))) };
}

/**
 * Σ_k c_k·row_k with laid-out coefficients, before its lane sums: per coordinate j of c, the lane-wise products
 * of the row's words by the coefficients' words (their lanes summed give coordinate j of the combination). The
 * terms of one point share their lane sums (`reducedQuotient`).
 */
function laidProducts(asm: Assembler, term: DeepTerm, laid: LaidCoefficients): number[][] {
  const cols = term.columns ?? term.row.map((_, k) => k);
  const { places, addrs } = placesOf(term.row, cols);
  if (places.some((p, k) => p.slot !== laid.places[k]!.slot || p.lane !== laid.places[k]!.lane)) {
    throw new Error('deep: the row is laid out unlike the sample the coefficients were laid out for');
  }
  return [0, 1, 2, 3].map((j) =>
    addrs.map((addr, slot) => {
      const t = asm.alloc();
      asm.mul(t, addr, laid.words[slot]![j]!);
      return t;
    }),
  );
}

/** The extension word whose coordinate j is the lane sum of Σ products[j] (four lane sums). */
function coordinatesFromLanes(asm: Assembler, products: readonly (readonly number[])[]): number {
  const coords = products.map((words, j) => {
    const sum = laneSum(asm, sumWords(asm, words));
    if (j === 0) return sum;
    const moved = asm.alloc();
    asm.scale(moved, sum, asm.constant(Array.from({ length: WORD }, (_, i) => (i === j ? 1 : 0))));
    return moved;
  });
  return sumWords(asm, coords);
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

/** x = shift·ω_L^rev(q's top L bits): the query's point in an LDE of 2^L rows (opening-plan.ts `rowOf`; query.ts `point`). */
export function queryPoint(asm: Assembler, bits: QueryBits, logDomain: number, shift: number): number {
  const x = asm.alloc();
  asm.mul(x, bits.point(logDomain), asm.constant(shift));
  return x;
}

/**
 * One height's reduced quotient at a query: Σ_g (Σ_{terms at g} (Σ_k c_k·row_k − claim)) / (x − z_g). The laid-out
 * terms of a point add their lane-wise products first and share four lane sums; their claims are subtracted once.
 */
export function reducedQuotient(asm: Assembler, x: number, points: readonly number[], terms: readonly DeepTerm[]): number {
  const numerators: number[][] = points.map(() => []);
  const laid = points.map(() => ({ products: [[], [], [], []] as number[][], claims: [] as number[] }));
  for (const term of terms) {
    if (term.laid) {
      const at = laid[term.point]!;
      laidProducts(asm, term, term.laid).forEach((words, j) => at.products[j]!.push(...words));
      at.claims.push(term.claim);
      continue;
    }
    const cols = term.columns ?? term.row.map((_, k) => k);
    const combined = sumWords(
      asm,
      cols.map((col, k) => {
        const t = asm.alloc();
        asm.scale(t, lane0(asm, term.row[col]!), term.coeffs[k]!);
        return t;
      }),
    );
    const n = asm.alloc();
    asm.sub(n, combined, term.claim);
    numerators[term.point]!.push(n);
  }
  laid.forEach((at, g) => {
    if (at.claims.length === 0) return;
    const n = asm.alloc();
    asm.sub(n, coordinatesFromLanes(asm, at.products), sumWords(asm, at.claims));
    numerators[g]!.push(n);
  });
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
