// The bf16 multiply-accumulate chip: its witness row computes the reference bf16Mac on edge cases, its constraints
// accept every right row of the shared vectors and reject every wrong result claimed, and a proof over vectors
// verifies.
import { describe, expect, it } from 'vitest';
import { readConformanceText } from '../../runtime/conformance/vectors.ts';
import { checkChip, proveChip, rowProblems, wrongF32Results } from '../../runtime/conformance/chip-proof.ts';
import { HALF_BUS, MAC, MAC_WIDTH, POW2_BUS, bf16MacResult, bf16MacAir, bf16MacRow } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { U16_BUS } from '../../runtime/vm/chips/fp/u16-table.ts';
import { readVectors } from '../../runtime/conformance/vectors.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { analyze } from '../../runtime/proof/air/air.ts';
import { evaluateRows, traceSelectors } from '../../runtime/proof/air/eval.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import * as Fp from '../../runtime/proof/field/babybear.ts';
import { bf16Mac } from '../../runtime/fp/bf16.ts';
import { F32_CANONICAL_NAN, isNaNF32 } from '../../runtime/fp/f32.ts';
import { EDGE } from './mac-edge.ts';

const reference = (a: number, b: number, c: number): number => {
  const r = bf16Mac(a, b, c) >>> 0;
  return isNaNF32(r) ? F32_CANONICAL_NAN : r;
};


/** For each row (count a power of two): whether it meets the chip's constraints and every lookup is in its table. */
function rowsHold(rows: number[][]): boolean[] {
  const an = analyze(bf16MacAir);
  const cons = an.constraints;
  const pow2 = new Set<string>();
  const half = new Set<string>();
  for (let k = 0; k <= 30; k++) {
    pow2.add(`${k},${2 ** k}`);
    half.add(`${k},${k ? 2 ** (k - 1) : 1}`);
  }
  const exprs = [...cons.map((c) => c.expr), ...an.interactions.flatMap((i) => i.values)];
  const n = rows.length;
  const inputs = { height: n, nextOffset: 1, main: Matrix.fromRows(rows), pre: null, aux: null, selectors: traceSelectors(Math.log2(n)), publics: [], challenges: [], sumPerRow: E.ZERO };
  const v = evaluateRows(exprs, inputs, 0, n);
  return rows.map((_, r) => {
    if (cons.some((_, j) => v[j]!.data[r] !== 0)) return false;
    let at = cons.length;
    for (const it of an.interactions) {
      const vals = it.values.map((_, q) => v[at + q]!.data[r]!);
      at += it.values.length;
      if (it.bus === U16_BUS && !(vals[0]! < 65536)) return false;
      if (it.bus === POW2_BUS && !pow2.has(`${vals[0]},${vals[1]}`)) return false;
      if (it.bus === HALF_BUS && !half.has(`${vals[0]},${vals[1]}`)) return false;
    }
    return true;
  });
}

describe('bf16_mac chip', () => {
  it('its witness row computes the reference result on edge cases, and the constraints accept it', () => {
    for (const [a, b, c] of EDGE) {
      const row = bf16MacRow(a, b, c);
      const name = `${a.toString(16)} ${b.toString(16)} ${c.toString(16)}`;
      expect(bf16MacResult(row), name).toBe(reference(a, b, c));
      expect(rowProblems('bf16_mac', row), name).toEqual([]);
    }
  });

  it('names the wrong results it tries: one ulp, the other sign, NaN for a number and a number for a NaN', () => {
    expect(wrongF32Results(0x3f800000)).toEqual(expect.arrayContaining([0x3f800001, 0xbf800000, 0x7fc00000]));
    expect(wrongF32Results(0x00000000)).toContain(0x80000000);
    expect(wrongF32Results(0x7fc00000)).toContain(0x3f800000);
  });

  it('accepts every right row and rejects every wrong result in the shared vectors', () => {
    const r = checkChip('bf16_mac', readConformanceText('bf16_mac'));
    expect(r.failures).toEqual([]);
    expect(r.accepted).toBe(150_000);
    expect(r.rejectedWrong).toBe(150_000);
  }, 300_000);

  it('rejects a row that rounds a tie to odd', () => {
    const row = bf16MacRow(0x3f80, 0x3f80, 0x3f800003); // 1 + (1 + 3·2^−23) = 2 + 1.5 ulp: a tie, the kept part is odd
    expect(row[MAC.up]).toBe(1);
    const cheat = row.slice();
    cheat[MAC.up] = 0;
    cheat[MAC.oLo] = row[MAC.oLo]! - 1;
    cheat[MAC.finLo] = row[MAC.finLo]! - 1;
    cheat[MAC.ol] = row[MAC.ol]! - 1;
    expect(rowProblems('bf16_mac', cheat)).toEqual(['round up']);
  });

  it('no column but the inputs can change alone: each is fixed by the constraints and lookups', () => {
    const vectors = [...readVectors('bf16_mac', readConformanceText('bf16_mac'))].slice(0, 256);
    const honest = vectors.map((v) => bf16MacRow(v.a, v.b, v.c));
    expect(rowsHold(honest).every((ok) => ok)).toBe(true);
    const loose: string[] = [];
    for (let col = 4; col < MAC_WIDTH; col++) {
      for (const delta of [1, Fp.P - 1, 2, 1 << 16, 1 << 24, 1 << 29]) {
        const held = rowsHold(honest.map((r) => r.map((x, j) => (j === col ? (x + delta) % Fp.P : x))));
        if (held.some((ok) => ok)) loose.push(`${Object.keys(MAC)[col]} + ${delta}`);
      }
    }
    expect(loose).toEqual([]);
  }, 120_000);

  it('proves a file of MACs in one STARK proof', () => {
    const text = readConformanceText('bf16_mac').split('\n').slice(0, 200).join('\n');
    const report = proveChip('bf16_mac', text);
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.operations).toBe(200);
    expect(report.conjecturedBits).toBeGreaterThanOrEqual(100);
  }, 300_000);
});
