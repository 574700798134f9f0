/**
 * The lookup tables of the f32 arithmetic chips (f32-fma.ts), besides the 16-bit range table: the small range table
 * (k-bit values, k ≤ 12) and the powers of two below 2^12.
 */
import { pairTable } from './pair-table.ts';

/** The bus of the small range table: pairs (k, v) with v < 2^k, k = 1..12. */
export const SMALL_BUS = 18;
/** The bus of the powers-of-two table: pairs (r, 2^r), r = 0..11. */
export const POW12_BUS = 19;

function smallRows(): [number, number][] {
  const rows: [number, number][] = [];
  for (let kk = 1; kk <= 12; kk++) for (let v = 0; v < 2 ** kk; v++) rows.push([kk, v]);
  while (rows.length < 8192) rows.push([1, 0]);
  return rows;
}

function pow12Rows(): [number, number][] {
  const rows: [number, number][] = [];
  for (let r = 0; r < 12; r++) rows.push([r, 2 ** r]);
  while (rows.length < 16) rows.push([0, 1]);
  return rows;
}

/** The small range table: rows (k, v) with v < 2^k, k = 1..12 (8,190 rows, padded to 8,192). */
export const smallRangeTable = pairTable('small-range', SMALL_BUS, smallRows());
/** The powers of two 2^r, r = 0..11 (16 rows). */
export const pow12Table = pairTable('pow2-12', POW12_BUS, pow12Rows());
