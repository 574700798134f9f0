/**
 * Completion for `.zpol` files: what may be typed at the cursor, read from the text before it on its line (the
 * file is usually half-written, so the parse cannot say) and from the checked program (which recovers from
 * syntax errors and still knows the file's names):
 *
 *   - after `spec.` or `step.`: the record's fields; after `Enum.`: its members;
 *   - after `use std.`: the standard library's modules; inside `use std.NAME.{`: what that module exports;
 *   - after a number (`1e25 `), after `int`, `ratio` or `percent` in a type, and after `*` or `/` in a unit: units;
 *   - after `:` in a declaration: types (the primitive ones and the enums in scope);
 *   - anywhere else: the names in scope (constants, functions, enums, units, state fields, built-ins, the locals
 *     of the enclosing declaration), `spec` and `step`, and the keywords.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as A from '../ast.ts';
import { KEYWORDS } from '../lexer.ts';
import type { Symbol } from '../checker/symbols.ts';
import { typeToString } from '../checker/types.ts';
import { STDLIB_DIR, displayPath, loadProgram, type CheckedFile, type Program } from '../program.ts';
import { BUILTIN_DOCS, BUILTIN_UNIT_DOCS } from './hover.ts';

export type CompletionKind = 'field' | 'member' | 'enum' | 'constant' | 'function' | 'unit' | 'keyword' | 'module' | 'variable' | 'type';

export interface Completion {
  label: string;
  kind: CompletionKind;
  /** A short description shown beside the label (a type, a signature). */
  detail?: string;
  /** Longer documentation (markdown). */
  documentation?: string;
}

const PRIMITIVE_TYPES = ['bool', 'int', 'ratio', 'percent', 'bf16', 'f32', 'digest'] as const;

