/**
 * `from_sources(step.L, step.X, spec.D, NAMES, EXAMPLES, COLS, SAMPLES)` in the step program: membership sampling
 * of the batch in its sources' datasets (docs/run.md, "Sources and membership"). Lowered once per call, right after
 * the label tensors are read (it selects among their words), outside any clause's guard:
 *
 *   1. k rows r of the batch are drawn from the roots of the labels and of the batch, behind GRINDING's proof of
 *      work if the call asks for it (runtime/run/members.ts, verify.ts proofOfWork);
 *   2. row r's label is selected among the R label words (Σ_u [r = u]·label_u) and must be one of bf16(0..N−1);
 *   3. row r of the batch is opened against step.X ([R, C], the shape the compute check that opens it fixes);
 *   4. the example index e and the example's row words come from the tape; for each source t the program climbs
 *      dataset t's tree from leaf([E_t, COLS, e·[s = t]], row) with e·[s = t] as the path index, and the root
 *      of the labelled source s must equal spec.D[s] ([s = t]·(root_t − D_t) = 0 for every t);
 *   5. the batch row is the example's first C values (whole words equal, the last partial word under a mask).
 *
 * Each failure names the clause that calls from_sources. The call's value is true: the checks are the proof's.
 */
import * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import { fromSourcesType } from '../language/checker/sources.ts';
import type { MemberCheck } from '../runtime/policy/artifact.ts';
import { labelBits } from '../runtime/run/labels.ts';
import { membersDomain, ROWS_PER_DIGEST } from '../runtime/run/members.ts';
import { LANES, treeDepth } from '../runtime/run/tensor-commit.ts';
import { rowLeaf, rowPrefix, shapeRoot } from './row-streams.ts';
import { LoweringError, type Lowerer, type LV } from './lower.ts';
import { drawIndex, openTensorRow, proofOfWork } from './verify.ts';

/**
 * Every call of the step-proof check `name` (from_sources, embeds) in `decls` with the clause that makes it, in
 * source order; a call outside an invariant is refused.
 */
export function invariantCalls(decls: readonly A.Decl[], name: string, at: (span: A.Span) => string): { call: A.CallExpr; clause: A.ClauseDecl }[] {
  const out: { call: A.CallExpr; clause: A.ClauseDecl }[] = [];
  for (const d of decls) {
    A.walk(d, (n) => {
      if (n.kind !== 'CallExpr' || n.callee.name !== name) return;
      if (d.kind !== 'ClauseDecl' || d.clause !== 'invariant') throw new LoweringError(`${name} is a check of the step proof: call it in an invariant`, at(n.span));
      out.push({ call: n, clause: d });
    });
  }
  return out;
}

/** Every from_sources call in `decls` with the clause that makes it, in source order. */
export const memberCalls = (decls: readonly A.Decl[], at: (span: A.Span) => string) => invariantCalls(decls, 'from_sources', at);

/** The call's constants (the checker has accepted them), as the artifact lists them. */
export function resolveMember(call: A.CallExpr, clause: A.ClauseDecl, checker: FileChecker, decls: readonly A.Decl[], at: string): MemberCheck {
  const args = call.args.map((a) => ({ type: checker.types.get(a) ?? { kind: 'error' as const }, isPrivate: false }));
  const fail = (code: string, _span: A.Span, message: string): never => {
    throw new LoweringError(`from_sources: ${message} (${code})`, at);
  };
  const { call: c } = fromSourcesType(call, args, { report: fail, evaluate: (x) => checker.evaluate(x), decls });
  if (!c) return fail('ZP2021', call.span, 'the call does not check');
  return {
    clause: `invariant ${clause.name.name}`,
    labels: c.labels,
    batch: c.batch,
    datasets: c.datasets,
    names: c.names,
    examples: c.examples,
    cols: c.cols,
    rows: c.batchShape[0],
    batchCols: c.batchShape[1],
    samples: c.samples,
    // Absent without work, so that a policy without GRINDING compiles to the bytes it did before.
    ...(c.powBits > 0 ? { powBits: c.powBits } : {}),
    at,
  };
}

