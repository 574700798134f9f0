// Verification codes (docs/verification-codes.md): the registry, the verifier and the page agree.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { VERIFY_CODES } from '../../runtime/chain/codes.ts';

const codes = Object.keys(VERIFY_CODES);
const sources = ['runtime/chain/verifier.ts', 'runtime/chain/links.ts', 'runtime/chain/prover.ts', 'runtime/chain/capacity.ts', 'cli/chain.ts', 'runtime/run/format.ts', 'runtime/chain/aggregate.ts'].map((f) => readFileSync(f, 'utf8')).join('\n');
const page = readFileSync('docs/verification-codes.md', 'utf8');

describe('verification codes', () => {
  it('every code is used, and every code used is registered', () => {
    for (const c of codes) expect(sources, c).toContain(c);
    for (const c of new Set(sources.match(/ZV\d{3}/g))) expect(codes).toContain(c);
  });

  it('every code has a section on the page, in order, and the page names no other', () => {
    const sections = [...page.matchAll(/^### (ZV\d{3}):/gm)].map((m) => m[1]);
    expect(sections).toEqual(codes);
  });
});
