/**
 * Validation of a run directory (docs/run.md) against the format of format.ts: every file against its JSON Schema,
 * the records against the policy's record schemas, the tensors files against their digests and every committed root
 * against its tensor, the observations against the anchor's key. Every issue names the file, the step and the field.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex, observationDigest, verifyObservation } from './anchor.ts';
import { bf16Values, decodeSafetensors, SafetensorsError, type SafetensorsFile } from './safetensors.ts';
import type { TensorRowDigests } from '../proof/backend.ts';
import { commitMatrix, digestFromHex, digestToHex } from './tensor-commit.ts';
import { isTempName } from './files.ts';
import { readStartWeights, readWeights } from './weight-data.ts';
import {
  dataFile,
  EXAMPLES_TENSOR,
  memberField,
  olderRunFormat,
  parseCommittedField,
  REGISTRY_FILE,
  REGISTRY_SCHEMA,
  RUN_FILE,
  RUN_SCHEMA,
  SPEC_FILE,
  STEP_SCHEMA,
  STEPS_DIR,
  RunFormatError,
  stepFile,
  stepName,
  tensorsFile,
  type JsonSchema,
  type RegistryJson,
  type RunDir,
  type RunIssue,
  type RunJson,
  type StepEnvelope,
} from './format.ts';

const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
const validateRunJson = ajv.compile(RUN_SCHEMA);
const validateRegistryJson = ajv.compile(REGISTRY_SCHEMA);
const validateStepJson = ajv.compile(STEP_SCHEMA);
/** Policy record schemas are the compiler's; compiled without strict mode, cached by identity. */
const recordAjv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
const recordValidators = new WeakMap<object, ValidateFunction>();
function recordValidator(schema: object): ValidateFunction {
  let v = recordValidators.get(schema);
  if (!v) recordValidators.set(schema, (v = recordAjv.compile(schema)));
  return v;
}

function shortJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const unpointer = (p: string): string => p.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Ajv's errors as issues, one per problem; the failed alternatives of a oneOf/anyOf form one issue
 * ('must be integer, or must be string, got 1.5').
 */
export function schemaIssues(errors: readonly ErrorObject[], file: string, step: number | undefined, prefix = ''): RunIssue[] {
  const groups = new Map<string, { path: string; messages: string[]; data: unknown; hasData: boolean }>();
  for (const e of errors) {
    const path = [prefix, unpointer(e.instancePath)].filter((x) => x !== '').join('/');
    let message = e.message ?? 'is invalid';
    let hasData = true;
    if (e.keyword === 'additionalProperties') {
      message = `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
      hasData = false;
    } else if (e.keyword === 'required') {
      message = `missing field '${(e.params as { missingProperty: string }).missingProperty}'`;
      hasData = false;
    } else if (e.keyword === 'const') {
      message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(', ')}`;
    } else if (e.keyword === 'propertyNames') {
      continue; // reported by the error on the name itself
    } else if (e.propertyName !== undefined) {
      message = `field name '${e.propertyName}' ${message}`;
      hasData = false;
    }
    const alternative = /^(.*\/(?:oneOf|anyOf))\/\d+\//.exec(e.schemaPath);
    const combinator = e.keyword === 'oneOf' || e.keyword === 'anyOf';
    const key = alternative ? `${path}|${alternative[1]}` : combinator ? `${path}|${e.schemaPath}` : `${path}|${e.schemaPath}|${message}`;
    const group = groups.get(key);
    if (group) {
      if (!combinator && !group.messages.includes(message)) group.messages.push(message);
      group.hasData &&= hasData;
    } else {
      groups.set(key, { path, messages: [message], data: e.data, hasData });
    }
  }
  return [...groups.values()].map(({ path, messages, data, hasData }) => ({
    file,
    step,
    path,
    message: `${messages.join(', or ')}${hasData && (data === null || typeof data !== 'object') ? `, got ${shortJson(data)}` : ''}`,
  }));
}

function readJson(dir: string, file: string, issues: RunIssue[], step?: number): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) {
    issues.push({ file, step, path: '', message: 'missing' });
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    issues.push({ file, step, path: '', message: `not valid JSON: ${(e as Error).message}` });
    return undefined;
  }
}

function check(validate: ValidateFunction, value: unknown, file: string, issues: RunIssue[], step?: number, prefix = ''): boolean {
  if (validate(value)) return true;
  issues.push(...schemaIssues(validate.errors ?? [], file, step, prefix));
  return false;
}

