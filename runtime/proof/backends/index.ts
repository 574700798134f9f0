/**
 * The backends behind ProofBackend (../backend.ts): the TypeScript reference here; native ones in gpu/.
 */
import type { Matrix } from '../matrix.ts';
import type { MerkleHasher } from '../merkle/hasher.ts';
import { MerkleTree } from '../merkle/tree.ts';
import { buildMixedLayers, MixedMerkleTree } from '../merkle/mixed.ts';
import type { ProofBackend } from '../backend.ts';
import { tsBackend } from './ts.ts';

export { tsBackend } from './ts.ts';

/**
 * Commits to a group of equal-height matrices (with salts, or null for a non-hiding tree) on `backend`, or on the
 * TypeScript reference when `backend` does not implement the hasher.
 */
export function commitTree(backend: ProofBackend, hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): MerkleTree {
  const b = backend.supportsHasher(hasher) ? backend : tsBackend;
  return new MerkleTree(hasher, matrices, salts, b.merkleLayers(hasher, matrices, salts));
}

/** Commits to matrices of any heights in one mixed tree (merkle/mixed.ts), salts for its tallest level or null. */
export function commitMixedTree(backend: ProofBackend, hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): MixedMerkleTree {
  const b = backend.supportsHasher(hasher) ? backend : tsBackend;
  return new MixedMerkleTree(hasher, matrices, salts, buildMixedLayers(b, hasher, matrices, salts));
}
