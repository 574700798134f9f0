/**
 * The verifier program of a STARK system (issue #24): stark/verifier.ts as one zkVM program, built from the
 * system, its PCS parameters and the table heights alone. The transcript's schedule, the commitments' shapes, the
 * opened columns, the query count, FRI's rounds and the final polynomial's length are all fixed by them, so one
 * program (one digest) verifies every proof of that system at those heights; the proof is the private tape.
 *
 * In order, as the TypeScript verifier: the statement (system digest, publics, heights), the main root, the
 * LogUp challenges, the auxiliary root and claimed sums, γ, the quotient root, ζ (outside the base field); the
 * LogUp sums against the statement's messages (stark-layer.ts); the PCS's claims (opening points computed from
 * ζ, opened values from the tape: LogUp columns and quotient chunks one extension value each), the mask root (only
 * when no commitment holds the zk mask), the batching coefficients; FRI's layer roots and β's, the final
 * polynomial, the grinding check, the queries (and, with challengePowBits, the nonces ground before the LogUp
 * challenges, ζ, α and each β); at each query every commitment's Merkle path (the mask's row read from its holder's,
 * the quotient commitment's), the reduced quotients and FRI's rounds; then every table's constraints at ζ against its quotient chunks. The
 * publics are the program's public outputs (eight a word), a prefix of them optionally pinned to constants
 * (a VM child's program digest: `machineVerifier`).
 */
import * as E from '../proof/field/extension.ts';
import * as F from '../proof/field/babybear.ts';
import { bytesToWords } from '../proof/hash/blake3.ts';
import { poseidon2Hasher } from '../proof/merkle/poseidon2-hasher.ts';
import { leafCount, groupsOf } from '../proof/merkle/mixed.ts';
import { normalizeIndices } from '../proof/merkle/tree.ts';
import { FRI_LABELS, leafIndexOf } from '../proof/fri/index.ts';
import { FriPcs, type FriPcsProof } from '../proof/pcs/index.ts';
import { friScheduleOf, makePlan, paramsBytes, PCS_LABELS, shapeBytes, valueCount } from '../proof/pcs/opening-plan.ts';
import { maskLayout, mixedLayout, SHIFT } from '../proof/pcs/validate.ts';
import { commitLayouts, MAX_LOG_HEIGHT } from '../proof/stark/protocol.ts';
import { heightsProblem, quotientLogCap, type StarkSystem } from '../proof/stark/system.ts';
import { EXT_BASIS } from '../proof/pcs/opening-plan.ts';
import { Poseidon2Transcript } from '../proof/transcript-poseidon2.ts';
import { Assembler } from '../vm/assembler.ts';
import type { Machine } from '../vm/machine.ts';
import { digestPublics, type Program } from '../vm/program.ts';
import type { Word } from '../vm/word.ts';
import { DualTranscript, leavesOf, proofData, zeroData, type ChildData, type ChildProof } from './child.ts';
import { HeightQuotient, queryPoint, reducedClaim, type DeepTerm } from './deep.ts';
import { assemble, lane0, Tape, type ElemRef } from './elements.ts';
import { checkFriQuery } from './fri.ts';
import { verifyPath } from './merkle.ts';
import { QueryBits } from './query.ts';
import { checkLogUpSums, checkTableAtZeta, ExtOps, statementShapes, type TableAtZeta } from './stark-layer.ts';

export interface VerifierOptions {
  /** Publics fixed when the program is built (a prefix), checked against the child's: a VM child's program digest. */
  readonly fixedPublics?: readonly number[];
  /**
   * For the tests: a point's tape words holding this many of its opened columns or more combine them a word at a
   * time (1: every word, 9: none; deep.ts `slotIsLaid`), instead of the cheaper way for the query count.
   */
  readonly laidMin?: number;
  /**
   * For the tests, to reach a check past the transcript: hand the constraint check table 0's first quotient chunk
   * (an extension value) plus 1, the LogUp check the first claimed sum plus 1, the reduced quotients the first claim plus 1, or
   * the first query's reduced quotients, after its Merkle paths are checked, an element of a row plus 1: 'row' the
   * first opened element of the first matrix, 'quotient-row' base column 3 of the quotient commitment's first chunk
   * (an extension column opened as one value, weighed by c·X^3), 'mask-row' the zk mask's last element.
   */
  readonly edit?: 'quotient' | 'claimed-sum' | 'claim' | 'row' | 'quotient-row' | 'mask-row';
}

