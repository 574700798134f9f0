/**
 * The chain's proofs as children of the aggregation tree (issue #24): the steps are its leaves, genesis and the
 * attestation the children of the run's closing node (runtime/chain/run-proof.ts). A step proof made to be aggregated (`zpol prove
 * --aggregatable`: Poseidon2, POSEIDON2_AGGREGATION_PCS_PARAMS) is a zkVM proof of the policy's step program, whose
 * publics are, in this fixed order (runtime/vm/machine.ts vmPublics and the step program's words,
 * docs/compiler.md): the program digest (16 elements), the spec commitment S, the state commitment it starts from
 * C_{k−1}, the step record's commitment R_k, and the state commitment it ends in C_k — the span `STEP_SPAN`.
 *
 * Heights: a compiled program is straight-line but for loops of constant counts (runtime/vm/costs.ts), so every
 * table's height, and the blinding collector's, follow from the program alone (`programLogHeights`): every step
 * proof of a policy has the same heights, and one node program verifies any two of them. A proof at other heights
 * (a segmented step, another prover) is refused when its node's tape is built.
 */
import { programTableRows } from '../vm/costs.ts';
import { machine, type Machine } from '../vm/machine.ts';
import { DIGEST_PUBLICS, type Program } from '../vm/program.ts';
import { WORD } from '../vm/buses.ts';
import { vmPublics } from '../vm/machine.ts';
import { FriPcs, type FriPcsProof } from '../proof/pcs/index.ts';
import { decodeFriPcsProof } from '../proof/pcs/codec.ts';
import { POSEIDON2_AGGREGATION_PCS_PARAMS } from '../proof/pcs/security.ts';
import type { ProofBackend } from '../proof/backend.ts';
import { HASH_CONFIGS } from '../proof/hash-config.ts';
import { decodeStarkProof } from '../proof/stark/codec.ts';
import { machineChild, type NodeChild } from '../aggregate/node.ts';
import type { ProofKind } from '../policy/artifact.ts';
import type { ChildProof } from '../aggregate/child.ts';
import { spanTree, type SpanChild, type SpanPublics, type SpanTree } from '../aggregate/span.ts';
import { digestFromHex } from '../run/tensor-commit.ts';
import type { ChainPolicy } from './prover.ts';
import { proofAggregatable, type ProofFile } from './proof-file.ts';

/** A step proof's span: S, C_{k−1} and C_k among its publics (R_k, between them, stays inside the step). */
export const STEP_SPAN: SpanPublics = { spec: DIGEST_PUBLICS, start: DIGEST_PUBLICS + WORD, end: DIGEST_PUBLICS + 3 * WORD };

/** The PCS of proofs made to be aggregated, of the tree's nodes and of a verifying key's machine, its kernels on `backend`. */
export const aggregationPcs = (backend?: ProofBackend): FriPcs => new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2, backend });

/** The log2 heights of every proof of `m`'s program: its tables' (runtime/vm/costs.ts) and the blinding collector's. */
export function programLogHeights(m: Machine<FriPcsProof>): number[] {
  const tables = programTableRows(m.program).map((t) => Math.log2(t.rows));
  const blinded = m.system.tables.filter((t) => t.blinded).length;
  if (blinded === 0) return tables;
  let n = 2;
  while (n < blinded) n *= 2;
  return [...tables, Math.log2(n)];
}

const machines = new WeakMap<Program, Machine<FriPcsProof>>();

/** The machine of a program at the aggregation parameters (built once per program). */
export function aggregationMachine(program: Program): Machine<FriPcsProof> {
  let m = machines.get(program);
  if (!m) machines.set(program, (m = machine<FriPcsProof>(program, aggregationPcs())));
  return m;
}

