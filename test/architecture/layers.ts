/**
 * The layering rule (docs/architecture.md), as data and a checker: which folders a file may import from. The
 * test runs it over the repository, and over a planted violation to show it fails.
 *
 * Layers, lowest first; each may import the ones its rule lists (and itself):
 *   base/            — nothing of the project: exact numbers, the package's files
 *   language/        — base
 *   runtime/fp/      — base: the floating-point reference arithmetic, a leaf library (no chip, no proof system)
 *   runtime/proof/   — base: the STARK knows nothing of the VM or of policies
 *   gpu/             — base, runtime/proof (the native backends implement the proof layer's kernels)
 *   runtime/vm/chips/fp/ — base, runtime/fp, runtime/proof: the floating-point chips and their tables, which the
 *                      machine and the conformance harness both use; they know nothing of the rest of the VM
 *   runtime/vm/      — base, runtime/fp, runtime/proof
 *   runtime/conformance/ — base, runtime/fp, runtime/proof, runtime/vm: the conformance harness (vector files,
 *                      checks and proofs of the reference and the chips against them)
 *   runtime/aggregate/ — base, runtime/proof, runtime/vm: the verifier as zkVM program fragments (recursion, #24)
 *   runtime/run/     — base, runtime/fp, runtime/proof, runtime/vm: the run format, recorder, tensor commitments,
 *                      sampling
 *   runtime/policy/  — base, runtime/proof, runtime/vm, runtime/run: the compiled artifact and its values
 *   runtime/chain/   — base, runtime/* but the conformance harness: proving and verifying runs against an artifact
 *   runtime/queue/   — the same and gpu/: distributed proving on BullMQ (a worker picks its proving backend)
 *   compiler/        — base, language, runtime/policy (the artifact it writes), the ISA it targets
 *                      (runtime/vm/{isa,program,word,buses,assembler,semantics}.ts) and the compute-check protocol
 *                      its programs implement (runtime/run/{sampling,tensor-commit,labels,members,weights,step-weights}.ts)
 *   demo/            — base, runtime/fp, runtime/run: the demo trainer and the recording of its run
 *   cli/             — everything
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface Layer {
  readonly name: string;
  /** Whether a repository-relative path belongs to the layer. */
  readonly holds: (path: string) => boolean;
  /** Whether a file of the layer may import `target` (a repository-relative path). */
  readonly mayImport: (target: string) => boolean;
}

const under = (...dirs: string[]) => (p: string) => dirs.some((d) => p.startsWith(`${d}/`));
/** The ISA the compiler targets, and the protocol its programs implement (how samples are drawn, how tensors are committed, how source labels are encoded). */
const ISA = ['runtime/vm/isa.ts', 'runtime/vm/program.ts', 'runtime/vm/word.ts', 'runtime/vm/buses.ts', 'runtime/vm/assembler.ts', 'runtime/vm/semantics.ts'];
const PROTOCOL = ['runtime/run/sampling.ts', 'runtime/run/tensor-commit.ts', 'runtime/run/labels.ts', 'runtime/run/members.ts', 'runtime/run/embeds.ts', 'runtime/run/weights.ts', 'runtime/run/step-weights.ts'];

/** The layers, most specific first (a path belongs to the first layer that holds it). */
export const LAYERS: readonly Layer[] = [
  { name: 'base', holds: under('base'), mayImport: under('base') },
  { name: 'language', holds: under('language'), mayImport: under('base', 'language') },
  { name: 'runtime/fp', holds: under('runtime/fp'), mayImport: under('base', 'runtime/fp') },
  { name: 'runtime/proof', holds: under('runtime/proof'), mayImport: under('base', 'runtime/proof') },
  { name: 'gpu', holds: under('gpu'), mayImport: under('base', 'runtime/proof', 'gpu') },
  { name: 'runtime/vm/chips/fp', holds: under('runtime/vm/chips/fp'), mayImport: under('base', 'runtime/fp', 'runtime/proof', 'runtime/vm/chips/fp') },
  { name: 'runtime/vm', holds: under('runtime/vm'), mayImport: under('base', 'runtime/fp', 'runtime/proof', 'runtime/vm') },
  { name: 'runtime/conformance', holds: under('runtime/conformance'), mayImport: under('base', 'runtime/fp', 'runtime/proof', 'runtime/vm', 'runtime/conformance') },
  { name: 'runtime/aggregate', holds: under('runtime/aggregate'), mayImport: under('base', 'runtime/proof', 'runtime/vm', 'runtime/aggregate') },
  { name: 'runtime/run', holds: under('runtime/run'), mayImport: under('base', 'runtime/fp', 'runtime/proof', 'runtime/vm', 'runtime/run') },
  { name: 'runtime/policy', holds: under('runtime/policy'), mayImport: under('base', 'runtime/proof', 'runtime/vm', 'runtime/run', 'runtime/policy') },
  { name: 'runtime/queue', holds: under('runtime/queue'), mayImport: (t) => under('base', 'runtime', 'gpu')(t) && !under('runtime/conformance')(t) },
  { name: 'runtime/chain', holds: under('runtime/chain'), mayImport: (t) => under('base', 'runtime')(t) && !under('runtime/conformance')(t) },
  { name: 'compiler', holds: under('compiler'), mayImport: (t) => under('base', 'language', 'compiler', 'runtime/policy')(t) || ISA.includes(t) || PROTOCOL.includes(t) },
  { name: 'demo', holds: under('demo'), mayImport: under('base', 'runtime/fp', 'runtime/run', 'demo') },
  { name: 'cli', holds: under('cli'), mayImport: () => true },
];

/** The relative imports of a TypeScript source: static `from '…'`, `import '…'` and dynamic `import('…')`. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1]!);
  return out;
}

/** Every import of `files` (repository-relative path → source) that points where its layer may not. */
export function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [path, source] of files) {
    const layer = LAYERS.find((l) => l.holds(path));
    if (!layer) continue;
    for (const spec of importsOf(source)) {
      const target = normalize(join(dirname(path), spec)).split('\\').join('/');
      if (!layer.mayImport(target)) out.push(`${path} -> ${target}`);
    }
  }
  return out.sort();
}

/** The repository's sources in the layered folders. */
export function repositorySources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.set(relative(root, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  for (const d of ['base', 'language', 'compiler', 'runtime', 'gpu', 'demo', 'cli']) walk(join(root, d));
  return files;
}
