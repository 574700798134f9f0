// The chip forgeries of issue #14, each built as the review built it (a cheating prover filling a row by hand)
// and now rejected: the row still meets every polynomial constraint, so it is the lookups that catch it, and a
// proof of it (made by a prover that skips its own checks) does not verify.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { brokenConstraints } from '../../runtime/vm/chips/fp/row-check.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { C, f32ToBf16Air, f32ToBf16Row } from '../../runtime/vm/chips/fp/f32-to-bf16.ts';
import { MAC, bf16MacAir, bf16MacResult, bf16MacRow, pow2Table, type MacColumn } from '../../runtime/vm/chips/fp/bf16-mac.ts';
import { lookupsHold, proveRowsCheating } from './cheat.ts';

const constraintsHold = (air: typeof f32ToBf16Air, row: number[]) => brokenConstraints(air, Matrix.fromRows([row, row]))[0]!.length === 0;

describe('f32 → bf16: the exponent and fraction are range-checked themselves, not only scaled (bug 2)', () => {
  /**
   * The tie x = 0x3F808000 rounds to 0x3F80 (even). The forgery sets b0 = 1 so the kept part looks odd, and pays
   * for it with e = 0x7EFE·2^−8 and m = 0 (field elements with e·2^8 and m·2^10 below 2^16): hi is unchanged.
   */
  function forgedTie(): number[] {
    const row = f32ToBf16Row(0x3f808000);
    expect(row[C.out]).toBe(0x3f80);
    const e = F.mul(0x7efe, F.inv(256));
    row[C.e] = e;
    row[C.m] = 0;
    row[C.b0] = 1;
    row[C.eInv] = F.inv(F.sub(e, 255));
    const frac = F.add(F.mul(1, 1 << 16), row[C.lo]!);
    row[C.fracNonzero] = 1;
    row[C.fracInv] = F.inv(frac);
    row[C.roundUp] = 1;
    row[C.out] = 0x3f81;
    return row;
  }

  it('the forged tie meets every polynomial constraint but not the range lookups', () => {
    const row = forgedTie();
    expect(F.add(F.add(F.mul(row[C.s]!, 1 << 15), F.mul(row[C.e]!, 1 << 7)), F.add(F.mul(row[C.m]!, 2), row[C.b0]!))).toBe(row[C.hi]);
    expect(constraintsHold(f32ToBf16Air, row)).toBe(true);
    expect(lookupsHold(f32ToBf16Air, row)).toBe(false);
    expect(lookupsHold(f32ToBf16Air, f32ToBf16Row(0x3f808000))).toBe(true);
  });

  it('a proof that 0x3F808000 rounds to 0x3F81 does not verify', () => {
    const row = forgedTie();
    const verdict = proveRowsCheating(f32ToBf16Air, [C.hi, C.lo, C.out], [row, row]);
    expect(verdict.ok).toBe(false);
  });
});

/**
 * The bf16 MAC row for (a, b, acc) with the normalisation exponent k moved by `delta` and every column after it
 * recomputed from the moved k as the witness generator would (bf16MacRow), pk kept: the review's forgery, which
 * with delta = 65 met every constraint and lookup while the half rows shared the powers-of-two bus.
 */
