import { describe, expect, it } from 'vitest';
import { SUPERSEDED_TEXTS } from '../../language/lint/rules/superseded-citation.ts';
import { at, FLOP_POLICY, flopPolicy, reported } from './helpers.ts';

const RULE = 'superseded-citation';
const EO = 'Executive Order 14110';
const EO_STATUS = 'revoked by Executive Order 14148 on 20 January 2025; cite a rule in force, or keep the clause on purpose with a \'zpol-ignore\' saying why';
const NY_STATUS =
  'superseded by L. 2026, ch. 96 (S.8828, signed 27 March 2026), which repealed and replaced General Business Law Article 44-B from 1 January 2027; cite Article 44-B as replaced (std.thresholds NY_RAISE_*), or keep the clause on purpose with a \'zpol-ignore\' saying why';

describe(RULE, () => {
  it("reports a clause through the source of a constant it uses, once per text, at the clause's name", () => {
    const src = flopPolicy('eo', 'Uses a revoked threshold', 'EO_14110_GENERAL_FLOP', 'Below the general threshold');
    expect(reported(src, RULE)).toEqual([`${at(src, 'below "')} invariant 'below' cites ${EO} (in the source of EO_14110_GENERAL_FLOP), ${EO_STATUS}`]);
  });

  it('follows constants defined from others and function bodies, in any file, and reads descriptions and reveal justifications', () => {
    const src = FLOP_POLICY.replace('{EU_AI_ACT_SYSTEMIC_RISK_FLOP}', '{EU_AI_ACT_SYSTEMIC_RISK_FLOP, EO_14110_BIO_FLOP, NY_S6953B_FRONTIER_COST}\nuse std.units.{USD}').concat(
      `const TENTH = EO_14110_BIO_FLOP / 10
fn bio_limit(x: int FLOP): bool = x <= TENTH
invariant through_fn "Through a function": bio_limit(total_flops)
invariant described "At most 10^26 operations (E.O. 14110, sec. 4.2(b)(i))": total_flops <= EU_AI_ACT_SYSTEMIC_RISK_FLOP
output cost: total_flops > 0 FLOP reveal "The RAISE Act as passed (A6453-B) asked for it"
attest both "Both texts": NY_S6953B_FRONTIER_COST > 0 USD and EO_14110_BIO_FLOP > 0 FLOP and spec.params > 0 param
`,
    );
    const ny = 'the New York RAISE Act as passed, S6953-B / A6453-B';
    expect(reported(src, RULE)).toEqual([
      `${at(src, 'through_fn')} invariant 'through_fn' cites ${EO} (in the source of EO_14110_BIO_FLOP), ${EO_STATUS}`,
      `${at(src, 'described')} invariant 'described' cites ${EO} (in its description), ${EO_STATUS}`,
      `${at(src, 'cost:')} output 'cost' cites ${ny} (in its reveal justification), ${NY_STATUS}`,
      `${at(src, 'both')} attest 'both' cites ${EO} (in the source of EO_14110_BIO_FLOP), ${EO_STATUS}`,
      `${at(src, 'both')} attest 'both' cites ${ny} (in the source of NY_S6953B_FRONTIER_COST), ${NY_STATUS}`,
    ]);
  });

  it('accepts texts in force, the amended New York Article, comments, and a clause kept on purpose', () => {
    expect(reported(FLOP_POLICY, RULE)).toEqual([]);
    const ny = flopPolicy('ny', 'Amended RAISE Act', 'NY_RAISE_FRONTIER_FLOP', 'At most 10^26 operations (Sec. 1420 as replaced by ch. 96 of 2026, not S6953)');
    expect(reported(`// Replaces the policy for S6953-B and Executive Order 14110.\n${ny}`, RULE)).toEqual([]);
    const kept = flopPolicy('eo', 'Historical', 'EO_14110_GENERAL_FLOP', 'Below').replace(
      'invariant below',
      '// zpol-ignore superseded-citation, deprecated-threshold: kept for runs that committed to the order\ninvariant below',
    );
    expect(reported(kept, RULE)).toEqual([]);
  });

  it("the table's patterns match the usual spellings of each text and not its successors", () => {
    const matches = (s: string) => SUPERSEDED_TEXTS.filter((t) => t.pattern.test(s)).map((t) => t.status);
    for (const s of ['Executive Order 14110', 'executive order no. 14110', 'EO 14110', 'E.O. 14110']) expect(matches(s), s).toEqual(['revoked']);
    for (const s of ['S6953-B', 'S.6953-B', 'A6453-B', 'S6953B', 'N.Y. S6953-B / A6453-B (RAISE Act) as passed']) expect(matches(s), s).toEqual(['superseded']);
    for (const s of ['Executive Order 14148', 'EO 141100', 'S.8828', 'A.9449', 'L. 2026, ch. 96', 'Regulation (EU) 2024/1689']) expect(matches(s), s).toEqual([]);
  });
});
