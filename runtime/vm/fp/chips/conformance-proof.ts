/**
 * Conformance of the floating-point chips: for every vector of a conformance file, the chip's constraints must
 * accept the row of the right result and reject a row claiming a wrong one; and the whole file can be proven in
 * one STARK proof (the chip's table, its inputs and outputs pinned to the vectors by preprocessed columns, and
 * the 16-bit range table it looks up into).
 */
import { Matrix } from '../../../proof/matrix.ts';
import { analyze } from '../../../proof/air/air.ts';
import { evaluateRows, traceSelectors } from '../../../proof/air/eval.ts';
import { buildSystem, quotientChunks, zkLogFactor } from '../../../proof/stark/system.ts';
import { prove } from '../../../proof/stark/prover.ts';
import { verify } from '../../../proof/stark/verifier.ts';
import { encodeStarkProof } from '../../../proof/stark/codec.ts';
import { starkSecurity } from '../../../proof/stark/security.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, encodeFriPcsProof } from '../../../proof/pcs/index.ts';
import * as E from '../../../proof/field/extension.ts';
import { f32ToBf16, isNaNBf16 } from '../bf16.ts';
import { readVectors, type ConformanceOp } from '../conformance.ts';
import { C, f32ToBf16VectorsAir, vectorsTables } from './f32-to-bf16.ts';
import { u16TableAir, u16TablePreprocessed, u16TableTrace } from './u16-table.ts';

/** The operations that have a chip; the others are checked against the reference only, for now. */
export const CHIP_OPS: readonly ConformanceOp[] = ['f32_to_bf16'];

export interface ChipCheck {
  /** Vectors whose correct row the constraints accept. */
  readonly accepted: number;
  /** Vectors whose every tampered row (one ulp off, other sign, NaN for a number or a number for a NaN) is rejected. */
  readonly rejectedWrong: number;
  readonly failures: { line: number; problem: string }[];
}

export interface ProofReport {
  readonly ok: boolean;
  readonly error?: string;
  readonly operations: number;
  readonly rows: number;
  readonly proofBytes: number;
  readonly proveMs: number;
  readonly verifyMs: number;
  /** Committed trace cells of every table (with zero knowledge), divided by the number of operations. */
  readonly cellsPerOperation: number;
  /** Main and auxiliary cells of the chip's own row. */
  readonly chipCellsPerRow: number;
  readonly conjecturedBits: number;
}

/** Wrong results a cheating prover might claim in place of `right`, for a bf16 output. */
export function wrongBf16Results(right: number): number[] {
  const out = new Set<number>();
  out.add(right ^ 1); // one ulp off (either direction, by the low bit)
  out.add((right + 1) & 0xffff);
  out.add(right ^ 0x8000); // the other sign (of zero too)
  out.add(isNaNBf16(right) ? 0x3f80 : 0x7fc0); // a number for a NaN, a NaN for a number
  out.delete(right);
  return [...out];
}

function f32ToBf16Pairs(text: string): { line: number; x: number; expected: number }[] {
  const pairs: { line: number; x: number; expected: number }[] = [];
  for (const v of readVectors('f32_to_bf16', text)) {
    const got = f32ToBf16(v.x);
    // The file's NaNs carry payloads; the chip returns the canonical NaN, which conforms (the class matches).
    const expected = isNaNBf16(v.result) && isNaNBf16(got) ? got : v.result;
    pairs.push({ line: v.line, x: v.x, expected });
  }
  return pairs;
}

const chipConstraints = analyze(f32ToBf16VectorsAir).constraints.filter((c) => !c.name.includes('vector') && !c.name.includes('expected'));

/** For each row of `trace` (height a power of two), the names of the chip's own constraints it breaks. */
function brokenConstraints(trace: Matrix): string[][] {
  const inputs = {
    height: trace.height,
    nextOffset: 1,
    main: trace,
    pre: null,
    aux: null,
    selectors: traceSelectors(Math.log2(trace.height)),
    publics: [],
    challenges: [],
    claimedSum: E.ZERO,
  };
  const broken = Array.from({ length: trace.height }, () => [] as string[]);
  const vecs = evaluateRows(chipConstraints.map((c) => c.expr), inputs, 0, trace.height);
  vecs.forEach((v, j) => {
    for (let i = 0; i < trace.height; i++) if (v.data[i] !== 0) broken[i]!.push(chipConstraints[j]!.name);
  });
  return broken;
}

