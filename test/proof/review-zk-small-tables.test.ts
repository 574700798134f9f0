// Review finding: with zero knowledge, a committed witness column is ŵ = w + Z_H·r with r of degree < n_c − n.
// With n_c = 2n the randomizer has only n coefficients, while the verifier sees ŵ at up to numQueries LDE rows,
// at ζ and ω·ζ, and (through the quotient chunks opened at the same rows) at ω_n·x for each opened row x. A
// table with fewer rows than that is not hidden: for n = 8 and 30 queries the opened rows alone determine ŵ
// (degree < 16), and ŵ on H_n is the witness. This test plays the verifier-side attacker: it reads the opened
// rows of a proof and interpolates.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { reverseBits } from '../../runtime/proof/field/ntt.ts';
import { normalizeIndices } from '../../runtime/proof/merkle/tree.ts';
import { buildSystem, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import type { Challenger } from '../../runtime/proof/transcript.ts';
import * as X from '../fixtures/sample-airs.ts';

const pcs = new FriPcs(DEFAULT_PCS_PARAMS);

/** Verifies while recording the FRI query indices the verifier draws (anyone can replay the transcript). */
function verifyAndCaptureQueries(system: StarkSystem<FriPcsProof>, publics: number[], proof: Parameters<typeof verify<FriPcsProof>>[2]): number[] {
  let captured: number[] = [];
  const spy = {
    params: pcs.params,
    commit: pcs.commit.bind(pcs),
    open: pcs.open.bind(pcs),
    transcript: pcs.transcript.bind(pcs),
    verify: (req: Parameters<FriPcs['verify']>[0], values: Parameters<FriPcs['verify']>[1], p: FriPcsProof, transcript: Challenger) => {
      const orig = transcript.challengeIndices.bind(transcript);
      transcript.challengeIndices = (label: string, count: number, n: number) => (captured = orig(label, count, n));
      return pcs.verify(req, values, p, transcript);
    },
  };
  expect(verify({ ...system, pcs: spy }, publics, proof)).toEqual({ ok: true });
  return captured;
}

/** Lagrange interpolation through (xs, ys), evaluated at y. */
function interpolateAt(xs: readonly number[], ys: readonly number[], y: number): number {
  let acc = 0;
  for (let j = 0; j < xs.length; j++) {
    let num = 1;
    let den = 1;
    for (let m = 0; m < xs.length; m++) {
      if (m === j) continue;
      num = F.mul(num, F.sub(y, xs[m]!));
      den = F.mul(den, F.sub(xs[j]!, xs[m]!));
    }
    acc = F.add(acc, F.mul(ys[j]!, F.div(num, den)));
  }
  return acc;
}

describe('review: zero knowledge of small tables', () => {
  it('the opened rows of a small table do not reveal its witness', () => {
    const system = buildSystem('private-sum', [{ air: X.privateSumAir }], pcs, true);
    const witness = [0x1234567, 0x7654321, 0x1111111, 0x2222222, 0x3333333, 0x4444444, 0x5555555, 0x0abcdef];
    const { trace, publics } = X.privateSumTrace(witness);
    const logN = 3;
    const proof = prove(system, [trace], publics, { seed: 'small-zk' });
    const queries = verifyAndCaptureQueries(system, publics, proof);

    const layouts = commitLayouts(system, proof.logHeights);
    const k = layouts.findIndex((l) => l.kind === 'main');
    const committedLog = layouts[k]!.logHeights[0]!;
    const nc = 2 ** committedLog;
    const logMax = Math.max(...layouts.flatMap((l) => l.logHeights)) + pcs.params.logBlowup;
    const logDomain = committedLog + pcs.params.logBlowup;
    // The mixed tree's leaves are bit-reversed positions: leaf p holds row rev(p).
    const leaves = normalizeIndices(queries.map((q) => Math.floor(q / 2 ** (logMax - logDomain))));
    const rows = leaves.map((p) => reverseBits(p, logDomain));
    const opened = proof.pcsProof.inputOpenings[k]!.rows[0]!;
    expect(opened.length).toBe(rows.length);
    const w = F.rootOfUnity(logDomain);
    const xs = rows.map((r) => F.mul(F.GENERATOR, F.pow(w, r)));
    let recovered: number[] | null = null;
    if (xs.length >= nc) {
      // Degree < n_c: n_c opened rows determine the column, and the column on H_n is the witness.
      const ys = opened.map((row) => row[0]!);
      const omegaN = F.rootOfUnity(logN);
      recovered = witness.map((_, i) => interpolateAt(xs.slice(0, nc), ys.slice(0, nc), F.pow(omegaN, i)));
    }
    expect(recovered).not.toEqual(witness);
    // The randomizer must have at least as many coefficients as the evaluations of ŵ the verifier can learn.
    expect(nc - 2 ** logN).toBeGreaterThanOrEqual(2 * pcs.params.numQueries + 2);
  });

  it('small zk tables still prove and verify, alone and next to taller ones', () => {
    for (const logN of [1, 2, 3, 4, 5, 6]) {
      const system = buildSystem('private-sum', [{ air: X.privateSumAir }], pcs, true);
      const { trace, publics } = X.privateSumTrace(Array.from({ length: 2 ** logN }, (_, i) => 1000 + 17 * i));
      expect(verify(system, publics, prove(system, [trace], publics, { seed: `n${logN}` })), `2^${logN}`).toEqual({ ok: true });
    }
    const bus = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, true);
    const proof = prove(bus, [X.squaresTrace(1, 3), X.consumerTrace(7, 2, 3)], [3], { seed: 'mixed' });
    expect(verify(bus, [3], proof)).toEqual({ ok: true });
  });
});
