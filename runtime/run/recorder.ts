/**
 * The recorder: what a training loop calls to write a run directory (docs/run.md), and what answers the sampled
 * compute checks later. Every file is written atomically (temporary file, fsync, rename); a step's tensors file is
 * written before its step file, so a step file exists only once everything it names does.
 *
 *   const rec = Recorder.open(dir, 'demo', { verify: { fc1: { a: 'x_root', b: 'w1_root', c: 'h_root' } } });
 *   rec.commitSpec({ arch: 'mlp', params: 58, ... });
 *   rec.registerSources([{ name: 'curated', examples, rows, cols }, ...]);
 *   rec.recordStep(1, { tokens: 16, tokens_by_source: [9, 7] }, {
 *     x:   { field: 'x_root',  rows: 16, cols: 4, values: x },
 *     w1t: { field: 'w1_root', rows: 8,  cols: 4, values: w1t, transposed: true },
 *     h:   { field: 'h_root',  rows: 16, cols: 8, values: h },
 *   });
 *   rec.answerChallenge(1, [{ i: 3, j: 5 }]);   // rows and Merkle openings for c[3][5] = a[3]·b[:,5]
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { bf16Dot, SEQUENTIAL, type AccumulationOrder } from '../fp/bf16.ts';
import { bf16MmaDotPadded } from '../fp/mma.ts';
import type { Word } from '../vm/word.ts';
import { bytesToHex, observationDigest, type Anchor } from './anchor.ts';
import { canonicalJson, removeStaleTemps, writeFileAtomic, type Json } from './files.ts';
import { stepWeightLayout, stepWeightsFile } from './step-weights.ts';
import { checkWeightsJson, INITIAL_WEIGHTS_FILE, weightLayout, WEIGHTS_DIR, WEIGHTS_FILE, type WeightsJson, type WeightTensor } from './weights.ts';
import {
  DATA_DIR,
  dataFile,
  EXAMPLES_TENSOR,
  memberField,
  parseCommittedField,
  REGISTRY_FILE,
  REGISTRY_FORMAT,
  RUN_FILE,
  RUN_FORMAT,
  RUN_FORMAT_VERSION,
  RunFormatError,
  SPEC_FILE,
  STEP_FORMAT,
  stepFile,
  STEPS_DIR,
  TENSORS_DIR,
  tensorsFile,
  type CommitmentEntry,
  type GemmOperands,
  type JsonSchema,
  type RegistryJson,
  type RunJson,
  type StepEnvelope,
} from './format.ts';
import { checkRecord, checkRegistryJson, checkRunJson, checkStepEnvelope } from './validate.ts';
import { bf16Tensor, bf16Values, encodeSafetensors, readSafetensors, type Tensor } from './safetensors.ts';
import type { TensorRowDigests } from '../proof/backend.ts';
import { commitMatrix, digestFromHex, digestToHex, verifyRow, type MatrixCommitment, type RowOpening } from './tensor-commit.ts';
import { openSample } from './sampling.ts';

/** A bf16 matrix whose root goes into a step record field. */
export interface StepTensor {
  /** The record field that receives the root. */
  readonly field: string;
  readonly rows: number;
  readonly cols: number;
  /** bf16 bit patterns, row-major, in the orientation committed. */
  readonly values: Uint16Array;
  /** The matrix is the transpose of the operand (a verify clause's b). */
  readonly transposed?: boolean;
}

export interface SourceInput {
  readonly name: string;
  readonly description?: string;
  /** bf16 bit patterns, one example per row. */
  readonly examples: Uint16Array;
  readonly rows: number;
  readonly cols: number;
}

export interface RecorderOptions {
  /** The policy digest (the .zcp's `digest`), when known; null (the default) is the placeholder. */
  readonly policyDigest?: string | null;
  /** The policy's verify clauses: which step fields hold the roots of a, b and c. */
  readonly verify?: Readonly<Record<string, GemmOperands>>;
  /** Signs each step's observation digest. */
  readonly anchor?: Anchor;
  /** The policy's record schemas (the .zcp's `schemas`): the recorder refuses records that do not match. */
  readonly schemas?: { readonly spec?: JsonSchema; readonly step?: JsonSchema };
}

