// The proving backends side by side (gpu/index.ts): coset LDEs of trace-sized matrices, and one demo step proof,
// with the TypeScript reference and the native CPU backend; the proof bytes must agree. Writes
// bench/results/backend.json (--quick: smaller sizes, backend-quick.json). Without the native addon it records
// why and measures the TypeScript backend alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend, nativeLoadError } from '../gpu/index.ts';
import type { ProofBackend } from '../runtime/proof/backend.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { Matrix } from '../runtime/proof/matrix.ts';
import { P } from '../runtime/proof/field/babybear.ts';
import { demoStepRun } from './demo-step.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const cpu = cpuBackend();
const backends: ProofBackend[] = cpu ? [tsBackend, cpu] : [tsBackend];

function best(f: () => void, runs: number): number {
  let t = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

// Coset LDEs at blowup 8 (the default FRI parameters), shapes like the VM's tables.
const lde = [];
for (const [logN, width] of quick ? [[12, 32]] : [[12, 131], [16, 10], [16, 64], [18, 32]]) {
  let s = logN * 1000 + width;
  const m = new Matrix(Uint32Array.from({ length: (1 << logN) * width }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P)), width);
  const row: Record<string, unknown> = { rows: 1 << logN, width, logBlowup: 3 };
  for (const b of backends) {
    const ms = best(() => b.cosetLde(m, 3, 31), quick ? 1 : 3);
    row[`${b.name}Ms`] = Number(ms.toFixed(1));
    row[`${b.name}MelemsPerS`] = Number((((1 << logN) * width * 8) / ms / 1000).toFixed(1));
  }
  if (cpu) row.speedup = Number(((row.tsMs as number) / (row.cpuMs as number)).toFixed(2));
  lde.push(row);
  console.log(JSON.stringify(row));
}

// One demo step proof per backend.
const { record, tensors, prover: demoProver } = demoStepRun();
const step: Record<string, unknown> = {};
const bytes: string[] = [];
for (const b of backends) {
  const prover = demoProver(b);
  const g = prover.genesisExecution();
  const t0 = performance.now();
  const proof = prover.step(1, g.state, record, tensors).proof;
  step[`${b.name}Seconds`] = Number(((performance.now() - t0) / 1000).toFixed(2));
  bytes.push(proof.stark);
}
if (cpu) {
  step.speedup = Number(((step.tsSeconds as number) / (step.cpuSeconds as number)).toFixed(2));
  step.identicalProofs = bytes[0] === bytes[1];
  if (!step.identicalProofs) throw new Error('the backends gave different proofs');
}
console.log(JSON.stringify({ demoStep: step }));

const out = {
  bench: 'backend',
  date: new Date().toISOString(),
  quick,
  machine: { ...machineInfo(), device: 'CPU only' },
  native: cpu ? 'built: NTT and coset LDE in C++ (gpu/native), Merkle hashing and the rest in TypeScript' : `not available: ${nativeLoadError()}`,
  lde,
  demoStep: step,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'backend-quick.json' : 'backend.json'), JSON.stringify(out, null, 2) + '\n');
