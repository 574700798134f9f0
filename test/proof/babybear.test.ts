// BabyBear base field: every operation against a BigInt oracle on random and boundary elements, the group
// constants, inversion and batch inversion, canonical encoding, vector operations.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Pn, modn, powMod } from './oracle.ts';

const rng = Rng.fromSeed('test/proof/babybear');

/** Values where reductions change behaviour: 0, 1, p-1, powers of two, values near the float-quotient edges. */
const EDGES = [0, 1, 2, 3, 11, 31, 0xffff, 0x10000, 0x10001, 2 ** 27, 2 ** 27 + 1, 2 ** 30, 2 ** 31 - 2 ** 27, F.P - 2, F.P - 1, (F.P - 1) / 2, (F.P + 1) / 2];

function randomElements(n: number): number[] {
  return [...EDGES, ...Array.from({ length: n }, () => rng.nextField())];
}

describe('BabyBear constants', () => {
  it('p = 2^31 - 2^27 + 1 = 15 * 2^27 + 1', () => {
    expect(F.P).toBe(2 ** 31 - 2 ** 27 + 1);
    expect(F.P).toBe(2013265921);
    expect((F.P - 1) % 2 ** 27).toBe(0);
    expect((F.P - 1) / 2 ** 27).toBe(15);
  });

  it('31 generates the multiplicative group: 31^((p-1)/q) != 1 for each prime q | p-1 = 2^27 * 3 * 5', () => {
    for (const q of [2n, 3n, 5n]) expect(powMod(31n, (Pn - 1n) / q)).not.toBe(1n);
    expect(powMod(31n, Pn - 1n)).toBe(1n);
  });

  it('TWO_ADIC_ROOT = 31^((p-1)/2^27) (BigInt oracle) and has order exactly 2^27', () => {
    expect(BigInt(F.TWO_ADIC_ROOT)).toBe(powMod(31n, (Pn - 1n) / 2n ** 27n));
    expect(F.powBig(F.TWO_ADIC_ROOT, 2n ** 27n)).toBe(1);
    expect(F.powBig(F.TWO_ADIC_ROOT, 2n ** 26n)).toBe(F.P - 1);
  });

  it('rootOfUnity(k) has order exactly 2^k for every k in 0..27', () => {
    for (let k = 0; k <= 27; k++) {
      const w = F.rootOfUnity(k);
      expect(BigInt(w)).toBe(powMod(BigInt(F.TWO_ADIC_ROOT), 2n ** BigInt(27 - k)));
      expect(F.pow(w, 2 ** k)).toBe(1);
      if (k > 0) expect(F.pow(w, 2 ** (k - 1))).toBe(F.P - 1);
    }
    expect(() => F.rootOfUnity(28)).toThrow(F.FieldError);
    expect(() => F.rootOfUnity(-1)).toThrow(F.FieldError);
  });
});

