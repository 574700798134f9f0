/**
 * The `.zpol` parser: a chevrotain LL(k) grammar with embedded actions that builds the AST of ast.ts directly.
 *
 * Error recovery is on, so one run reports every syntax error: chevrotain inserts or deletes a single token
 * where that repairs the input, and otherwise re-synchronises at the next token that can follow the failing
 * rule. Every node construction sits inside ACTION because chevrotain records the grammar once by running the
 * rules with placeholder values.
 *
 * Two places need more than the token stream. A unit after a number (`1e25 FLOP`) or in a type (`int FLOP`)
 * must sit on the same line and must not be the start of the next field or statement (`x: int \n y: int`);
 * the gate `unitFollows` decides. Contextual words (`version`, `source`, `deprecated`, `reveal`) are names
 * recognised by their spelling.
 */
import { EmbeddedActionsParser, EOF, NoViableAltException, type IToken, type TokenType, type IParserErrorMessageProvider } from 'chevrotain';
import type * as A from './ast.ts';
import { DiagnosticSink } from './diagnostics.ts';
import {
  ALL_TOKENS,
  Identifier,
  Kw,
  NumberLit,
  P,
  StringLit,
  UnterminatedString,
  decodeNumber,
  decodeString,
  zpolLexer,
} from './lexer.ts';

function tokenStart(t: IToken): A.Position {
  return { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 };
}

function tokenEnd(t: IToken): A.Position {
  return { offset: (t.endOffset ?? t.startOffset) + 1, line: t.endLine ?? t.startLine ?? 1, column: (t.endColumn ?? t.startColumn ?? 0) + 1 };
}

function isRealToken(t: IToken | undefined): t is IToken {
  return !!t && t.tokenType !== EOF && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

const describeToken = (t: IToken): string => (t.tokenType === EOF ? 'the end of the file' : `'${t.image}'`);
/** `unexpected 'x'`, or `unexpected end of file`. */
const unexpected = (t: IToken): string => (t.tokenType === EOF ? 'unexpected end of file' : `unexpected '${t.image}'`);
const labelOf = (t: TokenType): string => (t === EOF ? 'the end of the file' : (t.LABEL ?? t.name));

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${labelOf(expected)} but found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `${unexpected(firstRedundant)}: expected a declaration`,
  buildNoViableAltMessage: ({ actual, ruleName }) => `${unexpected(actual[0])}: expected ${ruleDescription(ruleName)}`,
  buildEarlyExitMessage: ({ actual, ruleName }) => `${unexpected(actual[0])}: expected ${ruleDescription(ruleName)}`,
};

function ruleDescription(rule: string): string {
  const words: Record<string, string> = {
    decl: 'a declaration',
    primary: 'an expression',
    unary: 'an expression',
    notExpr: 'an expression',
    postfix: 'an expression',
    field: 'a field',
    typeNode: 'a type',
    stmt: 'a statement',
    header: 'the file header',
    useDecl: 'an import',
    recordDecl: 'a record block',
    clauseDecl: 'a clause',
    arrayLiteral: 'an array',
  };
  return words[rule] ?? rule.replace(/([A-Z])/g, ' $1').toLowerCase();
}

const NEXT_ITEM_TOKENS = new Set<TokenType>([P.colon, P.eq, P.plusEq, P.minusEq, StringLit]);
const OPENERS = new Set<TokenType>([P.lParen, P.lBracket, P.lBrace]);
const CLOSERS = new Set<TokenType>([P.rParen, P.rBracket, P.rBrace]);
/** Keywords that can only begin a declaration: where skipping after an error may stop. */
const DECLARATION_STARTS = new Set<TokenType>([Kw.policy, Kw.module, Kw.use, Kw.unit, Kw.const, Kw.enum, Kw.fn, Kw.state, Kw.on, Kw.attest, Kw.invariant, Kw.verify, Kw.output]);

/**
 * How many grammar rules deep the parser may go. Each level of parentheses or brackets costs about a dozen rules
 * (`expr` down to `primary`), so this allows some 40 nested parentheses, hundreds of `not`s or nested blocks: far
 * beyond real policies, and far below where the JavaScript stack would overflow (1,200 rules or more, depending on the construct).
 */
export const MAX_RULE_DEPTH = 500;

/** The deepest an expression tree may be (a chain `a + b + c + ...` of N terms is N deep); see limitExpressionDepth. */
export const MAX_EXPR_DEPTH = 256;

