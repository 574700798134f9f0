// Committed rows opened in loops (compiler/row-streams.ts): the step program of a compute check has the same size
// whatever the shape, a 70B-shaped clause compiles, and every word of a streamed row counts: a wrong element or
// word in the last iteration of a row loop, and a nonzero lane past K, are caught; a dot product that is −0 stays
// −0 through the padded lanes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { computeCheckCost } from '../../compiler/check-cost.ts';
import { num } from '../../language/checker/values.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { chainWords, commitMatrix, leafPrefix, rowWords, shapedRoot, type MatrixCommitment } from '../../runtime/run/tensor-commit.ts';
import { drawEntries } from '../../runtime/run/sampling.ts';
import { bf16Dot, blocked, f32ToBf16, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { compressPair } from '../../runtime/proof/hash/poseidon2.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { zpol } from '../helpers.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { computeStep, productOf } from '../fixtures/compute-step.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-row-streams-'));
const FFN_70B = 'test/fixtures/policies/ffn-70b.zpol';

function compiled(dims: readonly number[], settings: string, order = 'sequential'): Extract<CompileResult, { ok: true }> {
  const path = join(dir, `mm-${dims.join('x')}${order === 'sequential' ? '' : `-${order.replace(/\W/g, '')}`}.zpol`);
  writeFileSync(
    path,
    `policy mm version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n ${settings}\n order: ${order}\n rounding: bf16\n}\n`,
  );
  const r = compileFile(path);
  if (!r.ok) throw new Error(r.error);
  return r;
}

describe('a compute check whose program does not grow with the shape', () => {
  it('compiles to the same instructions for [16, 4, 8], [256, 512, 1024] and the 70B FFN shape [4096, 8192, 28672]', () => {
    const frontier = compileFile(FFN_70B);
    if (!frontier.ok) throw new Error(frontier.error);
    const sizes = [compiled([16, 4, 8], 'tau: 1e-20\n f: 1%'), compiled([256, 512, 1024], 'tau: 1e-20\n f: 1%'), frontier].map((r) => r.programs.step.instructions.length);
    expect(sizes[1]).toBe(sizes[0]);
    expect(sizes[2]).toBe(sizes[0]);
    expect(sizes[0]).toBeLessThan(1300);
    // … while the cycles are the shape's: 4,608 samples × 8,192 MACs, over 2^22, under the 2^29 of 1,024 segments.
    const check = frontier.compiled.verifies[0]!;
    expect(check.samples).toBe(4608);
    const cycles = computeCheckCost(check).cycles;
    expect(cycles).toBeGreaterThan(2 ** 22);
    expect(cycles).toBeLessThan(2 ** 29);
  });

  it('in blocked(B) order with whole-word blocks too: the same instructions for [16, 64, 8] and [4096, 8192, 28672]', () => {
    const [small, large] = [compiled([16, 64, 8], 'tau: 1e-20\n f: 1%', 'blocked(16)'), compiled([4096, 8192, 28672], 'tau: 1e-20\n f: 1%', 'blocked(16)')];
    expect(large.programs.step.instructions.length).toBe(small.programs.step.instructions.length);
  });

  it('zpol info reports the 70B FFN step in segments of 2^19 cycles (with 32 GiB of prover memory)', () => {
    // (Since c[i][j] opens from its chunk, a segment of 2^19 cycles holds more MACs than before: ~19.5 GiB.)
    // zpol info reports the segment size zpol prove would take with this memory (test/cli/segment-cycles.test.ts).
    const saved = process.env.ZPOL_PROVER_MEMORY;
    process.env.ZPOL_PROVER_MEMORY = '32G';
    let r: ReturnType<typeof zpol>;
    try {
      r = zpol(['info', FFN_70B]);
    } finally {
      if (saved === undefined) delete process.env.ZPOL_PROVER_MEMORY;
      else process.env.ZPOL_PROVER_MEMORY = saved;
    }
    expect(r.status, r.stderr).toBe(0);
    const m = /^step: ([\d,]+) cycles.*\n {2}proven in ([\d,]+) segments of 524,288 cycles, about [\d,]+ committed cells and ([\d.]+) GiB of memory a segment/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [cycles, segments] = [Number(m![1]!.replace(/,/g, '')), Number(m![2]!.replace(/,/g, ''))];
    expect(segments).toBe(Math.ceil(cycles / 2 ** 19));
    expect(Number(m![3])).toBeLessThan(32);
  });
});

