import { Args, Flags } from '@oclif/core';
import { ExitCode, formatFlag, UsageError, ZpolCommand } from '../base.ts';

const USAGE = {
  draw: 'zpol challenge draw POLICY PROOFS --out CHALLENGES [--clause NAME]… [--samples K]',
  answer: 'zpol challenge answer CHALLENGES --run RUN --out ANSWERS',
  check: 'zpol challenge check POLICY PROOFS CHALLENGES ANSWERS',
} as const;

export default class Challenge extends ZpolCommand {
  static override summary = "An auditor's challenges of a verified chain: drawn after the proofs are published, answered by the lab, checked.";
  static override description = `A step proof draws a family's members by Fiat–Shamir over the step's commitments, which a prover that commits again can redraw. An auditor's challenge is a draw the prover does not control:

  ${USAGE.draw}
      verifies the chain, then draws per step and clause (the families by default) a member and entries from fresh randomness, pinned to each step proof's record commitment;
  ${USAGE.answer}
      the lab answers from its run directory (the rows and Merkle openings of the drawn member and entries, the step record and its blinding from the run's prover key);
  ${USAGE.check}
      verifies the chain again and checks every answer against the proofs the challenges were drawn against; prints what the answered challenges assure beside what the proofs alone do.

The answers open rows in the clear: they are for an auditor the lab shows its records to (docs/run.md, "Auditor's challenges").

Exit status: 0 when done (check: every answer holds), 1 when anything does not, 2 on bad usage.`;
  static override examples = [
    '<%= config.bin %> challenge draw tiny_gpt.zcp tiny-gpt-proofs --out challenges.json',
    '<%= config.bin %> challenge answer challenges.json --run tiny-gpt-run --out answers.json',
    '<%= config.bin %> challenge check tiny_gpt.zcp tiny-gpt-proofs challenges.json answers.json',
  ];
  static override args = {
    action: Args.string({ required: true, options: ['draw', 'answer', 'check'], description: 'draw (the auditor), answer (the lab), check (the auditor)' }),
    first: Args.string({ description: 'draw, check: the policy (.zpol or .zcp); answer: the challenges file' }),
    second: Args.string({ description: 'draw, check: the directory of proof files' }),
    third: Args.string({ description: 'check: the challenges file' }),
    fourth: Args.string({ description: 'check: the answers file' }),
  };
  static override flags = {
    format: formatFlag,
    out: Flags.string({ summary: 'draw: the challenges file to write; answer: the answers file to write.', helpValue: 'FILE' }),
    run: Flags.string({ summary: 'answer: the run directory (the recorded run and its prover key).', helpValue: 'DIR' }),
    clause: Flags.string({ multiple: true, summary: 'draw: a verify clause to challenge (every family when not given).', helpValue: 'NAME' }),
    samples: Flags.integer({ min: 1, max: 4096, summary: "draw: entries opened per challenge (the clause's samples when not given).", helpValue: 'K' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Challenge);
    const action = args.action as keyof typeof USAGE;
    const given = [args.first, args.second, args.third, args.fourth].filter((a) => a !== undefined) as string[];
    const want = { draw: 2, answer: 1, check: 4 }[action];
    if (given.length !== want) throw new UsageError(`${action} takes ${want} argument${want === 1 ? '' : 's'}: ${USAGE[action]}`);
    if ((action === 'check') !== (flags.out === undefined)) throw new UsageError(action === 'check' ? `check writes nothing (no --out): ${USAGE.check}` : `${action} needs --out FILE: ${USAGE[action]}`);
    if ((action === 'answer') !== (flags.run !== undefined)) throw new UsageError(action === 'answer' ? `answer needs --run DIR: ${USAGE.answer}` : `--run goes with answer: ${USAGE[action]}`);
    if (action !== 'draw' && (flags.clause !== undefined || flags.samples !== undefined)) throw new UsageError(`--clause and --samples go with draw: ${USAGE.draw}`);
    const { drawChallenges, answerChallenges, checkChallenges } = await import('../challenge.ts');
    const print = (line: string) => this.print(line);
    const format = flags.format === 'json' ? 'json' : 'pretty';
    try {
      if (action === 'draw') process.exitCode = await drawChallenges(given[0]!, given[1]!, flags.out!, flags.clause ?? [], flags.samples, format, print);
      else if (action === 'answer') process.exitCode = answerChallenges(given[0]!, flags.run!, flags.out!, format, print);
      else process.exitCode = await checkChallenges(given[0]!, given[1]!, given[2]!, given[3]!, format, print);
    } catch (e) {
      if (e instanceof UsageError || !(e instanceof Error) || e instanceof TypeError || e instanceof ReferenceError) throw e;
      process.stderr.write(`zpol: ${e.message}\n`);
      process.exitCode = ExitCode.failure;
    }
  }
}
