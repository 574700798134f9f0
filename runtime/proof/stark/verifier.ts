/**
 * The STARK verifier: the prover's protocol (prover.ts) replayed from the proof, then the constraint identity
 *     Σ_j γ^j C_j(ζ) = q(ζ) · Z_H(ζ),   q(ζ) = Σ_i ζ^{i·L} q_i(ζ)  (L the chunk length, system.ts zkLayout),
 * checked for every table at the out-of-domain point, the LogUp sums checked to cancel, and every opened value
 * checked by the PCS. Everything the proof says is shape-checked before it is used; the verifier returns a
 * verdict and never throws.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import { DIGEST_BYTES } from '../merkle/hasher.ts';
import type { Verdict } from '../merkle/verify.ts';
import { publicMessagesSum } from '../air/logup.ts';
import type { CommitmentShape, OpeningRequest } from '../pcs/types.ts';
import { heightsProblem, statementMessages, type StarkSystem } from './system.ts';
import { absorbStatement, commitLayouts, constraintsHoldAtZeta, MAX_LOG_HEIGHT, openingPoints, type CommitLayout } from './protocol.ts';
import type { StarkProof } from './prover.ts';
import { checkBeforeChallenge } from '../transcript.ts';

const fail = (error: string): Verdict => ({ ok: false, error });

export function verify<P>(system: StarkSystem<P>, publics: readonly number[], proof: StarkProof<P>): Verdict {
  try {
    return verifyUnchecked(system, publics, proof);
  } catch (e) {
    // Shape checks come first, so reaching here is a verifier bug; it still must not accept.
    return fail(`verification failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function verifyUnchecked<P>(system: StarkSystem<P>, publics: readonly number[], proof: StarkProof<P>): Verdict {
  const { tables, pcs } = system;
  const T = tables.length;
  const shape = checkShape(system, publics, proof);
  if (shape) return fail(shape);
  const { logHeights } = proof;
  // LogUp tells "sent as often as received" from "equal mod p" only below p messages a bus (air/multiplicity.ts).
  const load = heightsProblem(system, publics, logHeights);
  if (load) return fail(`the table heights exceed LogUp's multiplicity bound: ${load}`);

  const transcript = system.pcs.transcript('zpol-stark');
  absorbStatement(transcript, system, publics, logHeights);
  transcript.absorbDigest('main-root', proof.mainRoot);
  const anyBus = tables.some((t) => t.logup.auxWidth > 0);
  const challengeBits = pcs.params.challengePowBits ?? 0;
  if (!checkBeforeChallenge(transcript, anyBus ? challengeBits : 0, proof.logupNonce ?? null)) {
    return fail('the nonce ground before the LogUp challenges is missing, unexpected or does not solve the proof-of-work puzzle');
  }
  const challenges = anyBus ? transcript.challengeExts('logup', system.logupChallenges) : [];
  if (anyBus) {
    transcript.absorbDigest('aux-root', proof.auxRoot!);
    tables.forEach((t, i) => {
      if (t.logup.auxWidth > 0) transcript.absorbExt('claimed-sum', proof.claimedSums[i]!);
    });
  }
  const gamma = transcript.challengeExt('constraints');
  transcript.absorbDigest('quotient-root', proof.quotientRoot);
  if (!checkBeforeChallenge(transcript, challengeBits, proof.zetaNonce ?? null)) {
    return fail('the nonce ground before the out-of-domain point is missing, unexpected or does not solve the proof-of-work puzzle');
  }
  const zeta = transcript.challengeExt('zeta');

  let total: E.Ext = anyBus ? publicMessagesSum(statementMessages(system, publics), challenges) : E.ZERO;
  for (const s of proof.claimedSums) total = E.add(total, s);
  if (!E.isZero(total)) return fail('the LogUp sums of the tables do not cancel: a bus message is unmatched');

  const layouts = commitLayouts(system, logHeights);
  const points = openingPoints(layouts, logHeights, zeta);
  if (!points.ok) return fail(points.error);
  const rootOf = { pre: system.preprocessedCommitment?.shape.root, main: proof.mainRoot, aux: proof.auxRoot, quotient: proof.quotientRoot };
  const shapes: CommitmentShape[] = layouts.map((l) => ({ root: rootOf[l.kind]!, logHeights: l.logHeights, widths: l.widths, saltLength: l.saltLength, slacks: l.slacks, ...(l.mask ? { mask: l.mask } : {}) }));
  const values = proof.values;
  if (!Array.isArray(values) || values.length !== shapes.length) return fail(`expected opened values for ${shapes.length} commitments`);
  for (let k = 0; k < shapes.length; k++) {
    const problem = valuesProblem(values[k], layouts[k]!);
    if (problem) return fail(`opened values of commitment ${k} (${layouts[k]!.kind}): ${problem}`);
  }
  // The preprocessed commitment, when the verifier holds it, is opened from the verifier's own (PcsParams.verifierHoldsPublic).
  const requests: OpeningRequest<CommitmentShape>[] = shapes.map((commitment, k) => ({ commitment, points: points.value[k]!, columns: layouts[k]!.columns, ...(layouts[k]!.packed ? { packed: layouts[k]!.widths.map(() => true) } : {}), ...(layouts[k]!.held ? { held: { commitment: system.preprocessedCommitment } } : {}) }));
  const pcsVerdict = pcs.verify(requests, values, proof.pcsProof, transcript);
  if (!pcsVerdict.ok) return fail(`opening proof rejected: ${pcsVerdict.error}`);

  for (let i = 0; i < T; i++) {
    if (!constraintsHoldAtZeta(system, i, { logHeights, layouts, values, zeta, gamma, challenges, publics, claimedSums: proof.claimedSums })) {
      return fail(`${tables[i]!.analyzed.air.name}: the constraints do not hold at the out-of-domain point`);
    }
  }
  return { ok: true };
}

/** What is wrong with the proof's shape, or null. */
function checkShape<P>(system: StarkSystem<P>, publics: readonly number[], proof: StarkProof<P>): string | null {
  const T = system.tables.length;
  if (!Array.isArray(publics) || publics.length !== system.publicInputs) return `expected ${system.publicInputs} public inputs`;
  if (!publics.every((v) => F.isCanonical(v))) return 'a public input is not a canonical field element';
  const { logHeights, mainRoot, auxRoot, claimedSums, quotientRoot } = proof;
  if (!Array.isArray(logHeights) || logHeights.length !== T) return `expected ${T} table heights`;
  for (let i = 0; i < T; i++) {
    const h = logHeights[i];
    if (!Number.isInteger(h) || h! < 1 || h! > MAX_LOG_HEIGHT) return `table ${i}: log height ${h} is out of range [1, ${MAX_LOG_HEIGHT}]`;
    const fixed = system.tables[i]!.fixedLogHeight;
    if (fixed !== null && h !== fixed) return `table ${i}: height 2^${h} differs from its preprocessed height 2^${fixed}`;
  }
  const isDigest = (d: unknown) => d instanceof Uint8Array && d.length === DIGEST_BYTES;
  if (!isDigest(mainRoot)) return 'malformed main-trace root';
  if (!isDigest(quotientRoot)) return 'malformed quotient root';
  const anyBus = system.tables.some((t) => t.logup.auxWidth > 0);
  if (anyBus !== (auxRoot !== null)) return `${anyBus ? 'missing' : 'unexpected'} auxiliary-trace root`;
  if (anyBus && !isDigest(auxRoot)) return 'malformed auxiliary-trace root';
  if (!Array.isArray(claimedSums) || claimedSums.length !== T) return 'malformed claimed sums';
  for (let i = 0; i < T; i++) {
    const hasAux = system.tables[i]!.logup.auxWidth > 0;
    if (!isExt(claimedSums[i])) return `table ${i}: malformed claimed sum`;
    if (!hasAux && !E.isZero(claimedSums[i]!)) return `table ${i}: a claimed sum for a table without bus messages`;
  }
  return null;
}

function isExt(v: unknown): v is E.Ext {
  return Array.isArray(v) && v.length === 4 && v.every((x) => F.isCanonical(x));
}

/** Checks values[matrix][point][opened column] for one commitment. */
function valuesProblem(v: unknown, layout: CommitLayout): string | null {
  const { valueWidths: widths, points, columns } = layout;
  if (!Array.isArray(v) || v.length !== widths.length) return `expected ${widths.length} matrices`;
  for (let k = 0; k < widths.length; k++) {
    const m = v[k];
    if (!Array.isArray(m) || m.length !== points[k]) return `matrix ${k}: expected ${points[k]} points`;
    for (let j = 0; j < m.length; j++) {
      const row = m[j];
      const count = columns[k]![j]?.length ?? widths[k]!;
      if (!Array.isArray(row) || row.length !== count) return `matrix ${k} point ${j}: expected ${count} columns`;
      if (!row.every(isExt)) return `matrix ${k}: a value is not a canonical extension element`;
    }
  }
  return null;
}
