/**
 * LogUp: the auxiliary trace that proves a table's bus messages, and its constraints.
 *
 * With challenges β and α_1, α_2, … (one per position in a message), message k of a row contributes
 *     t_k = m_k / (β − φ_k),   φ_k = bus_k + α_1·v_{k,0} + α_2·v_{k,1} + …,
 * where m_k is its multiplicity (negative for a receive). Interactions are grouped so that each group's
 * constraint stays within the degree budget; group g < s − 1 has a column h_g = Σ_{k∈g} t_k, enforced by
 *     h_g · Π_{k∈g} d_k − Σ_{k∈g} m_k · Π_{l∈g, l≠k} d_l = 0,   d_k = β − φ_k.
 * The last group has no column of its own: a running-sum column S carries it. On every row of H_n, cyclically
 * (S(ω·X) at the last row is S at the first),
 *     (S(ω·X) − S(X) − Σ_{g<s−1} h_g(X) + T/n) · Π_{k∈last} d_k − Σ_{k∈last} m_k · Π_{l≠k} d_l = 0,
 * T the table's claimed sum and n its height (the `sumPerRow` leaf). Where the denominators do not vanish this
 * says S_{i+1} − S_i = Σ_g t_g(i) − T/n, and summing over the n rows of the cycle gives 0 = Σ_i Σ_g t_g(i) − T:
 * T is the table's whole LogUp sum, whatever S_0 is (the prover takes S_0 = 0, S_i = Σ_{j<i} (Σ_g t_g(j) − T/n)).
 * No selector: the constraint has the group's own degree, so s groups cost s extension columns, not s + 1, and
 * only S is read at the next row (the h_g at ω·ζ are never opened).
 * The verifier checks that the claimed sums of all tables add up to zero: every message
 * sent was received. Soundness rests on the Schwartz–Zippel bound over the quartic extension (Haböck, eprint
 * 2022/1530, §3). Independent α_i rather than powers of one α keep every fingerprint linear in the challenges:
 * cleared of denominators, an unbalanced sum of M fractions is a nonzero polynomial of total degree below M, so
 * it vanishes with probability < M/|F|, and some denominator does with probability ≤ M/|F| (with powers of α the
 * degree would be M·L for messages of length L, costing log2(L) bits). How the fractions are grouped changes
 * neither M nor the fractions, only the degree of the constraints that pin each h_g (the DEEP and quotient terms
 * of stark/security.ts read the table's degree).
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
  /** Interactions (indices into the table's list) per group; one aux column each but the last (the running sum carries it). */
  readonly groups: readonly (readonly number[])[];
  /** Committed extension-field aux columns: h_g for every group but the last, then the running sum S. 0 when the table has no interactions. */
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

/** Groups interactions (first fit, in order) so that every group constraint has degree at most `maxDegree`. */
export function layoutLogUp(air: AnalyzedAir, maxDegree: number): LogUpLayout {
  const interactions = air.interactions;
  if (interactions.length === 0) return { groups: [], auxWidth: 0, constraints: [] };
  const dens = interactions.map(denominator);
  const groupDegree = (g: number[]): number => {
    const dSum = g.reduce((acc, k) => acc + dens[k]!.degree, 0);
    const numer = Math.max(...g.map((k) => interactions[k]!.multiplicity.degree + dSum - dens[k]!.degree));
    return Math.max(1 + dSum, numer);
  };
  // First fit: each message joins the first group it fits in (a message of higher degree does not close a group).
  const groups: number[][] = [];
  for (let k = 0; k < interactions.length; k++) {
    const fits = groups.find((g) => groupDegree([...g, k]) <= maxDegree);
    if (fits) fits.push(k);
    else {
      if (groupDegree([k]) > maxDegree) {
        throw new Error(`${air.air.name}: bus message ${k} needs degree ${groupDegree([k])}, above the budget ${maxDegree}`);
      }
      groups.push([k]);
    }
  }
  const aux = (col: number, next = false) => new Expr({ op: 'aux', col, next });
  const s = groups.length;
  const groupTerms = (g: readonly number[]) => ({
    dens: product(g.map((k) => dens[k]!)),
    numer: sum(g.map((k) => interactions[k]!.multiplicity.mul(product(g.filter((l) => l !== k).map((l) => dens[l]!))))),
  });
  const constraints: { expr: Expr; name: string }[] = groups.slice(0, s - 1).map((g, gi) => {
    const { dens: d, numer } = groupTerms(g);
    return { expr: aux(gi).mul(d).sub(numer), name: `logup group ${gi}` };
  });
  const { dens: d, numer } = groupTerms(groups[s - 1]!);
  const step = aux(s - 1, true)
    .sub(aux(s - 1))
    .sub(sum(groups.slice(0, s - 1).map((_, gi) => aux(gi))))
    .add(new Expr({ op: 'sumPerRow' }));
  constraints.push({ expr: step.mul(d).sub(numer), name: `logup running sum steps by the row's fractions (group ${s - 1})` });
  return { groups, auxWidth: s, constraints };
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
 * The LogUp kernel's trace on H_n (the contract of ProofBackend.logupAux): one packed extension column per group,
 * h_g = Σ_{k∈g} t_k, then the inclusive running sum R_i = Σ_{j≤i} Σ_g h_g(j) (element (row, col) at words
 * 4·(row·(groups + 1) + col)), and the table's claimed sum R_{n−1}. `committedAux` turns it into the committed layout.
 */
export function buildAuxTrace(
  air: AnalyzedAir,
  layout: LogUpLayout,
  height: number,
  evalBase: RowReader,
  challenges: readonly E.Ext[],
): { values: Uint32Array; claimedSum: E.Ext } {
  const interactions = air.interactions;
  const width = interactions.length === 0 ? 0 : layout.groups.length + 1;
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

/**
 * The committed aux trace (`layoutLogUp`: h_g for every group but the last, then S) from the kernel's (`buildAuxTrace`:
 * every h_g, then the inclusive running sum R): S_0 = 0 and S_i = R_{i−1} − i·T/n, T = R_{n−1}, which meets the
 * running-sum constraint on every row including the wrap (S_0 − S_{n−1} = R_{n−1} − R_{n−2} − T/n).
 */
export function committedAux(kernel: Uint32Array, groups: number, height: number): Uint32Array {
  const from = groups + 1;
  const out = new Uint32Array(4 * groups * height);
  const at = (row: number) => E.load(kernel, row * from + groups);
  const perRow = E.mulBase(at(height - 1), F.inv(height));
  let shift: E.Ext = E.ZERO;
  for (let row = 0; row < height; row++) {
    const o = 4 * row * groups;
    out.set(kernel.subarray(4 * row * from, 4 * (row * from + groups - 1)), o);
    if (row > 0) {
      shift = E.add(shift, perRow);
      E.store(out, row * groups + groups - 1, E.sub(at(row - 1), shift));
    }
  }
  return out;
}
