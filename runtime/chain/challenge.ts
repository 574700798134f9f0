/**
 * An auditor's challenge: a draw the prover does not control. A step proof draws a family's members by
 * Fiat–Shamir over the step's roots (runtime/run/sampling.ts drawMembers), so a prover that commits again gets a
 * new draw, and each step's draw is worth only −d·log2(1 − 1/L) bits against it (docs/compute-checks.md,
 * "Families"). An auditor who draws after the run's proofs are published takes that choice away: the proofs fix
 * every step's record commitment, so re-committing afterwards cannot change what the challenge opens.
 *
 *   1. The auditor verifies the chain (`zpol verify`), then draws a challenge per step and clause from fresh
 *      randomness (`issueChallenge`): 32 random bytes, the nonce, from which `drawChallenge` derives the member
 *      l ∈ [FROM, TO) of a family and the entries (i, j) of c = a·b to open:
 *
 *        stream = BLAKE3 keyed by the nonce, as an XOF, of "zpol-challenge-v1\n" ‖ canonical JSON of
 *                 { clause, commitment, dims, family (or null), samples, step }
 *        read as 32-bit little-endian words; a value below n is the first word x < ⌊2^32 / n⌋·n, taken mod n
 *        (rejection sampling: uniform); the member first (families only), then i and j for each sample.
 *
 *      Anyone holding the nonce rederives the challenge, so a challenge is checked to be the nonce's. The
 *      challenge names the step record commitment of the proof it was drawn against (the proof's third public
 *      input): a step proven again after the challenge, with other roots, does not answer it.
 *   2. The lab answers from the run directory (`answerAudit`): the member's rows and Merkle openings
 *      (Recorder.answerChallenge), the step record and the step's blinding (from the run's prover key; it
 *      reveals this step's record and nothing of the others', each blinding being its own keyed derivation).
 *   3. The auditor checks the answer against the published step proof (`checkAudit`): the answer is to this
 *      challenge (its nonce: an answer to an earlier challenge is stale), opens the challenged member and entries,
 *      the record and blinding commit to the proof's step record commitment (its third public input), and the
 *      openings verify against that record's roots of the member and recompute in the clause's order.
 *
 * Against a prover that deviates in m of a step's L members, a challenge of one member misses with probability
 * 1 − (m/L)·(1 − τ), τ = e^(−k·f) the chance its k samples miss a fraction f of wrong entries; the prover cannot
 * redraw it (`auditSentence`). The answer opens rows in the clear: it is for an auditor the lab shows its records
 * to, not for the public, which the zero-knowledge step proofs serve.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { blocked, SEQUENTIAL } from '../fp/bf16.ts';
import type { ComputeCheck, LoadedPolicy } from '../policy/artifact.ts';
import { formatProbability } from '../policy/family-assurance.ts';
import { commitWords, recordWords } from '../policy/record-words.ts';
import { decodeRecord } from '../policy/run-values.ts';
import { canonicalJson, type Json } from '../run/files.ts';
import { checkChallengeAnswer, Recorder, type ChallengeAnswer } from '../run/recorder.ts';
import { digestFromHex, digestToHex } from '../run/tensor-commit.ts';
import { stepFile, type StepEnvelope } from '../run/format.ts';
import { blindingWord } from './blinding.ts';
import type { ProofFile } from './proof-file.ts';
import { proverKey } from './run-prover.ts';

export const CHALLENGE_DOMAIN = 'zpol-challenge-v1\n';

/** What an auditor asks of one step and one verify clause. */
export interface Challenge {
  readonly step: number;
  readonly clause: string;
  /** The step record commitment of the step proof published when the challenge was drawn (its third public input). */
  readonly commitment: string;
  /** The family member l to open (FROM ≤ l < TO), or null for a single product. */
  readonly member: number | null;
  /** The entries (i, j) of c = a·b to open, in order. */
  readonly samples: readonly { readonly i: number; readonly j: number }[];
  /** The auditor's 32 random bytes, 64 hex digits: the challenge follows from them (drawChallenge). */
  readonly nonce: string;
}

/** A lab's answer: the openings, the challenge's nonce, and the step record with its blinding. */
export interface AuditAnswer extends ChallengeAnswer {
  readonly nonce: string;
  /** The step record, in run-value form (steps/NNNNNN.json's `record`). */
  readonly record: Json;
  /** The step record's blinding word (8 field elements, as a digest's 64 hex digits). */
  readonly blinding: string;
}

const NONCE = /^[0-9a-f]{64}$/;