/** The completions at `offset` in `file` (whose current text is `file.text`). */
export function completionsAt(program: Program, file: CheckedFile, offset: number): Completion[] {
  const text = file.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const scope = file.checker.binder.scope;

  let m = /\buse\s+std\.([A-Za-z_][\w.]*)\.\{[^}]*$/.exec(before);
  if (m) return moduleExports(program, m[1]!);
  if (/\buse\s+std\.\w*$/.test(before)) return stdlibModules();

  m = /([A-Za-z_]\w*)\.(\w*)$/.exec(before);
  if (m) {
    const object = m[1]!;
    if (object === 'spec' || object === 'step') {
      const fields = object === 'spec' ? file.checker.specFields : file.checker.stepFields;
      return [...fields.values()].map((f) => ({
        label: f.name.name,
        kind: 'field' as const,
        detail: `${f.isPublic ? 'public ' : ''}${slice(text, f.type)}`,
        documentation: object === 'spec' ? (f.isPublic ? 'public spec field' : 'private spec field') : 'step field',
      }));
    }
    const sym = scope.get(object);
    if (sym?.kind === 'enum') return sym.decl.members.map((mem) => ({ label: mem.name, kind: 'member' as const, detail: `${sym.decl.name.name}.${mem.name}` }));
    return [];
  }

  if (isUnitPosition(before)) return units(scope);
  if (/(?:^|[,({]\s*|\b[a-z_]\w*\s*):\s*(?:public\s+)?\w*$/i.test(before) && !/\b(attest|invariant|output|verify)\b/.test(before)) {
    const insideVerify = enclosing(file.ast, offset)?.kind === 'VerifyDecl';
    if (!insideVerify) return types(scope);
  }
  if (/^\s*\w*$/.test(before) || /[\s(\[,=:+\-*/<>]\w*$/.test(before) || before === '') {
    return [...names(program, file, scope, offset), ...keywords()];
  }
  return [];
}

function slice(text: string, n: A.Node): string {
  return text.slice(n.span.start.offset, n.span.end.offset).replace(/\s+/g, ' ');
}

/** After a number literal, after `int`/`ratio`/`percent` in a type, after `*`, `/` or `^n` in a unit. */
function isUnitPosition(before: string): boolean {
  return (
    /(?:^|[^\w.])\d[\d_.]*(?:[eE][+-]?\d+)?[kMGTPE]?%?\s+\w*$/.test(before) ||
    /\b(?:int|ratio|percent)\s+\w*$/.test(before) ||
    /\b(?:int|ratio|percent)\s+[A-Za-z_][\w^\s*/-]*[*/]\s*\w*$/.test(before)
  );
}

function units(scope: ReadonlyMap<string, Symbol>): Completion[] {
  return [...scope]
    .filter(([, s]) => s.kind === 'unit')
    .map(([name, s]) => ({
      label: name,
      kind: 'unit' as const,
      detail: s.kind === 'unit' && s.decl ? `unit (${s.owner})` : 'built-in unit',
      documentation: BUILTIN_UNIT_DOCS[name],
    }));
}

function types(scope: ReadonlyMap<string, Symbol>): Completion[] {
  const enums = [...scope].filter(([, s]) => s.kind === 'enum').map(([name]) => ({ label: name, kind: 'enum' as const, detail: 'enum' }));
  return [...PRIMITIVE_TYPES.map((t) => ({ label: t, kind: 'type' as const, detail: 'type' })), ...enums];
}

function keywords(): Completion[] {
  return [...KEYWORDS].filter((k) => !(PRIMITIVE_TYPES as readonly string[]).includes(k)).map((k) => ({ label: k, kind: 'keyword' as const }));
}

/** The declaration (top level) holding `offset`. */
function enclosing(file: A.SourceFile, offset: number): A.Decl | undefined {
  return file.decls.find((d) => d.span.start.offset <= offset && offset <= d.span.end.offset);
}

function names(program: Program, file: CheckedFile, scope: ReadonlyMap<string, Symbol>, offset: number): Completion[] {
  const out: Completion[] = [];
  const checker = file.checker;
  for (const [name, sym] of scope) {
    switch (sym.kind) {
      case 'const': {
        const ownerText = program.files.get(sym.owner)?.text;
        const type = ownerText !== undefined && sym.decl.type ? slice(ownerText, sym.decl.type) : undefined;
        out.push({ label: name, kind: 'constant', detail: type ?? 'const', documentation: sym.decl.source?.value });
        break;
      }
      case 'fn':
        out.push({ label: name, kind: 'function', detail: `(${sym.decl.params.map((p) => p.name.name).join(', ')})` });
        break;
      case 'enum':
        out.push({ label: name, kind: 'enum', detail: 'enum' });
        break;
      case 'unit':
        break; // units are offered where a unit may stand
      case 'state':
        out.push({ label: name, kind: 'field', detail: `state ${slice(file.text, sym.field.type)}` });
        break;
      case 'builtin':
        out.push({ label: name, kind: 'function', detail: BUILTIN_DOCS[name]?.signature, documentation: BUILTIN_DOCS[name]?.doc });
        break;
      case 'local':
        break;
    }
  }
  if (checker.binder.isPolicy) out.push({ label: 'spec', kind: 'variable', detail: 'the training specification' }, { label: 'step', kind: 'variable', detail: 'the step record' });
  // Locals of the enclosing declaration: parameters, `let`s, loop variables.
  const decl = enclosing(file.ast, offset);
  if (decl) {
    A.walk(decl, (n) => {
      if (n.kind === 'Param') out.push({ label: n.name.name, kind: 'variable', detail: `parameter: ${slice(file.text, n.type)}` });
      else if (n.kind === 'LetStmt' && n.span.end.offset < offset) {
        const t = checker.types.get(n.value);
        out.push({ label: n.name.name, kind: 'variable', detail: t ? `let: ${typeToString(t)}` : 'let' });
      } else if (n.kind === 'ForStmt' && n.span.start.offset < offset && offset <= n.span.end.offset) out.push({ label: n.variable.name, kind: 'variable', detail: 'loop variable: int' });
    });
  }
  return out;
}

function stdlibModules(): Completion[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(STDLIB_DIR).filter((f) => f.endsWith('.zpol'));
  } catch {
    return [];
  }
  return entries.sort().map((f) => ({ label: f.replace(/\.zpol$/, ''), kind: 'module' as const, detail: `std.${f.replace(/\.zpol$/, '')}` }));
}

/** What `std.NAME` exports, from the program when it loaded that module, else read now. */
function moduleExports(program: Program, name: string): Completion[] {
  const path = displayPath(join(STDLIB_DIR, `${name.split('.').join('/')}.zpol`));
  const file = program.files.get(path) ?? loadProgram([path]).files.get(path);
  if (!file) return [];
  return [...file.checker.exports()].map(([label, sym]) => ({
    label,
    kind: sym.kind === 'fn' ? ('function' as const) : sym.kind === 'enum' ? ('enum' as const) : sym.kind === 'unit' ? ('unit' as const) : ('constant' as const),
    detail: `std.${name}`,
    documentation: sym.kind === 'const' ? sym.decl.source?.value : undefined,
  }));
}
