// The first segments of a step shaped like the 70B FFN up-projection's, proven and verified one at a time. A
// one-clause policy `verify mm { dims: [64, 1024, 3584], tau: 1e-20, f: 1%, grinding: 66 }` samples 4,608 entries
// like test/fixtures/policies/ffn-70b.zpol and streams, for each, rows of K and N in the same ratio (128 and 448
// words against the 70B's 1,024 and 3,584), so a segment holds the same mix of MAC, Poseidon2 and CPU rows (the 70B
// step itself needs its 28,672 × 8,192 weights committed first, ~29 M Poseidon2 compressions in TypeScript).
// Operands are cheap to build: a, bᵀ and c are zeros (c = a·b exactly: every fma of +0 is +0), committed as a run
// commits them. `grinding: 66` asks no proof of work of the draw (66.4 bits a draw already): the 70B fixture's 34
// bits are ~2^34 compressions to grind, a few cycles of the step's program but days of TypeScript.
// Each segment is proven in its own process (a clean heap: its peak resident set): the child executes the step only
// up to the end of its segment (execute with `stopAfter`, segment by segment, as executeRun does, never the whole
// 23 M-cycle step), proves that segment with the chain prover's segment machine, and verifies it against its
// statement (verifySegmentProofs; the links between segments need the whole step). CPU and wall time are measured
// around the segment's witness and STARK proof. The whole 70B step is extrapolated from the measured seconds per
// committed cell. Writes bench/results/frontier-segments.json.
//   node --import tsx bench/frontier-segments.ts [segmentLog = 16] [segments = 2] [backend = cpu | ts]
//   node --import tsx bench/frontier-segments.ts --summary   (the extrapolation again from the results file's segments)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { num } from '../language/checker/values.ts';
import type { RunValue } from '../compiler/witness.ts';
import { ChainProver } from '../runtime/chain/prover.ts';
import { execute, type MachineState } from '../runtime/vm/executor.ts';
import { programCost, segmentCyclesWithin } from '../runtime/vm/costs.ts';
import { proveSegments, verifySegmentProofs, type SegmentedExecution } from '../runtime/vm/segments.ts';
import { ZERO_WORD } from '../runtime/vm/word.ts';
import { cpuBackend } from '../gpu/index.ts';
import { computeStep } from '../test/fixtures/compute-step.ts';
import { machineInfo } from './machine.ts';

const here = fileURLToPath(import.meta.url);
const DIMS = [64, 1024, 3584] as const;

function compiled(dims: readonly number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-frontier-'));
  const path = join(dir, 'mm.zpol');
  writeFileSync(path, `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n tau: 1e-20\n f: 1%\n order: sequential\n rounding: bf16\n grinding: 66\n}\n`);
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error);
  return r;
}

const ms = (t0: number) => Math.round(performance.now() - t0);

