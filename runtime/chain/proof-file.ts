/**
 * Proof files: one binary file per proof (`genesis.zproof`, `step-NNNNNN.zproof`, `attestation.zproof`), canonical,
 * holding what a verifier needs besides the policy: the proof kind, the step number, the public inputs and outputs
 * as words, the digests of the policy and the program it proves, and the STARK proof itself. A run too long for one
 * proof (runtime/vm/segments.ts) has an empty `stark` and `segments`: one entry per segment in execution order, each
 * with the pcs and memory commitments it starts and ends with, the public inputs and outputs it reads and writes, and
 * its STARK proof.
 *
 * Layout (integers little-endian; docs/chain.md "File layout"):
 *
 *     "zpol-proof\n"   11 bytes, the format's name: `head -c 11` says what the file is
 *     version          u8 (PROOF_VERSION)
 *     H                u32, the header's length in bytes
 *     header           H bytes of JSON (UTF-8, no whitespace), the fields below in encodeProofFile's order without
 *                      format and version, each `stark` replaced by its proof's length in bytes
 *     proofs           the STARK proofs' bytes, the whole run's then each segment's, as the header orders them
 *
 * A proof has one file: a reader decodes, encodes again and refuses what is not byte for byte the same. In memory a
 * ProofFile holds each STARK proof in base64 (the verifier's input, as the JSON files of versions ≤ 8 held it); the
 * binary file saves base64's third: a demo step's 140 KB STARK proof is a file of about 142 KB instead of 189 KB.
 */
import type { ProofKind } from '../policy/artifact.ts';
import type { HashConfigName } from '../proof/hash-config.ts';
import { MAX_SEGMENTS } from '../vm/segments.ts';

export const PROOF_FORMAT = 'zpol-proof';

/** The file a proof is written to in a proofs folder: genesis.zproof, step-NNNNNN.zproof, attestation.zproof. */
export const proofFileName = (kind: ProofKind, step: number): string => `${proofFileStem(kind, step)}${PROOF_FILE_EXTENSION}`;
/** A proof's file name without its extension (the name of its work folder under .partial/). */
export const proofFileStem = (kind: ProofKind, step: number): string =>
  kind === 'genesis' ? 'genesis' : kind === 'attestation' ? 'attestation' : `step-${String(step).padStart(6, '0')}`;
/** The extension of a proof file (a run proof, runtime/chain/run-proof.ts, is a `.proof`). */
export const PROOF_FILE_EXTENSION = '.zproof';
/** A proof file name of the JSON format versions ≤ 8 wrote (genesis.json, step-NNNNNN.json, attestation.json). */
export const isLegacyProofFileName = (name: string): boolean => /^(genesis|attestation|step-\d{6,})\.json$/.test(name);
/**
 * 10: a BLAKE3 whole-run proof with a table taller than 2^SMALL_TRACE_MAX_LOG_HEIGHT rows is made at
 * TALL_TRACE_PCS_PARAMS (rate 1/4, 43 queries), where version 9 made it at DEFAULT_PCS_PARAMS (rate 1/8, 28 queries).
 * 9: a binary file (the layout above; versions ≤ 8 were JSON documents, the STARK proofs in base64), named
 * `*.zproof`; a BLAKE3 segment proof is made at SEGMENT_PCS_PARAMS (32 queries, 16 bits ground before each challenge: a step
 * of up to 2^13 segments keeps ≥ 100 conjectured bits, runtime/proof/pcs/security.ts).
 * 8: a BLAKE3 whole-run proof whose tables are at most 2^SMALL_TRACE_MAX_LOG_HEIGHT rows is made at
 * SMALL_TRACE_PCS_PARAMS (rate 1/32, 17 queries: runtime/proof/pcs/security.ts pcsParamsForHeight), which the verifier
 * selects from the heights in the STARK proof's header.
 * 7: the STARK proof inside is format 8 (format 7: LogUp's last group carried by the running sum; 8: the zk mask in
 * the quotient commitment).
 * 6: the STARK proof inside is format 6 (tall quotients' tables randomised for their rows too).
 * 5: the STARK proof inside is format 5 (tall quotient chunks for doubled tables).
 * 4: the STARK proof inside is format 4 (nonces ground before the LogUp challenges, ζ, the PCS's batching
 * coefficients and each FRI folding β).
 * 3: the STARK proof inside is format 3 (zero knowledge by small randomisers, FRI with degree slack).
 * 2: the STARK proof inside is format 2 (one Merkle tree per commitment phase, next-row values opened only where
 * read), and the file may name its hash configuration (`hash`). A version-1 file is refused by its version, not by a
 * STARK decoding error.
 */
