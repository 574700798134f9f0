/**
 * What a name in a `.zpol` file stands for, for an editor: its declaration (a constant, function, enum, enum
 * member, unit, record field, local, clause or module), where that is, and every use of it in a program. Names
 * are resolved by the checker (checker/binder.ts records the symbol of each identifier it resolves); this module
 * adds what the checker has no symbol for: declarations' own names, record fields read as `spec.NAME`, enum
 * members, types and units, and the modules a `use` names.
 */
import { join, dirname, resolve } from 'node:path';
import * as A from '../ast.ts';
import type { Symbol } from '../checker/symbols.ts';
import { displayPath, STDLIB_DIR, type CheckedFile, type Program } from '../program.ts';
import { eachIdentifier, identifierAt, nodePathAt } from './locate.ts';

/** How a local name was bound. */
export type Binding = 'let' | 'param' | 'loop';

/** What a name stands for. `file` is the path of the file that declares it (as the program loaded it). */
export type Target =
  | { kind: 'const'; decl: A.ConstDecl; file: string }
  | { kind: 'fn'; decl: A.FnDecl; file: string }
  | { kind: 'enum'; decl: A.EnumDecl; file: string }
  | { kind: 'member'; enumDecl: A.EnumDecl; member: A.Identifier; file: string }
  /** A unit: built in (decl and file null) or declared with `unit NAME`. */
  | { kind: 'unit'; name: string; decl: A.UnitDecl | null; file: string | null }
  | { kind: 'field'; record: A.RecordKind; field: A.Field; file: string }
  | { kind: 'local'; binding: Binding; name: A.Identifier; node: A.LetStmt | A.Param | A.ForStmt; file: string }
  | { kind: 'builtin'; name: string }
  | { kind: 'clause'; decl: A.ClauseDecl | A.VerifyDecl; file: string }
  /** A module named by a `use`, or the file's own header. */
  | { kind: 'module'; file: string };

/** One place in a file: the path as the program loaded it, and the span. */
export interface Place {
  file: string;
  span: A.Span;
}

/** The identity of a target: the identifier that declares it, or a name for what has none (built-ins, modules). */
export function anchorOf(t: Target): A.Identifier | string {
  switch (t.kind) {
    case 'const':
    case 'fn':
    case 'enum':
    case 'clause':
      return t.decl.name;
    case 'member':
      return t.member;
    case 'unit':
      return t.decl?.name ?? `unit:${t.name}`;
    case 'field':
      return t.field.name;
    case 'local':
      return t.name;
    case 'builtin':
      return `builtin:${t.name}`;
    case 'module':
      return `module:${t.file}`;
  }
}

/** Where `t` is declared: its name in its file, the start of a module; null for built-ins. */
export function definitionOf(t: Target): Place | null {
  const anchor = anchorOf(t);
  if (typeof anchor !== 'string') return { file: fileOf(t)!, span: anchor.span };
  if (t.kind === 'module') {
    const start = { offset: 0, line: 1, column: 1 };
    return { file: t.file, span: { start, end: start } };
  }
  return null;
}

function fileOf(t: Target): string | null {
  return t.kind === 'builtin' ? null : t.file;
}

/** Per-file facts the resolver needs and the checker does not keep: how each local name was bound. */
export class FileIndex {
  private bindings?: Map<A.Identifier, { binding: Binding; node: A.LetStmt | A.Param | A.ForStmt }>;
  constructor(readonly file: CheckedFile) {}

  bindingOf(id: A.Identifier): { binding: Binding; node: A.LetStmt | A.Param | A.ForStmt } | undefined {
    if (!this.bindings) {
      const out = new Map<A.Identifier, { binding: Binding; node: A.LetStmt | A.Param | A.ForStmt }>();
      const visit = (n: A.Node) => {
        if (n.kind === 'LetStmt') out.set(n.name, { binding: 'let', node: n });
        else if (n.kind === 'Param') out.set(n.name, { binding: 'param', node: n });
        else if (n.kind === 'ForStmt') out.set(n.variable, { binding: 'loop', node: n });
      };
      const stack: A.Node[] = [this.file.ast];
      while (stack.length > 0) {
        const n = stack.pop()!;
        visit(n);
        stack.push(...A.childrenOf(n));
      }
      this.bindings = out;
    }
    return this.bindings.get(id);
  }
}

/** The file a `use` names, as the program loads it (a display path). */
export function moduleFileOf(from: string, use: A.UseDecl): string {
  const target =
    use.module.kind === 'std' ? join(STDLIB_DIR, `${use.module.path.slice(1).map((p) => p.name).join('/')}.zpol`) : resolve(dirname(from), use.module.path.value);
  return displayPath(target);
}

/** What a checker symbol stands for, in target terms. */
export function targetOfSymbol(sym: Symbol, index: FileIndex): Target | undefined {
  switch (sym.kind) {
    case 'unit':
      return { kind: 'unit', name: sym.name, decl: sym.decl, file: sym.decl ? sym.owner : null };
    case 'const':
      return { kind: 'const', decl: sym.decl, file: sym.owner };
    case 'fn':
      return { kind: 'fn', decl: sym.decl, file: sym.owner };
    case 'enum':
      return { kind: 'enum', decl: sym.decl, file: sym.owner };
    case 'state':
      return { kind: 'field', record: 'state', field: sym.field, file: index.file.path };
    case 'local': {
      const b = index.bindingOf(sym.name);
      return b ? { kind: 'local', binding: b.binding, name: sym.name, node: b.node, file: index.file.path } : undefined;
    }
    case 'builtin':
      return { kind: 'builtin', name: sym.name };
  }
}