/** A compiled `verify` clause as validation needs it: the fields holding its operands' roots, and its dims. */
export interface ComputeCheckShape {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly c: string;
  /** [M, K, N]: a is M×K, b is K×N (committed transposed, N×K), c is M×N. */
  readonly dims: readonly [number, number, number];
  /** A family's members FROM ≤ l < TO: a, b and c are record arrays of digests, member l's roots at index l. */
  readonly family?: { readonly from: number; readonly to: number };
}

export interface ValidateOptions {
  /** The policy's record schemas: spec.json and each step's `record` are validated against them. */
  readonly schemas?: { readonly spec?: JsonSchema; readonly step?: JsonSchema };
  /**
   * The policy's compiled compute checks (the .zcp's `verifies`): every step commits each operand, in its
   * orientation, with the shape the check is compiled for. Without them only run.json's `verify` is checked
   * (shapes that chain, whatever their size).
   */
  readonly checks?: readonly ComputeCheckShape[];
  /**
   * The policy's source registries (the .zcp's `members`): registry.json lists the named sources in order, each
   * with the example count and width the policy is compiled for, and spec.json's `datasets` field holds their roots.
   */
  readonly sources?: readonly { readonly datasets: string; readonly names: readonly string[]; readonly examples: readonly number[]; readonly cols: number }[];
  /**
   * Also check contents (default true): tensors files parse and match their BLAKE3, every committed root is
   * recomputed from its tensor, every source's root from its examples, observations verify with the anchor's key.
   */
  readonly deep?: boolean;
  /** Hashes the rows of the commitments recomputed (a backend's native kernel); the TypeScript reference when absent. */
  readonly rowDigests?: TensorRowDigests;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/** The numbers of the step files present in steps/ (and issues for names that are not step files). */
function listSteps(dir: string, issues: RunIssue[]): number[] {
  const d = join(dir, STEPS_DIR);
  if (!existsSync(d)) return [];
  const steps: number[] = [];
  for (const name of readdirSync(d).sort()) {
    if (isTempName(name)) continue; // a writer's temporary file (a killed write): not part of the run
    const m = /^([0-9]{6,})\.json$/.exec(name);
    if (!m || Number(m[1]) < 1 || stepName(Number(m[1])) !== m[1]) {
      issues.push({ file: `${STEPS_DIR}/${name}`, path: '', message: 'not a step file (steps/NNNNNN.json, numbered from 000001)' });
      continue;
    }
    steps.push(Number(m[1]));
  }
  return steps.sort((a, b) => a - b);
}

function checkDigestField(v: unknown, field: string, file: string, step: number, issues: RunIssue[]): string | undefined {
  if (typeof v !== 'string') {
    issues.push({ file, step, path: `record/${field}`, message: `must be a digest (64 hex digits) holding a tensor root, got ${shortJson(v)}` });
    return undefined;
  }
  try {
    return digestToHex(digestFromHex(v));
  } catch (e) {
    issues.push({ file, step, path: `record/${field}`, message: (e as Error).message });
    return undefined;
  }
}

function loadTensors(dir: string, file: string, blake: string, step: number, issues: RunIssue[]): SafetensorsFile | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) {
    issues.push({ file: stepFile(step), step, path: 'tensors/file', message: `${file} is missing` });
    return undefined;
  }
  const bytes = readFileSync(path);
  const got = bytesToHex(blake3(bytes));
  if (got !== blake) {
    issues.push({ file: stepFile(step), step, path: 'tensors/blake3', message: `${file} has BLAKE3 ${got}, not the recorded ${blake}` });
  }
  try {
    return decodeSafetensors(bytes, file);
  } catch (e) {
    if (e instanceof SafetensorsError) {
      issues.push({ file, step, path: e.tensor === undefined ? '' : `tensor '${e.tensor}'`, message: e.problem });
      return undefined;
    }
    throw e;
  }
}

