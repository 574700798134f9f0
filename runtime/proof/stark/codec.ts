/**
 * The canonical binary encoding of a STARK proof.
 *
 *   "ZPST" · version (u8, = 7) · table count (u8) · log height per table (u8 each)
 *   · main root (32 bytes) · when some table has bus messages: [the LogUp nonce (u32 LE)], aux root (32) and
 *   every table's claimed sum (16 each; zero, and checked zero, for a table without bus messages) · quotient
 *   root (32) · [the ζ nonce (u32 LE)] · opened values (16
 *   bytes each, in commitLayouts order: commitment, matrix, point, opened column: at ω·ζ only the columns the
 *   constraints read at the next row, and no ω·ζ for a trace they never read there) · PCS proof length (u32 LE)
 *   · PCS proof.
 *
 * The nonces in brackets are there exactly when the PCS's params.challengePowBits > 0 (prover.ts).
 *
 * Version 8: with zero knowledge the quotient commitment holds the PCS's masking polynomial (protocol.ts
 * CommitLayout.mask; PCS proof version 5: no mask tree, one Merkle path a query fewer); version 7: LogUp's last group is carried by the running sum, which alone is read at the next row (air/logup.ts:
 * one extension column fewer a table, no h_g at ω·ζ); version 6: a doubled table with a tall quotient has a randomiser of 3q + 2 coefficients (taller under 86
 * rows at 28 queries); version 5: doubled tables commit their quotient as tall chunks (system.ts zkLayout with the proof's
 * `quotientLogCap`: fewer opened values); version 4: the nonces ground before the LogUp challenges and ζ; version 3: zero knowledge by small randomisers (system.ts zkLayout: committed heights, degree slacks, quotient
 * chunks of L coefficients); version 2: one root per commitment phase (mixed-height trees); version 1 had one root
 * per table and phase.
 *
 * Everything but the PCS proof's length is fixed by the constraint system and the table heights, so the decoder
 * reads no other length from the proof, and checks that one against the bytes that remain. Field elements must
 * be canonical; trailing bytes are an error. One proof has exactly one encoding.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import { DIGEST_BYTES } from '../merkle/hasher.ts';
import { concat } from '../transcript.ts';
import type { OpenedValues } from '../pcs/types.ts';
import type { StarkProof } from './prover.ts';
import { commitLayouts, MAX_LOG_HEIGHT, type CommitLayout } from './protocol.ts';
import type { StarkSystem } from './system.ts';

export const STARK_PROOF_VERSION = 8;
const MAGIC = [0x5a, 0x50, 0x53, 0x54]; // "ZPST"

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function encodeStarkProof<P>(proof: StarkProof<P>, encodePcs: (p: P) => Uint8Array): Uint8Array {
  const pcs = encodePcs(proof.pcsProof);
  const parts: Uint8Array[] = [Uint8Array.from([...MAGIC, STARK_PROOF_VERSION, proof.logHeights.length, ...proof.logHeights])];
  parts.push(proof.mainRoot);
  const u32 = (v: number) => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  if (proof.logupNonce !== null) parts.push(u32(proof.logupNonce));
  if (proof.auxRoot) {
    parts.push(proof.auxRoot);
    for (const sum of proof.claimedSums) parts.push(E.encode(sum));
  }
  parts.push(proof.quotientRoot);
  if (proof.zetaNonce !== null) parts.push(u32(proof.zetaNonce));
  for (const commitment of proof.values) for (const matrix of commitment) for (const point of matrix) for (const v of point) parts.push(E.encode(v));
  parts.push(u32(pcs.length), pcs);
  return concat(parts);
}

class Reader {
  off = 0;
  constructor(readonly bytes: Uint8Array) {}
  take(n: number, what: string): Uint8Array {
    if (n > this.bytes.length - this.off) throw new DecodeError(`truncated: ${what} needs ${n} bytes, ${this.bytes.length - this.off} left`);
    const out = this.bytes.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  u8(what: string): number {
    return this.take(1, what)[0]!;
  }
  u32(what: string): number {
    const b = this.take(4, what);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  ext(what: string): E.Ext {
    const b = this.take(E.BYTES, what);
    for (let i = 0; i < 4; i++) {
      const w = b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24);
      if (!F.isCanonical(w >>> 0)) throw new DecodeError(`${what}: not a canonical field element`);
    }
    return E.decode(b);
  }
}

class DecodeError extends Error {}

/**
 * The table heights a STARK proof's header declares, read without a system (a cheap check of a file before any
 * system is built); the full decode checks them against the system.
 */