describe('rows streamed a word at a time', () => {
  // K = 12: two words a row, the second with four lanes past K; N = 24: three words of c, strata of 8.
  const [M, K, N] = [4, 12, 24];
  const p = compiled([M, K, N], 'tau: 1e-3\n f: 50%\n samples: 64\n grinding: 24');
  const mm = p.compiled.verifies[0]!;
  let seed = 11;
  const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
  const product = (a: Uint16Array, bt: Uint16Array): Uint16Array => {
    const c = new Uint16Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c[i * N + j] = f32ToBf16(bf16Dot(a.subarray(i * K, i * K + K), bt.subarray(j * K, j * K + K), SEQUENTIAL).acc);
    return c;
  };
  const a = Uint16Array.from({ length: M * K }, bf16);
  const bt = Uint16Array.from({ length: N * K }, bf16);
  const c = product(a, bt);
  const step = (tensors: Map<string, MatrixCommitment>) => ({
    record: new Map<string, RunValue>([...tensors].map(([f, t]) => [f, { kind: 'digest', words: t.root }] as [string, RunValue])),
    tensors,
  });
  const commit = (av: Uint16Array, btv: Uint16Array, cv: Uint16Array) =>
    new Map([
      ['a', commitMatrix(av, M, K)],
      ['b', commitMatrix(btv, N, K)],
      ['c', commitMatrix(cv, M, N)],
    ]);
  /** Runs step 1, the tape's words changed by `patch`. */
  const run = (s: ReturnType<typeof step>, patch: (w: Word) => Word = (w) => w) => {
    const prover = new ChainProver(p, new Uint8Array(32).fill(5), new Map<string, RunValue>([['m', num(1n)]]));
    const g = prover.genesisExecution();
    const original = prover.run.bind(prover);
    prover.run = (kind, index, publics, tape) => original(kind, index, publics, tape.map(patch));
    return prover.stepExecution(1, g.state, s.record, s.tensors);
  };
  const fails = (what: string) => new RegExp(`verify mm failed: x \\(mm-4x12x24\\.zpol:\\d+:1\\): ${what}`);

  it('passes on the honest rows', () => {
    expect(() => run(step(commit(a, bt, c)))).not.toThrow();
  });

  it('keeps a −0 dot product −0 through the lanes past K', () => {
    // Every product underflows to −0 (the smallest subnormals, opposite signs): the sum is −0, as bf16 0x8000.
    const [tinyA, tinyB] = [new Uint16Array(M * K).fill(0x0001), new Uint16Array(N * K).fill(0x8001)];
    const zero = product(tinyA, tinyB);
    expect(zero[0]).toBe(0x8000);
    expect(() => run(step(commit(tinyA, tinyB, zero)))).not.toThrow();
    // The same rows with c claiming +0 are caught.
    expect(() => run(step(commit(tinyA, tinyB, new Uint16Array(M * N))))).toThrow(fails('a sampled entry of c differs'));
  });

  it("catches a wrong last element of a's rows (the last iteration's products count)", () => {
    const changed = a.slice();
    for (let i = 0; i < M; i++) changed[i * K + K - 1] = changed[i * K + K - 1]! ^ 0x0400;
    // c stays the product of the original a: every sampled entry uses a changed element.
    expect(() => run(step(commit(changed, bt, c)))).toThrow(fails('a sampled entry of c differs'));
  });

  it("catches a wrong word of a's rows on the tape in the last iteration", () => {
    const lastWords = new Set(Array.from({ length: M }, (_, i) => JSON.stringify(rowWords(a.subarray(i * K, i * K + K))[1])));
    const patch = (w: Word): Word => (lastWords.has(JSON.stringify([...w])) ? [w[0]! ^ 1, ...w.slice(1)] : w);
    expect(() => run(step(commit(a, bt, c)), patch)).toThrow(fails('a sampled row of a does not open against step.a'));
  });

  it("catches a wrong entry of c that only the last word of c's rows holds", () => {
    const trial = c.slice();
    for (let i = 0; i < M; i++) for (let j = 16; j < N; j++) trial[i * N + j] = (trial[i * N + j]! + 1) & 0xffff;
    const s = step(commit(a, bt, trial));
    const roots = { a: s.tensors.get('a')!.root, b: s.tensors.get('b')!.root, c: s.tensors.get('c')!.root };
    expect(drawEntries(roots, mm.dims, mm.samples, mm.powBits).entries.some(({ j }) => j >= 16)).toBe(true);
    expect(() => run(s)).toThrow(fails('a sampled entry of c differs'));
  });

  it('refuses a committed row with a nonzero lane past K', () => {
    // a committed with lane 7 of every row's last word 1.0 (past K = 12), the tape carrying those words.
    const honest = commitMatrix(a, M, K);
    const padded = new Map<string, Word>();
    const leaves = Array.from({ length: M }, (_, i) => {
      const words = rowWords(a.subarray(i * K, i * K + K));
      const last = [...words[1]!];
      last[7] = 0x3f80;
      padded.set(JSON.stringify(words[1]), last);
      return chainWords(leafPrefix(M, K, i), [words[0]!, last]);
    });
    const tree: Word[][] = [leaves];
    for (let l = 0; l < honest.depth; l++) tree.push(Array.from({ length: tree[l]!.length / 2 }, (_, x) => Array.from(compressPair(tree[l]![2 * x]!, tree[l]![2 * x + 1]!))));
    const forged: MatrixCommitment = { ...honest, root: shapedRoot(M, K, tree[honest.depth]![0]!), leaves, tree };
    const tensors = commit(a, bt, c);
    tensors.set('a', forged);
    expect(() => run(step(tensors), (w) => padded.get(JSON.stringify([...w])) ?? w)).toThrow(fails('a row of a or b has a nonzero element past K'));
  });
});

