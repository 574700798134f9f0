/**
 * `zpol lsp --stdio`: the language server. It speaks the Language Server Protocol (vscode-languageserver) over
 * stdin and stdout and answers from the language service (language/service/) on a program checked from the
 * editor's unsaved text:
 *
 *   - diagnostics as you type: the checker's, then the lint rules' (docs/lint.md) once a file has no errors;
 *   - hover, go to definition, references (across the open files, the workspace's `.zpol` files and into the
 *     standard library), completion, document symbols;
 *   - formatting with the formatter of `zpol fmt`;
 *   - a code lens over each clause with what it costs to prove (its share of each proof, as `zpol info` counts
 *     it), and the same figure in the clause's hover.
 *
 * The server lives in cli/ because the costs need the compiler (test/architecture/layers.ts).
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLens,
  CompletionItemKind,
  DiagnosticSeverity,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type Connection,
  type DocumentSymbol,
  type InitializeParams,
  type Location,
  type Range,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type * as A from '../../language/ast.ts';
import type { Diagnostic } from '../../language/diagnostics.ts';
import { lintProgram } from '../../language/lint/run.ts';
import { displayPath, expandPaths, loadProgram, type CheckedFile, type Program } from '../../language/program.ts';
import { completionsAt, definitionOf, FileIndex, hoverAt, outlineOf, referencesTo, targetAt, type CompletionKind, type OutlineKind } from '../../language/service/index.ts';
import { describeShares, policyCosts, type PolicyCosts } from './costs.ts';

/** How long after the last keystroke a document is checked again, in milliseconds. */
const CHECK_DELAY_MS = 150;

