// A tiny run for the queue tests: test/fixtures/policies/proof_fuzz.zpol (no compute checks, so its proofs are the
// cheapest the chain has), `steps` steps of 10 tokens, 3 of them from the web.
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { Recorder } from '../../runtime/run/recorder.ts';
import { root } from '../helpers.ts';
import { join } from 'node:path';

export const TINY_POLICY = join(root, 'test/fixtures/policies/proof_fuzz.zpol');

export const tinyPolicy: Extract<CompileResult, { ok: true }> = (() => {
  const r = compileFile(TINY_POLICY);
  if (!r.ok) throw new Error(r.error ?? 'the fixture does not compile');
  return r;
})();

/** `budget` (tokens) defaults to the 1000 the tests' faults rely on; a long run needs more (10 tokens a step). */
export function recordTinyRun(dir: string, steps: number, budget = 1000): void {
  const rec = Recorder.open(dir, tinyPolicy.artifact.policy.name, { policyDigest: tinyPolicy.artifact.digest, schemas: tinyPolicy.artifact.schemas });
  rec.registerSources([{ name: 'web', examples: new Uint16Array(4), rows: 2, cols: 2 }]);
  rec.commitSpec({ budget, arch: 'mlp', note: 5 });
  for (let k = 1; k <= steps; k++) rec.recordStep(k, { tokens: 10, web: 3 }, {});
  rec.finish();
}
