// The demo's first step, executed (not proved): what `zpol prove` proves for step 1, for the benchmarks that time
// a demo step proof or its verification (bench/prover.ts, bench/verify.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { PolicyInterpreter } from '../compiler/interpret.ts';
import { recordDemoRun } from '../demo/record.ts';
import { ChainProver } from '../runtime/chain/prover.ts';
import { readWeights } from '../runtime/run/weight-data.ts';
import { runStepWeightsFor, stepTensorsFor } from '../runtime/chain/run-prover.ts';
import { readRunDir } from '../runtime/run/validate.ts';
import type { Execution } from '../runtime/vm/executor.ts';
import { wholeExecution } from '../runtime/vm/segments.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The step's execution and the seed the benchmarks prove it with. */
export function demoStep(): { exec: Execution; seed: Uint8Array } {
  const policy = compileFile(join(here, '..', 'policies', 'demo.zpol'));
  if (!policy.ok) throw new Error('the demo policy does not compile');
  const run = join(mkdtempSync(join(tmpdir(), 'zpol-bench-demo-step-')), 'run');
  recordDemoRun(run, 1, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
  const dir = readRunDir(run, { schemas: policy.artifact.schemas });
  const interp = new PolicyInterpreter(policy.program, policy.root.path);
  const spec = interp.decodeSpec(dir.spec);
  const record = interp.decodeStep(dir.steps[0]!.record, 0);
  const prover = new ChainProver(policy, new Uint8Array(32).fill(1), spec, { weights: readWeights(run), stepWeights: runStepWeightsFor(policy.artifact, run) });
  const g = prover.genesisExecution();
  return { exec: wholeExecution(prover.stepExecution(1, g.state, record, stepTensorsFor(policy.artifact, run, dir.steps[0]!)).exec), seed: new Uint8Array(32).fill(7) };
}
