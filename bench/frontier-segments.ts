// Segments of a step shaped like the 70B FFN up-projection's, proven and verified one at a time: a one-clause
// policy `verify mm { dims: [64, 1024, 3584], tau: 1e-20, f: 1% }` samples 4,608 entries like
// test/fixtures/policies/ffn-70b.zpol and streams, for each, rows of K and N in the same ratio (128 and 448 words
// against the 70B's 1,024 and 3,584), so a segment holds the same mix of rows: MAC, Poseidon2 and CPU rows in the
// same proportions (a segment of the 70B step itself needs its 28,672 × 8,192 weights committed first, ~48 M
// Poseidon2 compressions in TypeScript). Each segment is proven in its own process (a clean heap: its peak resident
// set), CPU and wall time measured around the segment's witness and STARK proof, then verified against its
// statement. The whole 70B step's time is extrapolated from the measured seconds per committed cell. Merges
// `frontierSegments` into bench/results/segments.json.
//   node --import tsx bench/frontier-segments.ts [segmentLog = 16] [segments = 2]
//   node --import tsx bench/frontier-segments.ts --one LOG K > lines; … --lines lines SEGMENT_CYCLES   (by hand)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { num } from '../language/checker/values.ts';
import type { RunValue } from '../compiler/witness.ts';
import { ChainProver } from '../runtime/chain/prover.ts';
import { programCost } from '../runtime/vm/costs.ts';
import { isSegmented, proveSegments, segmentMachine, verifySegmentProofs } from '../runtime/vm/segments.ts';
import { seededStep } from '../test/fixtures/compute-step.ts';
import { machineInfo } from './machine.ts';

const here = fileURLToPath(import.meta.url);
const DIMS = [64, 1024, 3584] as const;

function compiled(dims: readonly number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-frontier-'));
  const path = join(dir, 'mm.zpol');
  writeFileSync(path, `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n tau: 1e-20\n f: 1%\n order: sequential\n rounding: bf16\n}\n`);
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error);
  return r;
}

if (process.argv[2] === '--one') {
  // The child: segment k of the step in segments of 2^log cycles, one JSON line.
  const [log, k] = [Number(process.argv[3]), Number(process.argv[4])];
  const policy = compiled(DIMS);
  const step = seededStep(DIMS);
  const prover = new ChainProver(policy, new Uint8Array(32).fill(3), new Map<string, RunValue>([['m', num(1n)]]), { segmentCycles: 2 ** log });
  const g = prover.genesisExecution();
  const t0 = performance.now();
  const { exec } = prover.stepExecution(1, g.state, step.record, step.tensors);
  const executeMs = Math.round(performance.now() - t0);
  if (!isSegmented(exec)) throw new Error('the step runs in one proof');
  const m = segmentMachine(policy.programs.step);
  const one = { ...exec, starts: exec.starts.slice(k, k + 1) };
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const proofs = proveSegments(m, one, { seed: `frontier ${k}` });
  const proveMs = Math.round(performance.now() - t1);
  const cpu = process.cpuUsage(cpu0);
  const verdict = verifySegmentProofs(m, exec.publicInputs, exec.publicOutputs, proofs);
  if (!verdict.ok) throw new Error(verdict.error);
  const cost = programCost(policy.programs.step, [], 2 ** log);
  console.log(
    JSON.stringify({
      segment: k,
      of: exec.starts.length,
      stepCycles: cost.cycles,
      executeWholeStepMs: executeMs,
      proveWallMs: proveMs,
      proveCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      verified: true,
      committedCellsEstimated: cost.segmentCommittedCells,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
} else {
  // `--lines FILE`: the children's JSON lines, run by hand (`--one log k`), instead of running them here.
  const fromFile = process.argv[2] === '--lines' ? readFileSync(process.argv[3]!, 'utf8').split('\n').filter((l) => l.startsWith('{')) : null;
  const log = fromFile ? Math.log2(Number(process.argv[4])) : Number(process.argv[2] ?? 16);
  const count = fromFile ? fromFile.length : Number(process.argv[3] ?? 2);
  const results = Array.from({ length: count }, (_, k) => {
    const child = (): string => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', here, '--one', String(log), String(k)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`segment ${k}: ${r.stderr}`);
      return r.stdout.trim().split('\n').pop()!;
    };
    const line = JSON.parse(fromFile ? fromFile[k]! : child()) as { proveWallMs: number; proveCpuMs: number; peakRssBytes: number; committedCellsEstimated: number; of: number };
    console.log(`segment ${(line as unknown as { segment: number }).segment} of ${line.of} (2^${log} cycles): ${line.proveWallMs} ms wall, ${line.proveCpuMs} ms CPU, peak ${(line.peakRssBytes / 2 ** 20).toFixed(0)} MiB, verified`);
    return line;
  });
  // The 70B step in segments of the same size: its committed cells, at the CPU seconds per committed cell measured.
  const ffn = compileFile(join(dirname(here), '..', 'test/fixtures/policies/ffn-70b.zpol'));
  if (!ffn.ok) throw new Error(ffn.error);
  const cost = programCost(ffn.programs.step, [], 2 ** log);
  const cpuPerCell = results.reduce((s, r) => s + r.proveCpuMs / 1000, 0) / results.reduce((s, r) => s + r.committedCellsEstimated, 0);
  const wallPerCell = results.reduce((s, r) => s + r.proveWallMs / 1000, 0) / results.reduce((s, r) => s + r.committedCellsEstimated, 0);
  const whole = cost.segments * cost.segmentCommittedCells;
  const frontierSegments = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    check: { dims: DIMS, tau: '1e-20', f: '1%', order: 'sequential', why: 'the 70B FFN up-projection samples (4,608) and row ratio (K : N = 1 : 3.5), so a segment holds the same mix of rows' },
    segmentCycles: 2 ** log,
    results,
    ffn70b: {
      policy: 'test/fixtures/policies/ffn-70b.zpol',
      cycles: cost.cycles,
      segments: cost.segments,
      committedCellsPerSegment: cost.segmentCommittedCells,
      extrapolatedCpuSeconds: Math.round(cpuPerCell * whole),
      extrapolatedWallSeconds: Math.round(wallPerCell * whole),
      figures: 'results measured (each segment proven and verified in its own process); ffn70b extrapolated from their seconds per estimated committed cell, not proven',
    },
  };
  console.log(`ffn-70b in ${cost.segments} segments of 2^${log}: ~${Math.round(frontierSegments.ffn70b.extrapolatedCpuSeconds / 3600)} CPU-h, ~${Math.round(frontierSegments.ffn70b.extrapolatedWallSeconds / 3600)} h wall at the rate measured here (extrapolated)`);
  const dir = join(dirname(here), 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'segments.json');
  const prior = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : { bench: 'segments' };
  writeFileSync(path, `${JSON.stringify({ ...prior, frontierSegments }, null, 2)}\n`);
}
