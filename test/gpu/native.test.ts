// The native CPU backend (gpu/native, built at install) against the TypeScript reference: the same transforms
// bit for bit, the same proof bytes, and arguments it refuses. Skipped where the addon is not built (no C++
// compiler): zpol then proves with the TypeScript backend.
import { describe, expect, it } from 'vitest';
import { cpuBackend, cudaStatus, nativeAddon, nativeLoadError, selectBackend } from '../../gpu/index.ts';
import { tsBackend } from '../../runtime/proof/backends/ts.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import * as X from '../fixtures/sample-airs.ts';
import { FriPcs } from '../../runtime/proof/pcs/fri-pcs.ts';
import { encodeFriPcsProof } from '../../runtime/proof/pcs/codec.ts';
import { DEFAULT_PCS_PARAMS } from '../../runtime/proof/pcs/security.ts';
import { blake3Hasher } from '../../runtime/proof/merkle/hasher.ts';

const built = nativeAddon() !== null;

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

  it('transforms every column exactly as the TypeScript reference', () => {
    // Narrow matrices run column by column, wide ones (16 columns and more) on rows in cache-sized blocks, split
    // across threads when large enough: both layouts, and sizes past the block and thread thresholds.
    for (const [logN, width] of [[0, 3], [1, 1], [3, 2], [9, 7], [13, 5], [0, 16], [4, 16], [8, 17], [11, 20]] as const) {
      const v = random((1 << logN) * width, 7 * logN + width);
      for (const op of ['nttColumns', 'inttColumns'] as const) {
        const [a, b] = [v.slice(), v.slice()];
        tsBackend[op](a, width);
        cpu[op](b, width);
        expect(b).toEqual(a);
      }
      for (const op of ['cosetNttColumns', 'cosetInttColumns'] as const) {
        const [a, b] = [v.slice(), v.slice()];
        tsBackend[op](a, width, 31);
        cpu[op](b, width, 31);
        expect(b).toEqual(a);
      }
      for (const logBlowup of [0, 1, 3]) {
        const m = new Matrix(v, width);
        expect(cpu.cosetLde(m, logBlowup, 7).values).toEqual(tsBackend.cosetLde(m, logBlowup, 7).values);
      }
    }
    // A view into a larger buffer (what Matrix.subarray hands out) is read at its offset.
    const big = random(64 * 4, 3);
    const view = new Matrix(big.subarray(32 * 4), 4);
    expect(cpu.cosetLde(view, 2, 31).values).toEqual(tsBackend.cosetLde(new Matrix(big.slice(32 * 4), 4), 2, 31).values);
  });

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

  it('proves with the same bytes as the TypeScript backend (its LDEs, trees and constraint quotients)', () => {
    // Two tables on a bus, zero knowledge, production FRI parameters: every LDE of the proof goes through the backend.
    const proofWith = (backend: typeof cpu) => {
      // The PCS's LDEs and trees, and the quotient's transforms (the STARK prover uses the PCS's backend).
      const system = buildSystem('native', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend }), true);
      const proof = prove(system, [X.squaresTrace(6, 5), X.consumerTrace(8, 64, 5)], [5], { seed: 'native' });
      return Buffer.from(encodeStarkProof(proof, encodeFriPcsProof)).toString('hex');
    };
    const [a, b] = [proofWith(cpu), proofWith(tsBackend)];
    expect(a.length).toBeGreaterThan(1000);
    expect(a).toBe(b);
  });
});
