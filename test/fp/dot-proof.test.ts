// bf16_dot conformance proven in the zkVM with the BF16 MAC precompile (runtime/conformance/vm-dot-proof.ts): a
// slice of the shared file executes, proves and verifies, its accumulators equal the reference; a wrong expected
// result fails the execution's assertion (so nothing is proven); and `zpol conformance bf16_dot --prove --vm`
// prints the cells per MAC.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execute } from '../../runtime/vm/executor.ts';
import { readConformanceText } from '../../runtime/conformance/vectors.ts';
import { bf16Dot, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { F32_CANONICAL_NAN, isNaNF32 } from '../../runtime/fp/f32.ts';
import { dotCases, dotProgram, proveDot } from '../../runtime/conformance/vm-dot-proof.ts';
import { zpol } from '../helpers.ts';

/** The first `n` lines of the shared bf16_dot file with at most `maxK` terms. */
function slice(n: number, maxK: number): string {
  const lines = readConformanceText('bf16_dot')
    .split('\n')
    .filter((l) => l.trim() !== '' && Number(l.split(/\s+/)[0]) <= maxK);
  return lines.slice(0, n).join('\n') + '\n';
}

/** The line with its ACC field changed by one ulp. */
function oneUlpOff(line: string): string {
  const f = line.trim().split(/\s+/);
  const acc = parseInt(f[f.length - 2]!, 16);
  f[f.length - 2] = ((acc ^ 1) >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return f.join(' ');
}

describe('bf16_dot in the zkVM', () => {
  it('the accumulators the VM computes are the reference results, one mac per term in sequential order', () => {
    const { cases, total } = dotCases(slice(12, 33));
    expect(total).toBe(12);
    const { program, publicInputs, privateInputs } = dotProgram(cases);
    const exec = execute(program, { publicInputs, privateInputs });
    expect(exec.mac.length).toBe(cases.reduce((s, c) => s + c.a.length, 0));
    let at = 0;
    for (const c of cases) {
      at += c.a.length;
      const ref = bf16Dot(c.a, c.b, SEQUENTIAL).acc >>> 0;
      const vm = exec.mac[at - 1]!.out;
      expect(vm).toBe(isNaNF32(ref) ? F32_CANONICAL_NAN : ref);
      expect(vm).toBe(c.acc);
    }
    // Each accumulator is rounded to bf16 in the VM (`tobf16`) and matches the file's OUT.
    expect(exec.tobf16.map((t) => t.out)).toEqual(cases.map((c) => c.out));
  });

  it('a slice of the shared file proves and verifies (FRI PCS)', () => {
    const report = proveDot(slice(5, 7));
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.vectors).toBe(5);
    expect(report.operations).toBeGreaterThan(0);
    expect(report.proofBytes).toBeGreaterThan(0);
    expect(report.conjecturedBits).toBeGreaterThan(80);
    const p = report.cellsPerMacParts;
    expect(report.cellsPerMac).toBeCloseTo(p.cpu + p.rom + p.macChip + p.pow2 + p.byte, 0);
    expect(p.macChip).toBeGreaterThan(0);
    expect(p.cpu).toBeGreaterThan(0);
  }, 120_000);

  it('an expected accumulator one ulp off fails the assertion: nothing is proven', () => {
    const lines = slice(3, 7).trim().split('\n');
    lines[1] = oneUlpOff(lines[1]!);
    const report = proveDot(lines.join('\n'));
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/execution: .*line 2/);
    expect(report.proofBytes).toBe(0);
  });

  it('an expected OUT one ulp off fails its own assertion', () => {
    const lines = slice(3, 7).trim().split('\n');
    const f = lines[2]!.trim().split(/\s+/);
    f[f.length - 1] = ((parseInt(f[f.length - 1]!, 16) ^ 1) >>> 0).toString(16).toUpperCase().padStart(4, '0');
    lines[2] = f.join(' ');
    const report = proveDot(lines.join('\n'));
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/line 3: the accumulator rounded to bf16 is not the file's OUT/);
  });

  it('proves only the first `max` dot products', () => {
    const { cases, total } = dotCases(slice(10, 3), 4);
    expect(cases.length).toBe(4);
    expect(total).toBe(10);
  });

  it('zpol conformance bf16_dot --prove --vm proves in the zkVM and prints the cells per MAC', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-dot-'));
    const file = join(dir, 'small.tv');
    writeFileSync(file, slice(3, 3));
    const { status, stdout, stderr } = zpol(['conformance', 'bf16_dot', file, '--prove', '--vm'], undefined, 150_000);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^zkVM proof: verified, the first 3 of 3 dot products/m);
    expect(stdout).toMatch(/^cells per MAC: \d+(\.\d)? \(CPU rows/m);
    expect(stdout).toMatch(/^3 passed, 0 failed$/m);
    expect(status).toBe(0);
    const json = zpol(['conformance', 'bf16_dot', file, '--prove', '--format', 'json'], undefined, 150_000);
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout) as { passed: number; chip: { accepted: number }; proof: { ok: boolean; cellsPerMac: number; macs: number } };
    expect(out.passed).toBe(3);
    expect(out.chip.accepted).toBe(3);
    expect(out.proof.ok).toBe(true);
    expect(out.proof.cellsPerMac).toBeGreaterThan(0);
  }, 300_000);
});
