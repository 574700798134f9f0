// Shared device code (gpu/device): the headers the CUDA kernels (gpu/cuda) and C++ code compile. On every machine
// they are compiled with g++ and must agree with the TypeScript reference bit for bit; where nvcc exists, the CUDA
// library is built for sm_80 and sm_90 and its check program run: without a GPU it must report the CUDA error
// cleanly, with one every kernel must equal the host and the BF16 GEMM the reference (fp/mma.ts) bit for bit.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { poseidon2 } from '../../runtime/proof/hash/poseidon2.ts';
import { P } from '../../runtime/proof/field/babybear.ts';
import { poseidon2ConstantsHeader } from '../../gpu/device/generate-constants.ts';
import { root } from '../helpers.ts';
import { cpuBackend } from '../../gpu/index.ts';
import { tsBackend } from '../../runtime/proof/backends/ts.ts';
import { Matrix } from '../../runtime/proof/matrix.ts';
import { poseidon2Hasher } from '../../runtime/proof/merkle/poseidon2-hasher.ts';
import * as E from '../../runtime/proof/field/extension.ts';
import { nttColumns } from '../../runtime/proof/field/ntt.ts';
import { foldBinary } from '../../runtime/proof/fri/fold.ts';
import { hashWords } from '../../runtime/proof/hash/blake3.ts';
import { leafHash } from '../../runtime/run/tensor-commit.ts';
import { writeGemmCases } from './gemm-cases.ts';
import { buildCuda, CUDA_LIBRARY, findNvcc } from '../../gpu/build-cuda.mjs';
import type { ProofBackend } from '../../runtime/proof/backend.ts';
import { buildSystem } from '../../runtime/proof/stark/system.ts';
import { prove } from '../../runtime/proof/stark/prover.ts';
import { FriPcs } from '../../runtime/proof/pcs/fri-pcs.ts';
import { DEFAULT_PCS_PARAMS } from '../../runtime/proof/pcs/security.ts';
import * as X from '../fixtures/sample-airs.ts';

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const gxx = which('g++');
const nvcc = findNvcc();

