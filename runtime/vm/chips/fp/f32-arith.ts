/**
 * The binary32 arithmetic chips. The fused multiply-add chip (f32-fma.ts: one row proves r = RNE(a·b + c) for f32
 * a, b, c, one rounding; docs/fp.md, fmaF32) proves
 *   add(a, b) = fma(a, 1.0, b),   sub(a, b) = fma(a, 1.0, −b),   mul(a, b) = fma(a, b, −0),
 * exactly, for every operand (NaNs, infinities and signed zeros included): a·1 is exact, an exact zero product
 * plus c gives c or the signed-zero sum (−0 only from (−0) + (−0), as in add), a nonzero product plus −0 is the
 * product rounded once, and a zero product plus −0 is −0 exactly when the product is −0 (c = +0 would turn
 * (−x)·(+0) into +0). The tests check these identities against f32.ts on random and edge operands. f32AddChip and
 * f32MulChip are this chip with b fixed to 1.0 or c to −0 (see `specialise`): the fixed operand's columns become
 * constants, so their tables are narrower (114 and 101 main columns, against 130).
 */
import { AirBuilder, type Air } from '../../../proof/air/air.ts';
import type { Expr, ExprLike } from '../../../proof/air/expr.ts';
import type { ChipSoundness } from '../../../proof/air/soundness/index.ts';
import { U16_BUS } from './u16-table.ts';
import { busMessages, compileRowExpr } from './row-check.ts';
import { POW12_BUS, SMALL_BUS } from './f32-arith-tables.ts';
import { evalF32Fma, f32FmaAir, f32FmaRow, FMA, FMA_NAMES, FMA_WIDTH, operandColumns, type FmaColumn, type Operand } from './f32-fma.ts';

/** Whether an expression reads no column (so it is a constant). */
function columnFree(e: Expr): boolean {
  const n = e.node;
  switch (n.op) {
    case 'const':
      return true;
    case 'add':
    case 'sub':
    case 'mul':
      return columnFree(n.a) && columnFree(n.b);
    case 'neg':
      return columnFree(n.a);
    default:
      return false;
  }
}

/** Whether the message `values` on `bus` is a row of its table. */
function inTable(bus: number, values: readonly number[]): boolean {
  const [x, y] = values;
  if (bus === U16_BUS) return x! < 65536;
  if (bus === SMALL_BUS) return x! >= 1 && x! <= 12 && y! < 2 ** x!;
  if (bus === POW12_BUS) return x! < 12 && y === 2 ** x!;
  return false;
}

/**
 * An AirBuilder that evaluates the full chip's constraints with some columns fixed to constants: the others are
 * renumbered, constraints and lookups that no longer read a column are checked here once (they must hold) and
 * dropped, and the constraints named in `omit` are dropped (their only role was to tie fixed columns).
 */
class Specialising extends AirBuilder {
  constructor(
    private readonly inner: AirBuilder,
    private readonly fixed: ReadonlyMap<number, number>,
    private readonly index: readonly number[],
    private readonly omit: ReadonlySet<string>,
    private readonly chip: string,
  ) {
    super(FMA_WIDTH, 0, 0);
  }

  override main(col: number): Expr {
    const v = this.fixed.get(col);
    return v !== undefined ? this.constant(v) : this.inner.main(this.index[col]!);
  }

  override assertZero(expr: ExprLike, name = 'constraint'): void {
    const e = typeof expr === 'number' ? this.constant(expr) : expr;
    if (columnFree(e)) {
      if (compileRowExpr(e)([]) !== 0) throw new Error(`${this.chip}: '${name}' fails for the fixed operand`);
      return;
    }
    if (!this.omit.has(name)) this.inner.assertZero(e, name);
  }

  override send(bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    const vs = values.map((v) => (typeof v === 'number' ? this.constant(v) : v));
    if (vs.every(columnFree)) {
      if (!inTable(bus, vs.map((v) => compileRowExpr(v)([])))) throw new Error(`${this.chip}: a fixed lookup on bus ${bus} is not in its table`);
      return;
    }
    this.inner.send(bus, vs, multiplicity);
  }
}

/** A chip of this module: the full fma chip, or the chip with one operand fixed (add, mul). */
export interface FmaChip {
  readonly air: Air;
  /** The column of this chip holding the full chip's column `n` (undefined for a fixed one). */
  col(n: FmaColumn): number;
  /** The row for fma(a, b, c); a fixed operand must be given its fixed value. */
  row(a: number, b: number, c: number): number[];
  result(row: ArrayLike<number>): number;
  /** The values a row sends to the 16-bit range table. */
  rangeLookups(row: ArrayLike<number>): number[];
  /** The (k, v) pairs a row sends to the small range table. */
  smallLookups(row: ArrayLike<number>): [number, number][];
  /** The (r, 2^r) pairs a row sends to the powers-of-two table. */
  powLookups(row: ArrayLike<number>): [number, number][];
  /** For the under-constraint checker: the operands' halves that are columns in, the result's halves out; none free. */
  readonly soundness: ChipSoundness;
  /** Column names, in this chip's column order (for reports). */
  readonly names: readonly string[];
}

