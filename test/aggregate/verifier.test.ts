// The verifier program of a STARK system (runtime/aggregate/verifier.ts), built from the system and its heights
// alone, against the TypeScript verifier on real Poseidon2 proofs: a system with publics, next-row constraints, a
// preprocessed table and LogUp (Fibonacci, u16 range check, byte table). The same program verifies two proofs; its
// outputs are the child's publics; a wrong opened value, quotient or public input fails it.
import { describe, expect, it } from 'vitest';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_AGGREGATION_PCS_PARAMS, POSEIDON2_PCS_PARAMS, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { prove, type StarkProof } from '../../runtime/proof/stark/prover.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { execute } from '../../runtime/vm/executor.ts';
import { programDigest } from '../../runtime/vm/program.ts';
import { starkVerifier, type VerifierProgram } from '../../runtime/aggregate/verifier.ts';
import * as X from '../fixtures/sample-airs.ts';

const airs = () => [{ air: X.fibonacciAir }, { air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
const system = buildSystem('fib-u16', airs(), new FriPcs(POSEIDON2_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);

function child(values: number[], a0: number, seed: string): { publics: number[]; proof: StarkProof<FriPcsProof> } {
  const fib = X.fibonacciTrace(3, a0, 1);
  const proof = prove(system, [fib.trace, X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], fib.publics, { seed });
  expect(verify(system, fib.publics, proof)).toEqual({ ok: true });
  return { publics: fib.publics, proof };
}

// A tampered proof changes every later challenge: the drawn queries are not those the proof opens.
const TAMPERED = /do not hash to the committed root|grinding nonce/;
const run = (built: VerifierProgram) => execute(built.program, { privateInputs: built.tape });

describe('the verifier program of a STARK system, built from the system alone', () => {
  const a = child([0, 1, 255, 256, 65535, 1234, 40000, 7], 2, 'verifier a');
  const heights = a.proof.logHeights;
  const built = starkVerifier(system, heights, a);

  it('is one program for the system: built without a proof, and for two proofs, the same digest', () => {
    const b = child([9, 99, 999, 9999, 3, 33, 333, 3333], 5, 'verifier b');
    expect(b.proof.logHeights).toEqual(heights);
    const alone = starkVerifier(system, heights, null);
    const other = starkVerifier(system, heights, b);
    expect(programDigest(alone.program)).toEqual(programDigest(built.program));
    expect(programDigest(other.program)).toEqual(programDigest(built.program));
    expect(other.outputs[0]!.slice(0, 3)).toEqual(b.publics);
    expect(run(other).publicOutputs).toEqual(other.outputs);
    // The zero tape of the program alone is no proof.
    expect(() => run(alone)).toThrow();
  });

  it('accepts a real proof and outputs its publics', () => {
    const exec = run(built);
    expect(exec.publicOutputs).toEqual(built.outputs);
    expect(built.outputs[0]!.slice(0, 3)).toEqual(a.publics);
  });

  it('rejects a quotient that does not match the constraints at ζ (past the PCS)', () => {
    const edited = starkVerifier(system, heights, a, { edit: 'quotient' });
    expect(() => run(edited)).toThrow(/the constraints do not hold at the out-of-domain point/);
  });

  it('rejects claimed sums that do not cancel (past the transcript)', () => {
    const edited = starkVerifier(system, heights, a, { edit: 'claimed-sum' });
    expect(() => run(edited)).toThrow(/the LogUp sums of the tables do not cancel/);
  });

  it('rejects a wrong opened value at ζ, a wrong public input and a wrong claimed sum', () => {
    const values = a.proof.values.map((c) => c.map((m) => m.map((p) => p.map((v) => [...v] as unknown as typeof v))));
    const v0 = values[1]![0]![0]![0]!;
    values[1]![0]![0]![0] = [(v0[0] + 1) % 0x78000001, v0[1], v0[2], v0[3]];
    const wrongValue = starkVerifier(system, heights, { publics: a.publics, proof: { ...a.proof, values } });
    expect(() => run(wrongValue)).toThrow(TAMPERED);
    expect(verify(system, a.publics, { ...a.proof, values }).ok).toBe(false);
    const wrongPublic = starkVerifier(system, heights, { publics: [a.publics[0]!, a.publics[1]!, a.publics[2]! + 1], proof: a.proof });
    expect(() => run(wrongPublic)).toThrow(TAMPERED);
    const sums = a.proof.claimedSums.map((s) => [...s] as unknown as typeof s);
    const k = sums.findIndex((s) => s.some((x) => x !== 0));
    sums[k] = [(sums[k]![0] + 1) % 0x78000001, sums[k]![1], sums[k]![2], sums[k]![3]];
    const wrongSum = starkVerifier(system, heights, { publics: a.publics, proof: { ...a.proof, claimedSums: sums } });
    // The sums are absorbed before the nonce ground before ζ (POSEIDON2_PCS_PARAMS.challengePowBits > 0), which is
    // checked before the sums: that nonce no longer solves the puzzle drawn from the changed transcript. (The
    // 'claimed-sum' edit above reaches the cancellation check itself.)
    expect(POSEIDON2_PCS_PARAMS.challengePowBits).toBeGreaterThan(0);
    expect(() => run(wrongSum)).toThrow(/the grinding nonce does not solve the proof-of-work puzzle/);
  });

  it('pins fixed publics: a child with another prefix fails (another program digest)', () => {
    const pinned = starkVerifier(system, heights, a, { fixedPublics: [a.publics[0]! + 1] });
    expect(() => run(pinned)).toThrow(/the child's public 0 is not the program's/);
    run(starkVerifier(system, heights, a, { fixedPublics: [a.publics[0]!] }));
  });

  it('verifies proofs made for aggregation (POSEIDON2_AGGREGATION_PCS_PARAMS: fewer queries, grinding before the challenges); a wrong ζ nonce fails', () => {
    const params = POSEIDON2_AGGREGATION_PCS_PARAMS;
    const ground = buildSystem('fib-u16', airs(), new FriPcs(params, { ...HASH_CONFIGS.poseidon2 }), true);
    const fib = X.fibonacciTrace(3, 2, 1);
    const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
    const proof = prove(ground, [fib.trace, X.u16Trace(values), X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]))], fib.publics, { seed: 'ground' });
    expect(verify(ground, fib.publics, proof)).toEqual({ ok: true });
    expect(starkSecurity(ground, proof.logHeights).conjecturedBits).toBeGreaterThanOrEqual(100);
    expect(proof.zetaNonce).not.toBeNull();
    const v = starkVerifier(ground, proof.logHeights, { publics: fib.publics, proof });
    expect(programDigest(v.program)).not.toEqual(programDigest(built.program));
    expect(v.program.instructions.length).toBeLessThan(built.program.instructions.length);
    expect(run(v).publicOutputs).toEqual(v.outputs);
    // The ζ nonce changed: 8 bits, so most other nonces do not solve the puzzle (one that does changes ζ).
    const bad = starkVerifier(ground, proof.logHeights, { publics: fib.publics, proof: { ...proof, zetaNonce: proof.zetaNonce! ^ 1 } });
    expect(() => run(bad)).toThrow(/grinding nonce does not solve|do not hash to the committed root/);
  });
});
