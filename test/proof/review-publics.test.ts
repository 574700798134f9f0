// Review finding: the verifier did not check how many public inputs it was given. A constraint reading a public
// input the caller did not pass read 0, so `verify(fib, [], proof)` accepted a proof about (0, 0, 0): a statement
// the caller never made. Both sides now require exactly as many public inputs as the system's tables read.
import { describe, expect, it } from 'vitest';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import * as X from '../fixtures/sample-airs.ts';
import { plainPcs } from './helpers/plain-pcs.ts';

describe('review: public input count', () => {
  const system = buildSystem('fib', [{ air: X.fibonacciAir }], plainPcs, false);
  const zeros = Matrix.fromRows(Array.from({ length: 8 }, () => [0, 0]));

  it('the prover refuses too few or too many public inputs', () => {
    expect(() => prove(system, [zeros], [], { seed: 's' })).toThrow(/public input/);
    expect(() => prove(system, [zeros], [0, 0, 0, 0], { seed: 's' })).toThrow(/public input/);
    expect(verify(system, [0, 0, 0], prove(system, [zeros], [0, 0, 0], { seed: 's' }))).toEqual({ ok: true });
  });

  it('the verifier rejects a proof checked against missing public inputs', () => {
    // A prover that ignores the count (the system's fields copied, the count check bypassed).
    const lax = { ...system, publicInputs: 0 };
    let proof;
    try {
      proof = prove(lax, [zeros], [], { seed: 's' });
    } catch {
      return; // a prover that cannot be made to skip the check is fine too
    }
    expect(verify(system, [], proof).ok).toBe(false);
  });
});