describe('BabyBear arithmetic against BigInt', () => {
  const xs = randomElements(3000);
  const ys = randomElements(3000).reverse();

  it('add, sub, neg, double, mul, square on random and boundary pairs', () => {
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i]!;
      const b = ys[i]!;
      const A = BigInt(a);
      const B = BigInt(b);
      expect(F.add(a, b)).toBe(Number(modn(A + B)));
      expect(F.sub(a, b)).toBe(Number(modn(A - B)));
      expect(F.neg(a)).toBe(Number(modn(-A)));
      expect(F.double(a)).toBe(Number(modn(2n * A)));
      expect(F.mul(a, b)).toBe(Number((A * B) % Pn));
      expect(F.square(a)).toBe(Number((A * A) % Pn));
      expect(F.mulByHint(a, b, F.mulHint(b))).toBe(Number((A * B) % Pn));
    }
  });

  it('mul on every pair of boundary values', () => {
    for (const a of EDGES) for (const b of EDGES) expect(F.mul(a, b)).toBe(Number((BigInt(a) * BigInt(b)) % Pn));
  });

  it('mul where the float quotient estimate is off by one (a*b within a few units of a multiple of p)', () => {
    // a*b = k p + r with tiny r or r close to p: the cases the Math.imul correction exists for.
    let checked = 0;
    for (let t = 0; t < 2000; t++) {
      const a = rng.nextField() | 1;
      const aInv = Number(powMod(BigInt(a), Pn - 2n));
      for (const r of [0, 1, 2, 1000, F.P - 1, F.P - 1000]) {
        const b = Number((BigInt(r) * BigInt(aInv)) % Pn); // a*b ≡ r
        expect(F.mul(a, b)).toBe(r);
        checked++;
      }
    }
    expect(checked).toBe(12000);
  });

  it('field laws: associativity, commutativity, distributivity, identities', () => {
    for (let i = 0; i + 2 < xs.length; i += 3) {
      const [a, b, c] = [xs[i]!, xs[i + 1]!, ys[i]!];
      expect(F.mul(F.mul(a, b), c)).toBe(F.mul(a, F.mul(b, c)));
      expect(F.mul(a, b)).toBe(F.mul(b, a));
      expect(F.mul(a, F.add(b, c))).toBe(F.add(F.mul(a, b), F.mul(a, c)));
      expect(F.add(F.add(a, b), c)).toBe(F.add(a, F.add(b, c)));
      expect(F.add(a, F.neg(a))).toBe(0);
      expect(F.mul(a, 1)).toBe(a);
      expect(F.sub(F.add(a, b), b)).toBe(a);
    }
  });

  it('pow and powBig agree with BigInt modpow', () => {
    for (let i = 0; i < 300; i++) {
      const a = xs[i]!;
      const e = rng.nextU32() * 2 ** 20 + rng.nextU32(); // up to ~2^52
      expect(F.pow(a, e)).toBe(Number(powMod(BigInt(a), BigInt(e))));
      const eb = (BigInt(rng.nextU32()) << 64n) | BigInt(rng.nextU32());
      expect(F.powBig(a, eb)).toBe(Number(powMod(BigInt(a), eb)));
    }
    expect(F.pow(0, 0)).toBe(1);
    expect(F.pow(5, 0)).toBe(1);
    expect(() => F.pow(2, -1)).toThrow(F.FieldError);
    expect(() => F.pow(2, 1.5)).toThrow(F.FieldError);
  });

  it('fromInt and fromBigInt reduce any integer', () => {
    expect(F.fromInt(-1)).toBe(F.P - 1);
    expect(Object.is(F.fromInt(-F.P), 0)).toBe(true);
    expect(F.fromInt(F.P)).toBe(0);
    expect(F.fromInt(Number.MAX_SAFE_INTEGER)).toBe(Number(BigInt(Number.MAX_SAFE_INTEGER) % Pn));
    expect(F.fromInt(-Number.MAX_SAFE_INTEGER)).toBe(Number(modn(-BigInt(Number.MAX_SAFE_INTEGER))));
    expect(F.fromBigInt(-(2n ** 100n))).toBe(Number(modn(-(2n ** 100n))));
    expect(() => F.fromInt(0.5)).toThrow(F.FieldError);
  });
});

describe('inversion', () => {
  it('inv(a) * a = 1 and matches a^(p-2) by BigInt', () => {
    for (const a of randomElements(500)) {
      if (a === 0) continue;
      const ai = F.inv(a);
      expect(F.mul(a, ai)).toBe(1);
      expect(BigInt(ai)).toBe(powMod(BigInt(a), Pn - 2n));
    }
    expect(F.div(6, 3)).toBe(2);
  });

  it('inv(0) throws a FieldError', () => {
    expect(() => F.inv(0)).toThrow(F.FieldError);
    expect(() => F.div(1, 0)).toThrow(/cannot invert zero/);
  });

  it('batchInverse agrees with inv elementwise', () => {
    const values = randomElements(2000).filter((v) => v !== 0);
    const out = F.batchInverse(values);
    expect(out.length).toBe(values.length);
    values.forEach((v, i) => expect(out[i]).toBe(F.inv(v)));
    expect(F.batchInverse([]).length).toBe(0);
    expect(Array.from(F.batchInverse([7]))).toEqual([F.inv(7)]);
    expect(Array.from(F.batchInverse(new Uint32Array([1, F.P - 1])))).toEqual([1, F.P - 1]);
  });

  it('batchInverse rejects a zero and names its position', () => {
    expect(() => F.batchInverse([3, 4, 0, 5])).toThrow(/element 2 is zero/);
    expect(() => F.batchInverse([0])).toThrow(F.FieldError);
  });
});

