/**
 * The proof chain's verifier: every proof against the policy's own programs, then the links between them.
 *
 *   - each proof file names the policy digest and the program digest of the policy being verified;
 *   - each STARK proof verifies for its program, with the file's public inputs and outputs;
 *   - one genesis; steps 1..N, each once; their previous state is the state before them (genesis's for step 1);
 *   - every proof opens the same spec commitment;
 *   - the attestation (if any) starts from the last step's state and closes the chain.
 *
 * A reordered, dropped or replayed step breaks a link (state commitments are blinded with fresh randomness per
 * step, so no two states collide); a proof of another policy fails its digests and its STARK; another run's
 * genesis has another spec commitment. The report speaks the policy's terms: which claims held, over which
 * steps, and the values the policy reveals.
 */
import { describeMembers } from '../run/members.ts';
import { describeEmbeds } from '../run/embeds.ts';
import type { ComputeCheck, ProofKind } from '../policy/artifact.ts';
import { verdictSecurity, type ChainSecurity } from './security.ts';
import { familySentence } from '../policy/family-assurance.ts';
import { describeWords, readWords, revealWords, type RevealedValue } from '../policy/public-words.ts';
import type { ValueType } from '../policy/value-type.ts';
import { machine, verifyExecution, type Machine } from '../vm/machine.ts';
import { programDigest, type Program } from '../vm/program.ts';
import { isWord, wordsEqual, type Word } from '../vm/word.ts';
import { segmentMachine, verifySegmentLinks, verifySegmentProofs, type SegmentFailure, type SegmentMachine, type SegmentProof, type SegmentStatement, type SegmentVerdict } from '../vm/segments.ts';
import { decodeStarkProof, peekStarkHeights } from '../proof/stark/codec.ts';
import { starkSecurity, type StarkSecurity } from '../proof/stark/security.ts';
import { decodeFriPcsProof } from '../proof/pcs/codec.ts';
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import { FriPcs } from '../proof/pcs/fri-pcs.ts';
import { proofPcsParams } from '../proof/pcs/security.ts';
import type { PcsParams } from '../proof/pcs/types.ts';
import { HASH_CONFIGS } from '../proof/hash-config.ts';
import type { ChainPolicy } from './prover.ts';
import { proofAggregatable, proofFileProblem, proofHash, type ProofFile, type SegmentEntry } from './proof-file.ts';
import { wholeRunPcsParams } from './proof-params.ts';
import type { VerifyCode, VerifyProblem } from './codes.ts';
import { digestFromHex as hexToWord, digestToHex } from '../run/tensor-commit.ts';

export interface ProofCheck {
  readonly name: string;
  /** The file's kind and step number, or null where the file gives none that is valid. */
  readonly kind: ProofKind | null;
  readonly step: number | null;
  readonly ok: boolean;
  /** Why the proof is rejected (docs/verification-codes.md), and how, naming the field of the file that is wrong. */
  readonly code?: VerifyCode;
  readonly error?: string;
}

export interface ChainReport {
  readonly ok: boolean;
  readonly policy: string;
  readonly policyDigest: string;
  /**
   * The spec commitment of the chain (its genesis's), as a digest spec field holds it: what a later stage's policy
   * names to count what this chain revealed (runtime/chain/links.ts). Null unless the chain verifies.
   */
  readonly specCommitment: string | null;
  readonly steps: number;
  readonly proofs: readonly ProofCheck[];
  /** Problems with the chain as a whole (links, missing or repeated proofs), each with its code. */
  readonly errors: readonly VerifyProblem[];
  /** What held, in the policy's words; empty unless the chain verifies. */
  readonly claims: readonly string[];
  /**
   * The public spec fields and the attestation's outputs, as the policy declares them: only when the chain
   * verifies (like `claims`), so that a figure listed here is one the proofs support.
   */
  readonly revealed: readonly RevealedValue[];
  /**
   * When the chain does not verify: what its genesis and attestation say (each a proof that verified alone, in a
   * chain that does not), for diagnosis only: no verified chain supports these figures. Empty when it verifies.
   */
  readonly unverified: readonly RevealedValue[];
  /** How much the verdict can be trusted, in bits (docs/security.md). */
  readonly security: ChainSecurity;
}

