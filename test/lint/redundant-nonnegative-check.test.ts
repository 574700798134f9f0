import { describe, expect, it } from 'vitest';
import { at, reported } from './helpers.ts';

const RULE = 'redundant-nonnegative-check';

const COUNTERS = `policy counters version 1 "Counter fixture"

const N = 2

spec {
  budget: int token
}

step {
  tokens: int token
  by_source: [int token; N]
}

state {
  steps: int = 0
  weighted: int = 1
  seen: [int; N] = [0; N]
  tokens: int token = 0 token
  balance: int = 5
}

on step {
  let one = 1
  steps += one
  weighted += 2 * steps + abs(step.tokens / token)
  for i in 0..N {
    seen[i] += i
  }
  tokens += step.tokens
  balance -= 1
}

invariant budget "Within budget": tokens <= spec.budget
`;

describe(RULE, () => {
  it('reports >= 0 and > -1 on counters that only grow by non-negative amounts, written either way round', () => {
    const src = `${COUNTERS}invariant started "Started": steps >= 0
invariant weighted_pos "Weighted": -1 < weighted
invariant seen_pos "Seen": seen[1] >= 0 and len(seen) >= 0
`;
    const counter = (name: string) => `state field '${name}' starts non-negative and 'on step' only adds non-negative amounts to it`;
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'steps >= 0')} 'steps >= 0' always holds: ${counter('steps')}; remove it or compare against the bound you meant`,
      `${at(src, '-1 < weighted')} '-1 < weighted' always holds: ${counter('weighted')}; remove it or compare against the bound you meant`,
      `${at(src, 'seen[1] >= 0')} 'seen[1] >= 0' always holds: 'seen[1]' can never be negative; remove it or compare against the bound you meant`,
      `${at(src, 'len(seen) >= 0')} 'len(seen) >= 0' always holds: 'len(seen)' can never be negative; remove it or compare against the bound you meant`,
    ]);
  });

  it('accepts lower bounds on sums of signed step fields, on decremented counters and real lower bounds', () => {
    const src = `${COUNTERS}invariant tokens_pos "No negative token counts": tokens >= 0 token
invariant balance_pos "Balance": balance >= 0
invariant started "Started": steps >= 1
attest budget_pos "Budget": spec.budget > 0 token
`;
    expect(reported(src, RULE)).toEqual([]);
  });
});
