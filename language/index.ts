/** The language front end's public interface: what the CLI, the linter and the compiler call. */
import type { Diagnostic } from './diagnostics.ts';
import { loadProgram } from './program.ts';

export { loadProgram, type CheckedFile } from './program.ts';
export { parse } from './parser.ts';

export interface CheckResult {
  files: string[];
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

/** Parses and checks `paths` (directories walked for *.zpol) and everything they import. */
export function checkPaths(paths: string[]): CheckResult {
  const program = loadProgram(paths);
  return { files: program.roots.map((f) => f.path), diagnostics: program.diagnostics, sources: program.sources };
}
