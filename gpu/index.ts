/**
 * The performance backends behind runtime/proof/backend.ts's ProofBackend: the native CPU backend, whose NTTs,
 * coset LDEs, Merkle trees and constraint quotients run in C++ (gpu/native, a Node-API addon built at install by
 * gpu/build.mjs), and the CUDA backend, whose same operations run on the GPU (gpu/cuda, a shared library built
 * when nvcc exists and opened by the addon at run time), with proof-of-work grinding on the CPU for both
 * (gpu/native/grind.cc) and other hashers still the TypeScript reference's. Every kernel returns the one defined result, so proofs are byte-identical whichever backend made
 * them (test/gpu/native.test.ts; test/gpu/cuda.test.ts where a GPU answers).
 *
 *   --backend ts     the TypeScript reference
 *   --backend cpu    the native CPU backend (an error if the addon is not built)
 *   --backend cuda   the CUDA backend (an error, naming why, without the library or a device)
 *   --backend auto   cuda when a device answers, else cpu when the addon loads, else ts (the default); each
 *                    fallback is reported in one line ("cuda: no device (cudaErrorInsufficientDriver); using cpu")
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { LogupAuxInput, ProofBackend } from '../runtime/proof/backend.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { Matrix } from '../runtime/proof/matrix.ts';
import { OutputPool } from './output-pool.ts';
import { BLAKE3_KEYS, blake3Hasher, type MerkleHasher } from '../runtime/proof/merkle/hasher.ts';
import { POSEIDON2_HASHER_ID } from '../runtime/proof/merkle/poseidon2-hasher.ts';
import { bytesToWords } from '../runtime/proof/hash/blake3.ts';
import { layoutOf } from '../runtime/proof/merkle/tree.ts';
import { POW_KEY_WORDS, grindPoseidon2 } from '../runtime/proof/pow.ts';
import { packagePath } from '../base/package-files.ts';
import { denominatorPolys } from '../runtime/proof/pcs/deep-quotient.ts';
import { SHIFT } from '../runtime/proof/pcs/validate.ts';
import type { Ext } from '../runtime/proof/field/extension.ts';
import { denseInputs, type ConstraintProgram, type VectorInputs } from '../runtime/proof/air/eval.ts';

/** What gpu/native/addon.cc exports. */
interface NativeAddon {
  nttColumns(values: Uint32Array, width: number): void;
  inttColumns(values: Uint32Array, width: number): void;
  cosetNttColumns(values: Uint32Array, width: number, shift: number): void;
  cosetInttColumns(values: Uint32Array, width: number, shift: number): void;
  /** Into `out` when given (exactly the LDE's length; every word written), else a fresh array. */
  cosetLde(values: Uint32Array, width: number, logBlowup: number, shift: number, out?: Uint32Array): Uint32Array;
  /** The LDE of t + Z_H·r, r's s <= n coefficient rows in `randomizer` (gpu/native/ntt.h coset_lde_randomized_columns); `out` as cosetLde's. */
  cosetLdeRandomized(values: Uint32Array, width: number, randomizer: Uint32Array, logBlowup: number, shift: number, out?: Uint32Array): Uint32Array;
  /** gpu/native/deep.h combine_columns: the given columns (all when null) of each row combined into out. */
  combineColumns(values: Uint32Array, width: number, columns: Int32Array | null, coeffs: Uint32Array, out: Uint32Array, stride: number, offset: number): void;
  /** gpu/native/deep.h weighted_column_sums: 4 words a column. */
  weightedColumnSums(values: Uint32Array, width: number, columns: Int32Array | null, weights: Uint32Array): Uint32Array;
  /** gpu/native/deep.h reduced_quotient; spec per term [lifted index or −1, lde index or −1, lde width, group]. */
  reducedQuotient(
    logDomain: number,
    shift: number,
    lifted: Uint32Array | null,
    liftedWidth: number,
    ldes: Uint32Array[],
    spec: Int32Array,
    coeffs: Uint32Array[],
    dens: Uint32Array,
    claimed: Uint32Array,
  ): Uint32Array;
  /** In place: row i and row rev(i) swapped. */
  bitReverseRows(values: Uint32Array, width: number): void;
  /** gpu/native/fold.h fri_fold: the codeword folded by 2^logArity, as a new array. */
  friFold(cw: Uint32Array, logSize: number, shift: number, beta: Uint32Array, logArity: number): Uint32Array;
  /** runtime/proof/rng.ts's generator's next elements from a counter on (blake3.h keyed_field_stream); absent in older builds. */
  keyedFieldStream?(key: Uint32Array, counterLow: number, counterHigh: number, out: Uint32Array): Uint32Array;
  /** A tensor commitment's row hashes (gpu/native/tensor-commit.h); absent in older builds. */
  tensorRowDigests?(values: Uint16Array, rows: number, cols: number, leaves: Uint32Array, chunkDigests: Uint32Array): void;
  /** Whether every element is a canonical BabyBear value; absent in older builds. */
  isCanonical?(values: Uint32Array): boolean;
  /** The field kernels' vector version ('avx512', 'avx2', 'scalar'); a cap chooses the best at most that, null asks. */
  simdLevel(cap: string | null): string;
  /** BLAKE3 trees with the keys; Poseidon2 trees with both keys null. */
  merkleLayers(matrices: Uint32Array[], salts: Uint32Array | null, saltWidth: number, height: number, leafKey: Uint32Array | null, nodeKey: Uint32Array | null): Uint32Array[];
  /** merkleLayers' leaf layer alone (a one-element array), into `out` when given (cosetLde's rule). */
  merkleLeaves(matrices: Uint32Array[], salts: Uint32Array | null, saltWidth: number, height: number, leafKey: Uint32Array | null, nodeKey: Uint32Array | null, out?: Uint32Array): Uint32Array[];
  /** The level above 2n digests: node j compresses digests 2j and 2j+1 (Poseidon2 with the key null); `out` as cosetLde's. */
  merkleNodes(below: Uint32Array, nodeKey: Uint32Array | null, out?: Uint32Array): Uint32Array;
  /** The least nonce >= start below 2^53 solving pow.ts's BLAKE3 puzzle (key and challenge 8 words), or -1. */
  grindBlake3(key: Uint32Array, challenge: Uint32Array, bits: number, start: number): number;
  /** The same for the Poseidon2 puzzle (16 canonical elements). */
  grindPoseidon2(challenge: Uint32Array, bits: number, start: number): number;
  /** A draw's proof of work: the least nonce >= start with element l below thresholds[l] (grind.h); absent in older builds. */
  grindPoseidon2Lanes?(challenge: Uint32Array, thresholds: Uint32Array, start: number, end?: number): number;
  /** The LogUp auxiliary trace, row-major, then the claimed sum (4 words each); spec per interaction: bus, n, n vector indices, the multiplicity's. */
  logupAux(vectors: Uint32Array, height: number, spec: Int32Array, groupOf: Int32Array, groups: number, challenges: Uint32Array): Uint32Array;
  /** Opens the CUDA library once and counts its devices; error null when one answers. */
  cudaLoad(path: string): { devices: number; error: string | null; name: string };
  cudaNttColumns(values: Uint32Array, width: number): void;
  cudaInttColumns(values: Uint32Array, width: number): void;
  cudaCosetNttColumns(values: Uint32Array, width: number, shift: number): void;
  cudaCosetInttColumns(values: Uint32Array, width: number, shift: number): void;
  cudaCosetLde(values: Uint32Array, width: number, logBlowup: number, shift: number): Uint32Array;
  cudaMerkleLayers: NativeAddon['merkleLayers'];
  cudaMerkleLeaves: NativeAddon['merkleLayers'];
  cudaMerkleNodes: NativeAddon['merkleNodes'];
  cudaEvaluateQuotient: NativeAddon['evaluateQuotient'];
  evaluateQuotient(...args: [...ProgramArgs, gammaPowers: Uint32Array, zInv: Uint32Array]): Uint32Array;
  /** The roots' values on every row, root-major (base-field roots only); absent in an addon built before it. */
  evaluateRoots?(...args: ProgramArgs): Uint32Array;
}

