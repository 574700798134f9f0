/** The FRI PCS's prover-side commitment (fri-pcs.ts `commit`). */
import type { Matrix } from '../matrix.ts';
import type { MixedMerkleTree } from '../merkle/mixed.ts';
import { SHIFT } from './validate.ts';
import type { CommitmentShape, ProverCommitment } from './types.ts';

/**
 * The prover's side of one commit. It keeps references to the committed matrices: callers must not modify them
 * afterwards (the STARK prover commits fresh, randomized copies).
 */
export class FriPcsCommitment implements ProverCommitment {
  constructor(
    readonly shape: CommitmentShape,
    /** The committed evaluations on H_n (natural order). */
    readonly matrices: readonly Matrix[],
    /** Their extensions to g·H_N, natural order (row i = the point g·ω_N^i): the committed rows. */
    readonly ldes: readonly Matrix[],
    /** One mixed tree over every matrix's LDE (merkle/mixed.ts). */
    readonly tree: MixedMerkleTree,
    readonly logBlowup: number,
    /** Whether `ldes` are known to be the true extensions of `matrices` (made by `commit`, not `commitLde`). */
    readonly exact: boolean,
    /** Per matrix, its randomiser's coefficients (S rows) or null: the committed polynomial is t + Z_H·r. */
    readonly randomizers: readonly (Matrix | null)[] = matrices.map(() => null),
    /** The zk mask R's extension (natural order, 4 columns) when the commit holds it (CommitmentShape.mask); else null. */
    readonly maskLde: Matrix | null = null,
  ) {}

  /**
   * Set by FriPcs.release: its extensions and tree levels may now hold another proof's values. A released
   * commitment is released once (a second release could hand back buffers already reused) and never opened again.
   */
  released = false;

  extension(i: number, matrix: Matrix, randomizer: Matrix | null): { lde: Matrix; shift: number } | null {
    if (this.released || !this.exact || !(i >= 0 && i < this.ldes.length) || this.matrices[i] !== matrix) return null;
    const committed = this.randomizers[i] ?? null;
    const same = committed === randomizer || ((committed?.height ?? 0) === 0 && (randomizer?.height ?? 0) === 0);
    return same ? { lde: this.ldes[i]!, shift: SHIFT } : null;
  }
}
