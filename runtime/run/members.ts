/**
 * Membership sampling (`from_sources`, compiler/members.ts): which rows of a step's batch the step proof opens in
 * their sources' datasets, and what the prover puts on the tape for them. The step program draws the same rows;
 * a test keeps the two in step.
 *
 *   seed = compress(compress([DOMAIN, R, C, k, N, COLS, 0, 0], labels_root), batch_root)
 *   with w bits of proof of work (GRINDING, draw-work.ts): seed ← compress(seed, sampling.ts powWord(nonce)), each
 *     lane below its threshold (sampling.ts powThresholds), the nonce the least that gives one
 *   d_t  = compress(seed, [t, 0, 0, 0, 0, 0, 0, 0])            t = 0, 1, 2, ...
 *   sample s (0-based): r = d_⌊s/8⌋[s mod 8] mod R
 *
 * The seed depends on the roots of the labels and of the batch only, so the rows are drawn after both are fixed.
 * A lab can still commit other labels (or another batch) to draw again: each redraw costs the proof of work.
 *
 * The tape starts with the batch's and each dataset's tree root (checked once under their shape words), then the
 * nonce (lane 0 of a word) when there is work; then for each sample: row r of the batch (its words, then its siblings), the index e of the example in
 * the dataset of the source s its label names, the example's row words, then for each source t in registry order
 * treeDepth(E_t) sibling words: the path of e in dataset t when t = s, zero words otherwise (the program climbs
 * every source's tree and keeps the labelled one's root).
 *
 * Assurance: with k rows drawn uniformly and independently, a batch of which a fraction f of the rows are not rows
 * of their labelled source escapes with probability (1 − f)^k ≤ e^(−kf); one bad row of R escapes with
 * (1 − 1/R)^k.
 */
import { compressPair } from '../proof/hash/poseidon2.ts';
import { fieldWord, type Word } from '../vm/word.ts';
import { labelBits } from './labels.ts';
import { groundSeed, nonceWord, type DrawCheckpoint } from './sampling.ts';
import type { PowSolver } from '../proof/pow.ts';
import { openRow, treeDepth, treeRoot, type MatrixCommitment } from './tensor-commit.ts';

/**
 * A `from_sources` membership check as the compiled artifact lists it (its `members`; compiler/members.ts): the
 * step program draws `samples` rows of the batch step.`batch` ([rows, batchCols]) from the step's label and batch
 * roots and opens each, with its example, in the dataset root spec.`datasets`[s] of the source s its label in
 * step.`labels` names (an [examples[s], cols] committed tensor).
 */
export interface MemberCheck {
  /** The clause that calls it ("invariant NAME"). */
  readonly clause: string;
  readonly labels: string;
  readonly batch: string;
  readonly datasets: string;
  /** The sources, in registry order. */
  readonly names: readonly string[];
  readonly examples: readonly number[];
  readonly cols: number;
  readonly rows: number;
  readonly batchCols: number;
  readonly samples: number;
  /** Bits of proof of work behind the draw (language/checker/draw-work.ts); absent without GRINDING. */
  readonly powBits?: number;
  /** file:line:column of the call. */
  readonly at: string;
}

/** "ZMEM" as a field element: the first lane of the seed's domain word. */
export const MEMBERS_DOMAIN = 0x5a4d454d;

/** Rows drawn from one digest: one lane each. */
export const ROWS_PER_DIGEST = 8;

/** The seed's domain word: [DOMAIN, R, C, k, N, COLS, 0, 0]. */
export function membersDomain(m: MemberCheck): Word {
  return [MEMBERS_DOMAIN, m.rows, m.batchCols, m.samples, m.names.length, m.cols, 0, 0];
}

/** The batch rows a check opens, in order, from the roots of the labels and of the batch, and the nonce of its work. */
export function memberDraw(m: MemberCheck, labelsRoot: Word, batchRoot: Word, solver?: PowSolver, checkpoint?: DrawCheckpoint): { nonce: number | null; rows: number[] } {
  const { nonce, seed } = groundSeed(Array.from(compressPair(Array.from(compressPair(membersDomain(m), labelsRoot)), batchRoot)), m.powBits, solver, checkpoint);
  const out: number[] = [];
  let d: Word = [];
  for (let s = 0; s < m.samples; s++) {
    if (s % ROWS_PER_DIGEST === 0) d = Array.from(compressPair(seed, fieldWord(s / ROWS_PER_DIGEST)));
    out.push(d[s % ROWS_PER_DIGEST]! % m.rows);
  }
  return { nonce, rows: out };
}


