/**
 * What a verifier program reads of the child proof it verifies (issue #24), and the transcript it replays.
 *
 * The program is built from the child's system and table heights alone (verifier.ts): every instruction is fixed
 * by them, and the child's data (publics, roots, claimed sums, opened values, FRI's layers, the nonce, the Merkle
 * paths) are words on the private tape. `ChildData` gives those words: a real proof's, or zeros of the same shape
 * when the program is built without a proof (the same instructions, a tape no proof would pass).
 *
 * `DualTranscript` runs the program's transcript (transcript.ts) and, beside it, the TypeScript Poseidon2
 * transcript on the same data: the TypeScript side yields the query indices the Merkle witnesses are built for
 * (the program draws its own; a witness for other indices misses the roots).
 */
import * as E from '../proof/field/extension.ts';
import { bytesToWords } from '../proof/hash/blake3.ts';
import type { Digest } from '../proof/merkle/hasher.ts';
import { groupsOf, leafCount, type MixedLayout, type MixedOpening } from '../proof/merkle/mixed.ts';
import { poseidon2Hasher } from '../proof/merkle/poseidon2-hasher.ts';
import { normalizeIndices } from '../proof/merkle/tree.ts';
import type { FriPcsProof } from '../proof/pcs/index.ts';
import { unpack } from '../proof/fri/packed.ts';
import type { CommitLayout } from '../proof/stark/protocol.ts';
import type { StarkProof } from '../proof/stark/prover.ts';
import { Poseidon2Transcript } from '../proof/transcript-poseidon2.ts';
import type { Assembler } from '../vm/assembler.ts';
import type { Word } from '../vm/word.ts';
import { assemble, type ElemRef, type Tape } from './elements.ts';
import { fullPaths, type PathWitness } from './merkle-paths.ts';
import { VmTranscript, type DrawnIndex } from './transcript.ts';

/** A child proof and the public inputs it is verified for. */
export interface ChildProof {
  readonly publics: readonly number[];
  readonly proof: StarkProof<FriPcsProof>;
}

/** Which opening a Merkle witness is for: commitment r's tree, the zero-knowledge mask's, FRI round r's layer. */
export type OpeningOf = { readonly kind: 'input'; readonly r: number } | { readonly kind: 'mask' } | { readonly kind: 'fri'; readonly r: number };

/** The child's data in the order the program reads them (values[k][m][j]: commitment k, matrix m, point j). */
export interface ChildData {
  readonly publics: readonly number[];
  readonly mainRoot: Digest;
  readonly auxRoot: Digest | null;
  readonly claimedSums: readonly E.Ext[];
  readonly quotientRoot: Digest;
  readonly values: readonly (readonly (readonly (readonly E.Ext[])[])[])[];
  readonly maskRoot: Digest | null;
  readonly friRoots: readonly Digest[];
  readonly finalPoly: readonly E.Ext[];
  readonly nonce: number;
  /** The nonces ground before the LogUp challenges, ζ, the batching coefficients and each β (challengePowBits > 0). */
  readonly challengeNonces: { readonly logup: number | null; readonly zeta: number | null; readonly alpha: number | null; readonly betas: readonly number[] };
  /** One path witness per leaf of `leaves` (ascending, distinct) of `layout`. */
  paths(of: OpeningOf, layout: MixedLayout, leaves: readonly number[]): PathWitness[];
}

/** The data of a real proof (its shape is checked by the program's build: a mismatch throws, naming the part). */
export function proofData(child: ChildProof): ChildData {
  const { proof } = child;
  const pcs = proof.pcsProof;
  const openingOf = (of: OpeningOf): MixedOpening => {
    if (of.kind === 'input') {
      const o = pcs.inputOpenings[of.r];
      if (!o) throw new RangeError(`child proof: no opening of commitment ${of.r} (the in-VM verifier holds no commitment: aggregation parameters leave verifierHoldsPublic off)`);
      return o;
    }
    const o = of.kind === 'mask' ? pcs.maskOpening : pcs.fri.openings[of.r];
    if (!o) throw new RangeError(`child proof: no ${of.kind} opening${of.kind === 'fri' ? ` for round ${of.r}` : ''}`);
    return { rows: [o.rows], salts: o.salts, siblings: o.siblings };
  };
  return {
    publics: child.publics,
    mainRoot: proof.mainRoot,
    auxRoot: proof.auxRoot,
    claimedSums: proof.claimedSums,
    quotientRoot: proof.quotientRoot,
    values: proof.values,
    maskRoot: pcs.maskRoot,
    friRoots: pcs.fri.roots,
    finalPoly: unpack(pcs.fri.finalPoly),
    nonce: pcs.fri.powNonce,
    challengeNonces: { logup: proof.logupNonce, zeta: proof.zetaNonce, alpha: pcs.alphaNonce, betas: pcs.fri.betaNonces },
    paths: (of, layout, leaves) => {
      // A proof that does not open the drawn leaves (the transcript drew others: a tampered proof) has no witness;
      // paths of zeros keep the tape's shape and fail the program at the root.
      try {
        return fullPaths(poseidon2Hasher, layout, leaves, openingOf(of));
      } catch {
        return leaves.map(() => zeroPath(layout));
      }
    },
  };
}