export type { ChainSecurity } from './security.ts';

export type { RevealedValue } from '../policy/public-words.ts';


/** Public words' meaning, for messages and the report: a name, the type where they are a value, and their number. */
interface Lane {
  readonly name: string;
  readonly type?: ValueType;
  readonly words: number;
  /** A public spec field or an output: the report shows it. */
  readonly revealed?: boolean;
}

/** What each public input and output word of each program is (docs/compiler.md, "public inputs / outputs"). */
function publicLayout(policy: ChainPolicy): Record<ProofKind, { inputs: readonly Lane[]; outputs: readonly Lane[] }> {
  const { artifact } = policy;
  const digest = (name: string): Lane => ({ name, words: 1 });
  const spec = digest('spec commitment');
  const specOut = artifact.publicSpec.map((f) => ({ name: `spec.${f.name}`, type: f.type, words: f.words, revealed: true }));
  const outputs = artifact.outputs.map((o) => ({ name: o.name, type: o.type, words: o.words, revealed: true }));
  return {
    genesis: { inputs: [spec], outputs: [digest('state commitment'), ...specOut] },
    step: { inputs: [spec, digest('previous state commitment'), digest('step record commitment')], outputs: [digest('state commitment')] },
    attestation: { inputs: [spec, digest('final state commitment')], outputs },
  };
}

/**
 * Parses a list of public words (`publicInputs` or `publicOutputs` of a file) against what the program's
 * words are: their number, each word's hex, and each value's lanes. Returns the words or the first problem.
 */
function publicWords(field: string, hex: readonly string[], lanes: readonly Lane[], program: number, kind: ProofKind): { ok: true; words: Word[] } | { ok: false; error: string } {
  if (hex.length !== program) return { ok: false, error: `${field}: ${hex.length} words, the ${kind} program has ${program}` };
  const words: Word[] = [];
  for (let i = 0; i < hex.length; i++) {
    // The prover writes 64 lowercase digits; other spellings of the same word (0x, capitals) are refused so
    // that one proof has one file.
    if (!/^[0-9a-f]{64}$/.test(hex[i]!)) return { ok: false, error: `${field}[${i}]: a word is 64 lowercase hex digits, got ${quote(hex[i]!, 70)}` };
    try {
      words.push(hexToWord(hex[i]!));
    } catch (e) {
      return { ok: false, error: `${field}[${i}]: ${(e as Error).message}` };
    }
  }
  let o = 0;
  for (const lane of lanes) {
    if (lane.type) {
      const r = readWords(lane.type, words.slice(o, o + lane.words));
      if (!r.ok) return { ok: false, error: `${field}[${o}${lane.words > 1 ? `..${o + lane.words - 1}` : ''}] (${lane.name}): ${r.error}` };
    }
    o += lane.words;
  }
  return { ok: true, words };
}

/** A string from a file, short and quoted, for a message. */
function quote(s: string, max = 16): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

/**
 * Machines per program, kept across calls: building one commits its preprocessed tables (a quarter of a second
 * each), which a verifier called once per file (bench/chain.ts, `zpol verify` of a growing run) would redo.
 */
const machines = new WeakMap<Program, Map<string, Machine<FriPcsProof>>>();
const segmentMachines = new WeakMap<Program, Map<string, SegmentMachine<FriPcsProof>>>();
const digests = new WeakMap<Program, string>();

/**
 * The value `build` makes for a program in a proof's configuration (its hash and `params`: proofPcsParams, which for
 * a BLAKE3 whole-run proof depend on its header's heights), made once per pair.
 */
