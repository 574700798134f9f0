// The run proof (issue #24): a run of N steps recorded and proven with --aggregatable (genesis, the steps, the
// attestation), then `zpol aggregate`'s nodes (runtime/chain/run-proof.ts): the span tree over the steps (any N:
// runtime/aggregate/span.ts spanSplit) and the closing node over genesis, the span and the attestation. Per node its
// wall and CPU seconds and the process's peak RSS so far; each program's cycles and heights; the run proof's size; the
// time to build the key (every program and machine, from the policy and N) and to verify the run proof with it.
// Usage: node --import tsx bench/aggregate-run.ts [--policy tiny|demo] [N ...] (default tiny, 1 2). Minutes per
// node and GBs of memory (run it under flock /work/heavy.lock): not in `npm run bench`. Merges its figures into
// bench/results/aggregate.json under `runProof.<policy>` (bench/aggregate.ts keeps them).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { recordDemoRun } from '../demo/record.ts';
import { proofFileName, proveRun } from '../runtime/chain/run-prover.ts';
import { aggregateRun, verifyRunProof } from '../runtime/chain/run-proof.ts';
import { runTree } from '../runtime/chain/run-tree.ts';
import { selectBackend } from '../gpu/index.ts';
import { recordTinyRun, TINY_POLICY } from '../test/queue/tiny-run.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const which = args[0] === '--policy' ? args[1]! : 'tiny';
const sizes = (args[0] === '--policy' ? args.slice(2) : args).map(Number);
if (which !== 'tiny' && which !== 'demo') throw new Error(`--policy tiny or demo, not ${which}`);
const compiled = compileFile(which === 'demo' ? join(here, '..', 'policies', 'demo.zpol') : TINY_POLICY);
if (!compiled.ok) throw new Error(`the ${which} policy does not compile`);
const policy = compiled;
const backend = selectBackend('auto');
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(from);
  return Number(((c.user + c.system) / 1e6).toFixed(1));
};
const peakMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

// ZPOL_BENCH_DIR keeps the run, its proofs and the nodes in DIR/N (not removed): a killed measurement resumes from the
// node proofs already written (aggregateRun keeps them), and the chain's proofs are not proven again.
const keptDir = process.env.ZPOL_BENCH_DIR;

function measure(N: number) {
  const dir = keptDir ? join(keptDir, String(N)) : mkdtempSync(join(tmpdir(), 'zpol-bench-aggregate-run-'));
  mkdirSync(dir, { recursive: true });
  const run = join(dir, 'run');
  const proofs = join(dir, 'proofs');
  const chainDone = join(dir, 'chain-proven.json');
  let t = performance.now();
  let proveChainSeconds: number;
  if (keptDir && existsSync(chainDone)) {
    proveChainSeconds = (JSON.parse(readFileSync(chainDone, 'utf8')) as { seconds: number }).seconds;
  } else {
    rmSync(run, { recursive: true, force: true });
    if (which === 'demo') recordDemoRun(run, N, { policyDigest: policy.artifact.digest, schemas: policy.artifact.schemas });
    else recordTinyRun(run, N);
    proveRun(policy, run, proofs, { backend, aggregatable: true });
    proveChainSeconds = (performance.now() - t) / 1000;
    writeFileSync(chainDone, JSON.stringify({ seconds: proveChainSeconds }));
  }
  const proofBytes = Object.fromEntries([proofFileName('genesis', 0), proofFileName('step', 1), proofFileName('attestation', 1)].map((f) => [f, statSync(join(proofs, f)).size]));
  // The key first (what zpol aggregate and zpol verify build), timed apart from the node proofs.
  t = performance.now();
  const cpu = process.cpuUsage();
  const key = runTree(policy, N, backend);
  const key1 = { seconds: Number(((performance.now() - t) / 1000).toFixed(1)), cpuSeconds: cpuSeconds(cpu), peakRssMiB: peakMiB() };
  const nodes: { node: string; seconds: number; cpuSeconds: number; peakRssMiBSoFar: number }[] = [];
  t = performance.now();
  aggregateRun(policy, proofs, join(dir, 'nodes'), join(dir, 'run.proof'), {
    backend,
    tree: key,
    onProgress: (p) => {
      nodes.push({ node: p.node, seconds: Number(p.seconds.toFixed(1)), cpuSeconds: Number(p.cpuSeconds.toFixed(1)), peakRssMiBSoFar: peakMiB() });
      console.log(JSON.stringify({ N, ...nodes[nodes.length - 1] }));
    },
  });
  const aggregateSeconds = (performance.now() - t) / 1000;
  const text = readFileSync(join(dir, 'run.proof'), 'utf8');
  const stark = Buffer.from((JSON.parse(text) as { stark: string }).stark, 'base64').length;
  const times: number[] = [];
  let report = verifyRunProof(policy, text, { tree: key });
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    report = verifyRunProof(policy, text, { tree: key });
    times.push(performance.now() - t);
  }
  if (!report.ok) throw new Error(`the run proof does not verify: ${report.error}`);
  times.sort((a, b) => a - b);
  const row = {
    steps: N,
    backend: backend.name,
    proveChainSeconds: Number(proveChainSeconds.toFixed(1)),
    proofFileBytes: proofBytes,
    programs: [
      ...[...key.tree.programs.values()].map((p) => ({ program: `span of ${p.steps} (${p.split.join(' + ')})`, cycles: p.program.instructions.length, logHeights: p.logHeights })),
      { program: 'closing (genesis, span, attestation)', cycles: key.closing.program.instructions.length, logHeights: key.closing.logHeights },
    ],
    key: key1,
    nodes,
    aggregateSeconds: Number(aggregateSeconds.toFixed(1)),
    runProofFileBytes: text.length,
    runProofStarkBytes: stark,
    conjecturedBits: report.security!.stark!.conjecturedBits,
    weakestBits: report.security!.weakest!.bits,
    verifyMs: Number(times[2]!.toFixed(1)),
    peakRssMiB: peakMiB(),
  };
  console.log(JSON.stringify(row));
  if (!keptDir) rmSync(dir, { recursive: true, force: true });
  return row;
}

const rows: ReturnType<typeof measure>[] = [];
for (const N of sizes.length > 0 ? sizes : [1, 2]) {
  rows.push(measure(N));
  save(rows);
}

function save(rows: ReturnType<typeof measure>[]) {
  const file = join(here, 'results', 'aggregate.json');
  const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const runProof = (results.runProof ?? {}) as Record<string, unknown>;
  runProof[which] = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    note: `The run proof of the ${which} policy (runtime/chain/run-proof.ts, run-tree.ts): N steps proven with --aggregatable, then the span tree over the steps (spanSplit's shape, N − 1 node proofs) and the closing node over genesis, the span and the attestation. key: building every program and machine from the policy and N (once per policy and N; what zpol verify does first); nodes: wall and CPU seconds per node proof (CPU of every thread of the process) and the process's peak RSS so far; programs: each node program's cycles (straight-line: its instruction count) and its proofs' heights; verifyMs: verifying the run proof with the key (median of 5). Wall times on the shared 2-core machine are noisy; CPU seconds and cycles are the figures to compare.`,
    rows,
  };
  results.runProof = runProof;
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}
