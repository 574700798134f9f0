/**
 * `zpol lsp --stdio`, driven as an editor drives it: the real executable is started, and requests and
 * notifications go over its stdin and stdout as JSON-RPC messages.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver/node';
import { root, zpol } from '../helpers.ts';

interface LspDiagnostic {
  range: { start: { line: number; character: number } };
  severity: number;
  code: string;
  message: string;
}

const uri = (path: string) => pathToFileURL(path).href;
const DEMO = join(root, 'policies/demo.zpol');
const demoText = readFileSync(DEMO, 'utf8');

/** The 0-based position of the `n`th occurrence of `needle` in `text`, `shift` characters into it. */
function positionOf(text: string, needle: string, shift = 0, n = 1): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i < n; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`'${needle}' not found`);
  const offset = at + shift;
  const before = text.slice(0, offset);
  return { line: before.split('\n').length - 1, character: offset - before.lastIndexOf('\n') - 1 };
}

let server: ChildProcessWithoutNullStreams;
let rpc: MessageConnection;
let workspace: string;
const published = new Map<string, { version?: number; diagnostics: LspDiagnostic[] }[]>();
let stderr = '';

/** The next diagnostics published for `target` after `count` earlier ones. */
async function diagnosticsFor(target: string, count: number): Promise<LspDiagnostic[]> {
  for (let waited = 0; waited < 30_000; waited += 20) {
    const list = published.get(target) ?? [];
    if (list.length > count) return list[count]!.diagnostics;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no diagnostics for ${target}; server stderr: ${stderr}`);
}

const open = (path: string, text: string, version = 1) =>
  rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(path), languageId: 'zpol', version, text } });

/** The first diagnostics published for `target` after `count` earlier ones that satisfy `want`. */
async function publishedAfter(target: string, count: number, want: (ds: LspDiagnostic[]) => boolean): Promise<LspDiagnostic[]> {
  for (let waited = 0; waited < 30_000; waited += 20) {
    const found = (published.get(target) ?? []).slice(count).find((p) => want(p.diagnostics));
    if (found) return found.diagnostics;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no such diagnostics for ${target}; server stderr: ${stderr}`);
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'zpol-lsp-'));
  writeFileSync(join(workspace, 'limits.zpol'), 'module limits "Shared limits"\n\nconst CAP = 1e20 FLOP\n');
  for (const name of ['a', 'b']) {
    writeFileSync(
      join(workspace, `${name}.zpol`),
      `policy ${name} version 1 "Uses the shared cap"\n\nuse "./limits.zpol".{CAP}\n\nstate {\n  total: int FLOP = 0 FLOP\n}\n\ninvariant capped "At most CAP": total <= CAP\n`,
    );
  }
  server = spawn(process.execPath, [join(root, 'bin/run.js'), 'lsp', '--stdio'], { cwd: root });
  server.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  rpc = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: LspDiagnostic[] }) => {
    published.set(p.uri, [...(published.get(p.uri) ?? []), p]);
  });
  rpc.listen();
  const init = (await rpc.sendRequest('initialize', { processId: process.pid, rootUri: uri(workspace), capabilities: {}, workspaceFolders: [{ uri: uri(workspace), name: 'ws' }] })) as {
    capabilities: Record<string, unknown>;
  };
  expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true, referencesProvider: true, documentFormattingProvider: true });
  await rpc.sendNotification('initialized', {});
  await open(DEMO, demoText);
}, 60_000);

afterAll(async () => {
  if (rpc) {
    await rpc.sendRequest('shutdown').catch(() => undefined);
    await rpc.sendNotification('exit').catch(() => undefined);
  }
  if (server && server.exitCode === null) await new Promise((r) => server.once('exit', r));
  rpc?.dispose();
  rmSync(workspace, { recursive: true, force: true });
});