export const PROOF_VERSION = 10;

export interface ProofFile {
  readonly format: typeof PROOF_FORMAT;
  readonly version: number;
  /**
   * The hash configuration the STARK proof was made with (runtime/proof/hash-config.ts): absent for BLAKE3 (the
   * default, so that such proofs have one file), "poseidon2" for the recursion-friendly configuration.
   */
  readonly hash?: Exclude<HashConfigName, 'blake3'>;
  /**
   * "aggregation" for a proof made to be aggregated (`zpol prove --aggregatable`: the Poseidon2 configuration with
   * POSEIDON2_AGGREGATION_PCS_PARAMS, which the verifier program of runtime/aggregate verifies cheapest); absent for
   * the hash configuration's defaults.
   */
  readonly params?: 'aggregation';
  readonly kind: ProofKind;
  readonly policy: string;
  readonly policyDigest: string;
  readonly program: string;
  /** 0 for genesis, k for the k-th step, the last step's number for the attestation. */
  readonly step: number;
  readonly publicInputs: readonly string[];
  readonly publicOutputs: readonly string[];
  /** The STARK proof of the run (empty when the run is proven in segments). */
  readonly stark: string;
  /** The segment proofs of a run proven in segments (absent otherwise), in execution order. */
  readonly segments?: readonly SegmentEntry[];
}

/** One segment proof of a segmented run (runtime/vm/segments.ts SegmentStatement, words in hex). */
export interface SegmentEntry {
  readonly pcStart: number;
  readonly pcEnd: number;
  readonly memStart: string;
  readonly memEnd: string;
  /** The public inputs it reads and outputs it writes, by index (inputs first). */
  readonly io: readonly number[];
  readonly stark: string;
}

const SEGMENT_FIELDS = ['pcStart', 'pcEnd', 'memStart', 'memEnd', 'io', 'stark'] as const;

/** The proof file of `p` (the layout in the module comment). */
export function encodeProofFile(p: ProofFile): Uint8Array {
  const proofs: Buffer[] = [];
  const json = headerBytes(p, (base64) => {
    const bytes = Buffer.from(base64, 'base64');
    proofs.push(bytes);
    return bytes.length;
  });
  const fixed = Buffer.alloc(MAGIC.length + 5);
  fixed.set(MAGIC);
  fixed.writeUInt8(p.version, MAGIC.length);
  fixed.writeUInt32LE(json.length, MAGIC.length + 1);
  return Buffer.concat([fixed, json, ...proofs]);
}

/** The header of `p`'s file: its fields in order, without format and version, each STARK proof as `length(proof)`. */
function headerBytes(p: ProofFile, length: (base64: string) => number): Buffer {
  const header = {
    ...(p.hash === undefined ? {} : { hash: p.hash }),
    ...(p.params === undefined ? {} : { params: p.params }),
    kind: p.kind,
    policy: p.policy,
    policyDigest: p.policyDigest,
    program: p.program,
    step: p.step,
    publicInputs: p.publicInputs,
    publicOutputs: p.publicOutputs,
    stark: length(p.stark),
    ...(p.segments ? { segments: p.segments.map((e) => ({ pcStart: e.pcStart, pcEnd: e.pcEnd, memStart: e.memStart, memEnd: e.memEnd, io: e.io, stark: length(e.stark) })) } : {}),
  };
  return Buffer.from(JSON.stringify(header), 'utf8');
}

const MAGIC = Buffer.from(`${PROOF_FORMAT}\n`, 'ascii');

/** The fields encodeProofFile writes, in its order: a field added there is added here. */
const FIELDS = ['format', 'version', 'hash', 'params', 'kind', 'policy', 'policyDigest', 'program', 'step', 'publicInputs', 'publicOutputs', 'stark', 'segments'] as const;

