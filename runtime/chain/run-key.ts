/**
 * The verifying key of run proofs (issue #24) and its disk cache. A run proof of N steps verifies against the
 * closing node's machine (run-tree.ts) — its program (whose digest the proof's publics start with) and its STARK
 * system, whose preprocessed commitment (the program's ROM and initial memory, committed at the aggregation
 * parameters) is most of the cost of building it — and its security figure takes the least over every proof below
 * the closing node (genesis, steps, attestation, every span program's). Building that key means building every
 * program of the run tree for N and committing the closing program's ROM: minutes, once per policy and N. `runKey`
 * keeps it on disk, one entry per (policy digest, N, aggregation parameters) — N fixes the span tree's shape
 * (spanSplit) and so the closing program — so a second `zpol verify POLICY run.proof` reads the closing machine back
 * instead of rebuilding the tree. N is bounded (MAX_RUN_PROOF_STEPS) before any entry is read or machine built.
 *
 * Where: $ZPOL_KEY_CACHE, else run-keys/ in the user's zpol cache ($ZPOL_CACHE_DIR, else $XDG_CACHE_HOME/zpol, else
 * ~/.cache/zpol, as docs/gpu.md's CUDA library); ZPOL_KEY_CACHE=off turns the cache off. An entry is written atomically (base/atomic-write.ts), so a reader never sees half of one.
 *
 * A cache entry is checked before it is used; any failure is a miss (the key is rebuilt and the entry rewritten):
 *   - its MAC: HMAC-SHA256 under the cache's own secret (`mac-key`, 32 random bytes, created with mode 0600), over
 *     the entry's every field, so an entry edited, copied from another cache, or made for another key is refused;
 *   - its key fields: the policy digest, N and the parameters asked for, and this module's format version;
 *   - the program's digest recomputed from the program it holds, and the STARK system rebuilt from that program
 *     and the stored commitment shape must have the stored system digest (the tables, the shape and the PCS).
 * What the MAC cannot stop: someone who can read the cache's secret (the user's own files) can forge an entry, as
 * they could replace zpol itself; a cache is trusted as much as the account that holds it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../base/atomic-write.ts';
import type { ProofBackend } from '../proof/backend.ts';
import { FriPcs } from '../proof/pcs/fri-pcs.ts';
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import { POSEIDON2_AGGREGATION_PCS_PARAMS } from '../proof/pcs/security.ts';
import type { CommitmentShape, ProverCommitment } from '../proof/pcs/types.ts';
import { starkSecurity } from '../proof/stark/security.ts';
import { machine, type Machine } from '../vm/machine.ts';
import { decodeProgram, encodeProgram } from '../vm/program.ts';
import type { ChainPolicy } from './prover.ts';
import { MAX_RUN_PROOF_STEPS, treeBelowSecurity, weakerBits, type RunTree } from './run-tree.ts';
import { aggregationPcs } from './aggregate.ts';

/** What verifying a run proof of N steps needs. */
export interface RunKey {
  readonly steps: number;
  /** The closing node program's machine at the aggregation parameters. */
  readonly closing: Machine<FriPcsProof>;
  /** The least security figure over every proof below the closing node (the closing node's is its proof's). */
  readonly below: { readonly conjecturedBits: number; readonly provenBits: number | null };
}

/**
 * The entry format this module writes and reads. An entry holds the programs this zpol built: a zpol whose node
 * programs differ (runtime/aggregate's fragments, the tree's shape) must bump KEY_VERSION, or it reads an older
 * zpol's key and its own run proofs fail to verify against it (a refusal, not an acceptance: the older key is that
 * policy's tree too).
 */
const KEY_FORMAT = 'zpol-run-key';
const KEY_VERSION = 3; // 3: node programs verifying the mask-in-quotient, packed-opening STARK format; 2: the closing node of run proof v2, per N (1: the level-L root of 2^L steps)

/** The parameters every node is proven at, as they name an entry (another set is another key). */
const PARAMS_TAG = `aggregation-${createHash('sha256').update(JSON.stringify(POSEIDON2_AGGREGATION_PCS_PARAMS)).digest('hex').slice(0, 16)}`;


/** The verifying key of a built run tree (run-tree.ts runTree's). */
export function keyOfTree(tree: RunTree): RunKey {
  return { steps: tree.steps, closing: tree.closing.machine, below: treeBelowSecurity(tree) };
}