function checkStep(dir: string, k: number, run: RunJson | undefined, options: ValidateOptions, issues: RunIssue[]): StepEnvelope | undefined {
  const file = stepFile(k);
  const env = readJson(dir, file, issues, k);
  if (env === undefined) return undefined;
  if (!check(validateStepJson, env, file, issues, k)) return undefined;
  const s = env as StepEnvelope;
  const before = issues.length;
  if (s.step !== k) issues.push({ file, step: k, path: 'step', message: `is ${s.step}, but the file is step ${k}'s` });
  if (s.tensors.file !== tensorsFile(k)) issues.push({ file, step: k, path: 'tensors/file', message: `must be ${tensorsFile(k)}, got ${shortJson(s.tensors.file)}` });
  if (options.schemas?.step) check(recordValidator(options.schemas.step), s.record, file, issues, k, 'record');
  const roots = new Map<string, string>();
  for (const key of Object.keys(s.tensors.commitments)) {
    const { field, index } = parseCommittedField(key);
    if (!(field in s.record)) {
      issues.push({ file, step: k, path: `tensors/commitments/${key}`, message: `names record field '${field}', which the record does not have` });
      continue;
    }
    const value = (s.record as Record<string, unknown>)[field];
    if (index !== undefined && (!Array.isArray(value) || index >= value.length)) {
      const what = Array.isArray(value) ? `has ${value.length} elements` : 'is not an array';
      issues.push({ file, step: k, path: `tensors/commitments/${key}`, message: `names element ${index} of record field '${field}', which ${what}` });
      continue;
    }
    const root = checkDigestField(index === undefined ? value : (value as unknown[])[index], index === undefined ? field : `${field}/${index}`, file, k, issues);
    if (root !== undefined) roots.set(key, root);
  }
  for (const [clause, listed] of Object.entries(run?.verify ?? {})) {
    const cm = s.tensors.commitments;
    for (const ops of memberOperands(listed, s.record as Record<string, unknown>)) checkListedOperands(clause, ops, cm, file, k, issues);
  }
  for (const check of options.checks ?? []) {
    if (!check.family) checkOperands(check, s, run, file, k, issues);
    else for (let u = check.family.from; u < check.family.to; u++) checkOperands({ ...check, a: memberField(check.a, u), b: memberField(check.b, u), c: memberField(check.c, u) }, s, run, file, k, issues, true);
  }
  if (options.deep !== false && issues.length === before) {
    const st = loadTensors(dir, s.tensors.file, s.tensors.blake3, k, issues);
    if (st) {
      for (const [field, entry] of Object.entries(s.tensors.commitments)) {
        const t = st.tensors.get(entry.tensor);
        const where = `tensors/commitments/${field}`;
        if (!t) {
          issues.push({ file, step: k, path: where, message: `tensor '${entry.tensor}' is not in ${s.tensors.file}` });
          continue;
        }
        if (t.dtype !== 'BF16' || t.shape.length !== 2 || t.shape[0] !== entry.shape[0] || t.shape[1] !== entry.shape[1]) {
          issues.push({ file, step: k, path: where, message: `tensor '${entry.tensor}' in ${s.tensors.file} is ${t.dtype} [${t.shape}], not BF16 [${entry.shape}]` });
          continue;
        }
        const want = roots.get(field);
        if (want === undefined) continue;
        const got = digestToHex(commitMatrix(bf16Values(t), entry.shape[0], entry.shape[1], options.rowDigests).root);
        const at = parseCommittedField(field);
        const path = `record/${at.field}${at.index === undefined ? '' : `/${at.index}`}`;
        if (got !== want) issues.push({ file, step: k, path, message: `is not the commitment of tensor '${entry.tensor}' in ${s.tensors.file} (its root is ${got})` });
      }
    }
    if (run === undefined) {
      // run.json is missing or invalid (reported there): no anchor to check observations with.
    } else if (run.anchor) {
      if (!s.observation) {
        issues.push({ file, step: k, path: 'observation', message: 'missing: run.json names an anchor, so every step carries its signed observation' });
      } else {
        const digest = bytesToHex(observationDigest({ policy: run.policy.name, step: s.step, record: s.record, tensors: s.tensors }));
        if (digest !== s.observation.digest) issues.push({ file, step: k, path: 'observation/digest', message: `is not this step's observation digest (${digest})` });
        else if (!verifyObservation(run.anchor.public_key, s.observation.digest, s.observation.signature)) {
          issues.push({ file, step: k, path: 'observation/signature', message: "is not the anchor's Ed25519 signature of the digest" });
        }
      }
    } else if (s.observation) {
      issues.push({ file, step: k, path: 'observation', message: 'present, but run.json names no anchor to check it with' });
    }
  }
  return issues.length === before ? s : undefined;
}

