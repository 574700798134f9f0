/**
 * What a `verify` compute check costs in the step program, from its shape alone: the instructions of each opcode
 * that compiler/verify.ts emits for it (after the passes), and the Merkle levels its openings climb. Known before
 * anything is built, so that a clause too large for the machine is refused in milliseconds instead of after
 * minutes of lowering (docs/compute-checks.md, "Limits"), and so that `zpol info` can say what any shape costs.
 *
 * The counts follow the lowering instruction for instruction; test/compiler/check-cost.test.ts compiles a grid of
 * shapes (with and without column strata, rows of one or several words, with and without proof of work) and
 * requires the histogram of the compiled clause to equal this one, so a change to the lowering that is not
 * mirrored here fails there.
 */
import type { Opcode } from '../runtime/vm/isa.ts';
import { MAX_LOG_CYCLES } from '../runtime/vm/isa.ts';
import { columnStrata, powThresholds, SAMPLES_PER_DIGEST } from '../runtime/run/sampling.ts';
import { LANES, treeDepth } from '../runtime/run/tensor-commit.ts';

export interface CheckShape {
  readonly dims: readonly [number, number, number];
  readonly samples: number;
  readonly powBits: number;
}

export interface CheckCost {
  /** Instructions of each opcode the clause runs (each runs once: the program is straight-line). */
  readonly ops: Readonly<Partial<Record<Opcode, number>>>;
  /** CPU cycles: the sum of `ops`. */
  readonly cycles: number;
  /** Multiply-accumulates: samples × K. */
  readonly macs: number;
  /** Levels climbed by the clause's `merkle` instructions (one Merkle row and one Poseidon2 row each). */
  readonly merkleLevels: number;
}

/** The most cycles one proof's trace may have (runtime/vm/isa.ts MAX_LOG_CYCLES). */
export const MAX_CYCLES = 2 ** MAX_LOG_CYCLES;

export function computeCheckCost({ dims: [M, K, N], samples, powBits }: CheckShape): CheckCost {
  const ops: Partial<Record<Opcode, number>> = {};
  const add = (op: Opcode, n: number): void => {
    if (n !== 0) ops[op] = (ops[op] ?? 0) + n;
  };
  const words = (cols: number): number => Math.ceil(cols / LANES);
  // The seed from the three roots, the proof of work, one digest per SAMPLES_PER_DIGEST samples.
  add('hash', 3 + Math.ceil(samples / SAMPLES_PER_DIGEST));
  if (powBits > 0) {
    add('read', 1), add('scale', 1), add('add', 1), add('hash', 1);
    const lanes = powThresholds(powBits).length;
    add('lane', 3 * lanes), add('advice', lanes), add('mul', lanes), add('add', lanes), add('assertEq', lanes), add('wide', lanes), add('assert', lanes);
  }
  // Every sample runs the same instructions; only constants (its stratum, its digest lane) differ.
  const S = columnStrata(N);
  const drawsColumn = N / S > 1;
  const perSample = (n: number): void => {
    const at = (op: Opcode, count: number): void => add(op, n * count);
    const index = (m: number): void => {
      // verify.ts `index`: e's limbs checked against e, then e mod m when m > 1.
      at('advice', 1), at('lane', 2), at('mul', 1), at('add', 1), at('assertEq', 1), at('wide', 1), at('assert', 1);
      if (m > 1) at('advice', 2), at('wide', 3), at('assertEq', 1), at('assert', 1), at('lane', 2), at('mul', 1), at('add', 1);
    };
    at('lane', 1), index(M); // i
    if (drawsColumn) at('lane', 1), index(N / S), at('mul', 1), at('add', 1); // w, then j = S·w + stratum
    // The three openings: row words, the leaf prefix [R, C, r, 0…] (scale and add, folded for a constant row;
    // a's and c's share the scaled row i, and the whole prefix when K = N), the leaf hashes, the path, the root.
    at('read', 2 * words(K) + words(N)), at('hash', 2 * words(K) + words(N)), at('merkle', 3), at('assertEq', 3);
    if (M > 1) at('scale', 1), at('add', K === N ? 1 : 2);
    if (drawsColumn) at('scale', 1), at('add', 1);
    at('lane', 2 * K), at('pack', K), at('mac', K), at('tobf16', 1);
    // c[i][j]: selected among N entries without strata, else lane `stratum` of word w (selected among c's words).
    const cWords = words(N);
    if (S === 1) at('eq', N), at('lane', N), at('mul', N), at('add', N - 1);
    else if (!drawsColumn || cWords === 1) at('lane', 1);
    else at('eq', cWords), at('lane', cWords), at('mul', cWords), at('add', cWords - 1);
    at('assertEq', 1);
  };
  perSample(samples);
  const merkleLevels = samples * (2 * treeDepth(M) + treeDepth(N));
  const cycles = Object.values(ops).reduce((a, b) => a + b, 0);
  return { ops, cycles, macs: samples * K, merkleLevels };
}
