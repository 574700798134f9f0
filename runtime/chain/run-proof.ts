/**
 * The run proof (issue #24): one proof that a run of N steps, from its genesis to its attestation, satisfied the
 * policy: genesis made S and C_0 (and the public spec fields), steps 1..N each ran the policy's step program, each
 * starting from the state the previous one ended in, under S, and the attestation started from the last state (and
 * gave the policy's outputs). Its programs, which are the verifier's key, are runtime/chain/run-tree.ts's: the steps'
 * span tree (any N ≥ 1: runtime/aggregate/span.ts spanSplit) and the closing node over genesis, the span and the
 * attestation.
 *
 * `aggregateRun` proves the span tree bottom up, then the closing node. Each node is written atomically as it
 * finishes (`DIR/span-FROM-TO.json`, `DIR/closing.json`), so a killed run resumes where it stopped: a node file that
 * verifies for its program and the outputs its children give is kept.
 *
 * The run proof file is the closing node's proof with what it proves: the policy (name and digest), N, and its public
 * outputs — S, the public spec fields, the policy's outputs. `verifyRunProof` rebuilds the programs from the policy
 * and N (or takes them as a key) and verifies the closing node's STARK proof for its program with those outputs; the
 * report is the chain's, in the policy's terms (runtime/chain/verifier.ts): its claims, the values it reveals, the
 * security of the weakest proof in the tree.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../base/atomic-write.ts';
import { decodeStarkProof, encodeStarkProof, peekStarkHeights } from '../proof/stark/codec.ts';
import { decodeFriPcsProof, encodeFriPcsProof } from '../proof/pcs/codec.ts';
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import type { ProofBackend } from '../proof/backend.ts';
import type { StarkProof } from '../proof/stark/prover.ts';
import { joinVerifier, nodeVerifier } from '../aggregate/node.ts';
import type { ChildProof } from '../aggregate/child.ts';
import { spanSplit } from '../aggregate/span.ts';
import { execute } from '../vm/executor.ts';
import { proveExecution, verifyExecution, vmPublics, type Machine } from '../vm/machine.ts';
import { DIGEST_PUBLICS, type Program } from '../vm/program.ts';
import { WORD } from '../vm/buses.ts';
import { wordsEqual, type Word } from '../vm/word.ts';
import { describeWords, type RevealedValue } from '../policy/public-words.ts';
import { digestToHex } from '../run/tensor-commit.ts';
import { aggregationProblem, proofChild, STEP_SPAN } from './aggregate.ts';
import type { ChainPolicy } from './prover.ts';
import { parseProofFile, proofFileName, type ProofFile } from './proof-file.ts';
import { parsePublicWords, policyClaims, revealedValues } from './verifier.ts';
import { verdictSecurity, type ChainSecurity } from './security.ts';
import { MAX_RUN_PROOF_STEPS, runOutputWords, runTree, type RunTree } from './run-tree.ts';
import { keyOfTree, keySecurity, runKey, type KeySource, type RunKey } from './run-key.ts';
import type { ProofKind } from '../policy/artifact.ts';

export const RUN_PROOF_FORMAT = 'zpol-run-proof';
/** 2: genesis and the attestation are in the proof (the closing node), any N ≥ 1. 1: a power of two of steps alone. */
export const RUN_PROOF_VERSION = 2;

export interface RunProofFile {
  readonly format: typeof RUN_PROOF_FORMAT;
  readonly version: number;
  readonly policy: string;
  readonly policyDigest: string;
  /** Steps 1..steps are proven (1 to MAX_RUN_PROOF_STEPS). */
  readonly steps: number;
  /** The closing node's public outputs: S, the public spec fields' words, the policy's outputs' words. */
  readonly publicOutputs: readonly string[];
  readonly stark: string;
}

const stark64 = (s: StarkProof<FriPcsProof>) => Buffer.from(encodeStarkProof(s, encodeFriPcsProof)).toString('base64');

