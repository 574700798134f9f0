// Builds zpol's CUDA library (gpu/cuda/*.cu over the shared headers of gpu/device) into gpu/cuda-build/zpol_cuda.so
// with nvcc, when nvcc exists: sm_80 and sm_90 code, the CUDA runtime linked statically (the library needs only the
// driver, and loads without one, reporting cudaErrorInsufficientDriver). Outside node-gyp's build folder, which
// `node-gyp rebuild` wipes, so that a rebuild is skipped while the sources and flags are unchanged (a SHA-256 of
// them beside the library): nvcc is slow on small machines. A copy is kept per hash in the user's cache
// ($ZPOL_CACHE_DIR, else $XDG_CACHE_HOME/zpol, else ~/.cache/zpol), so a fresh clone of unchanged sources (CI) copies
// the library instead of compiling it. Never throws: returns what happened in one line.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CUDA_DIR = join(here, 'cuda-build');
export const CUDA_LIBRARY = join(CUDA_DIR, 'zpol_cuda.so');
const STAMP = join(CUDA_DIR, 'zpol_cuda.sha256');

/** nvcc's flags, one a line in gpu/cuda/nvcc.flags (gpu/run-on-gpu.sh reads the same file). */
export const NVCC_FLAGS = readFileSync(join(here, 'cuda', 'nvcc.flags'), 'utf8').split('\n').filter((l) => l.trim() !== '');

/** nvcc on PATH, else in the usual CUDA prefixes; '' when there is none. */
export function findNvcc() {
  const onPath = spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).stdout?.trim();
  if (onPath) return onPath;
  return ['/usr/local/bin/nvcc', '/usr/local/cuda/bin/nvcc'].find((p) => existsSync(p)) ?? '';
}

/** The library's sources: the kernels and every header they may include. */
export function cudaSources() {
  const list = (dir, re) => readdirSync(join(here, dir)).filter((f) => re.test(f)).sort().map((f) => join(here, dir, f));
  return { kernels: list('cuda', /\.cu$/), all: [...list('cuda', /\.(cu|cuh|h)$/), ...list('device', /\.h$/)] };
}

function sourceHash(nvcc) {
  const h = createHash('sha256');
  h.update(JSON.stringify(NVCC_FLAGS));
  h.update(spawnSync(nvcc, ['--version'], { encoding: 'utf8' }).stdout ?? '');
  for (const f of cudaSources().all) h.update(f.slice(here.length)).update(readFileSync(f));
  return h.digest('hex');
}

/** Builds the library unless it is up to date. `{ ok, built, message }`; ok false when there is no nvcc or nvcc failed. */
export function buildCuda() {
  if (process.env.ZPOL_NO_CUDA === '1') return { ok: false, built: false, message: 'ZPOL_NO_CUDA=1' };
  const nvcc = findNvcc();
  if (!nvcc) return { ok: false, built: false, message: 'no nvcc' };
  const hash = sourceHash(nvcc);
  if (existsSync(CUDA_LIBRARY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash) {
    return { ok: true, built: false, message: `up to date (${CUDA_LIBRARY})` };
  }
  mkdirSync(CUDA_DIR, { recursive: true });
  const tmp = `${CUDA_LIBRARY}.${process.pid}.tmp`;
  const cacheDir = process.env.ZPOL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zpol');
  const cached = join(cacheDir, 'cuda', `${hash}.so`);
  if (existsSync(cached)) {
    copyFileSync(cached, tmp);
    renameSync(tmp, CUDA_LIBRARY);
    writeFileSync(STAMP, `${hash}\n`);
    return { ok: true, built: false, message: `copied from the cache (${cached})` };
  }
  const r = spawnSync(nvcc, [...NVCC_FLAGS, '-o', tmp, ...cudaSources().kernels], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) {
    const last = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => l.trim()).pop() ?? r.error?.message ?? `exit ${r.status}`;
    return { ok: false, built: false, message: `nvcc failed: ${last.slice(0, 200)}` };
  }
  try {
    mkdirSync(dirname(cached), { recursive: true });
    copyFileSync(tmp, `${cached}.${process.pid}.tmp`);
    renameSync(`${cached}.${process.pid}.tmp`, cached);
  } catch {
    // no cache where none can be written
  }
  renameSync(tmp, CUDA_LIBRARY);
  writeFileSync(STAMP, `${hash}\n`);
  return { ok: true, built: true, message: `built ${CUDA_LIBRARY}` };
}
