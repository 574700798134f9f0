/**
 * The proof chain's prover: genesis, then one proof per step, then the attestation, each a zkVM proof of the
 * policy's compiled program for that kind, linked by the state commitments. It stands on the compiled artifact
 * alone (runtime/policy/artifact.ts): programs, record layouts, compute checks, traps.
 *
 *
 *   genesis          spec commitment S  →  state commitment C_0
 *   step k (k ≥ 1)   S, C_{k−1}, step record commitment R_k  →  C_k
 *   attestation      S, C_N  →  the policy's outputs
 *
 * Blinding words and the STARK prover's randomness are derived from the run's secret and a label (the proof kind
 * and step number), so proving the same run again gives the same bytes: a killed `zpol prove` that starts again
 * ends with the same proofs. The next state is read from the step program's memory when it halts (the compiler
 * records where), so the prover never computes a state transition any other way than by running the policy.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import type { ComputeCheck, LoadedPolicy, ProofKind } from '../policy/artifact.ts';
import { commitWords, recordWords, type RecordValues } from '../policy/record-words.ts';
import type { RunValue } from '../policy/run-values.ts';
import { VmError, type Execution, type VmErrorKind } from '../vm/executor.ts';
import { DEFAULT_SEGMENT_LOG, executeRun, isSegmented, proveSegment, segmentMachine, segmentPublics, segmentSizeProblem, segmentStatement, type Run, type SegmentedExecution, type SegmentMachine, type SegmentProof } from '../vm/segments.ts';
import { machine, proveExecution, vmTraces, type Machine } from '../vm/machine.ts';
import { programDigest } from '../vm/program.ts';
import { fieldWord, type Word } from '../vm/word.ts';
import { decodeStarkProof, encodeStarkProof } from '../proof/stark/codec.ts';
import { verify as verifyStark } from '../proof/stark/verifier.ts';
import type { StarkProof } from '../proof/stark/prover.ts';
import { decodeFriPcsProof, encodeFriPcsProof } from '../proof/pcs/codec.ts';
import type { FriPcsProof } from '../proof/pcs/proof.ts';
import { FriPcs } from '../proof/pcs/fri-pcs.ts';
import { proofPcsParams } from '../proof/pcs/security.ts';
import type { PcsParams } from '../proof/pcs/types.ts';
import { HASH_CONFIGS, type HashConfigName } from '../proof/hash-config.ts';
import type { ProofBackend } from '../proof/backend.ts';
import { blindingWord } from './blinding.ts';
import type { VerifyCode } from './codes.ts';

/** The code of each way the executor refuses a run (docs/verification-codes.md). */
const VM_ERROR_CODES: Readonly<Record<VmErrorKind, VerifyCode>> = { assertion: 'ZV301', trap: 'ZV302', input: 'ZV303', limit: 'ZV304', program: 'ZV306', segments: 'ZV308' };
import { PROOF_FORMAT, PROOF_VERSION, type ProofFile, type SegmentEntry } from './proof-file.ts';
import { wholeRunPcsParams } from './proof-params.ts';
import { PartialProof, type PartialProofs } from './partial.ts';
import { digestToHex as wordToHex, treeRoot, type MatrixCommitment } from '../run/tensor-commit.ts';
import { drawEntries, drawMembers, interleavesRows, openingTape, openSample, type DrawCheckpoint } from '../run/sampling.ts';
import { datasetKey, memberTape } from '../run/members.ts';
import { embedTape } from '../run/embeds.ts';
import { memberField } from '../run/format.ts';
import { layoutTape, WEIGHTS_FILE, type WeightsJson } from '../run/weights.ts';
import { boundLayouts, layoutChange, startWeightsFile, stepLayoutTape } from '../run/step-weights.ts';
import { bf16Dot, blocked, SEQUENTIAL } from '../fp/bf16.ts';
import { bf16MmaDotPadded } from '../fp/mma.ts';

/** A segment of a proof in segments, proven or taken from the work folder (partial.ts), with the seconds it took. */
export interface SegmentProgress {
  readonly kind: ProofKind;
  readonly step: number;
  readonly segment: number;
  readonly of: number;
  readonly action: 'proved' | 'resumed';
  readonly seconds: number;
}

/** A segment proof as the proof file holds it (words in hex, the STARK proof in base64). */
function segmentEntry(p: SegmentProof<FriPcsProof>): SegmentEntry {
  return { pcStart: p.pcStart, pcEnd: p.pcEnd, memStart: wordToHex(p.memStart), memEnd: wordToHex(p.memEnd), io: p.io, stark: Buffer.from(encodeStarkProof(p.stark, encodeFriPcsProof)).toString('base64') };
}

