// The repository's own policies and standard library are the first users of the front end: they must check,
// be in canonical format and pass lint at error level, exactly as the README and CI invoke those commands.
import { describe, expect, it } from 'vitest';
import { zpol } from './helpers.ts';

describe('policies and stdlib', () => {
  it('zpol check policies stdlib exits 0', () => {
    const r = zpol(['check', 'policies', 'stdlib']);
    expect(r.stdout + r.stderr).toMatch(/0 errors/);
    expect(r.status).toBe(0);
  });

  it('zpol fmt --check policies stdlib exits 0', () => {
    const r = zpol(['fmt', '--check', 'policies', 'stdlib']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('zpol lint policies --fail-level error exits 0', () => {
    const r = zpol(['lint', 'policies', '--fail-level', 'error']);
    expect(r.status).toBe(0);
  });
});