/** Zeros of the shape of a proof with these commitments, FRI rounds and final polynomial length. */
export function zeroData(publics: number, layouts: readonly CommitLayout[], anyBus: boolean, zk: boolean, friRounds: number, finalLen: number, tables: number): ChildData {
  const digest = new Uint8Array(32);
  return {
    publics: new Array<number>(publics).fill(0),
    mainRoot: digest,
    auxRoot: anyBus ? digest : null,
    claimedSums: Array.from({ length: tables }, () => E.ZERO),
    quotientRoot: digest,
    values: layouts.map((l) => l.valueWidths.map((w, m) => l.columns[m]!.map((list) => Array.from({ length: list?.length ?? w }, () => E.ZERO)))),
    maskRoot: zk && !layouts.some((l) => l.mask !== undefined) ? digest : null,
    friRoots: new Array<Digest>(friRounds).fill(digest),
    finalPoly: Array.from({ length: finalLen }, () => E.ZERO),
    nonce: 0,
    challengeNonces: { logup: 0, zeta: 0, alpha: 0, betas: new Array<number>(friRounds).fill(0) },
    paths: (_of, layout, leaves) => leaves.map(() => zeroPath(layout)),
  };
}

/** A path of zeros through `layout` (a witness of the right shape; it hashes to no root). */
function zeroPath(layout: MixedLayout): PathWitness {
  const groups = groupsOf(layout);
  const depth = Math.log2(leafCount(layout));
  return {
    leafMessage: new Array<number>(layout.saltLength + groups[0]!.width).fill(0),
    groupRows: groups.slice(1).map((g) => new Array<number>(g.width).fill(0)),
    siblings: Array.from({ length: depth }, () => new Array<number>(8).fill(0)),
  };
}

const digestWord = (d: Digest): Word => Array.from(bytesToWords(d));

/** The program's transcript and the TypeScript one, fed the same data. */
export class DualTranscript {
  readonly vm: VmTranscript;
  readonly ts: Poseidon2Transcript;

  constructor(
    private readonly asm: Assembler,
    private readonly tape: Tape,
    protocol: string,
  ) {
    this.vm = new VmTranscript(asm, protocol);
    this.ts = new Poseidon2Transcript(protocol);
  }

  /** A build-time digest (the system's). */
  absorbConstantDigest(label: string, digest: Uint8Array): void {
    this.vm.absorbDigest(label, digest);
    this.ts.absorbDigest(label, digest);
  }

  /** A digest from the tape; returns its word. */
  absorbDigest(label: string, digest: Digest): number {
    const w = this.tape.read(digestWord(digest));
    this.vm.absorbDigest(label, w);
    this.ts.absorbDigest(label, digest);
    return w;
  }

  absorbConstantFields(label: string, values: readonly number[]): void {
    this.vm.absorbFields(label, values);
    this.ts.absorbFields(label, values);
  }

  absorbConstantBytes(label: string, bytes: Uint8Array): void {
    this.vm.absorbBytes(label, bytes);
    this.ts.absorbBytes(label, bytes);
  }

  absorbU64(label: string, n: number): void {
    this.vm.absorbU64(label, n);
    this.ts.absorbU64(label, n);
  }

  /** Field elements from the tape; returns their elements. */
  absorbFields(label: string, values: readonly number[]): ElemRef[] {
    this.ts.absorbFields(label, values);
    return this.vm.absorbFieldsFromTape(label, values, this.tape);
  }

  /** Extension elements from the tape; returns each as a word (lanes 0..3). */
  absorbExts(label: string, values: readonly E.Ext[]): number[] {
    this.ts.absorbExts(label, values);
    return this.vm.absorbExtsFromTape(label, values, this.tape).map((refs) => assemble(this.asm, refs));
  }

  /** Extension elements the program computed (words), whose values the TypeScript side is given. */
  absorbComputedExts(label: string, words: readonly number[], values: readonly E.Ext[]): void {
    this.vm.absorbExts(label, words);
    this.ts.absorbExts(label, values);
  }

  challengeExts(label: string, n: number): { words: number[]; values: E.Ext[] } {
    return { words: this.vm.challengeExts(label, n), values: this.ts.challengeExts(label, n) };
  }

  /** The proof-of-work check; `what` names the challenge it protects in the program's failure ("before ζ"). */
  checkGrind(bits: number, nonce: number, what?: string): void {
    this.vm.checkGrind(bits, this.tape, nonce, what);
    this.ts.checkGrind(bits, nonce);
  }

  /**
   * The nonce ground before a challenge (transcript.ts `checkBeforeChallenge`): nothing at 0 bits, else the
   * proof-of-work check with the nonce from the tape (a missing nonce is read as 0 and fails the check).
   */
  checkBefore(bits: number, nonce: number | null, what: string): void {
    if (bits > 0) this.checkGrind(bits, nonce ?? 0, what);
  }

  challengeIndices(label: string, count: number, logN: number): { drawn: DrawnIndex[]; values: number[] } {
    return { drawn: this.vm.challengeIndices(label, count, logN), values: this.ts.challengeIndices(label, count, 2 ** logN) };
  }
}

/** The distinct leaves of `queries` in a tree of 2^logTop leaves over FRI's domain of 2^logMax. */
export function leavesOf(queries: readonly number[], logMax: number, logTop: number): number[] {
  return normalizeIndices(queries.map((q) => Math.floor(q / 2 ** (logMax - logTop))));
}
