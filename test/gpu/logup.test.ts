// The LogUp auxiliary trace in native code (gpu/native/logup.cc) against the TypeScript reference (air/logup.ts
// buildAuxTrace): the same columns and claimed sum on random interactions (grouped, ungrouped, shared vectors),
// the same zkVM proof bytes, and refusals: a fingerprint equal to β, malformed interactions. Skipped where the addon
// is not built (the reference then builds the trace).
import { describe, expect, it } from 'vitest';
import { cpuBackend, nativeAddon } from '../../gpu/index.ts';
import { eachSimdLevel } from './simd-levels.ts';
import { tsBackend } from '../../runtime/proof/backends/ts.ts';
import type { LogupAuxInput } from '../../runtime/proof/backend.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import * as F from '../../runtime/proof/field/babybear.ts';
import type * as E from '../../runtime/proof/field/extension.ts';
import { Expr } from '../../runtime/proof/air/expr.ts';
import { buildAuxTrace, type LogUpLayout } from '../../runtime/proof/air/logup.ts';
import type { AnalyzedAir } from '../../runtime/proof/air/air.ts';
import { FriPcs } from '../../runtime/proof/pcs/fri-pcs.ts';
import { DEFAULT_PCS_PARAMS } from '../../runtime/proof/pcs/security.ts';
import { encodeFriPcsProof } from '../../runtime/proof/pcs/codec.ts';
import { encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import { machine, proveExecution } from '../../runtime/vm/machine.ts';
import { countingLoop } from '../fixtures/sample-programs.ts';
import { execute } from '../../runtime/vm/executor.ts';

const built = nativeAddon() !== null;

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % P;
}

/** k random interactions over `height` rows, some sharing a vector, one left out of every group. */
function randomCase(seed: number, height: number, k: number) {
  const r = rng(seed);
  const vec = () => Uint32Array.from({ length: height }, r);
  const shared = vec();
  const interactions = Array.from({ length: k }, (_, j) => ({
    bus: j % 3,
    values: Array.from({ length: 1 + (j % 4) }, (_, v) => (v === 0 && j % 2 === 0 ? shared : vec())),
    multiplicity: j % 3 === 0 ? shared : vec(),
  }));
  const groups = [[0, 1], [2], Array.from({ length: k - 4 }, (_, i) => 3 + i)].filter((g) => g.length > 0);
  const challenges = Array.from({ length: 5 }, () => [r(), r(), r(), r()] as [number, number, number, number]);
  return { height, interactions, groups, challenges } satisfies LogupAuxInput;
}

/** The reference on the same input: buildAuxTrace over stand-in expressions that read the vectors. */
function reference(input: LogupAuxInput): { values: Uint32Array; claimedSum: E.Ext } {
  const vectors = new Map<Expr, Uint32Array>();
  const expr = (v: Uint32Array) => {
    const e = new Expr({ op: 'main', col: vectors.size, next: false });
    vectors.set(e, v);
    return e;
  };
  const air = { air: { name: 'random' }, interactions: input.interactions.map((it) => ({ bus: it.bus, values: it.values.map(expr), multiplicity: expr(it.multiplicity), kind: 'send' })) } as unknown as AnalyzedAir;
  const layout = { groups: input.groups, auxWidth: input.groups.length + 1, constraints: [] } as LogUpLayout;
  return buildAuxTrace(air, layout, input.height, (e, row) => vectors.get(e)![row]!, input.challenges as E.Ext[]);
}

