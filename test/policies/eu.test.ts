// The EU policies (#21), clause by clause: a run just inside and just outside each rule gets the verdict the text
// gives (direction, equality at the threshold, units), by the interpreter and by the compiled programs in the zkVM.
import { describe, expect, it } from 'vitest';
import { activeParams, runFlops, type Shape } from './compute.ts';
import { big, policyUnderTest, whole, withSteps, type Json } from './helpers.ts';

const E23 = 10n ** 23n;
const E25 = 10n ** 25n;

describe('AI Act Art. 51(2) and 52(1): policies/eu_ai_act_art51.zpol', () => {
  const eu = policyUnderTest('eu_ai_act_art51');
  const X = runFlops(eu.spec, eu.steps);
  // A complying run whose cumulative compute is `prior` + X, with the plan and the disclosed range set to fit.
  const spec = (prior: bigint, fields: Json = {}): Json => ({
    ...eu.spec,
    prior_attested_bound: 0,
    prior_unattested_flops: big(prior),
    planned_flops: big(X),
    disclosed_bound: big(2n * E25),
    ...fields,
  });

  it('counts 6N + 12 l (heads x head_dim) s per trained token, 2N + 4 l (heads x head_dim) s per forward token, auxiliary models too', () => {
    expect(activeParams(eu.spec as unknown as Shape)).toBe(2n * (16_384n + 32_768n) + 1000n * 64n);
    expect(whole(eu.state(spec(0n), eu.steps, 'run_flops'))).toBe(X);
    // The first step by hand: 1,024 trained tokens at 973,824 + 1,536 * 128, 512 forward at 324,608 + 512 * 128,
    // 512 through the reward model at 40,000 + 128 * 128.
    const first = 1024n * (973_824n + 1536n * 128n) + 512n * (324_608n + 512n * 128n) + 512n * (40_000n + 128n * 128n);
    expect(whole(eu.state(spec(0n), eu.steps.slice(0, 1), 'run_flops'))).toBe(first);
  });

  it('a token sampled and then trained on costs both passes; the sequence length is per step', () => {
    const one = (fields: Json) => whole(eu.state(spec(0n), withSteps(eu.steps.slice(0, 1), { aux_forward_tokens: [0, 0, 0, 0], ...fields }), 'run_flops'));
    const trained = one({ trained_tokens: 1, forward_tokens: 0 });
    const sampled = one({ trained_tokens: 0, forward_tokens: 1 });
    expect(one({ trained_tokens: 1, forward_tokens: 1 })).toBe(trained + sampled);
    expect(trained).toBe(6n * 162_304n + 12n * 2n * 64n * 128n);
    expect(one({ trained_tokens: 1, forward_tokens: 0, seq_len: 129 }) - trained).toBe(12n * 2n * 64n);
  });

  it('a mixture of experts counts the experts each token is routed to, derived from the shape, not declared', () => {
    const moe = { arch: 'moe_transformer', experts: 8, experts_per_token: 2, params: 2 * (16_384 + 8 * 32_768 + 64 * 8) + 64_000 };
    expect(eu.failing(spec(0n, { ...moe, planned_flops: big(10n * X) }), eu.steps)).toEqual([]);
    const active = activeParams({ ...(eu.spec as unknown as Shape), ...moe });
    expect(active).toBe(2n * (16_384n + 2n * 32_768n + 512n) + 64_000n);
    expect(whole(eu.state(spec(0n, moe), eu.steps, 'run_flops'))).toBe(runFlops({ ...eu.spec, ...moe }, eu.steps));
    // Declaring fewer parameters does not lower the count; it fails the documented-count check instead.
    expect(eu.failing(spec(0n, { ...moe, params: 162_304, planned_flops: big(10n * X) }), eu.steps)).toEqual(['attest params_match_shape']);
  });

  it('below_presumption: exactly 10^25 FLOP is not "greater than 10^25" and holds; one FLOP more fails (Art. 51(2))', () => {
    expect(eu.failing(spec(E25 - X, { disclosed_bound: big(E25) }), eu.steps)).toEqual([]);
    expect(eu.failing(spec(E25 - X + 1n), eu.steps)).toEqual(['attest plan_below_presumption', 'invariant below_presumption']);
  });

  it('prior compute counts whether chained from a disclosed bound (public) or declared', () => {
    const chained = spec(0n, { prior_attested_bound: big(E25 - X - 5n), prior_unattested_flops: 5 });
    expect(whole(eu.state(chained, eu.steps, 'cumulative_flops'))).toBe(E25);
    expect(eu.failing(chained, eu.steps)).toEqual([]);
    expect(eu.failing({ ...chained, prior_unattested_flops: 6 }, eu.steps)).toEqual(['attest plan_below_presumption', 'invariant below_presumption']);
  });

  it('plan_below_presumption: planned compute is checked at genesis, before any step (Art. 52(1), "will be met")', () => {
    expect(eu.failing(spec(0n, { planned_flops: big(E25) }), eu.steps)).toEqual([]);
    expect(eu.failing(spec(0n, { planned_flops: big(E25 + 1n) }), [])).toEqual(['attest plan_below_presumption']);
  });

  it('within_plan: the run may use exactly its plan, not one FLOP more', () => {
    expect(eu.failing(spec(0n, { planned_flops: big(X) }), eu.steps)).toEqual([]);
    expect(eu.failing(spec(0n, { planned_flops: big(X - 1n) }), eu.steps)).toEqual(['invariant within_plan']);
  });

  it('within_disclosed_bound: the range disclosed at genesis is an upper bound, reached exactly', () => {
    expect(eu.failing(spec(7n, { disclosed_bound: big(X + 7n) }), eu.steps)).toEqual([]);
    expect(eu.failing(spec(7n, { disclosed_bound: big(X + 6n) }), eu.steps)).toEqual(['invariant within_disclosed_bound']);
  });

  it('the architecture claims: a transformer, routing that matches the class, a documented count within 2% of the shape', () => {
    expect(eu.failing(spec(0n, { arch: 'state_space' }), eu.steps)).toEqual(['attest transformer']);
    expect(eu.failing(spec(0n, { experts: 2 }), eu.steps)).toContain('attest routing_matches_class');
    const moe = (k: number) => spec(0n, { arch: 'moe_transformer', experts: 8, experts_per_token: k, params: 2 * (16_384 + 8 * 32_768 + 512) + 64_000, planned_flops: big(10n * X) });
    expect(eu.failing(moe(8), eu.steps)).toEqual([]);
    expect(eu.failing(moe(9), eu.steps)).toEqual(['attest routing_matches_class']);
    expect(eu.failing(moe(0), [])).toEqual(['attest routing_matches_class']);
    // 162,304 stored parameters: 2% is 3,246.08, so 165,550 and 159,058 are within, 165,551 and 159,057 are not.
    for (const [params, ok] of [[165_550, true], [165_551, false], [159_058, true], [159_057, false]] as const) {
      expect(eu.failing(spec(0n, { params }), []), `params ${params}`).toEqual(ok ? [] : ['attest params_match_shape']);
    }
  });
});