/**
 * The challenge the nonce gives for `check` at `step`, whose published proof commits to the step record
 * `commitment` (module comment), with `samples` entries (the clause's k unless given).
 */
export function drawChallenge(check: ComputeCheck, step: number, commitment: string, nonce: string, samples = check.samples): Challenge {
  if (!NONCE.test(commitment)) throw new RangeError(`a step record commitment is 64 lowercase hex digits, got ${JSON.stringify(commitment)}`);
  if (!NONCE.test(nonce)) throw new RangeError(`a challenge nonce is 64 lowercase hex digits (32 bytes), got ${JSON.stringify(nonce)}`);
  if (!Number.isSafeInteger(step) || step < 1) throw new RangeError(`steps are numbered from 1, got ${step}`);
  if (!Number.isSafeInteger(samples) || samples < 1 || samples > 4096) throw new RangeError(`a challenge opens 1 to 4096 entries, got ${samples}`);
  const [M, , N] = check.dims;
  const context = canonicalJson({ clause: check.name, commitment, dims: [...check.dims], family: check.family ? { ...check.family } : null, samples, step });
  // Each value takes one word but for a rejection (probability < n / 2^32 ≤ 2^−5 for the shapes a check has); twice
  // the words needed, and more on the rare run out.
  let words = 4 * (2 * samples + 1);
  for (;;) {
    const stream = blake3(new TextEncoder().encode(CHALLENGE_DOMAIN + context), { key: Buffer.from(nonce, 'hex'), dkLen: 8 * words });
    const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
    let at = 0;
    const below = (n: number): number | null => {
      const limit = Math.floor(2 ** 32 / n) * n;
      while (at + 4 <= stream.length) {
        const x = view.getUint32(at, true);
        at += 4;
        if (x < limit) return x % n;
      }
      return null;
    };
    const f = check.family;
    const u = f ? below(f.to - f.from) : 0;
    const entries: { i: number; j: number }[] = [];
    for (let s = 0; s < samples && u !== null; s++) {
      const i = below(M);
      const j = i === null ? null : below(N);
      if (j === null) break;
      entries.push({ i: i!, j });
    }
    if (u !== null && entries.length === samples) return { step, clause: check.name, commitment, member: f ? f.from + u : null, samples: entries, nonce };
    words *= 2;
  }
}

/** A fresh challenge for `check` of the published step proof `proof`, from 32 random bytes. */
export function issueChallenge(check: ComputeCheck, proof: ProofFile, samples = check.samples): Challenge {
  if (proof.kind !== 'step') throw new RangeError(`challenges are of step proofs, this is the ${proof.kind} proof`);
  return drawChallenge(check, proof.step, proof.publicInputs[2]!, randomBytes(32).toString('hex'), samples);
}

/**
 * The lab's answer to `challenge` from its run directory: the openings of the challenged member and entries, and
 * the step record with its blinding (from the run's prover key, `prover.key`, with which its proofs were made).
 */
export function answerAudit(runDir: string, challenge: Challenge): AuditAnswer {
  const recorder = Recorder.answering(runDir);
  const answer = recorder.answerChallenge(challenge.step, challenge.samples, challenge.clause, challenge.member ?? undefined);
  // The envelope the answer's openings were checked against (answerChallenge reads it and its roots first).
  const { record } = JSON.parse(readFileSync(join(runDir, stepFile(challenge.step)), 'utf8')) as StepEnvelope;
  const blinding = digestToHex(blindingWord(proverKey(runDir), `step ${challenge.step}`));
  return { ...answer, nonce: challenge.nonce, record: record as Json, blinding };
}

/**
 * Why `answer` does not answer `challenge` for the step whose (verified) proof is `proof`: empty when it does.
 * Every failure names the step and clause, and the member for a family.
 */