/** One sampled output entry c[i][j] with what checks it. */
export interface SampleOpening {
  readonly i: number;
  readonly j: number;
  /** Row i of a. */
  readonly a: RowOpening;
  /** Row j of bᵀ: column j of b. */
  readonly b: RowOpening;
  /** Row i of c. */
  readonly c: RowOpening;
  /** c[i][j], bf16 bits. */
  readonly value: number;
}

export interface ChallengeAnswer {
  readonly step: number;
  readonly clause: string;
  /** For a family of products (`verify NAME[l in FROM..TO]`): the member l whose product is opened (`x_root[l]`). */
  readonly member?: number;
  /** [M, K, N]: a is M × K, b is K × N (committed as bᵀ, N × K), c is M × N. */
  readonly dims: readonly [number, number, number];
  /** The roots the openings are against, as hex (the step record's fields). */
  readonly roots: { readonly a: string; readonly b: string; readonly c: string };
  readonly samples: readonly SampleOpening[];
}

export class RecorderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecorderError';
  }
}

function atomicJson(dir: string, file: string, value: unknown): void {
  writeFileAtomic(join(dir, file), canonicalJson(value, true));
}

export class Recorder {
  private last: number;
  private readonly cache = new Map<number, Map<string, MatrixCommitment>>();

  private constructor(
    readonly dir: string,
    private run: RunJson,
    private readonly options: RecorderOptions,
    last: number,
    /** Opened by `answering`: it reads the run and answers challenges, and writes nothing. */
    private readonly answersOnly = false,
  ) {
    this.last = last;
  }

  /**
   * Opens a recorded run, whoever recorded it (this class or zpol_torch), to answer challenges: run.json as it is,
   * no anchor key needed. It writes nothing: recording, finishing or committing through it is refused.
   */
  static answering(dir: string): Recorder {
    const runPath = join(dir, RUN_FILE);
    if (!existsSync(runPath)) throw new RecorderError(`${dir} is not a recorded run (no ${RUN_FILE})`);
    let run: RunJson;
    try {
      run = JSON.parse(readFileSync(runPath, 'utf8')) as RunJson;
    } catch (e) {
      throw new RecorderError(`${runPath}: ${(e as Error).message}`);
    }
    const issues = checkRunJson(run);
    if (issues.length > 0) throw new RunFormatError(issues);
    let last = 0;
    while (existsSync(join(dir, stepFile(last + 1)))) last++;
    return new Recorder(dir, run, {}, last, true);
  }

  private writable(what: string): void {
    if (this.answersOnly) throw new RecorderError(`${this.dir} is open for answering challenges only: it cannot ${what}`);
  }

  /**
   * Opens `dir` for recording a run of `policyName`: creates it (and run.json) when it is new, or resumes it
   * after its last recorded step when run.json describes the same run. Temporary files that killed writers left
   * behind are removed.
   */
  static open(dir: string, policyName: string, options: RecorderOptions = {}): Recorder {
    const run: RunJson = {
      format: RUN_FORMAT,
      version: RUN_FORMAT_VERSION,
      policy: { name: policyName, digest: options.policyDigest ?? null },
      ...(options.verify ? { verify: options.verify } : {}),
      ...(options.anchor ? { anchor: { algorithm: 'ed25519' as const, public_key: options.anchor.publicKey } } : {}),
    };
    const issues = checkRunJson(run);
    if (issues.length > 0) throw new RunFormatError(issues);
    for (const d of [STEPS_DIR, TENSORS_DIR, DATA_DIR]) mkdirSync(join(dir, d), { recursive: true });
    for (const d of ['.', STEPS_DIR, TENSORS_DIR, DATA_DIR]) removeStaleTemps(join(dir, d));
    if (existsSync(join(dir, WEIGHTS_DIR))) removeStaleTemps(join(dir, WEIGHTS_DIR));
    const runPath = join(dir, RUN_FILE);
    let last = 0;
    let opened = run;
    if (existsSync(runPath)) {
      const existing = readFileSync(runPath, 'utf8');
      // A finished run reopens as finished (no more steps); everything else must be the same.
      let finished: RunJson['finished'];
      try {
        finished = (JSON.parse(existing) as RunJson).finished;
      } catch {
        finished = undefined;
      }
      opened = finished ? { ...run, finished } : run;
      if (existing !== canonicalJson(opened, true)) {
        throw new RecorderError(`${runPath} records another run (${existing.trim().replace(/\s+/g, ' ')}); open it with the same policy, verify clauses and anchor, or use a new directory`);
      }
      while (existsSync(join(dir, stepFile(last + 1)))) last++;
    } else {
      atomicJson(dir, RUN_FILE, run);
    }
    return new Recorder(dir, opened, options, last);
  }

