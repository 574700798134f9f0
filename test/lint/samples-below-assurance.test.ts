import { describe, expect, it } from 'vitest';
import { at, reported } from './helpers.ts';

const RULE = 'samples-below-assurance';

const check = (settings: string) => `policy sampled version 1 "Sampled fixture"

spec {
  m: int
  k: int
  n: int
}

step {
  x_root: digest
  w_root: digest
  h_root: digest
}

verify fc1 "First layer" {
  a: step.x_root
  b: step.w_root
  c: step.h_root
  dims: [spec.m, spec.k, spec.n]
  order: sequential
  rounding: bf16
${settings}
}
`;

describe(RULE, () => {
  it('reports samples below ceil(ln(1/tau) / f)', () => {
    const src = check('  tau: 1e-20\n  f: 1%\n  samples: 1000\n  grinding: 60');
    expect(reported(src, RULE)).toEqual([
      `${at(src, '1000')} verify 'fc1' samples 1000 entries, but tau = 1e-20 at f = 1% needs at least 4606 (k >= ln(1/tau) / f): ` +
        `with 1000 the miss probability the check guarantees, e^(-f k), is 4.540e-5, above tau. Remove 'samples', raise it, or state the tau it really reaches`,
    ]);
    // One short of the bound: 4,605 < ln(1e20) / 0.01 = 4,605.17.
    expect(reported(check('  tau: 1e-20\n  f: 1%\n  samples: 4605'), RULE)).toEqual([expect.stringMatching(/needs at least 4606 .* is 1\.002e-20, above tau/)]);
  });

  it('reports a check that cannot reach its security against a grinding prover, with the figure it can reach', () => {
    // 56 samples at f = 25%: 20.1 bits a draw; 100 bits would need 80 bits of proof of work.
    const src = check('  tau: 1e-6\n  f: 25%');
    expect(reported(src, RULE)).toEqual([
      `${at(src, '1e-6')} verify 'fc1' cannot reach 100 bits against a grinding prover: 56 samples give 20.1 bits a draw, and the rest ` +
        `would take 80 bits of proof of work, more than 60. Sample more (a smaller tau), or declare the figure it can reach ('grinding: 80' at most)`,
    ]);
    const declared = check('  tau: 1e-6\n  f: 25%\n  grinding: 81');
    expect(reported(declared, RULE)).toEqual([expect.stringMatching(new RegExp(`^${at(declared, '81').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} verify 'fc1' cannot reach 81 bits`))]);
    // The declared figure it can reach, and a tau small enough for the default.
    expect(reported(check('  tau: 1e-6\n  f: 25%\n  grinding: 80'), RULE)).toEqual([]);
    expect(reported(check('  tau: 1e-6\n  f: 25%\n  grinding: 36'), RULE)).toEqual([]);
    expect(reported(check('  tau: 1e-12\n  f: 25%'), RULE)).toEqual([]);
  });

  it('handles a tau too small for a double', () => {
    const src = check('  tau: 1e-400\n  f: 50%\n  samples: 1000');
    expect(reported(src, RULE)).toEqual([expect.stringMatching(/needs at least 1843 /)]);
  });

  it('accepts samples at or above the requirement, and checks without samples', () => {
    expect(reported(check('  tau: 1e-20\n  f: 1%\n  samples: 4606'), RULE)).toEqual([]);
    expect(reported(check('  tau: 1e-6\n  f: 10%\n  samples: 10000'), RULE)).toEqual([]);
    expect(reported(check('  tau: 1e-20\n  f: 1%'), RULE)).toEqual([]);
  });
});
