// The quartic extension F_p[X]/(X^4 - 11): irreducibility (two independent arguments), products against a BigInt
// polynomial oracle, field laws, inversion, Frobenius and norm, encoding, packed forms.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { Pn, modn, polyGcd, polyMod, polyMul, polyPowMod, polySub, powMod, type Poly } from './oracle.ts';

const rng = Rng.fromSeed('test/proof/extension');

function randomExt(): E.Ext {
  return [rng.nextField(), rng.nextField(), rng.nextField(), rng.nextField()];
}

const MODULUS: Poly = [modn(-11n), 0n, 0n, 0n, 1n]; // X^4 - 11

/** The product in F_p[X]/(X^4 - 11) computed with BigInt polynomials. */
function oracleMul(a: E.Ext, b: E.Ext): E.Ext {
  const r = polyMod(polyMul(a.map(BigInt), b.map(BigInt)), MODULUS);
  return [0, 1, 2, 3].map((i) => Number(r[i] ?? 0n)) as unknown as E.Ext;
}

const SAMPLES: E.Ext[] = [E.ZERO, E.ONE, E.X, [F.P - 1, F.P - 1, F.P - 1, F.P - 1], [0, 0, 0, 1], [5, 0, 0, 0], ...Array.from({ length: 400 }, randomExt)];

describe('X^4 - 11 is irreducible over BabyBear', () => {
  it("11 is a quadratic non-residue (Euler's criterion), so Lidl-Niederreiter Thm 3.75 applies with p ≡ 1 mod 4", () => {
    expect(powMod(11n, (Pn - 1n) / 2n)).toBe(Pn - 1n);
    expect(Pn % 4n).toBe(1n);
  });

  it("passes Rabin's test: X^(p^4) ≡ X mod f and gcd(X^(p^2) - X, f) = 1", () => {
    const x: Poly = [0n, 1n];
    expect(polyPowMod(x, Pn ** 4n, MODULUS)).toEqual(x);
    const xp2 = polyPowMod(x, Pn ** 2n, MODULUS);
    expect(polyGcd(polySub(xp2, x), MODULUS)).toEqual([1n]);
  });

  it("DTH_ROOT = 11^((p-1)/4) = 1728404513 (Plonky3's constant), a primitive 4th root of unity", () => {
    expect(E.DTH_ROOT).toBe(1728404513);
    expect(BigInt(E.DTH_ROOT)).toBe(powMod(11n, (Pn - 1n) / 4n));
    expect(F.pow(E.DTH_ROOT, 2)).toBe(F.P - 1);
  });
});

