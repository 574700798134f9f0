/**
 * `count_labels(step.F, ROWS, N)` in the step program: the per-source split bound to the batch's committed
 * source labels (docs/run.md, "Source labels"). step.F commits a [ROWS, 1] bf16 tensor whose row r is the source
 * index of example r as a bf16 whole number (0.0, 1.0, ...). For each labelled field, once, right after the
 * step record is opened:
 *
 *   1. every label's row word comes from the tape (ROWS words, in row order); leaf r is rehashed from
 *      [ROWS, 1, r, 0, …] and the word's one chunk (runtime/run/tensor-commit.ts), the padding leaves are the zero
 *      word, and the tree is rebuilt level by level, with the shape word above it, to a root that must equal step.F;
 *   2. for each N the policy counts with, every label is one of bf16(0), …, bf16(N − 1): Σ_s [label = bf16(s)] = 1
 *      (so a label ≥ N, a fraction or −0 fails);
 *   3. count_s = Σ_r [label_r = bf16(s)], a field value below 2^16 taken to an int by its limbs.
 *
 * The reads come before the compute checks' openings on the tape; the artifact lists the fields in order
 * (`labels`), so the prover knows what to put there.
 */
import * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import { labelBits } from '../runtime/run/labels.ts';
import type { LabelTensor } from '../runtime/policy/artifact.ts';
import { treeDepth } from '../runtime/run/tensor-commit.ts';
import { rowLeaf, shapeRoot } from './row-streams.ts';
import { wideWord } from '../runtime/vm/word.ts';
import { LoweringError, type Lowerer, type LV } from './lower.ts';

/** The call's field, row count and source count (the checker requires constants). */
export function labelCall(e: A.CallExpr, checker: FileChecker, at: string): { field: string; rows: number; sources: number } {
  const a = e.args[0];
  if (a?.kind !== 'MemberExpr') throw new LoweringError('count_labels needs step.NAME', at);
  const constant = (x: A.Expr | undefined): number => {
    const v = x ? checker.evaluate(x) : null;
    if (v?.kind !== 'num' || v.den !== 1n) throw new LoweringError('count_labels needs constant row and source counts', at);
    return Number(v.num);
  };
  return { field: a.member.name, rows: constant(e.args[1]), sources: constant(e.args[2]) };
}

/**
 * Whether `e` calls count_labels, from_sources or embeds anywhere: they read the batch's committed tensors (its
 * labels, token ids), so the step program lowers them with the labels and records alone cannot evaluate them.
 */
export function callsCountLabels(e: A.Node): boolean {
  let found = false;
  A.walk(e, (n) => {
    if (n.kind === 'CallExpr' && (n.callee.name === 'count_labels' || n.callee.name === 'from_sources' || n.callee.name === 'embeds')) found = true;
  });
  return found;
}

/** Every count_labels call in `decls`, in source order. */
export function labelCalls(decls: readonly A.Decl[]): A.CallExpr[] {
  const out: A.CallExpr[] = [];
  for (const d of decls) A.walk(d, (n) => n.kind === 'CallExpr' && n.callee.name === 'count_labels' && out.push(n));
  return out;
}

/** The label tensors the step program reads, in tape order: one per field, with the largest source count. */
export function labelTensors(calls: readonly { field: string; rows: number; sources: number; at: string }[]): LabelTensor[] {
  const byField = new Map<string, LabelTensor>();
  for (const c of calls) {
    const seen = byField.get(c.field);
    if (seen && seen.rows !== c.rows) throw new LoweringError(`step.${c.field} is counted as ${c.rows} labels here and as ${seen.rows} at ${seen.at}`, c.at);
    byField.set(c.field, { field: c.field, rows: c.rows, sources: Math.max(seen?.sources ?? 0, c.sources), at: seen?.at ?? c.at });
  }
  return [...byField.values()];
}

/** Reads and checks one label tensor (steps 1 and 2 of the module comment); the label words, in row order. */
export function lowerLabelTensor(L: Lowerer, t: LabelTensor, root: number): number[] {
  const message = `count_labels(step.${t.field}) (${t.at})`;
  const words = Array.from({ length: t.rows }, () => L.read());
  const leaves = words.map((w, r) => rowLeaf(L, 1, L.constWord([t.rows, 1, r, 0, 0, 0, 0, 0]), [w]));
  L.assertEq(shapeRoot(L, t.rows, 1, lowerTreeRoot(L, leaves)), root, `${message}: the source labels do not open against step.${t.field}`);
  return words;
}

/** The root of the binary tree over `leaves` (runtime/run/tensor-commit.ts: depth ceil(log2 n), at least 1, zero padding leaves). */
export function lowerTreeRoot(L: Lowerer, leaves: readonly number[]): number {
  const level = [...leaves];
  const zero = L.constWord(0);
  while (level.length < 2 ** treeDepth(leaves.length)) level.push(zero);
  let nodes = level;
  while (nodes.length > 1) {
    const up: number[] = [];
    for (let i = 0; i < nodes.length; i += 2) up.push(L.field('hash', nodes[i]!, nodes[i + 1]!));
    nodes = up;
  }
  return nodes[0]!;
}

/** count_s for s < sources, after checking every label is below `sources` (steps 2 and 3): an array of ints. */
export function lowerLabelCounts(L: Lowerer, t: LabelTensor, words: readonly number[], sources: number): LV {
  const message = `count_labels(step.${t.field}, ${t.rows}, ${sources}) (${t.at})`;
  const labels = words.map((w) => L.lane(w, 0));
  const is = labels.map((l) => Array.from({ length: sources }, (_, s) => L.field('eq', l, L.constWord(labelBits(s)))));
  const one = L.constWord(1);
  is.forEach((row, r) => {
    const sum = row.reduce((a, b) => L.field('add', a, b));
    L.assertEq(sum, one, `${message}: the label of row ${r} is not a source index below ${sources}`);
  });
  const LIMB = L.constWord(0x10000);
  const bound = L.constWord(wideWord(BigInt(t.rows) + 1n), 'wide');
  const items: LV[] = [];
  for (let s = 0; s < sources; s++) {
    const c = is.map((row) => row[s]!).reduce((a, b) => L.field('add', a, b));
    // The count as an int: its limbs from advice, checked to recompose it and to be at most ROWS.
    const E = L.advice('limbs', c, c);
    L.assertEq(L.field('add', L.lane(E, 0), L.field('mul', L.lane(E, 1), LIMB)), c, `${message}: a count is not its limbs`);
    L.assert(L.wide('lt128', E, bound), `${message}: a count exceeds the rows`);
    items.push({ k: 'int', addr: E });
  }
  return { k: 'array', items };
}
