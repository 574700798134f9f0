// `zpol lint` end to end (spawned as users run it): output formats, fail levels, configuration files and inline
// ignores. Rule behaviour itself is tested per rule in test/lint/.
//
// test/fixtures/sarif-schema-2.1.0.json is the official OASIS SARIF 2.1.0 schema (errata 01, OASIS Standard),
// copied unchanged from github.com/oasis-tcs/sarif-spec, file sarif-2.1/schema/sarif-schema-2.1.0.json at commit
// e0583813964ec43cea53b6b531b402866095ed1f (last changed by a560296c, 2 May 2024); its "id" is
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json. It is written for
// JSON Schema draft-04. Ajv 8 implements draft-07, whose keywords mean the same for everything this schema
// uses (no draft-04 boolean exclusiveMinimum/Maximum occurs) except the schema id, spelt "id" in draft-04 and
// "$id" in draft-07: the test renames that one keyword and drops "$schema" before compiling.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeGithubData, escapeGithubProperty, toGithubCommands } from '../language/lint/formats.ts';
import { RULES } from '../language/lint/rules/index.ts';
import { root, zpol } from './helpers.ts';
import { flopPolicy } from './lint/helpers.ts';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

const scratch = mkdtempSync(join(tmpdir(), 'zpol-lint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
/** A fresh directory under the scratch one, with the given files. */
function project(files: Record<string, string>): string {
  const dir = join(scratch, `p${dirs++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const EO_POLICY = flopPolicy('eo', 'Uses a revoked threshold', 'EO_14110_GENERAL_FLOP', 'Below EO 14110 sec. 4.2(b)(i)');

const sarifValidator = (() => {
  const { id, $schema: _draft04, ...schema } = JSON.parse(readFileSync(join(root, 'test/fixtures/sarif-schema-2.1.0.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s) && URL.canParse(s, 'file:///base/'));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)));
  return ajv.compile({ $id: id, ...schema });
})();

it('the SARIF validator rejects what the schema forbids', () => {
  const run = { tool: { driver: { name: 'zpol' } }, results: [{ message: { text: 'x' }, level: 'error' }] };
  expect(sarifValidator({ version: '2.1.0', runs: [run] })).toBe(true);
  expect(sarifValidator({ version: '2.1.0', runs: [{ ...run, results: [{ message: { text: 'x' }, level: 'fatal' }] }] })).toBe(false);
  expect(sarifValidator({ version: '2.1.0', runs: [{ ...run, columnKind: 'bytes' }] })).toBe(false);
  const region = { startColumn: 3 }; // the errata schema requires startLine, charOffset or byteOffset
  const located = { message: { text: 'x' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a.zpol' }, region } }] };
  expect(sarifValidator({ version: '2.1.0', runs: [{ ...run, results: [located] }] })).toBe(false);
});

function expectValidSarif(log: unknown): void {
  const ok = sarifValidator(log);
  expect(ok ? [] : sarifValidator.errors).toEqual([]);
}

describe('zpol lint on the bundled policies', () => {
  it('exits 0 at --fail-level error (warnings allowed)', () => {
    const { status, stdout, stderr } = zpol(['lint', 'policies', '--fail-level', 'error']);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^linted \d+ files: 0 errors, \d+ warnings?$/m);
    expect(status).toBe(0);
  });

  it('exits 1 at --fail-level warning: the EO 14110 policy uses revoked thresholds', () => {
    const { status, stdout } = zpol(['lint', 'policies', '--fail-level', 'warning']);
    expect(stdout).toMatch(/us_eo14110_sec42\.zpol:\d+:\d+: warning deprecated-threshold: 'EO_14110_GENERAL_FLOP' is deprecated/);
    expect(status).toBe(1);
  });

  it('prints json in the shape of zpol check --format json', () => {
    const { status, stdout } = zpol(['lint', 'policies', '--format', 'json']);
    expect(status).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.files).toContain('policies/us_eo14110_sec42.zpol');
    expect(json.errors).toBe(0);
    expect(json.warnings).toBe(json.diagnostics.length);
    expect(json.diagnostics).toContainEqual(
      expect.objectContaining({ file: 'policies/us_eo14110_sec42.zpol', severity: 'warning', code: 'deprecated-threshold' }),
    );
  });

  it('prints a SARIF 2.1.0 log that validates against the OASIS schema', () => {
    const { status, stdout } = zpol(['lint', 'policies', '--format', 'sarif']);
    expect(status).toBe(0);
    const log = JSON.parse(stdout);
    expectValidSarif(log);
    const run = log.runs[0];
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'zpol', version: pkg.version });
    const rules = run.tool.driver.rules as { id: string; shortDescription: { text: string }; help: { markdown: string }; defaultConfiguration: { level: string } }[];
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const [i, rule] of RULES.entries()) {
      expect(rules[i].defaultConfiguration.level).toBe(rule.severity);
      expect(rules[i].help.markdown).toBe(rule.docs.trim());
      expect(rules[i].shortDescription.text.length).toBeGreaterThan(10);
    }
    const json = JSON.parse(zpol(['lint', 'policies', '--format', 'json']).stdout);
    expect(run.results).toHaveLength(json.diagnostics.length);
    const first = json.diagnostics[0];
    expect(run.results[0]).toEqual({
      ruleId: first.code,
      ruleIndex: rules.findIndex((r) => r.id === first.code),
      level: first.severity,
      message: { text: first.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: first.file, uriBaseId: '%SRCROOT%' },
            region: { startLine: first.line, startColumn: first.column, endLine: first.endLine, endColumn: first.endColumn },
          },
        },
      ],
    });
  });

  it('prints GitHub workflow commands, one per diagnostic', () => {
    const { status, stdout } = zpol(['lint', 'policies', '--format', 'github']);
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^::(error|warning) file=policies\/[\w.]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[a-zA-Z0-9-]+::\S/);
    }
    expect(stdout).toContain(',title=deprecated-threshold::');
  });
});

describe('zpol lint with checker diagnostics', () => {
  const dir = project({
    'broken.zpol': 'policy broken version 1 "Broken"\ninvariant i "I": UNKNOWN > 0\n',
    'eo.zpol': EO_POLICY,
  });

  it('reports checker errors as they are, does not lint that file, and exits 1', () => {
    const { status, stdout } = zpol(['lint', '.'], dir);
    expect(stdout).toMatch(/^broken\.zpol:2:18: error ZP2001: unknown name 'UNKNOWN'$/m);
    expect(stdout).not.toMatch(/^broken\.zpol:.*clause-needs|broken\.zpol:.* warning /m);
    expect(stdout).toMatch(/^eo\.zpol:\d+:\d+: warning deprecated-threshold/m);
    expect(status).toBe(1);
  });

  it('includes checker diagnostics in SARIF, with a rule entry for their code', () => {
    const { status, stdout } = zpol(['lint', '.', '--format', 'sarif'], dir);
    expect(status).toBe(1);
    const log = JSON.parse(stdout);
    expectValidSarif(log);
    const run = log.runs[0];
    const zp = run.results.find((r: { ruleId: string }) => r.ruleId === 'ZP2001');
    expect(zp).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'broken.zpol', uriBaseId: '%SRCROOT%' } } }] });
    expect(run.tool.driver.rules[zp.ruleIndex]).toMatchObject({ id: 'ZP2001', shortDescription: { text: 'Unknown name.' } });
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toMatch(/^file:\/\/.*\/$/);
  });

  it('uses absolute file URIs for files outside the working directory', () => {
    const log = JSON.parse(zpol(['lint', join(dir, 'eo.zpol'), '--format', 'sarif']).stdout);
    expectValidSarif(log);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: expect.stringMatching(/^file:\/\/\/.*\/eo\.zpol$/) });
  });
});

describe('zpol lint configuration', () => {
  it('finds zpol.lint.json in a parent directory and applies its severities', () => {
    const dir = project({ 'zpol.lint.json': '{ "rules": { "deprecated-threshold": "error" } }', 'sub/eo.zpol': EO_POLICY });
    const { status, stdout } = zpol(['lint', 'sub'], dir);
    expect(stdout).toMatch(/error deprecated-threshold/);
    expect(status).toBe(1);
  });

  it('turns a rule off, also from .zpollintrc.json', () => {
    const dir = project({ '.zpollintrc.json': '{ "rules": { "deprecated-threshold": "off", "superseded-citation": "off" } }', 'eo.zpol': EO_POLICY });
    const { status, stdout } = zpol(['lint', 'eo.zpol', '--fail-level', 'warning'], dir);
    expect(stdout).toBe('linted 1 file: 0 errors, 0 warnings\n');
    expect(status).toBe(0);
  });

  it('uses --config for every file instead of the nearest file', () => {
    const dir = project({
      'zpol.lint.json': '{ "rules": { "deprecated-threshold": "off" } }',
      'ci.json': '{ "$schema": "./x.json", "rules": { "deprecated-threshold": "error" } }',
      'eo.zpol': EO_POLICY,
    });
    expect(zpol(['lint', 'eo.zpol', '--config', 'ci.json'], dir).status).toBe(1);
    expect(zpol(['lint', 'eo.zpol'], dir).status).toBe(0);
  });

  it.each([
    ['an unknown rule', '{ "rules": { "no-such-rule": "off" } }', /zpol: invalid lint configuration zpol\.lint\.json: rules\.no-such-rule: unknown rule 'no-such-rule' \(the rules are threshold-needs-source, /],
    ['a bad severity', '{ "rules": { "deprecated-threshold": "warn" } }', /zpol\.lint\.json: rules\.deprecated-threshold: must be "off", "warning" or "error", found "warn"/],
    ['an unknown field', '{ "rule": {} }', /zpol\.lint\.json: unknown field 'rule'/],
    ['rules that are not an object', '{ "rules": [] }', /zpol\.lint\.json: rules: must be an object, found \[\]/],
    ['invalid JSON', '{ "rules": ', /zpol\.lint\.json: not valid JSON: /],
  ])('exits 2 on %s, naming the file and the field', (_, text, message) => {
    const dir = project({ 'zpol.lint.json': text, 'eo.zpol': EO_POLICY });
    const { status, stdout, stderr } = zpol(['lint', 'eo.zpol'], dir);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    expect(status).toBe(2);
  });

  it('exits 2 when --config names a missing file', () => {
    const { status, stderr } = zpol(['lint', 'policies', '--config', 'no-such.json']);
    expect(stderr).toBe('zpol: invalid lint configuration no-such.json: cannot read it: no such file\n');
    expect(status).toBe(2);
  });
});

describe('zpol lint inline ignores', () => {
  it('silences a rule with a reason; without a reason the ignore is an error and silences nothing', () => {
    const withReason = EO_POLICY.replace('invariant below', '// zpol-ignore deprecated-threshold, superseded-citation: historical policy kept for runs that committed to it\ninvariant below');
    const withoutReason = EO_POLICY.replace('invariant below', '// zpol-ignore deprecated-threshold\ninvariant below');
    const dir = project({ 'ok/eo.zpol': withReason, 'bad/eo.zpol': withoutReason });
    const ok = zpol(['lint', 'ok', '--fail-level', 'warning'], dir);
    expect(ok.stdout).toBe('linted 1 file: 0 errors, 0 warnings\n');
    expect(ok.status).toBe(0);
    const bad = zpol(['lint', 'bad'], dir);
    expect(bad.stdout).toMatch(/bad\/eo\.zpol:21:1: error invalid-ignore: 'zpol-ignore deprecated-threshold' gives no reason/);
    expect(bad.stdout).toMatch(/warning deprecated-threshold/);
    expect(bad.status).toBe(1);
  });

  it('reports an ignore that suppresses nothing as a warning', () => {
    const dir = project({ 'eo.zpol': EO_POLICY.replace('spec {', '// zpol-ignore threshold-needs-source: nothing here\nspec {') });
    const { status, stdout } = zpol(['lint', 'eo.zpol', '--format', 'json'], dir);
    const codes = JSON.parse(stdout).diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toEqual(['unused-ignore', 'superseded-citation', 'deprecated-threshold']);
    expect(status).toBe(0);
  });
});

describe('zpol lint usage', () => {
  it.each([
    ['no paths', ['lint']],
    ['an unknown --format', ['lint', 'policies', '--format', 'xml']],
    ['an unknown --fail-level', ['lint', 'policies', '--fail-level', 'info']],
  ])('exits 2 on %s', (_, args) => {
    const { status, stderr } = zpol(args);
    expect(stderr).toMatch(/^zpol: /);
    expect(status).toBe(2);
  });

  it('is listed in --help', () => {
    expect(zpol(['--help']).stdout).toMatch(/^ {2}lint {2,}\S/m);
  });
});

describe('GitHub workflow command escaping', () => {
  it('escapes % CR LF in data, and also : and , in properties', () => {
    expect(escapeGithubData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    expect(escapeGithubProperty('dir,x/a:b%.zpol\n')).toBe('dir%2Cx/a%3Ab%25.zpol%0A');
  });

  it('writes one annotation per diagnostic with escaped properties', () => {
    const span = { start: { offset: 0, line: 3, column: 5 }, end: { offset: 4, line: 4, column: 2 } };
    const text = toGithubCommands([
      { code: 'unused-ignore', severity: 'warning', message: 'line one\nline two: 100%', file: 'a,b:c.zpol', span },
      { code: 'ZP2001', severity: 'error', message: 'unknown name', file: 'x.zpol', span },
    ]);
    expect(text).toBe(
      [
        '::warning file=a%2Cb%3Ac.zpol,line=3,col=5,endLine=4,endColumn=2,title=unused-ignore::line one%0Aline two: 100%25',
        '::error file=x.zpol,line=3,col=5,endLine=4,endColumn=2,title=ZP2001::unknown name',
      ].join('\n'),
    );
  });
});

describe('zpol lint on files that do not parse', () => {
  const broken = {
    'syntax.zpol': 'policy p version 1 "x"\nconst = \n',
    'empty.zpol': '',
    'binary.zpol': '\u0000\u0001\uFFFD garbage "unterminated\n',
    'crlf.zpol': 'policy q version 1 "y"\r\nconst A = 1e25 FLOP FLOP\r\n',
    'fine.zpol': 'module fine "Nothing wrong"\n\nconst A = 1\n',
  };

  it('stays a valid SARIF log, each syntax error a result at its place', () => {
    const dir = project(broken);
    const { status, stdout } = zpol(['lint', '.', '--format', 'sarif'], dir);
    expect(status).toBe(1);
    const log = JSON.parse(stdout);
    expectValidSarif(log);
    const run = log.runs[0];
    expect(run.invocations).toEqual([{ executionSuccessful: true }]);
    const byFile = (f: string) => run.results.filter((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri === f);
    expect(byFile('syntax.zpol')[0]).toMatchObject({ ruleId: 'ZP1003', level: 'error', locations: [{ physicalLocation: { region: { startLine: 2, startColumn: 7 } } }] });
    expect(byFile('empty.zpol').map((r: { ruleId: string }) => r.ruleId)).toEqual(['ZP1005']);
    expect(byFile('binary.zpol').map((r: { ruleId: string }) => r.ruleId)).toEqual(expect.arrayContaining(['ZP1001', 'ZP1002']));
    expect(byFile('crlf.zpol').length).toBeGreaterThan(0);
    expect(byFile('fine.zpol').filter((r: { level: string }) => r.level === 'error')).toEqual([]);
  });

  it('reports a configuration file that cannot be used as a failed invocation in a valid log, exit 2', () => {
    const dir = project({ 'zpol.lint.json': '{ "rules": { "no-such-rule": "error" } }', 'p.zpol': EO_POLICY });
    const { status, stdout, stderr } = zpol(['lint', '.', '--format', 'sarif'], dir);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^zpol: invalid lint configuration zpol\.lint\.json: /);
    const log = JSON.parse(stdout);
    expectValidSarif(log);
    const invocation = log.runs[0].invocations[0];
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolConfigurationNotifications[0]).toMatchObject({ level: 'error', message: { text: expect.stringContaining('no-such-rule') } });
    expect(log.runs[0].results).toEqual([]);
  });
});

/**
 * Whether `xml` is well-formed XML 1.0 in the subset a JUnit report uses (declaration, elements, attributes in
 * double quotes, text, the five entities and character references): the problems, or [].
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(xml)) problems.push('a character XML cannot hold');
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  if (body === xml) problems.push('no XML declaration');
  const stack: string[] = [];
  const token = /<\/([A-Za-z][\w-]*)>|<([A-Za-z][\w-]*)((?:\s+[A-Za-z][\w-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/gy;
  let roots = 0;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    const [, close, open, attrs, selfClosing, text, stray] = m;
    if (stray) problems.push(`a stray '<' at ${m.index}`);
    const escapes = (s: string) => s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, '');
    if (text !== undefined && escapes(text).includes('&')) problems.push(`a bare '&' in text at ${m.index}`);
    if (text !== undefined && stack.length === 0 && text.trim()) problems.push('text outside the root');
    if (attrs && escapes(attrs).includes('&')) problems.push(`a bare '&' in attributes at ${m.index}`);
    if (open) {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(open);
    }
    if (close && stack.pop() !== close) problems.push(`</${close}> closes nothing open at ${m.index}`);
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

describe('zpol lint --format junit', () => {
  it('the XML check rejects what is not well-formed', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    expect(xmlProblems(`${head}<a><b x="1">t &amp; u</b></a>`)).toEqual([]);
    expect(xmlProblems(`${head}<a><b>t & u</b></a>`)).not.toEqual([]);
    expect(xmlProblems(`${head}<a><b></a>`)).not.toEqual([]);
    expect(xmlProblems(`${head}<a>\u0000</a>`)).not.toEqual([]);
    expect(xmlProblems(`${head}<a/><b/>`)).not.toEqual([]);
  });

  it('writes a suite per file and a failing case per error, well-formed whatever the messages hold', () => {
    const dir = project({
      'binary.zpol': '\u0000\u0001 "a <b> & \'c\'\n',
      'eo.zpol': EO_POLICY,
      'fine.zpol': 'module fine "Nothing wrong"\n\nconst A = 1\n',
    });
    const { status, stdout } = zpol(['lint', '.', '--format', 'junit'], dir);
    expect(status).toBe(1);
    expect(xmlProblems(`${stdout}\n`)).toEqual([]);
    const suites = [...stdout.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map(([, n, t, f]) => `${n} ${t} ${f}`);
    const errors = zpol(['lint', '.', '--format', 'json'], dir);
    const diagnostics = JSON.parse(errors.stdout).diagnostics as { file: string; severity: string }[];
    const count = (file: string, severity?: string) => diagnostics.filter((d) => d.file === file && (!severity || d.severity === severity)).length;
    expect(suites).toEqual([
      `binary.zpol ${count('binary.zpol')} ${count('binary.zpol', 'error')}`,
      `eo.zpol ${count('eo.zpol')} 0`,
      'fine.zpol 1 0',
    ]);
    expect(count('binary.zpol', 'error')).toBeGreaterThan(0);
    expect(count('eo.zpol', 'warning')).toBeGreaterThan(0);
    expect(stdout).toContain('\\u0000'); // the NUL in the message, written out
    expect(stdout).toMatch(/<failure type="ZP1001" message="[^"]*">binary\.zpol:1:1: error ZP1001: /);
    // At --fail-level warning the deprecated threshold fails too.
    const strict = zpol(['lint', 'eo.zpol', '--format', 'junit', '--fail-level', 'warning'], dir);
    expect(strict.stdout).toMatch(/<testsuite name="eo\.zpol" tests="(\d+)" failures="\1"/);
    expect(strict.status).toBe(1);
  });
});

describe('the GitHub Action (action.yml)', () => {
  const action = readFileSync(join(root, 'action.yml'), 'utf8');

  it('runs action/lint.sh with its inputs as environment variables and uploads the SARIF it writes', () => {
    expect(action).toMatch(/using: composite/);
    expect(action).toContain('run: bash "$GITHUB_ACTION_PATH/action/lint.sh"');
    for (const input of ['paths', 'fail-level', 'config', 'sarif-file']) expect(action).toContain(`\${{ inputs.${input} }}`);
    expect(action).toMatch(/uses: github\/codeql-action\/upload-sarif@v3\n\s+with:\n\s+sarif_file: \$\{\{ steps\.lint\.outputs\.sarif-file \}\}/);
    // Inputs reach the script through env only, never spliced into a command line.
    for (const line of action.split('\n').filter((l) => /^\s+run: /.test(l))) expect(line).not.toContain('${{');
  });

  function runAction(dir: string, env: Record<string, string>) {
    const out = join(dir, 'github-output');
    writeFileSync(out, '');
    const r = spawnSync('bash', [join(root, 'action/lint.sh')], { cwd: dir, encoding: 'utf8', env: { ...process.env, GITHUB_ACTION_PATH: root, GITHUB_OUTPUT: out, ...env }, timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, outputs: readFileSync(out, 'utf8') };
  }

  it('writes valid SARIF and annotations, and fails the step on errors, files that do not parse included', () => {
    const dir = project({ 'policies/eo.zpol': EO_POLICY, 'policies/broken.zpol': 'policy p version 1 "x"\nconst = \n' });
    const r = runAction(dir, { ZPOL_PATHS: 'policies', ZPOL_SARIF: 'out.sarif' });
    expect(r.status).toBe(1);
    expect(r.outputs).toBe('sarif-file=out.sarif\nexit-code=1\n');
    const log = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
    expectValidSarif(log);
    expect(log.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(expect.arrayContaining(['ZP1003', 'deprecated-threshold']));
    expect(r.stdout).toMatch(/^::error file=policies\/broken\.zpol,line=2,col=7,/m);
  });

  it('passes on warnings at the default fail level, fails on them at warning', () => {
    const dir = project({ 'eo.zpol': EO_POLICY });
    expect(runAction(dir, {}).status).toBe(0);
    const strict = runAction(dir, { ZPOL_FAIL_LEVEL: 'warning' });
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/^::warning file=eo\.zpol,/m);
    expectValidSarif(JSON.parse(readFileSync(join(dir, 'zpol.sarif'), 'utf8')));
  });
});
