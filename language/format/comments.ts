/**
 * Comment placement: to which node each `//` comment attaches, and how. The parser gives every comment in
 * `SourceFile.comments`; Prettier's core takes that array off the root and attaches each comment to a node as
 * leading, trailing or dangling: `getCommentChildNodes` (our `childrenOf`; `getVisitorKeys` lists the same
 * children and never `span` or the bigint fields) and `canAttachComment` tell it which nodes there are,
 * `locStart`/`locEnd` where they are, and `handleComments` (handleComment below) overrides its choice where
 * that would not print well:
 *   - an own-line comment goes above the nearest node that can start a line (a declaration, field, statement,
 *     list item or value after `=`); where none can (`x.` then `// c` then `y`), it goes to the end of the
 *     line before (placeAbove, placeBelow);
 *   - a comment in an empty block stays inside the braces, one right after a `{` stays there, one before a
 *     block's `{` goes above the block, and one after a const's or clause's value stays at the end of the
 *     value's line, before `source`/`deprecated`/`reveal` (dangling comments with a `marker`).
 * Where the printed form of a node can break its line (lineBreakPrecedes, lineBreakFollows) decides both where
 * a comment may go and, in print.ts, how a trailing comment is printed.
 */
import type * as A from '../ast.ts';
import { childrenOf, walk } from '../ast.ts';
import { hasNewlineBetween, locEnd, locStart, startsLine } from './source-text.ts';

/** A comment as Prettier sees it once attached (`value` is what Prettier's own error messages read). */
export interface PrettierComment extends A.Comment {
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

export type CommentMarker = 'inside' | 'afterOpen' | 'afterValue';

/** An AST node after Prettier attached comments to it. */
export type PNode = A.Node & { comments?: PrettierComment[] };

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
export function handleComment(comment: PrettierComment, text: string, comments: readonly PrettierComment[], root: PNode): boolean {
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

/**
 * Whether the printed form of the current node's parent can break the line right after the node (a list
 * separator, the break after `=` or `:`, a binary operator, a block's line): only then does a trailing comment
 * break the group it is in, so that the output keeps it where a second run of the formatter would put it.
 */
export function lineBreakFollows(parent: PNode | { kind: 'std' | 'file' } | null | undefined, child: PNode): boolean {
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