describe('canonical encoding', () => {
  it('round-trips 4-byte little-endian encodings', () => {
    for (const a of randomElements(500)) {
      const b = F.encode(a);
      expect(b.length).toBe(4);
      expect(b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! * 2 ** 24)).toBe(a);
      expect(F.decode(b)).toBe(a);
    }
    const v = new Uint32Array([0, 1, F.P - 1, 12345]);
    expect(Array.from(F.decodeVector(F.encodeVector(v)))).toEqual(Array.from(v));
  });

  it('rejects values >= p, short input and ragged vectors', () => {
    const enc = (x: number) => Uint8Array.of(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff);
    expect(() => F.decode(enc(F.P))).toThrow(/not canonical/);
    expect(() => F.decode(enc(0xffffffff))).toThrow(F.FieldError);
    expect(() => F.decode(enc(F.P + 12345))).toThrow(F.FieldError);
    expect(F.decode(enc(F.P - 1))).toBe(F.P - 1);
    expect(() => F.decode(new Uint8Array(3))).toThrow(/needs 4 bytes/);
    expect(() => F.decode(new Uint8Array(8), 5)).toThrow(F.FieldError);
    expect(() => F.decodeVector(new Uint8Array(6))).toThrow(/multiple of 4/);
    expect(() => F.decodeVector(F.encodeVector([1, 2]).map((b, i) => (i === 7 ? 0xff : b)))).toThrow(F.FieldError);
  });

  it('isCanonical', () => {
    expect(F.isCanonical(0)).toBe(true);
    expect(F.isCanonical(F.P - 1)).toBe(true);
    expect(F.isCanonical(F.P)).toBe(false);
    expect(F.isCanonical(-1)).toBe(false);
    expect(F.isCanonical(1.5)).toBe(false);
  });
});

describe('vector operations', () => {
  const n = 1000;
  const a = rng.fieldVector(n);
  const b = rng.fieldVector(n);
  a[0] = F.P - 1;
  b[0] = F.P - 1;

  it('vecAdd, vecSub, vecMul, vecScale, vecAddScaled, dot match the scalar operations', () => {
    const out = new Uint32Array(n);
    F.vecAdd(out, a, b);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.add(a[i]!, b[i]!));
    F.vecSub(out, a, b);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.sub(a[i]!, b[i]!));
    F.vecMul(out, a, b);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.mul(a[i]!, b[i]!));
    F.vecScale(out, a, F.P - 2);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(F.mul(a[i]!, F.P - 2));
    const acc = b.slice();
    F.vecAddScaled(acc, a, 12345);
    for (let i = 0; i < n; i++) expect(acc[i]).toBe(F.add(b[i]!, F.mul(a[i]!, 12345)));
    let d = 0n;
    for (let i = 0; i < n; i++) d += BigInt(a[i]!) * BigInt(b[i]!);
    expect(F.dot(a, b)).toBe(Number(d % Pn));
  });

  it('allows out to alias an input, and rejects length mismatches', () => {
    const c = a.slice();
    F.vecMul(c, c, c);
    for (let i = 0; i < n; i++) expect(c[i]).toBe(F.square(a[i]!));
    expect(() => F.vecAdd(new Uint32Array(3), a, b)).toThrow(F.FieldError);
  });

  it('powers', () => {
    expect(Array.from(F.powers(3, 5))).toEqual([1, 3, 9, 27, 81]);
    expect(F.powers(5, 0).length).toBe(0);
  });
});

describe('reduceWide (one reduction for a sum of products)', () => {
  it('reduces sums of up to 64 products exactly, including sums near multiples of p', () => {
    for (let t = 0; t < 3000; t++) {
      const k = 1 + (t % 64);
      let approx = 0;
      let lo = 0;
      let exact = 0n;
      for (let i = 0; i < k; i++) {
        const a = t % 7 === 0 ? F.P - 1 - (i % 3) : rng.nextField();
        const b = t % 5 === 0 ? F.P - 1 : rng.nextField();
        approx += a * b;
        lo = (lo + Math.imul(a, b)) | 0;
        exact += BigInt(a) * BigInt(b);
      }
      expect(F.reduceWide(approx, lo)).toBe(Number(exact % Pn));
    }
  });

  it('handles exact multiples of p and remainders p - 1', () => {
    for (let t = 0; t < 500; t++) {
      const a = rng.nextField() | 1;
      const b0 = rng.nextField();
      // a*b0 + 1*c ≡ r  with c chosen so the total is k p + r for r in {0, 1, p - 1}.
      for (const r of [0, 1, F.P - 1]) {
        const c = Number(modn(BigInt(r) - BigInt(a) * BigInt(b0)));
        const approx = a * b0 + c;
        const lo = Math.imul(a, b0) + c;
        expect(F.reduceWide(approx, lo)).toBe(r);
      }
    }
  });
});
