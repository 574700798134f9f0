/**
 * What every rule of the `.zpol` grammar stands on: the chevrotain parser with zpol's tokens and recovery
 * settings, the spans of nodes, contextual words, the unit gate, the nesting limit and the placeholders that
 * recovery returns. The rules themselves are in expressions.ts (types and expressions) and declarations.ts
 * (the file, its declarations and statements), each class extending the one below it.
 *
 * Two places need more than the token stream. A unit after a number (`1e25 FLOP`) or in a type (`int FLOP`)
 * must sit on the same line and must not be the start of the next field or statement (`x: int \n y: int`);
 * the gate `unitFollows` decides. Contextual words (`version`, `source`, `deprecated`, `reveal`) are names
 * recognised by their spelling.
 */
import { EmbeddedActionsParser, EOF, NoViableAltException, type IToken, type TokenType } from 'chevrotain';
import type * as A from '../ast.ts';
import type { DiagnosticSink } from '../diagnostics.ts';
import { ALL_TOKENS, Identifier, P, StringLit, decodeString } from '../lexer.ts';
import { CLOSERS, DECLARATION_STARTS, OPENERS, messages, unexpected } from './messages.ts';

export function tokenStart(t: IToken): A.Position {
  return { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 };
}

export function tokenEnd(t: IToken): A.Position {
  return { offset: (t.endOffset ?? t.startOffset) + 1, line: t.endLine ?? t.startLine ?? 1, column: (t.endColumn ?? t.startColumn ?? 0) + 1 };
}

export function isRealToken(t: IToken | undefined): t is IToken {
  return !!t && t.tokenType !== EOF && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

const NEXT_ITEM_TOKENS = new Set<TokenType>([P.colon, P.eq, P.plusEq, P.minusEq, StringLit]);

/**
 * How many grammar rules deep the parser may go. Each level of parentheses or brackets costs about a dozen rules
 * (`expr` down to `primary`), so this allows some 40 nested parentheses, hundreds of `not`s or nested blocks: far
 * beyond real policies, and far below where the JavaScript stack would overflow (1,200 rules or more, depending on the construct).
 */
export const MAX_RULE_DEPTH = 500;

export abstract class ParserBase extends EmbeddedActionsParser {
  /** Where diagnostics that the grammar itself finds (bad literals) go; reset per parse. */
  sink!: DiagnosticSink;
  protected eofPosition: A.Position = { offset: 0, line: 1, column: 1 };
  protected depthReported = false;

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: messages });
  }

  begin(tokens: IToken[], eof: A.Position, sink: DiagnosticSink): void {
    this.input = tokens;
    this.eofPosition = eof;
    this.sink = sink;
    this.depthReported = false;
  }

  // -------------------------------------------------------------------------------------------------------
  // Span helpers

  /** The position where the next node starts: the next real token, or the end of input. */
  protected here(): A.Position {
    const t = this.LA(1);
    return isRealToken(t) ? tokenStart(t) : this.eofPosition;
  }

  /** A span from `start` to the end of the last consumed token. */
  protected spanFrom(start: A.Position): A.Span {
    const last = this.LA(0);
    const end = isRealToken(last) && last.startOffset >= start.offset ? tokenEnd(last) : start;
    return { start, end };
  }

  protected tokenSpan(t: IToken): A.Span {
    if (isRealToken(t)) return { start: tokenStart(t), end: tokenEnd(t) };
    const p = this.here();
    return { start: p, end: p };
  }

  protected ident(t: IToken): A.Identifier {
    return { kind: 'Identifier', name: t.isInsertedInRecovery ? '' : t.image, span: this.tokenSpan(t) };
  }

  protected stringLit(t: IToken): A.StringLiteral {
    const raw = t.isInsertedInRecovery ? '""' : t.image;
    return { kind: 'StringLiteral', value: decodeString(raw), raw, span: this.tokenSpan(t) };
  }

  /** Whether the next token is the contextual word `word`. */
  protected isWord(word: string, k = 1): boolean {
    const t = this.LA(k);
    return t.tokenType === Identifier && t.image === word;
  }

  /**
   * Whether the next token is a unit that belongs to what was just read: a name on the same line as
   * `previous` that does not begin the next field (`name:`), nor, after a literal, an assignment (`name =`)
   * or an annotation (`source "…"`).
   */
  protected unitFollows(previous: IToken, context: 'literal' | 'type'): boolean {
    const next = this.LA(1);
    if (next.tokenType !== Identifier || next.startLine !== previous.endLine) return false;
    const after = this.LA(2).tokenType;
    return context === 'type' ? after !== P.colon : !NEXT_ITEM_TOKENS.has(after);
  }

  /**
   * Stops runaway nesting (`((((...`, `not not not ...`, arrays of arrays of ...) before it exhausts the
   * JavaScript stack: past MAX_RULE_DEPTH rules the parser reports a syntax error, skips the too-deep part (up to
   * the bracket that closes the one it is in, or the next declaration) and recovers as from any other error.
   * Called first thing in every rule that can recurse (`expr`, `not`, unary `-`, array types and blocks).
   * Uses two chevrotain internals, the rule stack depth and the token position, for want of a public API.
   */
  protected checkDepth(): void {
    type Internals = { RULE_STACK_IDX: number; SAVE_ERROR(e: Error): Error; exportLexerState(): number; importLexerState(i: number): void };
    const internals = this as unknown as Internals;
    if (this.RECORDING_PHASE || internals.RULE_STACK_IDX < MAX_RULE_DEPTH) return;
    const message = `${unexpected(this.LA(1))}: this is nested too deeply; split it up with constants, functions or 'let'`;
    const error = new NoViableAltException(message, this.LA(1), this.LA(0));
    // Skipping the whole region at once keeps recovery linear: resuming inside it would hit the limit again at
    // every remaining level, each time unwinding and re-synchronising the whole rule stack.
    let open = 0;
    for (let k = 1; ; k++) {
      const t = this.LA(k);
      if (t.tokenType === EOF) break;
      if (OPENERS.has(t.tokenType)) open++;
      else if (CLOSERS.has(t.tokenType) && --open < 0) break;
      else if (open === 0 && DECLARATION_STARTS.has(t.tokenType)) break;
      internals.importLexerState(internals.exportLexerState() + 1);
      k--;
    }
    // Once per file: every further level would say the same again.
    if (this.depthReported) throw error;
    this.depthReported = true;
    throw internals.SAVE_ERROR(error);
  }

  protected errorSpan(): A.Span {
    const p = this.here();
    return { start: p, end: p };
  }

  /*
   * Placeholders that rules return when error recovery abandons them (their `recoveryValueFunc`), so that the
   * AST never holds `undefined` where a node belongs. The syntax error itself has been reported.
   */
  protected errorExpr(): A.Expr {
    return { kind: 'ErrorExpr', span: this.errorSpan() };
  }

  protected errorNumber(): A.NumberLiteral {
    return { kind: 'NumberLiteral', text: '0', num: 0n, den: 1n, unit: null, span: this.errorSpan() };
  }

  protected missingIdent(): A.Identifier {
    return { kind: 'Identifier', name: '', span: this.errorSpan() };
  }
}
