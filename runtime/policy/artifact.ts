/**
 * The compiled-policy artifact (`.zcp`), the only thing the runtime needs from the compiler: one canonical JSON
 * document holding the three programs (their canonical bytes in base64, and their digests), the record layouts
 * with self-describing types (value-type.ts), the JSON Schemas of the spec and step records, the clause table
 * (each attest, invariant, verify and output with its description and source location), the source map from each
 * program's assertion messages to the clauses they check, the compute checks, and the policy digest. A prover on
 * another machine or a verifier holding only the `.zcp` reads runs, proves, verifies and reports in the policy's
 * own terms from it (docs/architecture.md). The compiler builds it (compiler/artifact.ts); schemas/zcp.schema.json
 * is its schema.
 *
 * Canonical: keys in a fixed order, two-space indentation, a final newline, no timestamps or absolute paths, so
 * compiling the same policy twice gives the same bytes.
 *
 * Policy digest = BLAKE3("zpol-policy-v3\n" ‖ canonical JSON of the artifact without its `digest`, its
 * `policy.source` and its programs' `encoding`s): what every proof of the policy is bound to. The programs enter by
 * their digests (loadArtifact checks each encoding against its digest first), and everything else a prover or
 * verifier reads enters whole: the layouts with their units and enum members, the schemas, the clause table, the
 * source map and traps, every compute check (operands, dims, samples, order, block, family, draws, the grinding
 * figures), the links, the label tensors and the membership checks. So an edited `.zcp` cannot change what a
 * verifier's report says about a check (its sample count, its order, a family's draws) without changing the digest
 * every proof names. `policy.source` (the path the policy was compiled from) is left out: it is where the
 * compiler read the file, not part of the policy. Canonical JSON: keys sorted at every level, no spaces
 * (runtime/run/files.ts canonicalJson). Version 3 of the artifact introduced this digest; versions 1 and 2 bound
 * only the programs and the layouts' base types, and are refused (compile the policy again).
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { decodeProgram, programDigest, type Program } from '../vm/program.ts';
import { isValueType, typeWords, type ValueType } from './value-type.ts';
import { canonicalJson } from '../run/files.ts';
import { boundLayouts } from '../run/step-weights.ts';

export const ZCP_FORMAT = 'zpol-compiled-policy';
export const ZCP_VERSION = 3;

export type ProofKind = 'genesis' | 'step' | 'attestation';
export const PROOF_KINDS: readonly ProofKind[] = ['genesis', 'step', 'attestation'];

/** One field of a record, one public spec field, or one output: its name, type and the words it takes. */
export interface FieldLayout {
  readonly name: string;
  readonly type: ValueType;
  readonly words: number;
}

/**
 * A public spec field whose value an earlier chain revealed (`public F: T from CHAIN.NAME`): `chain` is the public
 * digest field holding that chain's spec commitment, `name` what its report reveals (`spec.X` or an output). The
 * verifier, given that chain's proofs, checks both (runtime/chain/links.ts).
 */
export interface SpecLink {
  readonly field: string;
  readonly chain: string;
  readonly name: string;
  /** file:line:column of the field. */
  readonly at: string;
}

/** A clause of the policy, as reports name it. */
export interface ClauseInfo {
  readonly kind: 'attest' | 'invariant' | 'verify' | 'output';
  readonly name: string;
  readonly description: string | null;
  /** file:line:column of the clause. */
  readonly at: string;
}

