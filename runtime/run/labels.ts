/**
 * Source labels (docs/run.md, "Source labels"): a batch of R examples commits a [R, 1] bf16 tensor whose row r is
 * the index of example r's source in the registry, as a bf16 whole number (0.0, 1.0, 2.0, ...: exact up to 256).
 * `count_labels(step.F, R, N)` counts them in the step proof (compiler/labels.ts).
 */

/** The most sources a label tensor can name: bf16 holds every whole number up to 256 exactly. */
export const MAX_LABEL_SOURCES = 256;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bf16 bit pattern of source index `s` (the top half of its f32 pattern, exact for s ≤ 256). */
export function labelBits(s: number): number {
  if (!Number.isInteger(s) || s < 0 || s > MAX_LABEL_SOURCES) throw new RangeError(`a source label is a whole number from 0 to ${MAX_LABEL_SOURCES}, got ${s}`);
  f32[0] = s;
  return u32[0]! >>> 16;
}

/** The [R, 1] label tensor's values for sources given in row order. */
export function labelValues(sources: readonly number[]): Uint16Array {
  return Uint16Array.from(sources, labelBits);
}

/** How many labels are 0, 1, ..., n − 1; undefined if one is not a source index below n. */
export function countLabels(values: ArrayLike<number>, n: number): number[] | undefined {
  const counts = new Array<number>(n).fill(0);
  for (let r = 0; r < values.length; r++) {
    let s = 0;
    while (s < n && labelBits(s) !== values[r]) s++;
    if (s === n) return undefined;
    counts[s]!++;
  }
  return counts;
}
