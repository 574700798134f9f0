/**
 * The programs of a run proof (issue #24), which are its verifier's key: the steps' span tree
 * (runtime/aggregate/span.ts, shaped by spanSplit for any N ≥ 1) and the closing node that ties it to the run.
 *
 * The closing node verifies three proofs in one program — genesis, the steps' span (the root node, or the step
 * proof itself when N = 1) and the attestation — and checks that they are one run:
 *
 *   genesis      S → C_0, the public spec fields      S and C_0 are the span's spec commitment and start state
 *   span         S, C_0 → C_N (steps 1..N)             its end state is the one the attestation starts from
 *   attestation  S, C_N → the policy's outputs         its spec commitment is genesis's
 *
 * Its public outputs are what the chain's report reveals, in the policy's words: S, the public spec fields
 * (genesis's outputs after C_0) and the policy's outputs (the attestation's). Every program's digest is pinned by
 * the one above it, down to the policy's genesis, step and attestation programs, and the tree's shape is fixed by
 * N: a run proof verified against a policy and N proves N steps of that policy's programs, from its genesis.
 */
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import type { ProofBackend } from '../proof/backend.ts';
import { starkSecurity } from '../proof/stark/security.ts';
import { joinVerifier, type JoinPublic, type JoinSpec, type NodeChild } from '../aggregate/node.ts';
import { spanTree, type SpanChild, type SpanTree } from '../aggregate/span.ts';
import { WORD } from '../vm/buses.ts';
import { machine, type Machine } from '../vm/machine.ts';
import { DIGEST_PUBLICS, type Program } from '../vm/program.ts';
import { aggregationPcs, programLogHeights, proofLeaf, stepLeaf } from './aggregate.ts';
import type { ChainPolicy } from './prover.ts';

/** The most steps a run proof covers (the file's `steps` is checked against it before any program is built). */
export const MAX_RUN_PROOF_STEPS = 2 ** 20;

/** The closing node: its spec, program, machine, and the heights of its proofs. */
export interface ClosingProgram {
  readonly spec: JoinSpec;
  readonly program: Program;
  readonly machine: Machine<FriPcsProof>;
  readonly logHeights: readonly number[];
}

/**
 * The programs of a run proof of N steps: the span tree, the genesis and attestation positions, the closing node.
 * The prover needs all of it; the verifier only the closing machine and the tree's security figure
 * (runtime/chain/run-key.ts `RunKey`, cached on disk).
 */
export interface RunTree {
  readonly steps: number;
  readonly tree: SpanTree;
  readonly genesis: NodeChild;
  readonly attestation: NodeChild;
  readonly closing: ClosingProgram;
}

/** The closing node's three children, in tape order. */
export const CLOSING_GENESIS = 0;
export const CLOSING_SPAN = 1;
export const CLOSING_ATTESTATION = 2;

/** How many words the closing node outputs for `policy`: S, the public spec fields, the policy's outputs. */
export function runOutputWords(policy: ChainPolicy): { spec: number; outputs: number; total: number } {
  const spec = policy.programs.genesis.publicOutputs - 1;
  const outputs = policy.programs.attestation.publicOutputs;
  return { spec, outputs, total: 1 + spec + outputs };
}

const lanes = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);

/**
 * The closing node over genesis, a span and the attestation (module comment). A genesis proof's publics are its
 * digest, S, C_0 and the public spec fields; an attestation's its digest, S, C_N and the outputs (vmPublics).
 */
export function closingSpec(policy: ChainPolicy, genesis: NodeChild, span: SpanChild, attestation: NodeChild): JoinSpec {
  const S = DIGEST_PUBLICS;
  const after = DIGEST_PUBLICS + WORD; // C_0 in genesis's publics, C_N in the attestation's
  const words = runOutputWords(policy);
  const pairs = (a: number, ai: number, b: number, bi: number, why: string) =>
    lanes(0, WORD).map((k) => ({ a: { child: a, index: ai + k }, b: { child: b, index: bi + k }, why }));
  const of = (child: number, from: number, count: number): JoinPublic[] => lanes(from, count).map((index) => ({ child, index }));
  return {
    children: [genesis, span.child, attestation],
    links: [
      ...pairs(CLOSING_GENESIS, S, CLOSING_SPAN, span.publics.spec, "run: the steps are not under genesis's spec commitment"),
      ...pairs(CLOSING_GENESIS, after, CLOSING_SPAN, span.publics.start, 'run: the first step does not start from the state genesis made'),
      ...pairs(CLOSING_GENESIS, S, CLOSING_ATTESTATION, S, "run: the attestation is not under genesis's spec commitment"),
      ...pairs(CLOSING_SPAN, span.publics.end, CLOSING_ATTESTATION, after, 'run: the attestation does not start from the state the last step ended in'),
    ],
    outputs: [...of(CLOSING_GENESIS, S, WORD), ...of(CLOSING_GENESIS, after + WORD, WORD * words.spec), ...of(CLOSING_ATTESTATION, after + WORD, WORD * words.outputs)],
  };
}

/**
 * The programs of a run proof of `steps` steps of `policy`: every program built from the policy and N alone, each
 * machine's preprocessed tables committed (on `backend`): seconds to minutes, once per policy and N. N is bounded
 * before anything is built (a hostile file's `steps` cannot ask for an unbounded tree).
 */
export function runTree(policy: ChainPolicy, steps: number, backend?: ProofBackend): RunTree {
  if (!Number.isSafeInteger(steps) || steps < 1 || steps > MAX_RUN_PROOF_STEPS) throw new RangeError(`a run proof covers 1 to ${MAX_RUN_PROOF_STEPS} steps; this run has ${steps}`);
  const tree = spanTree(stepLeaf(policy), steps, () => aggregationPcs(backend), programLogHeights);
  const genesis = proofLeaf(policy, 'genesis');
  const attestation = proofLeaf(policy, 'attestation');
  const spec = closingSpec(policy, genesis, tree.root, attestation);
  const { program } = joinVerifier(spec, null);
  const m = machine<FriPcsProof>(program, aggregationPcs(backend));
  return { steps, tree, genesis, attestation, closing: { spec, program, machine: m, logHeights: programLogHeights(m) } };
}

type Bits = { conjecturedBits: number; provenBits: number | null };

/** The weaker of two figures, each bound (conjectured, proven) taken alone. */
export function weakerBits(a: Bits, b: Bits): Bits {
  return { conjecturedBits: Math.min(a.conjecturedBits, b.conjecturedBits), provenBits: a.provenBits === null || b.provenBits === null ? null : Math.min(a.provenBits, b.provenBits) };
}

/**
 * The least figure over every proof of the tree below the closing node: genesis, step and attestation proofs and
 * every span program's, each at the heights its program fixes (what a cached key keeps, run-key.ts).
 */
export function treeBelowSecurity(tree: RunTree): Bits {
  return [
    ...[tree.genesis, tree.tree.leaf.child, tree.attestation].map((c) => starkSecurity(c.system, c.logHeights)),
    ...[...tree.tree.programs.values()].map((p) => starkSecurity(p.machine.system, p.logHeights)),
  ].reduce<Bits>((w, f) => weakerBits(w, f), { conjecturedBits: Infinity, provenBits: Infinity });
}

