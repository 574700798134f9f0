// FRI over the quartic extension: the folding schedule, folding against a coefficient-level oracle, honest proofs
// of several shapes (roll-in of shorter inputs included), and rejection of high-degree inputs, wrong input
// values, tampered final polynomials and foreign transcripts.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import * as NTT from '../../runtime/proof/field/ntt.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import {
  foldBinary,
  foldCodeword,
  foldLeaf,
  friSchedule,
  proveFri,
  verifyFri,
  type FriInput,
  type FriParams,
  type FriProof,
} from '../../runtime/proof/fri/index.ts';
import { oracleFor } from './helpers/fri-oracle.ts';

const rng = Rng.fromSeed('test/proof/fri');
const G = F.GENERATOR;

function randomExt(): E.Ext {
  return [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()];
}

/** Packed extension coefficients of a random polynomial of degree < 2^logDeg. */
function randomCoeffs(logDeg: number): Uint32Array {
  return rng.fieldVector(4 * 2 ** logDeg);
}

/** The bit-reversed codeword of packed coefficients over shift·H of size 2^logSize. */
function codewordOf(coeffs: Uint32Array, logSize: number, shift: number): Uint32Array {
  const v = new Uint32Array(4 * 2 ** logSize);
  v.set(coeffs);
  NTT.cosetNttColumns(v, 4, shift);
  NTT.bitReverseRows(v, 4);
  return v;
}

function lowDegreeInput(logDegree: number, logBlowup: number, actualLogDegree = logDegree): FriInput {
  return { logDegree, codeword: codewordOf(randomCoeffs(actualLogDegree), logDegree + logBlowup, G) };
}

function proveAndVerify(params: FriParams, inputs: FriInput[], tamper?: (p: FriProof) => FriProof) {
  const { proof } = proveFri(params, inputs, G, new Transcript('fri-test'));
  const p = tamper ? tamper(proof) : proof;
  return verifyFri(params, inputs.map((i) => i.logDegree), G, p, new Transcript('fri-test'), oracleFor(inputs, params.logBlowup));
}

const P: FriParams = { logBlowup: 3, numQueries: 30, powBits: 4, logFoldingArity: 3, logFinalPolyLen: 2 };

describe('schedule', () => {
  it('folds by the arity, cuts rounds at roll-ins and stops at the final length', () => {
    const s = friSchedule(P, [10, 7, 3]);
    expect(s.rounds.map((r) => [r.logDegree, r.logArity, r.rollIn])).toEqual([
      [10, 3, true],
      [7, 3, false],
      [4, 1, true],
      [3, 1, false],
    ]);
    expect(s.logFinalDegree).toBe(2);
    expect(s.logMaxDomain).toBe(13);
    expect(friSchedule(P, [1]).rounds).toEqual([]);
    expect(friSchedule(P, [1]).logFinalDegree).toBe(1);
    expect(friSchedule({ ...P, logFinalPolyLen: 5 }, [9, 2]).logFinalDegree).toBe(2);
  });

  it('rejects bad parameters and input degrees', () => {
    expect(() => friSchedule({ ...P, logBlowup: 0 }, [4])).toThrow(/logBlowup/);
    expect(() => friSchedule({ ...P, numQueries: 0 }, [4])).toThrow(/numQueries/);
    expect(() => friSchedule({ ...P, logFoldingArity: 0 }, [4])).toThrow(/logFoldingArity/);
    expect(() => friSchedule(P, [])).toThrow(/at least one/);
    expect(() => friSchedule(P, [4, 4])).toThrow(/strictly decreasing/);
    expect(() => friSchedule(P, [25])).toThrow(/out of range/);
  });
});

describe('folding', () => {
  it('a binary fold is f_e + β f_o on the squared domain', () => {
    for (const logDeg of [0, 1, 4, 7]) {
      const logSize = logDeg + 2;
      const c = randomCoeffs(logDeg);
      const beta = randomExt();
      const folded = foldBinary(codewordOf(c, logSize, G), logSize, G, beta);
      const half = Math.max(1, 2 ** (logDeg - 1));
      const expected = new Uint32Array(4 * half);
      for (let i = 0; i < 2 ** logDeg; i++) {
        const term = i % 2 === 0 ? E.load(c, i) : E.mul(beta, E.load(c, i));
        E.store(expected, i >> 1, E.add(E.load(expected, i >> 1), term));
      }
      expect(folded).toEqual(codewordOf(expected, logSize - 1, F.square(G)));
    }
  });

  it('folding by 2^a is Σ β^i f_i, and a leaf folds to the codeword fold', () => {
    const logDeg = 6;
    const logSize = 9;
    for (const a of [1, 2, 3]) {
      const c = randomCoeffs(logDeg);
      const beta = randomExt();
      const cw = codewordOf(c, logSize, G);
      const folded = foldCodeword(cw, logSize, G, beta, a);
      const expected = new Uint32Array(4 * 2 ** (logDeg - a));
      for (let i = 0; i < 2 ** logDeg; i++) {
        const j = i >> a;
        E.store(expected, j, E.add(E.load(expected, j), E.mul(E.pow(beta, i % 2 ** a), E.load(c, i))));
      }
      expect(folded).toEqual(codewordOf(expected, logSize - a, F.pow(G, 2 ** a)));
      for (const leaf of [0, 5, 2 ** (logSize - a) - 1]) {
        const v = foldLeaf(cw.subarray(4 * leaf * 2 ** a, 4 * (leaf + 1) * 2 ** a), leaf, logSize, G, beta, a);
        expect(v).toEqual(E.load(folded, leaf));
      }
    }
  });
});

