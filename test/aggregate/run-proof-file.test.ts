// The run proof file's checks before any STARK work (runtime/chain/run-proof.ts verifyRunProof): what a hostile or
// mistaken file is refused for, naming the field, without building the tree. The STARK of a real run proof (and one
// checked against another policy) is bench/aggregate-run.ts's, minutes a node.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateRun, RUN_PROOF_FORMAT, RUN_PROOF_VERSION, runProofLines, runProofSecurity, verifyRunProof, type RunProofReport } from '../../runtime/chain/run-proof.ts';
import { runOutputWords, runTree, type RunTree } from '../../runtime/chain/run-tree.ts';
import { keyOfTree, keySecurity, type RunKey } from '../../runtime/chain/run-key.ts';
import { STARK_PROOF_VERSION } from '../../runtime/proof/stark/codec.ts';
import { verifyChain } from '../../runtime/chain/verifier.ts';
import { compiled } from '../fixtures/compiled.ts';
import { spanSplit } from '../../runtime/aggregate/span.ts';
import { digestToHex } from '../../runtime/run/tensor-commit.ts';
import { fieldWord } from '../../runtime/vm/word.ts';
import { HASH_CONFIGS } from '../../runtime/proof/hash-config.ts';
import { FriPcs, POSEIDON2_AGGREGATION_PCS_PARAMS } from '../../runtime/proof/pcs/index.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { starkSecurity } from '../../runtime/proof/stark/security.ts';
import * as X from '../fixtures/sample-airs.ts';
import { tinyPolicy } from '../queue/tiny-run.ts';

const word = (x: string) => x.repeat(64);
const good = {
  format: RUN_PROOF_FORMAT,
  version: RUN_PROOF_VERSION,
  policy: tinyPolicy.artifact.policy.name,
  policyDigest: tinyPolicy.artifact.digest,
  steps: 2,
  // Zero words but the web fraction's denominator (the first output is share(web_total, total): two words).
  publicOutputs: Array.from({ length: runOutputWords(tinyPolicy).total }, (_, i) => (i === 1 + runOutputWords(tinyPolicy).spec + 1 ? digestToHex(fieldWord(1)) : word('0'))),
  stark: '',
};
// No key is built: every refusal here comes before it (a key for another N is refused by its steps).
const noKey = { steps: -1 } as unknown as RunKey;
const check = (edit: Record<string, unknown>) => verifyRunProof(tinyPolicy, JSON.stringify({ ...good, ...edit }), { key: noKey });

const airs = () => [{ air: X.fibonacciAir }, { air: X.u16Air }, { air: X.byteTable.air, preprocessed: X.byteTable.preprocessed() }];
/** A run tree of small systems standing in for the step proofs' (`step`) and every other proof's (`rest`). */
const treeOf = (step: unknown, rest: unknown, heights: number[]) => {
  const at = (system: unknown) => ({ system, logHeights: heights });
  return { steps: 2, genesis: at(rest), attestation: at(rest), tree: { leaf: { child: at(step) }, programs: new Map([[2, { machine: { system: rest }, logHeights: heights }]]) }, closing: { machine: { system: rest }, logHeights: heights } } as unknown as RunTree;
};

