// Security figures of the FRI PCS: the ethSTARK-conjectured bits (query and field terms), the Johnson-bound proven
// bits, the defaults' level, parameter choice and the refusal of weak parameters.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_LOG_DOMAIN,
  POSEIDON2_MAX_LOG_DOMAIN,
  DEFAULT_PCS_PARAMS,
  EXT_FIELD_BITS,
  POSEIDON2_PCS_PARAMS,
  defaultPcsParams,
  MIN_CONJECTURED_BITS,
  assertParamsSecure,
  chooseParams,
  pcsSecurity,
} from '../../runtime/proof/pcs/security.ts';
import { MAX_LOG_DOMAIN } from '../../runtime/proof/fri/schedule.ts';

describe('PCS security', () => {
  it('computes the conjectured bits from the query and field terms', () => {
    expect(EXT_FIELD_BITS).toBeCloseTo(123.63, 2);
    const plain = { ...DEFAULT_PCS_PARAMS, challengePowBits: 0 };
    const r = pcsSecurity({ params: plain, logMaxHeight: 16 });
    expect(r.queryBits).toBe(28 * 3 + 20);
    expect(r.fieldBits).toBeCloseTo(EXT_FIELD_BITS - 19, 6);
    // −log2(2^-104 + 2^-104.63) = 103.3
    expect(r.conjecturedBits).toBe(103);
    expect(r.logMaxDomain).toBe(19);
    // Batching K polynomials with powers of one challenge costs log2 K bits of the field term.
    const k = pcsSecurity({ params: plain, logMaxHeight: 16, numBatched: 128 });
    expect(k.fieldBits).toBeCloseTo(r.fieldBits - 7, 6);
    expect(k.conjecturedBits).toBe(97);
    // Grinding c bits before each of those challenges adds c bits to the field term (the defaults: 12).
    expect(DEFAULT_PCS_PARAMS.challengePowBits).toBe(12);
    const ground = pcsSecurity({ params: DEFAULT_PCS_PARAMS, logMaxHeight: 16, numBatched: 128 });
    expect(ground.fieldBits).toBeCloseTo(k.fieldBits + 12, 6);
    expect(ground.conjecturedBits).toBe(103);
    // At the largest domain the field allows (2^27), 96.6 bits without it and 108.6 with it.
    expect(pcsSecurity({ params: plain, logMaxHeight: 24 }).conjecturedBits).toBe(96);
    expect(pcsSecurity({ params: DEFAULT_PCS_PARAMS, logMaxHeight: 24 }).conjecturedBits).toBe(103);
  });

  it('the defaults of both hash configurations reach 100 conjectured bits up to the rated domain, and not beyond', () => {
    expect(DEFAULT_MAX_LOG_DOMAIN).toBe(MAX_LOG_DOMAIN);
    for (const [params, max] of [[DEFAULT_PCS_PARAMS, DEFAULT_MAX_LOG_DOMAIN], [POSEIDON2_PCS_PARAMS, POSEIDON2_MAX_LOG_DOMAIN]] as const) {
      for (let logD = 4; logD <= max; logD++) {
        const r = pcsSecurity({ params, logMaxHeight: logD - params.logBlowup });
        expect(r.conjecturedBits, `${params.numQueries} queries, |D| = 2^${logD}`).toBeGreaterThanOrEqual(100);
      }
      if (max < MAX_LOG_DOMAIN) expect(pcsSecurity({ params, logMaxHeight: max + 1 - params.logBlowup }).conjecturedBits).toBeLessThan(100);
    }
    // Fewer queries, more grinding (issue #18) in the BLAKE3 configuration; Poseidon2's grinding costs more a try.
    expect([DEFAULT_PCS_PARAMS.numQueries, DEFAULT_PCS_PARAMS.powBits]).toEqual([28, 20]);
    expect([POSEIDON2_PCS_PARAMS.numQueries, POSEIDON2_PCS_PARAMS.powBits]).toEqual([30, 16]);
    expect(defaultPcsParams('blake3')).toBe(DEFAULT_PCS_PARAMS);
    expect(defaultPcsParams('poseidon2')).toBe(POSEIDON2_PCS_PARAMS);
  });

  it('gives a Johnson-bound proven figure well below the conjectured one', () => {
    const r = pcsSecurity({ params: DEFAULT_PCS_PARAMS, logMaxHeight: 16 });
    expect(r.provenBits).not.toBeNull();
    expect(r.proven!.m).toBeGreaterThanOrEqual(3);
    expect(r.provenBits!).toBeGreaterThan(50);
    expect(r.provenBits!).toBeLessThan(r.conjecturedBits);
    // More queries help the proven figure until the batching term (|D|²/|F|) caps it.
    const more = pcsSecurity({ params: { ...DEFAULT_PCS_PARAMS, numQueries: 300 }, logMaxHeight: 16 });
    expect(more.provenBits!).toBeGreaterThan(r.provenBits!);
    expect(more.provenBits!).toBeLessThanOrEqual(Math.ceil(more.proven!.batchingBits));
  });

  it('chooses the fewest queries for a target and refuses unreachable or weak targets', () => {
    const p = chooseParams(100, { logMaxHeight: 16 });
    expect(pcsSecurity({ params: p, logMaxHeight: 16 }).conjecturedBits).toBeGreaterThanOrEqual(100);
    expect(pcsSecurity({ params: { ...p, numQueries: p.numQueries - 1 }, logMaxHeight: 16 }).conjecturedBits).toBeLessThan(100);
    expect(p.numQueries).toBe(27);
    expect(chooseParams(100, { logMaxHeight: 20, challengePowBits: 0 }).numQueries).toBe(28);
    expect(chooseParams(100, { logMaxHeight: 20 }).numQueries).toBe(27);
    expect(chooseParams(100, { logMaxHeight: 16, logBlowup: 1, powBits: 20 }).numQueries).toBe(81);
    expect(() => chooseParams(79, { logMaxHeight: 16 })).toThrow(/minimum of 80/);
    expect(() => chooseParams(110, { logMaxHeight: 20, challengePowBits: 0 })).toThrow(/out of reach/);
    expect(() => chooseParams(113, { logMaxHeight: 20 })).toThrow(/out of reach/);
  });

  it('refuses parameters below 80 conjectured bits', () => {
    expect(MIN_CONJECTURED_BITS).toBe(80);
    expect(() => assertParamsSecure(DEFAULT_PCS_PARAMS)).not.toThrow();
    expect(() => assertParamsSecure({ ...DEFAULT_PCS_PARAMS, numQueries: 20 })).toThrow(/79 conjectured bits/);
    expect(() => assertParamsSecure({ ...DEFAULT_PCS_PARAMS, numQueries: 21 })).not.toThrow();
    expect(() => pcsSecurity({ params: { ...DEFAULT_PCS_PARAMS, logBlowup: 0 }, logMaxHeight: 4 })).toThrow(/logBlowup/);
  });
});
