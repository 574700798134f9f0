/**
 * The PCS's reduced quotient at a query (pcs/fri-pcs.ts, the input oracle of FRI) as a zkVM program fragment
 * (issue #24): for one height, Σ over its (matrix, point) terms of (Σ_k c_k·row_k − claim)/(x − z), the
 * numerators summed per distinct point first, so one extension inverse (`advice extInverse`, checked with `emul`)
 * per point and query; x = shift·ω^rowOf(query) from the query's proven bits (query.ts). The claims Σ_k c_k·v_k
 * over the opened values are computed once per proof (`reducedClaim`) and summed once per point.
 *
 * Rows combined a word at a time. A matrix's row sits in the leaf message's tape words, the same lanes at every
 * query, and a group's matrices share words. For one point, the opened columns in one word (whatever matrix they
 * belong to) make a "slot": four coefficient words, lane l of word j holding coordinate j of the coefficient of
 * the column in lane l (0 where no column is opened at that point), built once per proof. At a query, Σ_k c_k·row_k
 * over the point's laid-out columns is, per coordinate j, Σ_slots word ⊙ coeffs_j (a `mul` and an `add` a slot and
 * coordinate) summed over its lanes at the end (`coordinatesFromLanes`). A slot of few columns is cheaper column
 * by column (`lane`, `scale` by the coefficient, `add`: three instructions a column a query), so each slot takes
 * the cheaper way for the proof's query count (`slotIsLaid`), and a point lays out none when its lane sums would
 * cost more than they save.
 */
import * as F from '../proof/field/babybear.ts';
import type { Assembler } from '../vm/assembler.ts';
import { lane0, sumWords, unit, type ElemRef } from './elements.ts';
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
}


/** Instructions of a laid-out slot a query (a `mul` and an `add` a coordinate), and of its layout a column, once. */
const LAID_PER_QUERY = 8;
const LAID_SETUP_PER_COLUMN = 12;
/** Instructions of a column combined on its own, a query. */
const NARROW_PER_QUERY = 3;
/** What a point pays a query for its lane sums once any of its slots is laid out (`coordinatesFromLanes`). */
const LANE_SUMS_PER_QUERY = 43;

/**
 * Whether a slot of `columns` opened columns is laid out, for a proof of `queries` queries: when its per-query
 * instructions and its coefficients' layout cost less than combining its columns one by one (`laidMin` fixes the
 * threshold instead, for the tests: 1 lays out every slot, a number above 8 none).
 */
function slotIsLaid(columns: number, queries: number, laidMin: number | undefined): boolean {
  if (laidMin !== undefined) return columns >= laidMin;
  return LAID_PER_QUERY * queries + LAID_SETUP_PER_COLUMN * columns < NARROW_PER_QUERY * columns * queries;
}

/** A column of a slot: its term, its index among the term's opened columns, and its lane. */
interface SlotColumn {
  readonly term: number;
  readonly k: number;
  readonly lane: number;
}

/**
 * A point's opened columns grouped by the tape word they sit in (slots in order of first use), and the words. Every
 * opened column of every term of the point is in exactly one slot, at a lane no other column of the point takes.
 */
function slotsOf(terms: readonly DeepTerm[], point: number): { slots: SlotColumn[][]; addrs: number[] } {
  const addrs: number[] = [];
  const slots: SlotColumn[][] = [];
  terms.forEach((t, term) => {
    if (t.point !== point) return;
    const cols = t.columns ?? t.row.map((_, c) => c);
    if (t.coeffs.length !== cols.length) throw new RangeError(`deep: term ${term} has ${t.coeffs.length} coefficients for ${cols.length} opened columns`);
    cols.forEach((col, k) => {
      const e = t.row[col];
      if (e === undefined) throw new RangeError(`deep: term ${term} opens column ${col} of a row of ${t.row.length}`);
      let slot = addrs.indexOf(e.addr);
      if (slot < 0) (slot = addrs.length), addrs.push(e.addr), slots.push([]);
      if (slots[slot]!.some((c) => c.lane === e.lane)) throw new Error(`deep: two columns opened at one point share word ${e.addr}, lane ${e.lane}`);
      slots[slot]!.push({ term, k, lane: e.lane });
    });
  });
  return { slots, addrs };
}

const sameSlots = (a: readonly SlotColumn[][], b: readonly SlotColumn[][]): boolean =>
  a.length === b.length && a.every((s, i) => s.length === b[i]!.length && s.every((c, k) => c.term === b[i]![k]!.term && c.k === b[i]![k]!.k && c.lane === b[i]![k]!.lane));

/** How one point of a height combines its rows, fixed once per proof. */
interface PointCombination {
  readonly slots: readonly SlotColumn[][];
  /** Per slot: its four coefficient words when laid out, null when its columns are combined one by one. */
  readonly laid: readonly (readonly number[] | null)[];
  /** Σ of the point's terms' claims (an extension word). */
  readonly claim: number;
}

/** A slot's four coefficient words: lane l of word j is coordinate j of the coefficient of the column in lane l. */
function layCoefficients(asm: Assembler, terms: readonly DeepTerm[], columns: readonly SlotColumn[]): number[] {
  return [0, 1, 2, 3].map((j) =>
    sumWords(
      asm,
      columns.map(({ term, k, lane }) => {
        const t = asm.alloc();
        asm.lane(t, terms[term]!.coeffs[k]!, j);
        if (lane !== 0) asm.scale(t, t, asm.constant(unit(lane)));
        return t;
      }),
    ),
  );
}

