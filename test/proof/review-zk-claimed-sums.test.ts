// Review finding (zero knowledge). Every table's LogUp claimed sum is in the proof in clear; without blinding it is
// a fixed function of that table's bus messages and the public challenges α, β:
//     claimed_i = Σ_rows Σ_k m_k / (β − (bus_k + α·v_k,0 + …)),
// so a table whose bus traffic is a single secret message would hand that message to anyone who replays the
// transcript up to α, β. This test plays that observer; stark/blinding.ts closes the leak.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Transcript } from '../../runtime/proof/transcript.ts';
import type { Air } from '../../runtime/proof/air/air.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { absorbStatement } from '../../runtime/proof/stark/protocol.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';

const BUS = 5;
/** Sends (x) with multiplicity m: rows (secret, 1), then (0, 0). */
const sender = (name: string): Air => ({
  name,
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    b.assertBool(b.main(1));
    b.send(BUS, [b.main(0)], b.main(1));
  },
});
const receiver: Air = {
  name: 'receiver',
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    b.receive(BUS, [b.main(0)], b.main(1));
  },
};

describe('review: zero knowledge of the LogUp claimed sums', () => {
  it('a table sending one secret message does not reveal it through its claimed sum', () => {
    const pcs = new FriPcs(DEFAULT_PCS_PARAMS);
    const system = buildSystem('secrets', [{ air: sender('a') }, { air: sender('b') }, { air: receiver }], pcs, true);
    const secretA = 123456789;
    const secretB = 987654321;
    const rows = (v: number, m: number, n: number) => Matrix.fromRows(Array.from({ length: n }, (_, i) => (i === 0 ? [v, m] : [0, 0])));
    const receiverTrace = Matrix.fromRows(Array.from({ length: 64 }, (_, i) => (i === 0 ? [secretA, 1] : i === 1 ? [secretB, 1] : [0, 0])));
    const proof = prove(system, [rows(secretA, 1, 64), rows(secretB, 1, 64), receiverTrace], [], { seed: 'secret' });
    expect(verify(system, [], proof)).toEqual({ ok: true });

    // The observer: replay the transcript to α, β; invert the claimed sum of table a.
    const t = new Transcript('zpol-stark');
    absorbStatement(t, system, [], proof.logHeights);
    t.absorbDigest('main-root', proof.mainRoot);
    const [alpha, beta] = t.challengeExts('logup', 2);
    // claimed_a = 1/(β − (BUS + α·x))  ⇒  x = (β − BUS − 1/claimed_a) / α
    const x = E.div(E.sub(E.sub(beta!, E.fromBase(BUS)), E.inv(proof.claimedSums[0]!)), alpha!);
    expect(E.isBase(x) && x[0] === secretA).toBe(false);
  });
});
