/**
 * The FRI prover over the extension field, for a batch of codewords of different lengths.
 *
 * Commit phase. The current codeword (bit-reversed, packed extension elements) is committed in a Merkle tree
 * whose leaf q holds the 2^a values that fold into position q (fold.ts), the root is absorbed, a challenge β is
 * drawn (after grinding params.challengePowBits, when nonzero, on the transcript: its nonce is absorbed first), and
 * the codeword is folded by 2^a; if the next input has the folded length, it is added ("roll-in"). When
 * the degree bound reaches 2^stop, the codeword is interpolated (coset inverse NTT over the final domain) and its
 * 2^stop coefficients are sent and absorbed.
 *
 * FRI layer trees are not salted. Their leaves are values of folds of the batched codeword; in zero-knowledge
 * mode that codeword includes a uniformly random masking polynomial of the full degree bound (pcs/fri-pcs.ts),
 * so every layer is the fold of a uniformly random polynomial plus a fixed one: its values carry no information
 * beyond the positions the verifier is shown, except through the leaf digests of unopened leaves. Such a leaf is
 * either determined by what the proof reveals (then its digest leaks nothing new) or keeps at least one free
 * extension element (≈124 bits) of entropy given everything revealed, which a random-oracle hash hides
 * computationally, the same argument that makes a salt of 4 field elements sufficient. A salt would add 16 bytes
 * per opened leaf for no gain.
 *
 * Query phase. After the final polynomial, the prover grinds (transcript.grind, powBits), then numQueries indices
 * in [0, 2^logMaxDomain) are drawn; for each round the leaves containing the queried positions are opened, as one
 * batched Merkle opening per round (ascending distinct leaf indices).
 */
import * as F from '../field/babybear.ts';
import { reverseBits } from '../field/ntt.ts';
import type { ProofBackend } from '../backend.ts';
import { commitTree, tsBackend } from '../backends/index.ts';
import { Matrix } from '../matrix.ts';
import { defaultHasher, type Digest, type MerkleHasher } from '../merkle/hasher.ts';
import { normalizeIndices, type MerkleOpening, type MerkleTree } from '../merkle/tree.ts';
import { grindBeforeChallenge, type Challenger } from '../transcript.ts';
import { foldCodeword } from './fold.ts';
import { unpack } from './packed.ts';
import { timed, type Profiler } from '../profile.ts';
import { friSchedule, type FriParams, type FriSchedule } from './schedule.ts';

/** Transcript labels of the FRI protocol. */
export const FRI_LABELS = {
  layerRoot: 'fri/layer-root',
  beta: 'fri/beta',
  finalPoly: 'fri/final-poly',
  queries: 'fri/query-indices',
} as const;

export interface FriProof {
  /** The roots of the commit-phase layers, one per round. */
  readonly roots: readonly Digest[];
  /** The final polynomial's `finalLen` coefficients (schedule.ts), packed extension elements, constant term first. */
  readonly finalPoly: Uint32Array;
  readonly powNonce: number;
  /** Per round, the nonce ground before its β (params.challengePowBits; empty at 0 bits). */
  readonly betaNonces: readonly number[];
  /** Per round, the batched opening of the leaves holding the queried positions (ascending distinct leaves). */
  readonly openings: readonly MerkleOpening[];
}

export interface FriInput {
  readonly logDegree: number;
  /** Degree slack: the codeword's polynomial has degree < 2^logDegree + slack (0 when absent). */
  readonly slack?: number;
  /** Packed extension values over shift·H of length 2^(logDegree + logBlowup), bit-reversed order. */
  readonly codeword: Uint32Array;
}

export interface FriEnv {
  readonly backend?: ProofBackend;
  readonly hasher?: MerkleHasher;
  readonly profiler?: Profiler;
}

