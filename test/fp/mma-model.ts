// A second implementation of the Hopper tensor-core model (runtime/fp/mma.ts), written differently on purpose so
// that agreeing with it means something, and the seeded generators of random operations that test/fp/mma.test.ts
// compares the two on. Test code only.
//
// How it differs from the reference: every finite term is an exact BigInt, its real value times 2^300 (the
// smallest product, 2^-133 · 2^-133, times 2^300 is still an integer); e_max is the largest operand exponent sum as
// before (that is the model's definition), but the truncation is BigInt division toward zero by the grid 2^(e_max −
// 25) in that same scaled unit, and the conversion to f32 rounding toward zero is a binary search for the largest
// positive f32 pattern whose exact value does not exceed the magnitude (the positive patterns are ordered like
// their values), with 2^128 as the overflow threshold. The specials are classified as MMA-Sim classifies them:
// the products and C in host doubles (exact for bf16 products, and no finite sum of them can overflow a double),
// summed, NaN or ±Infinity read off the sum.

const SCALE = 300;
const SCALE_N = BigInt(SCALE);
const ONE_SCALED = 1n << SCALE_N;

/** A finite bf16 or f32 as its scaled exact value and its exponent (the exponent field's, −126 for field 0). */
interface Exact {
  value: bigint;
  exp: number;
}

function exactOf(x: number, fractionBits: number): Exact {
  const total = fractionBits + 9;
  const neg = Math.floor(x / 2 ** (total - 1)) % 2 === 1;
  const field = Math.floor(x / 2 ** fractionBits) % 256;
  const frac = x % 2 ** fractionBits;
  const exp = field === 0 ? -126 : field - 127;
  const sig = BigInt(field === 0 ? frac : frac + 2 ** fractionBits);
  const v = sig << BigInt(exp - fractionBits + SCALE);
  return { value: neg ? -v : v, exp };
}

const view = new DataView(new ArrayBuffer(4));
function asDouble(pattern32: number): number {
  view.setUint32(0, pattern32 >>> 0);
  return view.getFloat32(0);
}

/** Which parts of the model to apply, for measuring what each changes; the default is the model. */
export interface ModelOptions {
  /** Truncate each term to the grid (else: the exact sum, converted toward zero). */
  truncate?: boolean;
  /** A product with a zero operand takes part in e_max (else only nonzero products and C do). */
  zeroProductsSetEMax?: boolean;
}

