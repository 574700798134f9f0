// The zkVM's proof figures: a counting loop (3 cycles per iteration: add, count down, branch) sized to 2^k cycles
// for k = 10, 12, …, 18 (--quick: 10 and 12), proven with the default FRI PCS and zero knowledge. Records cycles
// proven per second, proof bytes, verify ms and the committed cells per cycle, in bench/results/vm.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute } from '../runtime/vm/executor.ts';
import { executionCosts, machine, proveExecution, verifyExecution, vmTraces } from '../runtime/vm/machine.ts';
import { countingLoop } from '../test/fixtures/sample-programs.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { encodeFriPcsProof } from '../runtime/proof/pcs/codec.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const logs = quick ? [10, 12] : [10, 12, 14, 16, 18];
const results = [];
for (const log of logs) {
  // set, n × (add, addi, branch), output, halt: 3n + 3 cycles.
  const n = Math.floor((2 ** log - 3) / 3);
  const c = countingLoop(n);
  const exec = execute(c.program, c.inputs);
  const m = machine(c.program);
  const traces = vmTraces(exec);
  const costs = executionCosts(m, exec, traces);
  const t0 = performance.now();
  const proof = proveExecution(m, exec, { seed: 'bench', traces });
  const proveMs = performance.now() - t0;
  const t1 = performance.now();
  const verdict = verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark);
  const verifyMs = performance.now() - t1;
  if (!verdict.ok) throw new Error(`2^${log}: ${verdict.error}`);
  const bytes = encodeStarkProof(proof.stark, encodeFriPcsProof).length;
  const cycles = exec.steps.length;
  const committed = costs.reduce((s, t) => s + t.committedCells, 0);
  const r = {
    logCycles: log,
    cycles,
    proveMs: Math.round(proveMs),
    cyclesPerSecond: Math.round(cycles / (proveMs / 1000)),
    verifyMs: Number(verifyMs.toFixed(1)),
    proofBytes: bytes,
    committedCells: committed,
    committedCellsPerCycle: Number((committed / cycles).toFixed(1)),
    cpuCellsPerRow: costs.find((t) => t.table === 'cpu')!.width,
    conjecturedBits: starkSecurity(m.system, proof.stark.logHeights).conjecturedBits,
  };
  console.log(JSON.stringify(r));
  results.push(r);
}
const out = {
  bench: 'vm',
  date: new Date().toISOString(),
  quick,
  program: 'counting loop (test/fixtures/sample-programs.ts countingLoop)',
  machine: { ...machineInfo(), device: 'CPU only (TypeScript prover)' },
  results,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'vm-quick.json' : 'vm.json'), JSON.stringify(out, null, 2) + '\n');
