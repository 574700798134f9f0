import { describe, expect, it } from 'vitest';
import { at, reported } from './helpers.ts';

const RULE = 'one-sided-share-bound';

const MIXTURE = `policy mixture version 1 "Mixture fixture"
use std.data.{share, share_at_most, share_at_least, share_within}

const N = 3
const WEB = 0
const CODE = 1
const SYNTH = 2

step {
  tokens_by_source: [int token; N]
}

state {
  total: int token = 0 token
  by_source: [int token; N] = [0 token; N]
}

on step {
  for i in 0..N {
    by_source[i] += step.tokens_by_source[i]
    total += step.tokens_by_source[i]
  }
}

invariant attributed "Every token has a source": sum(by_source) == total
`;

describe(RULE, () => {
  it('reports a division share with only an upper bound', () => {
    const src = `${MIXTURE}invariant web "Web at most 70%": by_source[WEB] / total < 70%\n`;
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'by_source[WEB] / total <')} the share 'by_source[WEB] / total' has an upper bound but no lower bound in any clause: bound both ends with 'share_within(part, total, LO, HI)' or 'SHARE in [LO, HI]' (use 0% to say the lower end is deliberately open)`,
    ]);
  });

  it('reports std.data share functions bounded on one side, the bound written either way round', () => {
    const src = `${MIXTURE}invariant code "Code at least 5%": share_at_least(by_source[CODE], total, 5%)
invariant synth "Synthetic at most 15%": 15% >= share(by_source[SYNTH], total)
`;
    expect(reported(src, RULE)).toEqual([
      expect.stringMatching(new RegExp(`^${at(src, 'share_at_least(')} the share 'by_source\\[CODE\\] / total' has a lower bound but no upper bound.*use 100%`)),
      expect.stringMatching(new RegExp(`^${at(src, '15% >=')} the share 'by_source\\[SYNTH\\] / total' has an upper bound but no lower bound`)),
    ]);
  });

  it('accepts two-sided bounds: ranges, share_within, and bounds split over clauses, constant indices folded', () => {
    const src = `${MIXTURE}invariant web "Web 20-70%": by_source[WEB] / total in [20%, 70%]
invariant code "Code at most 30%": share_within(by_source[CODE], total, 0%, 30%)
invariant synth_hi "Synthetic at most 15%": share_at_most(by_source[SYNTH], total, 15%)
invariant synth_lo "Synthetic at least 1%": share(by_source[2], total) >= 1%
`;
    expect(reported(src, RULE)).toEqual([]);
  });
});
