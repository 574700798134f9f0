// The security a proof reports: at the defaults at least 100 conjectured bits; weak parameters are refused.
import { describe, expect, it } from 'vitest';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import * as X from '../fixtures/sample-airs.ts';

describe('STARK security', () => {
  const pcs = new FriPcs(DEFAULT_PCS_PARAMS);

  // Above 2^17 rows (with bus traffic; 2^18 without) the field terms (|D|/|F|, |F| = p^4 ≈ 2^124) pull the total to 99.
  it('reaches 100 conjectured bits at the default parameters up to 2^17 rows', () => {
    const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, true);
    for (const log of [3, 10, 16, 17]) {
      const s = starkSecurity(system, [log, log, 1]); // the third table is the zero-knowledge blinding collector
      expect(s.conjecturedBits, `2^${log}`).toBeGreaterThanOrEqual(100);
      expect(s.provenBits).not.toBeNull();
      expect(s.provenBits!).toBeLessThan(s.conjecturedBits);
      expect(s.terms.logup).not.toBeNull();
    }
  });

  it('is limited by its weakest term', () => {
    const system = buildSystem('fib', [{ air: X.fibonacciAir }], pcs, true);
    const s = starkSecurity(system, [10]);
    expect(s.conjecturedBits).toBeLessThanOrEqual(Math.floor(Math.min(s.terms.pcs, s.terms.deep, s.terms.constraints)));
    expect(s.terms.logup).toBeNull();
  });

  it('refuses parameters below 80 conjectured bits', () => {
    expect(() => new FriPcs({ ...DEFAULT_PCS_PARAMS, numQueries: 10, powBits: 0 })).toThrow(/80/);
  });
});