  /** The last step recorded (0 before the first). */
  get lastStep(): number {
    return this.last;
  }

  /** Marks the run as ended after the last recorded step (run.json `finished`): `zpol prove --follow` then attests. */
  finish(): void {
    this.writable('finish the run');
    const run: RunJson = { ...this.run, finished: { steps: this.last } };
    atomicJson(this.dir, RUN_FILE, run);
    this.run = run;
  }

  /** Sets the policy digest in run.json (it may be unknown when recording starts). */
  setPolicyDigest(digest: string): void {
    this.writable('set the policy digest');
    const run: RunJson = { ...this.run, policy: { name: this.run.policy.name, digest } };
    const issues = checkRunJson(run);
    if (issues.length > 0) throw new RunFormatError(issues);
    atomicJson(this.dir, RUN_FILE, run);
    this.run = run;
  }

  /** Writes spec.json: the private training spec, the policy's spec record in run-value form. */
  commitSpec(spec: { readonly [field: string]: Json }): void {
    this.writable('commit a spec');
    if (this.options.schemas?.spec) {
      const issues = checkRecord(this.options.schemas.spec, spec, SPEC_FILE);
      if (issues.length > 0) throw new RunFormatError(issues);
    }
    atomicJson(this.dir, SPEC_FILE, spec);
  }

  /**
   * Writes the initial weights (weights/initial.safetensors, BF16 under their names and shapes) and weights.json,
   * their layout (runtime/run/weights.ts): each tensor committed, kinds and blocks from the names, in canonical
   * order. Its `root` is what the policy's spec field commits at genesis (the caller puts it in the spec).
   */
  commitWeights(tensors: readonly WeightTensor[]): WeightsJson {
    const layout = weightLayout(tensors);
    const issues = checkWeightsJson(layout);
    if (issues.length > 0) throw new RecorderError(issues.map((i) => `${WEIGHTS_FILE}: ${i}`).join('\n'));
    mkdirSync(join(this.dir, WEIGHTS_DIR), { recursive: true });
    const file: Record<string, Tensor> = {};
    for (const t of tensors) file[t.name] = bf16Tensor(t.shape, t.values);
    writeFileAtomic(join(this.dir, INITIAL_WEIGHTS_FILE), encodeSafetensors(file));
    atomicJson(this.dir, WEIGHTS_FILE, layout as unknown as Json);
    return layout;
  }

  /**
   * Writes weights/NNNNNN.json, the layout of the weights step `step` ends with (runtime/run/step-weights.ts: each
   * tensor's root after the update; the values stay with the lab). Its `root` is what the step's record commits
   * (the demo's `weights_root`), and the next step's bound compute checks open their weights in it.
   */
  commitStepWeights(step: number, tensors: readonly WeightTensor[]): WeightsJson {
    this.writable('commit the weights of a step');
    const layout = stepWeightLayout(step, tensors);
    const issues = checkWeightsJson(layout, step);
    if (issues.length > 0) throw new RecorderError(issues.map((i) => `${stepWeightsFile(step)}: ${i}`).join('\n'));
    mkdirSync(join(this.dir, WEIGHTS_DIR), { recursive: true });
    atomicJson(this.dir, stepWeightsFile(step), layout as unknown as Json);
    return layout;
  }

  /** Writes each source's examples (data/NAME.safetensors) and registry.json with their roots; ids in order. */
  registerSources(sources: readonly SourceInput[]): RegistryJson {
    this.writable('register sources');
    const entries = sources.map((s, id) => {
      const root = digestToHex(commitMatrix(s.examples, s.rows, s.cols).root);
      return { id, name: s.name, ...(s.description ? { description: s.description } : {}), file: dataFile(s.name), shape: [s.rows, s.cols] as const, root };
    });
    const registry: RegistryJson = { format: REGISTRY_FORMAT, version: RUN_FORMAT_VERSION, sources: entries };
    const issues = checkRegistryJson(registry);
    if (issues.length > 0) throw new RunFormatError(issues);
    sources.forEach((s) => writeFileAtomic(join(this.dir, dataFile(s.name)), encodeSafetensors({ [EXAMPLES_TENSOR]: bf16Tensor([s.rows, s.cols], s.examples) })));
    atomicJson(this.dir, REGISTRY_FILE, registry);
    return registry;
  }

