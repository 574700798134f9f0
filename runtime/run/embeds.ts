/**
 * Inputs tied to data (`embeds`, compiler/embeds.ts): which token positions a step proof opens to check that its
 * committed input rows are the embedding-table rows of its committed token ids, and what the prover puts on the
 * tape for them. The step program draws the same positions; a test keeps the two in step.
 *
 * step.IDS commits the batch's token ids, [R, S] (R sequences of S tokens, id v as the bf16 whole number v: exact up
 * to 256); step.X the embedded input, [R·S, D], token (r, j) at row r·S + j; step.E the embedding table, [V, D]
 * (row v is token v's embedding: the output head's bᵀ when the head is tied to the embedding).
 *
 *   seed = compress(compress(compress([DOMAIN, R, S, V, D, k, 0, 0], ids_root), input_root), table_root)
 *   with w bits of proof of work (GRINDING): seed ← the digest of the least nonce carrying them (members.ts)
 *   d_t  = compress(seed, [t, 0, 0, 0, 0, 0, 0, 0])            t = 0, 1, 2, ...
 *   sample s (0-based): r = d_⌊s/4⌋[2(s mod 4)] mod R,  j = d_⌊s/4⌋[2(s mod 4) + 1] mod S
 *
 * The seed depends on the three roots, so the positions are drawn after all of them are fixed; a lab can still
 * commit other ids or another input to draw again, and each redraw costs the proof of work.
 *
 * The tape starts with the tree roots of the ids, the input and the table (each checked once under its shape word;
 * the rows' paths climb to them), then the nonce (sampling.ts nonceWord) when there is work; then for each sample it
 * holds: row r of the ids (its words, then its siblings), row r·S + j of the input (words, siblings), then row v of
 * the table (words, siblings), v the id at (r, j) (row 0 when the id is no row of the table: the program then fails,
 * naming the clause).
 *
 * Assurance: with k positions drawn uniformly and independently, an input of which a fraction f of the token rows
 * are not their ids' embeddings escapes with probability (1 − f)^k ≤ e^(−kf); one bad row of R·S with (1 − 1/RS)^k.
 */
import { compressPair } from '../proof/hash/poseidon2.ts';
import { fieldWord, type Word } from '../vm/word.ts';
import { labelBits } from './labels.ts';
import { drawWorkText, escapeText } from './members.ts';
import { groundSeed, nonceWord, powBitsRule, powBitsValid, type DrawCheckpoint } from './sampling.ts';
import type { PowSolver } from '../proof/pow.ts';
import { openRow, treeRoot, type MatrixCommitment } from './tensor-commit.ts';

/**
 * An `embeds` check as the compiled artifact lists it (its `embeds`; compiler/embeds.ts): the step program draws
 * `samples` token positions from the roots of step.`ids` ([rows, seq]), step.`input` ([rows·seq, width]) and
 * step.`table` ([vocab, width]) and checks each input row is the table's row for its id.
 */
export interface EmbedCheck {
  /** The clause that calls it ("invariant NAME"). */
  readonly clause: string;
  readonly input: string;
  readonly ids: string;
  readonly table: string;
  /** Sequences (rows of step.ids) and tokens per sequence (its columns). */
  readonly rows: number;
  readonly seq: number;
  /** Rows of the table (token ids 0 .. vocab − 1) and the embedding width. */
  readonly vocab: number;
  readonly width: number;
  readonly samples: number;
  /** Bits of proof of work behind the draw (language/checker/draw-work.ts); absent without GRINDING. */
  readonly powBits?: number;
  /** file:line:column of the call. */
  readonly at: string;
}

/** The most token ids a check can name: bf16 holds every whole number up to 256 exactly (labels.ts). */
export const MAX_EMBED_VOCAB = 256;

/** "ZEMB" as a field element: the first lane of the seed's domain word. */
export const EMBEDS_DOMAIN = 0x5a454d42;

/** Positions drawn from one digest: two lanes each. */
export const POSITIONS_PER_DIGEST = 4;

/** The seed's domain word: [DOMAIN, R, S, V, D, k, 0, 0]. */
export function embedsDomain(m: EmbedCheck): Word {
  return [EMBEDS_DOMAIN, m.rows, m.seq, m.vocab, m.width, m.samples, 0, 0];
}

