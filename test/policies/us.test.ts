// The US policies (#21): California SB 53, the New York RAISE Act (as amended by chapter 96 of 2026, and as passed),
// Executive Order 14110; clause by clause, a run just inside and just outside each rule gets the verdict the text
// gives (direction, equality at the threshold, units), by the interpreter and by the compiled programs in the zkVM.
import { describe, expect, it } from 'vitest';
import { runFlops } from './compute.ts';
import { big, policyUnderTest, whole, withSteps, type Json } from './helpers.ts';

const E23 = 10n ** 23n;
const E26 = 10n ** 26n;
const NO_AUX = { aux_trained_tokens: [0, 0, 0, 0], aux_forward_tokens: [0, 0, 0, 0] };

describe('Cal. Bus. & Prof. Code Sec. 22757.11 (SB 53): policies/ca_sb53_frontier.zpol', () => {
  const ca = policyUnderTest('ca_sb53_frontier');
  const X = runFlops(ca.spec, ca.steps);
  const spec = (prior: bigint, fields: Json = {}): Json => ({ ...ca.spec, prior_unattested_flops: big(prior), planned_flops: big(X), disclosed_bound: big(2n * E26), ...fields });

  it('counts pre-training, fine-tuning and RL apart, and reward, judge, teacher and generator models as well (subd. (i)(2))', () => {
    const own = (steps: readonly Json[]) => runFlops(ca.spec, withSteps(steps, NO_AUX));
    expect(whole(ca.state(spec(0n), ca.steps, 'pretraining_flops'))).toBe(own(ca.steps.slice(0, 2)));
    expect(whole(ca.state(spec(0n), ca.steps, 'post_training_flops'))).toBe(own(ca.steps.slice(2)));
    expect(whole(ca.state(spec(0n), ca.steps, 'auxiliary_flops'))).toBe(X - own(ca.steps));
    expect(X - own(ca.steps)).toBe(3n * 512n * 2n * 20_000n + 512n * 4n * 32n * (128n + 256n + 128n));
  });

  it('not_frontier: exactly 10^26 operations is not "greater than 10^26" and holds; one more fails (subd. (i)(1))', () => {
    expect(ca.failing(spec(E26 - X, { disclosed_bound: big(E26) }), ca.steps)).toEqual([]);
    expect(ca.failing(spec(E26 - X + 1n), ca.steps)).toEqual(['attest no_intent_to_exceed', 'invariant not_frontier']);
    // The preceding model's compute counts, chained or declared (subd. (i)(2), "a preceding foundation model").
    expect(ca.failing(spec(1n, { prior_attested_bound: big(E26 - X) }), ca.steps)).toEqual(['attest no_intent_to_exceed', 'invariant not_frontier']);
  });

  it('no_intent_to_exceed: a plan of 10^26 at genesis holds, one more fails before any step ("intends to use", subd. (h))', () => {
    expect(ca.failing(spec(0n, { planned_flops: big(E26) }), ca.steps)).toEqual([]);
    expect(ca.failing(spec(0n, { planned_flops: big(E26 + 1n) }), [])).toEqual(['attest no_intent_to_exceed']);
  });

  it('within_plan: the run may use exactly what was intended, not one operation more', () => {
    expect(ca.failing(spec(0n, { planned_flops: big(X - 1n) }), ca.steps)).toEqual(['invariant within_plan']);
  });

  it('within_disclosed_bound: the disclosed range is an upper bound, reached exactly', () => {
    expect(ca.failing(spec(3n, { disclosed_bound: big(X + 3n) }), ca.steps)).toEqual([]);
    expect(ca.failing(spec(3n, { disclosed_bound: big(X + 2n) }), ca.steps)).toEqual(['invariant within_disclosed_bound']);
  });

  it('large_developer_revenue: revenue of exactly $500M is not "in excess of" it; $500,000,001 is (subd. (j))', () => {
    expect(ca.outputs(spec(0n, { revenue_preceding_year: 500_000_000 }), ca.steps)).toEqual({ large_developer_revenue: 'false' });
    expect(ca.outputs(spec(0n, { revenue_preceding_year: 500_000_001 }), ca.steps)).toEqual({ large_developer_revenue: 'true' });
  });
});

