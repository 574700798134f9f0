// The compact BF16 dot-product chip (runtime/vm/chips/fp/bf16-dot.ts): its rows compute the reference bf16Mac on
// every shared vector and on random operands from other seeds, the constraints hold on honest traces, no column of
// a row can change alone, a cheating prover cannot claim another rounding, and a proof over dot products verifies
// while a proof checked against another statement does not.
import { describe, expect, it } from 'vitest';
import { readConformanceText, readVectors } from '../../runtime/conformance/vectors.ts';
import {
  DOT,
  ZERO_STATE,
  brokenDotConstraints,
  completeRow,
  decodeBf16,
  dotLookupProblems,
  dotStep,
  f32OfState,
  stateOfF32,
  round,
  T_MAX,
  T_MIN,
  type AccState,
  type DotColumn,
} from '../../runtime/vm/chips/fp/bf16-dot.ts';
import { brokenStatementConstraints, checkDotChip, dotRows, dotStatement, dotSystem, dotTraces, dotVectors, proveDotChip } from '../../runtime/conformance/dot-chip-proof.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import * as Fp from '../../runtime/proof/field/babybear.ts';

const P = Fp.P;
import { bf16Mac, bf16ToF32 } from '../../runtime/fp/bf16.ts';
import { F32_CANONICAL_NAN, isNaNF32 } from '../../runtime/fp/f32.ts';
import { EDGE } from './mac-edge.ts';

const reference = (a: number, b: number, c: number): number => {
  const r = bf16Mac(a, b, c) >>> 0;
  return isNaNF32(r) ? F32_CANONICAL_NAN : r;
};

/** One MAC from the accumulator c, with a continuation row after it (so its result feeds a transition). */
function macWindow(a: number, b: number, c: number): { rows: number[][]; out: AccState } {
  const step = dotStep(a, b, stateOfF32(c), false);
  return { rows: [step.row, dotStep(0x3f80, 0x3f80, step.out, false).row], out: step.out };
}

/** Whether a window (a row and its successor) meets every constraint and lookup. */
function windowHolds(rows: readonly number[][]): boolean {
  const broken = brokenDotConstraints(rows, rows.length);
  return broken.every((b) => b.length === 0) && rows.every((r) => dotLookupProblems(r).length === 0);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
}

const EDGE16 = [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0x0001, 0x8001, 0x007f, 0x0080, 0x7f7f, 0xff7f, 0x3f80, 0xbf80];
const EDGE32 = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 1, 0x80000001, 0x7fffff, 0x800000, 0x7f7fffff, 0xff7fffff, 0x3f800000];

/** Random MAC operands, weighted toward specials, near-cancellation, subnormals and exponent differences near the window. */
function randomMac(next: () => number): [number, number, number] {
  const kind = next() % 8;
  const a = kind === 0 ? EDGE16[next() % EDGE16.length]! : next() & 0xffff;
  const b = kind === 1 ? EDGE16[next() % EDGE16.length]! : next() & 0xffff;
  let c = kind === 2 ? EDGE32[next() % EDGE32.length]! : next() >>> 0;
  if (kind === 3) c = ((reference(a, b, 0) ^ 0x80000000) + (next() % 9) - 4) >>> 0; // near cancellation
  if (kind === 4) {
    const e = ((a >> 7) & 255) + ((b >> 7) & 255) - 127 + (next() % 60) - 30; // acc near the product's exponent
    c = ((next() & 0x807fffff) | (Math.max(0, Math.min(254, e)) << 23)) >>> 0;
  }
  if (kind === 5) c = next() & 0x807fffff; // subnormal accumulators
  return [a, b, c];
}