export interface ServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** Starts a server on the streams; it runs until the client sends `exit` (or the input closes). */
export function startServer(options: ServerOptions): Connection {
  const connection = createConnection(options.input, options.output);
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace(documents);
  const pending = new Map<string, NodeJS.Timeout>();

  connection.onInitialize((params: InitializeParams) => {
    workspace.roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
    if (workspace.roots.length === 0 && params.rootUri) workspace.roots = [fileURLToPath(params.rootUri)];
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: ['.', '{', ' ', ':'] },
        documentFormattingProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'zpol' },
    };
  });

  const publish = (uri: string) => {
    pending.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: workspace.diagnostics(uri).map(toLspDiagnostic) });
  };
  // A change can break (or mend) the files that import the changed one: every open document is checked again.
  documents.onDidChangeContent(() => {
    workspace.invalidate();
    for (const doc of documents.all()) {
      clearTimeout(pending.get(doc.uri));
      pending.set(doc.uri, setTimeout(() => publish(doc.uri), CHECK_DELAY_MS));
    }
  });
  documents.onDidClose(({ document }) => {
    workspace.invalidate();
    clearTimeout(pending.get(document.uri));
    pending.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onHover(({ textDocument, position }) => {
    const at = workspace.at(textDocument.uri, position);
    if (!at) return null;
    const hover = hoverAt(at.program, at.file, at.offset);
    if (!hover) return null;
    let markdown = hover.markdown;
    if (hover.target?.kind === 'clause' && hover.target.file === at.file.path) {
      const cost = workspace.clauseCost(textDocument.uri, hover.target.decl);
      if (cost) markdown += `\n\nProving cost: ${cost}`;
    }
    return { contents: { kind: 'markdown', value: markdown }, range: toRange(hover.span) };
  });

  connection.onDefinition(({ textDocument, position }) => {
    const at = workspace.at(textDocument.uri, position);
    const found = at && targetAt(new FileIndex(at.file), at.offset);
    const place = found && definitionOf(found.target);
    return place ? { uri: uriOf(place.file), range: toRange(place.span) } : null;
  });

  connection.onReferences(({ textDocument, position, context }) => {
    const at = workspace.at(textDocument.uri, position, true);
    const found = at && targetAt(new FileIndex(at.file), at.offset);
    if (!at || !found) return [];
    return referencesTo(at.program, found.target, context.includeDeclaration).map((p): Location => ({ uri: uriOf(p.file), range: toRange(p.span) }));
  });

  connection.onCompletion(({ textDocument, position }) => {
    const at = workspace.at(textDocument.uri, position);
    if (!at) return [];
    return completionsAt(at.program, at.file, at.offset).map((c) => ({
      label: c.label,
      kind: COMPLETION_KINDS[c.kind],
      detail: c.detail,
      documentation: c.documentation ? { kind: 'markdown' as const, value: c.documentation } : undefined,
    }));
  });

  connection.onDocumentFormatting(async ({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const { formatSource, ZpolSyntaxError } = await import('../../language/format/index.ts');
    const text = doc.getText();
    let formatted: string;
    try {
      formatted = await formatSource(text, pathOf(textDocument.uri));
    } catch (error) {
      if (error instanceof ZpolSyntaxError) return []; // the diagnostics already say why
      throw error;
    }
    if (formatted === text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: formatted }];
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const file = workspace.checked(textDocument.uri)?.file;
    return file ? outlineOf(file.ast, file.text).map(toSymbol) : [];
  });

  connection.onCodeLens(({ textDocument }) => {
    const checked = workspace.checked(textDocument.uri);
    if (!checked) return [];
    const lenses: CodeLens[] = [];
    for (const d of checked.file.ast.decls) {
      if (d.kind !== 'ClauseDecl' && d.kind !== 'VerifyDecl') continue;
      const cost = workspace.clauseCost(textDocument.uri, d);
      if (cost) lenses.push({ range: toRange(d.name.span), command: { title: cost, command: '' } });
    }
    return lenses;
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** The open documents, and the programs checked from them (rebuilt after every change). */
class Workspace {
  roots: string[] = [];
  private programs = new Map<string, { program: Program; file: CheckedFile }>();
  private wide?: Program;
  private costs = new Map<string, { version: number; costs: PolicyCosts | { error: string } }>();

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  invalidate(): void {
    this.programs.clear();
    this.wide = undefined;
  }

  /** The unsaved text of every open document, by the path the program loads it under. */
  private overrides(): Map<string, string> {
    return new Map(this.documents.all().map((d) => [displayPath(pathOf(d.uri)), d.getText()]));
  }

  /** The program of one open document (it and what it imports). */
  checked(uri: string): { program: Program; file: CheckedFile } | undefined {
    const known = this.programs.get(uri);
    if (known) return known;
    if (!this.documents.get(uri)) return undefined;
    const path = displayPath(pathOf(uri));
    const program = loadProgram([path], undefined, this.overrides());
    const file = program.files.get(path);
    if (!file) return undefined;
    this.programs.set(uri, { program, file });
    return { program, file };
  }

  /** A program over every open document and every `.zpol` file of the workspace folders, for references. */
  private whole(): Program {
    if (!this.wide) {
      const overrides = this.overrides();
      const onDisk = expandPaths(this.roots).files;
      this.wide = loadProgram([...new Set([...onDisk, ...overrides.keys()])], undefined, overrides);
    }
    return this.wide;
  }

  /** The program, file and offset under a cursor; `wide` for a program over the whole workspace. */
  at(uri: string, position: { line: number; character: number }, wide = false): { program: Program; file: CheckedFile; offset: number } | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const program = wide ? this.whole() : this.checked(uri)?.program;
    const file = program?.files.get(displayPath(pathOf(uri)));
    return program && file ? { program, file, offset: doc.offsetAt(position) } : undefined;
  }

  /** The document's checker and lint diagnostics. */
  diagnostics(uri: string): Diagnostic[] {
    const checked = this.checked(uri);
    if (!checked) return [];
    const own = (ds: readonly Diagnostic[]) => ds.filter((d) => d.file === checked.file.path);
    if (own(checked.program.diagnostics).some((d) => d.severity === 'error')) return own(checked.program.diagnostics);
    try {
      return own(lintProgram(checked.program).diagnostics);
    } catch {
      return own(checked.program.diagnostics); // a bad zpol.lint.json: `zpol lint` reports it
    }
  }

  /** `step: 3 cycles, 490 cells` for a clause of a policy without errors; undefined otherwise. */
  clauseCost(uri: string, decl: A.ClauseDecl | A.VerifyDecl): string | undefined {
    const doc = this.documents.get(uri);
    const checked = this.checked(uri);
    if (!doc || !checked || checked.file.ast.header?.kind !== 'PolicyHeader') return undefined;
    if (checked.program.diagnostics.some((d) => d.severity === 'error')) return undefined;
    let entry = this.costs.get(uri);
    if (entry?.version !== doc.version) {
      entry = { version: doc.version, costs: policyCosts(checked.program, checked.file) };
      this.costs.set(uri, entry);
    }
    if ('error' in entry.costs) return undefined;
    const kind = decl.kind === 'VerifyDecl' ? 'verify' : decl.clause;
    const shares = entry.costs.clauses.get(`${kind} ${decl.name.name}`);
    return shares && shares.length > 0 ? describeShares(shares) : undefined;
  }
}

function pathOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

function uriOf(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

function toRange(span: A.Span): Range {
  return { start: { line: span.start.line - 1, character: span.start.column - 1 }, end: { line: span.end.line - 1, character: span.end.column - 1 } };
}

function toLspDiagnostic(d: Diagnostic) {
  return {
    range: toRange(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'zpol',
    message: d.message,
  };
}

const COMPLETION_KINDS: Record<CompletionKind, CompletionItemKind> = {
  field: CompletionItemKind.Field,
  member: CompletionItemKind.EnumMember,
  enum: CompletionItemKind.Enum,
  constant: CompletionItemKind.Constant,
  function: CompletionItemKind.Function,
  unit: CompletionItemKind.Unit,
  keyword: CompletionItemKind.Keyword,
  module: CompletionItemKind.Module,
  variable: CompletionItemKind.Variable,
  type: CompletionItemKind.TypeParameter,
};

const SYMBOL_KINDS: Record<OutlineKind, SymbolKind> = {
  module: SymbolKind.Module,
  constant: SymbolKind.Constant,
  function: SymbolKind.Function,
  enum: SymbolKind.Enum,
  member: SymbolKind.EnumMember,
  unit: SymbolKind.Class,
  record: SymbolKind.Struct,
  field: SymbolKind.Field,
  clause: SymbolKind.Property,
  event: SymbolKind.Event,
};

function toSymbol(item: ReturnType<typeof outlineOf>[number]): DocumentSymbol {
  return {
    name: item.name,
    kind: SYMBOL_KINDS[item.kind],
    detail: item.detail,
    range: toRange(item.span),
    selectionRange: toRange(item.nameSpan),
    children: item.children.map(toSymbol),
  };
}
