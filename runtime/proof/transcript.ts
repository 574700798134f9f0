/**
 * The Fiat-Shamir transcript: turns the interactive STARK into a non-interactive one by deriving every verifier
 * challenge from a hash of everything the prover has sent before it.
 *
 * Construction: a keyed-BLAKE3 hash chain over a 32-byte state s.
 *
 *   start       s_0 = BLAKE3-derive-key(context "zpol 2025-11-24 fiat-shamir transcript v1", protocol name)
 *   absorb      s  <- BLAKE3-keyed(s, 0x01 || kind || len(label) || label || len(data) || data)
 *   squeeze     X  =  BLAKE3-keyed-XOF(s, 0x02 || kind || len(label) || label || count)
 *               s  <- X[0..32);  the challenge is drawn from X[32..), as many bytes as sampling needs
 *
 * (lengths: u32 little-endian, the data length u64). Every absorbed item is framed with an operation tag, a type
 * tag (bytes, field elements, extension elements, digest, integer, grinding nonce), its label and its length, so
 * the encoding of a transcript is injective: a different label, order, type or split of the same bytes gives a
 * different state. Each squeeze also advances the state, so consecutive challenges are independent and
 * everything absorbed later depends on every earlier challenge. This follows the duplex discipline of
 * Merlin/STROBE (labels, framing) with the simplicity of Winterfell's `DefaultRandomCoin` (a hash chain that
 * reseeds on every absorb); keyed BLAKE3 is a PRF in the state, so in the random-oracle model the challenges are
 * uniform and independent given the prefix.
 *
 * Sampling is exact:
 *   - base field: 4 bytes little-endian, masked to 31 bits, rejected while >= p (acceptance 1 - (2^27-1)/2^31);
 *   - extension: four base elements, coefficient 0 first;
 *   - indices in [0, n): 4 bytes, rejected while >= floor(2^32 / n) n, then reduced mod n (no bias).
 *
 * Discipline: the prover and verifier absorb the same items in the same order: the protocol name, the public
 * parameters and inputs, then each commitment before the challenges that depend on it, the out-of-domain
 * values, the grinding nonce before the query indices. A transcript never reads back anything but challenges.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import * as F from './field/babybear.ts';
import * as E from './field/extension.ts';
import { checkPow, grind as grindTs, type PowSolver } from './pow.ts';

const CONTEXT = 'zpol 2025-11-24 fiat-shamir transcript v1';

const OP_ABSORB = 0x01;
const OP_SQUEEZE = 0x02;

/** Type tags: what an absorbed item or a squeezed challenge is. */
const Kind = {
  Bytes: 1,
  Field: 2,
  Ext: 3,
  Digest: 4,
  U64: 5,
  PowNonce: 6,
  Indices: 7,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const utf8 = new TextEncoder();

function u32le(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
}

function u64le(n: number): Uint8Array {
  const out = new Uint8Array(8);
  out.set(u32le(n >>> 0), 0);
  out.set(u32le(Math.floor(n / 0x100000000)), 4);
  return out;
}

/** The byte strings joined end to end. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function labelBytes(label: string): Uint8Array {
  if (typeof label !== 'string' || label.length === 0) throw new TypeError('a transcript label is a non-empty string');
  return utf8.encode(label);
}

/** Byte source for one challenge: the XOF stream after the 32 bytes that became the new state. */
class Stream {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  constructor(private readonly xof: { xof(bytes: number): Uint8Array }) {}
  take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      const more = this.xof.xof(Math.max(64, n));
      const rest = this.buf.subarray(this.pos);
      this.buf = concat([rest, more]);
      this.pos = 0;
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u32(): number {
    const b = this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  field(): number {
    for (;;) {
      const v = this.u32() & 0x7fffffff;
      if (v < F.P) return v;
    }
  }
}

/**
 * What the proof system needs of a Fiat-Shamir transcript (Plonky3's `Challenger`): this BLAKE3 transcript, or the
 * Poseidon2 one (transcript-poseidon2.ts) whose challenges a zkVM program can recompute cheaply. The PCS names which
 * (`Pcs.transcript`), so prover and verifier always use the same.
 */
export interface Challenger {
  clone(): Challenger;
  /** 32 bytes that depend on everything absorbed and squeezed so far (a fingerprint of the state). */
  digest(): Uint8Array;
  absorbBytes(label: string, bytes: Uint8Array): void;
  absorbFields(label: string, values: ArrayLike<number>): void;
  absorbField(label: string, value: number): void;
  absorbExts(label: string, values: readonly E.Ext[]): void;
  absorbExt(label: string, value: E.Ext): void;
  absorbDigest(label: string, digest: Uint8Array): void;
  absorbU64(label: string, n: number): void;
  challengeField(label: string): number;
  challengeFields(label: string, n: number): Uint32Array;
  challengeExt(label: string): E.Ext;
  challengeExts(label: string, n: number): E.Ext[];
  challengeIndices(label: string, count: number, n: number): number[];
  challengeBytes(label: string, n: number): Uint8Array;
  /** Prover: solves the grinding puzzle at `bits`, absorbs the nonce and returns it (`solver`: a backend's search, pow.ts). */
  grind(bits: number, solver?: PowSolver): number;
  /** Verifier: whether `nonce` solves the puzzle (then absorbed); never throws on a bad nonce or difficulty. */
  checkGrind(bits: number, nonce: number): boolean;
}

export class Transcript implements Challenger {
  private state: Uint8Array;

  /** A transcript for one protocol (its name is the first thing bound, e.g. 'zpol step proof v1'). */
  constructor(protocol: string) {
    this.state = blake3(labelBytes(protocol), { context: utf8.encode(CONTEXT) });
  }

  /** An independent copy (same state). */
  clone(): Transcript {
    const t = Object.create(Transcript.prototype) as Transcript;
    t.state = this.state.slice();
    return t;
  }

  /** The current 32-byte state (for tests, debugging, and as the grinding challenge). */
  digest(): Uint8Array {
    return this.state.slice();
  }

  private absorb(kind: Kind, label: string, data: Uint8Array): void {
    const l = labelBytes(label);
    const frame = concat([Uint8Array.of(OP_ABSORB, kind), u32le(l.length), l, u64le(data.length), data]);
    this.state = blake3(frame, { key: this.state });
  }

  private squeeze(kind: Kind, label: string, count: number): Stream {
    if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) throw new RangeError(`cannot draw ${count} challenges`);
    const l = labelBytes(label);
    const frame = concat([Uint8Array.of(OP_SQUEEZE, kind), u32le(l.length), l, u32le(count)]);
    const h = blake3.create({ key: this.state }).update(frame);
    this.state = h.xof(32);
    return new Stream(h);
  }

  /** Absorbs raw bytes. */
  absorbBytes(label: string, bytes: Uint8Array): void {
    this.absorb(Kind.Bytes, label, bytes);
  }

  /** Absorbs field elements (canonical encodings). Throws on a non-canonical value: that is a caller bug. */
  absorbFields(label: string, values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      if (!F.isCanonical(values[i]!)) throw new RangeError(`absorbFields(${label}): element ${i} is not canonical: ${values[i]}`);
    }
    this.absorb(Kind.Field, label, F.encodeVector(values));
  }

  absorbField(label: string, value: number): void {
    this.absorbFields(label, [value]);
  }

  /** Absorbs extension elements (16 bytes each). */
  absorbExts(label: string, values: readonly E.Ext[]): void {
    const bytes = new Uint8Array(16 * values.length);
    values.forEach((v, i) => {
      for (let k = 0; k < 4; k++) if (!F.isCanonical(v[k]!)) throw new RangeError(`absorbExts(${label}): element ${i} is not canonical`);
      E.encodeInto(v, bytes, 16 * i);
    });
    this.absorb(Kind.Ext, label, bytes);
  }

  absorbExt(label: string, value: E.Ext): void {
    this.absorbExts(label, [value]);
  }

  /** Absorbs a 32-byte digest (a Merkle root). */
  absorbDigest(label: string, digest: Uint8Array): void {
    if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new RangeError(`absorbDigest(${label}): a digest is 32 bytes`);
    this.absorb(Kind.Digest, label, digest);
  }

  /** Absorbs a non-negative integer below 2^53 as a u64 (sizes, parameters). */
  absorbU64(label: string, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`absorbU64(${label}): ${n} is not a non-negative safe integer`);
    this.absorb(Kind.U64, label, u64le(n));
  }

  /** A uniform base-field challenge. */
  challengeField(label: string): number {
    return this.squeeze(Kind.Field, label, 1).field();
  }

  /** n uniform base-field challenges. */
  challengeFields(label: string, n: number): Uint32Array {
    const s = this.squeeze(Kind.Field, label, n);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = s.field();
    return out;
  }

  /** A uniform extension-field challenge. */
  challengeExt(label: string): E.Ext {
    return this.challengeExts(label, 1)[0]!;
  }

  /** n uniform extension-field challenges. */
  challengeExts(label: string, n: number): E.Ext[] {
    const s = this.squeeze(Kind.Ext, label, n);
    return Array.from({ length: n }, () => [s.field(), s.field(), s.field(), s.field()] as const);
  }

  /**
   * `count` uniform indices in [0, n), 1 <= n <= 2^32, drawn independently (so they may repeat; query phases
   * pass them through normalizeIndices before opening).
   */
  challengeIndices(label: string, count: number, n: number): number[] {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`challengeIndices(${label}): domain size ${n} is not in [1, 2^32]`);
    const s = this.squeeze(Kind.Indices, label, count);
    const limit = Math.floor(2 ** 32 / n) * n;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      let v: number;
      do v = s.u32();
      while (v >= limit);
      out.push(v % n);
    }
    return out;
  }

  /** n uniform bytes. */
  challengeBytes(label: string, n: number): Uint8Array {
    return this.squeeze(Kind.Bytes, label, n).take(n).slice();
  }

  /**
   * Prover: finds the grinding nonce for the current state at difficulty `bits` (pow.ts), absorbs it, returns it.
   * `solver` lets a native backend do the search (backend.grind).
   */
  grind(bits: number, solver?: PowSolver): number {
    const nonce = solver ? solver.grind(this.state.slice(), bits) : grindTs(this.state, bits);
    if (!checkPow(this.state, bits, nonce)) throw new Error(`grinding: the solver returned nonce ${nonce}, which does not solve the puzzle`);
    this.absorbNonce(bits, nonce);
    return nonce;
  }

  /**
   * Verifier: whether `nonce` solves the grinding puzzle for the current state at difficulty `bits`. On success
   * it is absorbed (as the prover did); on failure the transcript is left unchanged and the proof must be rejected.
   */
  checkGrind(bits: number, nonce: number): boolean {
    if (!checkPow(this.state, bits, nonce)) return false;
    this.absorbNonce(bits, nonce);
    return true;
  }

  private absorbNonce(bits: number, nonce: number): void {
    this.absorb(Kind.PowNonce, 'pow-nonce', concat([u32le(bits), u64le(nonce)]));
  }
}

/**
 * Grinding before a challenge (FriParams.challengePowBits): with `bits` > 0 the prover solves the puzzle on the
 * transcript's current state and absorbs the nonce, so the challenge drawn next depends on it and every fresh try
 * at a bad challenge costs 2^bits hashes more; with 0 nothing is ground or absorbed (null). Nonces are below 2^32
 * (the proof codecs' width): at bits ≤ 24 needing more tries has probability below e^-256.
 */
export function grindBeforeChallenge(t: Challenger, bits: number, solver?: PowSolver): number | null {
  if (bits === 0) return null;
  const nonce = t.grind(bits, solver);
  if (nonce > 0xffffffff) throw new Error(`grinding: nonce ${nonce} does not fit the proof's 32 bits`);
  return nonce;
}

/** The verifier's side of `grindBeforeChallenge`: no nonce at 0 bits, else one that solves the puzzle (then absorbed). */
export function checkBeforeChallenge(t: Challenger, bits: number, nonce: number | null): boolean {
  if (bits === 0) return nonce === null;
  return typeof nonce === 'number' && Number.isSafeInteger(nonce) && nonce >= 0 && nonce <= 0xffffffff && t.checkGrind(bits, nonce);
}