function perConfig<T>(cache: WeakMap<Program, Map<string, T>>, program: Program, proof: ProofFile, params: PcsParams, build: (pcs: FriPcs) => T): T {
  const hash = proofHash(proof);
  let byConfig = cache.get(program);
  if (!byConfig) cache.set(program, (byConfig = new Map()));
  const key = `${hash} ${JSON.stringify(params)}`;
  let m = byConfig.get(key);
  if (!m) byConfig.set(key, (m = build(new FriPcs(params, HASH_CONFIGS[hash]))));
  return m;
}
const machineAt = (program: Program, proof: ProofFile, params: PcsParams) => perConfig(machines, program, proof, params, (pcs) => machine(program, pcs));
// The parameters as the prover chose them (wholeRunPcsParams): from the header's heights, and the program's tall tables.
const machineOf = (program: Program, proof: ProofFile, logHeights: readonly number[]) =>
  machineAt(program, proof, wholeRunPcsParams(proofHash(proof), proofAggregatable(proof), logHeights, (p) => machineAt(program, proof, p).system));
const segmentMachineOf = (program: Program, proof: ProofFile) => perConfig(segmentMachines, program, proof, proofPcsParams(proofHash(proof), proofAggregatable(proof), null), (pcs) => segmentMachine(program, pcs));
function digestOf(program: Program): string {
  let d = digests.get(program);
  if (d === undefined) digests.set(program, (d = Buffer.from(programDigest(program)).toString('hex')));
  return d;
}

/** Whether `s` is the canonical base64 of some bytes (so that one proof has one file). */
function isCanonicalBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && Buffer.from(s, 'base64').toString('base64') === s;
}

const layouts = new WeakMap<ChainPolicy['artifact'], ReturnType<typeof publicLayout>>();
function layoutOf(policy: ChainPolicy): ReturnType<typeof publicLayout> {
  let l = layouts.get(policy.artifact);
  if (!l) layouts.set(policy.artifact, (l = publicLayout(policy)));
  return l;
}

/** What public word `index` of a `kind` proof's `field` is, for messages: `spec commitment`, `spec.arch`. */
export function publicWordName(policy: ChainPolicy, kind: ProofKind, field: 'publicInputs' | 'publicOutputs', index: number): string {
  let o = 0;
  for (const lane of layoutOf(policy)[kind][field === 'publicInputs' ? 'inputs' : 'outputs']) {
    if (index < o + lane.words) return lane.words > 1 ? `${lane.name}, word ${index - o}` : lane.name;
    o += lane.words;
  }
  return 'a word past the program\'s';
}

/** A proof file that verified alone: its public words and its STARK proof's security. */
export type CheckedProof = { ok: true; inputs: Word[]; outputs: Word[]; security: StarkSecurity } | { ok: false; code: VerifyCode; error: string };

/**
 * One proof file checked alone against the policy, as the chain verifier checks each file: its shape, the policy
 * and program digests, its public words, and its STARK proof. Whether it belongs in a chain (its step, the words
 * it shares with the other proofs) is the caller's business. Never throws: an internal error is a rejection.
 */
