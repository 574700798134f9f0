/**
 * The search for a second assignment of an honest trace (see ./index.ts): one cell is moved to a candidate
 * value, then (a) nothing else changes, (b) one more cell is solved from a violated constraint affine in it, or
 * (c) the change is repaired downstream along the determination order (./order.ts) — affine items solved for
 * their cell, keyed lookups answered from their table, bits flipped, limb equations split — depth first within a
 * node budget. An assignment that satisfies every item and changes a cell not declared free is a finding.
 */
import * as F from '../../field/babybear.ts';
import type { InteractionTemplate } from './compiled.ts';
import type { Item, TraceModel } from './model.ts';
import type { BusTable } from './spec.ts';
import { support, type DeterminationOrder } from './order.ts';

export interface CellChange {
  readonly row: number;
  readonly col: number;
  readonly from: number;
  readonly to: number;
}

export interface Finding {
  /** 'output': the chip's claim changes; 'alone': other cells change, the claim does not. */
  readonly kind: 'output' | 'alone';
  readonly method: 'single' | 'pair' | 'repair';
  /** The moved cell and its value. */
  readonly row: number;
  readonly col: number;
  readonly value: number;
  /** Every cell that differs from the honest trace. */
  readonly changed: readonly CellChange[];
}

export interface SearchOptions {
  /** Nodes of the repair search per moved value. */
  readonly budget?: number;
  /** Random candidate values per cell. */
  readonly randomValues?: number;
  /**
   * 'short': the offsets ±1, ±2, ±64, ±65, ±2^16 only (and −x, 0, 1, the random and scaled values), for long
   * traces of wide chips; 'full' (the default) adds ±3 and every ±2^k.
   */
  readonly offsets?: 'full' | 'short';
  /** Seed of the random candidates. */
  readonly seed?: number;
}

type Option = readonly (readonly [cell: number, value: number])[];

/** `fixed` values: free to solve, fixed for good, or solved from item (value − SOLVED). */
const OPEN = 0;
const HARD = 1;
const SOLVED = 2;

const OFFSETS = [1, 2, 3, 64, 65, ...Array.from({ length: 29 }, (_, i) => 2 ** (i + 2))];
const SHORT_OFFSETS = [1, 2, 64, 65, 2 ** 16];

export class Searcher {
  private readonly fixed: Int32Array;
  /** Every cell change and its old value and fixedness, to undo. */
  private readonly log: [cell: number, value: number, fixed: number][] = [];
  /** The items that fail now (the honest trace has none), and every change of that set, to undo. */
  private readonly bad = new Set<number>();
  /**
   * Per item, how many times another item's solution (or the move) changed one of its cells; and when it last
   * solved cells itself. It may solve them again only after such a change (else it would undo its own choice).
   */
  private readonly touched: Int32Array;
  private readonly touchLog: number[] = [];
  private readonly solvedAt: Int32Array;
  private readonly badLog: [item: number, wasBad: boolean][] = [];
  private nodes = 0;
  private best: Finding | null = null;
  private move: { cell: number; value: number } = { cell: -1, value: 0 };
  /** Cells to choose again (./order.ts guessed, or let go of), ranked, noted at the repair's dead ends. */
  private readonly roots = new Map<number, number>();
  private readonly supports = new Map<number, ReadonlySet<number>>();
  private rng: number;

  constructor(
    readonly model: TraceModel,
    readonly order: DeterminationOrder,
    readonly options: SearchOptions = {},
  ) {
    this.fixed = Int32Array.from(model.input);
    this.touched = new Int32Array(model.items.length);
    this.solvedAt = new Int32Array(model.items.length).fill(-1);
    this.rng = options.seed ?? 1;
  }

