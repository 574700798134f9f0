import { describe, expect, it } from 'vitest';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { ChainError, ChainProver, type StepTensors } from '../../runtime/chain/prover.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { decodeProofFile, encodeProofFile, type ProofFile } from '../../runtime/chain/proof-file.ts';
import { SOURCE_NAMES, Trainer } from '../../demo/trainer.ts';
import { commitMatrix, digestToHex } from '../../runtime/run/tensor-commit.ts';
import { datasetKey } from '../../runtime/run/members.ts';
import { demoDatasets, demoSpec, demoWeightsConfig, labelledBatch, weightsRootEntry } from '../fixtures/demo-step.ts';

function policy(path: string): Extract<CompileResult, { ok: true }> {
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error ?? 'does not compile');
  return r;
}

const demo = policy('policies/demo.zpol');
const int = (n: bigint | number): Value => num(BigInt(n));
const spec = (params = 58): RecordValues => new Map([...demoSpec(demo), ['params', int(params)]]);
// The reference trainer's W1 at each step; the batches are examples of the sources their labels name (curated
// rows first), so that split_is_labels and batch_from_sources hold for a 16-token step with the split chosen per
// test (a step of other counts fails an earlier invariant anyway), and h = x·W1 as the compute check recomputes it.
const trainer = new Trainer();
const weights = Array.from({ length: 4 }, () => trainer.step().w1t);
const step = (tokens: number, synthetic: number, k: number): [RecordValues, StepTensors] => {
  const { x, h, labels } = labelledBatch(weights[k]!, synthetic);
  const tensors = new Map([
    ['x_root', commitMatrix(x, 16, 4)],
    ['w1_root', commitMatrix(weights[k]!, 8, 4)],
    ['h_root', commitMatrix(h, 16, 8)],
    ['labels_root', commitMatrix(labels, 16, 1)],
  ]);
  return [
    new Map<string, RunValue>([
      ['tokens', int(tokens)],
      ['tokens_by_source', { kind: 'array', elements: [int(tokens - synthetic), int(synthetic)] }],
      ...[...tensors].map(([field, c]) => [field, { kind: 'digest', words: c.root }] as [string, RunValue]),
      weightsRootEntry(k + 1),
    ]),
    new Map([...tensors, ...demoDatasets().map((d, i) => [datasetKey(SOURCE_NAMES[i]!), d] as const)]),
  ];
};

const secret = new Uint8Array(32).fill(7);
const named = (proofs: ProofFile[]) => proofs.map((proof) => ({ name: `${proof.kind}-${proof.step}`, proof }));

