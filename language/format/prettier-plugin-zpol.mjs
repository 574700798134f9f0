// Entry point for loading the zpol formatter into Prettier itself:
//   npx prettier --plugin ./language/format/prettier-plugin-zpol.mjs --check 'policies/**/*.zpol'
// or `"plugins": ["./language/format/prettier-plugin-zpol.mjs"]` in a Prettier config. Like bin/run.js, it loads
// the compiled plugin from dist/ when that build matches the sources, else the TypeScript source through tsx's
// loader (pinned to the package's tsconfig.json).
import { fileURLToPath } from 'node:url';
import { isFresh } from '../../bin/dist.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let plugin;
if (isFresh(root, fileURLToPath(new URL('../../dist/', import.meta.url)))) {
  plugin = await import('../../dist/language/format/plugin.js');
} else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
  plugin = await import('./plugin.ts');
}

export const { languages, parsers, printers, defaultOptions } = plugin;
export default plugin.default;
