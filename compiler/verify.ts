/**
 * `verify` compute checks in the step program: c = a·b is checked on k sampled output entries, each recomputed in
 * the zkVM with the BF16 MAC precompile against rows opened from the committed tensors (docs/compute-checks.md).
 *
 * For one clause with dims [M, K, N] (a is M×K, b is K×N and committed transposed as bᵀ, N×K, c is M×N):
 *
 *   1. The entries (i, j) are drawn from the tensor roots as runtime/run/sampling.ts says, behind w bits of
 *      proof of work (a nonce from the tape, each lane of its digest below its threshold), the columns stratified
 *      by j mod S (S = columnStrata(N)). A digest lane e is a field element; the program takes its integer form E
 *      from `advice limbs`, checks E < p and lane0(E) + 2^16·lane1(E) = e (so E is e's canonical value), then
 *      i = E mod M with advice q, r checked by q·M + r = E and r < M on the wide chip.
 *   2. Row i of a and row j of bᵀ come from the tape as row words (tensor-commit.ts); each leaf is rehashed from
 *      [R, C, r, 0…] over the row's chunk digests, `merkle` climbs to the tree root and the shape word above it
 *      gives a root that must equal the root in the step record. The rows are read in loops, a chunk's words an
 *      inner iteration (compiler/row-streams.ts), but for tensor_core's a and bᵀ, which `mma` reads whole from
 *      consecutive words. Of c's row i only the chunk holding c[i][j] is read, with the row's chunk digests.
 *   3. acc ← fma(a[i][k], bᵀ[j][k], acc) for k = 0 … K−1 in order from +0 (`lane`, `pack`, `mac`; streamed eight
 *      products an iteration with a's and bᵀ's words, row-streams.ts streamedDot); with
 *      `order: blocked(B)` such a chain from +0 per block of B products and the block sums added in order in f32
 *      (`fadd`, runtime/fp/bf16.ts bf16Dot's blocked order; streamed when B is a multiple of 8, row-streams.ts
 *      streamedBlockedDot, else unrolled; B ≥ K is the sequential order); or with
 *      `order: tensor_core` acc ← the Hopper tensor-core dot product of the two rows (one `mma`, ⌈K/16⌉ chained
 *      16-product operations on K zero-padded, runtime/fp/mma.ts bf16MmaDotPadded), rounded to bf16 (`tobf16`),
 *      must equal c[i][j]: lane j mod 8 of c's row word ⌊j/8⌋, kept as c's row streams past (with strata, the
 *      lane is known at compile time).
 *
 * The shape and the sample count must be known when the policy is compiled: they set the loops' counts, the tree
 * depths and the masks. The samples run in a loop too (check-cost.ts sampleLoop), so in sequential order the
 * program has the same instructions for every shape with the same column strata: its size does not grow with
 * M, K, N or the sample count. A policy ties the spec's sizes to these constants with an `attest` where it wants
 * them checked.
 */
import type * as A from '../language/ast.ts';
import type { FileChecker } from '../language/checker/check-file.ts';
import { DEFAULT_GRINDING_BITS, grindingFigures, MAX_POW_BITS, requiredSamples } from '../language/checker/verify-settings.ts';
import { P } from '../runtime/vm/semantics.ts';
import { columnStrata, POW_DOMAIN, powThresholds, samplingDomain, SAMPLES_PER_DIGEST, stratifiedSamples } from '../runtime/run/sampling.ts';
import { chunkWords, LANES, MAX_DEPTH, treeDepth } from '../runtime/run/tensor-commit.ts';
import { fieldWord, wideWord } from '../runtime/vm/word.ts';
import { MMA_K } from '../runtime/vm/isa.ts';
import { Lowerer, LOWERING_CODES, LoweringError } from './lower.ts';
import { assertOpens, openedRowRoot, rowLeaf, rowPrefix, shapeRoot, streamedBlockedDot, streamedDot, streamedEntryWord, type RowRef } from './row-streams.ts';
import { computeCheckCost, MAX_CYCLES, SEGMENT_CYCLES, sampleLoop, type CheckShape } from './check-cost.ts';
import type { CheckFamily, ComputeCheck } from '../runtime/policy/artifact.ts';
import { weightsSetting } from '../language/checker/step-weights.ts';

export type { ComputeCheck } from '../runtime/policy/artifact.ts';
export { openedRowRoot, rowPrefix } from './row-streams.ts';