/** The token positions (sequence r, position j) a check opens, in order, from the three roots, and its work's nonce. */
export function embedDraw(m: EmbedCheck, idsRoot: Word, inputRoot: Word, tableRoot: Word, solver?: PowSolver, checkpoint?: DrawCheckpoint): { nonce: number | null; positions: { r: number; j: number }[] } {
  let roots: Word = embedsDomain(m);
  for (const root of [idsRoot, inputRoot, tableRoot]) roots = Array.from(compressPair(roots, root));
  const { nonce, seed } = groundSeed(roots, m.powBits, solver, checkpoint);
  const out: { r: number; j: number }[] = [];
  let d: Word = [];
  for (let s = 0; s < m.samples; s++) {
    if (s % POSITIONS_PER_DIGEST === 0) d = Array.from(compressPair(seed, fieldWord(s / POSITIONS_PER_DIGEST)));
    const k = 2 * (s % POSITIONS_PER_DIGEST);
    out.push({ r: d[k]! % m.rows, j: d[k + 1]! % m.seq });
  }
  return { nonce, positions: out };
}

/** The token id a bf16 pattern holds, or undefined when it is no whole number below `vocab`. */
export function tokenId(bits: number, vocab: number): number | undefined {
  for (let v = 0; v < vocab; v++) if (labelBits(v) === bits) return v;
  return undefined;
}

/** The [R, S] ids tensor's values for ids given row-major (whole numbers 0..256). */
export const idValues = (ids: readonly number[]): Uint16Array => Uint16Array.from(ids, labelBits);

/** The tape for one check (module comment): `ids`, `input` and `table` the committed tensors. */
export function embedTape(m: EmbedCheck, ids: MatrixCommitment, input: MatrixCommitment, table: MatrixCommitment, solver?: PowSolver, checkpoint?: DrawCheckpoint): Word[] {
  const tape: Word[] = [];
  const push = (o: { words: readonly Word[]; siblings: readonly Word[] }): void => {
    tape.push(...o.words.map((w) => [...w]), ...o.siblings.map((w) => [...w]));
  };
  const draw = embedDraw(m, ids.root, input.root, table.root, solver, checkpoint);
  tape.push(treeRoot(ids), treeRoot(input), treeRoot(table));
  if (draw.nonce !== null) tape.push(nonceWord(draw.nonce));
  for (const { r, j } of draw.positions) {
    push(openRow(ids, r));
    push(openRow(input, r * m.seq + j));
    push(openRow(table, tokenId(ids.values[r * m.seq + j]!, m.vocab) ?? 0));
  }
  return tape;
}

/** Why an artifact's entry is no embedding check (its fields digest fields of the step record, its counts in range), or undefined. */
export function embedCheckProblem(m: EmbedCheck, stepDigest: (field: unknown) => boolean): string | undefined {
  const whole = (x: unknown, max: number): boolean => Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= max;
  if (typeof m?.clause !== 'string' || typeof m.at !== 'string') return 'clause and at are strings';
  if (![m.input, m.ids, m.table].every(stepDigest) || new Set([m.input, m.ids, m.table]).size !== 3) return 'input, ids and table are three digest fields of the step record';
  if (!whole(m.rows, 65536) || !whole(m.seq, 65536) || m.rows * m.seq > 2 ** 24) return 'rows and seq are whole numbers from 1 to 65536, rows · seq at most 2^24';
  if (!whole(m.vocab, MAX_EMBED_VOCAB) || !whole(m.width, 2 ** 24) || !whole(m.samples, 2 ** 24)) return `vocab is a whole number from 1 to ${MAX_EMBED_VOCAB}, width and samples whole numbers from 1`;
  if (!powBitsValid(m.powBits)) return powBitsRule;
  return undefined;
}

/** The escape figures an embedding check reports: one bad token row of R·S, and a quarter of them. */
export function embedAssurance(m: EmbedCheck): string {
  const p = (f: number): string => escapeText(m.samples, f);
  const T = m.rows * m.seq;
  return `a step with 1 of its ${T} token rows not its id's embedding escapes with probability ${p(1 / T)}, with a quarter of them ${p(0.25)}`;
}

/** What a verified chain says of an embedding check. */
export function describeEmbeds(m: EmbedCheck): string {
  return (
    `at every step, ${m.samples} of the ${m.rows * m.seq} token rows of step.${m.input}, drawn after it, its token ids (step.${m.ids}, ${m.rows} × ${m.seq}) ` +
    `and the embedding table (step.${m.table}, ${m.vocab} × ${m.width}) were committed, opened with their ids and checked to be the table's rows for them; ${embedAssurance(m)} (per draw: a prover that commits other ids or another input draws again, ${drawWorkText(m.powBits)})`
  );
}
