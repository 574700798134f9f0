// A compute check whose openings are more words than a function call takes arguments (~10^5): the step's tape is
// built (ChainProver.stepInputs), where `tape.push(...openings)` once overflowed the stack ("Maximum call stack
// size exceeded") before anything ran.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/index.ts';
import { num } from '../../language/checker/values.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { computeStep } from '../fixtures/compute-step.ts';

describe('chain prover: a step tape of several hundred thousand words', () => {
  it('is built word by word', () => {
    const dims = [8, 4096, 8] as const;
    const path = join(mkdtempSync(join(tmpdir(), 'zpol-long-tape-')), 'mm.zpol');
    writeFileSync(path, `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n tau: 1e-6\n f: 5%\n order: sequential\n rounding: bf16\n grinding: 8\n}\n`);
    const policy = compileFile(path);
    if (!policy.ok) throw new Error(policy.error);
    const [M, K, N] = dims;
    // Zero operands: c = a·b exactly.
    const step = computeStep(new Uint16Array(M * K), new Uint16Array(N * K), new Uint16Array(M * N), dims);
    const prover = new ChainProver(policy, new Uint8Array(32).fill(5), new Map<string, RunValue>([['m', num(1n)]]));
    const g = prover.genesisExecution();
    const tape = prover.stepInputs(1, g.state, step.record, step.tensors).tape();
    // Each sample opens a row of a and of bᵀ, 512 words each.
    expect(tape.length).toBeGreaterThan(200_000);
  }, 120_000);
});
