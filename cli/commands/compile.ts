import { Args, Flags } from '@oclif/core';
import { ExitCode, formatFlag, renderDiagnostics, ZpolCommand } from '../base.ts';

export default class Compile extends ZpolCommand {
  static override summary = 'Compile a policy into its zkVM programs: the .zcp artifact.';
  static override description = `Checks the policy, lowers it to the zkVM programs of its three proof kinds (genesis, step, attestation) and writes the artifact: the programs, the record layouts, the JSON Schemas of the spec and step records, the source map from assertions to clauses and the policy digest. The same policy always gives the same bytes. With --emit ts it writes typed TypeScript bindings of the spec and step records instead. Files are written atomically.

Exit status: 0 when compiled, 1 when the policy has errors or uses something the machine cannot run, 2 on bad usage.`;
  static override examples = ['<%= config.bin %> compile policies/demo.zpol -o demo.zcp', '<%= config.bin %> compile policies/demo.zpol --emit ts -o demo-records.ts'];

  static override args = { policy: Args.string({ required: true, description: 'the policy file' }) };
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Where to write the output (default: the policy name with .zcp or .ts, in the current directory).' }),
    emit: Flags.option({ options: ['zcp', 'ts'] as const, default: 'zcp' as const, summary: 'What to write: the compiled artifact, or typed TypeScript bindings of the spec and step records.' })(),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Compile);
    const { compileFile } = await import('../../compiler/index.ts');
    const { encodeArtifact } = await import('../../compiler/artifact.ts');
    const { writeFileAtomic } = await import('../../base/atomic-write.ts');
    const result = compileFile(args.policy);
    if (!result.ok) {
      if (result.diagnostics.length > 0) {
        const { readFileSync } = await import('node:fs');
        const sources = new Map<string, string>();
        for (const d of result.diagnostics) {
          if (sources.has(d.file)) continue;
          try {
            sources.set(d.file, readFileSync(d.file, 'utf8'));
          } catch {
            sources.set(d.file, '');
          }
        }
        this.print(renderDiagnostics({ files: [args.policy], diagnostics: [...result.diagnostics], sources }, flags.format, 'checked').text);
      }
      if (result.error) process.stderr.write(`zpol: cannot compile: ${result.error}\n`);
      process.exitCode = ExitCode.failure;
      return;
    }
    const out = flags.out ?? `${result.compiled.name}.${flags.emit}`;
    if (flags.emit === 'ts') {
      const { policyBindings } = await import('../../compiler/bindings.ts');
      const { root } = result;
      const fields = (record: 'spec' | 'step') => root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === record ? d.fields : []));
      writeFileAtomic(out, policyBindings(result.compiled.name, result.artifact.digest, root.checker, fields('spec'), fields('step')));
      this.print(flags.format === 'json' ? JSON.stringify({ policy: result.compiled.name, out }, null, 2) : `wrote the record bindings of ${result.compiled.name} to ${out}`);
      return;
    }
    const bytes = encodeArtifact(result.artifact);
    writeFileAtomic(out, bytes);
    if (flags.format === 'json') {
      this.print(JSON.stringify({ policy: result.compiled.name, out, digest: result.artifact.digest, bytes: bytes.length }, null, 2));
    } else {
      const p = result.artifact.programs;
      this.print(`compiled ${result.compiled.name} to ${out} (${bytes.length} bytes): genesis ${p.genesis.instructions}, step ${p.step.instructions}, attestation ${p.attestation.instructions} instructions`);
      this.print(`policy digest ${result.artifact.digest}`);
    }
  }
}
