/**
 * The node program of an aggregation tree (issue #24): one zkVM program that verifies two child proofs (or any
 * number: `joinVerifier`, the run's closing node)
 * (verifier.ts `emitStarkVerifier`, each with its system's program digest pinned when it is a VM proof) and checks
 * that they link — the later child starts from the state the earlier one ended in: named publics of the two
 * children must be equal. Its public outputs are a chosen selection of the children's publics (the run's start
 * state from the left child, its end state from the right one, what both share), so a node's proof is a child
 * of the next level like a step's.
 *
 * Like the verifier program, the node is fixed by its children's systems, heights, pinned publics, links and
 * outputs; the proofs are its tape.
 */
import type { FriPcsProof } from '../proof/pcs/index.ts';
import type { StarkSystem } from '../proof/stark/system.ts';
import { Assembler } from '../vm/assembler.ts';
import type { Machine } from '../vm/machine.ts';
import { digestPublics } from '../vm/program.ts';
import type { Word } from '../vm/word.ts';
import type { ChildProof } from './child.ts';
import { assemble, lane0, Tape, type ElemRef } from './elements.ts';
import { emitStarkVerifier, type VerifierProgram } from './verifier.ts';

/** One child position of a node: its proofs' system and heights, and publics pinned to constants (a VM digest). */
export interface NodeChild {
  readonly system: StarkSystem<FriPcsProof>;
  readonly logHeights: readonly number[];
  readonly fixedPublics?: readonly number[];
}

/** A public of one child, by index. */
export interface PublicOf {
  readonly child: 'left' | 'right';
  readonly index: number;
}

export interface NodeSpec {
  readonly left: NodeChild;
  readonly right: NodeChild;
  /** (left public, right public) pairs that must be equal: the right child starts where the left one ended. */
  readonly links: readonly (readonly [number, number])[];
  /** The node's public outputs, eight a word, in order. */
  readonly outputs: readonly PublicOf[];
}

/** The node position of a VM machine's proofs: its program digest pinned. */
export function machineChild(m: Machine<FriPcsProof>, logHeights: readonly number[]): NodeChild {
  return { system: m.system, logHeights, fixedPublics: digestPublics(m.digest) };
}

/**
 * A node of any number of children (the run's closing node verifies genesis, the steps' span and the attestation):
 * `children` in tape order, `links` each a pair of (child, public) that must be equal with the message its failure
 * gives, `outputs` the node's public outputs, eight a word, in order. A two-child NodeSpec is the same program.
 */
export interface JoinSpec {
  readonly children: readonly NodeChild[];
  readonly links: readonly { readonly a: JoinPublic; readonly b: JoinPublic; readonly why: string }[];
  readonly outputs: readonly JoinPublic[];
}

/** A public of the child at a position of a JoinSpec. */
export interface JoinPublic {
  readonly child: number;
  readonly index: number;
}

/** The two-child spec as a JoinSpec: left is child 0, right child 1, link k fails naming k. */
export function joinOf(spec: NodeSpec): JoinSpec {
  const at = (o: PublicOf): JoinPublic => ({ child: o.child === 'left' ? 0 : o.child === 'right' ? 1 : -1, index: o.index });
  return {
    children: [spec.left, spec.right],
    links: spec.links.map(([l, r], k) => ({ a: { child: 0, index: l }, b: { child: 1, index: r }, why: `node: the right child does not start where the left one ended (link ${k})` })),
    outputs: spec.outputs.map(at),
  };
}

const SIDES = ['left', 'right'] as const;

/** Why the spec names a public its child does not have, or null. */
function specProblem(spec: JoinSpec): string | null {
  const name = (c: number) => (spec.children.length === 2 ? `the ${SIDES[c]} child` : `child ${c}`);
  const bad = (o: JoinPublic) => !Number.isInteger(o.child) || o.child < 0 || o.child >= spec.children.length || !Number.isInteger(o.index) || o.index < 0 || o.index >= spec.children[o.child]!.system.publicInputs;
  for (const [k, { a, b }] of spec.links.entries()) {
    for (const o of [a, b]) if (bad(o)) return `links[${k}]: ${spec.children[o.child] ? `${name(o.child)} has no public ${o.index} (it has ${spec.children[o.child]!.system.publicInputs})` : `no child ${o.child}`}`;
  }
  for (const [k, o] of spec.outputs.entries()) {
    if (bad(o)) return `outputs[${k}]: no public ${o.index} of ${spec.children[o.child] ? name(o.child) : `child ${o.child}`}`;
  }
  return null;
}

/**
 * The node program for `spec`, and with `children` its tape and expected outputs (null: the program alone).
 * Fails the program when a child's proof is wrong, a pinned public differs (another program), or a link does not
 * hold (`node: the right child does not start where the left one ended (link k)`).
 */
export function nodeVerifier(spec: NodeSpec, children: { readonly left: ChildProof; readonly right: ChildProof } | null): VerifierProgram {
  return joinVerifier(joinOf(spec), children ? [children.left, children.right] : null);
}

/** The program of a JoinSpec, and with `proofs` (one a child, in order) its tape and outputs; fails as nodeVerifier's. */
export function joinVerifier(spec: JoinSpec, proofs: readonly ChildProof[] | null): VerifierProgram {
  const problem = specProblem(spec);
  if (problem) throw new RangeError(`node: ${problem}`);
  if (proofs && proofs.length !== spec.children.length) throw new RangeError(`node: ${proofs.length} proofs for ${spec.children.length} children`);
  const outputWords = Math.ceil(spec.outputs.length / 8);
  const asm = new Assembler(0, outputWords);
  const tape = new Tape(asm);
  const emitted = spec.children.map((c, i) => emitStarkVerifier(asm, tape, c.system, c.logHeights, proofs ? proofs[i]! : null, { fixedPublics: c.fixedPublics }));
  const linkStart = asm.pc;
  for (const { a, b, why } of spec.links) asm.assertEq(lane0(asm, emitted[a.child]!.publics[a.index]!), lane0(asm, emitted[b.child]!.publics[b.index]!), why);
  const of = (o: JoinPublic): { ref: ElemRef; value: number } => ({ ref: emitted[o.child]!.publics[o.index]!, value: emitted[o.child]!.values[o.index]! });
  const outputs: Word[] = [];
  for (let w = 0; w < outputWords; w++) {
    const sel = spec.outputs.slice(8 * w, 8 * w + 8).map(of);
    asm.output(assemble(asm, sel.map((s) => s.ref)), w);
    outputs.push([...sel.map((s) => s.value), ...new Array<number>(8 - sel.length).fill(0)]);
  }
  asm.halt();
  return {
    program: asm.build(),
    tape: tape.words,
    outputs,
    parts: [...emitted.flatMap((e) => e.parts), { name: 'outputs', start: linkStart, end: asm.pc }],
  };
}