class ZpolParser extends EmbeddedActionsParser {
  /** Where diagnostics that the grammar itself finds (bad literals) go; reset per parse. */
  sink!: DiagnosticSink;
  private eofPosition: A.Position = { offset: 0, line: 1, column: 1 };
  private depthReported = false;

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: messages });
    this.performSelfAnalysis();
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
  private here(): A.Position {
    const t = this.LA(1);
    return isRealToken(t) ? tokenStart(t) : this.eofPosition;
  }

  /** A span from `start` to the end of the last consumed token. */
  private spanFrom(start: A.Position): A.Span {
    const last = this.LA(0);
    const end = isRealToken(last) && last.startOffset >= start.offset ? tokenEnd(last) : start;
    return { start, end };
  }

  private tokenSpan(t: IToken): A.Span {
    if (isRealToken(t)) return { start: tokenStart(t), end: tokenEnd(t) };
    const p = this.here();
    return { start: p, end: p };
  }

  private ident(t: IToken): A.Identifier {
    return { kind: 'Identifier', name: t.isInsertedInRecovery ? '' : t.image, span: this.tokenSpan(t) };
  }

  private stringLit(t: IToken): A.StringLiteral {
    const raw = t.isInsertedInRecovery ? '""' : t.image;
    return { kind: 'StringLiteral', value: decodeString(raw), raw, span: this.tokenSpan(t) };
  }

  /** Whether the next token is the contextual word `word`. */
  private isWord(word: string, k = 1): boolean {
    const t = this.LA(k);
    return t.tokenType === Identifier && t.image === word;
  }

  /**
   * Whether the next token is a unit that belongs to what was just read: a name on the same line as
   * `previous` that does not begin the next field (`name:`), nor, after a literal, an assignment (`name =`)
   * or an annotation (`source "…"`).
   */
  private unitFollows(previous: IToken, context: 'literal' | 'type'): boolean {
    const next = this.LA(1);
    if (next.tokenType !== Identifier || next.startLine !== previous.endLine) return false;
    const after = this.LA(2).tokenType;
    return context === 'type' ? after !== P.colon : !NEXT_ITEM_TOKENS.has(after);
  }

  // -------------------------------------------------------------------------------------------------------
  // File

  sourceFile = this.RULE('sourceFile', (): A.SourceFile => {
    const start = this.here();
    let header: A.PolicyHeader | A.ModuleHeader | null = null;
    const decls: A.Decl[] = [];
    this.OPTION(() => {
      header = this.SUBRULE(this.header) ?? null; // undefined when recovery abandoned the header
    });
    this.MANY(() => {
      const d = this.SUBRULE(this.decl);
      this.ACTION(() => d && decls.push(d));
    });
    return this.ACTION(() => ({ kind: 'SourceFile', path: '', header, decls, comments: [], span: { start, end: this.eofPosition } }));
  });

  header = this.RULE('header', (): A.PolicyHeader | A.ModuleHeader =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME(Kw.policy);
          const name = this.CONSUME(Identifier);
          const versionWord = this.CONSUME2(Identifier);
          const version = this.SUBRULE(this.numberLiteral);
          const description = this.OPTION(() => this.CONSUME(StringLit));
          return this.ACTION(() => {
            if (versionWord.image !== 'version' && !versionWord.isInsertedInRecovery) {
              this.sink.report('ZP1005', this.tokenSpan(versionWord), `expected 'version' after the policy name, found '${versionWord.image}'`);
            }
            return {
              kind: 'PolicyHeader' as const,
              name: this.ident(name),
              version,
              description: description ? this.stringLit(description) : null,
              span: this.spanFrom(start),
            };
          });
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME(Kw.module);
          const path = [this.CONSUME3(Identifier)];
          this.MANY(() => {
            this.CONSUME(P.dot);
            path.push(this.CONSUME4(Identifier));
          });
          const description = this.OPTION2(() => this.CONSUME2(StringLit));
          return this.ACTION(() => ({
            kind: 'ModuleHeader' as const,
            path: path.map((t) => this.ident(t)),
            description: description ? this.stringLit(description) : null,
            span: this.spanFrom(start),
          }));
        },
      },
    ]),
  );

  decl = this.RULE(
    'decl',
    (): A.Decl =>
      this.OR([
        { ALT: () => this.SUBRULE(this.useDecl) },
        { ALT: () => this.SUBRULE(this.unitDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.enumDecl) },
        { ALT: () => this.SUBRULE(this.fnDecl) },
        { ALT: () => this.SUBRULE(this.recordDecl) },
        { ALT: () => this.SUBRULE(this.onStepDecl) },
        { ALT: () => this.SUBRULE(this.clauseDecl) },
        { ALT: () => this.SUBRULE(this.verifyDecl) },
      ]),
  );

  useDecl = this.RULE('useDecl', (): A.UseDecl => {
    const start = this.here();
    this.CONSUME(Kw.use);
    const module = this.OR([
      {
        ALT: () => {
          const path = [this.CONSUME(Identifier)];
          this.MANY({
            GATE: () => this.LA(2).tokenType === Identifier,
            DEF: () => {
              this.CONSUME(P.dot);
              path.push(this.CONSUME2(Identifier));
            },
          });
          return this.ACTION(() => ({ kind: 'std' as const, path: path.map((t) => this.ident(t)) }));
        },
      },
      {
        ALT: () => {
          const path = this.CONSUME(StringLit);
          return this.ACTION(() => ({ kind: 'file' as const, path: this.stringLit(path) }));
        },
      },
    ]);
    this.CONSUME2(P.dot);
    this.CONSUME(P.lBrace);
    const names: IToken[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: P.comma,
      DEF: () => {
        names.push(this.CONSUME3(Identifier));
      },
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({ kind: 'UseDecl', module, names: names.map((t) => this.ident(t)), span: this.spanFrom(start) }));
  });

  unitDecl = this.RULE('unitDecl', (): A.UnitDecl => {
    const start = this.here();
    this.CONSUME(Kw.unit);
    const name = this.CONSUME(Identifier);
    return this.ACTION(() => ({ kind: 'UnitDecl', name: this.ident(name), span: this.spanFrom(start) }));
  });

  constDecl = this.RULE('constDecl', (): A.ConstDecl => {
    const start = this.here();
    this.CONSUME(Kw.const);
    const name = this.CONSUME(Identifier);
    let type: A.TypeNode | null = null;
    this.OPTION(() => {
      this.CONSUME(P.colon);
      type = this.SUBRULE(this.typeNode);
    });
    this.CONSUME(P.eq);
    const value = this.SUBRULE(this.expr);
    let source: IToken | undefined;
    let deprecated: IToken | undefined;
    this.OPTION2({
      GATE: () => this.isWord('source'),
      DEF: () => {
        this.CONSUME2(Identifier);
        source = this.CONSUME(StringLit);
      },
    });
    this.OPTION3({
      GATE: () => this.isWord('deprecated'),
      DEF: () => {
        this.CONSUME3(Identifier);
        deprecated = this.CONSUME2(StringLit);
      },
    });
    return this.ACTION(() => ({
      kind: 'ConstDecl',
      name: this.ident(name),
      type,
      value,
      source: source ? this.stringLit(source) : null,
      deprecated: deprecated ? this.stringLit(deprecated) : null,
      span: this.spanFrom(start),
    }));
  });

  enumDecl = this.RULE('enumDecl', (): A.EnumDecl => {
    const start = this.here();
    this.CONSUME(Kw.enum);
    const name = this.CONSUME(Identifier);
    this.CONSUME(P.lBrace);
    const members: IToken[] = [];
    this.MANY(() => {
      members.push(this.CONSUME2(Identifier));
      this.OPTION(() => this.CONSUME(P.comma));
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({ kind: 'EnumDecl', name: this.ident(name), members: members.map((t) => this.ident(t)), span: this.spanFrom(start) }));
  });

  fnDecl = this.RULE('fnDecl', (): A.FnDecl => {
    const start = this.here();
    this.CONSUME(Kw.fn);
    const name = this.CONSUME(Identifier);
    this.CONSUME(P.lParen);
    const params: A.Param[] = [];
    this.MANY_SEP({
      SEP: P.comma,
      DEF: () => {
        const pStart = this.here();
        const pName = this.CONSUME2(Identifier);
        this.CONSUME(P.colon);
        const type = this.SUBRULE(this.typeNode);
        this.ACTION(() => params.push({ kind: 'Param', name: this.ident(pName), type, span: this.spanFrom(pStart) }));
      },
    });
    this.CONSUME(P.rParen);
    this.CONSUME2(P.colon);
    const returnType = this.SUBRULE2(this.typeNode);
    this.CONSUME(P.eq);
    const body = this.SUBRULE(this.expr);
    return this.ACTION(() => ({ kind: 'FnDecl', name: this.ident(name), params, returnType, body, span: this.spanFrom(start) }));
  });

  recordDecl = this.RULE('recordDecl', (): A.RecordDecl => {
    const start = this.here();
    const kw = this.OR([{ ALT: () => this.CONSUME(Kw.spec) }, { ALT: () => this.CONSUME(Kw.step) }, { ALT: () => this.CONSUME(Kw.state) }]);
    this.CONSUME(P.lBrace);
    const fields: A.Field[] = [];
    this.MANY(() => {
      const f = this.SUBRULE(this.field);
      this.ACTION(() => f && fields.push(f));
      this.OPTION(() => this.OR2([{ ALT: () => this.CONSUME(P.semi) }, { ALT: () => this.CONSUME(P.comma) }]));
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({ kind: 'RecordDecl', record: kw.image as A.RecordKind, fields, span: this.spanFrom(start) }));
  });

  field = this.RULE('field', (): A.Field => {
    const start = this.here();
    const isPublic = this.OPTION(() => this.CONSUME(Kw.public)) !== undefined;
    const name = this.CONSUME(Identifier);
    this.CONSUME(P.colon);
    const type = this.SUBRULE(this.typeNode);
    let initial: A.Expr | null = null;
    this.OPTION2(() => {
      this.CONSUME(P.eq);
      initial = this.SUBRULE(this.expr);
    });
    return this.ACTION(() => ({ kind: 'Field', isPublic, name: this.ident(name), type, initial, span: this.spanFrom(start) }));
  });

  onStepDecl = this.RULE('onStepDecl', (): A.OnStepDecl => {
    const start = this.here();
    this.CONSUME(Kw.on);
    this.CONSUME(Kw.step);
    const body = this.SUBRULE(this.block);
    return this.ACTION(() => ({ kind: 'OnStepDecl', body, span: this.spanFrom(start) }));
  });

  clauseDecl = this.RULE('clauseDecl', (): A.ClauseDecl => {
    const start = this.here();
    const kw = this.OR([{ ALT: () => this.CONSUME(Kw.attest) }, { ALT: () => this.CONSUME(Kw.invariant) }, { ALT: () => this.CONSUME(Kw.output) }]);
    const name = this.CONSUME(Identifier);
    const description = this.OPTION(() => this.CONSUME(StringLit));
    this.CONSUME(P.colon);
    const value = this.SUBRULE(this.expr);
    let reveal: IToken | undefined;
    this.OPTION2({
      GATE: () => this.isWord('reveal'),
      DEF: () => {
        this.CONSUME2(Identifier);
        reveal = this.CONSUME2(StringLit);
      },
    });
    return this.ACTION(() => ({
      kind: 'ClauseDecl',
      clause: kw.image as A.ClauseDecl['clause'],
      name: this.ident(name),
      description: description ? this.stringLit(description) : null,
      value,
      reveal: reveal ? this.stringLit(reveal) : null,
      span: this.spanFrom(start),
    }));
  });

  verifyDecl = this.RULE('verifyDecl', (): A.VerifyDecl => {
    const start = this.here();
    this.CONSUME(Kw.verify);
    const name = this.CONSUME(Identifier);
    const description = this.OPTION(() => this.CONSUME(StringLit));
    this.CONSUME(P.lBrace);
    const settings: A.VerifySetting[] = [];
    this.MANY(() => {
      const sStart = this.here();
      const key = this.CONSUME2(Identifier);
      this.CONSUME(P.colon);
      const value = this.SUBRULE(this.expr);
      this.OPTION2(() => this.OR([{ ALT: () => this.CONSUME(P.semi) }, { ALT: () => this.CONSUME(P.comma) }]));
      this.ACTION(() => settings.push({ kind: 'VerifySetting', key: this.ident(key), value, span: this.spanFrom(sStart) }));
    });
    this.CONSUME(P.rBrace);
    return this.ACTION(() => ({
      kind: 'VerifyDecl',
      name: this.ident(name),
      description: description ? this.stringLit(description) : null,
      settings,
      span: this.spanFrom(start),
    }));
  });

  // -------------------------------------------------------------------------------------------------------
  // Statements

  block = this.RULE('block', (): A.Stmt[] => {
    const body: A.Stmt[] = [];
    this.checkDepth();
    this.CONSUME(P.lBrace);
    this.MANY(() => {
      const s = this.SUBRULE(this.stmt);
      this.ACTION(() => s && body.push(s));
      this.OPTION(() => this.CONSUME(P.semi));
    });
    this.CONSUME(P.rBrace);
    return body;
  }, { recoveryValueFunc: (): A.Stmt[] => [] });

  stmt = this.RULE(
    'stmt',
    (): A.Stmt =>
      this.OR([
        {
          ALT: () => {
            const start = this.here();
            this.CONSUME(Kw.let);
            const name = this.CONSUME(Identifier);
            this.CONSUME3(P.eq);
            const value = this.SUBRULE(this.expr);
            return this.ACTION(() => ({ kind: 'LetStmt' as const, name: this.ident(name), value, span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            const start = this.here();
            this.CONSUME(Kw.for);
            const variable = this.CONSUME2(Identifier);
            this.CONSUME(Kw.in);
            const from = this.SUBRULE(this.additive);
            this.CONSUME(P.dotDot);
            const to = this.SUBRULE2(this.additive);
            const body = this.SUBRULE(this.block);
            return this.ACTION(() => ({ kind: 'ForStmt' as const, variable: this.ident(variable), from, to, body, span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            const start = this.here();
            const target = this.SUBRULE(this.postfix);
            const op = this.OR2([{ ALT: () => this.CONSUME(P.eq) }, { ALT: () => this.CONSUME(P.plusEq) }, { ALT: () => this.CONSUME(P.minusEq) }]);
            const value = this.SUBRULE2(this.expr);
            return this.ACTION(() => ({
              kind: 'AssignStmt' as const,
              target,
              op: (op.isInsertedInRecovery ? '=' : op.image) as A.AssignStmt['op'],
              value,
              span: this.spanFrom(start),
            }));
          },
        },
      ]),
    { recoveryValueFunc: () => undefined as unknown as A.Stmt },
  );

  // -------------------------------------------------------------------------------------------------------
  // Types

  typeNode = this.RULE('typeNode', (): A.TypeNode =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          const t = this.OR2([
            { ALT: () => this.CONSUME(Kw.bool) },
            { ALT: () => this.CONSUME(Kw.int) },
            { ALT: () => this.CONSUME(Kw.ratio) },
            { ALT: () => this.CONSUME(Kw.percent) },
            { ALT: () => this.CONSUME(Kw.bf16) },
            { ALT: () => this.CONSUME(Kw.f32) },
            { ALT: () => this.CONSUME(Kw.digest) },
          ]);
          let unit: A.UnitExpr | null = null;
          this.OPTION({ GATE: () => this.unitFollows(t, 'type'), DEF: () => (unit = this.SUBRULE(this.unitExpr)) });
          return this.ACTION(() => ({ kind: 'PrimitiveType' as const, name: t.image as A.PrimitiveTypeName, unit, span: this.spanFrom(start) }));
        },
      },
      {
        ALT: () => {
          const name = this.CONSUME(Identifier);
          return this.ACTION(() => ({ kind: 'NamedType' as const, name: this.ident(name), span: this.tokenSpan(name) }));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.checkDepth();
          this.CONSUME(P.lBracket);
          const element = this.SUBRULE(this.typeNode);
          this.CONSUME(P.semi);
          const length = this.SUBRULE(this.expr);
          this.CONSUME(P.rBracket);
          return this.ACTION(() => ({ kind: 'ArrayType' as const, element, length, span: this.spanFrom(start) }));
        },
      },
    ]),
    { recoveryValueFunc: (): A.TypeNode => ({ kind: 'NamedType', name: this.missingIdent(), span: this.errorSpan() }) },
  );

  unitExpr = this.RULE('unitExpr', (): A.UnitExpr => {
    const start = this.here();
    const factors: A.UnitFactor[] = [this.SUBRULE(this.unitFactor)];
    const ops: ('*' | '/')[] = [];
    this.MANY({
      GATE: () => this.LA(2).tokenType === Identifier,
      DEF: () => {
        const op = this.OR([{ ALT: () => this.CONSUME(P.star) }, { ALT: () => this.CONSUME(P.slash) }]);
        const f = this.SUBRULE2(this.unitFactor);
        this.ACTION(() => {
          ops.push(op.image === '/' ? '/' : '*');
          factors.push(f);
        });
      },
    });
    return this.ACTION(() => ({ kind: 'UnitExpr', factors, ops, span: this.spanFrom(start) }));
  }, { recoveryValueFunc: (): A.UnitExpr => ({ kind: 'UnitExpr', factors: [], ops: [], span: this.errorSpan() }) });

  unitFactor = this.RULE('unitFactor', (): A.UnitFactor => {
    const start = this.here();
    const name = this.CONSUME(Identifier);
    let negative = false;
    let exponentTok: IToken | undefined;
    this.OPTION(() => {
      this.CONSUME(P.caret);
      this.OPTION2(() => {
        this.CONSUME(P.minus);
        negative = true;
      });
      exponentTok = this.CONSUME(NumberLit);
    });
    return this.ACTION(() => {
      let exponent = 1;
      if (exponentTok && !exponentTok.isInsertedInRecovery) {
        const n = decodeNumber(exponentTok.image);
        if (typeof n === 'string' || n.den !== 1n || n.num > 16n) {
          this.sink.report('ZP1004', this.tokenSpan(exponentTok), `a unit exponent must be a whole number from 1 to 16, found '${exponentTok.image}'`);
        } else {
          exponent = Number(n.num);
        }
      }
      return { kind: 'UnitFactor', name: this.ident(name), exponent: negative ? -exponent : exponent, span: this.spanFrom(start) };
    });
  }, { recoveryValueFunc: (): A.UnitFactor => ({ kind: 'UnitFactor', name: this.missingIdent(), exponent: 1, span: this.errorSpan() }) });

  // -------------------------------------------------------------------------------------------------------
  // Expressions, loosest binding first

  expr = this.RULE('expr', (): A.Expr => {
    this.checkDepth();
    return this.SUBRULE(this.orExpr);
  }, {
    recoveryValueFunc: () => ({ kind: 'ErrorExpr', span: this.errorSpan() }) as A.Expr,
  });

  /**
   * Stops runaway nesting (`((((...`, `not not not ...`, arrays of arrays of ...) before it exhausts the
   * JavaScript stack: past MAX_RULE_DEPTH rules the parser reports a syntax error, skips the too-deep part (up to
   * the bracket that closes the one it is in, or the next declaration) and recovers as from any other error.
   * Called first thing in every rule that can recurse (`expr`, `not`, unary `-`, array types and blocks).
   * Uses two chevrotain internals, the rule stack depth and the token position, for want of a public API.
   */
  private checkDepth(): void {
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

  private errorSpan(): A.Span {
    const p = this.here();
    return { start: p, end: p };
  }

  /*
   * Placeholders that rules return when error recovery abandons them (their `recoveryValueFunc`), so that the
   * AST never holds `undefined` where a node belongs. The syntax error itself has been reported.
   */
  private errorExpr(): A.Expr {
    return { kind: 'ErrorExpr', span: this.errorSpan() };
  }

  private errorNumber(): A.NumberLiteral {
    return { kind: 'NumberLiteral', text: '0', num: 0n, den: 1n, unit: null, span: this.errorSpan() };
  }

  private missingIdent(): A.Identifier {
    return { kind: 'Identifier', name: '', span: this.errorSpan() };
  }

  orExpr = this.RULE('orExpr', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(Kw.or);
      const right = this.SUBRULE2(this.andExpr);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: 'or', left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  andExpr = this.RULE('andExpr', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(Kw.and);
      const right = this.SUBRULE2(this.notExpr);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: 'and', left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  notExpr = this.RULE('notExpr', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          this.checkDepth();
          this.CONSUME(Kw.not);
          const operand = this.SUBRULE(this.notExpr);
          return this.ACTION(() => ({ kind: 'UnaryExpr' as const, op: 'not' as const, operand, span: this.spanFrom(start) }));
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]),
    { recoveryValueFunc: () => this.errorExpr() },
  );

  comparison = this.RULE('comparison', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.additive);
    this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            const op = this.OR2([
              { ALT: () => this.CONSUME(P.eqEq) },
              { ALT: () => this.CONSUME(P.notEq) },
              { ALT: () => this.CONSUME(P.lessEq) },
              { ALT: () => this.CONSUME(P.greaterEq) },
              { ALT: () => this.CONSUME(P.less) },
              { ALT: () => this.CONSUME(P.greater) },
            ]);
            const right = this.SUBRULE2(this.additive);
            this.ACTION(() => (left = { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left, right, span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.in);
            this.CONSUME(P.lBracket);
            const low = this.SUBRULE(this.expr);
            this.CONSUME(P.comma);
            const high = this.SUBRULE2(this.expr);
            this.CONSUME(P.rBracket);
            this.ACTION(() => (left = { kind: 'InRangeExpr', value: left, low, high, span: this.spanFrom(start) }));
          },
        },
      ]),
    );
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  additive = this.RULE('additive', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(P.plus) }, { ALT: () => this.CONSUME(P.minus) }]);
      const right = this.SUBRULE2(this.multiplicative);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  multiplicative = this.RULE('multiplicative', (): A.Expr => {
    const start = this.here();
    let left = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.OR([{ ALT: () => this.CONSUME(P.star) }, { ALT: () => this.CONSUME(P.slash) }]);
      const right = this.SUBRULE2(this.unary);
      this.ACTION(() => (left = { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left, right, span: this.spanFrom(start) }));
    });
    return left;
  }, { recoveryValueFunc: () => this.errorExpr() });

  unary = this.RULE('unary', (): A.Expr =>
    this.OR([
      {
        ALT: () => {
          const start = this.here();
          this.checkDepth();
          this.CONSUME(P.minus);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION(() => ({ kind: 'UnaryExpr' as const, op: '-' as const, operand, span: this.spanFrom(start) }));
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]),
    { recoveryValueFunc: () => this.errorExpr() },
  );

  postfix = this.RULE('postfix', (): A.Expr => {
    const start = this.here();
    let object = this.SUBRULE(this.primary);
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(P.dot);
            const member = this.CONSUME(Identifier);
            this.ACTION(() => (object = { kind: 'MemberExpr', object, member: this.ident(member), span: this.spanFrom(start) }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(P.lBracket);
            const index = this.SUBRULE(this.expr);
            this.CONSUME(P.rBracket);
            this.ACTION(() => (object = { kind: 'IndexExpr', object, index, span: this.spanFrom(start) }));
          },
        },
      ]),
    );
    return object;
  }, { recoveryValueFunc: () => this.errorExpr() });

  primary = this.RULE('primary', (): A.Expr =>
    this.OR([
      { ALT: () => this.SUBRULE(this.numberLiteral) },
      {
        ALT: () => {
          const t = this.OR2([{ ALT: () => this.CONSUME(Kw.true) }, { ALT: () => this.CONSUME(Kw.false) }]);
          return this.ACTION(() => ({ kind: 'BoolLiteral' as const, value: t.image === 'true', span: this.tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          return this.ACTION(() => this.stringLit(t));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          const name = this.CONSUME(Identifier);
          const args = this.OPTION(() => {
            const list: A.Expr[] = [];
            this.CONSUME(P.lParen);
            this.MANY_SEP({
              SEP: P.comma,
              DEF: () => {
                const a = this.SUBRULE(this.expr);
                this.ACTION(() => list.push(a));
              },
            });
            this.CONSUME(P.rParen);
            return list;
          });
          return this.ACTION(() =>
            args
              ? { kind: 'CallExpr' as const, callee: this.ident(name), args, span: this.spanFrom(start) }
              : { kind: 'NameRef' as const, name: this.ident(name), span: this.tokenSpan(name) },
          );
        },
      },
      {
        // `spec`, `step` and the rounding modes `bf16`/`f32` are keywords that also name values.
        ALT: () => {
          const t = this.OR3([
            { ALT: () => this.CONSUME(Kw.spec) },
            { ALT: () => this.CONSUME(Kw.step) },
            { ALT: () => this.CONSUME(Kw.bf16) },
            { ALT: () => this.CONSUME(Kw.f32) },
          ]);
          return this.ACTION(() => ({ kind: 'NameRef' as const, name: this.ident(t), span: this.tokenSpan(t) }));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME2(P.lParen);
          const inner = this.SUBRULE5(this.expr);
          this.CONSUME2(P.rParen);
          return this.ACTION(() => ({ kind: 'ParenExpr' as const, inner, span: this.spanFrom(start) }));
        },
      },
      {
        ALT: () => {
          const start = this.here();
          this.CONSUME(Kw.if);
          const condition = this.SUBRULE2(this.expr);
          this.CONSUME(Kw.then);
          const then = this.SUBRULE3(this.expr);
          this.CONSUME(Kw.else);
          const otherwise = this.SUBRULE4(this.expr);
          return this.ACTION(() => ({ kind: 'IfExpr' as const, condition, then, otherwise, span: this.spanFrom(start) }));
        },
      },
      { ALT: () => this.SUBRULE(this.arrayLiteral) },
    ]),
    { recoveryValueFunc: () => this.errorExpr() },
  );

  arrayLiteral = this.RULE('arrayLiteral', (): A.Expr => {
    const start = this.here();
    this.CONSUME(P.lBracket);
    const result = this.OR([
      {
        ALT: () => {
          this.CONSUME(P.rBracket);
          return this.ACTION(() => ({ kind: 'ArrayLiteral' as const, elements: [] as A.Expr[], span: this.spanFrom(start) }));
        },
      },
      {
        ALT: () => {
          const first = this.SUBRULE(this.expr);
          return this.OR2([
            {
              ALT: () => {
                this.CONSUME(P.semi);
                const count = this.SUBRULE2(this.expr);
                this.CONSUME2(P.rBracket);
                return this.ACTION(() => ({ kind: 'ArrayRepeat' as const, value: first, count, span: this.spanFrom(start) }));
              },
            },
            {
              ALT: () => {
                const elements = [first];
                this.MANY({
                  GATE: () => this.LA(2).tokenType !== P.rBracket,
                  DEF: () => {
                    this.CONSUME(P.comma);
                    const e = this.SUBRULE3(this.expr);
                    this.ACTION(() => elements.push(e));
                  },
                });
                this.OPTION(() => this.CONSUME2(P.comma));
                this.CONSUME3(P.rBracket);
                return this.ACTION(() => ({ kind: 'ArrayLiteral' as const, elements, span: this.spanFrom(start) }));
              },
            },
          ]);
        },
      },
    ]);
    return result;
  }, { recoveryValueFunc: () => this.errorExpr() });

  numberLiteral = this.RULE('numberLiteral', (): A.NumberLiteral => {
    const start = this.here();
    const t = this.CONSUME(NumberLit);
    let unit: IToken | undefined;
    this.OPTION({ GATE: () => this.unitFollows(t, 'literal'), DEF: () => (unit = this.CONSUME(Identifier)) });
    return this.ACTION(() => {
      const text = t.isInsertedInRecovery ? '0' : t.image;
      let value = decodeNumber(text);
      if (typeof value === 'string') {
        this.sink.report('ZP1004', this.tokenSpan(t), value);
        value = { num: 0n, den: 1n };
      }
      return { kind: 'NumberLiteral', text, num: value.num, den: value.den, unit: unit ? this.ident(unit) : null, span: this.spanFrom(start) };
    });
  }, { recoveryValueFunc: () => this.errorNumber() });
}

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

const EXPRESSION_KINDS: ReadonlySet<string> = new Set<A.Expr['kind']>([
  'NumberLiteral',
  'BoolLiteral',
  'StringLiteral',
  'NameRef',
  'MemberExpr',
  'IndexExpr',
  'CallExpr',
  'BinaryExpr',
  'UnaryExpr',
  'InRangeExpr',
  'IfExpr',
  'ArrayLiteral',
  'ArrayRepeat',
  'ParenExpr',
  'ErrorExpr',
]);

/**
 * Chains of binary operators and postfix accesses are parsed in loops, not by recursion, so MAX_RULE_DEPTH does
 * not bound them: `1 + 1 + ... + 1` with N terms is a tree N deep, and every recursive walk of it (the checker,
 * the formatter, the compiler) would overflow the stack for a large N. This walk (itself without recursion)
 * replaces any expression deeper than MAX_EXPR_DEPTH with an ErrorExpr and reports the first one.
 */
function limitExpressionDepth(root: A.SourceFile, sink: DiagnosticSink): void {
  type AnyNode = { kind: string; span: A.Span; [key: string]: unknown };
  const isNode = (v: unknown): v is AnyNode => typeof v === 'object' && v !== null && typeof (v as AnyNode).kind === 'string';
  const stack: [AnyNode, number][] = [[root as unknown as AnyNode, 0]];
  let reported = false;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    for (const key of Object.keys(node)) {
      if (key === 'span') continue;
      const value = node[key];
      const slots: [unknown, (n: AnyNode) => void][] = Array.isArray(value)
        ? value.map((child, i) => [child, (n: AnyNode) => (value[i] = n)])
        : [[value, (n: AnyNode) => (node[key] = n)]];
      for (const [child, replace] of slots) {
        if (!isNode(child)) continue;
        const isExpr = EXPRESSION_KINDS.has(child.kind);
        const childDepth = isExpr ? depth + 1 : depth;
        if (isExpr && childDepth > MAX_EXPR_DEPTH) {
          if (!reported) {
            sink.report('ZP1003', child.span, `this expression is nested more than ${MAX_EXPR_DEPTH} levels deep; split it up with constants, functions or 'let'`);
            reported = true;
          }
          replace({ kind: 'ErrorExpr', span: child.span });
          continue;
        }
        stack.push([child, childDepth]);
      }
    }
  }
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