describe('run proof files', () => {
  it('refuses, naming the field, what is not a run proof of this policy', () => {
    expect(verifyRunProof(tinyPolicy, '{', { key: noKey })).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
    expect(check({ format: 'zpol-proof' })).toMatchObject({ ok: false, error: expect.stringMatching(/^format: not a zpol run proof/) });
    expect(check({ version: 3 })).toMatchObject({ ok: false, error: expect.stringMatching(/^version 3; this zpol reads version 2/) });
    expect(check({ version: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/version 1 had no genesis nor attestation/) });
    expect(verifyRunProof(tinyPolicy, '[]', { key: noKey })).toMatchObject({ ok: false, error: expect.stringMatching(/^format: /) });
    expect(check({ extra: 1 })).toMatchObject({ ok: false, error: expect.stringMatching(/^fields: /) });
    expect(check({ policyDigest: word('a') })).toMatchObject({ ok: false, error: expect.stringMatching(/^policyDigest: made for another policy/) });
    expect(check({ policy: 'other' })).toMatchObject({ ok: false, error: expect.stringMatching(/^policy: names another policy/) });
    for (const steps of [0, -1, 2.5, '2', 2 ** 20 + 1]) expect(check({ steps })).toMatchObject({ ok: false, error: expect.stringMatching(/^steps: a whole number from 1 to 1048576/) });
    const words = runOutputWords(tinyPolicy);
    expect(check({ publicOutputs: good.publicOutputs.slice(1) })).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`^publicOutputs: ${words.total} words for this policy`)) });
    const bad = (i: number, w: string) => good.publicOutputs.map((x, j) => (j === i ? w : x));
    expect(check({ publicOutputs: bad(0, word('G')) })).toMatchObject({ ok: false, error: expect.stringMatching(/^publicOutputs\[0\]: a word is 64 lowercase hex digits/) });
    expect(check({ publicOutputs: bad(words.total - 1, 'f'.repeat(64)) })).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`^publicOutputs\\[${words.total - 1}\\]`)) });
    // A value the policy's type refuses (the web fraction's denominator 0), named at its place in the file.
    expect(check({ publicOutputs: bad(1 + words.spec + 1, word('0')) })).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`^publicOutputs\\[${1 + words.spec}\\.\\.${2 + words.spec}\\] \\(web_fraction\\): denominator 0`)) });
    expect(check({ stark: 'not base64!' })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: must be a string of base64/) });
    expect(check({ stark: 5 })).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: must be a string/) });
    // A key for another number of steps is refused, not used.
    expect(check({ steps: 3 })).toMatchObject({ ok: false, error: expect.stringMatching(/^steps: 3, the verifying key given is for -1/) });
  });

  it('refuses a file that claims a large tree before reading or building any key (DoS): its STARK header is read first', () => {
    // A hostile file claiming 2^20 steps would have the verifier build 2^20 − 1 span nodes' programs (hours) before
    // rejecting it: N is bounded (2^20) and the STARK proof's header is checked first; no key is built, none cached.
    const dir = mkdtempSync(join(tmpdir(), 'zpol-key-cache-'));
    const hostile = (stark: string) => verifyRunProof(tinyPolicy, JSON.stringify({ ...good, steps: 2 ** 20, stark }), { cacheDir: dir });
    expect(hostile('')).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: too short/) });
    expect(hostile(Buffer.from('not a proof at all').toString('base64'))).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: not a zpol STARK proof \(bad magic\)/) });
    const header = Buffer.from([0x5a, 0x50, 0x53, 0x54, STARK_PROOF_VERSION, 3, 18, 40, 2]);
    expect(hostile(header.toString('base64'))).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: table 1 log height 40 out of range/) });
    expect(hostile(Buffer.from([0x5a, 0x50, 0x53, 0x54, STARK_PROOF_VERSION - 1, 0]).toString('base64'))).toMatchObject({ ok: false, error: expect.stringMatching(/^stark: proof: unsupported version/) });
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('never throws on a hostile file: every field given every kind of wrong value is a rejection', () => {
    const hostile: unknown[] = [null, true, 0, -1, 1e308, NaN, '', 'x'.repeat(10_000), [], [null], {}, { a: 1 }, [word('0')]];
    for (const field of Object.keys(good)) {
      for (const value of hostile) {
        const r = verifyRunProof(tinyPolicy, JSON.stringify({ ...good, [field]: value }), { key: noKey });
        expect(r.ok, `${field} = ${JSON.stringify(value)?.slice(0, 20)}`).toBe(false);
      }
    }
    for (const text of ['', 'null', '0', '"zpol-run-proof"', '{"format":"zpol-run-proof","version":2}', JSON.stringify(good).slice(0, 100)]) {
      expect(verifyRunProof(tinyPolicy, text, { key: noKey }).ok).toBe(false);
    }
  });

  it("reports the security of the tree's weakest proof, not the closing node's alone", () => {
    // Red team: forging one step proof that the level-1 program accepts forges the run proof, so a step proof (or a
    // lower node, or genesis) weaker than the closing node bounds the run proof. Two small systems stand in for them.
    const weak = buildSystem('fib-u16', airs(), new FriPcs({ ...POSEIDON2_AGGREGATION_PCS_PARAMS, numQueries: 12 }, { ...HASH_CONFIGS.poseidon2, allowInsecure: true }), true);
    const strong = buildSystem('fib-u16', airs(), new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 }), true);
    const heights = [3, 3, 8, 1];
    expect(heights.length).toBe(strong.tables.length);
    const [stepBits, rootBits] = [weak, strong].map((s) => starkSecurity(s, heights).conjecturedBits) as [number, number];
    expect(stepBits).toBeLessThan(rootBits);
    const key = (where: 'step' | 'genesis' | 'node') => {
      const at = (w: string) => ({ system: where === w ? weak : strong, logHeights: heights });
      const node = { machine: { system: at('node').system }, logHeights: heights };
      return { genesis: at('genesis'), attestation: at(''), tree: { leaf: { child: at('step') }, programs: new Map([[2, node]]) }, closing: { machine: { system: strong }, logHeights: heights } } as unknown as RunTree;
    };
    const security = (tree: RunTree) => keySecurity(keyOfTree(tree), tree.closing.logHeights);
    for (const where of ['step', 'genesis', 'node'] as const) expect(security(key(where)).conjecturedBits).toBe(stepBits);
    expect(security(key('none' as never)).conjecturedBits).toBe(rootBits);
  });

  it("counts the policy's own draws as the chain verifier does: the demo's run proof is worth its membership draw's ~20 bits, not its STARKs' ~100", () => {
    // Red team: a run proof says its steps ran the step program; a prover that commits a step's rows again redraws
    // its from_sources rows (8 of them behind 17 bits of work) exactly as it would for a proofs folder, so the run
    // proof's weakest figure is that draw's, as `zpol verify POLICY PROOFS/` reports, not the tree's STARK figure.
    const demo = compiled('policies/demo.zpol');
    const pcs = new FriPcs(POSEIDON2_AGGREGATION_PCS_PARAMS, { ...HASH_CONFIGS.poseidon2 });
    const system = buildSystem('fib-u16', airs(), pcs, true);
    const heights = [3, 3, 8, 1];
    const sec = runProofSecurity(demo, keyOfTree(treeOf(system, system, heights)), heights);
    const chain = verifyChain(demo, []).security;
    expect(sec.stark!.conjecturedBits).toBeGreaterThan(90);
    expect(sec.weakest).toEqual(chain.weakest);
    expect(sec.weakest!.bits).toBe(20.3);
    expect(sec.computeChecks).toEqual(chain.computeChecks);
    expect(sec.rowDraws).toEqual(chain.rowDraws);
    // A tree weaker than every part of the policy is the weakest, named as the tree.
    const weak = buildSystem('fib-u16', airs(), new FriPcs({ ...POSEIDON2_AGGREGATION_PCS_PARAMS, numQueries: 2, powBits: 0 }, { ...HASH_CONFIGS.poseidon2, allowInsecure: true }), true);
    const weakTree = runProofSecurity(demo, keyOfTree(treeOf(weak, system, heights)), heights);
    expect(weakTree.weakest!.bits).toBe(weakTree.stark!.conjecturedBits);
    expect(weakTree.weakest!.bits).toBeLessThan(20.3);
    expect(weakTree.weakest!.what).toMatch(/run proof's tree/);
    // zpol verify POLICY run.proof prints the weakest, not the tree's figure alone.
    const report: RunProofReport = { ok: true, policy: 'demo', policyDigest: demo.artifact.digest, steps: 2, specCommitment: word('0'), claims: [], revealed: [], security: sec };
    const text = runProofLines(report, 'run.proof', 1).join('\n');
    expect(text).toContain('  security: weakest 20.3 bits: invariant batch_from_sources');
    expect(text).toMatch(/security: STARK proofs \d+(\.\d+)? bits conjectured/);
  });

  it('refuses, from the artifact alone and before building any key, a policy whose step publics are not the commitments it links (ZV311)', () => {
    // Red team: a hand-made artifact (its digest covers whatever it holds) whose step program writes two public words,
    // or takes two: the tree would link, and the report call states, words that are not state commitments.
    const dir = mkdtempSync(join(tmpdir(), 'zpol-run-proof-'));
    try {
      for (const shape of [{ publicOutputs: 2 }, { publicInputs: 2 }]) {
        const odd = { ...tinyPolicy, programs: { ...tinyPolicy.programs, step: { ...tinyPolicy.programs.step, ...shape } } };
        expect(verifyRunProof(odd, JSON.stringify(good), { key: noKey })).toMatchObject({ ok: false, error: expect.stringMatching(/^ZV311: the policy's step program takes \d public input words and writes \d public output words/) });
        expect(() => aggregateRun(odd, dir, join(dir, 'aggregate'), join(dir, 'run.proof'))).toThrow(/^ZV311: /);
        expect(() => runTree(odd, 2)).toThrow(/^ZV311: /);
      }
      // A proof file that cannot be a child is refused before the key's programs are used (building them takes
      // minutes): a tree that throws when touched would turn the refusal into its own error.
      const untouchable = new Proxy({}, { get: () => { throw new Error('the tree was used before the files were read'); } }) as RunTree;
      const run = () => aggregateRun(tinyPolicy, dir, join(dir, 'aggregate'), join(dir, 'run.proof'), { tree: untouchable });
      expect(run).toThrow(/no step proofs/);
      for (const k of [1, 2]) writeFileSync(join(dir, `step-00000${k}.zproof`), '{"format": "zpol-proof"}');
      expect(run).toThrow(/step-000001\.zproof/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shapes a tree over any number of steps: complete trees of decreasing sizes, no padding', () => {
    expect([2, 3, 4, 5, 6, 7, 8, 9, 16, 17].map(spanSplit)).toEqual([[1, 1], [2, 1], [2, 2], [4, 1], [4, 2], [4, 3], [4, 4], [8, 1], [8, 8], [16, 1]]);
    expect(() => spanSplit(1)).toThrow(/at least 2 leaves/);
    expect(() => runTree(tinyPolicy, 0)).toThrow(/a run proof covers 1 to 1048576 steps; this run has 0/);
  });
});