describe("Commission guidelines C(2025) 7719, point 17: policies/eu_gpai_indicative.zpol", () => {
  const gpai = policyUnderTest('eu_gpai_indicative');
  const X = runFlops(gpai.spec, gpai.steps);
  const modalities = { generates_language: false, text_to_image: false, text_to_video: false };
  const spec = (cumulative: bigint, fields: Json) => ({ ...gpai.spec, ...modalities, prior_unattested_flops: big(cumulative - X), ...fields });

  it('more than 10^23 FLOP with any generative modality meets the criterion; exactly 10^23 does not', () => {
    for (const modality of Object.keys(modalities)) {
      expect(gpai.failing(spec(E23, { [modality]: true }), gpai.steps), modality).toEqual([]);
      expect(gpai.failing(spec(E23 + 1n, { [modality]: true }), gpai.steps), modality).toEqual(['invariant outside_indicative_criterion']);
    }
  });

  it('without a generative modality, any compute is outside the criterion', () => {
    expect(gpai.failing(spec(E25, {}), gpai.steps)).toEqual([]);
  });
});

describe('Commission guidelines C(2025) 7719, points 60 and 61: policies/eu_downstream_modifier.zpol', () => {
  const mod = policyUnderTest('eu_downstream_modifier');
  const M = runFlops(mod.spec, mod.steps);
  const known = (original: bigint, planned = M): Json => ({ ...mod.spec, original_compute_known: true, original_flops: big(original), planned_flops: big(planned) });

  it('point 60: modification compute of exactly a third of the original is not "greater than a third"; one FLOP more is', () => {
    expect(whole(mod.state(known(3n * M), mod.steps, 'modification_flops'))).toBe(M);
    expect(mod.failing(known(3n * M), mod.steps)).toEqual([]);
    expect(mod.failing(known(3n * M - 1n), mod.steps)).toEqual(['attest plan_within_a_third', 'invariant not_a_new_provider']);
    expect(mod.failing(known(3n * M - 1n, 0n), mod.steps)).toEqual(['invariant within_plan', 'invariant not_a_new_provider']);
  });

  // A one-layer, one-head model of width 1 with 2 vocabulary entries applies 8 parameters per token, and a forward
  // token costs 2 * 8 + 4 * 1 = 20 FLOP at sequence length 1: modification compute is then any multiple of 20.
  const tiny = { layers: 1, d_model: 1, heads: 1, kv_heads: 1, head_dim: 1, d_ff: 1, vocab: 2, aux_params: [0, 0, 0, 0] };
  const forward = (flops: bigint) => [{ ...mod.steps[0], seq_len: 1, trained_tokens: 0, forward_tokens: big(flops / 20n), aux_forward_tokens: [0, 0, 0, 0] }];
  const unknown = (systemic: boolean, planned: bigint): Json => ({ ...mod.spec, ...tiny, original_compute_known: false, original_systemic_risk: systemic, original_flops: 0, planned_flops: big(planned) });

  it('point 61: unknown original compute: a third of 10^25 FLOP for a model with systemic risk, of 10^23 otherwise', () => {
    for (const [systemic, threshold] of [[true, E25], [false, E23]] as const) {
      const inside = (threshold / 60n) * 20n; // the largest multiple of 20 at most threshold / 3
      expect(3n * inside <= threshold && 3n * (inside + 20n) > threshold).toBe(true);
      expect(whole(mod.state(unknown(systemic, inside), forward(inside), 'modification_flops'))).toBe(inside);
      expect(mod.failing(unknown(systemic, inside), forward(inside))).toEqual([]);
      expect(mod.failing(unknown(systemic, inside), forward(inside + 20n))).toEqual(['invariant within_plan', 'invariant not_a_new_provider']);
      expect(mod.failing(unknown(systemic, inside + 20n), [])).toEqual(['attest plan_within_a_third']);
    }
    // The original's declared compute is ignored when it is not known.
    expect(mod.failing({ ...unknown(false, 0n), original_flops: big(E25) }, forward(E23))).toEqual(['invariant within_plan', 'invariant not_a_new_provider']);
  });
});

