// The layering rule is enforced (docs/architecture.md): no file imports from a layer above its own. The imports
// that still break it are listed here with the work that removes them; the list may only shrink, so a new
// violation fails this test, and so does one that was fixed but left on the list.
import { describe, expect, it } from 'vitest';
import { importsOf, repositorySources, violations } from './layers.ts';

/** Imports that break the rule today, each to be removed by issue #16's remaining work. */
const KNOWN: readonly string[] = [
  // Cost estimation and evaluation belong to the runtime, not the compiler.
  'compiler/costs.ts -> runtime/proof/stark/system.ts',
  'compiler/costs.ts -> runtime/vm/chips/chip.ts',
  'compiler/costs.ts -> runtime/vm/machine.ts',
  'compiler/evaluate.ts -> runtime/chain/prover.ts',
  'compiler/evaluate.ts -> runtime/chain/verifier.ts',
  // The chain on the artifact alone (runtime/policy).
  'runtime/chain/proof-file.ts -> compiler/compile.ts',
  'runtime/chain/prover.ts -> compiler/artifact.ts',
  'runtime/chain/prover.ts -> compiler/compile.ts',
  'runtime/chain/prover.ts -> compiler/values.ts',
  'runtime/chain/prover.ts -> compiler/witness.ts',
  'runtime/chain/prover.ts -> language/ast.ts',
  'runtime/chain/prover.ts -> language/program.ts',
  'runtime/chain/run-prover.ts -> compiler/interpret.ts',
  'runtime/chain/run-prover.ts -> language/program.ts',
  'runtime/chain/verifier.ts -> compiler/compile.ts',
  'runtime/chain/verifier.ts -> compiler/verify.ts',
  'runtime/chain/verifier.ts -> language/ast.ts',
  'runtime/chain/verifier.ts -> language/checker/types.ts',
  'runtime/chain/verifier.ts -> language/checker/values.ts',
];

describe('layers', () => {
  it('no file imports from a layer above its own, beyond the known list, and the list holds no fixed entry', () => {
    const found = violations(repositorySources('.'));
    expect(found.filter((v) => !KNOWN.includes(v)), 'new imports that break the layering').toEqual([]);
    expect(KNOWN.filter((v) => !found.includes(v)), 'fixed: remove from KNOWN').toEqual([]);
  });

  it('fails on a planted violation: the proof layer importing the compiler, the language importing the runtime', () => {
    const planted = new Map([
      ['runtime/proof/stark/x.ts', "import { compilePolicy } from '../../../compiler/compile.ts';\n"],
      ['language/y.ts', "const m = await import('../runtime/vm/machine.ts');\n"],
      ['runtime/vm/z.ts', "import type { Program } from './program.ts';\nimport { P } from '../proof/field/babybear.ts';\n"],
      ['compiler/w.ts', "import { OPCODES } from '../runtime/vm/isa.ts';\nimport { machine } from '../runtime/vm/machine.ts';\n"],
    ]);
    expect(violations(planted)).toEqual([
      'compiler/w.ts -> runtime/vm/machine.ts',
      'language/y.ts -> runtime/vm/machine.ts',
      'runtime/proof/stark/x.ts -> compiler/compile.ts',
    ]);
  });

  it('reads static, side-effect and dynamic imports', () => {
    expect(importsOf("import a from './a.ts';\nexport { b } from '../b.ts';\nimport './c.ts';\nconst d = await import('./d.ts');\nimport x from 'node:fs';")).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts']);
  });
});
