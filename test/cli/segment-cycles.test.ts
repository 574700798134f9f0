// `zpol prove --segment-cycles N`: the segment size of a step proven in segments (runtime/vm/segments.ts), checked
// before anything is run or read: a size that is not a power of two from 2^2 to 2^22 is bad usage (ZV309), and the
// memory check (ZV307) is one segment's, so a smaller segment lets a machine with less memory prove the 70B FFN step;
// without the flag the prover takes the largest segment up to 2^19 cycles that fits its memory, and `zpol info`
// reports that size and the segments it makes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers.ts';

const FFN_70B = 'test/fixtures/policies/ffn-70b.zpol';
const dir = mkdtempSync(join(tmpdir(), 'zpol-segment-cycles-'));

function prove(extra: string[], memory = '4G') {
  const r = spawnSync(process.execPath, [join(root, 'bin/run.js'), 'prove', FFN_70B, '--run', join(dir, 'no-run'), '--out', join(dir, 'proofs'), ...extra], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ZPOL_PROVER_MEMORY: memory },
  });
  return { status: r.status, stderr: r.stderr };
}

describe('zpol prove --segment-cycles', () => {
  it.each([['1000'], [String(2 ** 23)]])('refuses %s cycles a segment as bad usage, ZV309, before reading the run', (n) => {
    const r = prove(['--segment-cycles', n]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^zpol: --segment-cycles ${n}: ZV309: a segment is a power of two of cycles from 2\\^2 to 2\\^22, not ${n}$`, 'm'));
  });

  it('checks the memory of one segment: 2^19 cycles do not fit in 4 GiB, 2^17 do', () => {
    const whole = prove(['--segment-cycles', String(2 ** 19)]);
    expect(whole.status).toBe(1);
    expect(whole.stderr).toMatch(/ZV307: the step proof needs about \d+\.\d GiB of memory a segment \(76 segments of 524,288 cycles, [\d,]+ committed cells each\), more than the 4\.0 GiB this prover may use; most of it is verify ffn_up/);
    const small = prove(['--segment-cycles', String(2 ** 17)]);
    // Past the memory check, it stops at the run directory that is not there.
    expect(small.status).toBe(1);
    expect(small.stderr).not.toMatch(/ZV30[79]/);
    expect(small.stderr).toMatch(/the run directory is not valid:\n {2}run\.json: missing/);
  });

  it('without --segment-cycles takes the largest segment that fits: 2^18 cycles in 7 GiB, where 2^19 is refused', () => {
    const asked = prove(['--segment-cycles', String(2 ** 19)], '7G');
    expect(asked.status).toBe(1);
    expect(asked.stderr).toMatch(/ZV307: the step proof needs about 1\d\.\d GiB of memory a segment \(76 segments of 524,288 cycles/);
    const chosen = prove([], '7G');
    expect(chosen.status).toBe(1);
    expect(chosen.stderr).not.toMatch(/ZV30[79]/);
    expect(chosen.stderr).toMatch(/the run directory is not valid:\n {2}run\.json: missing/);
  });

  it('zpol info reports the segment size zpol prove would take with the same memory', () => {
    const info = (memory: string, json: boolean) =>
      spawnSync(process.execPath, [join(root, 'bin/run.js'), 'info', FFN_70B, ...(json ? ['--format', 'json'] : [])], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ZPOL_PROVER_MEMORY: memory },
      });
    const at = (memory: string) => {
      const r = info(memory, true);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { prover: { memoryBytes: number; segmentCycles: number; fits: boolean }; step: { segments: number; segmentCycles: number } };
    };
    const seven = at('7G');
    expect(seven.prover).toEqual({ memoryBytes: 7 * 2 ** 30, segmentCycles: 2 ** 18, fits: true });
    expect(seven.step).toMatchObject({ segments: 151, segmentCycles: 2 ** 18 });
    const big = at('64G');
    expect(big.prover).toEqual({ memoryBytes: 64 * 2 ** 30, segmentCycles: 2 ** 19, fits: true });
    expect(big.step).toMatchObject({ segments: 76, segmentCycles: 2 ** 19 });
    // 2 GiB: no size up to the segment cap fits (2^16 cycles need about 2.05 GiB, 2^15 make more than 1,024 segments).
    expect(at('2G').prover).toEqual({ memoryBytes: 2 * 2 ** 30, segmentCycles: 2 ** 19, fits: false });
    const text = info('7G', false);
    expect(text.stdout).toMatch(/^zpol prove, with 7\.0 GiB of prover memory, takes segments of 262,144 cycles/m);
    expect(text.stdout).toMatch(/proven in 151 segments of 262,144 cycles/);
    expect(info('2G', false).stdout).toMatch(/finds no segment size whose step segment fits \(without --segment-cycles it refuses at 524,288 cycles, ZV307\)/);
  });
});
