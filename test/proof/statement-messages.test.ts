import { describe, expect, it } from 'vitest';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove, WitnessError } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import type { Air } from '../../runtime/proof/air/air.ts';
import { plainPcs } from './helpers/plain-pcs.ts';

const BUS = 5;

/** Sends (k, v) on every row where `on` is 1: the public values, in whatever rows the prover puts them. */
const sender: Air = {
  name: 'sender',
  width: 3,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    b.assertBool(b.main(2));
    b.send(BUS, [b.main(0), b.main(1)], b.main(2));
  },
};

/** Public inputs are values v_0..v_{n-1}; the statement receives (k, v_k) for each. */
function system(n: number) {
  return buildSystem('statement', [{ air: sender }], plainPcs, true, {
    publicInputs: n,
    publicMessages: { buses: [BUS], messages: (publics) => publics.map((v, k) => ({ bus: BUS, values: [k, v], multiplicity: -1 })) },
  });
}

describe('statement messages', () => {
  const trace = Matrix.fromRows([
    [1, 77, 1],
    [0, 5, 0],
    [0, 42, 1],
    [9, 9, 0],
  ]);

  it('balance the bus against values the statement names', () => {
    const s = system(2);
    expect(s.publicInputs).toBe(2);
    const proof = prove(s, [trace], [42, 77], { seed: 'statement' });
    expect(verify(s, [42, 77], proof)).toEqual({ ok: true });
    expect(verify(s, [42, 78], proof).ok).toBe(false);
    expect(verify(s, [77, 42], proof).ok).toBe(false);
  });

  it('an unmatched statement message is caught by the prover and the verifier', () => {
    const s = system(2);
    expect(() => prove(s, [trace], [42, 78])).toThrow(WitnessError);
    const proof = prove(s, [trace], [42, 78], { skipChecks: true, seed: 'x' });
    expect(verify(s, [42, 78], proof).ok).toBe(false);
  });

  it('the public buses are part of the system digest', () => {
    const plain = buildSystem('statement', [{ air: sender }], plainPcs, true, { publicInputs: 2 });
    expect(Buffer.from(plain.digest).equals(Buffer.from(system(2).digest))).toBe(false);
    expect(() => buildSystem('statement', [{ air: sender }], plainPcs, true, { publicMessages: { buses: [99], messages: () => [] } })).toThrow(/no table uses/);
  });
});