const I11 = F.inv(11);

/**
 * The extension word whose coordinate j is the sum of the lanes of Σ products[j]. Lanes 0..3 of a word are summed
 * by one `emul` with B = (1, 11⁻¹, 11⁻¹, 11⁻¹): lane 0 of a·B in F_p[X]/(X⁴ − 11) is a₀b₀ + 11·(a₁b₃ + a₂b₂ + a₃b₁)
 * = a₀ + a₁ + a₂ + a₃ (its lanes 1..3 are not used); lanes 4..7 are taken by `lane`s; a `scale` by the unit word
 * moves the sum to lane j and clears the other lanes. Ten instructions a coordinate, where eight `lane`s and seven
 * `add`s took fifteen.
 */
function coordinatesFromLanes(asm: Assembler, products: readonly (readonly number[])[]): number {
  const fold = asm.constant([1, I11, I11, I11, 0, 0, 0, 0]);
  const coords = products.map((words, j) => {
    const p = sumWords(asm, words);
    const low = asm.alloc();
    asm.emul(low, p, fold);
    const sum = sumWords(asm, [low, ...[4, 5, 6, 7].map((l) => lane0(asm, { addr: p, lane: l }))]);
    const moved = asm.alloc();
    asm.scale(moved, sum, asm.constant(unit(j)));
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
 * One height's reduced quotient at each query (`at`): Σ_g (Σ_{terms at g} (Σ_k c_k·row_k − claim)) / (x − z_g).
 * How each point combines its rows (which slots are laid out, their coefficient words, the summed claims) is fixed
 * at the first query, once per proof; every later query must have its rows in the same lanes.
 */
export class HeightQuotient {
  private points: PointCombination[] | null = null;

  /** `queries`: the proof's query count (what a laid-out slot's setup is spread over); `laidMin`: slotIsLaid's. */
  constructor(
    private readonly asm: Assembler,
    private readonly queries: number,
    private readonly laidMin?: number,
  ) {}

  private combinations(points: readonly number[], terms: readonly DeepTerm[]): PointCombination[] {
    const asm = this.asm;
    return points.map((_, g) => {
      const { slots } = slotsOf(terms, g);
      const laidSlots = slots.map((s) => slotIsLaid(s.length, this.queries, this.laidMin));
      const all = slots.reduce((n, s) => n + s.length, 0);
      const narrow = slots.reduce((n, s, i) => n + (laidSlots[i] ? 0 : s.length), 0);
      const anyLaid = laidSlots.some(Boolean);
      // Laying out pays only when the slots' savings cover the point's lane sums.
      const laidCost = (LAID_PER_QUERY * laidSlots.filter(Boolean).length + LANE_SUMS_PER_QUERY + NARROW_PER_QUERY * narrow) * this.queries + LAID_SETUP_PER_COLUMN * (all - narrow);
      const useLaid = anyLaid && (this.laidMin !== undefined || laidCost < NARROW_PER_QUERY * all * this.queries);
      const laid = slots.map((s, i) => (useLaid && laidSlots[i] ? layCoefficients(asm, terms, s) : null));
      const claim = sumWords(asm, terms.filter((t) => t.point === g).map((t) => t.claim));
      return { slots, laid, claim };
    });
  }

  /** The height's reduced quotient at a query: x its point of the height's domain, points[g] the opening points (extension words). */
  at(x: number, points: readonly number[], terms: readonly DeepTerm[]): number {
    const asm = this.asm;
    this.points ??= this.combinations(points, terms);
    if (this.points.length !== points.length) throw new Error('deep: another number of opening points than at the first query');
    const parts = this.points.flatMap((pc, g) => {
      const { slots, addrs } = slotsOf(terms, g);
      if (!sameSlots(slots, pc.slots)) throw new Error('deep: the rows are laid out unlike at the first query');
      if (slots.length === 0) return [];
      const products: number[][] = [[], [], [], []];
      const single: number[] = [];
      slots.forEach((columns, i) => {
        const coeffs = pc.laid[i];
        if (coeffs) {
          coeffs.forEach((c, j) => {
            const t = asm.alloc();
            asm.mul(t, addrs[i]!, c);
            products[j]!.push(t);
          });
          return;
        }
        for (const { term, k, lane } of columns) {
          const t = asm.alloc();
          asm.scale(t, lane0(asm, { addr: addrs[i]!, lane }), terms[term]!.coeffs[k]!);
          single.push(t);
        }
      });
      const combined = products[0]!.length > 0 ? [coordinatesFromLanes(asm, products), ...single] : single;
      const n = asm.alloc();
      asm.sub(n, sumWords(asm, combined), pc.claim);
      const d = asm.alloc();
      asm.sub(d, x, points[g]!);
      const inv = asm.alloc();
      asm.advice('extInverse', inv, d, d);
      const one = asm.alloc();
      asm.emul(one, d, inv);
      asm.assertEq(one, asm.constant(1), 'deep: x − z has no inverse (a query at an opening point)');
      const q = asm.alloc();
      asm.emul(q, n, inv);
      return [q];
    });
    return sumWords(asm, parts);
  }
}
