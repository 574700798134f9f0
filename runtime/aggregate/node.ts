/**
 * The node program of an aggregation tree (issue #24): one zkVM program that verifies two child proofs
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

/** Why the spec names a public its child does not have, or null. */
function specProblem(spec: NodeSpec): string | null {
  const count = (c: 'left' | 'right') => spec[c].system.publicInputs;
  const bad = (c: 'left' | 'right', i: number) => !Number.isInteger(i) || i < 0 || i >= count(c);
  for (const [k, [l, r]] of spec.links.entries()) {
    if (bad('left', l)) return `links[${k}]: the left child has no public ${l} (it has ${count('left')})`;
    if (bad('right', r)) return `links[${k}]: the right child has no public ${r} (it has ${count('right')})`;
  }
  for (const [k, o] of spec.outputs.entries()) {
    if ((o.child !== 'left' && o.child !== 'right') || bad(o.child, o.index)) return `outputs[${k}]: no public ${o.index} of the ${String(o.child)} child`;
  }
  return null;
}

/**
 * The node program for `spec`, and with `children` its tape and expected outputs (null: the program alone).
 * Fails the program when a child's proof is wrong, a pinned public differs (another program), or a link does not
 * hold (`node: the right child does not start where the left one ended (link k)`).
 */
export function nodeVerifier(spec: NodeSpec, children: { readonly left: ChildProof; readonly right: ChildProof } | null): VerifierProgram {
  const problem = specProblem(spec);
  if (problem) throw new RangeError(`node: ${problem}`);
  const outputWords = Math.ceil(spec.outputs.length / 8);
  const asm = new Assembler(0, outputWords);
  const tape = new Tape(asm);
  const emitted = (['left', 'right'] as const).map((c) =>
    emitStarkVerifier(asm, tape, spec[c].system, spec[c].logHeights, children ? children[c] : null, { fixedPublics: spec[c].fixedPublics }),
  );
  const [left, right] = emitted as [(typeof emitted)[0], (typeof emitted)[0]];
  const linkStart = asm.pc;
  spec.links.forEach(([l, r], k) => {
    asm.assertEq(lane0(asm, left.publics[l]!), lane0(asm, right.publics[r]!), `node: the right child does not start where the left one ended (link ${k})`);
  });
  const of = (o: PublicOf): { ref: ElemRef; value: number } => {
    const e = o.child === 'left' ? left : right;
    return { ref: e.publics[o.index]!, value: e.values[o.index]! };
  };
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
    parts: [...left.parts, ...right.parts, { name: 'outputs', start: linkStart, end: asm.pc }],
  };
}
