// Distributed proving end to end (#23): a run proven through a real Redis by two `zpol worker` processes, one of them
// killed with SIGKILL in the middle of a proof (its job is proven by the other once its lock expires) and the
// coordinator killed and started again (it finds the run's jobs on the queue and waits for them); the proofs verify
// and are byte-identical with local proving of the same run. Then Redis is killed mid-proof and restarted empty:
// the coordinator enqueues the run again and the worker keeps what is written. One step (three proofs) keeps it to the cost of
// proving the run twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { proveRun, verifyDir } from '../../runtime/chain/run-prover.ts';
import { connect, QUEUE_NAME } from '../../runtime/queue/job.ts';
import { selectBackend } from '../../gpu/index.ts';
import { root } from '../helpers.ts';
import { REDIS_SERVER, startRedis, type TestRedis } from './redis.ts';
import { recordTinyRun, TINY_POLICY, tinyPolicy } from './tiny-run.ts';

/** A `zpol` process whose output is collected as it comes. */
class Zpol {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Waits until stdout (from offset `from`) matches `re`, failing after `ms` or when the process exits first. */
  async waitFor(re: RegExp, ms = 300_000, from = 0): Promise<RegExpMatchArray> {
    const until = Date.now() + ms;
    for (;;) {
      const m = this.stdout.slice(from).match(re);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > until) {
        throw new Error(`no ${re} in the output (exit ${this.child.exitCode ?? this.child.signalCode}):\n${this.stdout}\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

describe.skipIf(!REDIS_SERVER)('zpol prove --queue on two workers', () => {
  const base = mkdtempSync(join(tmpdir(), 'zpol-queue-'));
  const run = join(base, 'run');
  const local = join(base, 'local');
  const proofs = join(base, 'proofs');
  let redis: TestRedis;
  const started: Zpol[] = [];
  beforeAll(async () => {
    recordTinyRun(run, 1);
    redis = await startRedis();
    proveRun(tinyPolicy, run, local, { backend: selectBackend('auto') });
  }, 600_000);
  afterAll(async () => {
    for (const p of started) p.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  }, 60_000);
  const zpol = (args: string[]) => {
    const p = new Zpol(args);
    started.push(p);
    return p;
  };

  it('a worker killed mid-proof and a coordinator killed and started again lose nothing; the proofs verify and are local proving\'s bytes', async () => {
    const workers = [0, 1].map(() => zpol(['worker', '--queue', redis.url, '--lock-seconds', '2']));
    await Promise.all(workers.map((w) => w.waitFor(/taking jobs from/, 120_000)));
    const first = zpol(['prove', TINY_POLICY, '--run', run, '--out', proofs, '--queue', redis.url]);
    // The worker that takes the step's job: killed as soon as it says so, in the middle of that proof. Not the
    // first job whatever it is: genesis proves in a few tenths of a second, and a fixed delay let it finish.
    const taken = await Promise.race(workers.map((w, i) => w.waitFor(/^(step \d+) of \S+: started \(job (\S+)\)$/m).then((m) => ({ i, what: m[1]!, id: m[2]! }))));
    const victim = workers[taken.i]!;
    const survivor = workers[1 - taken.i]!;
    expect(victim.stdout).not.toMatch(new RegExp(`^${taken.what} of \\S+: proven in`, 'm'));
    victim.kill('SIGKILL');
    expect(await victim.exited).toBe(null);
    // The coordinator is killed after the first proof it reports, and started again. The queue is paused meanwhile
    // (the job in progress finishes, no other starts), so that the survivor cannot finish the whole run before
    // the second coordinator looks for it, as it can on a loaded machine where a process takes seconds to start.
    await first.waitFor(/: proven in/);
    const pauser = connect(redis.url);
    const paused = new Queue(QUEUE_NAME, { connection: pauser });
    await paused.pause();
    first.kill('SIGKILL');
    await first.exited;
    const second = zpol(['prove', TINY_POLICY, '--run', run, '--out', proofs, '--queue', redis.url]);
    await second.waitFor(/the run's jobs are already on the queue/);
    await paused.resume();
    await paused.close();
    pauser.disconnect();
    expect(await second.exited, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/the run's jobs are already on the queue/);
    for (const line of [/^ {2}genesis: proven in \d+\.\d s$/m, /^ {2}step 1\/1: proven in \d+\.\d s$/m, /^ {2}attestation: proven in \d+\.\d s$/m]) expect(second.stdout).toMatch(line);
    expect(second.stdout).toMatch(new RegExp(`^3 proofs written, 0 kept, to ${proofs} \\(workers on ${redis.url}\\)$`, 'm'));
    // The killed worker's job was proven by the other one.
    expect(survivor.stdout).toMatch(new RegExp(`^${taken.what} of \\S+: proven in`, 'm'));
    expect(readdirSync(proofs).filter((f) => f.endsWith('.zproof')).sort()).toEqual(readdirSync(local).sort());
    for (const f of readdirSync(local)) expect(readFileSync(join(proofs, f), 'latin1'), f).toBe(readFileSync(join(local, f), 'latin1'));
    expect(verifyDir(tinyPolicy, proofs).ok).toBe(true);

    // Redis killed while the attestation is proven again, and restarted without its data: the coordinator finds
    // its jobs gone and enqueues them again, the worker reconnects and keeps what is written.
    rmSync(join(proofs, 'attestation.zproof'));
    const mark = survivor.stdout.length;
    const third = zpol(['prove', TINY_POLICY, '--run', run, '--out', proofs, '--queue', redis.url]);
    await survivor.waitFor(/^the attestation after step 1 of \S+: started/m, 300_000, mark);
    await redis.restart();
    expect(await third.exited, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/the run's jobs are no longer on the queue \(Redis restarted without them\?\): enqueued again/);
    expect(third.stdout).toMatch(/^  genesis: already proven, kept$/m);
    expect(third.stdout).toMatch(/^[01] proofs? written, [23] kept, to /m);
    for (const f of readdirSync(local)) expect(readFileSync(join(proofs, f), 'latin1'), f).toBe(readFileSync(join(local, f), 'latin1'));

    // SIGTERM: the idle worker stops cleanly.
    survivor.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    expect(survivor.stdout).toMatch(/stopped$/m);
  }, 900_000);
});
