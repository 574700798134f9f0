// The floating-point chips' proof figures: proveChip on the first N vectors of bf16_mac (default 8,192; --quick:
// 1,024), written to bench/results/fp.json with the machine, so figures are compared like for like.
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proveChip } from '../runtime/vm/fp/chips/conformance-proof.ts';
import { readConformanceText } from '../runtime/vm/fp/conformance.ts';
import { analyze } from '../runtime/proof/air/air.ts';
import { bf16MacAir, MAC_WIDTH } from '../runtime/vm/fp/chips/bf16-mac.ts';
import { U16_BUS } from '../runtime/vm/fp/chips/u16-table.ts';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const n = quick ? 1024 : 8192;
const text = readConformanceText('bf16_mac').split('\n').slice(0, n).join('\n');
const report = proveChip('bf16_mac', text);
const an = analyze(bf16MacAir);
const lookups = an.interactions.filter((i) => i.bus === U16_BUS).length;
const out = {
  bench: 'fp',
  date: new Date().toISOString(),
  quick,
  machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), loadavg: loadavg().map((x) => Number(x.toFixed(2))), device: 'CPU only (TypeScript prover)' },
  results: {
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
  },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'fp.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out.results, null, 2));
if (!report.ok) process.exit(1);