export interface AggregateProgress {
  /** `steps A..B` for a node of the span tree, `closing` for the closing node. */
  readonly node: string;
  /** 1-based, in proving order, of `nodes` (N − 1 span nodes and the closing node). */
  readonly index: number;
  readonly nodes: number;
  readonly action: 'proved' | 'kept';
  /** Wall and CPU seconds (this process, every thread) the node took: executing its program and proving it, or checking a kept one. */
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const pad = (k: number) => String(k).padStart(6, '0');

/** The proof files a run proof reads from PROOFS: genesis, the steps in order, the attestation (zpol prove's names). */
function readRunProofs(policy: ChainPolicy, proofsDir: string): { genesis: ChildProof; steps: ChildProof[]; attestation: ChildProof } {
  const read = (name: string, kind: ProofKind, step: number): ChildProof => {
    const path = join(proofsDir, name);
    if (!existsSync(path)) throw new Error(`${path}: no such file (the run's ${kind === 'genesis' ? 'genesis proof' : kind === 'step' ? `step ${step}` : 'attestation'}: prove the whole run with zpol prove --aggregatable)`);
    const parsed = parseProofFile(readFileSync(path), name);
    if (!parsed.ok) throw new Error(parsed.error);
    const proof: ProofFile = parsed.value;
    if (proof.policyDigest !== policy.artifact.digest) throw new Error(`${name}: policyDigest: made for another policy`);
    if (proof.step !== step) throw new Error(`${name}: step: says ${proof.step}, the run proof needs ${kind === 'attestation' ? `the attestation after step ${step}` : `step ${step}`} here`);
    const c = proofChild(policy, kind, proof);
    if (!c.ok) throw new Error(`${name}: ${c.error}`);
    return c.child;
  };
  let n = 0;
  while (existsSync(join(proofsDir, proofFileName('step', n + 1)))) n++;
  if (n === 0) throw new Error(`${proofsDir}: no step proofs (${proofFileName('step', 1)}..)`);
  const steps = Array.from({ length: n }, (_, k) => read(proofFileName('step', k + 1), 'step', k + 1));
  return { genesis: read(proofFileName('genesis', 0), 'genesis', 0), steps, attestation: read(proofFileName('attestation', n), 'attestation', n) };
}

/**
 * Before any proving: do the proofs make one run? The closing node and the span nodes check the same links, and
 * are what a verifier relies on; this names the file at once rather than failing a program after minutes.
 */
function runLinkProblem(p: { genesis: ChildProof; steps: ChildProof[]; attestation: ChildProof }): string | null {
  // A genesis or attestation proof's publics: its program digest, S, then C_0 or C_N (run-tree.ts closingSpec).
  const [spec, after] = [DIGEST_PUBLICS, DIGEST_PUBLICS + WORD];
  const word = (c: ChildProof, at: number) => c.publics.slice(at, at + WORD) as Word;
  const S = word(p.genesis, spec);
  let state = word(p.genesis, after);
  for (const [i, s] of p.steps.entries()) {
    const name = proofFileName('step', i + 1);
    if (!wordsEqual(word(s, STEP_SPAN.spec), S)) return `${name}: another spec commitment than genesis's (another run's step)`;
    if (!wordsEqual(word(s, STEP_SPAN.start), state)) return `${name}: does not start from the state ${i === 0 ? 'genesis made' : `step ${i} ended in`}`;
    state = word(s, STEP_SPAN.end);
  }
  if (!wordsEqual(word(p.attestation, spec), S)) return `${proofFileName('attestation', p.steps.length)}: another spec commitment than genesis's (another run's attestation)`;
  if (!wordsEqual(word(p.attestation, after), state)) return `${proofFileName('attestation', p.steps.length)}: does not start from the state step ${p.steps.length} ended in`;
  return null;
}

/**
 * Aggregates the proofs in `proofsDir` (genesis.zproof, step-000001.zproof.., attestation.zproof: `zpol prove
 * --aggregatable`) into one run proof written to `out`, the nodes under `nodesDir`. Throws naming the file that
 * cannot be a child, the link that does not hold, or the node that does not verify. `tree` (run-tree.ts runTree's,
 * for this N: every program, which the prover needs, not the verifier's cached key) is built here when not given.
 */
export function aggregateRun(
  policy: ChainPolicy,
  proofsDir: string,
  nodesDir: string,
  out: string,
  options: { backend?: ProofBackend; tree?: RunTree; onProgress?: (p: AggregateProgress) => void } = {},
): RunProofFile {
  // Everything that can be refused from the policy and the files is, before the key's machines are built (minutes).
  const refused = aggregationProblem(policy);
  if (refused) throw new Error(refused);
  const proofs = readRunProofs(policy, proofsDir);
  const problem = runLinkProblem(proofs);
  if (problem) throw new Error(problem);
  const N = proofs.steps.length;
  const key = options.tree ?? runTree(policy, N, options.backend);
  if (key.steps !== N) throw new Error(`internal: a run tree for ${key.steps} steps, the run has ${N}`);
  mkdirSync(nodesDir, { recursive: true });
  let index = 0;
  const nodes = N; // N − 1 span nodes and the closing node
  const node = (label: string, file: string, seed: string, m: Machine<FriPcsProof>, program: Program, built: { tape: Word[]; outputs: Word[] }): ChildProof => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let stark = keptNode(file, m, built.outputs);
    const kept = stark !== null;
    if (stark === null) {
      // The program the machine was built for: the same instructions as the one built with this tape.
      const exec = execute(program, { privateInputs: built.tape });
      stark = proveExecution(m, exec, { seed }).stark;
      writeFileAtomic(file, JSON.stringify({ publicOutputs: built.outputs.map(digestToHex), stark: stark64(stark) }) + '\n');
    }
    const cpu = process.cpuUsage(cpu0);
    options.onProgress?.({ node: label, index: ++index, nodes, action: kept ? 'kept' : 'proved', seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    return { publics: vmPublics(program, [], built.outputs), proof: stark };
  };
  // The span of steps from..from + n − 1, bottom up (spanSplit's shape: the key's programs).
  const span = (from: number, n: number): ChildProof => {
    if (n === 1) return proofs.steps[from - 1]!;
    const [l, r] = spanSplit(n);
    const left = span(from, l);
    const right = span(from + l, r);
    const p = key.tree.programs.get(n)!;
    const to = from + n - 1;
    return node(`steps ${from}..${to}`, join(nodesDir, `span-${pad(from)}-${pad(to)}.json`), `zpol node ${from} ${to}`, p.machine, p.program, nodeVerifier(p.spec, { left, right }));
  };
  const root = span(1, N);
  const closing = joinVerifier(key.closing.spec, [proofs.genesis, root, proofs.attestation]);
  const closed = node('closing', join(nodesDir, 'closing.json'), `zpol closing ${N}`, key.closing.machine, key.closing.program, closing);
  const file: RunProofFile = {
    format: RUN_PROOF_FORMAT,
    version: RUN_PROOF_VERSION,
    policy: policy.artifact.policy.name,
    policyDigest: policy.artifact.digest,
    steps: N,
    publicOutputs: closing.outputs.map(digestToHex),
    stark: stark64(closed.proof),
  };
  writeFileAtomic(out, JSON.stringify(file, null, 2) + '\n');
  return file;
}

/** A node proof already written for these outputs that verifies for its machine, or null (it is proven again). */
function keptNode(file: string, m: Machine<FriPcsProof>, outputs: Word[]): StarkProof<FriPcsProof> | null {
  if (!existsSync(file)) return null;
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as { publicOutputs: string[]; stark: string };
    if (o.publicOutputs.join() !== outputs.map(digestToHex).join()) return null;
    const d = decodeStarkProof(Buffer.from(o.stark, 'base64'), m.system, (b, l) => decodeFriPcsProof(b, m.system.pcs.params, l));
    return d.ok && verifyExecution(m, [], outputs, d.value).ok ? d.value : null;
  } catch {
    return null;
  }
}

export interface RunProofReport {
  readonly ok: boolean;
  readonly policy: string;
  readonly policyDigest: string;
  /** The steps the run proof covers (1..steps), 0 when the file does not say. */
  readonly steps: number;
  /** The run's spec commitment (genesis's), null unless it verifies. */
  readonly specCommitment: string | null;
  readonly error?: string;
  /** What held, in the policy's words (runtime/chain/verifier.ts policyClaims); empty unless it verifies. */
  readonly claims: readonly string[];
  /** The public spec fields and the policy's outputs; empty unless it verifies. */
  readonly revealed: readonly RevealedValue[];
  /** The chain's figures, the STARK part the tree's weakest proof's (run-key.ts keySecurity); null unless it verifies. */
  readonly security: ChainSecurity | null;
}

/**
 * An accepted run proof's figures: the tree's weakest STARK proof (run-key.ts keySecurity: the proofs below the
 * closing node, and the closing proof at `closingHeights`, its heights) with the policy's own parts (security.ts, the
 * one computation the chain verifier uses too). The run proof says its steps ran the step program, whose compute
 * checks and row draws a prover that commits again redraws exactly as for a proofs folder.
 */
export function runProofSecurity(policy: ChainPolicy, key: RunKey, closingHeights: readonly number[]): ChainSecurity {
  return verdictSecurity(policy.artifact, { what: "the run proof's tree: its weakest STARK proof (conjectured)", ...keySecurity(key, closingHeights) });
}

/** The report's lines for people (zpol verify POLICY RUN_PROOF), as the chain's (cli/chain.ts formatChainReport). */
export function runProofLines(report: RunProofReport, file: string, verifyMs: number): string[] {
  const lines = [`run proof ${file} against ${report.policy} (digest ${report.policyDigest.slice(0, 16)}…): ${report.steps} step${report.steps === 1 ? '' : 's'}`];
  if (!report.ok) return [...lines, `  REJECTED: ${report.error}`, 'verdict: the run proof does NOT verify'];
  lines.push(`  one proof of the run: genesis, steps 1..${report.steps} (each from the state the previous one ended in, under one spec) and the attestation`);
  for (const c of report.claims) lines.push(`  ${c}`);
  for (const v of report.revealed) lines.push(`  revealed ${v.name} = ${v.text}`);
  lines.push(`  spec commitment: ${report.specCommitment} (what a later stage's policy names to count this chain)`);
  const sec = report.security!;
  if (sec.stark) lines.push(`  security: STARK proofs ${sec.stark.conjecturedBits} bits conjectured${sec.stark.provenBits === null ? '' : `, ${sec.stark.provenBits} proven`} (the weakest of the tree's proofs: genesis, the steps, the attestation, every node)`);
  for (const c of sec.computeChecks) lines.push(`  security: verify ${c.name}: ${c.drawBits} bits a draw of ${c.samples} samples + ${c.powBits} bits of work = ${c.grindingBits} bits against a grinding prover`);
  for (const d of sec.rowDraws) lines.push(`  security: ${d.what}: ${d.bits} bits`);
  if (sec.weakest) lines.push(`  security: weakest ${sec.weakest.bits} bit${sec.weakest.bits === 1 ? '' : 's'}: ${sec.weakest.what}`);
  lines.push(`verdict: the run proof verifies: the run complied with the policy (${verifyMs.toFixed(0)} ms)`);
  return lines;
}

const FIELDS = ['format', 'version', 'policy', 'policyDigest', 'steps', 'publicOutputs', 'stark'];

/**
 * Verifies a run proof file's text against `policy`; never throws. The verifier's key is `key`, or `tree`'s
 * (runTree's, for the file's steps), or run-key.ts `runKey`'s: read from the key cache (`cacheDir`, default its
 * ZPOL_KEY_CACHE / ~/.cache/zpol location; null: none) or built there, the programs' ROMs committed on `backend`.
 * Every field of the file, the STARK proof's header included, is checked before a key is read or built, and N is at
 * most MAX_RUN_PROOF_STEPS. `keySource` says where the key came from.
 */
export function verifyRunProof(
  policy: ChainPolicy,
  text: string,
  options: { key?: RunKey; tree?: RunTree; backend?: ProofBackend; cacheDir?: string | null; keySource?: (source: KeySource | 'given') => void } = {},
): RunProofReport {
  const base = { policy: policy.artifact.policy.name, policyDigest: policy.artifact.digest, specCommitment: null, claims: [], revealed: [], security: null };
  const reject = (steps: number, error: string): RunProofReport => ({ ok: false, ...base, steps, error });
  let o: RunProofFile;
  try {
    o = JSON.parse(text) as RunProofFile;
  } catch (e) {
    return reject(0, `not JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o.format !== RUN_PROOF_FORMAT) return reject(0, `format: not a zpol run proof (expected ${JSON.stringify(RUN_PROOF_FORMAT)})`);
  if (o.version !== RUN_PROOF_VERSION) return reject(0, `version ${JSON.stringify(o.version)}; this zpol reads version ${RUN_PROOF_VERSION}${o.version === 1 ? ' (version 1 had no genesis nor attestation: aggregate the run again)' : ''}`);
  if (Object.keys(o).sort().join() !== [...FIELDS].sort().join()) return reject(0, `fields: expected ${FIELDS.join(', ')}; got ${Object.keys(o).join(', ')}`);
  const steps = Number.isSafeInteger(o.steps) ? o.steps : 0;
  if (o.policyDigest !== policy.artifact.digest) return reject(steps, `policyDigest: made for another policy (this policy's is ${policy.artifact.digest.slice(0, 16)}…)`);
  if (o.policy !== policy.artifact.policy.name) return reject(steps, `policy: names another policy (${JSON.stringify(String(o.policy).slice(0, 64))})`);
  if (!Number.isSafeInteger(o.steps) || o.steps < 1 || o.steps > MAX_RUN_PROOF_STEPS) return reject(0, `steps: a whole number from 1 to ${MAX_RUN_PROOF_STEPS}, got ${JSON.stringify(o.steps)}`);
  const words = runOutputWords(policy);
  if (!Array.isArray(o.publicOutputs) || o.publicOutputs.length !== words.total || !o.publicOutputs.every((h) => typeof h === 'string')) {
    return reject(steps, `publicOutputs: ${words.total} words for this policy (the spec commitment, ${words.spec} of public spec fields, ${words.outputs} of outputs)`);
  }
  // The words as the policy types them: S and the spec fields as genesis's outputs (S standing where C_0 is, a
  // digest either way), the rest as the attestation's.
  const spec = parsePublicWords(policy, 'genesis', 'publicOutputs', o.publicOutputs.slice(0, 1 + words.spec));
  if (!spec.ok) return reject(steps, spec.error.replace(/^publicOutputs\[0\] \(state commitment\)/, 'publicOutputs[0] (spec commitment)'));
  const outs = parsePublicWords(policy, 'attestation', 'publicOutputs', o.publicOutputs.slice(1 + words.spec));
  const at = (i: string) => String(1 + words.spec + Number(i));
  if (!outs.ok) return reject(steps, outs.error.replace(/^publicOutputs\[(\d+)(?:\.\.(\d+))?\]/, (_, i: string, j?: string) => `publicOutputs[${at(i)}${j === undefined ? '' : `..${at(j)}`}]`));
  if (typeof o.stark !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.stark)) return reject(steps, 'stark: must be a string of base64');
  const problem = aggregationProblem(policy);
  if (problem) return reject(steps, problem);
  try {
    const given = options.key ?? (options.tree ? keyOfTree(options.tree) : null);
    if (given !== null && given.steps !== o.steps) return reject(steps, `steps: ${o.steps}, the verifying key given is for ${given.steps}`);
    const bytes = Buffer.from(o.stark, 'base64');
    // The proof's header before any key is read or built: a file that is no STARK proof costs no tree.
    const header = peekStarkHeights(bytes);
    if (!header.ok) return reject(steps, `stark: ${header.error}`);
    let key = given;
    if (key !== null) options.keySource?.('given');
    else {
      const got = runKey(policy, o.steps, () => runTree(policy, o.steps, options.backend), { backend: options.backend, cacheDir: options.cacheDir });
      key = got.key;
      options.keySource?.(got.source);
    }
    const m = key.closing;
    const d = decodeStarkProof(bytes, m.system, (b, l) => decodeFriPcsProof(b, m.system.pcs.params, l));
    if (!d.ok) return reject(steps, `stark: ${d.error}`);
    const outputs = [...spec.words, ...outs.words];
    const verdict = verifyExecution(m, [], outputs, d.value);
    if (!verdict.ok) return reject(steps, `stark: does not verify: ${verdict.error}`);
    return {
      ok: true,
      ...base,
      steps,
      specCommitment: describeWords({ kind: 'digest' }, [spec.words[0]!]),
      claims: policyClaims(policy, o.steps),
      revealed: revealedValues(policy, spec.words, outs.words),
      security: runProofSecurity(policy, key, d.value.logHeights),
    };
  } catch (e) {
    return reject(steps, `internal error caught while verifying (please report it): ${(e as Error).message}`);
  }
}
