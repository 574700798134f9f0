// Prepares the GPU run of issue #26 (gpu/run-on-gpu.sh, docs/gpu.md): writes the BF16 GEMM cases and the
// reference's expected outputs (test/gpu/gemm-cases.ts) to gpu/cuda-build/gemm-cases.bin, which the device run
// carries (the device machine may have no Node). Not part of `npm run bench`: the figures need a GPU.
//
//   node --import tsx bench/gpu.ts --cases [FILE]
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGemmCases } from '../test/gpu/gemm-cases.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
if (args[0] !== '--cases') {
  process.stderr.write('usage: node --import tsx bench/gpu.ts --cases [FILE]\n');
  process.exit(2);
}
const file = args[1] ?? join(here, '..', 'gpu', 'cuda-build', 'gemm-cases.bin');
mkdirSync(dirname(file), { recursive: true });
const elements = writeGemmCases(file);
process.stdout.write(`${file}: ${elements} GEMM outputs with the reference's expected bits\n`);
