/**
 * `zpol diff A B` without `--implies`: what differs between two policies' records (fields added, removed or of
 * another type) and clauses (added, removed, or with another condition, compared as source text with spacing
 * normalised). A quick look before asking the solver; equal text is not needed for implication.
 */
import type * as A from '../../language/ast.ts';
import { loadProgram, type CheckedFile } from '../../language/program.ts';
import { typeKey } from './encode.ts';

export interface StructuralDiff {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
  /** Why the policies could not be compared (a file that does not check, or is not a policy). */
  readonly error?: string;
  /** `+ spec.x: int FLOP` (only in B), `- step.y: bool` (only in A), `~ state.z: int in A, ratio in B`. */
  readonly fields: string[];
  /** `+ invariant x`, `- attest y`, `~ invariant z: a <= b  ->  a < b`. */
  readonly clauses: string[];
}

function policyFile(path: string): CheckedFile | string {
  const program = loadProgram([path]);
  const error = program.diagnostics.find((d) => d.severity === 'error');
  if (error) return `${path} does not check: ${error.file}:${error.span.start.line}:${error.span.start.column}: ${error.code}: ${error.message}`;
  const root = program.roots[0];
  return root?.ast.header?.kind === 'PolicyHeader' ? root : `${path} is not a policy`;
}

export function structuralDiff(pathA: string, pathB: string): StructuralDiff {
  const fa = policyFile(pathA);
  const fb = policyFile(pathB);
  if (typeof fa === 'string' || typeof fb === 'string') {
    return { a: pathA, b: pathB, same: false, error: [fa, fb].filter((x) => typeof x === 'string').join('; '), fields: [], clauses: [] };
  }
  const fields: string[] = [];
  for (const kind of ['spec', 'step', 'state'] as const) {
    const of = (f: CheckedFile) => {
      const decls = kind === 'spec' ? f.checker.specFields : kind === 'step' ? f.checker.stepFields : f.checker.stateFields;
      return new Map([...decls.values()].map((d) => [d.name.name, typeKey(f.checker.resolveType(d.type))]));
    };
    const [ma, mb] = [of(fa), of(fb)];
    for (const [n, t] of ma) if (!mb.has(n)) fields.push(`- ${kind}.${n}: ${t}`);
    for (const [n, t] of mb) {
      if (!ma.has(n)) fields.push(`+ ${kind}.${n}: ${t}`);
      else if (ma.get(n) !== t) fields.push(`~ ${kind}.${n}: ${ma.get(n)} in A, ${t} in B`);
    }
  }
  const clausesOf = (f: CheckedFile) =>
    new Map(
      f.ast.decls
        .filter((d): d is A.ClauseDecl => d.kind === 'ClauseDecl')
        .map((d) => [`${d.clause} ${d.name.name}`, f.text.slice(d.value.span.start.offset, d.value.span.end.offset).replace(/\s+/g, ' ').trim()]),
    );
  const [ca, cb] = [clausesOf(fa), clausesOf(fb)];
  const clauses: string[] = [];
  for (const n of ca.keys()) if (!cb.has(n)) clauses.push(`- ${n}`);
  for (const [n, text] of cb) {
    if (!ca.has(n)) clauses.push(`+ ${n}`);
    else if (ca.get(n) !== text) clauses.push(`~ ${n}: ${ca.get(n)}  ->  ${text}`);
  }
  return { a: pathA, b: pathB, same: fields.length === 0 && clauses.length === 0, fields, clauses };
}

export function formatStructuralDiff(d: StructuralDiff): string {
  if (d.error) return `zpol diff: ${d.error}`;
  if (d.same) return `${d.a} and ${d.b} have the same records and clauses`;
  return [`--- ${d.a}`, `+++ ${d.b}`, ...(d.fields.length ? ['records:', ...d.fields.map((f) => `  ${f}`)] : []), ...(d.clauses.length ? ['clauses:', ...d.clauses.map((c) => `  ${c}`)] : [])].join('\n');
}
