/**
 * Continuations: a run too long for one proof, proven as a chain of segment proofs.
 *
 * A run that does not halt within `segmentCycles` cycles (a power of two) is executed in segments of exactly that
 * many cycles, the last one up to its halt (executor.ts `stopAfter` and `from`), keeping only the state each starts
 * in; proving executes each again and holds one segment's traces at a time. Each segment is proven by the
 * segment machine: the machine's tables with the segment CPU (its first pc and the pc after its last row are
 * public, chips/cpu.ts) and the segment memory chip (initial and final images proven against public Poseidon2
 * commitments, chips/segment-memory.ts). A segment's clock and memory timestamps are its own, from 0; its private
 * tape is the words it consumes. Its public inputs (segment-publics.ts) are the program digest, the start and next
 * pcs, the start and end memory commitments, every public input and output word of the run, and one flag per word:
 * whether this segment reads (or writes) it, which sets the multiplicity of that word's message on IO_BUS.
 *
 * verifySegments accepts the segments as one execution of the program when: there are at least two (a run of
 * one segment is proven by the ordinary machine) and at most MAX_SEGMENTS; the first starts at pc 0 from the
 * program's initial memory (salt zero); each next one starts at the pc and memory commitment the one before it
 * ended with; the last ends at a halt; every public input and output is read or written by exactly one segment
 * (each segment lists its own in ascending order, so that a proof has one file);
 * and every segment's STARK proof verifies.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import * as F from '../proof/field/babybear.ts';
import type { Pcs } from '../proof/pcs/types.ts';
import { FriPcs, type FriPcsProof } from '../proof/pcs/fri-pcs.ts';
import { SEGMENT_PCS_PARAMS } from '../proof/pcs/security.ts';
import { buildSystem, type StarkSystem } from '../proof/stark/system.ts';
import { prove, type StarkProof } from '../proof/stark/prover.ts';
import { verify } from '../proof/stark/verifier.ts';
import type { PublicMessage } from '../proof/air/logup.ts';
import type { Matrix } from '../proof/matrix.ts';
import { IO_BUS, WORD } from './buses.ts';
import { execute, VmError, type Execution, type ExecutionInputs, type MachineState } from './executor.ts';
import { MAX_LOG_CYCLES, MAX_SEGMENTS } from './isa.ts';
import { digestPublics, programDigest, type Program } from './program.ts';
import { ZERO_WORD, isWord, wordsEqual, type Word } from './word.ts';
import { byteLimbs } from './chips/byte-limbs.ts';
import { segmentCpuAir } from './chips/cpu.ts';
import { memoryCommitment, segmentMemoryAir, segmentMemoryPreprocessed, segmentMemoryTrace } from './chips/segment-memory.ts';
import { cpuTable, ioMessages, machineTables, tableNames, vmTracesWith, type TableName } from './machine.ts';
import { SEG_STATE_END } from './segment-publics.ts';

/** The default segment size (2^19 cycles) and the most segments a run may be proven in (1,024): isa.ts. */
export { DEFAULT_SEGMENT_LOG, MAX_SEGMENTS } from './isa.ts';
/** The smallest segment (the machine's tables are at least 4 rows tall). */
export const MIN_SEGMENT_LOG = 2;

/**
 * A run executed in segments: the state each segment starts from, and the run's I/O and final memory. Only the
 * states are kept (a copy of memory each), not the segments' records: proving executes each segment again from its
 * start (segmentExecution), so the prover holds one segment's trace at a time.
 */
export interface SegmentedExecution {
  readonly program: Program;
  readonly inputs: ExecutionInputs;
  readonly segmentCycles: number;
  readonly starts: readonly MachineState[];
  readonly publicInputs: readonly Word[];
  readonly publicOutputs: readonly Word[];
  readonly finalMemory: readonly Word[];
}

/** A run: one execution proven by the machine, or a segmented one proven by the segment machine. */
export type Run = Execution | SegmentedExecution;

export function isSegmented(run: Run): run is SegmentedExecution {
  return 'starts' in run;
}

/** Whether `cycles` is a valid segment size: a power of two from 2^MIN_SEGMENT_LOG to 2^MAX_LOG_CYCLES. */
export function segmentSizeProblem(cycles: number): string | null {
  const ok = Number.isInteger(cycles) && cycles >= 2 ** MIN_SEGMENT_LOG && cycles <= 2 ** MAX_LOG_CYCLES && (cycles & (cycles - 1)) === 0;
  return ok ? null : `a segment is a power of two of cycles from 2^${MIN_SEGMENT_LOG} to 2^${MAX_LOG_CYCLES}, not ${cycles}`;
}