/** A `verify` compute check as the step program runs it (compiler/verify.ts lowers it). */
export interface ComputeCheck {
  readonly name: string;
  /** file:line:column of the clause. */
  readonly at: string;
  /** The step record fields holding the roots of a, bᵀ and c. */
  readonly a: string;
  readonly b: string;
  readonly c: string;
  readonly dims: readonly [m: number, k: number, n: number];
  readonly samples: number;
  /**
   * The accumulation order: IEEE fmas in order (`mac`), Hopper tensor-core operations (`mma`), or `blocked`:
   * partial sums of `block` products, each a chain of fmas from +0, added in order in f32 (`mac`, `fadd`).
   */
  readonly order: 'sequential' | 'tensor_core' | 'blocked';
  /** The block width B of `blocked` order (absent for the other orders). */
  readonly block?: number;
  readonly rounding: 'bf16';
  /** Bits of security of one draw (language/checker/verify-settings.ts grindingFigures). */
  readonly drawBits: number;
  /** Bits of proof of work each draw costs (runtime/run/sampling.ts). */
  readonly powBits: number;
  /** Bits of security against a grinding prover, drawBits + powBits: at least the policy's `grinding` target. */
  readonly grindingBits: number;
  /** The target: the policy's `grinding` setting, or 100. */
  readonly grindingTarget: number;
  /**
   * A family of products (`verify NAME[l in FROM..TO]`): a, b and c are step arrays of digests, member l's roots
   * at index l, and `draws` members are drawn per step from all the members' roots (runtime/run/sampling.ts
   * drawMembers), each checked as a single product is. Absent for a single product.
   */
  readonly family?: CheckFamily;
  /**
   * The committed weights b must be (`weights: weight_tensor(F, T, "NAME")`, compiler/step-weights.ts): the tensor
   * NAME of the layout of T tensors whose root state.F holds as the step begins; in a family, member l's is NAME
   * with {VARIABLE} replaced by l. Absent when b is not bound.
   */
  readonly weights?: CheckWeights;
}

/** A compute check's b bound to a tensor of the committed weights' layout (runtime/run/step-weights.ts). */
export interface CheckWeights {
  /** The state field holding the layout root. */
  readonly field: string;
  readonly tensors: number;
  /** The tensor's name in the layout. */
  readonly name: string;
  /**
   * The spec field the state field starts from (`state { F: digest = spec.W }`): each step also reads spec.W's
   * layout and requires the one it starts from to list the same tensors, names, kinds, blocks and shapes.
   */
  readonly initial: string;
}

/** A family's members, FROM ≤ l < TO, and how many of them each step checks. */
export interface CheckFamily {
  readonly variable: string;
  readonly from: number;
  readonly to: number;
  readonly draws: number;
}

/**
 * A tensor of per-example source labels the step program reads whole, for `count_labels` (compiler/labels.ts):
 * step.`field` commits it as a [rows, 1] bf16 tensor (docs/run.md, "Source labels"); the prover puts its rows on
 * the tape after the records, before the compute checks' openings, in the order of `labels`.
 */
export interface LabelTensor {
  readonly field: string;
  readonly rows: number;
  /** The largest source count a `count_labels` call on it names: every label is below it. */
  readonly sources: number;
  /** file:line:column of the first call. */
  readonly at: string;
}

/**
 * A layout of committed initial weights the genesis program reads whole, for weight_params, weight_layers and
 * weight_experts (compiler/weights.ts): spec.`field` is its root (runtime/run/weights.ts); the prover puts its
 * `tensors` entries on the tape right after the spec record, in the order of `weights`.
 */
export interface WeightLayout {
  readonly field: string;
  readonly tensors: number;
  /** The attest claim that reads it first (`attest NAME`), which a failure names. */
  readonly clause: string;
  /** file:line:column of that first call. */
  readonly at: string;
}

/** A `from_sources` membership check (runtime/run/members.ts). */
export type { MemberCheck } from '../run/members.ts';
import type { MemberCheck } from '../run/members.ts';
/** An `embeds` check: the input's rows tied to the token ids (runtime/run/embeds.ts). */
export type { EmbedCheck } from '../run/embeds.ts';
import { embedCheckProblem, type EmbedCheck } from '../run/embeds.ts';
import { powBitsRule, powBitsValid } from '../run/sampling.ts';

export interface SourceMapEntry {
  readonly message: number;
  readonly text: string;
  readonly kind: string;
  readonly name: string;
  readonly at: string;
}

export type JsonSchema = { readonly [key: string]: unknown };

