/**
 * The `.zpol` formatter: Prettier with the zpol plugin (./plugin.ts). `formatSource` is what `zpol fmt` and
 * editors call; Prettier itself can load the same plugin (./prettier-plugin-zpol.mjs).
 */
import { format } from 'prettier';
import plugin, { ZpolSyntaxError } from './plugin.ts';

export { ZpolSyntaxError };

/**
 * The canonical formatting of the `.zpol` source `text` (its file name `path` appears in errors). Rejects with a
 * ZpolSyntaxError, which holds the parser's diagnostics, when the text does not parse.
 */
export async function formatSource(text: string, path: string): Promise<string> {
  return format(text, { parser: 'zpol', plugins: [plugin], filepath: path });
}
