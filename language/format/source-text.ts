/** Facts about the source text that the formatter keeps: node offsets, blank lines, line starts. */
import type * as A from '../ast.ts';

export const locStart = (node: { span: A.Span }): number => node.span.start.offset;
export const locEnd = (node: { span: A.Span }): number => node.span.end.offset;

/**
 * Whether the line after the one `index` is on is blank: skips the rest of that line (spaces, `,`/`;`
 * separators and a trailing `//` comment), then looks at the next line.
 */
export function isNextLineEmpty(text: string, index: number): boolean {
  let i = index;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',' || text[i] === ';')) i++;
  if (text.startsWith('//', i)) while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
  else if (text[i] === '\n' || text[i] === '\r') i++;
  else return false;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i < text.length && (text[i] === '\n' || text[i] === '\r');
}

/** Whether a line break separates offsets `from` and `to`. */
export function hasNewlineBetween(text: string, from: number, to: number): boolean {
  return /[\r\n]/.test(text.slice(from, to));
}

/** Whether only blanks stand between the start of its line and `index`. */
export function startsLine(text: string, index: number): boolean {
  let i = index;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i === 0 || text[i - 1] === '\n' || text[i - 1] === '\r';
}

/** Whether the line before the one holding `index` is blank. */
export function isPreviousLineEmpty(text: string, index: number): boolean {
  let i = index;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  if (i > 0 && text[i - 1] === '\n') i--;
  else return false;
  if (i > 0 && text[i - 1] === '\r') i--;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i > 0 && (text[i - 1] === '\n' || text[i - 1] === '\r');
}