export interface ProgramEntry {
  readonly digest: string;
  readonly instructions: number;
  readonly memory: number;
  readonly publicInputs: readonly string[];
  readonly publicOutputs: readonly string[];
  /** Where the new state's words are in memory when the program halts (genesis and step). */
  readonly stateAddresses: readonly number[];
  readonly encoding: string;
}

export interface Artifact {
  readonly format: typeof ZCP_FORMAT;
  readonly version: number;
  readonly policy: { readonly name: string; readonly version: string; readonly description: string | null; readonly source: string };
  readonly digest: string;
  readonly programs: Readonly<Record<ProofKind, ProgramEntry>>;
  readonly records: { readonly spec: readonly FieldLayout[]; readonly step: readonly FieldLayout[]; readonly state: readonly FieldLayout[] };
  readonly schemas: { readonly spec: JsonSchema; readonly step: JsonSchema };
  /** The attestation's outputs, in order. */
  readonly outputs: readonly FieldLayout[];
  /** The spec's `public` fields, output by genesis after the state commitment. */
  readonly publicSpec: readonly FieldLayout[];
  /** The public spec fields that come from earlier chains (absent when none, as in artifacts made before them). */
  readonly links?: readonly SpecLink[];
  /** Every clause, in source order. */
  readonly clauses: readonly ClauseInfo[];
  readonly sourceMap: Readonly<Record<ProofKind, readonly SourceMapEntry[]>>;
  /** Every instruction that can trap (a wide operation: overflow, a negative difference), with its source. */
  readonly traps: Readonly<Record<ProofKind, readonly { readonly pc: number; readonly at: string }[]>>;
  /** The compute checks the step program runs, in order. */
  readonly verifies: readonly ComputeCheck[];
  /** The label tensors the step program reads, in tape order (absent when none, as in artifacts made before them). */
  readonly labels?: readonly LabelTensor[];
  /** The membership checks the step program runs, in tape order (absent when none). */
  readonly members?: readonly MemberCheck[];
  /** The embedding checks the step program runs, after the membership checks, in tape order (absent when none). */
  readonly embeds?: readonly EmbedCheck[];
  /** The weight layouts the genesis program reads, in tape order (absent when none). */
  readonly weights?: readonly WeightLayout[];
}

/** Whether the step program reads the run's tensors: compute checks' openings, label tensors, rows it samples. */
export function readsTensors(a: Artifact): boolean {
  return a.verifies.length > 0 || (a.labels?.length ?? 0) > 0 || (a.members?.length ?? 0) > 0 || (a.embeds?.length ?? 0) > 0;
}

/** What the runtime proves and verifies with: the artifact and its decoded programs. */
export interface LoadedPolicy {
  readonly artifact: Artifact;
  readonly programs: Readonly<Record<ProofKind, Program>>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The artifact as its digest covers it (module comment): without `digest`, `policy.source` and the encodings. */
export function digestedContent(a: Omit<Artifact, 'digest'>): unknown {
  const { digest: _digest, ...rest } = a as Artifact;
  const { source: _source, ...policy } = rest.policy;
  const programs = Object.fromEntries(PROOF_KINDS.map((k) => {
    const { encoding: _encoding, ...entry } = rest.programs[k];
    return [k, entry];
  }));
  return { ...rest, policy, programs };
}

/** The policy digest (module comment) of an artifact, whatever its `digest` field says. */
export function policyDigest(a: Omit<Artifact, 'digest'>): Uint8Array {
  return blake3(new TextEncoder().encode(`zpol-policy-v3\n${canonicalJson(digestedContent(a))}`));
}

export function encodeArtifact(a: Artifact): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(a, null, 2) + '\n');
}

/** An artifact that cannot be used, with the field that is wrong. */
export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

/**
 * Parses an artifact, decodes its programs and checks that it holds together: every program matches its digest,
 * every layout's words follow from its type, and the policy digest is that of its contents (so a
 * `.zcp` cannot be edited into another policy under the same digest). `name`, when given, names the file in errors.
 */
