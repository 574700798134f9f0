/**
 * The FRI verifier: the mirror of prover.ts. Never throws on hostile input; every failure is a Verdict naming it.
 *
 * Order: absorb each layer root, check the nonce ground before its β (challengePowBits > 0) and draw β; check and absorb the final polynomial; check the grinding
 * nonce; draw the query indices; ask the caller for the inputs' values at the queried positions (the PCS
 * recomputes them from its own openings); verify each round's batched Merkle opening at the leaves the queries
 * need; then for every query walk the rounds: the leaf must hold the running value at the queried position, the
 * leaf is folded, the next input's value is added at a roll-in, and at the end the final polynomial, evaluated
 * at the query's point of the final domain, must equal the running value.
 */
import * as F from '../field/babybear.ts';
import * as E from '../field/extension.ts';
import { reverseBits } from '../field/ntt.ts';
import { DIGEST_BYTES, defaultHasher, type MerkleHasher } from '../merkle/hasher.ts';
import { normalizeIndices } from '../merkle/tree.ts';
import { verifyOpening, type Verdict } from '../merkle/verify.ts';
import { checkBeforeChallenge, type Challenger } from '../transcript.ts';
import { foldLeaf } from './fold.ts';
import { allCanonical, evalExtPolyAtBase, unpack } from './packed.ts';
import { FRI_LABELS, leafIndexOf, type FriProof } from './prover.ts';
import { friParamsProblem, friSchedule, logDegreesProblem, type FriParams } from './schedule.ts';

/** The inputs' values at the queries: values[4·(t·numInputs + i) ..] = input i at query t. */
export type FriInputValues = { readonly ok: true; readonly values: Uint32Array } | { readonly ok: false; readonly error: string };

/** Called once with the drawn query indices (positions in the first codeword, bit-reversed order). */
export type FriInputOracle = (queries: readonly number[]) => FriInputValues;

const OK: Verdict = { ok: true };

function fail(error: string): Verdict {
  return { ok: false, error: `fri: ${error}` };
}

/** Checks the shape of a FRI proof against the schedule; null if well-formed. */
export function friProofShapeProblem(proof: FriProof, numRounds: number, finalLen: number, numBetaNonces = 0): string | null {
  if (typeof proof !== 'object' || proof === null) return 'proof is not an object';
  const { roots, finalPoly, powNonce, betaNonces, openings } = proof;
  if (!Array.isArray(roots) || roots.length !== numRounds) return `expected ${numRounds} layer roots, got ${Array.isArray(roots) ? roots.length : 'none'}`;
  for (let r = 0; r < roots.length; r++) {
    const d = roots[r];
    if (!(d instanceof Uint8Array) || d.length !== DIGEST_BYTES) return `layer root ${r} is not a ${DIGEST_BYTES}-byte digest`;
  }
  if (!(finalPoly instanceof Uint32Array) || finalPoly.length !== 4 * finalLen) {
    return `final polynomial must have ${finalLen} coefficients, got ${finalPoly instanceof Uint32Array ? finalPoly.length / 4 : 'none'}`;
  }
  if (!allCanonical(finalPoly)) return 'final polynomial has a non-canonical coefficient';
  if (typeof powNonce !== 'number' || !Number.isSafeInteger(powNonce) || powNonce < 0) return 'grinding nonce is not a non-negative safe integer';
  if (!Array.isArray(betaNonces) || betaNonces.length !== numBetaNonces) {
    return `expected ${numBetaNonces} nonces ground before the folding challenges, got ${Array.isArray(betaNonces) ? betaNonces.length : 'none'}`;
  }
  if (!Array.isArray(openings) || openings.length !== numRounds) {
    return `expected ${numRounds} layer openings, got ${Array.isArray(openings) ? openings.length : 'none'}`;
  }
  return null;
}

/**
 * Verifies a FRI proof for inputs of the given log degrees (strictly decreasing) and degree slacks (none: 0
 * each), the first over shift·H. `params`, `logDegrees` and `slacks` come from the verifier, never from the proof.
 */
