// The STARK layer (AIR, LogUp, quotient, out-of-domain check) over a plain, non-succinct PCS, so that a failure
// here points at the protocol and not at FRI. test/proof/stark-fri.test.ts runs the same systems over FRI.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove, WitnessError } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import * as X from '../fixtures/sample-airs.ts';
import { plainPcs } from './helpers/plain-pcs.ts';

for (const zk of [false, true]) {
  describe(`STARK over a plain PCS (zk ${zk})`, () => {
    it('proves and verifies a Fibonacci table; rejects other public inputs', () => {
      const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, zk);
      const { trace, publics } = X.fibonacciTrace(5);
      const proof = prove(system, [trace], publics, { seed: 'fib' });
      expect(verify(system, publics, proof)).toEqual({ ok: true });
      const wrong = [publics[0]!, publics[1]!, F.add(publics[2]!, 1)];
      expect(verify(system, wrong, proof).ok).toBe(false);
    });

    it('range-checks through a preprocessed byte table', () => {
      const system = buildSystem('u16', [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }], plainPcs, zk);
      const values = [0, 1, 255, 256, 65535, 1234, 40000, 7];
      const trace = X.u16Trace(values);
      const bytes = X.byteTable.trace(values.flatMap((v) => [v & 0xff, v >>> 8]));
      const proof = prove(system, [trace, bytes], [], { seed: 'u16' });
      expect(verify(system, [], proof)).toEqual({ ok: true });
    });

    it('connects two tables of different heights by a bus', () => {
      const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], plainPcs, zk);
      const c = 17;
      const proof = prove(system, [X.squaresTrace(3, c), X.consumerTrace(5, 8, c)], [c], { seed: 'bus' });
      expect(proof.logHeights.slice(0, 2)).toEqual([3, 5]);
      // With zero knowledge the blinding collector is a third table (stark/blinding.ts).
      expect(proof.logHeights.length).toBe(zk ? 3 : 2);
      expect(verify(system, [c], proof)).toEqual({ ok: true });
      expect(verify(system, [c + 1], proof).ok).toBe(false);
    });

    it('reads preprocessed columns', () => {
      const system = buildSystem('affine', [{ air: X.affineAir, preprocessed: X.affinePreprocessed(4) }], plainPcs, zk);
      const proof = prove(system, [X.affineTrace(4)], [], { seed: 'affine' });
      expect(verify(system, [], proof)).toEqual({ ok: true });
    });

    it('names the constraint and row a bad witness breaks, and gives no proof', () => {
      const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, zk);
      const { trace, publics } = X.fibonacciTrace(4);
      trace.set(6, 1, F.add(trace.get(6, 1), 1));
      expect(() => prove(system, [trace], publics)).toThrow(WitnessError);
      expect(() => prove(system, [trace], publics)).toThrow(/next (a is b|b is a \+ b) fails at row [56]/);
    });

    it('refuses an unbalanced bus', () => {
      const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], plainPcs, zk);
      const consumer = X.consumerTrace(5, 7, 3); // one square is never received
      expect(() => prove(system, [X.squaresTrace(3, 3), consumer], [3])).toThrow(/unbalanced/);
    });

    it('catches a prover that cheats in one trace cell', () => {
      const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, zk);
      for (const row of [0, 3, 15]) {
        const { trace, publics } = X.fibonacciTrace(4);
        trace.set(row, 0, F.add(trace.get(row, 0), 1));
        const proof = prove(system, [trace], publics, { seed: `cheat${row}`, skipChecks: true });
        expect(verify(system, publics, proof).ok).toBe(false);
      }
    });

    it('catches a prover that drops one bus message', () => {
      const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], plainPcs, zk);
      const consumer = X.consumerTrace(5, 8, 3);
      consumer.set(2, 2, 0); // row 2 no longer receives (2, 7)
      const proof = prove(system, [X.squaresTrace(3, 3), consumer], [3], { seed: 'drop', skipChecks: true });
      const verdict = verify(system, [3], proof);
      expect(verdict.ok).toBe(false);
      // Claiming sums that cancel does not help: the running-sum constraint pins each claimed sum.
      const sums = proof.claimedSums;
      const forged = { ...proof, claimedSums: [sums[0]!, E.neg(sums[0]!)] };
      expect(verify(system, [3], forged).ok).toBe(false);
    });

    it('rejects malformed proofs with a verdict, not an exception', () => {
      const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, zk);
      const { trace, publics } = X.fibonacciTrace(3);
      const proof = prove(system, [trace], publics, { seed: 'm' });
      const broken = [
        { ...proof, logHeights: [40] },
        { ...proof, logHeights: [] },
        { ...proof, mainRoot: new Uint8Array(3) },
        { ...proof, quotientRoot: null as never },
        { ...proof, claimedSums: [[1, 2, 3]] as never },
        { ...proof, values: [] },
        { ...proof, values: proof.values.map((v) => v.map((m) => m.map((p) => p.slice(1)))) },
        { ...proof, auxRoot: new Uint8Array(32) },
      ];
      for (const b of broken) expect(verify(system, publics, b as typeof proof).ok).toBe(false);
    });
  });
}

