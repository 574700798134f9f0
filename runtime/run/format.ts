/**
 * The run directory (docs/run.md): the files a recorded training run consists of, the documents they hold, their
 * JSON Schemas (draft 2020-12), and the issues validation (validate.ts) reports, each naming the file, the step and
 * the field:
 *
 *   steps/000003.json: step 3: record/tokens_by_source/1: must be integer, got 1.5
 *
 *   run.json                     policy name and digest, the verify clauses' operands, the anchor's key
 *   spec.json                    the private training spec: the policy's spec record (docs/run-values.md)
 *   registry.json                data sources: name, examples file, Merkle root of the examples
 *   data/NAME.safetensors        each source's examples (tensor "examples", BF16 [rows, cols])
 *   steps/000001.json ...        per step: the policy's step record, its tensors file and commitments
 *   tensors/000001.safetensors   per step: the committed tensors (and the batch's example ids)
 *
 * Steps are numbered from 1: step k moves the state from S(k−1) to S(k), S(0) being genesis's.
 */
import type { Json } from './files.ts';

export const RUN_FILE = 'run.json';
export const SPEC_FILE = 'spec.json';
export const REGISTRY_FILE = 'registry.json';
export const STEPS_DIR = 'steps';
export const TENSORS_DIR = 'tensors';
export const DATA_DIR = 'data';
/** The tensor of a source's examples in its data file. */
export const EXAMPLES_TENSOR = 'examples';

export const RUN_FORMAT = 'zpol-run';
export const REGISTRY_FORMAT = 'zpol-run-registry';
export const STEP_FORMAT = 'zpol-run-step';
/**
 * The run format's version: 2 since tensor roots are chunked and commit their shapes (tensor-commit.ts). A run of
 * an older version is refused as a whole (`olderRunFormat`, ZV310): its roots are not the roots this zpol opens.
 */
export const RUN_FORMAT_VERSION = 2;

/** The issue for a run.json of an older version than this zpol's, or null. */
export function olderRunFormat(runJson: unknown): RunIssue | null {
  const v = (runJson as { version?: unknown } | null)?.version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v >= RUN_FORMAT_VERSION) return null;
  return {
    file: RUN_FILE,
    path: 'version',
    message: `ZV310: the run was recorded in run format version ${v}; this zpol reads version ${RUN_FORMAT_VERSION}, whose tensor roots are hashed in chunks and commit their shapes (docs/run.md, "Tensor commitments"): the roots of version ${v} are not what this zpol opens, so the run is not read. Record it again with this zpol (or its zpol_torch).`,
  };
}

/** A step's number in file names: at least 6 digits. */
export function stepName(step: number): string {
  if (!Number.isSafeInteger(step) || step < 1) throw new RangeError(`steps are numbered from 1, got ${step}`);
  return String(step).padStart(6, '0');
}
export const stepFile = (step: number): string => `${STEPS_DIR}/${stepName(step)}.json`;
export const tensorsFile = (step: number): string => `${TENSORS_DIR}/${stepName(step)}.safetensors`;
export const dataFile = (source: string): string => `${DATA_DIR}/${source}.safetensors`;

/**
 * The commitment key of element `index` of a record array of digests (a family's operand, `verify NAME[l in …]`):
 * `FIELD[INDEX]`, as `tensors.commitments` names it; a digest field's key is its name.
 */
export const memberField = (field: string, index: number): string => `${field}[${index}]`;

/** A commitment key's record field and, for an array element, its index. */
export function parseCommittedField(key: string): { field: string; index?: number } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\[(0|[1-9][0-9]*)\]$/.exec(key);
  return m ? { field: m[1]!, index: Number(m[2]) } : { field: key };
}

// ---------------------------------------------------------------------------------------------------------
// Documents

/** The operands of one `verify` clause: the step record fields holding the roots of a, b and c (c = a·b). */
export interface GemmOperands {
  readonly a: string;
  readonly b: string;
  readonly c: string;
}

export interface RunJson {
  readonly format: typeof RUN_FORMAT;
  readonly version: typeof RUN_FORMAT_VERSION;
  /** The policy's name, and its digest (the .zcp's `digest`) once known: null is the placeholder. */
  readonly policy: { readonly name: string; readonly digest: string | null };
  /** Per verify clause, by name: which step fields commit its operands. */
  readonly verify?: Readonly<Record<string, GemmOperands>>;
  /** The anchor whose Ed25519 key signs every step's observation digest. */
  readonly anchor?: { readonly algorithm: 'ed25519'; readonly public_key: string };
  /** Set when training has ended (Recorder.finish): the run's last step. Until then more steps may come. */
  readonly finished?: { readonly steps: number };
}

export interface SourceEntry {
  /** The source's index in per-source arrays (tokens_by_source[id]): 0, 1, ... in order. */
  readonly id: number;
  readonly name: string;
  readonly description?: string;
  /** data/NAME.safetensors */
  readonly file: string;
  /** Its examples: tensor `examples`, BF16, one example per row. */
  readonly shape: readonly [number, number];
  /** commitMatrix(examples).root as hex. */
  readonly root: string;
}

export interface RegistryJson {
  readonly format: typeof REGISTRY_FORMAT;
  readonly version: typeof RUN_FORMAT_VERSION;
  readonly sources: readonly SourceEntry[];
}

/** How one step field's root was made: the tensor it commits, its shape as committed, whether it is transposed. */
export interface CommitmentEntry {
  readonly tensor: string;
  readonly shape: readonly [number, number];
  /** The tensor is the transpose of the operand (a `verify` clause's b: its columns are the tensor's rows). */
  readonly transposed?: boolean;
}

