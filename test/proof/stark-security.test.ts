// The security a proof reports: at the defaults at least 100 conjectured bits; weak parameters are refused.
import { describe, expect, it } from 'vitest';
import { buildSystem, quotientLogCap, zkLayout } from '../../runtime/proof/stark/system.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { EXT_FIELD_BITS } from '../../runtime/proof/pcs/security.ts';
import { friScheduleOf } from '../../runtime/proof/pcs/opening-plan.ts';
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

  // Red team: FRI holds every matrix of a committed height to the bound it proves there (the final polynomial's
  // length times the folding above, plus one: it bounds the DEEP quotient), above the table's own slack, so the
  // DEEP term counts that degree (test/proof/fri-slack.test.ts, zk-degree-attacks.test.ts).
  it('counts the DEEP degree at the bound FRI enforces for each table', () => {
    const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, true);
    const heights = [16, 16, 1];
    const layouts = commitLayouts(system, heights);
    const schedule = friScheduleOf(pcs.params, layouts);
    const enforced = (i: number) => {
      const z = zkLayout(system, i, heights[i]!, quotientLogCap(system, heights)); // as the proof commits it
      return system.tables[i]!.degree * (schedule.finalLen * 2 ** (z.logCommitted - schedule.logFinalDegree) + 1);
    };
    // The quotient's slack, above a trace's own, is what binds the traces of its height.
    expect(zkLayout(system, 0, 16).quotientSlack).toBeGreaterThan(zkLayout(system, 0, 16).slack);
    expect(schedule.finalLen * 2 ** (16 - schedule.logFinalDegree)).toBeGreaterThanOrEqual(2 ** 16 + zkLayout(system, 0, 16).quotientSlack);
    const degree = [0, 1, 2].map(enforced).reduce((a, b) => a + b, 0);
    // The term is the Schwartz–Zippel figure plus the proof of work ground before ζ.
    expect(starkSecurity(system, heights).terms.deep).toBeCloseTo(EXT_FIELD_BITS - Math.log2(degree) + (pcs.params.challengePowBits ?? 0), 9);
  });

  it('refuses parameters below 80 conjectured bits', () => {
    expect(() => new FriPcs({ ...DEFAULT_PCS_PARAMS, numQueries: 10, powBits: 0 })).toThrow(/80/);
  });
});