/**
 * What is wrong with a parsed proof file's shape, naming the field, or null. Only the shape: whether the words
 * and digests are this policy's is the chain verifier's business. Unknown fields are an error too, so that a
 * proof has one file (the verifier reads nothing it does not check).
 */
export function proofFileProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `not a zpol proof file (a JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}, not an object)`;
  const o = v as Record<string, unknown>;
  if (o.format !== PROOF_FORMAT) return `not a zpol proof file (format ${JSON.stringify(o.format) ?? 'missing'}, expected ${JSON.stringify(PROOF_FORMAT)})`;
  if (o.version !== PROOF_VERSION) return versionProblem(o.version);
  const unknown = Object.keys(o).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) return `unknown field ${JSON.stringify(unknown[0])}`;
  if ('hash' in o && o.hash !== 'poseidon2') return `hash must be "poseidon2" or absent (BLAKE3), got ${JSON.stringify(o.hash)}`;
  if ('params' in o && o.params !== 'aggregation') return `params must be "aggregation" or absent (the hash configuration's defaults), got ${JSON.stringify(o.params)}`;
  if ('params' in o && o.hash !== 'poseidon2') return 'params: "aggregation" proofs are made with the poseidon2 hash configuration (hash must be "poseidon2")';
  if (o.kind !== 'genesis' && o.kind !== 'step' && o.kind !== 'attestation') return `unknown proof kind ${JSON.stringify(o.kind) ?? '(missing)'}`;
  for (const k of ['policy', 'policyDigest', 'program', 'stark'] as const) if (typeof o[k] !== 'string') return `${k} must be a string`;
  if (o.segments !== undefined) {
    if (o.stark !== '') return 'stark must be empty in a proof in segments (each segment has its own)';
    const problem = segmentsProblem(o.segments);
    if (problem) return problem;
  }
  if (!Number.isSafeInteger(o.step) || (o.step as number) < 0) return `step must be a non-negative integer, got ${JSON.stringify(o.step) ?? 'nothing'}`;
  for (const k of ['publicInputs', 'publicOutputs'] as const) {
    const list = o[k];
    if (!Array.isArray(list)) return `${k} must be a list of hex words`;
    const i = list.findIndex((x) => typeof x !== 'string');
    if (i >= 0) return `${k}[${i}] must be a string of hex digits`;
  }
  return null;
}

