// Whether dist/, the compiled JavaScript of zpol's TypeScript sources, was built from the sources as they are now.
// bin/build.js records every source it compiled (size, modification time, SHA-256) in dist/build-manifest.json;
// the build is fresh when every recorded source still has its recorded content: same size and either the same
// modification time (the fast path: a stat per file) or, when the time moved (a checkout, `touch`), the same
// SHA-256. A source that changed or disappeared makes the build stale, and bin/run.js then runs the sources
// through tsx rather than an out-of-date build. A new source file needs no entry: nothing uses it until some
// recorded source imports it, and that source has changed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const MANIFEST_FILE = 'build-manifest.json';

/** The files a build depends on: every .ts file under `dirs` (as tsc's `include` takes them) and the configs. */
export function buildInputs(root, dirs, configs) {
  const files = [...configs];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return files.map((f) => relative(root, join(root, f))).sort();
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The manifest entry of each of `files` (paths relative to `root`) as they are now. */
export function snapshot(root, files) {
  const sources = {};
  for (const file of files) {
    const path = join(root, file);
    const { size, mtimeMs } = statSync(path);
    sources[file] = { size, mtimeMs, sha256: sha256(path) };
  }
  return sources;
}

/** True when `distDir` holds a build whose manifest matches the sources under `root` as they are now. */
export function isFresh(root, distDir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(distDir, MANIFEST_FILE), 'utf8'));
  } catch {
    return false;
  }
  const sources = Object.entries(manifest?.sources ?? {});
  if (sources.length === 0) return false;
  for (const [file, recorded] of sources) {
    const path = join(root, file);
    if (!existsSync(path)) return false;
    const { size, mtimeMs } = statSync(path);
    if (size !== recorded.size) return false;
    if (mtimeMs !== recorded.mtimeMs && sha256(path) !== recorded.sha256) return false;
  }
  return true;
}
