/**
 * Merkle openings of the Poseidon2 mixed-height trees (runtime/proof/merkle/mixed.ts) as a zkVM program fragment
 * (issue #24): for one query, the leaf message (salt ‖ the tallest group's row) and each shorter group's row come
 * from the private tape, the program hashes them with the leaf sponge (merkle/poseidon2-hasher.ts: rate 8,
 * capacity 8, overwrite, 10* padding, the capacity's first element + 1 when the last block is full) and climbs to
 * the root with the `merkle` instruction (its siblings from the tape, its index bits bound by the Merkle chip),
 * one instruction per run of levels without a group and one `hash` where a group's rows join a node.
 *
 * Cost per query: ⌈L/8⌉ `hash` rows for a leaf message of L elements (each block but the last needs only the
 * capacity, `#1`, because the next block overwrites the whole rate; the last only the rate, `#0`), the same for
 * each group's row, one Merkle and one Poseidon2 row per level, and two instructions per climb for its index (the
 * query's suffixes are shared by every tree: query.ts).
 *
 * The tape holds, per query and in this order: the leaf message in words of eight elements (the last word's lanes
 * past the message are ignored: the program masks them and writes the padding itself), then for each run of
 * levels its siblings (read by `merkle`) and at a group its row's words.
 */
import type { Assembler } from '../vm/assembler.ts';
import { WORD } from '../vm/buses.ts';
import type { Word } from '../vm/word.ts';
import { groupsOf, leafCount, type MixedLayout } from '../proof/merkle/mixed.ts';
import { lanesOf, type ElemRef, type Tape } from './elements.ts';
import type { PathWitness } from './merkle-paths.ts';
import type { QueryBits } from './query.ts';

const pad8 = (xs: readonly number[]): Word => [...xs, ...new Array<number>(WORD - xs.length).fill(0)];

/**
 * The leaf-sponge digest of a message of `message.length` elements read from the tape; returns the digest's word
 * and the message's elements (lanes of the words read).
 */
export function hashLeaf(asm: Assembler, tape: Tape, message: readonly number[]): { digest: number; elements: ElemRef[] } {
  const n = message.length;
  const blocks = Math.max(1, Math.ceil(n / WORD));
  let hi = asm.constant(0);
  const elements: ElemRef[] = [];
  for (let b = 0; b < blocks; b++) {
    const part = message.slice(WORD * b, WORD * b + WORD);
    const last = b === blocks - 1;
    let block = part.length === 0 ? asm.constant(0) : tape.read(pad8(part));
    if (part.length > 0) elements.push(...lanesOf(block, part.length));
    if (last && part.length < WORD) {
      // 1 then zeros after the message: the tape word's other lanes are masked off.
      const mask = pad8(new Array<number>(part.length).fill(1));
      const masked = asm.alloc();
      asm.mul(masked, block, asm.constant(mask));
      const padded = asm.alloc();
      asm.add(padded, masked, asm.constant(pad8([...new Array<number>(part.length).fill(0), 1])));
      block = padded;
    } else if (last) {
      const bumped = asm.alloc();
      asm.add(bumped, hi, asm.constant(1));
      hi = bumped;
    }
    const out = asm.alloc();
    asm.hash(out, block, hi, last ? 0 : 1);
    if (last) return { digest: out, elements };
    hi = out;
  }
  throw new Error('unreachable: the last block returns');
}

/**
 * Checks one query's path in a mixed tree with root `root` (a word) and returns the opened rows' elements: rows[0]
 * the tallest group's row (after the salt), rows[g] group g's. The leaf index is bits [shift, shift + depth) of
 * the drawn query bits (a FRI query indexes the largest domain; a tree of 2^depth leaves reads its top bits).
 */
export function verifyPath(asm: Assembler, tape: Tape, layout: MixedLayout, root: number, query: QueryBits, shift: number, witness: PathWitness): ElemRef[][] {
  const groups = groupsOf(layout);
  const top = leafCount(layout);
  const depth = Math.log2(top);
  const leaf = hashLeaf(asm, tape, witness.leafMessage);
  const rows: ElemRef[][] = [leaf.elements.slice(layout.saltLength)];
  let node = leaf.digest;
  let level = 0;
  const climbTo = (target: number) => {
    if (target === level) return;
    const d = target - level;
    const index = query.slice(shift + level, d);
    tape.consume(witness.siblings.slice(level, target).map((s) => [...s]));
    const parent = asm.alloc();
    asm.merkle(parent, node, index, d);
    node = parent;
    level = target;
  };
  groups.slice(1).forEach((g, gi) => {
    climbTo(depth - Math.log2(g.height));
    const joined = hashLeaf(asm, tape, witness.groupRows[gi]!);
    rows.push(joined.elements);
    const parent = asm.alloc();
    asm.hash(parent, node, joined.digest, 0);
    node = parent;
  });
  climbTo(depth);
  asm.assertEq(node, root, 'merkle opening: the opened rows and siblings do not hash to the committed root');
  return rows;
}
