/**
 * Blinding of the LogUp claimed sums.
 *
 * Each table's claimed sum is in the proof in clear and, with the public challenges, is a fixed function of the
 * table's bus traffic (one secret message could be solved for). With zero knowledge, every table that talks on a
 * bus therefore also sends one random message: an extra main column v, unconstrained, sent on BLINDING_BUS with
 * multiplicity isFirstRow (n at row 0, 0 elsewhere). A collector table receives all of them: rows (v_t, n_t), one
 * per blinded table. Table t's claimed sum becomes real_t + n_t/(β − φ(v_t)) with v_t uniform and hidden by the
 * trace randomization, so it is uniformly distributed; the collector's sum is minus the sum of the blinders,
 * and the total is still zero exactly when every real message is matched. What the sums reveal is what the
 * verifier checks anyway: that they add up to zero.
 */
import { Matrix } from '../matrix.ts';
import type { Rng } from '../rng.ts';
import { BLINDING_BUS, type Air, type AirBuilder } from '../air/air.ts';

/** `air` with one more main column, sent on the blinding bus from the first row. */
export function withBlinding(air: Air): Air {
  return {
    ...air,
    width: air.width + 1,
    eval(b: AirBuilder) {
      air.eval(b);
      b.interactions.push({ bus: BLINDING_BUS, values: [b.main(air.width)], multiplicity: b.isFirstRow, kind: 'send' });
    },
  };
}

/** Receives the blinding messages: rows (v, multiplicity). */
export const blindingCollectorAir: Air = {
  name: 'zk-blinding-collector',
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b: AirBuilder) {
    b.interactions.push({ bus: BLINDING_BUS, values: [b.main(0)], multiplicity: b.main(1).neg(), kind: 'receive' });
  },
};

/** The trace with a random blinding column appended. */
export function appendBlindingColumn(trace: Matrix, rng: Rng): Matrix {
  const w = trace.width;
  const out = new Uint32Array(trace.height * (w + 1));
  const blind = rng.fieldVector(trace.height);
  for (let r = 0; r < trace.height; r++) {
    out.set(trace.values.subarray(r * w, (r + 1) * w), r * (w + 1));
    out[r * (w + 1) + w] = blind[r]!;
  }
  return new Matrix(out, w + 1);
}

/** The collector's trace: for each blinded table, its blinding value (row 0) and its height; zero rows after. */
export function collectorTrace(blinded: readonly Matrix[]): Matrix {
  let n = 2;
  while (n < blinded.length) n *= 2;
  return Matrix.fromRows(Array.from({ length: n }, (_, i) => (i < blinded.length ? [blinded[i]!.get(0, blinded[i]!.width - 1), blinded[i]!.height] : [0, 0])));
}
