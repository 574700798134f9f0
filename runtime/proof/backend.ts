/**
 * Writes leaf(r) of a [rows, cols] bf16 matrix into leaves[8r, 8r + 8) for every row r and, when a row has more than
 * one chunk (chunkCount(cols) = G > 1), chunk g of row r into chunkDigests[8(rG + g), 8(rG + g) + 8); chunkDigests is
 * empty when G = 1. The same words as runtime/run/tensor-commit.ts's reference.
 */
export type TensorRowDigests = (values: Uint16Array, rows: number, cols: number, leaves: Uint32Array, chunkDigests: Uint32Array) => void;

/**
 * The compute backend: the prover's heavy kernels behind one interface, so that the pure-TypeScript reference
 * (backends/ts.ts) and the native C++ and CUDA backends (gpu/) are interchangeable. The architecture requires
 * all three to produce bit-identical proofs, so every operation here has one exact, documented result (natural
 * order NTTs, the coset LDE of field/ntt.ts, the tree layout of merkle/tree.ts, the hash named by `hasher.id`,
 * the least grinding nonce). Protocol logic (the transcript, FRI, the verifier) stays in TypeScript and only calls
 * these.
 *
 * Data crosses the interface as `Uint32Array`s of canonical field elements in row-major order (`Matrix`) and as
 * digest words, which a Node-API addon can share without copying.
 *
 * Which backend proves is configuration, passed in as Plonky3 passes its StarkConfig, never a global: the PCS
 * holds it (`new FriPcs(params, { backend })`), the STARK prover uses the system's PCS's, and the chain prover and
 * the conformance proofs take one from their caller. Without one, the TypeScript reference (backends/ts.ts).
 */
import type { Matrix } from './matrix.ts';
import type { ConstraintProgram, VectorInputs } from './air/eval.ts';
import type { MerkleHasher } from './merkle/hasher.ts';
import type { Ext } from './field/extension.ts';
import type { QuotientTerm } from './pcs/deep-quotient.ts';

/** What a backend's LogUp kernel reads: one table's interactions evaluated on its rows, its groups, the challenges. */
export interface LogupAuxInput {
  readonly height: number;
  /** Per interaction: its bus, its values' vectors (height each) and its multiplicity's. */
  readonly interactions: readonly { readonly bus: number; readonly values: readonly Uint32Array[]; readonly multiplicity: Uint32Array }[];
  /** Interactions (indices) per aux column (air/logup.ts LogUpLayout.groups). */
  readonly groups: readonly (readonly number[])[];
  /** β, then α_0, α_1, … (air/logup.ts CHALLENGE_BETA, challengeAlpha). */
  readonly challenges: readonly (readonly [number, number, number, number])[];
}

export interface ProofBackend {
  /** 'ts', 'cpu', 'cuda', ... */
  readonly name: string;

  /** In place: each column of the row-major matrix `values` (width columns), coefficients -> evaluations on H_n. */
  nttColumns(values: Uint32Array, width: number): void;
  /** In place: each column, evaluations on H_n -> coefficients. */
  inttColumns(values: Uint32Array, width: number): void;
  /** In place: each column, coefficients -> evaluations on the coset shift·H_n. */
  cosetNttColumns(values: Uint32Array, width: number, shift: number): void;
  /** In place: each column, evaluations on the coset shift·H_n -> coefficients. */
  cosetInttColumns(values: Uint32Array, width: number, shift: number): void;
  /**
   * The low-degree extension of every column: evaluations on H_n in, evaluations on shift·H_{n·2^logBlowup}
   * out (natural order), as a new matrix.
   */
  cosetLde(m: Matrix, logBlowup: number, shift: number): Matrix;
  /**
   * Optional: the coset LDE of t + Z_H·r in one call (backends/index.ts cosetLdeRandomized, whose result it must
   * equal): t by its evaluations on H_n (`m`), r by its coefficients (`randomizer`, at most n rows, constant first).
   * Without it, the backend's inverse NTT and coset NTT with r added in between.
   */
  cosetLdeRandomized?(m: Matrix, randomizer: Matrix, logBlowup: number, shift: number): Matrix;
  /**
   * Optional: hands back the values of matrices this backend made (cosetLde's, cosetLdeRandomized's) that the caller
   * will never read again, so that a later call may write its output over them (gpu/output-pool.ts: fewer fresh
   * buffers, fewer full collections). Arrays the backend did not make are ignored.
   */
  recycle?(values: readonly Uint32Array[]): void;

  /** Whether this backend implements `hasher` itself (by id); if not, callers fall back to the TypeScript one. */
  supportsHasher(hasher: MerkleHasher): boolean;
  /** The leaf digests of a group of equal-height matrices with optional salts (8 words per row). */
  hashLeaves(hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): Uint32Array;
  /** All layers of the Merkle tree over the group's rows, leaves first (merkle/tree.ts). */
  merkleLayers(hasher: MerkleHasher, matrices: readonly Matrix[], salts: Matrix | null): Uint32Array[];
  /**
   * One level of a Merkle tree: `below` holds 2n digests (8 words each), the result n, node j = compress(digest 2j,
   * digest 2j + 1). The mixed-height tree (merkle/mixed.ts) builds its levels with it.
   */
  merkleNodes(hasher: MerkleHasher, below: Uint32Array): Uint32Array;