function segmentsProblem(v: unknown): string | null {
  if (!Array.isArray(v)) return 'segments must be a list';
  if (v.length < 2 || v.length > MAX_SEGMENTS) return `segments: ${v.length} segments; a segmented proof has 2 to ${MAX_SEGMENTS}`;
  for (const [k, e] of v.entries()) {
    const at = `segments[${k}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return `${at} must be an object`;
    const o = e as Record<string, unknown>;
    const unknown = Object.keys(o).filter((f) => !(SEGMENT_FIELDS as readonly string[]).includes(f));
    if (unknown.length > 0) return `${at}: unknown field ${JSON.stringify(unknown[0])}`;
    for (const f of ['pcStart', 'pcEnd'] as const) if (!Number.isSafeInteger(o[f]) || (o[f] as number) < 0) return `${at}.${f} must be a non-negative integer`;
    for (const f of ['memStart', 'memEnd', 'stark'] as const) if (typeof o[f] !== 'string') return `${at}.${f} must be a string`;
    if (!Array.isArray(o.io) || !o.io.every((i) => Number.isSafeInteger(i) && i >= 0)) return `${at}.io must be a list of public word indices`;
  }
  return null;
}

export type ParsedProofFile = { readonly ok: true; readonly value: ProofFile } | { readonly ok: false; readonly error: string };

/** Parses a proof file; never throws: the error names the file (`name`) and what is wrong. */
export function parseProofFile(bytes: Uint8Array, name = 'proof'): ParsedProofFile {
  const bad = (why: string): ParsedProofFile => ({ ok: false, error: `${name}: ${why}` });
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length > 0 && b[0] === 0x7b) return bad(legacyProblem(b));
  if (b.length < MAGIC.length + 5 || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    return bad(`not a zpol proof file (it does not start with ${JSON.stringify(MAGIC.toString('ascii'))})`);
  }
  const version = b.readUInt8(MAGIC.length);
  if (version !== PROOF_VERSION) return bad(versionProblem(version));
  const headerLength = b.readUInt32LE(MAGIC.length + 1);
  const start = MAGIC.length + 5;
  if (headerLength > b.length - start) return bad(`header: ${headerLength} bytes, but the file has ${b.length - start} after its first ${start}`);
  let header: unknown;
  try {
    header = JSON.parse(b.toString('utf8', start, start + headerLength));
  } catch (e) {
    return bad(`header: not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return bad('header: not a JSON object');
  const h = header as Record<string, unknown>;
  if ('format' in h || 'version' in h) return bad('header: format and version are the bytes before it, not header fields');
  // The STARK proofs' lengths, in the order their bytes follow the header.
  const lengths: { at: string; bytes: unknown }[] = [{ at: 'stark', bytes: h.stark }];
  if (Array.isArray(h.segments)) h.segments.forEach((e, k) => lengths.push({ at: `segments[${k}].stark`, bytes: typeof e === 'object' && e !== null ? (e as Record<string, unknown>).stark : undefined }));
  let offset = start + headerLength;
  const starks: string[] = [];
  const sizes: number[] = [];
  for (const { at, bytes: n } of lengths) {
    if (!Number.isSafeInteger(n) || (n as number) < 0) return bad(`${at} must be the length in bytes of its STARK proof, got ${JSON.stringify(n) ?? 'nothing'}`);
    if ((n as number) > b.length - offset) return bad(`${at}: ${n as number} bytes from byte ${offset}, but the file ends at ${b.length} (cut short?)`);
    starks.push(b.toString('base64', offset, offset + (n as number)));
    sizes.push(n as number);
    offset += n as number;
  }
  if (offset !== b.length) return bad(`${b.length - offset} byte${b.length - offset === 1 ? '' : 's'} after the last STARK proof (byte ${offset} on)`);
  const value = {
    format: PROOF_FORMAT,
    version,
    ...h,
    stark: starks[0]!,
    ...(Array.isArray(h.segments) ? { segments: h.segments.map((e, k) => ({ ...(e as object), stark: starks[k + 1]! })) } : {}),
  };
  const problem = proofFileProblem(value);
  if (problem !== null) return bad(problem);
  // The bytes before and after the header are fixed by the checks above; the header must be the one encodeProofFile
  // writes for this proof (the proofs' lengths as read, not their base64 decoded again).
  let next = 0;
  const canonical = headerBytes(value as ProofFile, () => sizes[next++]!);
  if (!canonical.equals(b.subarray(start, start + headerLength))) return bad('header: not in canonical form (its fields in zpol\'s order, JSON without whitespace): a proof has one file');
  return { ok: true, value: value as ProofFile };
}

/** Why a JSON document is not read: proof files of versions ≤ 8 were JSON. */
function legacyProblem(b: Buffer): string {
  let version: unknown;
  try {
    version = (JSON.parse(b.toString('utf8')) as { version?: unknown }).version;
  } catch {
    return 'not a zpol proof file (a JSON document, and proof files are binary since version 9)';
  }
  return `a JSON proof file${Number.isSafeInteger(version) ? ` of version ${String(version)}` : ''}, by an older zpol; this zpol reads binary proof files of version ${PROOF_VERSION} (*${PROOF_FILE_EXTENSION}): prove the run again`;
}

function versionProblem(version: unknown): string {
  const older = Number.isSafeInteger(version) && (version as number) >= 1 && (version as number) < PROOF_VERSION;
  return `version ${JSON.stringify(version) ?? 'missing'}; this zpol reads version ${PROOF_VERSION}${older ? ' (a proof by an older zpol, in a format this one no longer reads: prove the run again)' : ''}`;
}

/** Parses a proof file; throws with a reason naming what is wrong. */
export function decodeProofFile(bytes: Uint8Array, name = 'proof'): ProofFile {
  const r = parseProofFile(bytes, name);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The hash configuration a proof file names (absent: BLAKE3). */
export const proofHash = (p: ProofFile): HashConfigName => p.hash ?? 'blake3';

/** Whether a proof file was made to be aggregated (`params: "aggregation"`). */
export const proofAggregatable = (p: ProofFile): boolean => p.params === 'aggregation';