describe('bf16-dot: the witness', () => {
  it('decodes every bf16 to a normalised significand and exponent of the same value', () => {
    for (let x = 0; x < 1 << 16; x++) {
      const d = decodeBf16(x);
      const f = bf16ToF32(x);
      const st = stateOfF32(f);
      const cls = d.code >> 1;
      expect(d.code & 1).toBe(x >>> 15);
      if (cls !== 1) {
        expect(d.mn).toBe(0);
        expect(cls).toBe(st.code >= 6 ? 3 : st.code >= 4 ? 2 : 0);
        continue;
      }
      expect(d.mn >= 128 && d.mn < 256).toBe(true);
      // mn·2^(en−134) = m·2^(e−150): compare mn·2^(en + 16) with m·2^e.
      const shift = d.en + 16 - st.e;
      expect(shift >= 0 ? d.mn * 2 ** shift : d.mn / 2 ** -shift).toBe(st.m);
    }
  });

  it('computes bf16Mac on every vector of bf16_mac.tv, each row meeting its constraints and lookups', () => {
    let n = 0;
    const windows: number[][] = [];
    for (const v of readVectors('bf16_mac', readConformanceText('bf16_mac'))) {
      const w = macWindow(v.a, v.b, v.c >>> 0);
      expect(f32OfState(w.out), `line ${v.line}`).toBe(reference(v.a, v.b, v.c >>> 0));
      if (n++ % 15 === 0) windows.push(...w.rows);
      for (const r of w.rows) expect(dotLookupProblems(r), `line ${v.line}`).toEqual([]);
    }
    expect(n).toBe(150_000);
    const broken = brokenDotConstraints(windows, 2);
    expect(broken.filter((b) => b.length > 0)).toEqual([]);
  });

  it('computes bf16Mac on the edge cases and on 200,000 random MACs from other seeds', () => {
    const cases: [number, number, number][] = [...EDGE];
    for (const seed of [7, 1_000_003]) {
      const next = lcg(seed);
      for (let i = 0; i < 100_000; i++) cases.push(randomMac(next));
    }
    const windows: number[][] = [];
    cases.forEach(([a, b, c], i) => {
      const w = macWindow(a, b, c);
      expect(f32OfState(w.out), `${a.toString(16)} ${b.toString(16)} ${c.toString(16)}`).toBe(reference(a, b, c));
      for (const r of w.rows) expect(dotLookupProblems(r)).toEqual([]);
      if (i < EDGE.length || i % 20 === 0) windows.push(...w.rows);
    });
    expect(brokenDotConstraints(windows, 2).filter((b) => b.length > 0)).toEqual([]);
  });

  it('chains dot products: every bf16_dot.tv vector gives the file’s ACC and OUT, and a wrong ACC is rejected', () => {
    const check = checkDotChip(readConformanceText('bf16_dot'));
    expect(check.failures).toEqual([]);
    expect(check.accepted).toBe(3000);
    expect(check.rejectedWrong).toBe(3000);
  });
});

