// Tall quotients (system.ts zkLayout with the proof's cap): a short table of high degree in the doubling scheme
// commits its quotient as few chunks of 2^h − (q + 1) coefficients at a taller height, at most the proof's tallest
// witness height, instead of d·2^z − 1 chunks of n. Honest proofs verify and survive encoding; the layout is the
// tall one; a changed or missing quotient value is rejected; the cap is the proof's; the native backend gives the
// TypeScript bytes.
import { describe, expect, it } from 'vitest';
import type { Air } from '../../runtime/proof/air/air.ts';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { buildSystem, committedCells, quotientLogCap, tallQuotientRandomizerLength, zkLayout, zkLayoutOf } from '../../runtime/proof/stark/system.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { decodeStarkProof, encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof } from '../../runtime/proof/pcs/index.ts';
import { cpuBackend } from '../../gpu/index.ts';
import * as X from '../fixtures/sample-airs.ts';

/** y = x^8 on every row, x counting up: a constraint of degree 8. */
const powerAir: Air = {
  name: 'power8',
  width: 2,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    const [x, y] = [b.main(0), b.main(1)];
    const x2 = x.mul(x);
    const x4 = x2.mul(x2);
    b.assertEq(y, x4.mul(x4), 'y = x^8');
    b.assertZero(b.isTransition.mul(b.mainNext(0).sub(x).sub(1)), 'x counts up');
  },
};
const powerTrace = (log: number) => Matrix.fromRows(Array.from({ length: 1 << log }, (_, i) => [i, F.pow(i, 8)]));

const params = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const system = buildSystem('tall', [{ air: X.fibonacciAir }, { air: powerAir, maxDegree: 8 }], new FriPcs(params, { allowInsecure: true }), true);
const fib = X.fibonacciTrace(10);
const traces = [fib.trace, powerTrace(4)];
const publics = fib.publics;

describe('tall quotients for short tables of high degree', () => {
  const proof = prove(system, traces, publics, { seed: 'tall' });
  const cap = quotientLogCap(system, proof.logHeights);

  it('commits the short table’s quotient as one chunk at a taller height, not 31 chunks of 16', () => {
    expect(system.tables[1]!.degree).toBe(8);
    expect(cap).toBe(10);
    // 8 queries: s = 18, so 2^4 rows double to 2^6; D_q = (8·4 − 1)·16 = 496 coefficients.
    const alone = zkLayout(system, 1, 4);
    expect([alone.logCommitted, alone.chunks, alone.chunkLength, alone.quotientLogHeight]).toEqual([6, 31, 16, 6]);
    const tall = zkLayout(system, 1, 4, cap);
    expect([tall.logCommitted, tall.chunks, tall.quotientLogHeight, tall.chunkLength, tall.rhoLength, tall.quotientSlack]).toEqual([6, 1, 9, 512 - 9, 9, 0]);
    expect(tall.chunkLength).toBeGreaterThanOrEqual(tall.quotientCoefficients);
    // The cap bounds it: below the table's own coset, the fewest chunks that fit.
    const capped = zkLayoutOf(true, 8, 8, 4, 7);
    expect([capped.quotientLogHeight, capped.chunks, capped.chunkLength]).toEqual([7, Math.ceil(496 / 119), 119]);
    // The trace's randomiser covers the quotient's rows too: n_c − n ≥ 3q + 2 (here 48 ≥ 26); at the default 28
    // queries a 64-row table doubles twice (192 ≥ 86) where alone it doubles once (64 ≥ 58).
    expect(2 ** tall.logCommitted - 16).toBeGreaterThanOrEqual(tallQuotientRandomizerLength(8));
    expect(zkLayoutOf(true, 28, 32, 6).logCommitted).toBe(7);
    const bf16 = zkLayoutOf(true, 28, 32, 6, 12);
    expect([bf16.logCommitted, bf16.quotientLogHeight, bf16.chunks]).toEqual([8, 12, 2]);
    expect(2 ** bf16.logCommitted - 64).toBeGreaterThanOrEqual(tallQuotientRandomizerLength(28));
    // Fewer cells too: 512 against 31·64.
    expect(committedCells(system, 1, 4, cap)).toBeLessThan(committedCells(system, 1, 4));
    const quotient = commitLayouts(system, proof.logHeights).find((l) => l.kind === 'quotient')!;
    expect(quotient.widths[1]).toBe(4);
    expect(quotient.logHeights[1]).toBe(9);
  });

  it('proves and verifies, and survives encoding', () => {
    expect(verify(system, publics, proof)).toEqual({ ok: true });
    const bytes = encodeStarkProof(proof, encodeFriPcsProof);
    const d = decodeStarkProof(bytes, system, (b, layouts) => decodeFriPcsProof(b, params, layouts));
    expect(d.ok).toBe(true);
    if (d.ok) expect(verify(system, publics, d.value)).toEqual({ ok: true });
  });

  it('rejects a changed or missing quotient value', () => {
    const k = commitLayouts(system, proof.logHeights).findIndex((l) => l.kind === 'quotient');
    const values = proof.values.map((c) => c.map((m) => m.map((p) => p.slice())));
    values[k]![1]![0]![0] = E.add(values[k]![1]![0]![0]!, E.ONE);
    expect(verify(system, publics, { ...proof, values }).ok).toBe(false);
    const fewer = proof.values.map((c) => c.map((m) => m.map((p) => p.slice())));
    fewer[k]![1]![0]!.pop();
    expect(verify(system, publics, { ...proof, values: fewer }).ok).toBe(false);
  });

  const native = cpuBackend();
  it.skipIf(native === null)('gives the same bytes on the native backend', () => {
    const nsys = buildSystem('tall', [{ air: X.fibonacciAir }, { air: powerAir, maxDegree: 8 }], new FriPcs(params, { allowInsecure: true, backend: native! }), true);
    const theirs = prove(nsys, traces, publics, { seed: 'tall' });
    expect(Buffer.from(encodeStarkProof(theirs, encodeFriPcsProof)).equals(Buffer.from(encodeStarkProof(proof, encodeFriPcsProof)))).toBe(true);
  });

  it('takes the cap from the proof: the power table alone is capped at its own committed height', () => {
    const alone = buildSystem('tall', [{ air: powerAir, maxDegree: 8 }], new FriPcs(params, { allowInsecure: true }), true);
    const own = prove(alone, [powerTrace(4)], [], { seed: 'tall' });
    expect(verify(alone, [], own)).toEqual({ ok: true });
    // Its cap is its own committed height: 2^6, so the chunks are of 2^6 − 9 coefficients (10 of them).
    const z = zkLayout(alone, 0, 4, quotientLogCap(alone, own.logHeights));
    expect([z.quotientLogHeight, z.chunks]).toEqual([6, Math.ceil(496 / 55)]);
    const quotient = commitLayouts(alone, own.logHeights).find((l) => l.kind === 'quotient')!;
    expect(quotient.widths[0]).toBe(4 * Math.ceil(496 / 55));
  });
});