export function verifyProofFile(policy: ChainPolicy, proof: ProofFile): CheckedProof {
  try {
    return checkProof(policy, layoutOf(policy), proof);
  } catch (e) {
    return { ok: false, code: 'ZV110', error: `internal error caught while verifying this proof (please report it): ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** One proof file against the policy: its words, or why it is rejected (naming the field). Never throws. */
function checkProof(
  policy: ChainPolicy,
  layout: ReturnType<typeof publicLayout>,
  proof: ProofFile,
): CheckedProof {
  const { artifact, programs } = policy;
  const name = artifact.policy.name;
  const reject = (code: VerifyCode, error: string) => ({ ok: false as const, code, error });
  const shape = proofFileProblem(proof);
  if (shape) return reject('ZV101', shape);
  if (proof.policyDigest !== artifact.digest) {
    return reject('ZV102', `policyDigest: made for another policy (digest ${quote(proof.policyDigest)}, this policy's is ${artifact.digest.slice(0, 16)}…)`);
  }
  if (proof.policy !== name) return reject('ZV103', `policy: names another policy (${quote(proof.policy, 64)}), this one is ${name}`);
  const { kind, step } = proof;
  if (kind === 'genesis' && step !== 0) return reject('ZV104', `step: a genesis proof is step 0, this file says ${step}`);
  if (kind === 'step' && step < 1) return reject('ZV104', `step: steps are numbered from 1, this file says ${step}`);
  const program = programs[kind];
  const digest = digestOf(program);
  if (proof.program !== digest) return reject('ZV105', `program: made for another ${kind} program (digest ${quote(proof.program)}, this policy's is ${digest.slice(0, 16)}…)`);
  const inputs = publicWords('publicInputs', proof.publicInputs, layout[kind].inputs, program.publicInputs, kind);
  if (!inputs.ok) return reject('ZV106', inputs.error);
  const outputs = publicWords('publicOutputs', proof.publicOutputs, layout[kind].outputs, program.publicOutputs, kind);
  if (!outputs.ok) return reject('ZV106', outputs.error);
  // A proof in segments is checked by the segment machine only: the whole-run machine is not built for it.
  if (proof.segments) return checkSegments(segmentMachineOf(program, proof), proof.segments, inputs.words, outputs.words);
  if (!isCanonicalBase64(proof.stark)) return reject('ZV107', 'stark: not canonical base64');
  const bytes = Buffer.from(proof.stark, 'base64');
  // The header's heights select the parameters (proofPcsParams); the system digest binds them, the transcript the heights.
  const header = peekStarkHeights(bytes);
  if (!header.ok) return reject('ZV108', `stark: ${header.error.replace(/^proof: /, '')}`);
  const m = machineOf(program, proof, header.logHeights);
  const decoded = decodeStarkProof(bytes, m.system, (bytes, layouts) => decodeFriPcsProof(bytes, m.system.pcs.params, layouts));
  if (!decoded.ok) return reject('ZV108', `stark: ${decoded.error.replace(/^proof: /, '')}`);
  const verdict = verifyExecution(m, inputs.words, outputs.words, decoded.value);
  if (!verdict.ok) return reject('ZV109', `stark: does not verify: ${verdict.error}`);
  return { ok: true, inputs: inputs.words, outputs: outputs.words, security: starkSecurity(m.system, decoded.value.logHeights) };
}

/** The code of each way segments fail to be one execution (runtime/vm/segments.ts). */
const SEGMENT_CODES: Readonly<Record<SegmentFailure, VerifyCode>> = { count: 'ZV101', start: 'ZV211', link: 'ZV212', end: 'ZV213', io: 'ZV214', stark: 'ZV109' };

/**
 * A proof in segments, verified as one execution of the program: the statements first (start, links, end, I/O),
 * then each segment's STARK proof decoded and verified; its security is the weakest segment's, less log2 of the number of
 * segments (a forgery needs only one of them to pass).
 */
function checkSegments(m: SegmentMachine<FriPcsProof>, entries: readonly SegmentEntry[], inputs: Word[], outputs: Word[]): CheckedProof {
  const failed = (verdict: Extract<SegmentVerdict, { ok: false }>): CheckedProof => {
    const at = verdict.segment === null ? 'segments' : `segments[${verdict.segment}]`;
    return { ok: false, code: SEGMENT_CODES[verdict.failure], error: `${at}: ${verdict.failure === 'stark' ? `stark: does not verify: ${verdict.error}` : verdict.error}` };
  };
  // 1. The statements alone (memory words, then the links): cheap, so before any STARK proof is decoded.
  const statements: SegmentStatement[] = [];
  for (const [k, e] of entries.entries()) {
    const memStart = hexWord(e.memStart);
    const memEnd = hexWord(e.memEnd);
    if (!memStart || !memEnd) return { ok: false, code: 'ZV106', error: `segments[${k}]: memStart and memEnd must be words of 8 canonical field elements in hex` };
    statements.push({ pcStart: e.pcStart, pcEnd: e.pcEnd, memStart, memEnd, io: e.io });
  }
  const links = verifySegmentLinks(m.program, inputs, outputs, statements);
  if (!links.ok) return failed(links);
  // 2. Every segment's STARK proof, decoded and verified.
  const proofs: SegmentProof<FriPcsProof>[] = [];
  for (const [k, e] of entries.entries()) {
    const at = `segments[${k}]`;
    if (!isCanonicalBase64(e.stark)) return { ok: false, code: 'ZV107', error: `${at}.stark: not canonical base64` };
    const decoded = decodeStarkProof(Buffer.from(e.stark, 'base64'), m.system, (bytes, layouts) => decodeFriPcsProof(bytes, m.system.pcs.params, layouts));
    if (!decoded.ok) return { ok: false, code: 'ZV108', error: `${at}.stark: ${decoded.error.replace(/^proof: /, '')}` };
    proofs.push({ ...statements[k]!, stark: decoded.value });
  }
  const verdict = verifySegmentProofs(m, inputs, outputs, proofs);
  if (!verdict.ok) return failed(verdict);
  const weakest = proofs.map((p) => starkSecurity(m.system, p.stark.logHeights)).reduce((a, b) => (b.conjecturedBits < a.conjecturedBits ? b : a));
  const less = Math.log2(proofs.length);
  return {
    ok: true,
    inputs,
    outputs,
    security: { ...weakest, conjecturedBits: weakest.conjecturedBits - less, provenBits: weakest.provenBits === null ? null : weakest.provenBits - less },
  };
}

function hexWord(hex: string): Word | null {
  try {
    const w = hexToWord(hex);
    return isWord(w) && digestToHex(w) === hex ? w : null;
  } catch {
    return null;
  }
}

export function verifyChain(policy: ChainPolicy, files: readonly { name: string; proof: ProofFile }[]): ChainReport {
  const { artifact } = policy;
  const layout = layoutOf(policy);
  const errors: VerifyProblem[] = [];
  const problem = (code: VerifyCode, message: string) => errors.push({ code, message });
  const checks: ProofCheck[] = [];
  // Verified proofs with the kind and step the check read (the links read nothing from the file again).
  const verified: { name: string; kind: ProofKind; step: number; inputs: Word[]; outputs: Word[]; security: StarkSecurity }[] = [];
  for (const { name, proof } of files) {
    let kind: ProofKind | null = null;
    let step: number | null = null;
    let r: ReturnType<typeof checkProof>;
    try {
      // What the file says it is, where that is valid, for the report (a rejected file may say anything).
      const o = (typeof proof === 'object' && proof !== null ? proof : {}) as Partial<Record<keyof ProofFile, unknown>>;
      kind = o.kind === 'genesis' || o.kind === 'step' || o.kind === 'attestation' ? o.kind : null;
      step = Number.isSafeInteger(o.step) ? (o.step as number) : null;
      r = checkProof(policy, layout, proof);
    } catch (e) {
      // checkProof and what it calls return their verdicts; reaching here is a verifier bug, which must neither
      // accept the proof nor stop the report.
      r = { ok: false, code: 'ZV110', error: `internal error caught while verifying this proof (please report it): ${e instanceof Error ? e.message : String(e)}` };
    }
    checks.push({ name, kind, step, ok: r.ok, ...(r.ok ? {} : { code: r.code, error: r.error }) });
    if (r.ok && kind !== null && step !== null) verified.push({ name, kind, step, inputs: r.inputs, outputs: r.outputs, security: r.security });
  }

  // Links. Verified proofs have their program's number of public words, but a missing word compares unequal
  // rather than being read.
  const same = (a: Word | undefined, b: Word | undefined) => a !== undefined && b !== undefined && wordsEqual(a, b);
  const geneses = verified.filter((v) => v.kind === 'genesis');
  const steps = verified.filter((v) => v.kind === 'step').sort((a, b) => a.step - b.step);
  const attestations = verified.filter((v) => v.kind === 'attestation');
  if (geneses.length === 0) {
    const rejected = checks.filter((c) => c.kind === 'genesis' && !c.ok).map((c) => c.name);
    problem('ZV201', `no valid genesis proof${rejected.length > 0 ? ` (rejected: ${rejected.join(', ')})` : ''}`);
  } else if (geneses.length > 1) problem('ZV202', `${geneses.length} genesis proofs (${geneses.map((g) => g.name).join(', ')}); a chain has one`);
  const genesis = geneses[0];
  const spec = genesis?.inputs[0];
  let state = genesis?.outputs[0];
  let last = 0;
  const seen = new Set<number>();
  for (const s of steps) {
    const k = s.step;
    if (seen.has(k)) {
      problem('ZV203', `step ${k} appears twice (${s.name})`);
      continue;
    }
    seen.add(k);
    if (k !== last + 1) problem('ZV204', `step ${last + 1} is missing before step ${k} (${s.name})`);
    if (spec && !same(s.inputs[0], spec)) problem('ZV205', `step ${k} (${s.name}) is about another spec than the genesis`);
    if (state && !same(s.inputs[1], state)) problem('ZV206', `step ${k} (${s.name}) does not start from the state step ${k - 1} ended in`);
    state = s.outputs[0];
    last = k;
  }
  if (attestations.length > 1) problem('ZV207', `${attestations.length} attestations (${attestations.map((a) => a.name).join(', ')}); a chain has at most one`);
  const attestation = attestations[0];
  if (attestation) {
    if (spec && !same(attestation.inputs[0], spec)) problem('ZV205', `the attestation (${attestation.name}) is about another spec than the genesis`);
    if (state && !same(attestation.inputs[1], state)) problem('ZV208', `the attestation (${attestation.name}) does not start from the state of step ${last}`);
    if (attestation.step !== last) problem('ZV208', `the attestation (${attestation.name}) says it follows step ${attestation.step}, the chain ends at step ${last}`);
  }
  const ok = errors.length === 0 && checks.every((c) => c.ok);

  // The report in the policy's terms. Verified outputs were read once already (publicWords); anything that cannot
  // be read is marked, not thrown. Only a chain that verifies reveals anything; a broken one's figures are listed
  // apart, as unverified.
  const claims = ok ? policyClaims(policy, last) : [];
  const values = revealedValues(policy, genesis?.outputs ?? null, attestation?.outputs ?? null);
  return {
    ok,
    policy: artifact.policy.name,
    policyDigest: artifact.digest,
    specCommitment: ok && spec ? describeWords({ kind: 'digest' }, [spec]) : null,
    steps: last,
    proofs: checks,
    errors,
    claims,
    revealed: ok ? values : [],
    unverified: ok ? [] : values,
    security: chainSecurity(artifact, verified),
  };
}

/**
 * What a verified chain of `last` steps establishes, in the policy's words: each attest clause, each invariant
 * over steps 1..last, each compute check. The same for a run proof (runtime/chain/run-proof.ts).
 */
export function policyClaims(policy: ChainPolicy, last: number): string[] {
  const { artifact } = policy;
  const describe = (c: { name: string; description: string | null }) => `${c.name}${c.description ? ` (${c.description})` : ''}`;
  const clauses = (kind: string) => artifact.clauses.filter((c) => c.kind === kind);
  const claims: string[] = [];
  for (const c of clauses('attest')) claims.push(`attest ${describe(c)}: holds for the committed spec`);
  for (const c of clauses('invariant')) {
    const mine = <T extends { clause: string }>(xs: readonly T[] | undefined): T[] => (xs ?? []).filter((m) => m.clause === `invariant ${c.name}`);
    const sampled = [...mine(artifact.members).map(describeMembers), ...mine(artifact.embeds).map(describeEmbeds)];
    claims.push(`invariant ${describe(c)}: held after every step, 1..${last}${sampled.map((s) => `; ${s}`).join('')}`);
  }
  for (const v of artifact.verifies) {
    const c = clauses('verify').find((x) => x.name === v.name);
    const [m, k, n] = v.dims;
    const f = v.family;
    const ix = f ? `[${f.variable}]` : '';
    const which = f ? `in ${f.draws === 1 ? 'the member' : `each of ${f.draws} members`} ${f.variable} ∈ [${f.from}, ${f.to}) drawn after the step's commitments, ` : '';
    claims.push(
      `verify ${describe(c ?? { name: v.name, description: null })}: at every step, ${which}${v.samples} entries of step.${v.c}${ix} = step.${v.a}${ix} · step.${v.b}${ix} ` +
        `([${m}×${k}]·[${k}×${n}]) drawn from the committed tensors were recomputed in BF16 with FP32 accumulation (${orderText(v)}) and matched` +
        (f ? `; ${familySentence(v, last)}` : '') +
        (v.weights ? `; b was the tensor "${v.weights.name}" of the committed weights each step started from (state.${v.weights.field}: the initial layout, then each step's committed update)` : ''),
    );
  }
  return claims;
}

/**
 * The values the policy reveals: its public spec fields (genesis's outputs after the state commitment) and its
 * outputs (the attestation's), read as the policy declares them (a word that cannot be read is marked, not thrown).
 */
export function revealedValues(policy: ChainPolicy, genesisOutputs: readonly Word[] | null, attestationOutputs: readonly Word[] | null): RevealedValue[] {
  const layout = layoutOf(policy);
  const values: RevealedValue[] = [];
  const reveal = (lanes: readonly Lane[], words: readonly Word[]) => {
    let o = 0;
    for (const lane of lanes) {
      if (lane.revealed && lane.type) values.push(revealWords(lane.name, lane.type, words.slice(o, o + lane.words)));
      o += lane.words;
    }
  };
  if (genesisOutputs) reveal(layout.genesis.outputs, genesisOutputs);
  if (attestationOutputs) reveal(layout.attestation.outputs, attestationOutputs);
  return values;
}

/**
 * Parses the words a program of `kind` reads or writes (`field`: publicInputs or publicOutputs, hex) as the policy
 * declares them: their number, each word's hex and canonical lanes, each value's type. The run proof's outputs are
 * read with it.
 */
export function parsePublicWords(policy: ChainPolicy, kind: ProofKind, field: 'publicInputs' | 'publicOutputs', hex: readonly string[]): { ok: true; words: Word[] } | { ok: false; error: string } {
  const program = policy.programs[kind];
  const io = field === 'publicInputs' ? 'inputs' : 'outputs';
  return publicWords(field, hex, layoutOf(policy)[kind][io], program[field], kind);
}

/** The figures behind a verdict: the weakest verified STARK proof and the policy's own parts (security.ts). */
function chainSecurity(artifact: ChainPolicy['artifact'], verified: readonly { name: string; security: StarkSecurity }[]): ChainSecurity {
  const weakestProof = verified.reduce<{ name: string; security: StarkSecurity } | null>((w, v) => (w === null || v.security.conjecturedBits < w.security.conjecturedBits ? v : w), null);
  const provenBits = verified.some((v) => v.security.provenBits === null) ? null : Math.min(...verified.map((v) => v.security.provenBits!));
  return verdictSecurity(artifact, weakestProof ? { what: `the STARK proof ${weakestProof.name} (conjectured)`, conjecturedBits: weakestProof.security.conjecturedBits, provenBits } : null);
}

/** How a compute check's dot products were recomputed, for the report. */
function orderText(v: ComputeCheck): string {
  if (v.order === 'tensor_core') return 'Hopper tensor-core operations of 16 products';
  if (v.order === 'blocked') return `blocked order: partial sums of ${v.block} products added in order`;
  return 'sequential order';
}
