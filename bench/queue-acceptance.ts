// Distributed proving, the acceptance run of #23 (docs/distributed.md): a 32-step demo run (policies/demo.zpol:
// FLOP cap, data mixture bound to committed labels, tensor-core compute check) proven through a local redis-server
// by two `zpol worker` processes, one of them killed with SIGKILL in the middle of a proof; the coordinator must end
// with exit 0, the chain must verify, and every one of the 34 proof files must be byte-identical to local proving of
// the same run. Not a test (it takes minutes); run it with `node --import tsx bench/queue-acceptance.ts [--steps N]`.
// Writes bench/results/queue-acceptance.json and exits 1 if anything above does not hold.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { recordDemoRun } from '../demo/record.ts';
import { selectBackend } from '../gpu/index.ts';
import { proveRun, verifyDir } from '../runtime/chain/run-prover.ts';
import { REDIS_SERVER, startRedis } from '../test/queue/redis.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 32;
if (!REDIS_SERVER) throw new Error('bench/queue-acceptance.ts needs redis-server (apt-get install redis-server)');

const base = mkdtempSync(join(tmpdir(), 'zpol-acceptance-'));
const policyPath = join(root, 'policies', 'demo.zpol');
const policy = compileFile(policyPath);
if (!policy.ok) throw new Error(`policies/demo.zpol does not compile: ${policy.error}`);
const run = join(base, 'run');
recordDemoRun(run, steps, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });

// Local proving, the reference bytes.
const local = join(base, 'local');
const cpu0 = process.cpuUsage();
let t0 = performance.now();
proveRun(policy, run, local, { backend: selectBackend('auto') });
const localSeconds = (performance.now() - t0) / 1000;
const cpu1 = process.cpuUsage(cpu0);
const localCpuSeconds = (cpu1.user + cpu1.system) / 1e6;
console.log(`local: ${readdirSync(local).length} proofs in ${localSeconds.toFixed(1)} s (${localCpuSeconds.toFixed(1)} CPU-s)`);

/** A `zpol` process whose stdout is collected as it comes. */
function zpol(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, out: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}
async function until(what: string, f: () => boolean, ms = 1_800_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const redis = await startRedis();
process.on('exit', () => void redis.stop());
const proofs = join(base, 'queue');
const workers = [0, 1].map(() => zpol(['worker', '--queue', redis.url, '--lock-seconds', '5']));
await Promise.all(workers.map((w, i) => until(`worker ${i + 1} to start`, () => w.out().includes('taking jobs'), 120_000)));
t0 = performance.now();
const coordinator = zpol(['prove', policyPath, '--run', run, '--out', proofs, '--queue', redis.url]);
// Worker 1 is killed 1 s into the fourth proof it starts (a quarter of the way into a 32-step run on two workers).
const started = (w: { out: () => string }) => [...w.out().matchAll(/^(.+) of \S+: started \(job \S+\)$/gm)].map((m) => m[1]!);
await until('worker 1 to start its fourth proof', () => started(workers[0]!).length >= 4);
await new Promise((r) => setTimeout(r, 1000));
const victimJob = started(workers[0]!).at(-1)!;
const victimFinished = new RegExp(`^${victimJob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} of \\S+: proven in`, 'm').test(workers[0]!.out());
const killedAfter = (performance.now() - t0) / 1000;
workers[0]!.child.kill('SIGKILL');
console.log(`worker 1 killed after ${killedAfter.toFixed(1)} s, during "${victimJob}"${victimFinished ? ' (it had just finished it)' : ''}`);
const code = await coordinator.exited;
const queueSeconds = (performance.now() - t0) / 1000;
const provenBy = (w: { out: () => string }) => [...w.out().matchAll(/^(.+) of \S+: proven in/gm)].map((m) => m[1]!);
const byWorker = workers.map(provenBy);
workers[1]!.child.kill('SIGTERM');
await workers[1]!.exited;
await redis.stop();

const names = readdirSync(local).sort();
const queued = readdirSync(proofs).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
const identical = names.filter((f) => queued.includes(f) && readFileSync(join(local, f)).equals(readFileSync(join(proofs, f))));
const report = verifyDir(policy, proofs);
const ok = code === 0 && report.ok && identical.length === names.length && queued.length === names.length;
const result = {
  bench: 'queue-acceptance',
  date: new Date().toISOString(),
  machine: machineInfo(),
  policy: 'policies/demo.zpol',
  steps,
  proofs: names.length,
  local: { seconds: Number(localSeconds.toFixed(1)), cpuSeconds: Number(localCpuSeconds.toFixed(1)) },
  queue: {
    workers: 2,
    coordinatorExit: code,
    seconds: Number(queueSeconds.toFixed(1)),
    killed: { worker: 1, afterSeconds: Number(killedAfter.toFixed(1)), during: victimJob, hadFinishedIt: victimFinished },
    provenByWorker: byWorker.map((p) => p.length),
    killedJobProvenBySurvivor: byWorker[1]!.includes(victimJob),
  },
  byteIdenticalFiles: identical.length,
  chainVerifies: report.ok,
  ok,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'queue-acceptance.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
rmSync(base, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
