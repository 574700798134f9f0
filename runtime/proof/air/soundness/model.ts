/**
 * A chip's AIR instantiated on one small honest trace, as the checker's search sees it: cells (row, column), and
 * items that must hold — each constraint on each row, each lookup on each row (its message in its table unless
 * the multiplicity is 0), and pins (a message part or a multiplicity that another chip fixes must keep its
 * honest value). The trace is mutable; the search changes cells and asks which items still hold.
 */
import * as F from '../../field/babybear.ts';
import type { CompiledAir, ColumnRef, InteractionTemplate, RowContext, Template } from './compiled.ts';
import { columnsOf, type BusTable, type ChipSoundness } from './spec.ts';

export interface Item {
  /** Its index in `TraceModel.items`. */
  readonly index: number;
  readonly kind: 'constraint' | 'lookup' | 'pin';
  readonly template: Template;
  readonly row: number;
  /** The node that must vanish (constraint) or keep `want` (pin); −1 for a lookup. */
  readonly node: number;
  readonly want: number;
  readonly table: BusTable | null;
  /** The trace cells the item reads. */
  readonly cells: Int32Array;
  /** For a lookup: the cells each message value reads. */
  readonly valueCells: readonly Int32Array[];
}

/** A value the chip claims: a cell, or a part of a message to another chip on a row where it is sent. */
interface OutputRef {
  readonly template: InteractionTemplate | null;
  readonly node: number;
  readonly row: number;
  readonly cell: number;
  /** The honest value of a message part. */
  readonly want: number;
}

export interface HonestTrace {
  /** Row-major field elements. */
  readonly rows: readonly (readonly number[])[];
  /** Preprocessed rows, when the AIR reads preprocessed columns. */
  readonly pre?: readonly (readonly number[])[];
  /** The rows whose cells the search moves (all by default): a sample of a long trace. */
  readonly moveRows?: readonly number[];
  /** The proof's public inputs (at least as many as the AIR reads), when it reads them: fixed by the statement, never moved. */
  readonly publics?: readonly number[];
}

export class TraceModel {
  readonly width: number;
  readonly height: number;
  readonly honest: Uint32Array;
  readonly trace: Uint32Array;
  readonly ctx: RowContext;
  readonly items: Item[] = [];
  /** Per cell, the items that read it. */
  readonly cellItems: number[][];
  readonly input: Uint8Array;
  readonly free: Uint8Array;
  /** Cells in the trace: width × height. */
  readonly cells: number;
  readonly outputs: OutputRef[] = [];
  /** The rows whose cells the search moves. */
  readonly moveRows: readonly number[];
  private readonly bounds = new Map<number, number>();

  constructor(
    readonly compiled: CompiledAir,
    readonly spec: ChipSoundness,
    honest: HonestTrace,
    readonly tables: ReadonlyMap<number, BusTable>,
  ) {
    const air = compiled.air;
    this.width = air.width;
    this.height = honest.rows.length;
    if (honest.rows.some((r) => r.length !== air.width)) throw new RangeError(`${air.name}: a row is not ${air.width} wide`);
    this.honest = Uint32Array.from(honest.rows.flat().map(F.fromInt));
    this.trace = Uint32Array.from(this.honest);
    const pre = honest.pre ? Uint32Array.from(honest.pre.flat().map(F.fromInt)) : null;
    if (honest.publics && honest.publics.length < air.publicInputs) throw new RangeError(`${air.name}: ${honest.publics.length} public inputs given, the AIR reads ${air.publicInputs}`);
    const publics = honest.publics ? Uint32Array.from(honest.publics.map(F.fromInt)) : null;
    this.ctx = { trace: this.trace, width: this.width, height: this.height, pre, preWidth: air.preprocessedWidth, publics };
    this.moveRows = honest.moveRows ?? Array.from({ length: this.height }, (_, r) => r);
    const n = (this.cells = this.width * this.height);
    this.cellItems = Array.from({ length: n }, () => []);
    this.input = new Uint8Array(n);
    this.free = new Uint8Array(n);

    const claims = new Map((spec.claims ?? []).map((c) => [c.bus, c]));
    for (let r = 0; r < this.height; r++) {
      const row = this.honestRow(r);
      for (const c of columnsOf(spec.inputs, row)) this.input[r * this.width + c] = 1;
      for (const f of spec.free ?? []) for (const c of columnsOf(f.columns, row)) this.free[r * this.width + c] = 1;
      for (const c of columnsOf(spec.outputs, row)) this.outputs.push({ template: null, node: -1, row: r, cell: r * this.width + c, want: 0 });
      for (const t of compiled.constraints) this.add({ kind: 'constraint', template: t, row: r, node: t.root, want: 0, table: null, cells: this.cellsOf(t.refs, r) });
      for (const t of compiled.interactions) {
        const table = tables.get(t.bus);
        const cells = this.cellsOf(t.refs, r);
        if (table) {
          this.add({ kind: 'lookup', template: t, row: r, node: -1, want: 0, table, cells });
          continue;
        }
        const claim = claims.get(t.bus);
        if (!claim) throw new Error(`${air.name}: bus ${t.bus} has neither a table nor a claim declaration`);
        compiled.evaluate(t.reach, this.ctx, r);
        const mult = compiled.read(t.multiplicity);
        this.add({ kind: 'pin', template: t, row: r, node: t.multiplicity, want: mult, table: null, cells: this.cellsOf(this.refsOfNode(t.multiplicity), r) });
        if (mult === 0) continue;
        const fixed = new Set((t.direction === 'send' ? claim.sent : claim.received) ?? []);
        t.values.forEach((node, j) => {
          const want = compiled.read(node);
          if (fixed.has(j)) this.add({ kind: 'pin', template: t, row: r, node, want, table: null, cells: this.cellsOf(t.valueRefs[j]!, r) });
          else this.outputs.push({ template: t, node, row: r, cell: -1, want });
        });
      }
    }
  }

