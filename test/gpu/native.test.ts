// The native CPU backend (gpu/native, built at install) against the TypeScript reference: the same transforms
// bit for bit, the same proof bytes, and arguments it refuses. Skipped where the addon is not built (no C++
// compiler): zpol then proves with the TypeScript backend.
import { describe, expect, it } from 'vitest';
import { cpuBackend, cudaStatus, nativeAddon, nativeLoadError, selectBackend } from '../../gpu/index.ts';
import { eachSimdLevel } from './simd-levels.ts';
import { tsBackend } from '../../runtime/proof/backends/ts.ts';
import { cosetLdeRandomized } from '../../runtime/proof/backends/index.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import type * as E from '../../runtime/proof/field/extension.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import * as X from '../fixtures/sample-airs.ts';
import { FriPcs } from '../../runtime/proof/pcs/fri-pcs.ts';
import { encodeFriPcsProof } from '../../runtime/proof/pcs/codec.ts';
import { DEFAULT_PCS_PARAMS } from '../../runtime/proof/pcs/security.ts';
import { blake3Hasher } from '../../runtime/proof/merkle/hasher.ts';
import { compileConstraints, evaluateRows, traceInputs } from '../../runtime/proof/air/eval.ts';
import { constant, Expr } from '../../runtime/proof/air/expr.ts';

const built = nativeAddon() !== null;

/** The first index where x and y differ (or their lengths do), -1 when equal: toEqual on millions of words is slow. */
function firstDiff(x: Uint32Array, y: Uint32Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function random(n: number, seed: number): Uint32Array {
  let s = seed;
  return Uint32Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P));
}

describe('the backend flag', () => {
  it('ts is the reference; auto is cuda when a GPU answers, else cpu when the addon is built, else ts, saying why', () => {
    expect(selectBackend('ts')).toBe(tsBackend);
    const gpu = cudaStatus().backend !== null;
    const notes: string[] = [];
    expect(selectBackend('auto', (l) => notes.push(l)).name).toBe(gpu ? 'cuda' : built ? 'cpu' : 'ts');
    if (gpu) {
      expect(notes).toEqual([]);
      expect(selectBackend('cuda').name).toBe('cuda');
    } else {
      // One line per backend passed over, naming why; --backend cuda is an error with the same reason.
      expect(notes[0]).toMatch(new RegExp(`^cuda: (no device \\(cuda\\w+\\)|not built \\(.*zpol_cuda\\.so|the native addon|the library does not load).*; using ${built ? 'cpu' : 'ts'}$`));
      expect(notes).toHaveLength(built ? 1 : 2);
      expect(() => selectBackend('cuda')).toThrow(`--backend cuda: ${cudaStatus().reason}`);
    }
    if (built) expect(selectBackend('cpu').name).toBe('cpu');
    else expect(() => selectBackend('cpu')).toThrow(/--backend cpu: .*zpol_native\.node/);
    if (!built) expect(nativeLoadError()).not.toBe('');
  });
});

