/**
 * The performance backends behind runtime/proof/backend.ts's ProofBackend: today the native CPU backend, whose
 * NTTs, coset LDEs, BLAKE3 Merkle trees and constraint quotients run in C++ (gpu/native, a Node-API addon built at install by
 * gpu/build.mjs), with grinding and other hashers still the TypeScript reference's. Every kernel returns the one
 * defined result, so proofs are byte-identical whichever backend made them (test/gpu/native.test.ts).
 *
 *   --backend ts     the TypeScript reference
 *   --backend cpu    the native CPU backend (an error if the addon is not built)
 *   --backend auto   cpu when the addon loads, else ts (the default)
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { ProofBackend } from '../runtime/proof/backend.ts';
import { tsBackend } from '../runtime/proof/backends/ts.ts';
import { Matrix } from '../runtime/proof/matrix.ts';
import { BLAKE3_KEYS, blake3Hasher, type MerkleHasher } from '../runtime/proof/merkle/hasher.ts';
import { POSEIDON2_HASHER_ID } from '../runtime/proof/merkle/poseidon2-hasher.ts';
import { bytesToWords } from '../runtime/proof/hash/blake3.ts';
import { layoutOf } from '../runtime/proof/merkle/tree.ts';
import { packagePath } from '../base/package-files.ts';

/** What gpu/native/addon.cc exports. */
interface NativeAddon {
  nttColumns(values: Uint32Array, width: number): void;
  inttColumns(values: Uint32Array, width: number): void;
  cosetNttColumns(values: Uint32Array, width: number, shift: number): void;
  cosetInttColumns(values: Uint32Array, width: number, shift: number): void;
  cosetLde(values: Uint32Array, width: number, logBlowup: number, shift: number): Uint32Array;
  /** BLAKE3 trees with the keys; Poseidon2 trees with both keys null. */
  merkleLayers(matrices: Uint32Array[], salts: Uint32Array | null, saltWidth: number, height: number, leafKey: Uint32Array | null, nodeKey: Uint32Array | null): Uint32Array[];
  evaluateQuotient(
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
    claimedSum: Uint32Array,
    gammaPowers: Uint32Array,
    zInv: Uint32Array,
  ): Uint32Array;
}

const KEYS = { leaf: bytesToWords(BLAKE3_KEYS.leaf), node: bytesToWords(BLAKE3_KEYS.node) };

export const ADDON_PATH = packagePath('gpu', 'build', 'Release', 'zpol_native.node');

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

/** The native CPU backend, or null when the addon is not available. */
export function cpuBackend(): ProofBackend | null {
  const a = nativeAddon();
  if (!a) return null;
  return {
    ...tsBackend,
    name: 'cpu',
    // Its LDE of 4 columns is cheap: lift (deep-quotient.ts) every matrix of 4 columns or more.
    liftMinWidth: 4,
    nttColumns: (values, width) => a.nttColumns(values, width),
    inttColumns: (values, width) => a.inttColumns(values, width),
    cosetNttColumns: (values, width, shift) => a.cosetNttColumns(values, width, shift),
    cosetInttColumns: (values, width, shift) => a.cosetInttColumns(values, width, shift),
    cosetLde: (m, logBlowup, shift) => new Matrix(a.cosetLde(m.values, m.width, logBlowup, shift), m.width),
    supportsHasher: (hasher: MerkleHasher) => hasher.id === blake3Hasher.id || hasher.id === POSEIDON2_HASHER_ID,
    merkleLayers(hasher, matrices, salts) {
      const poseidon2 = hasher.id === POSEIDON2_HASHER_ID;
      if (hasher.id !== blake3Hasher.id && !poseidon2) return tsBackend.merkleLayers(hasher, matrices, salts);
      const layout = layoutOf(matrices, salts); // the reference's shape checks and errors
      // Poseidon2 trees with the shared device code (gpu/device/poseidon2.h), the keys null.
      const [leaf, node] = poseidon2 ? [null, null] : [KEYS.leaf, KEYS.node];
      return a.merkleLayers(matrices.map((m) => m.values), salts?.values ?? null, salts?.width ?? 0, layout.height, leaf, node);
    },
    hashLeaves(hasher, matrices, salts) {
      return this.merkleLayers(hasher, matrices, salts)[0]!;
    },
    evaluateQuotient(program, inputs, gammaPowers, zInv) {
      const challenges = new Uint32Array(4 * inputs.challenges.length);
      inputs.challenges.forEach((c, i) => challenges.set(c, 4 * i));
      const { main, pre, aux, selectors: s } = inputs;
      return a.evaluateQuotient(
        program.code,
        program.roots,
        inputs.height,
        inputs.nextOffset,
        main.values,
        main.width,
        pre?.values ?? null,
        pre?.width ?? 0,
        aux?.values ?? null,
        aux?.width ?? 0,
        s.first,
        s.last,
        s.transition,
        Uint32Array.from(inputs.publics),
        challenges,
        Uint32Array.from(inputs.claimedSum),
        gammaPowers,
        zInv,
      );
    },
  };
}

export const BACKEND_NAMES = ['ts', 'cpu', 'auto'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The backend a `--backend` flag names; throws when `cpu` is asked for and not available. */
export function selectBackend(name: BackendName): ProofBackend {
  if (name === 'ts') return tsBackend;
  const cpu = cpuBackend();
  if (cpu) return cpu;
  if (name === 'cpu') throw new Error(`--backend cpu: ${nativeLoadError()}`);
  return tsBackend;
}
