// Proof of work behind the row draws of from_sources and embeds (#20). Their rows are drawn from roots the lab
// commits, so a lab with wrong rows can commit again (other labels, another input) until a draw misses them; the
// red team found the demo's verdict resting on one draw's 3.3 bits. GRINDING (draw-work.ts) puts each draw behind
// proof of work, as a compute check's `grinding` does: these tests check the figures, the checker's refusals, and
// that the step program refuses a draw whose nonce carries no work, or rows drawn without it.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileFile } from '../../compiler/index.ts';
import { rowDrawWork } from '../../language/checker/draw-work.ts';
import { ChainProver } from '../../runtime/chain/prover.ts';
import { Trainer } from '../../demo/trainer.ts';
import { membersDomain, memberTape } from '../../runtime/run/members.ts';
import { nonceWord, powDigest, powHolds } from '../../runtime/run/sampling.ts';
import { compressPair } from '../../runtime/proof/hash/poseidon2.ts';
import type { Word } from '../../runtime/vm/word.ts';
import type { MatrixCommitment } from '../../runtime/run/tensor-commit.ts';
import { chainFailure, demoDatasets, demoSpec, demoStep, demoWeightsConfig } from '../fixtures/demo-step.ts';
import { compiled } from '../fixtures/compiled.ts';


const demo = compiled('policies/demo.zpol');
const member = demo.artifact.members![0]!;
const CLAUSE = String.raw`^assertion failed: invariant batch_from_sources failed: .*from_sources\(step\.labels_root, step\.x_root, spec\.datasets\): `;

/** The demo's first step proven by a prover whose membership openings `tamper` rewrites (the honest ones otherwise). */
function stepWith(tamper: (honest: Word[], s: ReturnType<typeof demoStep>) => Word[]): string {
  const prover = new ChainProver(demo, new Uint8Array(32).fill(7), demoSpec(demo), demoWeightsConfig());
  const genesis = prover.genesisExecution();
  const s = demoStep(new Trainer().step());
  const p = prover as unknown as { sampledOpenings: (i: number, t: unknown) => Word[] };
  const honest = p.sampledOpenings.bind(prover);
  p.sampledOpenings = (i, t) => tamper(honest(i, t), s);
  return chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors));
}

describe('proof of work behind the row draws', () => {
  it('the figures: a quarter of the rows wrong, (3/4)^k to escape a draw, plus the least work that reaches the target', () => {
    expect(rowDrawWork(8, 20)).toEqual({ drawBits: 3.3, powBits: 17, grindingBits: 20.3 });
    expect(rowDrawWork(8, null)).toEqual({ drawBits: 3.3, powBits: 0, grindingBits: 3.3 });
    expect(rowDrawWork(256, 100)).toEqual({ drawBits: 106.2, powBits: 0, grindingBits: 106.2 });
    expect(member.powBits).toBe(17);
  });

  it('the honest demo step proves with its draw behind 17 bits of work', () => {
    expect(stepWith((honest) => honest)).toBe('no failure');
  });

  it('a nonce that carries no work is refused, naming the clause', () => {
    // The member check's tape: the batch's and the datasets' tree roots, then the nonce.
    const at = 1 + demoDatasets().length;
    const out = stepWith((honest) => {
      let nonce = honest[at]![1]! + 2 ** 30 * honest[at]![2]! + 1;
      const seed = Array.from(compressPair(Array.from(compressPair(membersDomain(member), honestRoot('labels_root'))), honestRoot('x_root')));
      while (powHolds(powDigest(seed, nonce), 17)) nonce++;
      return [...honest.slice(0, at), nonceWord(nonce), ...honest.slice(at + 1)];
    });
    expect(out).toMatch(new RegExp(`${CLAUSE}the rows are not drawn behind 17 bits of proof of work at step 1$`));
  });

  it('rows drawn without the work (the draw a lab could redraw for free) are refused whatever nonce goes with them', () => {
    const out = stepWith((honest, s) => {
      const t = (k: string) => s.tensors.get(k) as MatrixCommitment;
      const free = memberTape({ ...member, powBits: undefined }, t('labels_root'), t('x_root'), demoDatasets());
      const at = 1 + demoDatasets().length;
      return [...free.slice(0, at), nonceWord(0), ...free.slice(at), ...honest.slice(1 + free.length)];
    });
    expect(out).toMatch(new RegExp(`${CLAUSE}(the rows are not drawn behind 17 bits of proof of work|a sampled row does not open against step\\.x_root) at step 1$`));
  });

  it('the checker asks for a constant target the work can reach, and says how far the draw can go', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-draw-work-'));
    const errors = (call: string): string[] => {
      const path = join(dir, 'p.zpol');
      writeFileSync(
        path,
        `policy p version 1
enum Src { a, b }
spec { datasets: [digest; 2] }
step {
  x_root: digest
  w_root: digest
  h_root: digest
  labels_root: digest
  n: int
}
invariant sampled "sampled": ${call}
verify fc { a: step.x_root b: step.w_root c: step.h_root dims: [16, 4, 8] tau: 1e-1 f: 50% grinding: 8 order: sequential rounding: bf16 }
`,
      );
      const r = compileFile(path);
      return r.ok ? [] : r.diagnostics.length > 0 ? r.diagnostics.map((d) => `${d.code}: ${d.message}`) : [r.error ?? ''];
    };
    const call = (g: string) => `from_sources(step.labels_root, step.x_root, spec.datasets, [Src.a, Src.b], [64, 64], 6, 8${g})`;
    expect(errors(call(', 20'))).toEqual([]);
    expect(errors(call(', 100'))).toEqual([
      'ZP2021: 8 sampled rows give 3.3 bits a draw (a quarter of the rows wrong); reaching 100 bits against a prover that commits again would take 97 bits of proof of work, more than 60: sample more rows, or ask for 63 at most',
    ]);
    expect(errors(call(', 0'))).toEqual(["ZP5002: from_sources' grinding (bits against a prover that commits again to redraw) is 0; it must lie in [1, 128]"]);
    expect(errors(call(', step.n'))[0]).toMatch(/^ZP5001: from_sources' grinding .* must be a constant known when the policy is compiled/);
    expect(errors(call(', 20, 1'))[0]).toMatch(/^ZP2005: 'from_sources' takes 7 or 8 arguments/);
  });
});

/** The demo step's committed root of step.`field` (demoStep is deterministic). */
function honestRoot(field: string): Word {
  const s = demoStep(new Trainer().step());
  return [...(s.tensors.get(field) as MatrixCommitment).root];
}
