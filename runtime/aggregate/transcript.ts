/**
 * The Poseidon2 Fiat–Shamir transcript (runtime/proof/transcript-poseidon2.ts) as a zkVM program fragment: a
 * builder that emits, on an assembler, the instructions replaying the same duplex sponge, so that a verifier
 * program draws exactly the challenges the TypeScript verifier draws from the same proof (issue #24).
 *
 * State. The sponge's 16 elements are two words, lo = s[0..8) (the rate) and hi = s[8..16) (the capacity). A
 * permutation is `hash lo' in hi #0` and `hash hi' in hi #1` (two Poseidon2 rows), where `in` is the rate block:
 * the elements absorbed since the last permutation in their lanes, the old rate's lanes after them (overwrite
 * mode). The rate position and the frames (tags, labels, lengths) are fixed by the protocol, so the builder
 * tracks them at build time and only the data are program values:
 *
 *   - while everything absorbed is a constant (the protocol name, a system's shape), the state is a constant and
 *     the permutations run here, at build time: no instruction;
 *   - lo' is emitted only when something reads it (a squeeze, or a block that keeps some of its lanes): a block
 *     that overwrites the whole rate never needs the previous rate.
 *
 * Frames and sampling are transcript-poseidon2.ts's (its module comment); the one difference is an index draw of
 * p − 1, which the TypeScript transcript rejects and replaces with the next element: the program fails instead
 * (elements.ts `bitsOf`; probability 2^-31 per draw), so it never accepts what the TypeScript verifier rejects.
 * Grinding takes the nonce as its 32 bits from the tape (a nonce ≥ 2^32 is not expressed; the prover's least
 * nonce passes 2^32 with probability about e^(−2^(32−b)) at b bits).
 */
import { P } from '../proof/field/babybear.ts';
import { bytesToWords } from '../proof/hash/blake3.ts';
import { poseidon2 } from '../proof/hash/poseidon2.ts';
import { byteElements, labelElements, MAX_POSEIDON2_POW_BITS, POSEIDON2_FRAMES, u64Elements } from '../proof/transcript-poseidon2.ts';
import type { Assembler } from '../vm/assembler.ts';
import { WORD } from '../vm/buses.ts';
import { assemble, assertBits, bitsOf, isConstant, lane0, lanesOf, weightedBits, type BitWords, type Elem, type ElemRef, type Tape } from './elements.ts';

const { DOMAIN, OP_ABSORB, OP_SQUEEZE, Kind, RATE } = POSEIDON2_FRAMES;

/** Half a sponge state: constant elements, a word in memory, or a rate not emitted yet (hash in hi #0). */
type Half = { readonly kind: 'constant'; readonly values: readonly number[] } | { readonly kind: 'word'; readonly addr: number } | { readonly kind: 'pending'; readonly input: number; readonly hi: number };

/** A query index drawn by the program: its value (lane 0 of `index`) and the bits of the element it came from. */
export interface DrawnIndex {
  readonly index: number;
  readonly bits: BitWords;
}

export class VmTranscript {
  private lo: Half = { kind: 'constant', values: new Array<number>(WORD).fill(0) };
  private hi: Half = { kind: 'constant', values: new Array<number>(WORD).fill(0) };
  /** The elements absorbed into the current rate block (lanes 0..block.length). */
  private block: Elem[] = [];
  /** Permutations emitted (two Poseidon2 rows each, one when the rate is never read). */
  permutations = 0;

  constructor(
    private readonly asm: Assembler,
    protocol: string,
  ) {
    this.feed([DOMAIN, ...labelElements(protocol)]);
  }

  /** The rate's lane j as an element (emitting the pending rate if there is one). */
  private rateLane(j: number): Elem {
    const lo = this.materialise();
    return lo.kind === 'constant' ? lo.values[j]! : { addr: lo.addr, lane: j };
  }

  private materialise(): Exclude<Half, { kind: 'pending' }> {
    const lo = this.lo;
    if (lo.kind !== 'pending') return lo;
    const addr = this.asm.alloc();
    this.asm.hash(addr, lo.input, lo.hi, 0);
    this.lo = { kind: 'word', addr };
    return this.lo;
  }

  private wordOf(h: Exclude<Half, { kind: 'pending' }>): number {
    return h.kind === 'constant' ? this.asm.constant(h.values) : h.addr;
  }

