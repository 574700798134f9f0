// The README's tour of the language must stay a policy that checks clean: its code blocks, joined in order,
// are checked as if they were a file in policies/ (so `use std...` resolves as it does for real policies).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProgram } from '../language/program.ts';

describe('README tour', () => {
  it('checks without errors or warnings', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Tour of the language');
    const tour = readme.slice(start, readme.indexOf('\n## ', start + 5));
    const blocks = [...tour.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(4);
    const path = 'policies/__readme_tour.zpol';
    const program = loadProgram([path], undefined, new Map([[path, blocks.join('\n')]]));
    expect(program.roots.map((f) => f.path)).toEqual([path]);
    expect(program.diagnostics.map((d) => `${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`)).toEqual([]);
  });
});
