// Degree slack (zero knowledge without doubling the trace): FRI's exact degree bounds 2^m + S through folding and
// roll-ins, a final polynomial of exactly that many coefficients, a polynomial one degree above the bound
// rejected; the PCS's randomised commits (t + Z_H·r): values equal t(z) + Z_H(z)·r(z), a commit whose true
// degree exceeds its declared slack rejected, the slack bound into the transcript, and the native backend giving
// the TypeScript reference's bytes.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import * as NTT from '../../runtime/proof/field/ntt.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { cosetLdeRandomized, tsBackend } from '../../runtime/proof/backends/index.ts';
import { friSchedule, proveFri, verifyFri, type FriInput, type FriParams, type FriProof } from '../../runtime/proof/fri/index.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof, type OpenedValues } from '../../runtime/proof/pcs/index.ts';
import { cpuBackend } from '../../gpu/index.ts';
import { oracleFor } from './helpers/fri-oracle.ts';

const rng = Rng.fromSeed('test/proof/fri-slack');
const G = F.GENERATOR;
const P: FriParams = { logBlowup: 3, numQueries: 30, powBits: 4, logFoldingArity: 3, logFinalPolyLen: 2 };

/** The bit-reversed codeword over G·H of size 2^logSize of a random extension polynomial with `len` coefficients. */
function codeword(len: number, logSize: number): Uint32Array {
  const v = new Uint32Array(4 * 2 ** logSize);
  v.set(rng.fieldVector(4 * len));
  NTT.cosetNttColumns(v, 4, G);
  NTT.bitReverseRows(v, 4);
  return v;
}

function run(inputs: FriInput[], verifierSlacks: number[], tamper?: (p: FriProof) => FriProof) {
  const { proof } = proveFri(P, inputs, G, new Transcript('slack'));
  const p = tamper ? tamper(proof) : proof;
  return verifyFri(P, inputs.map((i) => i.logDegree), G, p, new Transcript('slack'), oracleFor(inputs, P.logBlowup), undefined, verifierSlacks);
}

describe('FRI with degree slack', () => {
  it('tracks the exact bound through folds and roll-ins; the final polynomial has that many coefficients', () => {
    // With slack, folding stops at min(2^7, the smallest input) = 2^3 here (logFinalPolyLen 2 is raised).
    const s = friSchedule(P, [10, 7, 3], [40, 20, 0]);
    // 1024 + 40 → ⌈1064/8⌉ = 133, rolled with 128 + 20 → 148 → 19 → ⌈19/2⌉ = 10 (≥ 8 + 0).
    expect(s.rounds.map((r) => r.bound)).toEqual([1064, 148, 19]);
    expect(s.logFinalDegree).toBe(3);
    expect(s.finalLen).toBe(10);
    expect(s.worstRate).toBe(10 / 64);
    const tall = friSchedule(P, [12], [62]);
    // 4096 + 62 folded to 2^7: 128 + ⌈62/32⌉ = 130 coefficients; rate 130/1024.
    expect(tall.logFinalDegree).toBe(7);
    expect(tall.finalLen).toBe(130);
    expect(tall.worstRate).toBe(130 / 1024);
    // Without slack: the classical powers of two.
    const plain = friSchedule(P, [10, 7, 3]);
    expect(plain.rounds.map((r) => r.bound)).toEqual([1024, 128, 16, 8]);
    expect(plain.finalLen).toBe(4);
    expect(plain.worstRate).toBe(1 / 8);
    expect(() => friSchedule(P, [4], [2 ** 4 * 3 + 1])).toThrow(/slack/);
    expect(() => friSchedule(P, [4, 3], [1])).toThrow(/one degree slack per input/);
  });

  it('accepts polynomials of degree exactly 2^m + S − 1, with roll-ins', () => {
    const inputs: FriInput[] = [
      { logDegree: 9, slack: 37, codeword: codeword(512 + 37, 12) },
      { logDegree: 6, slack: 5, codeword: codeword(64 + 5, 9) },
    ];
    expect(run(inputs, [37, 5])).toEqual({ ok: true });
  });

  it('rejects a polynomial one degree above its proven bound, and a verifier expecting less slack', () => {
    // 2^9 + 37 folds to 2^7 + ⌈37/4⌉ = 138 coefficients: FRI proves degree < 4·138 = 552.
    expect(friSchedule(P, [9], [37]).finalLen).toBe(138);
    for (let trial = 0; trial < 3; trial++) {
      const over: FriInput[] = [{ logDegree: 9, slack: 37, codeword: codeword(552 + 1, 12) }];
      const v = run(over, [37]);
      expect(v.ok).toBe(false);
    }
    const honest: FriInput[] = [{ logDegree: 9, slack: 37, codeword: codeword(512 + 37, 12) }];
    // The verifier derives the slack itself: one less, and the proof (a longer final polynomial) is refused.
    const v = run(honest, [36]);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/final polynomial must have/);
  });

  it('rejects a final polynomial with too many, too few or wrong coefficients', () => {
    const inputs: FriInput[] = [{ logDegree: 8, slack: 100, codeword: codeword(256 + 100, 11) }];
    const { proof } = proveFri(P, inputs, G, new Transcript('slack'));
    const len = proof.finalPoly.length / 4;
    expect(len).toBe(friSchedule(P, [8], [100]).finalLen);
    const longer = new Uint32Array(proof.finalPoly.length + 4);
    longer.set(proof.finalPoly);
    const bad = [
      { ...proof, finalPoly: longer },
      { ...proof, finalPoly: proof.finalPoly.slice(0, proof.finalPoly.length - 4) },
      { ...proof, finalPoly: proof.finalPoly.map((x, i) => (i === proof.finalPoly.length - 4 ? F.add(x, 1) : x)) },
    ];
    for (const p of bad) expect(run(inputs, [100], () => p).ok).toBe(false);
  });
});

