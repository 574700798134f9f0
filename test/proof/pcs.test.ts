// The FRI PCS: honest openings of several heights at several extension points (values checked against
// interpolation), every single wrong claimed value rejected, cheating commits (random or too-high-degree
// extensions) rejected at the default parameters, swapped openings, foreign transcripts, determinism, and the
// zero-knowledge mask.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import * as NTT from '../../runtime/proof/field/ntt.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import type { MerkleOpening } from '../../runtime/proof/merkle/tree.ts';
import type { MixedOpening } from '../../runtime/proof/merkle/mixed.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import {
  DEFAULT_PCS_PARAMS,
  FriPcs,
  decodeFriPcsProof,
  encodeFriPcsProof,
  type CommitmentShape,
  type FriPcsCommitment,
  type FriPcsProof,
  type OpenedValues,
  type OpeningRequest,
  type PcsParams,
} from '../../runtime/proof/pcs/index.ts';

const rng = Rng.fromSeed('test/proof/pcs');
const PROTOCOL = 'pcs-test';

function randomExt(r: Rng = rng): E.Ext {
  return [r.nextField(), r.nextField(), r.nextField(), r.nextField()];
}

function randomMatrix(logHeight: number, width: number, r: Rng = rng): Matrix {
  return new Matrix(r.fieldVector(2 ** logHeight * width), width);
}

/** f(z) by interpolation (inverse NTT) and Horner: the oracle for the PCS's barycentric evaluation. */
function naiveEval(m: Matrix, c: number, z: E.Ext): E.Ext {
  const coeffs = m.column(c);
  NTT.intt(coeffs);
  return E.evalBasePoly(coeffs, z);
}

type Req = OpeningRequest<FriPcsCommitment>;

function verifierRequests(reqs: readonly Req[]): OpeningRequest<CommitmentShape>[] {
  return reqs.map((r) => ({ commitment: r.commitment.shape, points: r.points }));
}

function cloneValues(v: OpenedValues): OpenedValues {
  return v.map((r) => r.map((m) => m.map((p) => p.slice())));
}

/** A fixture: three commits of heights 2^6, 2^4, 2^2 (one unsalted), opened at shared and separate points. */
function fixture(pcs: FriPcs, seed = 'fixture') {
  const r = Rng.fromSeed(seed);
  const big = [randomMatrix(6, 5, r), randomMatrix(6, 2, r)];
  const mid = [randomMatrix(4, 3, r)];
  const small = [randomMatrix(2, 4, r)];
  const a = pcs.commit(big, r);
  const b = pcs.commit(mid, r);
  const c = pcs.commit(small, r, { hiding: false });
  const z1 = randomExt(r);
  const z2 = randomExt(r);
  const z3 = randomExt(r);
  const reqs: Req[] = [
    { commitment: a, points: [[z1, E.mulBase(z1, F.rootOfUnity(6))], [z2]] },
    { commitment: b, points: [[z1, z3]] },
    { commitment: c, points: [[z2]] },
  ];
  return { reqs, matrices: [big, mid, small], rng: r };
}

const fast: PcsParams = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const fastPcs = new FriPcs(fast, { allowInsecure: true });
const fastPcsPlain = new FriPcs({ ...fast, zk: false }, { allowInsecure: true });

