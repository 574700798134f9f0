// `order: blocked(B)` compute checks: the checker takes the order (a bad B is a coded diagnostic), the compiler
// lowers each sampled dot product to a chain of `mac`s from +0 per block of B products and an `fadd` per block
// after the first (runtime/fp/bf16.ts bf16Dot's blocked order; B need not divide K, B ≥ K is sequential), the
// artifact records the width, and a step whose c was computed in blocked(4) order proves and verifies while one
// computed in sequential order is refused, naming the entry and both values.
import { describe, expect, it } from 'vitest';
import { wholeExecution } from '../../runtime/vm/segments.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileFile, type CompileResult } from '../../compiler/index.ts';
import { num, type Value } from '../../language/checker/values.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { drawEntries } from '../../runtime/run/sampling.ts';
import { computeStep, productOf } from '../fixtures/compute-step.ts';
import { zpol } from '../helpers.ts';
import { bf16Dot, blocked, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { encodeArtifact } from '../../runtime/policy/artifact.ts';
import { buildArtifact } from '../../compiler/artifact.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpol-blocked-'));
let files = 0;
function compile(dims: string, order: string, settings = 'tau: 1e-3\n f: 50%\n grinding: 24'): CompileResult {
  const path = join(dir, `p${files++}.zpol`);
  writeFileSync(
    path,
    `policy p version 1\nspec { m: int }\nstep { a: digest\n b: digest\n c: digest }\nverify mm "x" {\n a: step.a\n b: step.b\n c: step.c\n dims: ${dims}\n ${settings}\n order: ${order}\n rounding: bf16\n}\n`,
  );
  return compileFile(path);
}
const diagnostics = (r: CompileResult) => (r.ok ? [] : r.diagnostics.map((d) => `${d.code} ${d.message}`));
const ops = (r: CompileResult, op: string) => (r.ok ? r.compiled.programs.step.instructions.filter((i) => i.op === op).length : -1);

describe('order: blocked(B) in the language', () => {
  it('is accepted, lowered to K macs and ⌈K/B⌉ − 1 fadds per sample, and recorded in the artifact with its width', () => {
    const r = compile('[4, 12, 8]', 'blocked(4)');
    if (!r.ok) throw new Error(r.error ?? JSON.stringify(r.diagnostics));
    const check = r.compiled.verifies[0]!;
    expect([check.order, check.block]).toEqual(['blocked', 4]);
    // The samples run in a loop: the body holds whole samples, each 12 macs and 2 fadds.
    const macs = ops(r, 'mac');
    expect(macs % 12).toBe(0);
    expect(ops(r, 'fadd')).toBe((2 * macs) / 12);
    const json = JSON.parse(new TextDecoder().decode(encodeArtifact(buildArtifact(r.compiled, r.root)))) as { verifies: { order: string; block: number }[] };
    expect(json.verifies[0]).toMatchObject({ order: 'blocked', block: 4 });
    // A shorter last block: K = 10 in blocks of 4 is blocks of 4, 4 and 2.
    const short = compile('[4, 10, 8]', 'blocked(4)');
    expect(ops(short, 'fadd') * 10).toBe(2 * ops(short, 'mac'));
    // B ≥ K is one block: the sequential order's program.
    const one = compile('[4, 12, 8]', 'blocked(12)');
    const seq = compile('[4, 12, 8]', 'sequential');
    expect(ops(one, 'fadd')).toBe(0);
    expect(one.ok && seq.ok && one.compiled.programs.step.instructions.length).toBe(seq.ok && seq.compiled.programs.step.instructions.length);
  });

  it('zpol eval reports the clause in blocked(4) order with the compiled sample count', () => {
    const r = compile('[4, 12, 8]', 'blocked(4)');
    if (!r.ok) throw new Error('does not compile');
    const path = join(dir, `p${files - 1}.zpol`);
    const spec = join(dir, 'spec.json');
    const steps = join(dir, 'steps.jsonl');
    const root = '0'.repeat(64);
    writeFileSync(spec, JSON.stringify({ m: 1 }));
    writeFileSync(steps, JSON.stringify({ a: root, b: root, c: root }) + '\n');
    const out = zpol(['eval', path, '--spec', spec, '--steps', steps, '--format', 'json']);
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).verifies).toMatchObject([{ name: 'mm', samples: r.compiled.verifies[0]!.samples, order: 'blocked(4)' }]);
  }, 60_000);

  it('refuses a bad block width with codes', () => {
    expect(diagnostics(compile('[4, 12, 8]', 'blocked(0)'))).toEqual([expect.stringMatching(/^ZP5002 a block width is 0; it must lie in \[1, /)]);
    expect(diagnostics(compile('[4, 12, 8]', 'blocked(2.5)'))).toEqual([expect.stringMatching(/^ZP5005 a block width must be a whole number/)]);
    expect(diagnostics(compile('[4, 12, 8]', 'blocked(spec.m)'))).toEqual([expect.stringMatching(/^ZP5001 a block width must be a constant/)]);
    expect(diagnostics(compile('[4, 12, 8]', 'blocked'))).toEqual([expect.stringMatching(/^ZP2014 'order' is 'sequential', 'tensor_core' or 'blocked\(B\)'/)]);
  });
});