/** The constraint interpreter's bytecode and domain, as the addon's evaluateQuotient and evaluateRoots take them. */
type ProgramArgs = [
  code: Int32Array,
  roots: Int32Array,
  height: number,
  nextOffset: number,
  main: Uint32Array,
  mainWidth: number,
  pre: Uint32Array | null,
  preWidth: number,
  aux: Uint32Array | null,
  auxWidth: number,
  first: Uint32Array,
  last: Uint32Array,
  transition: Uint32Array,
  publics: Uint32Array,
  challenges: Uint32Array,
  sumPerRow: Uint32Array,
];

function programArgs(program: ConstraintProgram, inputs: VectorInputs): ProgramArgs {
  const challenges = new Uint32Array(4 * inputs.challenges.length);
  inputs.challenges.forEach((c, i) => challenges.set(c, 4 * i));
  const { main, pre, aux, selectors: s } = inputs;
  return [
    program.code,
    program.roots,
    inputs.height,
    inputs.nextOffset,
    // A matrix read with a step (air/eval.ts InputMatrix) is, to the interpreter, one with step·width columns of
    // which the first width are read: its rows r·step are rows r of that wider matrix.
    main.values,
    main.width * (main.step ?? 1),
    pre?.values ?? null,
    pre ? pre.width * (pre.step ?? 1) : 0,
    aux?.values ?? null,
    aux ? aux.width * (aux.step ?? 1) : 0,
    s.first,
    s.last,
    s.transition,
    Uint32Array.from(inputs.publics),
    challenges,
    Uint32Array.from(inputs.sumPerRow),
  ];
}

