// A public commitment the verifier holds (PcsParams.verifierHoldsPublic, OpeningRequest.held; a STARK's preprocessed
// columns at the default parameters): no opening of it travels, the verifier reads the queried rows from its own
// commitment. The honest proof verifies and is smaller; a proof that carries an opening anyway, a verifier without
// the commitment or with another one, a request the verifier does not mark held, and bytes decoded without the held
// layout are all rejected; the zkVM's default proofs hold the preprocessed commitment and verify.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof, type CommitmentShape, type OpeningRequest, type ProverCommitment } from '../../runtime/proof/pcs/index.ts';
import { machine, proveExecution, verifyExecution } from '../../runtime/vm/machine.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { countingLoop } from '../fixtures/sample-programs.ts';

const params = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 4, challengePowBits: 2 };
const pcs = new FriPcs(params, { allowInsecure: true });
const r = Rng.fromSeed('held-commitment');
const publicMatrix = new Matrix(r.fieldVector(64 * 3), 3);
const secret = new Matrix(r.fieldVector(64 * 2), 2);
const held = pcs.commit([publicMatrix], Rng.fromSeed('setup'), { hiding: false });
const other = pcs.commit([new Matrix(r.fieldVector(64 * 3), 3)], Rng.fromSeed('setup'), { hiding: false });
const witness = pcs.commit([secret], r);
const z: E.Ext = [5, 6, 7, 8];

function proveHeld() {
  const requests: OpeningRequest<ProverCommitment>[] = [
    { commitment: held, points: [[z]], held: { commitment: null } },
    { commitment: witness, points: [[z]] },
  ];
  return pcs.open(requests, new Transcript('held'), Rng.fromSeed('open'));
}

function verifyWith(holder: ProverCommitment | null | undefined, proof = proveHeld()) {
  const requests: OpeningRequest<CommitmentShape>[] = [
    { commitment: held.shape, points: [[z]], ...(holder === undefined ? {} : { held: { commitment: holder } }) },
    { commitment: witness.shape, points: [[z]] },
  ];
  return pcs.verify(requests, proof.values, proof.proof, new Transcript('held'));
}

describe('a commitment the verifier holds', () => {
  it('sends no opening of it; the verifier reads its own rows, and the bytes decode only under the held layout', () => {
    const { values, proof } = proveHeld();
    expect(proof.inputOpenings[0]).toBeNull();
    expect(proof.inputOpenings[1]).not.toBeNull();
    expect(verifyWith(held, { values, proof })).toEqual({ ok: true });
    const bytes = encodeFriPcsProof(proof);
    const layouts = [held.shape, witness.shape];
    const decoded = decodeFriPcsProof(bytes, params, [{ ...layouts[0]!, held: true }, layouts[1]!]);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(verifyWith(held, { values, proof: decoded.value })).toEqual({ ok: true });
    const plain = decodeFriPcsProof(bytes, params, layouts);
    expect(plain.ok).toBe(false);
    if (!plain.ok) expect(plain.error).toMatch(/flags 7 do not match/);
  });

  it('rejects an opening of it in the proof, a verifier without it or with another root, and a request not marked held', () => {
    const honest = proveHeld();
    const extra = { ...honest, proof: { ...honest.proof, inputOpenings: [honest.proof.inputOpenings[1]!, honest.proof.inputOpenings[1]!] } };
    expect(verifyWith(held, extra)).toMatchObject({ ok: false, error: expect.stringMatching(/request 0: an opening of a commitment the verifier holds/) });
    expect(verifyWith(null, honest)).toMatchObject({ ok: false, error: expect.stringMatching(/request 0: the verifier holds no commitment with that root/) });
    expect(verifyWith(other, honest)).toMatchObject({ ok: false, error: expect.stringMatching(/holds no commitment with that root/) });
    expect(verifyWith(undefined, honest)).toMatchObject({ ok: false, error: expect.stringMatching(/request 0: no opening/) });
  });

  it('is refused when the parameters do not let the verifier hold commitments', () => {
    const strict = new FriPcs({ ...params, verifierHoldsPublic: false }, { allowInsecure: true });
    const c = strict.commit([publicMatrix], Rng.fromSeed('setup'), { hiding: false });
    expect(() => strict.open([{ commitment: c, points: [[z]], held: { commitment: null } }], new Transcript('held'), Rng.fromSeed('open'))).toThrow(/do not let the verifier hold/);
  });

  it('the zkVM at the default parameters holds its preprocessed columns: the proof verifies without their opening', () => {
    const c = countingLoop(3);
    const exec = execute(c.program, c.inputs);
    const m = machine(exec.program, new FriPcs(DEFAULT_PCS_PARAMS));
    const proof = proveExecution(m, exec, { seed: 'held-vm' });
    expect(proof.stark.pcsProof.inputOpenings[0]).toBeNull();
    expect(verifyExecution(machine(exec.program, new FriPcs(DEFAULT_PCS_PARAMS)), exec.publicInputs, exec.publicOutputs, proof.stark)).toEqual({ ok: true });
  });
});
