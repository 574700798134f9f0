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
import type { ProofBackend } from '../runtime/proof/backend.ts';
import { wholeExecution } from '../runtime/vm/segments.ts';
import { encodeProofFile } from '../runtime/chain/proof-file.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** A one-step demo run recorded afresh: the compiled policy, its spec and first step, that step's tensors, and a prover for it on `backend`. */
export function demoStepRun(backend?: ProofBackend) {
  const policy = compileFile(join(here, '..', 'policies', 'demo.zpol'));
  if (!policy.ok) throw new Error('the demo policy does not compile');
  const run = join(mkdtempSync(join(tmpdir(), 'zpol-bench-demo-step-')), 'run');
  recordDemoRun(run, 1, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
  const dir = readRunDir(run, { schemas: policy.artifact.schemas });
  const interp = new PolicyInterpreter(policy.program, policy.root.path);
  const spec = interp.decodeSpec(dir.spec);
  const record = interp.decodeStep(dir.steps[0]!.record, 0);
  const tensors = stepTensorsFor(policy.artifact, run, dir.steps[0]!, backend ?? undefined);
  const prover = (b = backend) =>
    new ChainProver(policy, new Uint8Array(32).fill(1), spec, { ...(b ? { backend: b } : {}), weights: readWeights(run), stepWeights: runStepWeightsFor(policy.artifact, run) });
  return { policy, record, tensors, prover };
}

/**
 * The step's execution, the seed the benchmarks prove it with, and the proof file `zpol prove` writes around a STARK
 * proof of it (step-000001.zproof: its header and the proof's bytes, runtime/chain/proof-file.ts).
 */
export function demoStep(): { exec: Execution; seed: Uint8Array; file: (stark: Uint8Array) => Uint8Array } {
  const { record, tensors, prover } = demoStepRun();
  const p = prover();
  const g = p.genesisExecution();
  const exec = wholeExecution(p.stepExecution(1, g.state, record, tensors).exec);
  const file = (stark: Uint8Array) => encodeProofFile(p.proofFile('step', 1, exec, { stark: Buffer.from(stark).toString('base64') }));
  return { exec, seed: new Uint8Array(32).fill(7), file };
}
