/**
 * The backends behind ProofBackend (../backend.ts): the TypeScript reference here; native ones in gpu/.
 */
import { Matrix } from '../matrix.ts';
import { P } from '../field/babybear.ts';
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

/**
 * The coset LDE of t + Z_H·r for every column: t given by its evaluations on H_n (`m`, n rows), r by its
 * coefficients (`randomizer`, S rows, constant first; null: none), Z_H = Xⁿ − 1. The result is the polynomial's
 * evaluations on shift·H_{n·2^logBlowup}, natural order. Built from the backend's inverse NTT and coset NTT with
 * r's coefficients added in between (t + Z_H·r has coefficients t_k − r_k below S and r_k at n + k), so every
 * backend gives the same field elements; without a randomiser it is the backend's own `cosetLde`, and a backend
 * with its own `cosetLdeRandomized` (the native one: one fused pass) computes it whole when S <= n.
 */
export function cosetLdeRandomized(backend: ProofBackend, m: Matrix, randomizer: Matrix | null, logBlowup: number, shift: number): Matrix {
  if (randomizer === null || randomizer.height === 0) return backend.cosetLde(m, logBlowup, shift);
  const n = m.height;
  const w = m.width;
  const s = randomizer.height;
  const N = n * 2 ** logBlowup;
  if (randomizer.width !== w) throw new RangeError(`cosetLdeRandomized: the randomiser has ${randomizer.width} columns, the matrix ${w}`);
  if (n + s > N) throw new RangeError(`cosetLdeRandomized: degree ${n + s} does not fit a domain of ${N}`);
  if (backend.cosetLdeRandomized && s <= n) return backend.cosetLdeRandomized(m, randomizer, logBlowup, shift);
  const coeffs = new Uint32Array(N * w);
  coeffs.set(m.values);
  backend.inttColumns(coeffs.subarray(0, n * w), w);
  const r = randomizer.values;
  for (let k = 0; k < s; k++) {
    for (let c = 0; c < w; c++) {
      const v = r[k * w + c]!;
      const lo = k * w + c;
      const t = coeffs[lo]! - v;
      coeffs[lo] = t < 0 ? t + P : t;
      const hi = (n + k) * w + c;
      const u = coeffs[hi]! + v;
      coeffs[hi] = u >= P ? u - P : u;
    }
  }
  backend.cosetNttColumns(coeffs, w, shift);
  return new Matrix(coeffs, w);
}
