// Inputs tied to data (#20): embeds(step.X, step.IDS, step.E, ROWS, SEQ, k) draws k token positions after the
// ids, the input and the embedding table are committed and checks each input row is the table's row for its id;
// from_sources opens the ids' sequences in their sources' datasets. A step whose input is another batch's
// embedding, whose ids are not in their source's dataset, or whose id names no row of the table fails to prove,
// naming the clause; the artifact entry is in the policy digest and checked when a .zcp is loaded.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { type CompileResult } from '../../compiler/index.ts';
import { loadProgram } from '../../language/program.ts';
import { ChainProver, type StepTensors } from '../../runtime/chain/prover.ts';
import { encodeArtifact, loadArtifact } from '../../runtime/policy/artifact.ts';
import { matmulBf16 } from '../../demo/trainer.ts';
import { labelValues } from '../../runtime/run/labels.ts';
import { datasetKey } from '../../runtime/run/members.ts';
import { describeEmbeds, embedDraw, embedTape, idValues } from '../../runtime/run/embeds.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import type { Word } from '../../runtime/vm/word.ts';
import { commitMatrix } from '../../runtime/run/tensor-commit.ts';
import type { RecordValues, RunValue } from '../../compiler/witness.ts';
import { chainFailure, int } from '../fixtures/demo-step.ts';
import { zpol } from '../helpers.ts';
import { hoverAt } from '../../language/service/index.ts';
import { compiled } from '../fixtures/compiled.ts';


const policy = compiled('test/fixtures/policies/embeds.zpol');
const check = policy.artifact.embeds![0]!;
const [SEQS, SEQ, D, V] = [2, 4, 8, 12];

/** Deterministic, distinct-enough bf16 values in (−1, 1): the top half of an f32's bits. */
function bf16s(n: number, seed: number): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  return Uint16Array.from({ length: n }, (_, i) => {
    f[0] = Math.sin(seed * 1000 + i * 12.9898) * 0.999;
    return u[0]! >>> 16;
  });
}

// Two sources' datasets: 6 windows of 5 token ids each (prose ids 0..5, sums 6..11; window 5 of prose is all 11s).
const windows = (base: number) => Array.from({ length: 6 }, (_, e) => Array.from({ length: 5 }, (_, c) => base + ((e + c) % 6)));
const prose = windows(0);
prose[5] = [11, 11, 11, 11, 11];
const sums = windows(6);
const datasets = [prose, sums].map((w) => commitMatrix(idValues(w.flat()), 6, 5));
const table = bf16s(V * D, 7);
const h = bf16s(SEQS * SEQ * D, 11);

/** A step over `seqs` (token ids, SEQS × SEQ) labelled `labels`; `input` defaults to their embeddings. */
function step(seqs: number[][], labels = [0, 1], input?: Uint16Array, tensorsOnly?: (t: Map<string, unknown>) => void): { record: RecordValues; tensors: StepTensors } {
  const ids = seqs.flat();
  const x = input ?? Uint16Array.from(ids.flatMap((v) => Array.from(table.subarray(v * D, (v + 1) * D))));
  const tensors = new Map([
    ['ids_root', commitMatrix(idValues(ids), SEQS, SEQ)],
    ['labels_root', commitMatrix(labelValues(labels), SEQS, 1)],
    ['x_root', commitMatrix(x, SEQS * SEQ, D)],
    ['h_root', commitMatrix(h, SEQS * SEQ, D)],
    ['emb_root', commitMatrix(table, V, D)],
    ['logits_root', commitMatrix(matmulBf16(h, table, SEQS * SEQ, D, V, 'sequential'), SEQS * SEQ, V)],
  ]);
  const record = new Map<string, RunValue>([['tokens', int(SEQS * SEQ)], ...[...tensors].map(([f, c]) => [f, { kind: 'digest', words: c.root }] as [string, RunValue])]);
  const all = new Map([...tensors, [datasetKey('prose'), datasets[0]!], [datasetKey('sums'), datasets[1]!]]);
  tensorsOnly?.(all);
  return { record, tensors: all };
}

const spec: RecordValues = new Map([['datasets', { kind: 'array', elements: datasets.map((d) => ({ kind: 'digest', words: d.root }) as RunValue) }]]);
const prover = new ChainProver(policy, new Uint8Array(32).fill(3), spec);
const genesis = prover.genesisExecution();
const run = (s: ReturnType<typeof step>) => chainFailure(() => prover.stepExecution(1, genesis.state, s.record, s.tensors));
const honest = [prose[1]!.slice(0, SEQ), sums[3]!.slice(0, SEQ)];
const clause = (name: string, text: string, call: string) =>
  String.raw`^assertion failed: invariant ${name} failed: ${text} \(embeds\.zpol:\d+:1\): ${call}: `;