/** A helper prover (`fromLastSegment`) met segments already in the work folder: its part of the proof is written. */
export class SegmentsLeftToOthers extends Error {
  constructor(
    readonly proved: number,
    readonly metAt: number,
  ) {
    super(`proved ${proved} segments from the last backwards, and met segment ${metAt} in the work folder: the prover going forwards writes the proof`);
    this.name = 'SegmentsLeftToOthers';
  }
}

/** A step's committed tensors, by the step record field that holds each root (b transposed, as committed). */
export type StepTensors = ReadonlyMap<string, MatrixCommitment>;

/** What the chain proves and verifies against: a compiled artifact and its programs. */
export type ChainPolicy = LoadedPolicy;

/** A run that breaks the policy: which clause, at which step. */
export class ChainError extends Error {
  constructor(
    readonly code: VerifyCode,
    message: string,
    readonly kind: ProofKind,
    readonly step: number,
    readonly vmError?: VmError,
  ) {
    super(message);
    this.name = 'ChainError';
  }
}

export class ChainProver {
  /** Whole-run machines by kind and parameter set (proofPcsParams: the BLAKE3 defaults depend on the heights). */
  private readonly machines = new Map<string, Machine<FriPcsProof>>();
  private readonly segmentMachines = new Map<ProofKind, SegmentMachine<FriPcsProof>>();
  private readonly specWords: Word[];
  readonly specCommitment: Word;

  constructor(
    readonly policy: ChainPolicy,
    private readonly secret: Uint8Array,
    spec: RecordValues,
    /**
     * Proof configuration: the backend that runs the prover's kernels (the TypeScript reference by default), the
     * hash configuration (BLAKE3 by default; Poseidon2 for proofs to be verified inside the VM, #24), and the segment
     * size: a program that runs longer than `segmentCycles` cycles (a power of two, default 2^DEFAULT_SEGMENT_LOG)
     * is proven in segments of that many (runtime/vm/segments.ts).
     */
    private readonly config: {
      readonly backend?: ProofBackend;
      readonly hash?: HashConfigName;
      /**
       * Proofs made to be aggregated (runtime/aggregate): the Poseidon2 configuration (whatever `hash` says) with
       * POSEIDON2_AGGREGATION_PCS_PARAMS; the files say `params: "aggregation"`.
       */
      readonly aggregatable?: boolean;
      readonly segmentCycles?: number;
      /** The run's committed initial weights (weights.json), which genesis reads when the policy derives from them. */
      readonly weights?: WeightsJson;
      /** The layout of the weights step k starts from (runtime/run/step-weights.ts), for compute checks bound to them. */
      readonly stepWeights?: (step: number) => WeightsJson | undefined;
      /**
       * The work folders that make a long proof resumable (partial.ts): each segment proof is written there as it is
       * made and taken from there when it is this proof's, and each draw's search for its nonce is checkpointed.
       */
      readonly partial?: PartialProofs;
      /** Called after each segment of a proof in segments is proven or taken from the work folder. */
      readonly onSegment?: (p: SegmentProgress) => void;
      /**
       * A helper on the work folder of a prover already under way (another process, or another machine sharing the
       * folder): it proves segments from the last one backwards, writing each there, and stops at the first it finds
       * there (the other prover, going forwards, got that far); the other prover takes them from the folder as it
       * reaches them. `prove` then throws SegmentsLeftToOthers, having written no proof file. Requires `partial`.
       */
      readonly fromLastSegment?: boolean;
    } = {},
  ) {
    const problem = config.segmentCycles === undefined ? null : segmentSizeProblem(config.segmentCycles);
    if (problem) throw new ChainError('ZV309', problem, 'genesis', 0);
    if (config.fromLastSegment && !config.partial) throw new RangeError('fromLastSegment: a helper needs the work folder it shares (partial)');
    this.specWords = recordWords(policy.artifact.records.spec, spec, 'spec');
    this.specCommitment = commitWords(this.blinding('spec'), this.specWords);
  }

  /** The hash configuration of the proofs this prover makes. */
  get hash(): HashConfigName {
    return this.config.aggregatable ? 'poseidon2' : (this.config.hash ?? 'blake3');
  }

  /** Whether the proofs this prover makes are made to be aggregated (POSEIDON2_AGGREGATION_PCS_PARAMS). */
  get aggregatable(): boolean {
    return this.config.aggregatable === true;
  }

  private blinding(label: string): Word {
    return blindingWord(this.secret, label);
  }

  /** The PCS of this prover's configuration (its hash and backend) with `params`. */
  private pcs(params: PcsParams): FriPcs {
    return new FriPcs(params, { ...HASH_CONFIGS[this.hash], backend: this.config.backend });
  }