  /**
   * Records step `step` (the next one: 1, 2, ...): commits each tensor and puts its root into its record field,
   * writes tensors/NNNNNN.safetensors (the committed tensors and `extra.tensors`), then steps/NNNNNN.json.
   * `fields` are the record's other fields. The envelope is validated (and the record against the policy's
   * schema, when given) before anything is written.
   */
  recordStep(
    step: number,
    fields: { readonly [field: string]: Json },
    tensors: Readonly<Record<string, StepTensor>>,
    extra: { readonly metrics?: Readonly<Record<string, number>>; readonly tensors?: Readonly<Record<string, Tensor>> } = {},
  ): StepEnvelope {
    this.writable(`record step ${step}`);
    if (this.run.finished) throw new RecorderError(`step ${step} cannot be recorded: the run was finished after step ${this.run.finished.steps}`);
    if (step !== this.last + 1) {
      throw new RecorderError(`step ${step} cannot be recorded: ${this.last === 0 ? 'the first step is 1' : `the last recorded step is ${this.last}, so the next is ${this.last + 1}`}`);
    }
    const record: Record<string, Json> = { ...fields };
    const commitments: Record<string, CommitmentEntry> = {};
    const fileTensors: Record<string, Tensor> = {};
    const made = new Map<string, MatrixCommitment>();
    for (const [name, t] of Object.entries(tensors)) {
      if (t.field in fields) throw new RecorderError(`step ${step}: record field '${t.field}' is given and also receives tensor '${name}''s root`);
      if (t.field in commitments) throw new RecorderError(`step ${step}: two tensors commit to record field '${t.field}'`);
      const c = commitMatrix(t.values, t.rows, t.cols);
      made.set(t.field, c);
      placeRoot(record, t.field, digestToHex(c.root), fields, step);
      commitments[t.field] = { tensor: name, shape: [t.rows, t.cols], ...(t.transposed ? { transposed: true } : {}) };
      fileTensors[name] = bf16Tensor([t.rows, t.cols], t.values);
    }
    for (const [field, v] of Object.entries(record)) {
      if (!Array.isArray(v) || field in fields) continue;
      const hole = [...v.keys()].find((u) => v[u] === undefined);
      if (hole !== undefined) throw new RecorderError(`step ${step}: record field '${field}' has no tensor for element ${hole} (tensors commit to ${field}[0] … ${field}[${v.length - 1}])`);
    }
    for (const [name, t] of Object.entries(extra.tensors ?? {})) {
      if (name in fileTensors) throw new RecorderError(`step ${step}: tensor '${name}' is given twice`);
      fileTensors[name] = t;
    }
    const bytes = encodeSafetensors(fileTensors, undefined, tensorsFile(step));
    const tensorsInfo = { file: tensorsFile(step), blake3: bytesToHex(blake3(bytes)), commitments };
    const envelope: StepEnvelope = {
      format: STEP_FORMAT,
      version: RUN_FORMAT_VERSION,
      step,
      record,
      tensors: tensorsInfo,
      ...(extra.metrics ? { metrics: extra.metrics } : {}),
      ...(this.options.anchor ? { observation: this.observe(step, record, tensorsInfo, this.options.anchor) } : {}),
    };
    const issues = checkStepEnvelope(JSON.parse(JSON.stringify(envelope)), this.options.schemas?.step);
    if (issues.length > 0) throw new RunFormatError(issues);
    writeFileAtomic(join(this.dir, tensorsFile(step)), bytes);
    atomicJson(this.dir, stepFile(step), envelope);
    this.cache.set(step, made);
    this.last = step;
    return envelope;
  }

  private observe(step: number, record: unknown, tensors: unknown, anchor: Anchor): { digest: string; signature: string } {
    const digest = observationDigest({ policy: this.run.policy.name, step, record, tensors });
    return { digest: bytesToHex(digest), signature: bytesToHex(anchor.sign(digest)) };
  }

