// runtime/proof/heap.ts: the heap growing factor a proof sets. In a fresh process (a small heap) it is 400 %; past
// SMALL_HEAP_BYTES live it is V8's own rule again (0); a factor the user gave node is left alone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const heap = fileURLToPath(new URL('../../runtime/proof/heap.ts', import.meta.url));
const run = (nodeArgs: string[]) => {
  const script = `const h = await import(${JSON.stringify(heap)});
const first = h.tuneHeapGrowth();
const keep = [];
while (process.memoryUsage().heapUsed < h.SMALL_HEAP_BYTES * 1.2) keep.push(new Array(1 << 16).fill({}));
console.log(JSON.stringify([first, h.tuneHeapGrowth(), keep.length > 0]));`;
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout.trim()) as [number | null, number | null, boolean];
};

describe('the heap growing factor a proof sets', () => {
  it('lets a small heap grow 5× between full collections, and gives a big one back to V8', () => {
    expect(run([])).toEqual([400, 0, true]);
  });
  it("leaves a factor the user gave node on its command line alone", () => {
    expect(run(['--heap-growing-percent=50'])).toEqual([null, null, true]);
    expect(run(['--heap_growing_percent=50'])).toEqual([null, null, true]);
  });
});
