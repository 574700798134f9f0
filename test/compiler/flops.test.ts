// Validates std.flops (stdlib/flops.zpol) against the training compute that model papers publish: the reference
// interpreter calls its functions with each model's published configuration, exactly, and the result must land
// within 15% of the published figure.
//
// Two functions are checked for every model:
//   dense_training_flops(N, D)                  = 6 N D                       (Kaplan et al. 2020, sec. 2.1)
//   transformer_training_flops(N, l, a, d, s, D) = 6 N D + 12 l s (a d) D       (attention term, Narayanan et al. 2021,
//                                                                               a heads of width d)
//
// Both count model FLOPs: the arithmetic the model needs, without activation recomputation. A paper that reports
// hardware FLOPs (recomputation included) is compared with the recomputed forward pass added, via
// std.flops.forward_flops / transformer_forward_flops, and says so below.
import { describe, expect, it } from 'vitest';
import { loadProgram } from '../../language/program.ts';
import { callFunction } from '../../compiler/interpret.ts';
import { approximate, type NumValue } from '../../compiler/values.ts';

const program = loadProgram(['stdlib/flops.zpol']);

interface Model {
  name: string;
  /** Published training compute, FLOP, as the source prints it. */
  published: string;
  /** Where the figure and the configuration come from. */
  source: string;
  params: string;
  tokens: string;
  layers: number;
  /** Query heads and their width: the attention term counts heads * headDim (equal to d_model for all but PaLM). */
  heads: number;
  headDim: number;
  seqLen: number;
}

const MODELS: Model[] = [
  {
    name: 'GPT-3 175B',
    published: '3.14e23',
    source:
      'Brown et al. 2020, "Language Models are Few-Shot Learners", arXiv:2005.14165: Table D.1 (total train compute ' +
      '3.14E+23 FLOP = 3,640 PF-days; 174,600M parameters; 300B training tokens; the table counts 6 FLOP per ' +
      'parameter per token and ignores attention); Table 2.1 (96 layers, d_model 12,288, 96 heads of 128, n_ctx 2,048)',
    params: '174.6e9',
    tokens: '300e9',
    layers: 96,
    heads: 96,
    headDim: 128,
    seqLen: 2048,
  },
  {
    name: 'Chinchilla 70B',
    published: '5.76e23',
    source:
      'Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556: sec. 4 (70B ' +
      'parameters on 1.4T tokens; "Both Chinchilla and Gopher have been trained for the same number of FLOPs"), ' +
      'Table 3 and sec. 3 (the Gopher compute budget, 5.76E+23 FLOPs); Table 4 (80 layers, d_model 8,192, 64 heads, ' +
      'key/value size 128); ' +
      'sequence length 2,048 as for Gopher',
    params: '70e9',
    tokens: '1.4e12',
    layers: 80,
    heads: 64,
    headDim: 128,
    seqLen: 2048,
  },
  {
    name: 'Llama 3 405B',
    published: '3.8e25',
    source:
      'Dubey et al. 2024 (Llama Team, AI @ Meta), "The Llama 3 Herd of Models", arXiv:2407.21783: sec. 1 ' +
      '(flagship model pre-trained using 3.8 x 10^25 FLOPs; 405B trainable parameters on 15.6T text tokens); ' +
      'Table 3 (126 layers, model dimension 16,384, 128 attention heads: head width 128); sec. 3.4.1 (pre-training sequences of 8,192 tokens; the ' +
      'shorter early sequences and the later long-context stage are not modelled)',
    params: '405e9',
    tokens: '15.6e12',
    layers: 126,
    heads: 128,
    headDim: 128,
    seqLen: 8192,
  },
  {
    name: 'PaLM 540B',
    published: '2.56e24',
    source:
      'Chowdhery et al. 2022, "PaLM: Scaling Language Modeling with Pathways", arXiv:2204.02311: Appendix B ' +
      '(compute usage: 2.56 x 10^24 FLOPs for the final training run); Table 1 (540.35B parameters, 118 layers, ' +
      'd_model 18,432, 48 heads of size 256: heads * head_dim = 12,288, not d_model); sec. 3 (780B training ' +
      'tokens, sequence length 2,048)',
    params: '540.35e9',
    tokens: '780e9',
    layers: 118,
    heads: 48,
    headDim: 256,
    seqLen: 2048,
  },
  {
    name: 'Gopher 280B (Chinchilla paper accounting)',
    published: '5.76e23',
    source:
      'Hoffmann et al. 2022, arXiv:2203.15556, sec. 3 and Table 3: Gopher compute budget 5.76E+23 FLOPs (a model-' +
      'FLOP count, their Appendix F); Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from ' +
      'Training Gopher", arXiv:2112.11446, Table 1 (280B parameters, 80 layers, d_model 16,384, 128 heads, ' +
      'key/value size 128) and sec. 3 ' +
      '(300B training tokens, 2,048-token context)',
    params: '280e9',
    tokens: '300e9',
    layers: 80,
    heads: 128,
    headDim: 128,
    seqLen: 2048,
  },
];

