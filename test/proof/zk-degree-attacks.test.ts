// Red team (zero knowledge by small randomisers): a cheating prover that commits polynomials of higher degree than
// the system's layout allows. Each attack keeps every opened value true and the constraint identity at ζ intact, so
// only the degree bound FRI enforces can catch it, and each must fail exactly there.
//
//   - a quotient whose chunks still recombine to q at every point (chunk 0 gains X^L·δ, chunk 1 loses δ) but whose
//     chunk 0 holds more coefficients than n + S_q: caught once it passes the bound FRI enforces, which is the final
//     polynomial's length times the folding above it (n + S_q rounded up to the folding, fri/schedule.ts), plus one
//     (FRI bounds the DEEP quotient (f − f(z))/(X − z), one degree below f; test/proof/fri-slack.test.ts);
//   - a trace column committed with a randomiser that runs past that bound.
// The commitments declare the system's slacks (the shapes the verifier derives), so the proofs reach FRI.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import type { Rng } from '../../runtime/proof/rng.ts';
import { buildSystem, zkLayout } from '../../runtime/proof/stark/system.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { friScheduleOf } from '../../runtime/proof/pcs/opening-plan.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, FriPcsCommitment } from '../../runtime/proof/pcs/index.ts';
import type { CommitOptions } from '../../runtime/proof/pcs/types.ts';
import * as X from '../fixtures/sample-airs.ts';

const params = { ...DEFAULT_PCS_PARAMS, numQueries: 8, powBits: 2 };
const LOG = 10;
const n = 2 ** LOG;
const traces = () => [X.squaresTrace(LOG, 9), X.consumerTrace(LOG, n, 9)];

/** The matrices a commit call receives, and its randomisers; returns the ones to commit instead. */
type Edit = (matrices: readonly Matrix[], randomizers: readonly (Matrix | null)[]) => { matrices: Matrix[]; randomizers: (Matrix | null)[] };

/**
 * A PCS whose `which`-th commit (0: main traces, 1: LogUp traces, 2: quotients) is edited, then declared with the
 * slacks of the unedited randomisers: what the verifier's layout expects.
 */
class CheatingPcs extends FriPcs {
  private calls = 0;
  constructor(
    private readonly which: number,
    private readonly edit: Edit,
  ) {
    super(params, { allowInsecure: true });
  }
  override commit(matrices: readonly Matrix[], rng: Rng, options: CommitOptions = {}): FriPcsCommitment {
    if (options.hiding === false || this.calls++ !== this.which) return super.commit(matrices, rng, options);
    const randomizers = options.randomizers ?? matrices.map(() => null);
    const declared = randomizers.map((r) => r?.height ?? 0);
    const edited = this.edit(matrices, randomizers);
    const c = super.commit(edited.matrices, rng, { ...options, randomizers: edited.randomizers });
    return new FriPcsCommitment({ ...c.shape, slacks: declared }, c.matrices, c.ldes, c.tree, c.logBlowup, c.exact, c.randomizers, c.maskLde);
  }
}

/** Column `col` of `m` plus `add` (row-wise). */
function addToColumn(m: Matrix, col: number, add: (row: number) => number): Matrix {
  const v = m.values.slice();
  for (let r = 0; r < m.height; r++) v[r * m.width + col] = F.add(v[r * m.width + col]!, add(r));
  return new Matrix(v, m.width);
}

/** `rows` rows of `m`'s width: m's rows, then zeros. */
function padRows(m: Matrix, rows: number): Matrix {
  const v = new Uint32Array(rows * m.width);
  v.set(m.values.subarray(0, Math.min(m.values.length, v.length)));
  return new Matrix(v, m.width);
}

/** Evaluates the polynomial with these coefficients (constant first) at x. */
function evalPoly(coeffs: readonly number[], x: number): number {
  let acc = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = F.add(F.mul(acc, x), coeffs[i]!);
  return acc;
}

// The traces are honest; the cheating is the PCS's. skipChecks: the prover's own check of the identity at ζ would
// refuse to hand out what the edited commitments open to, and the verifier is what is under test.
function attempt(pcs: CheatingPcs) {
  const system = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, true);
  const proof = prove(system, traces(), [9], { seed: 'zk-degree-attacks', skipChecks: true });
  return verify(system, [9], proof);
}

