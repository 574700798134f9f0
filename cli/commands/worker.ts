import { Flags } from '@oclif/core';
import { backendFlag, ExitCode, formatFlag, ZpolCommand } from '../base.ts';

export default class WorkerCommand extends ZpolCommand {
  static override summary = 'Prove the jobs that `zpol prove --queue` puts on a Redis queue, until stopped.';
  static override description = `Takes proof jobs (genesis, a step, an attestation) from the BullMQ queue on the Redis at --queue, proves each on one of --concurrency threads and writes its proof file atomically into the job's proof directory; a proof already there is kept when it is this run's. The run directory, the compiled policy and the proof directory are named in each job by absolute path: every worker must see them at the same paths (a shared file system; docs/distributed.md). A job whose policy digest differs from the file's, whose run differs from the coordinator's, or whose record breaks the policy fails at once, naming the proof; other errors are tried three times. A killed worker's jobs are proven by another once their locks expire (--lock-seconds).

Prints a line per job taken and finished; with --format json one JSON object per line instead (JSON Lines: \`{"event":"start"|"done"|"failed", "job", "kind", "step", "run", …}\`). SIGINT or SIGTERM stops taking jobs and exits once the jobs in progress are done; a second one exits at once.

Exit status: 0 when stopped by a signal, 1 when Redis cannot be reached at the start, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> worker --queue redis://127.0.0.1:6379', '<%= config.bin %> worker --queue redis://queue.internal:6379 --concurrency 4'];

  static override flags = {
    queue: Flags.string({ required: true, summary: 'The Redis that holds the queue: redis://HOST:PORT[/DB].' }),
    concurrency: Flags.integer({ default: 1, min: 1, max: 256, summary: 'How many jobs to prove at once (one thread each).' }),
    'lock-seconds': Flags.integer({ default: 30, min: 1, summary: "How long a job's lock lasts without renewal: how soon a dead worker's job is proven elsewhere." }),
    backend: backendFlag(),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(WorkerCommand);
    const { queueUrl } = await import('../queue.ts');
    const url = await queueUrl(flags.queue);
    const { startWorker } = await import('../../runtime/queue/worker.ts');
    const { jobWhat } = await import('../../runtime/queue/job.ts');
    let worker;
    try {
      worker = await startWorker({
        url,
        concurrency: flags.concurrency,
        backend: flags.backend,
        lockMs: flags['lock-seconds'] * 1000,
        onEvent: (e) => {
          if (flags.format === 'json') {
            const { type, id, job } = e;
            const detail = e.type === 'done' ? { result: e.result } : e.type === 'failed' ? { error: e.message, final: e.final } : {};
            this.print(JSON.stringify({ event: type, job: id, kind: job.kind, step: job.step, run: job.run, ...detail }));
            return;
          }
          const what = `${jobWhat(e.job.kind, e.job.step)} of ${e.job.run}`;
          if (e.type === 'start') this.print(`${what}: started (job ${e.id})`);
          else if (e.type === 'done') this.print(`${what}: ${e.result.action === 'kept' ? 'already proven, kept' : `proven in ${e.result.seconds!.toFixed(1)} s`}`);
          else process.stderr.write(`zpol worker: ${e.message}${e.final ? '' : ' (will be tried again)'}\n`);
        },
      });
    } catch (e) {
      process.stderr.write(`zpol: ${(e as Error).message}\n`);
      process.exitCode = ExitCode.failure;
      return;
    }
    const json = flags.format === 'json';
    const say = (event: string, line: string) => this.print(json ? JSON.stringify({ event, worker: worker.name, queue: url, ...(event === 'ready' ? { concurrency: flags.concurrency, backend: worker.backend } : {}) }) : line);
    say('ready', `zpol worker ${worker.name}: taking jobs from ${url}, ${flags.concurrency} at a time (${worker.backend} backend)`);
    await new Promise<void>((done) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write(`zpol worker: ${signal} again: stopping now; the jobs in progress go to other workers once their locks expire\n`);
          void worker.kill().finally(() => process.exit(ExitCode.failure));
          return;
        }
        stopping = true;
        process.stderr.write(`zpol worker: ${signal}: finishing the jobs in progress, then stopping (${signal} again stops at once)\n`);
        void worker.close().then(done, done);
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    say('stopped', `zpol worker ${worker.name}: stopped`);
  }
}