  /** Every cell not an input or free, moved to each candidate value: the findings, at most one per column (an output one if any). */
  run(): Finding[] {
    const m = this.model;
    const byColumn = new Map<number, Finding>();
    for (const cell of m.moveRows.flatMap((r) => Array.from({ length: m.width }, (_, c) => r * m.width + c))) {
      if (m.input[cell] || m.free[cell]) continue;
      const col = cell % m.width;
      if (byColumn.get(col)?.kind === 'output') continue;
      for (const v of this.candidates(cell)) {
        const f = this.tryMove(cell, v);
        if (f && (!byColumn.has(col) || (f.kind === 'output' && byColumn.get(col)!.kind !== 'output'))) byColumn.set(col, f);
        if (byColumn.get(col)?.kind === 'output') break;
      }
    }
    return [...byColumn.values()];
  }

  /** Whether the search so far found an assignment that changes an output (then it stops). */
  private get outputFound(): boolean {
    return this.best?.kind === 'output';
  }

  private random(): number {
    this.rng = (Math.imul(this.rng, 1103515245) + 12345) >>> 0;
    return this.rng;
  }

  /**
   * Candidate values for a cell with honest value x: x ± small and ± powers of two, −x, 0, 1, random field
   * elements, and for each lookup value affine in the cell with a coefficient c ≠ ±1 (a scaled range check v·2^s),
   * the values that move that lookup value by ± small or ± powers of two or set it to a random in-range value:
   * x + δ·c⁻¹, the "limb out of range whose scaled copy the table still accepts" values.
   */
  candidates(cell: number): number[] {
    const m = this.model;
    const x = m.honest[cell]!;
    const out = new Set<number>([0, 1, F.neg(x), F.P - 1]);
    for (const d of this.options.offsets === 'short' ? SHORT_OFFSETS : OFFSETS) out.add(F.add(x, F.fromInt(d))).add(F.sub(x, F.fromInt(d)));
    for (let i = 0; i < (this.options.randomValues ?? 2); i++) out.add(this.random() % F.P);
    for (const i of m.cellItems[cell]!) {
      const item = m.items[i]!;
      if (item.kind !== 'lookup') continue;
      const t = item.template as InteractionTemplate;
      t.values.forEach((node, j) => {
        if (!item.valueCells[j]!.includes(cell) || m.degree(item, node, [cell]) !== 1) return;
        const coef = F.sub(m.valueWith(item, node, cell, F.add(x, 1)), m.valueWith(item, node, cell, x));
        if (coef === 0 || coef === 1 || coef === F.P - 1) return;
        const step = F.inv(coef);
        const bits = item.table!.rangeBits ?? 16;
        for (let s = 0; s < bits; s++) for (const sign of [1, -1]) out.add(F.add(x, F.mul(F.fromInt(sign * 2 ** s), step)));
        for (const d of [3, 5]) for (const sign of [1, -1]) out.add(F.add(x, F.mul(F.fromInt(sign * d), step)));
        const now = m.valueWith(item, node, cell, x);
        for (let k = 0; k < 2; k++) out.add(F.add(x, F.mul(F.sub(this.random() % 2 ** bits, now), step)));
      });
    }
    out.delete(x);
    return [...out];
  }

  /** Moves `cell` to `value` and searches; restores the trace. */
  tryMove(cell: number, value: number): Finding | null {
    this.best = null;
    this.move = { cell, value };
    this.set(cell, value);
    const violated = this.violated();
    if (violated.length === 0) this.terminal('single');
    else {
      this.pairs(violated);
      if (!this.outputFound) {
        this.nodes = 0;
        this.roots.clear();
        this.repair(true);
      }
      if (!this.outputFound) this.rechooseRoots();
    }
    this.undo([0, 0, 0]);
    return this.best;
  }

  /**
   * Sets `cell` and fixes it: for good (the move, a pair's second cell, a re-chosen root: `by` −1) or as solved from
   * item `by`, which may solve it again if it fails again after another change reached it.
   */
  private set(cell: number, value: number, by = -1): void {
    const m = this.model;
    this.log.push([cell, m.trace[cell]!, this.fixed[cell]!]);
    m.trace[cell] = value;
    this.fixed[cell] = by < 0 ? HARD : SOLVED + by;
    for (const i of m.cellItems[cell]!) {
      if (i === by) continue;
      this.touched[i]!++;
      this.touchLog.push(i);
    }
    m.checkCell(cell, (i, holds) => {
      const wasBad = this.bad.has(i);
      if (holds !== wasBad) return;
      this.badLog.push([i, wasBad]);
      if (holds) this.bad.delete(i);
      else this.bad.add(i);
    });
  }

