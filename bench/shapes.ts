// What checking the matrix products of Llama-class models costs, per product, per layer and per run, at the
// protocol's default assurance (tau 1e-20, f 1%): the samples and proof of work the compiler would choose, the
// multiply-accumulates, cycles and chip rows from compiler/check-cost.ts's model (exact for what the lowering emits,
// test/compiler/check-cost.test.ts), the committed cells from the machine's tables (runtime/vm/costs.ts
// tablesCost), the proving time at the TypeScript prover's measured throughput (ESTIMATED_CELLS_PER_SECOND) and its
// memory (estimatedProverBytes). None of these products fits one step proof (2^22 cycles): each figure is an
// extrapolation for a trace split into ⌈cycles / 2^22⌉ segments (continuations, not implemented yet), labelled so.
// Writes bench/results/shapes.json; docs/compute-checks.md's table is made from it.
//   node --import tsx bench/shapes.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/index.ts';
import { computeCheckCost, MAX_CYCLES } from '../compiler/check-cost.ts';
import { grindingFigures, requiredSamples, DEFAULT_GRINDING_BITS } from '../language/checker/verify-settings.ts';
import { columnStrata, stratifiedSamples } from '../runtime/run/sampling.ts';
import { ESTIMATED_CELLS_PER_SECOND, estimatedProverBytes, tablesCost } from '../runtime/vm/costs.ts';
import { machine, TABLE_NAMES } from '../runtime/vm/machine.ts';
import { pow2Table } from '../runtime/vm/chips/mac.ts';

const TOKENS = 4096; // M: one 4,096-token sequence per checked product
const TAU = { num: 1n, den: 10n ** 20n };
const F = { num: 1n, den: 100n };
/** Proven steps per run, and layers per proven step: the sampling the per-run figures assume. */
const RUN = { steps: 100_000, provenSteps: 100, layersPerProvenStep: 1 };

const MODELS = [
  { name: 'Llama 7B', layers: 32, d: 4096, kv: 4096, ff: 11008 },
  { name: 'Llama 70B', layers: 80, d: 8192, kv: 1024, ff: 28672 },
  { name: 'Llama 405B', layers: 126, d: 16384, kv: 1024, ff: 53248 },
];

// A machine with every table a compute check uses (the demo's step program has mac and tobf16).
const demo = compileFile('policies/demo.zpol');
if (!demo.ok) throw new Error('the demo policy does not compile');
const m = machine(demo.programs.step);

function product(name: string, dims: [number, number, number]) {
  const [M, , N] = dims;
  const samples = stratifiedSamples(requiredSamples(TAU, F), N);
  const { powBits, drawBits } = grindingFigures(samples, F, DEFAULT_GRINDING_BITS);
  const cost = computeCheckCost({ dims, samples, powBits });
  const segments = Math.ceil(cost.cycles / MAX_CYCLES);
  const S = columnStrata(N);
  const wideMul = samples * ((M > 1 ? 1 : 0) + (N / S > 1 ? 1 : 0));
  const hashes = cost.executed.hash ?? 0;
  // One segment's rows (the trace split evenly), in TABLE_NAMES order.
  const per = (x: number) => Math.ceil(x / segments);
  const rows: Partial<Record<(typeof TABLE_NAMES)[number], number>> = {
    'program-rom': cost.instructions,
    cpu: per(cost.cycles),
    memory: cost.instructions,
    'wide-add': per((cost.executed.wide ?? 0) - wideMul),
    'wide-mul': per(wideMul),
    poseidon2: per(hashes + cost.merkleLevels),
    merkle: per(cost.merkleLevels),
    'byte-range': 1 << 8,
    'bf16-mac': per(cost.macs),
    pow2: pow2Table.rows.length,
    'f32-to-bf16': per(samples),
  };
  const segment = tablesCost(m, TABLE_NAMES.map((t) => rows[t] ?? 0)); // no tensor-core tables: order sequential
  const committed = segment.committed * segments;
  return {
    product: name,
    dims,
    samples,
    drawBits,
    powBits,
    macs: cost.macs,
    instructions: cost.instructions,
    cycles: cost.cycles,
    segments,
    rowsPerSegment: rows,
    committedCells: committed,
    estimatedProveSeconds: Math.round(committed / ESTIMATED_CELLS_PER_SECOND),
    estimatedPeakBytesPerSegment: estimatedProverBytes(segment.committed),
    figures: segments > 1 ? 'extrapolated (needs continuations)' : 'estimated (fits one proof)',
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

const out = { bench: 'shapes', date: new Date().toISOString(), tau: '1e-20', f: '1%', grindingTarget: DEFAULT_GRINDING_BITS, cellsPerSecond: ESTIMATED_CELLS_PER_SECOND, maxCyclesPerProof: MAX_CYCLES, models };
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