  /** The items the honest trace breaks (none, for a trace the checker can start from). */
  broken(): Item[] {
    return this.items.filter((item) => !this.holds(item));
  }

  honestRow(r: number): Uint32Array {
    return this.honest.subarray(r * this.width, (r + 1) * this.width);
  }

  private add(fields: Omit<Item, 'index' | 'valueCells'>): void {
    const i = this.items.length;
    const t = fields.template;
    const valueCells = fields.kind === 'lookup' && t.kind === 'interaction' ? t.valueRefs.map((refs) => this.cellsOf(refs, fields.row)) : [];
    const item = { ...fields, index: i, valueCells };
    this.items.push(item);
    for (const c of item.cells) this.cellItems[c]!.push(i);
  }

  private refsOfNode(node: number): readonly ColumnRef[] {
    return this.compiled.refsOf(this.compiled.reachOf([node]));
  }

  /** The cells `refs` denote on row `row` (a next-row ref wraps around). */
  cellsOf(refs: readonly ColumnRef[], row: number): Int32Array {
    const out = new Set<number>();
    for (const r of refs) out.add(((r.next ? row + 1 : row) % this.height) * this.width + r.col);
    return Int32Array.from(out);
  }

  /** The refs of `item`'s template that denote `cell`. */
  refsAt(item: Item, cell: number, refs: readonly ColumnRef[] = item.template.refs): ColumnRef[] {
    return refs.filter((r) => ((r.next ? item.row + 1 : item.row) % this.height) * this.width + r.col === cell);
  }

  isBool(cell: number): boolean {
    return this.compiled.booleans.has(cell % this.width);
  }

  /** Whether `item` holds on the current trace. */
  holds(item: Item): boolean {
    this.compiled.evaluate(item.template.reach, this.ctx, item.row);
    return this.judge(item);
  }

  /** Whether `item` holds, its template's nodes already evaluated on its row. */
  private judge(item: Item): boolean {
    const c = this.compiled;
    if (item.kind !== 'lookup') return c.read(item.node) === item.want;
    const t = item.template as InteractionTemplate;
    if (c.read(t.multiplicity) === 0) return true;
    return item.table!.has(t.values.map((v) => c.read(v)));
  }

