/**
 * LogUp multiplicity bounds: what makes "every message sent was received" follow from the sums adding up.
 *
 * LogUp shows Σ_k m_k / (X − φ_k) = 0 as a rational function, which says, for every distinct fingerprint v, that
 * the multiplicities of v add up to zero **in F_p**: Σ_{sends of v} m − Σ_{receives of v} m ≡ 0 (mod p). That is
 * the multiset equality we want only if no value can be sent (or received) p times: a message no table answers,
 * sent exactly p times, would balance (Haböck, eprint 2022/1530, where multiplicities are bounded by the field
 * characteristic). So the system bounds, per bus, the total multiplicity a proof can carry:
 *
 *   send load    Σ_tables height_t · Σ_{sends of t on the bus} max m      must be < p
 *   receive load Σ_tables height_t · Σ_{receives with a bounded m} max m  (+ public messages)  must be < p
 *
 * A multiplicity's bound comes from its expression, by interval arithmetic over the integers: a constant is its
 * value (above p/2 it is negative), a main column is in [0, 1] when the AIR constrains it boolean (c·(c − 1) = 0)
 * or declares it one-hot (Air.oneHot: a sum of distinct such columns is in [0, 1] too), otherwise unbounded; a
 * preprocessed column is in the range of the values it holds (it is part of the statement); the row selectors are
 * unbounded (unnormalised Lagrange values, not 0/1).
 * A send must have a bounded, non-negative multiplicity: an unbounded one could be p − 1 ≡ −1 and receive.
 * A receive may be unbounded (a lookup table's multiplicity column counts its lookups, and any count is a valid
 * lookup), but then a message no other receiver answers still needs the send load below p to be caught.
 * The blinding bus (stark/blinding.ts) is exempt: its messages are random by design and carry no claim.
 *
 * The verifier computes the loads from the table heights a proof declares and rejects a proof that exceeds p on
 * any bus; the heights themselves are at most 2^MAX_LOG_HEIGHT (stark/protocol.ts).
 */
import { P } from '../field/babybear.ts';
import { BLINDING_BUS, type AnalyzedAir } from './air.ts';
import type { Expr } from './expr.ts';
import type { Matrix } from '../matrix.ts';

type Interval = readonly [lo: number, hi: number];
const UNBOUNDED: Interval = [-Infinity, Infinity];

/** Main columns constrained boolean: a constraint of the shape c·(c − 1) (AirBuilder.assertBool). */
export function booleanColumns(air: AnalyzedAir): ReadonlySet<number> {
  const out = new Set<number>();
  for (const { expr } of air.constraints) {
    const n = expr.node;
    if (n.op !== 'mul') continue;
    const [a, b] = [n.a.node, n.b.node];
    if (a.op !== 'main' || a.next || b.op !== 'sub') continue;
    const [x, one] = [b.a.node, b.b.node];
    if (x.op === 'main' && !x.next && x.col === a.col && one.op === 'const' && one.value === 1) out.add(a.col);
  }
  return out;
}

const mulEnds = (x: number, y: number): number => (x === 0 || y === 0 ? 0 : x * y);

/** What the interval arithmetic knows of a table's columns. */
export interface ColumnFacts {
  readonly bits: ReadonlySet<number>;
  readonly oneHot: ReadonlySet<number>;
  /** The range of each preprocessed column's values, as integers (above p/2 negative). */
  readonly pre: (col: number) => Interval;
}

const signed = (v: number): number => (v <= P / 2 ? v : v - P);