export interface VerifierProgram {
  readonly program: Program;
  /** The child's data in reading order (zeros when built without a child). */
  readonly tape: Word[];
  /** The program's public outputs for this child: its publics, eight a word. */
  readonly outputs: Word[];
  /** The program's instructions by part: [start, end) pc ranges (the program is straight-line: one cycle each). */
  readonly parts: readonly VerifierPart[];
}

export type VerifierPartName = 'statement' | 'pcs-claims' | 'fri-commitments' | 'merkle' | 'reduced-quotients' | 'fri-queries' | 'constraints' | 'outputs';

export interface VerifierPart {
  readonly name: VerifierPartName;
  readonly start: number;
  readonly end: number;
}

/** Why the system cannot have a verifier program, or null: a Poseidon2 FRI PCS and Poseidon2 transcript. */
function systemProblem(system: StarkSystem<unknown>, logHeights: readonly number[]): string | null {
  const pcs = system.pcs;
  if (!(pcs instanceof FriPcs) || pcs.hasher.id !== poseidon2Hasher.id) return 'its PCS is not the FRI PCS with Poseidon2 Merkle trees (--hash poseidon2)';
  if (!(pcs.transcript('zpol-stark') instanceof Poseidon2Transcript)) return 'its transcript is not the Poseidon2 transcript';
  if (logHeights.length !== system.tables.length) return `logHeights: ${logHeights.length} heights for ${system.tables.length} tables`;
  for (let i = 0; i < logHeights.length; i++) {
    const h = logHeights[i]!;
    if (!Number.isInteger(h) || h < 1 || h > MAX_LOG_HEIGHT) return `logHeights[${i}]: ${h} is out of range [1, ${MAX_LOG_HEIGHT}]`;
    const fixed = system.tables[i]!.fixedLogHeight;
    if (fixed !== null && fixed !== h) return `logHeights[${i}]: 2^${h} differs from the table's preprocessed height 2^${fixed}`;
  }
  const load = heightsProblem(system, new Array<number>(system.publicInputs).fill(0), logHeights);
  return load === null ? null : `logHeights exceed LogUp's multiplicity bound: ${load}`;
}

/**
 * The verifier program of `system` at table heights 2^logHeights, and with `child` the tape and outputs for that
 * proof (null: the program alone, on a tape of zeros). Throws a RangeError naming the part when the system has no
 * verifier program or the child is not a proof of this shape.
 */
export function starkVerifier(system: StarkSystem<FriPcsProof>, logHeights: readonly number[], child: ChildProof | null, options: VerifierOptions = {}): VerifierProgram {
  const outputWords = Math.ceil(system.publicInputs / 8);
  const asm = new Assembler(0, outputWords);
  const tape = new Tape(asm);
  const v = emitStarkVerifier(asm, tape, system, logHeights, child, options);
  const outputs: Word[] = [];
  for (let w = 0; w < outputWords; w++) {
    asm.output(assemble(asm, v.publics.slice(8 * w, 8 * w + 8)), w);
    outputs.push(padWord(v.values.slice(8 * w, 8 * w + 8)));
  }
  asm.halt();
  return { program: asm.build(), tape: tape.words, outputs, parts: [...v.parts, { name: 'outputs', start: v.parts[v.parts.length - 1]!.end, end: asm.pc }] };
}

const padWord = (xs: readonly number[]): Word => [...xs, ...new Array<number>(8 - xs.length).fill(0)];

/** What `emitStarkVerifier` leaves: the child's publics (program elements and their values) and the parts' pcs. */
export interface EmittedVerifier {
  readonly publics: readonly ElemRef[];
  readonly values: readonly number[];
  readonly parts: readonly VerifierPart[];
}

/**
 * Emits the verification of one child on `asm` (reading its data from `tape`): the body of `starkVerifier`, for
 * programs that verify several children (node.ts). Fails the program on a wrong proof; returns the publics.
 */