/**
 * Runs `program`: the execution itself when it halts within `segmentCycles` cycles (what execute returns), else its
 * segments. Throws VmError as execute does, of kind 'segments' when the run needs more than `maxSegments`.
 */
export function executeRun(program: Program, inputs: ExecutionInputs, options: { segmentCycles: number; maxSegments?: number }): Run {
  const problem = segmentSizeProblem(options.segmentCycles);
  if (problem) throw new RangeError(problem);
  const maxSegments = options.maxSegments ?? MAX_SEGMENTS;
  const first = execute(program, { ...inputs, stopAfter: options.segmentCycles });
  if (first.segment!.halted) {
    const { segment: _, ...single } = first;
    return single;
  }
  const starts = [first.segment!.start];
  let last = first;
  while (!last.segment!.halted) {
    if (starts.length >= maxSegments) {
      throw new VmError(`the program ran ${maxSegments} segments of ${options.segmentCycles} cycles without halting (at most ${maxSegments} segments)`, 'segments', last.segment!.end.pc);
    }
    starts.push(last.segment!.end);
    last = execute(program, { ...inputs, from: last.segment!.end, stopAfter: options.segmentCycles });
  }
  return { program, inputs, segmentCycles: options.segmentCycles, starts, publicInputs: last.publicInputs, publicOutputs: last.publicOutputs, finalMemory: last.finalMemory };
}

/** Segment k of a run, executed again from the state it starts in (with its `segment` states). */
export function segmentExecution(run: SegmentedExecution, k: number): Execution {
  return execute(run.program, { ...run.inputs, from: run.starts[k]!, stopAfter: run.segmentCycles });
}

export interface SegmentMachine<P> {
  readonly program: Program;
  readonly tables: readonly TableName[];
  readonly system: StarkSystem<P>;
}

const SEGMENT_CPU = byteLimbs(segmentCpuAir);

/** The STARK system that proves segments of executions of `program`. */
export function segmentMachine<P = FriPcsProof>(program: Program, pcs?: Pcs<P>): SegmentMachine<P> {
  const io = program.publicInputs + program.publicOutputs;
  const tables = machineTables(program, cpuTable(SEGMENT_CPU, program), { air: segmentMemoryAir, preprocessed: segmentMemoryPreprocessed(program.memorySize) });
  const system = buildSystem('zpol-vm-segment-1', tables, pcs ?? (new FriPcs(SEGMENT_PCS_PARAMS) as unknown as Pcs<P>), true, {
    publicInputs: SEG_STATE_END + (WORD + 1) * io,
    publicMessages: { buses: [IO_BUS], messages: (publics) => segmentIoMessages(io, publics) },
  });
  return { program, tables: tableNames(program), system };
}

/** (k, word_k) on IO_BUS for each input and output this segment reads or writes (its flag is 1). */
function segmentIoMessages(io: number, publics: readonly number[]): PublicMessage[] {
  return ioMessages(io, publics, SEG_STATE_END, (k) => publics[SEG_STATE_END + WORD * io + k]!);
}

/** What a segment proof states besides the run's I/O words: where it starts and ends, and which I/O it does. */
export interface SegmentStatement {
  readonly pcStart: number;
  readonly pcEnd: number;
  readonly memStart: Word;
  readonly memEnd: Word;
  /** The indices of the public inputs it reads and outputs it writes (inputs first, as the program numbers them). */
  readonly io: readonly number[];
}

export interface SegmentProof<P> extends SegmentStatement {
  readonly stark: StarkProof<P>;
}

/** A segment proof's public inputs. */
export function segmentPublics(program: Program, s: SegmentStatement, inputs: readonly Word[], outputs: readonly Word[]): number[] {
  const mask = new Array<number>(program.publicInputs + program.publicOutputs).fill(0);
  for (const k of s.io) mask[k] = 1;
  return [...digestPublics(programDigest(program)), s.pcStart, s.pcEnd, ...s.memStart, ...s.memEnd, ...inputs.flat(), ...outputs.flat(), ...mask];
}