export function loadArtifact(bytes: Uint8Array, name?: string): LoadedPolicy {
  const fail = (why: string): never => {
    throw new ArtifactError(name ? `${name}: ${why}` : why);
  };
  let a: Artifact;
  try {
    a = JSON.parse(new TextDecoder().decode(bytes)) as Artifact;
  } catch (e) {
    return fail(`not a compiled policy: ${(e as Error).message}`);
  }
  if (a === null || typeof a !== 'object' || a.format !== ZCP_FORMAT) return fail(`not a compiled policy (format ${JSON.stringify((a as { format?: unknown })?.format)})`);
  if (a.version !== ZCP_VERSION) return fail(`compiled policy version ${JSON.stringify(a.version)}; this zpol reads version ${ZCP_VERSION} (compile the policy again)`);
  const layouts: [string, unknown][] = [
    ['records.spec', a.records?.spec],
    ['records.step', a.records?.step],
    ['records.state', a.records?.state],
    ['outputs', a.outputs],
    ['publicSpec', a.publicSpec],
  ];
  for (const [field, ls] of layouts) {
    if (!Array.isArray(ls)) return fail(`${field} is not a list of fields`);
    ls.forEach((l: FieldLayout, i) => {
      if (typeof l?.name !== 'string' || !isValueType(l.type) || l.words !== typeWords(l.type)) fail(`${field}[${i}] is not a field layout (name, type, words)`);
    });
  }
  if (a.links !== undefined) {
    if (!Array.isArray(a.links)) fail('links is not a list');
    const publicField = (n: unknown) => a.publicSpec.find((f) => f.name === n);
    a.links.forEach((l: SpecLink, i) => {
      const ok = [l?.field, l?.chain, l?.name, l?.at].every((x) => typeof x === 'string') && publicField(l.field) && publicField(l.chain)?.type.kind === 'digest';
      if (!ok) fail(`links[${i}] is not a link (field and chain public spec fields, the chain a digest, name and at strings)`);
    });
  }
  if (a.labels !== undefined) {
    if (!Array.isArray(a.labels)) fail('labels is not a list');
    a.labels.forEach((l: LabelTensor, i) => {
      const field = a.records.step.find((f) => f.name === l?.field);
      const ok = field?.type.kind === 'digest' && Number.isSafeInteger(l.rows) && l.rows >= 1 && Number.isSafeInteger(l.sources) && l.sources >= 1 && typeof l.at === 'string';
      if (!ok) fail(`labels[${i}] is not a label tensor (field a digest field of the step record, rows and sources whole numbers from 1, at a string)`);
    });
  }
  if (a.members !== undefined) {
    if (!Array.isArray(a.members)) fail('members is not a list');
    a.members.forEach((m: MemberCheck, i) => checkMember(a, m, (why) => fail(`members[${i}] is not a membership check: ${why}`)));
  }
  if (a.embeds !== undefined) {
    if (!Array.isArray(a.embeds)) fail('embeds is not a list');
    const stepDigest = (f: unknown) => a.records.step.find((x) => x.name === f)?.type.kind === 'digest';
    a.embeds.forEach((m: EmbedCheck, i) => {
      const why = embedCheckProblem(m, stepDigest);
      if (why) fail(`embeds[${i}] is not an embedding check: ${why}`);
    });
  }
  if (a.weights !== undefined) {
    if (!Array.isArray(a.weights)) fail('weights is not a list');
    a.weights.forEach((w: WeightLayout, i) => {
      const field = a.records.spec.find((f) => f.name === w?.field);
      const ok = field?.type.kind === 'digest' && Number.isSafeInteger(w.tensors) && w.tensors >= 1 && w.tensors <= 65536 && typeof w.clause === 'string' && typeof w.at === 'string';
      if (!ok) fail(`weights[${i}] is not a weight layout (field a digest field of the spec record, tensors a whole number from 1 to 65536, clause and at strings)`);
    });
  }
  if (!Array.isArray(a.clauses)) fail('clauses is not a list');
  if (!Array.isArray(a.verifies)) fail('verifies is not a list');
  a.verifies.forEach((v: ComputeCheck, i) => {
    const whole = (x: unknown, min: number): x is number => Number.isSafeInteger(x) && (x as number) >= min;
    // The prover and `zpol info` split K into blocks of `block` products.
    if (v?.order === 'blocked' && !whole(v.block, 1)) fail(`verifies[${i}] is in blocked order without a block width (a whole number from 1)`);
    const w = v?.weights;
    if (w !== undefined) {
      const state = a.records.state.find((f) => f.name === w?.field);
      const initial = a.records.spec.find((f) => f.name === w?.initial);
      const bytes = typeof w?.name === 'string' ? new TextEncoder().encode(w.name).length : 0;
      const member = v.family === undefined || (typeof w.name === 'string' && w.name.includes(`{${v.family.variable}}`));
      const ok = state?.type.kind === 'digest' && initial?.type.kind === 'digest' && Number.isSafeInteger(w.tensors) && w.tensors >= 1 && w.tensors <= 65536 && bytes >= 1 && bytes <= 256 && member;
      if (!ok) fail(`verifies[${i}].weights is not a weights binding (field a digest field of the state record, initial a digest field of the spec record, tensors a whole number from 1 to 65536, name a string of 1 to 256 bytes, holding {VARIABLE} in a family)`);
    }
    // The prover draws `draws` of the to − from members and reads their operands at from..to − 1.
    const f = v?.family;
    if (f === undefined) return;
    const ok = typeof f?.variable === 'string' && whole(f.from, 0) && whole(f.to, f.from + 1) && whole(f.draws, 1) && f.draws <= f.to - f.from;
    if (!ok) fail(`verifies[${i}].family is not a family (variable a string, 0 ≤ from < to, 1 ≤ draws ≤ to − from)`);
  });
  try {
    boundLayouts(a.verifies);
  } catch (e) {
    fail(`verifies: ${(e as Error).message}`);
  }
  const programs = {} as Record<ProofKind, Program>;
  for (const k of PROOF_KINDS) {
    const entry = a.programs?.[k];
    if (typeof entry?.encoding !== 'string') return fail(`programs.${k} has no encoding`);
    let p: Program;
    try {
      p = decodeProgram(Buffer.from(entry.encoding, 'base64'));
    } catch (e) {
      return fail(`programs.${k}: ${(e as Error).message}`);
    }
    if (hex(programDigest(p)) !== entry.digest) fail(`the ${k} program does not match its digest`);
    programs[k] = p;
  }
  if (hex(policyDigest(a)) !== a.digest) fail('the policy digest is not that of its contents (an edited .zcp: compile the policy again)');
  return { artifact: a, programs };
}

