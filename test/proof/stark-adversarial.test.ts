// Adversarial tests of the whole STARK (FRI PCS, zero knowledge on): tampered bytes in every section of an encoded
// proof, truncated and extended encodings, proofs replayed against other statements, cheating provers, and the
// zero-knowledge claim.
import { describe, expect, it } from 'vitest';
import * as F from '../../runtime/proof/field/babybear.ts';
import { buildSystem, nextRowColumns } from '../../runtime/proof/stark/system.ts';
import { commitLayouts } from '../../runtime/proof/stark/protocol.ts';
import { prove, type StarkProof } from '../../runtime/proof/stark/prover.ts';
import { verify } from '../../runtime/proof/stark/verifier.ts';
import { decodeStarkProof, encodeStarkProof } from '../../runtime/proof/stark/codec.ts';
import * as X from '../fixtures/sample-airs.ts';
import { DEFAULT_PCS_PARAMS, FriPcs, decodeFriPcsProof, encodeFriPcsProof, type FriPcsProof } from '../../runtime/proof/pcs/index.ts';
import type { StarkSystem } from '../../runtime/proof/stark/system.ts';

const securePcs = new FriPcs(DEFAULT_PCS_PARAMS);
// Two queries at rate 1/2: far too weak to deploy, small enough to flip every byte of a proof in a test.
const tinyPcs = new FriPcs({ ...DEFAULT_PCS_PARAMS, numQueries: 2, logBlowup: 1, powBits: 0 }, { allowInsecure: true });

function busSystem(pcs: FriPcs) {
  return buildSystem('bus', [{ air: X.squaresAir }, { air: X.consumerAir }], pcs, true);
}

function encode(proof: StarkProof<FriPcsProof>): Uint8Array {
  return encodeStarkProof(proof, encodeFriPcsProof);
}

/** Decodes and verifies; any failure is a rejection, and neither step may throw. */
function accepts(system: StarkSystem<FriPcsProof>, publics: number[], bytes: Uint8Array): boolean {
  const decoded = decodeStarkProof(bytes, system, (b, layouts) => decodeFriPcsProof(b, system.pcs.params, layouts));
  if (!decoded.ok) return false;
  return verify(system, publics, decoded.value).ok;
}

describe('tampered encodings', () => {
  it('rejects a flipped bit in every byte of a small proof', () => {
    const system = busSystem(tinyPcs);
    const bytes = encode(prove(system, [X.squaresTrace(3, 17), X.consumerTrace(5, 8, 17)], [17], { seed: 'sweep' }));
    expect(accepts(system, [17], bytes)).toBe(true);
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const t = bytes.slice();
      t[i] = t[i]! ^ (1 << i % 8);
      if (accepts(system, [17], t)) accepted.push(i);
    }
    expect(accepted).toEqual([]);
  });

  it('rejects flipped bytes at sampled positions of a full-strength proof', () => {
    const system = busSystem(securePcs);
    const bytes = encode(prove(system, [X.squaresTrace(3, 5), X.consumerTrace(5, 8, 5)], [5], { seed: 'sampled' }));
    expect(accepts(system, [5], bytes)).toBe(true);
    let state = 12345;
    for (let k = 0; k < 600; k++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const i = state % bytes.length;
      const t = bytes.slice();
      t[i] = t[i]! ^ 0x80;
      expect(accepts(system, [5], t), `byte ${i}`).toBe(false);
    }
  });

  it('rejects truncated and extended encodings with an error, not an exception', () => {
    const system = busSystem(tinyPcs);
    const bytes = encode(prove(system, [X.squaresTrace(3, 2), X.consumerTrace(5, 8, 2)], [2], { seed: 'trunc' }));
    for (let len = 0; len < bytes.length; len += Math.max(1, Math.floor(len / 8))) {
      const d = decodeStarkProof(bytes.subarray(0, len), system, (b, l) => decodeFriPcsProof(b, system.pcs.params, l));
      expect(d.ok, `length ${len}`).toBe(false);
    }
    for (const extra of [[0], [1, 2, 3], new Array(100).fill(255)]) {
      const longer = Uint8Array.from([...bytes, ...extra]);
      expect(accepts(system, [2], longer)).toBe(false);
    }
  });
});

