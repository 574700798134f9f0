/**
 * Cases for the CUDA BF16 GEMM (gpu/cuda/gemm.cu), with the reference's expected outputs (fp/mma.ts bf16MmaDot,
 * one per element: row m of A against column n of B), written in the format test/gpu/harness/cuda-check.cu reads:
 * "ZGEM", u32 count, then per case u32 M, N, K, A (M·K u16, row-major), B (K·N u16, row-major), the accumulators
 * (M·N u32) and the bf16 outputs (M·N u16), little-endian. Random matrices over a narrow and over the whole
 * exponent range, and adversarial ones: NaNs, infinities of both signs, zeros of both signs beside large values
 * (a zero product still sets the alignment exponent), subnormals, the largest finite values (the f32 accumulator
 * saturating to infinity), exact cancellation, long K.
 */
import { writeFileSync } from 'node:fs';
import { bf16MmaDot } from '../../runtime/fp/mma.ts';

export interface GemmCase {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Uint16Array;
  readonly b: Uint16Array;
}

const SPECIAL = [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x7f81, 0xffff, 0x7f7f, 0xff7f, 0x0001, 0x8001, 0x007f, 0x0080, 0x3f80, 0xbf80, 0x4000, 0x7f00, 0x0100];

export function gemmCases(seed = 0x51ed270b): GemmCase[] {
  let x = seed >>> 0;
  const rand = () => (x = (Math.imul(x ^ (x >>> 16), 0x45d9f3b) + 0x9e3779b9) >>> 0);
  const narrow = () => ((rand() & 0x8000) | ((118 + (rand() % 20)) << 7) | (rand() & 0x7f)) & 0xffff;
  const any = () => rand() & 0xffff;
  const adversarial = () => (rand() % 3 === 0 ? SPECIAL[rand() % SPECIAL.length]! : narrow());
  const matrix = (len: number, gen: () => number) => Uint16Array.from({ length: len }, gen);
  const cases: GemmCase[] = [];
  const add = (m: number, n: number, k: number, gen: () => number) => cases.push({ m, n, k, a: matrix(m * k, gen), b: matrix(k * n, gen) });
  add(16, 8, 16, narrow);
  add(64, 64, 64, narrow);
  add(32, 16, 256, narrow);
  add(32, 32, 64, any);
  add(48, 24, 96, adversarial);
  // Exact cancellation: B's column pairs k, k + 1 equal, A's row entries k, k + 1 opposite.
  const m = 16, n = 16, k = 64;
  const a = matrix(m * k, narrow), b = matrix(k * n, narrow);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j += 2) a[i * k + j + 1] = a[i * k + j]! ^ 0x8000;
  for (let j = 0; j < k; j += 2) for (let c = 0; c < n; c++) b[(j + 1) * n + c] = b[j * n + c]!;
  cases.push({ m, n, k, a, b });
  return cases;
}

/** The reference's accumulator and bf16 output for every element of A·B. */
export function gemmReference(c: GemmCase): { acc: Uint32Array; out: Uint16Array } {
  const acc = new Uint32Array(c.m * c.n);
  const out = new Uint16Array(c.m * c.n);
  const row = new Array<number>(c.k);
  const col = new Array<number>(c.k);
  for (let i = 0; i < c.m; i++) {
    for (let t = 0; t < c.k; t++) row[t] = c.a[i * c.k + t]!;
    for (let j = 0; j < c.n; j++) {
      for (let t = 0; t < c.k; t++) col[t] = c.b[t * c.n + j]!;
      const r = bf16MmaDot(row, col);
      acc[i * c.n + j] = r.acc >>> 0;
      out[i * c.n + j] = r.out;
    }
  }
  return { acc, out };
}

/** Writes the cases and their expected outputs to `path`; returns the number of output elements. */
export function writeGemmCases(path: string, cases: readonly GemmCase[] = gemmCases()): number {
  const parts: Uint8Array[] = [];
  const u32 = (...v: number[]) => parts.push(new Uint8Array(Uint32Array.from(v).buffer));
  parts.push(new TextEncoder().encode('ZGEM'));
  u32(cases.length);
  let elements = 0;
  for (const c of cases) {
    const { acc, out } = gemmReference(c);
    u32(c.m, c.n, c.k);
    for (const arr of [c.a, c.b, acc, out]) parts.push(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    elements += out.length;
  }
  writeFileSync(path, Buffer.concat(parts));
  return elements;
}
