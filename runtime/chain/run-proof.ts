/**
 * The run proof (issue #24): one proof that steps 1..N of a run, N = 2^L, each satisfied the policy's step program,
 * consecutive (each starting from the state the previous one ended in) and under one spec. `aggregateRun` proves the
 * tree of runtime/chain/aggregate.ts bottom up: level k's node i verifies nodes 2i and 2i + 1 of level k − 1 (the step
 * proofs at level 0). Each node is written atomically as it finishes (`DIR/level-K-NODE.json`), so a killed run
 * resumes where it stopped: a node file that verifies for its level and its children's span is kept.
 *
 * The run proof file is the root node's proof with what it proves: the policy (name and digest), N, and its public
 * outputs — the spec commitment, the state commitment before the first step and the one after the last. `verifyRunProof`
 * rebuilds the L node programs from the policy alone (their digests pin the policy's step program, level by level)
 * and verifies the root's STARK proof for the root program with those outputs.
 *
 * What an accepted run proof does not say (red team): that its first step is the run's step 1. No genesis is in the
 * tree, so the spec commitment and the first state are whatever its steps were proven from: N consecutive steps of
 * a run that started elsewhere (steps 2..N + 1, or steps from a state no genesis made) verify alike. The report
 * says so (`notChecked`) until a genesis leaf ties them (docs/aggregate.md, Next).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../base/atomic-write.ts';
import { decodeStarkProof, encodeStarkProof, peekStarkHeights } from '../proof/stark/codec.ts';
import { decodeFriPcsProof, encodeFriPcsProof } from '../proof/pcs/codec.ts';
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import { FriPcs } from '../proof/pcs/fri-pcs.ts';
import { POSEIDON2_AGGREGATION_PCS_PARAMS } from '../proof/pcs/security.ts';
import { HASH_CONFIGS } from '../proof/hash-config.ts';
import type { ProofBackend } from '../proof/backend.ts';
import type { StarkProof } from '../proof/stark/prover.ts';
import { starkSecurity } from '../proof/stark/security.ts';
import { nodeVerifier } from '../aggregate/node.ts';
import type { ChildProof } from '../aggregate/child.ts';
import { spanTree, type SpanLevel } from '../aggregate/span.ts';
import { execute } from '../vm/executor.ts';
import { proveExecution, verifyExecution, vmPublics } from '../vm/machine.ts';
import type { Word } from '../vm/word.ts';
import { digestFromHex, digestToHex } from '../run/tensor-commit.ts';
import { programLogHeights, stepChild, stepLeaf } from './aggregate.ts';
import type { ChainPolicy } from './prover.ts';
import { parseProofFile } from './proof-file.ts';
import { keyOfTree, MAX_RUN_LEVELS, runKey, type KeySource, type RunKey } from './run-key.ts';

export const RUN_PROOF_FORMAT = 'zpol-run-proof';
export const RUN_PROOF_VERSION = 1;

export interface RunProofFile {
  readonly format: typeof RUN_PROOF_FORMAT;
  readonly version: number;
  readonly policy: string;
  readonly policyDigest: string;
  /** Steps 1..steps are proven (a power of two, at least 2). */
  readonly steps: number;
  /** The root's public outputs: the spec commitment, the state commitment before step 1, the one after the last step. */
  readonly publicOutputs: readonly string[];
  readonly stark: string;
}

/** The node programs of a tree over `steps` (a power of two ≥ 2) of `policy`, their machines at `pcs`. */
export function runTree(policy: ChainPolicy, steps: number, backend?: ProofBackend): SpanLevel[] {
  const levels = Math.log2(steps);
  if (!Number.isInteger(levels) || levels < 1) throw new RangeError(`a run proof covers a power of two of steps, at least 2; this run has ${steps}`);
  const pcs = () => new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2, backend });
  return spanTree(stepLeaf(policy), levels, pcs, programLogHeights);
}

const stark64 = (s: StarkProof<FriPcsProof>) => Buffer.from(encodeStarkProof(s, encodeFriPcsProof)).toString('base64');

