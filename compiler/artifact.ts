/**
 * The compiled-policy artifact (`.zcp`): one canonical JSON document holding the three programs (their canonical
 * bytes in base64, and their digests), the record layouts, the JSON Schemas of the spec and step records, the
 * source map from each program's assertion messages to the clauses they check, and the policy digest.
 *
 * Canonical: keys in a fixed order, two-space indentation, a final newline, no timestamps or absolute paths, so
 * compiling the same policy twice gives the same bytes. schemas/zcp.schema.json is the artifact's own schema.
 *
 * Policy digest = BLAKE3("zpol-policy-v1" ‖ genesis digest ‖ step digest ‖ attestation digest ‖ the canonical
 * JSON of the record layouts and outputs): what every proof of the policy is bound to.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import type * as A from '../language/ast.ts';
import type { CheckedFile } from '../language/program.ts';
import { decodeProgram, encodeProgram, programDigest, type Program } from '../runtime/vm/program.ts';
import type { CompiledPolicy, FieldLayout, ProofKind } from './compile.ts';
import { recordSchema, type JsonSchema } from './schemas.ts';
import type { ComputeCheck } from './verify.ts';

export const ZCP_FORMAT = 'zpol-compiled-policy';
export const ZCP_VERSION = 1;
export const PROOF_KINDS: readonly ProofKind[] = ['genesis', 'step', 'attestation'];

const PUBLIC_INPUTS: Record<ProofKind, string[]> = {
  genesis: ['spec commitment'],
  step: ['spec commitment', 'previous state commitment', 'step record commitment'],
  attestation: ['spec commitment', 'final state commitment'],
};

export interface SourceMapEntry {
  readonly message: number;
  readonly text: string;
  readonly kind: string;
  readonly name: string;
  readonly at: string;
}

export interface Artifact {
  readonly format: typeof ZCP_FORMAT;
  readonly version: number;
  readonly policy: { readonly name: string; readonly version: string; readonly description: string | null; readonly source: string };
  readonly digest: string;
  readonly programs: Readonly<
    Record<
      ProofKind,
      {
        readonly digest: string;
        readonly instructions: number;
        readonly memory: number;
        readonly publicInputs: readonly string[];
        readonly publicOutputs: readonly string[];
        /** Where the new state's words are in memory when the program halts (genesis and step). */
        readonly stateAddresses: readonly number[];
        readonly encoding: string;
      }
    >
  >;
  readonly records: { readonly spec: readonly FieldLayout[]; readonly step: readonly FieldLayout[]; readonly state: readonly FieldLayout[] };
  readonly schemas: { readonly spec: JsonSchema; readonly step: JsonSchema };
  readonly outputs: readonly FieldLayout[];
  readonly publicSpec: readonly FieldLayout[];
  readonly sourceMap: Readonly<Record<ProofKind, readonly SourceMapEntry[]>>;
  /** Every instruction that can trap (a wide operation: overflow, a negative difference), with its source. */
  readonly traps: Readonly<Record<ProofKind, readonly { readonly pc: number; readonly at: string }[]>>;
  /** The compute checks the step program runs, with the settings that shape it. */
  readonly verifies: readonly ComputeCheck[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function expandOutputs(layouts: readonly FieldLayout[]): string[] {
  return layouts.flatMap((l) => (l.words === 1 ? [l.name] : Array.from({ length: l.words }, (_, i) => `${l.name}[${i}]`)));
}

export function policyDigest(compiled: CompiledPolicy): Uint8Array {
  const h = blake3.create();
  h.update(new TextEncoder().encode('zpol-policy-v1'));
  for (const k of PROOF_KINDS) h.update(programDigest(compiled.programs[k]));
  h.update(new TextEncoder().encode(JSON.stringify({ records: compiled.layouts, outputs: compiled.outputs, publicSpec: compiled.publicSpec })));
  return h.digest();
}

function sourceMap(program: Program, compiled: CompiledPolicy, kind: ProofKind): SourceMapEntry[] {
  const out: SourceMapEntry[] = [];
  program.instructions.forEach((ins, pc) => {
    if (ins.op !== 'assert' && ins.op !== 'assertEq') return;
    const r = compiled.regions[kind].find((g) => pc >= g.from && pc < g.to);
    out.push({ message: ins.imm, text: program.messages[ins.imm]!, kind: r?.kind ?? 'program', name: r?.name ?? '', at: r?.at ?? '' });
  });
  return out;
}

export function buildArtifact(compiled: CompiledPolicy, root: CheckedFile): Artifact {
  const header = root.ast.header as A.PolicyHeader;
  const fields = (record: 'spec' | 'step') =>
    root.ast.decls.filter((d): d is A.RecordDecl => d.kind === 'RecordDecl' && d.record === record).flatMap((d) => d.fields);
  const programs = {} as Record<ProofKind, Artifact['programs'][ProofKind]>;
  const map = {} as Record<ProofKind, SourceMapEntry[]>;
  for (const k of PROOF_KINDS) {
    const p = compiled.programs[k];
    programs[k] = {
      digest: hex(programDigest(p)),
      instructions: p.instructions.length,
      memory: p.memorySize,
      publicInputs: PUBLIC_INPUTS[k],
      publicOutputs:
        k === 'genesis' ? ['initial state commitment', ...expandOutputs(compiled.publicSpec)] : k === 'attestation' ? expandOutputs(compiled.outputs) : ['new state commitment'],
      stateAddresses: k === 'attestation' ? [] : compiled.stateAddresses[k],
      encoding: Buffer.from(encodeProgram(p)).toString('base64'),
    };
    map[k] = sourceMap(p, compiled, k);
  }
  return {
    format: ZCP_FORMAT,
    version: ZCP_VERSION,
    policy: { name: compiled.name, version: header.version.text, description: header.description?.value ?? null, source: root.path },
    digest: hex(policyDigest(compiled)),
    programs,
    records: compiled.layouts,
    schemas: { spec: recordSchema(root.checker, compiled.name, 'spec', fields('spec')), step: recordSchema(root.checker, compiled.name, 'step', fields('step')) },
    outputs: compiled.outputs,
    publicSpec: compiled.publicSpec,
    sourceMap: map,
    traps: {
      genesis: [...compiled.traps.genesis].map(([pc, at]) => ({ pc, at })),
      step: [...compiled.traps.step].map(([pc, at]) => ({ pc, at })),
      attestation: [...compiled.traps.attestation].map(([pc, at]) => ({ pc, at })),
    },
    verifies: compiled.verifies,
  };
}

export function encodeArtifact(a: Artifact): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(a, null, 2) + '\n');
}

/** Parses an artifact and decodes its programs; throws with a reason when it is not one (schema checks: validate.ts). */
export function decodeArtifact(bytes: Uint8Array): { artifact: Artifact; programs: Record<ProofKind, Program> } {
  let a: Artifact;
  try {
    a = JSON.parse(new TextDecoder().decode(bytes)) as Artifact;
  } catch (e) {
    throw new Error(`not a compiled policy: ${(e as Error).message}`);
  }
  if (a?.format !== ZCP_FORMAT) throw new Error(`not a compiled policy (format ${JSON.stringify(a?.format)})`);
  if (a.version !== ZCP_VERSION) throw new Error(`compiled policy version ${a.version}; this zpol reads version ${ZCP_VERSION}`);
  const programs = {} as Record<ProofKind, Program>;
  for (const k of PROOF_KINDS) {
    const p = decodeProgram(Buffer.from(a.programs[k].encoding, 'base64'));
    if (hex(programDigest(p)) !== a.programs[k].digest) throw new Error(`the ${k} program does not match its digest`);
    programs[k] = p;
  }
  return { artifact: a, programs };
}