if (process.argv[2] === '--one') {
  // The child: segment k of the step in segments of 2^log cycles, one JSON line.
  const [log, k, backendName] = [Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? 'cpu'];
  const backend = backendName === 'cpu' ? cpuBackend() : null;
  if (backendName === 'cpu' && !backend) throw new Error('the native CPU backend is not built (node gpu/build.mjs)');
  const segmentCycles = 2 ** log;
  const t0 = performance.now();
  const policy = compiled(DIMS);
  const [M, K, N] = DIMS;
  const step = computeStep(new Uint16Array(M * K), new Uint16Array(N * K), new Uint16Array(M * N), DIMS);
  const commitMs = ms(t0);
  const prover = new ChainProver(policy, new Uint8Array(32).fill(3), new Map<string, RunValue>([['m', num(1n)]]), { segmentCycles, ...(backend ? { backend } : {}) });
  const g = prover.genesisExecution();
  const t1 = performance.now();
  const inputs = prover.stepInputs(1, g.state, step.record, step.tensors);
  const run = { publicInputs: inputs.publicInputs, privateInputs: inputs.tape() };
  const tapeMs = ms(t1);
  // Segments 0..k executed, each from where the one before stopped; the rest of the step is not run.
  const t2 = performance.now();
  const program = policy.programs.step;
  let from: MachineState | undefined;
  let start: MachineState | undefined;
  for (let s = 0; s <= k; s++) {
    const seg = execute(program, { ...run, ...(from ? { from } : {}), stopAfter: segmentCycles });
    if (seg.segment!.halted) throw new Error(`the step halts in segment ${s}, before segment ${k}`);
    start = seg.segment!.start;
    from = seg.segment!.end;
  }
  const executeMs = ms(t2);
  const m = prover.segmentMachine('step');
  // Segment k alone; the outputs are not known before the step ends, and no segment before the last writes them
  // (their I/O flags are 0), so the statement's output words are zeros.
  const prefix: SegmentedExecution = { program, inputs: run, segmentCycles, starts: [start!], publicInputs: run.publicInputs, publicOutputs: Array.from({ length: program.publicOutputs }, () => ZERO_WORD), finalMemory: [] };
  const cpu0 = process.cpuUsage();
  const t3 = performance.now();
  const proofs = proveSegments(m, prefix, { seed: `frontier ${k}` });
  const proveWallMs = ms(t3);
  const cpu = process.cpuUsage(cpu0);
  if (proofs[0]!.io.some((i) => i >= program.publicInputs)) throw new Error(`segment ${k} writes a public output: its statement needs the step's outputs`);
  const t4 = performance.now();
  const verdict = verifySegmentProofs(m, prefix.publicInputs, prefix.publicOutputs, proofs);
  if (!verdict.ok) throw new Error(verdict.error);
  const verifyMs = ms(t4);
  const cost = programCost(program, [], segmentCycles);
  console.log(
    JSON.stringify({
      segment: k,
      of: cost.segments,
      stepCycles: cost.cycles,
      backend: backend ? 'cpu' : 'ts',
      setupMs: { commitZeroTensors: commitMs, openingsTape: tapeMs, executeSegments0toK: executeMs },
      proveWallMs,
      proveCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      verifyMs,
      verified: true,
      committedCellsEstimated: cost.segmentCommittedCells,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
} else {
  const dir = join(dirname(here), 'results');
  const file = join(dir, 'frontier-segments.json');
  const summary = process.argv[2] === '--summary' ? (JSON.parse(readFileSync(file, 'utf8')) as { segmentCycles: number; results: unknown[] }) : null;
  const log = summary ? Math.log2(summary.segmentCycles) : Number(process.argv[2] ?? 16);
  const count = summary ? summary.results.length : Number(process.argv[3] ?? 2);
  const backend = process.argv[4] ?? (cpuBackend() ? 'cpu' : 'ts');
  const results = Array.from({ length: count }, (_, k) => {
    if (summary) return summary.results[k] as { segment: number; of: number; proveWallMs: number; proveCpuMs: number; peakRssBytes: number; committedCellsEstimated: number };
    const r = spawnSync(process.execPath, ['--import', 'tsx', here, '--one', String(log), String(k), backend], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`segment ${k}: ${r.stderr}`);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as { segment: number; of: number; proveWallMs: number; proveCpuMs: number; peakRssBytes: number; committedCellsEstimated: number };
    console.log(`segment ${line.segment} of ${line.of} (2^${log} cycles): ${line.proveWallMs} ms wall, ${line.proveCpuMs} ms CPU, peak ${(line.peakRssBytes / 2 ** 20).toFixed(0)} MiB, verified`);
    return line;
  });
  // The stand-in's whole step in segments of the same size, and the 70B step in the segments `zpol prove` takes
  // with 16 GiB (2^16 would be more than the 1,024 segments a step may have): their committed cells, at the CPU
  // seconds per committed cell measured.
  const standIn = programCost(compiled(DIMS).programs.step, [], 2 ** log);
  const ffn = compileFile(join(dirname(here), '..', 'test/fixtures/policies/ffn-70b.zpol'));
  if (!ffn.ok) throw new Error(ffn.error);
  const ffnSegment = segmentCyclesWithin(ffn.programs.step, 16 * 2 ** 30) ?? 2 ** 19;
  const cost = programCost(ffn.programs.step, [], ffnSegment);
  const cells = results.reduce((s, r) => s + r.committedCellsEstimated, 0);
  const cpuPerCell = results.reduce((s, r) => s + r.proveCpuMs / 1000, 0) / cells;
  const wallPerCell = results.reduce((s, r) => s + r.proveWallMs / 1000, 0) / cells;
  const extrapolate = (c: { segments: number; segmentCommittedCells: number; cycles: number }) => ({
    cycles: c.cycles,
    segments: c.segments,
    committedCellsPerSegment: c.segmentCommittedCells,
    extrapolatedCpuSeconds: Math.round(cpuPerCell * c.segments * c.segmentCommittedCells),
    extrapolatedWallSeconds: Math.round(wallPerCell * c.segments * c.segmentCommittedCells),
  });
  const out = {
    bench: 'frontier-segments',
    date: new Date().toISOString(),
    machine: summary ? (summary as unknown as { machine: unknown }).machine : machineInfo(),
    check: {
      dims: DIMS,
      tau: '1e-20',
      f: '1%',
      order: 'sequential',
      grinding: 66,
      operands: 'zeros (c = a·b exactly)',
      why: 'the 70B FFN up-projection samples (4,608) and row ratio (K : N = 1 : 3.5), so a segment holds the same mix of rows; no proof-of-work nonce (the 70B fixture grinds 34 bits)',
    },
    segmentCycles: 2 ** log,
    results,
    standInStep: { ...extrapolate(standIn), figures: 'extrapolated from the measured segments' },
    ffn70b: { policy: 'test/fixtures/policies/ffn-70b.zpol', segmentCycles: ffnSegment, estimatedProverBytesPerSegment: cost.segmentProverBytes, ...extrapolate(cost), figures: 'extrapolated from the measured segments’ seconds per estimated committed cell, not proven' },
  };
  console.log(`ffn-70b in ${cost.segments} segments of 2^${Math.log2(ffnSegment)}: ~${Math.round(out.ffn70b.extrapolatedCpuSeconds / 3600)} CPU-h, ~${Math.round(out.ffn70b.extrapolatedWallSeconds / 3600)} h wall at the rate measured here (extrapolated)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...out, ...(summary ? { date: (summary as unknown as { date: string }).date, summarised: new Date().toISOString() } : {}) }, null, 2)}\n`);
}