function macRowWithK(a: number, b: number, acc: number, delta: number): number[] | null {
  const row = bf16MacRow(a, b, acc);
  const g = (n: MacColumn) => row[MAC[n]]!;
  const set = (n: MacColumn, v: number) => (row[MAC[n]] = F.fromInt(v));
  const signed = (v: number) => (v > F.P / 2 ? v - F.P : v);
  const M = signed(g('M'));
  const N = g('N');
  const k = g('k') + delta;
  set('k', k);
  const h = M + k + 98;
  set('sub', h <= 0 ? 1 : 0);
  const G = Math.max(h, 0);
  set('G', G);
  const t = G - M - 121;
  set('tNeg', t < 0 ? 1 : 0);
  const tl = t < 0 ? -t : 0;
  // A shift of 31 or more has no power of two in the table: no forgery to build.
  if (tl > 30 || k < 0) return null;
  const trr = t < 0 ? 0 : t;
  set('trr', trr);
  set('clampT', trr >= 30 ? 1 : 0);
  const tr = Math.min(trr, 29);
  set('tr', tr);
  const [ptl, ptr, pq, half] = [2 ** tl, 2 ** tr, 2 ** (29 - tr), tr === 0 ? 1 : 2 ** (tr - 1)];
  set('ptl', ptl);
  set('ptr', ptr);
  set('pq', pq);
  set('half', half);
  const Q = Math.floor((N * ptl) / ptr);
  const R = N * ptl - Q * ptr;
  const Qlo = Q % 65536;
  set('Qhi', Math.floor(Q / 65536));
  set('w', Qlo >>> 1);
  set('q0', Qlo & 1);
  set('rH', Math.floor(R / 65536));
  set('rL', R % 65536);
  set('prH', Math.floor((ptr - 1 - R) / 65536));
  set('prL', (ptr - 1 - R) % 65536);
  set('qH', Math.floor((pq - 1 - Q) / 65536));
  set('qL', (pq - 1 - Q) % 65536);
  const gt = R > half ? 1 : 0;
  set('gt', gt);
  const gv = gt ? R - half - 1 : half - R;
  set('gH', Math.floor(gv / 65536));
  set('gL', gv % 65536);
  const eqH = R === half ? 1 : 0;
  set('eqH', eqH);
  row[MAC.eqInv] = R === half ? 0 : F.inv(F.fromInt(R - half));
  const tie = eqH * (g('eps') | (Qlo & 1));
  set('tie', tie);
  const up = (trr >= 30 ? 0 : 1) * (gt + tie);
  set('up', up);
  const cy = Qlo + up === 65536 ? 1 : 0;
  set('cy', cy);
  set('oLo', Qlo + up - cy * 65536);
  const ov = G >= 254 ? 1 : 0;
  set('ov', ov);
  const finHi = g('nz') * (ov ? 0x7f80 : G * 128 + Math.floor(Q / 65536) + cy);
  const finLo = g('nz') * (1 - ov) * (Qlo + up - cy * 65536);
  set('finHi', finHi);
  set('finLo', finLo);
  const fin = 1 - g('nan') - g('inf');
  set('oh', g('nan') * 0x7fc0 + g('inf') * (g('infS') * 32768 + 0x7f80) + fin * (g('fSign') * 32768 + finHi));
  set('ol', fin * finLo);
  return row;
}

describe('bf16 MAC: the normalisation exponent cannot alias by 65 (bug 5)', () => {
  const ONE = 0x3f80;

  it('moving k by 0 gives the honest row (the forger recomputes as the witness generator does)', () => {
    expect(macRowWithK(ONE, ONE, 0, 0)).toEqual(bf16MacRow(ONE, ONE, 0));
    expect(macRowWithK(0x4049, 0xc0a0, 0x3fc00000, 0)).toEqual(bf16MacRow(0x4049, 0xc0a0, 0x3fc00000));
  });

  it('1·1 + 0 = 2^64 with k + 65 meets every polynomial constraint, but its lookups are not in the table', () => {
    const row = macRowWithK(ONE, ONE, 0, 65)!;
    expect(bf16MacResult(row)).toBe(0x5f800000);
    expect(constraintsHold(bf16MacAir, row)).toBe(true);
    expect(lookupsHold(bf16MacAir, row, [pow2Table])).toBe(false);
    expect(lookupsHold(bf16MacAir, bf16MacRow(ONE, ONE, 0), [pow2Table])).toBe(true);
  });

  it('no key a lookup may use answers for another relation: (k, 2^k) and (k, half) are on their own buses, keys 0..30', () => {
    for (let k = 0; k <= 30; k++) {
      for (const alias of [k + 64, k + 65, k + 66]) {
        expect(pow2Table.has(0, [alias, 2 ** k])).toBe(false);
        expect(pow2Table.has(1, [alias, 2 ** k])).toBe(false);
      }
    }
  });

  it('for every k + delta, no honest MAC of a sweep becomes forgeable', () => {
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let tried = 0;
    for (let i = 0; i < 300; i++) {
      const [a, b, acc] = [rnd() & 0xffff, rnd() & 0xffff, rnd() >>> 0];
      const honest = bf16MacRow(a, b, acc);
      if (honest[MAC.nz] !== 1) continue;
      for (const delta of [-65, -64, -1, 1, 31, 64, 65, 66, 97]) {
        const row = macRowWithK(a, b, acc, delta);
        if (row === null || bf16MacResult(row) === bf16MacResult(honest)) continue;
        tried++;
        expect(constraintsHold(bf16MacAir, row) && lookupsHold(bf16MacAir, row, [pow2Table]), `${a} ${b} ${acc} k${delta >= 0 ? '+' : ''}${delta}`).toBe(false);
      }
    }
    expect(tried).toBeGreaterThan(500);
  });

  it('a proof that 1·1 + 0 = 2^64 does not verify', () => {
    const row = macRowWithK(ONE, ONE, 0, 65)!;
    const pins = (['a', 'b', 'ch', 'cl', 'oh', 'ol'] as const).map((n) => MAC[n]);
    expect(proveRowsCheating(bf16MacAir, pins, [row, row], [pow2Table]).ok).toBe(false);
  });
});
