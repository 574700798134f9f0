/**
 * The proving threads of a worker: one per --concurrency slot, each with its own caches (runtime/queue/thread.ts).
 * A job goes to an idle thread; a thread that dies fails its job (retried by the queue) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packagePath } from '../../base/package-files.ts';
import type { BackendName } from '../../gpu/index.ts';
import type { ProofJobData, ProofJobResult } from './job.ts';
import { JobFailure } from './prove-job.ts';

export type ThreadReply = { id: number; ok: true; result: ProofJobResult } | { id: number; ok: false; message: string; unrecoverable: boolean };

/**
 * The code a thread starts with: the compiled thread.js beside this module, or, when zpol runs from its sources
 * (bin/run.js through tsx), tsx's loader registered in the thread first (a loader registered in the main thread
 * does not reach worker threads).
 */
function threadCode(): string {
  const self = fileURLToPath(import.meta.url);
  const entry = new URL(`./thread${extname(self)}`, import.meta.url).href;
  if (extname(self) !== '.ts') return `import(${JSON.stringify(entry)});`;
  // tsx's ESM entry (its CommonJS one imports the ESM one by a path that does not resolve from a thread).
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const tsconfig = JSON.stringify(packagePath('tsconfig.json'));
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register({ tsconfig: ${tsconfig} }); return import(${JSON.stringify(entry)}); });`;
}

interface Slot {
  thread: Worker;
  ready: Promise<string>;
  job?: { id: number; resolve: (r: ProofJobResult) => void; reject: (e: Error) => void };
}

export class ProofThreads {
  private readonly slots: Slot[] = [];
  private next = 0;
  private closing = false;

  constructor(
    size: number,
    private readonly backend: BackendName,
    private readonly worker: string,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.start());
  }

  /** The backend the threads prove with (as a thread reports it once started). */
  ready(): Promise<string> {
    return this.slots[0]!.ready;
  }

  private start(): Slot {
    const thread = new Worker(threadCode(), { eval: true, workerData: { backend: this.backend, worker: this.worker } });
    let ready!: (name: string) => void;
    let failed!: (e: Error) => void;
    let started = false;
    const slot: Slot = { thread, ready: new Promise((res, rej) => ((ready = res), (failed = rej))) };
    slot.ready.catch(() => {});
    thread.on('message', (m: ThreadReply | { ready: true; backend: string }) => {
      if ('ready' in m) {
        started = true;
        return ready(m.backend);
      }
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = undefined;
      if (m.ok) job.resolve(m.result);
      else job.reject(new JobFailure(m.message, m.unrecoverable));
    });
    const died = (why: string) => {
      failed(new Error(why));
      slot.job?.reject(new JobFailure(`the proving thread stopped: ${why}`, false));
      slot.job = undefined;
      // A thread that never started (it cannot load) is not started again: ready() says why.
      const i = this.slots.indexOf(slot);
      if (i >= 0 && started && !this.closing) this.slots[i] = this.start();
    };
    thread.on('error', (e: Error) => died(e.message));
    thread.on('exit', (code) => died(`exit code ${code}`));
    return slot;
  }

  /** Proves one job on an idle thread. */
  run(data: ProofJobData): Promise<ProofJobResult> {
    const slot = this.slots.find((s) => !s.job);
    if (!slot) return Promise.reject(new JobFailure('internal: more jobs than proving threads', false));
    return new Promise((resolve, reject) => {
      slot.job = { id: this.next++, resolve, reject };
      slot.thread.postMessage({ id: slot.job.id, data });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }
}
