// The CUDA backend (gpu/cuda through the addon's loader) against the native CPU backend: every kernel's output and a
// whole proof byte for byte. It runs where a GPU answers; elsewhere it is skipped and says why (the reason
// `--backend auto` reports). The kernels' host-side logic is tested everywhere by test/gpu/device.test.ts.
import { describe, expect, it } from 'vitest';
import { cpuBackend, cudaStatus, nativeAddon } from '../../gpu/index.ts';
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
import { poseidon2Hasher } from '../../runtime/proof/merkle/poseidon2-hasher.ts';
import { zpol } from '../helpers.ts';

const status = cudaStatus();
const cuda = status.backend;
if (!cuda) console.warn(`test/gpu/cuda.test.ts: CUDA backend tests skipped: ${status.reason}`);

function random(n: number, seed: number): Uint32Array {
  let s = seed;
  return Uint32Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P));
}

describe.skipIf(cuda !== null || nativeAddon() === null)('without a GPU', () => {
  it('--backend cuda exits 1 naming why, before reading anything', () => {
    const r = zpol(['prove', 'no-such.zpol', '--run', 'no-such-run', '--out', 'no-such-out', '--backend', 'cuda']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`zpol: --backend cuda: ${status.reason}\n`);
  });
});

describe.skipIf(!cuda)(`the CUDA backend on ${status.device || 'a GPU'}`, () => {
  const cpu = cpuBackend()!;

  it('transforms every column as the CPU backend: NTT, inverse, coset NTT and inverse, coset LDE', () => {
    for (const [logN, width] of [[0, 1], [1, 3], [6, 1], [10, 7], [12, 40], [16, 3]] as const) {
      const n = 1 << logN;
      const v = random(n * width, logN + 7 * width);
      for (const op of ['nttColumns', 'inttColumns'] as const) {
        const [a, b] = [v.slice(), v.slice()];
        cuda![op](a, width);
        cpu[op](b, width);
        expect(a, `${op} 2^${logN} x ${width}`).toEqual(b);
      }
      for (const op of ['cosetNttColumns', 'cosetInttColumns'] as const) {
        const [a, b] = [v.slice(), v.slice()];
        cuda![op](a, width, 31);
        cpu[op](b, width, 31);
        expect(a, `${op} 2^${logN} x ${width}`).toEqual(b);
      }
      for (const logBlowup of [0, 1, 3]) {
        const m = new Matrix(v, width);
        expect(cuda!.cosetLde(m, logBlowup, 31).values, `LDE 2^${logN} x ${width} by 2^${logBlowup}`).toEqual(cpu.cosetLde(m, logBlowup, 31).values);
      }
    }
  });

  it('builds BLAKE3 and Poseidon2 Merkle trees, leaf layers and levels as the CPU backend, salted and not', () => {
    for (const hasher of [blake3Hasher, poseidon2Hasher]) {
      for (const [logH, widths, saltWidth] of [[0, [3], 0], [5, [7, 300], 4], [11, [12], 4], [14, [16, 1], 0]] as const) {
        const h = 1 << logH;
        const matrices = widths.map((w, k) => new Matrix(random(h * w, 11 * k + logH), w));
        const salts = saltWidth > 0 ? new Matrix(random(h * saltWidth, 99), saltWidth) : null;
        const layers = cpu.merkleLayers(hasher, matrices, salts);
        expect(cuda!.merkleLayers(hasher, matrices, salts), `${hasher.id} 2^${logH}`).toEqual(layers);
        // The pieces merkle/mixed.ts builds its mixed-height trees from: the leaf layer, and one level at a time.
        expect(cuda!.hashLeaves(hasher, matrices, salts)).toEqual(layers[0]);
        if (logH > 0) expect(cuda!.merkleNodes(hasher, layers[0]!)).toEqual(layers[1]);
      }
    }
    expect(() => cuda!.merkleLayers(poseidon2Hasher, [new Matrix(Uint32Array.of(P, 1), 1)], null)).toThrow(RangeError);
  });

  it('proves with the same bytes as the CPU and TypeScript backends (its LDEs, trees and constraint quotients)', () => {
    const proofWith = (backend: typeof cpu) => {
      const system = buildSystem('cuda', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend }), true);
      const proof = prove(system, [X.squaresTrace(6, 5), X.consumerTrace(8, 64, 5)], [5], { seed: 'cuda' });
      return Buffer.from(encodeStarkProof(proof, encodeFriPcsProof)).toString('hex');
    };
    const bytes = proofWith(cuda!);
    expect(bytes).toBe(proofWith(cpu));
    expect(bytes).toBe(proofWith(tsBackend));
  });
});
