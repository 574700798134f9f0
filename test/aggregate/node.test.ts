// The node program (runtime/aggregate/node.ts): two real zkVM step proofs verified in one program and linked —
// the right child must start from the state the left one ended in. A linked pair is accepted and the node outputs
// the run's program digest, start and end; a gap, a reordered pair and a child of another program are rejected.
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_PCS_PARAMS, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { Assembler } from '../../runtime/vm/assembler.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution, vmPublics } from '../../runtime/vm/machine.ts';
import { digestPublics, programDigest, type Program } from '../../runtime/vm/program.ts';
import { fieldWord } from '../../runtime/vm/word.ts';
import { machineChild, nodeVerifier, type NodeSpec } from '../../runtime/aggregate/node.ts';

/** A step: state x (public input) → x + k (public output). */
function stepProgram(k: number): Program {
  const asm = new Assembler(1, 1);
  const x = asm.alloc();
  asm.input(x, 0);
  asm.addi(x, x, k);
  asm.output(x, 0);
  asm.halt();
  return asm.build();
}

function stepProof(program: Program, state: number) {
  const m = machine<FriPcsProof>(program, new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }));
  const exec = execute(program, { publicInputs: [fieldWord(state)] });
  const proof = proveExecution(m, exec, { seed: `step ${state}` });
  expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
  return { m, child: { publics: vmPublics(program, exec.publicInputs, exec.publicOutputs), proof: proof.stark } };
}

// Publics of a step: the program digest (16), the input word (16..23), the output word (24..31).
const lanes = (from: number) => Array.from({ length: 8 }, (_, k) => from + k);

describe('the node program: two step proofs verified and linked', () => {
  it('accepts a linked pair and rejects a gap, a reordered pair and a child of another program', { timeout: 600_000 }, () => {
    const step = stepProgram(5);
    const a = stepProof(step, 1);
    const b = stepProof(step, 6);
    const heights = a.child.proof.logHeights;
    expect(b.child.proof.logHeights).toEqual(heights);
    const spec: NodeSpec = {
      left: machineChild(a.m, heights),
      right: machineChild(a.m, heights),
      links: lanes(0).map((k) => [24 + k, 16 + k] as const),
      outputs: [...lanes(0).concat(lanes(8)).map((index) => ({ child: 'left' as const, index })), ...lanes(16).map((index) => ({ child: 'left' as const, index })), ...lanes(24).map((index) => ({ child: 'right' as const, index }))],
    };
    const node = nodeVerifier(spec, { left: a.child, right: b.child });
    expect(programDigest(nodeVerifier(spec, null).program)).toEqual(programDigest(node.program));
    const exec = execute(node.program, { privateInputs: node.tape });
    expect(exec.publicOutputs).toEqual(node.outputs);
    expect(node.outputs.flat()).toEqual([...digestPublics(a.m.digest), ...fieldWord(1), ...fieldWord(11)]);

    const link = /node: the right child does not start where the left one ended \(link 0\)/;
    const gap = nodeVerifier(spec, { left: a.child, right: a.child });
    expect(() => execute(gap.program, { privateInputs: gap.tape })).toThrow(link);
    const reordered = nodeVerifier(spec, { left: b.child, right: a.child });
    expect(() => execute(reordered.program, { privateInputs: reordered.tape })).toThrow(link);

    // A step of another program (x → x + 7) that starts where a ended.
    const other = stepProof(stepProgram(7), 6);
    expect(other.child.proof.logHeights).toEqual(heights);
    const foreign = nodeVerifier(spec, { left: a.child, right: other.child });
    expect(() => execute(foreign.program, { privateInputs: foreign.tape })).toThrow(/the child's public 0 is not the program's/);
  });

  it('refuses a spec naming a public its child does not have', () => {
    const m = machine<FriPcsProof>(stepProgram(5), new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }));
    const c = machineChild(m, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => nodeVerifier({ left: c, right: c, links: [[32, 16]], outputs: [] }, null)).toThrow(/links\[0\]: the left child has no public 32/);
  });
});
