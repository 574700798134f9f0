import type * as A from '../../ast.ts';
import type { FileChecker } from '../../checker/check-file.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { forEachExpr } from '../util.ts';

/** A legal text that no longer has force, as the linter recognises a citation of it. */
export interface TextStatus {
  /** How the text is named in messages. */
  readonly text: string;
  /** Matches a citation of the text in a description, a `reveal` justification or a constant's `source`. */
  readonly pattern: RegExp;
  readonly status: 'revoked' | 'repealed' | 'superseded';
  /** What revoked, repealed or replaced it, and from when. */
  readonly by: string;
  /** What to cite instead, for the message. */
  readonly instead: string;
}

/**
 * The texts the rule knows to be out of force, each with its status. Add a row when a text a policy may cite is
 * revoked, repealed or replaced; docs/policies.md records when each was last checked.
 */
export const SUPERSEDED_TEXTS: readonly TextStatus[] = [
  {
    text: 'Executive Order 14110',
    pattern: /\b(?:Executive\s+Order|E\.?\s?O\.?)\s*(?:No\.\s*)?14110\b/i,
    status: 'revoked',
    by: 'by Executive Order 14148 on 20 January 2025',
    instead: 'a rule in force',
  },
  {
    text: 'the New York RAISE Act as passed, S6953-B / A6453-B',
    pattern: /\b[SA]\.?\s?(?:6953|6453)-?B\b/i,
    status: 'superseded',
    by: 'by L. 2026, ch. 96 (S.8828, signed 27 March 2026), which repealed and replaced General Business Law Article 44-B from 1 January 2027',
    instead: 'Article 44-B as replaced (std.thresholds NY_RAISE_*)',
  },
];

export default defineRule({
  id: 'superseded-citation',
  category: 'regulatory',
  severity: 'warning',
  summary: 'a clause cites a legal text that has been revoked, repealed or superseded',
  docs: `
A policy proves compliance with the text it cites. When that text is revoked or replaced, the proof still
verifies, but it shows compliance with a rule that no longer applies, or no longer in those terms: the New York
RAISE Act as passed turned on a compute cost; the Article that replaced it does not. \`deprecated-threshold\` reports
the constants someone marked \`deprecated\`; this rule reads what each clause cites, so a stale citation is found even
where nobody marked a constant.

**What it reports.** Each \`attest\`, \`invariant\`, \`output\` and \`verify\` clause that cites a text of the table
below, once per text, at the clause's name. A clause cites what its description and its \`reveal\` justification
name, and what the \`source\` of every constant it uses names: constants used directly, in the definitions of the
constants it uses, and in the bodies of the functions it calls, in any file. The message says where the citation
was found and what replaced the text.

${SUPERSEDED_TEXTS.map((t) => `- ${t.text}: ${t.status} ${t.by}.`).join('\n')}

Policies kept on purpose for runs that committed to an old text (\`policies/us_eo14110_sec42.zpol\`,
\`policies/ny_raise_act_s6953b.zpol\`) keep these warnings; a clause can silence one with
\`// zpol-ignore superseded-citation: REASON\`.

**Bad**

\`\`\`
use std.thresholds.{NY_S6953B_FRONTIER_COST}
invariant cost_capped "Compute cost at most $100M (S6953-B, Sec. 1420(6)(a))": total_cost <= NY_S6953B_FRONTIER_COST
\`\`\`

**Good**

\`\`\`
use std.thresholds.{NY_RAISE_FRONTIER_FLOP}
invariant not_frontier "At most 10^26 operations (Sec. 1420 as replaced by ch. 96 of 2026)": total_flops <= NY_RAISE_FRONTIER_FLOP
\`\`\`
`,
  check(ctx) {
    for (const decl of ctx.ast.decls) {
      if (decl.kind !== 'ClauseDecl' && decl.kind !== 'VerifyDecl') continue;
      const found = new Map<TextStatus, string>();
      const note = (text: string | undefined, where: string) => {
        if (!text) return;
        for (const t of SUPERSEDED_TEXTS) if (!found.has(t) && t.pattern.test(text)) found.set(t, where);
      };
      note(decl.description?.value, 'its description');
      if (decl.kind === 'ClauseDecl') {
        note(decl.reveal?.value, 'its reveal justification');
        citedSources(ctx, ctx.checker, decl.value, note);
      } else {
        for (const s of decl.settings) citedSources(ctx, ctx.checker, s.value, note);
      }
      const kind = decl.kind === 'ClauseDecl' ? decl.clause : 'verify';
      for (const [t, where] of found) {
        ctx.report(decl.name, `${kind} '${decl.name.name}' cites ${t.text} (in ${where}), ${t.status} ${t.by}; cite ${t.instead}, or keep the clause on purpose with a 'zpol-ignore' saying why`);
      }
    }
  },
});

/**
 * Calls `note` with the `source` of every constant `root` uses: directly, through the definitions of constants and
 * through the bodies of functions, following each name into the file that declares it.
 */
function citedSources(ctx: RuleContext, checker: FileChecker, root: A.Node, note: (text: string | undefined, where: string) => void, seen = new Set<A.Node>()): void {
  forEachExpr(root, (e) => {
    if (e.kind !== 'NameRef' && e.kind !== 'CallExpr') return;
    const sym = checker.resolved.get(e.kind === 'NameRef' ? e.name : e.callee);
    if (sym?.kind !== 'const' && sym?.kind !== 'fn') return;
    if (seen.has(sym.decl)) return;
    seen.add(sym.decl);
    const owner = ctx.checkerFor(sym.owner) ?? checker;
    if (sym.kind === 'const') {
      note(sym.decl.source?.value, `the source of ${sym.decl.name.name}`);
      citedSources(ctx, owner, sym.decl.value, note, seen);
    } else {
      citedSources(ctx, owner, sym.decl.body, note, seen);
    }
  });
}