describe('replayed proofs', () => {
  it('rejects a proof with other public inputs or under another system', () => {
    const system = busSystem(securePcs);
    const proof = prove(system, [X.squaresTrace(3, 9), X.consumerTrace(5, 8, 9)], [9], { seed: 'replay' });
    expect(verify(system, [9], proof).ok).toBe(true);
    expect(verify(system, [10], proof).ok).toBe(false);
    const renamed = buildSystem('bus-v2', [{ air: X.squaresAir }, { air: X.consumerAir }], securePcs, true);
    expect(verify(renamed, [9], proof).ok).toBe(false);
  });

  it('rejects openings swapped between two proofs of the same statement', () => {
    const system = busSystem(securePcs);
    const traces = [X.squaresTrace(3, 4), X.consumerTrace(5, 8, 4)];
    const a = prove(system, traces, [4], { seed: 'a' });
    const b = prove(system, traces, [4], { seed: 'b' });
    expect(verify(system, [4], { ...a, pcsProof: b.pcsProof }).ok).toBe(false);
    expect(verify(system, [4], { ...a, values: b.values }).ok).toBe(false);
    expect(verify(system, [4], { ...a, quotientRoot: b.quotientRoot }).ok).toBe(false);
    expect(verify(system, [4], { ...a, mainRoot: b.mainRoot }).ok).toBe(false);
    expect(verify(system, [4], { ...a, auxRoot: b.auxRoot }).ok).toBe(false);
  });
});

