// The STARK prover reads the quotient domain's points from the PCS's committed extension (stark/prover.ts
// onQuotientDomain, ProverCommitment.extension): the extension is handed out only for the very matrix and
// randomiser committed, and every 2^d-th row of it is the polynomial extended onto the smaller coset directly
// (TypeScript and the native rowsEvery alike).
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../gpu/index.ts';
import { cosetLdeRandomized, tsBackend } from '../../runtime/proof/backends/index.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { Rng } from '../../runtime/proof/rng.ts';
import { DEFAULT_PCS_PARAMS, FriPcs } from '../../runtime/proof/pcs/index.ts';
import { SHIFT } from '../../runtime/proof/pcs/validate.ts';

const rng = Rng.fromSeed('test/proof/quotient-domain');

describe('the committed extension as the quotient domain', () => {
  const pcs = new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { allowInsecure: true });
  const m = new Matrix(rng.fieldVector(64 * 5), 5);
  const r = new Matrix(rng.fieldVector(3 * 5), 5);
  const plain = new Matrix(rng.fieldVector(16 * 2), 2);
  const c = pcs.commit([m, plain], rng, { randomizers: [r, null] });

  it('is handed out for the committed objects only', () => {
    const ext = c.extension(0, m, r)!;
    expect(ext.shift).toBe(SHIFT);
    expect(ext.lde.values).toEqual(cosetLdeRandomized(tsBackend, m, r, DEFAULT_PCS_PARAMS.logBlowup, SHIFT).values);
    expect(c.extension(1, plain, null)).not.toBeNull();
    expect(c.extension(0, new Matrix(m.values.slice(), 5), r)).toBeNull(); // equal values, another matrix
    expect(c.extension(0, m, new Matrix(r.values.slice(), 5))).toBeNull(); // another randomiser
    expect(c.extension(0, m, null)).toBeNull();
    expect(c.extension(2, m, r)).toBeNull();
    // commitLde commits extensions it cannot vouch for: none handed out.
    const lde = c.extension(0, m, r)!.lde;
    expect(pcs.commitLde([m], [lde], rng).extension(0, m, null)).toBeNull();
  });

  it('gives, every 2^d-th row, the polynomial on the coset with 2^d times fewer points', () => {
    const lde = c.extension(0, m, r)!.lde;
    for (const d of [0, 1, 2]) {
      const want = cosetLdeRandomized(tsBackend, m, r, DEFAULT_PCS_PARAMS.logBlowup - d, SHIFT).values;
      const every = Matrix.fromColumns(Array.from({ length: 5 }, (_, k) => lde.column(k).filter((_, i) => i % 2 ** d === 0)));
      expect(every.values).toEqual(want);
      const native = cpuBackend();
      if (native?.rowsEvery) expect(native.rowsEvery(lde, d).values).toEqual(want);
    }
  });
});
