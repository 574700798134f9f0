/**
 * Files of a run directory: atomic writes and canonical JSON.
 *
 * Atomic write: the bytes go to a temporary file next to the target (`.NAME.PID.N.tmp`), are flushed to disk
 * (fsync), and the temporary file is renamed over the target; the directory is then fsynced so the rename itself
 * survives a crash. A reader, or a writer killed at any point, never sees half a file: the target either does not
 * exist, holds its previous contents, or holds the new ones. A killed writer can leave a temporary file behind;
 * readers ignore names starting with '.', and `removeStaleTemps` deletes them.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Test hook: called with the temporary path after the data is flushed and before the rename. */
export interface AtomicWriteHooks {
  beforeRename?: (tmp: string) => void;
}

let counter = 0;

/** The temporary name `writeFileAtomic` uses for `path`. */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

export function writeFileAtomic(path: string, data: Uint8Array | string, hooks?: AtomicWriteHooks): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'wx');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    hooks?.beforeRename?.(tmp);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  syncDir(dirname(path));
}

/** fsync a directory so a rename in it is durable; a no-op where directories cannot be opened (Windows). */
function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on directories
  } finally {
    closeSync(fd);
  }
}

/** Deletes the temporary files killed writers left in `dir`; returns their names. */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (isTempName(name)) {
      unlinkSync(join(dir, name));
      removed.push(name);
    }
  }
  return removed;
}

/** JSON values as this module writes them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    // A null prototype: assigning a key named `__proto__` to a plain object sets its prototype instead of adding
    // the key, and the key would vanish from the canonical text (and from what a signature covers).
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`${v} cannot be written in JSON`);
  return v;
}

/** Two-space indentation, with arrays of scalars on one line (`"shape": [16, 4]`). */
function prettyJson(v: unknown, indent: string): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((x) => x === null || typeof x !== 'object')) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${v.map((x) => inner + prettyJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${prettyJson((v as Record<string, unknown>)[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), `undefined` members dropped, numbers as
 * JSON.stringify writes them (the shortest round-trip spelling). `pretty` indents by two spaces, keeps arrays of
 * scalars on one line and ends with a newline (the run directory's files); otherwise there is no whitespace
 * (what digests are taken over).
 */
export function canonicalJson(value: unknown, pretty = false): string {
  const sorted = sortKeys(value);
  return pretty ? `${prettyJson(sorted, '')}\n` : JSON.stringify(sorted);
}
