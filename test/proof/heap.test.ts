// runtime/proof/heap.ts: the heap growing factor a proof sets. On the main thread of a fresh process (a small heap)
// it is 400 %; past SMALL_HEAP_BYTES live it is V8's own rule again (0); a worker thread never sets the process's
// flag (null), nor does anyone when the user gave node a factor. The flag's name is checked by V8 itself: a wrong
// one prints a warning, which fails these runs. What the factor does to a proof is measured, not asserted here
// (docs/backend.md, bench/results/prover-session38-ab.json).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const heap = fileURLToPath(new URL('../../runtime/proof/heap.ts', import.meta.url));

/** In a fresh process: the factor for a small heap, then for a heap grown past the bound, on the main thread. */
function run(nodeArgs: string[]): unknown {
  const script = `const h = await import(${JSON.stringify(heap)});
const small = h.tuneHeapGrowth();
h.restoreHeapGrowth();
const keep = [];
while (process.memoryUsage().heapUsed < h.SMALL_HEAP_BYTES * 1.2) keep.push(new Array(1 << 16).fill({}));
const big = h.tuneHeapGrowth();
const { Worker } = await import('node:worker_threads');
const inWorker = await new Promise((resolve, reject) => {
  const w = new Worker('(await import("tsx/esm/api")).register(); const h = await import(' + JSON.stringify(${JSON.stringify(heap)}) + '); (await import("node:worker_threads")).parentPort.postMessage(h.tuneHeapGrowth());', { eval: true });
  w.once('message', resolve);
  w.once('error', reject);
});
console.log(JSON.stringify([small, big, inWorker, keep.length > 0]));`;
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout.trim());
}

describe('the heap growing factor a proof sets', () => {
  it("lets a small heap grow 5× between full collections on the main thread, gives a big one back to V8, and leaves worker threads' alone", () => {
    expect(run([])).toEqual([400, 0, null, true]);
  });
  it("leaves a factor the user gave node on its command line alone", () => {
    expect(run(['--heap-growing-percent=50'])).toEqual([null, null, null, true]);
    expect(run(['--heap_growing_percent=50'])).toEqual([null, null, null, true]);
  });
});
