// Entry point for loading the zpol formatter into Prettier itself:
//   npx prettier --plugin ./language/format/prettier-plugin-zpol.mjs --check 'policies/**/*.zpol'
// or `"plugins": ["./language/format/prettier-plugin-zpol.mjs"]` in a Prettier config. zpol's sources are
// TypeScript run without a build step, so this registers tsx's loader (pinned to the package's tsconfig.json)
// before importing the plugin.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
const plugin = await import('./plugin.ts');

export const { languages, parsers, printers, defaultOptions } = plugin;
export default plugin.default;