function chipOf(air: Air, col: (n: FmaColumn) => number, row: FmaChip['row']): FmaChip {
  const messages = busMessages(air);
  const [oh, ol] = [col('oh'), col('ol')];
  const names: string[] = [];
  for (const n of FMA_NAMES) {
    try {
      names[col(n)] = n;
    } catch {
      // a fixed column of a specialised chip
    }
  }
  const inputs = (['ah', 'al', 'bh', 'bl', 'ch', 'cl'] as const).filter((n) => names.includes(n)).map(col);
  return {
    air,
    col,
    names,
    soundness: { inputs, outputs: [oh, ol] },
    row,
    result: (r) => ((r[oh]! << 16) | r[ol]!) >>> 0,
    rangeLookups: (r) => messages(U16_BUS).map(([v]) => v!(r)),
    smallLookups: (r) => messages(SMALL_BUS).map(([k, v]) => [k!(r), v!(r)]),
    powLookups: (r) => messages(POW12_BUS).map(([x, p]) => [x!(r), p!(r)]),
  };
}

/** The full chip: fma(a, b, c). */
export const f32FmaChip: FmaChip = chipOf(f32FmaAir, (n) => FMA[n], f32FmaRow);

/**
 * The chip with operand `which` fixed to the bit pattern `value`: its columns become constants (and `also`, with
 * the constraints `omit` that tie them), so the table is narrower. Rows are the full chip's rows without those
 * columns; a row of the specialised chip plus the constants is a row of the full chip, which is why the same
 * soundness argument holds.
 */
function specialise(name: string, which: Operand, value: number, also: Partial<Record<FmaColumn, number>>, omit: readonly string[]): FmaChip {
  const probe = f32FmaRow(which === 'a' ? value : 0, which === 'b' ? value : 0, which === 'c' ? value : 0);
  const fixed = new Map<number, number>();
  for (const n of operandColumns(which)) fixed.set(FMA[n], probe[FMA[n]]!);
  for (const [n, v] of Object.entries(also)) fixed.set(FMA[n as FmaColumn], v!);
  const kept = FMA_NAMES.map((_, i) => i).filter((i) => !fixed.has(i));
  const index = new Array<number>(FMA_WIDTH).fill(-1);
  kept.forEach((full, i) => (index[full] = i));
  const omitted = new Set(omit);
  const air: Air = {
    name,
    width: kept.length,
    preprocessedWidth: 0,
    publicInputs: 0,
    eval: (b) => evalF32Fma(new Specialising(b, fixed, index, omitted, name)),
  };
  const col = (n: FmaColumn) => {
    const i = index[FMA[n]]!;
    if (i < 0) throw new Error(`${name}: column ${n} is fixed`);
    return i;
  };
  const row = (a: number, b: number, c: number) => {
    const given = which === 'a' ? a : which === 'b' ? b : c;
    if (given >>> 0 !== value >>> 0) throw new RangeError(`${name}: operand ${which} must be ${value.toString(16)}`);
    const full = f32FmaRow(a, b, c);
    return kept.map((i) => full[i]!);
  };
  return chipOf(air, col, row);
}

export const F32_ONE = 0x3f800000;
export const F32_MINUS_ZERO = 0x80000000;

/** add(a, b) = fma(a, 1.0, b) (and sub(a, b) = fma(a, 1.0, −b)): the fma chip with b fixed to 1.0. */
export const f32AddChip: FmaChip = specialise('f32-add', 'b', F32_ONE, {}, []);

/**
 * mul(a, b) = fma(a, b, −0): the fma chip with c fixed to −0. c's digits are then 0 whatever its shift, so the
 * shift's selectors and power are fixed too and the constraint tying them to d is dropped.
 */
export const f32MulChip: FmaChip = specialise(
  'f32-mul',
  'c',
  F32_MINUS_ZERO,
  { c0e: 0, c1e: 0, cd0: 0, cd1: 0, selc0: 1, selc1: 0, selc2: 0, selc3: 0, selc4: 0, rc: 0, pwc: 1, bothInf: 0, invAdd: 0 },
  ['c shift = 12·jc + rc'],
);
