/**
 * The STARK verifier: the prover's protocol (prover.ts) replayed from the proof, then the constraint identity
 *     Σ_j γ^j C_j(ζ) = q(ζ) · Z_H(ζ),   q(ζ) = Σ_i ζ^{i·n} q_i(ζ),
 * checked for every table at the out-of-domain point, the LogUp sums checked to cancel, and every opened value
 * checked by the PCS. Everything the proof says is shape-checked before it is used; the verifier returns a
 * verdict and never throws.
 */
import * as E from '../field/extension.ts';
import * as F from '../field/babybear.ts';
import { DIGEST_BYTES } from '../merkle/hasher.ts';
import type { Verdict } from '../merkle/verify.ts';
import { evaluateAtPoint, pointSelectors } from '../air/eval.ts';
import { publicMessagesSum } from '../air/logup.ts';
import type { CommitmentShape, OpeningRequest } from '../pcs/types.ts';
import { heightsProblem, quotientChunks, recombine, statementMessages, zkLogFactor, type StarkSystem } from './system.ts';
import { absorbStatement, commitLayouts, MAX_LOG_HEIGHT, openingPoints } from './protocol.ts';
import type { StarkProof } from './prover.ts';

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
  proof.mainRoots.forEach((r) => transcript.absorbDigest('main-root', r));
  const anyBus = tables.some((t) => t.logup.auxWidth > 0);
  const challenges = anyBus ? transcript.challengeExts('logup', system.logupChallenges) : [];
  proof.auxRoots.forEach((r, i) => {
    if (r) {
      transcript.absorbDigest('aux-root', r);
      transcript.absorbExt('claimed-sum', proof.claimedSums[i]!);
    }
  });
  const gamma = transcript.challengeExt('constraints');
  proof.quotientRoots.forEach((r) => transcript.absorbDigest('quotient-root', r));
  const zeta = transcript.challengeExt('zeta');

  let total: E.Ext = anyBus ? publicMessagesSum(statementMessages(system, publics), challenges) : E.ZERO;
  for (const s of proof.claimedSums) total = E.add(total, s);
  if (!E.isZero(total)) return fail('the LogUp sums of the tables do not cancel: a bus message is unmatched');

  const layouts = commitLayouts(system, logHeights);
  const points = openingPoints(layouts, logHeights, zeta);
  if (!points.ok) return fail(points.error);
  const shapes: CommitmentShape[] = layouts.map((l) => {
    const root =
      l.kind === 'pre'
        ? system.preprocessedCommitments[l.table]!.shape.root
        : l.kind === 'main'
          ? proof.mainRoots[l.table]!
          : l.kind === 'aux'
            ? proof.auxRoots[l.table]!
            : proof.quotientRoots[l.table]!;
    return { root, logHeight: l.logHeight, widths: l.widths, saltLength: l.saltLength };
  });
  const values = proof.values;
  if (!Array.isArray(values) || values.length !== shapes.length) return fail(`expected opened values for ${shapes.length} commitments`);
  for (let k = 0; k < shapes.length; k++) {
    const problem = valuesProblem(values[k], layouts[k]!.points, shapes[k]!.widths[0]!);
    if (problem) return fail(`opened values of commitment ${k}: ${problem}`);
  }
  const requests: OpeningRequest<CommitmentShape>[] = shapes.map((commitment, k) => ({ commitment, points: [points.value[k]!] }));
  const pcsVerdict = pcs.verify(requests, values, proof.pcsProof, transcript);
  if (!pcsVerdict.ok) return fail(`opening proof rejected: ${pcsVerdict.error}`);

  for (let i = 0; i < T; i++) {
    const t = tables[i]!;
    const logN = logHeights[i]!;
    const opened = (kind: string) => {
      const k = layouts.findIndex((r) => r.table === i && r.kind === kind);
      return k < 0 ? null : values[k]![0]!;
    };
    const main = opened('main')!;
    const pre = opened('pre');
    const aux = opened('aux');
    const quotient = opened('quotient')![0]!;
    const auxAt = (point: number) => (aux ? Array.from({ length: t.logup.auxWidth }, (_, c) => recombine(aux[point]!, 4 * c)) : []);
    const cs = evaluateAtPoint(
      t.constraints.map((c) => c.expr),
      {
        zeta,
        logTrace: logN,
        main: main[0]!,
        mainNext: main[1]!,
        pre: pre?.[0] ?? [],
        preNext: pre?.[1] ?? [],
        aux: auxAt(0),
        auxNext: auxAt(1),
        publics,
        challenges,
        claimedSum: proof.claimedSums[i]!,
      },
    );
    let combined: E.Ext = E.ZERO;
    let g: E.Ext = E.ONE;
    for (const c of cs) {
      combined = E.add(combined, E.mul(g, c));
      g = E.mul(g, gamma);
    }
    const chunks = quotientChunks(t.degree, zkLogFactor(system, logN));
    const zetaN = E.pow(zeta, 2 ** logN);
    let q: E.Ext = E.ZERO;
    let power: E.Ext = E.ONE;
    for (let c = 0; c < chunks; c++) {
      q = E.add(q, E.mul(power, recombine(quotient, 4 * c)));
      power = E.mul(power, zetaN);
    }
    const { zH } = pointSelectors(zeta, logN);
    if (!E.equals(combined, E.mul(q, zH))) {
      return fail(`${t.analyzed.air.name}: the constraints do not hold at the out-of-domain point`);
    }
  }
  return { ok: true };
}

