#!/usr/bin/env node
// The `zpol` executable. It runs the compiled JavaScript in dist/ (bin/build.js, run at install) when that build
// matches the TypeScript sources (bin/dist.js compares them), which starts in a fraction of a second. Otherwise
// (no build, or sources edited since) it runs the sources themselves through tsx's loader, pinned to this
// package's tsconfig.json: seconds slower to start, never out of date. ZPOL_REQUIRE_DIST=1 turns a missing or
// stale build into an error instead (CI sets it, so that the tests run the built CLI).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isFresh } from './dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

try {
  let entry = '../dist/cli/main.js';
  if (!isFresh(root, dist)) {
    if (process.env.ZPOL_REQUIRE_DIST === '1') throw new Error('dist/ is missing or older than the sources (npm run build rebuilds it)');
    if (existsSync(dist) && process.stderr.isTTY) {
      process.stderr.write('zpol: dist/ is older than the sources, running them through tsx (npm run build for a fast start)\n');
    }
    const { register } = await import('tsx/esm/api');
    register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
    entry = '../cli/main.ts';
  }
  const { main } = await import(entry);
  await main(process.argv.slice(2));
} catch (error) {
  // Reached only when the CLI itself fails to load; cli/main.ts reports everything after that.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`zpol: internal error: ${message} (please report this)\n`);
  process.exitCode = 3;
}
