// gpu/output-pool.ts: the buffers a native backend reuses for its LDEs. It must hand out only what it issued and was
// given back, each once, within its cap: a buffer handed out twice, or a caller's own array, would be written over
// while something still reads it.
import { describe, expect, it } from 'vitest';
import { OutputPool } from '../../gpu/output-pool.ts';

describe("the native backends' output pool", () => {
  it('takes back only whole buffers it issued, and hands each out once', () => {
    const pool = new OutputPool();
    const a = pool.issue(new Uint32Array(16));
    const caller = new Uint32Array(16);
    const view = pool.issue(new Uint32Array(32).subarray(0, 16));
    pool.give([caller, view]);
    expect(pool.bytes).toBe(0);
    expect(pool.take(16)).toBeUndefined();
    pool.give([a, a]); // the second give of the same array is ignored
    expect(pool.bytes).toBe(64);
    expect(pool.take(8)).toBeUndefined(); // only the exact length
    expect(pool.take(16)).toBe(a);
    expect(pool.take(16)).toBeUndefined();
    expect(pool.bytes).toBe(0);
    // Taken out, it is no longer the pool's until issued again.
    pool.give([a]);
    expect(pool.bytes).toBe(0);
    pool.issue(a);
    pool.give([a]);
    expect(pool.take(16)).toBe(a);
  });

  it('keeps no more than its cap; what is past it is left to the collector', () => {
    const pool = new OutputPool(100);
    const bufs = [0, 1, 2].map(() => pool.issue(new Uint32Array(10)));
    pool.give(bufs);
    expect(pool.bytes).toBe(80);
    expect(pool.take(10)).toBe(bufs[1]);
    expect(pool.take(10)).toBe(bufs[0]);
    expect(pool.take(10)).toBeUndefined();
  });
});
