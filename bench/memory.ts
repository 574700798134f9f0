// The TypeScript prover's peak memory against the committed cells it proves: the counting loop of bench/vm.ts at
// several trace heights, each proven in its own process (a clean heap; its peak resident set from
// process.resourceUsage). Writes bench/results/memory.json with the measurements and the least-squares line
// bytes = base + perCell·cells, which runtime/vm/costs.ts's PROVER_BASE_BYTES and PROVER_BYTES_PER_CELL round up.
//   node --import tsx bench/memory.ts [--quick]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute } from '../runtime/vm/executor.ts';
import { executionCosts, machine, proveExecution, vmTraces } from '../runtime/vm/machine.ts';
import { countingLoop } from '../test/fixtures/sample-programs.ts';
import { machineInfo } from './machine.ts';

const here = fileURLToPath(import.meta.url);

if (process.argv[2] === '--one') {
  // The child: prove one height, print one JSON line.
  const log = Number(process.argv[3]);
  const c = countingLoop(Math.floor((2 ** log - 3) / 3));
  const exec = execute(c.program, c.inputs);
  const m = machine(c.program);
  const traces = vmTraces(exec);
  const committedCells = executionCosts(m, exec, traces).reduce((s, t) => s + t.committedCells, 0);
  const t0 = performance.now();
  proveExecution(m, exec, { seed: 'bench', traces });
  const proveMs = Math.round(performance.now() - t0);
  console.log(JSON.stringify({ logCycles: log, committedCells, proveMs, peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
} else {
  const quick = process.argv.includes('--quick');
  const logs = quick ? [10, 12] : [12, 14, 16];
  const results = logs.map((log) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', here, '--one', String(log)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`2^${log}: ${r.stderr}`);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as { logCycles: number; committedCells: number; proveMs: number; peakRssBytes: number };
    console.log(`2^${log} cycles: ${line.committedCells.toLocaleString('en-US')} committed cells, peak ${(line.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${line.proveMs} ms`);
    return line;
  });
  const n = results.length;
  const mx = results.reduce((s, r) => s + r.committedCells, 0) / n;
  const my = results.reduce((s, r) => s + r.peakRssBytes, 0) / n;
  const perCell = results.reduce((s, r) => s + (r.committedCells - mx) * (r.peakRssBytes - my), 0) / results.reduce((s, r) => s + (r.committedCells - mx) ** 2, 0);
  const base = my - perCell * mx;
  const out = {
    bench: 'memory',
    date: new Date().toISOString(),
    quick,
    program: 'counting loop (test/fixtures/sample-programs.ts countingLoop), TypeScript prover',
    machine: machineInfo(),
    results,
    fit: { baseBytes: Math.round(base), bytesPerCommittedCell: Number(perCell.toFixed(1)) },
  };
  console.log(`fit: ${(base / 2 ** 20).toFixed(0)} MiB + ${perCell.toFixed(1)} bytes per committed cell`);
  const dir = join(dirname(here), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'memory.json'), `${JSON.stringify(out, null, 2)}\n`);
}
