/**
 * A small GPT trained in PyTorch (integrations/pytorch/examples/tiny_gpt.py), recorded with zpol_torch, proven
 * and verified with zpol for policies/tiny_gpt.zpol; a tampered tensors file and a non-conforming product are
 * refused, naming the step and the clause. To stay quick the policy is proven with fewer samples per check
 * (tau 1e-1, f 50%, grinding 8 instead of 1e-6, 25%, 36): the same clauses, shapes and record. Skipped, saying
 * why, where Debian's python3 has no torch.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { zpol } from '../helpers.ts';
import { hasTorch, skipNote, TORCH_PYTHON } from './torch-python.ts';

const root = join(import.meta.dirname, '../..');

function record(zcp: string, run: string, extra: string[] = []): void {
  const r = spawnSync(TORCH_PYTHON, [join(root, 'integrations/pytorch/examples/tiny_gpt.py'), '--zcp', zcp, '--run', run, '--steps', '1', ...extra], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

describe.skipIf(!hasTorch)(`a PyTorch run proven end to end${skipNote}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-torch-e2e-'));
  const policy = join(dir, 'tiny_gpt.zpol');
  const zcp = join(dir, 'tiny_gpt.zcp');
  const light = readFileSync(join(root, 'policies/tiny_gpt.zpol'), 'utf8')
    .replaceAll('tau: 1e-6', 'tau: 1e-1')
    .replaceAll('f: 25%', 'f: 50%')
    .replaceAll('grinding: 36', 'grinding: 8');

  it('records a trained step, proves it and verifies the chain; a tampered tensor is refused before proving', () => {
    expect(light.match(/tau: 1e-1/g)).toHaveLength(3);
    writeFileSync(policy, light);
    expect(zpol(['compile', policy, '-o', zcp]).status).toBe(0);
    const run = join(dir, 'run');
    record(zcp, run);
    const proofs = join(dir, 'proofs');
    const prove = zpol(['prove', zcp, '--run', run, '--out', proofs], root, 240_000);
    expect(prove.stderr).toBe('');
    expect(prove.status).toBe(0);
    const verify = zpol(['verify', zcp, proofs]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/verify mlp_up_grad \(Block 0's MLP up-projection weight gradient, xᵀ·dy\): at every step, 8 entries .* matched/);
    expect(verify.stdout).toMatch(/attest params_match_shape .*: holds for the committed spec/);
    expect(verify.stdout).toMatch(/verdict: the chain verifies/);

    const tampered = join(dir, 'tampered');
    cpSync(run, tampered, { recursive: true });
    const file = join(tampered, 'tensors/000001.safetensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    const refused = zpol(['prove', zcp, '--run', tampered, '--out', join(dir, 'tampered-proofs')]);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/steps\/000001\.json: step 1: tensors\/blake3: tensors\/000001\.safetensors has BLAKE3/);
  }, 300_000);

  it('a product computed with a bf16 accumulator instead of the declared f32 one fails its check, naming the step and the layer', () => {
    const run = join(dir, 'nonconforming');
    record(zcp, run, ['--nonconforming']);
    const r = zpol(['prove', zcp, '--run', run, '--out', join(dir, 'nonconforming-proofs')], root, 240_000);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/ZV301: assertion failed: verify mlp_up failed: Block 0's MLP up projection \(tiny_gpt\.zpol:\d+:1\): a sampled entry of c differs from its BF16 recomputation from a and b at step 1/);
  }, 300_000);
});
