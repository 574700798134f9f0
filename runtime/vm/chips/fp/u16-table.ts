/**
 * The 16-bit range table the floating-point chips look up into (air/range-table.ts). A chip proves
 * `0 <= v < 2^16` by sending (v) on U16_BUS, and `v < 2^k` (k < 16) by sending v·2^(16−k) as well.
 */
import { rangeTable } from '../../../proof/air/range-table.ts';

export const U16_BUS = 16;

export const u16Table = rangeTable('u16-range', 16, U16_BUS);
