/** The outline of a `.zpol` file: its declarations, records with their fields, clauses and checks. */
import type * as A from '../ast.ts';

export type OutlineKind = 'module' | 'constant' | 'function' | 'enum' | 'member' | 'unit' | 'record' | 'field' | 'clause' | 'event';

export interface OutlineItem {
  name: string;
  kind: OutlineKind;
  /** What it is, in a word or two (`invariant`, `spec`, `int FLOP`). */
  detail: string;
  span: A.Span;
  /** The span of its name (the whole declaration when it has none). */
  nameSpan: A.Span;
  children: OutlineItem[];
}

export function outlineOf(file: A.SourceFile, text: string): OutlineItem[] {
  const slice = (n: A.Node) => text.slice(n.span.start.offset, n.span.end.offset).replace(/\s+/g, ' ');
  const item = (name: string, kind: OutlineKind, detail: string, span: A.Span, nameSpan: A.Span, children: OutlineItem[] = []): OutlineItem => ({ name, kind, detail, span, nameSpan, children });
  const out: OutlineItem[] = [];
  const h = file.header;
  if (h) out.push(item(h.kind === 'PolicyHeader' ? h.name.name : h.path.map((p) => p.name).join('.'), 'module', h.kind === 'PolicyHeader' ? 'policy' : 'module', h.span, h.kind === 'PolicyHeader' ? h.name.span : h.span));
  for (const d of file.decls) {
    switch (d.kind) {
      case 'ConstDecl':
        out.push(item(d.name.name, 'constant', d.type ? slice(d.type) : 'const', d.span, d.name.span));
        break;
      case 'FnDecl':
        out.push(item(d.name.name, 'function', `fn (${d.params.map((p) => p.name.name).join(', ')}): ${slice(d.returnType)}`, d.span, d.name.span));
        break;
      case 'EnumDecl':
        out.push(item(d.name.name, 'enum', 'enum', d.span, d.name.span, d.members.map((m) => item(m.name, 'member', '', m.span, m.span))));
        break;
      case 'UnitDecl':
        out.push(item(d.name.name, 'unit', 'unit', d.span, d.name.span));
        break;
      case 'RecordDecl':
        out.push(item(d.record, 'record', 'record', d.span, d.span, d.fields.map((f) => item(f.name.name, 'field', `${f.isPublic ? 'public ' : ''}${slice(f.type)}`, f.span, f.name.span))));
        break;
      case 'OnStepDecl':
        out.push(item('on step', 'event', 'the step update', d.span, d.span));
        break;
      case 'ClauseDecl':
        out.push(item(d.name.name, 'clause', d.clause, d.span, d.name.span));
        break;
      case 'VerifyDecl':
        out.push(item(d.name.name, 'clause', 'verify', d.span, d.name.span));
        break;
      case 'UseDecl':
        break;
    }
  }
  return out.filter((i) => i.name);
}
