// The FRI PCS proof encoding: round trip, every single-byte change rejected (by the decoder or the verifier),
// truncated and extended encodings rejected with an error (never an exception), wrong shapes, random bytes.
import { describe, expect, it } from 'vitest';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import type * as E from '../../runtime/proof/field/extension.ts';
import {
  DEFAULT_PCS_PARAMS,
  FRI_PCS_PROOF_VERSION,
  FriPcs,
  decodeFriPcsProof,
  encodeFriPcsProof,
  type CommitmentShape,
  type OpeningRequest,
  type PcsParams,
} from '../../runtime/proof/pcs/index.ts';

const PROTOCOL = 'pcs-encoding-test';

/** A small proof (two heights, zk, unsalted and salted commits) so that the sweep over every byte is quick. */
function smallProof(params: PcsParams) {
  const rng = Rng.fromSeed('test/proof/pcs-encoding');
  const pcs = new FriPcs(params, { allowInsecure: true });
  const a = pcs.commit([new Matrix(rng.fieldVector(8 * 2), 2)], rng);
  const b = pcs.commit([new Matrix(rng.fieldVector(4 * 1), 1)], rng, { hiding: false });
  const z: E.Ext = [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()];
  const reqs = [
    { commitment: a, points: [[z]] },
    { commitment: b, points: [[z]] },
  ];
  const { values, proof } = pcs.open(reqs, new Transcript(PROTOCOL), rng);
  const vreqs: OpeningRequest<CommitmentShape>[] = reqs.map((r) => ({ commitment: r.commitment.shape, points: r.points }));
  return { pcs, values, proof, vreqs, shapes: vreqs.map((r) => r.commitment) };
}

const small: PcsParams = { ...DEFAULT_PCS_PARAMS, logBlowup: 2, numQueries: 3, powBits: 8, logFoldingArity: 1, logFinalPolyLen: 0 };

describe('proof encoding', () => {
  it('round-trips, and the decoded proof verifies', () => {
    for (const params of [small, { ...small, zk: false }, { ...small, challengePowBits: 0 }, DEFAULT_PCS_PARAMS]) {
      const { pcs, values, proof, vreqs, shapes } = smallProof(params);
      const bytes = encodeFriPcsProof(proof);
      const flags = (params.zk ? 1 : 0) | ((params.challengePowBits ?? 0) > 0 ? 2 : 0);
      expect(Array.from(bytes.subarray(0, 6))).toEqual([0x5a, 0x50, 0x43, 0x53, FRI_PCS_PROOF_VERSION, flags]);
      const d = decodeFriPcsProof(bytes, params, shapes);
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      expect(encodeFriPcsProof(d.value)).toEqual(bytes);
      expect(pcs.verify(vreqs, values, d.value, new Transcript(PROTOCOL))).toEqual({ ok: true });
    }
  });

  it('rejects every single-byte change (decode or verify), never throwing', () => {
    for (const params of [small, { ...small, zk: false }]) {
      const { pcs, values, proof, vreqs, shapes } = smallProof(params);
      const bytes = encodeFriPcsProof(proof);
      expect(bytes.length).toBeLessThan(4000);
      for (let i = 0; i < bytes.length; i++) {
        for (const flip of [0x01, 0x80]) {
          const bad = bytes.slice();
          bad[i] ^= flip;
          const d = decodeFriPcsProof(bad, params, shapes);
          if (!d.ok) continue;
          const v = pcs.verify(vreqs, values, d.value, new Transcript(PROTOCOL));
          expect(v.ok, `byte ${i} ^ ${flip} accepted`).toBe(false);
        }
      }
    }
  });

  it('rejects truncated and extended encodings with an error', () => {
    const { proof, shapes } = smallProof(small);
    const bytes = encodeFriPcsProof(proof);
    for (let n = 0; n < bytes.length; n++) {
      const d = decodeFriPcsProof(bytes.subarray(0, n), small, shapes);
      expect(d.ok, `prefix of ${n} bytes`).toBe(false);
    }
    for (const extra of [[0], [1, 2, 3, 4], new Array(64).fill(0xff)]) {
      const longer = new Uint8Array([...bytes, ...extra]);
      const d = decodeFriPcsProof(longer, small, shapes);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.error).toMatch(/trailing/);
    }
  });

  it('rejects a proof decoded against the wrong shape or parameters (decode or verify)', () => {
    const { proof, shapes, vreqs, values } = smallProof(small);
    const bytes = encodeFriPcsProof(proof);
    const cases: [PcsParams, CommitmentShape[]][] = [
      [{ ...small, zk: false }, shapes],
      [{ ...small, numQueries: 2 }, shapes],
      [{ ...small, logFoldingArity: 2 }, shapes],
      [small, [shapes[0]!]],
      [small, [{ ...shapes[0]!, widths: [3] }, shapes[1]!]],
      [small, [shapes[0]!, { ...shapes[1]!, saltLength: 4 }]],
      [small, [shapes[0]!, { ...shapes[1]!, logHeights: [1] }]],
      [{ ...small, logBlowup: 0 }, shapes],
      [small, []],
    ];
    for (const [p, s] of cases) {
      const d = decodeFriPcsProof(bytes, p, s);
      if (!d.ok) continue;
      // It parsed (the layouts happen to have the same sizes): the verifier must still reject it.
      const reqs = s.map((shape, i) => ({ commitment: shape, points: vreqs[i]?.points ?? [[]] }));
      expect(new FriPcs(p, { allowInsecure: true }).verify(reqs, values, d.value, new Transcript(PROTOCOL)).ok).toBe(false);
    }
    expect(decodeFriPcsProof('nope' as unknown as Uint8Array, small, shapes).ok).toBe(false);
  });

  it('rejects random bytes and large counts without throwing or allocating wildly', () => {
    const { proof, shapes } = smallProof(small);
    const bytes = encodeFriPcsProof(proof);
    const rng = Rng.fromSeed('random-bytes');
    for (let i = 0; i < 200; i++) {
      const junk = rng.nextBytes(rng.nextBelow(bytes.length * 2));
      junk.set(bytes.subarray(0, Math.min(junk.length, 6 + rng.nextBelow(bytes.length))));
      expect(() => decodeFriPcsProof(junk, small, shapes)).not.toThrow();
    }
    // A count field set to 2^32 − 1 right after the header.
    // magic, version, flags; mask root; batching nonce; 3 layer roots and their β nonces; final poly; query nonce
    const zkHeader = 6 + 32 + 4 + 32 * 3 + 4 * 3 + 16 + 8;
    const huge = bytes.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], zkHeader);
    const d = decodeFriPcsProof(huge, small, shapes);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toMatch(/layer 0 opening: 4294967295 rows, expected 1 to 3/);
  });
});
