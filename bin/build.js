#!/usr/bin/env node
// Compiles zpol's TypeScript sources to JavaScript in dist/, so that the CLI starts without transpiling them
// (bin/run.js). npm runs it as the `prepare` step of `npm install` and `npm ci`; `npm run build` runs it by hand.
// It uses the TypeScript that package-lock.json pins, with tsconfig.build.json: `.ts` import specifiers are
// rewritten to `.js`, and types are not checked (`npm run typecheck` does that), so a build fails only where the
// sources could not run at all. The output is written to a new directory and swapped in whole, so no one runs a
// half-written dist/; dist/build-manifest.json records the sources it was built from (bin/dist.js).
// Without TypeScript (an install that omits dev dependencies) it says so and exits 0: bin/run.js then runs the
// sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInputs, MANIFEST_FILE, snapshot } from './dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();

let typescript;
try {
  typescript = createRequire(import.meta.url).resolve('typescript/package.json');
} catch {
  process.stderr.write('zpol: TypeScript is not installed, dist/ not built; the CLI runs the sources through tsx\n');
  process.exit(0);
}
const tsc = join(dirname(typescript), 'bin', 'tsc');
const version = JSON.parse(readFileSync(typescript, 'utf8')).version;

const CONFIG = 'tsconfig.build.json';
const { include } = JSON.parse(readFileSync(join(root, CONFIG), 'utf8'));
// Snapshot before compiling: a source edited during the build then no longer matches, and the build is stale.
const sources = snapshot(root, buildInputs(root, include, ['tsconfig.json', CONFIG]));

const next = join(root, `.dist-new-${process.pid}`);
const old = join(root, `.dist-old-${process.pid}`);
const r = spawnSync(process.execPath, [tsc, '-p', CONFIG, '--outDir', next], { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`${r.stdout}${r.stderr}zpol: tsc ${version} failed (exit ${r.status ?? r.signal}); dist/ not updated\n`);
  process.exit(1);
}
writeFileSync(join(next, MANIFEST_FILE), `${JSON.stringify({ typescript: version, sources }, null, 1)}\n`);

const dist = join(root, 'dist');
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`zpol: compiled ${Object.keys(sources).length - 2} sources to dist/ with TypeScript ${version} in ${seconds} s\n`);