  private mark(): [number, number, number] {
    return [this.log.length, this.badLog.length, this.touchLog.length];
  }

  private undo([cells, items, touches]: [number, number, number]): void {
    while (this.touchLog.length > touches) this.touched[this.touchLog.pop()!]!--;
    const t = this.model.trace;
    while (this.log.length > cells) {
      const [cell, value, fixed] = this.log.pop()!;
      t[cell] = value;
      this.fixed[cell] = fixed;
    }
    while (this.badLog.length > items) {
      const [i, wasBad] = this.badLog.pop()!;
      if (wasBad) this.bad.add(i);
      else this.bad.delete(i);
    }
  }

  /** The items that fail now. */
  private violated(): Item[] {
    return [...this.bad].map((i) => this.model.items[i]!);
  }

  private terminal(method: Finding['method']): void {
    const m = this.model;
    const changed: CellChange[] = [];
    let onlyFree = true;
    for (let c = 0; c < m.trace.length; c++) {
      if (m.trace[c] === m.honest[c]) continue;
      changed.push({ row: Math.floor(c / m.width), col: c % m.width, from: m.honest[c]!, to: m.trace[c]! });
      if (!m.free[c]) onlyFree = false;
    }
    if (onlyFree) return;
    const kind = m.outputsChanged() ? 'output' : 'alone';
    if (this.best && (this.best.kind === 'output' || kind === 'alone')) return;
    const { cell, value } = this.move;
    this.best = { kind, method, row: Math.floor(cell / m.width), col: cell % m.width, value, changed };
  }

  /** (b): one more cell, in every violated item, solved from one of them. */
  private pairs(violated: readonly Item[]): void {
    const m = this.model;
    const [head, ...rest] = violated;
    let common = [...head!.cells].filter((c) => !this.fixed[c]);
    for (const item of rest) common = common.filter((c) => item.cells.includes(c));
    const mark = this.mark();
    for (const x of common) {
      // Every violated item must hold afterwards, so solving from one of them is enough.
      const values = new Set<number>();
      for (const item of violated) {
        if (item.kind === 'lookup') continue;
        const v = m.solveAffine(item, item.node, x, item.want);
        if (v === null) continue;
        values.add(v);
        break;
      }
      if (m.isBool(x)) values.add(1 - m.trace[x]!);
      values.delete(m.trace[x]!);
      for (const v of values) {
        this.set(x, v);
        if (this.bad.size === 0) this.terminal('pair');
        this.undo(mark);
        if (this.outputFound) return;
      }
    }
  }

  /** (c): depth-first repair of the violated items, downstream only; `noteRoots` at dead ends for a second try. */
  private repair(noteRoots: boolean): void {
    if (++this.nodes > (this.options.budget ?? 300) || this.outputFound) return;
    const violated = this.violated();
    if (violated.length === 0) {
      this.terminal('repair');
      return;
    }
    // The most upstream violated item first: the cells it re-solves may be read by the items after it, as the
    // witness generator computes them in that order. If it cannot be repaired, nothing downstream can help.
    // At one step, an item that determined cells goes before the checks of them (a range lookup of a value
    // waits for the value to be re-solved).
    const rank = (item: Item) => 2 * this.order.itemStep[item.index]! + (this.order.determines[item.index] ? 0 : 1);
    let first = violated[0]!;
    for (const item of violated) if (rank(item) < rank(first)) first = item;
    const pick = this.optionsFor(first);
    if (pick.length === 0 && noteRoots) this.noteRoots(first);
    const mark = this.mark();
    const before = this.solvedAt[first.index]!;
    for (const opt of pick) {
      for (const [cell, value] of opt) this.set(cell, value, first.index);
      this.solvedAt[first.index] = this.touched[first.index]!;
      this.repair(noteRoots);
      this.undo(mark);
      this.solvedAt[first.index] = before;
      if (this.nodes > (this.options.budget ?? 300) || this.outputFound) return;
    }
  }