describe('red team: degrees above the zero-knowledge layout', () => {
  const honestSystem = buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs(params, { allowInsecure: true }), true);
  const z = zkLayout(honestSystem, 0, LOG);
  const e = z.chunkLength - n;
  // The coefficients FRI lets a polynomial of height n have: the final length times the folding above it, plus one.
  const heights = prove(honestSystem, traces(), [9], { seed: 'heights' }).logHeights;
  const schedule = friScheduleOf(params, commitLayouts(honestSystem, heights));
  const enforced = schedule.finalLen * 2 ** (LOG - schedule.logFinalDegree) + 1;

  it('the layout has what the attacks need: tables of the small randomiser, two quotient chunks or more', () => {
    expect(z.slack).toBeGreaterThan(0);
    expect(z.chunks).toBeGreaterThanOrEqual(2);
    expect(z.quotientSlack).toBe(e + z.rhoLength);
    // The quotient chunks are committed at the top height, whose slack they set; folding rounds it up.
    expect(schedule.logDegrees[0]).toBe(LOG);
    expect(enforced).toBeGreaterThan(n + z.quotientSlack);
    expect(enforced).toBeLessThanOrEqual(n + z.quotientSlack + 2 ** (LOG - schedule.logFinalDegree));
    // The honest prover through the same wrapper, editing nothing, verifies.
    expect(attempt(new CheatingPcs(2, (matrices, randomizers) => ({ matrices: [...matrices], randomizers: [...randomizers] })))).toEqual({ ok: true });
  });

  // chunk_0 += X^L·δ and chunk_1 −= δ leave Σ ζ^{iL}·chunk_i unchanged. On H_n, X^L·δ = X^e·δ·(Z_H + 1), so chunk 0's
  // evaluations gain X^e·δ and its randomiser (its coefficients above n, as Z_H·r) gains X^e·δ's coefficients.
  const shiftQuotient = (deltaLength: number, seed: number): Edit => (matrices, randomizers) => {
    const delta = Array.from({ length: deltaLength }, (_, i) => F.add(seed * 7919, i * 104729 + 1) % F.P);
    const shifted = [...Array(e).fill(0), ...delta];
    const omega = F.rootOfUnity(LOG);
    const q0 = matrices[0]!;
    let m = addToColumn(q0, 0, (r) => evalPoly(shifted, F.pow(omega, r)));
    m = addToColumn(m, 4, (r) => F.neg(evalPoly(delta, F.pow(omega, r))));
    const r0 = randomizers[0]!;
    const rows = Math.max(r0.height, shifted.length);
    const rnd = addToColumn(padRows(r0, rows), 0, (r) => shifted[r] ?? 0);
    return { matrices: [m, ...matrices.slice(1)], randomizers: [rnd, ...randomizers.slice(1)] };
  };

  it('accepts a re-split quotient within the enforced bound (the ρ re-randomisation is such a split)', () => {
    // δ as long as it can be: chunk 0 has exactly the coefficients FRI enforces (n + e + |δ| = enforced).
    expect(attempt(new CheatingPcs(2, shiftQuotient(enforced - n - e, 1)))).toEqual({ ok: true });
  });

  it('rejects a quotient chunk one coefficient above the enforced bound, though the chunks still recombine to q', () => {
    for (const seed of [2, 3]) {
      const v = attempt(new CheatingPcs(2, shiftQuotient(enforced - n - e + 1, seed)));
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.error).toMatch(/opening proof rejected: fri: query/);
    }
  });

  // A main-trace column committed as t + Z_H·r with r longer than declared: t is unchanged on H_n (the trace
  // satisfies the constraints), but the quotient the prover computed is for the declared r, so make r's extra
  // coefficients reach one past the enforced bound: FRI must reject before the out-of-domain check is reached.
  it('rejects a trace column whose randomiser runs past the enforced bound', () => {
    const extra = enforced - n + 1;
    const v = attempt(
      new CheatingPcs(0, (matrices, randomizers) => {
        const r0 = randomizers[0]!;
        const longer = addToColumn(padRows(r0, extra), 0, (r) => (r >= r0.height ? 12345 + r : 0));
        return { matrices: [...matrices], randomizers: [longer, ...randomizers.slice(1)] };
      }),
    );
    expect(v.ok).toBe(false);
    // The PCS is checked before the constraints: FRI is what rejects it.
    if (!v.ok) expect(v.error).toMatch(/opening proof rejected: fri: query/);
  });
});
