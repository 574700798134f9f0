// The BF16 non-linearities (runtime/fp/nonlinear.ts) and their tables (runtime/vm/chips/fp/nonlinear-tables.ts):
// the correctly rounded reference values of GELU, SiLU and exp against known values, the special cases and an
// independent float64 computation on every finite input; the tables' bytes pinned by a digest (the preprocessed
// commitment must be the same on every machine); and proofs: a test-only driver table sends (fn, x, y) claims on
// NONLINEAR_BUS (preprocessed (fn, x, y, active), multiplicity `active`), the tables answer the true ones, and a
// claim one ulp off is refused by the honest prover and rejected by the verifier.
import { describe, expect, it } from 'vitest';
import { blake3 } from '@noble/hashes/blake3.js';
import type { Air } from '../../runtime/proof/air/air.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { buildSystem, quotientChunks, type StarkSystem } from '../../runtime/proof/stark/system.ts';
import { prove, WitnessError } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import type { Pcs } from '../../runtime/proof/pcs/types.ts';
import { plainPcs } from '../proof/helpers/plain-pcs.ts';
import { paddedHeight } from '../../runtime/vm/chips/chip.ts';
import {
  computeNonlinearBf16,
  expBf16,
  geluBf16,
  NONLINEAR_FNS,
  nonlinearValues,
  resolveNonlinearBf16,
  siluBf16,
  type NonlinearFn,
} from '../../runtime/fp/nonlinear.ts';
import { expTable, NONLINEAR_BUS, NONLINEAR_FN, NONLINEAR_TABLES, nonlinearTraces, type NonlinearLookup } from '../../runtime/vm/chips/fp/nonlinear-tables.ts';

const hex = (p: number) => `0x${p.toString(16).padStart(4, '0')}`;

// ---------------------------------------------------------------------------------------------------------------
// float64 references, independent of the BigInt evaluation: Math.exp, and Φ from Marsaglia's series for |x| < 3
// and the Laplace continued fraction of Mills' ratio Q(t)/φ(t) = 1/(t + 1/(t + 2/(t + 3/(t + …)))) beyond.

const SQRT_2PI = 2.5066282746310002;
const phi = (x: number) => Math.exp(-(x * x) / 2) / SQRT_2PI;

function millsRatio(t: number): number {
  let f = t;
  for (let k = 400; k >= 1; k--) f = t + k / f;
  return 1 / f;
}

function normalCdf(x: number): number {
  if (x <= -3) return phi(x) * millsRatio(-x);
  if (x >= 3) return 1 - phi(x) * millsRatio(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) >= 1e-18 * Math.abs(sum); n++) {
    term *= (x * x) / (2 * n + 1);
    sum += term;
  }
  return 0.5 + phi(x) * sum;
}

const F64: Record<NonlinearFn, (x: number) => number> = {
  gelu: (x) => x * normalCdf(x),
  silu: (x) => x / (1 + Math.exp(-x)),
  exp: (x) => Math.exp(x),
};

/** The real value of a bf16 pattern. */
function bf16Value(p: number): number {
  const e = (p >>> 7) & 0xff;
  const f = p & 0x7f;
  const s = p & 0x8000 ? -1 : 1;
  if (e === 0xff) return f ? NaN : s * Infinity;
  return e === 0 ? s * f * 2 ** -133 : s * (128 + f) * 2 ** (e - 134);
}

/** A double rounded to bf16 (nearest even, subnormals, overflow), and its distance from the nearest rounding boundary relative to |d|. */
function roundF64(d: number): { y: number; margin: number } {
  if (Number.isNaN(d)) return { y: 0x7fc0, margin: Infinity };
  const sign = d < 0 || Object.is(d, -0) ? 0x8000 : 0;
  const a = Math.abs(d);
  if (a === Infinity || a === 0) return { y: sign | (a === 0 ? 0 : 0x7f80), margin: Infinity };
  let top = Math.floor(Math.log2(a));
  while (2 ** top > a) top--;
  while (2 ** (top + 1) <= a) top++;
  if (top >= 128) return { y: sign | 0x7f80, margin: Infinity };
  const q = Math.max(top, -126) - 7;
  const s = a / 2 ** q; // exact: a power-of-two scaling
  let sig = Math.floor(s);
  const frac = s - sig;
  const margin = (Math.abs(frac - 0.5) * 2 ** q) / a;
  if (frac > 0.5 || (frac === 0.5 && sig % 2 === 1)) sig++;
  const mag = top < -126 ? sig : ((top + 127) << 7) + sig - 128;
  return { y: sign | Math.min(mag, 0x7f80), margin };
}

