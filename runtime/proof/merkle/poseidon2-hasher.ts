/**
 * Poseidon2-BabyBear (width 16) as a Merkle hasher, for trees whose paths the zkVM checks: the same tree code
 * (tree.ts, verify.ts) with an algebraic hash in place of BLAKE3. The hash is hash/poseidon2.ts (Plonky3's
 * BabyBear width-16 parameters):
 *
 *   leaf(m)     = Sponge(m)                      overwrite sponge, rate 8, capacity 8, 10* padding (Pad10Sponge)
 *   node(l, r)  = first 8 elements of Poseidon2(l || r)          (Plonky3's TruncatedPermutation)
 *
 * Words are field elements throughout: a leaf message is the salt and row elements as they are; a digest is 8
 * canonical field elements in the interface's 8 words, so its 32 bytes (little-endian words) are the canonical
 * encodings of the 8 elements. A word that is not a canonical element (>= p) is rejected with a RangeError
 * rather than reduced, so no two byte strings name the same digest (a reduced-mod-p sibling would make an
 * opening malleable). verify.ts checks rows and salts before hashing, but not sibling digests: a hostile sibling
 * >= p surfaces as that RangeError from `compress` (the STARK verifier's catch turns it into a rejection);
 * `digestProblem` below is the check a verifier can run first to report it as an invalid proof instead.
 *
 * Leaf/node separation. hasher.ts asks that a node's 16 words cannot be passed off as a leaf, nor a leaf as a
 * node. Poseidon2 has no key to vary, so the two differ by construction, as in Plonky3's MMCS (sponge leaves,
 * `TruncatedPermutation` nodes, no tags): a leaf digest comes from a permutation whose input's second half (the
 * capacity) is a fixed value (zero, or (1, 0, ..., 0) for a leaf of exactly 8 elements) or the sponge's running capacity,
 * which is never output; a node's input has the right child there. For a leaf digest to equal a node digest
 * other than by a collision of the truncated permutation (~2^124 work), the right child would have to equal
 * one of those fixed values, or the attacker would have to reach a sponge state with a prescribed capacity:
 * preimage problems on 248 bits. Besides, the layout (tree height, leaf length) is fixed by the protocol, so
 * the verifier never reads a node where a leaf belongs.
 */
import { P } from '../field/babybear.ts';
import { poseidon2 } from '../hash/poseidon2.ts';
import { DIGEST_BYTES, type Digest, type MerkleHasher } from './hasher.ts';

/** The hasher id bound into transcripts: Poseidon2, BabyBear, width 16, Plonky3 constants. */
export const POSEIDON2_HASHER_ID = 'poseidon2-babybear-16';

export const poseidon2Hasher: MerkleHasher = {
  id: POSEIDON2_HASHER_ID,
  // 8 elements of a 31-bit field: 8·log2(p) ≈ 247.7 bits of digest, half of it against collisions.
  collisionBits: Math.floor((8 * Math.log2(P)) / 2),
  hashLeaf(input, off, len, out, outOff) {
    poseidon2.hash(input, off, len, out, outOff);
  },
  compress(input, off, out, outOff) {
    poseidon2.compress(input, off, out, outOff);
  },
  digestProblem: (digest) => digestProblem(digest),
};

/**
 * Why a 32-byte value cannot be a digest of this hasher (wrong length, or a little-endian word >= p), or null
 * if it can.
 */
export function digestProblem(digest: Digest): string | null {
  if (!(digest instanceof Uint8Array) || digest.length !== DIGEST_BYTES) return `a digest is ${DIGEST_BYTES} bytes`;
  for (let j = 0; j < DIGEST_BYTES; j += 4) {
    const w = (digest[j]! | (digest[j + 1]! << 8) | (digest[j + 2]! << 16) | (digest[j + 3]! << 24)) >>> 0;
    if (w >= P) return `digest element ${j / 4}: ${w} is not a canonical BabyBear element`;
  }
  return null;
}
