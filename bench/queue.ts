// Distributed proving (runtime/queue/, docs/distributed.md): proofs per minute of a tiny run
// (test/fixtures/policies/proof_fuzz.zpol) proven through a local redis-server by 1 and by 2 `zpol worker`
// processes, and the coordinator's overhead per job (running the chain to plan the jobs, enqueueing them), on a
// longer run of the same policy, where the connection's setup no longer counts.
// Writes bench/results/queue.json (--quick: fewer steps, queue-quick.json). Needs redis-server.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowProducer, Queue } from 'bullmq';
import { enqueuePlan, planRun, proveOnQueue, sharedArtifact } from '../runtime/queue/coordinator.ts';
import { connect, QUEUE_NAME } from '../runtime/queue/job.ts';
import { REDIS_SERVER, startRedis } from '../test/queue/redis.ts';
import { recordTinyRun, tinyPolicy } from '../test/queue/tiny-run.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const steps = quick ? 2 : 4;
const overheadSteps = quick ? 20 : 100; // the fixture's budget allows 100 steps of 10 tokens
if (!REDIS_SERVER) throw new Error('bench/queue.ts needs redis-server (apt-get install redis-server)');

const base = mkdtempSync(join(tmpdir(), 'zpol-bench-queue-'));
const run = join(base, 'run');
recordTinyRun(run, steps);
const redis = await startRedis();
// Never leave the server running, whatever fails below.
process.on('exit', () => void redis.stop());
const jobs = overheadSteps + 2;

// The coordinator's own work per job: running the chain (planRun) and enqueueing the flow.
const long = join(base, 'long-run');
recordTinyRun(long, overheadSteps);
let t0 = performance.now();
const plan = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, join(base, 'plan')), long, join(base, 'plan'));
const planMs = performance.now() - t0;
const connection = connect(redis.url);
const queue = new Queue(QUEUE_NAME, { connection });
const flowConnection = connect(redis.url);
const flows = new FlowProducer({ connection: flowConnection });
t0 = performance.now();
await enqueuePlan(queue, flows, plan);
const enqueueMs = performance.now() - t0;
await queue.obliterate({ force: true });
await Promise.all([queue.close(), flows.close()]);
connection.disconnect();
flowConnection.disconnect();
const coordinator = { jobs, planMsPerJob: Number((planMs / jobs).toFixed(2)), enqueueMsPerJob: Number((enqueueMs / jobs).toFixed(2)) };
console.log(JSON.stringify({ coordinator }));

const results = [];
for (const workers of [1, 2]) {
  const out = join(base, `proofs-${workers}`);
  const procs = Array.from({ length: workers }, () => spawn(process.execPath, [join(here, '..', 'bin', 'run.js'), 'worker', '--queue', redis.url], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => p.stdout!.on('data', (d: Buffer) => d.toString().includes('taking jobs') && resolve()))));
  const t = performance.now();
  const r = await proveOnQueue(redis.url, planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), run, out), { pollMs: 100 });
  const seconds = (performance.now() - t) / 1000;
  await Promise.all(procs.map((p) => new Promise((resolve) => (p.once('exit', resolve), p.kill('SIGTERM')))));
  const row = { workers, proofs: r.proved, seconds: Number(seconds.toFixed(1)), proofsPerMinute: Number(((r.proved / seconds) * 60).toFixed(2)) };
  results.push(row);
  console.log(JSON.stringify(row));
}
await redis.stop();

mkdirSync(join(here, 'results'), { recursive: true });
const file = join(here, 'results', quick ? 'queue-quick.json' : 'queue.json');
writeFileSync(
  file,
  JSON.stringify(
    {
      bench: 'queue',
      date: new Date().toISOString(),
      quick,
      machine: machineInfo(),
      policy: 'test/fixtures/policies/proof_fuzz.zpol',
      steps,
      overheadSteps,
      coordinator,
      workers: results,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${file}`);