  /**
   * The repair re-solves cells downstream of a violated item, but a cell with no item left to re-solve it from —
   * a guessed cell (a normalisation shift, pinned only by lookups and inequalities), or one whose determining item
   * no longer depends on it (a shift pinned to 0 by `zero·lz = 0`, once the product is not zero) — must be chosen
   * again when the change reaches the items it supports. So when the repair died at such items, it is tried once
   * more with each of (at most two) such cells downstream of the move set to each value its keyed lookups allow,
   * or moved by ±1, ±2.
   */
  private rechooseRoots(): void {
    // The roots implicated by the deepest dead ends first, the nearest to them first.
    const chosen = [...this.roots.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([root]) => root);
    for (const root of chosen) {
      for (const v of this.rootValues(root)) {
        const mark = this.mark();
        this.set(root, v);
        this.nodes = 0;
        this.repair(false);
        this.undo(mark);
        if (this.outputFound) return;
      }
    }
  }

  /**
   * At a dead end (an item with no way to re-solve it), the cells of its support that nothing re-solves now: guessed
   * ones, and those whose determining item no longer depends on them after the change (read on the dead end's
   * trace), downstream of the move; each ranked by the dead end's step and its own.
   */
  private noteRoots(deadEnd: Item): void {
    const m = this.model;
    const moved = this.move.cell;
    const after = this.order.cellStep[moved]!;
    const rank = this.order.itemStep[deadEnd.index]! * m.cells;
    for (const c of support(this.order, m, deadEnd.index, this.supports)) {
      if (c === moved || this.fixed[c] || m.free[c] || this.order.cellStep[c]! <= after) continue;
      const by = this.order.determiner[c]!;
      const released = by >= 0 && [...m.items[by]!.cells].some((x) => m.trace[x] !== m.honest[x]) && !this.dependsOn(m.items[by]!, c);
      if (by >= 0 && !released) continue;
      const r = rank + this.order.cellStep[c]!;
      if ((this.roots.get(c) ?? -1) < r) this.roots.set(c, r);
    }
  }

  /** Whether `item`'s value (a constraint or pin) changes with `cell` now; a lookup always counts. */
  private dependsOn(item: Item, cell: number): boolean {
    const m = this.model;
    if (item.kind === 'lookup' || m.degree(item, item.node, [cell]) !== 1) return true;
    return m.valueWith(item, item.node, cell, 0) !== m.valueWith(item, item.node, cell, 1);
  }

  /** The values a keyed lookup lets `cell` take (where it is alone in a message value), and its honest value ± 1, ± 2. */
  private rootValues(cell: number): number[] {
    const m = this.model;
    const x = m.honest[cell]!;
    const out = new Set<number>([1, 2].flatMap((d) => [F.add(x, d), F.sub(x, d)]));
    for (const i of m.cellItems[cell]!) {
      const item = m.items[i]!;
      if (item.kind !== 'lookup' || !item.table!.rows) continue;
      item.valueCells.forEach((cells, j) => {
        if (cells.length !== 1 || cells[0] !== cell) return;
        const node = (item.template as InteractionTemplate).values[j]!;
        for (const row of item.table!.rows!.slice(0, 64)) {
          const v = m.solveAffine(item, node, cell, row[j]!);
          if (v !== null) out.add(v);
        }
      });
    }
    out.delete(m.trace[cell]!);
    return [...out];
  }

