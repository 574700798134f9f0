/**
 * The printers: each node of the AST as a Prettier doc, and the comments attached to it (comments.ts). The
 * canonical style is described in docs/formatting.md.
 *
 * The printer prints comments itself (`willPrintOwnComments`, printComments below): like Prettier's own
 * printing, but a trailing comment breaks the surrounding group only where a line break may follow its node,
 * and `lineSuffixBoundary` guarantees that two comments never end up on one line (one would swallow the other).
 * Every comment is marked printed; Prettier throws if one is not, so none can be dropped silently.
 *
 * Nothing in the AST is re-derived: numbers print as written (`NumberLiteral.text`), strings as their raw
 * text and parentheses exactly where the user put them, so the AST of the output equals the AST of the input.
 */
import type { AstPath, Doc, ParserOptions } from 'prettier';
import { builders } from 'prettier/doc';
import type * as A from '../ast.ts';
import { walk } from '../ast.ts';
import { lineBreakFollows, type CommentMarker, type PNode, type PrettierComment } from './comments.ts';
import { isNextLineEmpty, isPreviousLineEmpty, locEnd, locStart, startsLine } from './source-text.ts';

const { breakParent, fill, group, hardline, indent, join, line, lineSuffix, lineSuffixBoundary, softline } = builders;

/** Extra arguments a parent passes when printing a child: a keyword printed after the child's leading comments. */
interface PrintArgs {
  prefix?: string;
}

export type Print = (selector?: string | number | (string | number)[] | AstPath, args?: unknown) => Doc;

// ---------------------------------------------------------------------------------------------------------
// Comments

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
export function printComments(path: AstPath, options: ParserOptions, doc: Doc): Doc {
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
export function printCommentText(comment: A.Comment): string {
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
// Nodes

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

export function genericPrint(path: AstPath, options: ParserOptions, print: Print, args?: unknown): Doc {
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
      const head: Doc = [node.isPublic ? 'public ' : '', print('name'), ': ', print('type'), node.from ? [' ', print('from')] : ''];
      return node.initial ? printAssignment(head, ' =', print('initial')) : head;
    }

    case 'FieldSource':
      return ['from ', print('chain'), '.', join('.', path.map(print, 'path'))];

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
      return printBlock(path, options, print, ['verify ', print('name'), node.family ? print('family') : '', node.description ? [' ', print('description')] : ''], 'settings');

    case 'VerifySetting':
      return printAssignment(print('key'), ':', print('value'));

    case 'VerifyFamily':
      return ['[', print('variable'), ' in ', print('from'), '..', print('to'), ']'];

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