describe.skipIf(!built)('native LogUp auxiliary trace', () => {
  const cpu = cpuBackend()!;

  it('gives the reference’s columns and claimed sum, with every vector version the CPU has', () => {
    // Heights below a vector, across the vector kernel's chunks of 256 rows and threads, and a ragged tail.
    const cases = [[1, 8, 5], [2, 64, 9], [3, 4096 + 8, 12], [4, 1, 4], [5, 1000, 3], [6, 8192 + 24, 30]] as const;
    const expected = cases.map(([seed, height, k]) => reference(randomCase(seed, height, k)));
    const ran = eachSimdLevel((level) =>
      cases.forEach(([seed, height, k], i) => {
        const native = cpu.logupAux!(randomCase(seed, height, k));
        expect(native.values, `${level}, height ${height}`).toEqual(expected[i]!.values);
        expect([...native.claimedSum]).toEqual(expected[i]!.claimedSum);
      }),
    );
    expect(ran).toContain('scalar');
  });

  it('gives the reference’s columns for a layout wider than the vector kernel holds (its batch inversion alone), with every vector version', () => {
    // 70 groups of one interaction: past LOGUP_MAX_WIDTH (64), the rows take the per-row loop, whose batch inversion
    // runs on the vector level simd.h chose (gpu/native/logup.cc invert_all).
    for (const [seed, height] of [[7, 8], [8, 300]] as const) {
      const input = { ...randomCase(seed, height, 71), groups: Array.from({ length: 70 }, (_, j) => [j]) };
      const expected = reference(input);
      expect(eachSimdLevel((level) => expect(cpu.logupAux!(input).values, `${level}, height ${height}`).toEqual(expected.values))).toContain('scalar');
    }
  });

  it('proves a zkVM execution with the same bytes as the TypeScript backend', () => {
    const c = countingLoop(20);
    const exec = execute(c.program, c.inputs);
    const proof = (backend: typeof cpu) => Buffer.from(encodeStarkProof(proveExecution(machine(c.program, new FriPcs(DEFAULT_PCS_PARAMS, { backend })), exec, { seed: 'logup' }).stark, encodeFriPcsProof)).toString('hex');
    expect(proof(cpu)).toBe(proof(tsBackend));
  });

  it('refuses a fingerprint equal to β, and malformed interactions, with an error', () => {
    const a = nativeAddon()!;
    // β = bus + α_0·v on row 1: its denominator is zero.
    const alpha: [number, number, number, number] = [5, 6, 7, 8];
    const v = Uint32Array.of(3, 9, 4, 4);
    const beta: [number, number, number, number] = [F.add(2, F.mul(5, 9)), F.mul(6, 9), F.mul(7, 9), F.mul(8, 9)];
    const input: LogupAuxInput = { height: 4, interactions: [{ bus: 2, values: [v], multiplicity: v }], groups: [[0]], challenges: [beta, alpha] };
    expect(() => cpu.logupAux!(input)).toThrow(/fingerprint equals the challenge/);
    expect(() => reference(input)).toThrow(/fingerprint equals the challenge/);
    const ch = new Uint32Array(8);
    const vecs = new Uint32Array(8);
    expect(() => a.logupAux(vecs, 4, Int32Array.of(0, 1, 0, 5), Int32Array.of(0), 1, ch)).toThrow(/malformed/); // vector index 5 of 2
    expect(() => a.logupAux(vecs, 4, Int32Array.of(0, 2, 0, 0, 0), Int32Array.of(0), 1, ch)).toThrow(/malformed/); // 2 values, 1 alpha
    expect(() => a.logupAux(vecs, 4, Int32Array.of(0, 1, 0, 1), Int32Array.of(3), 1, ch)).toThrow(/malformed/); // group 3 of 1
    expect(() => a.logupAux(vecs, 4, Int32Array.of(0, 1, 0, 1, 7), Int32Array.of(0), 1, ch)).toThrow(/malformed/); // trailing words
    expect(() => a.logupAux(Uint32Array.of(P, 0, 0, 0, 0, 0, 0, 0), 4, Int32Array.of(0, 1, 0, 1), Int32Array.of(0), 1, ch)).toThrow(/malformed/);
    expect(() => a.logupAux(vecs, 3, Int32Array.of(0, 1, 0, 1), Int32Array.of(0), 1, ch)).toThrow(/shapes/);
  });
});
