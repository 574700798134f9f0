/**
 * AIR: the algebraic description of one table of a multi-table STARK.
 *
 * A table has `width` main columns (its witness, committed by the prover), `preprocessedWidth` fixed columns
 * (part of the statement, committed once at setup), and constraints that must vanish on every row of the trace
 * domain H_n = <ω_n>. A constraint reads the current row and the next one (row i+1, cyclically); the selectors
 * restrict it to the first row, the last row, or every row but the last.
 *
 * Tables talk to each other over LogUp buses. A table sends a tuple of expressions with a multiplicity, another
 * receives it; the proof shows that across all tables every message sent is received as many times: the sum
 * over all tables and rows of  m / (β − fingerprint(bus, values))  is zero (Haböck, "Multivariate lookups based
 * on logarithmic derivatives", eprint 2022/1530). A lookup into a fixed table is a receive with the looked-up
 * counts as multiplicity, from a table whose rows are preprocessed.
 */
import { Expr, constant, type ExprLike } from './expr.ts';

export interface Interaction {
  readonly bus: number;
  readonly values: readonly Expr[];
  /** Positive to send, negated to receive. */
  readonly multiplicity: Expr;
  readonly kind: 'send' | 'receive';
}

export interface Constraint {
  readonly expr: Expr;
  /** A name for error messages: which constraint a witness breaks. */
  readonly name: string;
}

/** The bus the prover's zero-knowledge blinding messages travel on (stark/blinding.ts); no AIR may use it. */
export const BLINDING_BUS = 0xffff;

/** What an AIR's `eval` builds its constraints with. */
export class AirBuilder {
  readonly constraints: Constraint[] = [];
  readonly interactions: Interaction[] = [];

  constructor(
    readonly width: number,
    readonly preprocessedWidth: number,
    readonly publicInputs: number,
  ) {}

  /** Main column `col` in the current row. */
  main(col: number): Expr {
    this.checkColumn(col, this.width, 'main');
    return new Expr({ op: 'main', col, next: false });
  }

  /** Main column `col` in the next row. */
  mainNext(col: number): Expr {
    this.checkColumn(col, this.width, 'main');
    return new Expr({ op: 'main', col, next: true });
  }

  pre(col: number): Expr {
    this.checkColumn(col, this.preprocessedWidth, 'preprocessed');
    return new Expr({ op: 'pre', col, next: false });
  }

  preNext(col: number): Expr {
    this.checkColumn(col, this.preprocessedWidth, 'preprocessed');
    return new Expr({ op: 'pre', col, next: true });
  }

  public(index: number): Expr {
    this.checkColumn(index, this.publicInputs, 'public input');
    return new Expr({ op: 'public', index });
  }

  constant(value: number): Expr {
    return constant(value);
  }

  get isFirstRow(): Expr {
    return new Expr({ op: 'isFirstRow' });
  }

  get isLastRow(): Expr {
    return new Expr({ op: 'isLastRow' });
  }

  get isTransition(): Expr {
    return new Expr({ op: 'isTransition' });
  }

  assertZero(expr: ExprLike, name = `constraint ${this.constraints.length}`): void {
    const e = Expr.of(expr);
    if (e.isExt) throw new Error(`${name}: AIR constraints are over the base field; extension values belong to the LogUp layer`);
    this.constraints.push({ expr: e, name });
  }

  assertEq(a: ExprLike, b: ExprLike, name?: string): void {
    this.assertZero(Expr.of(a).sub(b), name);
  }

  /** x (x − 1) = 0. */
  assertBool(x: ExprLike, name?: string): void {
    const e = Expr.of(x);
    this.assertZero(e.mul(e.sub(1)), name);
  }

  /** Sends `values` on `bus` with multiplicity `multiplicity` (default 1) on every row. */
  send(bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    this.interact('send', bus, values, Expr.of(multiplicity));
  }

  /** Receives `values` from `bus` with multiplicity `multiplicity` on every row. */
  receive(bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    this.interact('receive', bus, values, Expr.of(multiplicity));
  }

  private interact(kind: 'send' | 'receive', bus: number, values: readonly ExprLike[], multiplicity: Expr): void {
    if (!Number.isInteger(bus) || bus < 0 || bus >= BLINDING_BUS) throw new RangeError(`bus id must be in [0, ${BLINDING_BUS}), got ${bus}`);
    const vs = values.map(Expr.of);
    if (vs.some((v) => v.isExt) || multiplicity.isExt) throw new Error('bus messages are made of base-field expressions');
    this.interactions.push({ bus, values: vs, multiplicity: kind === 'send' ? multiplicity : multiplicity.neg(), kind });
  }

  private checkColumn(col: number, width: number, what: string): void {
    if (!Number.isInteger(col) || col < 0 || col >= width) throw new RangeError(`${what} column ${col} is out of range (width ${width})`);
  }
}

/** One table's AIR. */
export interface Air {
  readonly name: string;
  readonly width: number;
  readonly preprocessedWidth: number;
  /** How many public inputs of the proof this table's constraints may read. */
  readonly publicInputs: number;
  eval(builder: AirBuilder): void;
  /**
   * Main columns that are 0 or 1 with at most one of them 1 on any row, guaranteed by a lookup rather than by the
   * table's own constraints (the CPU's opcode selectors, pinned to the program ROM's one-hot rows), with the
   * reason. It bounds the bus multiplicities built from them (multiplicity.ts); it adds no constraint.
   */
  readonly oneHot?: { readonly columns: readonly number[]; readonly why: string };
}

/** An AIR after symbolic analysis: its constraints and interactions built once. */
export interface AnalyzedAir {
  readonly air: Air;
  readonly constraints: readonly Constraint[];
  readonly interactions: readonly Interaction[];
  /** The largest constraint degree (at least 1), before the LogUp constraints are added. */
  readonly degree: number;
}

export function analyze(air: Air): AnalyzedAir {
  const b = new AirBuilder(air.width, air.preprocessedWidth, air.publicInputs);
  air.eval(b);
  const degree = Math.max(1, ...b.constraints.map((c) => c.expr.degree));
  return { air, constraints: b.constraints, interactions: b.interactions, degree };
}