  /** The step's commitments by record field: from this session's cache, or recomputed from its tensors file. */
  private commitments(step: number): { envelope: StepEnvelope; byField: Map<string, MatrixCommitment> } {
    const path = join(this.dir, stepFile(step));
    if (!existsSync(path)) throw new RecorderError(`step ${step} is not recorded in ${this.dir}`);
    const envelope = JSON.parse(readFileSync(path, 'utf8')) as StepEnvelope;
    let byField = this.cache.get(step);
    if (!byField) {
      byField = stepTensors(this.dir, envelope);
      this.cache.set(step, byField);
    }
    for (const [key, c] of byField) {
      const { field, index } = parseCommittedField(key);
      const v = envelope.record[field];
      if (digestToHex(c.root) !== (index === undefined ? v : Array.isArray(v) ? v[index] : undefined)) throw new RecorderError(`${stepFile(step)}: record/${field}${index === undefined ? '' : `/${index}`} is not the root of its tensor`);
    }
    return { envelope, byField };
  }

  /**
   * Answers a sampled compute check of `clause` (the only verify clause when omitted) at `step`: for each output
   * entry (i, j) of c = a·b, row i of a, row j of bᵀ (column j of b) and row i of c, each with its Merkle opening
   * against the root in the step record. For a family of products (the record's operand fields are arrays of
   * roots), `member` names the member l to open: the tensors committed as `x_root[l]`, against element l.
   */
  answerChallenge(step: number, samples: readonly { readonly i: number; readonly j: number }[], clause?: string, member?: number): ChallengeAnswer {
    const clauses = Object.keys(this.run.verify ?? {});
    const name = clause ?? (clauses.length === 1 ? clauses[0]! : undefined);
    if (name === undefined) throw new RecorderError(`name the verify clause to answer: run.json has ${clauses.length === 0 ? 'none' : clauses.join(', ')}`);
    const ops = this.run.verify?.[name];
    if (!ops) throw new RecorderError(`run.json has no verify clause '${name}' (it has ${clauses.join(', ') || 'none'})`);
    const { envelope, byField } = this.commitments(step);
    const family = Array.isArray(envelope.record[ops.a]);
    if (family && member === undefined) throw new RecorderError(`${stepFile(step)}: verify ${name} is a family of products (record/${ops.a} is an array of roots): name the member to open`);
    if (!family && member !== undefined) throw new RecorderError(`${stepFile(step)}: verify ${name} is a single product (record/${ops.a} is one root): it has no member ${member}`);
    if (member !== undefined && (!Number.isSafeInteger(member) || member < 0)) throw new RecorderError(`verify ${name}: member ${member} is not an index (a whole number from 0)`);
    const key = (o: 'a' | 'b' | 'c') => (member === undefined ? ops[o] : memberField(ops[o], member));
    const get = (o: 'a' | 'b' | 'c'): MatrixCommitment => {
      const c = byField.get(key(o));
      if (!c) throw new RecorderError(`${stepFile(step)}: verify ${name}: operand ${o} (record field '${key(o)}') has no committed tensor`);
      return c;
    };
    const [a, bt, c] = [get('a'), get('b'), get('c')];
    const [M, K, N] = [a.rows, a.cols, bt.rows];
    if (!envelope.tensors.commitments[key('b')]?.transposed || bt.cols !== K || c.rows !== M || c.cols !== N) {
      throw new RecorderError(`${stepFile(step)}: verify ${name}: shapes do not chain: a [${a.rows}, ${a.cols}], bᵀ [${bt.rows}, ${bt.cols}], c [${c.rows}, ${c.cols}]`);
    }
    const out = samples.map(({ i, j }, s) => {
      if (!Number.isInteger(i) || i < 0 || i >= M || !Number.isInteger(j) || j < 0 || j >= N) {
        throw new RecorderError(`sample ${s}: (${i}, ${j}) is outside the ${M} × ${N} output of verify ${name}`);
      }
      return { i, j, ...openSample(a, bt, c, i, j), value: c.values[i * N + j]! };
    });
    return {
      step,
      clause: name,
      ...(member === undefined ? {} : { member }),
      dims: [M, K, N],
      roots: { a: digestToHex(a.root), b: digestToHex(bt.root), c: digestToHex(c.root) },
      samples: out,
    };
  }
}