describe('next-row openings', () => {
  it('opens ω·ζ only for the columns the constraints read there, and a changed next-row value is rejected', () => {
    const system = buildSystem('fib', [{ air: X.fibonacciAir }], securePcs, true);
    const { trace, publics } = X.fibonacciTrace(4);
    const info = system.tables[0]!;
    expect(info.nextColumns.main.length).toBeGreaterThan(0);
    const proof = prove(system, [trace], publics, { seed: 'next' });
    expect(verify(system, publics, proof)).toEqual({ ok: true });
    const layouts = commitLayouts(system, proof.logHeights);
    const main = layouts.findIndex((l) => l.kind === 'main');
    const atNext = proof.values[main]![0]![1]!;
    expect(atNext.length).toBe(layouts[main]!.columns[0]![1]?.length ?? info.analyzed.air.width);
    // The quotient chunks are opened at ζ only.
    expect(layouts.find((l) => l.kind === 'quotient')!.points.every((p) => p === 1)).toBe(true);
    const bump = (v: (typeof atNext)[number]): typeof v => [F.add(v[0], 1), v[1], v[2], v[3]];
    const tampered = proof.values.map((c, k) => c.map((m, i) => m.map((p, j) => (k === main && i === 0 && j === 1 ? [bump(p[0]!), ...p.slice(1)] : p))));
    expect(verify(system, publics, { ...proof, values: tampered }).ok).toBe(false);
    // A proof carrying every column at ω·ζ (the old layout) is malformed, not accepted.
    const padded = proof.values.map((c, k) => c.map((m, i) => m.map((p, j) => (k === main && i === 0 && j === 1 ? [...p, ...p] : p))));
    expect(verify(system, publics, { ...proof, values: padded }).ok).toBe(false);
    const bytes = encode(proof);
    expect(accepts(system, publics, bytes)).toBe(true);
  });

  it('opens a strict subset of a trace at ω·ζ (squares reads column 0 there, the consumer nothing); a changed or extra next-row value is rejected', () => {
    const system = busSystem(securePcs);
    const proof = prove(system, [X.squaresTrace(3, 17), X.consumerTrace(5, 8, 17)], [17], { seed: 'next-subset' });
    expect(verify(system, [17], proof)).toEqual({ ok: true });
    const layouts = commitLayouts(system, proof.logHeights);
    const main = layouts.findIndex((l) => l.kind === 'main');
    expect(layouts[main]!.columns).toEqual([[null, [0]], [null], [null]]); // and zk's blinding collector
    expect(proof.values[main]![0]![1]!.length).toBe(1);
    const at = (k: number, i: number, j: number, f: (p: (typeof proof.values)[number][number][number]) => typeof p) =>
      proof.values.map((c, kk) => c.map((m, ii) => m.map((p, jj) => (kk === k && ii === i && jj === j ? f(p) : p))));
    const bump = (p: (typeof proof.values)[number][number][number]) => [[F.add(p[0]![0], 1), p[0]![1], p[0]![2], p[0]![3]] as typeof p[number], ...p.slice(1)];
    expect(verify(system, [17], { ...proof, values: at(main, 0, 1, bump) }).ok).toBe(false);
    // Column 1's value at ω·ζ added (every column, as if nothing were subset), or column 0's given twice.
    expect(verify(system, [17], { ...proof, values: at(main, 0, 1, (p) => [...p, proof.values[main]![0]![0]![1]!]) }).ok).toBe(false);
    expect(verify(system, [17], { ...proof, values: at(main, 0, 1, (p) => [...p, ...p]) }).ok).toBe(false);
    // The consumer's main trace is opened at ζ only: a value at ω·ζ for it is malformed.
    expect(verify(system, [17], { ...proof, values: at(main, 1, 0, (p) => p).map((c, k) => (k === main ? c.map((m, i) => (i === 1 ? [...m, m[0]!] : m)) : c)) }).ok).toBe(false);
  });

  it('finds the next-row columns of an expression', () => {
    const system = buildSystem('fib', [{ air: X.fibonacciAir }], securePcs, false);
    const cols = nextRowColumns(system.tables[0]!.constraints.map((c) => c.expr));
    expect(cols.pre).toEqual([]);
    expect(cols.aux).toEqual([]);
    expect(cols.main).toEqual([0, 1]);
  });
});

describe('cheating provers', () => {
  it('cannot prove a trace with one wrong cell', () => {
    const system = buildSystem('fib', [{ air: X.fibonacciAir }], securePcs, true);
    for (const [row, col] of [
      [0, 0],
      [5, 1],
      [15, 1],
    ] as const) {
      const { trace, publics } = X.fibonacciTrace(4);
      trace.set(row, col, F.add(trace.get(row, col), 1));
      const proof = prove(system, [trace], publics, { seed: `cell${row}`, skipChecks: true });
      expect(verify(system, publics, proof).ok).toBe(false);
    }
  });

  it('cannot drop one bus message', () => {
    const system = busSystem(securePcs);
    const consumer = X.consumerTrace(5, 8, 6);
    consumer.set(3, 2, 0);
    const proof = prove(system, [X.squaresTrace(3, 6), consumer], [6], { seed: 'drop', skipChecks: true });
    expect(verify(system, [6], proof).ok).toBe(false);
  });

  it('cannot range-check a value that does not fit', () => {
    const system = buildSystem('u16', [{ air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }], securePcs, true);
    // x = 70000 split as lo = 70000 − 256·hi with hi = 273 > 255: the constraint holds, the lookup must fail.
    const values = [1, 2, 3, 4, 5, 6, 7, 70000];
    const rows = values.map((x) => (x < 65536 ? [x, x & 0xff, x >>> 8] : [x, x - 256 * 273, 273]));
    const trace = X.u16Trace(values);
    rows.forEach((r, i) => r.forEach((v, c) => trace.set(i, c, v)));
    const bytes = X.byteTable.trace(rows.flatMap((r) => [r[1]!, Math.min(r[2]!, 255)]));
    expect(() => prove(system, [trace, bytes], [])).toThrow(/unbalanced/);
    const proof = prove(system, [trace, bytes], [], { seed: 'range', skipChecks: true });
    expect(verify(system, [], proof).ok).toBe(false);
  });
});