export interface StepEnvelope {
  readonly format: typeof STEP_FORMAT;
  readonly version: typeof RUN_FORMAT_VERSION;
  readonly step: number;
  /** The policy's step record, exactly its fields (docs/run-values.md). */
  readonly record: { readonly [field: string]: Json };
  readonly tensors: {
    readonly file: string;
    /** BLAKE3 of the tensors file's bytes. */
    readonly blake3: string;
    /** Per record field holding a tensor root. */
    readonly commitments: Readonly<Record<string, CommitmentEntry>>;
  };
  /** Training figures the policy does not read (e.g. the loss). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** The anchor's signature of the observation digest (anchor.ts). */
  readonly observation?: { readonly digest: string; readonly signature: string };
}

/** A run directory as read. */
export interface RunDir {
  readonly run: RunJson;
  readonly spec: { readonly [field: string]: Json };
  readonly registry: RegistryJson;
  /** steps[k − 1] is step k. */
  readonly steps: readonly StepEnvelope[];
}

// ---------------------------------------------------------------------------------------------------------
// Schemas

const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';
const HEX64 = '^[0-9a-f]{64}$';
const FIELD = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
/** A commitment's record field: a digest field, or an element of an array of digests (`mlp_x_root[1]`). */
const COMMITTED_FIELD = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\[(0|[1-9][0-9]*)\\])?$' } as const;
const SHAPE2 = { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 } as const;

export const RUN_SCHEMA = {
  $schema: SCHEMA,
  title: 'zpol run directory: run.json',
  type: 'object',
  required: ['format', 'version', 'policy'],
  additionalProperties: false,
  properties: {
    format: { const: RUN_FORMAT },
    version: { const: RUN_FORMAT_VERSION },
    policy: {
      type: 'object',
      required: ['name', 'digest'],
      additionalProperties: false,
      properties: {
        name: FIELD,
        digest: { oneOf: [{ type: 'null' }, { type: 'string', pattern: HEX64 }] },
      },
    },
    verify: {
      type: 'object',
      propertyNames: FIELD,
      additionalProperties: {
        type: 'object',
        required: ['a', 'b', 'c'],
        additionalProperties: false,
        properties: { a: FIELD, b: FIELD, c: FIELD },
      },
    },
    finished: {
      type: 'object',
      required: ['steps'],
      additionalProperties: false,
      properties: { steps: { type: 'integer', minimum: 0 } },
    },
    anchor: {
      type: 'object',
      required: ['algorithm', 'public_key'],
      additionalProperties: false,
      properties: { algorithm: { const: 'ed25519' }, public_key: { type: 'string', pattern: HEX64 } },
    },
  },
} as const;

export const REGISTRY_SCHEMA = {
  $schema: SCHEMA,
  title: 'zpol run directory: registry.json',
  type: 'object',
  required: ['format', 'version', 'sources'],
  additionalProperties: false,
  properties: {
    format: { const: REGISTRY_FORMAT },
    version: { const: RUN_FORMAT_VERSION },
    sources: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'name', 'file', 'shape', 'root'],
        additionalProperties: false,
        properties: {
          id: { type: 'integer', minimum: 0 },
          name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' },
          description: { type: 'string' },
          file: { type: 'string', pattern: '^data/[a-z0-9][a-z0-9_-]*\\.safetensors$' },
          shape: SHAPE2,
          root: { type: 'string', pattern: HEX64 },
        },
      },
    },
  },
} as const;

export const STEP_SCHEMA = {
  $schema: SCHEMA,
  title: 'zpol run directory: steps/NNNNNN.json',
  type: 'object',
  required: ['format', 'version', 'step', 'record', 'tensors'],
  additionalProperties: false,
  properties: {
    format: { const: STEP_FORMAT },
    version: { const: RUN_FORMAT_VERSION },
    step: { type: 'integer', minimum: 1 },
    record: { type: 'object' },
    tensors: {
      type: 'object',
      required: ['file', 'blake3', 'commitments'],
      additionalProperties: false,
      properties: {
        file: { type: 'string', pattern: '^tensors/[0-9]{6,}\\.safetensors$' },
        blake3: { type: 'string', pattern: HEX64 },
        commitments: {
          type: 'object',
          propertyNames: COMMITTED_FIELD,
          additionalProperties: {
            type: 'object',
            required: ['tensor', 'shape'],
            additionalProperties: false,
            properties: { tensor: { type: 'string', minLength: 1 }, shape: SHAPE2, transposed: { type: 'boolean' } },
          },
        },
      },
    },
    metrics: { type: 'object', additionalProperties: { type: 'number' } },
    observation: {
      type: 'object',
      required: ['digest', 'signature'],
      additionalProperties: false,
      properties: { digest: { type: 'string', pattern: HEX64 }, signature: { type: 'string', pattern: '^[0-9a-f]{128}$' } },
    },
  },
} as const;

/** The JSON Schema of a policy's records, as the compiler writes it (the .zcp's `schemas.spec` / `schemas.step`). */
export type JsonSchema = { readonly [key: string]: unknown };

// ---------------------------------------------------------------------------------------------------------
// Issues

/** One problem in a run directory. */
export interface RunIssue {
  /** Relative to the run directory: `steps/000003.json`. */
  readonly file: string;
  readonly step?: number;
  /**
   * Where in the file: for JSON, the value's JSON Pointer without the leading '/' (`record/tokens_by_source/1`);
   * for a safetensors file, `tensor 'NAME'`; empty for the file as a whole.
   */
  readonly path: string;
  readonly message: string;
}

export function formatIssue(i: RunIssue): string {
  return `${i.file}: ${i.step !== undefined ? `step ${i.step}: ` : ''}${i.path ? `${i.path}: ` : ''}${i.message}`;
}

export class RunFormatError extends Error {
  constructor(readonly issues: readonly RunIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'RunFormatError';
  }
}
