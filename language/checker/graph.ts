/**
 * Dependency graphs between a file's declarations (constants on constants, functions on functions), walked
 * without recursion so that a chain of thousands of declarations cannot overflow the JavaScript stack.
 */
import type * as A from '../ast.ts';
import { childrenOf } from '../ast.ts';

/**
 * The strongly connected components of a graph (Tarjan's algorithm, iterative), each listed in `nodes` order,
 * the components in reverse topological order: a component comes after every component it depends on.
 */
export function stronglyConnected<T>(nodes: readonly T[], edges: (node: T) => readonly T[]): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const order = new Map(nodes.map((n, i) => [n, i]));
  const components: T[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: T; targets: readonly T[]; i: number }[] = [];
    const enter = (node: T) => {
      index.set(node, next);
      low.set(node, next);
      next++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: edges(node), i: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.i < frame.targets.length) {
        const target = frame.targets[frame.i++];
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: T[] = [];
        let member: T;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)));
      }
    }
  }
  return components;
}

/** Every node below `root` (itself included), visited without recursion. */
export function descendants(root: A.Node): A.Node[] {
  const out: A.Node[] = [];
  const todo: A.Node[] = [root];
  while (todo.length > 0) {
    const n = todo.pop()!;
    out.push(n);
    todo.push(...childrenOf(n));
  }
  return out;
}
