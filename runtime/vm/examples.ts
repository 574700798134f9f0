/**
 * Hand-written zkVM programs, one per feature the tests and the benchmark exercise: each returns the program and
 * the inputs that run it.
 */
import { P } from '../proof/field/babybear.ts';
import { Assembler } from './assembler.ts';
import type { Program } from './program.ts';
import type { ExecutionInputs } from './executor.ts';
import { fieldWord, wideWord, type Word } from './word.ts';
import { compressPair } from '../proof/hash/poseidon2.ts';
import { bf16PairWord } from './chips/mac.ts';

export interface Case {
  readonly program: Program;
  readonly inputs: ExecutionInputs;
}

/** Σ private values ≤ public cap, with 128-bit arithmetic; outputs 1. */
export function sumUnderCap(values: readonly bigint[], cap: bigint): Case {
  const asm = new Assembler(1, 1);
  const capAddr = asm.alloc();
  const acc = asm.alloc();
  const x = asm.alloc();
  const over = asm.alloc();
  const ok = asm.alloc();
  asm.input(capAddr, 0);
  for (let i = 0; i < values.length; i++) {
    asm.read(x);
    asm.wide('add128', acc, acc, x);
  }
  asm.wide('lt128', over, capAddr, acc);
  asm.eq(ok, over, asm.constant(0));
  asm.assert(ok, 'the sum of the private values is at most the cap');
  asm.output(ok, 0);
  asm.halt();
  return { program: asm.build(), inputs: { publicInputs: [wideWord(cap)], privateInputs: values.map(wideWord) } };
}

/** A 128-bit accumulator of private values; outputs the total. */
export function accumulator(values: readonly bigint[]): Case {
  const asm = new Assembler(0, 1);
  const acc = asm.alloc();
  const x = asm.alloc();
  for (let i = 0; i < values.length; i++) {
    asm.read(x);
    asm.wide('add128', acc, acc, x);
  }
  asm.output(acc, 0);
  asm.halt();
  return { program: asm.build(), inputs: { privateInputs: values.map(wideWord) } };
}

/** Deterministic words for test data. */
export function word(seed: number): Word {
  return Array.from({ length: 8 }, (_, i) => (Math.imul(seed + 1, 0x9e3779b1) + i * 0x85ebca6b) >>> 5) as Word;
}

/** A Merkle tree of depth `depth` over leaves word(i); returns the root and the sibling path of `index`. */
export function merklePath(depth: number, index: number, leaf: Word): { root: Word; siblings: Word[] } {
  // Siblings are arbitrary words: a tree is determined by the path, and only the path is needed to prove.
  const siblings = Array.from({ length: depth }, (_, l) => word(1000 + l));
  let node = leaf;
  for (let l = 0; l < depth; l++) {
    const bit = (index >>> l) & 1;
    node = Array.from(bit ? compressPair(siblings[l]!, node) : compressPair(node, siblings[l]!));
  }
  return { root: node, siblings };
}

/** Private leaf and index, public root: membership at depth `depth`. */
export function merkleMembership(depth: number, index: number): Case {
  const leaf = word(7);
  const { root, siblings } = merklePath(depth, index, leaf);
  const asm = new Assembler(1, 0);
  const rootAddr = asm.alloc();
  const leafAddr = asm.alloc();
  const indexAddr = asm.alloc();
  const computed = asm.alloc();
  asm.input(rootAddr, 0);
  asm.read(leafAddr);
  asm.read(indexAddr);
  asm.merkle(computed, leafAddr, indexAddr, depth);
  asm.assertEq(computed, rootAddr, 'the leaf is in the tree');
  asm.halt();
  return { program: asm.build(), inputs: { publicInputs: [root], privateInputs: [leaf, fieldWord(index), ...siblings] } };
}

/** A public hiding commitment to a private 128-bit value, opened privately and checked below a public bound. */
export function commitmentOpening(value: bigint, blinding: Word, bound: bigint): Case {
  const commitment = Array.from(compressPair(wideWord(value), blinding));
  const asm = new Assembler(2, 0);
  const c = asm.alloc();
  const boundAddr = asm.alloc();
  const v = asm.alloc();
  const r = asm.alloc();
  const h = asm.alloc();
  const below = asm.alloc();
  asm.input(c, 0);
  asm.input(boundAddr, 1);
  asm.read(v);
  asm.read(r);
  asm.commit(h, v, r);
  asm.assertEq(h, c, 'the opening matches the commitment');
  asm.wide('lt128', below, v, boundAddr);
  asm.assert(below, 'the committed value is below the bound');
  asm.halt();
  return { program: asm.build(), inputs: { publicInputs: [commitment, wideWord(bound)], privateInputs: [wideWord(value), blinding] } };
}

/** Σ_{i=1..n} i in the field, by a loop of n iterations of 3 cycles (add, count down, branch); outputs the sum. */
export function countingLoop(n: number): Case {
  if (!Number.isInteger(n) || n < 1) throw new Error(`loop count ${n} must be a positive integer`);
  const asm = new Assembler(0, 1);
  const counter = asm.alloc();
  const total = asm.alloc();
  asm.set(counter, n);
  const top = asm.here();
  asm.add(total, total, counter);
  asm.addi(counter, counter, P - 1);
  asm.branch(counter, top);
  asm.output(total, 0);
  asm.halt();
  return { program: asm.build(), inputs: {} };
}

/**
 * The dot product of two private bf16 vectors as a GPU computes it in a BF16 GEMM with an FP32 accumulator:
 * acc = +0, then acc = fma(a_k, b_k, acc) for k = 0..n−1 (bf16Dot's sequential order, runtime/fp/bf16.ts); outputs the
 * accumulator as an f32 word (lo16, hi16, 0, …). The private tape holds one word (a_k, b_k) per term; each term
 * is a `read` and a `mac`, in a loop (program size independent of n) or unrolled (no loop counter).
 */
export function dotProduct(a: readonly number[], b: readonly number[], options: { unroll?: boolean } = {}): Case {
  if (a.length !== b.length) throw new RangeError(`dot product of vectors of lengths ${a.length} and ${b.length}`);
  const asm = new Assembler(0, 1);
  const acc = asm.alloc(); // zero at the start: the f32 +0
  const pair = asm.alloc();
  const term = () => {
    asm.read(pair);
    asm.mac(acc, pair, acc);
  };
  if (options.unroll) for (let k = 0; k < a.length; k++) term();
  else if (a.length > 0) asm.loop(a.length, term);
  asm.output(acc, 0);
  asm.halt();
  return { program: asm.build(), inputs: { privateInputs: a.map((x, k) => bf16PairWord(x, b[k]!)) } };
}
