// How far V8's old generation may grow between full collections while a proof runs: a process-wide V8 setting
// (--heap-growing-percent, read at every limit V8 computes), set by the STARK prover at the start of each proof.
//
// Why: a proof allocates tens of MB of short-lived JavaScript objects (rows, openings, closures), and with a live
// heap of ~30 MB V8's own limit starts a full mark-compact about twice a demo step proof. Each marks every object of
// the heap (its code and modules) on the main thread and the concurrent markers, and each drops the optimized code
// of the closures the proof made, which TurboFan then compiles again: on the 2-core machine, full collections and
// recompilation were a quarter of a warm demo step proof's CPU time (perf, session 38). Letting a small heap grow to
// 5× its live size before a full collection leaves about one every three proofs.
//
// Only small heaps: past SMALL_HEAP_BYTES live, V8's own rule is restored (flag 0), so a long run with a big live
// heap (the 70B step's openings tape) never grows it by multiples.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** Live heap below which a proof lets the old generation grow 5× between full collections (at most 5 × 128 MiB). */
export const SMALL_HEAP_BYTES = 128 * 2 ** 20;
const SMALL_HEAP_GROWING_PERCENT = 400;

let current = -1;
// A factor the user gave node on its command line is theirs: left alone (NODE_OPTIONS does not take V8's flags).
const givenByUser = process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));

/**
 * Sets V8's heap growing factor for the heap as it is now (see above); returns the percent set (0: V8's own rule),
 * or null when the user set it themselves.
 */
export function tuneHeapGrowth(): number | null {
  if (givenByUser) return null;
  const percent = getHeapStatistics().used_heap_size < SMALL_HEAP_BYTES ? SMALL_HEAP_GROWING_PERCENT : 0;
  if (percent !== current) {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
    current = percent;
  }
  return percent;
}
