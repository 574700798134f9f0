// Shared by the end-to-end tests: running the `zpol` executable as users run it (node bin/run.js), and other
// commands, as child processes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('..', import.meta.url));

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` in `cwd` (60 s at most unless told); throws if it could not be started. */
export function run(command: string, args: string[], cwd = root, timeoutMs = 60_000): RunResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `zpol args` in `cwd`, through bin/run.js: the build in dist/ when it matches the sources, else the
 * sources through tsx (bin/dist.js decides; a stale build is never run). CI sets ZPOL_REQUIRE_DIST=1, so there
 * every such test runs the build that `npm ci` made.
 */
export function zpol(args: string[], cwd = root, timeoutMs = 60_000): RunResult {
  return run(process.execPath, [join(root, 'bin/run.js'), ...args], cwd, timeoutMs);
}
