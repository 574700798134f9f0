/**
 * Proof files: one JSON document per proof, canonical (fixed key order, two-space indentation, final newline),
 * holding what a verifier needs besides the policy: the proof kind, the step number, the public inputs and
 * outputs as words, the digests of the policy and the program it proves, and the STARK proof itself (its
 * canonical binary encoding in base64).
 */
import type { ProofKind } from '../policy/artifact.ts';
import type { HashConfigName } from '../proof/hash-config.ts';

export const PROOF_FORMAT = 'zpol-proof';
export const PROOF_VERSION = 1;

export interface ProofFile {
  readonly format: typeof PROOF_FORMAT;
  readonly version: number;
  /**
   * The hash configuration the STARK proof was made with (runtime/proof/hash-config.ts): absent for BLAKE3 (the
   * default, so that such proofs have one file), "poseidon2" for the recursion-friendly configuration.
   */
  readonly hash?: Exclude<HashConfigName, 'blake3'>;
  readonly kind: ProofKind;
  readonly policy: string;
  readonly policyDigest: string;
  readonly program: string;
  /** 0 for genesis, k for the k-th step, the last step's number for the attestation. */
  readonly step: number;
  readonly publicInputs: readonly string[];
  readonly publicOutputs: readonly string[];
  readonly stark: string;
}

export function encodeProofFile(p: ProofFile): string {
  const ordered: ProofFile = {
    format: p.format,
    version: p.version,
    ...(p.hash === undefined ? {} : { hash: p.hash }),
    kind: p.kind,
    policy: p.policy,
    policyDigest: p.policyDigest,
    program: p.program,
    step: p.step,
    publicInputs: p.publicInputs,
    publicOutputs: p.publicOutputs,
    stark: p.stark,
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

/** The fields encodeProofFile writes, in its order: a field added there is added here. */
const FIELDS = ['format', 'version', 'hash', 'kind', 'policy', 'policyDigest', 'program', 'step', 'publicInputs', 'publicOutputs', 'stark'] as const;

/**
 * What is wrong with a parsed proof file's shape, naming the field, or null. Only the shape: whether the words
 * and digests are this policy's is the chain verifier's business. Unknown fields are an error too, so that a
 * proof has one file (the verifier reads nothing it does not check).
 */
export function proofFileProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `not a zpol proof file (a JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}, not an object)`;
  const o = v as Record<string, unknown>;
  if (o.format !== PROOF_FORMAT) return `not a zpol proof file (format ${JSON.stringify(o.format) ?? 'missing'}, expected ${JSON.stringify(PROOF_FORMAT)})`;
  if (o.version !== PROOF_VERSION) return `version ${JSON.stringify(o.version) ?? 'missing'}; this zpol reads version ${PROOF_VERSION}`;
  const unknown = Object.keys(o).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) return `unknown field ${JSON.stringify(unknown[0])}`;
  if ('hash' in o && o.hash !== 'poseidon2') return `hash must be "poseidon2" or absent (BLAKE3), got ${JSON.stringify(o.hash)}`;
  if (o.kind !== 'genesis' && o.kind !== 'step' && o.kind !== 'attestation') return `unknown proof kind ${JSON.stringify(o.kind) ?? '(missing)'}`;
  for (const k of ['policy', 'policyDigest', 'program', 'stark'] as const) if (typeof o[k] !== 'string') return `${k} must be a string`;
  if (!Number.isSafeInteger(o.step) || (o.step as number) < 0) return `step must be a non-negative integer, got ${JSON.stringify(o.step) ?? 'nothing'}`;
  for (const k of ['publicInputs', 'publicOutputs'] as const) {
    const list = o[k];
    if (!Array.isArray(list)) return `${k} must be a list of hex words`;
    const i = list.findIndex((x) => typeof x !== 'string');
    if (i >= 0) return `${k}[${i}] must be a string of hex digits`;
  }
  return null;
}

export type ParsedProofFile = { readonly ok: true; readonly value: ProofFile } | { readonly ok: false; readonly error: string };

/** Parses a proof file; never throws: the error names the file (`name`) and what is wrong. */
export function parseProofFile(text: string, name = 'proof'): ParsedProofFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${name}: not JSON (${(e as Error).message})` };
  }
  const problem = proofFileProblem(v);
  return problem === null ? { ok: true, value: v as ProofFile } : { ok: false, error: `${name}: ${problem}` };
}

/** Parses a proof file; throws with a reason naming what is wrong. */
export function decodeProofFile(text: string, name = 'proof'): ProofFile {
  const r = parseProofFile(text, name);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The hash configuration a proof file names (absent: BLAKE3). */
export const proofHash = (p: ProofFile): HashConfigName => p.hash ?? 'blake3';