describe.each([
  [20, 8],
  [40, 16],
])('blocked rows streamed: K = %i in blocks of %i whole words', (K, B) => {
  // K = 20, B = 8: blocks of 8, 8 and 4 (the last word half past K; the last block as many words as the others).
  // K = 40, B = 16: blocks of 16, 16 and 8 (the last block one word of two). Products 0 and B of every entry are
  // +2^30 and −2^30: in sequential order the first block's other terms are lost under 2^30 and the second's kept
  // after the cancellation; in blocked order both blocks' small terms are lost in their partials, so the orders differ.
  const [M, N] = [4, 16];
  const p = compiled([M, K, N], 'tau: 1e-3\n f: 50%\n samples: 32\n grinding: 12', `blocked(${B})`);
  let seed = 5;
  const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 12)) << 7) | (seed & 0x7f));
  const a = Uint16Array.from({ length: M * K }, (_, x) => (x % K === 0 || x % K === B ? 0x4e80 : bf16()));
  const bt = Uint16Array.from({ length: N * K }, (_, x) => (x % K === 0 ? 0x3f80 : x % K === B ? 0xbf80 : bf16()));
  const productIn = (order: Parameters<typeof bf16Dot>[2]) => {
    const c = new Uint16Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c[i * N + j] = f32ToBf16(bf16Dot(a.subarray(i * K, i * K + K), bt.subarray(j * K, j * K + K), order).acc);
    return c;
  };
  const run = (c: Uint16Array) => {
    const tensors = new Map([
      ['a', commitMatrix(a, M, K)],
      ['b', commitMatrix(bt, N, K)],
      ['c', commitMatrix(c, M, N)],
    ]);
    const record = new Map<string, RunValue>([...tensors].map(([f, t]) => [f, { kind: 'digest', words: t.root }] as [string, RunValue]));
    const prover = new ChainProver(p, new Uint8Array(32).fill(6), new Map<string, RunValue>([['m', num(1n)]]));
    return prover.stepExecution(1, prover.genesisExecution().state, record, tensors);
  };

  it('accepts the product computed in blocked order and refuses the sequential one', () => {
    const [blockedC, sequentialC] = [productIn(blocked(B)), productIn(SEQUENTIAL)];
    expect(sequentialC.filter((x, e) => x !== blockedC[e]).length).toBeGreaterThanOrEqual((M * N) / 2);
    expect(() => run(blockedC)).not.toThrow();
    expect(() => run(sequentialC)).toThrow(new RegExp(`verify mm failed: x \\(mm-4x${K}x16-blocked${B}\\.zpol:\\d+:1\\): a sampled entry of c differs`));
  });
});

describe('a step of streamed rows, proven', () => {
  it('proves and verifies in three segments of 2^9 cycles (in-place loop variables in the STARK)', () => {
    const dims = [4, 12, 24] as const;
    const p = compiled(dims, 'tau: 1e-3\n f: 50%\n samples: 8\n grinding: 12');
    let seed = 7;
    const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
    const a = Uint16Array.from({ length: dims[0] * dims[1] }, bf16);
    const bt = Uint16Array.from({ length: dims[2] * dims[1] }, bf16);
    const step = computeStep(a, bt, productOf(a, bt, dims, (x, y) => bf16Dot(x, y, SEQUENTIAL).acc), dims);
    const prover = new ChainProver(p, new Uint8Array(32).fill(3), new Map<string, RunValue>([['m', num(1n)]]), { segmentCycles: 2 ** 9 });
    const g = prover.genesis();
    const s1 = prover.step(1, g.state, step.record, step.tensors);
    expect(s1.proof.segments).toHaveLength(3);
    const att = prover.attestation(1, s1.state);
    const report = verifyChain(p, [g.proof, s1.proof, att].map((proof) => ({ name: `${proof.kind}-${proof.step}`, proof })));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  }, 180_000);
});
