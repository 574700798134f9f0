// The reference trainer (demo/trainer.ts): deterministic to the bit, learns (its loss falls), mixes both
// sources within the demo policy's bounds, and computes the first layer's product h = x·W1 exactly as the policy's
// `verify fc1` (order tensor_core, rounding bf16) recomputes it, or in sequential order when configured so.
import { blake3 } from '@noble/hashes/blake3.js';
import { describe, expect, it } from 'vitest';
import { bf16Dot, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { bf16MmaDotPadded } from '../../runtime/fp/mma.ts';
import { bf16FromNumber, bf16ToNumber, DEMO_CONFIG, mlpParams, Rng, SYNTHETIC, train, Trainer } from '../../demo/trainer.ts';

const STEPS = 20;

function fingerprint(steps: ReturnType<typeof train>['steps']): string {
  const h = blake3.create();
  for (const s of steps) {
    for (const t of [s.x, s.w1t, s.h]) h.update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    h.update(new TextEncoder().encode(`${s.loss};${s.tokensBySource.join(',')};${s.batch.map((b) => `${b.source}:${b.index}`).join(',')}`));
  }
  return Buffer.from(h.digest()).toString('hex');
}

/**
 * An independent f32 fused multiply-add for the values in this test: the bf16 product is exact in float64
 * (8 + 8 significant bits), and where the float64 sum is also exact, Math.fround rounds it once, to nearest even,
 * as fma does. Returns undefined when the float64 sum was inexact (the reference cannot decide that case).
 */
function fmaRef(a: number, b: number, acc: number): number | undefined {
  const p = a * b;
  const s = p + acc;
  if (s - acc !== p || s - p !== acc) return undefined;
  return Math.fround(s);
}

describe('reference trainer', () => {
  const run = train(STEPS);

  it('is deterministic: the same seed gives the same bits, another seed other bits', () => {
    expect(fingerprint(train(STEPS).steps)).toBe(fingerprint(run.steps));
    expect(fingerprint(train(STEPS, { ...DEMO_CONFIG, seed: 8 }).steps)).not.toBe(fingerprint(run.steps));
    // Pinned, so a change of arithmetic on another platform or Node version shows up here.
    expect(fingerprint(run.steps)).toMatchInlineSnapshot(`"127b0ff812c213c85a9459aa4d23214fbda63e97472bfa96770af5008749aa13"`);
  });

  it('learns: the loss falls over 20 steps', () => {
    const fresh = new Trainer();
    const before = fresh.datasetLoss();
    const after = run.trainer.datasetLoss();
    expect(after).toBeLessThan(0.5 * before);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const losses = run.steps.map((s) => s.loss);
    expect(mean(losses.slice(-5))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
  });

  it('declares the parameter count of two biased linear layers', () => {
    expect(run.trainer.spec()).toEqual({ arch: 'mlp', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16 });
    expect(mlpParams(4, 8, 2)).toBe(4 * 8 + 8 + (8 * 2 + 2));
    expect(run.trainer.w1.length + run.trainer.b1.length + run.trainer.w2.length + run.trainer.b2.length).toBe(58);
  });

  it('mixes both sources in every batch, synthetic between 25% and 75%', () => {
    const { dIn, dOut, batchRows } = DEMO_CONFIG;
    for (const s of run.steps) {
      expect(s.batch).toHaveLength(batchRows);
      expect(s.tokensBySource.reduce((a, b) => a + b, 0)).toBe(batchRows);
      expect(s.tokensBySource[SYNTHETIC]! / batchRows).toBeGreaterThanOrEqual(0.25);
      expect(s.tokensBySource[SYNTHETIC]! / batchRows).toBeLessThanOrEqual(0.75);
      expect(s.tokensBySource).toEqual([0, 1].map((id) => s.batch.filter((b) => b.source === id).length));
      // Row i of x is the features of the example the batch names.
      s.batch.forEach((b, i) => {
        const src = run.trainer.sources[b.source]!;
        expect([...s.x.subarray(i * dIn, (i + 1) * dIn)]).toEqual([...src.examples.subarray(b.index * (dIn + dOut), b.index * (dIn + dOut) + dIn)]);
      });
    }
    const total = run.steps.reduce((a, s) => a + s.tokensBySource[SYNTHETIC]!, 0) / (STEPS * batchRows);
    expect(total).toBeGreaterThan(0.25);
    expect(total).toBeLessThan(0.75);
  });

  it('computes h = x·W1 as the tensor core does (bf16MmaDotPadded), rounded to bf16, the order policies/demo.zpol checks', () => {
    const { dIn, dHidden, batchRows } = DEMO_CONFIG;
    expect(DEMO_CONFIG.order).toBe('tensor_core');
    for (const s of run.steps) {
      for (let i = 0; i < batchRows; i++) {
        const xi = [...s.x.subarray(i * dIn, (i + 1) * dIn)];
        for (let j = 0; j < dHidden; j++) expect(s.h[i * dHidden + j]).toBe(bf16MmaDotPadded(xi, [...s.w1t.subarray(j * dIn, (j + 1) * dIn)]).out);
      }
    }
  });

  it('with order sequential computes h = x·W1 as bf16Dot, rounded to bf16, and an independent f32 reference agrees', () => {
    const { dIn, dHidden, batchRows } = DEMO_CONFIG;
    const sequential = new Trainer({ ...DEMO_CONFIG, order: 'sequential' });
    const steps = Array.from({ length: STEPS }, () => sequential.step());
    let decided = 0;
    for (const s of steps) {
      for (let i = 0; i < batchRows; i++) {
        const xi = [...s.x.subarray(i * dIn, (i + 1) * dIn)];
        for (let j = 0; j < dHidden; j++) {
          const col = Array.from({ length: dIn }, (_, k) => s.w1[k * dHidden + j]!);
          expect(col).toEqual([...s.w1t.subarray(j * dIn, (j + 1) * dIn)]);
          const want = bf16Dot(xi, col, SEQUENTIAL).out;
          expect(s.h[i * dHidden + j]).toBe(want);
          let acc: number | undefined = 0;
          for (let k = 0; k < dIn && acc !== undefined; k++) acc = fmaRef(bf16ToNumber(xi[k]!), bf16ToNumber(col[k]!), acc);
          if (acc !== undefined) {
            expect(s.h[i * dHidden + j]).toBe(bf16FromNumber(acc));
            decided++;
          }
        }
      }
    }
    expect(decided).toBe(STEPS * batchRows * dHidden);
    // The recorded W1 is the master weights rounded to bf16, at the time of the step.
    const t = new Trainer();
    expect([...t.step().w1]).toEqual([...new Trainer().w1Bf16()]);
  });

  it('draws from a seeded generator: integers in range, uniform, approximately normal', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const xs = Array.from({ length: 2000 }, () => a.u32());
    expect(xs).toEqual(Array.from({ length: 2000 }, () => b.u32()));
    const ints = Array.from({ length: 2000 }, () => a.int(10));
    expect(Math.min(...ints)).toBe(0);
    expect(Math.max(...ints)).toBe(9);
    const ns = Array.from({ length: 4000 }, () => a.normalish());
    const mean = ns.reduce((x, y) => x + y, 0) / ns.length;
    const variance = ns.reduce((x, y) => x + (y - mean) ** 2, 0) / ns.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    expect(a.permutation(10).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('converts between numbers and bf16 with round to nearest even', () => {
    expect(bf16FromNumber(1)).toBe(0x3f80);
    expect(bf16FromNumber(-2)).toBe(0xc000);
    expect(bf16FromNumber(1 + 2 ** -8)).toBe(0x3f80); // a tie: to even
    expect(bf16FromNumber(1 + 3 * 2 ** -8)).toBe(0x3f82); // a tie: to even (up)
    expect(bf16ToNumber(0x3fc0)).toBe(1.5);
  });
});
