/**
 * The soundness figures behind a verdict (docs/security.md), shared by the chain verifier (a proofs folder) and the
 * run proof's verifier: a verdict is only as strong as the weakest of its STARK proofs and of the policy's own
 * sampled parts — each compute check against a grinding prover, a family's member draw, the row draws of
 * `from_sources` and `embeds`. The policy's parts do not depend on the proofs: the compiled policy fixes them, and an
 * aggregated run proof rests on them exactly as the step proofs it aggregates do.
 */
import { escapeProbability } from '../run/members.ts';
import type { Artifact, ComputeCheck } from '../policy/artifact.ts';
import { familyAssurance, familyRedrawBits } from '../policy/family-assurance.ts';

/** A figure in bits and what it bounds. */
export interface SecurityPart {
  readonly what: string;
  readonly bits: number;
}

/** The soundness figures behind a verdict, in bits: each part's, and the weakest. */
export interface ChainSecurity {
  /** The weakest STARK proof of the verified ones (ethSTARK-conjectured and proven FRI bounds), null if none verified. */
  readonly stark: { readonly conjecturedBits: number; readonly provenBits: number | null } | null;
  /** Per compute check, from the compiled policy: one draw's bits, the proof of work, and the bits against a grinding prover. */
  readonly computeChecks: readonly { readonly name: string; readonly samples: number; readonly drawBits: number; readonly powBits: number; readonly grindingBits: number; readonly grindingTarget: number }[];
  /**
   * The row draws of `from_sources` and `embeds`, one step each: a prover that commits again draws again, so one
   * draw's bits (a quarter of the rows wrong) plus its proof of work are what the verdict rests on for them.
   */
  readonly rowDraws: readonly SecurityPart[];
  /** The weakest figure of all, and what it is. */
  readonly weakest: SecurityPart | null;
}

type PolicyArtifact = Pick<Artifact, 'verifies' | 'members' | 'embeds'>;

/**
 * The figures of a verdict: the weakest STARK proof (`stark`, null when none verified, named by `starkWhat`) and the
 * policy's own parts (`policyParts`); the weakest names what to strengthen.
 */
export function verdictSecurity(artifact: PolicyArtifact, stark: { what: string; conjecturedBits: number; provenBits: number | null } | null): ChainSecurity {
  const policy = policySecurity(artifact);
  const candidates = [...(stark ? [{ what: stark.what, bits: stark.conjecturedBits }] : []), ...policy.parts];
  const weakest = candidates.reduce<SecurityPart | null>((w, c) => (w === null || c.bits < w.bits ? c : w), null);
  return { stark: stark ? { conjecturedBits: stark.conjecturedBits, provenBits: stark.provenBits } : null, computeChecks: policy.computeChecks, rowDraws: policy.rowDraws, weakest };
}

/**
 * The policy's own figures, from the compiled artifact alone: each compute check against a grinding prover, each
 * family's member draw (no proof of work: a prover that commits again redraws the members for free) and the row
 * draws, all as `parts` for the weakest.
 */
export function policySecurity(artifact: PolicyArtifact): { computeChecks: ChainSecurity['computeChecks']; rowDraws: SecurityPart[]; parts: SecurityPart[] } {
  const checks: readonly ComputeCheck[] = artifact.verifies;
  const computeChecks = checks.map((c) => ({ name: c.name, samples: c.samples, drawBits: c.drawBits, powBits: c.powBits, grindingBits: c.grindingBits, grindingTarget: c.grindingTarget }));
  const rowDraws = sampledDraws(artifact);
  const parts = [
    ...computeChecks.map((c) => ({ what: `verify ${c.name} against a grinding prover`, bits: c.grindingBits })),
    ...checks.flatMap((c) => {
      const a = familyAssurance(c);
      return a && a.members > 1 ? [{ what: `verify ${c.name}'s member draw (one step) against a prover that commits again to redraw it`, bits: familyRedrawBits(a) }] : [];
    }),
    ...rowDraws,
  ];
  return { computeChecks, rowDraws, parts };
}

/**
 * The row draws of `from_sources` and `embeds` (runtime/run/members.ts, embeds.ts): a prover that commits its rows
 * again draws again, each time for the draw's proof of work (GRINDING; none without it), so one draw's figure with a
 * quarter of the rows wrong, (3/4)^k to escape, plus its work is what a verdict rests on for them (one wrong row of R
 * escapes one draw with probability about 1 − k/R: their claims say so).
 */
function sampledDraws(artifact: PolicyArtifact): SecurityPart[] {
  const bits = (samples: number, powBits: number) => Math.round((-Math.log2(escapeProbability(samples, DRAW_FRACTION)) + powBits) * 10) / 10;
  const one = (kind: string, m: { clause: string; samples: number; powBits?: number }) => ({
    what:
      `${m.clause}: ${kind}'s ${m.samples} sampled rows (one step, a quarter of its rows wrong) against a prover that commits again to redraw them` +
      (m.powBits ? `, behind ${m.powBits} bits of proof of work a draw` : ', with no proof of work'),
    bits: bits(m.samples, m.powBits ?? 0),
  });
  return [...(artifact.members ?? []).map((m) => one('from_sources', m)), ...(artifact.embeds ?? []).map((m) => one('embeds', m))];
}
const DRAW_FRACTION = 0.25;