describe.skipIf(!built)('the native CPU backend', () => {
  const cpu = cpuBackend()!;

  it('transforms every column exactly as the TypeScript reference, with every vector version the CPU has', () => {
    // Narrow matrices run column by column (stages from half-size 16 up to four at a time in registers: 2^11 × 3
    // ends on a group of three, 2^9 × 7 on one; a big one's LDE is written out in batches of columns: see below),
    // wide ones (16 columns and more) on rows: stages in cache-sized blocks, the later ones four at a time over the
    // whole matrix (2^14 × 40 and 2^13 × 70 reach them, with a ragged last column slice), split across threads when
    // large enough.
    expect(eachSimdLevel(transformsLikeReference)).toContain('scalar');
  });

  it('extends t + Z_H·r in one pass exactly as the inverse NTT, randomiser and coset NTT of the reference', () => {
    const a = nativeAddon()!;
    eachSimdLevel(() => {
      for (const [logN, width, s, logBlowup] of [[4, 3, 5, 1], [6, 1, 58 % 64, 3], [10, 17, 58, 3], [9, 40, 12, 2], [5, 16, 32, 4], [3, 2, 0, 1], [12, 20, 1, 3]] as const) {
        const m = new Matrix(random((1 << logN) * width, 5 * logN + width), width);
        const r = new Matrix(random(s * width, 13 * s + 1), width);
        const coeffs = new Uint32Array(m.values.length << logBlowup);
        coeffs.set(m.values);
        tsBackend.inttColumns(coeffs.subarray(0, m.values.length), width);
        for (let k = 0; k < s; k++) {
          for (let c = 0; c < width; c++) {
            const v = r.values[k * width + c]!;
            coeffs[k * width + c] = (coeffs[k * width + c]! + P - v) % P;
            coeffs[((1 << logN) + k) * width + c] = (coeffs[((1 << logN) + k) * width + c]! + v) % P;
          }
        }
        tsBackend.cosetNttColumns(coeffs, width, 31);
        expect(firstDiff(cpu.cosetLdeRandomized!(m, r, logBlowup, 31).values, coeffs)).toBe(-1);
        expect(firstDiff(cosetLdeRandomized(cpu, m, r, logBlowup, 31).values, cosetLdeRandomized(tsBackend, m, r, logBlowup, 31).values)).toBe(-1);
      }
    });
    // More coefficients than rows, no room in the extension, non-canonical coefficients, ragged rows: refused.
    expect(() => a.cosetLdeRandomized(random(8, 1), 1, random(9, 2), 3, 31)).toThrow(/more coefficients than the matrix has rows/);
    expect(() => a.cosetLdeRandomized(random(8, 1), 1, random(2, 2), 0, 31)).toThrow(/no room/);
    expect(() => a.cosetLdeRandomized(random(8, 1), 1, Uint32Array.of(P), 1, 31)).toThrow(/canonical/);
    expect(() => a.cosetLdeRandomized(random(8, 2), 2, random(3, 2), 1, 31)).toThrow(/whole number of rows/);
  });

  it('extends a narrow matrix with 8 MiB of output or more in batches of columns, as the reference does', () => {
    // 2^15 × 15 into 2^18 rows: each thread's columns extended into their own buffers, then written out together.
    const m = new Matrix(random((1 << 15) * 15, 41), 15);
    const reference = tsBackend.cosetLde(m, 3, 7).values;
    expect(eachSimdLevel(() => expect(firstDiff(cpu.cosetLde(m, 3, 7).values, reference)).toBe(-1))).toContain('scalar');
  });

  it('writes an LDE over a buffer handed back (recycle) in every word, as into a fresh one', () => {
    // Narrow (by columns, in batches past 8 MiB), wide (by rows), randomised, one row: the output pool's buffers hold
    // the last proof's values; here they hold words that are not even field elements, and must all be overwritten.
    for (const [logN, width, s, logBlowup] of [[6, 3, 0, 3], [15, 15, 0, 3], [9, 40, 12, 2], [0, 20, 0, 2], [10, 17, 58, 3]] as const) {
      const m = new Matrix(random((1 << logN) * width, 3 * logN + width), width);
      const r = s > 0 ? new Matrix(random(s * width, 11 * s), width) : null;
      const reference = cosetLdeRandomized(tsBackend, m, r, logBlowup, 31).values;
      const first = cosetLdeRandomized(cpu, m, r, logBlowup, 31).values;
      expect(firstDiff(first, reference)).toBe(-1);
      first.fill(0xffffffff);
      cpu.recycle!([first]);
      const again = cosetLdeRandomized(cpu, m, r, logBlowup, 31).values;
      expect(again).toBe(first); // the same buffer, taken back from the pool
      expect(firstDiff(again, reference)).toBe(-1);
    }
    // The trees' leaf digests and levels the same way (merkle/mixed.ts hands back the levels it copies).
    const rows = [new Matrix(random(64 * 5, 17), 5), new Matrix(random(64 * 3, 18), 3)];
    const salts = new Matrix(random(64 * 4, 19), 4);
    const leaves = tsBackend.hashLeaves(blake3Hasher, rows, salts);
    const firstLeaves = cpu.hashLeaves(blake3Hasher, rows, salts);
    expect(firstDiff(firstLeaves, leaves)).toBe(-1);
    const level = tsBackend.merkleNodes(blake3Hasher, leaves);
    const firstLevel = cpu.merkleNodes(blake3Hasher, leaves);
    expect(firstDiff(firstLevel, level)).toBe(-1);
    firstLeaves.fill(0xffffffff);
    firstLevel.fill(0xffffffff);
    cpu.recycle!([firstLeaves, firstLevel]);
    const againLevel = cpu.merkleNodes(blake3Hasher, leaves);
    const againLeaves = cpu.hashLeaves(blake3Hasher, rows, salts);
    expect(againLeaves).toBe(firstLeaves);
    expect(againLevel).toBe(firstLevel);
    expect(firstDiff(againLeaves, leaves)).toBe(-1);
    expect(firstDiff(againLevel, level)).toBe(-1);
    expect(() => nativeAddon()!.merkleNodes(leaves, null, leaves.subarray(0, leaves.length / 2))).toThrow(/may not be the level below/);
    // An array the backend did not make is never taken, so never written over.
    const mine = new Uint32Array(8 * 4).fill(9);
    cpu.recycle!([mine]);
    const m = new Matrix(random(8, 2), 1);
    expect(cpu.cosetLde(m, 2, 31).values).not.toBe(mine);
    expect(mine.every((x) => x === 9)).toBe(true);
    // The addon refuses an output of the wrong length or kind.
    const a = nativeAddon()!;
    expect(() => a.cosetLde(random(8, 1), 1, 2, 31, new Uint32Array(31))).toThrow(/wrong length/);
    expect(() => a.cosetLdeRandomized(random(8, 1), 1, random(2, 2), 2, 31, new Uint32Array(33))).toThrow(/wrong length/);
    expect(() => a.cosetLde(random(8, 1), 1, 2, 31, new Float32Array(32) as unknown as Uint32Array)).toThrow(/Uint32Array/);
  });

  it('releases a commitment once: its buffers go to the next commitment, never to two, and it cannot be opened again', () => {
    const pcs = new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend: cpu });
    const m = new Matrix(random(64 * 20, 23), 20);
    const c1 = pcs.commit([m], Rng.fromSeed('c1'));
    pcs.release(c1);
    const c2 = pcs.commit([m], Rng.fromSeed('c2'));
    expect(c2.ldes[0]!.values).toBe(c1.ldes[0]!.values); // taken back from the pool
    expect(c2.tree.layers[0]).toBe(c1.tree.layers[0]);
    pcs.release(c1); // a second release of c1 would hand back c2's live buffers: ignored
    const c3 = pcs.commit([m], Rng.fromSeed('c3'));
    expect(c3.ldes[0]!.values).not.toBe(c2.ldes[0]!.values);
    expect(c3.tree.layers[0]).not.toBe(c2.tree.layers[0]);
    expect(c2.tree.root()).toEqual(pcs.commit([m], Rng.fromSeed('c2')).tree.root());
    const point = [[[5, 6, 7, 8]]] as unknown as E.Ext[][];
    expect(() => pcs.open([{ commitment: c1, points: point }], pcs.transcript('t'), Rng.fromSeed('o'))).toThrow(/released/);
  });

  it("keeps nothing of a released commitment in its proof: a proof encoded after the next one reused its buffers has the reference's bytes", () => {
    // Every buffer handed back is overwritten with words that are not field elements before the pool keeps it, so a
    // proof that still pointed into one (a view instead of a copy of an opened row, say) would change or fail.
    const poisoning = { ...cpu, recycle: (values: readonly Uint32Array[]) => (values.forEach((v) => v.fill(0xdeadbeef)), cpu.recycle!(values)) };
    const system = (backend: typeof cpu) => buildSystem('native', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend }), true);
    const traces = () => [X.squaresTrace(6, 5), X.consumerTrace(8, 1 << 6, 5)];
    const encode = (p: Parameters<typeof encodeStarkProof<Parameters<typeof encodeFriPcsProof>[0]>>[0]) => Buffer.from(encodeStarkProof(p, encodeFriPcsProof)).toString('hex');
    const reference = encode(prove(system(tsBackend), traces(), [5], { seed: 'kept' }));
    const s = system(poisoning);
    const first = prove(s, traces(), [5], { seed: 'kept' });
    const second = prove(s, traces(), [5], { seed: 'kept' });
    expect(encode(first)).toBe(reference);
    expect(encode(second)).toBe(reference);
  });

  // The reference's results, computed once for every vector version (TypeScript transforms dominate this test).
  const SHAPES = [[0, 3], [1, 1], [3, 2], [9, 7], [11, 3], [13, 5], [0, 16], [4, 16], [8, 17], [11, 20], [12, 40], [13, 70]] as const;
  const ALL_OPS = ['nttColumns', 'inttColumns', 'cosetNttColumns', 'cosetInttColumns'] as const;
  let references: { v: Uint32Array; width: number; ops: Uint32Array[]; ldes: Uint32Array[] }[] | undefined;
  const referenceResults = () =>
    (references ??= SHAPES.map(([logN, width]) => {
      const v = random((1 << logN) * width, 7 * logN + width);
      const ops = ALL_OPS.map((op) => {
        const a = v.slice();
        if (op === 'nttColumns' || op === 'inttColumns') tsBackend[op](a, width);
        else tsBackend[op](a, width, 31);
        return a;
      });
      return { v, width, ops, ldes: [0, 1, 3].map((l) => tsBackend.cosetLde(new Matrix(v, width), l, 7).values) };
    }));

  function transformsLikeReference(): void {
    for (const { v, width, ops, ldes } of referenceResults()) {
      ALL_OPS.forEach((op, i) => {
        const b = v.slice();
        if (op === 'nttColumns' || op === 'inttColumns') cpu[op](b, width);
        else cpu[op](b, width, 31);
        expect(firstDiff(b, ops[i]!)).toBe(-1);
      });
      [0, 1, 3].forEach((logBlowup, i) => expect(firstDiff(cpu.cosetLde(new Matrix(v, width), logBlowup, 7).values, ldes[i]!)).toBe(-1));
    }
    // A view into a larger buffer (what Matrix.subarray hands out) is read at its offset.
    const big = random(64 * 4, 3);
    const view = new Matrix(big.subarray(32 * 4), 4);
    expect(cpu.cosetLde(view, 2, 31).values).toEqual(tsBackend.cosetLde(new Matrix(big.slice(32 * 4), 4), 2, 31).values);
  }

  it('builds BLAKE3 Merkle trees exactly as the reference, with and without salts, across chunk boundaries, 16 leaves at a time and one by one', () => {
    for (const [logH, widths, saltWidth] of [[0, [3], 0], [2, [1], 0], [5, [7, 300], 4], [6, [256], 0], [4, [600, 2], 8], [9, [16], 4], [11, [12], 4], [5, [1, 2], 0]] as const) {
      const h = 1 << logH;
      const matrices = widths.map((w, k) => new Matrix(random(h * w, 11 * k + logH), w));
      const salts = saltWidth > 0 ? new Matrix(random(h * saltWidth, 99), saltWidth) : null;
      const want = tsBackend.merkleLayers(blake3Hasher, matrices, salts);
      expect(cpu.supportsHasher(blake3Hasher)).toBe(true);
      expect(cpu.merkleLayers(blake3Hasher, matrices, salts)).toEqual(want);
      expect(cpu.hashLeaves(blake3Hasher, matrices, salts)).toEqual(want[0]);
    }
    expect(() => cpu.merkleLayers(blake3Hasher, [new Matrix(random(8, 1), 2), new Matrix(random(8, 2), 1)], null)).toThrow(/height/);
  });

  it('refuses malformed arguments with an error, not a crash', () => {
    const a = nativeAddon()!;
    expect(() => a.nttColumns(new Uint32Array(6), 4)).toThrow(/whole number of rows/);
    expect(() => a.nttColumns(new Uint32Array(12), 4)).toThrow(/power of two/);
    expect(() => a.nttColumns(Uint32Array.of(P, 0), 1)).toThrow(/canonical/);
    expect(() => a.cosetLde(new Uint32Array(4), 1, 3, 0)).toThrow(/shift/);
    expect(() => a.cosetLde(new Uint32Array(4), 1, 26, 31)).toThrow(/2\^27/);
    expect(() => (a.nttColumns as (x: unknown, w: number) => void)(new Float64Array(4), 1)).toThrow(/Uint32Array/);
    // Quotient bytecode that reads a node before it is defined, or a column the table does not have.
    const sel = new Uint32Array(4);
    const quotient = (code: number[]) =>
      a.evaluateQuotient(Int32Array.from(code), Int32Array.of(0), 4, 1, new Uint32Array(8), 2, null, 0, null, 0, sel, sel, sel, new Uint32Array(0), new Uint32Array(0), new Uint32Array(4), new Uint32Array(4), Uint32Array.of(1));
    expect(quotient([1, 0, -1, -1, 1, 0]).length).toBe(16);
    expect(() => quotient([11, 0, 0, 0, 0, 0])).toThrow(/malformed constraint bytecode/);
    expect(() => quotient([1, 0, -1, -1, 2, 0])).toThrow(/malformed constraint bytecode/);
    expect(() => quotient([3, 1, -1, -1, 0, 0])).toThrow(/malformed constraint bytecode/);
  });

  it('checks canonical elements as matrix.ts isCanonical (allCanonical), and the prover and the PCS refuse a non-canonical entry with it', () => {
    for (const n of [0, 1, 15, 16, 17, 1000, 4099]) {
      const v = random(n, n + 3);
      expect(cpu.allCanonical!(v)).toBe(true);
      for (const at of n > 0 ? [0, n >> 1, n - 1] : []) {
        for (const bad of [P, P + 1, 0xffffffff]) {
          const w = v.slice();
          w[at] = bad;
          expect(cpu.allCanonical!(w)).toBe(new Matrix(w, 1).isCanonical());
          expect(cpu.allCanonical!(w)).toBe(false);
        }
      }
    }
    const pcs = new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend: cpu });
    const bad = random(64 * 3, 9);
    bad[100] = P;
    expect(() => pcs.commit([new Matrix(bad, 3)], null as never)).toThrow(/non-canonical/);
    const system = buildSystem('canonical', [{ air: X.squaresAir }], pcs, true);
    const trace = X.squaresTrace(6, 5);
    trace.values[7] = P + 5;
    expect(() => prove(system, [trace], [5], { seed: 'canonical' })).toThrow(/not a canonical field element/);
  });

  it('evaluates base-field expressions on every row as the TypeScript reference (evaluateBaseRows), with every vector version the CPU has', () => {
    const main = (col: number, next = false) => new Expr({ op: 'main', col, next });
    const [x, y] = [main(0), main(1, true)];
    const exprs = [x, y, x.mul(y).sub(new Expr({ op: 'public', index: 0 })).add(7), new Expr({ op: 'isFirstRow' }).mul(x).neg(), new Expr({ op: 'isTransition' }).mul(y.sub(x)), new Expr({ op: 'isLastRow' }), constant(P - 1), x];
    // 8 rows: shorter than a vector (scalar tails); 1,024: whole vectors, batches on both threads.
    for (const logN of [3, 10]) {
      const inputs = { ...traceInputs(new Matrix(random((1 << logN) * 3, logN), 3)), publics: [12345] };
      const reference = evaluateRows(exprs, inputs, 0, 1 << logN).map((v) => Array.from(v.data));
      expect(eachSimdLevel(() => expect(cpu.evaluateBaseRows!(compileConstraints(exprs), inputs).map((v) => Array.from(v))).toEqual(reference))).toContain('scalar');
    }
    // A root in the extension field is refused, not truncated.
    const ext = { ...traceInputs(new Matrix(random(8 * 3, 1), 3)), challenges: [[1, 2, 3, 4]] as const };
    expect(() => cpu.evaluateBaseRows!(compileConstraints([new Expr({ op: 'challenge', index: 0 })]), ext)).toThrow(/extension field/);
  });

  it('proves with the same bytes as the TypeScript backend (its LDEs, trees and constraint quotients), with every vector version the CPU has', () => {
    // Two tables on a bus, zero knowledge, production FRI parameters: every LDE of the proof goes through the backend.
    // Tall tables and short ones: the constraint interpreter's runs are whole vectors on the tall ones' quotient
    // domains and partly scalar tails on the short ones' (fewer points than a batch of 32).
    const proofWith = (backend: typeof cpu, logs: readonly [number, number]) => {
      // The PCS's LDEs and trees, and the quotient's transforms (the STARK prover uses the PCS's backend).
      const system = buildSystem('native', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend }), true);
      const proof = prove(system, [X.squaresTrace(logs[0], 5), X.consumerTrace(logs[1], 1 << logs[0], 5)], [5], { seed: 'native' });
      return Buffer.from(encodeStarkProof(proof, encodeFriPcsProof)).toString('hex');
    };
    // The same backend proves the same shapes again and again: from the second proof on, its LDEs are written over
    // the buffers the one before handed back (gpu/output-pool.ts).
    for (const logs of [[6, 8], [1, 2]] as const) {
      const reference = proofWith(tsBackend, logs);
      expect(reference.length).toBeGreaterThan(1000);
      expect(eachSimdLevel(() => expect(proofWith(cpu, logs)).toBe(reference))).toContain('scalar');
      expect(proofWith(cpu, logs)).toBe(reference);
    }
  });
});