/** Reads a clause's settings; everything the program is unrolled over must be a constant. */
export function resolveComputeCheck(d: A.VerifyDecl, checker: FileChecker, decls: readonly A.Decl[], at: string): ComputeCheck {
  const setting = new Map(d.settings.map((s) => [s.key.name, s.value]));
  const fail = (message: string): never => {
    throw new LoweringError(`verify ${d.name.name}: ${message}`, at);
  };
  const operand = (key: 'a' | 'b' | 'c'): string => {
    // A family's operand is step.F[l]: F holds every member's root (the checker has checked the index is l).
    const e = d.family && setting.get(key)?.kind === 'IndexExpr' ? (setting.get(key) as A.IndexExpr).object : setting.get(key);
    if (e?.kind === 'MemberExpr' && e.object.kind === 'NameRef' && e.object.name.name === 'step') return e.member.name;
    return fail(`'${key}' must be a field of the step record (step.NAME${d.family ? `[${d.family.variable.name}]` : ''}): the prover opens rows of the tensor that the step commits`);
  };
  const family = d.family ? resolveFamily(d, d.family, checker, fail) : undefined;
  const dimsValue = checker.evaluate(setting.get('dims')!);
  const dims = dimsValue?.kind === 'array' ? dimsValue.elements.map((v) => (v.kind === 'num' && v.den === 1n ? v.num : -1n)) : [];
  if (dims.length !== 3) {
    return fail("'dims' must be known when the policy is compiled: the step program is unrolled over the shape (use constants, and an attest to tie the spec's sizes to them)");
  }
  const [M, K, N] = dims.map((x) => {
    if (x < 1n || x >= BigInt(P)) fail(`'dims' must be whole numbers from 1 to ${P - 1}`);
    return Number(x);
  }) as [number, number, number];
  if (treeDepth(M) > MAX_DEPTH || treeDepth(N) > MAX_DEPTH) fail(`a committed tensor has at most 2^${MAX_DEPTH} rows; dims are [${M}, ${K}, ${N}]`);
  const rational = (key: string): { num: bigint; den: bigint } => {
    const v = checker.evaluate(setting.get(key)!);
    return v?.kind === 'num' ? v : fail(`'${key}' must be a constant`);
  };
  const explicit = setting.get('samples');
  // Rounded up so that every column stratum gets as many samples (sampling.ts): the bound e^(−kf) holds as is.
  const samples = stratifiedSamples(explicit ? Number(rational('samples').num) : requiredSamples(rational('tau'), rational('f')), N);
  const grindingSetting = setting.get('grinding');
  const grindingTarget = grindingSetting ? Number(rational('grinding').num) : DEFAULT_GRINDING_BITS;
  const figures = grindingFigures(samples, rational('f'), grindingTarget);
  if (figures.powBits > MAX_POW_BITS) {
    fail(
      `${samples} samples give ${figures.drawBits} bits a draw; reaching ${grindingTarget} bits against a grinding prover would take ` +
        `${figures.powBits} bits of proof of work, more than ${MAX_POW_BITS}: sample more (a smaller tau) or declare the figure the check can reach, ` +
        `'grinding: ${Math.floor(figures.drawBits + MAX_POW_BITS)}' at most`,
    );
  }
  const { order, block } = resolveOrder(setting.get('order'), checker, fail);
  const rounding = setting.get('rounding');
  if (rounding?.kind !== 'NameRef' || rounding.name.name !== 'bf16') fail("only 'rounding: bf16' runs in the machine so far: the run format commits c as bf16");
  refuseOversized(d.name.name, at, { dims: [M, K, N], samples, powBits: figures.powBits, order, block, ...(family ? { family } : {}) });
  const weightsValue = setting.get('weights');
  const stateField = (name: string): A.Field | undefined =>
    decls.flatMap((x) => (x.kind === 'RecordDecl' && x.record === 'state' ? x.fields : [])).find((f) => f.name.name === name);
  const weights = weightsValue ? weightsSetting(weightsValue, (e) => checker.evaluate(e), stateField) : undefined;
  if (weightsValue && (!weights || (family && !weights.name.includes(`{${family.variable}}`)))) fail(`'weights' must be weight_tensor(STATE, T, "NAME"), NAME holding {${family?.variable ?? 'l'}} in a family`);
  return {
    ...(family ? { family } : {}),
    name: d.name.name,
    at,
    a: operand('a'),
    b: operand('b'),
    c: operand('c'),
    dims: [M, K, N],
    samples,
    order,
    ...(block === undefined ? {} : { block }),
    rounding: 'bf16',
    ...figures,
    grindingTarget,
    ...(weights ? { weights } : {}),
  };
}

