// The run directory and the recorder (runtime/run/format.ts, validate.ts, recorder.ts): the demo run is recorded,
// valid against its own schemas and the demo policy's record schemas, byte-identical when recorded twice, and
// satisfies the policy's figures; sampled compute checks are answered with openings that verify and recompute;
// malformed data yields errors naming the file, the step and the field; writes are atomic, even when the writer is
// killed.
import { spawnSync } from 'node:child_process';
import { readWeights } from '../../runtime/run/weight-data.ts';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.ts';
import { anchorFromSeed, verifyObservation } from '../../runtime/run/anchor.ts';
import { canonicalJson, removeStaleTemps, writeFileAtomic } from '../../runtime/run/files.ts';
import { formatIssue, RunFormatError, stepFile, type JsonSchema, type StepEnvelope } from '../../runtime/run/format.ts';
import { readRunDir, validateRunDir } from '../../runtime/run/validate.ts';
import { checkChallengeAnswer, Recorder, RecorderError, type ChallengeAnswer } from '../../runtime/run/recorder.ts';
import { demoAnchor, recordDemoRun } from '../../demo/record.ts';
import { commitMatrix, digestToHex } from '../../runtime/run/tensor-commit.ts';
import { DatasetError, runTensors } from '../../runtime/run/member-data.ts';
import { root as repoRoot, zpol } from '../helpers.ts';

const STEPS = 20;
const FLOP_CAP = 1e12;

let base: string;
let schemas: { spec: JsonSchema; step: JsonSchema };

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zpol-run-'));
  const compiled = compileFile(join(repoRoot, 'policies/demo.zpol'));
  if (!compiled.ok) throw new Error(`policies/demo.zpol does not compile: ${compiled.error ?? compiled.diagnostics.map((d) => d.message).join('; ')}`);
  schemas = compiled.artifact.schemas as typeof schemas;
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
const fresh = (): string => join(base, `run${n++}`);

