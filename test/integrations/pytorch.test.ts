/**
 * zpol_torch (integrations/pytorch), the PyTorch recorder, against the TypeScript runtime: the same values give
 * the same bytes in every file of a run directory, the same tensor roots, the same canonical numbers; and the
 * package's own Python tests. They run Debian's python3 with python3-torch (.ci/run installs it); without it they
 * are skipped, and the skip says why.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { demoAnchor, recordDemoRun } from '../../demo/record.ts';
import { Trainer } from '../../demo/trainer.ts';
import { Recorder, type StepTensor } from '../../runtime/run/recorder.ts';
import { commitMatrix, digestToHex } from '../../runtime/run/tensor-commit.ts';
import { idValues } from '../../runtime/run/embeds.ts';
import { labelValues } from '../../runtime/run/labels.ts';
import { canonicalJson } from '../../runtime/run/files.ts';
import { bf16Dot, blocked, SEQUENTIAL } from '../../runtime/fp/bf16.ts';
import { bf16MmaDot } from '../../runtime/fp/mma.ts';
import { hasTorch, skipNote, TORCH_PYTHON } from './torch-python.ts';
import { blake3 } from '@noble/hashes/blake3.js';

const root = join(import.meta.dirname, '../..');
const pkg = join(root, 'integrations/pytorch');

function python(args: string[], input?: string, timeout = 60_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TORCH_PYTHON, args, { cwd: pkg, input, encoding: 'utf8', timeout, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe.skipIf(!hasTorch)(`zpol_torch against the TypeScript runtime${skipNote}`, () => {
  it('records a run byte for byte as the TypeScript recorder does (every file, anchor signatures included)', () => {
    const base = mkdtempSync(join(tmpdir(), 'zpol-torch-'));
    const [ts, py] = [join(base, 'ts'), join(base, 'py')];
    recordDemoRun(ts, 3);
    const r = python(['tests/rerecord_run.py', ts, py]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The layouts of the weights each step ends with list roots only, not the values a recorder would commit
    // again: the next test compares those files' bytes from the same tensors.
    const names = files(ts).filter((n) => !/^weights\/\d{6}\.json$/.test(n));
    expect(files(ts)).toContain('weights/000003.json');
    expect(names).toContain('steps/000003.json');
    expect(files(py)).toEqual(names);
    for (const n of names) expect({ file: n, same: readFileSync(join(py, n)).equals(readFileSync(join(ts, n))) }).toEqual({ file: n, same: true });
  });

  it("writes a step's layout of the weights it ends with (weights/NNNNNN.json) byte for byte as the TypeScript recorder does", () => {
    const base = mkdtempSync(join(tmpdir(), 'zpol-torch-step-weights-'));
    const [ts, py] = [join(base, 'ts'), join(base, 'py')];
    const trainer = new Trainer();
    trainer.step();
    const tensors = trainer.weights();
    const layout = Recorder.open(ts, 'demo').commitStepWeights(2, tensors);
    const script = [
      'import json, sys, torch',
      'from zpol_torch import Recorder',
      'ts = json.load(sys.stdin)',
      'def bf16(t): return torch.tensor([b - 65536 if b >= 32768 else b for b in t["values"]], dtype=torch.int16).view(torch.bfloat16).reshape(t["shape"])',
      'print(Recorder.open(sys.argv[1], "demo").commit_step_weights(2, [(t["name"], bf16(t)) for t in ts])["root"])',
    ].join('\n');
    const t = python(['-c', script, py], JSON.stringify(tensors.map((x) => ({ name: x.name, shape: x.shape, values: [...x.values] }))));
    expect(t.stderr).toBe('');
    expect(t.stdout.trim()).toBe(layout.root);
    expect(readFileSync(join(py, 'weights/000002.json')).equals(readFileSync(join(ts, 'weights/000002.json')))).toBe(true);
  });

  it("records a family's record arrays (tensors committed to x_root[l]) byte for byte as the TypeScript recorder does", () => {
    const base = mkdtempSync(join(tmpdir(), 'zpol-torch-family-'));
    const [ts, py] = [join(base, 'ts'), join(base, 'py')];
    const rec = Recorder.open(ts, 'fam', { verify: { up: { a: 'x_root', b: 'w_root', c: 'h_root' } }, anchor: demoAnchor() });
    rec.commitSpec({ layers: 3 });
    rec.registerSources([{ name: 'curated', examples: Uint16Array.from([0x3f80, 0x4000]), rows: 1, cols: 2 }]);
    let v = 7;
    const values = (n: number) => Uint16Array.from({ length: n }, () => ((v = (v * 1103515245 + 12345) % 2 ** 31), 0x3c00 + (v % 0x800)));
    for (const step of [1, 2]) {
      const tensors: Record<string, StepTensor> = {};
      // Out of order on purpose: the arrays are filled by index, not by the order the tensors come in.
      for (const l of [2, 0, 1]) {
        tensors[`up.${l}.a`] = { field: `x_root[${l}]`, rows: 4, cols: 8, values: values(32) };
        tensors[`up.${l}.bt`] = { field: `w_root[${l}]`, rows: 3, cols: 8, values: values(24), transposed: true };
        tensors[`up.${l}.c`] = { field: `h_root[${l}]`, rows: 4, cols: 3, values: values(12) };
      }
      rec.recordStep(step, { tokens: 4 }, tensors, { metrics: { loss: 1 / step } });
    }
    rec.finish();
    const record = JSON.parse(readFileSync(join(ts, 'steps/000001.json'), 'utf8')) as { record: Record<string, unknown> };
    expect((record.record.x_root as string[]).map((h) => h.length)).toEqual([64, 64, 64]);
    const r = python(['tests/rerecord_run.py', ts, py]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const names = files(ts);
    expect(files(py)).toEqual(names);
    for (const n of names) expect({ file: n, same: readFileSync(join(py, n)).equals(readFileSync(join(ts, n))) }).toEqual({ file: n, same: true });
    // An array with an element no tensor fills is refused, naming the field and the element.
    const gap = Recorder.open(join(base, 'gap'), 'fam');
    expect(() => gap.recordStep(1, {}, { a: { field: 'x_root[1]', rows: 1, cols: 1, values: values(1) } })).toThrow(/step 1: record field 'x_root' has no tensor for element 0/);
  });

  it("records a token model's windows, spec dataset roots, labels, token ids and embeddings byte for byte as the TypeScript recorder does", () => {
    // tiny_gpt's data shape in miniature: sources of token-id windows, the spec committing their roots, and a step
    // committing one label per sequence, the sequences' ids and the embedded input (embeds, from_sources on ids).
    const base = mkdtempSync(join(tmpdir(), 'zpol-torch-ids-'));
    const [ts, py] = [join(base, 'ts'), join(base, 'py')];
    const rec = Recorder.open(ts, 'ids', { verify: { head: { a: 'h_root', b: 'emb_root', c: 'logits_root' } }, anchor: demoAnchor() });
    const windows = [[[0, 1, 2], [3, 4, 5]], [[40, 39, 38], [7, 7, 7]]];
    const registry = rec.registerSources(windows.map((w, i) => ({ name: ['curated', 'synthetic'][i]!, examples: idValues(w.flat()), rows: 2, cols: 3 })));
    rec.commitSpec({ datasets: registry.sources.map((s) => s.root) });
    const table = Uint16Array.from({ length: 41 * 4 }, (_, i) => 0x3c00 + ((i * 37) % 0x400));
    const seqs = [windows[0]![1]!.slice(0, 2), windows[1]![0]!.slice(0, 2)];
    const embedded = Uint16Array.from(seqs.flat().flatMap((v) => Array.from(table.subarray(v * 4, v * 4 + 4))));
    rec.recordStep(1, { tokens: 4 }, {
      labels: { field: 'labels_root', rows: 2, cols: 1, values: labelValues([0, 1]) },
      ids: { field: 'ids_root', rows: 2, cols: 2, values: idValues(seqs.flat()) },
      embed: { field: 'embed_root', rows: 4, cols: 4, values: embedded },
    });
    rec.finish();
    const r = python(['tests/rerecord_run.py', ts, py]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const names = files(ts);
    expect(names).toEqual(expect.arrayContaining(['registry.json', 'spec.json', 'steps/000001.json', 'data/curated.safetensors']));
    expect(files(py)).toEqual(names);
    for (const n of names) expect({ file: n, same: readFileSync(join(py, n)).equals(readFileSync(join(ts, n))) }).toEqual({ file: n, same: true });
    // zpol_torch.token_ids writes the bits runtime/run/embeds.ts's idValues does: the same roots.
    const script = 'import json, sys, torch\nfrom zpol_torch import commit_bf16, token_ids\nfor w in json.load(sys.stdin): print(commit_bf16(token_ids(torch.tensor(w))))';
    const t = python(['-c', script], JSON.stringify(windows));
    expect(t.stderr).toBe('');
    expect(t.stdout.trim().split('\n')).toEqual(registry.sources.map((s) => s.root));
  });

  it('commits matrices to the same roots as runtime/run/tensor-commit.ts', () => {
    // With rows of several chunks (tensor-commit.ts chunkWords): 600 columns are three chunks of 25 words, 1024 two of
    // 64, 536 one of 67 (no divisor from 8 to 64); batched beside one-chunk rows.
    const shapes: [number, number][] = [[1, 1], [2, 8], [3, 9], [5, 11], [17, 3], [16, 64], [3, 600], [2, 1024], [2, 536]];
    const cases = shapes.map(([r, c], s) => {
      const v = new Uint16Array(r * c);
      for (let i = 0; i < v.length; i++) v[i] = (Math.imul(i + 1, 2654435761 + s) >>> 13) & 0xffff;
      return { rows: r, cols: c, values: [...v], root: digestToHex(commitMatrix(v, r, c).root) };
    });
    const script = [
      'import json, sys, torch',
      'from zpol_torch.commit import root, roots, digest_hex',
      'ts = [torch.tensor(c["values"], dtype=torch.int64).reshape(c["rows"], c["cols"]) for c in json.load(sys.stdin)]',
      'print("\\n".join(digest_hex(root(t)) for t in ts))',
      'print("\\n".join(digest_hex(r) for r in roots(ts)))',
    ].join('\n');
    const r = python(['-c', script], JSON.stringify(cases));
    expect(r.stderr).toBe('');
    // One by one, then all hashed together (one batch per word position, per chunk position and per tree level).
    expect(r.stdout.trim().split('\n')).toEqual([...cases, ...cases].map((c) => c.root));
  });

  it('hashes with BLAKE3 as @noble/hashes does, short inputs in Python and longer ones chunk-parallel in torch', () => {
    const sizes = [0, 1, 64, 1024, 1025, 7 * 1024 + 5, 8 * 1024, 8 * 1024 + 1, 9 * 1024, 33 * 1024 + 77, 100_000];
    const bytesOf = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 251);
    const script = [
      'import sys',
      'from zpol_torch.blake3 import blake3',
      'for n in map(int, sys.stdin.read().split()):',
      '    print(blake3(bytes((i * 7 + 3) % 251 for i in range(n))).hex())',
    ].join('\n');
    const r = python(['-c', script], sizes.join(' '));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(sizes.map((n) => Buffer.from(blake3(bytesOf(n))).toString('hex')));
  });

  it('writes numbers and strings in canonical JSON as JavaScript does', () => {
    const numbers = [0, -0, 1, -1, 0.1, 1 / 3, 2 / 3, 1e-7, 1.5e-7, 123456789012, 1e21, 1.2345e21, 9.5e20, 1e-6, 0.000001234, 5e-324,
      1.7976931348623157e308, 2 ** 53, 0.5013671928418577, 100, 1e16, 12345.678, -2.5e-10];
    const strings = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\r', '\u0001\u001f\u007f', 'é ü ∑ 😀', '\u2028'];
    const value = { numbers, strings, nested: { z: [1, 'a', null, true], a: { b: [] } }, 'é': 1, Z: 2, a: null };
    const script = [
      'import json, struct, sys',
      'from zpol_torch.canonical import canonical_json',
      'v = json.load(sys.stdin)',
      'v["numbers"] = [struct.unpack("<d", bytes.fromhex(h))[0] for h in v["numbers"]]',
      'sys.stdout.write(canonical_json(v) + "\\n" + canonical_json(v, pretty=True))',
    ].join('\n');
    const hex = numbers.map((x) => Buffer.from(new Float64Array([x]).buffer).toString('hex'));
    const r = python(['-c', script], JSON.stringify({ ...value, numbers: hex }));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${canonicalJson(value)}\n${canonicalJson(value, true)}`);
  });

  it('computes checked products bit for bit as runtime/fp does: sequential, blocked and tensor-core order', () => {
    // bf16 operands: mostly moderate exponents, some across the whole range (subnormals included); in the second
    // case also zeros of both signs, infinities and NaNs.
    let s = 12345;
    const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    const operand = (specials: boolean): number => {
      const r = next();
      if (specials && r % 61 === 0) return [0x7f80, 0xff80, 0x7fc1, 0x0000, 0x8000, 0x0001][(r >>> 8) % 6]!;
      const e = r % 7 === 0 ? (r >>> 8) % 255 : 118 + ((r >>> 8) % 16);
      return (((r >>> 20) & 1) << 15) | (e << 7) | ((r >>> 12) & 0x7f);
    };
    const cases = [false, true].map((specials) => {
      const [M, K, N] = [9, 64, 7];
      const a = Array.from({ length: M * K }, () => operand(specials));
      const b = Array.from({ length: K * N }, () => operand(specials));
      const row = (i: number): number[] => a.slice(i * K, (i + 1) * K);
      const col = (j: number): number[] => Array.from({ length: K }, (_, k) => b[k * N + j]!);
      const want: Record<string, number[]> = { sequential: [], blocked: [], tensor_core: [] };
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          want.sequential!.push(bf16Dot(row(i), col(j), SEQUENTIAL).out);
          want.blocked!.push(bf16Dot(row(i), col(j), blocked(5)).out);
          want.tensor_core!.push(bf16MmaDot(row(i), col(j)).out);
        }
      }
      return { M, K, N, a, b, want };
    });
    const script = [
      'import json, sys, torch',
      'from zpol_torch.gemm import checked_matmul, bf16_from_bits',
      'out = []',
      'for c in json.load(sys.stdin):',
      '    a = bf16_from_bits(torch.tensor(c["a"]).reshape(c["M"], c["K"]))',
      '    b = bf16_from_bits(torch.tensor(c["b"]).reshape(c["K"], c["N"]))',
      '    got = {k: (checked_matmul(a, b, o).view(torch.int16).to(torch.int64) & 0xFFFF).reshape(-1).tolist()',
      '           for k, o in (("sequential", "sequential"), ("blocked", ("blocked", 5)), ("tensor_core", "tensor_core"))}',
      '    out.append(got)',
      'print(json.dumps(out))',
    ].join('\n');
    const r = python(['-c', script], JSON.stringify(cases));
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, number[]>[];
    expect(got).toEqual(cases.map((c) => c.want));
    // The operands reach the specials: NaN outputs, infinities.
    expect(cases[1]!.want.tensor_core).toContain(0x7fc0);
  });

  it("passes the package's Python unit tests", () => {
    const r = python(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], undefined, 120_000);
    expect(r.stderr).toMatch(/\nOK/);
    expect(r.status).toBe(0);
  }, 120_000);
});
