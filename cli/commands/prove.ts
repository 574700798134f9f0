import { Args, Flags } from '@oclif/core';
import { aggregatableFlag, backendFlag, formatFlag, hashFlag, ZpolCommand } from '../base.ts';

export default class Prove extends ZpolCommand {
  static override summary = 'Prove a recorded training run against a policy: genesis, every step, the attestation.';
  static override description = `Reads and validates the run directory (docs/run.md), then writes one proof file per proof into the output directory: genesis.zproof, step-000001.zproof, …, attestation.zproof (binary: docs/chain.md). A proof already there is kept when it verifies as this run's proof of that step (its file name's kind and step, this policy and program, the public words the prover recomputes, its STARK proof), so a killed prover started again resumes and ends with the same files (blindings come from the run's prover.key); any other file there is reported on stderr, with why, and proven again. Every file is written atomically. A run that breaks the policy cannot be proven: the error names the clause and the step. With --follow it proves each step as the recorder writes it, waits for more, and proves the attestation once the run is finished (Recorder.finish marks run.json). On a terminal a progress bar shows proofs done and the time left.

With --queue redis://HOST:PORT the proofs are made by \`zpol worker\`s: the run is validated and run here (which gives every proof's starting state), genesis and the steps are enqueued, then the attestation once every step is proven; each proof is reported as a worker finishes it, and the report is the same. The run, the policy and the output directory must be at the same paths on every worker (docs/distributed.md).

With --format json it prints one object instead of the lines: the policy, run and output directories, the backend, the run's step count, how many proofs were written and kept, each proof file with what was done and the seconds it took (and, for a file that was replaced, why it was not kept), and the error if it failed.

With --segment-cycles N a step (or genesis, or the attestation) that runs longer than N cycles is proven in segments of N cycles, chained and verified as one proof (docs/chain.md, "Steps proven in segments"); the memory check (ZV307) is then one segment's. N is a power of two from 2^2 to 2^22 (ZV309 otherwise); the default is the largest power of two up to 2^19 whose segment of the step program fits the prover's memory (ZPOL_PROVER_MEMORY, else the machine's). With --queue the workers prove in segments of N (their default 2^19 without it), each segment written to the proofs folder's work folder as it is made, so a job a killed worker left is resumed by the next worker from its last segment.

Exit status: 0 when every proof was made, 1 when the run breaks the policy, is malformed or has no steps a..b, 2 on bad usage (a malformed --steps or --queue, or a --segment-cycles that is not a power of two in range, included). With --queue also 1 when Redis cannot be reached or a worker could not prove a proof (the error names it).`;
  static override examples = ['<%= config.bin %> prove policies/demo.zpol --run demo-run --out demo-proofs', '<%= config.bin %> prove policies/demo.zpol --run demo-run --out demo-proofs --steps 1..4', '<%= config.bin %> prove policies/demo.zpol --run demo-run --out demo-proofs --follow'];

  static override args = { policy: Args.string({ required: true, description: 'the policy: a .zpol file, or its compiled artifact (.zcp, from zpol compile)' }) };
  static override flags = {
    run: Flags.string({ required: true, summary: 'The run directory.' }),
    out: Flags.string({ required: true, summary: 'Where to write the proofs.' }),
    steps: Flags.string({ summary: 'Prove only steps a..b, within the run\'s steps (the attestation needs the last step).', exclusive: ['follow'] }),
    follow: Flags.boolean({ summary: 'Keep proving steps as they are recorded; attest when run.json says the run has finished.', default: false }),
    queue: Flags.string({ summary: 'Prove on workers: enqueue the proofs on the Redis at redis://HOST:PORT for `zpol worker`s and wait for them (docs/distributed.md).', exclusive: ['steps', 'follow'] }),
    'segment-cycles': Flags.integer({
      summary: 'Prove a program that runs longer than N cycles in segments of N (a power of two from 4 to 4194304; default 524288, about 16 GB a segment): smaller segments take less memory and more time (docs/chain.md).',
      helpValue: 'N',
    }),
    backend: backendFlag(),
    hash: hashFlag(),
    aggregatable: aggregatableFlag(),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Prove);
    const { parseStepRange, proveFromCli } = await import('../chain.ts');
    const steps = parseStepRange(flags.steps);
    const queue = flags.queue === undefined ? undefined : await (await import('../queue.ts')).queueUrl(flags.queue);
    const json = flags.format === 'json';
    const { exitCode, report } = await proveFromCli(args.policy, flags.run, flags.out, { steps, follow: flags.follow, backend: flags.backend, hash: flags.hash, aggregatable: flags.aggregatable, queue, segmentCycles: flags['segment-cycles'] }, json ? null : (line) => this.print(line));
    if (json) this.print(JSON.stringify(report, null, 2));
    process.exitCode = exitCode;
  }
}