export function checkAudit(policy: LoadedPolicy, proof: ProofFile, challenge: Challenge, answer: AuditAnswer): string[] {
  const check = policy.artifact.verifies.find((v) => v.name === challenge.clause);
  const where = `step ${challenge.step}, verify ${challenge.clause}${challenge.member === null ? '' : ` (member ${check?.family?.variable ?? 'l'} = ${challenge.member})`}`;
  const fail = (why: string): string[] => [`${where}: ${why}`];
  if (!check) return fail(`the policy has no verify clause '${challenge.clause}'`);
  let drawn: Challenge;
  try {
    drawn = drawChallenge(check, challenge.step, challenge.commitment, challenge.nonce, challenge.samples.length);
  } catch (e) {
    return fail(`not a challenge: ${(e as Error).message}`);
  }
  if (canonicalJson(drawn) !== canonicalJson({ ...challenge, samples: challenge.samples.map(({ i, j }) => ({ i, j })) })) {
    return fail('the challenge is not the one its nonce draws (its member or entries were chosen, not drawn)');
  }
  if (proof.kind !== 'step' || proof.step !== challenge.step) return fail(`the proof given is the ${proof.kind} proof of step ${proof.step}, not step ${challenge.step}'s`);
  if (proof.publicInputs[2] !== challenge.commitment) {
    return fail(`the step proof given commits to the record ${String(proof.publicInputs[2]).slice(0, 16)}…, not to the one the challenge was drawn against (${challenge.commitment.slice(0, 16)}…): a step proven again after the challenge`);
  }
  if (answer.nonce !== challenge.nonce) return fail(`the answer is to another challenge (nonce ${String(answer.nonce).slice(0, 16)}…, this challenge's is ${challenge.nonce.slice(0, 16)}…): a stale answer`);
  if (answer.step !== challenge.step || answer.clause !== challenge.clause) return fail(`the answer is for step ${answer.step}, verify ${answer.clause}`);
  if ((answer.member ?? null) !== challenge.member) return fail(`the answer opens member ${answer.member ?? 'none'}; the challenge drew ${challenge.member ?? 'none'}`);
  if (answer.samples.length !== challenge.samples.length) return fail(`the answer opens ${answer.samples.length} entries; the challenge drew ${challenge.samples.length}`);
  const moved = challenge.samples.findIndex((s, n) => answer.samples[n]!.i !== s.i || answer.samples[n]!.j !== s.j);
  if (moved >= 0) {
    const [s, a] = [challenge.samples[moved]!, answer.samples[moved]!];
    return fail(`sample ${moved} opens (${a.i}, ${a.j}); the challenge drew (${s.i}, ${s.j})`);
  }
  // The record must be the one the published proof commits to.
  let roots: { a: string; b: string; c: string };
  try {
    const values = decodeRecord(policy.artifact.records.step, answer.record, `step ${challenge.step}`);
    const commitment = digestToHex(commitWords(digestFromHex(answer.blinding), recordWords(policy.artifact.records.step, values, `step ${challenge.step}`)));
    if (commitment !== proof.publicInputs[2]) return fail(`the record and blinding commit to ${commitment.slice(0, 16)}…, not to the step record commitment of step ${challenge.step}'s proof (${String(proof.publicInputs[2]).slice(0, 16)}…)`);
    const rec = answer.record as Record<string, Json>;
    const root = (o: 'a' | 'b' | 'c'): string => {
      const v = rec[check[o]];
      const r = challenge.member === null ? v : Array.isArray(v) ? v[challenge.member] : undefined;
      if (typeof r !== 'string') throw new Error(`record/${check[o]}${challenge.member === null ? '' : `/${challenge.member}`} is not a root`);
      return r;
    };
    roots = { a: root('a'), b: root('b'), c: root('c') };
  } catch (e) {
    return fail((e as Error).message);
  }
  const order = check.order === 'tensor_core' ? 'tensor_core' : check.order === 'blocked' ? blocked(check.block!) : SEQUENTIAL;
  return checkChallengeAnswer(answer, { roots, dims: check.dims }, order).map((f) => `${where}: ${f}`);
}

/**
 * What answered challenges of one clause assure (module comment): with `challenged` steps each opening one drawn
 * member and `samples` entries, a deviation touching m of L members at a step escapes that step's challenge with probability
 * at most 1 − (m/L)·(1 − τ), whatever the prover committed again before the challenge.
 */
export function auditSentence(check: ComputeCheck, challenged: number, samples = check.samples): string {
  const L = check.family ? check.family.to - check.family.from : 1;
  // drawBits is k·f·log2(e) for the clause's k samples: a challenge of other size scales it.
  const tau = 2 ** -((check.drawBits * samples) / check.samples);
  const one = 1 - (1 - tau) / L;
  return (
    `${challenged} step${challenged === 1 ? '' : 's'} challenged after the proofs were published, one ${L === 1 ? 'product' : `of ${L} members`} each, ` +
    `drawn by the auditor: a deviation in one member of a challenged step escapes its challenge with probability ${formatProbability(one)}, ` +
    `${formatProbability(one ** challenged)} if every challenged step deviates; the prover could not redraw it`
  );
}
