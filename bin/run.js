#!/usr/bin/env node
// The `zpol` executable. zpol's sources are TypeScript and run as they are, with no build step: tsx's ESM
// loader is registered first (pinned to this package's tsconfig.json, whatever the working directory), then
// cli/main.ts loads oclif and runs the command.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

try {
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  const { main } = await import('../cli/main.ts');
  await main(process.argv.slice(2));
} catch (error) {
  // Reached only when the CLI itself fails to load; cli/main.ts reports everything after that.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`zpol: internal error: ${message} (please report this)\n`);
  process.exitCode = 3;
}