describe('the proof chain', () => {
  const prover = new ChainProver(demo, secret, spec(), demoWeightsConfig());
  const g = prover.genesis();
  const s1 = prover.step(1, g.state, ...step(16, 8, 0));
  const s2 = prover.step(2, s1.state, ...step(16, 6, 1));
  const att = prover.attestation(2, s2.state);
  const chain = [g.proof, s1.proof, s2.proof, att];

  it('verifies, and reports in the policy terms', () => {
    const report = verifyChain(demo, named(chain));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps).toBe(2);
    expect(report.revealed).toEqual([
      { name: 'spec.arch', text: 'mlp', value: 'mlp' },
      // The registry committed at genesis: each source's dataset root, in registry order.
      expect.objectContaining({ name: 'spec.datasets', text: `[${demoDatasets().map((d) => digestToHex(d.root)).join(', ')}]` }),
      { name: 'total_compute', text: `${6 * 58 * 32} FLOP`, value: { value: `${6 * 58 * 32}`, unit: 'FLOP' } },
    ]);
    expect(report.claims.some((c) => c.startsWith('invariant under_flop_cap'))).toBe(true);
    // The sources by name, with the membership check's assurance.
    expect(report.claims).toContainEqual(expect.stringMatching(/^invariant batch_from_sources \(.*\): held after every step, 1\.\.2; at every step, 8 of the 16 rows of step\.x_root, .*: 0 curated \(64 examples\), 1 synthetic \(64 examples\); .* probability 0\.60, with a quarter of them 0\.10 \(per draw: .*, each draw behind 17 bits of proof of work\)$/));
    expect(report.claims).toContain(
      'verify fc1 (First-layer matrix product x * W1): at every step, 56 entries of step.h_root = step.x_root · step.w1_root ([16×4]·[4×8]) drawn from the committed tensors were recomputed in BF16 with FP32 accumulation (Hopper tensor-core operations of 16 products) and matched; ' +
        'b was the tensor "fc1.weight" of the committed weights each step started from (state.weights: the initial layout, then each step\'s committed update)',
    );
    // The figures behind the verdict: the demo's compute check at the 36 bits its policy declares.
    expect(report.security.computeChecks).toEqual([{ name: 'fc1', samples: 56, drawBits: 20.1, powBits: 16, grindingBits: 36.1, grindingTarget: 36 }]);
    expect(report.security.stark!.conjecturedBits).toBeGreaterThanOrEqual(100);
    // Below it, the membership draw of batch_from_sources (8 rows behind 17 bits of work: test/chain/draw-security.test.ts).
    expect(report.security.weakest).toEqual({ what: 'invariant batch_from_sources: from_sources\'s 8 sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them, behind 17 bits of proof of work a draw', bits: 20.3 });
  });

  it('proving again gives the same bytes', () => {
    const again = new ChainProver(demo, secret, spec(), demoWeightsConfig()).step(1, g.state, ...step(16, 8, 0));
    expect(encodeProofFile(again.proof)).toEqual(encodeProofFile(s1.proof));
    expect(decodeProofFile(encodeProofFile(att))).toEqual(att);
  });

  it('rejects a reordered, dropped or replayed step, and a chain without its genesis', () => {
    // Files may come in any order (the verifier orders steps by number), but numbers cannot be swapped.
    expect(verifyChain(demo, named([att, s2.proof, g.proof, s1.proof])).ok).toBe(true);
    const swapped = verifyChain(demo, named([g.proof, { ...s2.proof, step: 1 }, { ...s1.proof, step: 2 }, att]));
    expect(swapped.ok).toBe(false);
    const dropped = verifyChain(demo, named([g.proof, s2.proof, att]));
    expect(dropped.errors.map((e) => e.message).join('\n')).toMatch(/step 1 is missing/);
    const replayed = verifyChain(demo, named([g.proof, s1.proof, { ...s1.proof, step: 2 }, att]));
    expect(replayed.ok).toBe(false);
    expect(verifyChain(demo, named([s1.proof, s2.proof])).errors.map((e) => e.message).join('\n')).toMatch(/no valid genesis/);
  });

  it('rejects another run, another policy, and tampered proofs', () => {
    const other = new ChainProver(demo, new Uint8Array(32).fill(9), spec(), demoWeightsConfig());
    const otherGenesis = other.genesis();
    expect(verifyChain(demo, named([otherGenesis.proof, s1.proof, s2.proof, att])).errors.map((e) => e.message).join('\n')).toMatch(/does not start from the state/);
    const eu = policy('policies/us_eo14110_sec42.zpol');
    const foreign = verifyChain(eu, named(chain));
    expect(foreign.ok).toBe(false);
    expect(foreign.proofs.every((p) => !p.ok && /another policy/.test(p.error!))).toBe(true);
    // A flipped byte in the STARK proof, and a public output changed.
    const bytes = Buffer.from(s1.proof.stark, 'base64');
    bytes[bytes.length - 100] ^= 1;
    expect(verifyChain(demo, named([g.proof, { ...s1.proof, stark: bytes.toString('base64') }, s2.proof, att])).ok).toBe(false);
    const out = [...att.publicOutputs];
    out[0] = out[0]!.slice(0, 63) + (out[0]!.endsWith('0') ? '1' : '0');
    expect(verifyChain(demo, named([g.proof, s1.proof, s2.proof, { ...att, publicOutputs: out }])).ok).toBe(false);
  });

  it('a run that breaks a rule cannot be proven, and the error names the clause and the step', () => {
    let error: unknown;
    try {
      // 14 synthetic tokens of 32 so far; two steps without synthetic data bring the share to 14/64, below 25%.
      prover.stepExecution(4, prover.stepExecution(3, s2.state, ...step(16, 0, 2)).state, ...step(16, 0, 3));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).message).toMatch(/invariant synthetic_share failed: Synthetic data is between 25% and 75% of tokens \(demo.zpol:\d+:1\) at step 4/);
    expect((error as ChainError).code).toBe('ZV301');
    expect(() => new ChainProver(demo, secret, spec(59), demoWeightsConfig()).genesisExecution()).toThrow(/attest params_match_layers failed.* at genesis/);
    // 6 · 58 param · 3e9 token = 1.044e12 FLOP at step 3: over the 1e12 FLOP cap.
    expect(() => prover.stepExecution(3, s2.state, ...step(3e9, 1.5e9, 2))).toThrow(/invariant under_flop_cap failed: Cumulative training compute at most 1e12 FLOP \(demo.zpol:\d+:1\) at step 3/);
  });
});
