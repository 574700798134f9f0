// The HTML verification report (cli/report-html.ts) from reports the verifier could give, without proving: a
// chain that verifies, and one that does not (a step rejected, a step missing, hostile names and messages). The
// page made from real proofs, and loaded in headless Chromium, is tested in test/chain/cli.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { renderHtmlReport, type HtmlReport } from '../../cli/report-html.ts';
import type { LoadedPolicy } from '../../runtime/policy/artifact.ts';

const compiled = compileFile('policies/demo.zpol');
if (!compiled.ok) throw new Error('the demo policy does not compile');
const policy: LoadedPolicy = compiled;
const dir = mkdtempSync(join(tmpdir(), 'zpol-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const [name, size] of [['genesis.json', 1000], ['step-000001.json', 2048], ['step-000002.json', 3000], ['attestation.json', 5 * 1024 * 1024]] as const) writeFileSync(join(dir, name), 'x'.repeat(size));

const security: HtmlReport['security'] = {
  stark: { conjecturedBits: 102, provenBits: 56 },
  computeChecks: [{ name: 'fc1', samples: 56, drawBits: 20.1, powBits: 16, grindingBits: 36.1, grindingTarget: 36 }],
  rowDraws: [],
  weakest: { what: 'verify fc1 against a grinding prover', bits: 36.1 },
};

const good: HtmlReport = {
  ok: true,
  policy: 'demo',
  policyDigest: 'ab'.repeat(32),
  specCommitment: 'cd'.repeat(32),
  steps: 2,
  proofs: [
    { name: 'attestation.json', kind: 'attestation', step: 2, ok: true },
    { name: 'genesis.json', kind: 'genesis', step: 0, ok: true },
    { name: 'step-000001.json', kind: 'step', step: 1, ok: true },
    { name: 'step-000002.json', kind: 'step', step: 2, ok: true },
  ],
  errors: [],
  claims: [
    'attest is_mlp (The model is a plain multi-layer perceptron): holds for the committed spec',
    'invariant under_flop_cap (Cumulative training compute at most 1e12 FLOP): held after every step, 1..2',
  ],
  revealed: [
    { name: 'spec.arch', text: 'mlp', value: 'mlp' },
    { name: 'total_compute', text: '11136 FLOP', value: { value: '11136', unit: 'FLOP' } },
  ],
  unverified: [],
  security,
  unreadable: [],
};

const page = (report: HtmlReport) =>
  renderHtmlReport({ report, policy, proofsDir: dir, verifyMs: 1234, generatedAt: '2026-12-06T19:00:00.000Z', version: '0.1.0', sourcePath: 'policies/demo.zpol' });

/** Everything in the page that would load something: tags that embed, attributes naming a resource, CSS urls and imports. */
function fetches(html: string): string[] {
  const tags = [...html.matchAll(/<[A-Za-z][^>]*>/g)].map((m) => m[0]);
  const inTags = tags.flatMap((t) => [...t.matchAll(/^<(?:script|link|iframe|object|embed|img|audio|video|source)\b|\s(?:src|href|xlink:href|srcset|action|poster|data)\s*=/gi)].map((m) => `${m[0]} in ${t}`));
  const styles = [...html.matchAll(/<style>([^]*?)<\/style>/g)].flatMap((m) => [...m[1]!.matchAll(/url\([^)]*\)|@import[^;]*/gi)].map((u) => u[0]));
  return [...inTags, ...styles];
}

describe('the HTML verification report', () => {
  // Red team: the artifact may be the lab's, and its clauses name source files by path; only a regular .zpol file
  // is quoted, so a clause pointing at another file of the verifier's machine shows no line of it.
  it('quotes no source line from a file that is not a .zpol policy', () => {
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'SECRET-KEY-MATERIAL\n');
    const clauses = policy.artifact.clauses.map((c, i) => (i === 0 ? { ...c, at: `${secret}:1:1` } : c));
    const hostile = { ...policy, artifact: { ...policy.artifact, clauses } } as LoadedPolicy;
    const html = renderHtmlReport({ report: good, policy: hostile, proofsDir: dir, verifyMs: 1, generatedAt: '2026-12-06T19:00:00.000Z', version: '0.1.0' });
    expect(html).toContain('secret.txt:1:1');
    expect(html).not.toContain('SECRET-KEY-MATERIAL');
  });

  it('shows the verdict, clauses with their results and source lines, the chain, figures with units, checks and sizes', () => {
    const html = page(good);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<div class="verdict ok">The chain verifies: the run complied with the policy.</div>');
    // Every clause of the artifact, with its result: held where the verifier said so.
    for (const c of policy.artifact.clauses) expect(html).toContain(`<td><code>${c.name}</code></td>`);
    expect(html).toMatch(/<code>under_flop_cap<\/code><\/td><td>Cumulative training compute at most 1e12 FLOP<div class="said">held after every step, 1\.\.2<\/div><\/td><td class="ok">held<\/td><td><code>[^<]*demo\.zpol:\d+:1<\/code><pre>invariant under_flop_cap /);
    expect(html).toMatch(/<code>every_token_attributed<\/code><\/td><td>[^<]*<\/td><td class="bad">not shown<\/td>/);
    expect(html).toContain('<td><code>total_compute</code></td><td class="num">11136</td><td>FLOP</td>');
    expect(html).toContain('<td class="num">[16×4]·[4×8]</td><td class="num">512</td><td class="num">56 of 128</td><td class="num">20.1 + 16 = 36.1</td>');
    expect(html).toContain('<td class="num">5.00 MiB</td>');
    expect(html).toContain('verified in 1.2 s');
    // The timeline: four green nodes, in chain order.
    const nodes = [...html.matchAll(/<title>([^<]*)<\/title><circle cx="\d+" cy="\d+" r="15" fill="(#[0-9a-f]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(nodes).toEqual([
      'genesis: genesis.json verifies #1a7f37',
      'step 1: step-000001.json verifies #1a7f37',
      'step 2: step-000002.json verifies #1a7f37',
      'attestation: attestation.json verifies #1a7f37',
    ]);
    expect(fetches(html)).toEqual([]);
  });

  it('reads a claim of a clause without a description', () => {
    const clause = policy.artifact.clauses.find((c) => c.name === 'under_flop_cap')!;
    const bare = { ...policy, artifact: { ...policy.artifact, clauses: [{ ...clause, description: null }] } };
    const html = renderHtmlReport({ report: { ...good, claims: ['invariant under_flop_cap: held after every step, 1..2'] }, policy: bare, proofsDir: dir, verifyMs: 1, generatedAt: '', version: '' });
    expect(html).toMatch(/<code>under_flop_cap<\/code><\/td><td><div class="said">held after every step, 1\.\.2<\/div><\/td><td class="ok">held<\/td>/);
  });

  it('shows a broken chain as one: rejected and missing proofs, no claim held, figures marked not verified', () => {
    const bad: HtmlReport = {
      ...good,
      ok: false,
      specCommitment: null,
      steps: 3,
      proofs: [
        { name: 'genesis.json', kind: 'genesis', step: 0, ok: true },
        { name: 'step-000001.json', kind: 'step', step: 1, ok: false, code: 'ZV109', error: 'stark: the FRI <query> 3 does not open' },
        { name: 'step-000003.json', kind: 'step', step: 3, ok: true },
      ],
      errors: [{ code: 'ZV204', message: 'step 2 is missing' }],
      claims: [],
      revealed: [],
      unverified: [{ name: 'total_compute', text: '99 FLOP', value: { value: '99', unit: 'FLOP' } }],
      unreadable: ['<img src=x onerror=alert(1)>.json: not JSON'],
    };
    const html = page(bad);
    expect(html).toContain('<div class="verdict bad">The chain does NOT verify.</div>');
    expect(html).not.toMatch(/class="ok">held</);
    expect(html).toContain('rejected ZV109: stark: the FRI &lt;query&gt; 3 does not open');
    expect(html).toContain('<li class="bad">chain ZV204: step 2 is missing</li>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;.json');
    expect(html).not.toContain('<img');
    expect(html).toMatch(/<h3>Not verified<\/h3>.*<td><code>total_compute<\/code><\/td><td class="num">99<\/td><td>FLOP<\/td>/s);
    expect(html).toContain('<p>Nothing is revealed.</p>');
    const nodes = [...html.matchAll(/<title>([^<]*)<\/title><circle cx="\d+" cy="\d+" r="15" fill="(#[0-9a-f]+)"/g)].map((m) => `${m[1]!.split(':')[0]} ${m[2]}`);
    expect(nodes).toEqual(['genesis #1a7f37', 'step 1 #cf222e', 'step 2 #8c959f', 'step 3 #1a7f37', 'attestation #8c959f']);
    expect(fetches(html)).toEqual([]);
  });

  // Red team (s31): a value from an earlier chain that was not given must not read as verified.
  it('marks a revealed value whose link was not checked, and says so in the verdict', () => {
    const commitment = 'ef'.repeat(32);
    const why = `comes from spec.disclosed_bound of an earlier chain (spec commitment ${commitment}), which was not given: pass --prior prior_chain=DIR`;
    const linked: HtmlReport = {
      ...good,
      revealed: [{ name: 'spec.prior_bound', text: '100 FLOP', value: { value: '100', unit: 'FLOP' }, notChecked: why }, ...good.revealed],
      links: [{ field: 'prior_bound', at: 'staged.zpol:6:3', chain: 'prior_chain', commitment, name: 'spec.disclosed_bound', status: 'not checked', message: `the earlier chain (spec commitment ${commitment}) was not given` }],
    };
    const html = page(linked);
    expect(html).toContain('<div class="verdict warn">The chain verifies, except 1 unchecked link (spec.prior_bound: pass --prior prior_chain=DIR): the run complied with the policy, if that value is what the earlier chain revealed.</div>');
    expect(html).toContain(`<td><code>spec.prior_bound</code><div class="said bad">not checked: ${why}</div></td><td class="num">100</td><td>FLOP</td>`);
    expect(html).toContain('<td><code>total_compute</code></td><td class="num">11136</td>');
    expect(html).toContain('— verifies, 1 link not checked</title>');
    expect(page({ ...linked, links: [{ ...linked.links![0]!, status: 'matches', message: '= it' }], revealed: good.revealed })).toContain('<div class="verdict ok">');
  });

  it('the resource check finds what would load something', () => {
    expect(fetches('<img src="https://x/y.png"><style>a { background: url(http://x) }</style><link rel=stylesheet href=a.css>')).toHaveLength(5);
    expect(fetches('<p>&lt;img src=x&gt;</p>')).toEqual([]);
  });
});
