// What checking the matrix products of Llama-class models costs, per product, per layer and per run, at the
// protocol's default assurance (tau 1e-20, f 1%): each product is compiled as a one-clause policy in sequential
// order (the step program has 855 instructions whatever the shape, 847 where K = N: compiler/row-streams.ts), and its
// step program priced by runtime/vm/costs.ts programCost from the program alone: cycles, the segments it is proven
// in (continuations: the largest size up to 2^19 cycles whose segment fits 16 GiB, as `zpol prove` chooses), one segment's committed cells and prover memory, and the time of all the
// segments at the TypeScript prover's throughput (ESTIMATED_CELLS_PER_SECOND). A product above 1,024 segments is
// refused by the compiler (ZP7002): its cycles come from compiler/check-cost.ts's model, the rest is scaled from the
// per-cycle cost of the largest compiled product, labelled so. Every figure is an estimate, none a measurement.
// Writes bench/results/shapes.json; with --markdown it prints docs/compute-checks.md's two tables from it.
//   node --import tsx bench/shapes.ts [--markdown]
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { computeCheckCost, MAX_CYCLES, SEGMENT_CYCLES } from '../compiler/check-cost.ts';
import { grindingFigures, requiredSamples, DEFAULT_GRINDING_BITS } from '../language/checker/verify-settings.ts';
import { stratifiedSamples } from '../runtime/run/sampling.ts';
import { ESTIMATED_CELLS_PER_SECOND, programCost, segmentCyclesWithin } from '../runtime/vm/costs.ts';

const TOKENS = 4096; // M: one 4,096-token sequence per checked product
const TAU = { num: 1n, den: 10n ** 20n };
const F = { num: 1n, den: 100n };
/** Proven steps per run, and layers per proven step: the sampling the per-run figures assume. */
const RUN = { steps: 100_000, provenSteps: 100, layersPerProvenStep: 1 };
/** The prover's memory the segment size is chosen for, as `zpol prove` chooses it (segmentCyclesWithin). */
const MEMORY_BYTES = 16 * 2 ** 30;

const MODELS = [
  { name: 'Llama 7B', layers: 32, d: 4096, kv: 4096, ff: 11008 },
  { name: 'Llama 70B', layers: 80, d: 8192, kv: 1024, ff: 28672 },
  { name: 'Llama 405B', layers: 126, d: 16384, kv: 1024, ff: 53248 },
];

const dir = mkdtempSync(join(tmpdir(), 'zpol-bench-shapes-'));
/** One segment's committed cells a cycle and its memory, from the last product compiled (the refused ones are scaled from it). */
let perCycle: { cells: number; bytes: number } | null = null;

function product(name: string, dims: [number, number, number]) {
  const [, , N] = dims;
  const samples = stratifiedSamples(requiredSamples(TAU, F), N);
  const { powBits, drawBits } = grindingFigures(samples, F, DEFAULT_GRINDING_BITS);
  const model = computeCheckCost({ dims, samples, powBits });
  const path = join(dir, `p-${dims.join('x')}.zpol`);
  writeFileSync(path, `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n tau: 1e-20\n f: 1%\n order: sequential\n rounding: bf16\n}\n`);
  const t0 = performance.now();
  const r = compileFile(path);
  const compileSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  const base = { product: name, dims, samples, drawBits, powBits, macs: model.macs, checkInstructions: model.instructions, cycles: model.cycles };
  if (r.ok) {
    const segmentCycles = segmentCyclesWithin(r.programs.step, MEMORY_BYTES) ?? SEGMENT_CYCLES;
    const cost = programCost(r.programs.step, [], segmentCycles);
    const committed = cost.segments * cost.segmentCommittedCells;
    perCycle = { cells: cost.segmentCommittedCells / cost.segmentCycles, bytes: cost.segmentProverBytes };
    return {
      ...base,
      stepInstructions: cost.instructions,
      stepCycles: cost.cycles,
      compileSeconds,
      segments: cost.segments,
      segmentCycles,
      committedCellsPerSegment: cost.segmentCommittedCells,
      committedCells: committed,
      estimatedProveSeconds: Math.round(cost.estimatedProveSeconds),
      estimatedPeakBytesPerSegment: cost.segmentProverBytes,
      figures: 'estimated from the compiled step program (runtime/vm/costs.ts), proven in segments of the largest size up to 2^19 cycles that fits 16 GiB',
    };
  }
  if (!/ZP7002/.test(r.error ?? '') || !perCycle) throw new Error(r.error);
  const segments = Math.ceil(model.cycles / SEGMENT_CYCLES);
  const committed = Math.round(perCycle.cells * SEGMENT_CYCLES) * segments;
  return {
    ...base,
    segments,
    segmentCycles: SEGMENT_CYCLES,
    committedCellsPerSegment: Math.round(perCycle.cells * SEGMENT_CYCLES),
    committedCells: committed,
    estimatedProveSeconds: Math.round(committed / ESTIMATED_CELLS_PER_SECOND),
    estimatedPeakBytesPerSegment: perCycle.bytes,
    figures: `extrapolated: refused by the compiler (ZP7002, more than ${MAX_CYCLES / SEGMENT_CYCLES} segments); split across clauses or steps`,
  };
}

