/**
 * `embeds(step.X, step.IDS, step.E, ROWS, SEQ, SAMPLES)` in the step program: the checked input tied to the batch's
 * committed token ids (docs/run.md, "Token ids and embeddings"). Lowered once per call, after the membership
 * checks, outside any clause's guard:
 *
 *   0. the tree roots of the ids, the input and the table come from the tape, each checked once against its root
 *      under its shape word (compress([SHAPE_DOMAIN, rows, cols, 0, …], tree)): each sampled row's path climbs to
 *      its tensor's tree root, so the shape word is hashed three times a check rather than three times a sample;
 *   1. k positions (r, j) are drawn from the roots of the ids, the input and the table, behind GRINDING's proof of
 *      work if the call asks for it (runtime/run/embeds.ts, verify.ts proofOfWork);
 *   2. row r of the ids is opened against step.IDS ([ROWS, SEQ]) and the id at column j selected (Σ_c [j = c]·id_c);
 *   3. the id must be one of bf16(0..V−1) and names table row v = Σ_v v·[id = bf16(v)];
 *   4. row r·SEQ + j of the input is opened against step.X ([ROWS·SEQ, D]) and row v of the table against step.E
 *      ([V, D], the shape the compute check that opens it fixes);
 *   5. the two rows are equal, word for word.
 *
 * Each failure names the clause that calls embeds. The call's value is true: the checks are the proof's.
 */
import type * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import { embedsType } from '../language/checker/embeds.ts';
import type { EmbedCheck } from '../runtime/policy/artifact.ts';
import { embedsDomain, POSITIONS_PER_DIGEST } from '../runtime/run/embeds.ts';
import { labelBits } from '../runtime/run/labels.ts';
import { LANES } from '../runtime/run/tensor-commit.ts';
import { LoweringError, type Lowerer, type LV } from './lower.ts';
import { invariantCalls } from './members.ts';
import { shapeRoot } from './row-streams.ts';
import { drawIndex, openTensorRow, proofOfWork } from './verify.ts';

/** Every embeds call in `decls` with the clause that makes it, in source order. */
export const embedCalls = (decls: readonly A.Decl[], at: (span: A.Span) => string) => invariantCalls(decls, 'embeds', at);

/** The call's constants (the checker has accepted them), as the artifact lists them. */
export function resolveEmbed(call: A.CallExpr, clause: A.ClauseDecl, checker: FileChecker, decls: readonly A.Decl[], at: string): EmbedCheck {
  const args = call.args.map((a) => ({ type: checker.types.get(a) ?? { kind: 'error' as const }, isPrivate: false }));
  const fail = (code: string, _span: A.Span, message: string): never => {
    throw new LoweringError(`embeds: ${message} (${code})`, at);
  };
  const { call: c } = embedsType(call, args, { report: fail, evaluate: (x) => checker.evaluate(x), decls });
  if (!c) return fail('ZP2022', call.span, 'the call does not check');
  return {
    clause: `invariant ${clause.name.name}`,
    input: c.input,
    ids: c.ids,
    table: c.table,
    rows: c.rows,
    seq: c.seq,
    vocab: c.tableShape[0],
    width: c.tableShape[1],
    samples: c.samples,
    // Absent without work, so that a policy without GRINDING compiles to the bytes it did before.
    ...(c.powBits > 0 ? { powBits: c.powBits } : {}),
    at,
  };
}

/** Emits the check (module comment). `roots` are the addresses of the three roots; `message` names the clause. */
export function lowerEmbeds(L: Lowerer, m: EmbedCheck, roots: { ids: number; input: number; table: number }, message: string): LV {
  const fails = (why: string): string => `${message}: embeds(step.${m.input}, step.${m.ids}, step.${m.table}): ${why}`;
  const notIds = fails(`a sampled row of token ids does not open against step.${m.ids}`);
  const notInput = fails(`a sampled row of step.${m.input} does not open against it`);
  const notTable = fails(`the embedding of a sampled token id does not open against step.${m.table}`);
  // Step 0: the tree roots, in the tape's order (runtime/run/embeds.ts embedTape), each failing as its rows would.
  const tree = (root: number, rows: number, cols: number, why: string): number => {
    const top = L.read('digest');
    L.assertEq(shapeRoot(L, rows, cols, top), root, why);
    return top;
  };
  const trees = { ids: tree(roots.ids, m.rows, m.seq, notIds), input: tree(roots.input, m.rows * m.seq, m.width, notInput), table: tree(roots.table, m.vocab, m.width, notTable) };
  let seed = L.constWord(embedsDomain(m));
  for (const root of [roots.ids, roots.input, roots.table]) seed = L.field('hash', seed, root);
  seed = proofOfWork(L, seed, m.powBits ?? 0, fails(`the positions are not drawn behind ${m.powBits ?? 0} bits of proof of work`));
  const zero = L.constWord(0);
  const one = L.constWord(1);
  const notDrawn = fails('a sampled position does not come from the commitments');
  let digest = seed;
  for (let k = 0; k < m.samples; k++) {
    if (k % POSITIONS_PER_DIGEST === 0) digest = L.field('hash', seed, L.constWord(k / POSITIONS_PER_DIGEST));
    const lane = 2 * (k % POSITIONS_PER_DIGEST);
    const r = drawIndex(L, L.lane(digest, lane), m.rows, notDrawn);
    const j = drawIndex(L, L.lane(digest, lane + 1), m.seq, notDrawn);
    const ids = openTensorRow(L, roots.ids, m.rows, m.seq, r, notIds, trees.ids);
    // The id at column j, selected among the row's SEQ values.
    let id = zero;
    for (let c = 0; c < m.seq; c++) id = L.field('add', id, L.field('mul', L.field('eq', j, L.constWord(c)), L.lane(ids[Math.floor(c / LANES)]!, c % LANES)));
    const is = Array.from({ length: m.vocab }, (_, v) => L.field('eq', id, L.constWord(labelBits(v))));
    L.assertEq(is.reduce((a, b) => L.field('add', a, b)), one, fails(`a sampled token id is not a whole number below ${m.vocab}, the rows of step.${m.table}`));
    let v = zero;
    for (let u = 1; u < m.vocab; u++) v = L.field('add', v, L.field('mul', is[u]!, L.constWord(u)));
    const t = L.field('add', L.field('mul', r, L.constWord(m.seq)), j);
    const input = openTensorRow(L, roots.input, m.rows * m.seq, m.width, t, notInput, trees.input);
    const table = openTensorRow(L, roots.table, m.vocab, m.width, v, notTable, trees.table);
    const notEmbedding = fails(`a sampled row of step.${m.input} is not the row of step.${m.table} for its token id in step.${m.ids}`);
    input.forEach((w, i) => L.assertEq(w, table[i]!, notEmbedding));
  }
  return L.bool(true);
}
