/**
 * The preprocessed tables of the tensor-core chip (bf16-mma.ts), the functions they tabulate, and the small
 * polynomials the chip evaluates on their outputs. Every table is a tuple table (tuple-table.ts): one LogUp
 * fraction per lookup however many values it carries. One relation per bus.
 *
 *   T9    (t, v)            t ∈ [0, 512) the top 9 bits of a bf16 (sign s, exponent field E), v = 256·s + code,
 *                           code 0 for E = 0, 1 for E in [1, 254], 2 for E = 255. So max(E, 1) = t + 1 − v for
 *                           E ≤ 254, and s, [E ≠ 0], [E = 255] are polynomials of v (vPoly below).
 *   R7    (f)               f < 2^7: a bf16's fraction, and the top byte of an f32 significand less its hidden bit.
 *   E512  x ∈ [0, 512), four buses:
 *           CLAMP  (x, min(x, 27))                     a product's alignment d → its table key dc
 *           CCLAMP (x, min(x + 1, 27), min(x + 9, 27)) C's alignment dC → the keys of its bytes
 *           R9     (x)                                 x < 2^9
 *           EXP    (x, [x ≥ 255], [x ≥ 1])             a result's exponent: overflow, and at least 1
 *   NORM  (sh, kR, kq, kq8, P, λ) for sh ∈ [−378, 8]: the normalisation shift of a group's sum and what the
 *           chip needs to check it (bf16-mma.ts, "the conversion"): λ = [sh ≥ 1], kR = 11 + max(sh, 0),
 *           P = 2^(16 − sh) when λ else 2^(−sh) (mod p), kq = min(3 − sh, 27) and kq8 = min(11 − sh, 27) when
 *           not λ (3 and 11 when λ).
 *   HL    k ∈ [0, 28), x < 2^8, two buses: H (k, x, Hc, Hf) with ⌊x·2^(19 − k)⌋ = 2^16·Hc + Hf (Hf < 2^16),
 *           and L (k, x, ⌊x·2^(11 − k)⌋). H(k, x) = L(k + 8, x): the two buses floor the high and the low byte of
 *           a 16-bit value shifted by the same amount, ⌊(256·h + l)·2^(11 − k)⌋ = H(k, h) + L(k, l) (the low
 *           byte's part is below the high byte's granularity, so the floors add up). Its 7,168 rows are three
 *           tables, k in [0, 16), [16, 24) and [24, 28) (4,096 + 2,048 + 1,024 rows, no padding): a bus answered
 *           by several tables needs each message in exactly one, which disjoint key ranges give.
 */
import * as F from '../../../proof/field/babybear.ts';
import type { AirBuilder } from '../../../proof/air/air.ts';
import type { Expr } from '../../../proof/air/expr.ts';
import { rowsBusTable, type BusTable } from '../../../proof/air/soundness/index.ts';
import type { Matrix } from '../../../proof/matrix.ts';
import { tupleTable, type TupleTable } from './tuple-table.ts';

export const T9_BUS = 29;
export const R7_BUS = 30;
export const CLAMP_BUS = 31;
export const CCLAMP_BUS = 64;
export const R9_BUS = 65;
export const EXP_BUS = 66;
export const NORM_BUS = 67;
export const H_BUS = 68;
export const L_BUS = 69;

/** The largest table key: a product 27 or more binades below e_max truncates to nothing. */
export const K_MAX = 27;
/** The NORM table's range of shifts (a zero sum takes sh = 130 − M with M up to 508). */
export const SH_MIN = -378;
export const SH_MAX = 8;

/** ⌊x·2^(19 − k)⌋ for k ∈ [0, 27]. */
export function hShift(k: number, x: number): number {
  return k <= 19 ? x * 2 ** (19 - k) : Math.floor(x / 2 ** (k - 19));
}

/** ⌊x·2^(11 − k)⌋ for k ∈ [0, 27]. */
export function lShift(k: number, x: number): number {
  return k <= 11 ? x * 2 ** (11 - k) : Math.floor(x / 2 ** (k - 11));
}

