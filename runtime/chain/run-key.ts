/**
 * The verifying key of run proofs (issue #24) and its disk cache. A run proof of 2^L steps verifies against the
 * level-L node program's machine — its program (whose digest the proof's publics start with) and its STARK system,
 * whose preprocessed commitment (the program's ROM and initial memory, committed at the aggregation parameters) is
 * most of the cost of building it — and the tree's security figure takes the least over the step proofs and every
 * level below the root. Building that key means building the L node programs and committing each one's ROM: minutes
 * for the demo, once per policy and L. `runKey` keeps it on disk, one entry per (policy digest, level, parameters),
 * so a second `zpol verify POLICY run.proof` reads the root machine back instead of rebuilding the tree.
 *
 * Where: $ZPOL_KEY_CACHE, else run-keys/ in the user's zpol cache ($ZPOL_CACHE_DIR, else $XDG_CACHE_HOME/zpol, else
 * ~/.cache/zpol, as docs/gpu.md's CUDA library); ZPOL_KEY_CACHE=off turns the cache off. An entry is written atomically (base/atomic-write.ts), so a reader never sees half of one.
 *
 * A cache entry is checked before it is used; any failure is a miss (the key is rebuilt and the entry rewritten):
 *   - its MAC: HMAC-SHA256 under the cache's own secret (`mac-key`, 32 random bytes, created with mode 0600), over
 *     the entry's every field, so an entry edited, copied from another cache, or made for another key is refused;
 *   - its key fields: the policy digest, the level and the parameters asked for, and this module's format version;
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
import { HASH_CONFIGS } from '../proof/hash-config.ts';
import { FriPcs } from '../proof/pcs/fri-pcs.ts';
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import { POSEIDON2_AGGREGATION_PCS_PARAMS } from '../proof/pcs/security.ts';
import type { CommitmentShape, ProverCommitment } from '../proof/pcs/types.ts';
import { starkSecurity } from '../proof/stark/security.ts';
import { machine, type Machine } from '../vm/machine.ts';
import { decodeProgram, encodeProgram } from '../vm/program.ts';
import type { SpanLevel } from '../aggregate/span.ts';
import type { ChainPolicy } from './prover.ts';

/** What verifying a run proof of 2^levels steps needs. */
export interface RunKey {
  readonly levels: number;
  /** The level-L node program's machine at the aggregation parameters. */
  readonly root: Machine<FriPcsProof>;
  /** The least security figure over the step proofs and the node proofs of levels 1..L − 1 (the root's is its proof's). */
  readonly below: { readonly conjecturedBits: number; readonly provenBits: number | null };
}

/** The most levels a run proof may claim (2^20 steps), so a hostile file cannot ask for an unbounded tree. */
export const MAX_RUN_LEVELS = 20;

/**
 * The entry format this module writes and reads. An entry holds the programs this zpol built: a zpol whose node
 * programs differ (runtime/aggregate's fragments, the tree's shape) must bump KEY_VERSION, or it reads an older
 * zpol's key and its own run proofs fail to verify against it (a refusal, not an acceptance: the older key is that
 * policy's tree too).
 */
const KEY_FORMAT = 'zpol-run-key';
const KEY_VERSION = 1;

/** The parameters every node is proven at, as they name an entry (another set is another key). */
const PARAMS_TAG = `aggregation-${createHash('sha256').update(JSON.stringify(POSEIDON2_AGGREGATION_PCS_PARAMS)).digest('hex').slice(0, 16)}`;

/** The PCS of the tree's nodes (and of a verifying key's machine). */
export const nodePcs = (backend?: ProofBackend): FriPcs => new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2, backend });

