// STARK proving and verification at the default parameters (zero knowledge on, TypeScript backend), for a
// synthetic table of 2^12 to 2^18 rows and 16 to 256 columns. Run: npx tsx bench/stark.ts [--quick]
// (writes bench/results/stark.json).
//
// Committed cells count what the prover commits: main trace (2n rows × width with zero knowledge) and quotient
// chunks (2n rows × 4 × chunks); cells/s divides them by the proving time. `--max-cells N` skips configurations
// above N trace cells (the largest, 2^18 × 256, extends to about 4 GiB and takes minutes in TypeScript).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSystem, committedCells as committedCells_ } from '../runtime/proof/stark/system.ts';
import { prove } from '../runtime/proof/stark/prover.ts';
import { verify } from '../runtime/proof/stark/verifier.ts';
import { encodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { starkSecurity } from '../runtime/proof/stark/security.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, encodeFriPcsProof } from '../runtime/proof/pcs/index.ts';
import { wideAir, wideTrace } from '../test/fixtures/sample-airs.ts';

const quick = process.argv.includes('--quick');
const maxArg = process.argv.indexOf('--max-cells');
const MAX_CELLS = maxArg > 0 ? Number(process.argv[maxArg + 1]) : Infinity;
const logRowsList = quick ? [12, 14] : [12, 14, 16, 18];
const widths = quick ? [16, 64] : [16, 64, 256];
const pcs = new FriPcs(DEFAULT_PCS_PARAMS);
const results: object[] = [];
const skipped: string[] = [];

for (const logRows of logRowsList) {
  for (const width of widths) {
    if (2 ** logRows * width > MAX_CELLS) {
      skipped.push(`2^${logRows} x ${width}`);
      continue;
    }
    const system = buildSystem(`wide-${width}`, [{ air: wideAir(width) }], pcs, true);
    const { trace, publics } = wideTrace(logRows, width);
    const t0 = performance.now();
    const proof = prove(system, [trace], publics, { seed: 'bench' });
    const proveMs = performance.now() - t0;
    const bytes = encodeStarkProof(proof, encodeFriPcsProof);
    let verifyMs = Infinity;
    for (let r = 0; r < 3; r++) {
      const t1 = performance.now();
      if (!verify(system, publics, proof).ok) throw new Error('benchmark proof did not verify');
      verifyMs = Math.min(verifyMs, performance.now() - t1);
    }
    const committedCells = committedCells_(system, 0, logRows);
    const security = starkSecurity(system, [logRows]);
    const row = {
      rows: 2 ** logRows,
      columns: width,
      proveMs: Math.round(proveMs),
      verifyMs: Number(verifyMs.toFixed(1)),
      proofBytes: bytes.length,
      committedCells,
      committedCellsPerSecond: Math.round(committedCells / (proveMs / 1000)),
      traceCellsPerSecond: Math.round((2 ** logRows * width) / (proveMs / 1000)),
      conjecturedBits: security.conjecturedBits,
      provenBits: security.provenBits,
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
}

const report = {
  benchmark: 'stark',
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadavg: loadavg().map((x) => Number(x.toFixed(2))), node: process.version },
  backend: 'ts',
  params: DEFAULT_PCS_PARAMS,
  zk: true,
  air: 'wide-W: W columns, next = cur * right neighbour + c (degree 2)',
  skipped: skipped.map((s) => `${s}: above ${MAX_CELLS} trace cells for the TypeScript backend on this machine`),
  results,
};
const file = join(dirname(fileURLToPath(import.meta.url)), 'results', quick ? 'stark-quick.json' : 'stark.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${file}`);