  /** s ← P(s) with the current block written over the rate. */
  private permute(): void {
    const input = Array.from({ length: RATE }, (_, j) => (j < this.block.length ? this.block[j]! : this.rateLane(j)));
    this.block = [];
    const hi = this.hi as Exclude<Half, { kind: 'pending' }>;
    if (input.every(isConstant) && hi.kind === 'constant') {
      const s = poseidon2.permutation([...input, ...hi.values]);
      this.lo = { kind: 'constant', values: Array.from(s.subarray(0, WORD)) };
      this.hi = { kind: 'constant', values: Array.from(s.subarray(WORD)) };
      return;
    }
    const inAddr = assemble(this.asm, input);
    const hiAddr = this.wordOf(hi);
    const next = this.asm.alloc();
    this.asm.hash(next, inAddr, hiAddr, 1);
    this.permutations++;
    this.lo = { kind: 'pending', input: inAddr, hi: hiAddr };
    this.hi = { kind: 'word', addr: next };
  }

  private feed(elements: readonly Elem[]): void {
    for (const e of elements) {
      if (isConstant(e) && (!Number.isInteger(e) || e < 0 || e >= P)) throw new RangeError(`transcript: ${e} is not a canonical field element`);
      this.block.push(e);
      if (this.block.length === RATE) this.permute();
    }
  }

  private absorb(kind: number, label: string, data: readonly Elem[]): void {
    this.feed([OP_ABSORB, kind, ...labelElements(label), data.length]);
    this.feed(data);
  }

  /** Frames a squeeze of `count` elements and returns the reader of its elements. */
  private squeeze(kind: number, label: string, count: number): () => Elem {
    this.feed([OP_SQUEEZE, kind, ...labelElements(label), count]);
    this.feed([1]);
    while (this.block.length !== 0) this.feed([0]);
    let next = 0;
    return () => {
      if (next === RATE) {
        this.permute();
        next = 0;
      }
      return this.rateLane(next++);
    };
  }

  /**
   * Absorbs data the program reads from the tape, each tape word laid out in the lanes the data take in the rate
   * (the other lanes are never read: the block takes only these lanes), so a block of data costs one `read` and
   * one masked `mul`, not a `lane` and a `scale` per element. Returns the data's elements.
   */
  private absorbFromTape(kind: number, label: string, values: readonly number[], tape: Tape): ElemRef[] {
    this.feed([OP_ABSORB, kind, ...labelElements(label), values.length]);
    const refs: ElemRef[] = [];
    let i = 0;
    while (i < values.length) {
      const at = this.block.length;
      const n = Math.min(RATE - at, values.length - i);
      const word = new Array<number>(WORD).fill(0);
      for (let k = 0; k < n; k++) word[at + k] = values[i + k]!;
      const addr = tape.read(word);
      const here = Array.from({ length: n }, (_, k) => ({ addr, lane: at + k }));
      refs.push(...here);
      this.feed(here);
      i += n;
    }
    return refs;
  }

  /** Field elements from the tape (tape-aligned, see absorbFromTape); returns their elements. */
  absorbFieldsFromTape(label: string, values: readonly number[], tape: Tape): ElemRef[] {
    return this.absorbFromTape(Kind.Field, label, values, tape);
  }

  /** Extension elements from the tape; returns each element's four coefficients (lanes of the words read). */
  absorbExtsFromTape(label: string, values: readonly (readonly number[])[], tape: Tape): ElemRef[][] {
    const refs = this.absorbFromTape(Kind.Ext, label, values.flat(), tape);
    return values.map((_, k) => refs.slice(4 * k, 4 * k + 4));
  }

  absorbBytes(label: string, bytes: Uint8Array): void {
    this.absorb(Kind.Bytes, label, [bytes.length, ...byteElements(bytes)]);
  }

  absorbFields(label: string, values: readonly Elem[]): void {
    this.absorb(Kind.Field, label, values);
  }

  /** Extension elements, each a word with its coefficients in lanes 0..3. */
  absorbExts(label: string, words: readonly number[]): void {
    this.absorb(
      Kind.Ext,
      label,
      words.flatMap((w) => lanesOf(w, 4)),
    );
  }

  /**
   * A digest: the 8 lanes of a word (a Poseidon2 root; a program word's lanes are canonical), or 32 bytes known
   * when the program is built (a system's digest, BLAKE3 in every configuration: absorbed as transcript-poseidon2.ts
   * absorbs it, as its eight words when they are canonical, as sixteen halves otherwise).
   */
  absorbDigest(label: string, digest: number | Uint8Array): void {
    if (typeof digest === 'number') {
      this.absorb(Kind.Digest, label, lanesOf(digest));
      return;
    }
    if (digest.length !== 32) throw new RangeError(`absorbDigest(${label}): a digest is 32 bytes`);
    const words = Array.from(bytesToWords(digest));
    if (words.every((w) => w < P)) this.absorb(Kind.Digest, label, words);
    else this.absorb(Kind.DigestBytes, label, byteElements(digest));
  }

  absorbU64(label: string, n: number): void {
    this.absorb(Kind.U64, label, u64Elements(n));
  }

