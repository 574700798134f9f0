/**
 * The VM's range tables, and the counter every chip's trace generator feeds: a chip that sends (v) on U16_BUS
 * or BYTE_BUS records v here, and the tables' multiplicity columns are the final counts.
 */
import { Matrix } from '../../proof/matrix.ts';
import { rangeTable } from '../../proof/air/range-table.ts';
import { u16Table } from './fp/u16-table.ts';
import { BYTE_BUS } from '../buses.ts';

export { u16Table };
export const byteTable = rangeTable('byte-range', 8, BYTE_BUS);

export class RangeCounter {
  readonly u16 = new Uint32Array(1 << 16);
  readonly byte = new Uint32Array(1 << 8);

  addU16(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= 1 << 16) throw new RangeError(`u16 range check of ${v}`);
    this.u16[v]!++;
  }

  addByte(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= 1 << 8) throw new RangeError(`byte range check of ${v}`);
    this.byte[v]!++;
  }

  u16Trace(): Matrix {
    return new Matrix(Uint32Array.from(this.u16), 1);
  }

  byteTrace(): Matrix {
    return new Matrix(Uint32Array.from(this.byte), 1);
  }

  /**
   * The byte table's multiplicities when the 16-bit lookups are byte limbs (byte-limbs.ts): each 16-bit value v
   * counted here is looked up as v mod 256 and ⌊v / 256⌋.
   */
  limbedByteTrace(): Matrix {
    const out = Uint32Array.from(this.byte);
    for (let v = 0; v < 1 << 16; v++) {
      const n = this.u16[v]!;
      if (n === 0) continue;
      out[v & 0xff]! += n;
      out[v >>> 8]! += n;
    }
    return new Matrix(out, 1);
  }
}