/**
 * `order`: `sequential` (the default when absent), `tensor_core`, or `blocked(B)` with B a constant whole number
 * ≥ 1 (the checker reports a bad B with ZP5001/ZP5005/ZP5002). B need not divide K: the last block is then
 * shorter, as runtime/fp/bf16.ts and the PyTorch integration define it; B ≥ K is the sequential order.
 */
function resolveOrder(e: A.Expr | undefined, checker: FileChecker, fail: (message: string) => never): { order: ComputeCheck['order']; block?: number } {
  if (e === undefined) return { order: 'sequential' };
  if (e.kind === 'NameRef' && (e.name.name === 'sequential' || e.name.name === 'tensor_core')) return { order: e.name.name };
  if (e.kind === 'CallExpr' && e.callee.name === 'blocked' && e.args.length === 1) {
    const v = checker.evaluate(e.args[0]!);
    if (v?.kind === 'num' && v.den === 1n && v.num >= 1n && v.num <= BigInt(P)) return { order: 'blocked', block: Number(v.num) };
    return fail("'blocked(B)' needs a constant block width B, a whole number from 1");
  }
  return fail("'order' is 'sequential', 'tensor_core' or 'blocked(B)'");
}

/** A family's members FROM..TO and its draws per step, all constants (the checker reported anything else). */
function resolveFamily(d: A.VerifyDecl, f: A.VerifyFamily, checker: FileChecker, fail: (message: string) => never): CheckFamily {
  const count = (e: A.Expr | undefined, what: string): number => {
    const v = e && checker.evaluate(e);
    return v?.kind === 'num' && v.den === 1n && v.num >= 0n && v.num < BigInt(P) ? Number(v.num) : fail(`${what} must be a constant whole number`);
  };
  const from = count(f.from, "the family's first member");
  const to = count(f.to, "the family's member bound");
  const draws = count(d.settings.find((s) => s.key.name === 'draws')?.value, "'draws'");
  if (to <= from || draws < 1 || draws > to - from) fail(`a family of ${to - from} members draws 1 to ${to - from} of them a step, not ${draws}`);
  return { variable: f.variable.name, from, to, draws };
}

/**
 * A clause whose step program would run more cycles than a step may (MAX_SEGMENTS segment proofs of the default
 * segment size, 2^29 cycles) is refused from its shape, before anything is lowered: ZP7002, naming the cycles it
 * needs, the limit, and how many samples would fit.
 */
function refuseOversized(name: string, at: string, shape: CheckShape & { readonly dims: [number, number, number] }): void {
  const { dims, samples } = shape;
  const draws = shape.family?.draws ?? 1;
  const cost = computeCheckCost(shape);
  if (cost.cycles <= MAX_CYCLES) return;
  const S = columnStrata(dims[2]);
  // The cost grows with the sample count: the most samples (a multiple of S) that still fit.
  let lo = 0;
  let hi = Math.ceil(samples / S);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (computeCheckCost({ ...shape, samples: mid * S }).cycles <= MAX_CYCLES) lo = mid;
    else hi = mid - 1;
  }
  const n = (x: number): string => x.toLocaleString('en-US');
  const fit =
    lo === 0 ? `not even ${S} sample${S === 1 ? '' : 's'} of this product fit${S === 1 ? 's' : ''}: the product needs splitting across several steps or clauses`
    : `at most ${n(lo * S)} samples fit ('samples: ${lo * S}', or a larger tau or f), at a lower assurance; or split the product across several clauses or steps`;
  throw new LoweringError(
    `verify ${name}: ${n(samples)} samples of a [${dims.join(', ')}] product${draws > 1 ? `, ${draws} members drawn,` : ''} need ${n(cost.cycles)} cycles in the step program ` +
      `(${n(cost.macs)} multiply-accumulates); a step runs at most ${n(MAX_CYCLES / SEGMENT_CYCLES)} segments of 2^${Math.log2(SEGMENT_CYCLES)} cycles, 2^${Math.log2(MAX_CYCLES)} = ${n(MAX_CYCLES)} cycles. ${fit[0]!.toUpperCase()}${fit.slice(1)}`,
    at,
    LOWERING_CODES.tooLarge,
  );
}

