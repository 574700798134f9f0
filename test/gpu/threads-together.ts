// A fresh process whose Node worker threads start the same work at the same moment (test/gpu/cuda-load-race.test.ts,
// test/gpu/worker-pool.test.ts): each worker runs `worker` (CommonJS), which reads `workerData` (the caller's data
// plus `gate`, a SharedArrayBuffer), posts 'ready', waits on the gate, and posts one answer. Returns the answers in
// thread order; throws with the process's stderr when it fails.
import { spawnSync } from 'node:child_process';

export function releaseTogether(worker: string, threads: number, data: Record<string, unknown> = {}, timeoutMs = 60_000): unknown[] {
  const main = `
    import { Worker } from 'node:worker_threads';
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const ws = Array.from({ length: ${threads} }, () => new Worker(${JSON.stringify(worker)}, { eval: true, execArgv: [], workerData: { ...${JSON.stringify(data)}, gate: gate.buffer } }));
    await Promise.all(ws.map((w) => new Promise((r) => w.once('message', r))));
    const answers = ws.map((w) => new Promise((r) => w.once('message', r)));
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    console.log(JSON.stringify(await Promise.all(answers)));
    await Promise.all(ws.map((w) => w.terminate()));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', main], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`the process failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}