describe('N.Y. Gen. Bus. Law Sec. 1420 as replaced by ch. 96 of 2026: policies/ny_raise_act.zpol', () => {
  const ny = policyUnderTest('ny_raise_act');
  const X = runFlops(ny.spec, ny.steps);
  const spec = (prior: bigint, fields: Json = {}): Json => ({ ...ny.spec, prior_unattested_flops: big(prior), disclosed_bound: big(2n * E26), ...fields });

  it('not_frontier: exactly 10^26 operations, fine-tuning included, holds; one more fails', () => {
    expect(ny.failing(spec(E26 - X), ny.steps)).toEqual([]);
    expect(ny.failing(spec(E26 - X + 1n), ny.steps)).toEqual(['invariant not_frontier']);
    // Fine-tuning counts: the same compute in a post-training step crosses the threshold too.
    expect(ny.failing(spec(E26 - X + 1n), withSteps(ny.steps, { post_training: true }))).toEqual(['invariant not_frontier']);
  });

  it('within_disclosed_bound', () => {
    expect(ny.failing(spec(0n, { disclosed_bound: big(X) }), ny.steps)).toEqual([]);
    expect(ny.failing(spec(0n, { disclosed_bound: big(X - 1n) }), ny.steps)).toEqual(['invariant within_disclosed_bound']);
  });

  it('large_developer_revenue: more than $500M, not $500M itself', () => {
    expect(ny.outputs(spec(0n, { revenue_preceding_year: 500_000_000 }), ny.steps)).toEqual({ large_developer_revenue: 'false' });
    expect(ny.outputs(spec(0n, { revenue_preceding_year: 500_000_001 }), ny.steps)).toEqual({ large_developer_revenue: 'true' });
  });
});

describe('N.Y. Gen. Bus. Law Sec. 1420(4), (6) as passed (S6953-B, superseded): policies/ny_raise_act_s6953b.zpol', () => {
  const ny = policyUnderTest('ny_raise_act_s6953b');
  // A one-layer model of width 1 with 2 vocabulary entries applies 8 parameters per token: a token run forward at
  // sequence length 1 costs 2 * 8 + 4 = 20 operations, so the operation count is any multiple of 20.
  const tiny = { layers: 1, d_model: 1, heads: 1, kv_heads: 1, head_dim: 1, d_ff: 1, vocab: 2, aux_params: [0, 0, 0, 0] };
  // $2.50 per accelerator-hour, committed at genesis: $100M is 40,000,000 hours, 144,000,000,000 accelerator-seconds.
  const spec = (fields: Json = {}): Json => ({ ...ny.spec, ...tiny, price_per_accelerator_hour: '2.5', float_peak: '1e15', integer_peak: 0, ...fields });
  const run = (operations: bigint, seconds: bigint) => [{ ...ny.steps[0], ...NO_AUX, seq_len: 1, trained_tokens: 0, forward_tokens: big(operations / 20n), accelerator_seconds: big(seconds) }];
  const HUNDRED_M = 144_000_000_000n;

  it('compute cost is the committed price times the accelerator time used (Sec. 1420(4))', () => {
    expect(whole(ny.state(spec(), run(20n, 7200n), 'total_flops'))).toBe(20n);
    expect(whole(ny.state(spec(), run(20n, 7200n), 'accelerator_time'))).toBe(7200n);
  });

  it('outside_prong_a: (a) is conjunctive: over 10^26 operations is outside it at a cost of exactly $100M, inside it above', () => {
    expect(ny.failing(spec(), run(E26 + 20n, HUNDRED_M))).toEqual([]);
    expect(ny.failing(spec(), run(E26 + 20n, HUNDRED_M + 1n))).toEqual(['invariant outside_prong_a']);
    // Exactly 10^26 operations is not "greater than", whatever the cost.
    expect(ny.failing(spec(), run(E26, 10n * HUNDRED_M))).toEqual([]);
  });

  it('outside_prong_b: a model distilled from a frontier model costs at most $5M; exactly $5M holds', () => {
    const FIVE_M = 7_200_000_000n;
    expect(ny.failing(spec({ distilled_from_frontier: true }), run(20n, FIVE_M))).toEqual([]);
    expect(ny.failing(spec({ distilled_from_frontier: true }), run(20n, FIVE_M + 1n))).toEqual(['invariant outside_prong_b']);
    expect(ny.failing(spec({ distilled_from_frontier: false }), run(20n, FIVE_M + 1n))).toEqual([]);
  });

  it('accelerator_time_covers_operations: the accelerator time at the faster of the two peaks covers the operations', () => {
    expect(ny.failing(spec({ float_peak: 20 }), run(2000n, 100n))).toEqual([]);
    expect(ny.failing(spec({ float_peak: 20 }), run(2020n, 100n))).toEqual(['invariant accelerator_time_covers_operations']);
    expect(ny.failing(spec({ float_peak: 20, integer_peak: 21 }), run(2020n, 100n))).toEqual([]);
  });
});

