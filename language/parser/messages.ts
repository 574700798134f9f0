/**
 * What the parser says when the input does not fit the grammar: chevrotain's error-message provider in zpol's
 * words, and the token sets that recovery from runaway nesting skips by (parser/base.ts, checkDepth).
 */
import { EOF, type IToken, type TokenType, type IParserErrorMessageProvider } from 'chevrotain';
import { Kw, P } from '../lexer.ts';

const describeToken = (t: IToken): string => (t.tokenType === EOF ? 'the end of the file' : `'${t.image}'`);
/** `unexpected 'x'`, or `unexpected end of file`. */
export const unexpected = (t: IToken): string => (t.tokenType === EOF ? 'unexpected end of file' : `unexpected '${t.image}'`);
const labelOf = (t: TokenType): string => (t === EOF ? 'the end of the file' : (t.LABEL ?? t.name));

export const messages: IParserErrorMessageProvider = {
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

export const OPENERS = new Set<TokenType>([P.lParen, P.lBracket, P.lBrace]);
export const CLOSERS = new Set<TokenType>([P.rParen, P.rBracket, P.rBrace]);
/** Keywords that can only begin a declaration: where skipping after an error may stop. */
export const DECLARATION_STARTS = new Set<TokenType>([Kw.policy, Kw.module, Kw.use, Kw.unit, Kw.const, Kw.enum, Kw.fn, Kw.state, Kw.on, Kw.attest, Kw.invariant, Kw.verify, Kw.output]);
