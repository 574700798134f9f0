// Where a STARK proof's encoded bytes go, by part (bench/prover.ts, bench/pcs-sweep.ts).
import type { StarkProof } from '../runtime/proof/stark/prover.ts';
import type { FriPcsProof } from '../runtime/proof/pcs/proof.ts';

/** Bytes of the encoded proof by part (counts and length words fall under "framing"). */
export function composition(stark: StarkProof<FriPcsProof>, total: number): Record<string, number> {
  const words = (rows: readonly Uint32Array[]) => rows.reduce((s, r) => s + 4 * r.length, 0);
  const pcs = stark.pcsProof;
  const parts: Record<string, number> = {
    'out-of-domain values': 16 * stark.values.flat(3).length,
    'claimed sums': stark.auxRoot === null ? 0 : 16 * stark.claimedSums.length,
    'commitment roots': 32 * (2 + (stark.auxRoot === null ? 0 : 1) + (pcs.maskRoot === null ? 0 : 1) + pcs.fri.roots.length),
    'opened rows': pcs.inputOpenings.reduce((s, o) => s + o.rows.reduce((t, g) => t + words(g), 0), 0),
    salts: pcs.inputOpenings.reduce((s, o) => s + words(o.salts), 0),
    'commitment siblings': 32 * pcs.inputOpenings.reduce((s, o) => s + o.siblings.length, 0),
    'FRI layer values': pcs.fri.openings.reduce((s, o) => s + words(o.rows), 0),
    'FRI siblings': 32 * pcs.fri.openings.reduce((s, o) => s + o.siblings.length, 0),
    'mask values and siblings': pcs.maskOpening === null ? 0 : words(pcs.maskOpening.rows) + 32 * pcs.maskOpening.siblings.length,
    'FRI final polynomial and nonce': 4 * pcs.fri.finalPoly.length + 8,
    'challenge nonces': 4 * ((stark.logupNonce === null ? 0 : 1) + (stark.zetaNonce === null ? 0 : 1) + (pcs.alphaNonce === null ? 0 : 1) + pcs.fri.betaNonces.length),
  };
  parts.framing = total - Object.values(parts).reduce((a, b) => a + b, 0);
  return parts;
}
