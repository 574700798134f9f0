// The layering rule is enforced (docs/architecture.md): no file imports from a layer above its own. A new
// violation fails this test, and so does one that was fixed but left on the tolerated list.
import { describe, expect, it } from 'vitest';
import { importsOf, repositorySources, violations } from './layers.ts';

/**
 * Imports that break the rule and are tolerated for now, each with the work that removes it: none. A new
 * violation fails the test; put one here only with an issue that removes it.
 */
const KNOWN: readonly string[] = [];

describe('layers', () => {
  it('no file imports from a layer above its own, beyond the known list, and the list holds no fixed entry', () => {
    const found = violations(repositorySources('.'));
    expect(found.filter((v) => !KNOWN.includes(v)), 'new imports that break the layering').toEqual([]);
    expect(KNOWN.filter((v) => !found.includes(v)), 'fixed: remove from KNOWN').toEqual([]);
  });

  it('fails on a planted violation: the proof layer importing the compiler, the language importing the runtime, the floating-point reference a chip, a chip the machine, the VM or the chain the conformance harness, the run format the demo, the demo the compiler', () => {
    const planted = new Map([
      ['runtime/proof/stark/x.ts', "import { compilePolicy } from '../../../compiler/compile.ts';\n"],
      ['language/y.ts', "const m = await import('../runtime/vm/machine.ts');\n"],
      ['runtime/vm/z.ts', "import type { Program } from './program.ts';\nimport { P } from '../proof/field/babybear.ts';\n"],
      ['compiler/w.ts', "import { OPCODES } from '../runtime/vm/isa.ts';\nimport { machine } from '../runtime/vm/machine.ts';\n"],
      ['runtime/fp/v.ts', "import { f32ToBf16 } from './bf16.ts';\nimport { Matrix } from '../proof/matrix.ts';\n"],
      ['runtime/vm/chips/fp/u.ts', "import { mma16 } from '../../../fp/mma.ts';\nimport { machine } from '../../machine.ts';\n"],
      ['runtime/vm/t.ts', "import { readVectors } from '../conformance/vectors.ts';\n"],
      ['runtime/chain/s.ts', "import { machine } from '../vm/machine.ts';\nimport { proveChip } from '../conformance/chip-proof.ts';\n"],
      ['runtime/run/r.ts', "import { Trainer } from '../../demo/trainer.ts';\n"],
      ['demo/q.ts', "import { Recorder } from '../runtime/run/recorder.ts';\nimport { compileFile } from '../compiler/index.ts';\n"],
    ]);
    expect(violations(planted)).toEqual([
      'compiler/w.ts -> runtime/vm/machine.ts',
      'demo/q.ts -> compiler/index.ts',
      'language/y.ts -> runtime/vm/machine.ts',
      'runtime/chain/s.ts -> runtime/conformance/chip-proof.ts',
      'runtime/fp/v.ts -> runtime/proof/matrix.ts',
      'runtime/proof/stark/x.ts -> compiler/compile.ts',
      'runtime/run/r.ts -> demo/trainer.ts',
      'runtime/vm/chips/fp/u.ts -> runtime/vm/machine.ts',
      'runtime/vm/t.ts -> runtime/conformance/vectors.ts',
    ]);
  });

  it('reads static, side-effect and dynamic imports', () => {
    expect(importsOf("import a from './a.ts';\nexport { b } from '../b.ts';\nimport './c.ts';\nconst d = await import('./d.ts');\nimport x from 'node:fs';")).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts']);
  });
});
