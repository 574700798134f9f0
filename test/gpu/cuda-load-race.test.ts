// Proving threads (runtime/queue/threads.ts) each load the native addon and ask it for the CUDA library at the same
// moment. The loader's "tried once" flag was read without a lock: a thread arriving while another was still in
// dlopen got no library and an empty error, which cudaLoad reported as a device that answers, so on a machine
// without a GPU a proving thread said it proved with cuda (CI saw it once in test/queue/threads.test.ts; this
// race reproduced it in 14 of 15 processes before the fix). In a fresh process, six threads released together must
// all get the answer one thread gets alone. Needs the CUDA library (npm install builds it where nvcc exists, as CI
// does); the library loads once per process, so each race runs in a process of its own.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { ADDON_PATH, CUDA_LIBRARY_PATH, nativeAddon } from '../../gpu/index.ts';
import { releaseTogether } from './threads-together.ts';

const ready = existsSync(CUDA_LIBRARY_PATH) && nativeAddon() !== null;

/** A fresh process whose `threads` threads call cudaLoad at once: each one's error (null: a device answered). */
function loadTogether(threads: number): (string | null)[] {
  const worker = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require(${JSON.stringify(ADDON_PATH)});
    parentPort.postMessage('ready');
    Atomics.wait(new Int32Array(workerData.gate), 0, 0);
    parentPort.postMessage(addon.cudaLoad(${JSON.stringify(CUDA_LIBRARY_PATH)}).error);`;
  return releaseTogether(worker, threads, {}, 30_000) as (string | null)[];
}

describe.skipIf(!ready)('loading the CUDA library from several threads at once', () => {
  it('every thread gets the answer one thread gets alone', () => {
    const alone = loadTogether(1)[0]!;
    for (let round = 0; round < 4; round++) expect(loadTogether(6)).toEqual(Array(6).fill(alone));
  }, 120_000);
});