/** 32 bytes from a seed and a label (keyed BLAKE3 under the seed's hash). */
function derive(seed: Uint8Array | string, label: string, length = 32): Uint8Array {
  const key = blake3(typeof seed === 'string' ? new TextEncoder().encode(seed) : seed);
  return blake3(new TextEncoder().encode(`zpol segments v1: ${label}`), { key, dkLen: length });
}

/** The salt of the memory commitment at boundary k (before segment k; k = n: after the last): zero for k = 0. */
function boundarySalt(seed: Uint8Array | string, k: number): Word {
  if (k === 0) return ZERO_WORD;
  const bytes = derive(seed, `salt ${k}`, 8 * WORD);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: WORD }, (_, i) => Number(view.getBigUint64(8 * i, true) % BigInt(F.P)));
}

/** Segment k's statement and traces (its memory commitments from the salts the seed derives). */
export function segmentWitness(run: SegmentedExecution, k: number, seed: Uint8Array | string): { statement: SegmentStatement; traces: Matrix[] } {
  const seg = segmentExecution(run, k);
  const s = seg.segment!;
  const salts = { start: boundarySalt(seed, k), end: boundarySalt(seed, k + 1) };
  const memory = segmentMemoryTrace(s.start.memory, seg.finalMemory, seg.finalTimestamps, salts);
  const io = [...s.end.io.keys()].filter((i) => s.end.io[i] === 1 && s.start.io[i] === 0);
  const statement = { pcStart: s.start.pc, pcEnd: s.end.pc, memStart: memoryCommitment(salts.start, s.start.memory), memEnd: memoryCommitment(salts.end, seg.finalMemory), io };
  return { statement, traces: vmTracesWith(seg, memory) };
}

/**
 * Segment k's statement without its traces: from the states the run kept (a memory commitment each end), executing
 * only the last segment again (its end state is not kept). What segmentWitness states, at the cost of two Poseidon2
 * commitments of memory: a resumed prover checks a segment proof it finds on disk against it (runtime/chain/partial.ts).
 */
export function segmentStatement(run: SegmentedExecution, k: number, seed: Uint8Array | string): SegmentStatement {
  if (k === run.starts.length - 1) return segmentWitness(run, k, seed).statement;
  const [start, end] = [run.starts[k]!, run.starts[k + 1]!];
  const io = [...end.io.keys()].filter((i) => end.io[i] === 1 && start.io[i] === 0);
  return { pcStart: start.pc, pcEnd: end.pc, memStart: memoryCommitment(boundarySalt(seed, k), start.memory), memEnd: memoryCommitment(boundarySalt(seed, k + 1), end.memory), io };
}

/** Segment k of a run proven (executed again, its traces built, proven and dropped): `seed` as proveSegments's. */
export function proveSegment<P>(m: SegmentMachine<P>, run: SegmentedExecution, k: number, seed: Uint8Array | string): SegmentProof<P> {
  if (run.program !== m.program) throw new Error('the execution is of another program');
  const { statement, traces } = segmentWitness(run, k, seed);
  const stark = prove(m.system, traces, segmentPublics(m.program, statement, run.publicInputs, run.publicOutputs), { seed: derive(seed, `stark ${k}`) });
  return { ...statement, stark };
}

/**
 * Proves every segment of a run, one at a time (each executed again, its traces built, proven and dropped); `seed`
 * fixes the salts and every STARK prover's randomness, so each segment's proof is a function of the run, the seed
 * and k alone: a prover that proves some segments, stops and proves the rest ends with the same bytes.
 */
export function proveSegments<P>(m: SegmentMachine<P>, run: SegmentedExecution, options: { seed?: Uint8Array | string } = {}): SegmentProof<P>[] {
  const seed = options.seed ?? crypto.getRandomValues(new Uint8Array(32));
  return run.starts.map((_, k) => proveSegment(m, run, k, seed));
}

/** Why segments are not one execution: which rule they break, the segment (or null for the whole), and how. */
export type SegmentFailure = 'count' | 'start' | 'link' | 'end' | 'io' | 'stark';
export type SegmentVerdict = { readonly ok: true } | { readonly ok: false; readonly failure: SegmentFailure; readonly segment: number | null; readonly error: string };