describe('FRI proofs', () => {
  it('accepts honest low-degree inputs of one and several heights, any arity', () => {
    const cases: [number[], number, number][] = [
      [[8], 1, 0],
      [[8], 3, 3],
      [[9, 6, 2], 2, 2],
      [[9, 8, 7, 1], 3, 4],
      [[2], 3, 5],
      [[0], 1, 0],
    ];
    for (const [degrees, arity, fin] of cases) {
      const params = { ...P, logFoldingArity: arity, logFinalPolyLen: fin };
      const v = proveAndVerify(params, degrees.map((d) => lowDegreeInput(d, params.logBlowup)));
      expect(v, `${degrees} arity ${arity} final ${fin}`).toEqual({ ok: true });
    }
  });

  it('rejects an input of twice the claimed degree, at the largest and at a rolled-in height', () => {
    const high = proveAndVerify(P, [lowDegreeInput(8, 3, 9)]);
    expect(high.ok).toBe(false);
    const rolled = proveAndVerify(P, [lowDegreeInput(8, 3), lowDegreeInput(5, 3, 6)]);
    expect(rolled.ok).toBe(false);
  });

  it('rejects a random (not low-degree) codeword', () => {
    const v = proveAndVerify(P, [{ logDegree: 8, codeword: rng.fieldVector(4 * 2 ** 11) }]);
    expect(v.ok).toBe(false);
  });

  it('rejects wrong input values, a tampered final polynomial, a wrong nonce and a foreign transcript', () => {
    const inputs = [lowDegreeInput(7, 3), lowDegreeInput(4, 3)];
    const { proof } = proveFri(P, inputs, G, new Transcript('fri-test'));
    const degrees = [7, 4];
    const honest = oracleFor(inputs, 3);
    expect(verifyFri(P, degrees, G, proof, new Transcript('fri-test'), honest)).toEqual({ ok: true });
    for (const input of [0, 1]) {
      const wrong = (qs: readonly number[]) => {
        const r = honest(qs);
        r.values[4 * (3 * 2 + input)] = F.add(r.values[4 * (3 * 2 + input)]!, 1);
        return r;
      };
      expect(verifyFri(P, degrees, G, proof, new Transcript('fri-test'), wrong).ok).toBe(false);
    }
    const finalPoly = proof.finalPoly.slice();
    finalPoly[0] = F.add(finalPoly[0]!, 1);
    expect(verifyFri(P, degrees, G, { ...proof, finalPoly }, new Transcript('fri-test'), honest).ok).toBe(false);
    expect(verifyFri(P, degrees, G, { ...proof, powNonce: proof.powNonce + 1 }, new Transcript('fri-test'), honest).ok).toBe(false);
    expect(verifyFri(P, degrees, G, proof, new Transcript('other'), honest).ok).toBe(false);
    // Shape problems are verdicts, not exceptions.
    expect(verifyFri(P, degrees, G, { ...proof, roots: proof.roots.slice(1) }, new Transcript('fri-test'), honest).ok).toBe(false);
    expect(verifyFri(P, degrees, G, { ...proof, finalPoly: new Uint32Array(3) }, new Transcript('fri-test'), honest).ok).toBe(false);
    expect(verifyFri(P, degrees, G, { ...proof, powNonce: -1 }, new Transcript('fri-test'), honest).ok).toBe(false);
    expect(verifyFri(P, [7, 7], G, proof, new Transcript('fri-test'), honest).ok).toBe(false);
  });

  it('rejects a prover that grinds with fewer proof-of-work bits than the verifier requires', () => {
    const inputs = [lowDegreeInput(7, 3)];
    // Ground at 1 bit: the least nonce solving the 1-bit puzzle almost never solves the 12-bit one; find a
    // transcript label for which it does not (deterministic), and check the 12-bit verifier refuses it.
    const weak = { ...P, powBits: 1 };
    const strong = { ...P, powBits: 12 };
    let rejected = 0;
    for (const label of ['pow-a', 'pow-b', 'pow-c']) {
      const { proof } = proveFri(weak, inputs, G, new Transcript(label));
      expect(verifyFri(weak, [7], G, proof, new Transcript(label), oracleFor(inputs, 3))).toEqual({ ok: true });
      const v = verifyFri(strong, [7], G, proof, new Transcript(label), oracleFor(inputs, 3));
      if (!v.ok) rejected++;
    }
    expect(rejected).toBeGreaterThanOrEqual(2);
  });
});
