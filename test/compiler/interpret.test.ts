// The reference interpreter (compiler/interpret.ts) and the run-value format (compiler/values.ts, docs/run-values.md):
// decoding errors name the field; the demo policy passes a valid stream, fails its FLOP cap at a known step with the
// invariant, the step, both values and the clause's location; data-mixture and attest failures are explained in the
// policy's terms; exact arithmetic agrees with the checker's folding; every policy in policies/ evaluates on a stream
// generated from its declared types.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as A from '../../language/ast.ts';
import { valuesEqual } from '../../language/checker/values.ts';
import { loadProgram, type Program } from '../../language/program.ts';
import { evaluateConstant, interpretPolicy, PolicyInterpreter } from '../../compiler/interpret.ts';
import { formatEvaluation } from '../../compiler/interpret/results.ts';
import { recordGenerator } from '../../compiler/generate.ts';
import { BABYBEAR_P, decodeRecord, encodeRunValue, RunValueError, type FieldType, type RunValue } from '../../compiler/values.ts';

/** Loads policy text that exists only in memory. */
function virtualPolicy(name: string, text: string): Program {
  const path = `test/compiler/${name}.zpol`;
  const program = loadProgram([path], undefined, new Map([[path, text]]));
  const errors = program.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`)).toEqual([]);
  return program;
}

const demo = loadProgram(['policies/demo.zpol']);
const ZERO_DIGEST = '0'.repeat(64);
/** 4 inputs, 8 hidden, 2 outputs, biased: (4*8 + 8) + (8*2 + 2) = 58 parameters. */
const DEMO_SPEC = { arch: 'mlp', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16, datasets: ['0'.repeat(64), '0'.repeat(64)], weights: '0'.repeat(64) };
const demoStep = (tokens: number, synthetic: number) => ({
  tokens,
  tokens_by_source: [tokens - synthetic, synthetic],
  x_root: ZERO_DIGEST,
  w1_root: ZERO_DIGEST,
  h_root: ZERO_DIGEST,
  labels_root: ZERO_DIGEST,
  weights_root: ZERO_DIGEST,
});

// ---------------------------------------------------------------------------------------------------------

const TYPES_POLICY = `policy types version 1

enum Mode { fast, slow }

const N = 2

spec {
  flag: bool
  count: int token
  share: ratio
  pct: percent
  rate: ratio FLOP/s
  mode: Mode
  root: digest
  half: bf16
  single: f32
  grid: [[int; 2]; N]
}

step {
  tokens: int token
  tokens_by_source: [int token; N]
}

state {
  total: int token = 0 token
}

on step {
  total += step.tokens
}

attest flags_match: spec.flag == (spec.mode == Mode.fast)
attest floats: spec.half == spec.half and spec.single == spec.single

invariant positive: total >= 0 token
`;

describe('run values', () => {
  const types = virtualPolicy('types', TYPES_POLICY);
  const interp = new PolicyInterpreter(types);
  const spec = {
    flag: true,
    count: '1e25',
    share: '1/3',
    pct: '12.5%',
    rate: 2.5,
    mode: 'fast',
    root: '0000000100000002000000030000000400000005000000060000000700000008',
    half: '0x3f80',
    single: '0xbf800000',
    grid: [
      [1, 2],
      [3, '4e3'],
    ],
  };

  it('decodes every type exactly', () => {
    const v = interp.decodeSpec(spec);
    expect(v.get('count')).toEqual({ kind: 'num', num: 10n ** 25n, den: 1n });
    expect(v.get('share')).toEqual({ kind: 'num', num: 1n, den: 3n });
    expect(v.get('pct')).toEqual({ kind: 'num', num: 1n, den: 8n });
    expect(v.get('rate')).toEqual({ kind: 'num', num: 5n, den: 2n });
    expect(v.get('mode')).toMatchObject({ kind: 'enum', member: 'fast' });
    expect(v.get('root')).toEqual({ kind: 'digest', words: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(v.get('half')).toEqual({ kind: 'float', format: 'bf16', bits: 0x3f80 });
    expect(v.get('single')).toEqual({ kind: 'float', format: 'f32', bits: 0xbf800000 });
    expect(encodeRunValue(v.get('grid')!)).toEqual([
      [1, 2],
      [3, 4000],
    ]);
  });

  it('reads JSON numbers for ratios as the decimal they print as, not as binary doubles', () => {
    const v = interp.decodeSpec({ ...spec, share: 0.1, pct: 0.3 });
    expect(v.get('share')).toEqual({ kind: 'num', num: 1n, den: 10n });
    expect(v.get('pct')).toEqual({ kind: 'num', num: 3n, den: 10n });
  });

  it('encodes canonically, and decoding the encoding gives the value back', () => {
    const v = interp.decodeSpec(spec);
    const encoded = Object.fromEntries([...v].map(([k, x]) => [k, encodeRunValue(x)]));
    expect(encoded).toMatchObject({ count: '10000000000000000000000000', share: '1/3', pct: '0.125', rate: '2.5', half: '0x3f80' });
    const again = interp.decodeSpec(encoded);
    for (const [k, x] of v) expect(again.get(k), k).toEqual(x);
  });

  const specError = (patch: Record<string, unknown>) => {
    try {
      interp.decodeSpec({ ...spec, ...patch });
    } catch (e) {
      expect(e).toBeInstanceOf(RunValueError);
      return (e as Error).message;
    }
    throw new Error('decoded without error');
  };

  it('names the record and the path of a bad value', () => {
    expect(() => interpretPolicy(demo, DEMO_SPEC, [demoStep(16, 4), demoStep(16, 4), demoStep(16, 4), { ...demoStep(16, 4), tokens_by_source: [16, '-5'] }])).toThrow(
      'step 4: tokens_by_source[1]: expected a non-negative integer, got "-5"',
    );
    expect(specError({ grid: [[1, 2], [3, 2.5]] })).toBe('spec: grid[1][1]: expected a non-negative integer, got 2.5');
    expect(specError({ count: -1 })).toBe('spec: count: expected a non-negative integer, got -1');
    expect(specError({ count: '2.5' })).toBe('spec: count: expected a non-negative integer, got "2.5": not an integer');
    expect(specError({ count: '1e-3' })).toBe('spec: count: expected a non-negative integer, got "1e-3": not an integer');
    expect(specError({ count: 1e25 })).toBe(
      'spec: count: expected a non-negative integer, got 1e+25: JSON numbers above 2^53 lose precision; write the integer as a decimal string',
    );
    expect(specError({ count: '1e3 FLOP' })).toMatch(/units are not written; the declared unit \(token\) applies$/);
    expect(specError({ rate: '2.5 FLOP/s' })).toMatch(/units are not written; the declared unit \(FLOP\/s\) applies$/);
    expect(specError({ count: '16 token' })).toBe(
      'spec: count: expected a non-negative integer, got "16 token": units are not written; the declared unit (token) applies',
    );
    expect(specError({ count: '1e999' })).toMatch(/^spec: count: .*exponent is out of range/);
    expect(specError({ share: '-0.5' })).toMatch(/^spec: share: expected a non-negative decimal/);
    expect(specError({ share: '1/0' })).toMatch(/^spec: share: .*denominator is zero/);
    expect(specError({ share: '25%' })).toMatch(/^spec: share: expected a non-negative decimal/); // % only for percent
    expect(specError({ flag: 'true' })).toBe('spec: flag: expected true or false, got "true"');
    expect(specError({ mode: 'Mode.fast' })).toBe(`spec: mode: expected one of Mode's values (fast, slow), got "Mode.fast"`);
    expect(specError({ root: 'abc' })).toBe('spec: root: expected a digest, 64 hex digits, got "abc"');
    expect(specError({ root: `${BABYBEAR_P.toString(16)}${'0'.repeat(56)}` })).toBe(
      'spec: root: digest word 0 (hex digits 1-8) is 0x78000001, not below the field prime 2^31 - 2^27 + 1 (0x78000001)',
    );
    expect(specError({ root: `${'0'.repeat(56)}ffffffff` })).toMatch(/^spec: root: digest word 7 /);
    expect(specError({ half: '0x3f800000' })).toMatch(/^spec: half: expected a bf16 bit pattern, "0x" and 4 hex digits/);
    expect(specError({ single: 1.0 })).toMatch(/^spec: single: expected a f32 bit pattern/);
    expect(specError({ grid: [[1, 2]] })).toBe('spec: grid: expected an array of 2 elements, got an array of 1 element');
    expect(specError({ grid: undefined })).toBe('spec: grid: expected an array of 2 elements, got nothing');
  });

  it('rejects missing and unknown fields, and records that are not objects', () => {
    const { root: _root, ...missing } = spec;
    expect(() => interp.decodeSpec(missing)).toThrow("spec: missing field 'root'");
    expect(() => interp.decodeSpec({ ...spec, extra: 1 })).toThrow("spec: unknown field 'extra'; the record has 'flag', 'count'");
    expect(() => interp.decodeStep([1, 2], 4)).toThrow("step 5: expected an object with the fields 'tokens', 'tokens_by_source', got an array of 2 elements");
    expect(() => decodeRecord([] as FieldType[], null, 'spec')).toThrow('spec: expected an object with the fields no fields, got null');
  });

  it('compares floats as IEEE numbers: -0 == +0, NaN != NaN', () => {
    const run = (half: string, single: string) => interpretPolicy(types, { ...spec, half, single }, []).attests.find((a) => a.name === 'floats')!;
    expect(run('0x3f80', '0x00000000').holds).toBe(true);
    expect(run('0x7fc0', '0x00000000').holds).toBe(false);
    expect(run('0x3f80', '0x7fc00000').message).toMatch(/^attest floats failed: spec.single = 0x7fc00000 \(NaN\) != spec.single = 0x7fc00000 \(NaN\)/);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('the demo policy', () => {
  it('passes a valid stream of 10,000 steps', () => {
    const steps = Array.from({ length: 10_000 }, (_, i) => demoStep(16, i % 2 === 0 ? 4 : 12));
    const ev = interpretPolicy(demo, DEMO_SPEC, steps);
    expect(ev.failures).toEqual([]);
    expect(ev.ok).toBe(true);
    expect(ev.steps).toBe(10_000);
    expect(ev.attests.map((a) => [a.name, a.holds])).toEqual([
      ['is_mlp', true],
      ['params_match_layers', true],
      ['checked_shape', true],
      ['params_are_weights', true],
      ['arch_is_weights', true],
    ]);
    // The two that read the committed weights are left to the genesis proof: records carry no weights.
    expect(ev.attests.filter((a) => a.unevaluated).map((a) => a.name)).toEqual(['params_are_weights', 'arch_is_weights']);
    for (const inv of ev.invariants) {
      expect(inv.results).toHaveLength(inv.unevaluated ? 0 : 10_000);
      expect(inv.holds).toBe(true);
    }
    // 6 FLOP per parameter per token: 6 * 58 * 16 * 10,000.
    const out = ev.outputs.find((o) => o.name === 'total_compute')!;
    expect(out.value).toEqual({ kind: 'num', num: 6n * 58n * 160_000n, den: 1n });
    expect(out.display).toBe('5.568e7 FLOP');
    expect(out.json).toBe(55_680_000);
    expect(ev.state.get('by_source')).toEqual({
      kind: 'array',
      elements: [
        { kind: 'num', num: 5000n * 12n + 5000n * 4n, den: 1n },
        { kind: 'num', num: 5000n * 4n + 5000n * 12n, den: 1n },
      ],
    });
  });

  it('reports the compute check as not evaluated, with its settings resolved', () => {
    const ev = interpretPolicy(demo, DEMO_SPEC, [demoStep(16, 8)]);
    expect(ev.verifies).toEqual([
      {
        name: 'fc1',
        description: 'First-layer matrix product x * W1',
        location: 'policies/demo.zpol:88:1',
        status: "not evaluated: it needs the run's tensors (zpol prove runs it)",
        a: 'step.x_root',
        b: 'step.w1_root',
        c: 'step.h_root',
        dims: [16n, 4n, 8n],
        tau: { num: 1n, den: 1_000_000n },
        f: { num: 1n, den: 4n },
        // ceil(6 ln 10 / 0.25) = ceil(55.262...) = 56
        samples: 56,
        samplesExplicit: false,
        order: { kind: 'tensor_core' },
        rounding: 'bf16',
      },
    ]);
  });

  it('fails the FLOP cap at a known step, naming the invariant, the step, both values with units and the clause', () => {
    // 10M tokens a step at 6 * 58 FLOP per token is 3.48e9 FLOP a step; the 1e12 cap is first exceeded after
    // ceil(1e12 / 3.48e9) = 288 steps, that is at step 288, where the total is 288 * 3.48e9.
    const steps = Array.from({ length: 300 }, () => demoStep(10_000_000, 5_000_000));
    const ev = interpretPolicy(demo, DEMO_SPEC, steps);
    expect(ev.ok).toBe(false);
    const cap = ev.invariants.find((i) => i.name === 'under_flop_cap')!;
    expect(cap.results[286]).toBe(true);
    expect(cap.results[287]).toBe(false);
    expect(cap.failures.map((f) => f.step)).toEqual(Array.from({ length: 13 }, (_, i) => 288 + i));
    expect(cap.failures[0].message).toBe(
      'invariant under_flop_cap failed at step 288: total_flops = 1.00224e12 FLOP > FLOP_CAP = 1e12 FLOP (policies/demo.zpol:79:1)',
    );
    expect(ev.failures).toContain(cap.failures[0].message);
    // 10M tokens is not the 16-row committed batch: tokens_are_batch fails at every step (#20).
    expect(ev.invariants.find((i) => i.name === 'tokens_are_batch')!.failures).toHaveLength(300);
    // The run is still evaluated to the end; the other invariants hold throughout.
    expect(ev.steps).toBe(300);
    expect(ev.invariants.filter((i) => i.name !== 'under_flop_cap' && i.name !== 'tokens_are_batch').every((i) => i.holds)).toBe(true);
    expect(formatEvaluation(ev)).toContain('invariant under_flop_cap: fails at 13 steps, first:');
  });

  it('explains a data-mixture violation through the library function that decides it', () => {
    // Synthetic shares: 4/16, then 4/32, under the 25% floor from step 1.
    const ev = interpretPolicy(demo, DEMO_SPEC, [demoStep(16, 4), demoStep(16, 0), demoStep(16, 16)]);
    const share = ev.invariants.find((i) => i.name === 'synthetic_share')!;
    expect(share.results).toEqual([true, false, true]);
    expect(share.failures[0].message).toBe(
      'invariant synthetic_share failed at step 2: share_within(by_source[SYNTHETIC], total_tokens, SYNTHETIC_MIN, SYNTHETIC_MAX) is false: ' +
        'in share_within (stdlib/data.zpol:16:3), part = 4 token is not in [lo * total = 8 token, hi * total = 24 token] (policies/demo.zpol:82:1)',
    );
  });

  it('explains an unattributed token count', () => {
    const ev = interpretPolicy(demo, DEMO_SPEC, [{ ...demoStep(16, 8), tokens_by_source: [8, 7] }]);
    expect(ev.invariants.find((i) => i.name === 'every_token_attributed')!.failures[0].message).toBe(
      'invariant every_token_attributed failed at step 1: by_source[CURATED] + by_source[SYNTHETIC] = 15 token != total_tokens = 16 token (policies/demo.zpol:80:1)',
    );
  });

  it('explains attest failures', () => {
    const ev = interpretPolicy(demo, { ...DEMO_SPEC, arch: 'dense_transformer', params: 60 }, []);
    expect(ev.attests.map((a) => a.message)).toEqual([
      'attest is_mlp failed: spec.arch = ArchClass.dense_transformer != ArchClass.mlp (policies/demo.zpol:70:1)',
      'attest params_match_layers failed: spec.params = 60 param != linear_params(spec.d_in, spec.d_hidden, true) + linear_params(spec.d_hidden, spec.d_out, true) = 58 param (policies/demo.zpol:71:1)',
      undefined,
      undefined,
      undefined,
    ]);
    expect(ev.ok).toBe(false);
    expect(ev.failures).toHaveLength(2);
  });

  it('hands the state after every step to onStep', () => {
    const totals: bigint[] = [];
    interpretPolicy(demo, DEMO_SPEC, [demoStep(1, 0), demoStep(2, 1), demoStep(3, 1)], {
      onStep: (_, state) => totals.push((state.get('total_tokens') as { num: bigint }).num),
    });
    expect(totals).toEqual([1n, 3n, 6n]);
  });
});

describe('data_mixture policy', () => {
  const program = loadProgram(['policies/data_mixture.zpol']);

  it('fails the synthetic cap at the step it is crossed, and still reports the outputs', () => {
    const steps = [
      { tokens: 100, tokens_by_source: [50, 20, 20, 10] },
      { tokens: 100, tokens_by_source: [50, 20, 10, 20] },
      { tokens: 100, tokens_by_source: [40, 30, 10, 20] },
    ];
    const ev = interpretPolicy(program, { planned_tokens: '1e12' }, steps);
    const synthetic = ev.invariants.find((i) => i.name === 'synthetic_share')!;
    // 10/100, then 30/200 = 15% (at most 15%: holds), then 50/300 > 15%.
    expect(synthetic.results).toEqual([true, true, false]);
    expect(synthetic.failures[0].message).toBe(
      'invariant synthetic_share failed at step 3: share_within(by_source[SYNTHETIC], total_tokens, 0%, SYNTHETIC_MAX) is false: ' +
        'in share_within (stdlib/data.zpol:16:3), part = 50 token is not in [lo * total = 0 token, hi * total = 45 token] (policies/data_mixture.zpol:64:1)',
    );
    expect(Object.fromEntries(ev.outputs.map((o) => [o.name, o.json]))).toEqual({
      web_fraction: '7/15',
      code_fraction: '7/30',
      books_fraction: '2/15',
      synthetic_fraction: '1/6',
    });
    expect(ev.outputs[0].display).toBe('7/15 (~0.4667)');
  });

  it('reports a division by zero in an output with its location, without halting', () => {
    const ev = interpretPolicy(program, { planned_tokens: 10 }, []);
    expect(ev.ok).toBe(false);
    expect(ev.outputs[0].error).toBe(
      'output web_fraction could not be evaluated: division by zero: total = 0 token (stdlib/data.zpol:11:54) (policies/data_mixture.zpol:67:1)',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

const EXACT_POLICY = `policy exact version 1

spec {
  a: int FLOP
  b: int FLOP
}

step {
  x: int
  i: int
}

state {
  big: int FLOP = 0 FLOP
  q: ratio = 0
  fl: int = 0
  ce: int = 0
  neg_fl: int = 0
  recip: ratio = 0
  hist: [int; 3] = [0; 3]
}

on step {
  big += spec.a * spec.b / FLOP
  q += step.x / 3
  fl = floor(q)
  ce = ceil(q)
  neg_fl = floor(-q)
  recip = if step.x == 0 then 0 else 1 / step.x
  hist[step.i] += 1
}

invariant short_circuit: q == 0 or 1 / q > 0
invariant bounded: big <= 1e60 FLOP

output big_total: big reveal "test"
output q_total: q reveal "test"
output floor_q: fl reveal "test"
output ceil_q: ce reveal "test"
output floor_neg_q: neg_fl reveal "test"
output recip_last: recip reveal "test"
output hist_out: hist reveal "test"
output mean: sum(hist) / len(hist) reveal "test"
`;

describe('exact semantics', () => {
  const program = virtualPolicy('exact', EXACT_POLICY);
  const spec = { a: '1e25', b: '3e25' };

  it('keeps ints whole and ratios exact, far beyond 2^64', () => {
    const ev = interpretPolicy(program, spec, [
      { x: 0, i: 0 },
      { x: 1, i: 1 },
      { x: 1, i: 1 },
    ]);
    expect(ev.failures).toEqual([]);
    const out = Object.fromEntries(ev.outputs.map((o) => [o.name, o.json]));
    expect(out).toEqual({
      big_total: '900000000000000000000000000000000000000000000000000', // 3 * 3e50
      q_total: '2/3',
      floor_q: 0,
      ceil_q: 1,
      floor_neg_q: -1,
      recip_last: 1, // a whole ratio is written as an int is
      hist_out: [1, 2, 0],
      mean: 1,
    });
    expect(ev.outputs[0].display).toBe('9e50 FLOP');
  });

  it('evaluates only the branch taken: no division by zero in an untaken branch', () => {
    const ev = interpretPolicy(program, spec, [{ x: 0, i: 0 }]);
    expect(ev.ok).toBe(true);
    expect(ev.state.get('recip')).toEqual({ kind: 'num', num: 0n, den: 1n });
  });

  it('halts at the step whose update indexes outside an array', () => {
    const ev = interpretPolicy(program, spec, [
      { x: 1, i: 2 },
      { x: 1, i: 3 },
      { x: 1, i: 0 },
    ]);
    expect(ev.halted).toEqual({
      step: 2,
      message: 'on step could not be evaluated at step 2: index step.i = 3 is outside hist, whose indices are 0 to 2 (test/compiler/exact.zpol:30:8)',
    });
    expect(ev.steps).toBe(1);
    expect(ev.invariants.every((i) => i.results.length === 1)).toBe(true);
    expect(ev.outputs.every((o) => o.error?.includes('the run halted at step 2'))).toBe(true);
  });

  it('agrees with the checker on the value of every constant in the standard library and the policies', () => {
    const program = loadProgram(['policies', 'stdlib']);
    let compared = 0;
    for (const file of program.files.values()) {
      for (const d of file.ast.decls) {
        if (d.kind !== 'ConstDecl') continue;
        const folded = file.checker.constValue(d);
        expect(folded, `${file.path}: ${d.name.name}`).toBeDefined();
        const ours = evaluateConstant(program, file.path, d.name.name).value;
        expect(valuesEqual(folded!, ours as typeof folded & object), `${file.path}: ${d.name.name}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('every policy in policies/', () => {
  const paths = readdirSync('policies')
    .filter((f) => f.endsWith('.zpol'))
    .map((f) => `policies/${f}`);

  it('finds the repository policies', () => {
    expect(paths.length).toBeGreaterThanOrEqual(7);
  });

  for (const path of paths) {
    it(`${path} loads and evaluates on a generated spec and step stream`, () => {
      const program = loadProgram([path]);
      const interp = new PolicyInterpreter(program);
      const gen = recordGenerator(path.length * 7919);
      const spec = gen.record(interp.specFields);
      const steps = Array.from({ length: 5 }, () => gen.record(interp.stepFields));
      const ev = interp.run(spec, steps);
      const clauses = program.roots[0].ast.decls.filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl');
      expect(ev.policy).toBe((program.roots[0].ast.header as A.PolicyHeader).name.name);
      expect(ev.attests.map((a) => a.name)).toEqual(clauses.filter((c) => c.clause === 'attest').map((c) => c.name.name));
      expect(ev.invariants.map((i) => i.name)).toEqual(clauses.filter((c) => c.clause === 'invariant').map((c) => c.name.name));
      expect(ev.outputs.map((o) => o.name)).toEqual(clauses.filter((c) => c.clause === 'output').map((c) => c.name.name));
      expect(ev.halted).toBeUndefined();
      expect(ev.steps).toBe(5);
      for (const inv of ev.invariants) expect(inv.results).toHaveLength(inv.unevaluated ? 0 : 5);
      // Every failure is explained and located in a file.
      for (const f of ev.failures) expect(f).toMatch(/\((policies|stdlib)\/[a-z_0-9]+\.zpol:\d+:\d+\)$/);
      // Outputs and state are run values again.
      for (const o of ev.outputs) if (!o.error) expect(JSON.parse(JSON.stringify(o.json))).toEqual(o.json);
      for (const [name, v] of ev.state) expect(() => JSON.stringify(encodeRunValue(v as RunValue)), name).not.toThrow();
      expect(formatEvaluation(ev)).toContain(`policy ${ev.policy}`);
    });
  }
});
