/**
 * The `.zpol` parser: a chevrotain LL(k) grammar with embedded actions that builds the AST of ast.ts directly.
 * The grammar lives in parser/ (base.ts, expressions.ts, declarations.ts); this module runs it over a file.
 *
 * Error recovery is on, so one run reports every syntax error: chevrotain inserts or deletes a single token
 * where that repairs the input, and otherwise re-synchronises at the next token that can follow the failing
 * rule. Every node construction sits inside ACTION because chevrotain records the grammar once by running the
 * rules with placeholder values.
 */
import type { IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { DiagnosticSink } from './diagnostics.ts';
import { Kw, StringLit, UnterminatedString, zpolLexer } from './lexer.ts';
import { isRealToken, tokenEnd, tokenStart } from './parser/base.ts';
import { ZpolParser } from './parser/declarations.ts';
import { limitExpressionDepth } from './parser/depth-limit.ts';

export { MAX_RULE_DEPTH } from './parser/base.ts';
export { MAX_EXPR_DEPTH } from './parser/depth-limit.ts';

let sharedParser: ZpolParser | undefined;

/** The result of parsing one file: an AST (always, even with errors) and the syntax diagnostics. */
export interface ParseResult {
  ast: A.SourceFile;
  diagnostics: DiagnosticSink['diagnostics'];
}

/** Parses `text` as the `.zpol` file at `path`. Never throws on any input. */
export function parse(text: string, path: string): ParseResult {
  const sink = new DiagnosticSink(path);
  const lexed = zpolLexer.tokenize(text);
  for (const e of lexed.errors) {
    const start: A.Position = { offset: e.offset, line: e.line ?? 1, column: e.column ?? 1 };
    const end: A.Position = { ...start, offset: start.offset + e.length, column: start.column + e.length };
    const shown = text.slice(e.offset, e.offset + Math.min(e.length, 20));
    sink.report('ZP1001', { start, end }, `unexpected character${e.length > 1 ? 's' : ''} '${shown}'`);
  }
  for (const t of lexed.tokens) {
    if (t.tokenType !== UnterminatedString) continue;
    sink.report('ZP1002', { start: tokenStart(t), end: tokenEnd(t) }, 'this string is not closed before the end of the line');
    // Parse it as the string it was meant to be, wherever it stands (a description, a source, an import path).
    t.tokenType = StringLit;
    t.tokenTypeIdx = StringLit.tokenTypeIdx!;
  }
  const eof = endPosition(text);
  sharedParser ??= new ZpolParser();
  const parser = sharedParser;
  parser.begin(lexed.tokens, eof, sink);
  const ast = parser.sourceFile() ?? { kind: 'SourceFile', path, header: null, decls: [], comments: [], span: { start: eof, end: eof } };
  ast.path = path;
  ast.comments = (lexed.groups.comments ?? []).map((t: IToken) => ({
    kind: 'Comment' as const,
    text: t.image,
    span: { start: tokenStart(t), end: tokenEnd(t) },
  }));
  const seen = new Set<number>();
  for (const e of parser.errors) {
    const t = e.token;
    const span = isRealToken(t) ? { start: tokenStart(t), end: tokenEnd(t) } : { start: eof, end: eof };
    // Recovery can report several errors at one token; the first says it best.
    if (seen.has(span.start.offset)) continue;
    seen.add(span.start.offset);
    // `policy` or `module` where a declaration could start: a second header, or one after declarations.
    if ((t.tokenType === Kw.policy || t.tokenType === Kw.module) && (e.context?.ruleStack ?? []).length <= 1) {
      sink.report('ZP1005', span, `the file header ('${t.image} ...') must come first in the file, and only once`);
      continue;
    }
    sink.report('ZP1003', span, e.message);
  }
  limitExpressionDepth(ast, sink);
  const hasSyntaxErrors = sink.diagnostics.length > 0;
  if (!ast.header && !hasSyntaxErrors) {
    const first = ast.decls[0]?.span ?? { start: eof, end: eof };
    sink.report('ZP1005', { start: first.start, end: first.start }, "a .zpol file starts with 'policy NAME version N' or 'module NAME'");
  }
  return { ast, diagnostics: sink.diagnostics };
}

function endPosition(text: string): A.Position {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { offset: text.length, line, column: text.length - lastBreak };
}