describe('Executive Order 14110, sec. 4.2(b) (revoked): policies/us_eo14110_sec42.zpol', () => {
  const eo = policyUnderTest('us_eo14110_sec42');
  const X = runFlops(eo.spec, eo.steps);
  // 2,048 tokens trained on in two steps of 1,024; biological-sequence tokens only in the second.
  const steps = (bio: number) => [{ ...eo.steps[0], bio_tokens: 0 }, { ...eo.steps[1], bio_tokens: bio }];
  const total = (flops: bigint): Json => ({ ...eo.spec, prior_flops: big(flops - X) });

  it('counts the attention term and the compute before this run', () => {
    expect(whole(eo.state(total(E23), steps(0), 'total_flops'))).toBe(E23);
    expect(whole(eo.state({ ...eo.spec, prior_flops: 0 }, steps(0), 'total_flops'))).toBe(X);
  });

  it('below_reporting_threshold: 10^26 operations holds and one more fails, when not primarily biological (sec. 4.2(b)(i))', () => {
    expect(eo.failing(total(E26), steps(0))).toEqual([]);
    expect(eo.failing(total(E26 + 1n), steps(0))).toEqual(['invariant below_reporting_threshold']);
  });

  it('"primarily biological sequence data", derived from the tokens: more than half lowers the limit to 10^23', () => {
    // Exactly half is not "primarily": the 10^26 limit applies.
    expect(eo.failing(total(10n * E23), steps(1024))).toEqual([]);
    expect(eo.failing(total(10n * E23), steps(1025))).toEqual(['invariant below_reporting_threshold']);
    expect(eo.failing(total(E23), steps(1025))).toEqual([]);
    expect(eo.failing(total(E23 + 1n), steps(1025))).toEqual(['invariant below_reporting_threshold']);
    expect(eo.outputs(total(E23), steps(1025))).toEqual({ primarily_biological: 'true' });
    expect(eo.outputs(total(E23), steps(1024))).toEqual({ primarily_biological: 'false' });
  });

  it('bio_tokens_within_trained', () => {
    expect(eo.failing(total(E23), steps(2048))).toEqual([]);
    expect(eo.failing(total(E23), steps(2049))).toEqual(['invariant bio_tokens_within_trained']);
  });

  it('cluster_not_covered: a capacity "of 10^20" op/s is covered; below it, or networking of at most 100 Gbit/s, is not (sec. 4.2(b)(ii))', () => {
    const cluster = (float: string, integer: string, network: string) => ({ ...total(E23), cluster_float_peak: float, cluster_integer_peak: integer, cluster_network: network });
    const OVER = '12500000001'; // byte/s: just over 100 Gbit/s
    expect(eo.failing(cluster('99999999999999999999', '0', OVER), [])).toEqual([]);
    expect(eo.failing(cluster('1e20', '0', OVER), [])).toEqual(['attest cluster_not_covered']);
    // Integer operations count: the faster format is the capacity.
    expect(eo.failing(cluster('1e19', '1e20', OVER), [])).toEqual(['attest cluster_not_covered']);
    // 100 Gbit/s = 12.5e9 byte/s exactly is not "over 100 Gbit/s".
    expect(eo.failing(cluster('1e21', '1e21', '12.5e9'), [])).toEqual([]);
  });
});
