/**
 * The hash a Merkle tree is built with, behind one interface so that the STARK's own trees use BLAKE3 and trees
 * whose paths the zkVM must check use Poseidon2-BabyBear (later), with the tree code unchanged.
 *
 * Both operations work on 32-bit words. A leaf message is a sequence of field elements (the salt, then the row):
 * that suits an algebraic hash, which absorbs field elements, and for BLAKE3 it is the same as hashing their
 * canonical little-endian bytes (hash/blake3.ts). A digest is 8 words, 32 bytes as their little-endian encoding;
 * for Poseidon2 it will be 8 field elements (~248 bits).
 *
 * Domain separation between leaves and inner nodes (without it, a node's 64 bytes could be passed off as a
 * 16-element leaf: the second-preimage attack RFC 6962 §2.1 prevents with prefix bytes 0x00/0x01). BLAKE3 here
 * uses two independent keys instead, each derived with BLAKE3's derive-key mode from its own context string:
 *   leaf(m)       = BLAKE3-keyed(K_leaf, m)
 *   node(l, r)    = BLAKE3-keyed(K_node, l || r)
 * A prefix byte would make every node message 65 bytes, two compressions instead of one, and would misalign the
 * word-oriented leaf messages; distinct keys give the same separation at no cost. Backends identify the hash by
 * `id`, so a native backend can run the same function without calling back into JavaScript.
 */
import { hash64, hashWords, deriveKeyWords, wordsToBytes, bytesToWords } from '../hash/blake3.ts';

/** Words in a digest. */
export const DIGEST_WORDS = 8;
/** Bytes in a digest. */
export const DIGEST_BYTES = 32;

/** A Merkle root or sibling: 32 bytes. */
export type Digest = Uint8Array;

export interface MerkleHasher {
  /** Names the function exactly; the backends dispatch on it, and it is bound into the transcript by callers. */
  readonly id: string;
  /** log2 of the work to find a collision (generic birthday bound on the digest): a cap on every proof's security. */
  readonly collisionBits: number;
  /** The digest of the leaf message input[off..off+len) (field elements), into out[outOff..outOff+8). */
  hashLeaf(input: Uint32Array, off: number, len: number, out: Uint32Array, outOff: number): void;
  /** The digest of a node from its children, input[off..off+16) = left || right, into out[outOff..outOff+8). */
  compress(input: Uint32Array, off: number, out: Uint32Array, outOff: number): void;
  /**
   * Why `digest` can never be an output of this hasher (e.g. a word that is not a canonical field element), or
   * null. Verifiers check received digests with it before hashing them; absent, every 32 bytes are a digest.
   */
  digestProblem?(digest: Digest): string | null;
}

const LEAF_KEY = deriveKeyWords('zpol 2025-11-24 merkle leaf v1');
const NODE_KEY = deriveKeyWords('zpol 2025-11-24 merkle node v1');

/** BLAKE3 with leaf and node domains separated by derived keys. */
export const blake3Hasher: MerkleHasher = {
  id: 'blake3-keyed-v1',
  collisionBits: 128,
  hashLeaf(input, off, len, out, outOff) {
    hashWords(input, off, len, LEAF_KEY, true, out, outOff);
  },
  compress(input, off, out, outOff) {
    hash64(NODE_KEY, input, off, out, outOff);
  },
};

/** The hash used for the STARK's commitments unless a caller picks another. */
export const defaultHasher: MerkleHasher = blake3Hasher;

/** The 32-byte keys of the BLAKE3 hasher (for other implementations of it and for tests). */
export const BLAKE3_KEYS = { leaf: wordsToBytes(LEAF_KEY), node: wordsToBytes(NODE_KEY) } as const;

/** Convenience: the digest of a leaf message given as field elements. */
export function hashLeaf(hasher: MerkleHasher, message: Uint32Array): Digest {
  const out = new Uint32Array(DIGEST_WORDS);
  hasher.hashLeaf(message, 0, message.length, out, 0);
  return wordsToBytes(out);
}

/** Convenience: the digest of a node from two 32-byte child digests. */
export function compress(hasher: MerkleHasher, left: Digest, right: Digest): Digest {
  if (left.length !== DIGEST_BYTES || right.length !== DIGEST_BYTES) {
    throw new RangeError(`digests must be ${DIGEST_BYTES} bytes, got ${left.length} and ${right.length}`);
  }
  const input = new Uint32Array(2 * DIGEST_WORDS);
  input.set(bytesToWords(left), 0);
  input.set(bytesToWords(right), DIGEST_WORDS);
  const out = new Uint32Array(DIGEST_WORDS);
  hasher.compress(input, 0, out, 0);
  return wordsToBytes(out);
}
