/**
 * Atomic writes, the one implementation every layer uses (run directories, proofs, compiled policies, `zpol fmt
 * --write`).
 *
 * Atomic write: the bytes go to a temporary file next to the target (`.NAME.PID.N.tmp`), are flushed to disk
 * (fsync), and the temporary file is renamed over the target; the directory is then fsynced so the rename itself
 * survives a crash. A reader, or a writer killed at any point, never sees half a file: the target either does not
 * exist, holds its previous contents, or holds the new ones. A killed writer can leave a temporary file behind;
 * readers ignore names starting with '.', and `removeStaleTemps` deletes them.
 */
import { chmodSync, closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
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

/**
 * Writes `data` to `path` atomically. `keepMode`: the new file gets the permission bits of the file it replaces
 * (a formatter rewriting a source keeps it executable or read-only as it was).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, hooks?: AtomicWriteHooks & { keepMode?: boolean }): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const mode = hooks?.keepMode ? statSync(path).mode & 0o7777 : undefined;
  const fd = openSync(tmp, 'wx', mode);
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
    if (mode !== undefined) chmodSync(tmp, mode);
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