const KEYS = { leaf: bytesToWords(BLAKE3_KEYS.leaf), node: bytesToWords(BLAKE3_KEYS.node) };

export const ADDON_PATH = packagePath('gpu', 'build', 'Release', 'zpol_native.node');
/** The CUDA library gpu/build-cuda.mjs builds. */
export const CUDA_LIBRARY_PATH = packagePath('gpu', 'cuda-build', 'zpol_cuda.so');

let addon: NativeAddon | null | undefined;
let loadError = '';

/** The addon, or null when it is not built or does not load (`nativeLoadError` says why). */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  if (!existsSync(ADDON_PATH)) {
    loadError = `${ADDON_PATH} is not built (npm install builds it; gpu/build.mjs)`;
    return (addon = null);
  }
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (e) {
    loadError = `${ADDON_PATH} does not load: ${(e as Error).message.split('\n')[0]}`;
    addon = null;
  }
  return addon;
}

export function nativeLoadError(): string {
  nativeAddon();
  return loadError;
}

/** The addon's kernels under one backend's names: the CPU's, or the CUDA library's (`cuda` prefixed). */
interface Kernels {
  nttColumns(values: Uint32Array, width: number): void;
  inttColumns(values: Uint32Array, width: number): void;
  cosetNttColumns(values: Uint32Array, width: number, shift: number): void;
  cosetInttColumns(values: Uint32Array, width: number, shift: number): void;
  cosetLde(values: Uint32Array, width: number, logBlowup: number, shift: number, out?: Uint32Array): Uint32Array;
  /** The CPU's fused randomised LDE (absent for CUDA: there the generic inverse NTT, randomiser, coset NTT). */
  cosetLdeRandomized?: NativeAddon['cosetLdeRandomized'];
  /** The CPU's DEEP quotient kernels (absent for CUDA: the TypeScript reference there). */
  combineColumns?: NativeAddon['combineColumns'];
  reducedQuotient?: NativeAddon['reducedQuotient'];
  weightedColumnSums?: NativeAddon['weightedColumnSums'];
  bitReverseRows?: NativeAddon['bitReverseRows'];
  friFold?: NativeAddon['friFold'];
  /** The prover's randomness (host side for both). */
  keyedFieldStream?: NativeAddon['keyedFieldStream'];
  isCanonical?: NativeAddon['isCanonical'];
  merkleLayers: NativeAddon['merkleLayers'];
  merkleLeaves: NativeAddon['merkleLeaves'];
  merkleNodes: NativeAddon['merkleNodes'];
  evaluateQuotient: NativeAddon['evaluateQuotient'];
  /** Grinding, the LogUp interactions and trace run on the CPU for both (gpu/native/grind.cc, quotient.cc, logup.cc). */
  evaluateRoots?: NativeAddon['evaluateRoots'];
  logupAux: NativeAddon['logupAux'];
  grindBlake3: NativeAddon['grindBlake3'];
  grindPoseidon2: NativeAddon['grindPoseidon2'];
  grindPoseidon2Lanes?: NativeAddon['grindPoseidon2Lanes'];
  /** A tensor commitment's row hashes, on the CPU for both. */
  tensorRowDigests?: NativeAddon['tensorRowDigests'];
}

/** A native search's answer: a nonce, or an error where the reference would search past 2^53. */
function found(nonce: number): number {
  if (nonce < 0) throw new RangeError('grinding: no nonce below 2^53');
  return nonce;
}

