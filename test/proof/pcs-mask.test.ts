// The zk mask held by a commit (CommitmentShape.mask, issue #18): R committed as one more matrix of the last
// commit, read at the queries from that commit's rows, no tree of its own. Honest openings verify and are smaller
// than with a mask tree; the verifier refuses a mask of another shape, two holders, a mask tree beside a holder, a
// holder without zk or held by the verifier, a mask that is not low-degree, and a changed mask row; the decoder
// reads the flag that says whether a mask tree travels. None of these throws.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import { commitMixedTree, tsBackend } from '../../runtime/proof/backends/index.ts';
import { defaultHasher } from '../../runtime/proof/merkle/hasher.ts';
import { makeSalts } from '../../runtime/proof/merkle/tree.ts';
import { maskShapeOf } from '../../runtime/proof/pcs/opening-plan.ts';
import {
  DEFAULT_PCS_PARAMS,
  FriPcs,
  FriPcsCommitment,
  decodeFriPcsProof,
  encodeFriPcsProof,
  type CommitmentShape,
  type FriPcsProof,
  type OpenedValues,
  type OpeningRequest,
  type PcsParams,
} from '../../runtime/proof/pcs/index.ts';

const PROTOCOL = 'pcs-mask-test';
const params: PcsParams = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const pcs = new FriPcs(params, { allowInsecure: true });

function randomExt(r: Rng): E.Ext {
  return [r.nextField(), r.nextField(), r.nextField(), r.nextField()];
}

/**
 * Two commits: a randomised one of height 2^6 (slack 3), then one of height 2^4 that holds the mask (height 2^6,
 * slack 3: maskShapeOf), opened at ζ; `withMask: false` commits the second without it (the mask gets its own tree).
 */
function fixture(seed: string, withMask = true) {
  const r = Rng.fromSeed(seed);
  const a = pcs.commit([new Matrix(r.fieldVector(64 * 5), 5)], r, { randomizers: [new Matrix(r.fieldVector(3 * 5), 5)] });
  const small = new Matrix(r.fieldVector(16 * 3), 3);
  const mask = maskShapeOf([a.shape, { logHeights: [4], widths: [3] }]);
  const b = pcs.commit([small], r, withMask ? { mask } : {});
  const z = randomExt(r);
  const reqs: OpeningRequest<FriPcsCommitment>[] = [
    { commitment: a, points: [[z]] },
    { commitment: b, points: [[z]] },
  ];
  const { values, proof } = pcs.open(reqs, new Transcript(PROTOCOL), r);
  return { reqs, values, proof, mask, r };
}

const shapesOf = (reqs: readonly OpeningRequest<FriPcsCommitment>[]) => reqs.map((q) => q.commitment.shape);
const requestsOf = (reqs: readonly OpeningRequest<FriPcsCommitment>[], shapes: readonly CommitmentShape[] = shapesOf(reqs)): OpeningRequest<CommitmentShape>[] =>
  reqs.map((q, i) => ({ commitment: shapes[i]!, points: q.points }));
const check = (reqs: OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: FriPcsProof) => pcs.verify(reqs, values, proof, new Transcript(PROTOCOL));

