import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { zpol } from '../helpers.ts';

describe('zpol demo, prove and verify', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'zpol-demo-')), 'demo');
  let demo: ReturnType<typeof zpol>;
  beforeAll(() => {
    demo = zpol(['demo', '--out', out, '--steps', '2'], undefined, 300_000);
  }, 300_000);
  const policy = join(out, 'demo.zpol');
  const proofs = join(out, 'proofs');
  const run = join(out, 'run');

  it('runs the whole chain; its last line verifies the proofs again', () => {
    expect(demo.stderr).toBe('');
    expect(demo.status).toBe(0);
    const lines = demo.stdout.trim().split('\n');
    expect(lines.at(-2)).toMatch(/verdict: the chain verifies/);
    expect(lines.at(-1)).toMatch(/^npx zpol verify \S+demo.zpol \S+proofs$/);
    expect(readdirSync(proofs).sort()).toEqual(['attestation.json', 'genesis.json', 'step-000001.json', 'step-000002.json']);
    const again = zpol(['verify', policy, proofs]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/revealed total_compute = \d+ FLOP/);
  });

  it('a killed prover resumes and ends with the same proofs', () => {
    const before = readFileSync(join(proofs, 'step-000002.json'), 'utf8');
    const attestation = readFileSync(join(proofs, 'attestation.json'), 'utf8');
    rmSync(join(proofs, 'step-000002.json'));
    rmSync(join(proofs, 'attestation.json'));
    writeFileSync(join(proofs, '.step-000002.json.123.tmp'), 'half a file');
    const r = zpol(['prove', policy, '--run', run, '--out', proofs], undefined, 120_000);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/genesis: already proven, kept/);
    expect(r.stdout).toMatch(/step 2\/2: proven/);
    expect(readFileSync(join(proofs, 'step-000002.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(proofs, 'attestation.json'), 'utf8')).toBe(attestation);
  }, 120_000);

  it('a forged chain is rejected: a dropped step, another policy', () => {
    const dropped = join(mkdtempSync(join(tmpdir(), 'zpol-forged-')), 'proofs');
    cpSync(proofs, dropped, { recursive: true });
    rmSync(join(dropped, 'step-000001.json'));
    const r = zpol(['verify', policy, dropped]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/step 1 is missing/);
    const other = zpol(['verify', 'policies/data_mixture.zpol', proofs]);
    expect(other.status).toBe(1);
    expect(other.stdout).toMatch(/another policy/);
  }, 60_000);

  it('malformed run data: a clear error, no proof lost; a run that breaks a rule cannot be proven', () => {
    const stepFile = join(run, 'steps', '000002.json');
    const original = readFileSync(stepFile, 'utf8');
    const envelope = JSON.parse(original);
    const bad = { ...envelope, record: { ...envelope.record, tokens_by_source: [envelope.record.tokens_by_source[0], -1] } };
    writeFileSync(stepFile, JSON.stringify(bad, null, 2));
    const r = zpol(['prove', policy, '--run', run, '--out', proofs]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/steps\/000002.json: step 2: record\/tokens_by_source\/1/);
    expect(existsSync(join(proofs, 'step-000002.json'))).toBe(true);
    // An edited record no longer matches the anchor's signed observation.
    const all = envelope.record.tokens;
    writeFileSync(stepFile, JSON.stringify({ ...envelope, record: { ...envelope.record, tokens_by_source: [all, 0] } }, null, 2));
    const unsigned = zpol(['prove', policy, '--run', run, '--out', proofs]);
    expect(unsigned.status).toBe(1);
    expect(unsigned.stderr).toMatch(/steps\/000002.json: step 2: observation\/digest/);
    // Without an anchor, a record that attributes one token too many passes validation but cannot be proven.
    const runJson = join(run, 'run.json');
    const runOriginal = readFileSync(runJson, 'utf8');
    const { anchor: _anchor, ...unanchored } = JSON.parse(runOriginal);
    writeFileSync(runJson, JSON.stringify(unanchored, null, 2));
    const step1 = join(run, 'steps', '000001.json');
    const step1Original = readFileSync(step1, 'utf8');
    const { observation: _o1, ...s1 } = JSON.parse(step1Original);
    writeFileSync(step1, JSON.stringify(s1, null, 2));
    const { observation: _o2, ...s2 } = envelope;
    writeFileSync(stepFile, JSON.stringify({ ...s2, record: { ...envelope.record, tokens_by_source: [all, 1] } }, null, 2));
    rmSync(join(proofs, 'step-000002.json'));
    const breaks = zpol(['prove', policy, '--run', run, '--out', proofs], undefined, 120_000);
    writeFileSync(stepFile, original);
    writeFileSync(step1, step1Original);
    writeFileSync(runJson, runOriginal);
    expect(breaks.status).toBe(1);
    expect(breaks.stderr).toMatch(/cannot be proven: .*invariant every_token_attributed failed.* at step 2/);
  }, 60_000);
});
