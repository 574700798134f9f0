// FRI verification as a VM program (runtime/aggregate/fri.ts with the transcript and Merkle fragments), against
// the TypeScript verifier on a real Poseidon2 FRI proof with roll-ins, arity-8 and binary folds: the program draws
// the same β and queries, checks every query's rounds, folds and final polynomial, and is proven by the zkVM; a
// flipped input value, leaf value, final coefficient or nonce is rejected by the program.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import type { FriParams } from '../../runtime/proof/fri/index.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { machine, proveExecution, verifyExecution } from '../../runtime/vm/machine.ts';
import { friFixture } from '../fixtures/aggregate.ts';

const PARAMS: FriParams = { logBlowup: 3, numQueries: 12, powBits: 8, logFoldingArity: 3, logFinalPolyLen: 3 };
const { proof, schedule, inputValues, tsQueries, program } = friFixture(PARAMS, [10, 7, 4], 'test/aggregate/fri');

describe('FRI verification in the VM', () => {
  it('accepts the real proof: same queries, every round folded, roll-ins, the final polynomial', () => {
    expect(schedule.rounds.map((r) => [r.logArity, r.rollIn])).toEqual([[3, true], [3, true], [1, false]]);
    expect(tsQueries(proof).ok).toBe(true);
    const { program: prog, tape } = program(proof);
    const exec = execute(prog, { privateInputs: tape });
    expect(exec.steps.length).toBeGreaterThan(0);

  });

  it('is a program the zkVM proves: its own proof of the verification verifies (3 queries, a roll-in)', () => {
    const small = friFixture({ ...PARAMS, numQueries: 3 }, [8, 5], 'test/aggregate/fri prove');
    const { program: prog, tape } = small.program(small.proof);
    const exec = execute(prog, { privateInputs: tape });
    const m = machine(prog);
    const vmProof = proveExecution(m, exec, { seed: 'fri in the vm' });
    expect(verifyExecution(m, [], [], vmProof.stark)).toEqual({ ok: true });
  }, 120_000);

  it('rejects a wrong input value at a query, at the first round and at a roll-in', () => {
    for (const which of [0, 1, 2]) {
      const wrong = (q: number) => inputValues(q).map((v, i) => (i === which ? [F.add(v[0]!, 1), v[1]!, v[2]!, v[3]!] : v));
      const { program: prog, tape } = program(proof, wrong);
      expect(() => execute(prog, { privateInputs: tape }), `input ${which}`).toThrow(which === 0 ? /round 0: the leaf does not hold/ : which === 1 ? /round 1: the leaf does not hold/ : /round 2: the leaf does not hold/);
    }
  });

  it('rejects a flipped leaf value (the opening), a flipped final coefficient and a wrong nonce', () => {
    const rows = proof.openings[1]!.rows.map((r, k) => (k === 0 ? Uint32Array.from(r, (x, i) => (i === 5 ? F.add(x, 1) : x)) : r));
    const leaf = { ...proof, openings: proof.openings.map((o, r) => (r === 1 ? { ...o, rows } : o)) };
    expect(tsQueries(leaf).ok).toBe(false);
    const a = program(leaf);
    expect(() => execute(a.program, { privateInputs: a.tape })).toThrow(/do not hash to the committed root/);
    const finalPoly = proof.finalPoly.slice();
    finalPoly[2] = F.add(finalPoly[2]!, 1);
    const b = program({ ...proof, finalPoly });
    expect(() => execute(b.program, { privateInputs: b.tape })).toThrow(/grinding nonce does not solve|final polynomial does not match/);
    const e = program(proof, inputValues, true);
    expect(() => execute(e.program, { privateInputs: e.tape })).toThrow(/final polynomial does not match/);
    const c = program({ ...proof, powNonce: proof.powNonce + 1 });
    expect(() => execute(c.program, { privateInputs: c.tape })).toThrow(/grinding nonce does not solve/);
  });

  it('takes the final polynomial\'s length from the schedule: a proof with one coefficient more or less is refused', () => {
    expect(proof.finalPoly.length).toBe(4 * schedule.finalLen);
    const longer = Uint32Array.of(...proof.finalPoly, 1, 0, 0, 0);
    expect(() => program({ ...proof, finalPoly: longer })).toThrow(new RegExp(`final polynomial has ${schedule.finalLen + 1} coefficients; the schedule's degree bound gives ${schedule.finalLen}`));
    expect(() => program({ ...proof, finalPoly: proof.finalPoly.slice(0, -4) })).toThrow(/final polynomial has \d+ coefficients/);
  });
});