const words = (cols: number): number => Math.ceil(cols / LANES);

/**
 * i = e mod n for a field value e (lane 0), as a field value: E, e's integer form, from `advice limbs`, checked
 * to recompose e and to be below p; then q, r from advice with q·n + r = E and r < n on the wide chip. With n = 1
 * the index is the constant 0 unless `always` asks for the same instructions as any other n (a program whose size
 * does not depend on the shape).
 */
export function drawIndex(L: Lowerer, e: number, n: number, notDerived: string, always = false): number {
  return drawIndexParts(L, e, n, notDerived, always).value;
}

/** drawIndex's index, and its integer form (a wide word) unless it is the constant 0. */
function drawIndexParts(L: Lowerer, e: number, n: number, notDerived: string, always: boolean): { value: number; wide: number | null } {
  const LIMB = L.constWord(0x10000);
  const E = L.advice('limbs', e, e);
  L.assertEq(L.field('add', L.lane(E, 0), L.field('mul', L.lane(E, 1), LIMB)), e, notDerived);
  L.assert(L.wide('lt128', E, L.constWord(wideWord(BigInt(P)), 'wide')), notDerived);
  if (n === 1 && !always) return { value: L.constWord(0), wide: null };
  const r = divMod(L, E, n, notDerived).r;
  return { value: L.field('add', L.lane(r, 0), L.field('mul', L.lane(r, 1), LIMB)), wide: r };
}

/**
 * The seed a draw continues from after `powBits` bits of proof of work (runtime/run/sampling.ts grind): `seed` itself
 * without work; else d = compress(seed, [POW_DOMAIN, lo, hi, 0, …]) with the nonce's two lanes from the tape (lanes
 * 1 and 2 of a word, sampling.ts nonceWord: the other lanes are not read; one lane's p < 2^31 nonces are too few
 * for w past ~28 bits), each lane of d below its threshold as an integer: E from `advice limbs`, E's limbs checked
 * by the wide `lt` that compares it with the threshold (so E < t < p is e's canonical value).
 */
export function proofOfWork(L: Lowerer, seed: number, powBits: number, noWork: string): number {
  if (powBits === 0) return seed;
  const LIMB = L.constWord(0x10000);
  const nonce = L.read();
  // The nonce's two lanes (runtime/run/sampling.ts nonceWord) under the domain: [POW_DOMAIN, lo, hi, 0, …].
  const word = L.field('add', L.constWord([POW_DOMAIN, 0, 0, 0, 0, 0, 0, 0]), L.field('mul', nonce, L.constWord([0, 1, 1, 0, 0, 0, 0, 0])));
  const d = L.field('hash', seed, word);
  powThresholds(powBits).forEach((t, l) => {
    const e = L.lane(d, l);
    const E = L.advice('limbs', e, e);
    L.assertEq(L.field('add', L.lane(E, 0), L.field('mul', L.lane(E, 1), LIMB)), e, noWork);
    L.assert(L.wide('lt128', E, L.constWord(wideWord(BigInt(t)), 'wide')), noWork);
  });
  return d;
}

/** q, r (wide words) with q·n + r = x and r < n, from advice, checked on the wide chip. */
function divMod(L: Lowerer, x: number, n: number, fails: string): { q: number; r: number } {
  const nW = L.constWord(wideWord(BigInt(n)), 'wide');
  const [q, r] = [L.advice('div', x, nW), L.advice('mod', x, nW)];
  L.assertEq(L.wide('add128', L.wide('mul128', q, nW), r), x, fails);
  L.assert(L.wide('lt128', r, nW), fails);
  return { q, r };
}

/**
 * Row `r` (a field value) of a [rows, cols] committed tensor, from the tape, checked against `root` (or against
 * the tensor's tree root `tree`, when the program has it): its words.
 */
export function openTensorRow(L: Lowerer, root: number, rows: number, cols: number, r: number, fails: string, tree?: number): number[] {
  const row = Array.from({ length: words(cols) }, () => L.read());
  if (tree === undefined) L.assertEq(openedRowRoot(L, rows, cols, r, row), root, fails);
  else assertOpens(L, { root, rows, cols, index: r, fails, tree }, rowLeaf(L, cols, rowPrefix(L, rows, cols, r), row));
  return row;
}

/**
 * Emits the check. `roots` are the addresses of the three roots (step record values); `message` names the clause
 * (the chain reports it with the step).
 */
