// The native kernels' persistent threads (gpu/native/parallel.h WorkerPool): one job at a time, so proving threads
// (runtime/queue/threads.ts: Node worker threads, each calling the addon) that ask for it together must get the same
// results as one thread alone, whether their call ran on the pool or, finding it busy, on threads of its own.
import { describe, expect, it } from 'vitest';
import { ADDON_PATH, nativeAddon } from '../../gpu/index.ts';
import { releaseTogether } from './threads-together.ts';

const built = nativeAddon() !== null;

/**
 * In a fresh process, `threads` worker threads released together each run `body` (JavaScript with `addon`,
 * `workerData`, `input(n, seed)`: n field elements from a seeded generator, and `digest(array)`: hashes the array
 * into the thread's answer); each thread's answer, a SHA-256 hex digest.
 */
function digestsTogether(threads: number, body: string, data: Record<string, unknown> = {}): string[] {
  const worker = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createHash } = require('node:crypto');
    const addon = require(${JSON.stringify(ADDON_PATH)});
    const P = 2013265921;
    const input = (n, seed) => { let s = seed; return Uint32Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P)); };
    const h = createHash('sha256');
    const digest = (a) => h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    parentPort.postMessage('ready');
    Atomics.wait(new Int32Array(workerData.gate), 0, 0);
    ${body}
    parentPort.postMessage(h.digest('hex'));`;
  return releaseTogether(worker, threads, data) as string[];
}

/** `threads` threads each running `rounds` LDEs and tree levels of sizes every round repeats; their digests. */
function together(threads: number, rounds: number): string[] {
  // 2^12 × 24 into 2^15 rows (wide: split by column slices) and 2^11 × 6 into 2^15 (narrow: by columns), both past
  // the kernels' threshold for splitting; a tree level over 2^15 digests. Inputs differ per round, not per thread.
  return digestsTogether(
    threads,
    `for (let r = 0; r < workerData.rounds; r++) {
      const wide = addon.cosetLde(input(4096 * 24, 7 + r), 24, 3, 31);
      digest(wide);
      digest(addon.cosetLde(input(2048 * 6, 11 + r), 6, 4, 31));
      digest(addon.merkleNodes(wide.subarray(0, 1 << 16), new Uint32Array(8).fill(r)));
    }`,
    { rounds },
  );
}

/**
 * `threads` threads each extending a two-column matrix of 2^15 .. 2^19 rows, a size no thread has used before in
 * every round, so that they all ask for its twiddle and reversal tables (gpu/native/ntt.cc) at once; their digests.
 */
function freshSizes(threads: number): string[] {
  return digestsTogether(threads, `for (let log = 15; log < 20; log++) digest(addon.cosetLde(input(2 << log, log), 2, 1, 31));`);
}

describe.skipIf(!built)("the native kernels' persistent threads", () => {
  // Before the tables were published whole under a lock, 5 of 8 such processes gave some thread a different
  // extension (a table read while another thread was filling it, or freed under it; three processes: ~95% of runs
  // fail), and the fixed sizes below crashed about one process in 40.
  it('give threads that ask for a fresh transform size together the extension one thread gets alone', () => {
    const [alone] = freshSizes(1);
    expect(alone).toMatch(/^[0-9a-f]{64}$/);
    for (let process = 0; process < 3; process++) expect(freshSizes(4)).toEqual(Array(4).fill(alone));
  }, 120_000);

  it('give threads that call the kernels together the results one thread gets alone', () => {
    const [alone] = together(1, 6);
    expect(alone).toMatch(/^[0-9a-f]{64}$/);
    for (let round = 0; round < 2; round++) expect(together(4, 6)).toEqual(Array(4).fill(alone));
  }, 120_000);
});
