// What a `verify` clause costs, from its shape (compiler/check-cost.ts): the model must give exactly the
// instructions that the lowering emits, and a clause too large for one step proof is refused from its shape alone,
// as a coded error naming the clause and the limit, by `zpol compile`, `zpol info` and `zpol prove`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { computeCheckCost, MAX_CYCLES } from '../../compiler/check-cost.ts';
import { executionCounts } from '../../runtime/vm/costs.ts';
import { zpol } from '../helpers.ts';
import { encodeArtifact } from '../../compiler/artifact.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-check-cost-'));
const FFN_405B = 'test/fixtures/policies/ffn-405b-down.zpol';

function policyFile(dims: readonly number[], extra: string, order = 'sequential'): string {
  const path = join(dir, `p-${dims.join('x')}-${extra.replace(/\W+/g, '_')}-${order}.zpol`);
  writeFileSync(
    path,
    `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: [${dims.join(', ')}]\n tau: 1e-3\n f: 50%\n ${extra}\n order: ${order}\n rounding: bf16\n}\n`,
  );
  return path;
}

describe('the cost of a compute check, from its shape', () => {
  // Strata of 8 columns with one or several words per row of c, N ≤ 8 (no column drawn), no strata (N = 12, 3),
  // one row (the row index a constant), K = N (a's and c's leaf prefixes shared), proof of work on and off, and
  // sample counts below one loop iteration, a whole number of iterations, and iterations with samples left over.
  type Case = [readonly [number, number, number], number, number, string?];
  it.each(
    ([
    [[16, 4, 8], 8, 1],
    [[16, 4, 8], 56, 1],
    [[16, 4, 8], 16, 40],
    [[16, 16, 12], 27, 1],
    [[1, 8, 3], 3, 1],
    [[1, 8, 3], 39, 1],
    [[1, 16, 16], 8, 1],
    [[3, 16, 3], 6, 1],
    [[64, 20, 64], 16, 1],
    [[2, 24, 40], 20, 70],
    [[3, 5, 7], 70, 1],
    // Rows of several chunks (tensor-commit.ts chunkWords): K = 1024 (two chunks of 64 words), N = 640 (two of 40).
    [[4, 1024, 640], 8, 1],
    [[2, 640, 1024], 12, 1, 'tensor_core'],
    // One mma per dot product, the rows' lanes past K asserted zero (none when 8 divides K).
    [[16, 16, 8], 56, 1, 'tensor_core'],
    [[4, 20, 12], 27, 1, 'tensor_core'],
    [[2, 48, 40], 20, 70, 'tensor_core'],
    // A mac chain per block, an fadd per block after the first: B dividing K, a shorter last block, B = K.
    [[16, 12, 8], 56, 1, 'blocked(4)'],
    [[3, 10, 7], 27, 1, 'blocked(3)'],
    [[2, 40, 40], 20, 70, 'blocked(16)'],
    [[16, 8, 8], 8, 1, 'blocked(8)'],
    // Blocks of whole words below K, streamed: B dividing K, and a shorter last block ending in a half word.
    [[4, 32, 16], 16, 1, 'blocked(16)'],
    [[4, 20, 16], 24, 1, 'blocked(8)'],
    [[2, 640, 24], 24, 1, 'blocked(16)'],
    [[2, 1032, 8], 8, 1, 'blocked(24)'],
    ] as Case[]).map(([dims, samples, grinding, order]) => [dims, samples, grinding, order ?? 'sequential'] as const),
  )('%j, %i samples, grinding %i, order %s: the compiled clause has exactly the modelled instructions, run as modelled', (dims, samples, grinding, order) => {
    const r = compileFile(policyFile(dims, `samples: ${samples}\n grinding: ${grinding}`, order));
    if (!r.ok) throw new Error(r.error);
    const check = r.compiled.verifies[0]!;
    const program = r.compiled.programs.step;
    const counts = executionCounts(program);
    const ops: Record<string, number> = {};
    const executed: Record<string, number> = {};
    let merkle = 0;
    for (const region of r.compiled.regions.step.filter((x) => x.kind === 'verify')) {
      for (let pc = region.from; pc < region.to; pc++) {
        const ins = program.instructions[pc]!;
        ops[ins.op] = (ops[ins.op] ?? 0) + 1;
        executed[ins.op] = (executed[ins.op] ?? 0) + counts[pc]!;
        if (ins.op === 'merkle') merkle += counts[pc]! * ins.imm;
      }
    }
    const model = computeCheckCost(check);
    expect(model.ops).toEqual(ops);
    expect(model.executed).toEqual(executed);
    expect(model.instructions).toBe(Object.values(ops).reduce((a, b) => a + b, 0));
    expect(model.cycles).toBe(Object.values(executed).reduce((a, b) => a + b, 0));
    expect(model.macs).toBe(check.samples * dims[1]);
    expect(model.merkleLevels).toBe(merkle);
  });

  it('zpol info reports each compute check from its shape, from a policy or from its artifact alone', () => {
    const r = compileFile('policies/demo.zpol');
    if (!r.ok) throw new Error(r.error);
    const zcp = join(dir, 'demo.zcp');
    writeFileSync(zcp, encodeArtifact(r.artifact));
    const info = zpol(['info', zcp, '--format', 'json']);
    expect(info.status).toBe(0);
    const report = JSON.parse(info.stdout) as { computeChecks: { name: string; macs: number; cycles: number; instructions: number }[]; step: { clauses: unknown[] } };
    const model = computeCheckCost(r.compiled.verifies[0]!);
    expect(report.computeChecks).toMatchObject([{ name: 'fc1', macs: 224, cycles: model.cycles, instructions: model.instructions }]);
    // The artifact has no regions: the per-clause rows come only with the policy.
    expect(report.step.clauses).toEqual([]);
    // The same clause in each order, the declared one marked, each as modelled.
    const orders = (report as unknown as { computeChecks: { orders: { order: string; declared: boolean; cycles: number; rows: Record<string, number> }[] }[] }).computeChecks[0]!.orders;
    const shape = r.compiled.verifies[0]!;
    expect(orders.map((o) => [o.order, o.declared])).toEqual([['sequential', false], ['tensor_core', true], ['blocked(16)', false]]);
    expect(orders.map((o) => o.cycles)).toEqual([
      computeCheckCost({ ...shape, order: 'sequential' }).cycles,
      computeCheckCost({ ...shape, order: 'tensor_core' }).cycles,
      computeCheckCost({ ...shape, order: 'blocked', block: 16 }).cycles,
    ]);
    // Sequential rows are streamed a word of 8 lanes at a time, pipelined: K = 4 takes 16 MAC rows a sample, the
    // loop's first eight (of zero words) and the last word's eight, 4 of them past K.
    expect(orders[0]!.rows).toEqual({ 'bf16-mac': 896 });
  });

  it('zpol info shows a blocked clause beside the other orders, with the f32 adder’s rows', () => {
    const info = zpol(['info', policyFile([16, 12, 8], 'samples: 8\n grinding: 12', 'blocked(4)')]);
    expect(info.status).toBe(0);
    expect(info.stdout).toMatch(/verify mm \[16, 12, 8\] \(order blocked\(4\)\): 8 samples/);
    expect(info.stdout).toMatch(/ {4}sequential +[\d,]+ cycles; bf16-mac 192 \(96 of them on zero padding: lanes past K, a row loop's first products\); /);
    expect(info.stdout).toMatch(/ {4}tensor_core +[\d,]+ cycles; bf16-mma 8 \(32 of the tensor-core lanes zero-padded\); /);
    expect(info.stdout).toMatch(/ {4}blocked\(4\) \(declared\) +[\d,]+ cycles; bf16-mac 96, f32-add 16; /);
    expect(info.stdout).toMatch(/f32-add +16 +16 /);
  });

  it('zpol info counts a tensor-core clause’s real products and labels the zero-padded lanes', () => {
    // The demo's fc1 is [16, 4, 8] with order: tensor_core: 56 samples of K = 4, each one operation of 16 lanes.
    const text = zpol(['info', 'policies/demo.zpol']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^ {2}verify fc1: 224 MACs on tensor cores \(56 operations of 16 lanes, 672 of them zero-padded\), /m);
    expect(text.stdout).toMatch(/^ {4}tensor_core \(declared\) +[\d,]+ cycles; bf16-mma 56 \(672 of the tensor-core lanes zero-padded\); /m);
    expect(text.stdout).toMatch(/^ {4}sequential +[\d,]+ cycles; bf16-mac 896 \(672 of them on zero padding: lanes past K, a row loop's first products\); /m);
  });

  it('grows with the samples, K and N, so a bound on the cycles bounds the samples', () => {
    const base = computeCheckCost({ dims: [64, 64, 64], samples: 16, powBits: 0 }).cycles;
    expect(computeCheckCost({ dims: [64, 64, 64], samples: 24, powBits: 0 }).cycles).toBeGreaterThan(base);
    expect(computeCheckCost({ dims: [64, 128, 64], samples: 16, powBits: 0 }).cycles).toBeGreaterThan(base);
    expect(computeCheckCost({ dims: [64, 64, 128], samples: 16, powBits: 0 }).cycles).toBeGreaterThan(base);
  });
});

describe('a clause too large for a step', () => {
  const expected =
    /ffn-405b-down\.zpol:14:1: error ZP7002: verify ffn_down: 11,520 samples of a \[4096, 53248, 16384\] product need ([\d,]+) cycles in the step program \(613,416,960 multiply-accumulates\); a step runs at most 1,024 segments of 2\^19 cycles, 2\^29 = 536,870,912 cycles\. At most ([\d,]+) samples fit/;

  it('is refused from its shape, before anything is lowered', () => {
    const r = compileFile(FFN_405B);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const m = expected.exec(r.error ?? '');
    expect(m, r.error).not.toBeNull();
    // tau 1e-50: 11,520 samples draw more than the default 100 bits, no work.
    const shape = { dims: [4096, 53248, 16384] as const, powBits: 0 };
    expect(Number(m![1]!.replace(/,/g, ''))).toBe(computeCheckCost({ ...shape, samples: 11520 }).cycles);
    // The samples it says fit do fit, and one stratum more does not.
    const fit = Number(m![2]!.replace(/,/g, ''));
    expect(fit % 8).toBe(0);
    expect(MAX_CYCLES).toBe(2 ** 29);
    expect(computeCheckCost({ ...shape, samples: fit }).cycles).toBeLessThanOrEqual(MAX_CYCLES);
    expect(computeCheckCost({ ...shape, samples: fit + 8 }).cycles).toBeGreaterThan(MAX_CYCLES);
  });

  it('says so when not even one sample fits', () => {
    const r = compileFile(policyFile([8, 120_000_000, 8], 'grinding: 1'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/error ZP7002: verify mm: .* Not even 8 samples of this product fit: the product needs splitting/);
  });

  it.each([
    ['compile', [FFN_405B, '-o', join(dir, 'x.zcp')]],
    ['info', [FFN_405B]],
    ['prove', [FFN_405B, '--run', join(dir, 'no-run'), '--out', join(dir, 'proofs')]],
  ])('zpol %s exits 1 with the coded error', (command, args) => {
    const r = zpol([command, ...args]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/heap|internal error/);
  });
});