export function lowerComputeCheck(L: Lowerer, check: ComputeCheck, roots: { readonly a: number; readonly b: number; readonly c: number }, message: string): void {
  const [M, K, N] = check.dims;
  const LIMB = L.constWord(0x10000);
  const notDerived = `${message}: a sample index does not come from the commitments`;

  // The tensors' tree roots, from the tape, each checked once against its root under the shape word: the rows'
  // paths climb to them.
  const shapes = { a: [M, K], b: [N, K], c: [M, N] } as const;
  const trees = { a: L.read('digest'), b: L.read('digest'), c: L.read('digest') };
  for (const x of ['a', 'b', 'c'] as const) {
    const [rows, cols] = shapes[x];
    L.assertEq(shapeRoot(L, rows, cols, trees[x]), roots[x], `${message}: step.${check[x]} is not the root of a [${rows}, ${cols}] tensor with the tree root read for ${x}`);
  }
  const row = (what: 'a' | 'b' | 'c', rows: number, cols: number, index: number): RowRef => ({
    root: roots[what],
    rows,
    cols,
    index,
    fails: `${message}: a sampled row of ${what} does not open against step.${check[what]}`,
    tree: trees[what],
  });

  const element = (row: readonly number[], n: number): number => L.lane(row[Math.floor(n / LANES)]!, n % LANES);
  const S = columnStrata(N);
  let seed = L.constWord(samplingDomain(check.dims, check.samples));
  for (const root of [roots.a, roots.b, roots.c]) seed = L.field('hash', seed, root);
  seed = proofOfWork(L, seed, check.powBits, `${message}: the samples are not drawn behind ${check.powBits} bits of proof of work`);
  /**
   * Sample s (its stratum and digest lane are s mod S and s mod SAMPLES_PER_DIGEST) from `digest`. In sequential
   * and blocked order the program is uniform, the same instructions whatever the shape (for a given S): both
   * indices are drawn even where they can only be 0, and the rows are opened in loops (row-streams.ts). In
   * tensor-core order, whose a and bᵀ `mma` reads whole (so the program grows with K anyway), a constant index is
   * not drawn and a one-word row of c is read as it is: the small shapes (the demo's) stay as cheap as before.
   */
  const uniform = check.order !== 'tensor_core';
  const sample = (digest: number, s: number): void => {
    const l = 2 * (s % SAMPLES_PER_DIGEST);
    const i = drawIndex(L, L.lane(digest, l), M, notDerived, uniform);
    // j = S·w + (s mod S), w drawn in [0, N/S) (a constant when N ≤ 8, unless the program is uniform).
    const stratum = s % S;
    const w = uniform || N / S > 1 ? drawIndexParts(L, L.lane(digest, l + 1), N / S, notDerived, uniform) : { value: L.constWord(0), wide: null };
    const j = uniform || N / S > 1 ? L.field('add', L.field('mul', w.value, L.constWord(S)), L.constWord(stratum)) : L.constWord(stratum);
    let acc: number;
    let cWord: number | null = null;
    /** Word u (a wide value) of c's row i, opened alone: u's chunk and place in it from u divided by a chunk's words. */
    const entryWord = (u: number): number => {
      const { q, r } = divMod(L, u, chunkWords(N), notDerived);
      const field = (x: number): number => L.field('add', L.lane(x, 0), L.field('mul', L.lane(x, 1), LIMB));
      return streamedEntryWord(L, row('c', M, N, i), field(q), field(r), `${message}: the chunk of c read is not the one its row's leaf hashes`);
    };
    if (check.order === 'tensor_core') {
      const a = openTensorRow(L, roots.a, M, K, i, row('a', M, K, i).fails, trees.a);
      const bt = openTensorRow(L, roots.b, N, K, j, row('b', N, K, j).fails, trees.b);
      // A row of c that is one word is read as it is, before the product (the tape's order: a, bᵀ, c).
      if (words(N) === 1) cWord = openTensorRow(L, roots.c, M, N, i, row('c', M, N, i).fails, trees.c)[0]!;
      // One instruction streams the whole dot product into the tensor-core chip: ⌈K/16⌉ operations from +0, K
      // padded with zeros (bf16MmaDotPadded). The rows' lanes past K must be the zeros the format puts there
      // (tensor-commit.ts), and a zero word completes an odd number of words.
      const ops = Math.ceil(K / MMA_K);
      const zero = L.constWord(0);
      const padded = (row: readonly number[], what: string): number[] => {
        // Lane-wise, the last word times a mask of ones past K is zero exactly when those lanes are.
        if (K % LANES !== 0) {
          const mask = L.constWord(Array.from({ length: LANES }, (_, l) => (l >= K % LANES ? 1 : 0)));
          L.assertEq(L.field('mul', row[row.length - 1]!, mask), zero, `${message}: a row of ${what} has a nonzero element past K`);
        }
        return [...row, ...(row.length < 2 * ops ? [zero] : [])];
      };
      acc = L.mma(padded(a, 'a'), padded(bt, 'b'), ops);
    } else if (check.order === 'sequential' || check.block! >= K) {
      // (Blocks of B ≥ K are one block: the sequential order.)
      acc = streamedDot(L, row('a', M, K, i), row('b', N, K, j), `${message}: a row of a or b has a nonzero element past K`);
    } else if (check.block! % LANES === 0) {
      // Blocked(B), blocks of whole words: streamed, a partial sum per block added in f32 at the block's end.
      acc = streamedBlockedDot(L, row('a', M, K, i), row('b', N, K, j), check.block!, `${message}: a row of a or b has a nonzero element past K`);
    } else {
      // Blocked(B): a chain of fmas from +0 per block of B products (the last may be shorter), the first partial
      // taken as it is and each next one added in f32 (bf16Dot's blocked order; B ≥ K is one block), the rows
      // read a word of each at a time as streamedDot reads them.
      const pairs = Array.from({ length: words(K) }, () => [L.read(), L.read()] as const);
      const [a, bt] = [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
      assertOpens(L, row('a', M, K, i), rowLeaf(L, K, rowPrefix(L, M, K, i), a));
      assertOpens(L, row('b', N, K, j), rowLeaf(L, K, rowPrefix(L, N, K, j), bt));
      const B = check.block!;
      const zero = L.constWord(fieldWord(0)); // f32 +0
      acc = -1;
      for (let lo = 0; lo < K; lo += B) {
        let partial = zero;
        for (let k = lo; k < Math.min(lo + B, K); k++) partial = L.mac(L.pack(element(a, k), element(bt, k)), partial);
        acc = acc < 0 ? partial : L.fadd(acc, partial);
      }
    }
    // c[i][j]: lane j mod 8 of c's row word ⌊j/8⌋. With strata of 8 (or N ≤ 8) that is lane `stratum` of word w;
    // without strata (S = 1, j = w), word and lane are j's quotient and remainder by 8, the lane selected.
    const rounded = L.tobf16(acc);
    let entry: number;
    if (cWord !== null) {
      // One word of c, read as it is: c[i][j] is its lane j = stratum.
      entry = L.lane(cWord, stratum);
    } else if (S === 1) {
      const { q, r } = divMod(L, w.wide!, LANES, notDerived);
      const word = entryWord(q);
      const lane = L.lane(r, 0);
      entry = -1;
      for (let k = 0; k < LANES; k++) {
        const term = L.field('mul', L.field('eq', lane, L.constWord(k)), L.lane(word, k));
        entry = entry < 0 ? term : L.field('add', entry, term);
      }
    } else entry = L.lane(entryWord(w.wide!), stratum);
    L.assertEq(rounded, entry, `${message}: a sampled entry of c differs from its BF16 recomputation from a and b`);
  };
  // The samples run in a bounded loop of `group` samples an iteration (a whole number of digests and of strata,
  // so every iteration's samples have the same strata and lanes): the program does not grow with the sample
  // count. The iteration word is the index of its first digest; the samples left over are unrolled after it.
  const { group, rounds } = sampleLoop(check.samples, S);
  if (rounds > 0) {
    L.ir.loop(rounds, group / SAMPLES_PER_DIGEST, L.loc, (first) => {
      let digest = seed;
      for (let g = 0; g < group; g++) {
        if (g % SAMPLES_PER_DIGEST === 0) digest = L.field('hash', seed, g === 0 ? first : L.field('add', first, L.constWord(g / SAMPLES_PER_DIGEST)));
        sample(digest, g);
      }
    });
  }
  let digest = seed;
  for (let s = rounds * group; s < check.samples; s++) {
    if (s % SAMPLES_PER_DIGEST === 0) digest = L.field('hash', seed, L.constWord(s / SAMPLES_PER_DIGEST));
    sample(digest, s);
  }

}
