/**
 * The demo run (`zpol demo`, policies/demo.zpol): the reference trainer of trainer.ts trained for a few steps and
 * recorded with runtime/run's recorder, every step observed by the demo's anchor.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { anchorFromSeed, type Anchor } from '../runtime/run/anchor.ts';
import type { GemmOperands } from '../runtime/run/format.ts';
import { Recorder, RecorderError, type RecorderOptions } from '../runtime/run/recorder.ts';
import { u32Tensor } from '../runtime/run/safetensors.ts';
import { labelValues } from '../runtime/run/labels.ts';
import { DEMO_CONFIG, Trainer, type TrainerConfig, type TrainStep } from './trainer.ts';

/**
 * The demo's anchor: its seed is BLAKE3 of a public string, so anyone can re-sign with it. It exercises the
 * format; it proves nothing. A real run takes its anchor's public key from the anchor, out of band.
 */
export function demoAnchor(): Anchor {
  return anchorFromSeed(blake3(new TextEncoder().encode('zpol demo anchor: a public key for demonstrations, not a secret')));
}

/** The demo policy's verify clause: `verify fc1 { a: step.x_root, b: step.w1_root, c: step.h_root }`. */
export const DEMO_VERIFY: Readonly<Record<string, GemmOperands>> = { fc1: { a: 'x_root', b: 'w1_root', c: 'h_root' } };

export interface DemoRunOptions {
  readonly config?: TrainerConfig;
  /** The anchor that signs observations: the demo's public key by default; null records none. */
  readonly anchor?: Anchor | null;
  readonly policyDigest?: string | null;
  readonly schemas?: RecorderOptions['schemas'];
}

/**
 * Trains the reference MLP for `steps` steps and records the run for policies/demo.zpol in `dir` (which should
 * be new or empty): spec.json, registry.json and the sources' examples, and per step the record { tokens,
 * tokens_by_source, x_root, w1_root, h_root, labels_root, weights_root }, with x [batch_rows, d_in], w1t = W1ᵀ [d_hidden, d_in],
 * h [batch_rows, d_hidden] and the source labels [batch_rows, 1] (bf16; runtime/run/labels.ts), plus `batch` (U32 [batch_rows, 2]: each row's source id and example index);
 * weights_root is the root of weights/NNNNNN.json, the layout of the weights after the step's update.
 */
export function recordDemoRun(dir: string, steps = 20, options: DemoRunOptions = {}): { recorder: Recorder; trainer: Trainer; steps: TrainStep[] } {
  const trainer = new Trainer(options.config ?? DEMO_CONFIG);
  const { dIn, dHidden, batchRows: B } = trainer.config;
  const recorder = Recorder.open(dir, 'demo', {
    verify: DEMO_VERIFY,
    policyDigest: options.policyDigest ?? null,
    schemas: options.schemas,
    ...(options.anchor === null ? {} : { anchor: options.anchor ?? demoAnchor() }),
  });
  if (recorder.lastStep !== 0) throw new RecorderError(`${dir} already holds a recorded run (${recorder.lastStep} steps)`);
  const registry = recorder.registerSources(
    trainer.sources.map((s) => ({
      name: s.name,
      description: `${s.rows} examples: ${dIn} bf16 features, then the one-hot target (${s.cols - dIn} bf16 values)`,
      examples: s.examples,
      rows: s.rows,
      cols: s.cols,
    })),
  );
  // The spec commits the registry at genesis: each source's dataset root, in registry order; and the initial
  // weights' layout, from which genesis derives the parameter count and the architecture.
  const weights = recorder.commitWeights(trainer.weights());
  recorder.commitSpec({ ...trainer.spec(), datasets: registry.sources.map((s) => s.root), weights: weights.root });
  const out: TrainStep[] = [];
  for (let k = 1; k <= steps; k++) {
    const t = trainer.step();
    // The weights the step ends with (after its update): the next step's checked product opens its W1ᵀ in them.
    const after = recorder.commitStepWeights(k, trainer.weights());
    recorder.recordStep(
      k,
      { tokens: B, tokens_by_source: [...t.tokensBySource], weights_root: after.root },
      {
        x: { field: 'x_root', rows: B, cols: dIn, values: t.x },
        w1t: { field: 'w1_root', rows: dHidden, cols: dIn, values: t.w1t, transposed: true },
        h: { field: 'h_root', rows: B, cols: dHidden, values: t.h },
        labels: { field: 'labels_root', rows: B, cols: 1, values: labelValues(t.batch.map((b) => b.source)) },
      },
      { metrics: { loss: t.loss }, tensors: { batch: u32Tensor([B, 2], t.batch.flatMap((b) => [b.source, b.index])) } },
    );
    out.push(t);
  }
  recorder.finish();
  return { recorder, trainer, steps: out };
}