describe('gpu/device headers', () => {
  it('poseidon2-constants.h is what the generator writes from the TypeScript parameters', () => {
    expect(readFileSync(join(root, 'gpu/device/poseidon2-constants.h'), 'utf8')).toBe(poseidon2ConstantsHeader());
  });

  it.skipIf(!gxx)('the Poseidon2 header agrees with the TypeScript Poseidon2 (permutation, sponge, compression)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-device-'));
    try {
      const exe = join(dir, 'poseidon2');
      execFileSync(gxx, ['-O2', '-std=c++17', '-Wall', '-Werror', '-o', exe, join(root, 'test/gpu/harness/poseidon2.cc')]);
      let x = 0x9e3779b9;
      const rand = () => {
        x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6b) >>> 0;
        return x % P;
      };
      const edge = [0, 1, P - 1, P - 2];
      const cases: { line: string; expected: number[] }[] = [];
      for (let k = 0; k < 40; k++) {
        const s = Uint32Array.from({ length: 16 }, (_, i) => (k < 4 ? edge[(i + k) % 4]! : rand()));
        const expected = Uint32Array.from(s);
        poseidon2.permute(expected);
        cases.push({ line: `perm ${[...s].join(' ')}`, expected: [...expected] });
        cases.push({ line: `compress ${[...s].join(' ')}`, expected: [...poseidon2.compressPair(s.subarray(0, 8), s.subarray(8))] });
      }
      for (let len = 0; len <= 33; len++) {
        const m = Array.from({ length: len }, rand);
        cases.push({ line: `hash ${len} ${m.join(' ')}`, expected: [...poseidon2.hashElements(m)] });
      }
      const out = execFileSync(exe, { input: cases.map((c) => c.line).join('\n') + '\n', encoding: 'utf8' }).trim().split('\n');
      expect(out).toHaveLength(cases.length);
      cases.forEach((c, i) => expect(out[i]!.split(' ').map(Number), c.line.slice(0, 40)).toEqual(c.expected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!gxx)('the extension, NTT, FRI, DEEP, tensor-leaf and BLAKE3 headers agree with the TypeScript reference', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpol-device-'));
    try {
      const exe = join(dir, 'device');
      execFileSync(gxx, ['-O2', '-std=c++17', '-Wall', '-Werror', '-o', exe, join(root, 'test/gpu/harness/device.cc')]);
      let x = 0x2545f491;
      const rand = () => {
        x = (Math.imul(x ^ (x >>> 13), 0x5bd1e995) + 0x3c6ef372) >>> 0;
        return x % P;
      };
      const edge = [0, 1, P - 1, 2];
      const ext = (k: number): E.Ext => (k < 8 ? [edge[k % 4]!, edge[(k + 1) % 4]!, k < 4 ? 0 : P - 1, edge[(k + 3) % 4]!] : [rand(), rand(), rand(), rand()]);
      const cases: { line: string; expected: number[] }[] = [];
      for (let k = 0; k < 40; k++) {
        const a = ext(k), b = ext(k + 3);
        cases.push({ line: `extmul ${a.join(' ')} ${b.join(' ')}`, expected: [...E.mul(a, b)] });
        if (!E.isZero(a)) cases.push({ line: `extinv ${a.join(' ')}`, expected: [...E.inv(a)] });
      }
      for (const [logN, width] of [[0, 1], [1, 3], [4, 1], [7, 5], [10, 2]] as const) {
        const v = Uint32Array.from({ length: (1 << logN) * width }, rand);
        const want = v.slice();
        nttColumns(want, width);
        cases.push({ line: `ntt ${logN} ${width} ${v.join(' ')}`, expected: [...want] });
      }
      for (const [logSize, shift] of [[1, 31], [3, 31], [8, 7], [9, 440564289]] as const) {
        const cw = Uint32Array.from({ length: 4 << logSize }, rand);
        const beta = ext(9);
        cases.push({ line: `fold ${logSize} ${shift} ${beta.join(' ')} ${cw.join(' ')}`, expected: [...foldBinary(cw, logSize, shift, beta)] });
      }
      for (const width of [1, 2, 7, 40]) {
        const xpt = rand(), z = ext(11), s = ext(12);
        const coeffs = Uint32Array.from({ length: 4 * width }, rand);
        const values = Array.from({ length: width }, (_, k) => (k === 0 ? P - 1 : rand()));
        let c = E.ZERO;
        values.forEach((v, k) => (c = E.add(c, E.mulBase(E.load(coeffs, k), v))));
        const want = E.div(E.sub(c, s), E.sub(E.fromBase(xpt), z));
        cases.push({ line: `deep ${xpt} ${z.join(' ')} ${s.join(' ')} ${width} ${coeffs.join(' ')} ${values.join(' ')}`, expected: [...want] });
      }
      // Rows of one chunk, and of several: 600 columns are three chunks of 25 words, 1024 two of 64, 536 (67 words,
      // prime) one.
      for (const [rows, cols, r] of [[1, 1, 0], [3, 8, 2], [5, 9, 4], [100, 33, 57], [4, 600, 3], [2, 1024, 1], [3, 536, 0]] as const) {
        const row = Array.from({ length: cols }, (_, i) => (i === 0 ? 0xffff : rand() & 0xffff));
        cases.push({ line: `leaf ${rows} ${cols} ${r} ${row.join(' ')}`, expected: [...leafHash(rows, cols, r, row)] });
      }
      const key = Uint32Array.from({ length: 8 }, rand);
      for (const len of [0, 1, 16, 17, 256, 257, 1024, 1300]) {
        const words = Uint32Array.from({ length: len }, () => rand() ^ 0x80000000);
        const out = new Uint32Array(8);
        hashWords(words, 0, len, key, true, out, 0);
        cases.push({ line: `blake3 ${key.join(' ')} ${len} ${words.join(' ')}`, expected: [...out] });
      }
      const out = execFileSync(exe, { input: cases.map((c) => c.line).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n');
      expect(out).toHaveLength(cases.length);
      cases.forEach((c, i) => expect(out[i]!.split(' ').map(Number), c.line.slice(0, 40)).toEqual(c.expected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const cpu = cpuBackend();
  it.skipIf(!cpu)('the native addon builds Poseidon2 Merkle trees with the header, as the TypeScript reference does', () => {
    let x = 7;
    const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % P;
    for (const [height, widths, saltWidth] of [[1, [1], 0], [8, [3, 5], 4], [256, [8], 0], [1024, [13, 2], 4]] as const) {
      const matrices = widths.map((w) => new Matrix(Uint32Array.from({ length: height * w }, rand), w));
      const salts = saltWidth > 0 ? new Matrix(Uint32Array.from({ length: height * saltWidth }, rand), saltWidth) : null;
      expect(cpu!.merkleLayers(poseidon2Hasher, matrices, salts)).toEqual(tsBackend.merkleLayers(poseidon2Hasher, matrices, salts));
    }
    // A non-canonical element is refused, as the TypeScript hasher refuses it.
    expect(() => cpu!.merkleLayers(poseidon2Hasher, [new Matrix(Uint32Array.of(P, 1), 1)], null)).toThrow(RangeError);
  });

  it.skipIf(!cpu || !gxx)('the constraint interpreter a row at a time (as each CUDA thread runs it) gives the native backend\'s quotients', () => {
    // Record every quotient the native backend (batches of 32 rows) computes in a zero-knowledge proof of two
    // tables on a bus (preprocessed, auxiliary and public inputs, challenges), then replay each with batches of one.
    const calls: Uint32Array[][] = [];
    const recording: ProofBackend = {
      ...cpu!,
      evaluateQuotient(program, inputs, gammaPowers, zInv) {
        const out = cpu!.evaluateQuotient!(program, inputs, gammaPowers, zInv);
        const u32 = (a: ArrayLike<number>) => Uint32Array.from(a, (x) => x >>> 0); // a copy: the prover reuses its buffers
        calls.push([
          u32(program.code),
          u32(program.roots),
          // A matrix read with a step is, to the interpreter, one step times wider (gpu/index.ts programArgs).
          Uint32Array.of(inputs.height, inputs.nextOffset, ...[inputs.main, inputs.pre, inputs.aux].map((m) => (m ? m.width * (m.step ?? 1) : 0))),
          u32(inputs.main.values),
          u32(inputs.pre?.values ?? []),
          u32(inputs.aux?.values ?? []),
          u32(inputs.selectors.first),
          u32(inputs.selectors.last),
          u32(inputs.selectors.transition),
          u32(inputs.publics),
          u32(inputs.challenges.flatMap((c) => [...c])),
          u32(inputs.sumPerRow),
          u32(gammaPowers),
          u32(zInv),
          u32(out),
        ]);
        return out;
      },
    };
    const system = buildSystem('quotient-one', [{ air: X.squaresAir }, { air: X.consumerAir }], new FriPcs({ ...DEFAULT_PCS_PARAMS, zk: true }, { backend: recording }), true);
    prove(system, [X.squaresTrace(6, 5), X.consumerTrace(8, 64, 5)], [5], { seed: 'quotient-one' });
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const dir = mkdtempSync(join(tmpdir(), 'zpol-quotient-'));
    try {
      const exe = join(dir, 'quotient-one');
      execFileSync(gxx, ['-O2', '-std=c++17', '-Wall', '-Werror', '-o', exe, join(root, 'test/gpu/harness/quotient-one.cc')]);
      const write = (file: string, arrays: Uint32Array[]) => writeFileSync(file, Buffer.concat(arrays.flatMap((a) => [Buffer.from(Uint32Array.of(a.length).buffer), Buffer.from(a.buffer)])));
      calls.forEach((arrays, k) => {
        const file = join(dir, `call-${k}.bin`);
        write(file, arrays);
        expect(spawnSync(exe, [file], { encoding: 'utf8' }).stdout).toBe(`agrees, ${arrays[2]![0]} rows\n`);
        // A changed expected word is found: the comparison can fail.
        const last = arrays.at(-1)!;
        last[5] = (last[5]! + 1) % P;
        write(file, arrays);
        expect(spawnSync(exe, [file], { encoding: 'utf8' }).stdout).toBe('row 1 differs\n');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!nvcc || !gxx)(
    'the CUDA library builds for sm_80 and sm_90 (gpu/build-cuda.mjs), and its check program reports a missing GPU cleanly or agrees on one',
    () => {
      const built = buildCuda(); // skipped when the sources are unchanged since the install's build
      expect(built.ok, built.message).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'zpol-cuda-'));
      try {
        const exe = join(dir, 'cuda-check');
        execFileSync(gxx, ['-O2', '-std=c++17', '-Wall', '-Werror', '-o', exe, join(root, 'test/gpu/harness/cuda-check.cc'), CUDA_LIBRARY, `-Wl,-rpath,${dirname(CUDA_LIBRARY)}`]);
        const cases = join(dir, 'gemm.bin');
        const elements = writeGemmCases(cases);
        const r = spawnSync(exe, [cases], { encoding: 'utf8' });
        expect(r.status, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^bf16 gemm cases: 6, ${elements} elements\n`));
        const skipped = /^SKIPPED: no CUDA device \((cuda\w+|0 devices)\)$/m.test(r.stdout);
        if (skipped) console.warn(`CUDA kernels not run: ${r.stdout.split('\n')[1]}`);
        else expect(r.stdout).toMatch(/bf16 gemm: 6 cases, \d+ elements, 0 differ from the reference\nall checks agree\n$/);
        // A truncated cases file is refused, not half-read.
        writeFileSync(cases, readFileSync(cases).subarray(0, 1000));
        expect(spawnSync(exe, [cases], { encoding: 'utf8' }).status).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    900_000,
  );
});
