/**
 * A tiny reference trainer: a two-layer MLP trained for real, with SGD, on an embedded synthetic dataset from two
 * sources. It produces the tensors a recorded run commits to (`zpol demo`, policies/demo.zpol).
 *
 * Model: logits = relu(x·W1 + b1)·W2 + b2, x of d_in features, d_hidden hidden units, d_out outputs; the loss is
 * half the squared error against a one-hot target, averaged over the batch. Parameters:
 * (d_in·d_hidden + d_hidden) + (d_hidden·d_out + d_out) (58 for 4, 8, 2).
 *
 * Precision. The first layer's product is what the policy's `verify fc1` checks, so it is computed exactly as
 * the zkVM recomputes it: x and W1 are bf16 (W1 is the float64 master weight rounded to bf16 at each step), and
 * h[i][j] is the dot product of x row i and W1 column j in the configured order, its f32 accumulator rounded to
 * bf16 (round to nearest even). The demo computes it as an H100's BF16 tensor cores do (`order: tensor_core`:
 * bf16MmaDotPadded of runtime/fp/mma.ts, the 16-product operations with their truncating aligner, d_in padded with
 * zeros to 16); `order: sequential` is bf16Dot(…, SEQUENTIAL), one fused multiply-add per term in order k = 0 ..
 * d_in − 1 (docs/run.md). Everything after h (bias, ReLU, the second
 * layer, the loss and every gradient) is plain float64: it is not checked by the policy. The backward pass
 * treats the bf16 rounding of W1 as the identity (the usual mixed-precision straight-through update of the
 * master weights).
 *
 * Determinism: a seeded xoshiro128** generator (no Math.random), Gaussian-ish noise as a sum of 12 uniforms
 * (Irwin–Hall: additions only), and only +, −, ×, / and sqrt on float64, which IEEE-754 defines exactly, so the
 * same seed gives the same bits on every platform and Node version (no exp, log or trig anywhere).
 */
import { bf16Dot, f32ToBf16, SEQUENTIAL } from '../runtime/fp/bf16.ts';
import { bf16MmaDotPadded } from '../runtime/fp/mma.ts';

/** The accumulation orders the trainer computes the checked product in (a policy's `order`). */
export type ProductOrder = 'sequential' | 'tensor_core';
import { transpose } from '../runtime/run/tensor-commit.ts';
import type { WeightTensor } from '../runtime/run/weights.ts';

export const CURATED = 0;
export const SYNTHETIC = 1;
export const SOURCE_NAMES = ['curated', 'synthetic'] as const;