describe('bf16-dot: a cheating prover', () => {
  const inputs = ['a', 'b', 'first', 'cc', 'ec', 'mc'];
  const cases: [number, number, number][] = [...EDGE];
  const next = lcg(99);
  for (let i = 0; i < 120; i++) cases.push(randomMac(next));

  it('cannot change any column of a row alone', () => {
    const escapes: string[] = [];
    for (const [a, b, c] of cases) {
      const w = macWindow(a, b, c);
      for (const name of Object.keys(DOT) as DotColumn[]) {
        if (inputs.includes(name)) continue; // the operands, the start flag and the incoming state are the statement's
        for (const delta of [1, -1, 2, 4096, P - 2]) {
          const row = [...w.rows[0]!];
          row[DOT[name]] = (((row[DOT[name]]! + delta) % P) + P) % P;
          if (windowHolds([row, w.rows[1]!])) escapes.push(`${name} ${delta} on ${a.toString(16)} ${b.toString(16)} ${c.toString(16)}`);
        }
      }
    }
    expect(escapes).toEqual([]);
  });

  /** Rows claiming another result than the honest `row`: each a coordinated change of the result's columns. */
  function forgeries(row: readonly number[]): { claim: string; row: number[] }[] {
    const out: { claim: string; row: number[] }[] = [];
    const with_ = (claim: string, changes: Partial<Record<DotColumn, number>>) => {
      const r = [...row];
      for (const [k, v] of Object.entries(changes)) r[DOT[k as DotColumn]] = v!;
      out.push({ claim, row: r });
    };
    const v = (n: DotColumn) => row[DOT[n]]!;
    // One ulp: round the other way (with the carry it implies), or move the kept part by one.
    const up = 1 - v('up');
    with_('rounded the other way', { up, cy: v('m3') * v('q0') * up });
    with_('one ulp up', { ql: (v('ql') + 1) % 4096, mxl: (v('ql') + 1) % 4096 === 4095 ? 1 : 0 });
    with_('one ulp down', { q0: 1 - v('q0') });
    // The other sign (of zero too).
    with_('the other sign', { srf: 1 - v('srf') });
    with_('the other sign (zNeg)', { zNeg: 1 - v('zNeg'), srf: 1 - v('srf') });
    // A NaN for a number, a number for a NaN or an infinity.
    if (v('isSp') === 0) with_('a NaN', { isSp: 1, cS: 6, fin: 0 });
    else with_('a number', { isSp: 0, fin: 1 - v('ovf') });
    // Overflow claimed or denied.
    with_('overflow flipped', { ovf: 1 - v('ovf'), fin: (1 - v('isSp')) * v('ovf') });
    return out;
  }

  it('cannot claim another rounding, sign or class, on the edge cases and random MACs', () => {
    const accepted: string[] = [];
    for (const [a, b, c] of cases) {
      const w = macWindow(a, b, c);
      for (const f of forgeries(w.rows[0]!)) {
        // The forged row's own result feeds the next row, as a cheating prover would arrange.
        const forgedNext = dotStep(0x3f80, 0x3f80, claimedState(f.row), false).row;
        if (windowHolds([f.row, forgedNext]) && f32OfState(claimedState(f.row)) !== f32OfState(w.out)) {
          accepted.push(`${f.claim} on ${a.toString(16)} ${b.toString(16)} ${c.toString(16)}`);
        }
      }
    }
    expect(accepted).toEqual([]);
  });

  /**
   * Every other rounding shift a prover could claim: for each t' and each low part rr' the quotient Qh' is what the
   * field equation N·pl = Qh·pr4 + rr forces (wrapping around p included), and every column after it is filled in
   * consistently. Only the honest claim may hold.
   */
  function otherShifts(row: readonly number[]): number[][] {
    const v = (n: DotColumn) => row[DOT[n]]!;
    const n = v('z2') * 2 ** 24 + v('z1') * 4096 + v('z0') - v('jo');
    const beta = (v('cmp') ? v('ena') + v('enb') - 252 : v('ec') - 126) - 28;
    const out: number[][] = [];
    for (let t = T_MIN; t <= T_MAX; t++) {
      const e = v('nzZ') ? t + 151 + beta : 1;
      if (e < 1 || e > 400) continue;
      const pr4 = 4 * 2 ** Math.max(t, 0);
      for (let rr = 0; rr < pr4; rr++) {
        const rd = round(t, rr, v('eps'));
        const lhs = Fp.mul(Fp.fromInt(n), rd.pl);
        const qh = Fp.mul(Fp.sub(lhs, rr), Fp.inv(pr4));
        if (qh >= 2 ** 23) continue;
        const nE = e >= 2 ? 1 : 0;
        if (nE && qh < 2 ** 22) continue;
        const rest = qh - nE * 2 ** 22;
        const ql = rest % 4096;
        const qhi = Math.floor(rest / 4096);
        const mxl = ql === 4095 ? 1 : 0;
        const mxh = qhi === 2 ** (11 - nE) - 1 ? 1 : 0;
        const cy = mxl * mxh * rd.q0 * rd.up;
        const ov = e >= 255 ? 1 : 0;
        const ovf = cy ? (e >= 254 ? 1 : 0) : ov;
        const r = [...row];
        const set = (k: DotColumn, x: number) => (r[DOT[k]] = x);
        set('t', t), set('rr', rr), set('pl', rd.pl), set('pr4', rd.pr4), set('q0', rd.q0), set('up', rd.up);
        set('kz0', rd.kz0), set('kz1', rd.kz1), set('kz2', rd.kz2);
        set('E', e), set('nE', nE), set('ov', ov), set('ov1', e >= 254 ? 1 : 0);
        set('ql', ql), set('qh', qhi), set('mxl', mxl), set('mxh', mxh), set('m3', mxl * mxh), set('cy', cy);
        set('ovf', ovf), set('fin', (1 - v('isSp')) * (1 - ovf));
        out.push(r);
      }
    }
    return out;
  }

  it('cannot claim another rounding shift or exponent, even where N·2^−t wraps around p', () => {
    const rows: number[][] = [];
    const near = lcg(5);
    for (const [a, b, c] of cases) rows.push(macWindow(a, b, c).rows[0]!);
    // Cancellations, where the honest shift is negative.
    for (let i = 0; i < 60; i++) {
      const a = 0x3f80 + (near() % 0x0800);
      const b = 0x3f80 + (near() % 0x80);
      const c = ((reference(a, b, 0) ^ 0x80000000) + (near() % 4096) - 2048) >>> 0;
      rows.push(macWindow(a, b, c).rows[0]!);
    }
    expect(rows.some((r) => r[DOT.t]! < 0)).toBe(true);
    const accepted: string[] = [];
    let tried = 0;
    for (const row of rows) {
      const honest = f32OfState(claimedState(row));
      for (const forged of otherShifts(row)) {
        tried++;
        const claim = f32OfState(claimedState(forged));
        if (claim === honest) continue;
        if (windowHolds([forged, dotStep(0x3f80, 0x3f80, claimedState(forged), false).row])) accepted.push(`t=${forged[DOT.t]} on a=${row[DOT.a]!.toString(16)}`);
      }
    }
    expect(tried).toBeGreaterThan(100);
    expect(accepted).toEqual([]);
  });

  it('cannot claim another remainder for the shifted operand (a wrong quotient Bal, however the field gives it)', () => {
    const rows: number[][] = [];
    const far = lcg(11);
    for (const [a, b, c] of cases) rows.push(macWindow(a, b, c).rows[0]!);
    // Products far below the accumulator, so the shift is wide (up to 24).
    for (let i = 0; i < 80; i++) {
      const a = 0x3f80 + (far() % 0x80) - (far() % 24) * 0x80;
      rows.push(macWindow(a, 0x3f80, (0x3f800000 | (far() & 0x807fffff)) >>> 0).rows[0]!);
    }
    const accepted: string[] = [];
    let tried = 0;
    for (const row of rows.filter((r) => r[DOT.nsh] === 1)) {
      const v = (n: DotColumn) => row[DOT[n]]!;
      const pr = v('pR');
      const shifted = (v('cmp') ? v('mc') : v('P')) * v('pL');
      const rem = v('rh') * 4096 + v('rl');
      const honest = f32OfState(claimedState(row));
      const rems = new Set<number>();
      for (let d = -8; d <= 8; d++) rems.add(rem + d);
      for (let k = 0; k < 16; k++) rems.add(Math.floor((pr / 16) * k));
      for (const rem2 of rems) {
        if (rem2 === rem || rem2 < 0 || rem2 >= pr) continue;
        // Bal' as the field equation B·pL = Bal·pR + rem forces it, read as a signed integer.
        const fb = Fp.mul(Fp.sub(Fp.fromInt(shifted), rem2), Fp.inv(pr));
        const bal = fb > Fp.P / 2 ? fb - Fp.P : fb;
        const base = [...row];
        base[DOT.rl] = rem2 % 4096;
        base[DOT.rh] = Math.floor(rem2 / 4096);
        base[DOT.nzrl] = rem2 % 4096 !== 0 ? 1 : 0;
        base[DOT.nzrh] = rem2 >= 4096 ? 1 : 0;
        base[DOT.eps] = rem2 !== 0 ? 1 : 0;
        let forged;
        try {
          forged = completeRow(base, bal);
        } catch {
          continue; // no rounding table row fits the forged sum: a prover could not fill the row either
        }
        tried++;
        if (f32OfState(forged.out) === honest) continue;
        if (windowHolds([forged.row, dotStep(0x3f80, 0x3f80, forged.out, false).row])) accepted.push(`rem ${rem2} for ${rem} (Bal ${bal}) on a=${v('a').toString(16)}`);
      }
    }
    expect(tried).toBeGreaterThan(100);
    expect(accepted).toEqual([]);
  });

  it('cannot restart or alter the accumulator between two MACs of a dot product', () => {
    const vector = { line: 1, a: [0x3f80, 0x4000, 0x4040], b: [0x3f80, 0x3f80, 0x3f80], acc: 0x40c00000, out: 0x40c0 }; // 1 + 2 + 3
    const { rows } = dotRows(vector.a, vector.b);
    const { pinned } = dotStatement([vector]);
    expect(brokenStatementConstraints(rows, pinned.slice(0, 3)).every((b) => b.length === 0)).toBe(true);
    // Row 2 claims a fresh start (from +0, so 0 + 3 = 3): the chip allows a start anywhere, the statement does not.
    const restarted = [rows[0]!, rows[1]!, dotStep(0x4040, 0x3f80, ZERO_STATE, true).row];
    expect(brokenStatementConstraints(restarted, pinned.slice(0, 3))[2]).toContain('dot products start where the statement says');
    const altered = rows.map((r) => [...r]);
    const st = { code: altered[1]![DOT.cc]!, e: altered[1]![DOT.ec]!, m: altered[1]![DOT.mc]! + 1 };
    altered[1] = dotStep(0x4000, 0x3f80, st, false).row; // row 1 starts from a value one ulp off
    expect(brokenDotConstraints(altered).some((b) => b.length > 0)).toBe(true);
  });
});