/** The largest positive f32 pattern whose value is at most `mag` (scaled), or Infinity's pattern at 2^128. */
function truncatedPattern(mag: bigint): number {
  if (mag >= 1n << BigInt(128 + SCALE)) return 0x7f800000;
  let lo = 0;
  let hi = 0x7f7fffff;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (exactOf(mid, 23).value <= mag) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** mma16 by the second method; `a`, `b` 16 bf16 patterns, `c` an f32 pattern. */
export function mma16Independent(a: readonly number[], b: readonly number[], c: number, options: ModelOptions = {}): number {
  let s = asDouble(c);
  for (let i = 0; i < 16; i++) s += asDouble(a[i] * 65536) * asDouble(b[i] * 65536);
  if (Number.isNaN(s)) return 0x7fffffff;
  if (s === Infinity) return 0x7f800000;
  if (s === -Infinity) return 0xff800000;

  const terms: Exact[] = [exactOf(c >>> 0, 23)];
  for (let i = 0; i < 16; i++) {
    const x = exactOf(a[i], 7);
    const y = exactOf(b[i], 7);
    const value = (x.value * y.value) / ONE_SCALED;
    if (value === 0n && options.zeroProductsSetEMax === false) continue;
    terms.push({ value, exp: x.exp + y.exp });
  }
  const eMax = Math.max(...terms.map((t) => t.exp));
  const grid = 1n << BigInt(eMax - 25 + SCALE);
  let total = 0n;
  for (const t of terms) total += options.truncate === false ? t.value : (t.value / grid) * grid;
  if (total === 0n) return 0;
  const p = truncatedPattern(total < 0n ? -total : total);
  return p === 0 ? 0 : total < 0n ? (p + 0x80000000) >>> 0 : p;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded generators.

/** splitmix32: a small, well-mixed PRNG; the same seed gives the same vectors everywhere. */
export function prng(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  /** An integer in [lo, hi]. */
  const int = (lo: number, hi: number): number => lo + (next() % (hi - lo + 1));
  return { next, int, chance: (percent: number) => next() % 100 < percent };
}
export type Prng = ReturnType<typeof prng>;

const bf16 = (neg: boolean, field: number, frac: number) => (neg ? 0x8000 : 0) | (field << 7) | (frac & 0x7f);
const f32 = (neg: boolean, field: number, frac: number) => ((neg ? 0x80000000 : 0) + field * 0x800000 + (frac & 0x7fffff)) >>> 0;
const frac23 = (r: Prng) => r.next() & 0x7fffff;

/** A special bf16: a NaN (quiet or signalling, any payload and sign), an infinity or a zero. */
function specialBf16(r: Prng): number {
  switch (r.int(0, 3)) {
    case 0:
      return bf16(r.chance(50), 0xff, r.int(1, 0x7f));
    case 1:
    case 2:
      return bf16(r.chance(50), 0xff, 0);
    default:
      return bf16(r.chance(50), 0, 0);
  }
}

function specialF32(r: Prng): number {
  switch (r.int(0, 2)) {
    case 0:
      return f32(r.chance(50), 0xff, r.int(1, 0x7fffff));
    case 1:
      return f32(r.chance(50), 0xff, 0);
    default:
      return f32(r.chance(50), 0, 0);
  }
}

export interface MmaCase {
  profile: string;
  a: number[];
  b: number[];
  c: number;
}

type Profile = (r: Prng) => { a: number[]; b: number[]; c: number };

const around = (r: Prng, centre: number, spread: number) => Math.max(0, Math.min(254, centre + r.int(-spread, spread)));
const operands = (r: Prng, field: () => number) => Array.from({ length: 16 }, () => bf16(r.chance(50), field(), r.next()));

/** The profiles, each aimed at one part of the model; weights sum to 100. */
const PROFILES: [string, number, Profile][] = [
  // Operands as in a trained network: exponents near 1, a C of similar size.
  ['typical', 10, (r) => ({ a: operands(r, () => around(r, 127, 8)), b: operands(r, () => around(r, 127, 8)), c: r.chance(10) ? 0 : f32(r.chance(50), around(r, 127, 10), frac23(r)) })],
  // Exponents anywhere (subnormals, zeros and the largest finite values included): wide spreads, truncation.
  ['wide', 12, (r) => ({ a: operands(r, () => r.int(0, 254)), b: operands(r, () => r.int(0, 254)), c: f32(r.chance(50), r.int(0, 254), frac23(r)) })],
  // Eight products cancelled by eight negated copies, one of them nudged: a tiny residual under a large e_max.
  ['cancel', 10, (r) => {
    const a = operands(r, () => around(r, 127, 12));
    const b = operands(r, () => around(r, 127, 12));
    for (let i = 8; i < 16; i++) {
      a[i] = a[i - 8] ^ 0x8000;
      b[i] = b[i - 8];
    }
    const k = r.int(8, 15);
    a[k] = (a[k] & 0xff80) | (r.next() & 0x7f);
    return { a, b, c: r.chance(50) ? 0 : f32(r.chance(50), around(r, 100, 30), frac23(r)) };
  }],
  // NaNs, infinities and zeros sprinkled over the operands and C.
  ['specials', 12, (r) => {
    const a = operands(r, () => around(r, 127, 20));
    const b = operands(r, () => around(r, 127, 20));
    for (let n = r.int(1, 3); n > 0; n--) (r.chance(50) ? a : b)[r.int(0, 15)] = specialBf16(r);
    return { a, b, c: r.chance(30) ? specialF32(r) : f32(r.chance(50), around(r, 127, 20), frac23(r)) };
  }],
  // Subnormal operands, mostly against partners near 1 (subnormal sums), sometimes against large ones (products
  // back in the normal range); a subnormal, zero or smallest-binade C.
  ['subnormal', 10, (r) => ({
    a: operands(r, () => (r.chance(70) ? 0 : r.int(1, 3))),
    b: operands(r, () => (r.chance(90) ? around(r, 127, 3) : r.int(200, 254))),
    c: r.chance(40) ? f32(r.chance(50), 0, frac23(r)) : r.chance(50) ? 0 : f32(r.chance(50), r.int(1, 3), frac23(r)),
  })],
  // Zeros times large numbers: zero products whose exponent sum sets e_max over smaller nonzero ones.
  ['zeros', 10, (r) => {
    const a = operands(r, () => around(r, 110, 15));
    const b = operands(r, () => around(r, 110, 15));
    for (let n = r.int(1, 4); n > 0; n--) {
      const i = r.int(0, 15);
      const [z, big] = r.chance(50) ? [a, b] : [b, a];
      z[i] = bf16(r.chance(50), 0, 0);
      big[i] = bf16(r.chance(50), r.int(150, 254), r.next());
    }
    return { a, b, c: r.chance(50) ? f32(r.chance(50), 0, 0) : f32(r.chance(50), around(r, 100, 20), frac23(r)) };
  }],
  // Products and C near the top of the f32 range: overflow to infinity, or the largest finite value from below
  // (C a few ulps under it, products of its sign around its last bits).
  ['overflow', 8, (r) => {
    if (r.chance(50)) {
      const neg = r.chance(50);
      const a = Array.from({ length: 16 }, () => bf16(r.chance(80) ? neg : !neg, r.int(200, 230), r.next()));
      return { a, b: operands(r, () => 127).map((x) => x & 0x7fff), c: f32(neg, 254, 0x7fffff - r.int(0, 3)) };
    }
    return { a: operands(r, () => r.int(230, 254)), b: operands(r, () => r.int(110, 127)), c: f32(r.chance(50), r.int(240, 254), frac23(r)) };
  }],
  // Products far below 2^-126 with a zero or subnormal C: the grid at 2^-151, results subnormal or nothing.
  ['tiny', 8, (r) => ({
    a: operands(r, () => r.int(0, 20)),
    b: operands(r, () => r.int(100, 110)),
    c: r.chance(50) ? f32(r.chance(50), 0, r.chance(50) ? 0 : r.int(0, 0xffff)) : f32(r.chance(50), 0, frac23(r)),
  })],
  // A C far above the products: they are cut to its grid, often to nothing.
  ['c-dominant', 6, (r) => {
    const a = operands(r, () => around(r, 127, 6));
    const b = operands(r, () => around(r, 127, 6));
    return { a, b, c: f32(r.chance(50), 127 + r.int(2, 40), frac23(r)) };
  }],
  // C the negation of a product (B = ±1) up to its low bits: cancellation against the addend.
  ['c-cancel', 6, (r) => {
    const a = operands(r, () => around(r, 127, 10));
    const b = operands(r, () => around(r, 100, 10));
    b[0] = bf16(r.chance(50), 127, 0);
    const negated = (a[0] ^ b[0] ^ 0x8000) & 0x8000;
    return { a, b, c: ((negated * 65536 + (a[0] & 0x7fff) * 65536) >>> 0) + (r.chance(50) ? r.int(0, 0xffff) : 0) };
  }],
  // Terms just at and around the grid: one product sets e_max, the others sit 11 to 17 binades below, where their
  // low bits straddle 2^(e_max − 25), and C straddles it too.
  ['grid', 8, (r) => {
    const top = r.int(60, 190);
    const a = operands(r, () => top - r.int(11, 17));
    const b = operands(r, () => 127);
    a[0] = bf16(r.chance(50), top, r.next());
    return { a, b, c: f32(r.chance(50), top - r.int(0, 4), frac23(r)) };
  }],
];

/** `count` random tensor-core operations from `seed`, the profiles drawn by weight. */
export function randomMmaCases(seed: number, count: number): MmaCase[] {
  const r = prng(seed);
  const cases: MmaCase[] = [];
  for (let n = 0; n < count; n++) {
    let pick = r.int(0, 99);
    let i = 0;
    while (pick >= PROFILES[i][1]) pick -= PROFILES[i++][1];
    cases.push({ profile: PROFILES[i][0], ...PROFILES[i][2](r) });
  }
  return cases;
}

/**
 * Random dot products (K = 16 to 128) for the chained model: network-like operands, operands with two significant
 * bits and close exponents (accumulators with few bits, so that bf16 rounding ties are common), and a few specials.
 */
export function randomDotCases(seed: number, count: number): { a: number[]; b: number[] }[] {
  const r = prng(seed);
  const out: { a: number[]; b: number[] }[] = [];
  for (let n = 0; n < count; n++) {
    const k = 16 * r.int(1, 8);
    const kind = r.int(0, 9);
    const one = (): number =>
      kind < 5 ? bf16(r.chance(50), around(r, 122, 6), r.next()) : kind < 9 ? bf16(r.chance(30), around(r, 127, 1), r.next() & 0x40) : r.chance(3) ? specialBf16(r) : bf16(r.chance(50), r.int(0, 254), r.next());
    out.push({ a: Array.from({ length: k }, one), b: Array.from({ length: k }, one) });
  }
  return out;
}