const models = MODELS.map((x) => {
  const products = [
    product('attention q, o', [TOKENS, x.d, x.d]),
    product('attention k, v', [TOKENS, x.d, x.kv]),
    product('FFN gate, up', [TOKENS, x.d, x.ff]),
    product('FFN down', [TOKENS, x.ff, x.d]),
  ];
  // A layer has q, k, v, o, gate, up and down: two of each product but FFN down.
  const perLayer = (key: 'macs' | 'cycles' | 'committedCells' | 'estimatedProveSeconds') => products.reduce((s, p, i) => s + (i === 3 ? 1 : 2) * p[key], 0);
  const layer = { macs: perLayer('macs'), cycles: perLayer('cycles'), committedCells: perLayer('committedCells'), estimatedProveSeconds: perLayer('estimatedProveSeconds') };
  const perRun = RUN.provenSteps * RUN.layersPerProvenStep;
  return {
    model: x.name,
    shape: { layers: x.layers, dModel: x.d, kvDim: x.kv, dFf: x.ff, tokens: TOKENS },
    products,
    layer,
    run: { ...RUN, estimatedProveSeconds: layer.estimatedProveSeconds * perRun, committedCells: layer.committedCells * perRun },
  };
});

const out = { bench: 'shapes', date: new Date().toISOString(), tau: '1e-20', f: '1%', grindingTarget: DEFAULT_GRINDING_BITS, cellsPerSecond: ESTIMATED_CELLS_PER_SECOND, segmentCycles: SEGMENT_CYCLES, maxCyclesPerStep: MAX_CYCLES, models };
const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'shapes.json'), `${JSON.stringify(out, null, 2)}\n`);
const n = (v: number) => v.toLocaleString('en-US');
for (const x of models) {
  console.log(`${x.model}:`);
  for (const p of x.products) {
    console.log(`  ${p.product.padEnd(15)} [${p.dims.join(', ')}] ${n(p.samples)} samples, ${n(p.macs)} MACs, ${n(p.cycles)} cycles = ${p.segments} segments, ${n(p.committedCells)} committed cells, ~${n(p.estimatedProveSeconds)} s, ~${(p.estimatedPeakBytesPerSegment / 2 ** 30).toFixed(0)} GiB a segment (${p.figures})`);
  }
  console.log(`  a layer: ${n(x.layer.macs)} MACs, ~${n(x.layer.estimatedProveSeconds)} s; a run (${RUN.provenSteps} proven steps × ${RUN.layersPerProvenStep} layer): ~${n(x.run.estimatedProveSeconds)} s`);
}

if (process.argv.includes('--markdown')) {
  const e = (v: number) => {
    const k = Math.floor(Math.log10(v));
    return k < 9 ? n(v) : `${Math.round(v / 10 ** 9)}·10^9`;
  };
  const hours = (sec: number) => `${n(Math.round(sec / 3600))} h`;
  const label = (p: { figures: string }) => (p.figures.startsWith('extrapolated') ? 'extrapolated (refused: ZP7002)' : 'estimated (compiled)');
  console.log('\n| model | product | dims [M, K, N] | MACs | cycles | segments (cycles each) | committed cells | memory a segment | CPU time | figures |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of models) {
    for (const p of x.products) {
      console.log(`| ${x.model} | ${p.product} | [${p.dims.join(', ')}] | ${n(p.macs)} | ${n(p.cycles)} | ${n(p.segments)} of 2^${Math.log2(p.segmentCycles)} | ${e(p.committedCells)} | ${(p.estimatedPeakBytesPerSegment / 2 ** 30).toFixed(1)} GiB | ${hours(p.estimatedProveSeconds)} | ${label(p)} |`);
    }
  }
  console.log('\n| model | layers | MACs checked a layer | CPU time a layer | CPU time a run (100 layer checks) | figures |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const x of models) {
    const run = x.run.estimatedProveSeconds;
    const refused = x.products.some((p) => p.figures.startsWith('extrapolated'));
    console.log(`| ${x.model} | ${x.shape.layers} | ${n(x.layer.macs)} | ${hours(x.layer.estimatedProveSeconds)} | ${hours(run)} (${(run / 3600 / 24 / 365).toFixed(1)} CPU-years) | ${refused ? 'estimated and extrapolated' : 'estimated'} |`);
  }
}
