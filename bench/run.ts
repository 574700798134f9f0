// `npm run bench`: every benchmark in turn, each in its own process (a clean heap and JIT state), each writing its
// JSON under bench/results/. Pass --quick for a short run.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches = ['proof-field.ts', 'stark.ts', 'fp.ts', 'vm.ts', 'vm-mma.ts', 'vm-blocked.ts', 'memory.ts', 'chain.ts', 'backend.ts', 'hash-config.ts', 'queue.ts', 'pytorch.ts', 'shapes.ts'];
// The prover's figures per backend (issue #18); on its own line so that other benchmarks merge without conflict.
benches.push('prover.ts');
// Policy implication with Z3 (issue #25).
benches.push('implies.ts');
// Recursive aggregation: the verifier's cost inside the zkVM (issue #24).
benches.push('aggregate.ts');
// Miden's prover from npm beside zpol's (issue #18); installed into a temporary folder by the benchmark itself.
benches.push('peer-miden.ts');
// Grinding per hash and backend, and verification time of a demo step (issue #18).
benches.push('grind.ts', 'verify.ts');
// Where a demo step proof's bytes and opened columns go, per table (issue #18).
benches.push('proof-size.ts');
// A compute check's word openings at the 70B fixture's columns (runtime/run/tensor-commit.ts openWord).
benches.push('open-word.ts');
// Tensor commitments, TypeScript against the native row hashes, at the 70B fixture's operand shapes (issue #19).
benches.push('tensor-commit.ts');
const extra = process.argv.slice(2);
let failed = 0;
for (const b of benches) {
  console.log(`== ${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, b), ...extra], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