/**
 * A clause's operands as run.json lists them, for each member: the fields themselves, or, where the record holds
 * an array of digests (a family, `verify NAME[l in …]`), one triple per element (`x_root[0]`, …).
 */
function memberOperands(ops: { readonly a: string; readonly b: string; readonly c: string }, record: Record<string, unknown>): { a: string; b: string; c: string }[] {
  const a = record[ops.a];
  if (!Array.isArray(a)) return [{ ...ops }];
  return a.map((_, u) => ({ a: memberField(ops.a, u), b: memberField(ops.b, u), c: memberField(ops.c, u) }));
}

/** One product's commitments as run.json's `verify` lists them: present, b alone transposed, shapes that chain. */
function checkListedOperands(clause: string, ops: { a: string; b: string; c: string }, cm: StepEnvelope['tensors']['commitments'], file: string, k: number, issues: RunIssue[]): void {
    const missing = (['a', 'b', 'c'] as const).filter((o) => cm[ops[o]] === undefined);
    if (missing.length > 0) {
      for (const o of missing) issues.push({ file, step: k, path: 'tensors/commitments', message: `verify ${clause}: operand ${o} (record field '${ops[o]}') has no commitment entry` });
      return;
    }
    const [a, b, c] = [cm[ops.a]!, cm[ops.b]!, cm[ops.c]!];
    if (a.transposed || c.transposed || !b.transposed) {
      issues.push({ file, step: k, path: 'tensors/commitments', message: `verify ${clause}: a and c are committed as they are and b transposed (${ops.b}.transposed = true)` });
      return;
    }
    const [m, kk] = a.shape;
    const [n, kb] = b.shape;
    if (kb !== kk || c.shape[0] !== m || c.shape[1] !== n) {
      issues.push({
        file,
        step: k,
        path: 'tensors/commitments',
        message: `verify ${clause}: shapes do not chain: a [${a.shape}], b transposed [${b.shape}], c [${c.shape}] (need a [M, K], bᵀ [N, K], c [M, N])`,
      });
    }
  }

/**
 * A step's commitments against one compiled compute check: a [M, K], bᵀ [N, K], c [M, N]. What run.json's
 * `verify` entry for the same clause and field has reported already (a missing entry, a wrong orientation) is not
 * reported twice.
 */
function checkOperands(check: ComputeCheckShape, s: StepEnvelope, run: RunJson | undefined, file: string, k: number, issues: RunIssue[], member = false): void {
  const [M, K, N] = check.dims;
  const operands = [
    { op: 'a', field: check.a, shape: [M, K], transposed: false, what: 'a is M×K' },
    { op: 'b', field: check.b, shape: [N, K], transposed: true, what: 'b is committed transposed, N×K' },
    { op: 'c', field: check.c, shape: [M, N], transposed: false, what: 'c is M×N' },
  ] as const;
  const listed = run?.verify?.[check.name];
  for (const { op, field, shape, transposed, what } of operands) {
    const entry = s.tensors.commitments[field];
    // the run.json loop above checked its presence and orientation
    const reported = member ? listed !== undefined && Array.isArray((s.record as Record<string, unknown>)[listed[op]]) : listed?.[op] === field;
    if (!entry) {
      if (!reported) issues.push({ file, step: k, path: 'tensors/commitments', message: `verify ${check.name}: operand ${op} (record field '${field}') has no commitment entry` });
      continue;
    }
    if ((entry.transposed === true) !== transposed) {
      if (!reported) {
        issues.push({ file, step: k, path: `tensors/commitments/${field}`, message: `verify ${check.name}: operand ${op} must be committed ${transposed ? 'transposed (transposed: true)' : 'as it is (no transposed)'}` });
      }
      continue;
    }
    if (entry.shape[0] !== shape[0] || entry.shape[1] !== shape[1]) {
      issues.push({
        file,
        step: k,
        path: `tensors/commitments/${field}/shape`,
        message: `is [${entry.shape.join(', ')}], but verify ${check.name} is compiled for operand ${op} (step.${field}) of shape [${shape.join(', ')}] (dims [M, K, N] = [${M}, ${K}, ${N}]: ${what})`,
      });
    }
  }
}

