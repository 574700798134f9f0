/**
 * Builds the compiled-policy artifact (runtime/policy/artifact.ts describes it and reads it back) from a compiled
 * policy and its checked source: the programs, the layouts with their ValueTypes, the record schemas, the clause
 * table, the source map, the traps and the compute checks.
 */
import type * as A from '../language/ast.ts';
import type { CheckedFile } from '../language/program.ts';
import { encodeProgram, programDigest, type Program } from '../runtime/vm/program.ts';
import {
  PROOF_KINDS,
  ZCP_FORMAT,
  ZCP_VERSION,
  loadArtifact,
  policyDigest as digestOf,
  type Artifact,
  type ClauseInfo,
  type FieldLayout,
  type LoadedPolicy,
  type ProofKind,
  type SourceMapEntry,
  type SpecLink,
} from '../runtime/policy/artifact.ts';
import { sourceName, type CompiledPolicy } from './compiled-policy.ts';
import { recordSchema } from './schemas.ts';

export { encodeArtifact, PROOF_KINDS, type Artifact } from '../runtime/policy/artifact.ts';

const PUBLIC_INPUTS: Record<ProofKind, string[]> = {
  genesis: ['spec commitment'],
  step: ['spec commitment', 'previous state commitment', 'step record commitment'],
  attestation: ['spec commitment', 'final state commitment'],
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function expandOutputs(layouts: readonly FieldLayout[]): string[] {
  return layouts.flatMap((l) => (l.words === 1 ? [l.name] : Array.from({ length: l.words }, (_, i) => `${l.name}[${i}]`)));
}

/** The public spec fields declared `from` an earlier chain, in declaration order. */
function specLinks(root: CheckedFile): SpecLink[] {
  return root.ast.decls.flatMap((d) =>
    d.kind === 'RecordDecl' && d.record === 'spec'
      ? d.fields.flatMap((f) =>
          f.from ? [{ field: f.name.name, chain: f.from.chain.name, name: f.from.path.map((p) => p.name).join('.'), at: `${sourceName(root)}:${f.span.start.line}:${f.span.start.column}` }] : [],
        )
      : [],
  );
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

/** Every clause of the policy file, in source order, as reports name it. */
function clauseTable(root: CheckedFile): ClauseInfo[] {
  const at = (d: A.Decl) => `${sourceName(root)}:${d.span.start.line}:${d.span.start.column}`;
  return root.ast.decls.flatMap((d): ClauseInfo[] => {
    if (d.kind === 'ClauseDecl') return [{ kind: d.clause, name: d.name.name, description: d.description?.value ?? null, at: at(d) }];
    if (d.kind === 'VerifyDecl') return [{ kind: 'verify', name: d.name.name, description: d.description?.value ?? null, at: at(d) }];
    return [];
  });
}

export function buildArtifact(compiled: CompiledPolicy, root: CheckedFile): Artifact {
  const header = root.ast.header as A.PolicyHeader;
  const fields = (record: 'spec' | 'step') =>
    root.ast.decls.filter((d): d is A.RecordDecl => d.kind === 'RecordDecl' && d.record === record).flatMap((d) => d.fields);
  const links = specLinks(root);
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
  const { format, version, policy, ...rest } = {
    format: ZCP_FORMAT,
    version: ZCP_VERSION,
    policy: { name: compiled.name, version: header.version.text, description: header.description?.value ?? null, source: root.path },
    programs,
    records: compiled.layouts,
    schemas: { spec: recordSchema(root.checker, compiled.name, 'spec', fields('spec')), step: recordSchema(root.checker, compiled.name, 'step', fields('step')) },
    outputs: compiled.outputs,
    publicSpec: compiled.publicSpec,
    ...(links.length > 0 ? { links } : {}),
    clauses: clauseTable(root),
    sourceMap: map,
    traps: {
      genesis: [...compiled.traps.genesis].map(([pc, at]) => ({ pc, at })),
      step: [...compiled.traps.step].map(([pc, at]) => ({ pc, at })),
      attestation: [...compiled.traps.attestation].map(([pc, at]) => ({ pc, at })),
    },
    verifies: compiled.verifies,
    ...(compiled.labels.length > 0 ? { labels: compiled.labels } : {}),
    ...(compiled.members.length > 0 ? { members: compiled.members } : {}),
    ...(compiled.embeds.length > 0 ? { embeds: compiled.embeds } : {}),
    ...(compiled.weights.length > 0 ? { weights: compiled.weights } : {}),
  } satisfies Omit<Artifact, 'digest'>;
  // The digest covers everything but itself (runtime/policy/artifact.ts); it sits after the header in the file.
  return { format, version, policy, digest: hex(digestOf({ format, version, policy, ...rest })), ...rest };
}

/** Parses an artifact and decodes its programs; throws with a reason when it is not one (runtime/policy/artifact.ts). */
export function decodeArtifact(bytes: Uint8Array): LoadedPolicy {
  return loadArtifact(bytes);
}
