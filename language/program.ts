/**
 * A program: the files a command was given plus every module they import, each parsed and checked once.
 *
 * `use std.NAME.{...}` resolves to stdlib/NAME.zpol beside this package; `use "PATH".{...}` to a file
 * relative to the importing one. A module that is still being checked when it is imported again closes an
 * import cycle (ZP6003).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type * as A from './ast.ts';
import type { Exports } from './checker/binder.ts';
import { FileChecker } from './checker/check-file.ts';
import { DiagnosticSink, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { parse } from './parser.ts';
import { packagePath } from '../base/package-files.ts';

export const STDLIB_DIR = `${packagePath('stdlib')}${sep}`;

export interface CheckedFile {
  /** The path as diagnostics print it: relative to the working directory when inside it. */
  path: string;
  text: string;
  ast: A.SourceFile;
  checker: FileChecker;
}

export interface Program {
  /** The files named on the command line (directories expanded), in a stable order. */
  roots: CheckedFile[];
  /** Every file loaded, roots and imports, by display path. */
  files: Map<string, CheckedFile>;
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

/** Expands directories to the `.zpol` files below them, sorted; missing paths are reported. */
export function expandPaths(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const visit = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      missing.push(p);
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (entry === 'node_modules' || entry.startsWith('.')) continue;
        const child = join(p, entry);
        if (entry.endsWith('.zpol') || statSync(child).isDirectory()) visit(child);
      }
    } else {
      files.push(p);
    }
  };
  paths.forEach(visit);
  return { files: [...new Set(files.map(displayPath))], missing };
}

export function displayPath(p: string): string {
  const abs = resolve(p);
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel.split(sep).join('/') : abs;
}

export interface SourceHost {
  readFile(path: string): string | undefined;
}

const diskHost: SourceHost = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Loads, parses and checks `paths` and their imports. Never throws on any file content. */
export function loadProgram(paths: string[], host: SourceHost = diskHost, overrides?: Map<string, string>): Program {
  // A path whose text is overridden need not exist on disk (the fuzzer and editors check unsaved text).
  const virtual = paths.filter((p) => overrides?.has(displayPath(p))).map(displayPath);
  const expanded = expandPaths(paths.filter((p) => !overrides?.has(displayPath(p))));
  const rootPaths = [...new Set([...expanded.files, ...virtual])];
  const missing = expanded.missing;
  const files = new Map<string, CheckedFile>();
  const exportsOf = new Map<string, Exports | 'pending'>();
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const registry = new Map<string, FileChecker>();

  for (const m of missing) {
    const sink = new DiagnosticSink(m);
    const p = { offset: 0, line: 1, column: 1 };
    sink.report('ZP6004', { start: p, end: p }, `cannot read '${m}': no such file or directory`);
    diagnostics.push(...sink.diagnostics);
  }

  const load = (path: string): CheckedFile | undefined => {
    const known = files.get(path);
    if (known) return known;
    const text = overrides?.get(path) ?? host.readFile(path);
    if (text === undefined) return undefined;
    const { ast, diagnostics: syntax } = parse(text, path);
    sources.set(path, text);
    diagnostics.push(...syntax);
    const checker = new FileChecker(ast, (use, sink) => resolveUse(path, use, sink), registry);
    registry.set(path, checker);
    const file: CheckedFile = { path, text, ast, checker };
    files.set(path, file);
    exportsOf.set(path, 'pending');
    checker.declare();
    exportsOf.set(path, checker.exports());
    checker.check();
    diagnostics.push(...checker.sink.diagnostics);
    return file;
  };

  const resolveUse = (from: string, use: A.UseDecl, sink: DiagnosticSink) => {
    const target =
      use.module.kind === 'std'
        ? join(STDLIB_DIR, `${use.module.path.slice(1).map((p) => p.name).join('/')}.zpol`)
        : resolve(dirname(from), use.module.path.value);
    const where = use.module.kind === 'std' ? use.module.path : [use.module.path];
    const span = { start: where[0].span.start, end: where[where.length - 1].span.end };
    const shown = use.module.kind === 'std' ? use.module.path.map((p) => p.name).join('.') : use.module.path.value;
    if (use.module.kind === 'std' && (use.module.path[0]?.name !== 'std' || use.module.path.length < 2)) {
      sink.report('ZP6001', span, `unknown module '${shown}': standard modules are named std.NAME, other files by a relative path in quotes`);
      return undefined;
    }
    if (!existsSync(target)) {
      sink.report('ZP6001', span, `module '${shown}' not found${use.module.kind === 'std' ? ' in the standard library' : ` (looked for ${displayPath(target)})`}`);
      return undefined;
    }
    const key = displayPath(target);
    if (exportsOf.get(key) === 'pending') {
      sink.report('ZP6003', span, `importing '${shown}' closes an import cycle back to this file`);
      return undefined;
    }
    const file = load(key);
    if (!file) {
      sink.report('ZP6004', span, `cannot read '${key}'`);
      return undefined;
    }
    if (file.ast.header?.kind === 'PolicyHeader') {
      sink.report('ZP6005', span, `'${shown}' is a policy; only modules ('module NAME') can be imported`);
      return undefined;
    }
    const exports = exportsOf.get(key);
    return exports && exports !== 'pending' ? { exports } : undefined;
  };

  const roots: CheckedFile[] = [];
  for (const p of rootPaths) {
    const file = load(p);
    if (file) roots.push(file);
    else {
      const sink = new DiagnosticSink(p);
      const pos = { offset: 0, line: 1, column: 1 };
      sink.report('ZP6004', { start: pos, end: pos }, `cannot read '${p}'`);
      diagnostics.push(...sink.diagnostics);
    }
  }
  return { roots, files, diagnostics: dedupe(sortDiagnostics(diagnostics)), sources };
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const key = `${d.file}:${d.span.start.offset}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
