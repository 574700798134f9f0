/**
 * LogUp: the auxiliary trace that proves a table's bus messages, and its constraints.
 *
 * With challenges β and α_1, α_2, … (one per position in a message), message k of a row contributes
 *     t_k = m_k / (β − φ_k),   φ_k = bus_k + α_1·v_{k,0} + α_2·v_{k,1} + …,
 * where m_k is its multiplicity (negative for a receive). Interactions are grouped so that each group's
 * constraint stays within the degree budget; group g has a column h_g = Σ_{k∈g} t_k, enforced by
 *     h_g · Π_{k∈g} d_k − Σ_{k∈g} m_k · Π_{l∈g, l≠k} d_l = 0,   d_k = β − φ_k.
 * A last column S accumulates the row sums: S_0 = Σ_g h_g(0), S_{i+1} = S_i + Σ_g h_g(i+1), and S_{n−1} equals
 * the table's claimed sum. The verifier checks that the claimed sums of all tables add up to zero: every message
 * sent was received. Soundness rests on the Schwartz–Zippel bound over the quartic extension (Haböck, eprint
 * 2022/1530, §3). Independent α_i rather than powers of one α keep every fingerprint linear in the challenges:
 * cleared of denominators, an unbalanced sum of M fractions is a nonzero polynomial of total degree below M, so
 * it vanishes with probability < M/|F|, and some denominator does with probability ≤ M/|F| (with powers of α the
 * degree would be M·L for messages of length L, costing log2(L) bits).
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import { P } from '../field/babybear.ts';
import type { AnalyzedAir, Interaction } from './air.ts';
import { Expr, product, sum } from './expr.ts';

export const CHALLENGE_BETA = 0;
/** The challenge that weighs position i of a message. */
export const challengeAlpha = (i: number): number => 1 + i;
/** Challenges a system with messages of at most `maxLength` values draws: β and one α per position. */
export const logupChallengeCount = (maxLength: number): number => 1 + maxLength;

export interface LogUpLayout {
  /** Interactions (indices into the table's list) per group; one aux column each. */
  readonly groups: readonly (readonly number[])[];
  /** Extension-field aux columns: one per group, then the running sum. 0 when the table has no interactions. */
  readonly auxWidth: number;
  readonly constraints: readonly { expr: Expr; name: string }[];
}

const beta = new Expr({ op: 'challenge', index: CHALLENGE_BETA });
const alpha = (i: number) => new Expr({ op: 'challenge', index: challengeAlpha(i) });

function denominator(i: Interaction): Expr {
  let fp = new Expr({ op: 'const', value: i.bus });
  i.values.forEach((v, vi) => {
    fp = fp.add(alpha(vi).mul(v));
  });
  return beta.sub(fp);
}

/** Groups interactions greedily so that every group constraint has degree at most `maxDegree`. */
export function layoutLogUp(air: AnalyzedAir, maxDegree: number): LogUpLayout {
  const interactions = air.interactions;
  if (interactions.length === 0) return { groups: [], auxWidth: 0, constraints: [] };
  const dens = interactions.map(denominator);
  const groupDegree = (g: number[]): number => {
    const dSum = g.reduce((acc, k) => acc + dens[k]!.degree, 0);
    const numer = Math.max(...g.map((k) => interactions[k]!.multiplicity.degree + dSum - dens[k]!.degree));
    return Math.max(1 + dSum, numer);
  };
  const groups: number[][] = [];
  for (let k = 0; k < interactions.length; k++) {
    const last = groups[groups.length - 1];
    if (last && groupDegree([...last, k]) <= maxDegree) last.push(k);
    else {
      if (groupDegree([k]) > maxDegree) {
        throw new Error(`${air.air.name}: bus message ${k} needs degree ${groupDegree([k])}, above the budget ${maxDegree}`);
      }
      groups.push([k]);
    }
  }
  const aux = (col: number, next = false) => new Expr({ op: 'aux', col, next });
  const constraints: { expr: Expr; name: string }[] = groups.map((g, gi) => {
    const lhs = aux(gi).mul(product(g.map((k) => dens[k]!)));
    const rhs = sum(g.map((k) => interactions[k]!.multiplicity.mul(product(g.filter((l) => l !== k).map((l) => dens[l]!)))));
    return { expr: lhs.sub(rhs), name: `logup group ${gi}` };
  });
  const s = groups.length;
  const rowSum = (next: boolean) => sum(groups.map((_, gi) => aux(gi, next)));
  const first = new Expr({ op: 'isFirstRow' });
  const transition = new Expr({ op: 'isTransition' });
  const last = new Expr({ op: 'isLastRow' });
  constraints.push({ expr: first.mul(aux(s).sub(rowSum(false))), name: 'logup running sum starts' });
  constraints.push({ expr: transition.mul(aux(s, true).sub(aux(s)).sub(rowSum(true))), name: 'logup running sum steps' });
  constraints.push({ expr: last.mul(aux(s).sub(new Expr({ op: 'claimedSum' }))), name: 'logup running sum ends at the claimed sum' });
  return { groups, auxWidth: s + 1, constraints };
}

/** A message on a bus that no table sends or receives: the verifier accounts for it from the public inputs. */
export interface PublicMessage {
  readonly bus: number;
  readonly values: readonly number[];
  /** Positive when the statement sends it (a table must receive it), negative when the statement receives it. */
  readonly multiplicity: number;
}