/** The leaf of round `round` that holds the queried position `query` (an index into the first codeword). */
export function leafIndexOf(schedule: FriSchedule, round: number, query: number): number {
  const r = schedule.rounds[round]!;
  return Math.floor(query / 2 ** (schedule.logMaxDomain - r.logDomain + r.logArity));
}

/**
 * Runs FRI on codewords over cosets shift^(2^k)·H... : inputs[0] over shift·H, strictly decreasing degrees.
 * Returns the proof and the drawn query indices (for the caller's own openings).
 */
export function proveFri(
  params: FriParams,
  inputs: readonly FriInput[],
  shift: number,
  transcript: Challenger,
  env: FriEnv = {},
): { proof: FriProof; queries: number[]; schedule: FriSchedule } {
  const backend = env.backend ?? tsBackend;
  const hasher = env.hasher ?? defaultHasher;
  const schedule = friSchedule(params, inputs.map((i) => i.logDegree), inputs.map((i) => i.slack ?? 0));
  inputs.forEach((input, i) => {
    if (input.codeword.length !== 4 * 2 ** (input.logDegree + params.logBlowup)) {
      throw new RangeError(`FRI input ${i}: expected ${2 ** (input.logDegree + params.logBlowup)} values, got ${input.codeword.length / 4}`);
    }
  });

  let cw = inputs[0]!.codeword;
  let s = shift;
  let nextInput = 1;
  const trees: MerkleTree[] = [];
  const roots: Digest[] = [];
  const betaNonces: number[] = [];
  for (const round of schedule.rounds) {
    const leaves = new Matrix(cw, 4 * 2 ** round.logArity);
    const tree = commitTree(backend, hasher, [leaves], null);
    trees.push(tree);
    const root = tree.root();
    roots.push(root);
    transcript.absorbDigest(FRI_LABELS.layerRoot, root);
    const nonce = grindBeforeChallenge(transcript, params.challengePowBits ?? 0, backend);
    if (nonce !== null) betaNonces.push(nonce);
    const beta = transcript.challengeExt(FRI_LABELS.beta);
    const folding = cw;
    cw = timed(env.profiler, 'fri: fold', () => (backend.foldCodeword ? backend.foldCodeword(folding, round.logDomain, s, beta, round.logArity) : foldCodeword(folding, round.logDomain, s, beta, round.logArity)));
    s = F.pow(s, 2 ** round.logArity);
    if (round.rollIn) {
      const add = inputs[nextInput++]!.codeword;
      const sum = new Uint32Array(cw.length);
      for (let i = 0; i < cw.length; i++) {
        const t = cw[i]! + add[i]!;
        sum[i] = t >= F.P ? t - F.P : t;
      }
      cw = sum;
    }
  }

  // Final polynomial: back to natural order, coset inverse NTT (a packed extension vector is a width-4 matrix).
  const logFinalDomain = schedule.logFinalDegree + params.logBlowup;
  const n = 2 ** logFinalDomain;
  const natural = new Uint32Array(4 * n);
  for (let i = 0; i < n; i++) natural.set(cw.subarray(4 * reverseBits(i, logFinalDomain), 4 * reverseBits(i, logFinalDomain) + 4), 4 * i);
  backend.cosetInttColumns(natural, 4, s);
  // An honest codeword has no coefficients at or above finalLen; sending the low ones is all the prover can do.
  const finalPoly = natural.slice(0, 4 * schedule.finalLen);
  transcript.absorbExts(FRI_LABELS.finalPoly, unpack(finalPoly));

  const powNonce = transcript.grind(params.powBits, backend);
  const queries = transcript.challengeIndices(FRI_LABELS.queries, params.numQueries, 2 ** schedule.logMaxDomain);

  const openings = schedule.rounds.map((_, r) => trees[r]!.open(normalizeIndices(queries.map((q) => leafIndexOf(schedule, r, q)))));
  return { proof: { roots, finalPoly, powNonce, betaNonces, openings }, queries, schedule };
}
