/** The FRI PCS's proof object (fri-pcs.ts makes and checks it, codec.ts encodes it). */
import type { Digest } from '../merkle/hasher.ts';
import type { MerkleOpening } from '../merkle/tree.ts';
import type { MixedOpening } from '../merkle/mixed.ts';
import type { FriProof } from '../fri/prover.ts';

export interface FriPcsProof {
  /** Root of the masking polynomial's tree (zk only). */
  readonly maskRoot: Digest | null;
  /** The nonce ground before the batching coefficients (params.challengePowBits > 0; else null). */
  readonly alphaNonce: number | null;
  readonly fri: FriProof;
  /**
   * Per request, in order: the commit's mixed tree opened at the queries' leaves (ascending, distinct); null for a
   * request the verifier holds (`OpeningRequest.held`), which the encoding leaves out.
   */
  readonly inputOpenings: readonly (MixedOpening | null)[];
  /**
   * The masking polynomial's values at the queried positions (zk only). Its tree has one leaf per position of
   * the bit-reversed mask codeword (leaf q = R at FRI position q) and no salt: see `maskLayout`.
   */
  readonly maskOpening: MerkleOpening | null;
}