/** A membership check holds together: its fields are the records' and its counts whole numbers in range. */
function checkMember(a: Artifact, m: MemberCheck, fail: (why: string) => never): void {
  const whole = (x: unknown, min = 1): boolean => Number.isSafeInteger(x) && (x as number) >= min;
  const stepDigest = (f: unknown) => a.records.step.find((x) => x.name === f)?.type.kind === 'digest';
  const roots = a.records.spec.find((x) => x.name === m?.datasets)?.type;
  if (typeof m?.clause !== 'string' || typeof m.at !== 'string') fail('clause and at are strings');
  if (!stepDigest(m.labels) || !stepDigest(m.batch)) fail('labels and batch are digest fields of the step record');
  if (!Array.isArray(m.names) || m.names.length < 1 || m.names.length > 256 || !m.names.every((n) => typeof n === 'string')) fail('names are 1 to 256 strings');
  if (roots?.kind !== 'array' || roots.element.kind !== 'digest' || roots.length !== m.names.length) fail(`datasets is a spec field of ${m.names.length} digests`);
  if (!Array.isArray(m.examples) || m.examples.length !== m.names.length || !m.examples.every((x) => whole(x) && x <= 2 ** 24)) fail('examples are one count from 1 to 2^24 per source');
  if (![m.cols, m.rows, m.batchCols, m.samples].every((x) => whole(x)) || m.batchCols > m.cols) fail('cols, rows, batchCols and samples are whole numbers from 1, batchCols at most cols');
  if (!powBitsValid(m.powBits)) fail(powBitsRule);
}