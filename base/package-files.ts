/**
 * Where zpol's own data files are (stdlib/, policies/, conformance/, the native addon, package.json), whether
 * this code runs from the TypeScript sources or from the compiled JavaScript in dist/: the package root is the
 * nearest directory above this module that holds package.json. A path relative to the module itself would point
 * into dist/ in the build, where no data is copied.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`zpol: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The zpol package's root directory (the repository root in a checkout). */
export const PACKAGE_ROOT = findPackageRoot();

/** A path inside the zpol package: `packagePath('stdlib')`, `packagePath('policies', 'demo.zpol')`. */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}