/**
 * A run proof's STARK figure under `key`: its weakest proof's. The closing node's STARK is the only one the verifier
 * checks, but it proves that its program accepted genesis, the span and the attestation, and each node below accepted
 * its children: forging any one of them forges the run proof, so the figure is the least over the proofs below
 * (`key.below`, each at the heights its program fixes) and the closing proof at `closingHeights`, its proof's.
 */
export function keySecurity(key: RunKey, closingHeights: readonly number[]): { conjecturedBits: number; provenBits: number | null } {
  return weakerBits(key.below, starkSecurity(key.closing.system, closingHeights));
}

/** The cache directory, or null when it is off. */
export function keyCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.ZPOL_KEY_CACHE;
  if (set === 'off') return null;
  if (set) return set;
  // The user's zpol cache, as the CUDA library's (docs/gpu.md).
  const base = env.ZPOL_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'zpol');
  return join(base, 'run-keys');
}

/** One cached key, as written (every field but `mac` is covered by the MAC). */
interface KeyEntry {
  readonly format: string;
  readonly version: number;
  readonly policyDigest: string;
  readonly steps: number;
  readonly params: string;
  readonly programDigest: string;
  readonly program: string;
  readonly preprocessed: { readonly root: string; readonly logHeights: number[]; readonly widths: number[]; readonly saltLength: number; readonly slacks?: number[] } | null;
  readonly systemDigest: string;
  readonly below: { readonly conjecturedBits: number; readonly provenBits: number | null };
  readonly mac?: string;
}

