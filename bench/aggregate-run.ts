// The run proof of the demo (issue #24): N demo steps recorded and proven with --aggregatable, then `zpol aggregate`'s
// tree (runtime/chain/run-proof.ts): per node its wall and CPU seconds, the run proof's size, the time to build the
// node programs from the policy (the verifier's key, once per policy and N) and to verify the run proof with them.
// Usage: node --import tsx bench/aggregate-run.ts [N ...] (default 2; powers of two). Minutes per node: not in
// `npm run bench`. Merges its figures into bench/results/aggregate.json under `run` (bench/aggregate.ts keeps them).
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { recordDemoRun } from '../demo/record.ts';
import { proveRun } from '../runtime/chain/run-prover.ts';
import { aggregateRun, runTree, verifyRunProof } from '../runtime/chain/run-proof.ts';
import { selectBackend } from '../gpu/index.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const sizes = process.argv.slice(2).map(Number);
const compiled = compileFile(join(here, '..', 'policies', 'demo.zpol'));
if (!compiled.ok) throw new Error('the demo policy does not compile');
const policy = compiled;
const backend = selectBackend('auto');

function measure(N: number) {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-aggregate-run-'));
  const run = join(dir, 'run');
  const proofs = join(dir, 'proofs');
  recordDemoRun(run, N, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
  let t = performance.now();
  proveRun(policy, run, proofs, { backend, aggregatable: true });
  const proveChainSeconds = (performance.now() - t) / 1000;
  const stepBytes = statSync(join(proofs, 'step-000001.json')).size;
  const nodes: { level: number; node: number; seconds: number; cpuSeconds: number }[] = [];
  t = performance.now();
  aggregateRun(policy, proofs, join(dir, 'nodes'), join(dir, 'run.proof'), {
    backend,
    onProgress: (p) => {
      nodes.push({ level: p.level, node: p.node, seconds: Number(p.seconds.toFixed(1)), cpuSeconds: Number(p.cpuSeconds.toFixed(1)) });
      console.log(JSON.stringify({ N, ...nodes[nodes.length - 1] }));
    },
  });
  const aggregateSeconds = (performance.now() - t) / 1000;
  const text = readFileSync(join(dir, 'run.proof'), 'utf8');
  const stark = Buffer.from((JSON.parse(text) as { stark: string }).stark, 'base64').length;
  t = performance.now();
  const tree = runTree(policy, N, backend);
  const keySeconds = (performance.now() - t) / 1000;
  const times: number[] = [];
  let report = verifyRunProof(policy, text, { tree });
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    report = verifyRunProof(policy, text, { tree });
    times.push(performance.now() - t);
  }
  if (!report.ok) throw new Error(`the run proof does not verify: ${report.error}`);
  times.sort((a, b) => a - b);
  const row = {
    steps: N,
    backend: backend.name,
    proveChainSeconds: Number(proveChainSeconds.toFixed(1)),
    stepProofFileBytes: stepBytes,
    nodes,
    aggregateSeconds: Number(aggregateSeconds.toFixed(1)),
    levels: tree.map((l) => ({ cycles: l.program.instructions.length, logHeights: l.logHeights })),
    runProofFileBytes: text.length,
    runProofStarkBytes: stark,
    conjecturedBits: report.security!.stark!.conjecturedBits,
    weakestBits: report.security!.weakest!.bits,
    verifierKeySeconds: Number(keySeconds.toFixed(1)),
    verifyMs: Number(times[2]!.toFixed(1)),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(row));
  return row;
}

const rows = (sizes.length > 0 ? sizes : [2]).map(measure);
const file = join(here, 'results', 'aggregate.json');
const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
results.run = {
  date: new Date().toISOString(),
  machine: machineInfo(),
  note: 'The run proof of the demo (runtime/chain/run-proof.ts): N steps proven with --aggregatable, then the tree of node programs (level k verifies two level k − 1 proofs). nodes: wall and CPU seconds per node proof (CPU of every thread of the process); levels: each node program\'s cycles (straight-line: its instruction count) and its proofs\' heights; verifierKeySeconds: building the node programs and their machines from the policy (once per policy and N); verifyMs: verifying the run proof with them (median of 5).',
  rows,
};
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
