// The STARK prover reads the quotient domain's points from the PCS's committed extension (stark/prover.ts
// onQuotientDomain, ProverCommitment.extension): the extension is handed out only for the very matrix and
// randomiser committed, and every 2^d-th row of it is the polynomial extended onto the smaller coset directly
// (TypeScript and native alike). The constraint evaluators read those rows in place, with a step
// (air/eval.ts InputMatrix): the same values as from a copy of every 2^d-th row, next rows wrapping around included.
import { describe, expect, it } from 'vitest';
import { compileConstraints, cosetSelectors, denseInputs, evaluateRows, type InputMatrix, type VectorInputs } from '../../runtime/proof/air/eval.ts';
import { Expr } from '../../runtime/proof/air/expr.ts';
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
    }
  });
});

describe('the evaluators read a committed extension with a step', () => {
  const main = (col: number, next = false) => new Expr({ op: 'main', col, next });
  const aux = (col: number, next = false) => new Expr({ op: 'aux', col, next });
  // Base and extension roots reading the current and the next row of both matrices (the next of the last row is row 0).
  const roots = [
    main(0).mul(main(2, true)).sub(main(1)),
    new Expr({ op: 'isTransition' }).mul(main(1, true).sub(main(0))),
    aux(1).mul(main(2)).add(aux(0, true)),
    aux(1, true).mul(new Expr({ op: 'challenge', index: 0 })).sub(aux(0)).mul(new Expr({ op: 'isFirstRow' })),
  ];
  const baseRoots = roots.slice(0, 2);
  const logN = 4;
  const logQ = 7;
  // Every 2^d-th row of a matrix, as a copy: what onQuotientDomain used to hand the evaluators.
  const every = (m: Matrix, d: number): Matrix => new Matrix(m.values.filter((_, i) => Math.floor(i / m.width) % 2 ** d === 0), m.width);
  for (const d of [1, 3]) {
    const big = new Matrix(rng.fieldVector((3 << (logQ + d)) ), 3);
    const bigAux = new Matrix(rng.fieldVector((8 << (logQ + d))), 8);
    const inputs = (m: InputMatrix, a: InputMatrix): VectorInputs => ({
      height: 1 << logQ,
      nextOffset: 1 << (logQ - logN),
      main: m,
      pre: null,
      aux: a,
      selectors: cosetSelectors(logQ, logN, SHIFT),
      publics: [],
      challenges: [[5, 6, 7, 8]],
      sumPerRow: [0, 0, 0, 0],
    });
    const copied = inputs(every(big, d), { values: every(bigAux, d).values, width: 2 });
    const strided = inputs({ values: big.values, width: 3, step: 2 ** d }, { values: bigAux.values, width: 2, step: 2 ** d });
    it(`gives the values of the copied rows (step 2^${d}): the TypeScript reference and the native interpreter`, () => {
      // What the CUDA backend uploads in place of the stepped matrices: exactly the copied rows.
      const dense = denseInputs(strided);
      for (const k of ['main', 'aux'] as const) expect({ values: dense[k]!.values, width: dense[k]!.width, step: dense[k]!.step }).toEqual({ values: copied[k]!.values, width: copied[k]!.width, step: undefined });
      expect(denseInputs(copied).main).toBe(copied.main); // already dense: passed through, not copied
      const want = evaluateRows(roots, copied, 0, 1 << logQ).map((v) => Array.from(v.data));
      expect(evaluateRows(roots, strided, 0, 1 << logQ).map((v) => Array.from(v.data))).toEqual(want);
      const native = cpuBackend();
      if (!native?.evaluateQuotient || !native.evaluateBaseRows) return;
      const gammas = Uint32Array.from(rng.fieldVector(4 * roots.length));
      const zInv = Uint32Array.from(rng.fieldVector(1 << (logQ - logN)));
      const program = compileConstraints(roots);
      expect(Array.from(native.evaluateQuotient(program, strided, gammas, zInv))).toEqual(Array.from(native.evaluateQuotient(program, copied, gammas, zInv)));
      const base = compileConstraints(baseRoots);
      expect(native.evaluateBaseRows(base, strided).map((v) => Array.from(v))).toEqual(want.slice(0, 2));
    });
  }
});