  /**
   * Whether each item reading `cell` holds (calls `report(item index, holds)`). When its items together reach
   * more nodes than the AIR has (a wide linear layer read by many constraints), each row is evaluated once.
   */
  checkCell(cell: number, report: (item: number, holds: boolean) => void): void {
    const items = this.cellItems[cell]!;
    let plan = this.plans.get(cell);
    if (plan === undefined) {
      const reach = items.reduce((n, i) => n + this.items[i]!.template.reach.length, 0);
      plan = reach > this.compiled.allNodes.length ? [...new Set(items.map((i) => this.items[i]!.row))] : null;
      this.plans.set(cell, plan);
    }
    if (plan === null) {
      for (const i of items) report(i, this.holds(this.items[i]!));
      return;
    }
    for (const row of plan) {
      this.compiled.evaluate(this.compiled.allNodes, this.ctx, row);
      for (const i of items) if (this.items[i]!.row === row) report(i, this.judge(this.items[i]!));
    }
  }

  private readonly plans = new Map<number, number[] | null>();

  /** Whether `item` holds on the current trace with `cell` set to `x`. */
  holdsWith(item: Item, cell: number, x: number): boolean {
    const old = this.trace[cell]!;
    this.trace[cell] = x;
    const out = this.holds(item);
    this.trace[cell] = old;
    return out;
  }

  /** The value of node `node` of `item`'s template on the current trace with `cell` set to `x`. */
  valueWith(item: Item, node: number, cell: number, x: number): number {
    const old = this.trace[cell]!;
    this.trace[cell] = x;
    this.compiled.evaluate(item.template.reach, this.ctx, item.row);
    this.trace[cell] = old;
    return this.compiled.read(node);
  }

  /** The degree of `node` (in `item`'s template) in the cells `cells` together. */
  degree(item: Item, node: number, cells: readonly number[]): number {
    if (cells.length === 1 && this.height > 1) {
      const cell = cells[0]!;
      const row = Math.floor(cell / this.width);
      const next = row !== item.row;
      if (next && row !== (item.row + 1) % this.height) return 0;
      return this.compiled.singleDegrees(node).get((cell % this.width) * 2 + (next ? 1 : 0)) ?? 0;
    }
    const refs = cells.flatMap((cell) => this.refsAt(item, cell));
    return refs.length === 0 ? 0 : this.compiled.degreeIn(item.template.reach, node, refs);
  }

  /** The value of `cell` that makes `node` (affine in it) equal `target`, or null if its coefficient is 0. */
  solveAffine(item: Item, node: number, cell: number, target: number): number | null {
    if (this.degree(item, node, [cell]) !== 1) return null;
    const f0 = this.valueWith(item, node, cell, 0);
    const coef = F.sub(this.valueWith(item, node, cell, 1), f0);
    return coef === 0 ? null : F.div(F.sub(target, f0), coef);
  }

  /**
   * An integer bound on `cell` from the range lookups that read it alone (v·c into a range table, or a keyed
   * table whose other message values are constants), or 2 for a bit; Infinity when none.
   */
  bound(cell: number): number {
    const cached = this.bounds.get(cell);
    if (cached !== undefined) return cached;
    let best = this.isBool(cell) ? 2 : Infinity;
    for (const i of this.cellItems[cell]!) {
      const item = this.items[i]!;
      if (item.kind !== 'lookup') continue;
      const t = item.template as InteractionTemplate;
      this.compiled.evaluate(t.reach, this.ctx, item.row);
      if (this.compiled.read(t.multiplicity) === 0) continue;
      t.values.forEach((node, j) => {
        const refs = t.valueRefs[j]!;
        if (refs.length !== 1 || this.refsAt(item, cell, refs).length !== 1) return;
        if (this.valueWith(item, node, cell, 0) !== 0 || this.degree(item, node, [cell]) !== 1) return;
        const coef = this.valueWith(item, node, cell, 1);
        let top: number | null = null;
        if (item.table!.rangeBits !== undefined) top = 2 ** item.table!.rangeBits - 1;
        else if (item.table!.rows && t.valueRefs.every((r, k) => k === j || r.length === 0)) {
          const consts = t.values.map((v) => this.compiled.read(v));
          for (const row of item.table!.rows) if (row.every((v, k) => k === j || v === consts[k])) top = Math.max(top ?? 0, row[j]!);
        }
        if (top !== null && coef <= top) best = Math.min(best, Math.floor(top / coef) + 1);
      });
    }
    this.bounds.set(cell, best);
    return best;
  }

