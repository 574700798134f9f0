/**
 * Spans of a run (issue #24): what a node of the aggregation tree links. A span is a run of consecutive steps proven
 * by one proof — one step's proof (a leaf) or a node's — and says three words among its publics: the spec commitment
 * it was proven for, the state commitment it starts from and the one it ends in. Two spans link when they share the
 * spec commitment and the right one starts where the left one ended; their node is the span from the left one's start
 * to the right one's end, its publics always in one order (`NODE_SPAN`), so nodes of nodes are built alike.
 *
 * A node is fixed by its children's positions (each a system, its heights and its pinned program digest), so a
 * tree has one node program per span size (`spanTree`, shaped by `spanSplit`): a tree of 2^L steps one per level,
 * the level-k program verifying two proofs of the level k − 1 program; any other number of steps joins complete
 * trees of different sizes.
 */
import type { FriPcs, FriPcsProof } from '../proof/pcs/index.ts';
import { machine, type Machine } from '../vm/machine.ts';
import type { Program } from '../vm/program.ts';
import { WORD } from '../vm/buses.ts';
import { DIGEST_PUBLICS } from '../vm/program.ts';
import { machineChild, nodeVerifier, type NodeChild, type NodeSpec, type PublicOf } from './node.ts';

/** Where a span's three words start among its proof's publics (each WORD lanes). */
export interface SpanPublics {
  readonly spec: number;
  readonly start: number;
  readonly end: number;
}

/** A node's publics: its program digest, then the spec commitment, the start state and the end state. */
export const NODE_SPAN: SpanPublics = { spec: DIGEST_PUBLICS, start: DIGEST_PUBLICS + WORD, end: DIGEST_PUBLICS + 2 * WORD };

/** One position of a node: the proofs' system, heights and pinned digest, and where their span's words are. */
export interface SpanChild {
  readonly child: NodeChild;
  readonly publics: SpanPublics;
}

const lanes = (from: number) => Array.from({ length: WORD }, (_, k) => from + k);

/** The node of two spans: the spec commitments equal, the right starting where the left ended; outputs NODE_SPAN's words. */
export function spanNode(left: SpanChild, right: SpanChild): NodeSpec {
  const word = (child: 'left' | 'right', from: number): PublicOf[] => lanes(from).map((index) => ({ child, index }));
  return {
    left: left.child,
    right: right.child,
    links: [
      ...lanes(0).map((k) => [left.publics.spec + k, right.publics.spec + k] as const),
      ...lanes(0).map((k) => [left.publics.end + k, right.publics.start + k] as const),
    ],
    outputs: [...word('left', left.publics.spec), ...word('left', left.publics.start), ...word('right', right.publics.end)],
  };
}

/** The node program of spans of `steps` leaves: its spec, program and machine (whose proofs are a parent's children). */
export interface SpanProgram {
  /** How many leaves its proofs span, and how many of them its left and right children span. */
  readonly steps: number;
  readonly split: readonly [number, number];
  readonly spec: NodeSpec;
  readonly program: Program;
  readonly machine: Machine<FriPcsProof>;
  /** The heights of every proof of this program (a straight-line program fills its tables alike). */
  readonly logHeights: readonly number[];
}

/**
 * How a span of n ≥ 2 leaves splits: its left part is the largest power of two below n, its right part the rest
 * (itself split alike). So a power of two is the complete binary tree, and any other n is complete trees of
 * decreasing sizes, joined right to left: n = 3 is (2, 1), 6 is (4, 2), 7 is (4, (2, 1)). The shape of a span
 * depends on its size alone, so one program serves every span of a size, and a tree over n leaves has at most
 * 2·log2(n) programs. No leaf is padded: a node joins spans of different sizes (its two children's programs differ).
 */
export function spanSplit(n: number): [number, number] {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`a span node joins at least 2 leaves, not ${n}`);
  let left = 1;
  while (left * 2 < n) left *= 2;
  return [left, n - left];
}

/** The tree over `steps` leaves: its node programs by span size, and the position of its root (the leaf when steps = 1). */
export interface SpanTree {
  readonly steps: number;
  readonly leaf: SpanChild;
  /** Every node program of the tree, by the number of leaves it spans; children before their parents. */
  readonly programs: ReadonlyMap<number, SpanProgram>;
  /** The whole span as a child of the next program: the leaf position for one step, else its root program's. */
  readonly root: SpanChild;
}

/** The child position of spans of `n` leaves in `tree` (n = 1: the leaf). */
export function spanPosition(tree: Pick<SpanTree, 'leaf' | 'programs'>, n: number): SpanChild {
  if (n === 1) return tree.leaf;
  const p = tree.programs.get(n);
  if (!p) throw new RangeError(`internal: the tree has no program of ${n} leaves`);
  return { child: machineChild(p.machine, p.logHeights), publics: NODE_SPAN };
}

/**
 * The node programs of a tree over `steps` ≥ 1 leaves of `leaf` (spanSplit's shape), each machine made with `pcs`
 * (the aggregation parameters) and its proofs' heights `heightsOf(machine)`. For 2^L leaves these are the L level
 * programs, level k verifying two proofs of level k − 1.
 */
export function spanTree(leaf: SpanChild, steps: number, pcs: () => FriPcs, heightsOf: (m: Machine<FriPcsProof>) => readonly number[]): SpanTree {
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`a span tree covers at least 1 leaf, not ${steps}`);
  const programs = new Map<number, SpanProgram>();
  const tree = { leaf, programs };
  const build = (n: number): void => {
    if (n === 1 || programs.has(n)) return;
    const split = spanSplit(n);
    build(split[0]);
    build(split[1]);
    const spec = spanNode(spanPosition(tree, split[0]), spanPosition(tree, split[1]));
    const { program } = nodeVerifier(spec, null);
    const m = machine<FriPcsProof>(program, pcs());
    programs.set(n, { steps: n, split, spec, program, machine: m, logHeights: heightsOf(m) });
  };
  build(steps);
  return { steps, leaf, programs, root: spanPosition(tree, steps) };
}