const flop = (v: unknown) => (v as NumValue).num;

function estimates(m: Model) {
  const dense = flop(callFunction(program, 'std.flops', 'dense_training_flops', [m.params, m.tokens]).value);
  const transformer = flop(
    callFunction(program, 'std.flops', 'transformer_training_flops', [m.params, m.layers, m.heads, m.headDim, m.seqLen, m.tokens]).value,
  );
  return { dense, transformer };
}

/** The published figure as an exact integer (every figure above is a whole number of FLOP). */
function exact(decimal: string): bigint {
  const [mantissa, exponent] = decimal.split('e');
  const [whole, frac = ''] = mantissa.split('.');
  return BigInt(whole + frac) * 10n ** BigInt(Number(exponent) - frac.length);
}

/** (estimate - published) / published, as a percentage for messages. */
function deviation(estimate: bigint, published: bigint): string {
  const pct = approximate((estimate - published) * 100n, published, 3);
  return `${pct.startsWith('-') ? '' : '+'}${pct}%`;
}

/** |estimate - published| <= 15% of published, exactly. */
function within15(estimate: bigint, published: bigint): boolean {
  const diff = estimate > published ? estimate - published : published - estimate;
  return diff * 100n <= published * 15n;
}

describe('std.flops against published training compute', () => {
  for (const m of MODELS) {
    const published = exact(m.published);
    const { dense, transformer } = estimates(m);
    it(`${m.name}: 6ND ${deviation(dense, published)}, with attention ${deviation(transformer, published)} vs ${m.published} FLOP`, () => {
      expect(within15(dense, published), `dense_training_flops = ${dense}, published ${m.published}`).toBe(true);
      expect(within15(transformer, published), `transformer_training_flops = ${transformer}, published ${m.published}`).toBe(true);
      // The attention term only ever adds compute.
      expect(transformer > dense).toBe(true);
    });
  }

  it('computes exactly: GPT-3 by Table D.1 is 6 * 174.6e9 * 300e9 = 3.1428e23 FLOP', () => {
    const r = callFunction(program, 'std.flops', 'dense_training_flops', ['174.6e9', '300e9']);
    expect(r.value).toEqual({ kind: 'num', num: 314_280_000_000_000_000_000_000n, den: 1n });
    expect(r.display).toBe('3.1428e23 FLOP');
  });

  // Rae et al. 2021 (arXiv:2112.11446), compute-usage appendix: Gopher's training took 6.31E+08 PFLOPs = 6.31e23 FLOP,
  // a hardware count that includes rematerialisation ("increases compute by 33%"), padding and repeated
  // computation. std.flops counts model FLOPs, so 6ND falls outside 15% of this figure: this is a difference of
  // convention, reported here rather than hidden by a wider tolerance. With the recomputed forward pass added (one
  // more 2ND forward, i.e. 8ND), std.flops is within 15% again.
  describe('Gopher 280B against its own paper (hardware FLOPs, rematerialisation included)', () => {
    const published = exact('6.31e23');
    const args = ['280e9', 80, 128, 128, 2048, '300e9'];
    const dense = flop(callFunction(program, 'std.flops', 'dense_training_flops', ['280e9', '300e9']).value);
    const recompute = flop(callFunction(program, 'std.flops', 'forward_flops', ['280e9', '300e9']).value);
    const transformer = flop(callFunction(program, 'std.flops', 'transformer_training_flops', args).value);
    const transformerRecompute = flop(callFunction(program, 'std.flops', 'transformer_forward_flops', args).value);

    it(`model FLOPs alone (6ND ${deviation(dense, published)}) are more than 15% below the hardware count`, () => {
      expect(within15(dense, published)).toBe(false);
      expect(dense < published).toBe(true);
    });

    it(`with the rematerialised forward pass: 8ND ${deviation(dense + recompute, published)}, with attention ${deviation(transformer + transformerRecompute, published)}`, () => {
      expect(within15(dense + recompute, published)).toBe(true);
      expect(within15(transformer + transformerRecompute, published)).toBe(true);
    });
  });
});