/** Every file under dir, relative path → bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

const readStep = (dir: string, k: number): StepEnvelope => JSON.parse(readFileSync(join(dir, stepFile(k)), 'utf8')) as StepEnvelope;
const writeStep = (dir: string, k: number, env: unknown): void => writeFileSync(join(dir, stepFile(k)), canonicalJson(env, true));
const messages = (dir: string): string[] => validateRunDir(dir, { schemas }).map(formatIssue);

describe('recorded demo run', () => {
  let dir: string;
  let demo: ReturnType<typeof recordDemoRun>;
  beforeAll(() => {
    dir = fresh();
    demo = recordDemoRun(dir, STEPS, { schemas });
  });

  it('writes a complete run directory that validates, deeply, against the demo policy', () => {
    const files = [...snapshot(dir).keys()];
    expect(files).toEqual([
      'data/curated.safetensors',
      'data/synthetic.safetensors',
      'registry.json',
      'run.json',
      'spec.json',
      ...Array.from({ length: STEPS }, (_, i) => `steps/${String(i + 1).padStart(6, '0')}.json`),
      ...Array.from({ length: STEPS }, (_, i) => `tensors/${String(i + 1).padStart(6, '0')}.safetensors`),
      // A depth-first walk, names sorted per directory: the weights/ directory (each step's layout, the initial
      // values) before weights.json.
      ...Array.from({ length: STEPS }, (_, i) => `weights/${String(i + 1).padStart(6, '0')}.json`),
      'weights/initial.safetensors',
      'weights.json',
    ]);
    expect(messages(dir)).toEqual([]);
    const run = readRunDir(dir, { schemas });
    expect(run.run.policy).toEqual({ name: 'demo', digest: null });
    // The spec commits the registry: its dataset roots, in registry order.
    expect(run.spec).toEqual({ arch: 'mlp', params: 58, d_in: 4, d_hidden: 8, d_out: 2, batch_rows: 16, datasets: run.registry.sources.map((s) => s.root), weights: readWeights(dir)!.root });
    expect(run.registry.sources.map((s) => [s.id, s.name, s.shape])).toEqual([
      [0, 'curated', [64, 6]],
      [1, 'synthetic', [64, 6]],
    ]);
    expect(run.steps).toHaveLength(STEPS);
    expect(Object.keys(run.steps[0]!.record).sort()).toEqual(['h_root', 'labels_root', 'tokens', 'tokens_by_source', 'w1_root', 'weights_root', 'x_root']);
  });

  it('records what the trainer computed: roots of x, W1ᵀ and h', () => {
    const t = demo.steps[4]!;
    const rec = readStep(dir, 5).record;
    expect(rec.x_root).toBe(digestToHex(commitMatrix(t.x, 16, 4).root));
    expect(rec.w1_root).toBe(digestToHex(commitMatrix(t.w1t, 8, 4).root));
    expect(rec.h_root).toBe(digestToHex(commitMatrix(t.h, 16, 8).root));
    expect(rec.tokens_by_source).toEqual([...t.tokensBySource]);
    expect(readStep(dir, 5).metrics).toEqual({ loss: t.loss });
  });

  it('keeps the demo policy: FLOP cap, every token attributed, synthetic share within 25% to 75%', () => {
    const run = readRunDir(dir);
    let flops = 0;
    let tokens = 0;
    const bySource = [0, 0];
    for (const s of run.steps) {
      const r = s.record as { tokens: number; tokens_by_source: number[] };
      flops += 6 * 58 * r.tokens;
      tokens += r.tokens;
      r.tokens_by_source.forEach((x, i) => (bySource[i]! += x));
      expect(flops).toBeLessThanOrEqual(FLOP_CAP);
      expect(bySource[0]! + bySource[1]!).toBe(tokens);
      expect(bySource[1]! / tokens).toBeGreaterThanOrEqual(0.25);
      expect(bySource[1]! / tokens).toBeLessThanOrEqual(0.75);
    }
  });

  it('is deterministic: recording again gives byte-identical files', () => {
    const again = fresh();
    recordDemoRun(again, STEPS);
    const a = snapshot(dir);
    const b = snapshot(again);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, v] of a) expect(b.get(k)!.equals(v), k).toBe(true);
  });

  it("signs every step's observation with the anchor's Ed25519 key", () => {
    const run = readRunDir(dir);
    expect(run.run.anchor).toEqual({ algorithm: 'ed25519', public_key: demoAnchor().publicKey });
    for (const s of run.steps) expect(verifyObservation(run.run.anchor!.public_key, s.observation!.digest, s.observation!.signature)).toBe(true);
    const other = anchorFromSeed(new Uint8Array(32).fill(7));
    const s = run.steps[0]!;
    expect(verifyObservation(other.publicKey, s.observation!.digest, s.observation!.signature)).toBe(false);
  });

  it('answers sampled compute checks with openings that verify and recompute, from memory and from disk', () => {
    const samples = Array.from({ length: 139 }, (_, k) => ({ i: (k * 5) % 16, j: (k * 3) % 8 }));
    const answer = demo.recorder.answerChallenge(7, samples);
    const rec = readStep(dir, 7).record;
    const trusted = { roots: { a: rec.x_root as string, b: rec.w1_root as string, c: rec.h_root as string }, dims: [16, 4, 8] as const };
    expect(answer.clause).toBe('fc1');
    expect(answer.dims).toEqual([16, 4, 8]);
    expect(answer.roots).toEqual(trusted.roots);
    expect(answer.samples).toHaveLength(139);
    expect(checkChallengeAnswer(answer, trusted)).toEqual([]);
    const s0 = answer.samples[0]!;
    expect(s0.value).toBe(demo.steps[6]!.h[s0.i * 8 + s0.j]);

    // A recorder opened later recomputes the commitments from the tensors files: the same answer.
    const reopened = Recorder.open(dir, 'demo', { verify: { fc1: { a: 'x_root', b: 'w1_root', c: 'h_root' } }, anchor: demoAnchor() });
    expect(reopened.lastStep).toBe(STEPS);
    expect(reopened.answerChallenge(7, samples, 'fc1')).toEqual(answer);

    // Tampered answers fail, each for its reason.
    const tamper = (f: (a: { samples: SampleLike[] }) => void): string[] => {
      const copy = structuredClone(answer) as unknown as { samples: SampleLike[] };
      f(copy);
      return checkChallengeAnswer(copy as unknown as ChallengeAnswer, trusted);
    };
    type SampleLike = { i: number; j: number; a: { values: Uint16Array; siblings: number[][]; row: number }; b: { values: Uint16Array; row: number }; c: { values: Uint16Array; row: number } };
    expect(tamper((a) => (a.samples[0]!.c.values[a.samples[0]!.j] ^= 1))).toEqual([
      expect.stringMatching(/^sample 0 \(i = 0, j = 0\): row 0 of c does not open against c's root$/),
      expect.stringMatching(/^sample 0 \(i = 0, j = 0\): c\[0\]\[0\] = 0x[0-9a-f]{4}, but a\[0\]·b\[:, 0\] = 0x[0-9a-f]{4}$/),
    ]);
    expect(tamper((a) => (a.samples[1]!.a.values[0] ^= 0x40))).toEqual([expect.stringMatching(/^sample 1 .*row 5 of a does not open/), expect.stringMatching(/^sample 1 .*c\[5\]\[3\]/)]);
    expect(tamper((a) => (a.samples[2]!.a.siblings[1]![3] = 12345))).toEqual([expect.stringMatching(/^sample 2 .*row 10 of a does not open/)]);
    expect(tamper((a) => (a.samples[3]!.j = (a.samples[3]!.j + 1) % 8))).toContainEqual(expect.stringMatching(/^sample 3 .*not the sampled ones/));
    expect(checkChallengeAnswer(answer, { ...trusted, dims: [16, 4, 9] })).not.toEqual([]);

    expect(() => demo.recorder.answerChallenge(7, [{ i: 16, j: 0 }])).toThrow(/\(16, 0\) is outside the 16 × 8 output of verify fc1/);
    expect(() => demo.recorder.answerChallenge(99, samples)).toThrow(/step 99 is not recorded/);
    expect(() => demo.recorder.answerChallenge(1, samples, 'fc2')).toThrow(/no verify clause 'fc2'/);
  });
});

describe('run directory validation', () => {
  /** A valid demo run, copied fresh per case by re-recording (fast: about 0.2 s). */
  const demoDir = (steps = 4): string => {
    const d = fresh();
    recordDemoRun(d, steps);
    return d;
  };

  it('names the file, the step and the field of a malformed record', () => {
    const d = demoDir();
    const env = readStep(d, 3) as unknown as { record: Record<string, unknown> };
    env.record.tokens_by_source = [8, 1.5];
    writeStep(d, 3, env);
    expect(messages(d)).toContain('steps/000003.json: step 3: record/tokens_by_source/1: must be integer, or must be string, got 1.5');

    env.record.tokens_by_source = [8, 8];
    env.record.tokenz = 1;
    delete env.record.tokens;
    writeStep(d, 3, env);
    expect(messages(d)).toEqual(
      expect.arrayContaining(["steps/000003.json: step 3: record: missing field 'tokens'", "steps/000003.json: step 3: record: unknown field 'tokenz'"]),
    );
    // Without the policy's schemas the envelope still validates, and the record's own content is left alone.
    expect(validateRunDir(d, { deep: false })).toEqual([]);
  });

  it('catches a root that is not the commitment of its tensor, a bad digest, and broken observations', () => {
    const d = demoDir();
    const env = readStep(d, 2) as unknown as { record: Record<string, unknown>; observation: { signature: string } };
    const good = structuredClone(env);
    env.record.x_root = readStep(d, 1).record.x_root;
    writeStep(d, 2, env);
    expect(messages(d)).toEqual([
      expect.stringMatching(/^steps\/000002\.json: step 2: record\/x_root: is not the commitment of tensor 'x' in tensors\/000002\.safetensors \(its root is [0-9a-f]{64}\)$/),
      expect.stringMatching(/^steps\/000002\.json: step 2: observation\/digest: is not this step's observation digest/),
    ]);
    env.record.x_root = `78000001${'0'.repeat(56)}`;
    writeStep(d, 2, env);
    expect(messages(d)).toContain(
      'steps/000002.json: step 2: record/x_root: digest word 0 (hex digits 1-8) is 0x78000001, not below the field prime 0x78000001',
    );
    const s = structuredClone(good);
    s.observation.signature = s.observation.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    writeStep(d, 2, s);
    expect(messages(d)).toEqual(["steps/000002.json: step 2: observation/signature: is not the anchor's Ed25519 signature of the digest"]);
  });

  it('refuses a run recorded in an older run format as a whole (ZV310): its roots are not this zpol\'s', () => {
    const d = fresh();
    recordDemoRun(d, 1);
    expect(messages(d)).toEqual([]);
    const run = JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'run.json'), JSON.stringify({ ...run, version: 1 }));
    const m = messages(d);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatch(/^run\.json: version: ZV310: the run was recorded in run format version 1; this zpol reads version 2, whose tensor roots are hashed in chunks and commit their shapes/);
    // The CLI says so before proving.
    const r = zpol(['prove', 'policies/demo.zpol', '--run', d, '--out', join(d, 'proofs')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ZV310: the run was recorded in run format version 1/);
  });

  it('catches tampered tensors files, missing steps, misnamed files and envelope errors', () => {
    const d = demoDir();
    const tf = join(d, 'tensors/000003.safetensors');
    const bytes = readFileSync(tf);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(tf, bytes);
    expect(messages(d)).toEqual([
      expect.stringMatching(/^steps\/000003\.json: step 3: tensors\/blake3: tensors\/000003\.safetensors has BLAKE3 [0-9a-f]{64}, not the recorded [0-9a-f]{64}$/),
      // The last bytes are tensor 'x''s (the tensors are laid out by name: batch, h, w1t, x).
      expect.stringMatching(/^steps\/000003\.json: step 3: record\/x_root: is not the commitment of tensor 'x'/),
    ]);
    writeFileSync(tf, bytes.subarray(0, bytes.length - 3));
    expect(messages(d)).toContainEqual(expect.stringMatching(/^tensors\/000003\.safetensors: step 3: tensor 'x': data_offsets \[480, 608\] reach past the 605-byte data buffer/));
    unlinkSync(tf);
    expect(messages(d)).toEqual(['steps/000003.json: step 3: tensors/file: tensors/000003.safetensors is missing']);

    const e = fresh();
    recordDemoRun(e, 4);
    unlinkSync(join(e, stepFile(2)));
    writeFileSync(join(e, 'steps/3.json'), '{}');
    expect(messages(e)).toEqual([
      'steps/3.json: not a step file (steps/NNNNNN.json, numbered from 000001)',
      'steps/000002.json: step 2: missing: steps are numbered 1, 2, ... without gaps (the run has step 4)',
    ]);

    const f = fresh();
    recordDemoRun(f, 2);
    const env = readStep(f, 2) as unknown as Record<string, unknown>;
    writeStep(f, 2, { ...env, step: 1, extra: true, version: 3 });
    expect(messages(f)).toEqual(["steps/000002.json: step 2: unknown field 'extra'", 'steps/000002.json: step 2: version: must be 2, got 3']);
    writeStep(f, 2, { ...env, step: 1 });
    expect(messages(f)).toEqual(["steps/000002.json: step 2: step: is 1, but the file is step 2's"]);
    writeFileSync(join(f, stepFile(2)), '{"format": ');
    expect(messages(f)).toEqual([expect.stringMatching(/^steps\/000002\.json: step 2: not valid JSON: /)]);
  });

  it('checks run.json, spec.json and the registry', () => {
    const d = demoDir(1);
    const reg = JSON.parse(readFileSync(join(d, 'registry.json'), 'utf8'));
    reg.sources[1].root = reg.sources[0].root;
    reg.sources[0].id = 3;
    writeFileSync(join(d, 'registry.json'), JSON.stringify(reg));
    expect(messages(d)).toEqual([
      'registry.json: sources/0/id: is 3; sources are listed by id, 0, 1, ... (this is source 0)',
      expect.stringMatching(/^registry\.json: sources\/1\/root: is not the commitment of data\/synthetic\.safetensors's examples/),
    ]);
    // The prover reads registry.json again for every step: it refuses the same registry, and a root that is not
    // its dataset's commitment.
    const step1 = readStep(d, 1);
    expect(() => runTensors(d, step1, true)).toThrow(RunFormatError);
    reg.sources[0].id = 0;
    writeFileSync(join(d, 'registry.json'), JSON.stringify(reg));
    expect(() => runTensors(d, step1, true)).toThrow(DatasetError);
    expect(() => runTensors(d, step1, true)).toThrow(/data\/synthetic\.safetensors: its examples commit to [0-9a-f]{64}, not to the root/);
    expect(runTensors(demoDir(1), step1, true).has('dataset:synthetic')).toBe(true);

    const e = demoDir(1);
    writeFileSync(join(e, 'spec.json'), JSON.stringify({ arch: 'transformer', params: 58, d_in: 4, d_hidden: 8, batch_rows: 16 }));
    const run = JSON.parse(readFileSync(join(e, 'run.json'), 'utf8'));
    run.policy.digest = 'xyz';
    writeFileSync(join(e, 'run.json'), JSON.stringify(run));
    expect(messages(e)).toEqual([
      'run.json: policy/digest: must be null, or must match pattern "^[0-9a-f]{64}$", got "xyz"',
      "spec.json: missing field 'd_out'",
      "spec.json: missing field 'datasets'",
      "spec.json: missing field 'weights'",
      expect.stringMatching(/^spec\.json: arch: must be one of "dense_transformer", .*"mlp".*, got "transformer"$/),
    ]);
    expect(() => readRunDir(e, { schemas })).toThrow(RunFormatError);
  });
});

