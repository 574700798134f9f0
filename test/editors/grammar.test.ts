/**
 * The VS Code extension's TextMate grammar (editors/vscode/syntaxes/zpol.tmLanguage.json), run by vscode-textmate
 * with the Oniguruma engine VS Code uses, against zpol's own lexer on every file of policies/ and stdlib/: every
 * comment, string, number and keyword the lexer reads is scoped as one over its whole extent, and no name is
 * scoped as a keyword, string, number or comment (but the words the parser reads as keywords in position).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';
import { zpolLexer } from '../../language/lexer.ts';
import { root } from '../helpers.ts';

const EXTENSION = join(root, 'editors/vscode');
const require = createRequire(import.meta.url);
/** Words the parser recognises as keywords only in position (language/lexer.ts): before a string, after a policy's name. */
const CONTEXTUAL = new Set(['source', 'deprecated', 'reveal', 'version']);

let grammar: IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => {
      if (scope !== 'source.zpol') return null;
      const path = join(EXTENSION, 'syntaxes/zpol.tmLanguage.json');
      return parseRawGrammar(readFileSync(path, 'utf8'), path);
    },
  });
  const loaded = await registry.loadGrammar('source.zpol');
  if (!loaded) throw new Error('the grammar did not load');
  grammar = loaded;
});

interface Scoped {
  start: number;
  end: number;
  scopes: string[];
}

/** The grammar's tokens of each line of `text`. */
function scopesOf(text: string): Scoped[][] {
  let state = INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, scopes: t.scopes }));
  });
}

/** What the grammar got wrong in `text`, one line per mistake (`file:line:col TOKEN 'text' scoped SCOPE`). */
function mismatches(path: string, text: string): string[] {
  const lines = scopesOf(text);
  const lexed = zpolLexer.tokenize(text);
  const out: string[] = [];
  for (const token of [...lexed.tokens, ...((lexed.groups.comments as typeof lexed.tokens | undefined) ?? [])]) {
    const name = token.tokenType.name;
    const line = token.startLine! - 1;
    const from = token.startColumn! - 1;
    const to = from + token.image.length;
    const covering = lines[line]!.filter((t) => t.end > from && t.start < to);
    const expected =
      name === 'LineComment' ? /^comment\.line/ : name === 'StringLit' || name === 'UnterminatedString' ? /^string\.quoted/ : name === 'NumberLit' ? /^constant\.numeric/ : name.startsWith('Kw_') ? /^(keyword|storage|constant\.language)\./ : null;
    for (const t of covering) {
      const inner = t.scopes[t.scopes.length - 1]!;
      const all = t.scopes.slice(1);
      const wrong =
        expected !== null
          ? !all.some((s) => expected.test(s))
          : name === 'Identifier'
            ? all.some((s) => /^(comment|string|constant\.numeric|constant\.language)/.test(s)) || (/^(keyword|storage)\./.test(inner) && !CONTEXTUAL.has(token.image))
            : all.some((s) => /^(comment|string|constant\.numeric)/.test(s));
      if (wrong) out.push(`${path}:${line + 1}:${from + 1} ${name} '${token.image}' scoped ${inner}`);
    }
  }
  return out;
}

const sources = ['policies', 'stdlib'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.zpol'))
    .map((f) => `${dir}/${f}`),
);

describe('the TextMate grammar', () => {
  it('is declared by the extension with its language configuration', () => {
    const pkg = JSON.parse(readFileSync(join(EXTENSION, 'package.json'), 'utf8'));
    expect(pkg.contributes.languages[0]).toMatchObject({ id: 'zpol', extensions: ['.zpol'] });
    expect(pkg.contributes.grammars[0]).toMatchObject({ language: 'zpol', scopeName: 'source.zpol' });
    const config = JSON.parse(readFileSync(join(EXTENSION, pkg.contributes.languages[0].configuration), 'utf8'));
    expect(config.comments.lineComment).toBe('//');
    expect(readFileSync(join(EXTENSION, pkg.main), 'utf8')).toContain("args: ['lsp', '--stdio']");
  });

  it.each(sources)('scopes %s as zpol lexes it', (path) => {
    expect(mismatches(path, readFileSync(join(root, path), 'utf8'))).toEqual([]);
  });

  it('scopes the hard cases: a keyword inside a string, a digit in a name, an unterminated string', () => {
    const text = 'policy p version 1 "a const in a string"\nconst X1 = 2.5e3 FLOP // 5 k\nconst S = "unterminated\nconst T = 30%\n';
    expect(mismatches('inline', text)).toEqual([]);
    const scopes = scopesOf(text);
    const scopeAt = (line: number, col: number) => scopes[line]!.find((t) => t.start <= col && col < t.end)!.scopes.at(-1)!;
    expect(scopeAt(0, 22)).toMatch(/^string\.quoted/); // `const` inside the string
    expect(scopeAt(1, 7)).toBe('variable.other.constant.zpol'); // X1, not a number
    expect(scopeAt(1, 12)).toBe('constant.numeric.zpol');
    expect(scopeAt(3, 0)).toBe('storage.type.const.zpol'); // the line after an unterminated string is code again
    expect(scopeAt(3, 11)).toBe('constant.numeric.zpol');
  });
});
