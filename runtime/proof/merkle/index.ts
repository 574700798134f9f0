/** Merkle commitments over matrix rows: hash interface, trees, batched openings and their verification. */
export * from './hasher.ts';
export * from './tree.ts';
export * from './verify.ts';
export * from './mixed.ts';