/** The result state a row claims, read from its columns as the chip's result expressions compute it. */
function claimedState(row: readonly number[]): AccState {
  const v = (n: DotColumn) => row[DOT[n]]!;
  const qh = v('nE') * 2 ** 22 + v('qh') * 4096 + v('ql');
  const fin = v('fin');
  const st = {
    code: v('isSp') ? v('cS') : 4 * v('ovf') + v('srf'),
    e: fin ? v('E') + v('cy') : 1,
    m: fin ? 2 * qh + v('q0') + v('up') - v('cy') * 2 ** 23 : 0,
  };
  // A claim outside the state space is no state at all: keep it representable for the successor row.
  return st.code === 0 || st.code === 1 || st.code === 4 || st.code === 5 || st.code === 6 ? { ...st, m: Math.max(0, Math.min(st.m, 2 ** 24 - 1)), e: Math.max(1, Math.min(st.e, 254)) } : ZERO_STATE;
}

describe('bf16-dot: proofs', () => {
  const text = readConformanceText('bf16_dot');

  it('proves dot products and verifies; the proof does not verify against another statement', () => {
    const report = proveDotChip(text, { max: 12 });
    expect(report.ok).toBe(true);
    expect(report.vectors).toBe(12);
    expect(report.macs).toBeGreaterThan(12);
    expect(report.cellsPerMac).toBeGreaterThan(report.chipCellsPerRow);

    const { vectors } = dotVectors(text, 3);
    const { main, pinned } = dotStatement(vectors);
    const system = dotSystem(pinned);
    const proof = prove(system, dotTraces(main), [], { seed: 'dot test' });
    expect(verify(system, [], proof).ok).toBe(true);
    // The same proof against a statement whose first ACC is one ulp off.
    const lastRow = vectors[0]!.a.length - 1;
    const wrong = pinned.map((r) => [...r]);
    wrong[lastRow]![6] = wrong[lastRow]![6]! ^ 1;
    expect(verify(dotSystem(wrong), [], proof).ok).toBe(false);
    // A prover cannot prove the wrong statement: its trace breaks the pinned constraint.
    let forged = false;
    try {
      forged = verify(dotSystem(wrong), [], prove(dotSystem(wrong), dotTraces(main), [], { seed: 'dot test' })).ok;
    } catch {
      forged = false;
    }
    expect(forged).toBe(false);
  }, 300_000);
});
