/**
 * The pure-TypeScript backend: the reference every other backend must match bit for bit. Always available; no
 * native code, no GPU.
 */
import type { ProofBackend } from '../backend.ts';
import { Matrix } from '../matrix.ts';
import * as ntt from '../field/ntt.ts';
import { buildLayers, layoutOf, writeLeafMessage, rowLength } from '../merkle/tree.ts';
import { DIGEST_WORDS, type MerkleHasher } from '../merkle/hasher.ts';
import { grind } from '../pow.ts';

export const tsBackend: ProofBackend = {
  name: 'ts',
  nttColumns(values, width) {
    ntt.nttColumns(values, width);
  },
  inttColumns(values, width) {
    ntt.inttColumns(values, width);
  },
  cosetNttColumns(values, width, shift) {
    ntt.cosetNttColumns(values, width, shift);
  },
  cosetInttColumns(values, width, shift) {
    ntt.cosetInttColumns(values, width, shift);
  },
  cosetLde(m, logBlowup, shift) {
    return new Matrix(ntt.cosetLdeColumns(m.values, m.width, logBlowup, shift), m.width);
  },
  supportsHasher() {
    return true; // any MerkleHasher object can run here
  },
  hashLeaves(hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null) {
    const layout = layoutOf(matrices, salts);
    const message = new Uint32Array(layout.saltLength + rowLength(layout));
    const out = new Uint32Array(layout.height * DIGEST_WORDS);
    for (let i = 0; i < layout.height; i++) {
      const len = writeLeafMessage(matrices, salts, i, message);
      hasher.hashLeaf(message, 0, len, out, i * DIGEST_WORDS);
    }
    return out;
  },
  merkleLayers(hasher, matrices, salts) {
    return buildLayers(hasher, matrices, salts);
  },
  merkleNodes(hasher, below) {
    if (below.length === 0 || below.length % (2 * DIGEST_WORDS) !== 0) throw new RangeError('merkleNodes: the level below must hold an even, positive number of digests');
    const n = below.length / (2 * DIGEST_WORDS);
    const out = new Uint32Array(n * DIGEST_WORDS);
    for (let j = 0; j < n; j++) hasher.compress(below, 2 * j * DIGEST_WORDS, out, j * DIGEST_WORDS);
    return out;
  },
  grind(challenge, bits) {
    return grind(challenge, bits);
  },
};