/** The native LogUp kernel's call: the interactions' vectors packed once each, the spec and the groups as words. */
function logupAuxNative(kernel: NativeAddon['logupAux'], input: LogupAuxInput): { values: Uint32Array; claimedSum: [number, number, number, number] } {
  const { height, interactions, groups } = input;
  const slot = new Map<Uint32Array, number>();
  const vectors: Uint32Array[] = [];
  const idx = (v: Uint32Array) => {
    let i = slot.get(v);
    if (i === undefined) slot.set(v, (i = vectors.length)), vectors.push(v);
    return i;
  };
  const spec = interactions.flatMap((it) => [it.bus, it.values.length, ...it.values.map(idx), idx(it.multiplicity)]);
  const packed = new Uint32Array(vectors.length * height);
  vectors.forEach((v, i) => packed.set(v.subarray(0, height), i * height));
  const groupOf = new Int32Array(interactions.length).fill(-1);
  groups.forEach((g, gi) => g.forEach((j) => (groupOf[j] = gi)));
  const challenges = new Uint32Array(4 * input.challenges.length);
  input.challenges.forEach((c, i) => challenges.set(c, 4 * i));
  const out = kernel(packed, height, Int32Array.from(spec), groupOf, groups.length, challenges);
  const n = out.length - 4;
  return { values: out.subarray(0, n), claimedSum: [out[n]!, out[n + 1]!, out[n + 2]!, out[n + 3]!] };
}

/** The native keys of a hasher: BLAKE3's, null for Poseidon2 (gpu/device/poseidon2.h), undefined for any other. */
function keysOf(hasher: MerkleHasher): { leaf: Uint32Array | null; node: Uint32Array | null } | undefined {
  if (hasher.id === POSEIDON2_HASHER_ID) return { leaf: null, node: null };
  return hasher.id === blake3Hasher.id ? KEYS : undefined;
}

/** The native DEEP quotient behind ProofBackend's combineColumns and reducedQuotient (pcs/deep-quotient.ts). */
function deepKernels(combine: NativeAddon['combineColumns'], reduce: NativeAddon['reducedQuotient']): Pick<ProofBackend, 'combineColumns' | 'reducedQuotient'> {
  return {
    combineColumns: (m, columns, coeffs, out, stride, offset) => combine(m.values, m.width, columns === null ? null : Int32Array.from(columns), coeffs, out, stride, offset),
    reducedQuotient(logDomain, terms, lifted, points, claimed) {
      const ldes: Uint32Array[] = [];
      const spec = new Int32Array(4 * terms.length);
      terms.forEach((t, i) => {
        if (t.lde !== null) ldes.push(t.lde.values);
        spec.set([t.lde === null ? t.lifted : -1, t.lde === null ? -1 : ldes.length - 1, t.lde?.width ?? 0, t.group], 4 * i);
      });
      const dens = new Uint32Array(16 * points.length);
      points.forEach((z, g) => {
        const { m, n } = denominatorPolys(z);
        dens.set(m, 16 * g);
        dens.set(n, 16 * g + 4);
      });
      return reduce(logDomain, SHIFT, lifted?.values ?? null, lifted?.width ?? 0, ldes, spec, terms.map((t) => t.coeffs), dens, claimed.subarray(0, 4 * points.length));
    },
  };
}