export function emitStarkVerifier(asm: Assembler, tape: Tape, system: StarkSystem<FriPcsProof>, logHeights: readonly number[], child: ChildProof | null, options: VerifierOptions = {}): EmittedVerifier {
  const problem = systemProblem(system, logHeights);
  if (problem) throw new RangeError(`system ${system.name}: no verifier program: ${problem}`);
  const params = system.pcs.params;
  const T = system.tables.length;
  const layouts = commitLayouts(system, logHeights);
  const cap = quotientLogCap(system, logHeights);
  const anyBus = system.tables.some((t) => t.logup.auxWidth > 0);
  const plan = makePlan(
    layouts,
    layouts.map((l) => l.points.map((p) => Array.from({ length: p }, () => E.ZERO))),
    layouts.map((l) => l.columns),
    layouts.map((l) => (l.packed ? l.widths.map(() => true) : undefined)),
  );
  const schedule = friScheduleOf(params, layouts);
  if (child) {
    const h = child.proof.logHeights;
    if (h.length !== T || h.some((x, i) => x !== logHeights[i])) throw new RangeError(`child proof: heights [${h.join(', ')}] differ from the program's [${logHeights.join(', ')}]`);
    if (child.publics.length !== system.publicInputs) throw new RangeError(`child publics: ${child.publics.length}, the system takes ${system.publicInputs}`);
  }
  const data: ChildData = child ? proofData(child) : zeroData(system.publicInputs, layouts, anyBus, params.zk, schedule.rounds.length, schedule.finalLen, T);
  const fixed = options.fixedPublics ?? [];
  if (fixed.length > system.publicInputs) throw new RangeError(`fixedPublics: ${fixed.length} for ${system.publicInputs} publics`);
  const shapes = statementShapes(system);

  const ops = new ExtOps(asm);
  const t = new DualTranscript(asm, tape, 'zpol-stark');
  const parts: VerifierPart[] = [];
  let partStart = asm.pc;
  const part = (name: VerifierPartName) => {
    if (asm.pc > partStart) parts.push({ name, start: partStart, end: asm.pc });
    partStart = asm.pc;
  };

  // The statement, the trace commitments and the STARK challenges (stark/verifier.ts).
  t.absorbConstantDigest('system', system.digest);
  const publics = t.absorbFields('publics', data.publics);
  fixed.forEach((v, k) => asm.assertEq(lane0(asm, publics[k]!), asm.constant(v), `the child's public ${k} is not the program's (another program digest)`));
  t.absorbConstantFields('log-heights', logHeights);
  const roots = { main: t.absorbDigest('main-root', data.mainRoot), aux: -1, quotient: -1, pre: -1 };
  const challengeBits = params.challengePowBits ?? 0;
  const nonces = data.challengeNonces;
  if (anyBus) t.checkBefore(challengeBits, nonces.logup, 'before the LogUp challenges');
  const challenges = anyBus ? t.challengeExts('logup', system.logupChallenges).words : [];
  const claimedSums: number[] = new Array<number>(T).fill(-1);
  if (anyBus) {
    roots.aux = t.absorbDigest('aux-root', data.auxRoot!);
    system.tables.forEach((tb, i) => {
      if (tb.logup.auxWidth > 0) claimedSums[i] = t.absorbExts('claimed-sum', [data.claimedSums[i]!])[0]!;
    });
  }
  const gamma = t.challengeExts('constraints', 1).words[0]!;
  roots.quotient = t.absorbDigest('quotient-root', data.quotientRoot);
  t.checkBefore(challengeBits, nonces.zeta, 'before ζ');
  const zetaDrawn = t.challengeExts('zeta', 1);
  const zeta = zetaDrawn.words[0]!;
  const ctx = { zeta, gamma, challenges, publics };
  if (anyBus) {
    const sums = claimedSums.filter((s) => s >= 0);
    if (options.edit === 'claimed-sum') sums[0] = ops.add(sums[0]!, ops.constant(E.ONE));
    checkLogUpSums(ops, shapes, ctx, sums);
  }
  // ζ outside the base field: its coefficients 1..3 form an invertible element.
  const zetaHigh = asm.alloc();
  asm.mul(zetaHigh, zeta, asm.constant([0, 1, 1, 1, 0, 0, 0, 0]));
  ops.inverse(zetaHigh, 'the out-of-domain point ζ lies in the base field: its high part');

  part('statement');

  // The PCS's claims (pcs/opening-plan.ts absorbClaims): points from ζ, values from the tape.
  const pre = system.preprocessedCommitment;
  if (pre) roots.pre = asm.constant(Array.from(bytesToWords(pre.shape.root)));
  const tsZeta = zetaDrawn.values[0]!;
  const pointWord = new Map<number, number>();
  const pointOf = (j: number, logN: number): { word: number; value: E.Ext } => {
    if (j === 0) return { word: zeta, value: tsZeta };
    let w = pointWord.get(logN);
    if (w === undefined) pointWord.set(logN, (w = ops.scale(F.rootOfUnity(logN), zeta)));
    return { word: w, value: E.mulBase(tsZeta, F.rootOfUnity(logN)) };
  };
  t.absorbConstantBytes(PCS_LABELS.params, paramsBytes(params, poseidon2Hasher.id));
  t.absorbU64(PCS_LABELS.requests, layouts.length);
  // opened[k][m][j]: the value words; pointsOf[k][m][j]: the point words.
  const opened: number[][][][] = [];
  const pointsOf: number[][][] = [];
  layouts.forEach((l, k) => {
    t.absorbConstantBytes(PCS_LABELS.shape, shapeBytes(l));
    opened.push([]);
    pointsOf.push([]);
    l.widths.forEach((w, m) => {
      const logN = logHeights[l.tables[m]!]!;
      const pts = Array.from({ length: l.points[m]! }, (_, j) => pointOf(j, logN));
      t.absorbComputedExts(PCS_LABELS.points, pts.map((p) => p.word), pts.map((p) => p.value));
      l.columns[m]!.forEach((list, j) => {
        if (list) t.absorbConstantFields(PCS_LABELS.columns, [j, ...list]);
      });
      if (l.packed) t.absorbConstantFields(PCS_LABELS.packed, [m]);
      const given = data.values[k]?.[m];
      // One value an opened column: an extension column of a packed matrix (LogUp, quotient chunks).
      const counts = l.columns[m]!.map((list) => list?.length ?? l.valueWidths[m]!);
      if (!given || given.length !== counts.length || given.some((v, j) => v.length !== counts[j])) throw new RangeError(`child proof: opened values of commitment ${k} (${l.kind}) matrix ${m} are not of the layout's shape`);
      const words = t.absorbExts(PCS_LABELS.values, given.flat());
      let at = 0;
      opened[k]!.push(counts.map((c) => words.slice(at, (at += c))));
      pointsOf[k]!.push(pts.map((p) => p.word));
    });
  });
  // The zk mask: held by the quotient commitment (CommitLayout.mask, what the STARK prover makes), else a tree of its own.
  const maskHolder = layouts.findIndex((l) => l.mask !== undefined);
  const maskTree = params.zk && maskHolder < 0;
  const maskRoot = maskTree ? t.absorbDigest(PCS_LABELS.maskRoot, data.maskRoot!) : -1;
  t.checkBefore(challengeBits, nonces.alpha, 'before the batching coefficients');
  const alpha = t.challengeExts(PCS_LABELS.alpha, plan.numPowers).words;

  // Per (request, matrix, point): its claim Σ_k c_k·v_k and coefficients.
  const claimOf = new Map<string, { claim: number; coeffs: number[] }>();
  for (const h of plan.heights) {
    for (const pm of h.matrices) {
      pm.points.forEach((_, j) => {
        const count = valueCount(pm.columns[j]!, pm.width, pm.packed);
        const drawn = alpha.slice(pm.exponents[j]!, pm.exponents[j]! + count);
        let claim = reducedClaim(asm, drawn, opened[pm.request]![pm.matrix]![j]!);
        if (options.edit === 'claim' && claimOf.size === 0) claim = ops.add(claim, ops.constant(E.ONE));
        // The row's base columns are weighed by c·X^k for an extension column of coefficient c (opening-plan.ts baseCoeffs).
        const coeffs = pm.packed ? drawn.flatMap((c) => [c, ...[1, 2, 3].map((k) => ops.mul(ops.constant(EXT_BASIS[k]!), c))]) : drawn;
        claimOf.set(`${pm.request}/${pm.matrix}/${j}`, { claim, coeffs });
      });
    }
  }

  part('pcs-claims');

  // FRI's commitments and challenges (fri/verifier.ts).
  if (data.friRoots.length !== schedule.rounds.length) throw new RangeError(`child proof: ${data.friRoots.length} FRI layers, the schedule has ${schedule.rounds.length}`);
  if (data.finalPoly.length !== schedule.finalLen) throw new RangeError(`child proof: a final polynomial of ${data.finalPoly.length} coefficients, the schedule's has ${schedule.finalLen}`);
  const friRoots: number[] = [];
  const betas: number[] = [];
  schedule.rounds.forEach((_, r) => {
    friRoots.push(t.absorbDigest(FRI_LABELS.layerRoot, data.friRoots[r]!));
    t.checkBefore(challengeBits, nonces.betas[r] ?? null, `before FRI round ${r}'s β`);
    betas.push(t.challengeExts(FRI_LABELS.beta, 1).words[0]!);
  });
  const finalPoly = t.absorbExts(FRI_LABELS.finalPoly, data.finalPoly);
  t.checkGrind(params.powBits, data.nonce, 'before the query indices');
  const M = schedule.logMaxDomain;
  const { drawn, values: queries } = t.challengeIndices(FRI_LABELS.queries, params.numQueries, M);

  // Merkle witnesses for the TypeScript side's queries (the program's own draw decides which paths it checks).
  const inputTrees = layouts.map((l, r) => {
    const layout = mixedLayout(l, params.logBlowup);
    const logTop = Math.log2(leafCount(layout));
    const leaves = leavesOf(queries, M, logTop);
    return { layout, logTop, leaves, paths: data.paths({ kind: 'input', r }, layout, leaves), groups: groupsOf(layout) };
  });
  const ml = maskLayout(params, plan.heights.map((h) => h.logHeight));
  const maskMixed = { heights: [ml.height], widths: ml.widths, saltLength: 0 };
  const maskLeaves = normalizeIndices(queries);
  const maskPaths = maskTree ? data.paths({ kind: 'mask' }, maskMixed, maskLeaves) : [];
  const friPaths = schedule.rounds.map((round, r) => {
    const leaves = normalizeIndices(queries.map((q) => leafIndexOf(schedule, r, q)));
    const layout = { heights: [2 ** (round.logDomain - round.logArity)], widths: [4 * 2 ** round.logArity], saltLength: 0 };
    return { leaves, paths: data.paths({ kind: 'fri', r }, layout, leaves) };
  });
  const quotients = plan.heights.map(() => new HeightQuotient(asm, params.numQueries, options.laidMin));
  part('fri-commitments');
  queries.forEach((q, qi) => {
    const bits = new QueryBits(asm, drawn[qi]!.bits, M);
    // Per commitment, every matrix's row at the query (the mask last, when the commitment holds it).
    const rows = inputTrees.map((tree, r) => {
      const leaf = Math.floor(q / 2 ** (M - tree.logTop));
      const groupRows = verifyPath(asm, tape, tree.layout, rootWord(roots, layouts[r]!.kind), bits, M - tree.logTop, tree.paths[tree.leaves.indexOf(leaf)]!);
      return tree.layout.widths.map((w, m) => {
        const g = tree.groups.findIndex((gr) => gr.matrices.includes(m));
        const off = tree.groups[g]!.offsets[tree.groups[g]!.matrices.indexOf(m)]!;
        return groupRows[g]!.slice(off, off + w);
      });
    });
    const maskRow = maskTree
      ? verifyPath(asm, tape, maskMixed, maskRoot, bits, 0, maskPaths[maskLeaves.indexOf(q)]!)[0]!
      : maskHolder >= 0 ? rows[maskHolder]![layouts[maskHolder]!.widths.length]! : null;
    part('merkle');
    if (qi === 0) {
      const pm = plan.heights[0]!.matrices[0]!;
      const quotientRows = rows[layouts.findIndex((l) => l.kind === 'quotient')];
      const target =
        options.edit === 'row' ? rows[pm.request]![pm.matrix]![pm.baseColumns[0]?.[0] ?? 0]
        : options.edit === 'quotient-row' ? quotientRows?.[0]?.[3]
        : options.edit === 'mask-row' ? maskRow?.[maskRow.length - 1]
        : undefined;
      if (target) editElement(asm, [...rows.flat(), ...(maskRow ? [maskRow] : [])], target);
    }
    const inputs = plan.heights.map((h, hi) => {
      const x = queryPoint(asm, bits, h.logHeight + params.logBlowup, SHIFT);
      const keys: string[] = [];
      const pts: number[] = [];
      const terms: DeepTerm[] = h.matrices.flatMap((pm) =>
        pm.points.map((_, j) => {
          const c = claimOf.get(`${pm.request}/${pm.matrix}/${j}`)!;
          const row: ElemRef[] = rows[pm.request]![pm.matrix]!;
          const key = j === 0 ? 'ζ' : `ζω${logHeights[layouts[pm.request]!.tables[pm.matrix]!]}`;
          let g = keys.indexOf(key);
          if (g < 0) (g = keys.length), keys.push(key), pts.push(pointsOf[pm.request]![pm.matrix]![j]!);
          // The row's base columns: a packed matrix's extension column c is base columns 4c..4c+3.
          return { point: g, coeffs: c.coeffs, columns: pm.baseColumns[j]!, claim: c.claim, row };
        }),
      );
      const reduced = quotients[hi]!.at(x, pts, terms);
      return hi > 0 || maskRow === null ? reduced : ops.add(reduced, assemble(asm, maskRow));
    });
    part('reduced-quotients');
    const witness = friPaths.map((fp, r) => fp.paths[fp.leaves.indexOf(leafIndexOf(schedule, r, q))]!);
    checkFriQuery(asm, tape, { schedule, logBlowup: params.logBlowup, shift: SHIFT, betas, roots: friRoots, finalPoly }, bits, inputs, witness);
    part('fri-queries');
  });

  // The constraints of every table at ζ against its quotient chunks.
  const zetaSquares: number[] = [];
  const openedOf = (kind: string, i: number): { k: number; m: number } | null => {
    const k = layouts.findIndex((l) => l.kind === kind);
    const m = k < 0 ? -1 : layouts[k]!.tables.indexOf(i);
    return m < 0 ? null : { k, m };
  };
  /** Per point, every column's word (null where not opened: the constraints do not read it there). */
  const spread = (kind: string, i: number): (number | null)[][] => {
    const at = openedOf(kind, i);
    if (!at) return [];
    const l = layouts[at.k]!;
    return l.columns[at.m]!.map((list, j) => {
      const words = opened[at.k]![at.m]![j]!;
      if (list === null) return words.slice();
      const row: (number | null)[] = new Array<number | null>(l.valueWidths[at.m]!).fill(null);
      list.forEach((c, n) => (row[c] = words[n]!));
      return row;
    });
  };
  for (let i = 0; i < T; i++) {
    // LogUp columns and quotient chunks are opened as extension values (CommitLayout.packed).
    const aux = spread('aux', i);
    const quotient = spread('quotient', i)[0]!.map((w) => w!);
    if (options.edit === 'quotient' && i === 0) quotient[0] = ops.add(quotient[0]!, ops.constant(E.ONE));
    const at: TableAtZeta = { logN: logHeights[i]!, quotientLogCap: cap, main: spread('main', i), pre: spread('pre', i), aux, quotient, sumPerRow: claimedSums[i]! >= 0 ? ops.scale(F.inv(2 ** logHeights[i]!), claimedSums[i]!) : ops.constant(E.ZERO) };
    checkTableAtZeta(ops, system, i, ctx, at, zetaSquares);
  }

  part('constraints');
  return { publics, values: data.publics, parts };
}

/** The row edits of the tests (`VerifierOptions.edit`): element `e` plus 1, in every row that reads its word. */
function editElement(asm: Assembler, rows: readonly ElemRef[][], e: ElemRef): void {
  const edited = asm.alloc();
  asm.add(edited, e.addr, asm.constant(Array.from({ length: 8 }, (_, i) => (i === e.lane ? 1 : 0))));
  for (const row of rows) row.forEach((x, c) => x.addr === e.addr && (row[c] = { addr: edited, lane: x.lane }));
}

function rootWord(roots: { main: number; aux: number; quotient: number; pre: number }, kind: 'pre' | 'main' | 'aux' | 'quotient'): number {
  return roots[kind];
}

/**
 * The verifier program of a VM machine's proofs (vm/machine.ts) at these table heights: the machine's system, its
 * publics' first DIGEST_PUBLICS elements pinned to its program's digest, so a proof of another program fails.
 */
export function machineVerifier(m: Machine<FriPcsProof>, logHeights: readonly number[], child: ChildProof | null, options: Omit<VerifierOptions, 'fixedPublics'> = {}): VerifierProgram {
  return starkVerifier(m.system, logHeights, child, { ...options, fixedPublics: digestPublics(m.digest) });
}
