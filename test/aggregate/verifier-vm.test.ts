// The verifier program of a zkVM child (runtime/aggregate/verifier.ts machineVerifier): a real Poseidon2 proof of
// a VM execution (every machine table, the IO bus's statement messages) verified by the program built from the
// machine alone; its outputs are the child's publics, its program digest first; a proof of another program fails.
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_PCS_PARAMS } from '../../runtime/proof/pcs/index.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution, vmPublics } from '../../runtime/vm/machine.ts';
import { digestPublics, programDigest } from '../../runtime/vm/program.ts';
import { machineVerifier } from '../../runtime/aggregate/verifier.ts';
import { countingLoop } from '../fixtures/sample-programs.ts';

const pcs = () => new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });

function child(n: number) {
  const c = countingLoop(n);
  const exec = execute(c.program, c.inputs);
  const m = machine(c.program, pcs());
  const proof = proveExecution(m, exec, { seed: `vm child ${n}` });
  expect(verifyExecution(m, exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
  return { m, publics: vmPublics(c.program, exec.publicInputs, exec.publicOutputs), proof: proof.stark };
}

describe('the verifier program of a zkVM child', () => {
  it('verifies a real VM proof, outputs its publics (program digest first), and fails on a proof of another program', { timeout: 300_000 }, () => {
    const a = child(10);
    const built = machineVerifier(a.m, a.proof.logHeights, a);
    expect(programDigest(machineVerifier(a.m, a.proof.logHeights, null).program)).toEqual(programDigest(built.program));
    const exec = execute(built.program, { privateInputs: built.tape });
    expect(exec.publicOutputs).toEqual(built.outputs);
    expect(built.outputs.flat().slice(0, 16)).toEqual(digestPublics(a.m.digest));
    expect(built.outputs.flat().slice(0, a.publics.length)).toEqual(a.publics);

    // Another program (another digest), same heights: its proof and publics on this program's tape.
    const b = child(11);
    expect(b.proof.logHeights).toEqual(a.proof.logHeights);
    expect(b.m.digest).not.toEqual(a.m.digest);
    const other = machineVerifier(a.m, a.proof.logHeights, b);
    expect(() => execute(other.program, { privateInputs: other.tape })).toThrow(/the child's public 0 is not the program's/);
    // With the digest this program expects, b's proof is still not a proof of a's system.
    const forged = machineVerifier(a.m, a.proof.logHeights, { publics: [...a.publics.slice(0, 16), ...b.publics.slice(16)], proof: b.proof });
    expect(() => execute(forged.program, { privateInputs: forged.tape })).toThrow(/do not hash to the committed root|grinding nonce|LogUp sums/);
  });
});