/**
 * Emits the check (module comment). `labels` are the R label words (compiler/labels.ts), `roots` the addresses of
 * the label and batch roots, `datasets` spec.D's digests; `message` names the clause.
 */
export function lowerMembers(L: Lowerer, m: MemberCheck, labels: readonly number[], roots: { labels: number; batch: number }, datasets: readonly LV[], message: string): LV {
  const N = m.names.length;
  const fails = (why: string): string => `${message}: from_sources(step.${m.labels}, step.${m.batch}, spec.${m.datasets}): ${why}`;
  if (labels.length !== m.rows) throw new LoweringError(`from_sources: step.${m.labels} holds ${labels.length} labels, the batch step.${m.batch} ${m.rows} rows`, m.at);
  const roots_ = datasets.map((d) => {
    if (d.k !== 'digest') throw new LoweringError(`from_sources: spec.${m.datasets} is not an array of digests`, m.at);
    return d.addr;
  });
  const notBatchRow = fails(`a sampled row does not open against step.${m.batch}`);
  const notInSource = (t: number): string => fails(`a sampled example does not open in the dataset its label names (spec.${m.datasets}[${t}], ${m.names[t]})`);
  // The tree roots of the batch and of each dataset, from the tape, each checked once against its root under its
  // shape word: the sampled rows' paths climb to them (runtime/run/tensor-commit.ts).
  const batchTree = L.read('digest');
  L.assertEq(shapeRoot(L, m.rows, m.batchCols, batchTree), roots.batch, notBatchRow);
  const trees = m.examples.map((n, t) => {
    const tree = L.read('digest');
    L.assertEq(shapeRoot(L, n, m.cols, tree), roots_[t]!, notInSource(t));
    return tree;
  });
  let seed = L.constWord(membersDomain(m));
  seed = L.field('hash', L.field('hash', seed, roots.labels), roots.batch);
  seed = proofOfWork(L, seed, m.powBits ?? 0, fails(`the rows are not drawn behind ${m.powBits ?? 0} bits of proof of work`));
  const zero = L.constWord(0);
  const one = L.constWord(1);
  const exampleWords = Math.ceil(m.cols / LANES);
  let digest = seed;
  for (let k = 0; k < m.samples; k++) {
    if (k % ROWS_PER_DIGEST === 0) digest = L.field('hash', seed, L.constWord(k / ROWS_PER_DIGEST));
    const r = drawIndex(L, L.lane(digest, k % ROWS_PER_DIGEST), m.rows, fails('a sampled row does not come from the commitments'));
    // The row's label, selected among the R label words.
    let label = -1;
    for (let u = 0; u < m.rows; u++) {
      const term = L.field('mul', L.field('eq', r, L.constWord(u)), L.lane(labels[u]!, 0));
      label = label < 0 ? term : L.field('add', label, term);
    }
    const is = Array.from({ length: N }, (_, s) => L.field('eq', label, L.constWord(labelBits(s))));
    L.assertEq(is.reduce((a, b) => L.field('add', a, b)), one, fails(`the label of a sampled row is not a source index below ${N}`));
    const row = openTensorRow(L, roots.batch, m.rows, m.batchCols, r, notBatchRow, batchTree);
    const e = L.read();
    const example = Array.from({ length: exampleWords }, () => L.read());
    m.examples.forEach((n, t) => {
      const at = L.field('mul', e, is[t]!);
      const top = L.merkle(rowLeaf(L, m.cols, rowPrefix(L, n, m.cols, at), example), at, treeDepth(n));
      L.assertEq(L.field('scale', is[t]!, L.field('sub', top, trees[t]!)), zero, notInSource(t));
    });
    // The batch row is the example's first C values.
    const notExample = fails(`a sampled row of step.${m.batch} is not the example it opens in its source`);
    for (let w = 0; w < row.length; w++) {
      const lanes = Math.min(LANES, m.batchCols - w * LANES);
      if (lanes === LANES) L.assertEq(row[w]!, example[w]!, notExample);
      else {
        const mask = L.constWord(Array.from({ length: LANES }, (_, l) => (l < lanes ? 1 : 0)));
        L.assertEq(L.field('mul', example[w]!, mask), row[w]!, notExample);
      }
    }
  }
  return L.bool(true);
}
