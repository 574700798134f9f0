// The floating-point chips' proof figures, written to bench/results/fp.json with the machine, so figures are
// compared like for like: proveChip on the first N vectors of every op that has a chip (default 8,192; --quick:
// 1,024), and the BF16 MAC inside the zkVM: cells per MAC of `zpol conformance bf16_dot --prove` (the first 64 dot
// products; --quick: 8), every chip and lookup the MACs use counted (runtime/conformance/vm-dot-proof.ts); and the
// compact dot-product chip on the whole bf16_dot.tv (--quick: 64 dot products), every committed cell of the proof
// counted (runtime/conformance/dot-chip-proof.ts), proven with the native backend when it is built; and the
// tensor-core chip on the whole bf16_mma_dot.tv (--quick: 100 dot products) the same way
// (runtime/conformance/mma-chip-proof.ts).
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proveChip } from '../runtime/conformance/chip-proof.ts';
import { readConformanceText, type ConformanceOp } from '../runtime/conformance/vectors.ts';
import { proveDot } from '../runtime/conformance/vm-dot-proof.ts';
import { proveDotChip } from '../runtime/conformance/dot-chip-proof.ts';
import { proveMmaChip } from '../runtime/conformance/mma-chip-proof.ts';
import { selectBackend } from '../gpu/index.ts';
import { bf16Dot } from '../runtime/fp/bf16.ts';
import { analyze } from '../runtime/proof/air/air.ts';
import { bf16MacAir, MAC_WIDTH } from '../runtime/vm/chips/fp/bf16-mac.ts';
import { U16_BUS } from '../runtime/vm/chips/fp/u16-table.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const n = quick ? 1024 : 8192;
const first = (op: ConformanceOp) => readConformanceText(op).split('\n').slice(0, n).join('\n');
const report = proveChip('bf16_mac', first('bf16_mac'));
// The other chips, the same way: committed cells per operation (every table, zero knowledge) and the chip's row.
const chips: Record<string, unknown> = {};
let allOk = report.ok;
for (const op of ['f32_add', 'f32_mul', 'f32_mulAdd', 'f32_to_bf16', 'f32_eq', 'f32_lt', 'f32_le'] as const) {
  const r = proveChip(op, first(op));
  allOk &&= r.ok;
  chips[op] = { ops: r.operations, rows: r.rows, cellsPerOperation: r.cellsPerOperation, chipCellsPerRow: r.chipCellsPerRow, proveMs: r.proveMs, verifyMs: r.verifyMs, proofBytes: r.proofBytes, ok: r.ok };
  console.log(op, JSON.stringify(chips[op]));
}
const dot = proveDot(readConformanceText('bf16_dot'), { max: quick ? 8 : 64 });
allOk &&= dot.ok;
const backend = selectBackend('auto');
const dotChip = proveDotChip(readConformanceText('bf16_dot'), { backend, ...(quick ? { max: 64 } : {}) });
const mmaChip = proveMmaChip('bf16_mma_dot', readConformanceText('bf16_mma_dot'), { backend, ...(quick ? { max: 100 } : {}) });
allOk &&= dotChip.ok && mmaChip.ok;
// The reference's own throughput (no proof): sequential bf16 dot products of K = 4096, after a warm-up.
const referenceMacsPerSecond = (() => {
  const n = 4096;
  const a = Uint16Array.from({ length: n }, (_, i) => 0x3f80 + (i % 97));
  const b = Uint16Array.from({ length: n }, (_, i) => 0xbf00 + (i % 89));
  bf16Dot(a, b);
  const reps = quick ? 50 : 400;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) bf16Dot(a, b);
  return Math.round((reps * n) / ((performance.now() - t0) / 1000));
})();
const an = analyze(bf16MacAir);
const lookups = an.interactions.filter((i) => i.bus === U16_BUS).length;
const out = {
  bench: 'fp',
  date: new Date().toISOString(),
  quick,
  machine: { ...machineInfo(), device: 'CPU only (TypeScript prover; bf16_dot_chip: the backend it names)' },
  results: {
    referenceBf16DotMacsPerSecond: referenceMacsPerSecond,
    bf16_mac: {
      ops: report.operations,
      rows: report.rows,
      mainColumns: MAC_WIDTH,
      u16LookupsPerMac: lookups,
      pow2LookupsPerMac: an.interactions.length - lookups,
      cellsPerOperation: report.cellsPerOperation,
      chipCellsPerRow: report.chipCellsPerRow,
      proveMs: report.proveMs,
      verifyMs: report.verifyMs,
      proofBytes: report.proofBytes,
      conjecturedBits: report.conjecturedBits,
      ok: report.ok,
    },
    ...chips,
    bf16_dot_chip: {
      note: 'the compact dot-product chip (bf16-dot.ts): one row per MAC; cellsPerMac counts every committed cell of the proof (chip, six tables, padding, zero knowledge, quotient)',
      backend: backend.name,
      ...dotChip,
    },
    bf16_mma_dot: {
      note:
        'the tensor-core chip (bf16-mma.ts): Hopper BF16 mma16 operations chained into dot products, `groups` operations per row; cellsPerMac counts every committed cell of the proof (chip tables, seven lookup tables, padding, LogUp, zero knowledge, quotient) over the products; constraints and lookups per MAC are a row\'s over its products',
      backend: backend.name,
      ...mmaChip,
    },
    bf16_mac_in_vm: {
      note: 'cells per MAC of proving bf16_dot.tv dot products with the zkVM mac instruction: CPU and ROM rows, the MAC chip, pow2 and the shares of the range tables',
      dotProducts: dot.vectors,
      macs: dot.operations,
      cellsPerMac: dot.cellsPerMac,
      parts: dot.cellsPerMacParts,
      ioCellsPerMac: dot.ioCellsPerMac,
      proveMs: dot.proveMs,
      verifyMs: dot.verifyMs,
      proofBytes: dot.proofBytes,
      ok: dot.ok,
    },
  },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'fp-quick.json' : 'fp.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out.results, null, 2));
if (!allOk) process.exit(1);
