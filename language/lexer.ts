/**
 * The `.zpol` scanner: chevrotain token types and exact decoding of number and string literals.
 *
 * Contextual words (`version`, `source`, `deprecated`, `reveal`) are lexed as identifiers and recognised by
 * the parser in position, so that a data source may still be called `source`.
 */
import { MAX_LITERAL_EXPONENT, normalize, type ExactNumber } from '../base/numbers.ts';
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });

function keyword(word: string): TokenType {
  return createToken({ name: `Kw_${word}`, pattern: new RegExp(`${word}\\b`), longer_alt: Identifier, label: `'${word}'` });
}

export const Kw = {
  policy: keyword('policy'),
  module: keyword('module'),
  use: keyword('use'),
  unit: keyword('unit'),
  const: keyword('const'),
  enum: keyword('enum'),
  fn: keyword('fn'),
  spec: keyword('spec'),
  step: keyword('step'),
  state: keyword('state'),
  public: keyword('public'),
  on: keyword('on'),
  attest: keyword('attest'),
  invariant: keyword('invariant'),
  verify: keyword('verify'),
  output: keyword('output'),
  let: keyword('let'),
  for: keyword('for'),
  in: keyword('in'),
  if: keyword('if'),
  then: keyword('then'),
  else: keyword('else'),
  and: keyword('and'),
  or: keyword('or'),
  not: keyword('not'),
  true: keyword('true'),
  false: keyword('false'),
  bool: keyword('bool'),
  int: keyword('int'),
  ratio: keyword('ratio'),
  percent: keyword('percent'),
  bf16: keyword('bf16'),
  f32: keyword('f32'),
  digest: keyword('digest'),
} as const;

/** Words the language reserves; a field or function may not be called any of these. */
export const KEYWORDS: ReadonlySet<string> = new Set(Object.keys(Kw));

export const NumberLit = createToken({
  name: 'NumberLit',
  // `0x` with no digits is still a (malformed) hexadecimal literal, reported as ZP1004, not 0 of a unit `x`.
  pattern: /0[xX][0-9a-fA-F_]*|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?(?:[kMGTPE](?![A-Za-z0-9_]))?%?/,
  label: 'a number',
});
export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
/** A string that reaches the end of its line unclosed; the parser reports it as ZP1002. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\r\n]|\\.)*/, label: 'a string' });
const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\r\n]*/, group: 'comments' });
const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });

function punct(name: string, pattern: string): TokenType {
  return createToken({ name, pattern: new RegExp(pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), label: `'${pattern}'` });
}

export const P = {
  dotDot: punct('DotDot', '..'),
  dot: punct('Dot', '.'),
  plusEq: punct('PlusEq', '+='),
  minusEq: punct('MinusEq', '-='),
  eqEq: punct('EqEq', '=='),
  notEq: punct('NotEq', '!='),
  lessEq: punct('LessEq', '<='),
  greaterEq: punct('GreaterEq', '>='),
  less: punct('Less', '<'),
  greater: punct('Greater', '>'),
  eq: punct('Eq', '='),
  plus: punct('Plus', '+'),
  minus: punct('Minus', '-'),
  star: punct('Star', '*'),
  slash: punct('Slash', '/'),
  caret: punct('Caret', '^'),
  lParen: punct('LParen', '('),
  rParen: punct('RParen', ')'),
  lBrace: punct('LBrace', '{'),
  rBrace: punct('RBrace', '}'),
  lBracket: punct('LBracket', '['),
  rBracket: punct('RBracket', ']'),
  comma: punct('Comma', ','),
  semi: punct('Semi', ';'),
  colon: punct('Colon', ':'),
} as const;

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  StringLit,
  UnterminatedString,
  NumberLit,
  ...Object.values(Kw),
  Identifier,
  // Two-character punctuation before its one-character prefixes.
  P.dotDot,
  P.plusEq,
  P.minusEq,
  P.eqEq,
  P.notEq,
  P.lessEq,
  P.greaterEq,
  ...Object.values(P).filter((t) => ![P.dotDot, P.plusEq, P.minusEq, P.eqEq, P.notEq, P.lessEq, P.greaterEq].includes(t)),
];

/**
 * Only `\n` ends a line (so `\r\n` is one break): line numbers then agree with `formatPretty`, which splits lines on
 * `\r?\n`, and with the parser's end-of-file position. A lone `\r` is whitespace inside a line.
 */
export const zpolLexer = new Lexer(ALL_TOKENS, {
  positionTracking: 'full',
  ensureOptimizations: false,
  lineTerminatorsPattern: /\n/g,
  lineTerminatorCharacters: ['\n'],
});

const SI_EXPONENT: Record<string, number> = { k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export { normalize } from '../base/numbers.ts';

/**
 * Decodes a number token to an exact rational, or returns an error message. `2.5e-3` is 1/400, `30%` is 3/10,
 * `2T` is 2e12: nothing is ever rounded.
 */
export function decodeNumber(text: string): ExactNumber | string {
  if (/^0[xX]/.test(text)) {
    const digits = text.slice(2).replace(/_/g, '');
    if (digits === '' || text.endsWith('_')) return `malformed hexadecimal literal '${text}'`;
    return { num: BigInt(`0x${digits}`), den: 1n };
  }
  const m = /^(\d[\d_]*)(?:\.(\d[\d_]*))?(?:[eE]([+-]?\d+))?([kMGTPE])?(%)?$/.exec(text);
  if (!m) return `malformed number literal '${text}'`;
  const [, intPart, fracPart = '', expPart = '0', si, percent] = m;
  if (/_$|__/.test(intPart) || /_$|__/.test(fracPart)) return `misplaced '_' in number literal '${text}'`;
  const digits = (intPart + fracPart).replace(/_/g, '');
  let exponent = Number(expPart) - fracPart.replace(/_/g, '').length;
  if (si) exponent += SI_EXPONENT[si];
  if (percent) exponent -= 2;
  if (Math.abs(Number(expPart)) > MAX_LITERAL_EXPONENT) return `exponent of '${text}' is out of range (at most ${MAX_LITERAL_EXPONENT})`;
  const mantissa = BigInt(digits);
  return exponent >= 0 ? normalize(mantissa * 10n ** BigInt(exponent), 1n) : normalize(mantissa, 10n ** BigInt(-exponent));
}

/** Decodes a string token's text (quotes included) to its value. */
export function decodeString(raw: string): string {
  const body = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined);
  return body.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

