/**
 * The prover's blinding words, derived from the run's secret so that proving again (after a kill, or on another
 * machine with the same run) gives the same commitments and the same proofs: blinding(label) = 8 field elements
 * drawn uniformly from BLAKE3's keyed XOF of the label (rejection sampling of u32 values below p, so no bias).
 * The secret never leaves the run directory; without it the commitments hide the records (each word ~31 bits,
 * 248 bits of blinding in all).
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { P } from '../proof/field/babybear.ts';
import type { Word } from '../vm/word.ts';

export function blindingWord(secret: Uint8Array, label: string): Word {
  if (secret.length !== 32) throw new Error('the run secret must be 32 bytes');
  const stream = blake3(new TextEncoder().encode(`zpol blinding v1: ${label}`), { key: secret, dkLen: 256 });
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const out: number[] = [];
  for (let o = 0; o + 4 <= stream.length && out.length < 8; o += 4) {
    const v = view.getUint32(o, true) & 0x7fffffff;
    if (v < P) out.push(v);
  }
  if (out.length < 8) throw new Error('blinding: the XOF stream ran out (probability ~2^-200)');
  return out;
}
