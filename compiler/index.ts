/**
 * The compiler's entry points: a policy file becomes its compiled artifact, or the reason it cannot.
 */
import { loadProgram, type CheckedFile, type Program as LanguageProgram } from '../language/program.ts';
import type { Diagnostic } from '../language/diagnostics.ts';
import { compilePolicy, type CompileOptions } from './compile.ts';
import type { CompiledPolicy } from './compiled-policy.ts';
import { buildArtifact, type Artifact } from './artifact.ts';

/**
 * A compiled policy: `artifact` and `programs` are what the runtime proves and verifies with (a LoadedPolicy, as
 * loading the .zcp would give); `compiled`, `root` and `program` are the compiler's own view, for the interpreter,
 * `zpol info` and the tests.
 */
export type CompileResult =
  | {
      readonly ok: true;
      readonly artifact: Artifact;
      readonly programs: CompiledPolicy['programs'];
      readonly compiled: CompiledPolicy;
      readonly root: CheckedFile;
      readonly program: LanguageProgram;
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly error?: string };

export function compileFile(path: string, options: CompileOptions = {}): CompileResult {
  const program = loadProgram([path]);
  const errors = program.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { ok: false, diagnostics: program.diagnostics };
  const root = program.roots[0];
  if (!root) return { ok: false, diagnostics: program.diagnostics, error: `${path}: nothing to compile` };
  try {
    const compiled = compilePolicy(program, root, options);
    return { ok: true, artifact: buildArtifact(compiled, root), programs: compiled.programs, compiled, root, program };
  } catch (e) {
    if (e instanceof Error && e.name === 'LoweringError') return { ok: false, diagnostics: [], error: e.message };
    throw e;
  }
}
