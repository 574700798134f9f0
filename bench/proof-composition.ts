// Figures of one encoded zkVM proof shared by bench/prover.ts and bench/pcs-sweep.ts: where its bytes go, by part,
// and its verification time as a verifier meets it.
import type { StarkProof } from '../runtime/proof/stark/prover.ts';
import type { FriPcsProof } from '../runtime/proof/pcs/proof.ts';
import { FriPcs } from '../runtime/proof/pcs/fri-pcs.ts';
import { decodeFriPcsProof } from '../runtime/proof/pcs/codec.ts';
import type { PcsParams } from '../runtime/proof/pcs/types.ts';
import { decodeStarkProof } from '../runtime/proof/stark/codec.ts';
import { machine, verifyExecution } from '../runtime/vm/machine.ts';
import type { Execution } from '../runtime/vm/executor.ts';

/** Decoding the bytes, then verifying, on a fresh verifier's machine: the best of `reps` runs, in ms. */
export function verifyMs(bytes: Uint8Array, exec: Execution, params: PcsParams, reps: number): number {
  const v = machine(exec.program, new FriPcs(params));
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t1 = performance.now();
    const decoded = decodeStarkProof(bytes, v.system, (b, layouts) => decodeFriPcsProof(b, params, layouts));
    if (!decoded.ok) throw new Error(decoded.error);
    const verdict = verifyExecution(v, exec.publicInputs, exec.publicOutputs, decoded.value);
    if (!verdict.ok) throw new Error(verdict.error);
    best = Math.min(best, performance.now() - t1);
  }
  return best;
}

/** Bytes of the encoded proof by part (counts and length words fall under "framing"). */
export function composition(stark: StarkProof<FriPcsProof>, total: number): Record<string, number> {
  const words = (rows: readonly Uint32Array[]) => rows.reduce((s, r) => s + 4 * r.length, 0);
  const pcs = stark.pcsProof;
  // The openings that travel (a commitment the verifier holds has none).
  const opened = pcs.inputOpenings.filter((o) => o !== null);
  const parts: Record<string, number> = {
    'out-of-domain values': 16 * stark.values.flat(3).length,
    'claimed sums': stark.auxRoot === null ? 0 : 16 * stark.claimedSums.length,
    'commitment roots': 32 * (2 + (stark.auxRoot === null ? 0 : 1) + (pcs.maskRoot === null ? 0 : 1) + pcs.fri.roots.length),
    'opened rows': opened.reduce((s, o) => s + o.rows.reduce((t, g) => t + words(g), 0), 0),
    salts: opened.reduce((s, o) => s + words(o.salts), 0),
    'commitment siblings': 32 * opened.reduce((s, o) => s + o.siblings.length, 0),
    'FRI layer values': pcs.fri.openings.reduce((s, o) => s + words(o.rows), 0),
    'FRI siblings': 32 * pcs.fri.openings.reduce((s, o) => s + o.siblings.length, 0),
    'mask values and siblings': pcs.maskOpening === null ? 0 : words(pcs.maskOpening.rows) + 32 * pcs.maskOpening.siblings.length,
    'FRI final polynomial and nonce': 4 * pcs.fri.finalPoly.length + 8,
    'challenge nonces': 4 * ((stark.logupNonce === null ? 0 : 1) + (stark.zetaNonce === null ? 0 : 1) + (pcs.alphaNonce === null ? 0 : 1) + pcs.fri.betaNonces.length),
  };
  parts.framing = total - Object.values(parts).reduce((a, b) => a + b, 0);
  return parts;
}