  /** Ways to re-solve `item` by changing cells at or after its step. */
  private optionsFor(item: Item): Option[] {
    const m = this.model;
    const floor = this.order.itemStep[item.index]!;
    // Downstream cells, and cells this item solved before (again, once another change reached it).
    const cands = [...item.cells].filter((c) => {
      const f = this.fixed[c]!;
      if (f === OPEN) return this.order.cellStep[c]! >= floor;
      return f === SOLVED + item.index && this.touched[item.index] !== this.solvedAt[item.index];
    });
    const out: Option[] = [];
    const seen = new Set<string>();
    const push = (opt: Option) => {
      const key = opt.map(([c, v]) => `${c}=${v}`).join(',');
      if (opt.length === 0 || opt.every(([c, v]) => m.trace[c] === v) || seen.has(key)) return;
      seen.add(key);
      out.push(opt);
    };
    if (item.kind === 'lookup') {
      for (const opt of this.tableOptions(item, cands)) push(opt);
    } else {
      for (const x of cands) {
        const v = m.solveAffine(item, item.node, x, item.want);
        if (v !== null && (!m.isBool(x) || v <= 1)) push([[x, v]]);
      }
      // A limb split over every candidate, and one for each value of the candidate bits (a comparison's bit).
      if (cands.length >= 2) {
        const limbs = this.limbSplit(item, cands);
        if (limbs) push(limbs);
      }
      for (const values of m.splitsWithBits(item, cands)) push(values.map((v, i) => [cands[i]!, v] as const));
    }
    for (const x of cands) if (m.isBool(x)) push([[x, 1 - m.trace[x]!]]);
    return out;
  }

  /** For a keyed lookup: its unknown values (each affine in one candidate cell) taken from the table's rows that match the known ones. */
  private tableOptions(item: Item, cands: readonly number[]): Option[] {
    const m = this.model;
    const table = item.table!;
    if (!table.rows || cands.length === 0) return [];
    const t = item.template as InteractionTemplate;
    m.compiled.evaluate(t.reach, m.ctx, item.row);
    const values = t.values.map((v) => m.compiled.read(v));
    const unknown: [j: number, cell: number][] = [];
    for (let j = 0; j < t.values.length; j++) {
      const cells = [...item.valueCells[j]!].filter((c) => cands.includes(c));
      if (cells.length === 0) continue;
      if (cells.length > 1 || m.degree(item, t.values[j]!, cells) !== 1) return [];
      unknown.push([j, cells[0]!]);
    }
    if (unknown.length === 0 || unknown.length === t.values.length) return [];
    const isUnknown = new Set(unknown.map(([j]) => j));
    const out: Option[] = [];
    for (const row of this.matching(table, values, isUnknown)) {
      const opt: [number, number][] = [];
      for (const [j, cell] of unknown) {
        const v = m.solveAffine(item, t.values[j]!, cell, row[j]!);
        if (v === null) break;
        opt.push([cell, v]);
      }
      if (opt.length === unknown.length) out.push(opt);
      if (out.length >= 16) break;
    }
    return out;
  }

  private readonly rowIndexes = new Map<BusTable, Map<string, Map<string, (readonly number[])[]>>>();

  /** The rows of `table` equal to `values` outside the positions `unknown` (indexed once per table and positions). */
  private matching(table: BusTable, values: readonly number[], unknown: ReadonlySet<number>): readonly (readonly number[])[] {
    const known = (vs: readonly number[]) => vs.filter((_, j) => !unknown.has(j)).join(',');
    const mask = values.map((_, j) => (unknown.has(j) ? 1 : 0)).join('');
    let byMask = this.rowIndexes.get(table);
    if (!byMask) this.rowIndexes.set(table, (byMask = new Map()));
    let index = byMask.get(mask);
    if (!index) {
      index = new Map();
      for (const row of table.rows!) {
        const k = known(row);
        const list = index.get(k);
        if (list) list.push(row);
        else index.set(k, [row]);
      }
      byMask.set(mask, index);
    }
    return index.get(known(values)) ?? [];
  }

  private limbSplit(item: Item, cands: readonly number[]): Option | null {
    const split = this.model.limbSplit(item, cands);
    return split && split.map((x, i) => [cands[i]!, x] as const);
  }
}
