/**
 * The standalone table that proves a file of conformance vectors with a chip: the chip's row, plus preprocessed
 * columns that pin the chip's input and output columns to the vectors, so the statement is "these operations
 * give these results". The chip's own AIR stays free of the pins: it is what the zkVM will use.
 */
import type { Air } from '../proof/air/air.ts';

/** `chip` with main column pinned[i] equal to preprocessed column i, for every i. */
export function vectorsAir(chip: Air, pinned: readonly number[]): Air {
  return {
    name: `${chip.name}-vectors`,
    width: chip.width,
    preprocessedWidth: pinned.length,
    publicInputs: chip.publicInputs,
    eval(b) {
      chip.eval(b);
      pinned.forEach((col, i) => b.assertEq(b.main(col), b.pre(i), `column ${col} is vector column ${i}`));
    },
  };
}
