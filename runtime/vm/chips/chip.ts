/**
 * What a VM chip is: an AIR on the bus, and the trace generator that turns the executor's record of
 * operations into the chip's rows. The executor (runtime/vm/executor.ts) is the only place results are
 * computed; a chip's trace generator lays out the intermediate values that prove them.
 */
import type { Air, AirBuilder } from '../../proof/air/air.ts';
import type { Matrix } from '../../proof/matrix.ts';
import type { RangeCounter } from './range.ts';

export interface Chip<Op> {
  readonly air: Air;
  /**
   * One row (or a fixed number of rows) per operation, then inactive rows (bus multiplicity 0, constraints
   * satisfied) up to a power of two of at least `minRows` rows. Every value sent to a range table is recorded
   * in `range`.
   */
  trace(ops: readonly Op[], range: RangeCounter, minRows?: number): Matrix;
}

/**
 * The AIR of a chip that answers the CPU on one bus: an inner AIR's constraints on its first `inner.width` columns,
 * then one more column, the multiplicity (a bit: 1 on an operation's row, 0 on padding), and the receive on `bus`
 * of the message made of the inner columns `message` with that multiplicity.
 */
export function answeringAir(name: string, inner: { readonly width: number; eval(b: AirBuilder): void }, bus: number, message: readonly number[]): Air {
  return {
    name,
    width: inner.width + 1,
    preprocessedWidth: 0,
    publicInputs: 0,
    eval(b) {
      inner.eval(b);
      const mult = b.main(inner.width);
      b.assertBool(mult, 'mult is a bit');
      b.receive(bus, message.map((c) => b.main(c)), mult);
    },
  };
}

/** The least power of two at least max(n, minRows, 1). */
export function paddedHeight(n: number, minRows = 1): number {
  let h = 1;
  while (h < Math.max(n, minRows)) h *= 2;
  return h;
}

/** Hands out consecutive column indices, for a chip's column layout. */
export function columns() {
  let col = 0;
  return {
    take(n = 1): number {
      const c = col;
      col += n;
      return c;
    },
    get width(): number {
      return col;
    },
  };
}