function checkRegistry(dir: string, registry: RegistryJson, deep: boolean, issues: RunIssue[], rowDigests?: TensorRowDigests): void {
  const names = new Set<string>();
  registry.sources.forEach((s, i) => {
    const at = `sources/${i}`;
    if (s.id !== i) issues.push({ file: REGISTRY_FILE, path: `${at}/id`, message: `is ${s.id}; sources are listed by id, 0, 1, ... (this is source ${i})` });
    if (names.has(s.name)) issues.push({ file: REGISTRY_FILE, path: `${at}/name`, message: `'${s.name}' names two sources` });
    names.add(s.name);
    if (s.file !== dataFile(s.name)) issues.push({ file: REGISTRY_FILE, path: `${at}/file`, message: `must be ${dataFile(s.name)}, got ${shortJson(s.file)}` });
    if (!deep) return;
    const path = join(dir, s.file);
    if (!existsSync(path)) {
      issues.push({ file: REGISTRY_FILE, path: `${at}/file`, message: `${s.file} is missing` });
      return;
    }
    let st: SafetensorsFile;
    try {
      st = decodeSafetensors(readFileSync(path), s.file);
    } catch (e) {
      if (!(e instanceof SafetensorsError)) throw e;
      issues.push({ file: s.file, path: e.tensor === undefined ? '' : `tensor '${e.tensor}'`, message: e.problem });
      return;
    }
    const t = st.tensors.get(EXAMPLES_TENSOR);
    if (!t || t.dtype !== 'BF16' || t.shape.length !== 2 || t.shape[0] !== s.shape[0] || t.shape[1] !== s.shape[1]) {
      issues.push({ file: s.file, path: `tensor '${EXAMPLES_TENSOR}'`, message: t ? `is ${t.dtype} [${t.shape}], not BF16 [${s.shape}] as registry.json says` : 'missing' });
      return;
    }
    const root = digestToHex(commitMatrix(bf16Values(t), s.shape[0], s.shape[1], rowDigests).root);
    if (root !== s.root) issues.push({ file: REGISTRY_FILE, path: `${at}/root`, message: `is not the commitment of ${s.file}'s examples (their root is ${root})` });
  });
}

/** The registry is the policy's (names, order, shapes) and the spec commits its roots (ValidateOptions.sources). */
function checkSources(m: NonNullable<ValidateOptions['sources']>[number], registry: RegistryJson, spec: unknown, issues: RunIssue[]): void {
  m.names.forEach((name, i) => {
    const s = registry.sources[i];
    const at = `sources/${i}`;
    if (!s) return issues.push({ file: REGISTRY_FILE, path: at, message: `missing: the policy names source ${i} '${name}'` });
    if (s.name !== name) issues.push({ file: REGISTRY_FILE, path: `${at}/name`, message: `is '${s.name}', but the policy names source ${i} '${name}'` });
    if (s.shape[0] !== m.examples[i] || s.shape[1] !== m.cols) {
      issues.push({ file: REGISTRY_FILE, path: `${at}/shape`, message: `is [${s.shape.join(', ')}], but the policy is compiled for ${name}'s dataset of shape [${m.examples[i]}, ${m.cols}]` });
    }
    const roots = (spec as Record<string, unknown> | null)?.[m.datasets];
    const root = Array.isArray(roots) ? roots[i] : undefined;
    if (root !== s.root) issues.push({ file: SPEC_FILE, path: `${m.datasets}/${i}`, message: `is ${shortJson(root)}, but registry.json's source ${i} (${s.name}) has root ${s.root}: the spec commits the registry at genesis` });
  });
  if (registry.sources.length !== m.names.length) issues.push({ file: REGISTRY_FILE, path: 'sources', message: `lists ${registry.sources.length} sources; the policy names ${m.names.length} (${m.names.join(', ')})` });
}

/** Every problem in the run directory `dir` (empty when it is valid). */
export function validateRunDir(dir: string, options: ValidateOptions = {}): RunIssue[] {
  return readRunDirWithIssues(dir, options).issues;
}