describe('AIR checks', () => {
  it('refuses constraints above the degree budget', () => {
    const air = { ...X.fibonacciAir, name: 'cube', eval: (b: import('../../runtime/proof/air/air.ts').AirBuilder) => b.assertZero(b.main(0).mul(b.main(0)).mul(b.main(0)).mul(b.main(1))) };
    expect(() => buildSystem('x', [{ air }], plainPcs, false)).toThrow(/degree 4/);
  });

  it('refuses a trace whose shape does not match', () => {
    const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, false);
    expect(() => prove(system, [Matrix.zeros(6, 2)], [0, 0, 0])).toThrow(/power of two/);
    expect(() => prove(system, [Matrix.zeros(8, 3)], [0, 0, 0])).toThrow(/columns/);
  });
});

describe('bus message lengths', () => {
  it('refuses a bus that carries messages of two lengths, where (x) and (x, 0) would collide', () => {
    const a = { ...X.squaresAir, name: 'one', eval: (b: import('../../runtime/proof/air/air.ts').AirBuilder) => b.send(X.PAIR_BUS, [b.main(0)]) };
    expect(() => buildSystem('x', [{ air: a }, { air: X.consumerAir }], plainPcs, false)).toThrow(/one message length/);
  });
});

describe('system digest', () => {
  it('binds the constraints themselves: a proof does not verify under an AIR of the same shape with another rule', () => {
    const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, false);
    const { trace, publics } = X.fibonacciTrace(3);
    const proof = prove(system, [trace], publics, { seed: 'digest' });
    expect(verify(system, publics, proof).ok).toBe(true);
    // Same name, width, public inputs and constraint count; the last-row rule reads column 0 instead of 1.
    const altered = {
      ...X.fibonacciAir,
      eval(b: import('../../runtime/proof/air/air.ts').AirBuilder) {
        const calls: [unknown, string | undefined][] = [];
        const recorder = Object.create(b) as typeof b;
        recorder.assertZero = (e, name) => void calls.push([e, name]);
        X.fibonacciAir.eval(recorder);
        calls.forEach(([e, name], i) => b.assertZero(i === 4 ? b.isLastRow.mul(b.main(0).sub(b.public(2))) : (e as never), name));
      },
    };
    const other = buildSystem('fib', [{ air: altered }], plainPcs, false);
    expect(other.tables[0]!.constraints.length).toBe(system.tables[0]!.constraints.length);
    expect(Buffer.from(other.digest).equals(Buffer.from(system.digest))).toBe(false);
    expect(verify(other, publics, proof).ok).toBe(false);
  });
});