/** T9's v for the top 9 bits t of a bf16. */
export function t9(t: number): number {
  const e = t & 0xff;
  return 256 * (t >> 8) + (e === 0 ? 0 : e === 255 ? 2 : 1);
}

export interface Norm {
  readonly kR: number;
  readonly kq: number;
  readonly kq8: number;
  /** 2^(16 − sh) or 2^(−sh), reduced into the field. */
  readonly P: number;
  readonly lambda: number;
}

export function norm(sh: number): Norm {
  if (sh >= 1) return { kR: 11 + sh, kq: 3, kq8: 11, P: F.pow(2, 16 - sh), lambda: 1 };
  return { kR: 11, kq: Math.min(3 - sh, K_MAX), kq8: Math.min(11 - sh, K_MAX), P: F.pow(2, -sh), lambda: 0 };
}

const pad = (rows: number[][]): number[][] => {
  let n = 2;
  while (n < rows.length) n *= 2;
  while (rows.length < n) rows.push(rows[rows.length - 1]!);
  return rows;
};

function buildTables() {
  const t9Rows = Array.from({ length: 512 }, (_, t) => [t, t9(t)]);
  const r7Rows = Array.from({ length: 128 }, (_, f) => [f]);
  const e512Rows = Array.from({ length: 512 }, (_, x) => [x, Math.min(x, K_MAX), Math.min(x + 1, K_MAX), Math.min(x + 9, K_MAX), x >= 255 ? 1 : 0, x >= 1 ? 1 : 0]);
  const normRows: number[][] = [];
  for (let sh = SH_MIN; sh <= SH_MAX; sh++) {
    const n = norm(sh);
    normRows.push([sh, n.kR, n.kq, n.kq8, n.P, n.lambda]);
  }
  const hlRows = (from: number, to: number): number[][] => {
    const rows: number[][] = [];
    for (let k = from; k < to; k++) {
      for (let x = 0; x < 256; x++) {
        const h = hShift(k, x);
        rows.push([k, x, Math.floor(h / 65536), h % 65536, lShift(k, x)]);
      }
    }
    return rows;
  };
  const hl = (name: string, from: number, to: number) =>
    tupleTable(
      name,
      [
        { bus: H_BUS, columns: [0, 1, 2, 3] },
        { bus: L_BUS, columns: [0, 1, 4] },
      ],
      hlRows(from, to),
    );
  return {
    t9: tupleTable('mma-t9', [{ bus: T9_BUS, columns: [0, 1] }], t9Rows),
    r7: tupleTable('mma-r7', [{ bus: R7_BUS, columns: [0] }], r7Rows),
    e512: tupleTable(
      'mma-e512',
      [
        { bus: CLAMP_BUS, columns: [0, 1] },
        { bus: CCLAMP_BUS, columns: [0, 2, 3] },
        { bus: R9_BUS, columns: [0] },
        { bus: EXP_BUS, columns: [0, 4, 5] },
      ],
      e512Rows,
    ),
    norm: tupleTable('mma-norm', [{ bus: NORM_BUS, columns: [0, 1, 2, 3, 4, 5] }], pad(normRows)),
    hl: [hl('mma-hl-0', 0, 16), hl('mma-hl-1', 16, 24), hl('mma-hl-2', 24, K_MAX + 1)],
  };
}

export type MmaTables = ReturnType<typeof buildTables>;
let tables: MmaTables | null = null;
/** The chip's tables (built once), in the order the proof lists them. */
export function mmaTables(): MmaTables {
  tables ??= buildTables();
  return tables;
}
export const mmaTableList = (): TupleTable[] => {
  const t = mmaTables();
  return [t.t9, t.r7, t.e512, t.norm, ...t.hl];
};

/**
 * Each table's multiplicity columns for the messages `messages` sends per bus: a message is counted by the one
 * table that holds it (throws on a message no table holds, or on one two tables hold).
 */