  challengeFields(label: string, n: number): Elem[] {
    const next = this.squeeze(Kind.Field, label, n);
    return Array.from({ length: n }, next);
  }

  /** n extension challenges, each a fresh word with its coefficients in lanes 0..3 (lanes 4..7 zero). */
  challengeExts(label: string, n: number): number[] {
    const next = this.squeeze(Kind.Ext, label, n);
    return Array.from({ length: n }, () => assemble(this.asm, [next(), next(), next(), next()]));
  }

  challengeExt(label: string): number {
    return this.challengeExts(label, 1)[0]!;
  }

  /** `count` indices in [0, 2^logN) (logN ≤ 27): the low logN bits of each squeezed element, proven by its bits. */
  challengeIndices(label: string, count: number, logN: number): DrawnIndex[] {
    if (!Number.isInteger(logN) || logN < 0 || logN > 27) throw new RangeError(`challengeIndices(${label}): a domain of 2^${logN} is not supported (at most 2^27)`);
    const next = this.squeeze(Kind.Indices, label, count);
    return Array.from({ length: count }, (_, q) => {
      const e = next();
      const ref: ElemRef = isConstant(e) ? { addr: this.asm.constant(e), lane: 0 } : e;
      const bits = bitsOf(this.asm, ref, `${label} draw ${q}`);
      return { index: weightedBits(this.asm, bits, (i) => (i < logN ? 2 ** i : 0)), bits };
    });
  }

  /**
   * The proof-of-work check at `bits` (≤ 27) with the nonce's 32 bits read as four words from the tape: the
   * puzzle's first element must be below ⌊p / 2^bits⌋ = 15·2^(27 − bits), then the nonce is absorbed. Emits
   * assertions: the program fails on a nonce that does not solve the puzzle, naming the puzzle by `what` (the
   * challenge it protects: "before ζ"), so a test can tell which check failed.
   */
  checkGrind(bits: number, tape: Tape, nonce: number, what = 'before the next challenge'): void {
    if (!Number.isInteger(bits) || bits < 0 || bits > 27 || bits > MAX_POSEIDON2_POW_BITS) throw new RangeError(`grinding at ${bits} bits is not supported (0..27)`);
    const asm = this.asm;
    const next = this.squeeze(Kind.Pow, 'pow', RATE);
    const challenge = Array.from({ length: RATE }, next);
    const nonceBits = Array.from({ length: 32 }, (_, i) => Math.floor(nonce / 2 ** i) % 2);
    const nonceWords = [0, 1, 2, 3].map((j) => tape.read(nonceBits.slice(8 * j, 8 * j + 8))) as unknown as BitWords;
    assertBits(asm, nonceWords, 'pow nonce');
    const lo30 = weightedBits(asm, nonceWords, (i) => (i < 30 ? 2 ** i : 0));
    const hi = weightedBits(asm, nonceWords, (i) => (i === 30 ? 1 : i === 31 ? 2 : 0));
    const puzzleHi = assemble(asm, [bits, { addr: lo30, lane: 0 }, { addr: hi, lane: 0 }]);
    const out = asm.alloc();
    asm.hash(out, assemble(asm, challenge), puzzleHi, 0);
    this.permutations++;
    // out₀ < 15·2^m (m = 27 − bits): bits m + 4 .. 30 of out₀ are 0 and bits m .. m + 3 are not all 1.
    const m = 27 - bits;
    const outBits = bitsOf(asm, { addr: out, lane: 0 }, 'pow');
    if (m + 4 <= 30) asm.assertEq(weightedBits(asm, outBits, (i) => (i >= m + 4 && i <= 30 ? 1 : 0)), asm.constant(0), `the grinding nonce does not solve the proof-of-work puzzle (${what})`);
    const top = asm.alloc();
    asm.mul(top, lane0(asm, { addr: outBits[m >> 3]!, lane: m & 7 }), lane0(asm, { addr: outBits[(m + 1) >> 3]!, lane: (m + 1) & 7 }));
    for (const i of [m + 2, m + 3]) asm.mul(top, top, lane0(asm, { addr: outBits[i >> 3]!, lane: i & 7 }));
    asm.assertEq(top, asm.constant(0), `the grinding nonce does not solve the proof-of-work puzzle (${what})`);
    const limb0 = weightedBits(asm, nonceWords, (i) => (i < 16 ? 2 ** i : 0));
    const limb1 = weightedBits(asm, nonceWords, (i) => (i >= 16 ? 2 ** (i - 16) : 0));
    this.absorb(Kind.PowNonce, 'pow-nonce', [bits, { addr: limb0, lane: 0 }, { addr: limb1, lane: 0 }, 0, 0]);
  }
}
