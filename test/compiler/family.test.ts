// A family of products in one `verify` clause (`verify NAME[l in FROM..TO] { a: step.x[l] … draws: d }`): the
// checker's codes for a malformed family, and in the machine, d members drawn per step from every member's roots
// (runtime/run/sampling.ts drawMembers, compiler/family.ts), each checked as a single product: an honest step
// passes in both orders, a deviation in a drawn member fails naming the member, one in a member not drawn is
// not seen, and openings of another member than the drawn one do not open.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import type { RunValue } from '../../compiler/witness.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { commitMatrix, type MatrixCommitment } from '../../runtime/run/tensor-commit.ts';
import { drawMembers } from '../../runtime/run/sampling.ts';
import { memberField } from '../../runtime/run/format.ts';
import { bf16Dot, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { bf16MmaDotPadded } from '../../runtime/fp/mma.ts';
import { computeCheckCost } from '../../compiler/check-cost.ts';
import { executionCounts } from '../../runtime/vm/costs.ts';
import { familyAssurance, familyRedrawBits, familyRunMiss } from '../../runtime/policy/family-assurance.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-family-'));
let files = 0;
function compile(head: string, settings: string, fields = 'x: [digest; 3]\n w: [digest; 3]\n h: [digest; 3]'): CompileResult {
  const path = join(dir, `p${files++}.zpol`);
  const body = settings.includes('a:') ? settings : `a: step.x[l]\n b: step.w[l]\n c: step.h[l]\n${settings}`;
  writeFileSync(path, `policy p version 1\nspec { m: int }\nstep { ${fields} }\nverify ${head} "layers" {\n ${body}\n dims: [4, 16, 8]\n tau: 1e-1\n f: 50%\n grinding: 8\n rounding: bf16\n}\n`);
  return compileFile(path);
}
const codes = (r: CompileResult) => (r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message}`));

describe('a verify family in the language', () => {
  it('compiles to a check with its members and draws in the artifact', () => {
    const r = compile('up[l in 0..3]', 'order: sequential\n draws: 2');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.compiled.verifies[0]).toMatchObject({ name: 'up', a: 'x', b: 'w', c: 'h', family: { variable: 'l', from: 0, to: 3, draws: 2 } });
  });

  it('refuses a malformed family, with codes', () => {
    expect(codes(compile('up[l in 0..3]', 'order: sequential'))).toEqual([expect.stringMatching(/^ZP2014 verify 'up' is a family of products and is missing 'draws'/)]);
    expect(codes(compile('up[l in 0..3]', 'order: sequential\n draws: 4'))).toEqual([expect.stringMatching(/^ZP5006 'draws' is 4; it must lie in \[1, 3\] \(the family has 3 members\)/)]);
    expect(codes(compile('up[l in 0..3]', 'order: sequential\n draws: 1.5'))).toEqual([expect.stringMatching(/^ZP5001 'draws' must be a constant whole number/)]);
    expect(codes(compile('up[l in 2..2]', 'order: sequential\n draws: 1'))).toEqual([expect.stringMatching(/^ZP5002 verify 'up' has no members: 2\.\.2 is empty/)]);
    expect(codes(compile('up[l in 0..4]', 'order: sequential\n draws: 1')).join('\n')).toMatch(/ZP5006 step\.x has 3 elements; the family's members run to 3/);
    const single = compile('up', 'a: step.x\n b: step.w\n c: step.h\n order: sequential\n draws: 1', 'x: digest\n w: digest\n h: digest');
    expect(codes(single)).toEqual([expect.stringMatching(/^ZP2014 'draws' is a family's setting: verify 'up' checks one product/)]);
    const notIndexed = compile('up[l in 0..3]', 'a: step.x[0]\n b: step.w[l]\n c: step.h[l]\n order: sequential\n draws: 1');
    expect(codes(notIndexed)).toEqual([expect.stringMatching(/^ZP2014 'a' of the family verify 'up' must be step\.NAME\[l\]/)]);
  });
});

describe('the cost and assurance of a family', () => {
  it.each([
    [1, 1, 'sequential'],
    [3, 1, 'sequential'],
    [3, 2, 'tensor_core'],
    [5, 3, 'sequential'],
  ] as const)('%i members, %i draws, %s: the compiled clause has exactly the modelled instructions, run as modelled', (L, d, order) => {
    const r = compile(`up[l in 0..${L}]`, `order: ${order}\n draws: ${d}`, `x: [digest; ${L}]\n w: [digest; ${L}]\n h: [digest; ${L}]`);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const program = r.compiled.programs.step;
    const counts = executionCounts(program);
    const ops: Record<string, number> = {};
    const executed: Record<string, number> = {};
    for (const region of r.compiled.regions.step.filter((x) => x.kind === 'verify')) {
      for (let pc = region.from; pc < region.to; pc++) {
        const op = program.instructions[pc]!.op;
        ops[op] = (ops[op] ?? 0) + 1;
        executed[op] = (executed[op] ?? 0) + counts[pc]!;
      }
    }
    const check = r.compiled.verifies[0]!;
    const model = computeCheckCost(check);
    expect(model.ops).toEqual(ops);
    expect(model.executed).toEqual(executed);
    // d draws cost d member checks and the draw: more than d − 1 checks, less than d + 1.
    const member = computeCheckCost({ ...check, family: undefined }).cycles;
    expect(model.cycles).toBeGreaterThan(d * member);
    expect(model.cycles).toBeLessThan((d + 1) * member);
  });

  it('bounds the escape of a deviation touching a fraction p of the products over S steps by e^(−d·p·S·(1 − τ))', () => {
    const r = compile('up[l in 0..4]', 'order: sequential\n draws: 2', 'x: [digest; 4]\n w: [digest; 4]\n h: [digest; 4]');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const a = familyAssurance(r.compiled.verifies[0]!)!;
    expect(a).toMatchObject({ members: 4, draws: 2 });
    const tau = a.memberMiss;
    expect(tau).toBeLessThan(0.1);
    expect(a.stepMissOneMember).toBeCloseTo((1 - (1 - tau) / 4) ** 2, 12);
    // The exact escape of a deviation spread one member a step over p·L·S steps is below the bound, and the
    // bound falls with S and p.
    const S = 100;
    const p = 0.05;
    const exact = a.stepMissOneMember ** (p * 4 * S);
    expect(exact).toBeLessThanOrEqual(familyRunMiss(a, S, p));
    expect(familyRunMiss(a, 2 * S, p)).toBeLessThan(familyRunMiss(a, S, p));
    expect(familyRunMiss(a, S, 2 * p)).toBeLessThan(familyRunMiss(a, S, p));
    // Against a prover that commits again: two draws of four miss a given member with probability (3/4)^2.
    expect(familyRedrawBits(a)).toBe(0.8);
  });
});

for (const order of ['sequential', 'tensor_core'] as const) {
  describe(`a verify family in the machine, order: ${order}`, () => {
    const r = compile('up[l in 0..3]', `order: ${order}\n draws: 1`);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const check = r.compiled.verifies[0]!;
    const [M, K, N] = check.dims;
    let seed = 11;
    const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 16)) << 7) | (seed & 0x7f));
    const members = Array.from({ length: 3 }, () => ({ a: Uint16Array.from({ length: M * K }, bf16), bt: Uint16Array.from({ length: N * K }, bf16) }));
    const dot = order === 'tensor_core' ? (x: Uint16Array, y: Uint16Array) => bf16MmaDotPadded(x, y).out : (x: Uint16Array, y: Uint16Array) => bf16Dot(x, y, SEQUENTIAL).out;
    const product = ({ a, bt }: { a: Uint16Array; bt: Uint16Array }) => {
      const c = new Uint16Array(M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) c[i * N + j] = dot(a.subarray(i * K, (i + 1) * K), bt.subarray(j * K, (j + 1) * K));
      return c;
    };
    const honest = members.map(product);
    const stepWith = (cs: readonly Uint16Array[], swap?: (t: Map<string, MatrixCommitment>) => void) => {
      const tensors = new Map<string, MatrixCommitment>();
      members.forEach((m, l) => {
        tensors.set(memberField('x', l), commitMatrix(m.a, M, K));
        tensors.set(memberField('w', l), commitMatrix(m.bt, N, K));
        tensors.set(memberField('h', l), commitMatrix(cs[l]!, M, N));
      });
      const roots = (f: string): RunValue => ({ kind: 'array', elements: [0, 1, 2].map((l) => ({ kind: 'digest', words: tensors.get(memberField(f, l))!.root })) });
      const record = new Map<string, RunValue>(['x', 'w', 'h'].map((f) => [f, roots(f)]));
      const drawn = drawMembers([0, 1, 2].map((l) => ({ a: tensors.get(memberField('x', l))!.root, b: tensors.get(memberField('w', l))!.root, c: tensors.get(memberField('h', l))!.root })), check.dims, check.samples, 1);
      swap?.(tensors);
      return { record, tensors, drawn };
    };
    const prover = new ChainProver(r, new Uint8Array(32).fill(1), new Map([['m', num(1n) as Value]]));
    const g = prover.genesisExecution();

    /**
     * Variant v of a step: member (v + 1) mod 3's b changed in element v and its c recomputed (honest, but new
     * roots, hence a new draw), and member `tamper`'s c off by one bit in every entry (any sample of it fails).
     */
    const variant = (v: number, tamper?: number) => {
      const u = (v + 1) % 3;
      const changed = { a: members[u]!.a, bt: members[u]!.bt.map((x, e) => (e === v ? x ^ 0x40 : x)) };
      const s = stepWith(
        honest.map((c, m) => (m === tamper ? c.map((x) => x ^ 1) : m === u ? product(changed) : c)),
        (t) => t.set(memberField('w', u), commitMatrix(changed.bt, N, K)),
      );
      s.record.set('w', { kind: 'array', elements: [0, 1, 2].map((m) => ({ kind: 'digest', words: s.tensors.get(memberField('w', m))!.root })) });
      const drawn = drawMembers([0, 1, 2].map((m) => ({ a: s.tensors.get(memberField('x', m))!.root, b: s.tensors.get(memberField('w', m))!.root, c: s.tensors.get(memberField('h', m))!.root })), check.dims, check.samples, 1);
      return { run: () => prover.stepExecution(1, g.state, s.record, s.tensors), drawn };
    };

    it('passes honest steps whichever member is drawn: the program draws the member the prover opens', () => {
      const drawn = new Set<number>();
      for (let v = 0; v < 40 && drawn.size < 3; v++) {
        const s = variant(v);
        drawn.add(s.drawn[0]!);
        expect(s.run).not.toThrow();
      }
      expect(drawn.size).toBe(3);
    });

    it('fails a deviation in a drawn member naming it, and does not see one in a member not drawn', () => {
      const seen = { hit: 0, miss: 0 };
      for (let v = 0; v < 40 && (seen.hit === 0 || seen.miss === 0); v++) {
        const l = v % 3;
        const s = variant(v, l);
        if (s.drawn.includes(l)) {
          seen.hit++;
          expect(s.run).toThrow(new RegExp(`verify up failed: layers \\(p\\d+\\.zpol:\\d+:1\\): a sampled entry of c differs .* at step 1 in member l = ${l} \\(step\\.h\\[${l}\\]\\): c\\[`));
        } else {
          seen.miss++;
          expect(s.run).not.toThrow();
        }
      }
      expect(seen.hit).toBeGreaterThan(0);
      expect(seen.miss).toBeGreaterThan(0);
    });

    it("refuses openings of another member than the drawn one", () => {
      const s = stepWith(honest, (t) => {
        // The prover hands out another (honest) member's tensors under the drawn member's keys.
        const drawn = stepWith(honest).drawn[0]!;
        const other = (drawn + 1) % 3;
        for (const f of ['x', 'w', 'h']) t.set(memberField(f, drawn), t.get(memberField(f, other))!);
      });
      // (The other member's tree roots on the tape are not the drawn member's roots under the shape word.)
      expect(() => prover.stepExecution(1, g.state, s.record, s.tensors)).toThrow(/verify up failed: layers .*: step\.x is not the root of a \[\d+, \d+\] tensor with the tree root read for a/);
    });
  });
}
