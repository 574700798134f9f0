/**
 * The hash a proof is made with, as one choice: the Merkle hasher of its commitments and the Fiat-Shamir
 * transcript go together, so that a proof is either all BLAKE3 (fast to prove and verify natively: the default)
 * or all Poseidon2-BabyBear (every hash a field permutation, cheap for a zkVM program that verifies the proof: the
 * configuration of proofs to be aggregated by recursion). Passed to the PCS as configuration:
 * `new FriPcs(params, { ...HASH_CONFIGS.poseidon2, backend })`. The verifier must use the configuration the prover
 * used; a proof made with one does not verify with the other (the transcript's first frame differs).
 */
import { blake3Hasher, type MerkleHasher } from './merkle/hasher.ts';
import { poseidon2Hasher } from './merkle/poseidon2-hasher.ts';
import { Transcript, type Challenger } from './transcript.ts';
import { Poseidon2Transcript } from './transcript-poseidon2.ts';

export type HashConfigName = 'blake3' | 'poseidon2';

export interface HashConfig {
  readonly name: HashConfigName;
  readonly hasher: MerkleHasher;
  readonly transcript: (protocol: string) => Challenger;
}

export const HASH_CONFIGS: Readonly<Record<HashConfigName, HashConfig>> = {
  blake3: { name: 'blake3', hasher: blake3Hasher, transcript: (protocol) => new Transcript(protocol) },
  poseidon2: { name: 'poseidon2', hasher: poseidon2Hasher, transcript: (protocol) => new Poseidon2Transcript(protocol) },
};