  /**
   * `item` (a constraint or pin, affine in `cells` jointly) as an integer equation Σ c_i·x_i = T on the current
   * trace: with the cells at 0 the rest evaluates to the integer K (every value read as its signed representative),
   * each cell adds c_i, and T = want − K. Null when the item is not affine in them.
   */
  integerEquation(item: Item, cells: readonly number[]): { coefs: bigint[]; target: bigint } | null {
    if (this.degree(item, item.node, cells) !== 1) return null;
    const t = this.trace;
    const saved = cells.map((c) => t[c]!);
    const at = () => this.compiled.evaluateInteger(item.template.reach, item.node, this.ctx, item.row);
    for (const c of cells) t[c] = 0;
    const base = at();
    const coefs = cells.map((c) => {
      t[c] = 1;
      const v = at() - base;
      t[c] = 0;
      return v;
    });
    cells.forEach((c, i) => (t[c] = saved[i]!));
    const want = BigInt(item.want > F.P / 2 ? item.want - F.P : item.want);
    return { coefs, target: want - base };
  }

  /**
   * A split of a limb equation Σ c_i·x_i = T (`integerEquation`) with every coefficient of one sign: greedily from
   * the largest coefficient, each x_i as large as T allows below its bound (the largest may be unbounded: a
   * quotient over its remainder limbs). With the coefficients a mixed radix under the bounds (each larger than all
   * the smaller ones can add up to) this is the only split; otherwise it is one of several. Null when the greedy
   * split does not land exactly.
   */
  limbSplit(item: Item, cells: readonly number[]): number[] | null {
    const eq = this.integerEquation(item, cells);
    if (!eq) return null;
    let sign = 1n;
    if (eq.coefs.every((c) => c < 0n)) sign = -1n;
    else if (!eq.coefs.every((c) => c > 0n)) return null;
    const coefs = eq.coefs.map((c) => c * sign);
    let target = eq.target * sign;
    const bounds = cells.map((c) => this.bound(c));
    const order = cells.map((_, i) => i).sort((i, j) => (coefs[j]! > coefs[i]! ? 1 : coefs[j]! < coefs[i]! ? -1 : 0));
    if (order.slice(1).some((i) => !Number.isFinite(bounds[i]!))) return null;
    const out = new Array<number>(cells.length).fill(0);
    for (const i of order) {
      if (target < 0n) return null;
      let x = target / coefs[i]!;
      if (Number.isFinite(bounds[i]!) && x > BigInt(bounds[i]! - 1)) x = BigInt(bounds[i]! - 1);
      if (x >= BigInt(F.P)) return null;
      target -= coefs[i]! * x;
      out[i] = Number(x);
    }
    return target === 0n ? out : null;
  }

  /**
   * The solutions of a limb equation over `cells` whose bits (at most three) take either value: for each
   * assignment of the bits, the unique limb split of the other cells (`limbSplit`), if any — as values for
   * `cells`, in order. A comparison gadget sel(bit, x − y − 1, y − x) = limbs is one: only one value of its bit
   * puts the difference in range.
   */
  splitsWithBits(item: Item, cells: readonly number[]): number[][] {
    const bits = cells.filter((c) => this.isBool(c));
    const rest = cells.filter((c) => !this.isBool(c));
    if (bits.length > 3 || (rest.length < 2 && bits.length === 0)) return [];
    const saved = bits.map((c) => this.trace[c]!);
    const out: number[][] = [];
    for (let mask = 0; mask < 1 << bits.length; mask++) {
      bits.forEach((c, i) => (this.trace[c] = (mask >> i) & 1));
      let values: number[] | null = null;
      if (rest.length === 0) values = this.holds(item) ? [] : null;
      else if (rest.length === 1) {
        const v = this.solveAffine(item, item.node, rest[0]!, item.want);
        values = v !== null && v < this.bound(rest[0]!) ? [v] : null;
      } else values = this.limbSplit(item, rest);
      if (values) out.push(cells.map((c) => (this.isBool(c) ? (mask >> bits.indexOf(c)) & 1 : values![rest.indexOf(c)]!)));
    }
    bits.forEach((c, i) => (this.trace[c] = saved[i]!));
    return out;
  }

  /** Whether any output differs from its honest value on the current trace. */
  outputsChanged(): boolean {
    for (const o of this.outputs) {
      if (o.cell >= 0) {
        if (this.trace[o.cell] !== this.honest[o.cell]) return true;
        continue;
      }
      this.compiled.evaluate(o.template!.reach, this.ctx, o.row);
      if (this.compiled.read(o.node) !== o.want) return true;
    }
    return false;
  }
}
