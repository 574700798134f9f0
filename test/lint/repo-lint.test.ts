// The repository's own stdlib and policies pass its own lint (#15), every finding pinned: the stdlib has none
// (one-sided-share-bound reads clauses only, so std.data's one-sided helpers share_at_most and share_at_least,
// building blocks by design, are judged where a policy uses them, not where they are defined); the policies have
// exactly the warnings of the two policies kept for runs that committed to a text no longer in force: the historical
// EO 14110 policy (four uses of the revoked order's thresholds, deprecated-threshold; two clauses citing the order,
// superseded-citation) and the New York RAISE Act as passed (three uses of the superseded S6953-B thresholds; its two
// prongs citing the text). Both keep them on purpose (the rules say why). The demo's and tiny_gpt's per-source splits
// are bound to their committed labels (split_is_labels), and their token counts to the batch (tokens_are_batch), so
// unbound-claim-field finds nothing. A new finding, or one gone, fails here: fix it, or pin it with a reason.
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

  it('policies: only the superseded texts of the EO 14110 and the as-passed RAISE Act policies', () => {
    const at = (file: string, rule: string) => (pos: string) => `policies/${file}.zpol:${pos}: warning ${rule}`;
    const [ny, nyCites] = [at('ny_raise_act_s6953b', 'deprecated-threshold'), at('ny_raise_act_s6953b', 'superseded-citation')];
    const [eo, eoCites] = [at('us_eo14110_sec42', 'deprecated-threshold'), at('us_eo14110_sec42', 'superseded-citation')];
    expect(findings(['policies'])).toEqual([
      nyCites('117:11'),
      ny('118:18'),
      ny('120:10'),
      nyCites('121:11'),
      ny('124:10'),
      eoCites('121:8'),
      eo('123:7'),
      eo('124:32'),
      eoCites('128:11'),
      eo('131:56'),
      eo('131:83'),
    ]);
  });
});
