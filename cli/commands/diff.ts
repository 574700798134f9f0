import { Args, Flags } from '@oclif/core';
import { ExitCode, formatFlag, UsageError, ZpolCommand } from '../base.ts';

export default class Diff extends ZpolCommand {
  static override summary = 'Compare two policies: with --implies, decide whether every run that satisfies A also satisfies B (Z3).';
  static override description = `With --implies, decides with the Z3 SMT solver whether every run (a spec and any number of steps) that satisfies policy A also satisfies policy B, as the reference interpreter judges runs: attests, state initialisers, on step, every invariant after every step, outputs. Record fields that both policies declare must have one type; a field only one declares is free for the other; --map pairs fields that have different names. Runs of up to --steps steps are searched from the initial state; longer runs are covered by induction over one generic step. A counterexample is written as run records and confirmed with zpol eval's evaluator before it is printed. docs/implication.md has the method and the fragment.

Without --implies, lists what differs between the two policies' records and clauses.

Exit status with --implies: 0 when A implies B, 1 with a counterexample when it does not, 2 when the question is outside what the decider settles (a compute check, a label count, floating-point values, an induction that does not close, the solver's "unknown"; the reason is printed) or on bad usage. Without it: 0 when the policies' records and clauses are the same, 1 when they differ.`;
  static override examples = [
    '<%= config.bin %> diff policies/eu_ai_act_art51.zpol policies/ca_sb53_frontier.zpol --implies',
    '<%= config.bin %> diff policies/ny_raise_act.zpol policies/ca_sb53_frontier.zpol --implies --format json',
  ];

  static override args = {
    a: Args.string({ required: true, description: 'policy A (.zpol)' }),
    b: Args.string({ required: true, description: 'policy B (.zpol)' }),
  };
  static override flags = {
    implies: Flags.boolean({ default: false, summary: 'Decide whether A implies B (exit 0), give a counterexample (exit 1), or say why not decided (exit 2).' }),
    map: Flags.string({ multiple: true, summary: 'With --implies: a field of A and a field of B that are one value under two names, A\'s first: spec.params=spec.n_params (repeatable).' }),
    steps: Flags.integer({ default: 2, min: 1, max: 8, summary: 'Steps the bounded search unrolls from the initial state before the induction (at least 1: the induction starts from step 2).' }),
    timeout: Flags.integer({ default: 10, min: 1, summary: 'Seconds per solver query.' }),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Diff);
    if (!flags.implies) {
      if (flags.steps !== 2 || flags.timeout !== 10 || flags.map) throw new UsageError('--steps, --timeout and --map apply to --implies');
      const { structuralDiff, formatStructuralDiff } = await import('../implies/structure.ts');
      const d = structuralDiff(args.a, args.b);
      this.print(flags.format === 'json' ? JSON.stringify(d, null, 2) : formatStructuralDiff(d));
      process.exitCode = d.error ? ExitCode.usage : d.same ? ExitCode.ok : ExitCode.failure;
      return;
    }
    const [{ decideImplication }, { evaluatorConfirm, formatImplies }] = await Promise.all([import('../implies/decide.ts'), import('../implies/report.ts')]);
    const report = await decideImplication(args.a, args.b, await evaluatorConfirm(), { steps: flags.steps, timeoutMs: flags.timeout * 1000, map: flags.map ?? [] });
    this.print(flags.format === 'json' ? JSON.stringify(report, null, 2) : formatImplies(report));
    process.exitCode = report.exitCode;
  }
}
