/**
 * The witness of the Merkle fragment (merkle.ts): a batched opening of a mixed tree (merkle/mixed.ts) sends each
 * sibling once and leaves out the nodes the verifier computes from other opened leaves; a VM program checks each
 * query's path on its own, so it needs every query's full path. `fullPaths` recomputes the opened part of the
 * tree from the opening, as verifyMixedOpening does, and reads each path's siblings from it. It trusts nothing:
 * a wrong opening gives paths that do not reach the root, which the program rejects.
 */
import { bytesToWords } from '../proof/hash/blake3.ts';
import { DIGEST_WORDS, type MerkleHasher } from '../proof/merkle/hasher.ts';
import { ancestors, groupsOf, leafCount, type MixedLayout, type MixedOpening } from '../proof/merkle/mixed.ts';
import { climb } from '../proof/merkle/verify.ts';
import { siblingPositions } from '../proof/merkle/tree.ts';

/** One query's opening of a mixed tree, as the program reads it. */
export interface PathWitness {
  /** The leaf's salt and the tallest group's row: the leaf message. */
  readonly leafMessage: readonly number[];
  /** Group g ≥ 1's row at the leaf's ancestor on its level (index g − 1). */
  readonly groupRows: readonly (readonly number[])[];
  /** The sibling of the path's node on every level, leaves first (complete nodes: a group's rows joined). */
  readonly siblings: readonly (readonly number[])[];
}

/** Every opened leaf's full path, in the order of `indices` (ascending, distinct, as the opening was made for). */
export function fullPaths(hasher: MerkleHasher, layout: MixedLayout, indices: readonly number[], opening: MixedOpening): PathWitness[] {
  const groups = groupsOf(layout);
  const top = leafCount(layout);
  const depth = Math.log2(top);
  const leafDigest = (message: Uint32Array): Uint32Array => {
    const d = new Uint32Array(DIGEST_WORDS);
    hasher.hashLeaf(message, 0, message.length, d, 0);
    return d;
  };
  const messages = indices.map((_, k) => Uint32Array.from([...opening.salts[k]!, ...opening.rows[0]![k]!]));
  // known[k]: position → digest on level k (leaves at 0), computed and sent.
  const known: Map<number, Uint32Array>[] = [];
  const positions = siblingPositions(indices, depth);
  let level = indices.slice();
  let digests = messages.map(leafDigest);
  const cursor = { next: 0 };
  let group = 1;
  const pair = new Uint32Array(2 * DIGEST_WORDS);
  for (let k = 0, n = top >>> 1; k < depth; k++, n >>>= 1) {
    const here = new Map<number, Uint32Array>();
    level.forEach((p, t) => here.set(p, digests[t]!));
    const start = cursor.next;
    positions[k]!.forEach((p, s) => here.set(p, bytesToWords(opening.siblings[start + s]!)));
    known.push(here);
    const [nextLevel, nextDigests] = climb(hasher, level, digests, opening.siblings, cursor);
    const g = groups[group];
    if (g !== undefined && g.height === n) {
      nextDigests.forEach((d, t) => {
        pair.set(d, 0);
        pair.set(leafDigest(opening.rows[group]![t]!), DIGEST_WORDS);
        hasher.compress(pair, 0, d, 0);
      });
      group++;
    }
    level = nextLevel;
    digests = nextDigests;
  }
  const levels = groups.map((g) => ancestors(indices, top, g.height));
  return indices.map((p, k) => ({
    leafMessage: Array.from(messages[k]!),
    groupRows: groups.slice(1).map((g, gi) => Array.from(opening.rows[gi + 1]![levels[gi + 1]!.indexOf(Math.floor(p / (top / g.height)))]!)),
    siblings: known.map((m, lv) => {
      const s = m.get((p >>> lv) ^ 1);
      if (s === undefined) throw new RangeError(`merkle path of leaf ${p}: no sibling on level ${lv} (an opening of other indices)`);
      return Array.from(s);
    }),
  }));
}
