// How far V8's old generation may grow between full collections while a proof runs: a process-wide V8 setting
// (--heap-growing-percent, read at every limit V8 computes), set by the STARK prover (stark/prover.ts) during each
// proof on the main thread and given back to V8's own rule when the proof ends.
//
// Why: a proof allocates tens of MB of short-lived JavaScript objects (rows, openings, closures), and with a live
// heap of ~30 MB V8's own limit started a full mark-compact about twice a demo step proof, each marking every object
// of the heap (its code and modules) on the main thread and the concurrent markers. On the 2-core machine, full
// collections and TurboFan's recompilation were a quarter of a warm demo step proof's CPU time (perf, session 38).
// Letting a small heap grow to 5× its live size leaves about one full collection every three proofs.
//
// Bounded: only while the live heap is under SMALL_HEAP_BYTES (checked at the proof's start and again as it goes: a
// proof whose heap grows past it gets V8's rule back), only on the main thread (the flag is the process's, and
// Node worker threads proving side by side, runtime/queue/threads.ts, each have a heap of their own: the main thread,
// which does not prove there, never sets it for them), and never over a factor the user gave node.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

/** Live heap below which a proof lets the old generation grow 5× between full collections (at most 5 × 128 MiB). */
export const SMALL_HEAP_BYTES = 128 * 2 ** 20;
const SMALL_HEAP_GROWING_PERCENT = 400;

// What this thread last set (only the main thread sets it, so this is the process's flag; 0: V8's own rule).
let current = 0;
// A factor the user gave node on its command line is theirs: left alone (NODE_OPTIONS does not take V8's flags).
const givenByUser = process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));

function set(percent: number): void {
  if (percent !== current) {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
    current = percent;
  }
}

/**
 * Sets the heap growing factor for the heap as it is now (above); returns the percent set (0: V8's own rule), or null
 * where it is not this code's to set (a worker thread, or a factor the user gave node).
 */
export function tuneHeapGrowth(): number | null {
  if (givenByUser || !isMainThread) return null;
  const percent = getHeapStatistics().used_heap_size < SMALL_HEAP_BYTES ? SMALL_HEAP_GROWING_PERCENT : 0;
  set(percent);
  return percent;
}

/** Gives the factor back to V8's own rule (a proof has ended). */
export function restoreHeapGrowth(): void {
  if (givenByUser || !isMainThread) return;
  set(0);
}