function failingRows(trace: Matrix): boolean[] {
  return brokenConstraints(trace).map((names) => names.length > 0);
}

/** The chip constraints one f32_to_bf16 row breaks (none for an honest row). */
export function rowProblems(row: readonly number[]): string[] {
  return brokenConstraints(Matrix.fromRows([row, row]))[0]!;
}

export function checkChip(op: ConformanceOp, text: string): ChipCheck {
  if (op !== 'f32_to_bf16') throw new Error(`no chip for ${op} yet`);
  const pairs = f32ToBf16Pairs(text);
  const { main } = vectorsTables(pairs);
  const failures: { line: number; problem: string }[] = [];
  const honest = failingRows(main);
  let accepted = 0;
  pairs.forEach((p, i) => {
    if (honest[i] || main.get(i, C.out) !== p.expected) failures.push({ line: p.line, problem: 'the constraints reject the right result' });
    else accepted++;
  });
  // Each kind of wrong result, claimed on every row at once, must break every row.
  const rejected = new Array<boolean>(pairs.length).fill(true);
  for (let kind = 0; kind < 4; kind++) {
    const tampered = main.clone();
    pairs.forEach((_, i) => {
      const wrong = wrongBf16Results(main.get(i, C.out));
      tampered.set(i, C.out, wrong[kind % wrong.length]!);
    });
    const bad = failingRows(tampered);
    pairs.forEach((p, i) => {
      if (!bad[i] && rejected[i]) {
        rejected[i] = false;
        failures.push({ line: p.line, problem: `the constraints accept a wrong result ${tampered.get(i, C.out).toString(16)}` });
      }
    });
  }
  return { accepted, rejectedWrong: rejected.filter((r) => r).length, failures };
}

export function proveChip(op: ConformanceOp, text: string): ProofReport {
  if (op !== 'f32_to_bf16') throw new Error(`no chip for ${op} yet`);
  const pairs = f32ToBf16Pairs(text);
  const { main, pre, lookups } = vectorsTables(pairs);
  const pcs = new FriPcs(DEFAULT_PCS_PARAMS);
  const system = buildSystem(
    'fp-conformance-f32_to_bf16',
    [
      { air: f32ToBf16VectorsAir, preprocessed: pre },
      { air: u16TableAir, preprocessed: u16TablePreprocessed() },
    ],
    pcs,
    true,
  );
  const t0 = performance.now();
  const proof = prove(system, [main, u16TableTrace(lookups)], [], { seed: 'zpol conformance' });
  const proveMs = performance.now() - t0;
  const t1 = performance.now();
  const verdict = verify(system, [], proof);
  const verifyMs = performance.now() - t1;
  const bytes = encodeStarkProof(proof, encodeFriPcsProof);
  let cells = 0;
  system.tables.forEach((t, i) => {
    const z = zkLogFactor(system, proof.logHeights[i]!);
    cells += 2 ** (proof.logHeights[i]! + z) * (t.analyzed.air.width + 4 * t.logup.auxWidth + 4 * quotientChunks(t.degree, z));
  });
  const chip = system.tables[0]!;
  return {
    ok: verdict.ok,
    error: verdict.ok ? undefined : verdict.error,
    operations: pairs.length,
    rows: main.height,
    proofBytes: bytes.length,
    proveMs: Math.round(proveMs),
    verifyMs: Math.round(verifyMs),
    cellsPerOperation: Number((cells / pairs.length).toFixed(1)),
    chipCellsPerRow: chip.analyzed.air.width + 4 * chip.logup.auxWidth,
    conjecturedBits: starkSecurity(system, proof.logHeights).conjecturedBits,
  };
}