  /** The whole-run machine of `kind`'s program for tables of 2^logHeights rows (the parameters depend on them). */
  private machine(kind: ProofKind, logHeights: readonly number[]): Machine<FriPcsProof> {
    return this.machineAt(kind, this.wholeRunParams(kind, logHeights));
  }

  /** The parameters of a whole run of `kind` with these heights, as the verifier chooses them (wholeRunPcsParams). */
  private wholeRunParams(kind: ProofKind, logHeights: readonly number[]): PcsParams {
    return wholeRunPcsParams(this.hash, this.aggregatable, logHeights, (p) => this.machineAt(kind, p).system);
  }

  private machineAt(kind: ProofKind, params: PcsParams): Machine<FriPcsProof> {
    const key = `${kind} ${JSON.stringify(params)}`;
    let m = this.machines.get(key);
    if (!m) this.machines.set(key, (m = machine(this.policy.programs[kind], this.pcs(params))));
    return m;
  }

  /** The segment machine of `kind`'s program with this prover's PCS (what prove() proves segments with). */
  segmentMachine(kind: ProofKind): SegmentMachine<FriPcsProof> {
    let m = this.segmentMachines.get(kind);
    if (!m) this.segmentMachines.set(kind, (m = segmentMachine(this.policy.programs[kind], this.pcs(proofPcsParams(this.hash, this.aggregatable, null)))));
    return m;
  }

  stateCommitment(state: readonly Word[], index: number): Word {
    return commitWords(this.blinding(`state ${index}`), state);
  }

  /**
   * Runs one program (no proof): the execution (in segments when it runs longer than a segment), or a ChainError
   * naming the clause that fails.
   */
  run(kind: ProofKind, step: number, publicInputs: Word[], tape: Word[]): Run {
    try {
      return executeRun(this.policy.programs[kind], { publicInputs, privateInputs: tape }, { segmentCycles: this.config.segmentCycles ?? 2 ** DEFAULT_SEGMENT_LOG });
    } catch (e) {
      if (e instanceof VmError) {
        const where = kind === 'step' ? ` at step ${step}` : kind === 'genesis' ? ' at genesis' : ' in the attestation';
        const trap = e.kind === 'trap' ? this.policy.artifact.traps[kind].find((t) => t.pc === e.pc)?.at : undefined;
        throw new ChainError(VM_ERROR_CODES[e.kind], `${e.message.replace(/^pc \d+ \([^)]*\): /, '')}${trap ? ` (${trap})` : ''}${where}`, kind, step, e);
      }
      throw e;
    }
  }

  private state(kind: 'genesis' | 'step', exec: Run): Word[] {
    return this.policy.artifact.programs[kind].stateAddresses.map((a) => exec.finalMemory[a]!);
  }

  /**
   * Proves an execution this prover made (genesisExecution, stepExecution, attestationExecution) as the `kind`
   * proof of `step`: what genesis(), step() and attestation() do after running, for a caller that ran already.
   */
  prove(kind: ProofKind, step: number, exec: Run): ProofFile {
    const seed = blake3(new TextEncoder().encode(`zpol stark seed v1: ${kind} ${step}`), { key: this.secret });
    const stark = (s: StarkProof<FriPcsProof>) => Buffer.from(encodeStarkProof(s, encodeFriPcsProof)).toString('base64');
    const proof = isSegmented(exec) ? { stark: '', segments: this.proveSegments(kind, step, exec, seed) } : { stark: stark(this.proveWhole(kind, exec, seed)) };
    return this.proofFile(kind, step, exec, proof);
  }

  /** The proof file of `exec` as the `kind` proof of `step`, around its STARK proof (or its segments' proofs). */
  proofFile(kind: ProofKind, step: number, exec: Run, proof: { readonly stark: string; readonly segments?: readonly SegmentEntry[] }): ProofFile {
    return {
      format: PROOF_FORMAT,
      version: PROOF_VERSION,
      ...(this.hash === 'blake3' ? {} : { hash: this.hash }),
      ...(this.aggregatable ? { params: 'aggregation' as const } : {}),
      kind,
      policy: this.policy.artifact.policy.name,
      policyDigest: this.policy.artifact.digest,
      program: Buffer.from(programDigest(this.policy.programs[kind])).toString('hex'),
      step,
      publicInputs: exec.publicInputs.map(wordToHex),
      publicOutputs: exec.publicOutputs.map(wordToHex),
      ...proof,
    };
  }