/**
 * Why `policy`'s step proofs cannot be leaves of the tree, or null: the tree links the words STEP_SPAN names, so the
 * step program must take exactly the three public input words (S, C_{k−1}, R_k) and write exactly one public output
 * word (C_k), each a digest. A compiled policy's does (docs/compiler.md); a hand-made artifact (whose digest covers
 * whatever it holds) whose step program writes other public outputs — a value as field or limb words, or more words
 * — would have the tree link, and the run proof report as states, words that are not its state commitments. Checked
 * from the artifact alone, before any machine or node program is built (minutes of work).
 */
export function aggregationProblem(policy: ChainPolicy): string | null {
  const step = policy.programs.step;
  if (step.publicInputs !== 3 || step.publicOutputs !== 1) {
    return (
      `ZV311: the policy's step program takes ${step.publicInputs} public input words and writes ${step.publicOutputs} public output words; ` +
      'a run proof links step proofs by their spec, previous state, record and new state commitments (3 digest words in, 1 out), so these steps cannot be aggregated'
    );
  }
  return null;
}

/** The node position of a policy's `kind` proofs: its program's digest pinned, at the heights the program fixes. */
export function proofLeaf(policy: ChainPolicy, kind: ProofKind): NodeChild {
  const m = aggregationMachine(policy.programs[kind]);
  return machineChild(m, programLogHeights(m));
}

/** The leaf position of a policy's step proofs, with its span's words. */
export function stepLeaf(policy: ChainPolicy): SpanChild {
  const problem = aggregationProblem(policy);
  if (problem) throw new Error(problem);
  return { child: proofLeaf(policy, 'step'), publics: STEP_SPAN };
}

/** The node programs of a tree over `steps` ≥ 1 steps of `policy` (runtime/aggregate/span.ts spanSplit's shape). */
export function stepTree(policy: ChainPolicy, steps: number, pcs: () => FriPcs = aggregationPcs): SpanTree {
  return spanTree(stepLeaf(policy), steps, pcs, programLogHeights);
}

/** A step proof file as a child of the tree, or why it cannot be one (naming the field). */
export function stepChild(policy: ChainPolicy, proof: ProofFile): { ok: true; child: ChildProof } | { ok: false; error: string } {
  return proofChild(policy, 'step', proof);
}

/**
 * A proof file of `kind` (genesis, a step, the attestation) as a child of a node, or why it cannot be one (naming
 * the field): the kind asked, made to be aggregated, in one proof, its STARK proof decodable for the program.
 * Whether it verifies is the node program's to say.
 */
export function proofChild(policy: ChainPolicy, kind: ProofKind, proof: ProofFile): { ok: true; child: ChildProof } | { ok: false; error: string } {
  const what = kind === 'step' ? 'a leaf of the step tree is a step proof' : `this child is the ${kind} proof`;
  if (proof.kind !== kind) return { ok: false, error: `kind: ${what}, this file holds the ${proof.kind} proof` };
  if (!proofAggregatable(proof)) return { ok: false, error: 'params: not made to be aggregated (prove with zpol prove --aggregatable)' };
  if (proof.segments) return { ok: false, error: `segments: a ${kind} proven in segments is not a child (aggregation reads one proof a program run)` };
  const m = aggregationMachine(policy.programs[kind]);
  const decoded = decodeStarkProof(Buffer.from(proof.stark, 'base64'), m.system, (bytes, layouts) => decodeFriPcsProof(bytes, m.system.pcs.params, layouts));
  if (!decoded.ok) return { ok: false, error: `stark: ${decoded.error}` };
  let words;
  try {
    words = { inputs: proof.publicInputs.map(digestFromHex), outputs: proof.publicOutputs.map(digestFromHex) };
  } catch (e) {
    return { ok: false, error: `publicInputs/publicOutputs: ${(e as Error).message}` };
  }
  const program = m.program;
  if (words.inputs.length !== program.publicInputs || words.outputs.length !== program.publicOutputs) {
    return { ok: false, error: `publicInputs/publicOutputs: ${words.inputs.length} and ${words.outputs.length} words, the ${kind} program has ${program.publicInputs} and ${program.publicOutputs}` };
  }
  return { ok: true, child: { publics: vmPublics(program, words.inputs, words.outputs), proof: decoded.value } };
}