/** Verifies segment proofs as one execution of `m.program` on these public inputs with these public outputs. */
export function verifySegments<P>(m: SegmentMachine<P>, publicInputs: readonly Word[], publicOutputs: readonly Word[], segments: readonly SegmentProof<P>[]): SegmentVerdict {
  const links = verifySegmentLinks(m.program, publicInputs, publicOutputs, segments);
  return links.ok ? verifySegmentProofs(m, publicInputs, publicOutputs, segments) : links;
}

/** Every segment's STARK proof against its statement (`verifySegmentLinks` checks how the statements fit together). */
export function verifySegmentProofs<P>(m: SegmentMachine<P>, publicInputs: readonly Word[], publicOutputs: readonly Word[], segments: readonly SegmentProof<P>[]): SegmentVerdict {
  for (const [k, s] of segments.entries()) {
    const verdict = verify(m.system, segmentPublics(m.program, s, publicInputs, publicOutputs), s.stark);
    if (!verdict.ok) return { ok: false, failure: 'stark', segment: k, error: `segment ${k}: ${verdict.error}` };
  }
  return { ok: true };
}

/**
 * The checks on the segments' statements alone (count, start, links, end, I/O), without their STARK proofs: cheap,
 * so a verifier runs them before it decodes and verifies any proof.
 */
export function verifySegmentLinks(program: Program, publicInputs: readonly Word[], publicOutputs: readonly Word[], segments: readonly SegmentStatement[]): SegmentVerdict {
  const fail = (failure: SegmentFailure, segment: number | null, error: string): SegmentVerdict => ({ ok: false, failure, segment, error });
  if (publicInputs.length !== program.publicInputs || !publicInputs.every(isWord)) return fail('io', null, `expected ${program.publicInputs} public input words`);
  if (publicOutputs.length !== program.publicOutputs || !publicOutputs.every(isWord)) return fail('io', null, `expected ${program.publicOutputs} public output words`);
  if (segments.length < 2 || segments.length > MAX_SEGMENTS) return fail('count', null, `${segments.length} segments; a segmented run has 2 to ${MAX_SEGMENTS}`);
  const initial = new Array<Word>(program.memorySize).fill(ZERO_WORD);
  for (const d of program.data) initial[d.addr] = d.word;
  const first = segments[0]!;
  if (first.pcStart !== 0 || !wordsEqual(first.memStart, memoryCommitment(ZERO_WORD, initial))) {
    return fail('start', 0, 'the first segment does not start at pc 0 from the program\'s initial memory');
  }
  for (let k = 1; k < segments.length; k++) {
    const [prev, s] = [segments[k - 1]!, segments[k]!];
    if (s.pcStart !== prev.pcEnd) return fail('link', k, `segment ${k} starts at pc ${s.pcStart}; segment ${k - 1} ended at pc ${prev.pcEnd}`);
    if (!wordsEqual(s.memStart, prev.memEnd)) return fail('link', k, `segment ${k} starts from another memory than segment ${k - 1} ended with (memory commitment)`);
  }
  const last = segments[segments.length - 1]!;
  if (program.instructions[last.pcEnd]?.op !== 'halt') return fail('end', segments.length - 1, `the last segment ends at pc ${last.pcEnd}, which is not a halt`);
  const io = program.publicInputs + program.publicOutputs;
  const count = new Array<number>(io).fill(0);
  for (const [k, s] of segments.entries()) {
    for (const [n, i] of s.io.entries()) {
      if (!Number.isInteger(i) || i < 0 || i >= io) return fail('io', k, `segment ${k} names public word ${i}; the program has ${io}`);
      // Ascending, each once: the flags a proof states have one list (another order would be another file of the
      // same proof), and a word named twice is not claimed twice over.
      if (n > 0 && i <= s.io[n - 1]!) return fail('io', k, `segment ${k} lists public word ${i} after ${s.io[n - 1]}; the list is ascending, each word once`);
      count[i]!++;
    }
  }
  const wrong = count.findIndex((c) => c !== 1);
  if (wrong >= 0) return fail('io', null, `${wrong < program.publicInputs ? `public input ${wrong}` : `public output ${wrong - program.publicInputs}`} is ${count[wrong] === 0 ? 'not read or written by any segment' : `claimed by ${count[wrong]} segments`}`);
  return { ok: true };
}

/** The run as one execution; throws when it took segments (for callers that read a whole execution's record). */
export function wholeExecution(run: Run): Execution {
  if (isSegmented(run)) throw new Error(`the run took ${run.starts.length} segments, not one execution`);
  return run;
}
