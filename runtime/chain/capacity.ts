/**
 * Whether this prover can hold a policy's proofs in memory, known before any run: every program's committed cells
 * are static (runtime/vm/costs.ts), and the prover's peak memory follows from them (estimatedProverBytes; for a
 * program proven in segments, one segment's, since the prover holds one segment's traces at a time). A proof
 * that would not fit is refused with ZV307 before anything is run or read, naming the program, the estimate, the
 * limit and the compute check that makes most of it, instead of the process running out of memory after minutes.
 */
import { programCost } from '../vm/costs.ts';
import { PROOF_KINDS } from '../policy/artifact.ts';
import { ChainError, type ChainPolicy } from './prover.ts';

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Throws ChainError ZV307 when a program of `policy` would need more than `limitBytes` to prove (in segments of
 * `segmentCycles` cycles when it runs longer: the prover's default, runtime/vm/segments.ts).
 */
export function assertProvable(policy: ChainPolicy, limitBytes: number, segmentCycles?: number): void {
  for (const kind of PROOF_KINDS) {
    const cost = programCost(policy.programs[kind], [], segmentCycles);
    // A program proven in segments needs one segment's memory at a time (runtime/vm/segments.ts).
    const bytes = cost.segments > 1 ? cost.segmentProverBytes : cost.estimatedProverBytes;
    if (bytes <= limitBytes) continue;
    const checks = kind === 'step' ? [...policy.artifact.verifies].sort((x, y) => y.samples * y.dims[1] - x.samples * x.dims[1]) : [];
    const largest = checks[0];
    const blame = largest
      ? `; most of it is verify ${largest.name} (${largest.at}), ${(largest.samples * largest.dims[1]).toLocaleString('en-US')} multiply-accumulates a step: sample fewer entries, or prove on a machine with more memory (ZPOL_PROVER_MEMORY sets the limit)`
      : ' (ZPOL_PROVER_MEMORY sets the limit)';
    throw new ChainError(
      'ZV307',
      cost.segments > 1
        ? `the ${kind} proof needs about ${gib(bytes)} of memory a segment (${cost.segments.toLocaleString('en-US')} segments of ${cost.segmentCycles.toLocaleString('en-US')} cycles, ${cost.segmentCommittedCells.toLocaleString('en-US')} committed cells each), more than the ${gib(limitBytes)} this prover may use${blame}`
        : `the ${kind} proof needs about ${gib(bytes)} of memory (${cost.cycles.toLocaleString('en-US')} cycles, ${cost.committedCells.toLocaleString('en-US')} committed cells), more than the ${gib(limitBytes)} this prover may use${blame}`,
      kind,
      kind === 'step' ? 1 : 0,
    );
  }
}
