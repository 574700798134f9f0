/**
 * Checking a batched Merkle opening, and its canonical byte encoding.
 *
 * The verifier never throws on a bad proof: every check returns a `Verdict` whose error says what is wrong
 * (which index, which row, how many digests were expected), so that a malformed or hostile proof is reported as
 * "invalid proof: ..." and never surfaces as an exception from deep inside the hashing code.
 *
 * Checks, in order: the layout and root are well-formed; the indices are integers in [0, height), strictly
 * increasing (a duplicate is named as such); there is one row and one salt per index, each a Uint32Array of the
 * right length holding canonical field elements; there are exactly as many 32-byte sibling digests as the
 * indices need (tree.ts, `siblingPositions`); and hashing up from the leaves reproduces the root.
 */
import * as F from '../field/babybear.ts';
import { bytesToWords, wordsToBytes } from '../hash/blake3.ts';
import { DIGEST_BYTES, DIGEST_WORDS, type Digest, type MerkleHasher } from './hasher.ts';
import { depthOf, layoutProblem, rowLength, siblingPositions, type MerkleLayout, type MerkleOpening } from './tree.ts';

/** The outcome of a check: ok, or the reason it failed. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly error: string };

const OK: Verdict = { ok: true };

function fail(error: string): Verdict {
  return { ok: false, error: `merkle opening: ${error}` };
}

/** A problem with the indices a verifier asks about, or null. */
export function indicesProblem(indices: readonly number[], height: number): string | null {
  if (!Array.isArray(indices)) return 'indices are not an array';
  if (indices.length === 0) return 'no indices to open';
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= height) {
      return `index ${String(i)} (position ${k}) is out of range [0, ${height})`;
    }
    if (k > 0) {
      const prev = indices[k - 1]!;
      if (i === prev) return `duplicate index ${i} (positions ${k - 1} and ${k})`;
      if (i < prev) return `indices are not ascending: ${prev} before ${i} (position ${k})`;
    }
  }
  return null;
}

/** What is wrong with a vector of `length` canonical field elements (a row, a salt), or null. */
export function fieldVectorProblem(v: unknown, length: number, what: string): string | null {
  if (!(v instanceof Uint32Array)) return `${what} is not a Uint32Array`;
  if (v.length !== length) return `${what} has ${v.length} elements, expected ${length}`;
  for (let j = 0; j < v.length; j++) {
    if (v[j]! >= F.P) return `${what}, element ${j}: ${v[j]} is not a canonical field element`;
  }
  return null;
}

/**
 * Checks that `opening` opens the rows at `indices` (ascending, distinct) of the tree with the given layout and
 * root. `indices` come from the verifier (its transcript), never from the proof.
 */
export function verifyOpening(
  hasher: MerkleHasher,
  root: Digest,
  layout: MerkleLayout,
  indices: readonly number[],
  opening: MerkleOpening,
): Verdict {
  const lp = layoutProblem(layout);
  if (lp !== null) return fail(lp);
  if (!(root instanceof Uint8Array) || root.length !== DIGEST_BYTES) {
    return fail(`root must be ${DIGEST_BYTES} bytes, got ${root instanceof Uint8Array ? root.length : typeof root}`);
  }
  const ip = indicesProblem(indices, layout.height);
  if (ip !== null) return fail(ip);
  if (typeof opening !== 'object' || opening === null) return fail('opening is not an object');
  const { rows, salts, siblings } = opening;
  if (!Array.isArray(rows) || rows.length !== indices.length) {
    return fail(`expected ${indices.length} rows, got ${Array.isArray(rows) ? rows.length : 'none'}`);
  }
  if (!Array.isArray(salts) || salts.length !== indices.length) {
    return fail(`expected ${indices.length} salts, got ${Array.isArray(salts) ? salts.length : 'none'}`);
  }
  const width = rowLength(layout);
  for (let k = 0; k < indices.length; k++) {
    const rp = fieldVectorProblem(rows[k], width, `row ${indices[k]}`);
    if (rp !== null) return fail(rp);
    const sp = fieldVectorProblem(salts[k], layout.saltLength, `salt of row ${indices[k]}`);
    if (sp !== null) return fail(sp);
  }
  const depth = depthOf(layout);
  const positions = siblingPositions(indices, depth);
  const expected = positions.reduce((n, level) => n + level.length, 0);
  if (!Array.isArray(siblings) || siblings.length !== expected) {
    return fail(`expected ${expected} sibling digests, got ${Array.isArray(siblings) ? siblings.length : 'none'}`);
  }
  for (let s = 0; s < siblings.length; s++) {
    const d = siblings[s];
    if (!(d instanceof Uint8Array) || d.length !== DIGEST_BYTES) {
      return fail(`sibling digest ${s} must be ${DIGEST_BYTES} bytes, got ${d instanceof Uint8Array ? d.length : typeof d}`);
    }
    const problem = hasher.digestProblem?.(d) ?? null;
    if (problem !== null) return fail(`sibling digest ${s}: ${problem}`);
  }

  // Leaf digests of the opened rows.
  const message = new Uint32Array(layout.saltLength + width);
  let digests: Uint32Array[] = [];
  for (let k = 0; k < indices.length; k++) {
    message.set(salts[k]!, 0);
    message.set(rows[k]!, layout.saltLength);
    const d = new Uint32Array(DIGEST_WORDS);
    hasher.hashLeaf(message, 0, message.length, d, 0);
    digests.push(d);
  }
  // Up the tree, consuming siblings in proof order.
  let level = indices.slice();
  const cursor = { next: 0 };
  for (let k = 0; k < depth; k++) [level, digests] = climb(hasher, level, digests, siblings, cursor);
  const computed = wordsToBytes(digests[0]!);
  for (let b = 0; b < DIGEST_BYTES; b++) {
    if (computed[b] !== root[b]) return fail('the opened rows and siblings do not hash to the committed root');
  }
  return OK;
}

