import { Args, Flags } from '@oclif/core';
import { ExitCode, formatFlag, ZpolCommand } from '../base.ts';

export default class Eval extends ZpolCommand {
  static override summary = 'Run a policy on a spec and steps in the zkVM, without proving, and explain the verdict.';
  static override description = `Compiles the policy, reads the spec (a JSON object) and the steps (JSON Lines: one step record per line, in the run-value format of docs/run-values.md), runs the genesis, step and attestation programs in the zkVM and prints which claims held, the outputs, and for a failure the clause, the step and the values involved:

  invariant under_flop_cap failed at step 288: total_flops = 1.00224e12 FLOP > FLOP_CAP = 1e12 FLOP (policies/demo.zpol:79:1)

Exit status: 0 when the run complies, 1 when it breaks the policy or the input is malformed, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> eval policies/demo.zpol --spec spec.json --steps steps.jsonl'];

  static override args = { policy: Args.string({ required: true, description: 'the policy: a .zpol file, or its compiled artifact (.zcp) when the policy has no compute check' }) };
  static override flags = {
    spec: Flags.string({ required: true, summary: 'The spec record (JSON).' }),
    steps: Flags.string({ required: true, summary: 'The step records (JSON Lines, one per line).' }),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Eval);
    const { readFileSync } = await import('node:fs');
    const { compileFile } = await import('../../compiler/index.ts');
    const { evaluateOnMachine, evaluateRun, formatEvalReport, recordProblems } = await import('../evaluate.ts');
    const { RunValueError } = await import('../../compiler/values.ts');
    const fail = (message: string) => {
      process.stderr.write(`zpol: ${message}\n`);
      process.exitCode = ExitCode.failure;
    };
    // Records alone: the compute checks need the run's tensors, which only `zpol prove` reads. A .zpol is
    // compiled without them (and its interpreter explains failures); a .zcp is what it is.
    let policy: import('../../runtime/policy/artifact.ts').LoadedPolicy;
    let program: import('../../language/program.ts').Program | null = null;
    if (args.policy.endsWith('.zcp')) {
      const { policyFor } = await import('../chain.ts');
      try {
        policy = await policyFor(args.policy);
      } catch (e) {
        return fail((e as Error).message);
      }
      if (policy.artifact.verifies.length > 0 || (policy.artifact.labels?.length ?? 0) > 0) {
        const reads = [...policy.artifact.verifies.map((v) => `verify ${v.name}`), ...(policy.artifact.labels ?? []).map((l) => `count_labels(step.${l.field})`)];
        return fail(
          `${args.policy}: its step program reads the run's tensors (${reads.join(', ')}); eval has records only: evaluate the .zpol, or prove the run with zpol prove`,
        );
      }
    } else {
      const compiled = compileFile(args.policy, { computeChecks: false });
      if (!compiled.ok) {
        const first = compiled.diagnostics.find((d) => d.severity === 'error');
        return fail(`cannot compile ${args.policy}: ${compiled.error ?? (first ? `${first.file}:${first.span.start.line}:${first.span.start.column}: ${first.message}` : 'errors')}`);
      }
      policy = compiled;
      program = compiled.program;
    }
    const read = (path: string): string | null => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        fail(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
        return null;
      }
    };
    const specText = read(flags.spec);
    const stepsText = read(flags.steps);
    if (specText === null || stepsText === null) return;
    // Every problem in the input, not only the first: a spec that is no JSON, each line that is none, and every
    // bad field of every record, each naming the file and the line, or the step and the field; the spec's first,
    // then step by step. `at` orders them: 0 for the spec, k for step k.
    const problems: { at: number; text: string }[] = [];
    let spec: unknown;
    try {
      spec = JSON.parse(specText);
    } catch (e) {
      problems.push({ at: 0, text: `${flags.spec}: not JSON: ${(e as Error).message}` });
    }
    // steps[k - 1] is step k: each non-empty line, undefined where it is no JSON.
    const steps: unknown[] = [];
    const lines = stepsText.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() === '') continue;
      try {
        steps.push(JSON.parse(lines[i]!));
      } catch (e) {
        steps.push(undefined);
        problems.push({ at: steps.length, text: `${flags.steps}:${i + 1}: not JSON: ${(e as Error).message}` });
      }
    }
    for (const p of recordProblems(policy, spec, steps)) {
      const k = /^step (\d+)$/.exec(p.record);
      problems.push({ at: k ? Number(k[1]) : 0, text: `${k ? flags.steps : flags.spec}: ${p.message}` });
    }
    if (problems.length > 0) {
      for (const p of problems.sort((a, b) => a.at - b.at)) fail(p.text);
      if (problems.length > 1) process.stderr.write(`zpol: ${problems.length} problems in the input; nothing was run\n`);
      return;
    }
    let report;
    try {
      report = program ? evaluateRun(policy, program, spec, steps) : evaluateOnMachine(policy, spec, steps);
    } catch (e) {
      if (e instanceof RunValueError) return fail(`${/^step/.test(e.message) ? flags.steps : flags.spec}: ${e.message}`);
      throw e;
    }
    this.print(flags.format === 'json' ? JSON.stringify(report, null, 2) : formatEvalReport(report));
    process.exitCode = report.ok && report.disagreements.length === 0 ? ExitCode.ok : report.disagreements.length > 0 ? ExitCode.internal : ExitCode.failure;
  }
}
