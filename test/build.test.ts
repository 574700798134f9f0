// The compiled CLI: bin/dist.js decides whether dist/ matches the sources, and bin/run.js runs dist/ only then,
// else the sources through tsx. Tested on a small package in a temporary directory (a source, a build of it and
// bin/ itself), so the checkout's own dist/ is neither needed nor touched.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildInputs, isFresh, MANIFEST_FILE, snapshot } from '../bin/dist.js';
import { PACKAGE_ROOT, packagePath } from '../base/package-files.ts';
import { root } from './helpers.ts';

let pkg: string;
const dist = () => join(pkg, 'dist');
const SOURCE = 'cli/main.ts';
const write = (file: string, text: string) => {
  mkdirSync(join(pkg, file, '..'), { recursive: true });
  writeFileSync(join(pkg, file), text);
};
/** Builds the temporary package: dist/ is "compiled" by hand, its manifest the one bin/build.js would write. */
function build() {
  write('dist/cli/main.js', "export async function main(argv) { process.stdout.write(`dist ${argv.join(' ')}\\n`); }\n");
  const sources = snapshot(pkg, buildInputs(pkg, ['cli'], ['tsconfig.json']));
  writeFileSync(join(dist(), MANIFEST_FILE), JSON.stringify({ sources }));
}
const runCli = (env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(pkg, 'bin/run.js'), 'a', 'b'], { encoding: 'utf8', env: { ...process.env, ZPOL_REQUIRE_DIST: '', ...env } });

beforeEach(() => {
  pkg = mkdtempSync(join(tmpdir(), 'zpol-build-'));
  cpSync(join(root, 'bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(join(root, 'tsconfig.json'), join(pkg, 'tsconfig.json'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  write('package.json', '{ "type": "module" }\n');
  write(SOURCE, "export async function main(argv: string[]): Promise<void> { process.stdout.write(`sources ${argv.join(' ')}\\n`); }\n");
  build();
});
afterEach(() => rmSync(pkg, { recursive: true, force: true }));

describe('a build is fresh', () => {
  it('while every source it recorded is unchanged, even with a new modification time', () => {
    expect(isFresh(pkg, dist())).toBe(true);
    utimesSync(join(pkg, SOURCE), new Date(), new Date(Date.now() + 60_000));
    expect(isFresh(pkg, dist())).toBe(true);
  });

  it('and stale when a source changed (same size or not), disappeared, or the manifest is missing', () => {
    write(SOURCE, "export async function main(argv: string[]): Promise<void> { process.stdout.write(`SOURCES ${argv.join(' ')}\\n`); }\n");
    expect(isFresh(pkg, dist())).toBe(false);
    write(SOURCE, '// shorter\n');
    expect(isFresh(pkg, dist())).toBe(false);
    rmSync(join(pkg, SOURCE));
    expect(isFresh(pkg, dist())).toBe(false);
    rmSync(join(dist(), MANIFEST_FILE));
    expect(isFresh(pkg, dist())).toBe(false);
  });

  it('records the .ts files under the included directories and the configs', () => {
    write('cli/commands/x.ts', '');
    write('cli/readme.md', '');
    expect(buildInputs(pkg, ['cli'], ['tsconfig.json'])).toEqual(['cli/commands/x.ts', 'cli/main.ts', 'tsconfig.json']);
  });
});

describe('bin/run.js', () => {
  it('runs dist/ when it is fresh', () => {
    const r = runCli();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('dist a b\n');
  });

  it('runs the sources through tsx when dist/ is stale or missing', () => {
    write(SOURCE, "export async function main(argv: string[]): Promise<void> { process.stdout.write(`edited ${argv.join(' ')}\\n`); }\n");
    expect(runCli().stdout).toBe('edited a b\n');
    rmSync(dist(), { recursive: true });
    expect(runCli().stdout).toBe('edited a b\n');
  });

  it('with ZPOL_REQUIRE_DIST=1 refuses a stale build instead', () => {
    write(SOURCE, '// edited\n');
    const r = runCli({ ZPOL_REQUIRE_DIST: '1' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/dist\/ is missing or older than the sources/);
  });
});

describe('packagePath', () => {
  it('finds the package root from the sources (and, by the same search, from dist/)', () => {
    expect(PACKAGE_ROOT).toBe(join(root, '.').replace(/\/$/, ''));
    expect(packagePath('stdlib', 'flops.zpol')).toBe(join(root, 'stdlib', 'flops.zpol'));
  });
});