export function verifyFri(
  params: FriParams,
  logDegrees: readonly number[],
  shift: number,
  proof: FriProof,
  transcript: Challenger,
  inputs: FriInputOracle,
  hasher: MerkleHasher = defaultHasher,
  slacks?: readonly number[],
): Verdict {
  const pp = friParamsProblem(params) ?? logDegreesProblem(params, logDegrees, slacks);
  if (pp !== null) return fail(pp);
  const schedule = friSchedule(params, logDegrees, slacks);
  const finalLen = schedule.finalLen;
  const challengeBits = params.challengePowBits ?? 0;
  const sp = friProofShapeProblem(proof, schedule.rounds.length, finalLen, challengeBits > 0 ? schedule.rounds.length : 0);
  if (sp !== null) return fail(sp);

  const betas: E.Ext[] = [];
  for (let r = 0; r < schedule.rounds.length; r++) {
    transcript.absorbDigest(FRI_LABELS.layerRoot, proof.roots[r]!);
    if (!checkBeforeChallenge(transcript, challengeBits, challengeBits > 0 ? proof.betaNonces[r]! : null)) {
      return fail(`round ${r}: the nonce ground before its folding challenge does not solve the proof-of-work puzzle`);
    }
    betas.push(transcript.challengeExt(FRI_LABELS.beta));
  }
  transcript.absorbExts(FRI_LABELS.finalPoly, unpack(proof.finalPoly));
  if (!transcript.checkGrind(params.powBits, proof.powNonce)) return fail('the grinding nonce does not solve the proof-of-work puzzle');
  const queries = transcript.challengeIndices(FRI_LABELS.queries, params.numQueries, 2 ** schedule.logMaxDomain);

  const numInputs = logDegrees.length;
  const given = inputs(queries);
  if (!given.ok) return { ok: false, error: given.error };
  if (!(given.values instanceof Uint32Array) || given.values.length !== 4 * queries.length * numInputs) {
    return fail('the input oracle returned the wrong number of values');
  }

  // Each round's opening, and where each leaf's row sits in it.
  const leafRows: Map<number, Uint32Array>[] = [];
  for (let r = 0; r < schedule.rounds.length; r++) {
    const round = schedule.rounds[r]!;
    const leaves = normalizeIndices(queries.map((q) => leafIndexOf(schedule, r, q)));
    const layout = { height: 2 ** (round.logDomain - round.logArity), widths: [4 * 2 ** round.logArity], saltLength: 0 };
    const v = verifyOpening(hasher, proof.roots[r]!, layout, leaves, proof.openings[r]!);
    if (!v.ok) return fail(`round ${r}: ${v.error}`);
    const map = new Map<number, Uint32Array>();
    leaves.forEach((leaf, k) => map.set(leaf, proof.openings[r]!.rows[k]!));
    leafRows.push(map);
  }

  const logFinalDomain = schedule.logFinalDegree + params.logBlowup;
  for (let t = 0; t < queries.length; t++) {
    const q = queries[t]!;
    let value = E.load(given.values, t * numInputs);
    let nextInput = 1;
    let s = shift;
    for (let r = 0; r < schedule.rounds.length; r++) {
      const round = schedule.rounds[r]!;
      const pos = Math.floor(q / 2 ** (schedule.logMaxDomain - round.logDomain));
      const leaf = Math.floor(pos / 2 ** round.logArity);
      const within = pos - leaf * 2 ** round.logArity;
      const row = leafRows[r]!.get(leaf)!;
      if (!E.equals(E.load(row, within), value)) {
        return fail(`query ${t} (index ${q}): round ${r} leaf ${leaf} does not hold the value folded from the previous round at position ${pos}`);
      }
      value = foldLeaf(row, leaf, round.logDomain, s, betas[r]!, round.logArity);
      s = F.pow(s, 2 ** round.logArity);
      if (round.rollIn) value = E.add(value, E.load(given.values, t * numInputs + nextInput++));
    }
    const finalPos = Math.floor(q / 2 ** (schedule.logMaxDomain - logFinalDomain));
    const y = F.mul(s, F.pow(F.rootOfUnity(logFinalDomain), reverseBits(finalPos, logFinalDomain)));
    if (!E.equals(evalExtPolyAtBase(proof.finalPoly, y), value)) {
      return fail(`query ${t} (index ${q}): the final polynomial does not match the folded value`);
    }
  }
  return OK;
}
