// Distributed proving at the scale of a frontier run (#23, docs/distributed.md): what the coordinator costs before
// any worker proves anything, for a run of many steps (default 100,000) of the tiny fixture policy
// (test/fixtures/policies/proof_fuzz.zpol): running the chain to plan the jobs, adding them to Redis in batches of
// coordinator.ts's BATCH behind the release gate, the Redis memory the jobs take and the coordinator's peak
// memory. Nothing is proven. `node --import tsx bench/queue-scale.ts [--steps N]`; writes
// bench/results/queue-scale.json. Needs redis-server.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowProducer, Queue } from 'bullmq';
import { BATCH, enqueuePlan, planRun, sharedArtifact } from '../runtime/queue/coordinator.ts';
import { connect, QUEUE_NAME } from '../runtime/queue/job.ts';
import { REDIS_SERVER, startRedis } from '../test/queue/redis.ts';
import { recordTinyRun, tinyPolicy } from '../test/queue/tiny-run.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 100_000;
if (!REDIS_SERVER) throw new Error('bench/queue-scale.ts needs redis-server (apt-get install redis-server)');

const base = mkdtempSync(join(tmpdir(), 'zpol-queue-scale-'));
const run = join(base, 'run');
let t0 = performance.now();
recordTinyRun(run, steps, 10 * steps);
const recordSeconds = (performance.now() - t0) / 1000;
const redis = await startRedis();
process.on('exit', () => void redis.stop());
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const out = join(base, 'proofs');
let c0 = cpu();
t0 = performance.now();
const plan = planRun(tinyPolicy, sharedArtifact(tinyPolicy, null, out), run, out);
const plan_ = { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpu() - c0 };
const connection = connect(redis.url);
const queue = new Queue(QUEUE_NAME, { connection });
const flowConnection = connect(redis.url);
const flows = new FlowProducer({ connection: flowConnection });
c0 = cpu();
t0 = performance.now();
await enqueuePlan(queue, flows, plan);
const enqueue = { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpu() - c0 };
const counts = await queue.getJobCounts();
const info = await connection.info('memory');
const redisBytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
// Enqueueing again (a coordinator started again) adds nothing: every batch is offered again and refused by id.
t0 = performance.now();
const already = await enqueuePlan(queue, flows, plan);
const reenqueueSeconds = (performance.now() - t0) / 1000;
await Promise.all([queue.close(), flows.close()]);
connection.disconnect();
flowConnection.disconnect();
await redis.stop();
rmSync(base, { recursive: true, force: true });

const jobs = plan.children.length + 1;
const result = {
  bench: 'queue-scale',
  date: new Date().toISOString(),
  machine: machineInfo(),
  policy: 'test/fixtures/policies/proof_fuzz.zpol',
  steps,
  jobs,
  batch: BATCH,
  recordSeconds: Number(recordSeconds.toFixed(1)),
  plan: { seconds: Number(plan_.seconds.toFixed(1)), cpuSeconds: Number(plan_.cpuSeconds.toFixed(1)), msPerJob: Number(((plan_.seconds * 1000) / jobs).toFixed(3)) },
  enqueue: { seconds: Number(enqueue.seconds.toFixed(1)), cpuSeconds: Number(enqueue.cpuSeconds.toFixed(1)), msPerJob: Number(((enqueue.seconds * 1000) / jobs).toFixed(3)) },
  reenqueue: { alreadyThere: already, seconds: Number(reenqueueSeconds.toFixed(1)) },
  queueCounts: counts,
  redisMiB: Number((redisBytes / 2 ** 20).toFixed(1)),
  redisBytesPerJob: Math.round(redisBytes / jobs),
  coordinatorPeakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'queue-scale.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