/** What is wrong with the proof's shape, or null. */
function checkShape<P>(system: StarkSystem<P>, publics: readonly number[], proof: StarkProof<P>): string | null {
  const T = system.tables.length;
  if (!Array.isArray(publics) || publics.length !== system.publicInputs) return `expected ${system.publicInputs} public inputs`;
  if (!publics.every((v) => F.isCanonical(v))) return 'a public input is not a canonical field element';
  const { logHeights, mainRoots, auxRoots, claimedSums, quotientRoots } = proof;
  if (!Array.isArray(logHeights) || logHeights.length !== T) return `expected ${T} table heights`;
  for (let i = 0; i < T; i++) {
    const h = logHeights[i];
    if (!Number.isInteger(h) || h! < 1 || h! > MAX_LOG_HEIGHT) return `table ${i}: log height ${h} is out of range [1, ${MAX_LOG_HEIGHT}]`;
    const fixed = system.tables[i]!.fixedLogHeight;
    if (fixed !== null && h !== fixed) return `table ${i}: height 2^${h} differs from its preprocessed height 2^${fixed}`;
  }
  const isDigest = (d: unknown) => d instanceof Uint8Array && d.length === DIGEST_BYTES;
  if (!Array.isArray(mainRoots) || mainRoots.length !== T || !mainRoots.every(isDigest)) return 'malformed main-trace roots';
  if (!Array.isArray(quotientRoots) || quotientRoots.length !== T || !quotientRoots.every(isDigest)) return 'malformed quotient roots';
  if (!Array.isArray(auxRoots) || auxRoots.length !== T) return 'malformed auxiliary-trace roots';
  if (!Array.isArray(claimedSums) || claimedSums.length !== T) return 'malformed claimed sums';
  for (let i = 0; i < T; i++) {
    const hasAux = system.tables[i]!.logup.auxWidth > 0;
    if (hasAux !== (auxRoots[i] !== null)) return `table ${i}: ${hasAux ? 'missing' : 'unexpected'} auxiliary-trace root`;
    if (hasAux && !isDigest(auxRoots[i])) return `table ${i}: malformed auxiliary-trace root`;
    if (!isExt(claimedSums[i])) return `table ${i}: malformed claimed sum`;
    if (!hasAux && !E.isZero(claimedSums[i]!)) return `table ${i}: a claimed sum for a table without bus messages`;
  }
  return null;
}

function isExt(v: unknown): v is E.Ext {
  return Array.isArray(v) && v.length === 4 && v.every((x) => F.isCanonical(x));
}

/** Checks values[matrix][point][column] for one single-matrix commitment. */
function valuesProblem(v: unknown, points: number, width: number): string | null {
  if (!Array.isArray(v) || v.length !== 1) return 'expected one matrix';
  const m = v[0];
  if (!Array.isArray(m) || m.length !== points) return `expected ${points} points`;
  for (const row of m) {
    if (!Array.isArray(row) || row.length !== width) return `expected ${width} columns`;
    if (!row.every(isExt)) return 'a value is not a canonical extension element';
  }
  return null;
}