/** xoshiro128** (Blackman and Vigna), seeded with splitmix32: 32-bit integer arithmetic only. */
export class Rng {
  private s: Uint32Array;
  constructor(seed: number) {
    let z = seed >>> 0;
    const next = (): number => {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s = new Uint32Array([next(), next(), next(), next()]);
    if (this.s.every((x) => x === 0)) this.s[0] = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const s = this.s;
    const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1), a multiple of 2^-32. */
  uniform(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n), n ≤ 2^32 (rejection sampling: unbiased). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`Rng.int(${n})`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  /** Approximately standard normal: the sum of 12 uniforms minus 6 (mean 0, variance 1, within ±6). */
  normalish(): number {
    let s = 0;
    for (let i = 0; i < 12; i++) s += this.uniform();
    return s - 6;
  }

  /** A uniformly random permutation of 0 .. n − 1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** A float64 to bf16: rounded to f32 (Math.fround, nearest even), then to bf16 (nearest even). */
export function bf16FromNumber(x: number): number {
  f32Scratch[0] = x;
  return f32ToBf16(u32Scratch[0]!);
}

/** The value of a bf16 bit pattern (exact). */
export function bf16ToNumber(bits: number): number {
  u32Scratch[0] = ((bits & 0xffff) << 16) >>> 0;
  return f32Scratch[0]!;
}

/**
 * c = a·b for bf16 matrices a [rows, inner] and b given transposed, bt [cols, inner]: c[i][j] is the bf16 output
 * of the dot product of a row i and bt row j in `order`: bf16Dot(…, SEQUENTIAL).out for `order: sequential`,
 * bf16MmaDotPadded(…).out for `order: tensor_core` (with `rounding: bf16`).
 */
export function matmulBf16(a: Uint16Array, bt: Uint16Array, rows: number, inner: number, cols: number, order: ProductOrder = 'sequential'): Uint16Array {
  if (a.length !== rows * inner || bt.length !== cols * inner) throw new RangeError('matmulBf16: operand sizes do not match the dimensions');
  const c = new Uint16Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const ai = a.subarray(i * inner, (i + 1) * inner);
    for (let j = 0; j < cols; j++) {
      const bj = bt.subarray(j * inner, (j + 1) * inner);
      c[i * cols + j] = order === 'tensor_core' ? bf16MmaDotPadded(ai, bj).out : bf16Dot(ai, bj, SEQUENTIAL).out;
    }
  }
  return c;
}

export interface TrainerConfig {
  readonly seed: number;
  readonly dIn: number;
  readonly dHidden: number;
  readonly dOut: number;
  /** Examples per step (each one token). */
  readonly batchRows: number;
  /** SGD learning rate. */
  readonly learningRate: number;
  /** Examples in each source's pool. */
  readonly examplesPerSource: number;
  /** Synthetic examples per batch are drawn uniformly from [min, max]. */
  readonly syntheticPerBatch: readonly [number, number];
  /** The order the checked product x·W1 is accumulated in (policies/demo.zpol's `verify fc1` declares it). */
  readonly order: ProductOrder;
}

export const DEMO_CONFIG: TrainerConfig = {
  seed: 7,
  dIn: 4,
  dHidden: 8,
  dOut: 2,
  batchRows: 16,
  learningRate: 0.1,
  examplesPerSource: 64,
  syntheticPerBatch: [6, 10],
  order: 'tensor_core',
};

/** One data source: its examples, one row each: d_in bf16 features, then the d_out bf16 one-hot target. */
export interface DataSource {
  readonly id: number;
  readonly name: string;
  readonly rows: number;
  /** d_in + d_out. */
  readonly cols: number;
  readonly examples: Uint16Array;
  /** The class of each example. */
  readonly labels: readonly number[];
}

/** The training spec in run-value form (policies/demo.zpol's `spec` record). */
export interface MlpSpec {
  readonly arch: 'mlp';
  readonly params: number;
  readonly d_in: number;
  readonly d_hidden: number;
  readonly d_out: number;
  readonly batch_rows: number;
}

export function mlpParams(dIn: number, dHidden: number, dOut: number): number {
  return dIn * dHidden + dHidden + (dHidden * dOut + dOut);
}

/**
 * The two sources, generated from `seed`: class c (alternating, so balanced) of a source is a cloud around
 * ±center. Curated: center (1, 0.5, −0.5, −1, ...), noise 0.5. Synthetic: three quarters of that center,
 * shifted by 0.25 in the first feature and −0.25 in the last, noise 0.7 (a related but distinct distribution).
 */
export function makeSources(seed: number, dIn: number, dOut: number, n: number): DataSource[] {
  const rng = new Rng(seed ^ 0x5eed5eed);
  const center = Array.from({ length: dIn }, (_, k) => (dIn === 1 ? 1 : 1 - (2 * k) / (dIn - 1)));
  const cols = dIn + dOut;
  return SOURCE_NAMES.map((name, id) => {
    const examples = new Uint16Array(n * cols);
    const labels: number[] = [];
    for (let e = 0; e < n; e++) {
      const c = e % dOut;
      const sign = c % 2 === 0 ? 1 : -1;
      for (let k = 0; k < dIn; k++) {
        let mu = sign * center[k]! * (1 + Math.floor(c / 2));
        let sigma = 0.5;
        if (id === SYNTHETIC) {
          mu = 0.75 * mu + (k === 0 ? 0.25 : k === dIn - 1 ? -0.25 : 0);
          sigma = 0.7;
        }
        examples[e * cols + k] = bf16FromNumber(mu + sigma * rng.normalish());
      }
      for (let o = 0; o < dOut; o++) examples[e * cols + dIn + o] = bf16FromNumber(o === c ? 1 : 0);
      labels.push(c);
    }
    return { id, name, rows: n, cols, examples, labels };
  });
}

/** What one training step used and produced. */
export interface TrainStep {
  /** 1-based. */
  readonly step: number;
  /** The batch's examples, in row order: (source id, index in the source). */
  readonly batch: readonly { readonly source: number; readonly index: number }[];
  readonly tokensBySource: readonly number[];
  /** [batchRows, dIn] bf16. */
  readonly x: Uint16Array;
  /** The bf16 W1 this step's forward pass used, [dIn, dHidden]. */
  readonly w1: Uint16Array;
  /** Its transpose, [dHidden, dIn]: what the run commits (a column of W1 is a row of it). */
  readonly w1t: Uint16Array;
  /** h = x·W1, [batchRows, dHidden] bf16 (f32 accumulation in the configured order, rounded to bf16). */
  readonly h: Uint16Array;
  /** The batch's loss before this step's update. */
  readonly loss: number;
}

export class Trainer {
  readonly config: TrainerConfig;
  readonly sources: readonly DataSource[];
  private readonly rng: Rng;
  /** float64 master weights: W1 [dIn, dHidden], b1, W2 [dHidden, dOut], b2. */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
  private readonly orders: number[][];
  private readonly cursors: number[];
  private steps = 0;

