import { Args, Flags } from "@oclif/core";
import {
  ExitCode,
  formatFlag,
  renderDiagnostics,
  ZpolCommand,
} from "../base.ts";

export default class Compile extends ZpolCommand {
  static override summary =
    "Compile a policy into its zkVM programs: the .zcp artifact.";
  static override description = `Checks the policy, lowers it to the zkVM programs of its three proof kinds (genesis, step, attestation) and writes the artifact: the programs, the record layouts, the JSON Schemas of the spec and step records, the source map from assertions to clauses and the policy digest. The same policy always gives the same bytes. The file is written atomically.

Exit status: 0 when compiled, 1 when the policy has errors or uses something the machine cannot run, 2 on bad usage.`;
  static override examples = [
    "<%= config.bin %> compile policies/demo.zpol -o demo.zcp",
  ];

  static override args = {
    policy: Args.string({ required: true, description: "the policy file" }),
  };
  static override flags = {
    out: Flags.string({
      char: "o",
      summary:
        "Where to write the artifact (default: the policy name with .zcp, in the current directory).",
    }),
    format: formatFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Compile);
    const { compileFile } = await import("../../compiler/index.ts");
    const { encodeArtifact } = await import("../../compiler/artifact.ts");
    const { writeFileAtomic } = await import("../../compiler/files.ts");
    const result = compileFile(args.policy);
    if (!result.ok) {
      if (result.diagnostics.length > 0) {
        const { readFileSync } = await import("node:fs");
        const sources = new Map<string, string>();
        for (const d of result.diagnostics)
          if (!sources.has(d.file))
            sources.set(
              d.file,
              (() => {
                try {
                  return readFileSync(d.file, "utf8");
                } catch {
                  return "";
                }
              })(),
            );
        const { text } = renderDiagnostics(
          {
            files: [args.policy],
            diagnostics: [...result.diagnostics],
            sources,
          },
          flags.format,
          "checked",
        );
        this.print(text);
      }
      if (result.error)
        process.stderr.write(`zpol: cannot compile: ${result.error}\n`);
      process.exitCode = ExitCode.failure;
      return;
    }
    const out = flags.out ?? `${result.compiled.name}.zcp`;
    const bytes = encodeArtifact(result.artifact);
    writeFileAtomic(out, bytes);
    if (flags.format === "json") {
      this.print(
        JSON.stringify(
          {
            policy: result.compiled.name,
            out,
            digest: result.artifact.digest,
            bytes: bytes.length,
          },
          null,
          2,
        ),
      );
    } else {
      const p = result.artifact.programs;
      this.print(
        `compiled ${result.compiled.name} to ${out} (${bytes.length} bytes): genesis ${p.genesis.instructions}, step ${p.step.instructions}, attestation ${p.attestation.instructions} instructions`,
      );
      this.print(`policy digest ${result.artifact.digest}`);
    }
  }
}
