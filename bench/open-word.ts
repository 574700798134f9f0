// A compute check's openings of c's words (runtime/run/tensor-commit.ts openWord, through sampling.ts openSample):
// each opening hands out the chunk digests of its row, which cost one Poseidon2 compression per word of the row
// when computed afresh (3,584 at the 70B fixture's d_ff = 28,672 columns). Commits a [ROWS, 28672] c (ROWS = 64 by
// default: --rows N) and opens 4,608 words (test/fixtures/policies/ffn-70b.zpol's samples) at rows and words drawn
// from a fixed seed, reporting CPU time of the commitment and of the openings, and a digest of every opening (the
// bytes must not change). Writes bench/results/open-word.json (--out FILE for another name).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitMatrix, openWord } from '../runtime/run/tensor-commit.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg('--rows') ?? 64);
const COLS = 28672;
const SAMPLES = 4608;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let seed = 0x12345678;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
const values = new Uint16Array(ROWS * COLS);
for (let k = 0; k < values.length; k++) values[k] = next() & 0x7f7f;

let t = cpuSeconds();
const c = commitMatrix(values, ROWS, COLS);
const commitCpuSeconds = cpuSeconds() - t;

const hash = createHash('sha256');
t = cpuSeconds();
for (let s = 0; s < SAMPLES; s++) {
  const o = openWord(c, next() % ROWS, next() % (COLS / 8));
  hash.update(JSON.stringify(o));
}
const openCpuSeconds = cpuSeconds() - t;

const row = {
  shape: [ROWS, COLS],
  samples: SAMPLES,
  commitCpuSeconds: Number(commitCpuSeconds.toFixed(2)),
  openCpuSeconds: Number(openCpuSeconds.toFixed(3)),
  openCpuMsEach: Number(((openCpuSeconds / SAMPLES) * 1000).toFixed(3)),
  heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  openingsSha256: hash.digest('hex'),
};
console.log(JSON.stringify(row));
const out = arg('--out') ?? join(here, 'results/open-word.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ machine: machineInfo(), ...row }, null, 2) + '\n');
