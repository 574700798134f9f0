// The PCS part of the verifier program (runtime/aggregate/verifier.ts) on a real STARK proof: the transcript,
// every commitment's Merkle openings (merkle.ts; the zk mask read from the quotient commitment's row), the reduced quotients at each query (deep.ts) and
// FRI on them (fri.ts). The program accepts the honest proof with either way of combining a row; a claim that
// does not match the opened rows is rejected at FRI's first check (the reduced quotient is wrong), a flipped
// opened row at its root. The opening points are not read from the proof: the program computes ζ and ζ·ω_n.
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_PCS_PARAMS } from '../../runtime/proof/pcs/index.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { starkVerifier } from '../../runtime/aggregate/verifier.ts';
import * as X from '../fixtures/sample-airs.ts';

const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
const system = buildSystem('u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
const proof = prove(system, [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], [], { seed: 'vm pcs' });
const child = { publics: [], proof };

describe('the PCS verification of a real STARK proof in the VM (transcript, Merkle, reduced quotients, FRI)', () => {
  // laidMin 1: every tape word of opened columns is combined with laid-out coefficients (the path wide tables take);
  // 1000: none is; undefined: each word the cheaper way for the query count (what the node programs do).
  for (const laidMin of [1000, 1, undefined]) {
    const how = laidMin === 1 ? 'laid-out coefficients' : laidMin === 1000 ? 'column by column' : 'the cheaper way per word';
    it(`accepts the honest proof (${how})`, () => {
      expect(verify(system, [], proof)).toEqual({ ok: true });
      const { program, tape } = starkVerifier(system, proof.logHeights, child, { laidMin });
      execute(program, { privateInputs: tape });
    });

    it(`rejects a wrong claim at FRI’s first check, and a flipped opened row at its root (${how})`, () => {
      const edited = starkVerifier(system, proof.logHeights, child, { edit: 'claim', laidMin });
      expect(() => execute(edited.program, { privateInputs: edited.tape })).toThrow(/round 0: the leaf does not hold/);
      const { program, tape } = starkVerifier(system, proof.logHeights, child, { laidMin });
      const flipped = tape.map((w) => [...w]);
      flipped[tape.length - 40]![1] = (flipped[tape.length - 40]![1]! + 1) % 0x78000001;
      expect(() => execute(program, { privateInputs: flipped })).toThrow(/do not hash to the committed root|leaf does not hold/);
    });

    it(`rejects an opened row element off by one past its Merkle path, at FRI's first check (${how})`, () => {
      const edited = starkVerifier(system, proof.logHeights, child, { edit: 'row', laidMin });
      expect(() => execute(edited.program, { privateInputs: edited.tape })).toThrow(/round 0: the leaf does not hold/);
    });

    // The quotient commitment's row: its chunks are opened at ζ as one extension value each (base columns weighed by
    // c·X^k) and it holds the zk mask (no mask tree): a chunk's last base column or the mask's last element, changed
    // after the quotient commitment's path is checked, reaches FRI's first check.
    it(`rejects a quotient chunk's base column or the held mask off by one past the path, at FRI's first check (${how})`, () => {
      expect(proof.pcsProof.maskRoot).toBeNull();
      for (const edit of ['quotient-row', 'mask-row'] as const) {
        const edited = starkVerifier(system, proof.logHeights, child, { edit, laidMin });
        expect(() => execute(edited.program, { privateInputs: edited.tape }), edit).toThrow(/round 0: the leaf does not hold/);
      }
    });
  }
});
