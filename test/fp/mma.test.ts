// The Hopper BF16 tensor-core reference (runtime/fp/mma.ts): hand-made edge cases of each rule of the model,
// every vector of conformance/bf16_mma and bf16_mma_dot, and a random sweep against a second, deliberately
// different implementation (test/fp/mma-model.ts) on seeded vectors weighted toward specials, zeros, subnormals,
// cancellation, overflow and terms straddling the truncation grid: the files were made from one seed of MMA-Sim's
// generator, and vectors from other seeds must pass too, so the sweep is what shows the model beyond the files.
import { describe, expect, it } from 'vitest';
import { bf16MmaDot, mma16, mma16Trace, truncateToF32 } from '../../runtime/fp/mma.ts';
import { bf16Dot, f32ToBf16 } from '../../runtime/fp/bf16.ts';
import { checkConformanceFile, readConformanceText, readVectors } from '../../runtime/conformance/vectors.ts';
import { mma16Independent, randomDotCases, randomMmaCases } from './mma-model.ts';
import { zpol } from '../helpers.ts';

const ONE = 0x3f80;
const MONE = 0xbf80;
const NAN = 0x7fffffff;
const POS_INF = 0x7f800000;
const NEG_INF = 0xff800000;

/** Pads to 16 pairs with +0 · +0 (exponent sum −252, below any C's: the padding changes nothing). */
const pad = (xs: number[]) => [...xs, ...Array(16 - xs.length).fill(0)];
const mma = (a: number[], b: number[], c = 0) => mma16(pad(a), pad(b), c);
const hex = (x: number) => (x >>> 0).toString(16).toUpperCase().padStart(8, '0');