type Bits = { conjecturedBits: number; provenBits: number | null };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The MAC of an entry's fields (canonical: the fields in this fixed order). */
function macOf(secret: Buffer, e: KeyEntry): string {
  const body = JSON.stringify([e.format, e.version, e.policyDigest, e.steps, e.params, e.programDigest, e.program, e.preprocessed, e.systemDigest, e.below]);
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The cache's secret, created (mode 0600) on first use. */
function cacheSecret(dir: string): Buffer {
  const path = join(dir, 'mac-key');
  if (!existsSync(path)) {
    // Written whole, readable by the owner alone from its creation, then linked into place (never over a secret
    // another process made first: its entries stay valid).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.mac-key.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    writeFileSync(tmp, randomBytes(32), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  }
  const secret = readFileSync(path);
  if (secret.length !== 32) throw new Error(`${path}: not a key cache secret (${secret.length} bytes, 32 expected)`);
  return secret;
}

/**
 * The MAC an entry's fields get under `dir`'s secret: what a forger who can read the cache's secret computes (the
 * tests' red team; see the module comment for what it can and cannot do).
 */
export function entryMacUnder(dir: string, entry: object): string {
  return macOf(cacheSecret(dir), entry as KeyEntry);
}

/** The file of the entry for (policy digest, N) under `dir`. */
export const entryPath = (dir: string, policyDigest: string, steps: number) => join(dir, policyDigest, PARAMS_TAG, `steps-${steps}.json`);

/** A PCS that hands back a commitment already made (its shape) instead of committing: a verifier's machine. */
function pcsWithCommitment(pcs: FriPcs, shape: CommitmentShape): FriPcs {
  const p = Object.create(pcs) as FriPcs;
  (p as unknown as { commit: () => ProverCommitment }).commit = () => ({ shape });
  return p;
}

/** The entry for `key` (N = key.steps of `policyDigest`'s runs). */
function entryOf(policyDigest: string, key: RunKey): KeyEntry {
  const shape = key.closing.system.preprocessedCommitment?.shape ?? null;
  return {
    format: KEY_FORMAT,
    version: KEY_VERSION,
    policyDigest,
    steps: key.steps,
    params: PARAMS_TAG,
    programDigest: hex(key.closing.digest),
    program: Buffer.from(encodeProgram(key.closing.program)).toString('base64'),
    preprocessed: shape && { root: hex(shape.root), logHeights: [...shape.logHeights], widths: [...shape.widths], saltLength: shape.saltLength, ...(shape.slacks ? { slacks: [...shape.slacks] } : {}) },
    systemDigest: hex(key.closing.system.digest),
    below: key.below,
  };
}

/** The key an entry holds, or why it cannot be used. */
function keyOfEntry(secret: Buffer, text: string, policyDigest: string, steps: number, backend?: ProofBackend): { ok: true; key: RunKey } | { ok: false; why: string } {
  let e: KeyEntry;
  try {
    e = JSON.parse(text) as KeyEntry;
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  if (typeof e !== 'object' || e === null || typeof e.mac !== 'string') return { ok: false, why: 'no MAC' };
  const want = Buffer.from(macOf(secret, e), 'hex');
  const got = Buffer.from(e.mac, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, why: 'its MAC does not match' };
  if (e.format !== KEY_FORMAT || e.version !== KEY_VERSION) return { ok: false, why: 'another format' };
  if (e.policyDigest !== policyDigest || e.steps !== steps || e.params !== PARAMS_TAG) return { ok: false, why: 'made for another key' };
  const program = decodeProgram(Buffer.from(e.program, 'base64'));
  const shape: CommitmentShape | null = e.preprocessed && { ...e.preprocessed, root: Buffer.from(e.preprocessed.root, 'hex') };
  if (shape === null) return { ok: false, why: 'no preprocessed commitment (a node program has a ROM)' };
  const b = e.below as unknown;
  const bits = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (typeof b !== 'object' || b === null || !bits((b as Bits).conjecturedBits) || !((b as Bits).provenBits === null || bits((b as Bits).provenBits))) return { ok: false, why: 'no security figure' };
  // The machine recomputes the program's digest, and its system's digest from the tables, the shape and the PCS.
  const m = machine<FriPcsProof>(program, pcsWithCommitment(aggregationPcs(backend), shape));
  if (hex(m.digest) !== e.programDigest) return { ok: false, why: 'its program does not have its digest' };
  if (hex(m.system.digest) !== e.systemDigest) return { ok: false, why: 'its system does not have its digest' };
  return { ok: true, key: { steps, closing: m, below: e.below } };
}

/** What `runKey` did: read the key from the cache, or built it (and wrote it, when the cache is on). */
export type KeySource = 'cache' | 'built';

/**
 * The verifying key of run proofs of `steps` steps of `policy`: from the cache when an entry checks, else built
 * with `build` (run-tree.ts runTree's, for this N) and written. N is bounded first: a hostile file's `steps` reads
 * no entry and builds nothing. A cache that cannot be read or written is skipped (the key is built), never an error
 * of the verification.
 */
export function runKey(policy: ChainPolicy, steps: number, build: () => RunTree, options: { backend?: ProofBackend; cacheDir?: string | null; onMiss?: (why: string) => void } = {}): { key: RunKey; source: KeySource } {
  if (!Number.isSafeInteger(steps) || steps < 1 || steps > MAX_RUN_PROOF_STEPS) throw new RangeError(`a run key covers 1 to ${MAX_RUN_PROOF_STEPS} steps, not ${steps}`);
  const dir = options.cacheDir === undefined ? keyCacheDir() : options.cacheDir;
  const digest = policy.artifact.digest;
  let secret: Buffer | null = null;
  if (dir !== null) {
    try {
      secret = cacheSecret(dir);
      const path = entryPath(dir, digest, steps);
      if (existsSync(path)) {
        let got: ReturnType<typeof keyOfEntry>;
        try {
          got = keyOfEntry(secret, readFileSync(path, 'utf8'), digest, steps, options.backend);
        } catch (e) {
          got = { ok: false, why: (e as Error).message };
        }
        if (got.ok) return { key: got.key, source: 'cache' };
        options.onMiss?.(`${path}: ${got.why}`);
      }
    } catch (e) {
      options.onMiss?.(`key cache ${dir}: ${(e as Error).message}`);
      secret = null;
    }
  }
  const tree = build();
  if (tree.steps !== steps) throw new Error(`internal: a run tree of ${tree.steps} steps built for a key of ${steps}`);
  const key = keyOfTree(tree);
  if (dir !== null && secret !== null) {
    try {
      const entry = entryOf(digest, key);
      const path = entryPath(dir, digest, steps);
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
      writeFileAtomic(path, JSON.stringify({ ...entry, mac: macOf(secret, entry) }));
    } catch (e) {
      options.onMiss?.(`key cache ${dir}: not written: ${(e as Error).message}`);
    }
  }
  return { key, source: 'built' };
}