/** The probability that a batch with a fraction f of rows outside their labelled source escapes k samples. */
export function escapeProbability(samples: number, f: number): number {
  return (1 - f) ** samples;
}

/** The key under which a source's examples travel with a step's tensors (no record field has a colon). */
export const datasetKey = (name: string): string => `dataset:${name}`;


/**
 * The tape for one check (module comment): `labels` the committed label tensor, `batch` the batch, `datasets`
 * the sources' examples in registry order. A row whose label names no source, or whose values are no example of
 * its source, has no honest opening: it gets source 0's or example 0's, and the step program fails, naming the
 * clause (as it does for tensors that do not open).
 */
export function memberTape(m: MemberCheck, labels: MatrixCommitment, batch: MatrixCommitment, datasets: readonly MatrixCommitment[], solver?: PowSolver, checkpoint?: DrawCheckpoint): Word[] {
  const tape: Word[] = [];
  const zero = fieldWord(0);
  const index = datasets.map((d) => exampleIndex(d, m.batchCols));
  const draw = memberDraw(m, labels.root, batch.root, solver, checkpoint);
  // The batch's and the datasets' tree roots, checked once under their shape words (compiler/members.ts).
  tape.push(treeRoot(batch), ...datasets.map(treeRoot));
  if (draw.nonce !== null) tape.push(nonceWord(draw.nonce));
  for (const r of draw.rows) {
    const label = labels.values[r]!;
    const s = Math.max(0, m.names.findIndex((_, t) => labelBits(t) === label));
    const row = openRow(batch, r);
    const e = index[s]!.get(key(row.values, m.batchCols)) ?? 0;
    const example = openRow(datasets[s]!, e);
    tape.push(...row.words.map((w) => [...w]), ...row.siblings.map((w) => [...w]), fieldWord(e), ...example.words.map((w) => [...w]));
    m.examples.forEach((n, t) => {
      if (t === s) tape.push(...example.siblings.map((w) => [...w]));
      else for (let l = 0; l < treeDepth(n); l++) tape.push(zero);
    });
  }
  return tape;
}

const key = (values: ArrayLike<number>, n: number): string => Array.from({ length: n }, (_, i) => values[i]!).join(',');

/** The example indexes built so far, by dataset and prefix width (a dataset is committed once per process). */
const indexes = new WeakMap<MatrixCommitment, Map<number, Map<string, number>>>();

/** Each example's index by the first `n` values of its row (the first such example), built once per dataset and n. */
function exampleIndex(d: MatrixCommitment, n: number): Map<string, number> {
  let byWidth = indexes.get(d);
  if (!byWidth) indexes.set(d, (byWidth = new Map()));
  let out = byWidth.get(n);
  if (!out) {
    out = new Map();
    for (let e = d.rows - 1; e >= 0; e--) out.set(key(d.values.subarray(e * d.cols, (e + 1) * d.cols), n), e);
    byWidth.set(n, out);
  }
  return out;
}

/** An escape probability as the reports print it: two decimals, or one significant digit below 0.01. */
export function escapeText(samples: number, f: number): string {
  const x = escapeProbability(samples, f);
  return x >= 0.01 ? x.toFixed(2) : x.toExponential(1);
}

/** The escape figures a membership check reports: one bad row of R, and a quarter of the rows. */
export function memberAssurance(m: MemberCheck): string {
  const p = (f: number): string => escapeText(m.samples, f);
  return `a step with 1 of its ${m.rows} rows outside the source its label names escapes with probability ${p(1 / m.rows)}, with a quarter of them ${p(0.25)}`;
}

/** What a verified chain says of a membership check, with the sources by name in registry order. */
export function describeMembers(m: MemberCheck): string {
  const sources = m.names.map((n, i) => `${i} ${n} (${m.examples[i]} examples)`).join(', ');
  return (
    `at every step, ${m.samples} of the ${m.rows} rows of step.${m.batch}, drawn after its labels (step.${m.labels}) and rows were committed, ` +
    `opened with their examples in the datasets of the sources their labels name, committed at genesis in spec.${m.datasets}: ${sources}; ${memberAssurance(m)} (per draw: a prover that commits other labels or another batch draws again, ${drawWorkText(m.powBits)})`
  );
}

/** What redrawing a row draw costs, as the reports say it. */
export function drawWorkText(powBits: number | undefined): string {
  return powBits ? `each draw behind ${powBits} bits of proof of work` : 'the draw has no proof of work of its own';
}