/**
 * Σ m / (β − φ) over messages the statement itself sends or receives, in the LogUp sum's sign convention. The
 * tables' claimed sums plus this must vanish: a table that sends (k, v) on a bus is matched by the statement
 * receiving exactly (k, v), which is how public inputs and outputs reach the bus without any table reading
 * them by position.
 */
export function publicMessagesSum(messages: readonly PublicMessage[], challenges: readonly E.Ext[]): E.Ext {
  const b = challenges[CHALLENGE_BETA]!;
  const dens: E.Ext[] = [];
  for (const m of messages) {
    let fp: E.Ext = E.fromBase(m.bus);
    m.values.forEach((v, vi) => {
      fp = E.add(fp, E.mulBase(challenges[challengeAlpha(vi)]!, v));
    });
    dens.push(E.sub(b, fp));
  }
  if (dens.length === 0) return E.ZERO;
  const inverses = E.batchInverse(dens);
  let total: E.Ext = E.ZERO;
  messages.forEach((m, i) => {
    const mult = m.multiplicity >= 0 ? m.multiplicity % P : P - (-m.multiplicity % P);
    total = E.add(total, E.mulBase(inverses[i]!, mult % P));
  });
  return total;
}

/** Evaluates a base-field expression on row `row` of a trace given as row-major matrices (no ext nodes). */
export type RowReader = (e: Expr, row: number) => number;

/**
 * The aux trace on H_n: packed extension columns (element (row, col) at words 4·(row·auxWidth + col)), and the
 * table's claimed sum S_{n−1}.
 */
export function buildAuxTrace(
  air: AnalyzedAir,
  layout: LogUpLayout,
  height: number,
  evalBase: RowReader,
  challenges: readonly E.Ext[],
): { values: Uint32Array; claimedSum: E.Ext } {
  const interactions = air.interactions;
  const width = layout.auxWidth;
  const values = new Uint32Array(height * width * 4);
  if (width === 0) return { values, claimedSum: E.ZERO };
  const beta = challenges[CHALLENGE_BETA]!;
  // Denominators β − fingerprint for every (row, interaction), packed (element row·k + j), inverted in one batch
  // (Montgomery's trick) without allocating per element.
  const k = interactions.length;
  const total = height * k;
  const dens = new Uint32Array(4 * total);
  const mults = new Uint32Array(total);
  for (let j = 0; j < k; j++) {
    const it = interactions[j]!;
    const alphas = it.values.map((_, vi) => challenges[challengeAlpha(vi)]!);
    const d0 = F.sub(beta[0], F.fromInt(it.bus));
    for (let row = 0; row < height; row++) {
      let c0 = d0, c1 = beta[1], c2 = beta[2], c3 = beta[3];
      for (let vi = 0; vi < alphas.length; vi++) {
        const v = evalBase(it.values[vi]!, row);
        const a = alphas[vi]!;
        c0 = F.sub(c0, F.mul(a[0], v));
        c1 = F.sub(c1, F.mul(a[1], v));
        c2 = F.sub(c2, F.mul(a[2], v));
        c3 = F.sub(c3, F.mul(a[3], v));
      }
      const o = 4 * (row * k + j);
      dens[o] = c0;
      dens[o + 1] = c1;
      dens[o + 2] = c2;
      dens[o + 3] = c3;
      mults[row * k + j] = evalBase(it.multiplicity, row);
    }
  }
  const inverses = new Uint32Array(4 * total);
  const acc = Uint32Array.of(1, 0, 0, 0);
  for (let i = 0; i < total; i++) {
    inverses.set(acc, 4 * i); // the prefix product, turned into the inverse below
    E.mulInto(acc, 0, acc, 0, dens, i);
  }
  if (E.isZero(E.load(acc, 0))) {
    throw new Error(`${air.air.name}: a bus fingerprint equals the challenge β (probability ~2^-124); retry with another seed`);
  }
  E.store(acc, 0, E.inv(E.load(acc, 0)));
  for (let i = total - 1; i >= 0; i--) {
    E.mulInto(inverses, i, inverses, i, acc, 0);
    E.mulInto(acc, 0, acc, 0, dens, i);
  }
  let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  for (let row = 0; row < height; row++) {
    layout.groups.forEach((g, gi) => {
      let h0 = 0, h1 = 0, h2 = 0, h3 = 0;
      for (const j of g) {
        const i = row * k + j;
        const m = mults[i]!;
        h0 = F.add(h0, F.mul(inverses[4 * i]!, m));
        h1 = F.add(h1, F.mul(inverses[4 * i + 1]!, m));
        h2 = F.add(h2, F.mul(inverses[4 * i + 2]!, m));
        h3 = F.add(h3, F.mul(inverses[4 * i + 3]!, m));
      }
      const o = 4 * (row * width + gi);
      values[o] = h0;
      values[o + 1] = h1;
      values[o + 2] = h2;
      values[o + 3] = h3;
      r0 = F.add(r0, h0);
      r1 = F.add(r1, h1);
      r2 = F.add(r2, h2);
      r3 = F.add(r3, h3);
    });
    const o = 4 * (row * width + layout.groups.length);
    values[o] = r0;
    values[o + 1] = r1;
    values[o + 2] = r2;
    values[o + 3] = r3;
  }
  return { values, claimedSum: [r0, r1, r2, r3] };
}
