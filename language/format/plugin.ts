/**
 * The `.zpol` formatter as a Prettier 3 plugin: a parser that wraps language/parser.ts and a printer that turns
 * the AST into Prettier docs. The canonical style is described in docs/formatting.md.
 *
 * Comments. The parser gives every `//` comment in `SourceFile.comments`; Prettier's core takes that array off
 * the root and attaches each comment to a node as leading, trailing or dangling: `getCommentChildNodes` (our
 * `childrenOf`; `getVisitorKeys` lists the same children and never `span` or the bigint fields) and
 * `canAttachComment` tell it which nodes there are, `locStart`/`locEnd` where they are, and `handleComments`
 * (handleComment below) overrides its choice where that would not print well:
 *   - an own-line comment goes above the nearest node that can start a line (a declaration, field, statement,
 *     list item or value after `=`); where none can (`x.` then `// c` then `y`), it goes to the end of the
 *     line before (placeAbove, placeBelow);
 *   - a comment in an empty block stays inside the braces, one right after a `{` stays there, one before a
 *     block's `{` goes above the block, and one after a const's or clause's value stays at the end of the
 *     value's line, before `source`/`deprecated`/`reveal` (dangling comments with a `marker`).
 * The printer prints comments itself (`willPrintOwnComments`, printComments below): like Prettier's own
 * printing, but a trailing comment breaks the surrounding group only where a line break may follow its node,
 * and `lineSuffixBoundary` guarantees that two comments never end up on one line (one would swallow the other).
 * Every comment is marked printed; Prettier throws if one is not, so none can be dropped silently.
 *
 * Nothing in the AST is re-derived: numbers print as written (`NumberLiteral.text`), strings as their raw
 * text and parentheses exactly where the user put them, so the AST of the output equals the AST of the input.
 */
import type { AstPath, Doc, Parser, ParserOptions, Plugin, Printer, SupportLanguage } from 'prettier';
import { builders } from 'prettier/doc';
import type * as A from '../ast.ts';
import { childrenOf, walk } from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { parse as parseZpol } from '../parser.ts';

const { breakParent, fill, group, hardline, indent, join, line, lineSuffix, lineSuffixBoundary, softline } = builders;

/** A comment as Prettier sees it once attached (`value` is what Prettier's own error messages read). */
interface PrettierComment extends A.Comment {
  value: string;
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
  marker?: CommentMarker;
  placement?: 'ownLine' | 'endOfLine' | 'remaining';
  /** Where to print a trailing comment, whatever the source had: at the end of its node's line, or below it. */
  style?: 'endOfLine' | 'ownLine';
  /** For a comment moved below a node it was above: no blank line before it, whatever the source had. */
  noBlankBefore?: boolean;
  /** The node a trailing comment was attached to by handleComment. */
  host?: PNode;
  enclosingNode?: PNode;
  precedingNode?: PNode;
  followingNode?: PNode;
}

type CommentMarker = 'inside' | 'afterOpen' | 'afterValue';

/** An AST node after Prettier attached comments to it. */
type PNode = A.Node & { comments?: PrettierComment[] };

/** Extra arguments a parent passes when printing a child: a keyword printed after the child's leading comments. */
interface PrintArgs {
  prefix?: string;
}

type Print = (selector?: string | number | (string | number)[] | AstPath, args?: unknown) => Doc;

export const AST_FORMAT = 'zpol-ast';

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

const locStart = (node: { span: A.Span }): number => node.span.start.offset;
const locEnd = (node: { span: A.Span }): number => node.span.end.offset;

// ---------------------------------------------------------------------------------------------------------
// Parser

/** Every comment of a parsed file, by its root node (Prettier takes them off the root while attaching them). */
const allComments = new WeakMap<object, readonly PrettierComment[]>();

export const parser: Parser<PNode> = {
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
// Source text helpers

/**
 * Whether the line after the one `index` is on is blank: skips the rest of that line (spaces, `,`/`;`
 * separators and a trailing `//` comment), then looks at the next line.
 */
function isNextLineEmpty(text: string, index: number): boolean {
  let i = index;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',' || text[i] === ';')) i++;
  if (text.startsWith('//', i)) while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
  else if (text[i] === '\n' || text[i] === '\r') i++;
  else return false;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i < text.length && (text[i] === '\n' || text[i] === '\r');
}

