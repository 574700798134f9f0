// `order: tensor_core` compute checks: the checker accepts the order (and refuses unknown orders, with codes), the
// compiler lowers each sampled dot product to one `mma` instruction whatever K is (K zero-padded to a multiple of
// 16), and the step program accepts a product computed with Hopper tensor-core arithmetic and refuses one computed
// with sequential fmas, or with one bit flipped where the sampler looks.
import { describe, expect, it } from 'vitest';
import { wholeExecution } from '../../runtime/vm/segments.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { leafHash, shapedRoot, treeDepth, type MatrixCommitment } from '../../runtime/run/tensor-commit.ts';
import { compressPair } from '../../runtime/proof/hash/poseidon2.ts';
import { ZERO_WORD } from '../../runtime/vm/word.ts';
import { drawEntries } from '../../runtime/run/sampling.ts';
import { computeStep, productOf } from '../fixtures/compute-step.ts';
import { bf16Dot, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { bf16MmaDot, bf16MmaDotPadded } from '../../runtime/fp/mma.ts';

let vseed = 3;
const vector = (k: number) => Array.from({ length: k }, () => ((vseed = (Math.imul(vseed, 1103515245) + 12345) >>> 0), ((vseed >>> 31) << 15) | ((118 + ((vseed >>> 8) % 16)) << 7) | (vseed & 0x7f)));

const dir = mkdtempSync(join(tmpdir(), 'zpol-tensor-core-'));
let files = 0;
function compile(dims: string, order: string): CompileResult {
  const path = join(dir, `p${files++}.zpol`);
  writeFileSync(
    path,
    `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: ${dims}\n tau: 1e-3\n f: 50%\n grinding: 24\n order: ${order}\n rounding: bf16\n}\n`,
  );
  return compileFile(path);
}
const diagnostics = (r: CompileResult) => (r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message}`));

describe('order: tensor_core in the language', () => {
  it('is accepted, lowered to one mma per sample with K/16 operations, and recorded in the artifact', () => {
    const r = compile('[4, 48, 8]', 'tensor_core');
    if (!r.ok) throw new Error(r.error ?? JSON.stringify(r.diagnostics));
    const check = r.compiled.verifies[0]!;
    expect(check.order).toBe('tensor_core');
    const mmas = r.compiled.programs.step.instructions.filter((i) => i.op === 'mma');
    // One per sample (the samples run in a bounded loop: each mma of its body runs once a round).
    expect(mmas.length).toBeGreaterThan(0);
    expect(check.samples % mmas.length).toBe(0);
    expect(mmas.every((i) => i.imm === 3)).toBe(true);
    expect(r.compiled.programs.step.instructions.some((i) => i.op === 'mac')).toBe(false);
    // The program does not grow with K but for reading and hashing the rows it opens: K = 480 has as many other
    // instructions as K = 48.
    const big = compile('[4, 480, 8]', 'tensor_core');
    if (!big.ok) throw new Error('K = 480 does not compile');
    const others = (x: typeof r) => (x.ok ? x.compiled.programs.step.instructions.filter((i) => i.op !== 'read' && i.op !== 'hash').length : 0);
    expect(others(big)).toBe(others(r));
  });

  it('pads K with zeros to a multiple of 16, and refuses unknown orders, with codes', () => {
    const padded = compile('[4, 20, 8]', 'tensor_core');
    if (!padded.ok) throw new Error('K = 20 does not compile');
    expect(padded.compiled.programs.step.instructions.filter((i) => i.op === 'mma').every((i) => i.imm === 2)).toBe(true);
    const a = vector(20);
    const b = vector(20);
    const zeros = new Array<number>(12).fill(0);
    expect(bf16MmaDotPadded(a, b)).toEqual(bf16MmaDot([...a, ...zeros], [...b, ...zeros]));
    expect(diagnostics(compile('[4, 16, 8]', 'tensor'))).toEqual([expect.stringMatching(/^ZP2014 'order' is 'sequential', 'tensor_core' or 'blocked\(B\)'/)]);
    expect(diagnostics(compile('[4, 16, 8]', 'blocked(0)')).join()).toMatch(/block width/);
  });
});

describe('order: tensor_core in the machine', () => {
  const r = compile('[4, 20, 8]', 'tensor_core');
  if (!r.ok) throw new Error('does not compile');
  const mm = r.compiled.verifies[0]!;
  let seed = 5;
  const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
  // K = 20: three row words, lanes 20..23 zero, padded to two operations.
  const [M, K, N] = [4, 20, 8];
  // Products 0 and 1 of every entry are ±2^30 and cancel: the tensor core cuts the other terms to the grid of
  // 2^5 in their operation, sequential fmas add them exactly after the cancellation, so the orders differ after rounding.
  const a = Uint16Array.from({ length: M * K }, (_, x) => (x % K < 2 ? 0x4e80 : bf16()));
  const bt = Uint16Array.from({ length: N * K }, (_, x) => (x % K === 0 ? 0x3f80 : x % K === 1 ? 0xbf80 : bf16()));
  const product = (dot: (x: Uint16Array, y: Uint16Array) => number) => productOf(a, bt, [M, K, N], dot);
  const tensorCore = product((x, y) => bf16MmaDotPadded(x, y).acc);
  const sequential = product((x, y) => bf16Dot(x, y, SEQUENTIAL).acc);
  const stepWith = (c: Uint16Array) => computeStep(a, bt, c, [M, K, N]);
  const prover = new ChainProver(r, new Uint8Array(32).fill(1), new Map([['m', num(1n) as Value]]));
  const g = prover.genesisExecution();

  it('accepts a product computed with tensor-core arithmetic: one mma per sample', () => {
    const s = stepWith(tensorCore);
    const exec = wholeExecution(prover.stepExecution(1, g.state, s.record, s.tensors).exec);
    expect(exec.mma).toHaveLength(mm.samples);
    const entries = drawEntries(s.roots, mm.dims, mm.samples, mm.powBits).entries;
    expect(exec.mma.map((op) => op.acc)).toEqual(entries.map(({ i, j }) => bf16MmaDotPadded(a.subarray(i * K, (i + 1) * K), bt.subarray(j * K, (j + 1) * K)).acc >>> 0));
  });

  it('refuses the product computed with sequential fmas, and one bit flipped where the sampler looks', () => {
    expect(sequential.filter((x, e) => x !== tensorCore[e]).length).toBeGreaterThanOrEqual(M * N / 2);
    const seq = stepWith(sequential);
    // The failure names the clause, the entry and both values.
    const entry = drawEntries(seq.roots, mm.dims, mm.samples, mm.powBits).entries.find(({ i, j }) => sequential[i * N + j] !== tensorCore[i * N + j])!;
    const hex = (x: number) => `0x${x.toString(16).padStart(4, '0')}`;
    const where = `c[${entry.i}][${entry.j}] is ${hex(sequential[entry.i * N + entry.j]!)}, the tensor-core recomputation from a and b gives ${hex(tensorCore[entry.i * N + entry.j]!)}`;
    expect(() => prover.stepExecution(1, g.state, seq.record, seq.tensors)).toThrow(/verify mm failed: x \(p\d+\.zpol:\d+:1\): a sampled entry of c differs/);
    expect(() => prover.stepExecution(1, g.state, seq.record, seq.tensors)).toThrow(where);
    let hit = false;
    for (let e = 0; e < tensorCore.length && !hit; e++) {
      const trial = tensorCore.slice();
      trial[e] = trial[e]! ^ 1;
      const t = stepWith(trial);
      if (drawEntries(t.roots, mm.dims, mm.samples, mm.powBits).entries.some(({ i, j }) => i * N + j === e)) {
        hit = true;
        expect(() => prover.stepExecution(1, g.state, t.record, t.tensors)).toThrow(/a sampled entry of c differs/);
      }
    }
    expect(hit).toBe(true);
  });

  it('refuses rows whose lanes past K are not zero, even under a commitment made for them', () => {
    // A dishonest committer hashes rows of 24 elements under the header of [M, 20] (leafHash takes any row), so
    // its openings carry nonzero lanes 20..23 in their last word and climb to its root: the step program's
    // padding check is what refuses them.
    const wide = Uint16Array.from({ length: M * 24 }, (_, x) => (x % 24 < K ? a[Math.floor(x / 24) * K + (x % 24)]! : 0x3f80));
    const depth = treeDepth(M);
    const leaves = Array.from({ length: M }, (_, r) => leafHash(M, K, r, wide.subarray(r * 24, (r + 1) * 24)));
    const tree = [[...leaves, ...Array.from({ length: 2 ** depth - M }, () => ZERO_WORD)]];
    for (let l = 0; l < depth; l++) tree.push(Array.from({ length: tree[l]!.length / 2 }, (_, i) => Array.from(compressPair(tree[l]![2 * i]!, tree[l]![2 * i + 1]!))));
    // openRow slices `values` by the claimed K columns: these values hand out the 24-element rows instead.
    const values = { slice: (from: number) => wide.slice((from / K) * 24, (from / K) * 24 + 24) } as unknown as Uint16Array;
    const forged: MatrixCommitment = { rows: M, cols: K, depth, root: shapedRoot(M, K, tree[depth]![0]!), leaves, tree, values, chunkDigests: new Uint32Array(0) };
    const honest = stepWith(tensorCore);
    const tensors = new Map(honest.tensors);
    tensors.set('a', forged);
    const record = new Map(honest.record);
    record.set('a', { kind: 'digest', words: forged.root });
    expect(() => prover.stepExecution(1, g.state, record, tensors)).toThrow(/verify mm failed: x \(p\d+\.zpol:\d+:1\): a row of a has a nonzero element past K/);
  });
});