describe('extension arithmetic', () => {
  it('mul agrees with the BigInt polynomial oracle', () => {
    for (let i = 0; i + 1 < SAMPLES.length; i++) expect(E.mul(SAMPLES[i]!, SAMPLES[i + 1]!)).toEqual(oracleMul(SAMPLES[i]!, SAMPLES[i + 1]!));
    expect(E.mul(E.X, E.mul(E.X, E.mul(E.X, E.X)))).toEqual([11, 0, 0, 0]);
  });

  it('square = mul(a, a); add/sub/neg/mulBase coefficientwise', () => {
    for (const a of SAMPLES) {
      expect(E.square(a)).toEqual(E.mul(a, a));
      expect(E.add(a, E.neg(a))).toEqual(E.ZERO);
      expect(E.sub(E.add(a, E.ONE), E.ONE)).toEqual(a);
      expect(E.mulBase(a, 7)).toEqual(E.mul(a, E.fromBase(7)));
      expect(E.addBase(a, 9)).toEqual(E.add(a, E.fromBase(9)));
    }
  });

  it('field laws on random triples', () => {
    for (let i = 0; i < 300; i++) {
      const [a, b, c] = [randomExt(), randomExt(), randomExt()];
      expect(E.mul(E.mul(a, b), c)).toEqual(E.mul(a, E.mul(b, c)));
      expect(E.mul(a, b)).toEqual(E.mul(b, a));
      expect(E.mul(a, E.add(b, c))).toEqual(E.add(E.mul(a, b), E.mul(a, c)));
      expect(E.mul(a, E.ONE)).toEqual(a);
    }
  });

  it('inv(a) * a = 1, div, and inv(0) throws', () => {
    for (const a of SAMPLES) {
      if (E.isZero(a)) continue;
      expect(E.mul(a, E.inv(a))).toEqual(E.ONE);
    }
    const [a, b] = [randomExt(), randomExt()];
    expect(E.mul(E.div(a, b), b)).toEqual(a);
    expect(() => E.inv(E.ZERO)).toThrow(F.FieldError);
    // Elements of the intermediate field F_{p^2} = F_p(X^2) and of F_p are inverted correctly too.
    for (const s of [[3, 0, 7, 0], [0, 5, 0, 0], [0, 0, 0, 9], [F.P - 1, 0, 0, 0]] as E.Ext[]) expect(E.mul(s, E.inv(s))).toEqual(E.ONE);
  });

  it('pow matches repeated multiplication, and a^(p^4 - 1) = 1', () => {
    const a = randomExt();
    let acc: E.Ext = E.ONE;
    for (let e = 0; e < 40; e++) {
      expect(E.pow(a, e)).toEqual(acc);
      acc = E.mul(acc, a);
    }
    for (let i = 0; i < 5; i++) expect(E.pow(randomExt(), Pn ** 4n - 1n)).toEqual(E.ONE);
    expect(() => E.pow(a, -1)).toThrow(F.FieldError);
  });

  it('frobenius(a, k) = a^(p^k); frobenius^4 is the identity; it fixes the base field', () => {
    for (let i = 0; i < 10; i++) {
      const a = randomExt();
      for (let k = 0; k < 4; k++) expect(E.frobenius(a, k)).toEqual(E.pow(a, Pn ** BigInt(k)));
      expect(E.frobenius(E.frobenius(E.frobenius(E.frobenius(a))))).toEqual(a);
      expect(E.frobenius(E.mul(a, a))).toEqual(E.mul(E.frobenius(a), E.frobenius(a)));
    }
    expect(E.frobenius([12345, 0, 0, 0])).toEqual([12345, 0, 0, 0]);
  });

  it('the norm lies in F_p, is multiplicative and nonzero off zero', () => {
    for (let i = 0; i < 20; i++) {
      const [a, b] = [randomExt(), randomExt()];
      const full = E.mul(E.mul(a, E.frobenius(a, 1)), E.mul(E.frobenius(a, 2), E.frobenius(a, 3)));
      expect(E.isBase(full)).toBe(true);
      expect(E.norm(a)).toBe(full[0]);
      expect(E.norm(E.mul(a, b))).toBe(F.mul(E.norm(a), E.norm(b)));
      expect(E.norm(a)).not.toBe(0);
    }
  });

  it('batchInverse agrees with inv and rejects zero', () => {
    const xs = Array.from({ length: 50 }, randomExt);
    const inv = E.batchInverse(xs);
    xs.forEach((x, i) => expect(inv[i]).toEqual(E.inv(x)));
    expect(() => E.batchInverse([E.ONE, E.ZERO])).toThrow(/extension element 1 is zero/);
  });

  it('evalBasePoly agrees with Horner in the extension', () => {
    const coeffs = rng.fieldVector(17);
    const x = randomExt();
    let acc: E.Ext = E.ZERO;
    let xp: E.Ext = E.ONE;
    for (const c of coeffs) {
      acc = E.add(acc, E.mulBase(xp, c));
      xp = E.mul(xp, x);
    }
    expect(E.evalBasePoly(coeffs, x)).toEqual(acc);
  });

  it('packed mulInto/addInto agree with mul/add', () => {
    const n = 20;
    const a = rng.fieldVector(4 * n);
    const b = rng.fieldVector(4 * n);
    const out = new Uint32Array(4 * n);
    for (let i = 0; i < n; i++) {
      E.mulInto(out, i, a, i, b, n - 1 - i);
      expect(E.load(out, i)).toEqual(E.mul(E.load(a, i), E.load(b, n - 1 - i)));
      E.addInto(out, i, a, i, b, i);
      expect(E.load(out, i)).toEqual(E.add(E.load(a, i), E.load(b, i)));
    }
    const v = new Uint32Array(8);
    E.store(v, 1, [1, 2, 3, 4]);
    expect(Array.from(v)).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('ext() rejects non-canonical coefficients', () => {
    expect(E.ext(1, 2, 3, 4)).toEqual([1, 2, 3, 4]);
    expect(() => E.ext(F.P, 0, 0, 0)).toThrow(F.FieldError);
    expect(() => E.ext(0, -1, 0, 0)).toThrow(F.FieldError);
  });
});

describe('extension encoding', () => {
  it('round-trips 16-byte encodings, coefficient 0 first', () => {
    for (const a of SAMPLES.slice(0, 50)) expect(E.decode(E.encode(a))).toEqual(a);
    expect(Array.from(E.encode([1, 2, 3, 4]))).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
  });

  it('rejects short input and any non-canonical coefficient', () => {
    expect(() => E.decode(new Uint8Array(15))).toThrow(/needs 16 bytes/);
    for (let k = 0; k < 4; k++) {
      const bytes = E.encode([1, 2, 3, 4]);
      bytes.set(F.encode(F.P - 1), 4 * k);
      expect(() => E.decode(bytes)).not.toThrow();
      bytes[4 * k + 3] = 0xff;
      expect(() => E.decode(bytes)).toThrow(F.FieldError);
    }
  });
});