describe('mma16 edge cases', () => {
  it('all zeros, whatever their signs, give +0 (IEEE would give -0 for -0 products and a -0 addend)', () => {
    expect(mma16(Array(16).fill(0x8000), Array(16).fill(0x0000), 0x80000000)).toBe(0);
    expect(mma16(Array(16).fill(0x8000), Array(16).fill(0x8000), 0x80000000)).toBe(0);
  });

  it('a zero product carries the exponent sum -126 + e_B and can set e_max', () => {
    // 0 · 2^127 has exponent sum 1: the grid becomes 2^-24 and 2^-31 truncates to nothing.
    expect(mma([0x0000, ONE], [0x7f00, 0x3000])).toBe(0);
    expect(mma([ONE], [0x3000])).toBe(0x30000000); // without the zero product: 2^-31 exactly
    const t = mma16Trace(pad([0x0000, ONE]), pad([0x7f00, 0x3000]), 0);
    expect(t.kind === 'finite' && t.eMax).toBe(1);
    // 1 - 2^-25: exact on the grid 2^-25 (RZ gives 0x3F7FFFFF); a -0 · 2^127 coarsens the grid and the
    // subtrahend vanishes.
    expect(mma([ONE, 0xb300], [ONE, ONE])).toBe(0x3f7fffff);
    expect(mma([ONE, 0xb300, 0x8000], [ONE, ONE, 0x7f00])).toBe(0x3f800000);
  });

  it('keeps subnormal operands and results', () => {
    expect(mma([0x0001], [ONE])).toBe(0x00010000); // 2^-133
    expect(mma([0x0001], [0x7f00])).toBe(0x3c800000); // 2^-133 · 2^127 = 2^-6
    expect(mma([0x0040], [ONE], 0x00400000)).toBe(0x00800000); // 2^-127 + 2^-127 = 2^-126, the smallest normal
    expect(mma([0x0001], [0x0001], 0x00000001)).toBe(0x00000001); // 2^-266 is below the grid 2^-151
    expect(mma([0x8001], [0x3780])).toBe(0x80000001); // -2^-149 survives, sign and all
  });

  it('truncates a term entirely, and a sum that truncates to nothing gives +0', () => {
    // 1 - 2^-26: the subtrahend is below the grid 2^-25 (IEEE RZ of the exact sum would give 0x3F7FFFFF).
    expect(mma([ONE, 0xb280], [ONE, ONE])).toBe(0x3f800000);
    // -2^-150 lies on the grid 2^-151 but below the f32 subnormal 2^-149: +0, not -0.
    expect(mma([0x8001], [0x3700])).toBe(0);
  });

  it('catastrophic cancellation exposes the truncation of the small terms', () => {
    // 2^20 - 2^20 + (2^-3 + 2^-10): the grid is 2^-5, so the residual keeps only 2^-3.
    expect(mma([0x4980, 0xc980, 0x3e01], [ONE, ONE, ONE])).toBe(0x3e000000);
    expect(mma([0x4980, 0x3e01], [ONE, ONE], 0xc9800000)).toBe(0x3e000000); // against C
    // 2^128 - 2^128 + 1: products beyond the f32 range are no overflow; 1 is below the grid 2^103.
    expect(mma([0x7f00, 0xff00], [0x4000, 0x4000], 0x3f800000)).toBe(0);
  });

  it('overflows to an infinity of the sign; the largest finite value only from below', () => {
    expect(mma([0x7f00, 0x7f00], [0x4000, 0x4000])).toBe(POS_INF);
    expect(mma([0x7f00, 0x7f00], [0xc000, 0xc000])).toBe(NEG_INF);
    expect(mma([0x7300], [ONE], 0x7f7fffff)).toBe(0x7f7fffff); // 2^128 - 2^104 + 2^103 truncates to the largest
    expect(mma([0x7380], [ONE], 0x7f7fffff)).toBe(POS_INF); // 2^128 - 2^104 + 2^104 = 2^128
    expect(mma([0xf380], [ONE], 0xff7fffff)).toBe(NEG_INF);
  });

  it('∞ · 0 and opposite infinities give 7FFFFFFF; otherwise an infinity wins', () => {
    expect(mma([0x7f80], [0x0000])).toBe(NAN);
    expect(mma([0x8000, ONE], [0xff80, ONE])).toBe(NAN);
    expect(mma([0x7f80, ONE], [ONE, 0xff80])).toBe(NAN);
    expect(mma([0x7f80], [0x4000], NEG_INF)).toBe(NAN);
    expect(mma([0x7f80, ONE], [ONE, 0x7f80], POS_INF)).toBe(POS_INF);
    expect(mma([0x7f80], [MONE], 0x7f7fffff)).toBe(NEG_INF);
    expect(mma([ONE], [ONE], NEG_INF)).toBe(NEG_INF);
  });

  it('NaN operands of any payload, sign or kind give exactly 7FFFFFFF', () => {
    for (const nan of [0x7fc0, 0x7fc1, 0xffc0, 0x7f81, 0xff81, 0x7fff]) {
      expect(mma([nan], [ONE])).toBe(NAN);
      expect(mma([ONE], [nan])).toBe(NAN);
      expect(mma([nan], [0x0000])).toBe(NAN); // NaN · 0
      expect(mma([0x7f80, nan], [ONE, ONE])).toBe(NAN); // NaN beside an infinity
    }
    for (const c of [0x7fc00000, 0xffc12345, 0x7f800001, 0xff800001]) expect(mma([ONE], [ONE], c)).toBe(NAN);
  });

  it('a dominant C cuts the products to its grid', () => {
    // 2^24 + 16 · 0.25: the grid is 2^-1, each 0.25 truncates to 0 (IEEE would give 2^24 + 4 = 0x4B800002).
    expect(mma16(Array(16).fill(0x3e80), Array(16).fill(ONE), 0x4b800000)).toBe(0x4b800000);
    // A dominant product cuts C: 2^24 - 0.49999997 keeps 2^24 (IEEE RZ would give 2^24 - 1).
    expect(mma([0x4b80], [ONE], 0xbeffffff)).toBe(0x4b800000);
  });

  it('an exact zero sum gives +0', () => {
    expect(mma([ONE, MONE], [ONE, ONE], 0x80000000)).toBe(0);
    expect(mma([ONE], [ONE], 0xbf800000)).toBe(0);
    expect(mma([0x4980, 0xc980], [ONE, ONE])).toBe(0);
  });

  it('exposes its intermediate values and checks its operands', () => {
    const t = mma16Trace(pad([ONE, 0xb280]), pad([ONE, ONE]), 0x3f800000);
    expect(t).toMatchObject({ kind: 'finite', eMax: 0, sum: 2 ** 26, result: 0x40000000 });
    expect(t.kind === 'finite' && t.terms).toEqual([2 ** 25, 0, ...Array(14).fill(0), 2 ** 25]); // -2^-26 cut to nothing
    expect(() => mma16([ONE], [ONE], 0)).toThrow(RangeError);
    expect(truncateToF32(-3, -151)).toBe(0); // -3 · 2^-151 is below 2^-149
    expect(truncateToF32(-(2 ** 31), 97)).toBe(NEG_INF); // 2^128
  });
});

