/**
 * The canonical binary encoding of a FRI PCS proof.
 *
 *   "ZPCS" (4 bytes) | version u8 (= 5) | flags u8 (bit 0: the zk mask's own tree, exactly when params.zk and no
 *   commit holds the mask (CommitmentShape.mask); bit 1: challenge nonces present,
 *   exactly when params.challengePowBits > 0; bit 2: some commit is held by the verifier and has no opening here,
 *   exactly when params.verifierHoldsPublic and a commit layout is `held`; other bits 0)
 *   mask root (32 bytes)                                       mask tree only
 *   batching nonce u32 LE                                      challenge nonces only
 *   FRI: layer roots (32 bytes each, one per round) | β nonces (u32 LE, one per round; challenge nonces only)
 *        | final polynomial (16 bytes per coefficient) | query nonce u64 LE
 *   FRI layer openings, one per round                          each an OPENING (below)
 *   commit openings, one per request the verifier does not hold  each a MIXED opening
 *   mask opening                                               mask tree only, an OPENING
 *
 *   OPENING = count u32 LE | merkle/verify.ts `encodeOpening` bytes (count rows with their salts, then a u32
 *             sibling count and the 32-byte siblings)
 *   MIXED   = count u32 LE | count × (salt, row of the tallest matrices) | per shorter height, tallest first:
 *             rows u32 LE, that many rows | sibling count u32 LE | the 32-byte siblings   (merkle/mixed.ts)
 *
 * All integers little-endian, field elements canonical (4 bytes, < p). Everything whose size follows from public
 * data (parameters and the commits' heights and widths) is not encoded: the number of rounds, the final
 * polynomial's length and each row's length come from the FRI schedule and the layouts, so the decoder takes
 * the parameters and the shapes. Only the number of distinct rows or leaves each opening holds (it depends on
 * the random queries) and the sibling counts are in the bytes, and each is checked against the shape (at most
 * numQueries and the tree's height; at most count·depth siblings) and against the bytes remaining before
 * anything is allocated or read. A valid proof has exactly one encoding: every byte is either fixed, a
 * canonical element, a digest, or a count that must also match what the verifier derives. Decoding returns an
 * error, never throws.
 */
import * as F from '../field/babybear.ts';
import { DIGEST_BYTES, type Digest } from '../merkle/hasher.ts';
import { depthOf, rowLength, type MerkleLayout, type MerkleOpening } from '../merkle/tree.ts';
import { groupsOf, leafCount, type MixedLayout, type MixedOpening } from '../merkle/mixed.ts';
import { decodeOpening, encodeOpening, type Decoded } from '../merkle/verify.ts';
import { friParamsProblem } from '../fri/schedule.ts';
import type { FriProof } from '../fri/prover.ts';
import { pcsParamsProblem } from './security.ts';
import { MAX_REQUESTS, maskLayout, mixedLayout, shapeProblem } from './validate.ts';
import type { FriPcsProof } from './proof.ts';
import { friScheduleOf } from './opening-plan.ts';
import type { MaskShape, PcsParams } from './types.ts';

/**
 * 5: a commit may hold the zk mask (CommitmentShape.mask: its rows travel in that commit's opening, no mask tree;
 * flag bit 0 marks a mask tree); 4: nonces ground before the batching coefficients and each folding β (params.challengePowBits, flag bit 1);
 * 3: degree slacks (randomised commits, a final polynomial of 2^stop + slack coefficients); 2: one mixed-height
 * tree per commit (merkle/mixed.ts); 1 had one equal-height tree per commit.
 */
export const FRI_PCS_PROOF_VERSION = 5;
const MAGIC = [0x5a, 0x50, 0x43, 0x53]; // "ZPCS"
const MAX_SAFE_HIGH = 0x1fffff; // nonce < 2^53

/** The shape of one commit, as the decoder needs it (a CommitmentShape will do; the root is not used). */
export interface CommitLayout {
  readonly logHeights: readonly number[];
  readonly widths: readonly number[];
  readonly saltLength: number;
  /** Per matrix, its degree slack (absent: 0). */
  readonly slacks?: readonly number[];
  /** A commit the verifier holds (OpeningRequest.held): no opening of it in the proof. */
  readonly held?: boolean;
  /** The zk mask, when the commit holds it (CommitmentShape.mask). */
  readonly mask?: MaskShape;
}

