// The whole PCS verification of a real STARK proof as one VM program: the transcript replayed (runtime/aggregate/
// transcript.ts), every commitment's and the mask's Merkle openings (merkle.ts), the reduced quotients at each
// query (deep.ts) and FRI on them (fri.ts). The program accepts the honest proof; a claim or an opened row that
// does not match is rejected at FRI's first check (the reduced quotient is wrong), a flipped row at its root; the
// opening points must be ζ or ζ·ω of their table.
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_PCS_PARAMS } from '../../runtime/proof/pcs/index.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { pcsProgram, recordingConfig } from '../fixtures/aggregate.ts';
import * as X from '../fixtures/sample-airs.ts';

const params = POSEIDON2_PCS_PARAMS;
const airs = () => [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
const system = buildSystem('u16', airs(), new FriPcs(params, { ...HASH_CONFIGS.poseidon2 }), true);
const proof = prove(system, [X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], [], { seed: 'vm pcs' });
const { config, recorded } = recordingConfig();
const verdict = verify(buildSystem('u16', airs(), new FriPcs(params, config), true), [], proof);
const log = recorded.find((r) => r.protocol === 'zpol-stark')!.log;

describe('the PCS verification of a real STARK proof in the VM (transcript, Merkle, reduced quotients, FRI)', () => {
  // laidMin 1: every term combines its row with laid-out coefficients (the path wide tables take); 1000: none does.
  for (const laidMin of [1000, 1]) {
    it(`accepts the honest proof (${laidMin === 1 ? 'laid-out coefficients' : 'column by column'})`, () => {
      expect(verdict).toEqual({ ok: true });
      const { program, tape } = pcsProgram(system, proof, log, params, { laidMin });
      execute(program, { privateInputs: tape });
    });

    it(`rejects a wrong claim at FRI’s first check, and a flipped opened row at its root (${laidMin === 1 ? 'laid out' : 'by column'})`, () => {
      const edited = pcsProgram(system, proof, log, params, { editClaim: true, laidMin });
      expect(() => execute(edited.program, { privateInputs: edited.tape })).toThrow(/round 0: the leaf does not hold/);
      const { program, tape } = pcsProgram(system, proof, log, params, { laidMin });
      const flipped = tape.map((w) => [...w]);
      flipped[tape.length - 40]![1] = (flipped[tape.length - 40]![1]! + 1) % 0x78000001;
      expect(() => execute(program, { privateInputs: flipped })).toThrow(/do not hash to the committed root|leaf does not hold/);
    });
  }

  it('holds every opening point to ζ or ζ·ω of its table', () => {
    const { program, tape } = pcsProgram(system, proof, log, params, { editPoint: true });
    expect(() => execute(program, { privateInputs: tape })).toThrow(/the PCS opening point is not ζ or ζ·ω of its table/);
  });
});
