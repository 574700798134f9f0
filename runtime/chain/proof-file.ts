/**
 * Proof files: one JSON document per proof, canonical (fixed key order, two-space indentation, final newline),
 * holding what a verifier needs besides the policy: the proof kind, the step number, the public inputs and
 * outputs as words, the digests of the policy and the program it proves, and the STARK proof itself (its
 * canonical binary encoding in base64).
 */
import type { ProofKind } from '../../compiler/compile.ts';

export const PROOF_FORMAT = 'zpol-proof';
export const PROOF_VERSION = 1;

export interface ProofFile {
  readonly format: typeof PROOF_FORMAT;
  readonly version: number;
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

/** Parses a proof file; throws with a reason naming what is wrong. */
export function decodeProofFile(text: string, name = 'proof'): ProofFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not JSON (${(e as Error).message})`);
  }
  const o = v as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
  if (o?.format !== PROOF_FORMAT) fail('not a zpol proof file');
  if (o.version !== PROOF_VERSION) fail(`version ${String(o.version)}; this zpol reads version ${PROOF_VERSION}`);
  if (o.kind !== 'genesis' && o.kind !== 'step' && o.kind !== 'attestation') fail(`unknown proof kind ${JSON.stringify(o.kind)}`);
  for (const k of ['policy', 'policyDigest', 'program', 'stark'] as const) if (typeof o[k] !== 'string') fail(`${k} must be a string`);
  if (!Number.isSafeInteger(o.step) || (o.step as number) < 0) fail('step must be a non-negative integer');
  for (const k of ['publicInputs', 'publicOutputs'] as const) {
    if (!Array.isArray(o[k]) || !(o[k] as unknown[]).every((x) => typeof x === 'string')) fail(`${k} must be a list of hex words`);
  }
  return o as unknown as ProofFile;
}
