// The tensor-core chip inside the zkVM, written to bench/results/vm-mma.json: cells per MAC of bf16_mma_dot.tv
// proven with one `mma` instruction per dot product (runtime/conformance/vm-mma-proof.ts says what is charged),
// on the whole file (costs from the execution's traces; --quick: 100 dot products), and a proof of the first 32
// dot products (--quick: 8) proven and verified, for its time and size.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proveVmMma } from '../runtime/conformance/vm-mma-proof.ts';
import { readConformanceText } from '../runtime/conformance/vectors.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const text = readConformanceText('bf16_mma_dot');
const whole = proveVmMma(text, quick ? { max: 100 } : {});
console.log('costs', JSON.stringify(whole));
const proven = proveVmMma(text, { max: quick ? 8 : 32, prove: true });
console.log('proof', JSON.stringify(proven));
const out = {
  bench: 'vm-mma',
  date: new Date().toISOString(),
  quick,
  machine: { ...machineInfo(), device: 'CPU only (TypeScript prover)' },
  results: { file: whole, proof: proven },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'vm-mma.json'), JSON.stringify(out, null, 2) + '\n');
if (!proven.proof?.ok) process.exit(1);
