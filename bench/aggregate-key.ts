// The run proof's verifying key (issue #24, runtime/chain/run-key.ts): what `zpol verify POLICY run.proof` costs
// without the key (cold: the run tree's programs built and the closing program's ROM committed, the key written to an empty cache) and
// with it (warm: the key read back from the cache and checked, then the STARK verified), wall and CPU of this
// process. Usage: node --import tsx bench/aggregate-key.ts RUN_PROOF [POLICY] (default policies/demo.zpol; a run
// proof of bench/aggregate-run.ts or `zpol aggregate`). Minutes cold for the demo: not in `npm run bench`. Merges
// its figures into bench/results/aggregate.json under `key`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { verifyRunProof } from '../runtime/chain/run-proof.ts';
import { runTree } from '../runtime/chain/run-tree.ts';
import { runKey } from '../runtime/chain/run-key.ts';
import { selectBackend } from '../gpu/index.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const [proofPath, policyPath = join(here, '..', 'policies', 'demo.zpol')] = process.argv.slice(2);
if (!proofPath) throw new Error('usage: bench/aggregate-key.ts RUN_PROOF [POLICY]');
const compiled = compileFile(policyPath);
if (!compiled.ok) throw new Error(`${policyPath} does not compile`);
const policy = compiled;
const backend = selectBackend('auto');
const text = readFileSync(proofPath, 'utf8');
const steps = (JSON.parse(text) as { steps: number }).steps;
const cacheDir = mkdtempSync(join(tmpdir(), 'zpol-bench-key-'));

const timed = <T>(f: () => T): { value: T; ms: number; cpuMs: number } => {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = f();
  const u = process.cpuUsage(c);
  return { value, ms: performance.now() - t, cpuMs: (u.user + u.system) / 1000 };
};

// Cold: the key built (and written) inside the verification, as the first `zpol verify` does.
const cold = timed(() => verifyRunProof(policy, text, { backend, cacheDir }));
if (!cold.value.ok) throw new Error(`the run proof does not verify: ${cold.value.error}`);
// Warm: five verifications each reading the key back from the cache (the checks included).
const warm = Array.from({ length: 5 }, () => {
  let source = '';
  const r = timed(() => verifyRunProof(policy, text, { backend, cacheDir, keySource: (s) => (source = s) }));
  if (!r.value.ok || source !== 'cache') throw new Error(`warm verification: ${r.value.ok ? `key ${source}` : r.value.error}`);
  return r;
});
const read = timed(() => runKey(policy, steps, () => runTree(policy, steps, backend), { backend, cacheDir }));
if (read.value.source !== 'cache') throw new Error('the key was not read from the cache');
rmSync(cacheDir, { recursive: true, force: true });
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = {
  policy: policyPath.split('/').slice(-1)[0],
  steps,
  backend: backend.name,
  coldVerifySeconds: Number((cold.ms / 1000).toFixed(1)),
  coldVerifyCpuSeconds: Number((cold.cpuMs / 1000).toFixed(1)),
  warmVerifyMs: Number(median(warm.map((w) => w.ms)).toFixed(1)),
  warmVerifyCpuMs: Number(median(warm.map((w) => w.cpuMs)).toFixed(1)),
  keyReadMs: Number(read.ms.toFixed(1)),
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(JSON.stringify(row));
const file = join(here, 'results', 'aggregate.json');
const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
results.key = {
  date: new Date().toISOString(),
  machine: machineInfo(),
  note: "zpol verify POLICY run.proof's verifying key (runtime/chain/run-key.ts): coldVerify*: the first verification, the run tree's programs built and the closing program's ROM committed, the key written to an empty cache; warmVerify*: a verification reading the key back from the cache (MAC, program digest and system digest checked) and verifying the STARK (median of 5); keyReadMs: reading and checking the key alone. Wall and CPU of this process.",
  rows: [row],
};
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