/** The range of a preprocessed matrix's columns, computed once per column asked for. */
function preRanges(pre: Matrix | null): (col: number) => Interval {
  const cache = new Map<number, Interval>();
  return (col) => {
    if (!pre) return UNBOUNDED;
    let r = cache.get(col);
    if (!r) {
      let [lo, hi] = [Infinity, -Infinity];
      for (let i = 0; i < pre.height; i++) {
        const v = signed(pre.get(i, col));
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      cache.set(col, (r = [lo, hi]));
    }
    return r;
  };
}

/** The main columns of a sum of main columns (a tree of `add`), or null for any other expression. */
function summands(e: Expr, out: number[] = []): number[] | null {
  const n = e.node;
  if (n.op === 'main' && !n.next) return (out.push(n.col), out);
  if (n.op === 'add') return summands(n.a, out) && summands(n.b, out);
  return null;
}

function interval(e: Expr, facts: ColumnFacts): Interval {
  const n = e.node;
  const cols = n.op === 'add' ? summands(e) : null;
  if (cols && new Set(cols).size === cols.length && cols.every((c) => facts.oneHot.has(c))) return [0, 1];
  switch (n.op) {
    case 'const':
      return [signed(n.value), signed(n.value)];
    case 'pre':
      return n.next ? UNBOUNDED : facts.pre(n.col);
    case 'main':
      return !n.next && (facts.bits.has(n.col) || facts.oneHot.has(n.col)) ? [0, 1] : UNBOUNDED;
    case 'add': {
      const [a, b] = [interval(n.a, facts), interval(n.b, facts)];
      return [a[0] + b[0], a[1] + b[1]];
    }
    case 'sub': {
      const [a, b] = [interval(n.a, facts), interval(n.b, facts)];
      return [a[0] - b[1], a[1] - b[0]];
    }
    case 'neg': {
      const a = interval(n.a, facts);
      return [-a[1], -a[0]];
    }
    case 'mul': {
      const [a, b] = [interval(n.a, facts), interval(n.b, facts)];
      const ends = [mulEnds(a[0], b[0]), mulEnds(a[0], b[1]), mulEnds(a[1], b[0]), mulEnds(a[1], b[1])];
      return [Math.min(...ends), Math.max(...ends)];
    }
    default:
      return UNBOUNDED;
  }
}

/** The largest value multiplicity `e` takes on a row, or null when it is not a bounded non-negative integer. */

export function multiplicityBound(e: Expr, facts: ColumnFacts): number | null {
  const [lo, hi] = interval(e, facts);
  return lo >= 0 && Number.isFinite(hi) ? hi : null;
}

/** Per bus, one table's multiplicity per row: the sends' bound, the bounded receives' bound, any unbounded receive. */
export interface RowLoad {
  readonly send: number;
  readonly receive: number;
  readonly freeReceive: boolean;
}

/**
 * The per-row loads of a table's buses (the blinding bus left out), `pre` its preprocessed columns. Throws on a
 * send whose multiplicity is not bounded: no such AIR is sound, whatever its heights.
 */
export function rowLoads(air: AnalyzedAir, pre: Matrix | null = null): ReadonlyMap<number, RowLoad> {
  const facts: ColumnFacts = { bits: booleanColumns(air), oneHot: new Set(air.air.oneHot?.columns ?? []), pre: preRanges(pre) };
  const out = new Map<number, { send: number; receive: number; freeReceive: boolean }>();
  for (const it of air.interactions) {
    if (it.bus === BLINDING_BUS) continue;
    const load = out.get(it.bus) ?? { send: 0, receive: 0, freeReceive: false };
    out.set(it.bus, load);
    if (it.kind === 'send') {
      const m = multiplicityBound(it.multiplicity, facts);
      if (m === null) throw new Error(`${air.air.name}: a send on bus ${it.bus} has a multiplicity that is not a bounded non-negative integer`);
      load.send += m;
    } else {
      // Stored negated (air.ts): the receive's own multiplicity is the negation.
      const m = multiplicityBound(it.multiplicity.neg(), facts);
      if (m === null) load.freeReceive = true;
      else load.receive += m;
    }
  }
  return out;
}

/**
 * The first bus whose total send or bounded receive multiplicity reaches p for tables of these heights (one load
 * map per table, `statement` the messages the statement itself sends and receives per bus), as a message; null
 * when every bus is below p.
 */
export function busLoadProblem(
  loads: readonly ReadonlyMap<number, RowLoad>[],
  logHeights: readonly number[],
  statement: ReadonlyMap<number, { readonly send: number; readonly receive: number }> = new Map(),
): string | null {
  const totals = new Map<number, { send: number; receive: number }>();
  loads.forEach((table, t) => {
    const rows = 2 ** logHeights[t]!;
    for (const [bus, l] of table) {
      const total = totals.get(bus) ?? { send: statement.get(bus)?.send ?? 0, receive: statement.get(bus)?.receive ?? 0 };
      total.send += rows * l.send;
      total.receive += rows * l.receive;
      totals.set(bus, total);
    }
  });
  for (const [bus, total] of [...totals].sort((a, b) => a[0] - b[0])) {
    if (total.send >= P) return `bus ${bus}: up to ${total.send} messages sent at these table heights, not below p = ${P}: LogUp would not tell a message sent p times from none`;
    if (total.receive >= P) return `bus ${bus}: up to ${total.receive} messages received at these table heights, not below p = ${P}`;
  }
  return null;
}
