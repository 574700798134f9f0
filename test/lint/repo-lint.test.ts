// The repository's own stdlib and policies pass its own lint (#15), every finding pinned: the stdlib has none
// (one-sided-share-bound reads clauses only, so std.data's one-sided helpers share_at_most and share_at_least,
// building blocks by design, are judged where a policy uses them, not where they are defined); the policies have
// exactly the four deprecated-threshold warnings of the historical EO 14110 policy, which keeps the revoked order's
// thresholds on purpose (the rule says why). A new finding, or one gone, fails here: fix it, or pin it with a reason.
import { describe, expect, it } from 'vitest';
import { relative } from 'node:path';
import { lintPaths } from '../../language/lint/run.ts';
import { root } from '../helpers.ts';

const findings = (paths: string[]) =>
  lintPaths(paths).diagnostics.map((d) => `${relative(root, d.file)}:${d.span.start.line}:${d.span.start.column}: ${d.severity} ${d.code}`);

describe('zpol lint on the repository', () => {
  it('stdlib: no finding', () => {
    expect(findings(['stdlib'])).toEqual([]);
  });

  it("policies: only the EO 14110 policy's deprecated thresholds", () => {
    const deprecated = (at: string) => `policies/us_eo14110_sec42.zpol:${at}: warning deprecated-threshold`;
    expect(findings(['policies'])).toEqual([deprecated('46:23'), deprecated('47:32'), deprecated('50:46'), deprecated('50:69')]);
  });
});