describe('the zk mask held by a commit', () => {
  const { reqs, values, proof, mask } = fixture('honest');

  it('has the plan’s tallest height and the slack that covers every roll-in', () => {
    expect(mask).toEqual({ logHeight: 6, slack: 3 });
    expect(reqs[1]!.commitment.shape.mask).toEqual(mask);
  });

  it('verifies, with no mask tree, and encodes smaller than with one', () => {
    expect(check(requestsOf(reqs), values, proof)).toEqual({ ok: true });
    expect(proof.maskRoot).toBeNull();
    expect(proof.maskOpening).toBeNull();
    const bytes = encodeFriPcsProof(proof);
    const decoded = decodeFriPcsProof(bytes, params, shapesOf(reqs));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(encodeFriPcsProof(decoded.value)).toEqual(bytes);
    const own = fixture('honest', false);
    expect(check(requestsOf(own.reqs), own.values, own.proof)).toEqual({ ok: true });
    expect(own.proof.maskRoot).not.toBeNull();
    expect(bytes.length).toBeLessThan(encodeFriPcsProof(own.proof).length);
    // The decoder reads a mask tree exactly when no commit holds the mask.
    expect(decodeFriPcsProof(bytes, params, shapesOf(own.reqs)).ok).toBe(false);
    expect(decodeFriPcsProof(encodeFriPcsProof(own.proof), params, shapesOf(reqs)).ok).toBe(false);
  });

  it('refuses a mask of another height or slack than the opening needs', () => {
    for (const other of [{ logHeight: 5, slack: 3 }, { logHeight: 6, slack: 2 }, { logHeight: 6, slack: 4 }]) {
      const shapes = shapesOf(reqs).map((s, i) => (i === 1 ? { ...s, mask: other } : s));
      const v = check(requestsOf(reqs, shapes), values, proof);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error).toMatch(/mask/);
    }
  });

  it('refuses two holders, a holder without zk, a held holder, and a mask tree beside a holder', () => {
    const two = shapesOf(reqs).map((s) => ({ ...s, mask }));
    expect(check(requestsOf(reqs, two), values, proof).ok).toBe(false);
    const plain = new FriPcs({ ...params, zk: false }, { allowInsecure: true });
    expect(plain.verify(requestsOf(reqs), values, proof, new Transcript(PROTOCOL)).ok).toBe(false);
    const holds = new FriPcs({ ...params, verifierHoldsPublic: true }, { allowInsecure: true });
    const held = requestsOf(reqs).map((q, i) => (i === 1 ? { ...q, held: { commitment: null } } : q));
    expect(holds.verify(held, values, { ...proof, inputOpenings: [proof.inputOpenings[0]!, null] }, new Transcript(PROTOCOL)).ok).toBe(false);
    const own = fixture('honest', false);
    expect(check(requestsOf(reqs), values, { ...proof, maskRoot: own.proof.maskRoot, maskOpening: own.proof.maskOpening }).ok).toBe(false);
    // And the honest one-tree proof does not pass as a holder's.
    expect(check(requestsOf(own.reqs, shapesOf(own.reqs).map((s, i) => (i === 1 ? { ...s, mask } : s))), own.values, { ...own.proof, maskRoot: null, maskOpening: null }).ok).toBe(false);
  });

  it('refuses a changed mask row (the holder’s tallest rows are the mask’s)', () => {
    const opening = proof.inputOpenings[1]!;
    const rows = opening.rows.map((g, gi) => g.map((row, k) => (gi === 0 && k === 0 ? row.map((x, j) => (j === 0 ? (x + 1) % 2013265921 : x)) : row)));
    const bad = { ...proof, inputOpenings: [proof.inputOpenings[0]!, { ...opening, rows }] };
    expect(check(requestsOf(reqs), values, bad).ok).toBe(false);
  });

  it('refuses a mask that is not of the declared degree (committed as random values, Merkle paths honest)', () => {
    const r = Rng.fromSeed('high-degree mask');
    const a = pcs.commit([new Matrix(r.fieldVector(64 * 5), 5)], r, { randomizers: [new Matrix(r.fieldVector(3 * 5), 5)] });
    const small = new Matrix(r.fieldVector(16 * 3), 3);
    const honest = pcs.commit([small], r, { mask });
    // The same commit with R replaced by uniformly random values on the LDE domain (no polynomial of degree < 67).
    const badMask = new Matrix(r.fieldVector(honest.maskLde!.values.length), 4);
    const tree = commitMixedTree(tsBackend, defaultHasher, [...honest.ldes, badMask], makeSalts(2 ** 9, params.saltLength, r));
    const cheat = new FriPcsCommitment({ ...honest.shape, root: tree.root() }, honest.matrices, honest.ldes, tree, honest.logBlowup, honest.exact, honest.randomizers, badMask);
    const z = randomExt(r);
    const cheatReqs: OpeningRequest<FriPcsCommitment>[] = [
      { commitment: a, points: [[z]] },
      { commitment: cheat, points: [[z]] },
    ];
    const opened = pcs.open(cheatReqs, new Transcript(PROTOCOL), r);
    expect(check(requestsOf(cheatReqs), opened.values, opened.proof).ok).toBe(false);
  });

  it('commit and open refuse a mask where it cannot be', () => {
    const r = Rng.fromSeed('refusals');
    const plain = new FriPcs({ ...params, zk: false }, { allowInsecure: true });
    expect(() => plain.commit([new Matrix(r.fieldVector(16), 1)], r, { mask: { logHeight: 4, slack: 0 } })).toThrow(/mask/);
    expect(() => pcs.commit([new Matrix(r.fieldVector(16), 1)], r, { hiding: false, mask: { logHeight: 4, slack: 0 } })).toThrow(/^commit: a commit holding the mask must be salted$/);
    expect(() => pcs.commit([new Matrix(r.fieldVector(16), 1)], r, { mask: { logHeight: 40, slack: 0 } })).toThrow(/^commit: mask log height 40 is out of range$/);
    expect(() => pcs.commit([new Matrix(r.fieldVector(16), 1)], r, { mask: { logHeight: 4, slack: 1e6 } })).toThrow(/^commit: mask degree slack 1000000 is out of range/);
    // A mask of the wrong shape for the opening: the prover refuses before proving.
    const a = pcs.commit([new Matrix(r.fieldVector(64), 1)], r, { mask: { logHeight: 4, slack: 0 } });
    expect(() => pcs.open([{ commitment: a, points: [[randomExt(r)]] }], new Transcript(PROTOCOL), r)).toThrow(/mask/);
  });
});
