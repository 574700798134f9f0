/**
 * The `.zpol` formatter as a Prettier 3 plugin: a parser that wraps language/parser.ts and a printer that turns
 * the AST into Prettier docs (print.ts), placing comments as comments.ts decides. The canonical style is
 * described in docs/formatting.md.
 */
import type { AstPath, Parser, ParserOptions, Plugin, Printer, SupportLanguage } from 'prettier';
import type * as A from '../ast.ts';
import { childrenOf } from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { parse as parseZpol } from '../parser.ts';
import { handleComment, type PNode, type PrettierComment } from './comments.ts';
import { genericPrint, printComments, printCommentText, type Print } from './print.ts';
import { locEnd, locStart } from './source-text.ts';

const AST_FORMAT = 'zpol-ast';

/** Raised for a file with syntax errors: Prettier refuses to format it and passes this error through. */
export class ZpolSyntaxError extends SyntaxError {
  /** The parser's error diagnostics, in source order. */
  readonly diagnostics: Diagnostic[];
  /** For Prettier's code frame (1-based line and column). */
  readonly loc: { start: { line: number; column: number } };

  constructor(diagnostics: Diagnostic[]) {
    const first = diagnostics[0];
    const { line, column } = first.span.start;
    super(`${first.file}:${line}:${column}: ${first.severity} ${first.code}: ${first.message}`);
    this.name = 'ZpolSyntaxError';
    this.diagnostics = diagnostics;
    this.loc = { start: { line, column } };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parser

/** Every comment of a parsed file, by its root node (Prettier takes them off the root while attaching them). */
const allComments = new WeakMap<object, readonly PrettierComment[]>();

const parser: Parser<PNode> = {
  astFormat: AST_FORMAT,
  locStart,
  locEnd,
  parse(text, options) {
    const file = (options as ParserOptions & { filepath?: string }).filepath ?? '<input>';
    const { ast, diagnostics } = parseZpol(text, file);
    const errors = diagnostics.filter((d) => d.severity === 'error').sort((a, b) => a.span.start.offset - b.span.start.offset);
    if (errors.length > 0) throw new ZpolSyntaxError(errors);
    // Prettier reads comments off the root's `comments` and mutates them while attaching: give it copies.
    const comments: PrettierComment[] = ast.comments.map((c) => ({ ...c, value: c.text }));
    const root = { ...ast, comments } as PNode;
    allComments.set(root, comments);
    return root;
  },
};

// ---------------------------------------------------------------------------------------------------------
// Printer

/** Keys of a node whose values are child nodes (never `span`, bigints or strings). */
function getVisitorKeys(node: object, nonTraversableKeys: Set<string>): string[] {
  return Object.keys(node).filter((key) => {
    if (key === 'span' || nonTraversableKeys.has(key)) return false;
    const value = (node as Record<string, unknown>)[key];
    return typeof value === 'object' && value !== null;
  });
}

/**
 * For `prettier --debug-check`, which compares the ASTs of the input and of the output as JSON: spans go (the
 * layout changes them), bigints become strings, comments are compared by their text.
 */
function massageAstNode(original: Record<string, unknown>, cloned: Record<string, unknown>): void {
  for (const key of ['num', 'den']) if (typeof cloned[key] === 'bigint') cloned[key] = String(cloned[key]);
  if (original.kind === 'SourceFile' && Array.isArray(original.comments)) {
    cloned.comments = (original.comments as A.Comment[]).map(printCommentText);
  }
}
massageAstNode.ignoredProperties = new Set(['span']);

const printer: Printer<PNode> = {
  print: ((path: AstPath, options: ParserOptions, print: Print, args?: unknown) =>
    printComments(path, options, genericPrint(path, options, print, args))) as Printer<PNode>['print'],
  // printComments above prints leading and trailing comments (Prettier would otherwise do it for us).
  willPrintOwnComments: () => true,
  getVisitorKeys,
  massageAstNode,
  getCommentChildNodes: (node) => childrenOf(node as A.Node) as PNode[],
  canAttachComment: (node) => typeof (node as { kind?: unknown }).kind === 'string' && (node as { kind: string }).kind !== 'Comment',
  isBlockComment: () => false,
  printComment: (path) => printCommentText(path.node as unknown as A.Comment),
  handleComments: {
    ownLine: (comment, text, _options, ast) => handleComment(comment as PrettierComment, text, allComments.get(ast) ?? [], ast),
    endOfLine: (comment, text, _options, ast) => handleComment(comment as PrettierComment, text, allComments.get(ast) ?? [], ast),
    remaining: (comment, text, _options, ast) => handleComment(comment as PrettierComment, text, allComments.get(ast) ?? [], ast),
  },
};

export const languages: SupportLanguage[] = [
  {
    name: 'zpol',
    parsers: ['zpol'],
    extensions: ['.zpol'],
    vscodeLanguageIds: ['zpol'],
  },
];

export const parsers = { zpol: parser };
export const printers = { [AST_FORMAT]: printer };

/** The canonical style's defaults; a Prettier config file can still override them. */
export const defaultOptions = { printWidth: 100, tabWidth: 2, useTabs: false };

const plugin: Plugin<PNode> = { languages, parsers, printers, defaultOptions };
export default plugin;