/** What the identifier `id` (child of `parent`, grandchild of `grand`) in the indexed file stands for. */
export function resolveIdentifier(index: FileIndex, id: A.Identifier, parent: A.Node, grand: A.Node | undefined): Target | undefined {
  const { file } = index;
  const here = file.path;
  switch (parent.kind) {
    case 'ConstDecl':
      if (parent.name === id) return { kind: 'const', decl: parent, file: here };
      break;
    case 'FnDecl':
      if (parent.name === id) return { kind: 'fn', decl: parent, file: here };
      break;
    case 'EnumDecl':
      if (parent.name === id) return { kind: 'enum', decl: parent, file: here };
      return { kind: 'member', enumDecl: parent, member: id, file: here };
    case 'UnitDecl':
      return { kind: 'unit', name: id.name, decl: parent, file: here };
    case 'ClauseDecl':
    case 'VerifyDecl':
      if (parent.name === id) return { kind: 'clause', decl: parent, file: here };
      break;
    case 'Field':
      if (parent.name === id && grand?.kind === 'RecordDecl') return { kind: 'field', record: grand.record, field: parent, file: here };
      break;
    case 'Param':
      if (parent.name === id) return { kind: 'local', binding: 'param', name: id, node: parent, file: here };
      break;
    case 'LetStmt':
      if (parent.name === id) return { kind: 'local', binding: 'let', name: id, node: parent, file: here };
      break;
    case 'ForStmt':
      if (parent.variable === id) return { kind: 'local', binding: 'loop', name: id, node: parent, file: here };
      break;
    case 'ModuleHeader':
      return { kind: 'module', file: here };
    case 'PolicyHeader':
      return undefined;
    case 'UseDecl':
      if (parent.module.kind === 'std' && parent.module.path.includes(id)) return { kind: 'module', file: moduleFileOf(here, parent) };
      break;
    case 'VerifySetting':
      if (parent.key === id) return undefined;
      break;
    case 'MemberExpr':
      if (parent.member === id) return memberTarget(index, parent);
      break;
  }
  const sym = file.checker.resolved.get(id) ?? (parent.kind === 'NamedType' || parent.kind === 'UnitFactor' || parent.kind === 'NumberLiteral' ? file.checker.lookup(id) : undefined);
  return sym ? targetOfSymbol(sym, index) : undefined;
}

/** `spec.NAME`, `step.NAME` (a record field) or `Enum.member`. */
function memberTarget(index: FileIndex, e: A.MemberExpr): Target | undefined {
  const { file } = index;
  if (e.object.kind !== 'NameRef') return undefined;
  const objectId = e.object.name;
  const objectSym = file.checker.resolved.get(objectId);
  if (!objectSym && (objectId.name === 'spec' || objectId.name === 'step')) {
    const field = (objectId.name === 'spec' ? file.checker.specFields : file.checker.stepFields).get(e.member.name);
    return field ? { kind: 'field', record: objectId.name, field, file: file.path } : undefined;
  }
  const sym = objectSym ?? file.checker.lookup(objectId);
  if (sym?.kind !== 'enum') return undefined;
  const member = sym.decl.members.find((m) => m.name === e.member.name);
  return member ? { kind: 'member', enumDecl: sym.decl, member, file: sym.owner } : undefined;
}

/** What the name under `offset` in `file` stands for, with the span of that name. */
export function targetAt(index: FileIndex, offset: number): { target: Target; span: A.Span } | undefined {
  const at = identifierAt(index.file.ast, offset);
  if (at) {
    const target = resolveIdentifier(index, at.id, at.parent, at.grand);
    return target ? { target, span: at.id.span } : undefined;
  }
  // A quoted module path: `use "./limits.zpol".{...}`.
  const path = nodePathAt(index.file.ast, offset);
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last?.kind === 'StringLiteral' && parent?.kind === 'UseDecl' && parent.module.kind === 'file' && parent.module.path === last) {
    return { target: { kind: 'module', file: moduleFileOf(index.file.path, parent) }, span: last.span };
  }
  return undefined;
}

/** Every place in `program` that names `target` (its declaration included when `withDeclaration`). */
export function referencesTo(program: Program, target: Target, withDeclaration: boolean): Place[] {
  const anchor = anchorOf(target);
  const out: Place[] = [];
  for (const file of program.files.values()) {
    const index = new FileIndex(file);
    eachIdentifier(file.ast, (id, parent, grand) => {
      if (id.name !== nameOf(target)) return;
      const t = resolveIdentifier(index, id, parent, grand);
      if (!t || anchorOf(t) !== anchor) return;
      if (!withDeclaration && id === anchor) return;
      out.push({ file: file.path, span: id.span });
    });
    if (target.kind === 'module') {
      for (const d of file.ast.decls) {
        if (d.kind === 'UseDecl' && d.module.kind === 'file' && moduleFileOf(file.path, d) === target.file) out.push({ file: file.path, span: d.module.path.span });
      }
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span.start.offset - b.span.start.offset));
}

/** The name a target's uses spell (a module's last path segment). */
export function nameOf(t: Target): string {
  switch (t.kind) {
    case 'const':
    case 'fn':
    case 'enum':
    case 'clause':
      return t.decl.name.name;
    case 'member':
      return t.member.name;
    case 'unit':
    case 'builtin':
      return t.name;
    case 'field':
      return t.field.name.name;
    case 'local':
      return t.name.name;
    case 'module':
      return t.file.replace(/^.*[\\/]/, '').replace(/\.zpol$/, '');
  }
}
