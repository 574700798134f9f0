/**
 * The polynomial commitment scheme (PCS) seen from the STARK prover and verifier: commit to matrices whose
 * columns are polynomials, later open them at out-of-domain points, and prove the openings with FRI.
 *
 * A committed matrix is given by its evaluations on the trace domain H_n = <ω_n> (natural order), so every
 * column is a polynomial of degree < n. The PCS extends each column to the coset g·H_{n·B} (B = 2^logBlowup,
 * g = the group generator), commits the extension's rows in one salted Merkle tree per commit, and at opening
 * time proves, for every requested point z and column f, the claimed value f(z), by FRI on the batched DEEP
 * quotients (f(X) − f(z)) / (X − z). Columns of different heights are batched the way Plonky3's two-adic FRI
 * PCS does it: each height's reduced quotient enters the FRI folding when the folded domain reaches its size.
 *
 * Extension-field columns (LogUp running sums, quotient chunks) are committed as 4 base columns each; a request
 * may open them as extension columns, one value each (`OpeningRequest.packed`). Opened values are extension
 * elements because the points are.
 */
import type { ProofBackend } from '../backend.ts';
import type * as E from '../field/extension.ts';
import type { Matrix } from '../matrix.ts';
import type { Digest, MerkleHasher } from '../merkle/hasher.ts';
import type { Verdict } from '../merkle/verify.ts';
import type { Rng } from '../rng.ts';
import type { Challenger } from '../transcript.ts';

export interface PcsParams {
  /** log2 of the Reed–Solomon blowup B (rate 1/B). */
  readonly logBlowup: number;
  readonly numQueries: number;
  /** Proof-of-work bits ground before the query indices are drawn. */
  readonly powBits: number;
  /**
   * Proof-of-work bits ground before each challenge whose bad fraction grows with the domain: the batching
   * coefficients, each FRI folding β, and (read by the STARK layer) the LogUp challenges and ζ. Absent: 0, no
   * grinding and no nonces. See pcs/security.ts and stark/security.ts.
   */
  readonly challengePowBits?: number;
  /** log2 of the FRI folding arity (1 = fold by 2). */
  readonly logFoldingArity: number;
  /** log2 of the length of the final polynomial FRI sends in clear (its coefficients). */
  readonly logFinalPolyLen: number;
  /** Field elements of salt per Merkle leaf; 0 makes commitments binding but not hiding. */
  readonly saltLength: number;
  /** Whether `open` adds a random masking codeword to the FRI batch, for zero knowledge. */
  readonly zk: boolean;
  /**
   * Whether the verifier holds the public commitments it opens (a STARK's preprocessed columns, committed at setup
   * by the verifier too): their rows at the queries then do not travel in the proof (`OpeningRequest.held`), the
   * verifier reads them from its own commitment. Absent: false, every opening travels (an in-VM verifier holds
   * no commitment: the Poseidon2 configurations leave it off).
   */
  readonly verifierHoldsPublic?: boolean;
}

/** What the verifier knows about one commit: its root and shape. */
export interface CommitmentShape {
  readonly root: Digest;
  /**
   * log2 of n for each matrix of the commit, in commit order (heights may differ: one mixed tree holds them all,
   * merkle/mixed.ts).
   */
  readonly logHeights: readonly number[];
  /** Number of base columns of each matrix in the commit, in commit order. */
  readonly widths: readonly number[];
  /** Field elements of salt per leaf of the tree's tallest level (0 for a non-hiding commit). */
  readonly saltLength: number;
  /**
   * Per matrix, its degree slack S (absent: 0 for every matrix): each column is a polynomial of degree < n + S,
   * the trace values on H_n plus Z_H times a randomiser of S coefficients (`commit`'s `randomizers`).
   */
  readonly slacks?: readonly number[];
  /**
   * zk only: the commit also holds the FRI masking polynomial R (fri-pcs.ts), as one more matrix of 4 base
   * columns after the listed ones, committed on H_(2^logHeight) with `slack` randomiser coefficients and never
   * opened at a point. An opening reads R's values at the queries from this commit's rows, so R needs no tree of
   * its own. `maskShapeOf` gives the only accepted values (the plan's tallest height and friSlacks' mask slack).
   */
  readonly mask?: MaskShape;
}

/** Where a commit holding the zk mask puts it: its log height and degree slack (CommitmentShape.mask). */
export interface MaskShape {
  readonly logHeight: number;
  readonly slack: number;
}

