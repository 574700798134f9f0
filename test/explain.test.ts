// `zpol explain CODE`: every code zpol can print (source diagnostics, verification codes, lint rules) is explained
// from the page that documents it.
import { describe, expect, it } from 'vitest';
import { explain, knownCodes } from '../cli/explain.ts';
import { DIAGNOSTIC_CODES } from '../language/diagnostics.ts';
import { RULES } from '../language/lint/rules/index.ts';
import { VERIFY_CODES } from '../runtime/chain/codes.ts';
import { LOWERING_CODES } from '../compiler/lower.ts';
import { zpol } from './helpers.ts';

describe('zpol explain', () => {
  it('explains every diagnostic, verification code and lint rule from its section', () => {
    const codes = knownCodes();
    expect(codes).toEqual(expect.arrayContaining([...Object.keys(DIAGNOSTIC_CODES), ...Object.values(LOWERING_CODES), ...Object.keys(VERIFY_CODES), ...RULES.map((r) => r.id)]));
    for (const code of codes) {
      const e = explain(code)!;
      expect(e.code).toBe(code);
      expect(e.text.split('\n')[0]).toMatch(new RegExp(`^### ${code}\\b`));
      // A heading alone explains nothing: each section has a paragraph of its own, and ends before the next code.
      const body = e.text.split('\n').slice(1).join('\n').trim();
      expect(body.length, code).toBeGreaterThan(20);
      expect(body).not.toMatch(/^#{1,3} /m);
    }
  });

  it('takes any case, and knows no other code', () => {
    expect(explain('zp3001')?.summary).toBe('incompatible units (error)');
    expect(explain('zv206')?.kind).toBe('verification');
    expect(explain('Deprecated-Threshold')?.kind).toBe('lint');
    expect(explain('ZP3010')).toBeUndefined();
    expect(explain('ZP')).toBeUndefined();
  });

  it('prints the section, or exits 2 with the closest codes', () => {
    const ok = zpol(['explain', 'ZP2001']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^### ZP2001: unknown name \(error\)\n/);
    expect(ok.stdout.trimEnd()).toMatch(/\(docs\/diagnostics\.md\)$/);
    const json = JSON.parse(zpol(['explain', 'zv109', '--format', 'json']).stdout);
    expect(json).toMatchObject({ code: 'ZV109', kind: 'verification', source: 'docs/verification-codes.md' });
    const bad = zpol(['explain', 'ZP3010']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^zpol: unknown code 'ZP3010'; did you mean 'ZP2010' or 'ZP3001'\?/);
  });
});