/** Position in the order of real values (−0 and +0 together): two patterns one ulp apart differ by 1. */
const ordinal = (p: number) => (p & 0x8000 ? -(p & 0x7fff) : p);
const isNaN16 = (p: number) => (p & 0x7fff) > 0x7f80;

describe('nonlinear reference functions', () => {
  it('gives the known values', () => {
    expect(hex(expBf16(0x0000))).toBe('0x3f80'); // exp(0) = 1
    expect(hex(expBf16(0x8000))).toBe('0x3f80'); // exp(−0) = 1
    expect(hex(expBf16(0x3f80))).toBe('0x402e'); // e ≈ 2.71875
    expect(bf16Value(expBf16(0x3f80))).toBe(2.71875);
    expect(bf16Value(expBf16(0xbf80))).toBe(0.3671875); // 1/e = 0.36788 → 0.3671875
    expect(bf16Value(expBf16(0x4000))).toBe(7.375); // e² = 7.389 → 7.375 (quantum 1/32)
    expect(hex(geluBf16(0x0000))).toBe('0x0000');
    expect(hex(geluBf16(0x8000))).toBe('0x8000');
    expect(hex(siluBf16(0x0000))).toBe('0x0000');
    expect(hex(siluBf16(0x8000))).toBe('0x8000');
    expect(bf16Value(geluBf16(0x3f80))).toBe(0.83984375); // Φ(1) = 0.841345 → 215/256
    expect(hex(geluBf16(0x3f80))).toBe('0x3f57');
    expect(bf16Value(geluBf16(0xbf80))).toBe(-0.158203125); // −(1 − Φ(1)) = −0.158655
    expect(bf16Value(geluBf16(0x4000))).toBe(1.953125); // 2·Φ(2) = 1.954500
    expect(bf16Value(siluBf16(0x3f80))).toBe(0.73046875); // σ(1) = 0.731059
    expect(bf16Value(siluBf16(0xbf80))).toBe(-0.26953125); // −σ(−1) = −0.268941
    expect(bf16Value(siluBf16(0x4000))).toBe(1.7578125); // 2σ(2) = 1.761594
  });

  it('handles NaN, infinities, overflow, underflow and subnormals as documented', () => {
    for (const fn of NONLINEAR_FNS) {
      for (const nan of [0x7fc0, 0x7f81, 0x7fff, 0xffc0, 0xff81, 0xffff]) expect(hex(computeNonlinearBf16(fn, nan)), `${fn}(${hex(nan)})`).toBe('0x7fc0');
    }
    expect(hex(expBf16(0x7f80))).toBe('0x7f80'); // exp(+inf) = +inf
    expect(hex(expBf16(0xff80))).toBe('0x0000'); // exp(−inf) = +0
    expect(hex(geluBf16(0x7f80))).toBe('0x7f80');
    expect(hex(geluBf16(0xff80))).toBe('0x8000'); // GELU(−inf) = −0
    expect(hex(siluBf16(0x7f80))).toBe('0x7f80');
    expect(hex(siluBf16(0xff80))).toBe('0x8000'); // SiLU(−inf) = −0
    // exp overflows between 88.5 (0x42b1) and 89 (0x42b2): e^88.5 = 2.75e38 < 0x7F7F = 3.39e38.
    expect(hex(expBf16(0x42b1))).toBe('0x7f4d'); // 2.72e38
    expect(hex(expBf16(0x42b2))).toBe('0x7f80');
    expect(hex(expBf16(0x7f7f))).toBe('0x7f80');
    // exp underflows through the subnormals to +0: e^-92 = 1.1e-40 rounds to 1·2^-133, e^-93 to +0.
    expect(hex(expBf16(0xc2b0))).toBe('0x0042'); // e^-88 = 6.05e-39 = 65.9·2^-133
    expect(hex(expBf16(0xc2b8))).toBe('0x0001'); // e^-92
    expect(hex(expBf16(0xc2ba))).toBe('0x0000'); // e^-93
    expect(hex(expBf16(0xff7f))).toBe('0x0000');
    // Subnormal inputs: exp(±2^-133) = 1; GELU and SiLU of a subnormal x lie a hair from x/2.
    expect(hex(expBf16(0x0001))).toBe('0x3f80');
    expect(hex(expBf16(0x8001))).toBe('0x3f80');
    for (const f of [geluBf16, siluBf16]) {
      expect(hex(f(0x0001))).toBe('0x0001'); // 2^-134 (1 + ε): above the midpoint, up
      expect(hex(f(0x8001))).toBe('0x8000'); // −2^-134 (1 − ε): toward zero, −0
      expect(hex(f(0x0003))).toBe('0x0002');
      expect(hex(f(0x8003))).toBe('0x8001');
      expect(hex(f(0x0002))).toBe('0x0001'); // 2^-133 (1 ± ε): exactly representable neighbour
      expect(hex(f(0x8002))).toBe('0x8001');
    }
    // Large inputs: GELU(x) = x from 8 on and −0 from −14 down; SiLU(x) = x from 128 and −0 from −128 down.
    expect(hex(geluBf16(0x7f7f))).toBe('0x7f7f');
    expect(hex(geluBf16(0xff7f))).toBe('0x8000');
    expect(hex(siluBf16(0x7f7f))).toBe('0x7f7f');
    expect(hex(siluBf16(0xff7f))).toBe('0x8000');
  });

  it('agrees with the bounds that settle large inputs: the evaluated neighbours of each cut', () => {
    // Just inside each cut the interval evaluation runs, and it already gives the cut's value.
    const near = (v: number) => [...Array(0x10000).keys()].filter((p) => bf16Value(p) === v)[0]!;
    const below8 = near(7.96875); // the largest bf16 below 8
    expect(resolveNonlinearBf16('gelu', below8).bits).toBeGreaterThan(0);
    expect(geluBf16(below8)).toBe(below8);
    const aboveMinus14 = near(-13.9375);
    expect(resolveNonlinearBf16('gelu', aboveMinus14).bits).toBeGreaterThan(0);
    expect(hex(geluBf16(aboveMinus14))).toBe('0x8000');
    const below128 = near(127.5);
    expect(siluBf16(below128)).toBe(below128);
    expect(hex(siluBf16(below128 | 0x8000))).toBe('0x8000');
    expect(hex(expBf16(below128))).toBe('0x7f80');
    expect(hex(expBf16(below128 | 0x8000))).toBe('0x0000');
  });

  it('agrees with float64 on every finite input where float64 can decide the rounding, and within one ulp elsewhere', () => {
    for (const fn of NONLINEAR_FNS) {
      const ys = nonlinearValues(fn);
      let finite = 0;
      let exact = 0;
      const ambiguous: number[] = [];
      const wrong: string[] = [];
      for (let x = 0; x < 0x10000; x++) {
        const v = bf16Value(x);
        if (!Number.isFinite(v)) continue;
        finite++;
        const { y, margin } = roundF64(F64[fn](v));
        const ours = ys[x]!;
        if (y === ours) exact++;
        // float64 errs by far less than 2^-36 relative here; nearer a rounding boundary it cannot decide.
        if (margin < 2 ** -36) ambiguous.push(x);
        else if (ours !== y) wrong.push(`${fn}(${hex(x)} = ${v}) = ${hex(ours)}, float64 gives ${hex(y)}`);
        if (Math.abs(ordinal(ours) - ordinal(y)) > 1) wrong.push(`${fn}(${hex(x)}) = ${hex(ours)}, more than an ulp from float64's ${hex(y)}`);
      }
      expect(wrong).toEqual([]);
      expect(finite).toBe(65280);
      if (fn === 'exp') {
        expect(ambiguous).toEqual([]);
        expect(exact).toBe(finite);
        continue;
      }
      // GELU and SiLU: float64 lands exactly on a midpoint only where x/2 is one (|x| = k·2^-133, k odd, k < 256):
      // there the true value is x/2·(1 + ε) for x > 0 (round up) and x/2·(1 − ε) for x < 0 (toward zero).
      const midpoints = [...Array(0x10000).keys()].filter((x) => (x & 0x7fff) < 0x100 && (x & 1) === 1);
      expect(ambiguous).toEqual(midpoints);
      for (const x of midpoints) {
        const k = x & 0x7fff;
        expect(hex(ys[x]!), `${fn}(${hex(x)})`).toBe(hex(x & 0x8000 ? 0x8000 | ((k - 1) / 2) : (k + 1) / 2));
      }
      // Half of them (the round-up ones) float64 rounds the other way: 128 disagreements, all one ulp.
      expect(exact).toBe(finite - 128);
    }
  });

  it('exp is monotone: non-decreasing in the real order of its inputs', () => {
    const order = [...Array(0x10000).keys()].filter((x) => !isNaN16(x) && x !== 0x8000).sort((a, b) => bf16Value(a) - bf16Value(b));
    const wrong: string[] = [];
    for (let i = 1; i < order.length; i++) {
      const [a, b] = [expBf16(order[i - 1]!), expBf16(order[i]!)];
      if (!(bf16Value(a) <= bf16Value(b))) wrong.push(`exp(${hex(order[i - 1]!)}) = ${hex(a)} > exp(${hex(order[i]!)}) = ${hex(b)}`);
    }
    expect(wrong).toEqual([]);
    expect(expBf16(0xff7f)).toBe(0x0000);
    expect(expBf16(0x7f7f)).toBe(0x7f80);
  });

  it('GELU and SiLU have the sign of x, are x-like for large x and are bounded below (minima −0.1700 and −0.2785)', () => {
    const wrong: string[] = [];
    for (let x = 0; x < 0x10000; x++) {
      if (isNaN16(x)) continue;
      for (const [name, f, min] of [
        ['gelu', geluBf16(x), -0.171],
        ['silu', siluBf16(x), -0.28],
      ] as const) {
        const ok = (f & 0x8000) === (x & 0x8000) && bf16Value(f) >= min && (bf16Value(x) <= 0 || bf16Value(f) <= bf16Value(x));
        if (!ok) wrong.push(`${name}(${hex(x)}) = ${hex(f)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('nonlinear tables: determinism and layout', () => {
  it('rebuilds the same bytes from scratch, pinned by a digest', () => {
    const fresh = NONLINEAR_FNS.map((fn) => Uint16Array.from({ length: 0x10000 }, (_, x) => computeNonlinearBf16(fn, x)));
    NONLINEAR_FNS.forEach((fn, i) => expect(fresh[i]!).toEqual(nonlinearValues(fn)));
    const digest = (a: Uint16Array) => Buffer.from(blake3(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))).toString('hex');
    // Little-endian uint16 y values, index x. A change here changes every preprocessed commitment.
    expect(Object.fromEntries(NONLINEAR_FNS.map((fn, i) => [fn, digest(fresh[i]!)]))).toEqual(PINNED_DIGESTS);
  });

  it('settles every entry at most at 512 bits, most at the starting precision', () => {
    for (const fn of NONLINEAR_FNS) {
      const bits = new Map<number, number>();
      for (let x = 0; x < 0x10000; x++) {
        const b = resolveNonlinearBf16(fn, x).bits;
        bits.set(b, (bits.get(b) ?? 0) + 1);
      }
      expect(Math.max(...bits.keys()), fn).toBeLessThanOrEqual(512);
      // Evaluated (bits > 0): 34,302 exp, 34,302 SiLU, 33,374 GELU entries; the rest are settled by a rule.
      const evaluated = 0x10000 - (bits.get(0) ?? 0);
      const retried = fn === 'gelu' ? [...bits].filter(([b]) => b >= 256).reduce((s, [, c]) => s + c, 0) : evaluated - (bits.get(64) ?? 0);
      console.log(`${fn}: ${evaluated} entries evaluated, ${retried} needed more than the starting precision`);
      expect(retried, fn).toBeLessThanOrEqual(256);
    }
  });

  it('lays out (x, f(x)) in row x and counts lookups per x', () => {
    for (const fn of NONLINEAR_FNS) {
      const t = NONLINEAR_TABLES[fn];
      const pre = t.preprocessed();
      expect([pre.width, pre.height]).toEqual([2, 0x10000]);
      expect(t.air.width).toBe(1);
      expect(t.fnId).toBe(NONLINEAR_FN[fn]);
      for (const x of [0, 1, 0x3f80, 0x7fc0, 0xffff]) expect([pre.get(x, 0), pre.get(x, 1)]).toEqual([x, computeNonlinearBf16(fn, x)]);
    }
    const lookups: NonlinearLookup[] = [
      { fn: 'exp', x: 0x3f80, y: 0x402e },
      { fn: 'exp', x: 0x3f80, y: 0x402e },
      { fn: 'gelu', x: 0x3f80, y: 0x3f57 },
    ];
    const tr = nonlinearTraces(lookups);
    expect(tr.exp.get(0x3f80, 0)).toBe(2);
    expect(tr.gelu.get(0x3f80, 0)).toBe(1);
    expect(tr.silu.values.every((v) => v === 0)).toBe(true);
    expect(() => expTable.trace([{ fn: 'exp', x: 0x3f80, y: 0x402f }])).toThrow(/not/);
    expect(() => expTable.trace([{ fn: 'gelu', x: 0x3f80, y: 0x3f57 }])).toThrow(/gelu/);
    expect(() => expTable.trace([{ fn: 'exp', x: 0x10000, y: 0 }])).toThrow(/bf16 pattern/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Proofs

const driverAir: Air = {
  name: 'nonlinear-driver',
  width: 1, // unused; a table needs a main trace
  preprocessedWidth: 4,
  publicInputs: 0,
  eval(b) {
    b.send(NONLINEAR_BUS, [b.pre(0), b.pre(1), b.pre(2)], b.pre(3));
  },
};

const driverHeight = (claims: readonly NonlinearLookup[]) => paddedHeight(claims.length, 2);

function driverPreprocessed(claims: readonly NonlinearLookup[]): Matrix {
  const rows = Array.from({ length: driverHeight(claims) }, (_, r) => {
    const c = claims[r];
    return c ? [NONLINEAR_FN[c.fn], c.x, c.y, 1] : [0, 0, 0, 0];
  });
  return Matrix.fromRows(rows);
}

function system<Proof>(pcs: Pcs<Proof>, claims: readonly NonlinearLookup[], fns: readonly NonlinearFn[], zk = false): StarkSystem<Proof> {
  const tables = fns.map((fn) => ({ air: NONLINEAR_TABLES[fn].air, preprocessed: NONLINEAR_TABLES[fn].preprocessed() }));
  return buildSystem('nonlinear-test', [{ air: driverAir, preprocessed: driverPreprocessed(claims) }, ...tables], pcs, zk);
}

/** The traces of the driver and the tables, counting the lookups by x (whatever y they claim). */
function traces(claims: readonly NonlinearLookup[], fns: readonly NonlinearFn[]): Matrix[] {
  const truthful = claims.map((c) => ({ ...c, y: computeNonlinearBf16(c.fn, c.x) }));
  const tr = nonlinearTraces(truthful);
  return [Matrix.zeros(driverHeight(claims), 1), ...fns.map((fn) => tr[fn])];
}

const claim = (fn: NonlinearFn, x: number): NonlinearLookup => ({ fn, x, y: computeNonlinearBf16(fn, x) });

describe('nonlinear tables: proofs', () => {
  const mixed = [
    claim('exp', 0x3f80),
    claim('exp', 0x3f80), // twice: multiplicity 2
    claim('exp', 0xc2b8), // subnormal result
    claim('exp', 0x42b2), // overflow to +inf
    claim('exp', 0xff80),
    claim('gelu', 0x3f80),
    claim('gelu', 0xbf80),
    claim('gelu', 0x8001), // −0 from a subnormal
    claim('gelu', 0x7fc1), // NaN → canonical NaN
    claim('silu', 0x4000),
    claim('silu', 0x0003),
    claim('silu', 0xff80),
  ];

  it('proves lookups into all three tables (plain PCS), and reports the cost', () => {
    const sys = system(plainPcs, mixed, NONLINEAR_FNS);
    const proof = prove(sys, traces(mixed, NONLINEAR_FNS), [], { seed: 'nonlinear-honest' });
    expect(verify(sys, [], proof)).toEqual({ ok: true });
    // Per table: 2^16 rows × (1 main + 4·auxWidth LogUp cells + 4·chunks quotient cells), the preprocessed (x, y)
    // committed once at setup.
    const t = sys.tables[1]!;
    expect(t.logup.auxWidth).toBe(1);
    expect(t.degree).toBe(2);
    const perRow = t.analyzed.air.width + 4 * t.logup.auxWidth + 4 * quotientChunks(t.degree, 0);
    expect(perRow).toBe(9);
    console.log(`nonlinear table: 65,536 rows × (1 main + 4 LogUp + 4 quotient) = ${65536 * perRow} committed cells per function (no zk)`);
  });

  it('proves with the FRI PCS (without zero knowledge, which triples the time)', () => {
    const claims = mixed.filter((c) => c.fn === 'exp');
    const sys = system(new FriPcs(DEFAULT_PCS_PARAMS), claims, ['exp'], false);
    const proof = prove(sys, traces(claims, ['exp']), [], { seed: 'nonlinear-fri' });
    expect(verify(sys, [], proof)).toEqual({ ok: true });
  });

  for (const fn of NONLINEAR_FNS) {
    it(`${fn}: a claim one ulp off is refused by the honest prover and rejected from a cheating one`, () => {
      const honest = claim(fn, 0x3fc0); // f(1.5)
      const claims = [claim(fn, 0x4000), { ...honest, y: honest.y + 1 }];
      const sys = system(plainPcs, claims, [fn]);
      const tr = traces(claims, [fn]);
      let error: unknown;
      try {
        prove(sys, tr, [], { seed: `cheat-${fn}` });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WitnessError);
      expect((error as WitnessError).constraint).toMatch(/^logup balance$/);
      const proof = prove(sys, tr, [], { seed: `cheat-${fn}`, skipChecks: true });
      expect(verify(sys, [], proof).ok).toBe(false);
    });
  }

  it('a claim with another function id is not answered (exp(1) claimed as GELU)', () => {
    const claims: NonlinearLookup[] = [claim('exp', 0x3f80), { fn: 'gelu', x: 0x3f80, y: expBf16(0x3f80) }];
    const sys = system(plainPcs, claims, ['gelu', 'exp']);
    const tr = [Matrix.zeros(driverHeight(claims), 1), NONLINEAR_TABLES.gelu.trace([claim('gelu', 0x3f80)]), expTable.trace([claims[0]!])];
    expect(() => prove(sys, tr, [], { seed: 'cheat-fn' })).toThrow(WitnessError);
    const proof = prove(sys, tr, [], { seed: 'cheat-fn', skipChecks: true });
    expect(verify(sys, [], proof).ok).toBe(false);
  });
});

const PINNED_DIGESTS: Record<NonlinearFn, string> = {
  gelu: '6acc949b2b58a242b77866a31265abc30b225203b5a9fbe0731503bc5a2d69f8',
  silu: 'b5bedfb4a13b096873a598c820dd8cf29d7e6414d10368d1516644962cb9065a',
  exp: '9610b8b8b465ad5a2ce7d4b8a99a2d3a82d62025aadec35e05889a47ec63b781',
};
