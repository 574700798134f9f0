import { formatFlag, ExitCode, pathsArgs, ZpolCommand } from '../base.ts';

export default class Test extends ZpolCommand {
  static override summary = 'Run policy tests (*.zpoltest.json): cases of a spec and steps with the expected verdict per clause, without proving.';
  static override description = `Each test file names a policy and lists cases: a spec, its steps and what is expected (the verdict, "holds", "fails", "fails at step K" or "not reached" per clause, the revealed outputs). Each case runs in the zkVM as 'zpol eval' runs a run, without proving; the report lists each case, what differs from the expectation, and each file's clause coverage: which clauses its cases saw both hold and fail. Directories are searched recursively for *.zpoltest.json. The format: docs/testing.md.

Exit status: 0 when every case passes, 1 when one fails or a test file cannot run, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> test policies/tests', '<%= config.bin %> test policies/tests/demo.zpoltest.json --format json'];

  static override strict = false; // any number of paths
  static override args = pathsArgs('test');
  static override flags = { format: formatFlag };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Test);
    const [{ statSync, readdirSync }, { join }, { compileFile }, { runTestFile, formatTestResults }] = await Promise.all([
      import('node:fs'),
      import('node:path'),
      import('../../compiler/index.ts'),
      import('../policy-tests.ts'),
    ]);
    const files: string[] = [];
    const visit = (p: string) => {
      let st;
      try {
        st = statSync(p);
      } catch {
        files.push(p); // reported as unreadable
        return;
      }
      if (!st.isDirectory()) files.push(p);
      else for (const e of readdirSync(p).sort()) if (!e.startsWith('.') && e !== 'node_modules' && (e.endsWith('.zpoltest.json') || statSync(join(p, e)).isDirectory())) visit(join(p, e));
    };
    (argv as string[]).forEach(visit);
    if (files.length === 0) this.error('no *.zpoltest.json files found', { exit: ExitCode.usage });
    // Each policy is compiled once, without its compute checks (a test has no tensors), as zpol eval does.
    const compiled = new Map<string, ReturnType<Parameters<typeof runTestFile>[1]>>();
    const compile = (path: string) => {
      let c = compiled.get(path);
      if (!c) {
        const r = compileFile(path, { computeChecks: false });
        const first = r.ok ? undefined : r.diagnostics.find((d) => d.severity === 'error');
        c = r.ok
          ? { ok: true as const, policy: r, program: r.program }
          : { ok: false as const, error: `cannot compile ${path}: ${r.error ?? (first ? `${first.file}:${first.span.start.line}:${first.span.start.column}: ${first.code}: ${first.message}` : 'errors')}` };
        compiled.set(path, c);
      }
      return c;
    };
    const results = files.map((f) => runTestFile(f, compile));
    this.print(flags.format === 'json' ? JSON.stringify(results, null, 2) : formatTestResults(results));
    process.exitCode = results.every((r) => !r.error && r.cases.every((c) => c.passed)) ? ExitCode.ok : ExitCode.failure;
  }
}