/** The key from the levels of a built tree (runTree's). */
export function keyOfTree(tree: readonly SpanLevel[]): RunKey {
  if (tree.length === 0) throw new RangeError('a run key needs at least one level');
  const leaf = tree[0]!.spec.left;
  const figures = [starkSecurity(leaf.system, leaf.logHeights), ...tree.slice(0, -1).map((l) => starkSecurity(l.machine.system, l.logHeights))];
  const proven = figures.map((f) => f.provenBits);
  return {
    levels: tree.length,
    root: tree[tree.length - 1]!.machine,
    below: { conjecturedBits: Math.min(...figures.map((f) => f.conjecturedBits)), provenBits: proven.some((b) => b === null) ? null : Math.min(...(proven as number[])) },
  };
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
  readonly level: number;
  readonly params: string;
  readonly programDigest: string;
  readonly program: string;
  readonly preprocessed: { readonly root: string; readonly logHeights: number[]; readonly widths: number[]; readonly saltLength: number; readonly slacks?: number[] } | null;
  readonly systemDigest: string;
  readonly below: { readonly conjecturedBits: number; readonly provenBits: number | null };
  readonly mac?: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The MAC of an entry's fields (canonical: the fields in this fixed order). */
function macOf(secret: Buffer, e: KeyEntry): string {
  const body = JSON.stringify([e.format, e.version, e.policyDigest, e.level, e.params, e.programDigest, e.program, e.preprocessed, e.systemDigest, e.below]);
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

/** The file of the entry for (policy digest, level) under `dir`. */
export const entryPath = (dir: string, policyDigest: string, level: number) => join(dir, policyDigest, PARAMS_TAG, `level-${level}.json`);

/** A PCS that hands back a commitment already made (its shape) instead of committing: a verifier's machine. */
function pcsWithCommitment(pcs: FriPcs, shape: CommitmentShape): FriPcs {
  const p = Object.create(pcs) as FriPcs;
  (p as unknown as { commit: () => ProverCommitment }).commit = () => ({ shape });
  return p;
}

/** The entry for `key` (level `level` of `policyDigest`'s tree). */
function entryOf(policyDigest: string, level: number, key: RunKey): KeyEntry {
  const shape = key.root.system.preprocessedCommitment?.shape ?? null;
  return {
    format: KEY_FORMAT,
    version: KEY_VERSION,
    policyDigest,
    level,
    params: PARAMS_TAG,
    programDigest: hex(key.root.digest),
    program: Buffer.from(encodeProgram(key.root.program)).toString('base64'),
    preprocessed: shape && { root: hex(shape.root), logHeights: [...shape.logHeights], widths: [...shape.widths], saltLength: shape.saltLength, ...(shape.slacks ? { slacks: [...shape.slacks] } : {}) },
    systemDigest: hex(key.root.system.digest),
    below: key.below,
  };
}

/** The key an entry holds, or why it cannot be used. */
function keyOfEntry(secret: Buffer, text: string, policyDigest: string, level: number, backend?: ProofBackend): { ok: true; key: RunKey } | { ok: false; why: string } {
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
  if (e.policyDigest !== policyDigest || e.level !== level || e.params !== PARAMS_TAG) return { ok: false, why: 'made for another key' };
  const program = decodeProgram(Buffer.from(e.program, 'base64'));
  const shape: CommitmentShape | null = e.preprocessed && { ...e.preprocessed, root: Buffer.from(e.preprocessed.root, 'hex') };
  if (shape === null) return { ok: false, why: 'no preprocessed commitment (a node program has a ROM)' };
  // The machine recomputes the program's digest, and its system's digest from the tables, the shape and the PCS.
  const m = machine<FriPcsProof>(program, pcsWithCommitment(nodePcs(backend), shape));
  if (hex(m.digest) !== e.programDigest) return { ok: false, why: 'its program does not have its digest' };
  if (hex(m.system.digest) !== e.systemDigest) return { ok: false, why: 'its system does not have its digest' };
  return { ok: true, key: { levels: level, root: m, below: e.below } };
}

/** What `runKey` did: read the key from the cache, or built it (and wrote it, when the cache is on). */
export type KeySource = 'cache' | 'built';

/**
 * The verifying key of run proofs of 2^levels steps of `policy`: from the cache when an entry checks, else built
 * with `build` (runTree's levels 1..levels) and written for every level built. A cache that cannot be read or
 * written is skipped (the key is built), never an error of the verification.
 */
export function runKey(policy: ChainPolicy, levels: number, build: () => SpanLevel[], options: { backend?: ProofBackend; cacheDir?: string | null; onMiss?: (why: string) => void } = {}): { key: RunKey; source: KeySource } {
  if (!Number.isInteger(levels) || levels < 1 || levels > MAX_RUN_LEVELS) throw new RangeError(`a run key covers 1 to ${MAX_RUN_LEVELS} levels, not ${levels}`);
  const dir = options.cacheDir === undefined ? keyCacheDir() : options.cacheDir;
  const digest = policy.artifact.digest;
  let secret: Buffer | null = null;
  if (dir !== null) {
    try {
      secret = cacheSecret(dir);
      const path = entryPath(dir, digest, levels);
      if (existsSync(path)) {
        let got: ReturnType<typeof keyOfEntry>;
        try {
          got = keyOfEntry(secret, readFileSync(path, 'utf8'), digest, levels, options.backend);
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
  const key = keyOfTree(tree);
  if (dir !== null && secret !== null) {
    try {
      tree.forEach((_, k) => {
        const entry = entryOf(digest, k + 1, keyOfTree(tree.slice(0, k + 1)));
        const path = entryPath(dir, digest, k + 1);
        mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
        writeFileAtomic(path, JSON.stringify({ ...entry, mac: macOf(secret!, entry) }));
      });
    } catch (e) {
      options.onMiss?.(`key cache ${dir}: not written: ${(e as Error).message}`);
    }
  }
  return { key, source: 'built' };
}
