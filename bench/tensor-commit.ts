// Tensor commitments (runtime/run/tensor-commit.ts) with the TypeScript row hashes and the native kernel
// (gpu/native/tensor-commit.cc, eight rows in vector lanes on every core), at the 70B FFN check's operand shapes
// (test/fixtures/policies/ffn-70b.zpol: a [4096, 8192], bᵀ [28672, 8192], c [4096, 28672]). The native kernel
// commits each operand whole; the TypeScript reference commits its first --ts-rows rows (default 256, of the same
// width) and its figure for the whole operand is extrapolated per row (labelled so): a row's hashes do not depend
// on the others, and the tree above the leaves is a small share (one compression a row against 128 to 3,584). The
// roots of the rows both commit must agree. CPU time from process.cpuUsage (every thread). Writes
// bench/results/tensor-commit.json (--quick: [512, 8192] and [256, 28672] only, tensor-commit-quick.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuBackend, nativeLoadError } from '../gpu/index.ts';
import { commitMatrix } from '../runtime/run/tensor-commit.ts';
import { machineInfo } from './machine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const tsRows = Number(args.find((a) => a.startsWith('--ts-rows='))?.slice(10) ?? 256);
const cpu = cpuBackend();
if (!cpu?.tensorRowDigests) throw new Error(`the native kernel is not built (${nativeLoadError() ?? 'an older addon: node gpu/build.mjs'})`);

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
function timed<T>(f: () => T): { value: T; cpuSeconds: number; wallSeconds: number } {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const value = f();
  return { value, cpuSeconds: Number((cpuSeconds() - c0).toFixed(3)), wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(3)) };
}

// Values that are not all equal (a row of zeros hashes as fast as any other, but equal rows would hide a lane mix-up).
function operand(rows: number, cols: number): Uint16Array {
  const v = new Uint16Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = (Math.imul(i, 2654435761) >>> 16) & 0x7f7f;
  return v;
}

const shapes: { name: string; rows: number; cols: number }[] = quick
  ? [{ name: 'a slice', rows: 512, cols: 8192 }, { name: 'c slice', rows: 256, cols: 28672 }]
  : [{ name: 'a', rows: 4096, cols: 8192 }, { name: 'bᵀ', rows: 28672, cols: 8192 }, { name: 'c', rows: 4096, cols: 28672 }];

const rows = shapes.map(({ name, rows: R, cols: C }) => {
  const values = operand(R, C);
  const native = timed(() => commitMatrix(values, R, C, cpu.tensorRowDigests!));
  const part = Math.min(tsRows, R);
  const ts = timed(() => commitMatrix(values.subarray(0, part * C), part, C));
  const nativePart = commitMatrix(values.subarray(0, part * C), part, C, cpu.tensorRowDigests!);
  if (nativePart.root.join() !== ts.value.root.join()) throw new Error(`${name}: the native and TypeScript roots of the first ${part} rows differ`);
  const tsWhole = (ts.cpuSeconds * R) / part;
  const row = {
    operand: name,
    shape: [R, C],
    values: R * C,
    native: { cpuSeconds: native.cpuSeconds, wallSeconds: native.wallSeconds, mValuesPerCpuSecond: Number((R * C / native.cpuSeconds / 1e6).toFixed(1)) },
    ts: { rows: part, cpuSeconds: ts.cpuSeconds, wholeCpuSeconds: Number(tsWhole.toFixed(1)), whole: part === R ? 'measured' : `extrapolated from ${part} rows` },
    ratio: Number((tsWhole / native.cpuSeconds).toFixed(1)),
  };
  console.log(JSON.stringify(row));
  return row;
});
const total = (f: (r: (typeof rows)[number]) => number) => Number(rows.reduce((s, r) => s + f(r), 0).toFixed(1));
const result = {
  bench: 'tensor-commit',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  rows,
  total: { nativeCpuSeconds: total((r) => r.native.cpuSeconds), tsCpuSeconds: total((r) => r.ts.wholeCpuSeconds), tsWhole: rows.every((r) => r.ts.whole === 'measured') ? 'measured' : 'extrapolated per row' },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', quick ? 'tensor-commit-quick.json' : 'tensor-commit.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result.total));