describe('zero knowledge', () => {
  // Two witnesses with the same public total: the proofs must not tell them apart.
  const n = 64;
  const witnessA = Array.from({ length: n }, (_, i) => 0x1234567 + 0x10001 * i);
  const witnessB = (() => {
    const b = witnessA.map((x, i) => (i % 2 === 0 ? F.add(x, 0x777) : F.sub(x, 0x777)));
    return b;
  })();
  const system = buildSystem('private-sum', [{ air: X.privateSumAir }], securePcs, true);

  it('the two witnesses prove the same statement', () => {
    const a = X.privateSumTrace(witnessA);
    const b = X.privateSumTrace(witnessB);
    expect(a.publics).toEqual(b.publics);
    expect(verify(system, a.publics, prove(system, [b.trace], b.publics, { seed: 'b' })).ok).toBe(true);
  });

  it('no witness value appears in clear in a proof', () => {
    const { trace, publics } = X.privateSumTrace(witnessA);
    const bytes = encode(prove(system, [trace], publics, { seed: 'clear' }));
    const find = (haystack: Uint8Array, v: number) => {
      const needle = F.encode(v);
      outer: for (let i = 0; i + 4 <= haystack.length; i++) {
        for (let k = 0; k < 4; k++) if (haystack[i + k] !== needle[k]) continue outer;
        return true;
      }
      return false;
    };
    // The search itself works: every value is found in the trace's own encoding.
    const traceBytes = F.encodeVector(trace.values);
    expect(witnessA.every((v) => find(traceBytes, v))).toBe(true);
    const found = [...trace.values].filter((v) => v !== publics[0] && find(bytes, v));
    expect(found).toEqual([]);
  });

  it('opened values show no difference between the witnesses', () => {
    // Low bits of every opened value across several proofs per witness: a chi-square test of the two samples'
    // distributions over 16 buckets must not separate them (threshold: p < 0.001 for 15 degrees of freedom).
    const sample = (witness: number[], tag: string) => {
      const { trace, publics } = X.privateSumTrace(witness);
      const counts = new Array(16).fill(0);
      for (let s = 0; s < 12; s++) {
        const proof = prove(system, [trace], publics, { seed: `${tag}${s}` });
        for (const c of proof.values) for (const m of c) for (const p of m) for (const v of p) for (const x of v) counts[x & 15]++;
        for (const o of proof.pcsProof.inputOpenings) if (o) for (const group of o.rows) for (const row of group) for (const x of row) counts[x & 15]++;
      }
      return counts;
    };
    const a = sample(witnessA, 'A');
    const b = sample(witnessB, 'B');
    expect(chiSquare(a, b)).toBeLessThan(37.7);
    // The statistic does separate distributions that differ: the proof's values against raw, skewed cells.
    const skewed = new Array(16).fill(0);
    for (const x of X.privateSumTrace(witnessA.map(() => 3)).trace.values) skewed[x & 15]++;
    expect(chiSquare(a, skewed)).toBeGreaterThan(37.7);
  });
});

/** Pearson's chi-square statistic of two samples' bucket counts against their pooled distribution. */
function chiSquare(a: readonly number[], b: readonly number[]): number {
  const totalA = a.reduce((x, y) => x + y, 0);
  const totalB = b.reduce((x, y) => x + y, 0);
  let chi2 = 0;
  for (let k = 0; k < a.length; k++) {
    const pooled = (a[k]! + b[k]!) / (totalA + totalB);
    if (pooled === 0) continue;
    chi2 += (a[k]! - pooled * totalA) ** 2 / (pooled * totalA) + (b[k]! - pooled * totalB) ** 2 / (pooled * totalB);
  }
  return chi2;
}
