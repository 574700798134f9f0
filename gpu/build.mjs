// Builds the native CPU backend (gpu/native, a Node-API addon) with node-gyp when zpol is installed, then the CUDA
// library (gpu/build-cuda.mjs) when nvcc exists. Optional by design: if there is no C++ compiler, no node-gyp or no
// Node headers, it prints one line and zpol proves with the TypeScript backend, which gives the same bytes; without
// nvcc (or when nvcc fails) there is no CUDA backend, and the install still succeeds. ZPOL_NO_NATIVE=1 skips both
// builds, ZPOL_NO_CUDA=1 the CUDA one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildCuda } from './build-cuda.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const warn = (why) => {
  process.stderr.write(`zpol: the native CPU backend was not built (${why}); proving uses the TypeScript backend\n`);
  process.exit(0);
};

if (process.env.ZPOL_NO_NATIVE === '1') warn('ZPOL_NO_NATIVE=1');
const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
const gyp = candidates.find((p) => p && existsSync(p));
if (!gyp) warn('node-gyp not found');
// Prefer the headers of the Node that runs us (no download) when npm names none.
const args = [gyp, 'rebuild', '--loglevel=error'];
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
// The compiler's warnings run to megabytes: spawnSync's default 1 MiB buffer killed the build (ENOBUFS) on a fresh clone.
const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
if (r.status !== 0) {
  const last = r.error?.message ?? `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => l.trim()).pop() ?? `exit ${r.status}`;
  warn(last.slice(0, 200));
}
process.stdout.write('zpol: native CPU backend built (gpu/build/Release/zpol_native.node)\n');
const cuda = buildCuda();
if (cuda.ok) process.stdout.write(`zpol: CUDA library ${cuda.message}\n`);
else process.stderr.write(`zpol: the CUDA library was not built (${cuda.message}); --backend cuda is unavailable\n`);