  constructor(config: TrainerConfig = DEMO_CONFIG) {
    const { dIn, dHidden, dOut, batchRows, syntheticPerBatch: [lo, hi] } = config;
    if (!(0 <= lo && lo <= hi && hi <= batchRows)) throw new RangeError(`synthetic examples per batch [${lo}, ${hi}] must lie within [0, ${batchRows}]`);
    this.config = config;
    this.sources = makeSources(config.seed, dIn, dOut, config.examplesPerSource);
    this.rng = new Rng(config.seed);
    const init = (n: number, fanIn: number): Float64Array => {
      const a = 1 / Math.sqrt(fanIn);
      return Float64Array.from({ length: n }, () => (2 * this.rng.uniform() - 1) * a);
    };
    this.w1 = init(dIn * dHidden, dIn);
    this.b1 = new Float64Array(dHidden);
    this.w2 = init(dHidden * dOut, dHidden);
    this.b2 = new Float64Array(dOut);
    this.orders = this.sources.map((s) => this.rng.permutation(s.rows));
    this.cursors = this.sources.map(() => 0);
  }

  spec(): MlpSpec {
    const { dIn, dHidden, dOut, batchRows } = this.config;
    return { arch: 'mlp', params: mlpParams(dIn, dHidden, dOut), d_in: dIn, d_hidden: dHidden, d_out: dOut, batch_rows: batchRows };
  }

  /** The next example of a source: its pool in a seeded order, reshuffled after each pass. */
  private draw(source: number): number {
    if (this.cursors[source]! >= this.orders[source]!.length) {
      this.orders[source] = this.rng.permutation(this.sources[source]!.rows);
      this.cursors[source] = 0;
    }
    return this.orders[source]![this.cursors[source]!++]!;
  }

  /**
   * The model's weights now, bf16, under PyTorch's names and shapes: fc1.weight [d_hidden, d_in] (W1ᵀ, what a step
   * commits as w1_root), fc1.bias [d_hidden], fc2.weight [d_out, d_hidden] (W2ᵀ), fc2.bias [d_out]. Before the first
   * step, the initial weights genesis commits (runtime/run/weights.ts): 58 parameters for the demo.
   */
  weights(): WeightTensor[] {
    const { dIn, dHidden, dOut } = this.config;
    const bf = (a: Float64Array): Uint16Array => Uint16Array.from(a, bf16FromNumber);
    return [
      { name: 'fc1.weight', shape: [dHidden, dIn], values: transpose(bf(this.w1), dIn, dHidden) },
      { name: 'fc1.bias', shape: [dHidden], values: bf(this.b1) },
      { name: 'fc2.weight', shape: [dOut, dHidden], values: transpose(bf(this.w2), dHidden, dOut) },
      { name: 'fc2.bias', shape: [dOut], values: bf(this.b2) },
    ];
  }

  /** The bf16 W1 the next forward pass uses. */
  w1Bf16(): Uint16Array {
    return Uint16Array.from(this.w1, bf16FromNumber);
  }

