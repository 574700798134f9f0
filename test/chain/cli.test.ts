import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
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
    expect(readdirSync(proofs).sort()).toEqual(['attestation.zproof', 'genesis.zproof', 'step-000001.zproof', 'step-000002.zproof']);
    const again = zpol(['verify', policy, proofs]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/revealed total_compute = \d+ FLOP/);
    // The compiled artifact alone, away from the policy's source, verifies and reports the same, in the same terms.
    const alone = join(mkdtempSync(join(tmpdir(), 'zpol-zcp-')), 'demo.zcp');
    cpSync(join(out, 'demo.zcp'), alone);
    const fromZcp = zpol(['verify', alone, proofs]);
    expect(fromZcp.status).toBe(0);
    expect(fromZcp.stdout).toBe(again.stdout);
    expect(fromZcp.stdout).toMatch(/invariant under_flop_cap \(Cumulative training compute at most 1e12 FLOP\): held after every step, 1\.\.2/);
    // The mixture's sources by name (the registry committed at genesis), with the membership check's assurance.
    expect(fromZcp.stdout).toMatch(/invariant batch_from_sources \(.*\): held after every step, 1\.\.2; at every step, 8 of the 16 rows of step\.x_root, .*: 0 curated \(64 examples\), 1 synthetic \(64 examples\); .*probability 0\.60/);
  });

  it('writes the HTML report, a page that loads in headless Chromium with no console message', () => {
    const page = join(mkdtempSync(join(tmpdir(), 'zpol-html-')), 'report.html');
    const r = zpol(['verify', policy, proofs, '--format', 'html', '--out', page]);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`wrote ${page}`);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('<div class="verdict ok">');
    expect(html).toContain('<pre>invariant under_flop_cap &quot;Cumulative training compute at most 1e12 FLOP&quot;: total_flops &lt;= FLOP_CAP</pre>');
    expect(html).toMatch(/<td><code>total_compute<\/code><\/td><td class="num">\d+<\/td><td>FLOP<\/td>/);
    for (const f of readdirSync(proofs)) expect(html).toContain(`<code>${f}</code>`);
    expect(zpol(['verify', policy, proofs, '--format', 'html']).status).toBe(2); // --out is required

    const chromium = ['chromium', 'chromium-browser'].map((c) => spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim()).find(Boolean);
    if (!chromium) {
      console.warn('SKIPPED: the HTML report in a browser: no chromium on the PATH (.ci/run installs Debian\'s chromium)');
      return;
    }
    // The page declares a content security policy that allows nothing to load, so anything it tried to fetch,
    // and any script error, would be a console message; a planted page shows that such messages are caught.
    const load = (file: string) => {
      const shot = join(dirname(file), 'shot.png');
      const b = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0', '--window-size=1200,1600', `--screenshot=${shot}`, pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
      return { console: b.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)), shot: existsSync(shot) ? readFileSync(shot) : null };
    };
    const shown = load(page);
    expect(shown.console).toEqual([]);
    expect(shown.shot?.subarray(1, 4).toString()).toBe('PNG');
    expect(shown.shot!.length).toBeGreaterThan(20_000);
    const planted = join(mkdtempSync(join(tmpdir(), 'zpol-html-')), 'planted.html');
    writeFileSync(planted, html.replace('</body>', '<img src="http://example.invalid/x.png"></body>'));
    expect(load(planted).console.join('\n')).toMatch(/Content Security Policy/);
  }, 120_000);

  it('a killed prover resumes and ends with the same proofs', () => {
    const before = readFileSync(join(proofs, 'step-000002.zproof'), 'latin1');
    const attestation = readFileSync(join(proofs, 'attestation.zproof'), 'latin1');
    rmSync(join(proofs, 'step-000002.zproof'));
    rmSync(join(proofs, 'attestation.zproof'));
    writeFileSync(join(proofs, '.step-000002.zproof.123.tmp'), 'half a file');
    const r = zpol(['prove', policy, '--run', run, '--out', proofs], undefined, 120_000);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/genesis: already proven, kept/);
    expect(r.stdout).toMatch(/step 2\/2: proven/);
    expect(readFileSync(join(proofs, 'step-000002.zproof'), 'latin1')).toBe(before);
    expect(readFileSync(join(proofs, 'attestation.zproof'), 'latin1')).toBe(attestation);
  }, 120_000);

  it('--follow proves steps as they are recorded and attests when the run finishes', async () => {
    const { compileFile } = await import('../../compiler/index.ts');
    const { followRun } = await import('../../runtime/chain/run-prover.ts');
    const compiled = compileFile(policy);
    if (!compiled.ok) throw new Error('the demo policy does not compile');
    // A copy of the run as it was while step 2 was still training: step 2 not written, run.json not finished.
    const base = mkdtempSync(join(tmpdir(), 'zpol-follow-'));
    const [growing, followed] = [join(base, 'run'), join(base, 'proofs')];
    cpSync(run, growing, { recursive: true });
    cpSync(proofs, followed, { recursive: true });
    const finished = readFileSync(join(growing, 'run.json'), 'utf8');
    const { finished: marker, ...unfinished } = JSON.parse(finished);
    expect(marker).toEqual({ steps: 2 });
    writeFileSync(join(growing, 'run.json'), JSON.stringify(unfinished));
    const later = ['steps/000002.json', 'tensors/000002.safetensors'].map((f) => [join(growing, f), readFileSync(join(growing, f))] as const);
    for (const [f] of later) rmSync(f);
    for (const f of ['step-000002.zproof', 'attestation.zproof']) rmSync(join(followed, f));
    const waits: number[] = [];
    const events: string[] = [];
    const result = await followRun({ ...compiled }, growing, followed, {
      pollMs: 20,
      idleMs: 60_000,
      onProgress: (p) => events.push(`${p.kind} ${p.step} ${p.action}`),
      onWait: (n) => {
        waits.push(n);
        // The recorder writes step 2 (tensors first), then marks the run finished.
        if (n === 1) {
          for (const [f, bytes] of later.slice().reverse()) writeFileSync(f, bytes);
        }
        if (n === 2) writeFileSync(join(growing, 'run.json'), finished);
      },
    });
    expect(result).toEqual({ proved: 2, kept: 2, steps: 2 });
    expect(events).toEqual(['genesis 0 kept', 'step 1 kept', 'step 2 proved', 'attestation 2 proved']);
    expect(waits[0]).toBe(1);
    for (const f of ['step-000002.zproof', 'attestation.zproof']) expect(readFileSync(join(followed, f), 'latin1')).toBe(readFileSync(join(proofs, f), 'latin1'));
  }, 120_000);

  it('a forged chain is rejected: a dropped step, another policy', () => {
    const dropped = join(mkdtempSync(join(tmpdir(), 'zpol-forged-')), 'proofs');
    cpSync(proofs, dropped, { recursive: true });
    rmSync(join(dropped, 'step-000001.zproof'));
    const r = zpol(['verify', policy, dropped]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/step 1 is missing/);
    const other = zpol(['verify', 'policies/data_mixture.zpol', proofs]);
    expect(other.status).toBe(1);
    expect(other.stdout).toMatch(/another policy/);
  }, 60_000);

  it('--steps: a malformed range is bad usage (2), a range beyond the run an error naming its steps (1); nothing proven', () => {
    for (const steps of ['abc', '3', '2..1', '-1..2']) {
      const r = zpol(['prove', policy, '--run', run, '--out', proofs, '--steps', steps]);
      expect(r.status, steps).toBe(2);
      expect(r.stderr).toMatch(/--steps takes a range a\.\.b/);
    }
    const before = readdirSync(proofs).sort();
    const beyond = zpol(['prove', policy, '--run', run, '--out', proofs, '--steps', '2..9']);
    expect(beyond.status).toBe(1);
    expect(beyond.stderr).toMatch(/^zpol: steps 2\.\.9 are not all in the run: \S+ has 2 steps \(1\.\.2\)$/m);
    expect(readdirSync(proofs).sort()).toEqual(before);
  });

  it('--format json: prove, genesis and demo report what they proved and kept; demo its verification too', () => {
    const prove = zpol(['prove', policy, '--run', run, '--out', proofs, '--format', 'json']);
    expect(prove.status).toBe(0);
    const report = JSON.parse(prove.stdout);
    expect(report).toMatchObject({ ok: true, policy, run, out: proofs, steps: 2, proved: 0, kept: 4 });
    // --backend auto: every backend passed over is named with its reason (none when a GPU answers).
    if (report.backend === 'cuda') expect(report.fallbacks).toBeUndefined();
    else expect(report.fallbacks[0]).toMatch(new RegExp(`^cuda: .+; using ${report.backend}$`));
    expect(report.proofs.map((p: { file: string; action: string }) => `${p.file} ${p.action}`)).toEqual([
      'genesis.zproof kept',
      'step-000001.zproof kept',
      'step-000002.zproof kept',
      'attestation.zproof kept',
    ]);
    const genesis = JSON.parse(zpol(['genesis', policy, '--run', run, '--out', proofs, '--format', 'json']).stdout);
    expect(genesis).toMatchObject({ ok: true, kept: 1, proofs: [{ file: 'genesis.zproof', kind: 'genesis', step: 0, action: 'kept' }] });
    const failed = zpol(['prove', policy, '--run', join(out, 'no-such-run'), '--out', proofs, '--format', 'json']);
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(/the run directory is not valid/) });

    const demoJson = zpol(['demo', '--out', out, '--format', 'json'], undefined, 120_000);
    expect(demoJson.status).toBe(0);
    const d = JSON.parse(demoJson.stdout);
    expect(d).toMatchObject({ ok: true, run: { action: 'kept' }, prove: { ok: true, proved: 0, kept: 4 }, verify: { ok: true, steps: 2 } });
    expect(d.verifyCommand).toMatch(/^npx zpol verify \S+demo.zpol \S+proofs$/);
    // Revealed figures: the text as printed, and the exact value with its unit apart.
    expect(d.verify.revealed).toContainEqual({ name: 'total_compute', text: expect.stringMatching(/^\d+ FLOP$/), value: { value: expect.stringMatching(/^\d+$/), unit: 'FLOP' } });
  }, 120_000);

  it('malformed run data: a clear error, no proof lost; a run that breaks a rule cannot be proven', () => {
    const stepFile = join(run, 'steps', '000002.json');
    const original = readFileSync(stepFile, 'utf8');
    const envelope = JSON.parse(original);
    const bad = { ...envelope, record: { ...envelope.record, tokens_by_source: [envelope.record.tokens_by_source[0], -1] } };
    writeFileSync(stepFile, JSON.stringify(bad, null, 2));
    const r = zpol(['prove', policy, '--run', run, '--out', proofs]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/steps\/000002.json: step 2: record\/tokens_by_source\/1/);
    expect(existsSync(join(proofs, 'step-000002.zproof'))).toBe(true);
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
    rmSync(join(proofs, 'step-000002.zproof'));
    const breaks = zpol(['prove', policy, '--run', run, '--out', proofs], undefined, 120_000);
    writeFileSync(stepFile, original);
    writeFileSync(step1, step1Original);
    writeFileSync(runJson, runOriginal);
    expect(breaks.status).toBe(1);
    expect(breaks.stderr).toMatch(/cannot be proven: .*invariant every_token_attributed failed.* at step 2/);
  }, 60_000);
});