/**
 * A recorded step's committed tensors, by the record field that holds each root, committed afresh from its
 * tensors file (whether they still match the record's roots is for the caller, or the zkVM, to see). `rowDigests`
 * hashes the rows (a backend's native kernel; the TypeScript reference when absent).
 */
export function stepTensors(dir: string, envelope: StepEnvelope, rowDigests?: TensorRowDigests): Map<string, MatrixCommitment> {
  const byField = new Map<string, MatrixCommitment>();
  const st = readSafetensors(join(dir, envelope.tensors.file), envelope.tensors.file);
  for (const [field, e] of Object.entries(envelope.tensors.commitments)) {
    const t = st.tensors.get(e.tensor);
    if (!t) throw new RecorderError(`${envelope.tensors.file}: tensor '${e.tensor}' (committed by ${field}) is missing`);
    byField.set(field, commitMatrix(bf16Values(t, envelope.tensors.file, e.tensor), e.shape[0], e.shape[1], rowDigests));
  }
  return byField;
}

/**
 * What the zkVM checks for a challenge answer, in TypeScript: every opening verifies against the trusted roots
 * and dims, at the sampled indices, and c[i][j] equals the bf16 dot product of a's row i and b's column j in the
 * declared order (`tensor_core`: runtime/fp/mma.ts bf16MmaDotPadded). Returns the failures (empty when the answer checks).
 */
export function checkChallengeAnswer(
  answer: ChallengeAnswer,
  trusted: { readonly roots: { readonly a: string; readonly b: string; readonly c: string }; readonly dims: readonly [number, number, number] },
  order: AccumulationOrder | 'tensor_core' = SEQUENTIAL,
): string[] {
  const failures: string[] = [];
  const [M, K, N] = trusted.dims;
  let roots: { a: Word; b: Word; c: Word };
  try {
    roots = { a: digestFromHex(trusted.roots.a), b: digestFromHex(trusted.roots.b), c: digestFromHex(trusted.roots.c) };
  } catch (e) {
    return [`trusted roots: ${(e as Error).message}`];
  }
  answer.samples.forEach((s, n) => {
    const at = `sample ${n} (i = ${s.i}, j = ${s.j})`;
    if (s.a.row !== s.i || s.b.row !== s.j || s.c.row !== s.i) failures.push(`${at}: the opened rows (${s.a.row}, ${s.b.row}, ${s.c.row}) are not the sampled ones`);
    if (!verifyRow(roots.a, M, K, s.i, s.a.values, s.a.siblings)) failures.push(`${at}: row ${s.i} of a does not open against a's root`);
    if (!verifyRow(roots.b, N, K, s.j, s.b.values, s.b.siblings)) failures.push(`${at}: column ${s.j} of b does not open against b's root`);
    if (!verifyRow(roots.c, M, N, s.i, s.c.values, s.c.siblings)) failures.push(`${at}: row ${s.i} of c does not open against c's root`);
    if (s.a.values.length === K && s.b.values.length === K && s.c.values.length === N) {
      const want = order === 'tensor_core' ? bf16MmaDotPadded(s.a.values, s.b.values).out : bf16Dot(s.a.values, s.b.values, order).out;
      const got = s.c.values[s.j]!;
      if (got !== want) failures.push(`${at}: c[${s.i}][${s.j}] = 0x${hex4(got)}, but a[${s.i}]·b[:, ${s.j}] = 0x${hex4(want)}`);
    }
  });
  return failures;
}

const hex4 = (x: number): string => x.toString(16).padStart(4, '0');

/**
 * Puts a root into the record: into field `key`, or, for an array element's key `F[u]` (a family's operand,
 * docs/run.md), into element u of the array F, which the tensors fill together.
 */
function placeRoot(record: Record<string, Json>, key: string, root: string, fields: { readonly [field: string]: Json }, step: number): void {
  const { field, index } = parseCommittedField(key);
  if (index === undefined) {
    record[field] = root;
    return;
  }
  if (field in fields) throw new RecorderError(`step ${step}: record field '${field}' is given and also receives the root of ${key}`);
  const v = record[field];
  if (v !== undefined && !Array.isArray(v)) throw new RecorderError(`step ${step}: record field '${field}' holds a root and also receives the root of ${key}`);
  const array = (v as Json[] | undefined) ?? [];
  array[index] = root;
  record[field] = array;
}