describe('zpol lsp --stdio', () => {
  it('publishes diagnostics as the text changes, without a save', async () => {
    const path = join(root, 'policies/unsaved-example.zpol'); // never written to disk
    const broken = demoText.replace('total_flops <= FLOP_CAP', 'total_flops <= FLOP_CAPP');
    await open(path, broken);
    const first = await diagnosticsFor(uri(path), 0);
    const unknown = first.find((d) => d.code === 'ZP2001');
    expect(unknown?.message).toContain('FLOP_CAPP');
    expect(unknown?.range.start).toEqual(positionOf(broken, 'FLOP_CAPP'));
    expect(unknown?.severity).toBe(1);

    await rpc.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(path), version: 2 },
      contentChanges: [{ range: { start: positionOf(broken, 'FLOP_CAPP', 8), end: positionOf(broken, 'FLOP_CAPP', 9) }, text: '' }],
    });
    const second = await diagnosticsFor(uri(path), 1);
    expect(second.filter((d) => d.severity === 1)).toEqual([]);
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(path) } });
  }, 30_000);

  it('hovers a standard-library name with its value and origin, and a clause with its proving cost', async () => {
    const fn = (await rpc.sendRequest('textDocument/hover', { textDocument: { uri: uri(DEMO) }, position: positionOf(demoText, 'dense_training_flops(spec', 3) })) as {
      contents: { value: string };
    };
    expect(fn.contents.value).toContain('fn dense_training_flops');
    expect(fn.contents.value).toMatch(/standard library: `std\.flops`/);

    const cap = (await rpc.sendRequest('textDocument/hover', { textDocument: { uri: uri(DEMO) }, position: positionOf(demoText, 'FLOP_CAP', 2, 2) })) as { contents: { value: string } };
    expect(cap.contents.value).toContain('Value: `1e12 FLOP`');

    const clause = (await rpc.sendRequest('textDocument/hover', { textDocument: { uri: uri(DEMO) }, position: positionOf(demoText, 'under_flop_cap', 1) })) as {
      contents: { value: string };
    };
    expect(clause.contents.value).toContain('An invariant');
    expect(clause.contents.value).toMatch(/Proving cost: step: \d+ cycles, [\d,]+ cells/);
  }, 30_000);

  it('shows a code lens with the cost of each clause, as zpol info counts it', async () => {
    const lenses = (await rpc.sendRequest('textDocument/codeLens', { textDocument: { uri: uri(DEMO) } })) as { range: { start: { line: number } }; command: { title: string } }[];
    const clauses = [...demoText.matchAll(/^(?:attest|invariant|output|verify) (\w+)/gm)];
    expect(lenses.length).toBe(clauses.length);
    const info = zpol(['info', 'policies/demo.zpol', '--format', 'json']);
    expect(info.status).toBe(0);
    const report = JSON.parse(info.stdout) as Record<string, { clauses?: { kind: string; name: string; cycles: number; cells: number }[] }>;
    for (const [, kind, name] of demoText.matchAll(/^(attest|invariant|output|verify) (\w+)/gm)) {
      const expected = (['genesis', 'step', 'attestation'] as const)
        .flatMap((proof) => (report[proof]!.clauses ?? []).filter((c) => c.kind === kind && c.name === name).map((c) => `${proof}: ${c.cycles} cycles, ${c.cells.toLocaleString('en-US')} cells`))
        .join('; ');
      const lens = lenses.find((l) => l.range.start.line === positionOf(demoText, `${kind} ${name}`).line);
      expect(lens?.command.title, `${kind} ${name}`).toBe(expected);
    }
  }, 60_000);

  it('goes to a definition in the standard library', async () => {
    const def = (await rpc.sendRequest('textDocument/definition', { textDocument: { uri: uri(DEMO) }, position: positionOf(demoText, 'share_within(by', 2) })) as {
      uri: string;
      range: { start: { line: number } };
    };
    expect(def.uri).toBe(uri(join(root, 'stdlib/data.zpol')));
    const stdText = readFileSync(join(root, 'stdlib/data.zpol'), 'utf8');
    expect(def.range.start.line).toBe(positionOf(stdText, 'fn share_within').line);
  });

  it('finds references across the files of the workspace', async () => {
    const a = join(workspace, 'a.zpol');
    const aText = readFileSync(a, 'utf8');
    await open(a, aText);
    const refs = (await rpc.sendRequest('textDocument/references', {
      textDocument: { uri: uri(a) },
      position: positionOf(aText, 'CAP\n', 1),
      context: { includeDeclaration: true },
    })) as { uri: string }[];
    const files = refs.map((r) => r.uri.replace(/^.*\//, '')).sort();
    // The declaration, and in each policy the import and the use.
    expect(files).toEqual(['a.zpol', 'a.zpol', 'b.zpol', 'b.zpol', 'limits.zpol']);
  });

  it('checks the files that import a module again when the module changes', async () => {
    const a = join(workspace, 'a.zpol');
    const limits = join(workspace, 'limits.zpol');
    const limitsText = readFileSync(limits, 'utf8');
    await open(a, readFileSync(a, 'utf8'));
    await open(limits, limitsText);
    const seen = (published.get(uri(a)) ?? []).length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(limits), version: 2 }, contentChanges: [{ text: limitsText.replace('CAP', 'LIMIT') }] });
    // The publication that opening limits.zpol set off may come first: wait for the one after the change.
    const broken = await publishedAfter(uri(a), seen, (ds) => ds.some((d) => d.code === 'ZP6002'));
    expect(broken.find((d) => d.code === 'ZP6002')?.message).toContain('CAP');
    const count = (published.get(uri(a)) ?? []).length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(limits), version: 3 }, contentChanges: [{ text: limitsText }] });
    expect((await publishedAfter(uri(a), count, () => true)).filter((d) => d.severity === 1)).toEqual([]);
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(limits) } });
  });

  it('completes record fields, enum members and units', async () => {
    const path = join(root, 'policies/completion-example.zpol');
    const text = demoText.replace('attest is_mlp', 'attest probe "p": spec.\nattest is_mlp');
    await open(path, text);
    const labels = async (needle: string, shift: number) =>
      ((await rpc.sendRequest('textDocument/completion', { textDocument: { uri: uri(path) }, position: positionOf(text, needle, shift) })) as { label: string }[]).map((c) => c.label);
    expect(await labels('spec.\n', 5)).toEqual(expect.arrayContaining(['arch', 'params', 'd_in', 'batch_rows']));
    expect(await labels('ArchClass.mlp', 10)).toEqual(expect.arrayContaining(['mlp', 'dense_transformer']));
    expect(await labels('1e12 FLOP', 5)).toEqual(expect.arrayContaining(['FLOP', 'token', 'param']));
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(path) } });
  });

  it('formats a document as zpol fmt does, and leaves one with syntax errors alone', async () => {
    const path = join(root, 'policies/format-example.zpol');
    const messy = demoText.replace('const D_IN = 4', 'const   D_IN =    4').replace('total_tokens += step.tokens', 'total_tokens+=step.tokens');
    await open(path, messy);
    const edits = (await rpc.sendRequest('textDocument/formatting', { textDocument: { uri: uri(path) }, options: { tabSize: 2, insertSpaces: true } })) as { newText: string }[];
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(demoText);

    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(path), version: 2 }, contentChanges: [{ text: `${messy}\nconst = \n` }] });
    const none = await rpc.sendRequest('textDocument/formatting', { textDocument: { uri: uri(path) }, options: { tabSize: 2, insertSpaces: true } });
    expect(none).toEqual([]);
  });
});
