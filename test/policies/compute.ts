// The compute the policies count, written out in TypeScript from std.flops and std.arch's formulas, for the
// fixtures' shapes: the tests compare the policies' state with it, exactly.

export interface Shape {
  layers: number;
  d_model: number;
  heads: number;
  kv_heads: number;
  head_dim: number;
  d_ff: number;
  gated_mlp: boolean;
  experts: number;
  experts_per_token: number;
  shared_experts: number;
  vocab: number;
}

export interface Aux {
  aux_params: number[];
  aux_layers: number[];
  aux_heads: number[];
  aux_head_dim: number[];
}

export interface Step {
  seq_len: number;
  trained_tokens: number | string;
  forward_tokens: number | string;
  aux_trained_tokens: (number | string)[];
  aux_forward_tokens: (number | string)[];
}

const n = (x: number | string | boolean) => BigInt(x as number);

/** std.arch.transformer_active_params: the parameters applied to each token. */
export function activeParams(s: Shape): bigint {
  const attention = 2n * n(s.d_model) * n(s.heads) * n(s.head_dim) + 2n * n(s.d_model) * n(s.kv_heads) * n(s.head_dim);
  const mlp = (s.gated_mlp ? 3n : 2n) * n(s.d_model) * n(s.d_ff);
  const router = s.experts > 1 ? n(s.d_model) * n(s.experts) : 0n;
  return n(s.layers) * (attention + (n(s.experts_per_token) + n(s.shared_experts)) * mlp + router) + n(s.vocab) * n(s.d_model);
}

/** std.flops.model_step_flops: 6N + 12 l (a d) s per trained token, 2N + 4 l (a d) s per token run forward. */
export function modelStepFlops(params: bigint, layers: number, heads: number, headDim: number, seqLen: number, trained: number | string, forward: number | string): bigint {
  const attention = n(layers) * n(heads) * n(headDim) * n(seqLen);
  return (6n * params + 12n * attention) * n(trained) + (2n * params + 4n * attention) * n(forward);
}

/** The compute of one step of a compute policy: the model's own and its auxiliary models'. */
export function stepFlops(shape: Shape, aux: Aux, step: Step): bigint {
  let total = modelStepFlops(activeParams(shape), shape.layers, shape.heads, shape.head_dim, step.seq_len, step.trained_tokens, step.forward_tokens);
  for (let i = 0; i < aux.aux_params.length; i++) {
    total += modelStepFlops(n(aux.aux_params[i]!), aux.aux_layers[i]!, aux.aux_heads[i]!, aux.aux_head_dim[i]!, step.seq_len, step.aux_trained_tokens[i]!, step.aux_forward_tokens[i]!);
  }
  return total;
}

/** The compute of a run of such steps. */
export function runFlops(spec: unknown, steps: readonly unknown[]): bigint {
  return steps.reduce<bigint>((sum, s) => sum + stepFlops(spec as Shape, spec as Aux, s as Step), 0n);
}