  /**
   * Every segment of a run, in order: taken from the work folder when its file there is this proof's and its proof
   * verifies against the statement recomputed here, else proven and written there. Each segment's proof depends on
   * the run, the seed and its index alone, so a resumed proof is the bytes of an uninterrupted one.
   */
  private proveSegments(kind: ProofKind, step: number, exec: SegmentedExecution, seed: Uint8Array): SegmentEntry[] {
    const m = this.segmentMachine(kind);
    const n = exec.starts.length;
    const work = this.config.partial?.proof(
      kind,
      step,
      PartialProof.binding([this.policy.artifact.digest, Buffer.from(programDigest(m.program)).toString('hex'), kind, step, this.hash, this.aggregatable, exec.segmentCycles, n, exec.publicInputs.map(wordToHex), exec.publicOutputs.map(wordToHex)]),
    );
    if (this.config.fromLastSegment) this.helpFromLastSegment(m, kind, step, exec, seed, work!);
    const entries: SegmentEntry[] = [];
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      const found = work?.segment(k);
      const why = found ? this.segmentEntryProblem(m, exec, k, seed, found) : null;
      if (found && why !== null) work!.refuseSegment(k, why);
      if (found && why === null) {
        entries.push(found);
        this.config.onSegment?.({ kind, step, segment: k, of: n, action: 'resumed', seconds: (performance.now() - t0) / 1000 });
        continue;
      }
      const entry = segmentEntry(proveSegment(m, exec, k, seed));
      work?.saveSegment(k, entry);
      entries.push(entry);
      this.config.onSegment?.({ kind, step, segment: k, of: n, action: 'proved', seconds: (performance.now() - t0) / 1000 });
    }
    return entries;
  }

  /**
   * The helper's part (`fromLastSegment`): from the last segment missing from the work folder (those after it were
   * proven before, by a helper that stopped), segments proven backwards and written there until one is found (the
   * other prover's; whether it is valid is that prover's check), then SegmentsLeftToOthers. Two provers may both
   * prove the segment they meet at: the same bytes (a segment's proof is a function of the run, the seed and its
   * index), written atomically. When every segment is there already it returns, and the helper assembles the proof
   * as the prover going forwards would (checking each segment).
   */
  private helpFromLastSegment(m: SegmentMachine<FriPcsProof>, kind: ProofKind, step: number, exec: SegmentedExecution, seed: Uint8Array, work: PartialProof): void {
    const n = exec.starts.length;
    let proved = 0;
    let last = n - 1;
    while (last >= 0 && work.segment(last)) last--;
    if (last < 0) return;
    for (let k = last; k >= 0; k--) {
      // Segment `last` was just found missing (or its file ignored, and named once): proven without a second look.
      if (k < last && work.segment(k)) throw new SegmentsLeftToOthers(proved, k);
      const t0 = performance.now();
      work.saveSegment(k, segmentEntry(proveSegment(m, exec, k, seed)));
      proved++;
      this.config.onSegment?.({ kind, step, segment: k, of: n, action: 'proved', seconds: (performance.now() - t0) / 1000 });
    }
    throw new SegmentsLeftToOthers(proved, -1);
  }

  /**
   * Why a segment proof found in the work folder is not segment k of this run's proof (null when it is): its
   * statement is not the one recomputed from the run (pcs, memory commitments, I/O), or its STARK proof does not
   * decode canonically or verify against it. Never throws.
   */
  private segmentEntryProblem(m: SegmentMachine<FriPcsProof>, exec: SegmentedExecution, k: number, seed: Uint8Array, e: SegmentEntry): string | null {
    try {
      const want = segmentStatement(exec, k, seed);
      const same = e.pcStart === want.pcStart && e.pcEnd === want.pcEnd && e.memStart === wordToHex(want.memStart) && e.memEnd === wordToHex(want.memEnd) && e.io.length === want.io.length && e.io.every((i, n) => i === want.io[n]);
      if (!same) return `its statement (pcs, memory commitments, I/O) is not segment ${k}'s of this run`;
      const bytes = Buffer.from(e.stark, 'base64');
      if (bytes.toString('base64') !== e.stark) return 'its STARK proof is not canonical base64';
      const decoded = decodeStarkProof(bytes, m.system, (b, layouts) => decodeFriPcsProof(b, m.system.pcs.params, layouts));
      if (!decoded.ok) return `its STARK proof does not decode (${decoded.error})`;
      const verdict = verifyStark(m.system, segmentPublics(m.program, want, exec.publicInputs, exec.publicOutputs), decoded.value);
      return verdict.ok ? null : `its STARK proof does not verify (${verdict.error})`;
    } catch (err) {
      return `cannot be checked (${(err as Error).message})`;
    }
  }

  /**
   * A whole run's STARK proof, with the parameters its tables' heights select (proofPcsParams). The verifier reads
   * every table's height from the proof's header, the blinding collector's included; the collector has a row per
   * blinded table, far below SMALL_TRACE_MAX_LOG_HEIGHT, so the traces' heights decide, which the check confirms.
   */
  private proveWhole(kind: ProofKind, exec: Execution, seed: Uint8Array): StarkProof<FriPcsProof> {
    const traces = vmTraces(exec);
    const m = this.machine(kind, traces.map((t) => Math.log2(t.height)));
    const proof = proveExecution(m, exec, { seed, traces }).stark;
    if (JSON.stringify(this.wholeRunParams(kind, proof.logHeights)) !== JSON.stringify(m.system.pcs.params)) {
      throw new Error(`internal: the proof's heights (${proof.logHeights.join(', ')}) select other parameters than its traces'`);
    }
    return proof;
  }

  genesisExecution(): { exec: Run; state: Word[] } {
    const exec = this.run('genesis', 0, [this.specCommitment], [this.blinding('spec'), ...this.specWords, ...this.weightsTape(), this.blinding('state 0')]);
    return { exec, state: this.state('genesis', exec) };
  }

  /**
   * The weight layouts genesis reads (compiler/weights.ts), after the spec record: every entry of weights.json. Whether
   * it opens against the spec's root is the program's to say (naming the claim); a run without weights.json, or one
   * whose layout has another tensor count than the policy reads, is refused here, naming the claim.
   */
  private weightsTape(): Word[] {
    const tape: Word[] = [];
    for (const w of this.policy.artifact.weights ?? []) {
      const named = `${w.clause} (${w.at}): spec.${w.field}`;
      const weights = this.config.weights;
      if (!weights) throw new ChainError('ZV305', `${named}: the run has no ${WEIGHTS_FILE}, the committed initial weights' layout the claim reads, at genesis`, 'genesis', 0);
      if (weights.tensors.length !== w.tensors) {
        throw new ChainError('ZV305', `${named}: ${WEIGHTS_FILE} lists ${weights.tensors.length} tensors; the policy reads a layout of ${w.tensors}, at genesis`, 'genesis', 0);
      }
      for (const w of layoutTape(weights.tensors)) tape.push(w);
    }
    return tape;
  }

  genesis(): { proof: ProofFile; state: Word[] } {
    const { exec, state } = this.genesisExecution();
    return { proof: this.prove('genesis', 0, exec), state };
  }

  /**
   * The compute checks' openings, in the order the step program reads them: for each `verify` clause, the nonce of
   * its proof of work and the entries that the record's roots select (runtime/run/sampling.ts), each with its rows
   * of a, bᵀ and c and their Merkle siblings, opened from `tensors`. The rows are not checked here: tensors that do not match their roots make
   * the program fail, and the error names the clause.
   */
  private openings(index: number, step: RecordValues, tensors: StepTensors | undefined): Word[] {
    const tape: Word[] = [];
    const checkpoint = this.drawCheckpoint(index);
    for (const check of this.policy.artifact.verifies) {
      const fail = (why: string): never => {
        throw new ChainError('ZV305', `verify ${check.name} failed (${check.at}): ${why} at step ${index}`, 'step', index);
      };
      for (const m of checkedMembers(check, step, tensors, fail)) {
        const draw = drawEntries({ a: m.a.root, b: m.b.root, c: m.c.root }, check.dims, check.samples, check.powBits, this.config.backend, checkpoint);
        // Word by word: a frontier check's openings are millions of words, too many for push's arguments.
        for (const w of openingTape([m.a.tensor, m.b.tensor, m.c.tensor].map(treeRoot), draw.nonce, draw.entries.map(({ i, j }) => openSample(m.a.tensor, m.b.tensor, m.c.tensor, i, j)), interleavesRows(check.order))) tape.push(w);
      }
    }
    // The label tensors go first on the tape, every row (compiler/labels.ts), though they are looked up after the
    // checks' operands, so that a missing operand is named first. Whether they open and are labels is the program's to say.
    const labels: Word[] = [];
    for (const t of this.policy.artifact.labels ?? []) {
      const tensor = tensors?.get(t.field);
      if (!tensor) throw new ChainError('ZV305', `count_labels(step.${t.field}) (${t.at}): no committed label tensor for step.${t.field} at step ${index}`, 'step', index);
      if (tensor.rows !== t.rows || tensor.cols !== 1) {
        throw new ChainError('ZV305', `count_labels(step.${t.field}) (${t.at}): step.${t.field} commits a [${tensor.rows}, ${tensor.cols}] tensor; the policy counts [${t.rows}, 1] labels at step ${index}`, 'step', index);
      }
      for (let r = 0; r < t.rows; r++) labels.push(fieldWord(tensor.values[r]!));
    }
    return [...labels, ...this.sampledOpenings(index, tensors, checkpoint), ...this.layoutsTape(index), ...tape];
  }

  /**
   * The layouts of the weights step `index` starts from that its bound compute checks read (compiler/step-weights.ts),
   * after the sampling checks' openings and before the checks': once per state field, stepLayoutTape of weights.json
   * (the initial layout it must agree with in names and shapes) and the layout the step starts from (its roots and
   * tree roots). The attestation after step N reads them as step N + 1 would (`attestation`). Whether a layout opens
   * against the state's root, and its roots commit their shapes, is the program's to say; a missing one, or one of
   * another size, is named here.
   */
  private layoutsTape(index: number, attestation = false): Word[] {
    const tape: Word[] = [];
    const kind: ProofKind = attestation ? 'attestation' : 'step';
    const where = attestation ? 'in the attestation' : `at step ${index}`;
    const role = attestation ? 'the last step ends with' : 'the step starts from';
    for (const l of boundLayouts(this.policy.artifact.verifies)) {
      const named = `verify ${l.check.name} failed (${l.check.at})`;
      const refuse = (why: string): never => {
        throw new ChainError('ZV305', `${named}: ${why} ${where}`, kind, attestation ? index - 1 : index);
      };
      const w = this.config.stepWeights?.(index) ?? refuse(`the run has no ${startWeightsFile(index)}, the layout of the committed weights ${role},`);
      if (w.tensors.length !== l.tensors) refuse(`${startWeightsFile(index)} lists ${w.tensors.length} tensors; the policy reads a layout of ${l.tensors} (state.${l.field})`);
      const initial = (index === 1 ? w : this.config.stepWeights?.(1)) ?? refuse(`the run has no ${WEIGHTS_FILE}, the committed initial layout (spec.${l.initial}) each step's layout must agree with,`);
      if (initial.tensors.length !== l.tensors) refuse(`${WEIGHTS_FILE} lists ${initial.tensors.length} tensors; the policy reads a layout of ${l.tensors} (spec.${l.initial})`);
      for (const word of stepLayoutTape(initial.tensors, w.tensors)) tape.push(word);
    }
    return tape;
  }

  /**
   * A layout read that fails names the tensor (the program's message is fixed at compile time, tensors by index):
   * the tensor whose root does not commit its shape, or the first whose name, kind, block or shape is not the
   * initial one's. `index` is the step whose start layout was read (the attestation: the last step + 1).
   */
  private namedTensor(e: ChainError, index: number): ChainError {
    const start = this.config.stepWeights?.(index);
    const initial = this.config.stepWeights?.(1);
    const l = boundLayouts(this.policy.artifact.verifies).find((b) => e.message.includes(`verify ${b.check.name} failed`) && e.message.includes(` state.${b.field} (the committed weights `));
    if (!l || !start || !initial) return e;
    const file = startWeightsFile(index);
    // A renamed or reshaped tensor is the cause, whichever check caught it; else the tensor whose root is wrong.
    const shape = / the root of tensor (\d+) \(in canonical order\) of state\./.exec(e.message);
    const tensor = shape ? start.tensors[Number(shape[1])] : undefined;
    const why = layoutChange(initial.tensors, start.tensors, file) ?? (tensor ? `"${tensor.name}" in ${file}` : undefined);
    return why ? new ChainError(e.code, `${e.message}: ${why}`, e.kind, e.step, e.vmError) : e;
  }

  /**
   * Where step `index`'s draws search their proofs of work: the work folder when there is one (each draw's file named
   * by its seed, so a killed prover searches on and a prove started again takes the nonces found), else from 0.
   */
  private drawCheckpoint(index: number): DrawCheckpoint | undefined {
    const partial = this.config.partial;
    return partial && ((seed, bits) => partial.grind('step', index, seed, bits));
  }

  /**
   * The sampling checks' openings, after the labels: the membership checks' (runtime/run/members.ts: each sampled
   * row of the batch with the example it is in its labelled source's dataset), then the embedding checks'
   * (runtime/run/embeds.ts: for each sampled token position its ids row, its input row and the table's row for its
   * id). A missing or misshapen tensor or dataset is named here; whether the rows open and agree is the program's
   * to say.
   */
  private sampledOpenings(index: number, tensors: StepTensors | undefined, checkpoint: DrawCheckpoint | undefined): Word[] {
    const tape: Word[] = [];
    // Each tensor has the shape the check is compiled for: the tape's layout (rows drawn mod R, tree depths) follows it.
    const shaped = (m: { clause: string; at: string }, call: string) => (key: string, what: string, rows: number, cols: number) => {
      const fail = (why: string): never => {
        throw new ChainError('ZV305', `${m.clause} failed (${m.at}): ${call}: ${why} at step ${index}`, 'step', index);
      };
      const t = tensors?.get(key) ?? fail(`no ${what}`);
      return t.rows === rows && t.cols === cols ? t : fail(`the ${what} is [${t.rows}, ${t.cols}]; the check is compiled for [${rows}, ${cols}]`);
    };
    for (const m of this.policy.artifact.members ?? []) {
      const tensor = shaped(m, 'from_sources');
      const datasets = m.names.map((n, t) => tensor(datasetKey(n), `dataset of source '${n}' (registry.json)`, m.examples[t]!, m.cols));
      const labels = tensor(m.labels, `committed label tensor for step.${m.labels}`, m.rows, 1);
      for (const w of memberTape(m, labels, tensor(m.batch, `committed batch for step.${m.batch}`, m.rows, m.batchCols), datasets, this.config.backend, checkpoint)) tape.push(w);
    }
    for (const m of this.policy.artifact.embeds ?? []) {
      const tensor = shaped(m, 'embeds');
      const ids = tensor(m.ids, `committed token ids for step.${m.ids}`, m.rows, m.seq);
      const input = tensor(m.input, `committed input for step.${m.input}`, m.rows * m.seq, m.width);
      for (const w of embedTape(m, ids, input, tensor(m.table, `committed embedding table for step.${m.table}`, m.vocab, m.width), this.config.backend, checkpoint)) tape.push(w);
    }
    return tape;
  }

  /**
   * The step program's inputs for step `index`: its public inputs, the records at the head of its tape, and the
   * whole tape (the records, the compute checks' openings and the next state's blinding; throws ChainError as
   * stepExecution does when the openings cannot be made). stepExecution runs the program on them; a caller may run
   * part of it (bench/frontier-segments.ts proves the first segments of a step too long to run whole).
   */
  stepInputs(index: number, prev: readonly Word[], step: RecordValues, tensors?: StepTensors): { publicInputs: Word[]; records: Word[]; tape: () => Word[] } {
    const stepWords = recordWords(this.policy.artifact.records.step, step, `step ${index}`);
    const stepBlind = this.blinding(`step ${index}`);
    const publicInputs = [this.specCommitment, this.stateCommitment(prev, index - 1), commitWords(stepBlind, stepWords)];
    const records = [this.blinding('spec'), ...this.specWords, this.blinding(`state ${index - 1}`), ...prev, stepBlind, ...stepWords];
    return { publicInputs, records, tape: () => [...records, ...this.openings(index, step, tensors), this.blinding(`state ${index}`)] };
  }

  /** Runs step `index` (1-based) from the state after step index − 1; `tensors` are needed when the policy has compute checks. */
  stepExecution(index: number, prev: readonly Word[], step: RecordValues, tensors?: StepTensors): { exec: Run; state: Word[] } {
    const { publicInputs: publics, records, tape: fullTape } = this.stepInputs(index, prev, step, tensors);
    let tape: Word[];
    try {
      tape = fullTape();
    } catch (e) {
      // Without its openings the program still shows a clause that fails before the compute checks run (it
      // runs out of tape at the first word a check reads otherwise: the tape ends with the records).
      if (e instanceof ChainError) {
        try {
          this.run('step', index, publics, records);
        } catch (earlier) {
          if (earlier instanceof ChainError && earlier.vmError?.kind !== 'input') throw earlier;
        }
      }
      throw e;
    }
    let exec: Run;
    try {
      exec = this.run('step', index, publics, tape);
    } catch (e) {
      throw e instanceof ChainError && e.vmError?.kind === 'assertion' ? this.namedTensor(this.namedEntry(e, step, tensors), index) : e;
    }
    return { exec, state: this.state('step', exec) };
  }

  /**
   * A compute check that fails names the entry and both values: the first drawn entry whose committed c differs
   * from the recomputation in the check's order (the program's message is one per clause, fixed at compile time).
   */
  private namedEntry(e: ChainError, step: RecordValues, tensors: StepTensors | undefined): ChainError {
    const check = this.policy.artifact.verifies.find((v) => e.message.includes(`verify ${v.name} failed`) && e.message.includes('a sampled entry of c differs'));
    if (!check) return e;
    let members: CheckedMember[];
    try {
      members = checkedMembers(check, step, tensors, (why) => {
        throw new Error(why);
      });
    } catch {
      return e;
    }
    const [, K, N] = check.dims;
    const hex = (x: number) => `0x${x.toString(16).padStart(4, '0')}`;
    for (const { member, a, b, c } of members) {
      for (const { i, j } of drawEntries({ a: a.root, b: b.root, c: c.root }, check.dims, check.samples, check.powBits).entries) {
        const [x, y] = [a.tensor.values.subarray(i * K, (i + 1) * K), b.tensor.values.subarray(j * K, (j + 1) * K)];
        const want = check.order === 'tensor_core' ? bf16MmaDotPadded(x, y).out : bf16Dot(x, y, check.order === 'blocked' ? blocked(check.block!) : SEQUENTIAL).out;
        const got = c.tensor.values[i * N + j]!;
        if (got !== want) {
          const how = check.order === 'tensor_core' ? 'the tensor-core recomputation' : check.order === 'blocked' ? `the blocked(${check.block}) recomputation` : 'the sequential recomputation';
          const which = member === undefined ? '' : ` in member ${check.family!.variable} = ${member} (step.${check.c}[${member}])`;
          return new ChainError(e.code, `${e.message}${which}: c[${i}][${j}] is ${hex(got)}, ${how} from a and b gives ${hex(want)}`, e.kind, e.step, e.vmError);
        }
      }
    }
    return e;
  }

  /** Proves step `index` (1-based) from the state after step index − 1. */
  step(index: number, prev: readonly Word[], step: RecordValues, tensors?: StepTensors): { proof: ProofFile; state: Word[] } {
    const { exec, state } = this.stepExecution(index, prev, step, tensors);
    return { proof: this.prove('step', index, exec), state };
  }

  /** Runs the attestation after step `last` from its state `final`, with the layouts of the weights the run ends with. */
  attestationExecution(last: number, final: readonly Word[]): Run {
    const tape = [this.blinding('spec'), ...this.specWords, this.blinding(`state ${last}`), ...final, ...this.layoutsTape(last + 1, true)];
    try {
      return this.run('attestation', last, [this.specCommitment, this.stateCommitment(final, last)], tape);
    } catch (e) {
      throw e instanceof ChainError && e.vmError?.kind === 'assertion' ? this.namedTensor(e, last + 1) : e;
    }
  }

  attestation(last: number, final: readonly Word[]): ProofFile {
    return this.prove('attestation', last, this.attestationExecution(last, final));
  }
}