function kernelBackend(name: 'cpu' | 'cuda', k: Kernels): ProofBackend {
  const pool = new OutputPool();
  // A kernel's output of `words` words, written over a buffer the pool kept when it has one, and issued by the pool.
  const pooled = (words: number, kernel: (out: Uint32Array | undefined) => Uint32Array) => pool.issue(kernel(pool.take(words)));
  const ldeWords = (m: Matrix, logBlowup: number) => m.values.length * 2 ** logBlowup;
  return {
    ...tsBackend,
    name,
    // Its LDE of 4 columns is cheap: lift (deep-quotient.ts) every matrix of 4 columns or more.
    liftMinWidth: 4,
    nttColumns: (values, width) => k.nttColumns(values, width),
    inttColumns: (values, width) => k.inttColumns(values, width),
    cosetNttColumns: (values, width, shift) => k.cosetNttColumns(values, width, shift),
    cosetInttColumns: (values, width, shift) => k.cosetInttColumns(values, width, shift),
    cosetLde: (m, logBlowup, shift) => new Matrix(pooled(ldeWords(m, logBlowup), (out) => k.cosetLde(m.values, m.width, logBlowup, shift, out)), m.width),
    ...(typeof k.cosetLdeRandomized === 'function'
      ? {
          cosetLdeRandomized: (m: Matrix, r: Matrix, logBlowup: number, shift: number) =>
            new Matrix(pooled(ldeWords(m, logBlowup), (out) => k.cosetLdeRandomized!(m.values, m.width, r.values, logBlowup, shift, out)), m.width),
        }
      : {}),
    recycle: (values) => pool.give(values),
    ...(typeof k.bitReverseRows === 'function' ? { bitReverseRows: (values: Uint32Array, width: number) => k.bitReverseRows!(values, width) } : {}),
    ...(typeof k.friFold === 'function'
      ? { foldCodeword: (cw: Uint32Array, logSize: number, shift: number, beta: Ext, logArity: number) => k.friFold!(cw, logSize, shift, Uint32Array.from(beta), logArity) }
      : {}),
    ...(typeof k.weightedColumnSums === 'function'
      ? { weightedColumnSums: (m: Matrix, weights: Uint32Array, columns: readonly number[] | null) => k.weightedColumnSums!(m.values, m.width, columns === null ? null : Int32Array.from(columns), weights) }
      : {}),
    ...(typeof k.keyedFieldStream === 'function' ? { keyedFieldStream: k.keyedFieldStream } : {}),
    ...(typeof k.isCanonical === 'function' ? { allCanonical: k.isCanonical } : {}),
    ...(typeof k.combineColumns === 'function' && typeof k.reducedQuotient === 'function' ? deepKernels(k.combineColumns, k.reducedQuotient) : {}),
    supportsHasher: (hasher: MerkleHasher) => hasher.id === blake3Hasher.id || hasher.id === POSEIDON2_HASHER_ID,
    // Poseidon2 trees with the shared device code (gpu/device/poseidon2.h), the keys null.
    merkleLayers(hasher, matrices, salts) {
      const keys = keysOf(hasher);
      if (keys === undefined) return tsBackend.merkleLayers(hasher, matrices, salts);
      const layout = layoutOf(matrices, salts); // the reference's shape checks and errors
      return k.merkleLayers(matrices.map((m) => m.values), salts?.values ?? null, salts?.width ?? 0, layout.height, keys.leaf, keys.node);
    },
    hashLeaves(hasher, matrices, salts) {
      const keys = keysOf(hasher);
      // An addon built before merkleLeaves/merkleNodes (rebuild: node gpu/build.mjs): the reference, same bytes.
      if (keys === undefined || typeof k.merkleLeaves !== 'function') return tsBackend.hashLeaves(hasher, matrices, salts);
      const layout = layoutOf(matrices, salts);
      return pooled(8 * layout.height, (out) => k.merkleLeaves(matrices.map((m) => m.values), salts?.values ?? null, salts?.width ?? 0, layout.height, keys.leaf, keys.node, out)[0]!);
    },
    // One level of a tree (merkle/mixed.ts builds the PCS's mixed-height trees with it).
    merkleNodes(hasher, below) {
      const keys = keysOf(hasher);
      if (keys === undefined || typeof k.merkleNodes !== 'function') return tsBackend.merkleNodes(hasher, below);
      return pooled(below.length / 2, (out) => k.merkleNodes(below, keys.node, out));
    },
    // An addon built before grindBlake3/grindPoseidon2 (rebuild: node gpu/build.mjs): the reference, same nonces.
    grind(challenge, bits) {
      if (typeof k.grindBlake3 !== 'function') return tsBackend.grind(challenge, bits);
      return found(k.grindBlake3(POW_KEY_WORDS, bytesToWords(challenge), bits, 0));
    },
    grindPoseidon2(challenge, bits) {
      if (typeof k.grindPoseidon2 !== 'function') return grindPoseidon2(challenge, bits);
      return found(k.grindPoseidon2(challenge, bits, 0));
    },
    // Without it (an older addon), sampling.ts searches a draw's work past 30 bits itself.
    // With an end, -1 is an answer (none in [start, end): the caller checkpoints and searches on). An addon built
    // before the end argument ignores it and searches on to the least nonce past start: an answer too, only later.
    ...(typeof k.grindPoseidon2Lanes === 'function'
      ? {
          grindPoseidon2Lanes: (c: Uint32Array, t: readonly number[], start: number, end?: number) =>
            end === undefined ? found(k.grindPoseidon2Lanes!(c, Uint32Array.from(t), start)) : k.grindPoseidon2Lanes!(c, Uint32Array.from(t), start, end),
        }
      : {}),
    ...(typeof k.tensorRowDigests === 'function' ? { tensorRowDigests: k.tensorRowDigests } : {}),
    // An addon built before logupAux: the prover's reference (air/logup.ts), same trace.
    ...(typeof k.logupAux === 'function' ? { logupAux: (input: LogupAuxInput) => logupAuxNative(k.logupAux, input) } : {}),
    // The CPU interpreter reads a stepped matrix in place; the CUDA one uploads each matrix whole, so it gets the rows
    // it reads (a step of 2^d would send 2^d times the committed extension over PCIe).
    evaluateQuotient: (program, inputs, gammaPowers, zInv) =>
      k.evaluateQuotient(...programArgs(program, name === 'cuda' ? denseInputs(inputs) : inputs), gammaPowers, zInv),
    ...(typeof k.evaluateRoots === 'function'
      ? {
          evaluateBaseRows: (program: ConstraintProgram, inputs: VectorInputs) => {
            const all = k.evaluateRoots!(...programArgs(program, inputs));
            return Array.from(program.roots, (_, j) => all.subarray(j * inputs.height, (j + 1) * inputs.height));
          },
        }
      : {}),
  };
}