/**
 * One level up a batched opening: the parents of the known nodes `level` (ascending, distinct; `digests` theirs),
 * taking each missing sibling from `siblings` at `cursor.next` (proof order). Returns the parents and digests.
 */
export function climb(hasher: MerkleHasher, level: readonly number[], digests: readonly Uint32Array[], siblings: readonly Digest[], cursor: { next: number }): [number[], Uint32Array[]] {
  const pair = new Uint32Array(2 * DIGEST_WORDS);
  const nextLevel: number[] = [];
  const nextDigests: Uint32Array[] = [];
  for (let t = 0; t < level.length; t++) {
    const i = level[t]!;
    if ((i & 1) === 0 && t + 1 < level.length && level[t + 1] === i + 1) {
      pair.set(digests[t]!, 0);
      pair.set(digests[t + 1]!, DIGEST_WORDS);
      t++;
    } else {
      const sibling = bytesToWords(siblings[cursor.next++]!);
      pair.set((i & 1) === 0 ? digests[t]! : sibling, 0);
      pair.set((i & 1) === 0 ? sibling : digests[t]!, DIGEST_WORDS);
    }
    const parent = new Uint32Array(DIGEST_WORDS);
    hasher.compress(pair, 0, parent, 0);
    nextLevel.push(i >>> 1);
    nextDigests.push(parent);
  }
  return [nextLevel, nextDigests];
}

// ---- canonical encoding -----------------------------------------------------------------------------------------
//
//   for each opened index, ascending:  salt (saltLength elements) || row (rowLength elements)   4 bytes LE each
//   u32 LE: number of sibling digests
//   the sibling digests, 32 bytes each
//
// The indices are not encoded (the verifier knows them); their count is an argument of `decodeOpening`.

/** The canonical bytes of an opening. */
export function encodeOpening(opening: MerkleOpening): Uint8Array {
  let size = 4 + DIGEST_BYTES * opening.siblings.length;
  for (let k = 0; k < opening.rows.length; k++) size += 4 * (opening.rows[k]!.length + opening.salts[k]!.length);
  const out = new Uint8Array(size);
  let off = 0;
  for (let k = 0; k < opening.rows.length; k++) {
    for (const v of opening.salts[k]!) {
      F.encodeInto(v, out, off);
      off += 4;
    }
    for (const v of opening.rows[k]!) {
      F.encodeInto(v, out, off);
      off += 4;
    }
  }
  const n = opening.siblings.length;
  out[off] = n & 0xff;
  out[off + 1] = (n >>> 8) & 0xff;
  out[off + 2] = (n >>> 16) & 0xff;
  out[off + 3] = (n >>> 24) & 0xff;
  off += 4;
  for (const d of opening.siblings) {
    out.set(d, off);
    off += DIGEST_BYTES;
  }
  return out;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Parses an opening of `count` rows for the given layout; rejects short, long and non-canonical input. */
export function decodeOpening(layout: MerkleLayout, count: number, bytes: Uint8Array): Decoded<MerkleOpening> {
  const bad = (error: string): Decoded<MerkleOpening> => ({ ok: false, error: `merkle opening: ${error}` });
  const lp = layoutProblem(layout);
  if (lp !== null) return bad(lp);
  if (!Number.isInteger(count) || count < 1 || count > layout.height) return bad(`cannot open ${count} rows of ${layout.height}`);
  if (!(bytes instanceof Uint8Array)) return bad('input is not bytes');
  const width = rowLength(layout);
  const rowBytes = 4 * (layout.saltLength + width);
  const fixed = count * rowBytes + 4;
  if (bytes.length < fixed) return bad(`${bytes.length} bytes is too short for ${count} rows (need at least ${fixed})`);
  const rows: Uint32Array[] = [];
  const salts: Uint32Array[] = [];
  let off = 0;
  for (let k = 0; k < count; k++) {
    const salt = new Uint32Array(layout.saltLength);
    const row = new Uint32Array(width);
    for (let j = 0; j < salt.length; j++, off += 4) {
      const v = readU32(bytes, off);
      if (v >= F.P) return bad(`row ${k}: salt element ${j} is not canonical`);
      salt[j] = v;
    }
    for (let j = 0; j < width; j++, off += 4) {
      const v = readU32(bytes, off);
      if (v >= F.P) return bad(`row ${k}: element ${j} is not canonical`);
      row[j] = v;
    }
    salts.push(salt);
    rows.push(row);
  }
  const n = readU32(bytes, off);
  off += 4;
  const maxSiblings = count * depthOf(layout);
  if (n > maxSiblings) return bad(`${n} sibling digests is more than ${count} paths of depth ${depthOf(layout)} can need`);
  if (bytes.length !== off + n * DIGEST_BYTES) {
    return bad(`expected ${off + n * DIGEST_BYTES} bytes for ${n} sibling digests, got ${bytes.length}`);
  }
  const siblings: Digest[] = [];
  for (let s = 0; s < n; s++, off += DIGEST_BYTES) siblings.push(bytes.slice(off, off + DIGEST_BYTES));
  return { ok: true, value: { rows, salts, siblings } };
}

function readU32(bytes: Uint8Array, off: number): number {
  return (bytes[off]! | (bytes[off + 1]! << 8) | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24)) >>> 0;
}
