import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { Project } from 'ts-morph';
import { compileFile } from '../../compiler/index.ts';
import { policyBindings } from '../../compiler/bindings.ts';

function bindings(path: string): string {
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error ?? 'compile failed');
  const fields = (record: 'spec' | 'step') => r.root.ast.decls.flatMap((d) => (d.kind === 'RecordDecl' && d.record === record ? d.fields : []));
  return policyBindings(r.compiled.name, r.artifact.digest, r.root.checker, fields('spec'), fields('step'));
}

/** Type errors of `snippet` compiled against the bindings. */
function typeErrors(generated: string, snippet: string): string[] {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { strict: true, noEmit: true } });
  project.createSourceFile('bindings.ts', generated);
  project.createSourceFile('recorder.ts', `import type { Spec, Step } from './bindings';\n${snippet}`);
  return project.getPreEmitDiagnostics().map((d) => String(typeof d.getMessageText() === 'string' ? d.getMessageText() : (d.getMessageText() as { getMessageText(): string }).getMessageText()));
}

describe('typed record bindings (zpol compile --emit ts)', () => {
  const demo = bindings('policies/demo.zpol');
  const root = `'${'0'.repeat(64)}'`;

  it('a recorder writing the right records type-checks', () => {
    const ok = `export const spec: Spec = { arch: 'mlp', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: '16', datasets: [${root}, ${root}], weights: ${root} };
export const step: Step = { tokens: 16, tokens_by_source: [8, 8], x_root: ${root}, w1_root: ${root}, h_root: ${root}, labels_root: ${root}, weights_root: ${root} };`;
    expect(typeErrors(demo, ok)).toEqual([]);
  });

  it('wrong records do not', () => {
    const cases = [
      `export const spec: Spec = { arch: 'transformer', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16 };`,
      `export const spec: Spec = { arch: 'mlp', params: true, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16 };`,
      `export const step: Step = { tokens: 16, tokens_by_source: [8], x_root: ${root}, w1_root: ${root}, h_root: ${root}, labels_root: ${root}, weights_root: ${root} };`,
      `export const step: Step = { tokens: 16, tokens_by_source: [8, 8], x_root: ${root}, w1_root: ${root}, labels_root: ${root}, weights_root: ${root} };`,
      `export const spec: Spec = { arch: 'mlp', params: '5.8', d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16 };`,
    ];
    for (const c of cases) expect(typeErrors(demo, c).length, c).toBeGreaterThan(0);
  });

  it.each(readdirSync('policies').filter((f) => f.endsWith('.zpol')))('%s: bindings generate and type-check', (f) => {
    expect(typeErrors(bindings(`policies/${f}`), 'export {};')).toEqual([]);
  });
});
