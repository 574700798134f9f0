// ZP2025 (language/checker/pow-cost.ts): the checker warns when a draw's proof of work is past about an hour of one
// core at the native search's measured rate, and only then: the boundary (2^33 tries no warning, 2^34 one), the
// compute check's sample count as the compiler rounds it (column strata), the default target of 100 bits, and the
// row draws' GRINDING. The figure the message states is the rate's: 2^34 / 2.4 M a second ≈ 2.0 hours.
import { describe, expect, it } from 'vitest';
import { loadProgram } from '../../language/index.ts';
import { NATIVE_POW_TRIES_PER_CPU_SECOND, POW_BITS_WITHIN_AN_HOUR, powCostWarning, powCpuHours } from '../../language/checker/pow-cost.ts';
import { grindingFigures } from '../../language/checker/verify-settings.ts';

const PATH = 'pow-cost.zpol';

function codes(settings: string, draw = ''): string[] {
  const text = `policy pow_cost version 1
enum Source { curated, synthetic }
spec { datasets: [digest; 2] }
step {
  x_root: digest
  w_root: digest
  h_root: digest
  labels_root: digest
}
${draw}
verify fc "x W" {
  a: step.x_root
  b: step.w_root
  c: step.h_root
  tau: 1e-1
  f: 50%
  order: sequential
  rounding: bf16
${settings}
}
`;
  const program = loadProgram([PATH], undefined, new Map([[PATH, text]]));
  const all = program.diagnostics.map((d) => `${d.code}:${d.message}`);
  // The policy is otherwise clean (its enum unused without a row draw): anything but ZP2016 and ZP2025 is a mistake here.
  expect(all.filter((c) => !c.startsWith('ZP2016') && !c.startsWith('ZP2025'))).toEqual([]);
  return all.filter((c) => c.startsWith('ZP2025'));
}

describe('ZP2025: a draw’s work past an hour of one core', () => {
  it('sets the line at the measured rate: 2^33 tries within the hour, 2^34 past it', () => {
    expect(POW_BITS_WITHIN_AN_HOUR).toBe(33);
    expect(powCpuHours(33)).toBeLessThan(1);
    expect(powCpuHours(34)).toBeGreaterThan(1);
    expect(powCostWarning('x', 33, 'r')).toBeNull();
    expect(powCostWarning('x', 34, 'r')).toMatch(/34 bits of proof of work: 2\^34 compressions ≈ 2\.0 CPU-hours .* 2\.4 million a CPU-second/);
    expect(powCostWarning('x', 60, 'r')).toMatch(/CPU-years/);
    expect(NATIVE_POW_TRIES_PER_CPU_SECOND).toBe(2_400_000);
  });

  it('warns a compute check at the boundary, with the sample count the compiler runs', () => {
    // 8 samples at f = 1/2: 5.7 bits a draw. grinding 38 needs 33 bits (no warning), 39 needs 34.
    expect(grindingFigures(8, { num: 1n, den: 2n }, 38).powBits).toBe(33);
    expect(codes('  dims: [16, 4, 8]\n  samples: 8\n  grinding: 38')).toEqual([]);
    const warned = codes('  dims: [16, 4, 8]\n  samples: 8\n  grinding: 39');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^ZP2025:verify 'fc' \(8 samples, 5\.7 bits a draw, 39\.7 against a grinding prover\) takes 34 bits/);
    // 5 samples over 8 columns run as 8 (strata): 33 bits, within the hour; 5 samples would hold 3.6 bits and need 35.
    expect(grindingFigures(5, { num: 1n, den: 2n }, 38).powBits).toBe(35);
    expect(codes('  dims: [16, 4, 8]\n  samples: 5\n  grinding: 38')).toEqual([]);
    expect(codes('  dims: [16, 4, 8]\n  samples: 5\n  grinding: 39')[0]).toMatch(/\(8 samples, .* takes 34 bits/);
    // The default target, 100 bits: tau 1e-1 at f 1/2 is 5 samples (8 with the strata), 5.7 bits, so 95 bits of work
    // is past MAX_POW_BITS, the compiler's refusal, not this warning.
    expect(codes('  dims: [16, 4, 8]')).toEqual([]);
  });

  it('warns a row draw whose GRINDING asks for work past the hour', () => {
    const draw = (grinding: number) =>
      `invariant sampled "sampled examples are their sources'":\n  from_sources(step.labels_root, step.x_root, spec.datasets, [Source.curated, Source.synthetic], [64, 64], 6, 8, ${grinding})`;
    // 8 rows: 3.3 bits a draw; 36 asks for 33 bits of work, 37 for 34.
    const quiet = codes('  dims: [16, 4, 8]\n  grinding: 8', draw(36));
    expect(quiet).toEqual([]);
    const warned = codes('  dims: [16, 4, 8]\n  grinding: 8', draw(37));
    expect(warned).toEqual([expect.stringMatching(/^ZP2025:from_sources' draw of 8 rows \(3\.3 bits a draw, 37 asked for\) takes 34 bits/)]);
  });
});