describe('honest openings', () => {
  it('open and verify at default parameters, with and without zk; values equal interpolation', () => {
    for (const zk of [true, false]) {
      const pcs = new FriPcs({ ...DEFAULT_PCS_PARAMS, zk });
      const { reqs, matrices, rng: r } = fixture(pcs);
      const { values, proof } = pcs.open(reqs, new Transcript(PROTOCOL), r);
      reqs.forEach((req, ri) =>
        req.points.forEach((pts, mi) =>
          pts.forEach((z, j) => {
            const m = matrices[ri]![mi]!;
            for (let c = 0; c < m.width; c++) expect(values[ri]![mi]![j]![c]).toEqual(naiveEval(m, c, z));
          }),
        ),
      );
      expect(pcs.verify(verifierRequests(reqs), values, proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
      expect(proof.maskRoot === null).toBe(!zk);
    }
  });

  it('opens at points of the trace domain (the row itself) and matrices with no points', () => {
    const m = randomMatrix(3, 2);
    const c = fastPcs.commit([m, randomMatrix(3, 1)], rng);
    const w = F.rootOfUnity(3);
    const reqs: Req[] = [{ commitment: c, points: [[E.fromBase(F.pow(w, 5)), randomExt()], []] }];
    const { values, proof } = fastPcs.open(reqs, new Transcript(PROTOCOL), rng);
    expect(values[0]![0]![0]).toEqual([E.fromBase(m.get(5, 0)), E.fromBase(m.get(5, 1))]);
    expect(values[0]![1]).toEqual([]);
    expect(fastPcs.verify(verifierRequests(reqs), values, proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
  });

  it('handles height-1 matrices and a single commit below the final polynomial length', () => {
    for (const logH of [0, 1, 2]) {
      const c = fastPcs.commit([randomMatrix(logH, 3)], rng);
      const reqs: Req[] = [{ commitment: c, points: [[randomExt()]] }];
      const { values, proof } = fastPcs.open(reqs, new Transcript(PROTOCOL), rng);
      expect(fastPcs.verify(verifierRequests(reqs), values, proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
    }
  });

  it('is deterministic: same inputs and seed give byte-identical proofs', () => {
    const run = () => {
      const { reqs, rng: r } = fixture(fastPcs, 'determinism');
      const { values, proof } = fastPcs.open(reqs, new Transcript(PROTOCOL), r);
      return { values, bytes: encodeFriPcsProof(proof) };
    };
    const a = run();
    const b = run();
    expect(b.bytes).toEqual(a.bytes);
    expect(b.values).toEqual(a.values);
  });
});

describe('soundness', () => {
  const { reqs, rng: r } = fixture(fastPcsPlain, 'soundness');
  const { values, proof } = fastPcsPlain.open(reqs, new Transcript(PROTOCOL), r);
  const vreqs = verifierRequests(reqs);

  it('rejects any single wrong claimed value', () => {
    let count = 0;
    values.forEach((vr, ri) =>
      vr.forEach((vm, mi) =>
        vm.forEach((vp, j) =>
          vp.forEach((_, k) => {
            const bad = cloneValues(values);
            bad[ri]![mi]![j]![k] = E.add(bad[ri]![mi]![j]![k]!, E.X);
            expect(fastPcsPlain.verify(vreqs, bad, proof, new Transcript(PROTOCOL)).ok).toBe(false);
            count++;
          }),
        ),
      ),
    );
    expect(count).toBe(2 * 5 + 2 + 2 * 3 + 4);
  });

  it('rejects a prover that claims and proves a wrong value (caught by FRI, not just the transcript)', () => {
    for (const [ri, mi, j, k] of [
      [0, 0, 1, 4],
      [1, 0, 0, 2],
      [2, 0, 0, 0],
    ] as const) {
      const { reqs: rq, rng: r2 } = fixture(new FriPcs(DEFAULT_PCS_PARAMS), `cheat-${ri}`);
      const pcs = new FriPcs(DEFAULT_PCS_PARAMS);
      const tamper = (v: OpenedValues) => {
        const bad = cloneValues(v);
        bad[ri]![mi]![j]![k] = E.add(bad[ri]![mi]![j]![k]!, E.ONE);
        return bad;
      };
      const cheat = pcs.open(rq, new Transcript(PROTOCOL), r2, { tamperValues: tamper });
      const v = pcs.verify(verifierRequests(rq), cheat.values, cheat.proof, new Transcript(PROTOCOL));
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error).toMatch(/^fri: query/); // the low-degree test fails, not a consistency check
    }
  });

  it('rejects commits whose extension is not low-degree (random, or of twice the degree)', () => {
    const pcs = new FriPcs(DEFAULT_PCS_PARAMS);
    for (let trial = 0; trial < 3; trial++) {
      const m = randomMatrix(6, 3);
      const z = randomExt();
      // Random "extension".
      const randomLde = new Matrix(rng.fieldVector(2 ** 9 * 3), 3);
      const c1 = pcs.commitLde([m], [randomLde], rng);
      const o1 = pcs.open([{ commitment: c1, points: [[z]] }], new Transcript(PROTOCOL), rng);
      const v1 = pcs.verify([{ commitment: c1.shape, points: [[z]] }], o1.values, o1.proof, new Transcript(PROTOCOL));
      expect(v1.ok).toBe(false);
      if (!v1.ok) expect(v1.error).toMatch(/^fri: query/);
      // The extension of a polynomial of degree < 2n, committed as if it had degree < n; the claimed values are
      // those of the degree-2n polynomial, so only the degree is wrong.
      const wide = randomMatrix(7, 3);
      const wideLde = new Matrix(NTT.cosetLdeColumns(wide.values, 3, 2, F.GENERATOR), 3);
      const c2 = pcs.commitLde([m], [wideLde], rng);
      const truth = (v: OpenedValues) => v.map((vr) => vr.map((vm) => vm.map(() => [0, 1, 2].map((col) => naiveEval(wide, col, z)))));
      const o2 = pcs.open([{ commitment: c2, points: [[z]] }], new Transcript(PROTOCOL), rng, { tamperValues: truth });
      const v2 = pcs.verify([{ commitment: c2.shape, points: [[z]] }], o2.values, o2.proof, new Transcript(PROTOCOL));
      expect(v2.ok).toBe(false);
      if (!v2.ok) expect(v2.error).toMatch(/^fri: query/);
    }
  });

  it('rejects openings swapped between queries, in the commits, the FRI layers and the mask', () => {
    const pcs = fastPcs;
    const { reqs: rq, rng: r2 } = fixture(pcs, 'swap');
    const { values: v, proof: p } = pcs.open(rq, new Transcript(PROTOCOL), r2);
    const vr = verifierRequests(rq);
    const swap = (o: MerkleOpening): MerkleOpening => {
      const rows = o.rows.slice();
      const salts = o.salts.slice();
      [rows[0], rows[1]] = [rows[1]!, rows[0]!];
      [salts[0], salts[1]] = [salts[1]!, salts[0]!];
      return { ...o, rows, salts };
    };
    const swapMixed = (o: MixedOpening): MixedOpening => {
      const first = o.rows[0]!.slice();
      const salts = o.salts.slice();
      [first[0], first[1]] = [first[1]!, first[0]!];
      [salts[0], salts[1]] = [salts[1]!, salts[0]!];
      return { ...o, rows: [first, ...o.rows.slice(1)], salts };
    };
    const variants: FriPcsProof[] = [
      { ...p, inputOpenings: [swapMixed(p.inputOpenings[0]!), ...p.inputOpenings.slice(1)] },
      { ...p, maskOpening: swap(p.maskOpening!) },
      { ...p, fri: { ...p.fri, openings: [swap(p.fri.openings[0]!), ...p.fri.openings.slice(1)] } },
      { ...p, inputOpenings: [p.inputOpenings[1]!, p.inputOpenings[0]!, p.inputOpenings[2]!] },
    ];
    for (const variant of variants) expect(pcs.verify(vr, v, variant, new Transcript(PROTOCOL)).ok).toBe(false);
    expect(pcs.verify(vr, v, p, new Transcript(PROTOCOL))).toEqual({ ok: true });
  });

  it('rejects a transcript with a different prior state', () => {
    const t = new Transcript(PROTOCOL);
    t.absorbU64('something-else', 1);
    expect(fastPcsPlain.verify(vreqs, values, proof, t).ok).toBe(false);
    expect(fastPcsPlain.verify(vreqs, values, proof, new Transcript('another protocol')).ok).toBe(false);
  });

  it('rejects swapped points, requests, shapes and roots', () => {
    const swappedPoints = vreqs.map((q, i) => (i === 1 ? { ...q, points: [[q.points[0]![1]!, q.points[0]![0]!]] } : q));
    expect(fastPcsPlain.verify(swappedPoints, values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    const otherRoot = vreqs.map((q, i) => (i === 2 ? { ...q, commitment: { ...q.commitment, root: vreqs[0]!.commitment.root } } : q));
    expect(fastPcsPlain.verify(otherRoot, values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    const otherSalt = vreqs.map((q, i) => (i === 2 ? { ...q, commitment: { ...q.commitment, saltLength: 4 } } : q));
    expect(fastPcsPlain.verify(otherSalt, values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
  });

  it('returns verdicts, never exceptions, for malformed proofs, values and requests', () => {
    const t = () => new Transcript(PROTOCOL);
    const bad: unknown[] = [
      null,
      {},
      { ...proof, inputOpenings: proof.inputOpenings.slice(1) },
      { ...proof, maskRoot: new Uint8Array(32) },
      { ...proof, fri: { ...proof.fri, openings: [] } },
      { ...proof, fri: { ...proof.fri, roots: [new Uint8Array(5), ...proof.fri.roots.slice(1)] } },
      { ...proof, fri: { ...proof.fri, finalPoly: proof.fri.finalPoly.map(() => F.P) } },
      { ...proof, inputOpenings: proof.inputOpenings.map((o) => o && { ...o, rows: o.rows.map((r) => r.slice(1)) }) },
      { ...proof, inputOpenings: proof.inputOpenings.map((o) => o && { ...o, siblings: [] }) },
      { ...proof, fri: { ...proof.fri, openings: proof.fri.openings.map((o) => ({ ...o, rows: 'x' })) } },
    ];
    for (const b of bad) {
      const v = fastPcsPlain.verify(vreqs, values, b as FriPcsProof, t());
      expect(v.ok).toBe(false);
    }
    const badValues: unknown[] = [null, [], values.slice(1), [[[[[1, 2, 3]]]]], cloneValues(values).map((r) => r.map((m) => m.map((p) => p.map(() => [F.P, 0, 0, 0]))))];
    for (const b of badValues) expect(fastPcsPlain.verify(vreqs, b as OpenedValues, proof, t()).ok).toBe(false);
    const badReqs: unknown[] = [
      [],
      null,
      vreqs.map((q) => ({ ...q, points: [] })),
      vreqs.map((q) => ({ ...q, commitment: { ...q.commitment, logHeights: [40] } })),
      vreqs.map((q) => ({ ...q, commitment: { ...q.commitment, logHeights: [] } })),
      vreqs.map((q) => ({ ...q, commitment: { ...q.commitment, widths: [0] } })),
      vreqs.map((q) => ({ ...q, points: q.points.map((ps) => ps.map(() => [1, 2, 3])) })),
    ];
    for (const b of badReqs) expect(fastPcsPlain.verify(b as OpeningRequest<CommitmentShape>[], values, proof, t()).ok).toBe(false);
  });

  it('refuses points in the evaluation domain (prover throws, verifier rejects)', () => {
    const c = fastPcsPlain.commit([randomMatrix(3, 1)], rng);
    const inDomain = E.fromBase(F.mul(F.GENERATOR, F.pow(F.rootOfUnity(6), 7)));
    expect(() => fastPcsPlain.open([{ commitment: c, points: [[inDomain]] }], new Transcript(PROTOCOL), rng)).toThrow(/evaluation domain/);
    const v = fastPcsPlain.verify([{ commitment: c.shape, points: [[inDomain]] }], [[[[E.ZERO]]]], proof, new Transcript(PROTOCOL));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error).toMatch(/evaluation domain/);
  });

  it('refuses parameters below 80 conjectured bits unless told it is a test', () => {
    expect(() => new FriPcs({ ...DEFAULT_PCS_PARAMS, numQueries: 8 })).toThrow(/conjectured bits/);
    expect(() => new FriPcs({ ...DEFAULT_PCS_PARAMS, numQueries: 8 }, { allowInsecure: true })).not.toThrow();
    expect(() => new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true, saltLength: 0 })).toThrow(/salt/);
    expect(() => new FriPcs(DEFAULT_PCS_PARAMS)).not.toThrow();
  });
});

describe('zero knowledge', () => {
  it('masks the FRI codeword: layer values differ across seeds, both proofs verify', () => {
    const m = randomMatrix(6, 4);
    const z = randomExt();
    const runs = ['seed-a', 'seed-b'].map((seed) => {
      const r = Rng.fromSeed(seed);
      const c = fastPcs.commit([m], r);
      const out = fastPcs.open([{ commitment: c, points: [[z]] }], new Transcript(PROTOCOL), r);
      expect(fastPcs.verify([{ commitment: c.shape, points: [[z]] }], out.values, out.proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
      return out;
    });
    expect(runs[0]!.values).toEqual(runs[1]!.values);
    const layerRows = (p: FriPcsProof) => p.fri.openings.flatMap((o) => o.rows.map((row) => Array.from(row)));
    const a = new Set(layerRows(runs[0]!.proof).flat());
    const b = layerRows(runs[1]!.proof).flat();
    // Fresh randomness: essentially no FRI value repeats between the two runs.
    expect(b.filter((x) => a.has(x)).length).toBeLessThan(3);
    expect(runs[0]!.proof.fri.finalPoly).not.toEqual(runs[1]!.proof.fri.finalPoly);
  });

  it('commits the mask before α: a proof with another mask root fails', () => {
    const { reqs: rq, rng: r2 } = fixture(fastPcs, 'mask-root');
    const { values: v, proof: p } = fastPcs.open(rq, new Transcript(PROTOCOL), r2);
    const maskRoot = p.maskRoot!.slice();
    maskRoot[0] ^= 1;
    expect(fastPcs.verify(verifierRequests(rq), v, { ...p, maskRoot }, new Transcript(PROTOCOL)).ok).toBe(false);
  });
});

describe('one tree for matrices of several heights', () => {
  it('commits 2^6, 2^4 and 2^2-row matrices in one tree, opens one path per query, and rejects a row of another height', () => {
    const r = Rng.fromSeed('mixed-commit');
    const ms = [randomMatrix(4, 3, r), randomMatrix(6, 2, r), randomMatrix(2, 4, r), randomMatrix(6, 1, r)];
    const c = fastPcs.commit(ms, r);
    expect(c.shape.logHeights).toEqual([4, 6, 2, 6]);
    const z = randomExt(r);
    const reqs: Req[] = [{ commitment: c, points: [[z], [z, E.mulBase(z, F.rootOfUnity(6))], [], [z]] }];
    const { values, proof } = fastPcs.open(reqs, new Transcript(PROTOCOL), r);
    ms.forEach((m, mi) => reqs[0]!.points[mi]!.forEach((pt, j) => expect(values[0]![mi]![j]![0]).toEqual(naiveEval(m, 0, pt))));
    const vr = verifierRequests(reqs);
    expect(fastPcs.verify(vr, values, proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
    // One path: the siblings are at most those of numQueries leaves of the tallest level (2^9 leaves).
    expect(proof.inputOpenings[0]!.siblings.length).toBeLessThanOrEqual(fast.numQueries * 9);
    expect(proof.inputOpenings[0]!.rows.length).toBe(3);
    const o = proof.inputOpenings[0]!;
    // The 2^2-row matrix's row (width 4) in place of the 2^4-row matrix's (width 3), cut to its width.
    const forged = { ...o, rows: [o.rows[0]!, [o.rows[2]![0]!.subarray(0, 3), ...o.rows[1]!.slice(1)], o.rows[2]!] };
    expect(fastPcs.verify(vr, values, { ...proof, inputOpenings: [forged] }, new Transcript(PROTOCOL)).ok).toBe(false);
    // The verifier told another height for a matrix.
    const moved = [{ ...vr[0]!, commitment: { ...vr[0]!.commitment, logHeights: [4, 6, 4, 6] } }];
    expect(fastPcs.verify(moved, values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    const bytes = encodeFriPcsProof(proof);
    const decoded = decodeFriPcsProof(bytes, fast, [c.shape]);
    expect(decoded.ok && fastPcs.verify(vr, values, decoded.value, new Transcript(PROTOCOL)).ok).toBe(true);
  });
});

describe('column subsets', () => {
  it('opens only the listed columns at a point; wrong values, lists or shapes are rejected', () => {
    const r = Rng.fromSeed('column-subsets');
    const ms = [randomMatrix(5, 6, r), randomMatrix(3, 2, r)];
    const c = fastPcs.commit(ms, r);
    const z = randomExt(r);
    const zNext = E.mulBase(z, F.rootOfUnity(5));
    const columns = [[null, [1, 4]], [null]];
    const reqs = [{ commitment: c, points: [[z, zNext], [z]], columns }];
    const { values, proof } = fastPcs.open(reqs, new Transcript(PROTOCOL), r);
    expect(values[0]![0]![1]!.length).toBe(2);
    expect(values[0]![0]![1]).toEqual([naiveEval(ms[0]!, 1, zNext), naiveEval(ms[0]!, 4, zNext)]);
    const vr = [{ commitment: c.shape, points: reqs[0]!.points, columns }];
    expect(fastPcs.verify(vr, values, proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
    const tampered = cloneValues(values);
    tampered[0]![0]![1]![0] = E.add(tampered[0]![0]![1]![0]!, E.ONE);
    expect(fastPcs.verify(vr, tampered, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    // The same values claimed for other columns, or every column, or malformed lists.
    for (const cols of [[[null, [1, 3]], [null]], [[null, [4, 1]], [null]], [[null, []], [null]], [[null, [1, 6]], [null]], [[null], [null]], [[null, null], [null]]]) {
      expect(fastPcs.verify([{ ...vr[0]!, columns: cols }], values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    }
    expect(() => fastPcs.open([{ ...reqs[0]!, columns: [[null, [2, 2]], [null]] }], new Transcript(PROTOCOL), r)).toThrow(/ascending/);
    // Odd-length lists at both points (the column sums go two at a time): each value is its column's.
    const odd = [[[0, 2, 5], [3]], [[1]]];
    const o = fastPcs.open([{ ...reqs[0]!, columns: odd }], new Transcript(PROTOCOL), r);
    expect(o.values[0]![0]).toEqual([[0, 2, 5].map((k) => naiveEval(ms[0]!, k, z)), [naiveEval(ms[0]!, 3, zNext)]]);
    expect(o.values[0]![1]).toEqual([[naiveEval(ms[1]!, 1, z)]]);
    expect(fastPcs.verify([{ ...vr[0]!, columns: odd }], o.values, o.proof, new Transcript(PROTOCOL))).toEqual({ ok: true });
  });
});
