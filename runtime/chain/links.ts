/**
 * Links between chains. Training happens in stages (pre-training, then fine-tuning, each proven as its own chain),
 * and a later stage's policy may count what an earlier one proved: `public prior_bound: int FLOP from
 * prior_chain.spec.disclosed_bound` says that the public spec field `prior_bound` holds what the chain whose spec
 * commitment is the public digest field `prior_chain` revealed as `spec.disclosed_bound`. The proofs of this chain
 * cannot check that (they know nothing of the other chain), so its verifier does, when given the earlier chain:
 *
 *   1. the earlier chain verifies, against the policy it was proven under;
 *   2. its spec commitment is the value of `prior_chain` (ZV209 otherwise: another chain);
 *   3. it reveals `spec.disclosed_bound`, and that value, type and unit included, is `prior_bound`'s (ZV210).
 *
 * A link whose earlier chain is not given is reported as not checked, naming the commitment to look for; the
 * chain's own verdict does not depend on it, since the chain's claims are what its proofs show.
 */
import type { SpecLink } from '../policy/artifact.ts';
import type { VerifyProblem } from './codes.ts';
import type { ChainReport, RevealedValue } from './verifier.ts';

export interface LinkCheck {
  /** The public spec field that comes from an earlier chain, and where it is declared. */
  readonly field: string;
  readonly at: string;
  /** The digest field holding the earlier chain's spec commitment, and its value in this chain (null if unread). */
  readonly chain: string;
  readonly commitment: string | null;
  /** What the earlier chain reveals that the field must hold. */
  readonly name: string;
  readonly status: 'matches' | 'not checked' | 'fails';
  readonly message: string;
}

const SAME = (a: RevealedValue['value'], b: RevealedValue['value']) => a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks this chain's links against the earlier chains given, by the name of the digest field that holds each one's
 * spec commitment. `report` must be this chain's verified report (its revealed values are read); links of a chain
 * that does not verify are not checked.
 */
export function checkLinks(links: readonly SpecLink[], report: ChainReport, earlier: ReadonlyMap<string, ChainReport>): { checks: LinkCheck[]; errors: VerifyProblem[] } {
  const checks: LinkCheck[] = [];
  const errors: VerifyProblem[] = [];
  const value = (name: string) => report.revealed.find((v) => v.name === name);
  for (const l of links) {
    const commitment = value(`spec.${l.chain}`)?.value;
    const base = { field: l.field, at: l.at, chain: l.chain, commitment: typeof commitment === 'string' ? commitment : null, name: l.name };
    const prior = earlier.get(l.chain);
    if (!report.ok) {
      checks.push({ ...base, status: 'not checked', message: 'this chain does not verify' });
      continue;
    }
    if (!prior) {
      checks.push({ ...base, status: 'not checked', message: `the earlier chain (spec commitment ${base.commitment ?? '?'}) was not given` });
      continue;
    }
    const fail = (code: VerifyProblem['code'], message: string) => {
      checks.push({ ...base, status: 'fails', message });
      errors.push({ code, message: `spec.${l.field} (${l.at}): ${message}` });
    };
    if (!prior.ok) {
      fail('ZV209', `the earlier chain given for ${l.chain} does not verify (policy ${prior.policy})`);
      continue;
    }
    if (prior.specCommitment === null || prior.specCommitment !== base.commitment) {
      fail('ZV209', `the earlier chain given has spec commitment ${prior.specCommitment ?? '?'}, but spec.${l.chain} is ${base.commitment ?? '?'}: it is another chain`);
      continue;
    }
    const theirs = prior.revealed.find((v) => v.name === l.name);
    const ours = value(`spec.${l.field}`);
    if (!theirs) {
      fail('ZV210', `the earlier chain (policy ${prior.policy}) reveals no '${l.name}'${prior.revealed.length > 0 ? `; it reveals ${prior.revealed.map((v) => v.name).join(', ')}` : ''}`);
      continue;
    }
    if (!ours || !SAME(ours.value, theirs.value)) {
      fail('ZV210', `is ${ours?.text ?? '?'}, but the earlier chain revealed ${l.name} = ${theirs.text}`);
      continue;
    }
    // The earlier policy by its digest too: the verifier chose it (--prior-policy), and a policy of the same name
    // with weaker claims would otherwise read the same here.
    checks.push({ ...base, status: 'matches', message: `= ${l.name} of the earlier chain (policy ${prior.policy}, digest ${prior.policyDigest.slice(0, 16)}…, ${prior.steps} steps), which verifies` });
  }
  return { checks, errors };
}


/**
 * This chain's report with its links checked: a link that fails fails the chain (its claims rest on the value the
 * earlier chain was to supply), so the claims go and its figures move under `unverified`, as for any broken chain.
 * A link not checked leaves the verdict as this chain's proofs give it (`ok`), but the revealed value that rests on
 * it carries `notChecked`, and `uncheckedLinks` counts such links, so that no reader takes it for a checked one.
 */
export function withLinks<R extends ChainReport>(report: R, links: readonly SpecLink[], earlier: ReadonlyMap<string, ChainReport>): R & { readonly links: readonly LinkCheck[]; readonly uncheckedLinks: number } {
  const { checks, errors } = checkLinks(links, report, earlier);
  const uncheckedLinks = checks.filter((c) => c.status === 'not checked').length;
  if (errors.length > 0) {
    return { ...report, ok: false, errors: [...report.errors, ...errors], claims: [], revealed: [], unverified: report.revealed, specCommitment: null, links: checks, uncheckedLinks };
  }
  const why = new Map(
    checks
      .filter((c) => c.status === 'not checked')
      .map((c) => [`spec.${c.field}`, `comes from ${c.name} of an earlier chain (spec commitment ${c.commitment ?? '?'}), which was not given: ${priorHint(c)}`]),
  );
  const revealed = report.revealed.map((v) => (why.has(v.name) ? { ...v, notChecked: why.get(v.name)! } : v));
  return { ...report, revealed, links: checks, uncheckedLinks };
}

/** What to pass `zpol verify` to check a link. */
export function priorHint(link: Pick<LinkCheck, 'chain'>): string {
  return `pass --prior ${link.chain}=DIR`;
}

/**
 * The verdict of a report with links, in words: a chain that verifies with links not checked says so, naming each
 * value and what to pass, e.g. `the chain verifies, except 1 unchecked link (spec.prior_bound: pass --prior
 * prior_chain=DIR)`. Null where nothing is left unchecked or the chain does not verify (its verdict says that).
 */
export function uncheckedVerdict(report: Pick<ChainReport, 'ok'> & { links?: readonly LinkCheck[] }): string | null {
  const open = report.ok ? (report.links ?? []).filter((l) => l.status === 'not checked') : [];
  if (open.length === 0) return null;
  const which = open.map((l) => `spec.${l.field}: ${priorHint(l)}`).join('; ');
  return `the chain verifies, except ${open.length} unchecked link${open.length === 1 ? '' : 's'} (${which}): the run complied with the policy, if ${open.length === 1 ? 'that value is' : 'those values are'} what the earlier chain revealed`;
}
