/**
 * Spans of a run (issue #24): what a node of the aggregation tree links. A span is a run of consecutive steps proven
 * by one proof — one step's proof (a leaf) or a node's — and says three words among its publics: the spec commitment
 * it was proven for, the state commitment it starts from and the one it ends in. Two spans link when they share the
 * spec commitment and the right one starts where the left one ended; their node is the span from the left one's start
 * to the right one's end, its publics always in one order (`NODE_SPAN`), so nodes of nodes are built alike.
 *
 * A node is fixed by its children's positions (each a system, its heights and its pinned program digest), so a
 * tree of 2^L steps has one node program per level, the level-k program verifying two proofs of the level k − 1
 * program (`spanTree`).
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

/** One level of a span tree: its node spec, program and machine (whose proofs are the next level's children). */
export interface SpanLevel {
  readonly spec: NodeSpec;
  readonly program: Program;
  readonly machine: Machine<FriPcsProof>;
  /** The heights of every proof of this level's program (a straight-line program fills its tables alike). */
  readonly logHeights: readonly number[];
}

/**
 * The node programs of a tree over `2^levels` leaves of `leaf`: level 1 verifies two leaves, level k two proofs of
 * level k − 1's program, each at `heightsOf(level machine)` (the heights its proofs have). `pcs` makes each level's
 * machine (the aggregation parameters).
 */
export function spanTree(leaf: SpanChild, levels: number, pcs: () => FriPcs, heightsOf: (m: Machine<FriPcsProof>) => readonly number[]): SpanLevel[] {
  const out: SpanLevel[] = [];
  let child = leaf;
  for (let k = 1; k <= levels; k++) {
    const spec = spanNode(child, child);
    const { program } = nodeVerifier(spec, null);
    const m = machine<FriPcsProof>(program, pcs());
    const logHeights = heightsOf(m);
    out.push({ spec, program, machine: m, logHeights });
    child = { child: machineChild(m, logHeights), publics: NODE_SPAN };
  }
  return out;
}
