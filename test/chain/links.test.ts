// Chains that build on earlier chains (runtime/chain/links.ts): a public spec field declared `from CHAIN.NAME` is
// checked against what the earlier chain revealed, when the verifier is given that chain. Two real zero-step chains
// (genesis and attestation) of test/fixtures/policies/staged.zpol are proven once; the failures are the earlier
// chain's report changed as a lying lab would need it changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { encodeArtifact } from '../../compiler/artifact.ts';
import { num } from '../../language/checker/values.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { verifyChain, type ChainReport } from '../../runtime/chain/verifier.ts';
import { checkLinks, withLinks } from '../../runtime/chain/links.ts';
import { encodeProofFile } from '../../runtime/chain/proof-file.ts';
import { proofFileName } from '../../runtime/chain/run-prover.ts';
import { loadArtifact } from '../../runtime/policy/artifact.ts';
import { digestFromHex } from '../../runtime/run/tensor-commit.ts';
import { zpol } from '../helpers.ts';

const POLICY = 'test/fixtures/policies/staged.zpol';
const compiled = compileFile(POLICY) as Extract<CompileResult, { ok: true }>;
const links = compiled.artifact.links ?? [];

/** A zero-step chain of the staged policy: its report, and the directory its proofs are written to. */
function stage(dir: string, prior: string, priorBound: number, disclosed: number): ChainReport {
  const spec = new Map<string, RunValue>([
    ['prior_chain', { kind: 'digest', words: digestFromHex(prior) }],
    ['prior_bound', num(BigInt(priorBound))],
    ['disclosed_bound', num(BigInt(disclosed))],
  ]);
  const prover = new ChainProver(compiled, new Uint8Array(32).fill(5), spec);
  const g = prover.genesis();
  const files = [
    { name: proofFileName('genesis', 0), proof: g.proof },
    { name: proofFileName('attestation', 0), proof: prover.attestation(0, g.state) },
  ];
  for (const f of files) writeFileSync(join(dir, f.name), encodeProofFile(f.proof));
  return verifyChain(compiled, files);
}