export interface AggregateProgress {
  readonly level: number;
  readonly node: number;
  readonly nodes: number;
  readonly action: 'proved' | 'kept';
  /** Wall and CPU seconds (this process, every thread) the node took: executing its program and proving it, or checking a kept one. */
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/**
 * Aggregates the step proofs in `proofsDir` (step-000001.json..) into one run proof written to `out`, the nodes
 * under `nodesDir`. Throws naming the file that cannot be a leaf or the node that does not verify.
 */
export function aggregateRun(policy: ChainPolicy, proofsDir: string, nodesDir: string, out: string, options: { backend?: ProofBackend; onProgress?: (p: AggregateProgress) => void } = {}): RunProofFile {
  let steps = 0;
  while (existsSync(join(proofsDir, `step-${String(steps + 1).padStart(6, '0')}.json`))) steps++;
  const tree = runTree(policy, steps, options.backend);
  let children: ChildProof[] = [];
  for (let k = 1; k <= steps; k++) {
    const name = `step-${String(k).padStart(6, '0')}.json`;
    const parsed = parseProofFile(readFileSync(join(proofsDir, name), 'utf8'), name);
    if (!parsed.ok) throw new Error(parsed.error);
    if (parsed.value.policyDigest !== policy.artifact.digest) throw new Error(`${name}: policyDigest: made for another policy`);
    const c = stepChild(policy, parsed.value);
    if (!c.ok) throw new Error(`${name}: ${c.error}`);
    children.push(c.child);
  }
  mkdirSync(nodesDir, { recursive: true });
  let root: { outputs: Word[]; stark: StarkProof<FriPcsProof> } | null = null;
  for (const [l, level] of tree.entries()) {
    const next: ChildProof[] = [];
    const nodes = children.length / 2;
    for (let i = 0; i < nodes; i++) {
      const file = join(nodesDir, `level-${l + 1}-${i}.json`);
      const program = nodeVerifier(level.spec, { left: children[2 * i]!, right: children[2 * i + 1]! });
      const outputs = program.outputs;
      let stark = keptNode(file, level, outputs);
      const kept = stark !== null;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      if (stark === null) {
        // The level's program (the machine's: the same instructions as the one built with this tape).
        const exec = execute(level.program, { privateInputs: program.tape });
        stark = proveExecution(level.machine, exec, { seed: `zpol node ${l + 1} ${i}` }).stark;
        writeFileAtomic(file, JSON.stringify({ publicOutputs: outputs.map(digestToHex), stark: stark64(stark) }) + '\n');
      }
      const cpu = process.cpuUsage(cpu0);
      options.onProgress?.({ level: l + 1, node: i, nodes, action: kept ? 'kept' : 'proved', seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
      next.push({ publics: vmPublics(level.program, [], outputs), proof: stark });
      root = { outputs, stark };
    }
    children = next;
  }
  const file: RunProofFile = {
    format: RUN_PROOF_FORMAT,
    version: RUN_PROOF_VERSION,
    policy: policy.artifact.policy.name,
    policyDigest: policy.artifact.digest,
    steps,
    publicOutputs: root!.outputs.map(digestToHex),
    stark: stark64(root!.stark),
  };
  writeFileAtomic(out, JSON.stringify(file, null, 2) + '\n');
  return file;
}

/** A node proof already written for these outputs that verifies for its level, or null (it is proven again). */
function keptNode(file: string, level: SpanLevel, outputs: Word[]): StarkProof<FriPcsProof> | null {
  if (!existsSync(file)) return null;
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as { publicOutputs: string[]; stark: string };
    if (o.publicOutputs.join() !== outputs.map(digestToHex).join()) return null;
    const d = decodeStarkProof(Buffer.from(o.stark, 'base64'), level.machine.system, (b, l) => decodeFriPcsProof(b, level.machine.system.pcs.params, l));
    return d.ok && verifyExecution(level.machine, [], outputs, d.value).ok ? d.value : null;
  } catch {
    return null;
  }
}

export interface RunProofReport {
  readonly ok: boolean;
  readonly policy: string;
  readonly policyDigest: string;
  readonly steps: number;
  readonly specCommitment: string | null;
  readonly startState: string | null;
  readonly endState: string | null;
  readonly error?: string;
  readonly security: { readonly conjecturedBits: number; readonly provenBits: number | null } | null;
  /** What the verdict does not establish: the genesis the first state should come from (empty when rejected). */
  readonly notChecked: readonly string[];
}

/**
 * The security of a run proof: its weakest proof's. The root's STARK is the only one the verifier checks, but it
 * proves that its program accepted two proofs of the level below, and so on down to the step proofs: forging any
 * one of them (a step proof the level-1 program accepts for a false step) forges the run proof, so its figure is
 * the least over the step proofs and every level's node proofs, each at the heights its program fixes (the root's
 * at `rootHeights`, its proof's, when given).
 */
export function runTreeSecurity(levels: readonly SpanLevel[], rootHeights?: readonly number[]): { conjecturedBits: number; provenBits: number | null } {
  const leaf = levels[0]!.spec.left;
  const heights = (l: SpanLevel, k: number) => (k === levels.length - 1 && rootHeights ? rootHeights : l.logHeights);
  const figures = [starkSecurity(leaf.system, leaf.logHeights), ...levels.map((l, k) => starkSecurity(l.machine.system, heights(l, k)))];
  const proven = figures.map((f) => f.provenBits);
  return {
    conjecturedBits: Math.min(...figures.map((f) => f.conjecturedBits)),
    provenBits: proven.some((b) => b === null) ? null : Math.min(...(proven as number[])),
  };
}

/** The one thing an accepted run proof leaves unchecked (module comment). */
export const RUN_PROOF_GENESIS_NOT_CHECKED =
  "genesis: the spec commitment and the state before the first step are not tied to a genesis proof, so the steps are the run's first N only if that state is genesis's C₀ (compare with genesis.json)";

/** The report's lines for people (zpol verify POLICY RUN_PROOF): what the run proof shows, and what it does not. */
export function runProofLines(report: RunProofReport, file: string, verifyMs: number): string[] {
  const lines = [`run proof ${file} against ${report.policy} (digest ${report.policyDigest.slice(0, 16)}…):`];
  if (!report.ok) return [...lines, `verdict: rejected: ${report.error}`];
  return [
    ...lines,
    `  ${report.steps} consecutive steps: each ran the policy's step program, each starting from the state the previous one ended in, under one spec`,
    `  spec commitment: ${report.specCommitment}`,
    `  state before the first of them: ${report.startState}`,
    `  state after the last: ${report.endState}`,
    `  security: ${report.security!.conjecturedBits} bits conjectured (the weakest of the tree's proofs: the steps' and every level's nodes')`,
    ...report.notChecked.map((n) => `  not checked: ${n}`),
    `verdict: the run proof verifies${report.notChecked.length > 0 ? ', except that it is not tied to a genesis' : ''} (${verifyMs.toFixed(0)} ms)`,
  ];
}

/**
 * Verifies a run proof file's text against `policy`; never throws. The verifier's key is `key`, or `tree`'s
 * (runTree's, for the file's steps), or run-key.ts `runKey`'s: read from the key cache (`cacheDir`, default its
 * ZPOL_KEY_CACHE / ~/.cache/zpol location; null: none) or built there, the node programs' ROMs committed on
 * `backend`. Every field of the file, the STARK proof's header included, is checked before a key is built, and the
 * level count is at most MAX_RUN_LEVELS. `keySource` says where the key came from.
 */
export function verifyRunProof(policy: ChainPolicy, text: string, options: { tree?: SpanLevel[]; key?: RunKey; backend?: ProofBackend; cacheDir?: string | null; keySource?: (source: KeySource | 'given') => void } = {}): RunProofReport {
  const base = { policy: policy.artifact.policy.name, policyDigest: policy.artifact.digest, specCommitment: null, startState: null, endState: null, security: null, notChecked: [] };
  const reject = (steps: number, error: string): RunProofReport => ({ ok: false, ...base, steps, error });
  let o: RunProofFile;
  try {
    o = JSON.parse(text) as RunProofFile;
  } catch (e) {
    return reject(0, `not JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || o.format !== RUN_PROOF_FORMAT) return reject(0, `format: not a zpol run proof (expected ${JSON.stringify(RUN_PROOF_FORMAT)})`);
  if (o.version !== RUN_PROOF_VERSION) return reject(0, `version ${JSON.stringify(o.version)}; this zpol reads version ${RUN_PROOF_VERSION}`);
  const keys = Object.keys(o).sort().join();
  if (keys !== 'format,policy,policyDigest,publicOutputs,stark,steps,version') return reject(0, `fields: expected format, version, policy, policyDigest, steps, publicOutputs, stark; got ${Object.keys(o).join(', ')}`);
  const steps = Number.isSafeInteger(o.steps) ? o.steps : 0;
  if (o.policyDigest !== policy.artifact.digest) return reject(steps, `policyDigest: made for another policy (this policy's is ${policy.artifact.digest.slice(0, 16)}…)`);
  if (o.policy !== policy.artifact.policy.name) return reject(steps, `policy: names another policy (${JSON.stringify(String(o.policy).slice(0, 64))})`);
  if (!Number.isSafeInteger(o.steps) || o.steps < 2 || !Number.isInteger(Math.log2(o.steps)) || o.steps > 2 ** MAX_RUN_LEVELS) return reject(steps, `steps: a power of two from 2 to 2^${MAX_RUN_LEVELS}, got ${JSON.stringify(o.steps)}`);
  if (!Array.isArray(o.publicOutputs) || o.publicOutputs.length !== 3 || !o.publicOutputs.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
    return reject(steps, 'publicOutputs: three words of 64 lowercase hex digits (spec commitment, start state, end state)');
  }
  if (typeof o.stark !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.stark)) return reject(steps, 'stark: must be a string of base64');
  try {
    const outputs = o.publicOutputs.map(digestFromHex);
    if (outputs.some((w, i) => digestToHex(w) !== o.publicOutputs[i])) return reject(steps, 'publicOutputs: not canonical field elements');
    const bytes = Buffer.from(o.stark, 'base64');
    // The proof's header before any key is built: a file that is no STARK proof costs no tree.
    const header = peekStarkHeights(bytes);
    if (!header.ok) return reject(steps, `stark: ${header.error}`);
    let key = options.key ?? (options.tree ? keyOfTree(options.tree) : null);
    if (key !== null) options.keySource?.('given');
    else {
      const got = runKey(policy, Math.log2(o.steps), () => runTree(policy, o.steps, options.backend), { backend: options.backend, cacheDir: options.cacheDir });
      key = got.key;
      options.keySource?.(got.source);
    }
    if (key.levels !== Math.log2(o.steps)) return reject(steps, `steps: ${o.steps} steps, the key is for 2^${key.levels}`);
    const root = key.root;
    const d = decodeStarkProof(bytes, root.system, (b, l) => decodeFriPcsProof(b, root.system.pcs.params, l));
    if (!d.ok) return reject(steps, `stark: ${d.error}`);
    const verdict = verifyExecution(root, [], outputs, d.value);
    if (!verdict.ok) return reject(steps, `stark: does not verify: ${verdict.error}`);
    const top = starkSecurity(root.system, d.value.logHeights);
    const security = {
      conjecturedBits: Math.min(key.below.conjecturedBits, top.conjecturedBits),
      provenBits: key.below.provenBits === null || top.provenBits === null ? null : Math.min(key.below.provenBits, top.provenBits),
    };
    return { ok: true, ...base, steps, specCommitment: o.publicOutputs[0]!, startState: o.publicOutputs[1]!, endState: o.publicOutputs[2]!, security, notChecked: [RUN_PROOF_GENESIS_NOT_CHECKED] };
  } catch (e) {
    return reject(steps, `internal error caught while verifying (please report it): ${(e as Error).message}`);
  }
}
