/** The STARK foundations: fields, NTT, matrices, Merkle commitments, Fiat-Shamir, the compute backend. */
export * as F from './field/babybear.ts';
export * as E from './field/extension.ts';
export * as NTT from './field/ntt.ts';
export { Matrix } from './matrix.ts';
export * as merkle from './merkle/index.ts';
export { Transcript, type Challenger } from './transcript.ts';
export { Poseidon2Transcript } from './transcript-poseidon2.ts';
export { Rng } from './rng.ts';
export { checkPow, grind } from './pow.ts';
export type { ProofBackend } from './backend.ts';
export { commitTree, tsBackend } from './backends/index.ts';
export * as poseidon2 from './hash/poseidon2.ts';
export { poseidon2Hasher } from './merkle/poseidon2-hasher.ts';
