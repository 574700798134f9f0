// LogUp's committed layout (air/logup.ts): one extension column per group but the last, whose fractions the
// running sum S carries, on every row cyclically with the claimed sum spread as T/n a row. The constraints hold on
// the honest aux trace (committedAux) at every row, whatever S starts at; no S satisfies them with any other claimed
// sum (the wrap-around row catches it); and the verifier reads only S at the next row.
import { describe, expect, it } from 'vitest';
import * as E from '../../runtime/proof/field/extension.ts';
import * as F from '../../runtime/proof/field/babybear.ts';
import { analyze, type Air } from '../../runtime/proof/air/air.ts';
import { evaluateAtPoint, type PointInputs } from '../../runtime/proof/air/eval.ts';
import { buildAuxTrace, committedAux, layoutLogUp } from '../../runtime/proof/air/logup.ts';
import { nextRowColumns } from '../../runtime/proof/stark/system.ts';

const N = 8;
const WIDTH = 4;
// Seven messages a row on two buses, multiplicities of degree 0 and 1: groups of two at degree 3.
const air: Air = {
  name: 'logup-layout',
  width: WIDTH,
  preprocessedWidth: 0,
  publicInputs: 0,
  eval(b) {
    const c = [0, 1, 2, 3].map((i) => b.main(i));
    b.send(1, [c[0]!], c[3]!);
    b.send(1, [c[1]!, c[2]!]);
    b.receive(2, [c[2]!], c[3]!);
    b.send(2, [c[0]!.add(c[1]!)]);
    b.receive(1, [c[1]!], 2);
    b.send(2, [c[3]!]);
    b.receive(2, [c[0]!, 5]);
  },
};

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % F.P;
}

describe('LogUp running sum', () => {
  const analyzed = analyze(air);
  const layout = layoutLogUp(analyzed, 3);
  const r = rng(11);
  const rows = Array.from({ length: N }, () => Array.from({ length: WIDTH }, r));
  const challenges: E.Ext[] = Array.from({ length: 3 }, () => [r(), r(), r(), r()]);
  const column = (e: Parameters<typeof evaluateAtPoint>[0][number], row: number) =>
    evaluateAtPoint([e], { ...pointAt(row, new Uint32Array(0), E.ZERO), aux: [], auxNext: [] })[0]![0];
  const kernel = buildAuxTrace(analyzed, layout, N, column, challenges);
  const aux = committedAux(kernel.values, layout.groups.length, N);
  const width = layout.auxWidth;
  const T = kernel.claimedSum;

  function pointAt(row: number, auxValues: Uint32Array, sumPerRow: E.Ext): PointInputs {
    const ext = (v: number): E.Ext => E.fromBase(v);
    const auxRow = (i: number) => Array.from({ length: auxValues.length === 0 ? 0 : width }, (_, c) => E.load(auxValues, i * width + c));
    return {
      zeta: [3, 1, 4, 1],
      logTrace: Math.log2(N),
      main: rows[row]!.map(ext),
      mainNext: rows[(row + 1) % N]!.map(ext),
      pre: [],
      preNext: [],
      aux: auxRow(row),
      auxNext: auxRow((row + 1) % N),
      publics: [],
      challenges,
      sumPerRow,
    };
  }
  const failingRows = (auxValues: Uint32Array, claimed: E.Ext): number[] => {
    const perRow = E.mulBase(claimed, F.inv(N));
    const exprs = layout.constraints.map((c) => c.expr);
    return Array.from({ length: N }, (_, row) => row).filter((row) => evaluateAtPoint(exprs, pointAt(row, auxValues, perRow)).some((v) => !E.isZero(v)));
  };

  it('commits one column per group but the last, and reads only the running sum at the next row', () => {
    expect(layout.groups.map((g) => g.length)).toEqual([2, 2, 2, 1]);
    expect(width).toBe(layout.groups.length);
    expect(layout.constraints).toHaveLength(layout.groups.length);
    expect(nextRowColumns(layout.constraints.map((c) => c.expr)).aux).toEqual([width - 1]);
  });

  it('holds on every row of the honest trace, including the wrap from the last row to the first', () => {
    expect(E.isZero(T)).toBe(false);
    expect(failingRows(aux, T)).toEqual([]);
    // S_0 is free: the same trace with S shifted by a constant still satisfies every row.
    const shifted = aux.slice();
    for (let row = 0; row < N; row++) E.store(shifted, row * width + width - 1, E.add(E.load(aux, row * width + width - 1), [7, 0, 2, 0]));
    expect(failingRows(shifted, T)).toEqual([]);
  });

  it('no running sum meets another claimed sum: S solved from the first n − 1 rows breaks the wrap', () => {
    const delta: E.Ext = [1, 2, 3, 4];
    const claimed = E.add(T, delta);
    // The cheater's S: each step the row's fractions minus the claimed sum over n, from S_0 = 0.
    const cheat = aux.slice();
    const perRow = E.mulBase(delta, F.inv(N));
    for (let row = 1; row < N; row++) {
      const honest = E.load(aux, row * width + width - 1);
      E.store(cheat, row * width + width - 1, E.sub(honest, E.mulBase(perRow, row)));
    }
    expect(failingRows(cheat, claimed)).toEqual([N - 1]);
    // And the honest S under the false claim breaks every row.
    expect(failingRows(aux, claimed)).toEqual([...Array(N).keys()]);
    // A wrong h column breaks its group's row.
    const wrongH = aux.slice();
    E.store(wrongH, 3 * width, E.add(E.load(aux, 3 * width), E.ONE));
    expect(failingRows(wrongH, T)).toContain(3);
  });
});