describe('recorder', () => {
  const verify = { fc1: { a: 'x_root', b: 'w1_root', c: 'h_root' } };
  const x = { field: 'x_root', rows: 2, cols: 2, values: Uint16Array.from([0x3f80, 0x4000, 0x4040, 0x4080]) };
  const w1t = { field: 'w1_root', rows: 2, cols: 2, values: Uint16Array.from([0x3f80, 0, 0, 0x3f80]), transposed: true };
  const h = { field: 'h_root', rows: 2, cols: 2, values: Uint16Array.from([0x3f80, 0x4000, 0x4040, 0x4080]) };
  const labels = { field: 'labels_root', rows: 2, cols: 1, values: Uint16Array.from([0, 0x3f80]) };

  it('records steps in order, resumes, and refuses another run in the same directory', () => {
    const d = fresh();
    const rec = Recorder.open(d, 'demo', { verify, schemas });
    expect(() => rec.recordStep(2, {}, {})).toThrow(/the first step is 1/);
    rec.recordStep(1, { tokens: 2, tokens_by_source: [1, 1], weights_root: '00'.repeat(32) }, { x, w1t, h, labels });
    expect(() => rec.recordStep(1, { tokens: 2, tokens_by_source: [1, 1] }, { x, w1t, h, labels })).toThrow(/the last recorded step is 1, so the next is 2/);
    expect(rec.answerChallenge(1, [{ i: 1, j: 1 }]).samples[0]!.value).toBe(0x4080);
    const again = Recorder.open(d, 'demo', { verify });
    expect(again.lastStep).toBe(1);
    again.recordStep(2, { tokens: 2, tokens_by_source: [1, 1] }, { x, w1t, h, labels });
    expect(() => Recorder.open(d, 'other', { verify })).toThrow(RecorderError);
    expect(() => Recorder.open(d, 'demo')).toThrow(/records another run/);
    // finish() marks the last step; a finished run takes no more steps, reopened or not.
    again.finish();
    expect(JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')).finished).toEqual({ steps: 2 });
    expect(() => again.recordStep(3, { tokens: 2, tokens_by_source: [1, 1] }, { x, w1t, h, labels })).toThrow(/the run was finished after step 2/);
    expect(() => Recorder.open(d, 'demo', { verify }).recordStep(3, { tokens: 2, tokens_by_source: [1, 1] }, { x, w1t, h, labels })).toThrow(/finished after step 2/);
  });

  it('refuses records that do not match the policy, before writing anything', () => {
    const d = fresh();
    const rec = Recorder.open(d, 'demo', { verify, schemas });
    expect(() => rec.recordStep(1, { tokens: 2, tokens_by_source: [1, -1] }, { x, w1t, h, labels })).toThrow(
      'steps/000001.json: step 1: record/tokens_by_source/1: must be >= 0, or must be string, got -1',
    );
    expect(() => rec.recordStep(1, { tokens: 2, tokens_by_source: [1, 1], x_root: 'ab' }, { x, w1t, h, labels })).toThrow(/given and also receives tensor 'x''s root/);
    expect(readdirSync(join(d, 'steps'))).toEqual([]);
    expect(readdirSync(join(d, 'tensors'))).toEqual([]);
    expect(() => rec.commitSpec({ arch: 'mlp' })).toThrow(/spec\.json: missing field 'params'/);
    expect(existsSync(join(d, 'spec.json'))).toBe(false);
    expect(rec.lastStep).toBe(0);
  });

  it('can set the policy digest once it is known', () => {
    const d = fresh();
    const rec = Recorder.open(d, 'demo', { verify });
    rec.setPolicyDigest('ab'.repeat(32));
    expect(JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')).policy.digest).toBe('ab'.repeat(32));
    expect(() => rec.setPolicyDigest('AB')).toThrow(/policy\/digest/);
  });
});

describe('atomic writes', () => {
  it('never leaves a partial file: a failure before the rename keeps the old contents and no temporary file', () => {
    const d = fresh();
    const rec = Recorder.open(d, 'demo');
    const target = join(d, 'spec.json');
    writeFileAtomic(target, 'old\n');
    let tmpSeen = '';
    expect(() =>
      writeFileAtomic(target, 'new contents that never land\n', {
        beforeRename: (tmp) => {
          tmpSeen = tmp;
          // The temporary file is complete and flushed, next to the target, and hidden from readers.
          expect(readFileSync(tmp, 'utf8')).toBe('new contents that never land\n');
          throw new Error('killed');
        },
      }),
    ).toThrow('killed');
    expect(tmpSeen).toMatch(/\/\.spec\.json\.\d+\.\d+\.tmp$/);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(existsSync(tmpSeen)).toBe(false);
    expect(rec.lastStep).toBe(0);
  });

  it('a writer killed before its rename leaves only a hidden temporary file, which readers ignore and open removes', () => {
    const d = fresh();
    recordDemoRun(d, 2);
    const script = join(d, 'killed-writer.ts');
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(join(repoRoot, 'runtime/run/files.ts'))};
writeFileAtomic(${JSON.stringify(join(d, stepFile(3)))}, '{"half": "a step that never was"}', {
  beforeRename: () => { process.kill(process.pid, 'SIGKILL'); },
});`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(join(d, stepFile(3)))).toBe(false);
    const left = readdirSync(join(d, 'steps')).filter((f) => f.endsWith('.tmp'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.000003\.json\.\d+\.\d+\.tmp$/);
    expect(validateRunDir(d)).toEqual([]);
    expect(readRunDir(d).steps).toHaveLength(2);
    const rec = Recorder.open(d, 'demo', { verify: { fc1: { a: 'x_root', b: 'w1_root', c: 'h_root' } }, anchor: demoAnchor() });
    expect(rec.lastStep).toBe(2);
    expect(readdirSync(join(d, 'steps')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(removeStaleTemps(join(d, 'steps'))).toEqual([]);
  });
});