describe('AI Act Annex XI, Section 1, point 2(d) and (e): policies/eu_ai_act_annex_xi.zpol', () => {
  const annex = policyUnderTest('eu_ai_act_annex_xi');
  const X = runFlops(annex.spec, annex.steps);

  it('reveals the architecture count beside the hardware bound (accelerator time x the faster format), training time and energy', () => {
    expect(annex.outputs(annex.spec, annex.steps)).toEqual({
      training_compute: `${Number(X) / 1e9}e9 FLOP`,
      training_compute_hardware_bound: '2.16e19 FLOP', // 10,800 s x 2e15 op/s, the integer peak
      training_time: '10800 s',
      energy_consumption: '7.56e6 J', // unmetered: 700 J/s x 10,800 s
    });
    const metered = annex.outputs({ ...annex.spec, energy_metered: true }, withSteps(annex.steps, { energy: 5000 }));
    expect(metered.energy_consumption).toBe('10000 J');
  });

  it('hardware_bound_covers_count: the count may equal accelerator time x peak, not exceed it', () => {
    const seconds = 1000;
    const step = [{ ...annex.steps[0], accelerator_seconds: seconds }];
    const count = runFlops(annex.spec, step);
    const peak = (p: bigint) => ({ ...annex.spec, float_peak: 1, integer_peak: `${p}/${seconds}` });
    expect(annex.failing(peak(count), step)).toEqual([]);
    expect(annex.failing(peak(count - 1n), step)).toEqual(['invariant hardware_bound_covers_count']);
    // The faster format is the peak: a floating-point peak that covers the count suffices.
    expect(annex.failing({ ...peak(count - 1n), float_peak: `${count}/${seconds}` }, step)).toEqual([]);
  });
});

describe('AI Act Art. 53(1)(c): policies/eu_tdm_optout.zpol', () => {
  const tdm = policyUnderTest('eu_tdm_optout');
  // Sources: 0 not reserved, 1 reserved but licensed, 2 reserved, 3 unchecked.
  const steps = (bySource: number[]) => [{ tokens: bySource.reduce((a, b) => a + b, 0), tokens_by_source: bySource }];

  it('tokens from sources not reserved, or reserved but licensed, are allowed', () => {
    expect(tdm.failing(tdm.spec, steps([600, 400, 0, 0]))).toEqual([]);
  });

  it('one token from a reserved source without a licence, or from an unchecked source, fails', () => {
    expect(tdm.failing(tdm.spec, steps([600, 400, 1, 0]))).toEqual(['invariant no_reserved_content']);
    expect(tdm.failing(tdm.spec, steps([600, 400, 0, 1]))).toEqual(['invariant no_reserved_content']);
    // Every source's status is the registry's: the same source, recorded as not reserved, is allowed.
    expect(tdm.failing({ ...tdm.spec, source_status: ['not_reserved', 'reserved_licensed', 'not_reserved', 'unchecked'] }, steps([0, 0, 5, 0]))).toEqual([]);
  });

  it('every token is attributed to a registered source', () => {
    expect(tdm.failing(tdm.spec, [{ tokens: 1001, tokens_by_source: [600, 400, 0, 0] }])).toEqual(['invariant every_token_attributed']);
  });
});