describe('the chained dot product', () => {
  it('chains 16-wide operations from +0 and rounds the accumulator to bf16 to nearest even', () => {
    expect(bf16MmaDot([], [])).toEqual({ acc: 0, out: 0 });
    // 1 + 2^-8 is a bf16 tie: even 3F80. A second chunk adds 2^-8 to C = 1 + 2^-8: 1 + 2^-7, 3F81.
    const a = pad([ONE, 0x3b80]);
    const b = pad([ONE, ONE]);
    expect(bf16MmaDot(a, b)).toEqual({ acc: 0x3f808000, out: 0x3f80 });
    expect(bf16MmaDot([...a, ...pad([0x3b80])], [...b, ...pad([ONE])])).toEqual({ acc: 0x3f810000, out: 0x3f81 });
    // A NaN accumulator flows through the next chunk's C; the epilogue writes the canonical bf16 NaN.
    expect(bf16MmaDot([...pad([0x7f80]), ...pad([ONE])], [...pad([0x0000]), ...pad([ONE])])).toEqual({ acc: NAN, out: 0x7fc0 });
    expect(() => bf16MmaDot(Array(17).fill(ONE), Array(17).fill(ONE))).toThrow(/multiple of 16/);
  });

  it('is the accumulator passed as C, chunk after chunk, and is not the sequential order', () => {
    let differ = 0;
    for (const v of readVectors('bf16_mma_dot', readConformanceText('bf16_mma_dot'))) {
      let acc = 0;
      for (let t = 0; t < v.a.length; t += 16) acc = mma16(v.a.slice(t, t + 16), v.b.slice(t, t + 16), acc);
      expect(bf16MmaDot(v.a, v.b).acc).toBe(acc);
      if (bf16Dot(v.a, v.b).acc !== acc) differ++;
    }
    console.log(`bf16_mma_dot: ${differ} of 1000 accumulators differ from sequential fmas`);
    expect(differ).toBeGreaterThan(500);
  });
});

describe('conformance files', () => {
  it.each([['bf16_mma', 20000], ['bf16_mma_dot', 1000]] as const)('%s.tv: every vector passes', (op, count) => {
    const r = checkConformanceFile(op, undefined, { maxFailures: 5 });
    console.log(`${op}.tv: ${r.passed}/${r.passed + r.failed} passed`);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(count);
  });

  it('the second implementation passes every vector of both files too (so it is a fair judge)', () => {
    const isNaN32 = (x: number) => (x & 0x7fffffff) > 0x7f800000;
    for (const v of readVectors('bf16_mma', readConformanceText('bf16_mma'))) {
      const got = mma16Independent(v.a, v.b, v.c);
      if (isNaN32(v.d) ? !isNaN32(got) : got !== v.d) expect.fail(`bf16_mma.tv:${v.line}: expected ${hex(v.d)}, got ${hex(got)}`);
    }
    for (const v of readVectors('bf16_mma_dot', readConformanceText('bf16_mma_dot'))) {
      let acc = 0;
      for (let t = 0; t < v.a.length; t += 16) acc = mma16Independent(v.a.slice(t, t + 16), v.b.slice(t, t + 16), acc);
      if (isNaN32(v.acc) ? !isNaN32(acc) : acc !== v.acc) expect.fail(`bf16_mma_dot.tv:${v.line}: expected ${hex(v.acc)}, got ${hex(acc)}`);
    }
  });

  it('zpol conformance checks both against the reference and through the tensor-core chip, ending with N passed, N failed', () => {
    const dot = zpol(['conformance', 'bf16_mma_dot']);
    expect(dot.status, dot.stderr).toBe(0);
    expect(dot.stdout).toContain('chip: accepts 1000 dot products (every operation), rejects every wrong result on 1000 of 1000');
    expect(dot.stdout.trim().split('\n').at(-1)).toBe('1000 passed, 0 failed');
  }, 60_000);
});