class Writer {
  private parts: Uint8Array[] = [];
  private size = 0;
  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  u8(v: number): void {
    this.bytes(Uint8Array.of(v));
  }
  u32(v: number): void {
    this.bytes(Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
  }
  u64(v: number): void {
    this.u32(v >>> 0);
    this.u32(Math.floor(v / 2 ** 32));
  }
  words(v: Uint32Array): void {
    const b = new Uint8Array(4 * v.length);
    for (let i = 0; i < v.length; i++) F.encodeInto(v[i]!, b, 4 * i);
    this.bytes(b);
  }
  opening(o: MerkleOpening): void {
    this.u32(o.rows.length);
    this.bytes(encodeOpening(o));
  }
  mixed(o: MixedOpening): void {
    this.u32(o.salts.length);
    o.salts.forEach((salt, k) => {
      this.words(salt);
      this.words(o.rows[0]![k]!);
    });
    for (let g = 1; g < o.rows.length; g++) {
      this.u32(o.rows[g]!.length);
      for (const row of o.rows[g]!) this.words(row);
    }
    this.u32(o.siblings.length);
    for (const d of o.siblings) this.bytes(d);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** The canonical bytes of a proof. */
export function encodeFriPcsProof(proof: FriPcsProof): Uint8Array {
  const w = new Writer();
  w.bytes(Uint8Array.from(MAGIC));
  w.u8(FRI_PCS_PROOF_VERSION);
  const maskTree = proof.maskRoot !== null;
  const nonces = proof.alphaNonce !== null;
  const held = proof.inputOpenings.some((o) => o === null);
  w.u8((maskTree ? 1 : 0) | (nonces ? 2 : 0) | (held ? 4 : 0));
  if (maskTree) w.bytes(proof.maskRoot!);
  if (nonces) w.u32(proof.alphaNonce!);
  for (const r of proof.fri.roots) w.bytes(r);
  for (const n of proof.fri.betaNonces) w.u32(n);
  w.words(proof.fri.finalPoly);
  w.u64(proof.fri.powNonce);
  for (const o of proof.fri.openings) w.opening(o);
  for (const o of proof.inputOpenings) if (o !== null) w.mixed(o);
  if (maskTree) w.opening(proof.maskOpening!);
  return w.finish();
}

class DecodeError extends Error {}

class Reader {
  off = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number, what: string): void {
    if (n > this.b.length - this.off) throw new DecodeError(`${what}: needs ${n} bytes at offset ${this.off}, ${this.b.length - this.off} left`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.off++]!;
  }
  u32(what: string): number {
    this.need(4, what);
    const b = this.b;
    const o = this.off;
    this.off += 4;
    return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  }
  digest(what: string): Digest {
    this.need(DIGEST_BYTES, what);
    const d = this.b.slice(this.off, this.off + DIGEST_BYTES);
    this.off += DIGEST_BYTES;
    return d;
  }
  words(n: number, what: string): Uint32Array {
    this.need(4 * n, what);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const v = this.u32(what);
      if (v >= F.P) throw new DecodeError(`${what}: element ${i} is not canonical`);
      out[i] = v;
    }
    return out;
  }
  opening(layout: MerkleLayout, maxCount: number, what: string): MerkleOpening {
    const count = this.u32(`${what} count`);
    if (count < 1 || count > maxCount) throw new DecodeError(`${what}: ${count} rows, expected 1 to ${maxCount}`);
    const rowBytes = 4 * (layout.saltLength + rowLength(layout));
    this.need(count * rowBytes + 4, `${what} rows`);
    const sibOff = this.off + count * rowBytes;
    const b = this.b;
    const n = (b[sibOff]! | (b[sibOff + 1]! << 8) | (b[sibOff + 2]! << 16) | (b[sibOff + 3]! << 24)) >>> 0;
    if (n > count * depthOf(layout)) throw new DecodeError(`${what}: ${n} sibling digests, at most ${count * depthOf(layout)}`);
    const len = count * rowBytes + 4 + n * DIGEST_BYTES;
    this.need(len, `${what} siblings`);
    const d: Decoded<MerkleOpening> = decodeOpening(layout, count, this.b.subarray(this.off, this.off + len));
    if (!d.ok) throw new DecodeError(`${what}: ${d.error}`);
    this.off += len;
    return d.value;
  }
  mixed(layout: MixedLayout, maxCount: number, what: string): MixedOpening {
    const groups = groupsOf(layout);
    const top = leafCount(layout);
    const count = this.u32(`${what} count`);
    if (count < 1 || count > maxCount) throw new DecodeError(`${what}: ${count} leaves, expected 1 to ${maxCount}`);
    this.need(count * 4 * (layout.saltLength + groups[0]!.width), `${what} rows`);
    const salts: Uint32Array[] = [];
    const first: Uint32Array[] = [];
    for (let k = 0; k < count; k++) {
      salts.push(this.words(layout.saltLength, `${what} salt`));
      first.push(this.words(groups[0]!.width, `${what} row`));
    }
    const rows: Uint32Array[][] = [first];
    for (let g = 1; g < groups.length; g++) {
      const n = this.u32(`${what} height ${groups[g]!.height} count`);
      if (n < 1 || n > Math.min(count, groups[g]!.height)) throw new DecodeError(`${what}: ${n} rows of height ${groups[g]!.height}, expected 1 to ${Math.min(count, groups[g]!.height)}`);
      this.need(n * 4 * groups[g]!.width, `${what} rows of height ${groups[g]!.height}`);
      rows.push(Array.from({ length: n }, () => this.words(groups[g]!.width, `${what} row`)));
    }
    const n = this.u32(`${what} sibling count`);
    const depth = Math.log2(top);
    if (n > count * depth) throw new DecodeError(`${what}: ${n} sibling digests, at most ${count * depth}`);
    this.need(n * DIGEST_BYTES, `${what} siblings`);
    const siblings = Array.from({ length: n }, () => this.digest(`${what} sibling`));
    return { rows, salts, siblings };
  }
}

/**
 * Parses a proof for the given parameters and commit layouts (in request order). Returns an error for anything
 * short, long, non-canonical or inconsistent with the shape; never throws.
 */
export function decodeFriPcsProof(bytes: Uint8Array, params: PcsParams, commits: readonly CommitLayout[]): Decoded<FriPcsProof> {
  const bad = (error: string): Decoded<FriPcsProof> => ({ ok: false, error: `pcs proof: ${error}` });
  try {
    if (!(bytes instanceof Uint8Array)) return bad('input is not bytes');
    const pp = pcsParamsProblem(params) ?? friParamsProblem(params);
    if (pp !== null) return bad(pp);
    if (!Array.isArray(commits) || commits.length === 0 || commits.length > MAX_REQUESTS) return bad('bad commit list');
    for (let r = 0; r < commits.length; r++) {
      const { logHeights, widths, saltLength, slacks, mask } = commits[r]!;
      const sp = shapeProblem({ root: new Uint8Array(DIGEST_BYTES), logHeights, widths, saltLength, ...(slacks ? { slacks } : {}), ...(mask ? { mask } : {}) }, params.logBlowup);
      if (sp !== null) return bad(`commit ${r}: ${sp}`);
    }
    const schedule = friScheduleOf(params, commits);
    const logDegrees = schedule.logDegrees;

    const rd = new Reader(bytes);
    for (let i = 0; i < MAGIC.length; i++) if (rd.u8('magic') !== MAGIC[i]) return bad('not a FRI PCS proof (bad magic)');
    const version = rd.u8('version');
    if (version !== FRI_PCS_PROOF_VERSION) return bad(`unsupported version ${version} (this decoder reads ${FRI_PCS_PROOF_VERSION})`);
    const flags = rd.u8('flags');
    const nonces = (params.challengePowBits ?? 0) > 0;
    const held = params.verifierHoldsPublic === true && commits.some((c) => c.held === true);
    const maskTree = params.zk && !commits.some((c) => c.mask !== undefined);
    if (flags !== ((maskTree ? 1 : 0) | (nonces ? 2 : 0) | (held ? 4 : 0))) {
      return bad(`flags ${flags} do not match the parameters (zk ${params.zk}, ${maskTree ? 'a mask tree' : 'no mask tree'}, challenge grinding ${params.challengePowBits ?? 0} bits, ${held ? 'a commitment' : 'no commitment'} the verifier holds)`);
    }
    const maskRoot = maskTree ? rd.digest('mask root') : null;
    const alphaNonce = nonces ? rd.u32('batching nonce') : null;
    const roots: Digest[] = schedule.rounds.map((_, r) => rd.digest(`layer root ${r}`));
    const betaNonces = nonces ? schedule.rounds.map((_, r) => rd.u32(`round ${r} β nonce`)) : [];
    const finalPoly = rd.words(4 * schedule.finalLen, 'final polynomial');
    const lo = rd.u32('nonce');
    const hi = rd.u32('nonce');
    if (hi > MAX_SAFE_HIGH) return bad('grinding nonce is 2^53 or more');
    const powNonce = hi * 2 ** 32 + lo;
    const openings = schedule.rounds.map((round, r) => {
      const layout = { height: 2 ** (round.logDomain - round.logArity), widths: [4 * 2 ** round.logArity], saltLength: 0 };
      return rd.opening(layout, Math.min(params.numQueries, layout.height), `layer ${r} opening`);
    });
    const fri: FriProof = { roots, finalPoly, powNonce, betaNonces, openings };
    const inputOpenings = commits.map((c, r) => {
      if (held && c.held === true) return null;
      const layout = mixedLayout(c, params.logBlowup);
      return rd.mixed(layout, Math.min(params.numQueries, leafCount(layout)), `commit ${r} opening`);
    });
    let maskOpening: MerkleOpening | null = null;
    if (maskTree) {
      const layout = maskLayout(params, logDegrees);
      maskOpening = rd.opening(layout, Math.min(params.numQueries, layout.height), 'mask opening');
    }
    if (rd.off !== bytes.length) return bad(`${bytes.length - rd.off} trailing bytes`);
    return { ok: true, value: { maskRoot, alphaNonce, fri, inputOpenings, maskOpening } };
  } catch (e) {
    if (e instanceof DecodeError) return bad(e.message);
    return bad(`malformed input (${e instanceof Error ? e.message : String(e)})`);
  }
}