/** A product a step checks: its member index in a family (undefined for a single product) and its operands. */
interface CheckedMember {
  readonly member?: number;
  readonly a: { readonly root: Word; readonly tensor: MatrixCommitment };
  readonly b: { readonly root: Word; readonly tensor: MatrixCommitment };
  readonly c: { readonly root: Word; readonly tensor: MatrixCommitment };
}

/**
 * The products a check opens at this step, in the order the step program checks them: the clause's one product,
 * or a family's drawn members (runtime/run/sampling.ts drawMembers, from every member's roots), each with the
 * roots the record holds and the tensors committed for them (`x_root[l]` for a family). `fail` says what is missing.
 */
function checkedMembers(check: ComputeCheck, step: RecordValues, tensors: StepTensors | undefined, fail: (why: string) => never): CheckedMember[] {
  const [M, K, N] = check.dims;
  const operand = (root: RunValue | undefined, key: string, what: string, rows: number, cols: number): { root: Word; tensor: MatrixCommitment } => {
    if (root?.kind !== 'digest') return fail(`${what} is not a digest`);
    const tensor = tensors?.get(key) ?? fail(`no committed tensor for ${what}`);
    if (tensor.rows !== rows || tensor.cols !== cols) fail(`${what} commits a [${tensor.rows}, ${tensor.cols}] tensor; the check is compiled for [${rows}, ${cols}]`);
    return { root: [...root.words], tensor };
  };
  const shapes = { a: [M, K], b: [N, K], c: [M, N] } as const;
  if (!check.family) {
    const one = (o: 'a' | 'b' | 'c') => operand(step.get(check[o]), check[o], `step.${check[o]}`, shapes[o][0], shapes[o][1]);
    return [{ a: one('a'), b: one('b'), c: one('c') }];
  }
  const { from, to, draws } = check.family;
  const element = (o: 'a' | 'b' | 'c', l: number): RunValue | undefined => {
    const v = step.get(check[o]);
    return v?.kind === 'array' ? v.elements[l] : undefined;
  };
  const rootOf = (o: 'a' | 'b' | 'c', l: number): Word => {
    const v = element(o, l);
    return v?.kind === 'digest' ? [...v.words] : fail(`step.${check[o]}[${l}] is not a digest`);
  };
  const roots = Array.from({ length: to - from }, (_, u) => ({ a: rootOf('a', from + u), b: rootOf('b', from + u), c: rootOf('c', from + u) }));
  return drawMembers(roots, check.dims, check.samples, draws).map((u) => {
    const l = from + u;
    const one = (o: 'a' | 'b' | 'c') => operand(element(o, l), memberField(check[o], l), `step.${check[o]}[${l}]`, shapes[o][0], shapes[o][1]);
    return { member: l, a: one('a'), b: one('b'), c: one('c') };
  });
}