describe('random sweep against the second implementation', () => {
  // ZPOL_MMA_SEED runs the sweep on other vectors (the thresholds below hold for every seed tried, 1 to 12).
  const SEED = Number(process.env.ZPOL_MMA_SEED ?? 0x17);
  const COUNT = 20000;

  it(`${COUNT} seeded operations agree bit for bit, and cover every rule`, () => {
    const cases = randomMmaCases(SEED, COUNT);
    const seen = { nan: 0, inf: 0, zero: 0, subnormal: 0, largest: 0, truncationMatters: 0, zeroExponentMatters: 0 };
    const profiles = new Map<string, number>();
    for (const [n, v] of cases.entries()) {
      const ref = mma16(v.a, v.b, v.c);
      const other = mma16Independent(v.a, v.b, v.c);
      if (ref !== other) {
        expect.fail(`case ${n} (${v.profile}): A ${v.a.map((x) => x.toString(16)).join(' ')} B ${v.b.map((x) => x.toString(16)).join(' ')} ` +
          `C ${hex(v.c)}: reference ${hex(ref)}, second implementation ${hex(other)}`);
      }
      profiles.set(v.profile, (profiles.get(v.profile) ?? 0) + 1);
      const mag = ref & 0x7fffffff;
      if (ref === NAN) seen.nan++;
      else if (mag === 0x7f800000) seen.inf++;
      else if (ref === 0) seen.zero++;
      else if (mag < 0x00800000) seen.subnormal++;
      else if (mag === 0x7f7fffff) seen.largest++;
      if (mma16Independent(v.a, v.b, v.c, { truncate: false }) !== ref) seen.truncationMatters++;
      if (mma16Independent(v.a, v.b, v.c, { zeroProductsSetEMax: false }) !== ref) seen.zeroExponentMatters++;
    }
    console.log(`random sweep (seed ${SEED}): ${COUNT} agree; ${JSON.stringify(seen)}; profiles ${JSON.stringify(Object.fromEntries(profiles))}`);
    // The sweep reaches every outcome and every rule often enough that a wrong rule could not hide.
    expect(seen.nan).toBeGreaterThan(500);
    expect(seen.inf).toBeGreaterThan(500);
    expect(seen.zero).toBeGreaterThan(300);
    expect(seen.subnormal).toBeGreaterThan(300);
    expect(seen.largest).toBeGreaterThan(50);
    expect(seen.truncationMatters).toBeGreaterThan(2000);
    expect(seen.zeroExponentMatters).toBeGreaterThan(300);
  });

  it('random chained dot products agree too (accumulator bit for bit, bf16 output)', () => {
    let ties = 0;
    for (const v of randomDotCases(SEED + 1, 1000)) {
      const ref = bf16MmaDot(v.a, v.b);
      let acc = 0;
      for (let t = 0; t < v.a.length; t += 16) acc = mma16Independent(v.a.slice(t, t + 16), v.b.slice(t, t + 16), acc);
      expect(ref.acc).toBe(acc);
      // The bf16 epilogue is f32ToBf16, which f32_to_bf16.tv checks on its own.
      expect(ref.out).toBe(f32ToBf16(acc));
      if ((acc & 0xffff) === 0x8000) ties++;
    }
    console.log(`random dot products: 1000 agree, ${ties} accumulators on a bf16 rounding tie`);
    expect(ties).toBeGreaterThan(40);
  });
});
