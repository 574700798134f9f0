// The proof chain on the demo run: trains and records N steps (default 6; --quick: 2), proves genesis, every step
// and the attestation, and verifies each proof; records proving seconds, proof bytes and verify ms per proof in
// bench/results/chain.json.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { recordDemoRun } from '../demo/record.ts';
import { proofFileName, proveRun, verifyDir } from '../runtime/chain/run-prover.ts';
import { verifyChain } from '../runtime/chain/verifier.ts';
import { decodeProofFile } from '../runtime/chain/proof-file.ts';
import { programCost } from '../runtime/vm/costs.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const steps = quick ? 2 : 6;
const policy = compileFile(join(here, '..', 'policies', 'demo.zpol'));
if (!policy.ok) throw new Error('the demo policy does not compile');
const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-chain-'));
const run = join(dir, 'run');
const proofs = join(dir, 'proofs');
recordDemoRun(run, steps, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
const proveSeconds = new Map<string, number>();
proveRun(policy, run, proofs, { onProgress: (p) => p.seconds !== undefined && proveSeconds.set(proofFileName(p.kind, p.step), p.seconds) });
const rows = [];
for (const [name, seconds] of proveSeconds) {
  const bytes = readFileSync(join(proofs, name));
  const proof = decodeProofFile(bytes, name);
  const t0 = performance.now();
  // One proof against its program: the chain links need all of them, timed below.
  const report = verifyChain(policy, [{ name, proof }]);
  const verifyMs = performance.now() - t0;
  if (!report.proofs[0]!.ok) throw new Error(`${name}: ${report.proofs[0]!.error}`);
  rows.push({ proof: name, kind: proof.kind, proveSeconds: Number(seconds.toFixed(2)), proofBytes: Buffer.from(proof.stark, 'base64').length, fileBytes: bytes.length, verifyMs: Number(verifyMs.toFixed(1)) });
  console.log(JSON.stringify(rows[rows.length - 1]));
}
const t0 = performance.now();
const chain = verifyDir(policy, proofs);
const chainVerifyMs = performance.now() - t0;
if (!chain.ok) throw new Error(`the chain does not verify: ${chain.errors.join('; ')}`);
const out = {
  bench: 'chain',
  date: new Date().toISOString(),
  quick,
  policy: 'policies/demo.zpol',
  steps,
  machine: { ...machineInfo(), device: 'CPU only (TypeScript prover)' },
  // What each step proof checks besides the records: the policy's compute checks (docs/compute-checks.md).
  computeChecks: policy.compiled.verifies.map((v) => ({ name: v.name, dims: v.dims, samples: v.samples, macsPerStep: v.samples * v.dims[1] })),
  stepProgramInstructions: policy.compiled.programs.step.instructions.length,
  stepProgramCycles: programCost(policy.compiled.programs.step).cycles,
  proofs: rows,
  chainVerifyMs: Math.round(chainVerifyMs),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'chain-quick.json' : 'chain.json'), JSON.stringify(out, null, 2) + '\n');