export function peekStarkHeights(bytes: Uint8Array): { ok: true; logHeights: number[] } | { ok: false; error: string } {
  if (!(bytes instanceof Uint8Array) || bytes.length < MAGIC.length + 2) return { ok: false, error: 'proof: too short for a zpol STARK proof' };
  if (MAGIC.some((m, i) => bytes[i] !== m)) return { ok: false, error: 'proof: not a zpol STARK proof (bad magic)' };
  const version = bytes[MAGIC.length]!;
  if (version !== STARK_PROOF_VERSION) return { ok: false, error: `proof: unsupported version ${version} (this verifier reads ${STARK_PROOF_VERSION})` };
  const T = bytes[MAGIC.length + 1]!;
  if (bytes.length < MAGIC.length + 2 + T) return { ok: false, error: 'proof: truncated in its table heights' };
  const logHeights = Array.from(bytes.subarray(MAGIC.length + 2, MAGIC.length + 2 + T));
  const bad = logHeights.findIndex((h) => h < 1 || h > MAX_LOG_HEIGHT);
  if (bad >= 0) return { ok: false, error: `proof: table ${bad} log height ${logHeights[bad]} out of range` };
  return { ok: true, logHeights };
}

/**
 * Parses a proof for `system`. `decodePcs` parses the PCS part given the commitment layouts. Never throws.
 */
export function decodeStarkProof<P>(
  bytes: Uint8Array,
  system: StarkSystem<P>,
  decodePcs: (bytes: Uint8Array, layouts: readonly CommitLayout[]) => Decoded<P>,
): Decoded<StarkProof<P>> {
  try {
    if (!(bytes instanceof Uint8Array)) return { ok: false, error: 'proof: input is not bytes' };
    const rd = new Reader(bytes);
    for (const m of MAGIC) if (rd.u8('magic') !== m) return { ok: false, error: 'proof: not a zpol STARK proof (bad magic)' };
    const version = rd.u8('version');
    if (version !== STARK_PROOF_VERSION) return { ok: false, error: `proof: unsupported version ${version} (this verifier reads ${STARK_PROOF_VERSION})` };
    const T = rd.u8('table count');
    if (T !== system.tables.length) return { ok: false, error: `proof: has ${T} tables, the system ${system.tables.length}` };
    const logHeights: number[] = [];
    for (let i = 0; i < T; i++) {
      const h = rd.u8('log height');
      if (h < 1 || h > MAX_LOG_HEIGHT) return { ok: false, error: `proof: table ${i} log height ${h} out of range` };
      logHeights.push(h);
    }
    const mainRoot = rd.take(DIGEST_BYTES, 'main root');
    const anyBus = system.tables.some((t) => t.logup.auxWidth > 0);
    const nonces = (system.pcs.params.challengePowBits ?? 0) > 0;
    const logupNonce = anyBus && nonces ? rd.u32('LogUp nonce') : null;
    const auxRoot = anyBus ? rd.take(DIGEST_BYTES, 'aux root') : null;
    const claimedSums = system.tables.map((t, i) => {
      if (!anyBus) return E.ZERO;
      const sum = rd.ext('claimed sum');
      if (t.logup.auxWidth === 0 && !E.isZero(sum)) throw new DecodeError(`table ${i} has no bus messages but a non-zero claimed sum`);
      return sum;
    });
    const quotientRoot = rd.take(DIGEST_BYTES, 'quotient root');
    const zetaNonce = nonces ? rd.u32('ζ nonce') : null;
    const layouts = commitLayouts(system, logHeights);
    const values: OpenedValues = layouts.map((l) =>
      l.widths.map((_, m) => Array.from({ length: l.points[m]! }, (_, j) => Array.from({ length: l.columns[m]![j]?.length ?? l.valueWidths[m]! }, () => rd.ext('opened value')))),
    );
    const pcsLength = rd.u32('pcs proof length');
    const pcsBytes = rd.take(pcsLength, 'pcs proof');
    if (rd.off !== bytes.length) return { ok: false, error: `proof: ${bytes.length - rd.off} trailing bytes` };
    const pcs = decodePcs(pcsBytes, layouts);
    if (!pcs.ok) return pcs;
    return { ok: true, value: { logHeights, mainRoot, logupNonce, zetaNonce, auxRoot, claimedSums, quotientRoot, values, pcsProof: pcs.value } };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: `proof: ${e.message}` };
    return { ok: false, error: `proof: malformed (${e instanceof Error ? e.message : String(e)})` };
  }
}
