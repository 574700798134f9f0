// One entry of c opened alone (compiler/row-streams.ts streamedEntryWord, runtime/run/tensor-commit.ts openWord): a
// row of c of 640 values is 80 words in two chunks of 40, and a sample reads one chunk and the row's two chunk
// digests (chunk 0's chained from the leaf's prefix). The honest tape proves; a chunk of another place in the row,
// the chunk of another row, digests in another order, and c's tree under the shape word of another shape are each
// refused, naming the clause.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { num } from '../../language/checker/values.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { chunkWords, commitMatrix, openWord, shapedRoot, type MatrixCommitment } from '../../runtime/run/tensor-commit.ts';
import { bf16Dot, f32ToBf16, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import type { Word } from '../../runtime/vm/word.ts';

const [M, K, N] = [4, 16, 640];
const dir = mkdtempSync(join(tmpdir(), 'zpol-entry-openings-'));
const path = join(dir, 'mm.zpol');
writeFileSync(
  path,
  `policy mm version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${M}, ${K}, ${N}]\n tau: 1e-3\n f: 50%\n samples: 8\n grinding: 1\n order: sequential\n rounding: bf16\n}\n`,
);
const compiled = compileFile(path);
if (!compiled.ok) throw new Error(compiled.error);
const p = compiled;

let seed = 3;
const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
const a = Uint16Array.from({ length: M * K }, bf16);
const bt = Uint16Array.from({ length: N * K }, bf16);
const c = new Uint16Array(M * N);
for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c[i * N + j] = f32ToBf16(bf16Dot(a.subarray(i * K, i * K + K), bt.subarray(j * K, j * K + K), SEQUENTIAL).acc);
const tensors = new Map<string, MatrixCommitment>([
  ['a', commitMatrix(a, M, K)],
  ['b', commitMatrix(bt, N, K)],
  ['c', commitMatrix(c, M, N)],
]);
const cc = tensors.get('c')!;
const record = new Map<string, RunValue>([...tensors].map(([f, t]) => [f, { kind: 'digest', words: t.root }] as [string, RunValue]));
const D = chunkWords(N);
const same = (x: readonly Word[], y: readonly Word[]): boolean => x.length === y.length && x.every((w, k) => w.every((v, l) => v === y[k]![l]));

/** Step 1 with the tape changed by `mutate`, which gets the tape and where the first sample's entry opening starts. */
function run(mutate: (tape: Word[], at: { words: number; row: number; chunk: number }) => void = () => {}): void {
  const prover = new ChainProver(p, new Uint8Array(32).fill(5), new Map<string, RunValue>([['m', num(1n)]]));
  const g = prover.genesisExecution();
  const original = prover.run.bind(prover);
  prover.run = (kind, index, publics, tape) => {
    const t = tape.map((w) => [...w]);
    // The first entry opening: a row's two chunk digests, after its chunk's D words.
    for (let x = D; x + 1 < t.length; x++) {
      for (let row = 0; row < M; row++) {
        const o = openWord(cc, row, 0);
        if (!same(t.slice(x, x + 2), o.digests)) continue;
        const chunk = [0, 1].find((k) => same(t.slice(x - D, x), openWord(cc, row, k * D).words))!;
        mutate(t, { words: x - D, row, chunk });
        return original(kind, index, publics, t);
      }
    }
    throw new Error('no entry opening on the tape');
  };
  prover.stepExecution(1, g.state, record, tensors);
}
const fails = (what: string) => new RegExp(`verify mm failed: x \\(mm\\.zpol:\\d+:1\\): ${what}`);

describe('an entry of c opened from its chunk', () => {
  it('reads rows of 640 values as two chunks of 40 words', () => {
    expect([D, openWord(cc, 0, 79).chunk, openWord(cc, 0, 79).offset]).toEqual([40, 1, 39]);
  });

  it('proves on the honest tape', () => {
    expect(() => run()).not.toThrow();
  });

  it("refuses the row's other chunk in place of the sampled one", () => {
    expect(() =>
      run((t, at) => {
        const other = openWord(cc, at.row, (1 - at.chunk) * D).words;
        other.forEach((w, k) => (t[at.words + k] = [...w]));
      }),
    ).toThrow(fails("the chunk of c read is not the one its row's leaf hashes"));
  });

  it('refuses the chunk, digests and path of another row', () => {
    expect(() =>
      run((t, at) => {
        const o = openWord(cc, (at.row + 1) % M, at.chunk * D);
        [...o.words, ...o.digests, ...o.siblings].forEach((w, k) => (t[at.words + k] = [...w]));
      }),
    ).toThrow(fails('a sampled row of c does not open against step.c'));
  });

  it('refuses the digests in another order, and a changed word of the chunk', () => {
    expect(() =>
      run((t, at) => {
        const [d0, d1] = [t[at.words + D]!, t[at.words + D + 1]!];
        [t[at.words + D], t[at.words + D + 1]] = [d1, d0];
      }),
    ).toThrow(fails("the chunk of c read is not the one its row's leaf hashes|a sampled row of c does not open against step\\.c"));
    expect(() => run((t, at) => (t[at.words + 3] = [t[at.words + 3]![0]! ^ 1, ...t[at.words + 3]!.slice(1)]))).toThrow(
      fails("the chunk of c read is not the one its row's leaf hashes"),
    );
  });

  it("refuses c's tree under the shape word of another shape", () => {
    // The same tree (so the same tape) under a root that commits [2M, N/2]: the program's shape word is [M, N].
    const other = new Map(tensors);
    other.set('c', { ...cc, root: shapedRoot(2 * M, N / 2, cc.tree[cc.depth]![0]!) });
    const rec = new Map(record);
    rec.set('c', { kind: 'digest', words: other.get('c')!.root });
    const prover = new ChainProver(p, new Uint8Array(32).fill(5), new Map<string, RunValue>([['m', num(1n)]]));
    const g = prover.genesisExecution();
    expect(() => prover.stepExecution(1, g.state, rec, other)).toThrow(fails('step\\.c is not the root of a \\[4, 640\\] tensor with the tree root read for c'));
  });
});