describe('order: blocked(4) in the machine', () => {
  // Eight samples (one per column stratum) keep the step proof small.
  const r = compile('[4, 12, 8]', 'blocked(4)', 'tau: 1e-3\n f: 50%\n samples: 8\n grinding: 12');
  if (!r.ok) throw new Error('does not compile');
  const mm = r.compiled.verifies[0]!;
  const [M, K, N] = [4, 12, 8];
  let seed = 9;
  const bf16 = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), ((seed >>> 31) << 15) | ((118 + ((seed >>> 8) % 12)) << 7) | (seed & 0x7f));
  // Products 0 and 4 of every entry are +2^30 and −2^30: in sequential order the first block's other terms are
  // lost under 2^30 and the second's kept after the cancellation; in blocked(4) order both blocks' small terms are
  // lost in their partials, so the orders differ by the second block's small terms.
  const a = Uint16Array.from({ length: M * K }, (_, x) => (x % K === 0 || x % K === 4 ? 0x4e80 : bf16()));
  const bt = Uint16Array.from({ length: N * K }, (_, x) => (x % K === 0 ? 0x3f80 : x % K === 4 ? 0xbf80 : bf16()));
  const product = (dot: (x: Uint16Array, y: Uint16Array) => number) => productOf(a, bt, [M, K, N], dot);
  const blockedC = product((x, y) => bf16Dot(x, y, blocked(4)).acc);
  const sequentialC = product((x, y) => bf16Dot(x, y, SEQUENTIAL).acc);
  const stepWith = (c: Uint16Array) => computeStep(a, bt, c, [M, K, N]);
  const prover = new ChainProver(r, new Uint8Array(32).fill(3), new Map([['m', num(1n) as Value]]));

  it('a step computed in blocked(4) order proves and verifies; its adds are the partial sums of the sampled entries', () => {
    const g = prover.genesis();
    const s = stepWith(blockedC);
    const exec = wholeExecution(prover.stepExecution(1, g.state, s.record, s.tensors).exec);
    const entries = drawEntries(s.roots, mm.dims, mm.samples, mm.powBits).entries;
    expect(exec.mac).toHaveLength(K * mm.samples);
    expect(exec.fadd).toHaveLength(2 * mm.samples);
    // Each sample's last add is its blocked accumulator.
    expect(exec.fadd.filter((_, n) => n % 2 === 1).map((op) => op.out)).toEqual(entries.map(({ i, j }) => bf16Dot(a.subarray(i * K, (i + 1) * K), bt.subarray(j * K, (j + 1) * K), blocked(4)).acc >>> 0));
    const s1 = prover.step(1, g.state, s.record, s.tensors);
    const att = prover.attestation(1, s1.state);
    const report = verifyChain(r, [g.proof, s1.proof, att].map((proof) => ({ name: `${proof.kind}-${proof.step}`, proof })));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.claims.join('\n')).toMatch(/blocked order: partial sums of 4 products added in order/);
  }, 60_000);

  it('refuses the product computed in sequential order, naming the entry and both values', () => {
    expect(sequentialC.filter((x, e) => x !== blockedC[e]).length).toBeGreaterThanOrEqual((M * N) / 2);
    const g = prover.genesisExecution();
    const seq = stepWith(sequentialC);
    const entry = drawEntries(seq.roots, mm.dims, mm.samples, mm.powBits).entries.find(({ i, j }) => sequentialC[i * N + j] !== blockedC[i * N + j])!;
    const hex = (x: number) => `0x${x.toString(16).padStart(4, '0')}`;
    const where = `c[${entry.i}][${entry.j}] is ${hex(sequentialC[entry.i * N + entry.j]!)}, the blocked(4) recomputation from a and b gives ${hex(blockedC[entry.i * N + entry.j]!)}`;
    expect(() => prover.stepExecution(1, g.state, seq.record, seq.tensors)).toThrow(/verify mm failed: x \(p\d+\.zpol:\d+:1\): a sampled entry of c differs/);
    expect(() => prover.stepExecution(1, g.state, seq.record, seq.tensors)).toThrow(where);
  });
});
