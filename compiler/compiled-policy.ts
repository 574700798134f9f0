/**
 * What compiling a policy produces (compile.ts builds it, artifact.ts writes it out as the .zcp): the three
 * programs, the records' layouts and what the runtime needs to prove and explain them, and how the programs name
 * source files and lay out a record's fields.
 */
import type { EmbedCheck, FieldLayout, LabelTensor, MemberCheck, ProofKind, WeightLayout } from '../runtime/policy/artifact.ts';
import { STDLIB_DIR, type CheckedFile } from '../language/program.ts';
import type { Type } from '../language/checker/types.ts';
import type { Program } from '../runtime/vm/program.ts';
import { valueType, ValueTypeError } from './value-types.ts';
import { LoweringError } from './lower.ts';
import type { Region } from './codegen.ts';
import type { OptimizeReport } from './passes.ts';
import type { ComputeCheck } from './verify.ts';

export interface CompiledPolicy {
  readonly name: string;
  readonly programs: Readonly<Record<ProofKind, Program>>;
  readonly layouts: { readonly spec: readonly FieldLayout[]; readonly step: readonly FieldLayout[]; readonly state: readonly FieldLayout[] };
  /** Public outputs of the attestation program, in order, with the words each takes. */
  readonly outputs: readonly FieldLayout[];
  /** Public spec fields, output by the genesis program. */
  readonly publicSpec: readonly FieldLayout[];
  /** The `verify` compute checks, in the order the step program runs them. */
  readonly verifies: readonly ComputeCheck[];
  /** The label tensors the step program reads, in tape order (compiler/labels.ts). */
  readonly labels: readonly LabelTensor[];
  /** The from_sources membership checks, in tape order (compiler/members.ts). */
  readonly members: readonly MemberCheck[];
  /** The embeds checks, after the membership checks on the tape (compiler/embeds.ts). */
  readonly embeds: readonly EmbedCheck[];
  /** The weight layouts the genesis program reads, in tape order (compiler/weights.ts). */
  readonly weights: readonly WeightLayout[];
  /**
   * Where each program's instructions come from: consecutive ranges [from, to) of pcs, one per clause or part
   * (a shared subexpression counts for the first clause that needed it).
   */
  readonly regions: Readonly<Record<ProofKind, readonly Region[]>>;
  /** Memory addresses of the new state's words when genesis and step halt, in record order. */
  readonly stateAddresses: { readonly genesis: readonly number[]; readonly step: readonly number[] };
  /** What the passes did to each program (passes.ts). */
  readonly optimization: Readonly<Record<ProofKind, OptimizeReport>>;
  /** Source location of every instruction that can trap, by pc. */
  readonly traps: Readonly<Record<ProofKind, ReadonlyMap<number, string>>>;
}

/**
 * How compiled programs name a source file in their messages and source maps: the policy by its file name,
 * a standard-library module as stdlib/NAME.zpol. Not the path it was compiled from: the programs, and so the
 * policy digest, must not depend on where the policy file sits.
 */
export function sourceName(file: CheckedFile): string {
  const base = file.ast.path.split(/[\\/]/).pop()!;
  return file.ast.path.startsWith(STDLIB_DIR) ? `stdlib/${base}` : base;
}

/** The machine words a value of type t takes (a ratio two, an array its elements'). */
export function typeWords(t: Type): number {
  if (t.kind === 'array') return Number(t.length ?? 0n) * typeWords(t.element);
  if (t.kind === 'num' && t.base !== 'int') return 2;
  return 1;
}

/** A field's or output's layout: its ValueType and the words it takes. */
export function fieldLayout(name: string, t: Type, at: string): FieldLayout {
  try {
    return { name, type: valueType(t), words: typeWords(t) };
  } catch (e) {
    if (e instanceof ValueTypeError) throw new LoweringError(`${name}: ${e.message}`, at);
    throw e;
  }
}
