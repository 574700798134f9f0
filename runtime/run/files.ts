/**
 * Files of a run directory: canonical JSON (atomic writes are base/atomic-write.ts's).
 */
export { isTempName, removeStaleTemps, writeFileAtomic, type AtomicWriteHooks } from '../../base/atomic-write.ts';

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