export interface CommitOptions {
  readonly hiding?: boolean;
  readonly randomizers?: readonly (Matrix | null)[];
  /**
   * Commit the zk mask R with these matrices (CommitmentShape.mask): a uniformly random polynomial drawn from the
   * commit's rng after the salts. Only for a hiding commit of a zk PCS.
   */
  readonly mask?: MaskShape;
}

/** The prover's side of one commit (the LDE and its tree), opaque to callers. */
export interface ProverCommitment {
  readonly shape: CommitmentShape;
  /**
   * Optional: matrix i's committed extension, the evaluations of its committed polynomial (t + Z_H·r) on
   * shift·H_{n·2^logBlowup} in natural order, when the commitment holds them exactly and committed the very
   * `matrix` and `randomizer` objects given (null or an empty randomiser: none); else null. The STARK prover reads
   * the quotient domain's points from it instead of extending the trace again.
   */
  extension?(i: number, matrix: Matrix, randomizer: Matrix | null): { readonly lde: Matrix; readonly shift: number } | null;
}

/** One commit to open: for each of its matrices, the points at which to open its columns. */
export interface OpeningRequest<C> {
  readonly commitment: C;
  /**
   * A public commitment the verifier holds (params.verifierHoldsPublic): the prover sends no opening of it; the
   * verifier passes its own commitment here and reads the queried rows from it. Absent: the opening travels.
   */
  readonly held?: { readonly commitment: ProverCommitment | null };
  readonly points: readonly (readonly E.Ext[])[];
  /**
   * Optional: columns[m][j] lists (strictly ascending, at least one) the columns of matrix m opened at its point
   * j; null, or no `columns`, opens every column there. values[r][m][j] then holds exactly those columns' values,
   * in that order (a STARK opens the next row only for the columns its constraints read there).
   */
  readonly columns?: readonly (readonly (readonly number[] | null)[])[];
  /**
   * Optional: packed[m] opens matrix m as extension columns (its width a multiple of 4): extension column c is
   * the F_{p^4}-valued polynomial F_c = Σ_{k<4} X^k·f_{4c+k} of base columns 4c..4c+3, and one value F_c(z) is
   * opened where its four base columns' values would be (a STARK's LogUp columns and quotient chunks, which only
   * ever need F_c(z)). `columns[m]` then lists extension columns. The DEEP quotient batches (F_c(x) − F_c(z))/(x − z)
   * with one coefficient c, i.e. the base columns with c·X^k: the same reduced quotient kernel, one claim.
   */
  readonly packed?: readonly boolean[];
}

/** values[round][matrix][point][k] = the k-th opened column's polynomial evaluated at that point. */
export type OpenedValues = E.Ext[][][][];

export interface Pcs<Proof> {
  readonly params: PcsParams;
  /** The backend that runs the prover's kernels (configuration; the TypeScript reference when absent). */
  readonly backend?: ProofBackend;
  /** The hash of its Merkle commitments (the security figure reads its collision bound). */
  readonly hasher?: MerkleHasher;
  /**
   * A fresh Fiat-Shamir transcript for `protocol`, of the kind that goes with this PCS's commitments (BLAKE3, or
   * Poseidon2 for proofs a VM program verifies): the STARK prover and verifier take theirs from here.
   */
  transcript(protocol: string): Challenger;
  /**
   * Commits to matrices (any power-of-two heights) given by evaluations on H_n, in one tree. The root is not
   * absorbed here: callers do it.
   * `hiding: false` commits without salts (public data such as preprocessed columns, whose root anyone can
   * recompute); the default follows `params.saltLength`. `randomizers[i]` (S_i rows, matrix i's width; null or
   * absent: none) makes matrix i's columns t + Z_H·r, t the column's polynomial of degree < n and r the
   * randomiser's column read as S_i coefficients (constant first): equal to t on H_n, degree < n + S_i.
   */
  commit(matrices: readonly Matrix[], rng: Rng, options?: CommitOptions): ProverCommitment;
  /**
   * Evaluates every requested column at its points, absorbs those values into the transcript, and proves them.
   * Requests are processed in the given order; the verifier passes the same order.
   */
  open(requests: readonly OpeningRequest<ProverCommitment>[], transcript: Challenger, rng: Rng): { values: OpenedValues; proof: Proof };
  /**
   * Optional: the prover is done with `commitment` (its proof is made): the extensions it holds may be handed back
   * to the backend for reuse (ProofBackend.recycle). Nothing may read the commitment's extensions afterwards.
   */
  release?(commitment: ProverCommitment): void;
  /** Absorbs the claimed values exactly as `open` did and checks the proof. Never throws on hostile input. */
  verify(requests: readonly OpeningRequest<CommitmentShape>[], values: OpenedValues, proof: Proof, transcript: Challenger): Verdict;
}