describe('randomised commits (t + Z_H·r)', () => {
  const params = { ...DEFAULT_PCS_PARAMS, numQueries: 12, powBits: 2 };
  const pcs = new FriPcs(params, { allowInsecure: true });

  function naive(m: Matrix, r: Matrix, c: number, z: E.Ext): E.Ext {
    const t = m.column(c);
    NTT.intt(t);
    const n = m.height;
    return E.add(E.evalBasePoly(t, z), E.mul(E.sub(E.pow(z, n), E.ONE), E.evalBasePoly(r.column(c), z)));
  }

  it('extends t + Z_H·r: equal to t on H_n, the right polynomial on the coset', () => {
    const m = new Matrix(rng.fieldVector(16 * 3), 3);
    const r = new Matrix(rng.fieldVector(5 * 3), 3);
    const lde = cosetLdeRandomized(tsBackend, m, r, 3, G);
    // Interpolating the coset values gives coefficients t_k − r_k (k < 5), t_k, then r_k at 16 + k, zeros above.
    const coeffs = lde.values.slice();
    NTT.cosetInttColumns(coeffs, 3, G);
    const t = m.values.slice();
    NTT.inttColumns(t, 3);
    for (let c = 0; c < 3; c++) {
      for (let k = 0; k < 128; k++) {
        const want = k < 16 ? F.sub(t[3 * k + c]!, k < 5 ? r.values[3 * k + c]! : 0) : k < 21 ? r.values[3 * (k - 16) + c]! : 0;
        expect(coeffs[3 * k + c]).toBe(want);
      }
    }
  });

  it('opens t(z) + Z_H(z)·r(z), verifies, and rejects a wrong value', () => {
    const a = new Matrix(rng.fieldVector(64 * 4), 4);
    const ra = new Matrix(rng.fieldVector(9 * 4), 4);
    const b = new Matrix(rng.fieldVector(16 * 2), 2);
    const c = pcs.commit([a, b], rng, { randomizers: [ra, null] });
    expect(c.shape.slacks).toEqual([9, 0]);
    const z = [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()] as E.Ext;
    const req = [{ commitment: c, points: [[z], [z]] }];
    const { values, proof } = pcs.open(req, new Transcript('p'), rng);
    for (let k = 0; k < 4; k++) expect(values[0]![0]![0]![k]).toEqual(naive(a, ra, k, z));
    const vreq = [{ commitment: c.shape, points: [[z], [z]] }];
    expect(pcs.verify(vreq, values, proof, new Transcript('p'))).toEqual({ ok: true });
    const bad: OpenedValues = values.map((x) => x.map((y) => y.map((w) => w.slice())));
    bad[0]![0]![0]![1] = E.add(bad[0]![0]![0]![1]!, E.ONE);
    expect(pcs.verify(vreq, bad, proof, new Transcript('p')).ok).toBe(false);
    // The slack is part of the statement: a verifier told another slack rejects.
    const other = [{ commitment: { ...c.shape, slacks: [8, 0] }, points: [[z], [z]] }];
    expect(pcs.verify(other, values, proof, new Transcript('p')).ok).toBe(false);
    // And it round-trips through the codec only with the right shapes.
    const bytes = encodeFriPcsProof(proof);
    expect(decodeFriPcsProof(bytes, params, [c.shape]).ok).toBe(true);
  });

  it('rejects a commit whose polynomial has more coefficients than its declared slack allows', () => {
    const m = new Matrix(rng.fieldVector(64 * 3), 3);
    const declared = new Matrix(rng.fieldVector(4 * 3), 3);
    for (let trial = 0; trial < 3; trial++) {
      // The extension of t + Z_H·r with r of 40 coefficients, committed as if r had 4; the claimed values are the
      // true ones of the wider polynomial, so only the degree is wrong.
      const wide = new Matrix(rng.fieldVector(40 * 3), 3);
      const lde = cosetLdeRandomized(tsBackend, m, wide, DEFAULT_PCS_PARAMS.logBlowup, G);
      const strict = new FriPcs(DEFAULT_PCS_PARAMS);
      const c = strict.commitLde([m], [lde], rng, { randomizers: [declared] });
      const z = [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()] as E.Ext;
      const truth = (v: OpenedValues) => v.map((vr) => vr.map((vm) => vm.map(() => [0, 1, 2].map((col) => naive(m, wide, col, z)))));
      const o = strict.open([{ commitment: c, points: [[z]] }], new Transcript('p'), rng, { tamperValues: truth });
      const v = strict.verify([{ commitment: c.shape, points: [[z]] }], o.values, o.proof, new Transcript('p'));
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error).toMatch(/^fri: query/);
    }
  });

  // Red team: which degree bound FRI really holds a matrix to. The DEEP quotients of one height are summed before
  // FRI, so a matrix is held to the largest slack of its height (and the top height to the zk mask's), not to its
  // own, and FRI bounds the quotient (f − f(z))/(X − z), one degree below f: a matrix that declares 4 coefficients
  // of slack next to one that declares 16 may carry 16 + 1 unnoticed, and one more is caught (these 64 rows are
  // not folded; folding rounds the bound up to its arity: test/proof/zk-degree-attacks.test.ts). Soundness needs
  // only some bound (the out-of-domain check is Schwartz–Zippel in it); stark/security.ts counts the DEEP degree
  // at this enforced bound.
  it('holds every matrix of a height to the largest slack declared there, and rejects one coefficient more', () => {
    const strict = new FriPcs(DEFAULT_PCS_PARAMS);
    const m = new Matrix(rng.fieldVector(64 * 3), 3);
    const other = new Matrix(rng.fieldVector(64 * 2), 2);
    const declared = new Matrix(rng.fieldVector(4 * 3), 3);
    const otherRandomizer = new Matrix(rng.fieldVector(16 * 2), 2);
    const otherLde = cosetLdeRandomized(tsBackend, other, otherRandomizer, DEFAULT_PCS_PARAMS.logBlowup, G);
    const attempt = (coefficients: number) => {
      const wide = new Matrix(rng.fieldVector(coefficients * 3), 3);
      const lde = cosetLdeRandomized(tsBackend, m, wide, DEFAULT_PCS_PARAMS.logBlowup, G);
      const c = strict.commitLde([m, other], [lde, otherLde], rng, { randomizers: [declared, otherRandomizer] });
      expect(c.shape.slacks).toEqual([4, 16]);
      const z = [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()] as E.Ext;
      const truth = (v: OpenedValues) => v.map((vr) => vr.map((vm, mi) => vm.map(() => (mi === 0 ? [0, 1, 2].map((col) => naive(m, wide, col, z)) : [0, 1].map((col) => naive(other, otherRandomizer, col, z))))));
      const o = strict.open([{ commitment: c, points: [[z], [z]] }], new Transcript('p'), rng, { tamperValues: truth });
      return strict.verify([{ commitment: c.shape, points: [[z], [z]] }], o.values, o.proof, new Transcript('p'));
    };
    // Up to 16 + 1 coefficients pass: the DEEP quotient (f − f(z))/(X − z) has one coefficient fewer than f.
    expect(attempt(16)).toEqual({ ok: true });
    expect(attempt(17)).toEqual({ ok: true });
    const above = attempt(18);
    expect(above.ok).toBe(false);
    if (!above.ok) expect(above.error).toMatch(/^fri: query/);
  });

  it('refuses malformed randomisers', () => {
    const m = new Matrix(rng.fieldVector(8 * 2), 2);
    expect(() => pcs.commit([m], rng, { randomizers: [new Matrix(rng.fieldVector(3 * 3), 3)] })).toThrow(/randomiser 0/);
    expect(() => pcs.commit([m], rng, { randomizers: [new Matrix(rng.fieldVector(2 * 8 * 3 + 2), 2)] })).toThrow(/randomiser 0/);
    expect(() => pcs.commit([m], rng, { randomizers: [] })).toThrow(/randomisers/);
  });

  const native = cpuBackend();
  it.skipIf(native === null)('the native backend gives the TypeScript bytes for randomised commits and openings', () => {
    const make = (backend: typeof tsBackend) => {
      const r = Rng.fromSeed('same');
      const p = new FriPcs(params, { allowInsecure: true, backend });
      const mats = [new Matrix(r.fieldVector(256 * 7), 7), new Matrix(r.fieldVector(64 * 60), 60)];
      const rands = [new Matrix(r.fieldVector(11 * 7), 7), new Matrix(r.fieldVector(3 * 60), 60)];
      const c = p.commit(mats, r, { randomizers: rands });
      const z = [r.nextField(), r.nextField(), r.nextField(), r.nextField()] as E.Ext;
      const { proof } = p.open([{ commitment: c, points: [[z], [z]] }], new Transcript('n'), r);
      return encodeFriPcsProof(proof);
    };
    expect(Buffer.from(make(native!)).equals(Buffer.from(make(tsBackend)))).toBe(true);
  });
});