/** The native CPU backend, or null when the addon is not available. */
export function cpuBackend(): ProofBackend | null {
  const a = nativeAddon();
  return a ? kernelBackend('cpu', a) : null;
}

let cuda: { backend: ProofBackend | null; reason: string; device: string } | undefined;

/**
 * The CUDA backend when the library loads and a device answers, else null with the reason in one phrase
 * ("no device (cudaErrorInsufficientDriver)", "not built (...)"); `device` names the GPU.
 */
export function cudaStatus(): { backend: ProofBackend | null; reason: string; device: string } {
  if (cuda) return cuda;
  const a = nativeAddon();
  if (!a) return (cuda = { backend: null, reason: `the native addon that loads it is not available: ${nativeLoadError()}`, device: '' });
  if (!existsSync(CUDA_LIBRARY_PATH)) return (cuda = { backend: null, reason: `not built (${CUDA_LIBRARY_PATH}: npm install builds it where nvcc exists)`, device: '' });
  if (typeof a.cudaLoad !== 'function') return (cuda = { backend: null, reason: `the native addon predates the CUDA loader (rebuild it: node gpu/build.mjs)`, device: '' });
  const r = a.cudaLoad(CUDA_LIBRARY_PATH);
  if (r.error !== null) {
    const reason = /^cuda\w+$/.test(r.error) ? `no device (${r.error})` : `the library does not load: ${r.error}`;
    return (cuda = { backend: null, reason, device: '' });
  }
  const backend = kernelBackend('cuda', {
    nttColumns: a.cudaNttColumns,
    inttColumns: a.cudaInttColumns,
    cosetNttColumns: a.cudaCosetNttColumns,
    cosetInttColumns: a.cudaCosetInttColumns,
    cosetLde: a.cudaCosetLde,
    merkleLayers: a.cudaMerkleLayers,
    merkleLeaves: a.cudaMerkleLeaves,
    merkleNodes: a.cudaMerkleNodes,
    evaluateQuotient: a.cudaEvaluateQuotient,
    evaluateRoots: a.evaluateRoots,
    grindBlake3: a.grindBlake3,
    grindPoseidon2: a.grindPoseidon2,
    grindPoseidon2Lanes: a.grindPoseidon2Lanes,
    logupAux: a.logupAux,
    keyedFieldStream: a.keyedFieldStream,
    isCanonical: a.isCanonical,
    tensorRowDigests: a.tensorRowDigests,
  });
  return (cuda = { backend, reason: '', device: r.name });
}

export const BACKEND_NAMES = ['ts', 'cpu', 'cuda', 'auto'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * The backend a `--backend` flag names; throws when `cpu` or `cuda` is asked for and not available (the message
 * says why). With `auto`, each backend passed over is reported to `onFallback` in one line.
 */
export function selectBackend(name: BackendName, onFallback: (line: string) => void = () => {}): ProofBackend {
  if (name === 'ts') return tsBackend;
  if (name === 'cuda' || name === 'auto') {
    const c = cudaStatus();
    if (c.backend) return c.backend;
    if (name === 'cuda') throw new Error(`--backend cuda: ${c.reason}`);
    const cpu = cpuBackend();
    onFallback(`cuda: ${c.reason}; using ${cpu ? 'cpu' : 'ts'}`);
    if (cpu) return cpu;
    onFallback(`cpu: ${nativeLoadError()}; using ts`);
    return tsBackend;
  }
  const cpu = cpuBackend();
  if (cpu) return cpu;
  throw new Error(`--backend cpu: ${nativeLoadError()}`);
}
