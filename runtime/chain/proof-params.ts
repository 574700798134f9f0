/**
 * The PCS parameters of a whole-run chain proof, by the one rule its prover and verifier share: proofPcsParams
 * (runtime/proof/pcs/security.ts) on the tables' heights, where the tall set is taken only if
 * every tall table's quotient lies on its committed LDE at that rate (stark/system.ts tallQuotientsOnLde: a tall
 * table of degree 5–8 would be extended twice at rate 1/4). `systemAt` gives the program's STARK system at a
 * parameter set (the caller's cached machine); the tables' degrees it reads are the program's, so both sides agree.
 */
import { proofPcsParams, SMALL_TRACE_MAX_LOG_HEIGHT } from '../proof/pcs/security.ts';
import type { PcsParams } from '../proof/pcs/types.ts';
import { tallQuotientsOnLde, type StarkSystem } from '../proof/stark/system.ts';

export function wholeRunPcsParams(
  hash: 'blake3' | 'poseidon2',
  aggregatable: boolean,
  logHeights: readonly number[],
  systemAt: (params: PcsParams) => StarkSystem<unknown>,
): PcsParams {
  return proofPcsParams(hash, aggregatable, logHeights, (p) => tallQuotientsOnLde(systemAt(p), logHeights, SMALL_TRACE_MAX_LOG_HEIGHT));
}
