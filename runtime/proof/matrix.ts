/**
 * A dense matrix of BabyBear elements, row-major in one `Uint32Array`: element (r, c) at values[r * width + c].
 *
 * Row-major because the prover's unit of work is the row: a trace row is one step of a chip, a committed
 * Merkle leaf is one row (all columns at one domain point), and the batched NTT's butterflies combine whole rows.
 * Columns are the polynomials; `column(c)` copies one out when a single polynomial is needed.
 */
import * as F from './field/babybear.ts';

export class Matrix {
  readonly values: Uint32Array;
  readonly width: number;
  readonly height: number;

  /** Wraps `values` (not copied) as a height × width matrix; values.length must be width * height. */
  constructor(values: Uint32Array, width: number) {
    if (!Number.isInteger(width) || width < 0) throw new RangeError(`matrix width must be a non-negative integer, got ${width}`);
    if (width === 0) {
      if (values.length !== 0) throw new RangeError('a matrix of width 0 has no values');
      this.height = 0;
    } else {
      if (values.length % width !== 0) throw new RangeError(`${values.length} values do not form rows of width ${width}`);
      this.height = values.length / width;
    }
    this.values = values;
    this.width = width;
  }

  /** A height × width matrix of zeros. */
  static zeros(height: number, width: number): Matrix {
    return new Matrix(new Uint32Array(height * width), width);
  }

  /** The matrix whose c-th column is columns[c]; all columns must have the same length. */
  static fromColumns(columns: readonly ArrayLike<number>[]): Matrix {
    const width = columns.length;
    if (width === 0) return new Matrix(new Uint32Array(0), 0);
    const height = columns[0]!.length;
    const values = new Uint32Array(width * height);
    for (let c = 0; c < width; c++) {
      const col = columns[c]!;
      if (col.length !== height) throw new RangeError(`column ${c} has ${col.length} rows, column 0 has ${height}`);
      for (let r = 0; r < height; r++) values[r * width + c] = col[r]!;
    }
    return new Matrix(values, width);
  }

  /** The matrix with the given rows; all rows must have the same length. */
  static fromRows(rows: readonly ArrayLike<number>[]): Matrix {
    if (rows.length === 0) return new Matrix(new Uint32Array(0), 0);
    const width = rows[0]!.length;
    const values = new Uint32Array(width * rows.length);
    rows.forEach((row, r) => {
      if (row.length !== width) throw new RangeError(`row ${r} has ${row.length} columns, row 0 has ${width}`);
      values.set(row, r * width);
    });
    return new Matrix(values, width);
  }

  get(row: number, col: number): number {
    this.check(row, col);
    return this.values[row * this.width + col]!;
  }

  set(row: number, col: number, value: number): void {
    this.check(row, col);
    this.values[row * this.width + col] = value;
  }

  /** Row r as a view into the matrix (writes go through). */
  row(r: number): Uint32Array {
    if (!Number.isInteger(r) || r < 0 || r >= this.height) throw new RangeError(`row ${r} is out of range (height ${this.height})`);
    return this.values.subarray(r * this.width, (r + 1) * this.width);
  }

  /** Column c, copied out. */
  column(c: number): Uint32Array {
    if (!Number.isInteger(c) || c < 0 || c >= this.width) throw new RangeError(`column ${c} is out of range (width ${this.width})`);
    const out = new Uint32Array(this.height);
    for (let r = 0, i = c; r < this.height; r++, i += this.width) out[r] = this.values[i]!;
    return out;
  }

  /** All columns, copied out. */
  columns(): Uint32Array[] {
    return Array.from({ length: this.width }, (_, c) => this.column(c));
  }

  /** Writes `values` into column c. */
  setColumn(c: number, values: ArrayLike<number>): void {
    if (!Number.isInteger(c) || c < 0 || c >= this.width) throw new RangeError(`column ${c} is out of range (width ${this.width})`);
    if (values.length !== this.height) throw new RangeError(`column has ${values.length} values, the matrix ${this.height} rows`);
    for (let r = 0, i = c; r < this.height; r++, i += this.width) this.values[i] = values[r]!;
  }

  /** The transpose, as a new matrix. */
  transpose(): Matrix {
    const { width, height } = this;
    const out = new Uint32Array(width * height);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) out[c * height + r] = this.values[r * width + c]!;
    return new Matrix(out, height);
  }

  /** A deep copy. */
  clone(): Matrix {
    return new Matrix(this.values.slice(), this.width);
  }

  /** The matrices side by side (same height): [A | B | ...]. */
  static concatColumns(parts: readonly Matrix[]): Matrix {
    if (parts.length === 0) return new Matrix(new Uint32Array(0), 0);
    const height = parts[0]!.height;
    const width = parts.reduce((w, m) => w + m.width, 0);
    const out = new Uint32Array(width * height);
    parts.forEach((m, i) => {
      if (m.height !== height) throw new RangeError(`matrix ${i} has height ${m.height}, matrix 0 has ${height}`);
    });
    for (let r = 0; r < height; r++) {
      let off = r * width;
      for (const m of parts) {
        out.set(m.values.subarray(r * m.width, (r + 1) * m.width), off);
        off += m.width;
      }
    }
    return new Matrix(out, width);
  }

  /** Whether every entry is a canonical field element. */
  isCanonical(): boolean {
    // p read once: a namespace member read per element (a getter call where the sources run as CommonJS, as under
    // tsx) made this loop a tenth of a proof's CPU time.
    const p = F.P;
    for (let i = 0; i < this.values.length; i++) if (this.values[i]! >= p) return false;
    return true;
  }

  equals(other: Matrix): boolean {
    if (this.width !== other.width || this.height !== other.height) return false;
    for (let i = 0; i < this.values.length; i++) if (this.values[i] !== other.values[i]) return false;
    return true;
  }

  private check(row: number, col: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.height || !Number.isInteger(col) || col < 0 || col >= this.width) {
      throw new RangeError(`entry (${row}, ${col}) is out of range (${this.height} × ${this.width})`);
    }
  }
}