/** The nodes a node with braces holds between them, and where to start looking for its `{`. */
function blockItems(node: PNode): { items: PNode[]; searchFrom: number } | null {
  switch (node.kind) {
    case 'RecordDecl':
      return { items: node.fields, searchFrom: locStart(node) };
    case 'OnStepDecl':
      return { items: node.body, searchFrom: locStart(node) };
    case 'VerifyDecl':
      return { items: node.settings, searchFrom: locEnd(node.description ?? node.name) };
    case 'ForStmt':
      return { items: node.body, searchFrom: locEnd(node.to) };
    case 'EnumDecl':
      return { items: node.members, searchFrom: locEnd(node.name) };
    case 'UseDecl':
      return { items: node.names, searchFrom: locEnd(node.module.kind === 'std' ? node.module.path.at(-1)! : node.module.path) };
    default:
      return null;
  }
}

/** Offset of the `{` that opens a block, skipping keywords, blanks and comments before it; -1 if none. */
function openBraceOffset(text: string, node: PNode, from: number): number {
  const end = locEnd(node);
  for (let i = from; i < end; i++) {
    if (text.startsWith('//', i)) {
      while (i < end && text[i] !== '\n') i++;
    } else if (text[i] === '{') {
      return i;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------------
// Comment attachment

function addDanglingComment(node: PNode, comment: PrettierComment, marker: CommentMarker): true {
  comment.leading = false;
  comment.trailing = false;
  comment.marker = marker;
  (node.comments ??= []).push(comment);
  return true;
}

/** Whether a line break separates offsets `from` and `to`. */
function hasNewlineBetween(text: string, from: number, to: number): boolean {
  return /[\r\n]/.test(text.slice(from, to));
}

/**
 * Whether the comment before `comment` in the same statement is a trailing comment that floats to the end of
 * its output line (see lineBreakFollows), so that `comment`, were it printed at the end of a line too, might
 * land on the same one.
 */
function followsFloatingComment(comment: PrettierComment, comments: readonly PrettierComment[], root: PNode, text: string): boolean {
  const node = comment.precedingNode;
  return !!node && floatingCommentBefore(comment, node, comments, root, text);
}

/**
 * Whether the comment before `comment`, in the same statement, floats to the end of its output line (a trailing
 * comment of a node that no line break follows, see lineBreakFollows) and may still be waiting there when
 * `comment` is printed at the end of `host`'s line.
 */
function floatingCommentBefore(comment: PrettierComment, host: PNode, comments: readonly PrettierComment[], root: PNode, text: string): boolean {
  const index = comments.indexOf(comment);
  const previous = index > 0 ? comments[index - 1] : undefined;
  if (!previous || !previous.trailing || (previous.style ?? (startsLine(text, locStart(previous)) ? 'ownLine' : 'endOfLine')) === 'ownLine') return false;
  const previousHost = previous.host ?? previous.precedingNode;
  if (!previousHost?.comments?.includes(previous)) return false;
  if (locStart(previous) < statementStart(root, locStart(comment))) return false;
  // A trailing comment that a line break follows ends its line right there (commentParts breaks the group).
  if (lineBreakFollows(parentOf(root, previousHost) ?? root, previousHost)) return false;
  // The earlier comment waits at the end of its line for the next line break. Is there one between its node and
  // `host`? `comment` at the end of `host`'s line breaks every group around `host` when a line break may follow
  // `host` (see commentParts).
  const breaksAround = lineBreakFollows(parentOf(root, host) ?? root, host);
  const contains = (outer: PNode, inner: PNode) => locStart(outer) <= locStart(inner) && locEnd(inner) <= locEnd(outer);
  for (let n: PNode | undefined = previousHost; n && n !== root && !contains(n, host); n = parentOf(root, n)) {
    const parent = parentOf(root, n) ?? root;
    const siblings = childrenOf(parent);
    const next = siblings[siblings.indexOf(n) + 1] as PNode | undefined;
    if (!next || locStart(next) >= locEnd(host)) continue; // a line break after `n` would come after `host`
    // A parameter list puts a hard line break after a parameter that holds a trailing comment (printParams).
    if (parent.kind === 'FnDecl' && n.kind === 'Param') return false;
    // A line break after a node, in a group that also holds `host`.
    if (breaksAround && contains(parent, host) && lineBreakFollows(parent, n)) return false;
  }
  if (breaksAround) {
    // A line break before `host`, or before an ancestor of it that starts after the earlier comment's node.
    for (let n: PNode | undefined = host; n && n !== root && locStart(n) >= locEnd(previousHost); n = parentOf(root, n)) {
      if (lineBreakPrecedes(parentOf(root, n) ?? root, n)) return false;
    }
  }
  return true;
}

/** Where the innermost declaration, field, statement or verify setting that `offset` belongs to starts. */
function statementStart(root: PNode, offset: number): number {
  let items: PNode[] = root.kind === 'SourceFile' ? root.decls : [];
  let start = 0;
  for (;;) {
    const item = items.filter((n) => locStart(n) <= offset).at(-1);
    if (!item) return start;
    start = locStart(item);
    if (locEnd(item) <= offset) return start;
    const block = blockItems(item);
    if (!block || item.kind === 'EnumDecl' || item.kind === 'UseDecl') return start;
    items = block.items;
  }
}

/** The `handleComments` hook for every placement: true when it attached the comment itself. */
function handleComment(comment: PrettierComment, text: string, comments: readonly PrettierComment[], root: PNode): boolean {
  const { enclosingNode: enclosing, precedingNode: preceding, followingNode: following } = comment;
  // A comment gets a line of its own when it has one in the source, and also when it ends a line that the
  // preceding node does not end (`source // why`, `x.` then `// why` then `y`), or follows a comment that floats
  // to the end of the line (`const B // x` then `: int // y`): printed after that node, it would move up a line
  // and could meet another comment there.
  const ownLine =
    comment.placement === 'ownLine' ||
    (comment.placement === 'endOfLine' &&
      !!preceding &&
      (hasNewlineBetween(text, locEnd(preceding), locStart(comment)) || followsFloatingComment(comment, comments, root, text)));

  if (enclosing) {
    if (enclosing.kind === 'VerifySetting' && preceding === enclosing.value) {
      // A setting's span runs to its `;` or `,` separator: a comment before that trails the whole setting.
      return addTrailingComment(enclosing, comment);
    }
    if ((enclosing.kind === 'ConstDecl' || enclosing.kind === 'ClauseDecl') && preceding === enclosing.value && !ownLine) {
      return addDanglingComment(enclosing, comment, 'afterValue');
    }
    if (enclosing.kind === 'ArrayLiteral' && enclosing.elements.length === 0) return addDanglingComment(enclosing, comment, 'inside');
    const block = blockItems(enclosing);
    const open = block ? openBraceOffset(text, enclosing, block.searchFrom) : -1;
    if (block && open >= 0) {
      // Between a block's keyword or header and its `{`: above the whole block.
      if (locStart(comment) < open) return addLeadingComment(enclosing, comment);
      if (block.items.length === 0) return addDanglingComment(enclosing, comment, 'inside');
      if (/^[ \t]*$/.test(text.slice(open + 1, locStart(comment)))) return addDanglingComment(enclosing, comment, 'afterOpen');
    }
  }

  const context: Placement = { comment, comments, root, text };
  if (ownLine || !preceding) {
    if (following) return placeAbove(context, enclosing ?? root, preceding, following);
    if (preceding) return placeBelow(context, enclosing ?? root, preceding);
  }
  return false; // Prettier's default: trailing the preceding node, at the end of its line (or dangling)
}

interface Placement {
  comment: PrettierComment;
  comments: readonly PrettierComment[];
  root: PNode;
  text: string;
}

/**
 * Attaches an own-line comment that comes before `child` (a child of `parent`): as a leading comment where the
 * printed parent can start a line right before `child`, else at the end of the line of the sibling before it,
 * else in the same way one level up (above `parent`).
 */
function placeAbove({ comment, comments, root, text }: Placement, parent: PNode, previous: PNode | undefined, child: PNode): true {
  for (;;) {
    if (parent === root || lineBreakPrecedes(parent, child)) return addLeadingComment(child, comment);
    if (previous) {
      // At the end of the previous sibling's line, unless a comment already waits for that line's end.
      const waiting = floatingCommentBefore(comment, previous, comments, root, text);
      if (waiting) comment.noBlankBefore = true;
      return addTrailingComment(previous, comment, waiting ? 'ownLine' : 'endOfLine');
    }
    const grand = parentOf(root, parent);
    if (!grand) return addLeadingComment(child, comment);
    const siblings = childrenOf(grand) as PNode[];
    previous = siblings[siblings.indexOf(parent) - 1];
    child = parent;
    parent = grand;
  }
}

/**
 * Attaches an own-line comment that comes after `previous`, the last child of `parent` before it: on its own
 * line after `previous` where the printed parent can break the line right after it, else one level up.
 */
function placeBelow(context: Placement, parent: PNode, previous: PNode): true {
  const { comment, root } = context;
  for (;;) {
    if (parent === root || lineBreakFollows(parent, previous)) return addTrailingComment(previous, comment, 'ownLine');
    const grand = parentOf(root, parent);
    if (!grand) return addTrailingComment(previous, comment, 'ownLine');
    const siblings = childrenOf(grand) as PNode[];
    const next = siblings[siblings.indexOf(parent) + 1];
    if (next) return placeAbove(context, grand, parent, next);
    previous = parent;
    parent = grand;
  }
}

function addLeadingComment(node: PNode, comment: PrettierComment): true {
  comment.leading = true;
  comment.trailing = false;
  (node.comments ??= []).push(comment);
  node.comments.sort((a, b) => locStart(a) - locStart(b));
  return true;
}

function addTrailingComment(node: PNode, comment: PrettierComment, style?: PrettierComment['style']): true {
  comment.leading = false;
  comment.trailing = true;
  comment.style = style;
  comment.host = node;
  (node.comments ??= []).push(comment);
  node.comments.sort((a, b) => locStart(a) - locStart(b));
  return true;
}

/** Parent links, computed once per parsed file when a comment needs them. */
const parentMaps = new WeakMap<object, Map<PNode, PNode>>();

function parentOf(root: PNode, node: PNode): PNode | undefined {
  let parents = parentMaps.get(root);
  if (!parents) {
    const map = new Map<PNode, PNode>();
    walk(root as A.Node, (n) => childrenOf(n).forEach((c) => map.set(c as PNode, n as PNode)));
    parentMaps.set(root, map);
    parents = map;
  }
  return parents.get(node);
}

/**
 * Whether the printed form of `parent` can start a line right before `child` (a block's line, a list item,
 * the value after `=` or `:`): only there does a leading comment, which ends with a line break, start its line.
 */
function lineBreakPrecedes(parent: PNode, child: PNode): boolean {
  switch (parent.kind) {
    case 'SourceFile':
    case 'RecordDecl':
    case 'OnStepDecl':
    case 'ArrayLiteral':
    case 'ParenExpr':
      return true;
    case 'VerifyDecl':
      return parent.settings.includes(child as A.VerifySetting);
    case 'ForStmt':
      return parent.body.includes(child as A.Stmt);
    case 'CallExpr':
      return child !== parent.callee;
    case 'UseDecl':
      return parent.names.includes(child as A.Identifier);
    case 'EnumDecl':
      return child !== parent.name;
    case 'FnDecl':
      return child === parent.body || parent.params.includes(child as A.Param);
    case 'ConstDecl':
      return child === parent.value || child === parent.source || child === parent.deprecated;
    case 'ClauseDecl':
      return child === parent.value || child === parent.reveal;
    case 'Field':
      return child === parent.initial;
    case 'LetStmt':
    case 'AssignStmt':
    case 'VerifySetting':
      return child === parent.value;
    case 'InRangeExpr':
      return child !== parent.value;
    default:
      return false;
  }
}

/** Prints the dangling comments of the current node that carry `marker`, marking them printed. */
function danglingComments(path: AstPath, marker: CommentMarker): Doc[] {
  const node = path.node as PNode;
  if (!node.comments) return [];
  const out: Doc[] = [];
  path.each((commentPath) => {
    const comment = commentPath.node as PrettierComment;
    if (comment.leading || comment.trailing || comment.marker !== marker) return;
    comment.printed = true;
    out.push(printCommentText(comment));
  }, 'comments');
  return out;
}

/** Dangling comments the root holds (a file with nothing but comments after Prettier took the header away). */
function rootDanglingComments(path: AstPath): Doc[] {
  const node = path.node as PNode;
  if (!node.comments) return [];
  const out: Doc[] = [];
  path.each((commentPath) => {
    const comment = commentPath.node as PrettierComment;
    if (comment.leading || comment.trailing) return;
    comment.printed = true;
    out.push(printCommentText(comment));
  }, 'comments');
  return out;
}

/**
 * The node's doc with its leading and trailing comments, as Prettier's own printComments does, except that a
 * comment never shares a line with another: `lineSuffixBoundary` first ends the line if a trailing comment
 * from earlier on it is still waiting to be printed at its end.
 */
function printComments(path: AstPath, options: ParserOptions, doc: Doc): Doc {
  const { leading, trailing } = commentParts(path, options);
  // A safety net: a dangling comment that no case of genericPrint placed goes to the end of the node's line.
  for (const comment of (path.node as PNode).comments ?? []) {
    if (comment.leading || comment.trailing || comment.printed) continue;
    comment.printed = true;
    trailing.push(lineSuffixBoundary, lineSuffix([' ', printCommentText(comment)]), breakParent);
  }
  if (leading.length === 0 && trailing.length === 0) return doc;
  return [leading, doc, trailing];
}

/** The docs of the current node's leading and trailing comments (see printComments), marked printed. */
function commentParts(path: AstPath, options: ParserOptions): { leading: Doc[]; trailing: Doc[] } {
  const node = path.node as PNode;
  const leading: Doc[] = [];
  const trailing: Doc[] = [];
  if (!node.comments || node.comments.length === 0) return { leading, trailing };
  const text = options.originalText;
  let previousHasLineSuffix = false;
  const breakAfter = lineBreakFollows(path.parent as PNode | null, node);
  path.each((commentPath) => {
    const comment = commentPath.node as PrettierComment;
    if (comment.leading) {
      comment.printed = true;
      leading.push(lineSuffixBoundary, printCommentText(comment), hardline);
      if (isNextLineEmpty(text, locEnd(comment))) leading.push(hardline);
    } else if (comment.trailing) {
      comment.printed = true;
      const printed = printCommentText(comment);
      if (previousHasLineSuffix || (comment.style ?? (startsLine(text, locStart(comment)) ? 'ownLine' : 'endOfLine')) === 'ownLine') {
        const blank = !comment.noBlankBefore && isPreviousLineEmpty(text, locStart(comment));
        trailing.push(lineSuffix([hardline, blank ? hardline : '', printed]));
      } else {
        // The group around the node breaks, so that the comment stays right after it, where a line break
        // follows the node anyway; elsewhere the comment moves to the end of the line the node ends on.
        trailing.push(lineSuffixBoundary, lineSuffix([' ', printed]), breakAfter ? breakParent : '');
      }
      previousHasLineSuffix = true;
    }
  }, 'comments');
  return { leading, trailing };
}

/**
 * Whether the printed form of the current node's parent can break the line right after the node (a list
 * separator, the break after `=` or `:`, a binary operator, a block's line): only then does a trailing comment
 * break the group it is in, so that the output keeps it where a second run of the formatter would put it.
 */
function lineBreakFollows(parent: PNode | { kind: 'std' | 'file' } | null | undefined, child: PNode): boolean {
  if (!parent) return true;
  if (parent.kind === 'std' || parent.kind === 'file') return false; // the module of a `use`, printed without breaks
  return lineBreakFollowsIn(parent as PNode, child);
}

function lineBreakFollowsIn(parent: PNode, child: PNode): boolean {
  if (childrenOf(parent).at(-1) === child) {
    // After the last child, only a closing bracket or brace that starts its own line follows within the parent.
    switch (parent.kind) {
      case 'SourceFile':
      case 'RecordDecl':
      case 'OnStepDecl':
      case 'VerifyDecl':
      case 'ForStmt':
      case 'EnumDecl':
      case 'UseDecl':
      case 'CallExpr':
      case 'ArrayLiteral':
      case 'ParenExpr':
      case 'InRangeExpr':
        return true;
      default:
        return false;
    }
  }
  switch (parent.kind) {
    case 'UseDecl':
      return parent.names.includes(child as A.Identifier);
    case 'PolicyHeader':
    case 'ModuleHeader':
    case 'Param':
    case 'MemberExpr':
    case 'IndexExpr':
    case 'ArrayRepeat':
    case 'UnaryExpr':
    case 'NumberLiteral':
    case 'PrimitiveType':
    case 'NamedType':
    case 'ArrayType':
    case 'UnitExpr':
    case 'UnitFactor':
      return false;
    case 'ConstDecl':
      return child !== parent.name || parent.type === null;
    case 'ClauseDecl':
    case 'VerifyDecl':
      return child !== parent.name || parent.description === null;
    case 'Field':
      return child !== parent.name;
    case 'FnDecl':
      return child !== parent.name || parent.params.length > 0;
    case 'ForStmt':
      return child !== parent.variable && child !== parent.from;
    case 'CallExpr':
      // The line break after `(` belongs to the argument list's group, which the callee is not in.
      return child !== parent.callee;
    default:
      return true;
  }
}

/** Whether only blanks stand between the start of its line and `index`. */
function startsLine(text: string, index: number): boolean {
  let i = index;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i === 0 || text[i - 1] === '\n' || text[i - 1] === '\r';
}

/** Whether the line before the one holding `index` is blank. */
function isPreviousLineEmpty(text: string, index: number): boolean {
  let i = index;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  if (i > 0 && text[i - 1] === '\n') i--;
  else return false;
  if (i > 0 && text[i - 1] === '\r') i--;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i > 0 && (text[i - 1] === '\n' || text[i - 1] === '\r');
}

function printCommentText(comment: A.Comment): string {
  return comment.text.trimEnd();
}

function hasLeadingComment(node: PNode): boolean {
  return node.comments?.some((c) => c.leading) ?? false;
}

/** Whether a trailing comment is attached to `node` or to a node inside it. */
function holdsTrailingComment(node: PNode): boolean {
  let found = false;
  walk(node as A.Node, (n) => {
    found ||= (n as PNode).comments?.some((c) => c.trailing) ?? false;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// Printer

/** Top-level declarations that may stay in a group without blank lines when written that way. */
function groupsWith(prev: A.Decl, next: A.Decl): boolean {
  if (prev.kind !== next.kind) return false;
  if (prev.kind === 'ClauseDecl') return prev.clause === (next as A.ClauseDecl).clause;
  return prev.kind === 'UseDecl' || prev.kind === 'UnitDecl' || prev.kind === 'ConstDecl';
}

/** Items one per line, keeping one blank line where the source had at least one. */
function joinParagraphs(items: Doc[], nodes: PNode[], text: string): Doc[] {
  const parts: Doc[] = [];
  items.forEach((item, i) => {
    if (i > 0) {
      parts.push(hardline);
      if (isNextLineEmpty(text, locEnd(nodes[i - 1]))) parts.push(hardline);
    }
    parts.push(item);
  });
  return parts;
}

/** `PREFIX{ ... }` with one item per line, or the block's own comments when it is empty. */
function printBlock(path: AstPath, options: ParserOptions, print: Print, prefix: Doc, key: string): Doc {
  const node = path.node as PNode;
  const nodes = (node as unknown as Record<string, PNode[]>)[key];
  const afterOpen = danglingComments(path, 'afterOpen');
  const inside = danglingComments(path, 'inside');
  const open: Doc = afterOpen.length > 0 ? [' {', lineSuffixBoundary, ' ', join(' ', afterOpen)] : ' {';
  if (nodes.length === 0) {
    if (inside.length === 0 && afterOpen.length === 0) return [prefix, ' {}'];
    return [prefix, open, inside.length > 0 ? indent([hardline, join(hardline, inside)]) : '', hardline, '}'];
  }
  const items = path.map(print, key);
  return [prefix, open, indent([hardline, joinParagraphs(items, nodes, options.originalText)]), hardline, '}'];
}

/** `a, b, c` that breaks into one item per line inside `open ... close`. */
function printList(path: AstPath, print: Print, key: string, open: string, close: string): Doc {
  const items = path.map(print, key);
  if (items.length === 0) {
    const inside = danglingComments(path, 'inside');
    return inside.length === 0 ? open + close : [open, indent([hardline, join(hardline, inside)]), hardline, close];
  }
  return group([open, indent([softline, join([',', line], items)]), softline, close]);
}

/** `HEAD =` followed by `value`, which moves to the next line (indented) when the whole does not fit. */
function printAssignment(head: Doc, operator: string, value: Doc): Doc {
  return group([head, operator, indent([line, value])]);
}

const PRECEDENCE: Record<A.BinaryOp, number> = {
  or: 1,
  and: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};

/**
 * A chain of same-precedence operators (`a + b - c`) as one group: all on one line, or each operator starting
 * an indented continuation line. Operands of other precedences are groups of their own.
 */
function printBinary(path: AstPath, options: ParserOptions, print: Print): Doc {
  const parts: Doc[] = [];
  const collect = (p: AstPath): void => {
    const node = p.node as A.BinaryExpr;
    const left = node.left as PNode;
    if (left.kind === 'BinaryExpr' && PRECEDENCE[left.op] === PRECEDENCE[node.op]) {
      // Flattened into this chain, so its comments are printed here rather than by print().
      const first = parts.length;
      p.call((leftPath) => {
        collect(leftPath);
        const { leading, trailing } = commentParts(leftPath, options);
        if (leading.length > 0) parts[first] = [leading, parts[first]];
        if (trailing.length > 0) parts[parts.length - 1] = [parts[parts.length - 1], trailing];
      }, 'left');
    } else {
      parts.push(p.call(print, 'left'));
    }
    parts.push([line, node.op, ' ', p.call(print, 'right')]);
  };
  collect(path);
  return group([parts[0], indent(parts.slice(1))]);
}

/** Function parameters: on the signature line if they fit, else packed on indented lines under it. */
function printParams(path: AstPath, print: Print): Doc {
  const node = path.node as A.FnDecl;
  if (node.params.length === 0) return '()';
  const printed = path.map(print, 'params');
  const parts: Doc[] = [];
  printed.forEach((param, i) => {
    const last = i === printed.length - 1;
    parts.push(last ? param : [param, ',']);
    if (!last) parts.push(holdsTrailingComment(node.params[i] as PNode) || hasLeadingComment(node.params[i + 1] as PNode) ? hardline : line);
  });
  return group(['(', indent([softline, fill(parts)]), softline, ')']);
}

function genericPrint(path: AstPath, options: ParserOptions, print: Print, args?: unknown): Doc {
  const node = path.node as PNode;
  const text = options.originalText;
  switch (node.kind) {
    case 'SourceFile': {
      const parts: Doc[] = [];
      if (node.header) parts.push(print('header'));
      const decls = path.map(print, 'decls');
      node.decls.forEach((decl, i) => {
        if (i === 0) {
          if (node.header) parts.push(hardline, hardline);
        } else {
          const prev = node.decls[i - 1];
          parts.push(hardline);
          if (!groupsWith(prev, decl) || isNextLineEmpty(text, locEnd(prev))) parts.push(hardline);
        }
        parts.push(decls[i]);
      });
      const dangling = rootDanglingComments(path);
      if (dangling.length > 0) {
        if (parts.length > 0) parts.push(hardline);
        parts.push(join(hardline, dangling));
      }
      if (parts.length > 0) parts.push(hardline);
      return parts;
    }

    case 'PolicyHeader':
      return ['policy ', print('name'), ' version ', print('version'), node.description ? [' ', print('description')] : ''];

    case 'ModuleHeader':
      return ['module ', join('.', path.map(print, 'path')), node.description ? [' ', print('description')] : ''];

    case 'UseDecl': {
      const module = node.module.kind === 'std' ? join('.', path.map(print, 'module', 'path')) : path.call(print, 'module', 'path');
      const afterOpen = danglingComments(path, 'afterOpen');
      const names = path.map(print, 'names');
      const open: Doc = afterOpen.length > 0 ? ['{', lineSuffixBoundary, ' ', join(' ', afterOpen), breakParent] : '{';
      return ['use ', module, '.', group([open, indent([softline, join([',', line], names)]), softline, '}'])];
    }

    case 'UnitDecl':
      return ['unit ', print('name')];

    case 'ConstDecl': {
      const head = printAssignment(['const ', print('name'), node.type ? [': ', print('type')] : ''], ' =', print('value'));
      const after = danglingComments(path, 'afterValue');
      return [
        head,
        after.length > 0 ? [lineSuffixBoundary, ' ', join(' ', after)] : '',
        node.source ? indent([hardline, print('source', { prefix: 'source ' })]) : '',
        node.deprecated ? indent([hardline, print('deprecated', { prefix: 'deprecated ' })]) : '',
      ];
    }

    case 'EnumDecl': {
      const afterOpen = danglingComments(path, 'afterOpen');
      const inside = danglingComments(path, 'inside');
      const open: Doc = afterOpen.length > 0 ? [' {', lineSuffixBoundary, ' ', join(' ', afterOpen), breakParent] : ' {';
      if (node.members.length === 0) {
        if (inside.length === 0 && afterOpen.length === 0) return ['enum ', print('name'), ' {}'];
        return ['enum ', print('name'), open, inside.length > 0 ? indent([hardline, join(hardline, inside)]) : '', hardline, '}'];
      }
      const members = path.map(print, 'members');
      return group(['enum ', print('name'), open, indent([line, join([',', line], members)]), line, '}']);
    }

    case 'FnDecl':
      return printAssignment(['fn ', print('name'), printParams(path, print), ': ', print('returnType')], ' =', print('body'));

    case 'Param':
      return [print('name'), ': ', print('type')];

    case 'RecordDecl':
      return printBlock(path, options, print, node.record, 'fields');

    case 'Field': {
      const head: Doc = [node.isPublic ? 'public ' : '', print('name'), ': ', print('type')];
      return node.initial ? printAssignment(head, ' =', print('initial')) : head;
    }

    case 'OnStepDecl':
      return printBlock(path, options, print, 'on step', 'body');

    case 'ClauseDecl': {
      const head = printAssignment(
        [node.clause, ' ', print('name'), node.description ? [' ', print('description')] : ''],
        ':',
        print('value'),
      );
      const after = danglingComments(path, 'afterValue');
      const reveal = node.reveal ? indent([after.length > 0 ? hardline : line, print('reveal', { prefix: 'reveal ' })]) : '';
      return group([head, after.length > 0 ? [lineSuffixBoundary, ' ', join(' ', after)] : '', reveal]);
    }

    case 'VerifyDecl':
      return printBlock(path, options, print, ['verify ', print('name'), node.description ? [' ', print('description')] : ''], 'settings');

    case 'VerifySetting':
      return printAssignment(print('key'), ':', print('value'));

    case 'LetStmt':
      return printAssignment(['let ', print('name')], ' =', print('value'));

    case 'AssignStmt':
      return printAssignment(print('target'), ` ${node.op}`, print('value'));

    case 'ForStmt':
      return printBlock(path, options, print, ['for ', print('variable'), ' in ', print('from'), '..', print('to')], 'body');

    // Types and units

    case 'PrimitiveType':
      return [node.name, node.unit ? [' ', print('unit')] : ''];

    case 'NamedType':
      return print('name');

    case 'ArrayType':
      return ['[', print('element'), '; ', print('length'), ']'];

    case 'UnitExpr': {
      const factors = path.map(print, 'factors');
      return factors.map((factor, i) => (i === 0 ? factor : [node.ops[i - 1], factor]));
    }

    case 'UnitFactor':
      return [print('name'), node.exponent === 1 ? '' : `^${node.exponent}`];

    // Expressions

    case 'NumberLiteral':
      return [node.text, node.unit ? [' ', print('unit')] : ''];

    case 'BoolLiteral':
      return node.value ? 'true' : 'false';

    case 'StringLiteral':
      return [(args as PrintArgs | undefined)?.prefix ?? '', node.raw];

    case 'NameRef':
      return print('name');

    case 'Identifier':
      return node.name;

    case 'MemberExpr':
      return [print('object'), '.', print('member')];

    case 'IndexExpr':
      return [print('object'), '[', print('index'), ']'];

    case 'CallExpr':
      return [print('callee'), printList(path, print, 'args', '(', ')')];

    case 'BinaryExpr':
      return printBinary(path, options, print);

    case 'UnaryExpr':
      return [node.op === 'not' ? 'not ' : '-', print('operand')];

    case 'InRangeExpr':
      return group([print('value'), ' in [', indent([softline, print('low'), ',', line, print('high')]), softline, ']']);

    case 'IfExpr':
      return group(['if ', print('condition'), indent([line, 'then ', print('then'), line, 'else ', print('otherwise')])]);

    case 'ArrayLiteral':
      return printList(path, print, 'elements', '[', ']');

    case 'ArrayRepeat':
      return ['[', print('value'), '; ', print('count'), ']'];

    case 'ParenExpr':
      return group(['(', indent([softline, print('inner')]), softline, ')']);

    case 'ErrorExpr':
      // The parser reported an error for it, and files with errors are never printed.
      throw new Error('cannot format an expression the parser could not read');
  }
}

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

export const printer: Printer<PNode> = {
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