export function mmaTableTraces(messages: ReadonlyMap<number, readonly (readonly number[])[]>): Matrix[] {
  const list = mmaTableList();
  const routed = list.map((t) => t.buses.map(() => [] as (readonly number[])[]));
  for (const [bus, ms] of messages) {
    const holders = list.flatMap((t, ti) => t.buses.flatMap((b, bi) => (b.bus === bus ? [{ t, ti, bi }] : [])));
    for (const m of ms) {
      const at = holders.filter((h) => h.t.has(h.bi, m));
      if (at.length !== 1) throw new RangeError(`bus ${bus}: (${m.join(', ')}) is in ${at.length} tables`);
      routed[at[0]!.ti]![at[0]!.bi]!.push(m);
    }
  }
  return list.map((t, ti) => t.trace(routed[ti]!));
}

// ---------------------------------------------------------------------------------------------------------------
// Polynomials of T9's v.

/** Coefficients (constant first) of the polynomial through (points[i], values[i]), over the field. */
function interpolate(points: readonly number[], values: readonly number[]): number[] {
  const n = points.length;
  const coeffs = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    // basis_i = Π_{j≠i} (x − p_j)/(p_i − p_j), expanded.
    let basis = [1];
    let denom = 1;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const next = new Array<number>(basis.length + 1).fill(0);
      basis.forEach((c, k) => {
        next[k + 1] = F.add(next[k + 1]!, c);
        next[k] = F.sub(next[k]!, F.mul(c, F.fromInt(points[j]!)));
      });
      basis = next;
      denom = F.mul(denom, F.fromInt(points[i]! - points[j]!));
    }
    const scale = F.div(F.fromInt(values[i]!), denom);
    basis.forEach((c, k) => {
      coeffs[k] = F.add(coeffs[k]!, F.mul(c, scale));
    });
  }
  return coeffs;
}

function horner(b: AirBuilder, x: Expr, coeffs: readonly number[]): Expr {
  let acc: Expr = b.constant(coeffs[coeffs.length - 1]!);
  for (let k = coeffs.length - 2; k >= 0; k--) acc = acc.mul(x).add(coeffs[k]!);
  return acc;
}

/** v's values on a finite operand (E ≤ 254) and on any operand. */
const V4 = [0, 1, 256, 257];
const V6 = [0, 1, 2, 256, 257, 258];
const sign = (v: number) => (v >= 256 ? 1 : 0);
const code = (v: number) => v % 256;
const S3 = interpolate(V4, V4.map(sign));
const H3 = interpolate(V4, V4.map((v) => (code(v) >= 1 ? 1 : 0)));
const S5 = interpolate(V6, V6.map(sign));
const H5 = interpolate(V6, V6.map((v) => (code(v) >= 1 ? 1 : 0)));
const MX5 = interpolate(V6, V6.map((v) => (code(v) === 2 ? 1 : 0)));

/**
 * s, [E ≠ 0] and [E = 255] as polynomials of v: cubics exact on the finite values {0, 1, 256, 257} (used where the
 * constraint only holds for finite operands), quintics exact on all six.
 */
export const vPoly = {
  s3: (b: AirBuilder, v: Expr) => horner(b, v, S3),
  h3: (b: AirBuilder, v: Expr) => horner(b, v, H3),
  s5: (b: AirBuilder, v: Expr) => horner(b, v, S5),
  h5: (b: AirBuilder, v: Expr) => horner(b, v, H5),
  mx5: (b: AirBuilder, v: Expr) => horner(b, v, MX5),
};

/** The chip's lookup buses as the under-constraint checker reads them: each bus's messages, from its tables' rows. */
export function mmaBusTables(): BusTable[] {
  const byBus = new Map<number, { names: string[]; rows: number[][] }>();
  for (const t of mmaTableList()) {
    for (const bus of t.buses) {
      const entry = byBus.get(bus.bus) ?? { names: [], rows: [] };
      entry.names.push(t.name);
      entry.rows.push(...t.rows.map((r) => bus.columns.map((c) => F.fromInt(r[c]!))));
      byBus.set(bus.bus, entry);
    }
  }
  return [...byBus].map(([bus, e]) => rowsBusTable(`${e.names.join(' + ')} bus ${bus}`, bus, e.rows));
}