const EMBEDS = clause('input_is_embedding', 'Sampled input rows are the embedding-table rows of their token ids', String.raw`embeds\(step\.x_root, step\.ids_root, step\.emb_root\)`);

describe('inputs tied to data: embeds', () => {
  it('the artifact lists the check with its shapes, the table\'s from the compute check that opens it', () => {
    expect(check).toEqual({
      clause: 'invariant input_is_embedding',
      input: 'x_root',
      ids: 'ids_root',
      table: 'emb_root',
      rows: 2,
      seq: 4,
      vocab: 12,
      width: 8,
      samples: 6,
      at: expect.stringMatching(/embeds\.zpol:\d+:3$/),
    });
    // from_sources opens the ids as its batch: their shape is the embeds call's [SEQS, SEQ].
    expect(policy.artifact.members![0]).toMatchObject({ batch: 'ids_root', rows: 2, batchCols: 4, cols: 5 });
  });

  it('an honest step proves: its ids are in their sources, its input rows their embeddings', () => {
    expect(run(step(honest))).toBe('no failure');
  });

  it('an input that is another batch\'s embedding fails to prove, naming the clause', () => {
    const other = Uint16Array.from(honest.flat().flatMap((v) => Array.from(table.subarray(((v + 1) % V) * D, (((v + 1) % V) + 1) * D))));
    expect(run(step(honest, [0, 1], other))).toMatch(new RegExp(`${EMBEDS}a sampled row of step\\.x_root is not the row of step\\.emb_root for its token id in step\\.ids_root at step 1$`));
  });

  it('an input that differs in one token row escapes only when that row is not drawn', () => {
    const positions = embedDraw(check, ...['ids_root', 'x_root', 'emb_root'].map(() => [0, 0, 0, 0, 0, 0, 0, 0]) as [number[], number[], number[]]).positions;
    expect(positions).toHaveLength(6);
    // Each row changed alone: the step fails exactly when the draw (over the changed input's root) opens that row.
    let caught = 0;
    for (let t = 0; t < SEQS * SEQ; t++) {
      const x = Uint16Array.from(honest.flat().flatMap((v) => Array.from(table.subarray(v * D, (v + 1) * D))));
      x[t * D] = x[t * D]! ^ 0x0001;
      const s = step(honest, [0, 1], x);
      const root = (f: string) => [...(s.record.get(f) as Extract<RunValue, { kind: 'digest' }>).words];
      const drawn = embedDraw(check, root('ids_root'), root('x_root'), root('emb_root')).positions.some(({ r, j }) => r * SEQ + j === t);
      expect(run(s)).toEqual(drawn ? expect.stringMatching(new RegExp(`${EMBEDS}a sampled row of step\\.x_root is not the row`)) : 'no failure');
      if (drawn) caught++;
    }
    expect(caught).toBeGreaterThan(0);
  });

  it('ids that are not in their source\'s dataset fail to prove, naming from_sources\' clause', () => {
    const made = [[1, 2, 3, 0], [6, 6, 6, 6]];
    expect(run(step(made))).toMatch(
      /^assertion failed: invariant ids_from_sources failed: .*from_sources\(step\.labels_root, step\.ids_root, spec\.datasets\): a sampled row of step\.ids_root is not the example it opens in its source at step 1$/,
    );
  });

  it('an id that names no row of the table fails to prove, naming the clause', () => {
    // Every id 12: a whole number, but the table has rows 0..11 only.
    const made = step(honest, [0, 1], undefined, (t) => t.set('ids_root', commitMatrix(idValues([12, 12, 12, 12, 12, 12, 12, 12]), SEQS, SEQ)));
    const ids = (made.tensors.get('ids_root') as ReturnType<typeof commitMatrix>).root;
    const s = { record: new Map([...made.record, ['ids_root', { kind: 'digest', words: ids } as RunValue]]), tensors: made.tensors };
    // Membership runs first and fails for ids no dataset holds; the embeds failure is shown without it below.
    expect(run(s)).toMatch(/invariant ids_from_sources failed/);
    const noMembers = compiledWithout('ids_from_sources');
    const p = new ChainProver(noMembers, new Uint8Array(32).fill(3), spec);
    const g = p.genesisExecution();
    expect(chainFailure(() => p.stepExecution(1, g.state, s.record, s.tensors))).toMatch(new RegExp(`${EMBEDS}a sampled token id is not a whole number below 12, the rows of step\\.emb_root at step 1$`));
  });

  it("tree roots that are not the tensors', or a sampled row whose climb to its tree root is wrong, fail naming the clause", () => {
    // A prover whose embeds tape (runtime/run/embeds.ts, last on the sampling checks' tape) is edited: the tree roots
    // of the ids, the input and the table first (each checked once under its shape word), then per position the
    // ids row (1 word, 1 sibling), the input row (1 word, 3 siblings) and the table row (1 word, 4 siblings).
    const s = step(honest);
    const tensor = (f: string) => s.tensors.get(f) as ReturnType<typeof commitMatrix>;
    const length = embedTape(check, tensor('ids_root'), tensor('x_root'), tensor('emb_root')).length;
    const tampered = (edit: (tape: number[][]) => void): string => {
      const p = new ChainProver(policy, new Uint8Array(32).fill(3), spec);
      const self = p as unknown as { sampledOpenings: (i: number, t: unknown) => Word[] };
      const openings = self.sampledOpenings.bind(p);
      self.sampledOpenings = (i, t) => {
        const tape: number[][] = openings(i, t).map((w) => [...w]);
        const embeds = tape.slice(tape.length - length);
        edit(embeds);
        return [...tape.slice(0, tape.length - length), ...embeds];
      };
      return chainFailure(() => p.stepExecution(1, p.genesisExecution().state, s.record, s.tensors));
    };
    expect(tampered(() => {})).toBe('no failure');
    const [ids, input, table] = [0, 1, 2];
    const row = 3; // the first position's ids row
    const fails = (why: string) => new RegExp(`${EMBEDS}${why} at step 1$`);
    // Another tensor's tree root (the input's for the ids, the table's for the input), or the ids' and the input's swapped.
    expect(tampered((t) => (t[ids] = [...t[input]!]))).toMatch(fails(String.raw`a sampled row of token ids does not open against step\.ids_root`));
    expect(tampered((t) => (t[input] = [...t[table]!]))).toMatch(fails(String.raw`a sampled row of step\.x_root does not open against it`));
    expect(tampered((t) => ([t[ids], t[input]] = [t[input]!, t[ids]!]))).toMatch(fails(String.raw`a sampled row of token ids does not open against step\.ids_root`));
    // The honest tree roots, and a wrong sibling in one row's path, or two levels of a path swapped.
    expect(tampered((t) => (t[row + 1]![0] = (t[row + 1]![0]! + 1) % P))).toMatch(fails(String.raw`a sampled row of token ids does not open against step\.ids_root`));
    expect(tampered((t) => (t[row + 4]![5] = (t[row + 4]![5]! + 1) % P))).toMatch(fails(String.raw`a sampled row of step\.x_root does not open against it`));
    expect(tampered((t) => ([t[row + 3], t[row + 4]] = [t[row + 4]!, t[row + 3]!]))).toMatch(fails(String.raw`a sampled row of step\.x_root does not open against it`));
    expect(tampered((t) => ([t[row + 7], t[row + 8]] = [t[row + 8]!, t[row + 7]!]))).toMatch(fails(String.raw`the embedding of a sampled token id does not open against step\.emb_root`));
  });

  it('a missing or misshapen tensor is refused before proving, naming the clause', () => {
    const s = step(honest);
    const missing = new Map(s.tensors);
    missing.delete('x_root');
    expect(run({ record: s.record, tensors: missing })).toMatch(/^invariant input_is_embedding failed \(embeds\.zpol:\d+:3\): embeds: no committed input for step\.x_root at step 1$/);
    const wide = new Map(s.tensors);
    wide.set('x_root', commitMatrix(new Uint16Array(8 * 9), 8, 9));
    expect(run({ record: s.record, tensors: wide })).toMatch(/embeds: the committed input for step\.x_root is \[8, 9\]; the check is compiled for \[8, 8\] at step 1$/);
  });

  it('reports the escape probability of input rows that are not their ids\' embeddings', () => {
    expect(describeEmbeds(check)).toMatch(/^at every step, 6 of the 8 token rows of step\.x_root, .* \(step\.ids_root, 2 × 4\) .* \(step\.emb_root, 12 × 8\) .*; a step with 1 of its 8 token rows not its id's embedding escapes with probability 0\.45, with a quarter of them 0\.18 \(per draw: .* draws again, the draw has no proof of work of its own\)$/);
  });

  it('the entry is in the policy digest and checked when a .zcp is loaded', () => {
    const bytes = (a: object) => encodeArtifact(a as never);
    expect(() => loadArtifact(bytes(policy.artifact))).not.toThrow();
    const edited = (e: object) => ({ ...policy.artifact, embeds: [{ ...check, ...e }] });
    // Fewer samples, another table or shape: the digest no longer matches.
    for (const e of [{ samples: 1 }, { table: 'h_root' }, { seq: 2, rows: 4 }]) expect(() => loadArtifact(bytes(edited(e)))).toThrow(/policy digest/);
    // Malformed entries are named.
    expect(() => loadArtifact(bytes(edited({ vocab: 300 })))).toThrow(/embeds\[0\] is not an embedding check: vocab is a whole number from 1 to 256/);
    expect(() => loadArtifact(bytes(edited({ ids: 'tokens' })))).toThrow(/embeds\[0\] is not an embedding check: input, ids and table are three digest fields/);
    expect(() => loadArtifact(bytes({ ...policy.artifact, embeds: [] }))).toThrow(/policy digest/);
  });

  it('zpol info reports the check and its escape probability; the hover documents embeds', () => {
    const r = zpol(['info', 'test/fixtures/policies/embeds.zpol', '--format', 'json']);
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as { embedChecks: { clause: string; samples: number; tokens: number; escapeOneRow: number; escapeQuarter: number }[] };
    expect(info.embedChecks).toEqual([{ clause: 'invariant input_is_embedding', at: expect.stringMatching(/embeds\.zpol:\d+:3$/), samples: 6, tokens: 8, powBits: 0, escapeOneRow: (7 / 8) ** 6, escapeQuarter: 0.75 ** 6 }]);
    const program = loadProgram(['test/fixtures/policies/embeds.zpol']);
    const file = program.roots[0]!;
    const hover = hoverAt(program, file, file.text.indexOf('embeds(step.x_root') + 2)!;
    expect(hover.markdown).toContain('embeds(step.X: digest, step.IDS: digest, step.E: digest, rows: int, seq: int, samples: int, grinding?: int): bool');
  });

  it('embeds needs three step digests, constants, and a table a compute check opens (ZP2022)', () => {
    const src = (call: string) => `policy p version 1
step {
  x_root: digest
  ids_root: digest
  e_root: digest
  h_root: digest
  l_root: digest
  n: int
}
invariant tied "tied": ${call}
verify head { a: step.h_root b: step.e_root c: step.l_root dims: [8, 8, 12] tau: 1e-1 f: 50% grinding: 8 order: sequential rounding: bf16 }
`;
    const dir = mkdtempSync(join(tmpdir(), 'zpol-embeds-'));
    const errors = (s: string) => {
      writeFileSync(join(dir, 'p.zpol'), s);
      return loadProgram([join(dir, 'p.zpol')]).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
    };
    expect(errors(src('embeds(step.x_root, step.ids_root, step.e_root, 2, 4, 6)'))).toEqual([]);
    expect(errors(src('embeds(step.h_root, step.ids_root, step.x_root, 2, 4, 6)'))).toEqual([
      "ZP2022: no compute check opens step.x_root, so the step proof knows neither its shape nor that the model computes with it; name it as an operand (a, b or c) of a verify clause (a tied output head's b)",
    ]);
    expect(errors(src('embeds(step.h_root, step.ids_root, step.e_root, 2, 3, 6)'))).toEqual([
      'ZP2022: step.h_root is opened as [8, 8] by a compute check, but 2 sequences of 3 tokens embedded in 8 values are [6, 8]',
    ]);
    expect(errors(src('embeds(step.x_root, step.x_root, step.e_root, 2, 4, 6)'))).toEqual(['ZP2022: \'embeds\' needs three different tensors: the input, its token ids and the embedding table']);
    expect(errors(src('embeds(step.x_root, step.ids_root, step.e_root, step.n, 4, 6)'))).toEqual([
      "ZP5001: embeds' sequence count must be a constant known when the policy is compiled: the step program is unrolled over it",
    ]);
    expect(errors(src('embeds(step.x_root, step.ids_root, step.e_root, 2, 4, 0)'))).toEqual(["ZP5002: embeds' sample count is 0; it must lie in [1, 65536]"]);
    expect(errors(src('embeds(step.x_root, step.n, step.e_root, 2, 4, 6)'))[0]).toMatch(/^ZP2003: 'embeds' needs the root of the batch's committed token ids/);
    expect(errors(src('embeds(step.x_root, step.ids_root, step.e_root, 2, 4)'))[0]).toMatch(/^ZP2005: 'embeds' takes 6 or 7 arguments/);
    const big = src('embeds(step.x_root, step.ids_root, step.e_root, 2, 4, 6)').replace('dims: [8, 8, 12]', 'dims: [8, 8, 300]');
    expect(errors(big)).toEqual(['ZP2022: step.e_root has 300 rows; a token id is a bf16 whole number, exact up to 256, so a table has at most 256 rows']);
  });
});

/** The fixture policy without one invariant (to show a later check's failure on a step an earlier one refuses). */
function compiledWithout(name: string): Extract<CompileResult, { ok: true }> {
  const dir = mkdtempSync(join(tmpdir(), 'zpol-embeds-'));
  const text = readFileSync('test/fixtures/policies/embeds.zpol', 'utf8');
  const cut = text.replace(new RegExp(`invariant ${name} [^\\n]*\\n[^\\n]*\\n`), '').replace('enum Source { prose, sums }\n', '');
  writeFileSync(join(dir, 'embeds.zpol'), cut);
  return compiled(join(dir, 'embeds.zpol'));
}