let tmp: string;
let first: ChainReport;
let second: ChainReport;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'zpol-links-'));
  const dir = (d: string) => {
    const p = join(tmp, d);
    mkdirSync(p);
    return p;
  };
  first = stage(dir('first'), '00'.repeat(32), 0, 100);
  second = stage(dir('second'), first.specCommitment!, 100, 300);
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a field from an earlier chain', () => {
  it('compiles into the artifact, and the policy digest covers it', () => {
    expect(links).toEqual([{ field: 'prior_bound', chain: 'prior_chain', name: 'spec.disclosed_bound', at: 'staged.zpol:6:3' }]);
    const bytes = encodeArtifact(compiled.artifact);
    expect(loadArtifact(bytes).artifact.links).toEqual(links);
    // A .zcp edited to link another name is no longer that policy.
    const edited = new TextEncoder().encode(new TextDecoder().decode(bytes).replace('"spec.disclosed_bound"', '"spec.prior_bound"'));
    expect(() => loadArtifact(edited)).toThrow(/policy digest/);
  });

  it('matches what the earlier chain revealed, and is reported not checked when that chain is not given', () => {
    expect(first.ok && second.ok).toBe(true);
    expect(first.specCommitment).toMatch(/^[0-9a-f]{64}$/);
    const linked = withLinks(second, links, new Map([['prior_chain', first]]));
    expect(linked.ok).toBe(true);
    expect(linked.links.map((l) => l.status)).toEqual(['matches']);
    const alone = withLinks(second, links, new Map());
    expect(alone.ok).toBe(true);
    expect(alone.links[0]).toMatchObject({ status: 'not checked', commitment: first.specCommitment });
    // Red team (s31): the linked value must not read as verified in `revealed`: it carries why it is not checked,
    // and the report counts the links left unchecked; a checked link leaves no such flag.
    const bound = (r: typeof alone) => r.revealed.find((v) => v.name === 'spec.prior_bound')!;
    expect(bound(alone).notChecked).toBe(`comes from spec.disclosed_bound of an earlier chain (spec commitment ${first.specCommitment}), which was not given: pass --prior prior_chain=DIR`);
    expect(alone.uncheckedLinks).toBe(1);
    expect(alone.revealed.filter((v) => v.notChecked !== undefined).map((v) => v.name)).toEqual(['spec.prior_bound']);
    expect(bound(linked).notChecked).toBeUndefined();
    expect(linked.uncheckedLinks).toBe(0);
    expect(linked.revealed).toEqual(second.revealed);
  });

  it('fails when the value, the chain or its verdict is not what the field says', () => {
    const fails = (earlier: ChainReport) => {
      const r = withLinks(second, links, new Map([['prior_chain', earlier]]));
      // A broken link breaks the chain: no claim, no figure revealed as verified.
      expect(r.ok).toBe(false);
      expect(r.claims).toEqual([]);
      expect(r.revealed).toEqual([]);
      expect(r.unverified.length).toBeGreaterThan(0);
      return r.errors.map((e) => `${e.code} ${e.message}`).join('\n');
    };
    const revealing = (value: string) => first.revealed.map((v) => (v.name === 'spec.disclosed_bound' ? { ...v, text: `${value} FLOP`, value: { value, unit: 'FLOP' } } : v));
    // The earlier chain disclosed 100 FLOP; a later stage that counts 100 must not pass against one that disclosed 150.
    expect(fails({ ...first, revealed: revealing('150') })).toMatch(/^ZV210 spec\.prior_bound \(staged\.zpol:6:3\): is 100 FLOP, but the earlier chain revealed spec\.disclosed_bound = 150 FLOP/);
    // Same figure, another unit: not the same value.
    expect(fails({ ...first, revealed: first.revealed.map((v) => (v.name === 'spec.disclosed_bound' ? { ...v, value: { value: '100', unit: 'token' } } : v)) })).toMatch(/ZV210/);
    expect(fails({ ...first, revealed: first.revealed.filter((v) => v.name !== 'spec.disclosed_bound') })).toMatch(/ZV210 .*reveals no 'spec\.disclosed_bound'/);
    expect(fails({ ...first, specCommitment: 'ab'.repeat(32) })).toMatch(/ZV209 .*it is another chain/);
    expect(fails({ ...first, ok: false, specCommitment: null })).toMatch(/ZV209 .*does not verify/);
    // The second chain is not the one its own field names.
    expect(fails(second)).toMatch(/ZV209/);
  });

  it('is not checked on a chain that does not verify', () => {
    const broken = { ...second, ok: false };
    expect(checkLinks(links, broken, new Map([['prior_chain', first]])).checks[0]!.status).toBe('not checked');
  });

  it('zpol verify --prior checks it, and says what it did not check', () => {
    const dir = (d: string) => join(tmp, d);
    const linked = zpol(['verify', POLICY, dir('second'), '--prior', `prior_chain=${dir('first')}`]);
    // The earlier policy is named by its digest as well as its name (red team: a same-named policy with weaker claims).
    expect(linked.stdout).toContain(`from an earlier chain: spec.prior_bound = spec.disclosed_bound of the earlier chain (policy staged, digest ${first.policyDigest.slice(0, 16)}…, 0 steps), which verifies`);
    expect(linked.stdout).toContain(`spec commitment: ${second.specCommitment}`);
    expect(linked.status).toBe(0);
    const alone = zpol(['verify', POLICY, dir('second')]);
    expect(alone.stdout).toContain(`not checked: spec.prior_bound comes from spec.disclosed_bound of an earlier chain: the earlier chain (spec commitment ${first.specCommitment}) was not given (give its proofs with --prior prior_chain=DIR)`);
    expect(alone.stdout).toContain(`revealed spec.prior_bound = 100 FLOP (not checked: comes from spec.disclosed_bound of an earlier chain (spec commitment ${first.specCommitment}), which was not given: pass --prior prior_chain=DIR)`);
    expect(alone.stdout).toMatch(/verdict: the chain verifies, except 1 unchecked link \(spec\.prior_bound: pass --prior prior_chain=DIR\)/);
    expect(linked.stdout).toMatch(/verdict: the chain verifies: the run complied with the policy$/m);
    expect(alone.status).toBe(0);
    const json = JSON.parse(zpol(['verify', POLICY, dir('second'), '--format', 'json']).stdout);
    expect(json).toMatchObject({ ok: true, uncheckedLinks: 1 });
    expect(json.revealed.find((v: { name: string }) => v.name === 'spec.prior_bound').notChecked).toMatch(/^comes from spec\.disclosed_bound .* not given/);
    const wrong = zpol(['verify', POLICY, dir('second'), '--prior', `prior_chain=${dir('second')}`, '--format', 'json']);
    expect(wrong.status).toBe(1);
    expect(JSON.parse(wrong.stdout).errors[0].code).toBe('ZV209');
    const usage = zpol(['verify', POLICY, dir('second'), '--prior', `prior=${dir('first')}`]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--prior prior=…: no public spec field of staged comes from a chain named by 'prior' \(fields name: prior_chain\)/);
  }, 120_000);
});