function readRunDirWithIssues(dir: string, options: ValidateOptions): { run?: RunDir; issues: RunIssue[] } {
  const issues: RunIssue[] = [];
  const deep = options.deep !== false;
  const runJson = readJson(dir, RUN_FILE, issues);
  // An older run format is refused as a whole: its roots are not this zpol's, so nothing else in it is checked.
  const older = olderRunFormat(runJson);
  if (older) return { issues: [older] };
  const run = runJson !== undefined && check(validateRunJson, runJson, RUN_FILE, issues) ? (runJson as RunJson) : undefined;
  const spec = readJson(dir, SPEC_FILE, issues);
  if (spec !== undefined) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) issues.push({ file: SPEC_FILE, path: '', message: 'must be a JSON object: the spec record' });
    else if (options.schemas?.spec) check(recordValidator(options.schemas.spec), spec, SPEC_FILE, issues);
  }
  const registryJson = readJson(dir, REGISTRY_FILE, issues);
  let registry: RegistryJson | undefined;
  if (registryJson !== undefined && check(validateRegistryJson, registryJson, REGISTRY_FILE, issues)) {
    registry = registryJson as RegistryJson;
    checkRegistry(dir, registry, deep, issues, options.rowDigests);
    for (const m of options.sources ?? []) checkSources(m, registry, spec, issues);
  }
  // The initial weights' layout, when the run commits one: its structure, names and root, and (deep) the values.
  const layoutIssues = (read: () => unknown): void => {
    try {
      read();
    } catch (e) {
      for (const line of (e as Error).message.split('\n')) {
        const [file, ...rest] = line.split(': ');
        issues.push({ file: file!, path: '', message: rest.join(': ') });
      }
    }
  };
  layoutIssues(() => readWeights(dir, deep, options.rowDigests));
  const numbers = listSteps(dir, issues);
  // The layouts of the weights each step ends with, where the run records them (runtime/run/step-weights.ts).
  for (const k of numbers) layoutIssues(() => readStartWeights(dir, k + 1));
  const steps: StepEnvelope[] = [];
  const last = numbers.length > 0 ? numbers[numbers.length - 1]! : 0;
  const present = new Set(numbers);
  for (let k = 1; k <= last; k++) {
    if (!present.has(k)) {
      issues.push({ file: stepFile(k), step: k, path: '', message: `missing: steps are numbered 1, 2, ... without gaps (the run has step ${last})` });
      continue;
    }
    const s = checkStep(dir, k, run, options, issues);
    if (s) steps.push(s);
  }
  if (run?.finished && run.finished.steps !== last) {
    issues.push({ file: RUN_FILE, path: 'finished/steps', message: `says the run ended after step ${run.finished.steps}, but steps/ holds ${last} step${last === 1 ? '' : 's'}` });
  }
  if (issues.length > 0 || !run || !registry) return { issues };
  return { run: { run, spec: spec as RunDir['spec'], registry, steps }, issues };
}

/** Reads and validates a run directory; throws a RunFormatError listing every problem. */
export function readRunDir(dir: string, options: ValidateOptions = {}): RunDir {
  const { run, issues } = readRunDirWithIssues(dir, options);
  if (!run) throw new RunFormatError(issues);
  return run;
}

/** Validates one step envelope before it is written (the recorder's own check). */
export function checkStepEnvelope(envelope: unknown, recordSchema?: JsonSchema): RunIssue[] {
  const issues: RunIssue[] = [];
  const step = (envelope as { step?: unknown } | null)?.step;
  const k = typeof step === 'number' && Number.isSafeInteger(step) && step >= 1 ? step : undefined;
  const file = k === undefined ? `${STEPS_DIR}/?` : stepFile(k);
  if (check(validateStepJson, envelope, file, issues, k) && recordSchema) check(recordValidator(recordSchema), (envelope as StepEnvelope).record, file, issues, k, 'record');
  return issues;
}

/** Validates a record against a policy's record schema; paths are prefixed with `prefix`. */
export function checkRecord(schema: JsonSchema, record: unknown, file: string, step?: number, prefix = ''): RunIssue[] {
  const issues: RunIssue[] = [];
  check(recordValidator(schema), record, file, issues, step, prefix);
  return issues;
}

/** Validates run.json or registry.json contents before they are written. */
export function checkRunJson(value: unknown): RunIssue[] {
  const issues: RunIssue[] = [];
  check(validateRunJson, value, RUN_FILE, issues);
  return issues;
}
/** registry.json's problems as readRunDir reports them (its schema, ids, names and file names; not the data files). */
export function checkRegistryJson(value: unknown): RunIssue[] {
  const issues: RunIssue[] = [];
  if (check(validateRegistryJson, value, REGISTRY_FILE, issues)) checkRegistry('', value as RegistryJson, false, issues);
  return issues;
}