  /** The least nonce solving the proof-of-work puzzle (pow.ts) for a 32-byte challenge. */
  grind(challenge: Uint8Array, bits: number): number;
  /** Optional: the least nonce solving the Poseidon2 configuration's puzzle (pow.ts); without it, the reference search. */
  grindPoseidon2?(challenge: Uint32Array, bits: number): number;
  /** Optional: a draw's proof of work past 30 bits (pow.ts PowSolver); without it, sampling.ts's reference search. */
  grindPoseidon2Lanes?(challenge: Uint32Array, thresholds: readonly number[], start: number, end?: number): number;
  /**
   * Optional: a tensor commitment's row hashes (runtime/run/tensor-commit.ts, TensorRowDigests): every row's leaf
   * and, for rows of more than one chunk, its chunk digests. Without it, commitMatrix hashes in TypeScript.
   */
  tensorRowDigests?: TensorRowDigests;

  /**
   * Optional: the LogUp auxiliary trace (air/logup.ts buildAuxTrace's columns and claimed sum) from each
   * interaction's evaluated value and multiplicity vectors. Without it, buildAuxTrace (the reference).
   */
  logupAux?(input: LogupAuxInput): { values: Uint32Array; claimedSum: readonly [number, number, number, number] };

  /**
   * Optional: Z_H(x)^-1 · Σ_j γ^j·C_j(x) at every point of the quotient domain (4 words per point), the
   * constraints as `compileConstraints` bytecode, zInv[i mod zInv.length] the vanishing polynomial's inverse at
   * point i. Without it, stark/prover.ts evaluates the constraints in TypeScript (the reference).
   */
  evaluateQuotient?(program: ConstraintProgram, inputs: VectorInputs, gammaPowers: Uint32Array, zInv: Uint32Array): Uint32Array;
  /**
   * Optional: air/eval.ts evaluateRows over every row of `inputs` for roots that are all base-field expressions
   * (`compileConstraints` bytecode), one vector per root: the same field elements. stark/prover.ts evaluates the
   * LogUp interactions with it.
   */
  evaluateBaseRows?(program: ConstraintProgram, inputs: VectorInputs): Uint32Array[];

  /**
   * Optional: `out` filled with the prover's random generator's next field elements from a counter on, and the words
   * consumed and the last block begun returned (rng.ts FieldSource), the same words; the PCS draws its Merkle salts
   * with it. Without it, the reference one block at a time.
   */
  keyedFieldStream?(key: Uint32Array, counterLow: number, counterHigh: number, out: Uint32Array): Uint32Array;
  /** Optional: matrix.ts isCanonical on the values (every element below p), the same answer. */
  allCanonical?(values: Uint32Array): boolean;
  /** Optional: field/ntt.ts bitReverseRows (rows into bit-reversed order, in place), same result. */
  bitReverseRows?(values: Uint32Array, width: number): void;
  /** Optional: fri/fold.ts foldCodeword (a bit-reversed codeword folded by 2^logArity), same result. */
  foldCodeword?(cw: Uint32Array, logSize: number, shift: number, beta: Ext, logArity: number): Uint32Array;
  /**
   * Optional: pcs/deep-quotient.ts combineColumns over the given columns of m (all when null), read in place:
   * out[i·stride + offset ..+4) = Σ_k coeffs[k]·m[i][columns[k]]. Without it, the reference on the columns taken out.
   */
  combineColumns?(m: Matrix, columns: readonly number[] | null, coeffs: Uint32Array, out: Uint32Array, stride: number, offset: number): void;
  /**
   * Optional: Σ_i weights[i]·m[i][k] for the given columns k (all when null), 4 words each, weights packed extension
   * elements a row: pcs/deep-quotient.ts's barycentric sums (evaluateColumns), same result.
   */
  weightedColumnSums?(m: Matrix, weights: Uint32Array, columns: readonly number[] | null): Uint32Array;
  /** Optional: pcs/deep-quotient.ts reducedQuotient (the DEEP quotient over the LDE domain, bit-reversed), same result. */
  reducedQuotient?(logDomain: number, terms: readonly QuotientTerm[], lifted: Matrix | null, points: readonly Ext[], claimed: Uint32Array): Uint32Array;

  /**
   * Optional: the width from which the FRI PCS's DEEP quotient combines a matrix's columns on the trace domain and
   * extends the 4-column result, instead of combining them row by row on the larger LDE domain (pcs/deep-quotient.ts
   * LIFT_MIN_WIDTH, tuned for the TypeScript LDE, when absent). Both give the same field elements, so the proof
   * bytes do not depend on it; a backend whose LDE of a few columns is cheap lifts narrower matrices.
   */
  readonly liftMinWidth?: number;
}