  /** Forward pass from h (bf16) on: pre-activations z1, activations a1, outputs y. */
  private head(h: Uint16Array, rows: number): { z1: Float64Array; a1: Float64Array; y: Float64Array } {
    const { dHidden, dOut } = this.config;
    const z1 = new Float64Array(rows * dHidden);
    const a1 = new Float64Array(rows * dHidden);
    const y = new Float64Array(rows * dOut);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < dHidden; j++) {
        const z = bf16ToNumber(h[i * dHidden + j]!) + this.b1[j]!;
        z1[i * dHidden + j] = z;
        a1[i * dHidden + j] = z > 0 ? z : 0;
      }
      for (let o = 0; o < dOut; o++) {
        let s = this.b2[o]!;
        for (let j = 0; j < dHidden; j++) s += a1[i * dHidden + j]! * this.w2[j * dOut + o]!;
        y[i * dOut + o] = s;
      }
    }
    return { z1, a1, y };
  }

  /** The loss of the current weights over rows of examples (features ‖ target), no update. */
  loss(examples: Uint16Array, rows: number): number {
    const { dIn, dOut } = this.config;
    const cols = dIn + dOut;
    const x = new Uint16Array(rows * dIn);
    for (let i = 0; i < rows; i++) x.set(examples.subarray(i * cols, i * cols + dIn), i * dIn);
    const h = matmulBf16(x, transpose(this.w1Bf16(), dIn, this.config.dHidden), rows, dIn, this.config.dHidden, this.config.order);
    const { y } = this.head(h, rows);
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < dOut; o++) {
        const d = y[i * dOut + o]! - bf16ToNumber(examples[i * cols + dIn + o]!);
        loss += 0.5 * d * d;
      }
    }
    return loss / rows;
  }

  /** The loss over every example of every source. */
  datasetLoss(): number {
    let total = 0;
    let rows = 0;
    for (const s of this.sources) {
      total += this.loss(s.examples, s.rows) * s.rows;
      rows += s.rows;
    }
    return total / rows;
  }

  /** One SGD step on the next batch. */
  step(): TrainStep {
    const { dIn, dHidden, dOut, batchRows: B, learningRate: lr, syntheticPerBatch: [lo, hi] } = this.config;
    const nSynthetic = lo + this.rng.int(hi - lo + 1);
    const picks: { source: number; index: number }[] = [];
    for (let i = 0; i < B; i++) {
      const source = i < nSynthetic ? SYNTHETIC : CURATED;
      picks.push({ source, index: this.draw(source) });
    }
    const batch = this.rng.permutation(B).map((i) => picks[i]!);
    const cols = dIn + dOut;
    const x = new Uint16Array(B * dIn);
    const target = new Float64Array(B * dOut);
    batch.forEach(({ source, index }, i) => {
      const ex = this.sources[source]!.examples;
      x.set(ex.subarray(index * cols, index * cols + dIn), i * dIn);
      for (let o = 0; o < dOut; o++) target[i * dOut + o] = bf16ToNumber(ex[index * cols + dIn + o]!);
    });

    const w1 = this.w1Bf16();
    const w1t = transpose(w1, dIn, dHidden);
    const h = matmulBf16(x, w1t, B, dIn, dHidden, this.config.order);
    const { z1, a1, y } = this.head(h, B);

    // Loss and gradients, float64.
    let loss = 0;
    const dy = new Float64Array(B * dOut);
    for (let t = 0; t < B * dOut; t++) {
      const d = y[t]! - target[t]!;
      loss += 0.5 * d * d;
      dy[t] = d / B;
    }
    loss /= B;
    const gW2 = new Float64Array(dHidden * dOut);
    const gb2 = new Float64Array(dOut);
    const gW1 = new Float64Array(dIn * dHidden);
    const gb1 = new Float64Array(dHidden);
    for (let i = 0; i < B; i++) {
      for (let o = 0; o < dOut; o++) {
        gb2[o] = gb2[o]! + dy[i * dOut + o]!;
        for (let j = 0; j < dHidden; j++) gW2[j * dOut + o] = gW2[j * dOut + o]! + a1[i * dHidden + j]! * dy[i * dOut + o]!;
      }
      for (let j = 0; j < dHidden; j++) {
        if (!(z1[i * dHidden + j]! > 0)) continue;
        let da = 0;
        for (let o = 0; o < dOut; o++) da += dy[i * dOut + o]! * this.w2[j * dOut + o]!;
        gb1[j] = gb1[j]! + da;
        for (let k = 0; k < dIn; k++) gW1[k * dHidden + j] = gW1[k * dHidden + j]! + bf16ToNumber(x[i * dIn + k]!) * da;
      }
    }
    const sgd = (w: Float64Array, g: Float64Array): void => {
      for (let t = 0; t < w.length; t++) w[t] = w[t]! - lr * g[t]!;
    };
    sgd(this.w1, gW1);
    sgd(this.b1, gb1);
    sgd(this.w2, gW2);
    sgd(this.b2, gb2);

    const tokensBySource = this.sources.map((s) => batch.filter((b) => b.source === s.id).length);
    return { step: ++this.steps, batch, tokensBySource, x, w1, w1t, h, loss };
  }
}

/** Trains `steps` steps from the config's seed. */
export function train(steps: number, config: TrainerConfig = DEMO_CONFIG): { trainer: Trainer; steps: TrainStep[] } {
  const trainer = new Trainer(config);
  const out: TrainStep[] = [];
  for (let s = 0; s < steps; s++) out.push(trainer.step());
  return { trainer, steps: out };
}