// The attention term counts the width of the query heads, heads * head_dim, which is d_model for most models but
// not all; and a token that is sampled and then trained on costs both passes.
describe('std.flops: attention width and sampled-then-trained tokens', () => {
  it('PaLM 540B: the attention term is 12 l s (48 * 256) D, two thirds of what d_model = 18,432 would give', () => {
    const attention = flop(callFunction(program, 'std.flops', 'attention_training_flops', [118, 48, 256, 2048, '780e9']).value);
    expect(attention).toBe(12n * 118n * 12288n * 2048n * 780_000_000_000n);
    expect(attention * 3n).toBe(12n * 118n * 18432n * 2048n * 780_000_000_000n * 2n);
  });

  it('model_step_flops: a token sampled (forward) and then trained on counts 2N + 6N = 8N plus attention', () => {
    const args = (trained: number, sampled: number) => ['1000', 2, 4, 8, 16, trained, sampled];
    const step = (trained: number, sampled: number) => flop(callFunction(program, 'std.flops', 'model_step_flops', args(trained, sampled)).value);
    // 6 * 1000 + 12 * 2 * 4 * 8 * 16 = 18,288 per trained token; 2 * 1000 + 4 * 2 * 4 * 8 * 16 = 6,096 per forward token.
    expect(step(1, 0)).toBe(18_288n);
    expect(step(0, 1)).toBe(6_096n);
    expect(step(1, 1)).toBe(24_384n);
  });
});

// std.arch derives the parameters applied to each token from the shape (the N of 6ND), for dense and
// mixture-of-experts transformers: Mixtral 8x7B (Jiang et al. 2024, "Mixtral of Experts", arXiv:2401.04088, Table 1:
// dim 4,096, 32 layers, head_dim 128, hidden_dim 14,336, 32 heads, 8 key/value heads, vocabulary 32,000, 8 experts,
// top-2; sec. 2: "47B parameters" of which "13B active parameters" per token).
describe('std.arch: parameters stored and applied per token, from the shape', () => {
  const arch = loadProgram(['stdlib/arch.zpol']);
  const shape = [32, 4096, 32, 8, 128, 14336, true];
  const params = (v: unknown) => (v as NumValue).num;

  it('Mixtral 8x7B stores 46.7e9 parameters (the paper: 47B)', () => {
    const stored = params(callFunction(arch, 'std.arch', 'transformer_stored_params', [...shape, 8, 0, 32000, false]).value);
    expect(stored).toBe(46_702_526_464n);
  });

  it('and applies 12.7e9 to each token (the paper: 13B, which counts the input embedding lookup too)', () => {
    const active = params(callFunction(arch, 'std.arch', 'transformer_active_params', [...shape, 8, 2, 0, 32000]).value);
    // Per layer: attention 41,943,040 + 2 experts of 176,160,768 + router 32,768; plus the 32,000 x 4,096 logit projection.
    expect(active).toBe(32n * (41_943_040n + 2n * 176_160_768n + 32_768n) + 131_072_000n);
    expect(active).toBe(12_748_587_008n);
  });

  it('a dense transformer (1 expert, 1 per token) applies every stored weight but the input embedding', () => {
    const dense = [32, 4096, 32, 32, 128, 11008, true];
    const stored = params(callFunction(arch, 'std.arch', 'transformer_stored_params', [...dense, 1, 0, 32000, false]).value);
    const active = params(callFunction(arch, 'std.arch', 'transformer_active_params', [...dense, 1, 1, 0, 32000]).value);
    expect(stored - active).toBe(32000n * 4096n);
    // Llama 2 7B's shape: the count test/fixtures/runs/architecture_class.json declares (norms left out).
    expect(stored).toBe(6_738_149_376n);
  });
});
