/**
 * Finding the syntax under a cursor: the chain of nodes from the file down to the innermost one that holds an
 * offset, and the identifier there. Spans are half-open, but a cursor right after a word (`FLOP|`) still means
 * that word, as editors expect, so containment here includes the end.
 */
import * as A from '../ast.ts';

/** The nodes that hold `offset`, outermost (the file) first, innermost last. */
export function nodePathAt(file: A.SourceFile, offset: number): A.Node[] {
  const path: A.Node[] = [file];
  let node: A.Node = file;
  for (;;) {
    const holding: A.Node[] = A.childrenOf(node).filter((c) => c.span.start.offset <= offset && offset <= c.span.end.offset);
    if (holding.length === 0) return path;
    // Two siblings can touch (`a+b` with the cursor between `a` and `+`): a name wins, then the first.
    node = holding.find((c) => c.kind === 'Identifier') ?? holding[0]!;
    path.push(node);
  }
}

/** The identifier under `offset` and its two nearest ancestors, or undefined when the cursor is not on a name. */
export function identifierAt(file: A.SourceFile, offset: number): { id: A.Identifier; parent: A.Node; grand: A.Node | undefined } | undefined {
  const path = nodePathAt(file, offset);
  const last = path[path.length - 1];
  if (last?.kind !== 'Identifier' || path.length < 2) return undefined;
  return { id: last, parent: path[path.length - 2]!, grand: path[path.length - 3] };
}

/** Calls `visit` on every identifier of `file` with its parent and grandparent. */
export function eachIdentifier(file: A.SourceFile, visit: (id: A.Identifier, parent: A.Node, grand: A.Node | undefined) => void): void {
  const stack: { node: A.Node; parent: A.Node | undefined; grand: A.Node | undefined }[] = [{ node: file, parent: undefined, grand: undefined }];
  while (stack.length > 0) {
    const { node, parent, grand } = stack.pop()!;
    if (node.kind === 'Identifier') {
      if (parent) visit(node, parent, grand);
      continue;
    }
    for (const child of A.childrenOf(node)) stack.push({ node: child, parent: node, grand: parent });
  }
}

